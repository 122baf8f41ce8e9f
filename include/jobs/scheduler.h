/* The background worker inside the server (no external cron). Every
 * interval it runs each job once with its own database connection. Jobs
 * keep their state in the database (once-only rows such as ticket_alerts
 * and warranty_notices, and due times such as a delivery's
 * next_attempt_at), so a restart neither skips nor repeats their work.
 * Time comes from clock_now(), which tests move. */
#ifndef FT_SCHEDULER_H
#define FT_SCHEDULER_H

#include <stdint.h>

#include "core/err.h"

struct db;
struct scheduler;

/* A job: does what is due at `now`, in its own short transactions. */
typedef enum err (*scheduler_job_fn)(struct db *db, int64_t now);

/* Starts the worker thread on its own connection to db_path; interval_ms
 * between runs. *out is freed by scheduler_stop. */
enum err scheduler_start(const char *db_path, int interval_ms, struct scheduler **out);
/* Stops after the current job and joins the thread. NULL ok. */
void scheduler_stop(struct scheduler *s);

/* Runs every job once at `now` on db, recording each job's run in
 * scheduler_jobs (tests call this to drive the clock deterministically). */
enum err scheduler_run_once(struct db *db, int64_t now);

#endif
