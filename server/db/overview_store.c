/* The customer 360 view's reads (include/db/overview_store.h). Every
 * statement starts from the customer's id on an index and ends in a LIMIT
 * or an aggregate; migrations/0032_overview.sql adds the indexes the
 * request parts need. */
#include "db/overview_store.h"

#include <string.h>

#include <sqlite3.h>

#include "db/db.h"
#include "db/tickets_store.h"

/* The best active contract covering unit a today (?1): listed, or on a
 * listed site; service before warranty_extension, the later end, the
 * lower id (contracts_store_covering's order). */
#define BEST_CONTRACT                                                                              \
	"(SELECT k.id FROM contracts k WHERE k.status = 'active' AND k.start_date <= ?1"           \
	" AND k.end_date >= ?1 AND (k.id IN (SELECT cu.contract_id FROM contract_units cu"         \
	" WHERE cu.asset_id = a.id) OR k.id IN (SELECT cs.contract_id FROM contract_sites cs"      \
	" WHERE cs.site_id = a.site_id))"                                                          \
	" ORDER BY k.kind != 'service', k.end_date DESC, k.id LIMIT 1)"

/* ?1 today, ?2 the last day a warranty reads as expiring. */
#define WARRANTY_STATUS                                                                            \
	"(CASE WHEN a.warranty_end IS NULL OR a.warranty_end = '' THEN 'none'"                     \
	" WHEN a.warranty_end <= ?1 THEN 'expired' WHEN a.warranty_end <= ?2 THEN 'expiring'"      \
	" ELSE 'in_warranty' END)"

static const char sql_units[] =
    "SELECT u.id, u.serial, coalesce(m.code, ''), coalesce(u.site_id, 0), coalesce(s.name, ''),"
    " coalesce(u.warranty_end, ''), u.wstatus, coalesce(k.id, 0), coalesce(k.number, ''),"
    " coalesce(k.kind, '')"
    " FROM (SELECT a.id, a.serial, a.model_id, a.site_id, a.warranty_end,"
    " " WARRANTY_STATUS " AS wstatus, " BEST_CONTRACT " AS contract_id"
    " FROM assets a WHERE a.customer_id = ?3 AND a.id > ?4"
    " AND (?5 = 0 OR (coalesce(a.warranty_end, '') <= ?1 AND " BEST_CONTRACT " IS NULL))"
    " ORDER BY a.id LIMIT ?6) u"
    " LEFT JOIN models m ON m.id = u.model_id LEFT JOIN sites s ON s.id = u.site_id"
    " LEFT JOIN contracts k ON k.id = u.contract_id ORDER BY u.id";

