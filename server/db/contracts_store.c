/* Service contracts: rows, coverage, entitlements of tickets, expiry
 * notices and revenue at risk. Scoped reads bind ?1..?4 (db_bind_scope):
 * the customer's scope (its region or a site's), or the caller owning the
 * customer or the contract. */
#include "db/contracts_store.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db/db.h"

#define CONTRACT_SCOPE                                                                             \
	"(?1 = 1 OR (?4 != 0 AND (k.sales_owner_id = ?4 OR c.sales_owner_id = ?4))"                \
	" OR (?2 IS NOT NULL AND ("                                                                \
	" EXISTS (SELECT 1 FROM regions r WHERE r.code = c.region_code"                            \
	" AND r.path >= ?2 AND r.path < ?3)"                                                       \
	" OR EXISTS (SELECT 1 FROM sites s JOIN regions r ON r.code = s.region_code"               \
	" WHERE s.customer_id = c.id AND r.path >= ?2 AND r.path < ?3))))"

#define CONTRACT_COLS                                                                              \
	"k.id, k.number, k.customer_id, c.name, k.kind, k.start_date, k.end_date, k.status,"       \
	" coalesce(k.sales_owner_id, 0), coalesce(u.username, ''), k.price_minor, k.currency,"     \
	" coalesce(k.renews_id, 0),"                                                               \
	" coalesce((SELECT min(n.id) FROM contracts n WHERE n.renews_id = k.id"                    \
	" AND n.status IN ('draft', 'active')), 0),"                                               \
	" k.covers_parts, k.covers_labour, k.covers_travel, coalesce(k.response_minutes, 0),"      \
	" coalesce(k.resolution_minutes, 0), coalesce(k.visits_per_year, -1),"                     \
	" coalesce(k.assist_hours_per_year, -1), k.signoff_required,"                              \
	" coalesce(k.warranty_renewal_id, 0),"                                                     \
	" coalesce((SELECT r.path FROM regions r WHERE r.code = c.region_code), ''),"              \
	" coalesce(k.created_by, 0), k.created_at, k.updated_at, coalesce(k.activated_at, 0),"     \
	" coalesce(k.cancelled_at, 0), k.version"

#define CONTRACT_FROM                                                                              \
	" FROM contracts k JOIN customers c ON c.id = k.customer_id"                               \
	" LEFT JOIN users u ON u.id = k.sales_owner_id"

#define EFFECTIVE_STATUS                                                                           \
	"(CASE WHEN k.status = 'active' AND k.end_date < ?5 THEN 'expired' ELSE k.status END)"

static void read_row(sqlite3_stmt *st, struct contract_row *c)
{
	int i = 0;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, c->number, sizeof(c->number));
	c->customer_id = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, c->customer_name, sizeof(c->customer_name));
	db_col_copy(st, i++, c->kind, sizeof(c->kind));
	db_col_copy(st, i++, c->start_date, sizeof(c->start_date));
	db_col_copy(st, i++, c->end_date, sizeof(c->end_date));
	db_col_copy(st, i++, c->status, sizeof(c->status));
	c->sales_owner_id = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, c->sales_owner, sizeof(c->sales_owner));
	c->price_minor = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, c->currency, sizeof(c->currency));
	c->renews_id = sqlite3_column_int64(st, i++);
	c->renewed_by_id = sqlite3_column_int64(st, i++);
	c->covers_parts = sqlite3_column_int(st, i++);
	c->covers_labour = sqlite3_column_int(st, i++);
	c->covers_travel = sqlite3_column_int(st, i++);
	c->response_minutes = sqlite3_column_int64(st, i++);
	c->resolution_minutes = sqlite3_column_int64(st, i++);
	c->visits_per_year = sqlite3_column_int64(st, i++);
	c->assist_hours_per_year = sqlite3_column_int64(st, i++);
	c->signoff_required = sqlite3_column_int(st, i++);
	c->warranty_renewal_id = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, c->region_path, sizeof(c->region_path));
	c->created_by = sqlite3_column_int64(st, i++);
	c->created_at = sqlite3_column_int64(st, i++);
	c->updated_at = sqlite3_column_int64(st, i++);
	c->activated_at = sqlite3_column_int64(st, i++);
	c->cancelled_at = sqlite3_column_int64(st, i++);
	c->version = sqlite3_column_int64(st, i++);
}

