/* Connections, the per-connection statement cache and transactions. */
#include "db/db.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

/* Open addressing on the SQL string's address; every module's statements
 * together stay well below this, and a full cache only costs a re-prepare. */
#define STMT_SLOTS 512

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct db {
	sqlite3 *conn;
	int read_txn;              /* a db_read_begin() transaction is open */
	db_precommit_fn precommit; /* see db_set_precommit */
	void *precommit_arg;
	int64_t busy_since_ns; /* monotonic start of the current lock wait */
	struct stmt_slot slots[STMT_SLOTS];
};

/* Page cache per connection, in KiB. Chosen when every worker thread had
 * its own connection: with 64 workers on the resolve benchmark, 2 MiB each
 * made 166 MiB RSS and 512 KiB made 60 MiB at the same request rate (the
 * kernel's page cache, shared by all, holds the rest of the file). The
 * workers now share db_connections of them (8); 2 MiB each read fewer
 * pages but cost more CPU per request (docs/BENCHMARKS.md), so it stays. */
#define DB_CACHE_KIB "512"

static const char *const open_pragmas =
    "PRAGMA journal_mode=WAL;"
    /* FULL: an acknowledged write survives a process crash and a power
	 * loss; NORMAL would only survive the former. README documents it. */
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA trusted_schema=OFF;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA cache_size=-" DB_CACHE_KIB ";";

