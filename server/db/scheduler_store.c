/* SQL of the scheduler's bookkeeping. */
#include "db/scheduler_store.h"

#include "db/db.h"

static const char sql_record[] =
    "INSERT INTO scheduler_jobs(name, last_run_at, last_error, runs) VALUES (?1, ?2, ?3, 1)"
    " ON CONFLICT(name) DO UPDATE SET last_run_at = excluded.last_run_at,"
    " last_error = excluded.last_error, runs = runs + 1";

enum err scheduler_store_record(struct db *db, const char *job, int64_t now, const char *error)
{
	sqlite3_stmt *st = db_stmt(db, sql_record);

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, job);
	db_bind_int(st, 2, now);
	db_bind_text(st, 3, error);
	return db_exec_stmt(db, st);
}

static const char sql_jobs[] =
    "SELECT name, last_run_at, runs, last_error FROM scheduler_jobs ORDER BY name";

enum err scheduler_store_jobs(struct db *db, scheduler_job_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_jobs);
	struct scheduler_job_row r;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_col_copy(st, 0, r.name, sizeof(r.name));
		r.last_run_at = sqlite3_column_int64(st, 1);
		r.runs = sqlite3_column_int64(st, 2);
		db_col_copy(st, 3, r.last_error, sizeof(r.last_error));
		if (fn(&r, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
