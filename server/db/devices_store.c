#include "db/devices_store.h"

#include "db/db.h"

#define DEVICE_COLS                                                                                \
	"id, user_id, platform, provider, token, app_version, locale, created_at, last_seen_at,"   \
	" coalesce(retired_at, 0)"

static void device_read(sqlite3_stmt *st, struct device_row *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	out->platform = db_col_text(st, 2);
	out->provider = db_col_text(st, 3);
	out->token = db_col_text(st, 4);
	out->app_version = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : db_col_text(st, 5);
	out->locale = db_col_text(st, 6);
	out->created_at = sqlite3_column_int64(st, 7);
	out->last_seen_at = sqlite3_column_int64(st, 8);
	out->retired_at = sqlite3_column_int64(st, 9);
}

static enum err one_row(struct db *db, sqlite3_stmt *st, device_row_fn fn, void *ctx)
{
	struct device_row row;
	enum err e = db_step_row(db, st);

	if (e != ERR_OK)
		return e;
	device_read(st, &row);
	fn(&row, ctx);
	db_done(st);
	return ERR_OK;
}

static const char sql_find[] =
    "SELECT " DEVICE_COLS " FROM devices WHERE provider = ?1 AND token = ?2";

enum err devices_store_find(struct db *db, const char *provider, const char *token,
			    device_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_find);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, provider);
	db_bind_text(st, 2, token);
	return one_row(db, st, fn, ctx);
}

static const char sql_get[] = "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1";

enum err devices_store_get(struct db *db, int64_t id, device_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	return one_row(db, st, fn, ctx);
}

static const char sql_insert[] =
    "INSERT INTO devices(user_id, platform, provider, token, app_version, locale, created_at,"
    " last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";

enum err devices_store_insert(struct db *db, const struct device_row *in, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, in->user_id);
	db_bind_text(st, 2, in->platform);
	db_bind_text(st, 3, in->provider);
	db_bind_text(st, 4, in->token);
	db_bind_text(st, 5, in->app_version);
	db_bind_text(st, 6, in->locale);
	db_bind_int(st, 7, in->created_at);
	return db_exec_insert(db, st, id_out);
}

static const char sql_claim[] =
    "UPDATE devices SET user_id = ?2, platform = ?3, app_version = ?4, locale = ?5,"
    " last_seen_at = ?6, retired_at = NULL, retired_reason = NULL WHERE id = ?1";

enum err devices_store_claim(struct db *db, int64_t id, const struct device_row *in, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_claim);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, in->user_id);
	db_bind_text(st, 3, in->platform);
	db_bind_text(st, 4, in->app_version);
	db_bind_text(st, 5, in->locale);
	db_bind_int(st, 6, now);
	return db_exec_one(db, st);
}

static const char sql_retire[] = "UPDATE devices SET retired_at = ?3, retired_reason = ?4"
				 " WHERE id = ?1 AND user_id = ?2 AND retired_at IS NULL";

enum err devices_store_retire(struct db *db, int64_t user_id, int64_t id, const char *reason,
			      int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_retire);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, now);
	db_bind_text(st, 4, reason);
	return db_exec_one(db, st);
}

static const char sql_retire_token[] =
    "UPDATE devices SET retired_at = ?4, retired_reason = ?5"
    " WHERE provider = ?2 AND token = ?3 AND user_id = ?1 AND retired_at IS NULL";

enum err devices_store_retire_token(struct db *db, int64_t user_id, const char *provider,
				    const char *token, const char *reason, int64_t now,
				    int64_t *changed)
{
	sqlite3_stmt *st = db_stmt(db, sql_retire_token);
	enum err e;

	*changed = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, provider);
	db_bind_text(st, 3, token);
	db_bind_int(st, 4, now);
	db_bind_text(st, 5, reason);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*changed = db_changes(db);
	return e;
}

/* devices_user (partial: live rows) answers both the filter and the order. */
static const char sql_list[] = "SELECT " DEVICE_COLS " FROM devices"
			       " WHERE user_id = ?1 AND retired_at IS NULL ORDER BY id";

enum err devices_store_list(struct db *db, int64_t user_id, device_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct device_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		device_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
