/* SQL for the customer's tracking links (include/db/selfservice_store.h). */
#include <string.h>

#include "db/db.h"
#include "db/selfservice_store.h"

static const char sql_insert[] = "INSERT INTO ticket_tracking(token_hash, ticket_id, source,"
				 " created_at) VALUES (?1, ?2, ?3, ?4)";

enum err selfservice_store_insert(struct db *db, const char *token_hash, int64_t ticket_id,
				  const char *source, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, ticket_id);
	db_bind_text(st, 3, source);
	sqlite3_bind_int64(st, 4, now);
	return db_exec_stmt(db, st);
}

static const char sql_find[] = "SELECT ticket_id, created_at, coalesce(rated_at, 0)"
			       " FROM ticket_tracking WHERE token_hash = ?1";

enum err selfservice_store_find(struct db *db, const char *token_hash, struct tracking_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_find);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->ticket_id = sqlite3_column_int64(st, 0);
	out->created_at = sqlite3_column_int64(st, 1);
	out->rated_at = sqlite3_column_int64(st, 2);
	db_done(st);
	return ERR_OK;
}

static const char sql_rated[] = "UPDATE ticket_tracking SET rated_at = ?2"
				" WHERE ticket_id = ?1 AND rated_at IS NULL";

enum err selfservice_store_mark_rated(struct db *db, int64_t ticket_id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_rated);
	enum err e;

	if (!st)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, ticket_id);
	sqlite3_bind_int64(st, 2, now);
	e = db_exec_one(db, st);
	return e == ERR_NOT_FOUND ? ERR_CONFLICT : e;
}

static const char sql_centre[] = "SELECT name FROM centres WHERE code = ?1";

enum err selfservice_store_centre_name(struct db *db, const char *code, char *out, size_t size)
{
	sqlite3_stmt *st = db_stmt(db, sql_centre);
	enum err e;

	out[0] = '\0';
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	e = db_step_row(db, st);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, out, size);
	db_done(st);
	return ERR_OK;
}
