#include "db/experts_store.h"

#include "db/db.h"

#define EXPERT_COLS                                                                                \
	"e.user_id, u.username, u.display_name, u.role, e.languages, e.active, u.disabled"

static void expert_read(sqlite3_stmt *st, struct expert_row *out)
{
	out->user_id = sqlite3_column_int64(st, 0);
	out->username = db_col_text(st, 1);
	out->display_name = db_col_text(st, 2);
	out->role = db_col_text(st, 3);
	out->languages = db_col_text(st, 4);
	out->active = sqlite3_column_int(st, 5);
	out->disabled = sqlite3_column_int(st, 6);
}

static enum err scan_experts(struct db *db, sqlite3_stmt *st, expert_row_fn fn, void *ctx)
{
	struct expert_row row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		expert_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

static const char sql_get[] = "SELECT " EXPERT_COLS " FROM experts e JOIN users u ON u.id ="
			      " e.user_id WHERE e.user_id = ?1";

enum err experts_store_get(struct db *db, int64_t user_id, expert_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	struct expert_row row;
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	expert_read(st, &row);
	fn(&row, ctx);
	db_done(st);
	return ERR_OK;
}

static const char sql_list[] =
    "SELECT " EXPERT_COLS " FROM experts e JOIN users u ON u.id = e.user_id"
    " WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM expert_product_lines l"
    "        WHERE l.user_id = e.user_id AND l.product_line = ?1))"
    " AND (?2 IS NULL OR instr(',' || e.languages || ',', ',' || ?2 || ',') > 0)"
    " AND (?3 < 0 OR e.active = ?3)"
    " ORDER BY e.user_id";

enum err experts_store_list(struct db *db, const struct expert_filter *f, expert_row_fn fn,
			    void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, f->product_line);
	db_bind_text(st, 2, f->language);
	db_bind_int(st, 3, f->active);
	return scan_experts(db, st, fn, ctx);
}

static const char sql_lines[] = "SELECT product_line, is_lead FROM expert_product_lines"
				" WHERE user_id = ?1 ORDER BY product_line";

enum err experts_store_lines(struct db *db, int64_t user_id, expert_line_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_lines);
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(db_col_text(st, 0), sqlite3_column_int(st, 1), ctx))
			break;
	return db_scan_end(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

static const char sql_user_state[] = "SELECT disabled FROM users WHERE id = ?1";

enum err experts_store_user_state(struct db *db, int64_t user_id, int *disabled)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_state);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*disabled = sqlite3_column_int(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_line_exists[] = "SELECT 1 FROM product_lines WHERE code = ?1";

enum err experts_store_line_exists(struct db *db, const char *code)
{
	sqlite3_stmt *st = db_stmt(db, sql_line_exists);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	e = db_step_row(db, st);
	if (e == ERR_OK)
		db_done(st);
	return e;
}

static const char sql_other_lead[] = "SELECT user_id FROM expert_product_lines"
				     " WHERE product_line = ?1 AND is_lead = 1 AND user_id != ?2";

enum err experts_store_other_lead(struct db *db, const char *line, int64_t user_id,
				  int64_t *lead_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_other_lead);
	enum err e;

	*lead_id = 0;
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, line);
	db_bind_int(st, 2, user_id);
	e = db_step_row(db, st);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	*lead_id = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_put[] =
    "INSERT INTO experts(user_id, languages, active, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(user_id) DO UPDATE SET"
    " languages = excluded.languages, active = excluded.active, updated_at = excluded.updated_at";

enum err experts_store_put(struct db *db, int64_t user_id, const char *languages, int active,
			   int64_t now, int *created)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e == ERR_OK)
		db_done(st);
	else if (e != ERR_NOT_FOUND)
		return e;
	*created = e == ERR_NOT_FOUND;
	st = db_stmt(db, sql_put);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, languages);
	db_bind_int(st, 3, active);
	db_bind_int(st, 4, now);
	return db_exec_stmt(db, st);
}

/* Lines dropped go first (their shifts cascade away); kept lines are
 * updated in place, so their shifts stay. Leads are cleared before any is
 * set, so moving the lead between one's own lines never trips the index. */
static const char sql_lines_drop[] =
    "DELETE FROM expert_product_lines WHERE user_id = ?1 AND product_line NOT IN"
    " (SELECT json_extract(value, '$.code') FROM json_each(?2))";
static const char sql_lines_unlead[] =
    "UPDATE expert_product_lines SET is_lead = 0 WHERE user_id = ?1 AND is_lead = 1";
