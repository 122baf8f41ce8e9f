/* SQL for routing and dispatch: centre coverage, the facts of a routing
 * decision, technicians' skills, duty and open jobs. */
#include "db/routing_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/tickets_store.h"

/* An IN list of the open statuses lets the (centre_code, status) and
 * (assignee_id, status) indexes seek each open status instead of reading
 * every closed ticket a centre ever had. */
#define OPEN_STATUSES TICKET_OPEN_SQL

/* ---- routing facts -------------------------------------------------------- */

#define CENTRE_FACTS                                                                               \
	"c.code, c.latitude IS NOT NULL AND c.longitude IS NOT NULL, coalesce(c.latitude, 0),"     \
	" coalesce(c.longitude, 0), c.capacity,"                                                   \
	" (SELECT count(*) FROM tickets t WHERE t.centre_code = c.code"                            \
	" AND t.status IN " OPEN_STATUSES "),"                                                     \
	" ?2 IS NULL OR EXISTS (SELECT 1 FROM centre_product_lines p"                              \
	" WHERE p.centre_code = c.code AND p.product_line = ?2)"

/* The ancestors are found by the unique index on regions.path, their
 * coverage by centre_regions_region; SQLite's bare columns beside max()
 * come from the row holding the max, so k.region is the most specific. */
static const char sql_covering[] =
    "SELECT " CENTRE_FACTS ", k.region, k.len"
    " FROM (SELECT cr.centre_code AS centre, r.code AS region, max(length(r.path)) AS len"
    " FROM json_each(?1) a JOIN regions r ON r.path = a.value"
    " JOIN centre_regions cr ON cr.region_code = r.code GROUP BY cr.centre_code) k"
    " JOIN centres c ON c.code = k.centre ORDER BY c.code";

static const char sql_centres[] = "SELECT " CENTRE_FACTS ", '', 0 FROM centres c ORDER BY c.code";

static void centre_read(sqlite3_stmt *st, struct routing_centre_row *out)
{
	memset(out, 0, sizeof(*out));
	db_col_copy(st, 0, out->code, sizeof(out->code));
	out->has_position = sqlite3_column_int(st, 1);
	out->latitude = sqlite3_column_double(st, 2);
	out->longitude = sqlite3_column_double(st, 3);
	out->capacity = sqlite3_column_int64(st, 4);
	out->open = sqlite3_column_int64(st, 5);
	out->covers_line = sqlite3_column_int(st, 6);
	db_col_copy(st, 7, out->covered_region, sizeof(out->covered_region));
	out->covered_len = (size_t)sqlite3_column_int64(st, 8);
}

static enum err centre_scan(struct db *db, sqlite3_stmt *st, routing_centre_fn fn, void *ctx)
{
	struct routing_centre_row row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		centre_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

enum err routing_store_covering(struct db *db, const char *ancestors_json, const char *product_line,
				routing_centre_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_covering);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, ancestors_json);
	db_bind_text(st, 2, or_null(product_line));
	return centre_scan(db, st, fn, ctx);
}

enum err routing_store_centres(struct db *db, const char *product_line, routing_centre_fn fn,
			       void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_centres);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 2, or_null(product_line));
	return centre_scan(db, st, fn, ctx);
}

/* ---- coverage ------------------------------------------------------------- */

static const char sql_cov_regions[] =
    "SELECT region_code FROM centre_regions WHERE centre_code = ?1 ORDER BY region_code";
static const char sql_cov_lines[] = "SELECT product_line FROM centre_product_lines"
				    " WHERE centre_code = ?1 ORDER BY product_line";
static const char sql_cov_regions_delete[] = "DELETE FROM centre_regions WHERE centre_code = ?1";
static const char sql_cov_lines_delete[] =
    "DELETE FROM centre_product_lines WHERE centre_code = ?1";
static const char sql_cov_region_insert[] =
    "INSERT INTO centre_regions(centre_code, region_code) VALUES (?1, ?2)";
static const char sql_cov_line_insert[] =
    "INSERT INTO centre_product_lines(centre_code, product_line) VALUES (?1, ?2)";

static enum err code_scan(struct db *db, const char *sql, const char *centre, routing_code_fn fn,
			  void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, centre);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(db_col_text(st, 0), ctx))
			break;
	return db_scan_end(db, st, rc);
}

enum err routing_store_coverage_regions(struct db *db, const char *centre, routing_code_fn fn,
					void *ctx)
{
	return code_scan(db, sql_cov_regions, centre, fn, ctx);
}

enum err routing_store_coverage_lines(struct db *db, const char *centre, routing_code_fn fn,
				      void *ctx)
{
	return code_scan(db, sql_cov_lines, centre, fn, ctx);
}

static enum err exec_centre(struct db *db, const char *sql, const char *centre, const char *code)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, centre);
	if (code)
		db_bind_text(st, 2, code);
	return db_exec_stmt(db, st);
}

