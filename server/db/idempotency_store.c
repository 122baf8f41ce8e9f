/* SQL for Idempotency-Key answers (table idempotency_keys, 0005). */
#include "db/idempotency_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

#define PURGE_BATCH 50

void idem_answer_cleanup(struct idem_answer *a)
{
	if (!a)
		return;
	free(a->headers);
	free(a->body);
	a->headers = NULL;
	a->body = NULL;
}

static char *col_dup(sqlite3_stmt *st, int col, size_t *len_out)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *out;

	if (len_out)
		*len_out = 0;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	if (n)
		memcpy(out, p, n);
	out[n] = '\0';
	if (len_out)
		*len_out = n;
	return out;
}

static const char sql_purge_some[] =
    "DELETE FROM idempotency_keys WHERE id IN (SELECT id FROM idempotency_keys"
    " WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)";

static const char sql_get[] =
    "SELECT id, method, path, body_sha256, state, coalesce(status, 0),"
    " coalesce(content_type, ''), headers, body, body_len, created_at, expires_at,"
    " work_committed"
    " FROM idempotency_keys WHERE user_id = ?1 AND key = ?2";

static const char sql_delete_id[] = "DELETE FROM idempotency_keys WHERE id = ?1";

static const char sql_insert[] =
    "INSERT INTO idempotency_keys(user_id, key, method, path, body_sha256, state,"
    " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)";

/* Reads the row of (user, key), if any: its id, whether it expired, and
 * what it says about rq. */
static enum err read_claim(struct db *db, const struct idem_request *rq, int64_t now, int64_t lease,
			   int64_t *row_id, enum idem_outcome *outcome, struct idem_answer *ans)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	const void *hash;
	int same;
	enum err e;

	*row_id = 0;
	*outcome = IDEM_NEW;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, rq->user_id);
	db_bind_text(st, 2, rq->key);
	e = db_step_row(db, st);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	*row_id = sqlite3_column_int64(st, 0);
	if (sqlite3_column_int64(st, 11) <= now) {
		/* Expired: as if never used (the caller deletes it). */
		db_done(st);
		return ERR_OK;
	}
	hash = sqlite3_column_blob(st, 3);
	same = strcmp(db_col_text(st, 1), rq->method) == 0 &&
	       strcmp(db_col_text(st, 2), rq->path) == 0 && sqlite3_column_bytes(st, 3) == 32 &&
	       memcmp(hash, rq->body_sha256, 32) == 0;
	if (!same) {
		*outcome = IDEM_MISMATCH;
		db_col_copy(st, 1, ans->method, sizeof(ans->method));
		db_col_copy(st, 2, ans->path, sizeof(ans->path));
	} else if (strcmp(db_col_text(st, 4), "running") == 0 && sqlite3_column_int(st, 12)) {
		*outcome = IDEM_DONE_UNANSWERED; /* never again, whatever the lease */
	} else if (strcmp(db_col_text(st, 4), "running") == 0) {
		*outcome = sqlite3_column_int64(st, 10) + lease < now ? IDEM_NEW : IDEM_RUNNING;
	} else {
		*outcome = IDEM_REPLAY;
		ans->status = sqlite3_column_int(st, 5);
		db_col_copy(st, 6, ans->content_type, sizeof(ans->content_type));
		ans->headers = col_dup(st, 7, NULL);
		ans->body_kept = sqlite3_column_type(st, 8) != SQLITE_NULL;
		ans->body = col_dup(st, 8, &ans->body_len);
		if (!ans->body_kept)
			ans->body_len = (size_t)sqlite3_column_int64(st, 9);
		if ((ans->body_kept && !ans->body) ||
		    (sqlite3_column_type(st, 7) != SQLITE_NULL && !ans->headers))
			e = ERR_INTERNAL;
	}
	db_done(st);
	return e;
}

