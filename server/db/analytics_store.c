/* SQL for operations analytics. The ticket scan reads one range of the
 * covering index tickets_analytics (created_at first, then every column a
 * figure needs), so a year of a national organisation's tickets is one
 * sequential read of a narrow index instead of a million row lookups.
 * Scope and filters bind ?3..?6 as "NULL = any" terms. */
#include "db/analytics_store.h"

#include <stdio.h>
#include <string.h>

#include "db/assets_store.h"
#include "db/db.h"

#define TICKET_COLS                                                                                \
	"t.id, t.created_at, t.status, t.category, t.channel, t.region_path,"                      \
	" coalesce(t.centre_code, ''), coalesce(t.product_line, ''), t.priority,"                  \
	" coalesce(t.model_id, 0), coalesce(t.responded_at, 0), coalesce(t.arrived_at, 0),"        \
	" coalesce(t.resolved_at, 0), coalesce(t.closed_at, 0), t.response_due, t.arrival_due,"    \
	" t.resolution_due, coalesce(t.satisfaction, 0)"
#define TICKET_WHERE                                                                               \
	" WHERE t.created_at >= ?1 AND t.created_at < ?2"                                          \
	" AND (?3 IS NULL OR (t.region_path >= ?3 AND t.region_path < ?4))"                        \
	" AND (?5 IS NULL OR t.centre_code = ?5) AND (?6 IS NULL OR t.product_line = ?6)"
/* Visits (arrive events) and reopenings from the partial index
 * ticket_events_visits, in one probe per resolved ticket: the low 32 bits
 * count visits, the high ones reopenings. */
#define VISITS                                                                                     \
	"CASE WHEN t.resolved_at IS NULL THEN 0 ELSE (SELECT"                                      \
	" sum(e.action = 'arrive') + (sum(e.action = 'reopen') << 32) FROM ticket_events e"        \
	" WHERE e.ticket_id = t.id AND e.action IN ('arrive', 'reopen')) END"

static const char sql_tickets[] =
    "SELECT " TICKET_COLS ", 0 FROM tickets t INDEXED BY tickets_analytics" TICKET_WHERE;
static const char sql_tickets_visits[] =
    "SELECT " TICKET_COLS ", coalesce(" VISITS ", 0)"
    " FROM tickets t INDEXED BY tickets_analytics" TICKET_WHERE;

static void bind_filter(sqlite3_stmt *st, const struct analytics_filter *f)
{
	db_bind_int(st, 1, f->from);
	db_bind_int(st, 2, f->to);
	db_bind_text(st, 3, f->region_lo);
	db_bind_text(st, 4, f->region_lo ? f->region_hi : NULL);
	db_bind_text(st, 5, f->centre);
	db_bind_text(st, 6, f->product_line);
}