enum err overview_store_units(struct db *db, int64_t customer_id, const struct overview_day *d,
			      int only_uncovered, int64_t after_id, int limit, overview_unit_fn fn,
			      void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_units);
	struct overview_unit u;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, d->today);
	db_bind_text(st, 2, d->expiring_until);
	db_bind_int(st, 3, customer_id);
	db_bind_int(st, 4, after_id);
	db_bind_int(st, 5, only_uncovered);
	db_bind_int(st, 6, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		u.id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, u.serial, sizeof(u.serial));
		db_col_copy(st, 2, u.model, sizeof(u.model));
		u.site_id = sqlite3_column_int64(st, 3);
		db_col_copy(st, 4, u.site_name, sizeof(u.site_name));
		db_col_copy(st, 5, u.warranty_end, sizeof(u.warranty_end));
		db_col_copy(st, 6, u.warranty_status, sizeof(u.warranty_status));
		u.contract_id = sqlite3_column_int64(st, 7);
		db_col_copy(st, 8, u.contract_number, sizeof(u.contract_number));
		db_col_copy(st, 9, u.contract_kind, sizeof(u.contract_kind));
		if (strcmp(u.warranty_status, "in_warranty") == 0 ||
		    strcmp(u.warranty_status, "expiring") == 0)
			strcpy(u.cover, "warranty");
		else if (u.contract_id)
			strcpy(u.cover, "contract");
		else
			strcpy(u.cover, "none");
		if (fn(&u, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* One pass over the customer's units on the covering index
 * assets_customer_cover (0032): the warranty from the index entry; cover
 * by membership in the units and sites of the customer's contracts active
 * today (a contract lists only its customer's units and sites), each set
 * built once, instead of two probes per unit. Each sum names its test in
 * full: a CASE in a subquery read by several sums ran once per sum. */
static const char sql_unit_totals[] =
    "WITH k AS (SELECT id FROM contracts WHERE customer_id = ?3 AND status = 'active'"
    " AND +start_date <= ?1 AND +end_date >= ?1)"
    " SELECT count(*), coalesce(sum(a.warranty_end > ?2), 0),"
    " coalesce(sum(a.warranty_end > ?1 AND a.warranty_end <= ?2), 0),"
    " coalesce(sum(a.warranty_end <= ?1 AND a.warranty_end != ''), 0),"
    " coalesce(sum(a.warranty_end IS NULL OR a.warranty_end = ''), 0),"
    " coalesce(sum(a.warranty_end > ?1), 0),"
    " coalesce(sum(coalesce(a.warranty_end, '') <= ?1"
    " AND (a.id IN (SELECT asset_id FROM contract_units WHERE contract_id IN k)"
    " OR a.site_id IN (SELECT site_id FROM contract_sites WHERE contract_id IN k))), 0)"
    " FROM assets a WHERE a.customer_id = ?3";

enum err overview_store_unit_totals(struct db *db, int64_t customer_id,
				    const struct overview_day *d, struct overview_unit_totals *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_unit_totals);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, d->today);
	db_bind_text(st, 2, d->expiring_until);
	db_bind_int(st, 3, customer_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->units = sqlite3_column_int64(st, 0);
	out->in_warranty = sqlite3_column_int64(st, 1);
	out->expiring = sqlite3_column_int64(st, 2);
	out->expired = sqlite3_column_int64(st, 3);
	out->no_warranty = sqlite3_column_int64(st, 4);
	out->cover_warranty = sqlite3_column_int64(st, 5);
	out->cover_contract = sqlite3_column_int64(st, 6);
	out->cover_none = out->units - out->cover_warranty - out->cover_contract;
	db_done(st);
	return ERR_OK;
}

static enum err count_one(struct db *db, sqlite3_stmt *st, int64_t *out)
{
	enum err e = db_step_row(db, st);

	*out = 0;
	if (e != ERR_OK)
		return e;
	*out = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_sites[] =
    "SELECT s.id, s.code, s.name, coalesce(s.region_code, ''),"
    " (SELECT count(*) FROM assets a WHERE a.site_id = s.id AND a.customer_id = s.customer_id)"
    " FROM sites s WHERE s.customer_id = ?1 ORDER BY s.id LIMIT ?2";
static const char sql_sites_count[] = "SELECT count(*) FROM sites WHERE customer_id = ?1";

enum err overview_store_sites(struct db *db, int64_t customer_id, int limit, overview_site_fn fn,
			      void *ctx, int64_t *total)
{
	sqlite3_stmt *st = db_stmt(db, sql_sites);
	struct overview_site s;
	enum err e;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	db_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&s, 0, sizeof(s));
		s.id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, s.code, sizeof(s.code));
		db_col_copy(st, 2, s.name, sizeof(s.name));
		db_col_copy(st, 3, s.region, sizeof(s.region));
		s.units = sqlite3_column_int64(st, 4);
		if (fn(&s, ctx))
			break;
	}
	e = db_scan_end(db, st, rc);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_sites_count);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	return count_one(db, st, total);
}

#define TICKET_COLS                                                                                \
	"t.id, t.status, t.title, t.category, t.priority, coalesce(t.asset_id, 0),"                \
	" coalesce(a.serial, ''), t.created_at, t.updated_at, t.response_due, t.arrival_due,"      \
	" t.resolution_due, coalesce(t.responded_at, 0), coalesce(t.arrived_at, 0),"               \
	" coalesce(t.resolved_at, 0), coalesce(t.closed_at, 0), coalesce(t.paused_at, 0),"         \
	" coalesce(t.satisfaction, 0)"
#define TICKET_FROM " FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id"

/* The running clock's time for ?2 = now: it stands still while paused. */
#define CLOCK_REF "(CASE WHEN t.paused_at IS NOT NULL THEN t.paused_at ELSE ?2 END)"
#define BREACHED                                                                                   \
	"(t.status != 'cancelled' AND (coalesce(t.responded_at, " CLOCK_REF ") > t.response_due"   \
	" OR coalesce(t.arrived_at, " CLOCK_REF ") > t.arrival_due"                                \
	" OR coalesce(t.resolved_at, " CLOCK_REF ") > t.resolution_due))"

/* Open work: the partial index tickets_customer_open (0032) holds exactly
 * these rows. ?2 and ?3 are bound for every statement alike. */
#define OPEN_WHERE                                                                                 \
	" WHERE t.customer_id = ?1 AND t.status IN " TICKET_OPEN_SQL " AND ?2 = ?2 AND ?3 = ?3"