static const char sql_get[] =
    "SELECT " CONTRACT_COLS CONTRACT_FROM " WHERE k.id = ?5 AND " CONTRACT_SCOPE;

enum err contracts_store_get(struct db *db, int64_t id, const struct scope *sc,
			     struct contract_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		read_row(st, out);
		db_done(st);
	}
	return e;
}

static const char sql_list[] =
    "SELECT " CONTRACT_COLS CONTRACT_FROM " WHERE k.id > ?6 AND (?7 = 0 OR k.customer_id = ?7)"
    " AND (?8 IS NULL OR " EFFECTIVE_STATUS " = ?8) AND (?9 IS NULL OR k.kind = ?9)"
    " AND (?10 IS NULL OR k.end_date >= ?10) AND (?11 IS NULL OR k.end_date <= ?11)"
    " AND " CONTRACT_SCOPE " ORDER BY k.id LIMIT ?12";

enum err contracts_store_list(struct db *db, const struct scope *sc,
			      const struct contract_filter *f, int64_t after_id, int limit,
			      contract_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct contract_row c;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc);
	db_bind_text(st, 5, f->today);
	db_bind_int(st, 6, after_id);
	db_bind_int(st, 7, f->customer_id);
	db_bind_text(st, 8, f->status);
	db_bind_text(st, 9, f->kind);
	db_bind_text(st, 10, f->ending_from);
	db_bind_text(st, 11, f->ending_to);
	db_bind_int(st, 12, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &c);
		if (fn(&c, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static void bind_null_if(sqlite3_stmt *st, int idx, int64_t v, int64_t none)
{
	if (v == none)
		sqlite3_bind_null(st, idx);
	else
		db_bind_int(st, idx, v);
}

/* ?1..?22 in the order of the insert's column list. */
static void bind_row(sqlite3_stmt *st, const struct contract_row *c)
{
	db_bind_text(st, 1, c->number);
	db_bind_int(st, 2, c->customer_id);
	db_bind_text(st, 3, c->kind);
	db_bind_text(st, 4, c->start_date);
	db_bind_text(st, 5, c->end_date);
	db_bind_text(st, 6, c->status);
	bind_null_if(st, 7, c->sales_owner_id, 0);
	db_bind_int(st, 8, c->price_minor);
	db_bind_text(st, 9, c->currency);
	bind_null_if(st, 10, c->renews_id, 0);
	db_bind_int(st, 11, c->covers_parts);
	db_bind_int(st, 12, c->covers_labour);
	db_bind_int(st, 13, c->covers_travel);
	bind_null_if(st, 14, c->response_minutes, 0);
	bind_null_if(st, 15, c->resolution_minutes, 0);
	bind_null_if(st, 16, c->visits_per_year, -1);
	bind_null_if(st, 17, c->assist_hours_per_year, -1);
	db_bind_int(st, 18, c->signoff_required);
	bind_null_if(st, 19, c->warranty_renewal_id, 0);
	bind_null_if(st, 20, c->activated_at, 0);
	bind_null_if(st, 21, c->cancelled_at, 0);
	db_bind_int(st, 22, c->updated_at);
}

static const char sql_insert[] =
    "INSERT INTO contracts (number, customer_id, kind, start_date, end_date, status,"
    " sales_owner_id, price_minor, currency, renews_id, covers_parts, covers_labour,"
    " covers_travel, response_minutes, resolution_minutes, visits_per_year,"
    " assist_hours_per_year, signoff_required, warranty_renewal_id, activated_at, cancelled_at,"
    " updated_at, created_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24)";

enum err contracts_store_insert(struct db *db, const struct contract_row *c, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_INTERNAL;
	bind_row(st, c);
	bind_null_if(st, 23, c->created_by, 0);
	db_bind_int(st, 24, c->created_at);
	return db_exec_insert(db, st, id_out);
}

static const char sql_update[] =
    "UPDATE contracts SET number = ?1, customer_id = ?2, kind = ?3, start_date = ?4,"
    " end_date = ?5, status = ?6, sales_owner_id = ?7, price_minor = ?8, currency = ?9,"
    " renews_id = ?10, covers_parts = ?11, covers_labour = ?12, covers_travel = ?13,"
    " response_minutes = ?14, resolution_minutes = ?15, visits_per_year = ?16,"
    " assist_hours_per_year = ?17, signoff_required = ?18, warranty_renewal_id = ?19,"
    " activated_at = ?20, cancelled_at = ?21, updated_at = ?22, version = version + 1"
    " WHERE id = ?23 AND version = ?24";

enum err contracts_store_update(struct db *db, struct contract_row *c)
{
	sqlite3_stmt *st = db_stmt(db, sql_update);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	bind_row(st, c);
	db_bind_int(st, 23, c->id);
	db_bind_int(st, 24, c->version);
	e = db_exec_one(db, st);
	if (e == ERR_NOT_FOUND)
		e = ERR_CONFLICT;
	if (e == ERR_OK)
		c->version++;
	return e;
}

static enum err set_list(struct db *db, const char *del_sql, const char *ins_sql,
			 int64_t contract_id, const int64_t *ids, size_t n)
{
	sqlite3_stmt *st = db_stmt(db, del_sql);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, contract_id);
	e = db_exec_stmt(db, st);
	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		st = db_stmt(db, ins_sql);
		if (!st)
			return ERR_INTERNAL;
		db_bind_int(st, 1, contract_id);
		db_bind_int(st, 2, ids[i]);
		e = db_exec_stmt(db, st);
	}
	return e;
}

