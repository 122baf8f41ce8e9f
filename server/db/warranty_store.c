/* SQL for warranty alerts, renewals and expiry notices. Each alert query
 * drives one index range over warranty_end: (sales_owner_id,
 * warranty_end), (region_path, warranty_end) or warranty_end alone. */
#include "db/warranty_store.h"

#include <stdio.h>
#include <string.h>

#include "db/assets_store.h"
#include "db/db.h"

#define UNIT_COLS                                                                                  \
	"a.id, a.serial, m.code, a.warranty_end, a.customer_id, c.name, c.tier,"                   \
	" coalesce(a.site_id, 0), coalesce(s.name, ''), coalesce(a.sales_owner_id, 0),"            \
	" coalesce(u.username, '')"
#define UNIT_JOINS                                                                                 \
	" JOIN models m ON m.id = a.model_id JOIN customers c ON c.id = a.customer_id"             \
	" LEFT JOIN sites s ON s.id = a.site_id LEFT JOIN users u ON u.id = a.sales_owner_id"
#define UNIT_PUBLISHED ASSET_PUBLISHED("a")
/* Keyset order: customer, site, asset, after ?5..?7. */
#define UNIT_AFTER " AND (a.customer_id, coalesce(a.site_id, 0), a.id) > (?5, ?6, ?7)"
#define UNIT_ORDER " ORDER BY a.customer_id, coalesce(a.site_id, 0), a.id LIMIT ?8"

static const char sql_alerts_all[] =
    "SELECT " UNIT_COLS " FROM assets a" UNIT_JOINS
    " WHERE a.warranty_end BETWEEN ?1 AND ?2 AND" UNIT_PUBLISHED UNIT_AFTER UNIT_ORDER;
static const char sql_alerts_mine[] =
    "SELECT " UNIT_COLS " FROM assets a" UNIT_JOINS
    " WHERE a.sales_owner_id = ?3 AND a.warranty_end BETWEEN ?1 AND ?2 AND" UNIT_PUBLISHED
	UNIT_AFTER UNIT_ORDER;
static const char sql_alerts_region[] =
    "SELECT " UNIT_COLS " FROM assets a" UNIT_JOINS
    " WHERE a.region_path >= ?3 AND a.region_path < ?4"
    " AND a.warranty_end BETWEEN ?1 AND ?2 AND" UNIT_PUBLISHED UNIT_AFTER UNIT_ORDER;
/* A centre covers region subtrees; an asset under two covered regions (a
 * province and its city) is listed once. */
static const char sql_alerts_centre[] =
    "SELECT " UNIT_COLS " FROM assets a" UNIT_JOINS
    " WHERE a.id IN (SELECT a2.id FROM centre_regions cr JOIN regions r ON r.code = cr.region_code"
    " JOIN assets a2 ON a2.region_path >= r.path"
    " AND a2.region_path < substr(r.path, 1, length(r.path) - 1) || '0'"
    " AND a2.warranty_end BETWEEN ?1 AND ?2 WHERE cr.centre_code = ?3) AND" UNIT_PUBLISHED
	UNIT_AFTER UNIT_ORDER;

static const char *alerts_sql(enum warranty_owner owner)
{
	switch (owner) {
	case WARRANTY_MINE:
		return sql_alerts_mine;
	case WARRANTY_REGION:
		return sql_alerts_region;
	case WARRANTY_CENTRE:
		return sql_alerts_centre;
	case WARRANTY_ALL:
	default:
		return sql_alerts_all;
	}
}