enum err analytics_store_tickets(struct db *db, const struct analytics_filter *f, int with_visits,
				 analytics_ticket_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, with_visits ? sql_tickets_visits : sql_tickets);
	struct analytics_ticket t;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = 0;

		t.id = sqlite3_column_int64(st, c++);
		t.created_at = sqlite3_column_int64(st, c++);
		t.status = db_col_text(st, c++);
		t.category = db_col_text(st, c++);
		t.channel = db_col_text(st, c++);
		t.region_path = db_col_text(st, c++);
		t.centre = db_col_text(st, c++);
		t.product_line = db_col_text(st, c++);
		t.priority = db_col_text(st, c++);
		t.model_id = sqlite3_column_int64(st, c++);
		t.responded_at = sqlite3_column_int64(st, c++);
		t.arrived_at = sqlite3_column_int64(st, c++);
		t.resolved_at = sqlite3_column_int64(st, c++);
		t.closed_at = sqlite3_column_int64(st, c++);
		t.response_due = sqlite3_column_int64(st, c++);
		t.arrival_due = sqlite3_column_int64(st, c++);
		t.resolution_due = sqlite3_column_int64(st, c++);
		t.satisfaction = sqlite3_column_int(st, c++);
		t.visits = sqlite3_column_int64(st, c) & 0xffffffff;
		t.reopens = sqlite3_column_int64(st, c) >> 32;
		if (fn(&t, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

enum err analytics_store_tickets_plan(struct db *db, int with_visits, char *out, size_t size)
{
	char sql[4096];
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc;

	/* EXPLAIN text is built from the static statement: no input in it. */
	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s",
		 with_visits ? sql_tickets_visits : sql_tickets);
	rc = sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_err(db, rc);
	out[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n + 1 < size)
		n += (size_t)snprintf(out + n, size - n, "%s\n", db_col_text(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

static const char sql_faults[] =
    "SELECT fault_code, n, sum(n) OVER () FROM (SELECT w.fault_code, count(*) AS n"
    " FROM tickets t INDEXED BY tickets_analytics JOIN ticket_work w ON w.ticket_id = "
    "t.id" TICKET_WHERE " AND w.fault_code != '' GROUP BY w.fault_code)"
    " ORDER BY n DESC, fault_code LIMIT ?7";

enum err analytics_store_faults(struct db *db, const struct analytics_filter *f, int limit,
				analytics_fault_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_faults);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	bind_filter(st, f);
	db_bind_int(st, 7, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(db_col_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		       ctx))
			break;
	return db_scan_end(db, st, rc);
}

/* ?1, ?2: the period's dates; renewals found by warranty_renewals_previous_end. */
#define RENEWED_IN                                                                                 \
	" FROM warranty_renewals r WHERE r.asset_id = a.id AND r.previous_end >= ?1 AND "          \
	"r.previous_end < ?2"
#define DUE_PUBLISHED ASSET_PUBLISHED("a")
static const char sql_units[] =
    "WITH due(id) AS (SELECT id FROM assets WHERE warranty_end >= ?1 AND warranty_end < ?2"
    " UNION SELECT asset_id FROM warranty_renewals WHERE previous_end >= ?1"
    " AND previous_end < ?2)"
    " SELECT a.id, a.model_id, a.region_path, m.product_line,"
    " coalesce((SELECT min(r.previous_end)" RENEWED_IN "), a.warranty_end),"
    " EXISTS (SELECT 1" RENEWED_IN ")"
    " FROM due JOIN assets a ON a.id = due.id JOIN models m ON m.id = a.model_id"
    " WHERE" DUE_PUBLISHED " AND (?3 IS NULL OR (a.region_path >= ?3 AND a.region_path < ?4))"
    " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM centre_regions cr"
    " JOIN regions g ON g.code = cr.region_code WHERE cr.centre_code = ?5"
    " AND a.region_path >= g.path"
    " AND a.region_path < substr(g.path, 1, length(g.path) - 1) || '0'))"
    " AND (?6 IS NULL OR m.product_line = ?6) ORDER BY a.id";

enum err analytics_store_warranty_units(struct db *db, const char *from, const char *to,
					const struct analytics_filter *f, analytics_unit_fn fn,
					void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_units);
	struct analytics_unit u;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	db_bind_text(st, 3, f->region_lo);
	db_bind_text(st, 4, f->region_lo ? f->region_hi : NULL);
	db_bind_text(st, 5, f->centre);
	db_bind_text(st, 6, f->product_line);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		u.asset_id = sqlite3_column_int64(st, 0);
		u.model_id = sqlite3_column_int64(st, 1);
		u.region_path = db_col_text(st, 2);
		u.product_line = db_col_text(st, 3);
		u.ended = db_col_text(st, 4);
		u.renewed = sqlite3_column_int(st, 5);
		if (fn(&u, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_model_code[] = "SELECT code FROM models WHERE id = ?1";

enum err analytics_store_model_code(struct db *db, int64_t id, char *out, size_t size)
{
	sqlite3_stmt *st = db_stmt(db, sql_model_code);
	enum err e;

	out[0] = '\0';
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, out, size);
	db_done(st);
	return ERR_OK;
}

static const char sql_open_problems[] =
    "SELECT p.id, coalesce(p.model_id, 0), p.ticket_count, p.opened_at, p.kind, p.fault_code,"
    " coalesce(m.code, ''), p.value, p.part_number, p.status, coalesce(u.username, '')"
    " FROM problems p LEFT JOIN models m ON m.id = p.model_id"
    " LEFT JOIN users u ON u.id = p.owner_id WHERE p.status != 'closed'"
    " ORDER BY p.opened_at, p.id";

enum err analytics_store_open_problems(struct db *db, analytics_problem_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_open_problems);
	struct analytics_problem p;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p.id = sqlite3_column_int64(st, 0);
		p.model_id = sqlite3_column_int64(st, 1);
		p.ticket_count = sqlite3_column_int64(st, 2);
		p.opened_at = sqlite3_column_int64(st, 3);
		p.kind = db_col_text(st, 4);
		p.fault_code = db_col_text(st, 5);
		p.model_code = db_col_text(st, 6);
		p.value = db_col_text(st, 7);
		p.part_number = db_col_text(st, 8);
		p.status = db_col_text(st, 9);
		p.owner = db_col_text(st, 10);
		if (fn(&p, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