enum err contracts_store_units_set(struct db *db, int64_t contract_id, const int64_t *ids, size_t n)
{
	return set_list(
	    db, "DELETE FROM contract_units WHERE contract_id = ?1",
	    "INSERT OR IGNORE INTO contract_units (contract_id, asset_id) VALUES (?1, ?2)",
	    contract_id, ids, n);
}

enum err contracts_store_sites_set(struct db *db, int64_t contract_id, const int64_t *ids, size_t n)
{
	return set_list(
	    db, "DELETE FROM contract_sites WHERE contract_id = ?1",
	    "INSERT OR IGNORE INTO contract_sites (contract_id, site_id) VALUES (?1, ?2)",
	    contract_id, ids, n);
}

static enum err cover_scan(struct db *db, const char *sql, int64_t contract_id,
			   contract_cover_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, contract_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), db_col_text(st, 1), ctx))
			break;
	return db_scan_end(db, st, rc);
}

enum err contracts_store_units(struct db *db, int64_t contract_id, contract_cover_fn fn, void *ctx)
{
	return cover_scan(db,
			  "SELECT a.id, a.serial FROM contract_units u JOIN assets a"
			  " ON a.id = u.asset_id WHERE u.contract_id = ?1 ORDER BY a.id",
			  contract_id, fn, ctx);
}

enum err contracts_store_sites(struct db *db, int64_t contract_id, contract_cover_fn fn, void *ctx)
{
	return cover_scan(db,
			  "SELECT s.id, s.name FROM contract_sites cs JOIN sites s"
			  " ON s.id = cs.site_id WHERE cs.contract_id = ?1 ORDER BY s.id",
			  contract_id, fn, ctx);
}

/* Two index lookups (by unit, by site), then the contracts by id. */
static const char sql_covering[] =
    "SELECT " CONTRACT_COLS ", w.via" CONTRACT_FROM
    " JOIN (SELECT contract_id, min(via) AS via FROM ("
    " SELECT contract_id, 'site' AS via FROM contract_sites WHERE site_id = ?2"
    " UNION ALL SELECT contract_id, 'unit' FROM contract_units WHERE asset_id = ?1)"
    " GROUP BY contract_id) w ON w.contract_id = k.id"
    " WHERE k.status = 'active' AND k.start_date <= ?3 AND k.end_date >= ?3"
    " ORDER BY k.kind = 'service' DESC, k.end_date DESC, k.id";

