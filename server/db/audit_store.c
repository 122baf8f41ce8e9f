#include "db/audit_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

static const char sql_last_hash[] = "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1";

enum err audit_store_last_hash(struct db *db, char *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_last_hash);
	int rc;

	out[0] = '\0';
	if (!st)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, 65, "%s", db_col_text(st, 0));
	db_done(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? ERR_OK : db_err(db, rc);
}

static const char sql_insert[] =
    "INSERT INTO audit_log(at, actor_id, actor, action, object_type, object_id, before, after,"
    " request_id, client_addr, prev_hash, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

enum err audit_store_insert(struct db *db, const struct audit_row *row)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, row->at);
	if (row->actor_id)
		db_bind_int(st, 2, row->actor_id);
	db_bind_text(st, 3, row->actor);
	db_bind_text(st, 4, row->action);
	db_bind_text(st, 5, row->object_type);
	db_bind_text(st, 6, row->object_id);
	db_bind_text(st, 7, row->before);
	db_bind_text(st, 8, row->after);
	db_bind_text(st, 9, row->request_id);
	db_bind_text(st, 10, row->client_addr);
	db_bind_text(st, 11, row->prev_hash);
	db_bind_text(st, 12, row->hash);
	rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

static const char sql_scan[] =
    "SELECT id, at, coalesce(actor_id, 0), actor, action, object_type, object_id, before, after,"
    " request_id, client_addr, prev_hash, hash FROM audit_log"
    " WHERE id > ?1 AND (?2 IS NULL OR object_type = ?2) AND (?3 IS NULL OR object_id = ?3)"
    " AND (?4 IS NULL OR action = ?4) AND (?5 = 0 OR actor_id = ?5)"
    " ORDER BY id LIMIT ?6";

static const char *col_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
		   ? NULL
		   : (const char *)sqlite3_column_text(st, col);
}

enum err audit_store_scan(struct db *db, const struct audit_filter *filter, int64_t after_id,
			  int limit, audit_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_scan);
	struct audit_filter none = { 0 };
	int rc;

	if (!st)
		return ERR_DB;
	if (!filter)
		filter = &none;
	db_bind_int(st, 1, after_id);
	db_bind_text(st, 2, filter->object_type);
	db_bind_text(st, 3, filter->object_id);
	db_bind_text(st, 4, filter->action);
	db_bind_int(st, 5, filter->actor_id);
	db_bind_int(st, 6, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row row = {
			.id = sqlite3_column_int64(st, 0),
			.at = sqlite3_column_int64(st, 1),
			.actor_id = sqlite3_column_int64(st, 2),
			.actor = db_col_text(st, 3),
			.action = db_col_text(st, 4),
			.object_type = db_col_text(st, 5),
			.object_id = db_col_text(st, 6),
			.before = col_or_null(st, 7),
			.after = col_or_null(st, 8),
			.request_id = db_col_text(st, 9),
			.client_addr = db_col_text(st, 10),
			.prev_hash = db_col_text(st, 11),
			.hash = db_col_text(st, 12),
		};
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
