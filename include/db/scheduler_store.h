/* The scheduler's bookkeeping: one row per job in scheduler_jobs. */
#ifndef FT_SCHEDULER_STORE_H
#define FT_SCHEDULER_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

/* Records a finished run of job at now; error "" when it succeeded. */
enum err scheduler_store_record(struct db *db, const char *job, int64_t now, const char *error);

struct scheduler_job_row {
	char name[32];
	int64_t last_run_at; /* 0 = never */
	int64_t runs;
	char last_error[256];
};
typedef int (*scheduler_job_row_fn)(const struct scheduler_job_row *r, void *ctx);
enum err scheduler_store_jobs(struct db *db, scheduler_job_row_fn fn, void *ctx);

#endif