void db_global_init(void)
{
	/* Memory statistics take one global mutex on every SQLite allocation;
	 * with a connection per worker thread that mutex was the hottest lock
	 * of the resolve benchmark. Nothing here reads the statistics. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static int64_t monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* When a connection of this process last waited for a lock (see
 * db_yield_writers). */
static _Atomic int64_t busy_seen_ns;

#define BUSY_TIMEOUT_NS (5000 * 1000000LL)

/* The 5 s busy timeout, polling every 1, 2, then 4 ms. SQLite's own
 * handler sleeps up to 100 ms between tries, so a waiter would miss the
 * short gaps a sliced writer (the CSV import) leaves between its
 * transactions, and time out although the lock was free many times. */
static int busy_wait(void *arg, int count)
{
	struct db *db = arg;
	int64_t now = monotonic_ns();
	struct timespec pause = { 0, (count < 2 ? 1000000L << count : 4000000L) };

	if (count == 0)
		db->busy_since_ns = now;
	else if (now - db->busy_since_ns >= BUSY_TIMEOUT_NS)
		return 0;
	busy_seen_ns = now;
	nanosleep(&pause, NULL);
	return 1;
}

void db_yield_writers(int max_ms)
{
	/* Longer than busy_wait's longest pause: a waiter has tried again since. */
	const int64_t quiet_ns = 6 * 1000000LL;
	const struct timespec tick = { 0, 1000000L };
	int64_t start = monotonic_ns(), now;

	do {
		nanosleep(&tick, NULL);
		now = monotonic_ns();
	} while ((now - start < 5 * 1000000LL || now - busy_seen_ns < quiet_ns) &&
		 now - start < (int64_t)max_ms * 1000000);
}

enum err db_open(const char *path, struct db **out)
{
	struct db *db;
	char *errmsg = NULL;
	int rc;

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return ERR_INTERNAL;
	rc = sqlite3_open_v2(path, &db->conn,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				 SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		log_error("db: cannot open %s: %s", path,
			  db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_handler(db->conn, busy_wait, db);
	sqlite3_db_config(db->conn, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	rc = sqlite3_exec(db->conn, open_pragmas, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK) {
		log_error("db: %s: %s", path, errmsg ? errmsg : sqlite3_errstr(rc));
		sqlite3_free(errmsg);
		goto fail;
	}
	*out = db;
	return ERR_OK;
fail:
	db_close(db);
	return ERR_DB;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(db->slots[i].stmt);
	sqlite3_close(db->conn);
	free(db);
}

sqlite3 *db_handle(struct db *db)
{
	return db->conn;
}

static size_t slot_of(const char *sql)
{
	uintptr_t h = (uintptr_t)sql;

	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) % STMT_SLOTS;
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	size_t start = slot_of(sql), i = start;
	sqlite3_stmt *stmt = NULL;
	int rc;

	do {
		struct stmt_slot *s = &db->slots[i];

		if (s->sql == sql)
			return s->stmt;
		if (!s->sql)
			break;
		i = (i + 1) % STMT_SLOTS;
	} while (i != start);

	rc = sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		log_error("db: prepare failed: %s", sqlite3_errmsg(db->conn));
		return NULL;
	}
	if (db->slots[i].sql) {
		/* Cache full: evict the slot we would have used. */
		sqlite3_finalize(db->slots[i].stmt);
	}
	db->slots[i].sql = sql;
	db->slots[i].stmt = stmt;
	return stmt;
}

void db_done(sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

enum err db_err(struct db *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return ERR_OK;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ERR_CONFLICT;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return ERR_INVALID;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
		log_error("db: unavailable: %s", sqlite3_errmsg(db->conn));
		return ERR_UNAVAILABLE;
	default:
		break;
	}
	log_error("db: %s (%d)", sqlite3_errmsg(db->conn), rc);
	return ERR_DB;
}

enum err db_exec_stmt(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	db_done(st);
	return rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

enum err db_exec_insert(struct db *db, sqlite3_stmt *st, int64_t *id_out)
{
	enum err e = db_exec_stmt(db, st);

	if (e == ERR_OK)
		*id_out = sqlite3_last_insert_rowid(db->conn);
	return e;
}

int64_t db_changes(const struct db *db)
{
	return sqlite3_changes64(db->conn);
}

enum err db_exec_one(struct db *db, sqlite3_stmt *st)
{
	enum err e = db_exec_stmt(db, st);

	if (e == ERR_OK && sqlite3_changes(db->conn) != 1)
		e = ERR_NOT_FOUND;
	return e;
}

enum err db_step_row(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return ERR_OK;
	db_done(st);
	return rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(db, rc);
}

enum err db_scan_end(struct db *db, sqlite3_stmt *st, int rc)
{
	enum err e = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? ERR_OK : db_err(db, rc);

	db_done(st);
	return e;
}

/* By hand: snprintf("%s") here was 3 % of the resolve benchmark's CPU. Like
 * it, stops at a NUL and truncates to size - 1 bytes. */
void db_col_copy(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const char *src = db_col_text(st, col);
	size_t n;

	if (size == 0)
		return;
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static enum err db_exec_static(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return ERR_DB;
	rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

static const char sql_cache_default[] = "PRAGMA cache_size=-" DB_CACHE_KIB;
static const char sql_cache_bulk[] = "PRAGMA cache_size=-262144";

enum err db_cache_bulk(struct db *db, int on)
{
	return db_exec_static(db, on ? sql_cache_bulk : sql_cache_default);
}

static const char sql_sync_full[] = "PRAGMA synchronous=FULL";
static const char sql_sync_normal[] = "PRAGMA synchronous=NORMAL";

#define WAL_CHECKPOINT_PAGES 1000       /* SQLite's default: every 4 MiB of WAL */
#define WAL_CHECKPOINT_PAGES_BULK 16384 /* 64 MiB */

enum err db_bulk_begin(struct db *db)
{
	db_read_end(db); /* the level cannot change inside a transaction */
	sqlite3_wal_autocheckpoint(db->conn, WAL_CHECKPOINT_PAGES_BULK);
	return db_exec_static(db, sql_sync_normal);
}

enum err db_bulk_end(struct db *db)
{
	enum err e;

	db_rollback(db);
	e = db_exec_static(db, sql_sync_full);
	sqlite3_wal_autocheckpoint(db->conn, WAL_CHECKPOINT_PAGES);
	return e;
}

static const char sql_begin_read[] = "BEGIN";
static const char sql_begin_write[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";

enum err db_read_begin(struct db *db)
{
	enum err e;

	if (!sqlite3_get_autocommit(db->conn))
		return ERR_OK; /* already inside a transaction: reads see it */
	e = db_exec_static(db, sql_begin_read);
	db->read_txn = e == ERR_OK;
	return e;
}

void db_read_end(struct db *db)
{
	if (db->read_txn && !sqlite3_get_autocommit(db->conn))
		db_exec_static(db, sql_commit);
	db->read_txn = 0;
}

enum err db_begin(struct db *db)
{
	/* A handler inside a read snapshot that must write (an audited read)
	 * ends the snapshot first: a deferred reader cannot always upgrade. */
	db_read_end(db);
	return db_exec_static(db, sql_begin_write);
}

void db_set_precommit(struct db *db, db_precommit_fn fn, void *arg, db_precommit_fn *prev_fn,
		      void **prev_arg)
{
	*prev_fn = db->precommit;
	*prev_arg = db->precommit_arg;
	db->precommit = fn;
	db->precommit_arg = arg;
}

enum err db_commit(struct db *db)
{
	if (db->precommit && !sqlite3_get_autocommit(db->conn)) {
		enum err e = db->precommit(db, db->precommit_arg);

		if (e != ERR_OK)
			return e;
	}
	return db_exec_static(db, sql_commit);
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	db->read_txn = 0;
}

int db_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	if (!text)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
}

int db_bind_int(sqlite3_stmt *st, int idx, int64_t value)
{
	return sqlite3_bind_int64(st, idx, value);
}

void db_bind_scope(sqlite3_stmt *st, int first, const struct scope *scope)
{
	sqlite3_bind_int(st, first, scope->all);
	db_bind_text(st, first + 1, scope->region_lo[0] ? scope->region_lo : NULL);
	db_bind_text(st, first + 2, scope->region_lo[0] ? scope->region_hi : NULL);
	db_bind_int(st, first + 3, scope->owner_id);
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

enum err db_ping(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM schema_migrations LIMIT 1");
	int rc;

	if (!st)
		return ERR_UNAVAILABLE;
	rc = sqlite3_step(st);
	db_done(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? ERR_OK : db_err(db, rc);
}

enum err db_quick_check(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "PRAGMA quick_check");
	enum err e = ERR_DB;

	if (!st)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW && strcmp(db_col_text(st, 0), "ok") == 0)
		e = ERR_OK;
	else
		log_error("db: quick_check failed: %s", db_col_text(st, 0));
	db_done(st);
	return e;
}

enum err db_backup(struct db *db, const char *out_path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *bk;
	sqlite3_stmt *st = NULL;
	enum err e = ERR_DB;
	int rc;

	rc = sqlite3_open_v2(out_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("backup: cannot open %s: %s", out_path, sqlite3_errstr(rc));
		goto out;
	}
	bk = sqlite3_backup_init(dst, "main", db->conn, "main");
	if (!bk) {
		log_error("backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	/* Copy in steps so writers are not locked out for the whole copy. */
	do {
		rc = sqlite3_backup_step(bk, 1024);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		log_error("backup: %s", sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
		e = ERR_OK;
	else
		log_error("backup: integrity_check of %s failed", out_path);
out:
	sqlite3_finalize(st);
	sqlite3_close(dst);
	return e;
}

/* ---- the connection pool ------------------------------------------------- */

struct db_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	int size;
	int nfree;
	struct db **free; /* stack of idle connections */
	struct db **all;
};

enum err db_pool_open(const char *path, int size, struct db_pool **out)
{
	struct db_pool *p = calloc(1, sizeof(*p));
	enum err e = ERR_OK;

	*out = NULL;
	if (!p || size < 1)
		goto fail;
	p->free = calloc((size_t)size, sizeof(*p->free));
	p->all = calloc((size_t)size, sizeof(*p->all));
	if (!p->free || !p->all)
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->freed, NULL);
	for (; p->size < size; p->size++) {
		e = db_open(path, &p->all[p->size]);
		if (e != ERR_OK) {
			db_pool_close(p);
			return e;
		}
		p->free[p->nfree++] = p->all[p->size];
	}
	*out = p;
	return ERR_OK;
fail:
	if (p) {
		free(p->free);
		free(p->all);
		free(p);
	}
	return ERR_INTERNAL;
}

void db_pool_close(struct db_pool *pool)
{
	if (!pool)
		return;
	for (int i = 0; i < pool->size; i++)
		db_close(pool->all[i]);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->mu);
	free(pool->free);
	free(pool->all);
	free(pool);
}

struct db *db_pool_acquire(struct db_pool *pool)
{
	struct db *db;

	pthread_mutex_lock(&pool->mu);
	while (pool->nfree == 0)
		pthread_cond_wait(&pool->freed, &pool->mu);
	db = pool->free[--pool->nfree];
	pthread_mutex_unlock(&pool->mu);
	return db;
}

void db_pool_release(struct db_pool *pool, struct db *db)
{
	if (!db)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->free[pool->nfree++] = db;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->mu);
}

int db_pool_size(const struct db_pool *pool)
{
	return pool ? pool->size : 0;
}