static const char sql_lines_add[] =
    "INSERT INTO expert_product_lines(user_id, product_line, is_lead)"
    " SELECT ?1, json_extract(value, '$.code'), json_extract(value, '$.lead')"
    " FROM json_each(?2) WHERE true"
    " ON CONFLICT(user_id, product_line) DO UPDATE SET is_lead = excluded.is_lead";

enum err experts_store_lines_put(struct db *db, int64_t user_id, const char *lines_json)
{
	const char *const sqls[] = { sql_lines_drop, sql_lines_unlead, sql_lines_add };

	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_stmt(db, sqls[i]);
		enum err e;

		if (!st)
			return ERR_DB;
		db_bind_int(st, 1, user_id);
		if (i != 1)
			db_bind_text(st, 2, lines_json);
		e = db_exec_stmt(db, st);
		if (e != ERR_OK)
			return e;
	}
	return ERR_OK;
}

static const char sql_delete[] = "DELETE FROM experts WHERE user_id = ?1";

enum err experts_store_delete(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_delete);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	return db_exec_one(db, st);
}

static const char sql_serves[] =
    "SELECT 1 FROM expert_product_lines l JOIN experts e ON e.user_id = l.user_id"
    " JOIN users u ON u.id = l.user_id"
    " WHERE l.user_id = ?1 AND l.product_line = ?2 AND e.active = 1 AND u.disabled = 0";

enum err experts_store_serves(struct db *db, int64_t user_id, const char *line, int *ok)
{
	sqlite3_stmt *st = db_stmt(db, sql_serves);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, line);
	e = db_step_row(db, st);
	*ok = e == ERR_OK;
	if (e == ERR_OK)
		db_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static enum err scan_shifts(struct db *db, sqlite3_stmt *st, shift_row_fn fn, void *ctx)
{
	struct shift_row row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.user_id = sqlite3_column_int64(st, 0);
		row.display_name = db_col_text(st, 1);
		row.languages = db_col_text(st, 2);
		row.days = sqlite3_column_int(st, 3);
		row.start_min = sqlite3_column_int(st, 4);
		row.end_min = sqlite3_column_int(st, 5);
		row.time_zone = db_col_text(st, 6);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

#define SHIFT_SQL(where)                                                                           \
	"SELECT r.user_id, u.display_name, e.languages, r.days, r.start_min, r.end_min,"           \
	" r.time_zone FROM expert_rota r JOIN experts e ON e.user_id = r.user_id"                  \
	" JOIN users u ON u.id = r.user_id WHERE r.product_line = ?1" where " ORDER BY r.position"

static const char sql_rota[] = SHIFT_SQL("");
static const char sql_rota_live[] = SHIFT_SQL(" AND e.active = 1 AND u.disabled = 0");

static enum err rota_scan(struct db *db, const char *sql, const char *line, shift_row_fn fn,
			  void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, line);
	return scan_shifts(db, st, fn, ctx);
}

enum err experts_store_rota(struct db *db, const char *line, shift_row_fn fn, void *ctx)
{
	return rota_scan(db, sql_rota, line, fn, ctx);
}

enum err experts_store_rota_live(struct db *db, const char *line, shift_row_fn fn, void *ctx)
{
	return rota_scan(db, sql_rota_live, line, fn, ctx);
}

static const char sql_rota_clear[] = "DELETE FROM expert_rota WHERE product_line = ?1";
static const char sql_rota_add[] =
    "INSERT INTO expert_rota(product_line, position, user_id, days, start_min, end_min,"
    " time_zone) SELECT ?1, key, json_extract(value, '$.user_id'), json_extract(value, '$.days'),"
    " json_extract(value, '$.start_min'), json_extract(value, '$.end_min'),"
    " json_extract(value, '$.time_zone') FROM json_each(?2)";

enum err experts_store_rota_put(struct db *db, const char *line, const char *shifts_json)
{
	sqlite3_stmt *st = db_stmt(db, sql_rota_clear);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, line);
	e = db_exec_stmt(db, st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_rota_add);
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, line);
	db_bind_text(st, 2, shifts_json);
	return db_exec_stmt(db, st);
}

static const char sql_line_experts[] =
    "SELECT e.user_id, u.username, u.display_name, CASE l.is_lead WHEN 1 THEN 'lead'"
    " ELSE 'line' END, e.languages, e.active, u.disabled"
    " FROM expert_product_lines l JOIN experts e ON e.user_id = l.user_id"
    " JOIN users u ON u.id = l.user_id"
    " WHERE l.product_line = ?1 AND e.active = 1 AND u.disabled = 0"
    " ORDER BY l.is_lead DESC, e.user_id";

enum err experts_store_line_experts(struct db *db, const char *line, expert_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_line_experts);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, line);
	return scan_experts(db, st, fn, ctx);
}