enum err warranty_store_alerts(struct db *db, const struct warranty_query *q, warranty_unit_fn fn,
			       void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, alerts_sql(q->owner));
	struct warranty_unit u;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, q->from);
	db_bind_text(st, 2, q->to);
	if (q->owner == WARRANTY_MINE)
		db_bind_int(st, 3, q->user_id);
	else if (q->owner == WARRANTY_REGION) {
		db_bind_text(st, 3, q->region_lo);
		db_bind_text(st, 4, q->region_hi);
	} else if (q->owner == WARRANTY_CENTRE)
		db_bind_text(st, 3, q->centre);
	db_bind_int(st, 5, q->after_customer);
	db_bind_int(st, 6, q->after_site);
	db_bind_int(st, 7, q->after_asset);
	db_bind_int(st, 8, q->limit > 0 ? q->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		u.asset_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, u.serial, sizeof(u.serial));
		db_col_copy(st, 2, u.model_code, sizeof(u.model_code));
		db_col_copy(st, 3, u.warranty_end, sizeof(u.warranty_end));
		u.customer_id = sqlite3_column_int64(st, 4);
		db_col_copy(st, 5, u.customer_name, sizeof(u.customer_name));
		db_col_copy(st, 6, u.customer_tier, sizeof(u.customer_tier));
		u.site_id = sqlite3_column_int64(st, 7);
		db_col_copy(st, 8, u.site_name, sizeof(u.site_name));
		u.sales_owner_id = sqlite3_column_int64(st, 9);
		db_col_copy(st, 10, u.sales_owner, sizeof(u.sales_owner));
		if (fn(&u, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

enum err warranty_store_alerts_plan(struct db *db, enum warranty_owner owner, char *out,
				    size_t size)
{
	char sql[2048];
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc;

	/* EXPLAIN text is built from the static statement: no input in it. */
	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", alerts_sql(owner));
	rc = sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_err(db, rc);
	out[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n + 1 < size)
		n += (size_t)snprintf(out + n, size - n, "%s\n", db_col_text(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

/* ---- contracts ending ---------------------------------------------------- */

/* The customer's region decides region and centre scoping (contracts have
 * no region of their own); the sales owner decides "mine". */
#define CONTRACT_REGION "coalesce((SELECT r.path FROM regions r WHERE r.code = c.region_code), '')"
static const char sql_contracts_ending[] =
    "SELECT k.id, k.number, k.kind, k.end_date,"
    " CASE WHEN k.status = 'active' AND k.end_date < ?9 THEN 'expired' ELSE k.status END,"
    " k.customer_id, c.name, c.tier, coalesce(k.sales_owner_id, 0), coalesce(u.username, ''),"
    " EXISTS (SELECT 1 FROM contracts n WHERE n.renews_id = k.id AND n.status = 'cancelled'),"
    " k.price_minor, k.currency"
    " FROM contracts k JOIN customers c ON c.id = k.customer_id"
    " LEFT JOIN users u ON u.id = k.sales_owner_id"
    " WHERE k.end_date BETWEEN ?1 AND ?2 AND k.status IN ('active', 'expired')"
    " AND NOT EXISTS (SELECT 1 FROM contracts n WHERE n.renews_id = k.id"
    " AND n.status IN ('draft', 'active'))"
    " AND (?10 = 0 OR (?10 = 1 AND k.sales_owner_id = ?3)"
    " OR (?10 = 2 AND " CONTRACT_REGION " >= ?4 AND " CONTRACT_REGION " < ?5)"
    " OR (?10 = 3 AND EXISTS (SELECT 1 FROM centre_regions cr JOIN regions r"
    " ON r.code = cr.region_code WHERE cr.centre_code = ?11 AND " CONTRACT_REGION " >= r.path"
    " AND " CONTRACT_REGION " < substr(r.path, 1, length(r.path) - 1) || '0')))"
    " AND (k.customer_id, k.id) > (?6, ?7) ORDER BY k.customer_id, k.id LIMIT ?8";

enum err warranty_store_contracts(struct db *db, const struct warranty_query *q, const char *today,
				  int64_t after_customer, int64_t after_contract,
				  warranty_contract_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_contracts_ending);
	struct warranty_contract k;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, q->from);
	db_bind_text(st, 2, q->to);
	db_bind_int(st, 3, q->owner == WARRANTY_MINE ? q->user_id : 0);
	db_bind_text(st, 4, q->owner == WARRANTY_REGION ? q->region_lo : "");
	db_bind_text(st, 5, q->owner == WARRANTY_REGION ? q->region_hi : "");
	db_bind_int(st, 6, after_customer);
	db_bind_int(st, 7, after_contract);
	db_bind_int(st, 8, q->limit > 0 ? q->limit : -1);
	db_bind_text(st, 9, today);
	db_bind_int(st, 10,
		    q->owner == WARRANTY_MINE     ? 1
		    : q->owner == WARRANTY_REGION ? 2
		    : q->owner == WARRANTY_CENTRE ? 3
						  : 0);
	db_bind_text(st, 11, q->owner == WARRANTY_CENTRE ? q->centre : "");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&k, 0, sizeof(k));
		k.id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, k.number, sizeof(k.number));
		db_col_copy(st, 2, k.kind, sizeof(k.kind));
		db_col_copy(st, 3, k.end_date, sizeof(k.end_date));
		db_col_copy(st, 4, k.status, sizeof(k.status));
		k.customer_id = sqlite3_column_int64(st, 5);
		db_col_copy(st, 6, k.customer_name, sizeof(k.customer_name));
		db_col_copy(st, 7, k.customer_tier, sizeof(k.customer_tier));
		k.sales_owner_id = sqlite3_column_int64(st, 8);
		db_col_copy(st, 9, k.sales_owner, sizeof(k.sales_owner));
		k.renewal_cancelled = sqlite3_column_int(st, 10);
		k.price_minor = sqlite3_column_int64(st, 11);
		db_col_copy(st, 12, k.currency, sizeof(k.currency));
		if (fn(&k, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- renewals ------------------------------------------------------------ */

static const char sql_renewal_insert[] =
    "INSERT INTO warranty_renewals(asset_id, months, contract_number, previous_end, new_end,"
    " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_asset_extend[] = "UPDATE assets SET warranty_months = ?2, warranty_end = ?3"
				       " WHERE id = ?1 AND warranty_end IS NOT NULL";

enum err warranty_store_renew(struct db *db, struct warranty_renewal *r, int64_t new_months_total)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_extend);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, r->asset_id);
	db_bind_int(st, 2, new_months_total);
	db_bind_text(st, 3, r->new_end);
	e = db_exec_one(db, st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_renewal_insert);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, r->asset_id);
	db_bind_int(st, 2, r->months);
	db_bind_text(st, 3, r->contract_number);
	db_bind_text(st, 4, r->previous_end[0] ? r->previous_end : NULL);
	db_bind_text(st, 5, r->new_end);
	if (r->created_by)
		db_bind_int(st, 6, r->created_by);
	else
		sqlite3_bind_null(st, 6);
	db_bind_int(st, 7, r->created_at);
	return db_exec_insert(db, st, &r->id);
}

