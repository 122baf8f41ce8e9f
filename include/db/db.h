/* SQLite store foundation: connections, statement cache, transactions,
 * migrations, backup. Only server/db/ and the *_store.c files hold SQL. */
#ifndef FT_DB_H
#define FT_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db; /* one connection; never shared between threads */

/* A fixed set of connections shared by the HTTP workers: a request takes
 * one only while it runs SQL (not while it reads a slow body or writes its
 * answer). Far fewer connections than workers keep each one's page cache
 * warm: measured 24 % less CPU per resolve than a connection per worker.
 * db_pool_acquire blocks until one is free. */
struct db_pool;
enum err db_pool_open(const char *path, int size, struct db_pool **out);
void db_pool_close(struct db_pool *pool); /* all connections returned; NULL ok */
struct db *db_pool_acquire(struct db_pool *pool);
void db_pool_release(struct db_pool *pool, struct db *db); /* NULL db ok */
int db_pool_size(const struct db_pool *pool);

/* Process-wide SQLite settings; call once at start, before any db_open. */
void db_global_init(void);

/* Opens path with the server's pragmas (WAL, foreign_keys, busy_timeout,
 * trusted_schema=OFF, synchronous=FULL). Caller frees with db_close(). */
enum err db_open(const char *path, struct db **out);
void db_close(struct db *db); /* NULL ok */
sqlite3 *db_handle(struct db *db);

/* Returns the cached prepared statement for sql, which must be a string
 * with static storage: the cache is keyed by its address. The statement is
 * borrowed; finish each use with db_done(). NULL on error (logged). */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
void db_done(sqlite3_stmt *stmt); /* reset + clear bindings; NULL ok */

/* Maps an SQLite result code onto the error enum (unique violation ->
 * ERR_CONFLICT, busy/full -> ERR_UNAVAILABLE, ...). Logs storage errors. */
enum err db_err(struct db *db, int rc);

/* Page cache of this connection: small by default (every worker has one,
 * and the OS page cache is shared); bulk writers (the import CLI) ask for
 * a large one so a 100,000-row transaction does not spill to the WAL and
 * read its own pages back, then return to the default. */
enum err db_cache_bulk(struct db *db, int on);

/* For a writer of many short transactions that are worth nothing until
 * its last one (the CSV import's pending slices), between them: commits do
 * not wait for fsync (synchronous=NORMAL), and the WAL is checkpointed
 * every 64 MiB instead of every 4 MiB (each checkpoint copies the index
 * pages every slice rewrote). db_bulk_end rolls back anything open and
 * puts both back; the writer's last transaction comes after it, and its
 * commit's fsync of the WAL makes the earlier slices durable too. */
enum err db_bulk_begin(struct db *db);
enum err db_bulk_end(struct db *db);

/* A read snapshot: one deferred transaction around all the reads of a
 * request, so they see one consistent state and take the WAL read lock
 * once instead of once per statement. No-op inside a transaction.
 * db_begin() ends an open snapshot before it starts writing. */
enum err db_read_begin(struct db *db);
void db_read_end(struct db *db);

/* BEGIN IMMEDIATE ... COMMIT; rollback is harmless when nothing is open. */
enum err db_begin(struct db *db);
enum err db_commit(struct db *db);
void db_rollback(struct db *db);

/* For a writer that commits a long job in short transactions (the CSV
 * import): call between two of them, with no transaction open. Pauses at
 * least 5 ms (a waiter in another process, polling every 4 ms, gets in),
 * and longer while connections of this process are still waiting for a
 * lock, so each of them writes before the next slice; at most max_ms. */
void db_yield_writers(int max_ms);

/* Stepping helpers, so every store reads alike:
 * db_exec_stmt: runs a statement that returns no rows, then resets it.
 * db_step_row: ERR_OK with the statement on its row (read it, then
 * db_done); ERR_NOT_FOUND or an error with the statement already reset. */
enum err db_exec_stmt(struct db *db, sqlite3_stmt *st);
/* db_exec_stmt for an INSERT, then the new row's id into *id_out. */
enum err db_exec_insert(struct db *db, sqlite3_stmt *st, int64_t *id_out);
/* db_exec_stmt for an UPDATE of one row: ERR_NOT_FOUND when none changed. */
enum err db_exec_one(struct db *db, sqlite3_stmt *st);
/* A step run inside every later db_commit() on this connection, just
 * before COMMIT, until replaced (fn NULL: none); an error from it fails
 * the commit (the caller rolls back). Returns the step it replaces in
 * *prev_fn / *prev_arg, so a nested caller can put it back. */
typedef enum err (*db_precommit_fn)(struct db *db, void *arg);
void db_set_precommit(struct db *db, db_precommit_fn fn, void *arg, db_precommit_fn *prev_fn,
		      void **prev_arg);
/* Rows the last INSERT, UPDATE or DELETE on this connection changed. */
int64_t db_changes(const struct db *db);
enum err db_step_row(struct db *db, sqlite3_stmt *st);
/* Ends a row-by-row scan: rc is the last sqlite3_step result. Resets the
 * statement; ERR_OK when the scan ran out of rows or was stopped early. */
enum err db_scan_end(struct db *db, sqlite3_stmt *st, int rc);
/* Copies column text ("" for NULL) into dst, truncating to size - 1. */
void db_col_copy(sqlite3_stmt *st, int col, char *dst, size_t size);

/* Binding helpers: text NULL binds SQL NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *text);
int db_bind_int(sqlite3_stmt *st, int idx, int64_t value);
/* Binds a caller's scope at ?first .. ?first+3 for the fragment
 *   (?1 = 1 OR (?2 IS NOT NULL AND t.region_path >= ?2 AND t.region_path < ?3)
 *    OR (?4 != 0 AND t.sales_owner_id = ?4))
 * with the numbers shifted to first. */
void db_bind_scope(sqlite3_stmt *st, int first, const struct scope *scope);
/* Column text as "" when NULL; borrowed until the next step/reset. */
const char *db_col_text(sqlite3_stmt *st, int col);

/* Migrations compiled into the binary from migrations/NNNN_name.sql. */
struct migration {
	const char *name; /* "0001_foundation.sql" */
	const char *sql;
	unsigned long len;
};
extern const struct migration db_migrations[];
extern const unsigned db_migration_count;

/* Applies pending migrations in order, each in its own transaction, and
 * refuses (ERR_CONFLICT, logged) a database whose applied migration differs
 * from the file's SHA-256 or that knows a migration this binary does not. */
enum err db_migrate(struct db *db);
/* Applies one migration as db_migrate does (its transaction, and for one
 * marked "-- fieldtrace: foreign-keys-off" the checks before it commits:
 * ERR_CONFLICT, rolled back, when they fail). Tests use it on made-up
 * migrations; everything else goes through db_migrate. */
enum err db_migration_apply(struct db *db, const struct migration *m);
/* Same check without applying anything; ERR_CONFLICT when pending. */
enum err db_check_schema(struct db *db);
/* A cheap query, for readiness probes. */
enum err db_ping(struct db *db);
/* PRAGMA quick_check; ERR_DB when it does not answer "ok". */
enum err db_quick_check(struct db *db);
/* Online backup of db into out_path, then integrity_check of the copy. */
enum err db_backup(struct db *db, const char *out_path);

#endif
