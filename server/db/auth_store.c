#include "db/auth_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

static const char sql_login_row[] =
    "SELECT id, username, password_hash, disabled FROM users WHERE username = ?1";

enum err auth_store_login_row(struct db *db, const char *username, struct login_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_login_row);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, username);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->user_id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, out->username, sizeof(out->username));
	db_col_copy(st, 2, out->password_hash, sizeof(out->password_hash));
	out->disabled = sqlite3_column_int(st, 3);
	db_done(st);
	return ERR_OK;
}

static const char sql_session_create[] =
    "INSERT INTO sessions(user_id, created_at, expires_at, client_addr) VALUES (?1, ?2, ?3, ?4)";

enum err auth_store_session_create(struct db *db, int64_t user_id, int64_t now, int64_t expires_at,
				   const char *client_addr, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_session_create);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, expires_at);
	db_bind_text(st, 4, client_addr);
	return db_exec_insert(db, st, id_out);
}

static const char sql_session_revoke[] =
    "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
static const char sql_session_tokens_drop[] = "DELETE FROM access_tokens WHERE session_id = ?1";

enum err auth_store_session_revoke(struct db *db, int64_t session_id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_session_revoke);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, now);
	e = db_exec_stmt(db, st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_session_tokens_drop);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	return db_exec_stmt(db, st);
}

static const char sql_user_sessions_revoke[] =
    "UPDATE sessions SET revoked_at = ?3 WHERE user_id = ?1 AND id <> ?2 AND revoked_at IS NULL";
static const char sql_user_tokens_drop[] =
    "DELETE FROM access_tokens WHERE session_id IN"
    " (SELECT id FROM sessions WHERE user_id = ?1 AND id <> ?2)";

enum err auth_store_sessions_revoke_user(struct db *db, int64_t user_id, int64_t keep_session_id,
					 int64_t now, int64_t *ended)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_sessions_revoke);
	enum err e;

	*ended = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, keep_session_id);
	db_bind_int(st, 3, now);
	e = db_exec_stmt(db, st);
	if (e != ERR_OK)
		return e;
	*ended = db_changes(db);
	st = db_stmt(db, sql_user_tokens_drop);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, keep_session_id);
	return db_exec_stmt(db, st);
}

static const char sql_password_set[] =
    "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1";

enum err auth_store_password_set(struct db *db, int64_t user_id, const char *password_hash,
				 int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_password_set);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, password_hash);
	db_bind_int(st, 3, now);
	return db_exec_one(db, st);
}

static const char sql_refresh_insert[] =
    "INSERT INTO refresh_tokens(token_hash, session_id, issued_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?4)";

enum err auth_store_refresh_insert(struct db *db, const unsigned char *hash, int64_t session_id,
				   int64_t now, int64_t expires_at)
{
	sqlite3_stmt *st = db_stmt(db, sql_refresh_insert);

	if (!st)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	db_bind_int(st, 2, session_id);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, expires_at);
	return db_exec_stmt(db, st);
}

static const char sql_refresh_get[] =
    "SELECT r.session_id, s.user_id, min(r.expires_at, s.expires_at), coalesce(r.used_at, 0),"
    " coalesce(s.revoked_at, 0), u.disabled"
    " FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id"
    " JOIN users u ON u.id = s.user_id WHERE r.token_hash = ?1";

enum err auth_store_refresh_get(struct db *db, const unsigned char *hash, struct refresh_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_refresh_get);
	enum err e;

	if (!st)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->session_id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	out->expires_at = sqlite3_column_int64(st, 2);
	out->used_at = sqlite3_column_int64(st, 3);
	out->session_revoked = sqlite3_column_int64(st, 4);
	out->user_disabled = sqlite3_column_int(st, 5);
	db_done(st);
	return ERR_OK;
}

static const char sql_refresh_use[] =
    "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL";

enum err auth_store_refresh_use(struct db *db, const unsigned char *hash, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_refresh_use);
	enum err e;

	if (!st)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	db_bind_int(st, 2, now);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK && sqlite3_changes(db_handle(db)) != 1)
		e = ERR_CONFLICT; /* spent by a concurrent refresh */
	return e;
}

static const char sql_access_insert[] =
    "INSERT INTO access_tokens(token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)";

enum err auth_store_access_insert(struct db *db, const unsigned char *hash, int64_t session_id,
				  int64_t expires_at)
{
	sqlite3_stmt *st = db_stmt(db, sql_access_insert);

	if (!st)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	db_bind_int(st, 2, session_id);
	db_bind_int(st, 3, expires_at);
	return db_exec_stmt(db, st);
}

static const char sql_principal[] =
    "SELECT u.id, s.id, u.role, u.username, coalesce(u.region_code, ''),"
    " coalesce(r.path, ''), coalesce(u.centre_code, '')"
    " FROM access_tokens a"
    " JOIN sessions s ON s.id = a.session_id"
    " JOIN users u ON u.id = s.user_id"
    " LEFT JOIN regions r ON r.code = u.region_code"
    " WHERE a.token_hash = ?1 AND a.expires_at > ?2 AND s.revoked_at IS NULL"
    " AND u.disabled = 0";

enum err auth_store_principal(struct db *db, const unsigned char *hash, int64_t now,
			      struct principal *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_principal);
	enum err e;

	if (!st)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	db_bind_int(st, 2, now);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	memset(out, 0, sizeof(*out));
	out->user_id = sqlite3_column_int64(st, 0);
	out->session_id = sqlite3_column_int64(st, 1);
	out->role = role_parse(db_col_text(st, 2));
	db_col_copy(st, 3, out->username, sizeof(out->username));
	db_col_copy(st, 4, out->region, sizeof(out->region));
	db_col_copy(st, 5, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 6, out->centre, sizeof(out->centre));
	db_done(st);
	policy_scope(out, &out->scope); /* once per request; handlers read it */
	return ERR_OK;
}

static const char sql_throttle_get[] =
    "SELECT failures, window_start, blocked_until FROM auth_throttle WHERE key = ?1";
static const char sql_throttle_put[] =
    "INSERT INTO auth_throttle(key, failures, window_start, blocked_until) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(key) DO UPDATE SET failures = ?2, window_start = ?3, blocked_until = ?4";
static const char sql_throttle_clear[] = "DELETE FROM auth_throttle WHERE key = ?1";

enum err auth_store_throttle_get(struct db *db, const char *key, struct throttle_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_throttle_get);
	enum err e = ERR_OK;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->failures = sqlite3_column_int64(st, 0);
		out->window_start = sqlite3_column_int64(st, 1);
		out->blocked_until = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		e = db_err(db, rc);
	}
	db_done(st);
	return e;
}

enum err auth_store_throttle_put(struct db *db, const char *key, const struct throttle_row *row)
{
	sqlite3_stmt *st = db_stmt(db, sql_throttle_put);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, row->failures);
	db_bind_int(st, 3, row->window_start);
	db_bind_int(st, 4, row->blocked_until);
	return db_exec_stmt(db, st);
}

enum err auth_store_throttle_clear(struct db *db, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, sql_throttle_clear);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st);
}
