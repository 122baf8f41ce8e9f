/* The background worker: every interval it runs each job once on its own
 * connection. Jobs keep their once-only state in the database, so this
 * loop holds nothing that a restart could lose; it only paces them. */
#include "jobs/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/assets.h"
#include "domain/assist.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/delivery.h"
#include "domain/escalation.h"
#include "db/idempotency_store.h"
#include "core/log.h"
#include "domain/maintenance.h"
#include "domain/problems.h"
#include "db/scheduler_store.h"
#include "db/sync_store.h"
#include "domain/warranty.h"
#include "domain/webhooks.h"

struct job {
	const char *name;
	scheduler_job_fn run;
};

/* In this order: escalations, expiry notices and new problems write the outbox that the
 * webhook job then delivers in the same tick. */
static const struct job jobs[] = {
	{ "sla_escalation", escalation_run },           { "warranty_digest", warranty_digest_run },
	{ "problems_detect", problems_detect_run },     { "webhooks", webhooks_deliver_run },
	{ "idempotency_purge", idempotency_purge_run }, { "sync_retire", sync_retire_run },
	{ "trace_snapshots", assets_snapshots_run },  { "delivery_digest", delivery_digest_run },
	{ "board_summary", delivery_board_summary_run },
	{ "delivery_purge", delivery_purge_run },
	{ "assist_escalation", assist_escalate_run },
	{ "maintenance", maintenance_run },
};
#define N_JOBS (sizeof(jobs) / sizeof(jobs[0]))

struct scheduler {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	int stop;
	int interval_ms;
	struct db *db;
};

enum err scheduler_run_once(struct db *db, int64_t now)
{
	enum err first = ERR_OK;

	for (size_t i = 0; i < N_JOBS; i++) {
		enum err e = jobs[i].run(db, now);

		if (e != ERR_OK) {
			log_error("scheduler: %s failed: %s", jobs[i].name, err_title(e));
			if (first == ERR_OK)
				first = e;
		}
		/* Bookkeeping failing (a busy database) must not stop the jobs. */
		if (scheduler_store_record(db, jobs[i].name, now,
					   e == ERR_OK ? "" : err_title(e)) != ERR_OK)
			log_error("scheduler: cannot record the run of %s", jobs[i].name);
	}
	return first;
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *scheduler_main(void *arg)
{
	struct scheduler *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		deadline_after(&until, s->interval_ms);
		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->mu, &until) != ETIMEDOUT)
			;
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		scheduler_run_once(s->db, clock_now());
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

enum err scheduler_start(const char *db_path, int interval_ms, struct scheduler **out)
{
	struct scheduler *s = calloc(1, sizeof(*s));
	enum err e;

	*out = NULL;
	if (!s || interval_ms < 1) {
		free(s);
		return ERR_INVALID;
	}
	e = db_open(db_path, &s->db);
	if (e != ERR_OK) {
		free(s);
		return e;
	}
	s->interval_ms = interval_ms;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
		db_close(s->db);
		free(s);
		return ERR_INTERNAL;
	}
	*out = s;
	return ERR_OK;
}

void scheduler_stop(struct scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	db_close(s->db);
	free(s);
}

/* ---- GET /v1/scheduler: when each job last ran, for operators --------- */