enum err routing_store_coverage_replace(struct db *db, const char *centre,
					const char *const *regions, size_t nregions,
					const char *const *lines, size_t nlines)
{
	enum err e = exec_centre(db, sql_cov_regions_delete, centre, NULL);

	if (e == ERR_OK)
		e = exec_centre(db, sql_cov_lines_delete, centre, NULL);
	for (size_t i = 0; e == ERR_OK && i < nregions; i++)
		e = exec_centre(db, sql_cov_region_insert, centre, regions[i]);
	for (size_t i = 0; e == ERR_OK && i < nlines; i++)
		e = exec_centre(db, sql_cov_line_insert, centre, lines[i]);
	return e;
}

/* ---- technicians ---------------------------------------------------------- */

#define TECH_COLS                                                                                  \
	"u.id, u.username, u.display_name, coalesce(u.centre_code, ''), coalesce(s.on_duty, 0),"   \
	" s.latitude IS NOT NULL AND s.longitude IS NOT NULL, coalesce(s.latitude, 0),"            \
	" coalesce(s.longitude, 0), coalesce(s.updated_at, 0),"                                    \
	" (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id"                              \
	" AND t.status IN " OPEN_STATUSES ")"

#define TECH_FROM                                                                                  \
	" FROM users u LEFT JOIN technician_status s ON s.user_id = u.id"                          \
	" WHERE u.role = 'technician' AND u.disabled = 0"

/* ?1 all, ?2/?3 region range of the technician's centre, ?4 one centre. */
#define TECH_SCOPE                                                                                 \
	" AND (?1 = 1 OR (?2 IS NOT NULL AND EXISTS (SELECT 1 FROM centres c"                      \
	" JOIN regions r ON r.code = c.region_code WHERE c.code = u.centre_code"                   \
	" AND r.path >= ?2 AND r.path < ?3)) OR (?4 IS NOT NULL AND u.centre_code = ?4))"

#define TECH_SKILLS                                                                                \
	"(SELECT json_group_array(json_object('product_line', k.product_line, 'level', k.level))"  \
	" FROM (SELECT product_line, level FROM technician_skills WHERE user_id = u.id"            \
	" ORDER BY product_line) k)"

static const char sql_tech_get[] =
    "SELECT " TECH_COLS ", 0, NULL" TECH_FROM TECH_SCOPE " AND u.id = ?5";
static const char sql_tech_list[] = "SELECT " TECH_COLS ", 0, " TECH_SKILLS TECH_FROM TECH_SCOPE
				    " AND u.id > ?5 AND (?6 IS NULL OR u.centre_code = ?6)"
				    " ORDER BY u.id LIMIT ?7";
static const char sql_tech_dispatch[] =
    "SELECT " TECH_COLS ", coalesce((SELECT level FROM technician_skills k"
    " WHERE k.user_id = u.id AND k.product_line = ?2), 0), NULL" TECH_FROM
    " AND u.centre_code = ?1";

static void tech_read(sqlite3_stmt *st, struct tech_row *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, out->username, sizeof(out->username));
	db_col_copy(st, 2, out->display_name, sizeof(out->display_name));
	db_col_copy(st, 3, out->centre, sizeof(out->centre));
	out->on_duty = sqlite3_column_int(st, 4);
	out->has_position = sqlite3_column_int(st, 5);
	out->latitude = sqlite3_column_double(st, 6);
	out->longitude = sqlite3_column_double(st, 7);
	out->duty_updated_at = sqlite3_column_int64(st, 8);
	out->open_jobs = sqlite3_column_int64(st, 9);
	out->skill = sqlite3_column_int(st, 10);
	out->skills = (const char *)sqlite3_column_text(st, 11);
}

/* The caller's operations scope: all, the region range, one centre. */
static void scope_bind(sqlite3_stmt *st, const struct scope *sc)
{
	int region = sc->ops_region && sc->region_lo[0];

	sqlite3_bind_int(st, 1, sc->all);
	db_bind_text(st, 2, region ? sc->region_lo : NULL);
	db_bind_text(st, 3, region ? sc->region_hi : NULL);
	db_bind_text(st, 4, sc->centre[0] ? sc->centre : NULL);
}

enum err routing_store_technician_get(struct db *db, int64_t id, const struct scope *scope,
				      struct tech_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_tech_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	scope_bind(st, scope);
	db_bind_int(st, 5, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	tech_read(st, out);
	out->skills = NULL;
	db_done(st);
	return ERR_OK;
}

static enum err tech_scan(struct db *db, sqlite3_stmt *st, tech_row_fn fn, void *ctx)
{
	struct tech_row row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tech_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

enum err routing_store_technician_list(struct db *db, const struct scope *scope, const char *centre,
				       int64_t after_id, int limit, tech_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_tech_list);

	if (!st)
		return ERR_DB;
	scope_bind(st, scope);
	db_bind_int(st, 5, after_id);
	db_bind_text(st, 6, or_null(centre));
	db_bind_int(st, 7, limit > 0 ? limit : -1);
	return tech_scan(db, st, fn, ctx);
}

enum err routing_store_dispatch(struct db *db, const char *centre, const char *product_line,
				tech_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_tech_dispatch);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, or_null(product_line));
	return tech_scan(db, st, fn, ctx);
}