#define RENEWAL_COLS                                                                               \
	"w.id, w.asset_id, w.months, w.contract_number, coalesce(w.previous_end, ''),"             \
	" w.new_end, coalesce(w.created_by, 0), coalesce(u.username, ''), w.created_at"            \
	" FROM warranty_renewals w LEFT JOIN users u ON u.id = w.created_by"

static void renewal_read(sqlite3_stmt *st, struct warranty_renewal *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->asset_id = sqlite3_column_int64(st, 1);
	r->months = sqlite3_column_int64(st, 2);
	db_col_copy(st, 3, r->contract_number, sizeof(r->contract_number));
	db_col_copy(st, 4, r->previous_end, sizeof(r->previous_end));
	db_col_copy(st, 5, r->new_end, sizeof(r->new_end));
	r->created_by = sqlite3_column_int64(st, 6);
	db_col_copy(st, 7, r->created_by_name, sizeof(r->created_by_name));
	r->created_at = sqlite3_column_int64(st, 8);
}

static const char sql_renewals[] = "SELECT " RENEWAL_COLS " WHERE w.asset_id = ?1 ORDER BY w.id";

enum err warranty_store_renewals(struct db *db, int64_t asset_id, warranty_renewal_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_renewals);
	struct warranty_renewal r;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		renewal_read(st, &r);
		if (fn(&r, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_renewal_furthest[] =
    "SELECT " RENEWAL_COLS " WHERE w.asset_id = ?1 ORDER BY w.new_end DESC, w.id DESC LIMIT 1";

enum err warranty_store_renewal_furthest(struct db *db, int64_t asset_id,
					 struct warranty_renewal *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_renewal_furthest);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	renewal_read(st, out);
	db_done(st);
	return ERR_OK;
}

/* ---- expiry notices ------------------------------------------------------ */

#define BAND                                                                                       \
	"(CASE WHEN a.warranty_end <= ?3 THEN 0 WHEN a.warranty_end <= ?4 THEN 30"                 \
	" WHEN a.warranty_end <= ?5 THEN 60 ELSE 90 END)"

static const char sql_unnoticed[] =
    "SELECT a.id, a.serial, a.warranty_end, " BAND ", a.sales_owner_id, a.customer_id, c.name,"
    " coalesce(a.region_path, '') FROM assets a JOIN customers c ON c.id = a.customer_id"
    " WHERE a.warranty_end BETWEEN ?1 AND ?2 AND a.sales_owner_id IS NOT NULL AND" UNIT_PUBLISHED
    " AND NOT EXISTS (SELECT 1 FROM warranty_notices n WHERE n.asset_id = a.id"
    " AND n.warranty_end = a.warranty_end AND n.threshold = " BAND ")"
    " ORDER BY a.sales_owner_id, a.warranty_end, a.id";

enum err warranty_store_unnoticed(struct db *db, const struct warranty_bands *b, warranty_due_fn fn,
				  void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_unnoticed);
	struct warranty_due d;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, b->from);
	db_bind_text(st, 2, b->to);
	db_bind_text(st, 3, b->today);
	db_bind_text(st, 4, b->d30);
	db_bind_text(st, 5, b->d60);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d.asset_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, d.serial, sizeof(d.serial));
		db_col_copy(st, 2, d.warranty_end, sizeof(d.warranty_end));
		d.threshold = sqlite3_column_int(st, 3);
		d.sales_owner_id = sqlite3_column_int64(st, 4);
		d.customer_id = sqlite3_column_int64(st, 5);
		db_col_copy(st, 6, d.customer_name, sizeof(d.customer_name));
		db_col_copy(st, 7, d.region_path, sizeof(d.region_path));
		if (fn(&d, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_notice_add[] =
    "INSERT INTO warranty_notices(asset_id, warranty_end, threshold, sent_at)"
    " VALUES (?1, ?2, ?3, ?4)";

enum err warranty_store_notice_add(struct db *db, int64_t asset_id, const char *end, int threshold,
				   int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_notice_add);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_text(st, 2, end);
	db_bind_int(st, 3, threshold);
	db_bind_int(st, 4, now);
	return db_exec_stmt(db, st);
}