enum err contracts_store_covering(struct db *db, int64_t asset_id, int64_t site_id, const char *day,
				  contract_covering_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_covering);
	struct contract_row c;
	char via[8];
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, site_id);
	db_bind_text(st, 3, day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &c);
		db_col_copy(st, 30, via, sizeof(via));
		if (fn(&c, via, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static enum err one_int(struct db *db, sqlite3_stmt *st, int64_t *out)
{
	enum err e = db_step_row(db, st);

	if (e == ERR_OK) {
		*out = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return e;
}

enum err contracts_store_visits(struct db *db, int64_t contract_id, int64_t from, int64_t to,
				int64_t *out)
{
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT count(*) FROM ticket_entitlements e JOIN tickets t ON t.id = e.ticket_id"
		" WHERE e.contract_id = ?1 AND e.billing = 'covered'"
		" AND (t.arrived_at IS NOT NULL OR t.resolved_at IS NOT NULL)"
		" AND t.created_at >= ?2 AND t.created_at < ?3");

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, contract_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	return one_int(db, st, out);
}

enum err contracts_store_assist_seconds(struct db *db, int64_t contract_id, int64_t from,
					int64_t to, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT coalesce(sum(s.ended_at - coalesce(s.connected_at, s.accepted_at)), 0)"
		" FROM ticket_entitlements e JOIN assist_sessions s ON s.ticket_id = e.ticket_id"
		" WHERE e.contract_id = ?1 AND s.state = 'ended'"
		" AND coalesce(s.connected_at, s.accepted_at) IS NOT NULL"
		" AND s.ended_at >= ?2 AND s.ended_at < ?3");

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, contract_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	return one_int(db, st, out);
}

enum err contracts_store_asset_owner(struct db *db, int64_t asset_id, int64_t *customer_id,
				     int64_t *site_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(customer_id, 0), coalesce(site_id, 0)"
				       " FROM assets WHERE id = ?1");
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		*customer_id = sqlite3_column_int64(st, 0);
		*site_id = sqlite3_column_int64(st, 1);
		db_done(st);
	}
	return e;
}

enum err contracts_store_site_customer(struct db *db, int64_t site_id, int64_t *customer_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT customer_id FROM sites WHERE id = ?1");

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, site_id);
	return one_int(db, st, customer_id);
}

enum err contracts_store_user_role(struct db *db, int64_t user_id, char role[16])
{
	sqlite3_stmt *st = db_stmt(db, "SELECT role FROM users WHERE id = ?1");
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		db_col_copy(st, 0, role, 16);
		db_done(st);
	}
	return e;
}

/* ---- tickets -------------------------------------------------------------- */

enum err contracts_store_ticket_put(struct db *db, int64_t ticket_id,
				    const struct ticket_entitlement *en)
{
	sqlite3_stmt *st =
	    db_stmt(db, "INSERT INTO ticket_entitlements (ticket_id, source, contract_id, billing,"
			" covers_parts, covers_labour, covers_travel, reason)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_text(st, 2, en->source);
	bind_null_if(st, 3, en->contract_id, 0);
	db_bind_text(st, 4, en->billing);
	db_bind_int(st, 5, en->covers_parts);
	db_bind_int(st, 6, en->covers_labour);
	db_bind_int(st, 7, en->covers_travel);
	db_bind_text(st, 8, en->reason);
	return db_exec_stmt(db, st);
}

enum err contracts_store_ticket_signoff(struct db *db, int64_t ticket_id, int *required)
{
	sqlite3_stmt *st =
	    db_stmt(db, "SELECT k.signoff_required FROM ticket_entitlements e"
			" JOIN contracts k ON k.id = e.contract_id WHERE e.ticket_id = ?1");
	int64_t v = 0;
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	e = one_int(db, st, &v);
	if (e == ERR_NOT_FOUND)
		e = ERR_OK;
	*required = e == ERR_OK && v != 0;
	return e;
}

enum err contracts_store_ticket_get(struct db *db, int64_t ticket_id,
				    struct ticket_entitlement *out)
{
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT e.source, e.billing, coalesce(e.contract_id, 0), coalesce(k.number, ''),"
		" e.covers_parts, e.covers_labour, e.covers_travel, e.reason"
		" FROM ticket_entitlements e LEFT JOIN contracts k ON k.id = e.contract_id"
		" WHERE e.ticket_id = ?1");
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	memset(out, 0, sizeof(*out));
	db_col_copy(st, 0, out->source, sizeof(out->source));
	db_col_copy(st, 1, out->billing, sizeof(out->billing));
	out->contract_id = sqlite3_column_int64(st, 2);
	db_col_copy(st, 3, out->contract_number, sizeof(out->contract_number));
	out->covers_parts = sqlite3_column_int(st, 4);
	out->covers_labour = sqlite3_column_int(st, 5);
	out->covers_travel = sqlite3_column_int(st, 6);
	db_col_copy(st, 7, out->reason, sizeof(out->reason));
	db_done(st);
	return ERR_OK;
}