#define RECENT_WHERE " WHERE t.customer_id = ?1 AND t.created_at >= ?3 AND ?2 = ?2"
#define BREACHED_WHERE " WHERE t.customer_id = ?1 AND t.created_at >= ?3 AND " BREACHED
#define LOW_WHERE                                                                                  \
	" WHERE t.customer_id = ?1 AND t.satisfaction IS NOT NULL AND t.closed_at >= ?3"           \
	" AND t.satisfaction <= 2 AND ?2 = ?2"

static const char *const sql_tickets[] = {
	[OVERVIEW_OPEN] = "SELECT " TICKET_COLS TICKET_FROM OPEN_WHERE " ORDER BY t.id LIMIT ?4",
	[OVERVIEW_RECENT] = "SELECT " TICKET_COLS TICKET_FROM RECENT_WHERE
			    " ORDER BY t.created_at DESC, t.id DESC LIMIT ?4",
	[OVERVIEW_BREACHED] = "SELECT " TICKET_COLS TICKET_FROM BREACHED_WHERE
			      " ORDER BY t.created_at DESC, t.id DESC LIMIT ?4",
	[OVERVIEW_LOW_SCORE] = "SELECT " TICKET_COLS TICKET_FROM LOW_WHERE
			       " ORDER BY t.closed_at DESC, t.id DESC LIMIT ?4",
};
static const char *const sql_tickets_count[] = {
	[OVERVIEW_OPEN] = "SELECT count(*) FROM tickets t" OPEN_WHERE,
	[OVERVIEW_RECENT] = "SELECT count(*) FROM tickets t" RECENT_WHERE,
	[OVERVIEW_BREACHED] = "SELECT count(*) FROM tickets t" BREACHED_WHERE,
	[OVERVIEW_LOW_SCORE] = "SELECT count(*) FROM tickets t" LOW_WHERE,
};

enum err overview_store_tickets(struct db *db, enum overview_tickets which, int64_t customer_id,
				int64_t now, int64_t since, int limit, overview_ticket_fn fn,
				void *ctx, int64_t *total)
{
	sqlite3_stmt *st = db_stmt(db, sql_tickets[which]);
	struct overview_ticket t;
	enum err e;
	int rc, i;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, since);
	db_bind_int(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		i = 0;
		t.id = sqlite3_column_int64(st, i++);
		db_col_copy(st, i++, t.status, sizeof(t.status));
		db_col_copy(st, i++, t.title, sizeof(t.title));
		db_col_copy(st, i++, t.category, sizeof(t.category));
		db_col_copy(st, i++, t.priority, sizeof(t.priority));
		t.asset_id = sqlite3_column_int64(st, i++);
		db_col_copy(st, i++, t.serial, sizeof(t.serial));
		t.created_at = sqlite3_column_int64(st, i++);
		t.updated_at = sqlite3_column_int64(st, i++);
		t.response_due = sqlite3_column_int64(st, i++);
		t.arrival_due = sqlite3_column_int64(st, i++);
		t.resolution_due = sqlite3_column_int64(st, i++);
		t.responded_at = sqlite3_column_int64(st, i++);
		t.arrived_at = sqlite3_column_int64(st, i++);
		t.resolved_at = sqlite3_column_int64(st, i++);
		t.closed_at = sqlite3_column_int64(st, i++);
		t.paused_at = sqlite3_column_int64(st, i++);
		t.satisfaction = sqlite3_column_int(st, i++);
		if (fn(&t, ctx))
			break;
	}
	e = db_scan_end(db, st, rc);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_tickets_count[which]);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, since);
	return count_one(db, st, total);
}

/* One month's range of the covering index tickets_customer_scored: twelve
 * ranges cost a third of one year-long scan that names each row's month. */
static const char sql_satisfaction[] =
    "SELECT count(*), coalesce(avg(satisfaction), 0), coalesce(sum(satisfaction <= 2), 0)"
    " FROM tickets WHERE customer_id = ?1 AND satisfaction IS NOT NULL"
    " AND closed_at >= ?2 AND closed_at < ?3";

enum err overview_store_satisfaction(struct db *db, int64_t customer_id, int64_t from, int64_t to,
				     int64_t *responses, double *average, int64_t *low)
{
	sqlite3_stmt *st = db_stmt(db, sql_satisfaction);
	enum err e;

	*responses = *low = 0;
	*average = 0;
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*responses = sqlite3_column_int64(st, 0);
	*average = sqlite3_column_double(st, 1);
	*low = sqlite3_column_int64(st, 2);
	db_done(st);
	return ERR_OK;
}

#define RENEWAL_WHERE                                                                              \
	" WHERE k.customer_id = ?1 AND (k.renews_id IS NOT NULL OR k.warranty_renewal_id IS NOT "  \
	"NULL)"