static const char sql_skills[] = "SELECT product_line, level FROM technician_skills"
				 " WHERE user_id = ?1 ORDER BY product_line";
static const char sql_skills_delete[] = "DELETE FROM technician_skills WHERE user_id = ?1";
static const char sql_skill_insert[] =
    "INSERT INTO technician_skills(user_id, product_line, level) VALUES (?1, ?2, ?3)";

enum err routing_store_skills(struct db *db, int64_t user_id, struct skill *out, size_t max,
			      size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, sql_skills);
	int rc;

	*n = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		db_col_copy(st, 0, out[*n].product_line, sizeof(out[*n].product_line));
		out[*n].level = sqlite3_column_int(st, 1);
		(*n)++;
	}
	return db_scan_end(db, st, rc);
}

enum err routing_store_skills_replace(struct db *db, int64_t user_id, const struct skill *skills,
				      size_t n)
{
	sqlite3_stmt *st = db_stmt(db, sql_skills_delete);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_exec_stmt(db, st);
	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		st = db_stmt(db, sql_skill_insert);
		if (!st)
			return ERR_DB;
		db_bind_int(st, 1, user_id);
		db_bind_text(st, 2, skills[i].product_line);
		db_bind_int(st, 3, skills[i].level);
		e = db_exec_stmt(db, st);
	}
	return e;
}

static const char sql_duty_set[] =
    "INSERT INTO technician_status(user_id, on_duty, latitude, longitude, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(user_id) DO UPDATE SET on_duty = excluded.on_duty,"
    " latitude = CASE WHEN ?6 THEN excluded.latitude ELSE latitude END,"
    " longitude = CASE WHEN ?6 THEN excluded.longitude ELSE longitude END,"
    " updated_at = excluded.updated_at";

enum err routing_store_duty_set(struct db *db, int64_t user_id, int on_duty, int has_position,
				double latitude, double longitude, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_duty_set);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, on_duty ? 1 : 0);
	if (has_position) {
		sqlite3_bind_double(st, 3, latitude);
		sqlite3_bind_double(st, 4, longitude);
	}
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, has_position ? 1 : 0);
	return db_exec_stmt(db, st);
}

/* ---- demo ----------------------------------------------------------------- */

#define DEMO_CENTRES "('C-SZ', 'C-GZ', 'C-NJ', 'C-BJ')"

/* Only rows whose centre, region and product line exist: a foreign key
 * failure is not something OR IGNORE ignores. */
static const char sql_demo_regions[] =
    "INSERT OR IGNORE INTO centre_regions(centre_code, region_code)"
    " SELECT v.column1, v.column2 FROM (VALUES ('C-SZ', 'SZ'), ('C-GZ', 'GZ'), ('C-GZ', 'GD'),"
    " ('C-NJ', 'NJ'), ('C-NJ', 'JS'), ('C-BJ', 'BJ'), ('C-BJ', 'BJC')) v"
    " WHERE EXISTS (SELECT 1 FROM centres c WHERE c.code = v.column1)"
    " AND EXISTS (SELECT 1 FROM regions r WHERE r.code = v.column2)";
static const char sql_demo_lines[] =
    "INSERT OR IGNORE INTO centre_product_lines(centre_code, product_line)"
    " SELECT c.code, p.code FROM centres c JOIN product_lines p"
    " WHERE c.code IN " DEMO_CENTRES " AND p.code IN ('switchgear', 'relay', 'transformer')"
    " AND NOT (c.code = 'C-GZ' AND p.code = 'transformer')";
static const char sql_demo_skills[] =
    "INSERT OR IGNORE INTO technician_skills(user_id, product_line, level)"
    " SELECT u.id, p.product_line, 3 FROM users u"
    " JOIN centre_product_lines p ON p.centre_code = u.centre_code"
    " WHERE u.role = 'technician' AND u.centre_code IN " DEMO_CENTRES;
/* On duty, standing at their centre. */
static const char sql_demo_duty[] =
    "INSERT OR IGNORE INTO technician_status(user_id, on_duty, latitude, longitude, updated_at)"
    " SELECT u.id, 1, c.latitude, c.longitude, ?1 FROM users u"
    " JOIN centres c ON c.code = u.centre_code"
    " WHERE u.role = 'technician' AND u.centre_code IN " DEMO_CENTRES;

enum err routing_store_demo_seed(struct db *db, int64_t now, int64_t *changed)
{
	const char *const plain[] = { sql_demo_regions, sql_demo_lines, sql_demo_skills };
	sqlite3_int64 before = sqlite3_total_changes64(db_handle(db));
	sqlite3_stmt *st;
	enum err e = ERR_OK;

	*changed = 0;
	for (size_t i = 0; e == ERR_OK && i < sizeof(plain) / sizeof(plain[0]); i++) {
		st = db_stmt(db, plain[i]);
		e = st ? db_exec_stmt(db, st) : ERR_DB;
	}
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_demo_duty);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, now);
	e = db_exec_stmt(db, st);
	*changed = (int64_t)(sqlite3_total_changes64(db_handle(db)) - before);
	return e;
}