static enum err claim_locked(struct db *db, const struct idem_request *rq, int64_t now, int64_t ttl,
			     int64_t lease, enum idem_outcome *outcome, struct idem_answer *ans)
{
	sqlite3_stmt *st = db_stmt(db, sql_purge_some);
	int64_t row_id = 0, new_id;
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, PURGE_BATCH);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		e = read_claim(db, rq, now, lease, &row_id, outcome, ans);
	if (e != ERR_OK || *outcome != IDEM_NEW)
		return e;
	if (row_id) {
		/* Expired, or abandoned while running. */
		st = db_stmt(db, sql_delete_id);
		if (!st)
			return ERR_DB;
		db_bind_int(st, 1, row_id);
		e = db_exec_stmt(db, st);
		if (e != ERR_OK)
			return e;
	}
	st = db_stmt(db, sql_insert);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, rq->user_id);
	db_bind_text(st, 2, rq->key);
	db_bind_text(st, 3, rq->method);
	db_bind_text(st, 4, rq->path);
	sqlite3_bind_blob(st, 5, rq->body_sha256, 32, SQLITE_TRANSIENT);
	db_bind_int(st, 6, now);
	db_bind_int(st, 7, now + ttl);
	return db_exec_insert(db, st, &new_id);
}

enum err idempotency_store_claim(struct db *db, const struct idem_request *rq, int64_t now,
				 int64_t ttl, int64_t lease, enum idem_outcome *outcome,
				 struct idem_answer *ans)
{
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = claim_locked(db, rq, now, ttl, lease, outcome, ans);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		idem_answer_cleanup(ans);
	}
	return e;
}

static const char sql_finish[] =
    "UPDATE idempotency_keys SET state = 'done', status = ?3, content_type = ?4, headers = ?5,"
    " body = ?6, body_len = ?7 WHERE user_id = ?1 AND key = ?2 AND state = 'running'";

enum err idempotency_store_finish(struct db *db, int64_t user_id, const char *key,
				  const struct idem_answer *ans)
{
	sqlite3_stmt *st;
	enum err e = db_begin(db);

	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_finish);
	if (!st) {
		db_rollback(db);
		return ERR_DB;
	}
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, key);
	db_bind_int(st, 3, ans->status);
	db_bind_text(st, 4, ans->content_type);
	db_bind_text(st, 5, ans->headers ? ans->headers : "");
	if (ans->body_kept)
		sqlite3_bind_blob64(st, 6, ans->body ? ans->body : "", ans->body_len,
				    SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 6);
	db_bind_int(st, 7, (int64_t)ans->body_len);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

static const char sql_mark_committed[] = "UPDATE idempotency_keys SET work_committed = 1"
					 " WHERE user_id = ?1 AND key = ?2 AND state = 'running'";

enum err idempotency_store_mark_committed(struct db *db, int64_t user_id, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, sql_mark_committed);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, key);
	return db_exec_stmt(db, st);
}

static const char sql_release[] = "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2"
				  " AND state = 'running' AND work_committed = 0";

enum err idempotency_store_release(struct db *db, int64_t user_id, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, sql_release);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, key);
	return db_exec_stmt(db, st);
}

static const char sql_abandon_running[] =
    "DELETE FROM idempotency_keys WHERE state = 'running' AND work_committed = 0";

enum err idempotency_store_abandon_running(struct db *db, int64_t *released)
{
	sqlite3_stmt *st = db_stmt(db, sql_abandon_running);
	enum err e;

	*released = 0;
	if (!st)
		return ERR_DB;
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*released = db_changes(db);
	return e;
}

static const char sql_purge_all[] = "DELETE FROM idempotency_keys WHERE expires_at <= ?1";

enum err idempotency_purge_run(struct db *db, int64_t now)
{
	sqlite3_stmt *st;
	enum err e = db_begin(db);

	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_purge_all);
	if (!st) {
		db_rollback(db);
		return ERR_DB;
	}
	db_bind_int(st, 1, now);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}