static const char sql_renewals[] =
    "SELECT k.id, k.number, k.kind, k.start_date, k.end_date,"
    " (CASE WHEN k.status = 'active' AND k.end_date < ?2 THEN 'expired' ELSE k.status END),"
    " coalesce(k.renews_id, 0), coalesce(p.number, ''), coalesce(r.asset_id, 0),"
    " coalesce(a.serial, ''), k.price_minor, k.currency, k.created_at"
    " FROM contracts k LEFT JOIN contracts p ON p.id = k.renews_id"
    " LEFT JOIN warranty_renewals r ON r.id = k.warranty_renewal_id"
    " LEFT JOIN assets a ON a.id = r.asset_id" RENEWAL_WHERE " ORDER BY k.id DESC LIMIT ?3";
static const char sql_renewals_count[] = "SELECT count(*) FROM contracts k" RENEWAL_WHERE;

enum err overview_store_renewals(struct db *db, int64_t customer_id, const char *today, int limit,
				 overview_renewal_fn fn, void *ctx, int64_t *total)
{
	sqlite3_stmt *st = db_stmt(db, sql_renewals);
	struct overview_renewal r;
	enum err e;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	db_bind_text(st, 2, today);
	db_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.contract_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, r.number, sizeof(r.number));
		db_col_copy(st, 2, r.kind, sizeof(r.kind));
		db_col_copy(st, 3, r.start_date, sizeof(r.start_date));
		db_col_copy(st, 4, r.end_date, sizeof(r.end_date));
		db_col_copy(st, 5, r.status, sizeof(r.status));
		r.renews_id = sqlite3_column_int64(st, 6);
		db_col_copy(st, 7, r.renews_number, sizeof(r.renews_number));
		r.asset_id = sqlite3_column_int64(st, 8);
		db_col_copy(st, 9, r.serial, sizeof(r.serial));
		r.price_minor = sqlite3_column_int64(st, 10);
		db_col_copy(st, 11, r.currency, sizeof(r.currency));
		r.created_at = sqlite3_column_int64(st, 12);
		if (fn(&r, ctx))
			break;
	}
	e = db_scan_end(db, st, rc);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_renewals_count);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	return count_one(db, st, total);
}

/* Problems not closed are few (problems_status); each one's tickets are
 * read on its key and matched to the customer through the ticket. CROSS
 * JOIN keeps that order: started from the customer's tickets instead, the
 * plan would read every request the customer ever had. */
#define PROBLEM_FROM                                                                               \
	" FROM problems p CROSS JOIN problem_tickets pt CROSS JOIN tickets t"                      \
	" WHERE p.status IN ('open', 'investigating', 'corrective_action')"                        \
	" AND pt.problem_id = p.id AND t.id = pt.ticket_id AND t.customer_id = ?1"                 \
	" AND pt.asset_id IS NOT NULL"

static const char sql_problems[] =
    "SELECT p.id, p.kind, p.fault_code, p.status, coalesce(m.code, ''), p.value, p.part_number,"
    " p.ticket_count, x.units, p.opened_at"
    " FROM (SELECT p.id AS id, count(DISTINCT pt.asset_id) AS units" PROBLEM_FROM
    " GROUP BY p.id) x JOIN problems p ON p.id = x.id LEFT JOIN models m ON m.id = p.model_id"
    " ORDER BY p.opened_at DESC, p.id DESC LIMIT ?2";
static const char sql_problems_count[] = "SELECT count(DISTINCT p.id)" PROBLEM_FROM;

enum err overview_store_problems(struct db *db, int64_t customer_id, int limit,
				 overview_problem_fn fn, void *ctx, int64_t *total)
{
	sqlite3_stmt *st = db_stmt(db, sql_problems);
	struct overview_problem p;
	enum err e;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	db_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		p.id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, p.kind, sizeof(p.kind));
		db_col_copy(st, 2, p.fault_code, sizeof(p.fault_code));
		db_col_copy(st, 3, p.status, sizeof(p.status));
		db_col_copy(st, 4, p.model, sizeof(p.model));
		db_col_copy(st, 5, p.value, sizeof(p.value));
		db_col_copy(st, 6, p.part_number, sizeof(p.part_number));
		p.ticket_count = sqlite3_column_int64(st, 7);
		p.customer_units = sqlite3_column_int64(st, 8);
		p.opened_at = sqlite3_column_int64(st, 9);
		if (fn(&p, ctx))
			break;
	}
	e = db_scan_end(db, st, rc);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_problems_count);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, customer_id);
	return count_one(db, st, total);
}