/* ---- expiry and revenue --------------------------------------------------- */

enum err contracts_store_expire(struct db *db, const char *today, int64_t *changed)
{
	sqlite3_stmt *st =
	    db_stmt(db, "UPDATE contracts SET status = 'expired',"
			" version = version + 1 WHERE status = 'active' AND end_date < ?1");
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, today);
	e = db_exec_stmt(db, st);
	*changed = e == ERR_OK ? db_changes(db) : 0;
	return e;
}

#define BAND                                                                                       \
	"(CASE WHEN k.end_date < ?3 THEN 0 WHEN k.end_date <= ?4 THEN 30"                          \
	" WHEN k.end_date <= ?5 THEN 60 ELSE 90 END)"

static const char sql_unnoticed[] =
    "SELECT k.id, k.number, k.end_date, " BAND ", k.sales_owner_id, k.customer_id, c.name,"
    " coalesce((SELECT r.path FROM regions r WHERE r.code = c.region_code), ''),"
    " k.price_minor, k.currency"
    " FROM contracts k JOIN customers c ON c.id = k.customer_id"
    " WHERE k.end_date BETWEEN ?1 AND ?2 AND k.status IN ('active', 'expired')"
    " AND k.sales_owner_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM contracts n WHERE n.renews_id = k.id"
    " AND n.status IN ('draft', 'active'))"
    " AND NOT EXISTS (SELECT 1 FROM contract_notices x WHERE x.contract_id = k.id"
    " AND x.end_date = k.end_date AND x.threshold = " BAND ")"
    " ORDER BY k.sales_owner_id, k.end_date, k.id";

enum err contracts_store_unnoticed(struct db *db, const struct contract_bands *b,
				   contract_due_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_unnoticed);
	struct contract_due d;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, b->from);
	db_bind_text(st, 2, b->to);
	db_bind_text(st, 3, b->today);
	db_bind_text(st, 4, b->d30);
	db_bind_text(st, 5, b->d60);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.contract_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, d.number, sizeof(d.number));
		db_col_copy(st, 2, d.end_date, sizeof(d.end_date));
		d.threshold = sqlite3_column_int(st, 3);
		d.sales_owner_id = sqlite3_column_int64(st, 4);
		d.customer_id = sqlite3_column_int64(st, 5);
		db_col_copy(st, 6, d.customer_name, sizeof(d.customer_name));
		db_col_copy(st, 7, d.region_path, sizeof(d.region_path));
		d.price_minor = sqlite3_column_int64(st, 8);
		db_col_copy(st, 9, d.currency, sizeof(d.currency));
		if (fn(&d, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

enum err contracts_store_notice_add(struct db *db, int64_t contract_id, const char *end,
				    int threshold, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO contract_notices (contract_id, end_date,"
				       " threshold, sent_at) VALUES (?1, ?2, ?3, ?4)");

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, contract_id);
	db_bind_text(st, 2, end);
	db_bind_int(st, 3, threshold);
	db_bind_int(st, 4, now);
	return db_exec_stmt(db, st);
}

static const char sql_risk[] =
    "SELECT substr(k.end_date, 1, 7) AS month, k.currency, sum(k.price_minor), count(*)"
    " FROM contracts k JOIN customers c ON c.id = k.customer_id"
    " WHERE k.end_date >= ?5 AND k.end_date <= ?6 AND k.status IN ('active', 'expired')"
    " AND NOT EXISTS (SELECT 1 FROM contracts n WHERE n.renews_id = k.id"
    " AND n.status = 'active') AND " CONTRACT_SCOPE " GROUP BY month, k.currency"
    " ORDER BY month, k.currency";

enum err contracts_store_revenue_at_risk(struct db *db, const struct scope *sc, const char *from,
					 const char *to, contract_risk_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_risk);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc);
	db_bind_text(st, 5, from);
	db_bind_text(st, 6, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(db_col_text(st, 0), db_col_text(st, 1), sqlite3_column_int64(st, 2),
		       sqlite3_column_int64(st, 3), ctx))
			break;
	return db_scan_end(db, st, rc);
}
