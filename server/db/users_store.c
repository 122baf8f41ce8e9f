#include "db/users_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

/* "" is stored as NULL for the optional references. */
static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

#define USER_COLS                                                                                  \
	"u.id, u.username, u.display_name, u.role, coalesce(u.region_code, ''),"                   \
	" coalesce(u.centre_code, ''), u.phone, u.disabled, u.created_at, u.updated_at, u.email"

/* The caller's operations scope (struct scope), bound as ?1 all, ?2/?3 the
 * region range, ?4 centre. A user without a region has a NULL r.path and so
 * is outside every region scope; a zeroed scope matches no one. */
#define USER_SCOPE_SQL                                                                             \
	" (?1 = 1"                                                                                 \
	" OR (?2 IS NOT NULL AND r.path >= ?2 AND r.path < ?3)"                                    \
	" OR (?4 IS NOT NULL AND u.centre_code = ?4))"

static void scope_bind(sqlite3_stmt *st, const struct scope *scope)
{
	int region = scope->ops_region && scope->region_lo[0];

	sqlite3_bind_int(st, 1, scope->all);
	db_bind_text(st, 2, region ? scope->region_lo : NULL);
	db_bind_text(st, 3, region ? scope->region_hi : NULL);
	db_bind_text(st, 4, scope->centre[0] ? scope->centre : NULL);
}

static void user_read(sqlite3_stmt *st, struct user_record *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, out->username, sizeof(out->username));
	db_col_copy(st, 2, out->display_name, sizeof(out->display_name));
	out->role = role_parse(db_col_text(st, 3));
	db_col_copy(st, 4, out->region, sizeof(out->region));
	db_col_copy(st, 5, out->centre, sizeof(out->centre));
	db_col_copy(st, 6, out->phone, sizeof(out->phone));
	out->disabled = sqlite3_column_int(st, 7);
	out->created_at = sqlite3_column_int64(st, 8);
	out->updated_at = sqlite3_column_int64(st, 9);
	db_col_copy(st, 10, out->email, sizeof(out->email));
}

static const char sql_get[] =
    "SELECT " USER_COLS " FROM users u LEFT JOIN regions r ON r.code = u.region_code"
    " WHERE" USER_SCOPE_SQL " AND u.id = ?5";

enum err users_store_get(struct db *db, int64_t id, const struct scope *scope,
			 struct user_record *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	enum err e;

	if (!st)
		return ERR_DB;
	scope_bind(st, scope);
	db_bind_int(st, 5, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	user_read(st, out);
	db_done(st);
	return ERR_OK;
}

/* q is matched with instr() on lowercased text, so '%' and '_' in it are
 * plain characters (no LIKE pattern to escape). */
static const char sql_list[] =
    "SELECT " USER_COLS " FROM users u LEFT JOIN regions r ON r.code = u.region_code"
    " WHERE" USER_SCOPE_SQL " AND u.id > ?5"
    " AND (?6 IS NULL OR u.role = ?6)"
    " AND (?7 IS NULL OR substr(r.path, 1, length(?7)) = ?7)"
    " AND (?8 IS NULL OR u.centre_code = ?8)"
    " AND (?9 IS NULL OR instr(lower(u.username), lower(?9)) > 0"
    " OR instr(lower(u.display_name), lower(?9)) > 0)"
    " ORDER BY u.id LIMIT ?10";

enum err users_store_list(struct db *db, const struct scope *scope,
			  const struct user_filter *filter, int64_t after_id, int limit,
			  user_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct user_filter none = { 0 };
	struct user_record row;
	int rc;

	if (!st)
		return ERR_DB;
	if (!filter)
		filter = &none;
	scope_bind(st, scope);
	db_bind_int(st, 5, after_id);
	db_bind_text(st, 6, filter->role != ROLE_NONE ? role_name(filter->role) : NULL);
	db_bind_text(st, 7, filter->region_path);
	db_bind_text(st, 8, filter->centre);
	db_bind_text(st, 9, filter->q);
	db_bind_int(st, 10, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		user_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_count[] = "SELECT count(*) FROM users";

enum err users_store_count(struct db *db, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_count);
	int rc;

	*out = 0;
	if (!st)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW ? ERR_OK : db_err(db, rc);
}

static const char sql_insert[] =
    "INSERT INTO users(username, display_name, role, region_code, centre_code, phone,"
    " password_hash, disabled, created_at, updated_at, email)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

enum err users_store_insert(struct db *db, const struct user_record *u, const char *password_hash,
			    int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, u->username);
	db_bind_text(st, 2, u->display_name);
	db_bind_text(st, 3, role_name(u->role));
	db_bind_text(st, 4, or_null(u->region));
	db_bind_text(st, 5, or_null(u->centre));
	db_bind_text(st, 6, u->phone);
	db_bind_text(st, 7, password_hash);
	db_bind_int(st, 8, u->disabled ? 1 : 0);
	db_bind_int(st, 9, u->created_at);
	db_bind_int(st, 10, u->updated_at);
	db_bind_text(st, 11, u->email);
	return db_exec_insert(db, st, id_out);
}

static const char sql_update[] =
    "UPDATE users SET display_name = ?2, role = ?3, region_code = ?4, centre_code = ?5,"
    " phone = ?6, disabled = ?7, updated_at = ?8, password_hash = coalesce(?9, password_hash),"
    " email = ?10 WHERE id = ?1";

enum err users_store_update(struct db *db, const struct user_record *u, const char *password_hash)
{
	sqlite3_stmt *st = db_stmt(db, sql_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, u->id);
	db_bind_text(st, 2, u->display_name);
	db_bind_text(st, 3, role_name(u->role));
	db_bind_text(st, 4, or_null(u->region));
	db_bind_text(st, 5, or_null(u->centre));
	db_bind_text(st, 6, u->phone);
	db_bind_int(st, 7, u->disabled ? 1 : 0);
	db_bind_int(st, 8, u->updated_at);
	db_bind_text(st, 9, password_hash);
	db_bind_text(st, 10, u->email);
	return db_exec_one(db, st);
}

static const char sql_sessions_revoke[] =
    "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL";
static const char sql_access_drop[] =
    "DELETE FROM access_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?1)";

enum err users_store_end_sessions(struct db *db, int64_t user_id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_sessions_revoke);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, now);
	e = db_exec_stmt(db, st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_access_drop);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	return db_exec_stmt(db, st);
}
