/* The delivery lanes' threads (include/jobs/lanes.h). */
#include "jobs/lanes.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "domain/delivery.h"

struct lane_thread {
	struct lanes *owner;
	enum lane lane;
	struct db *db;
	pthread_t thread;
	int started;
	struct lane_state state;
};

struct lanes {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	int stop;
	int interval_ms;
	struct lane_thread t[LANE__COUNT];
};

static void wait_ms(struct lanes *l, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->mu);
	while (!l->stop && pthread_cond_timedwait(&l->wake, &l->mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&l->mu);
}

static int stopping(struct lanes *l)
{
	int stop;

	pthread_mutex_lock(&l->mu);
	stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

static void *lane_main(void *arg)
{
	struct lane_thread *t = arg;

	while (!stopping(t->owner)) {
		int handled = 0;
		enum err e = delivery_lane_run(t->db, t->lane, &t->state, clock_now(), &handled);

		if (e != ERR_OK)
			log_error("delivery: lane %s: %s", lane_provider(t->lane), err_title(e));
		/* A full batch: more may be due; the rate limit paces it. */
		if (handled < DELIVERY_BATCH || e != ERR_OK)
			wait_ms(t->owner, t->owner->interval_ms);
		else
			wait_ms(t->owner, 10);
	}
	return NULL;
}

enum err lanes_start(const char *db_path, int interval_ms, struct lanes **out)
{
	struct lanes *l = calloc(1, sizeof(*l));
	struct db *db = NULL;
	enum err e;

	*out = NULL;
	if (!l)
		return ERR_INTERNAL;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->wake, NULL);
	l->interval_ms = interval_ms;
	e = db_open(db_path, &db);
	if (e == ERR_OK)
		e = delivery_recover(db, clock_now());
	db_close(db);
	for (int i = 0; e == ERR_OK && i < LANE__COUNT; i++) {
		struct lane_thread *t = &l->t[i];

		if (!channels_lane_on((enum lane)i))
			continue;
		t->owner = l;
		t->lane = (enum lane)i;
		e = db_open(db_path, &t->db);
		if (e == ERR_OK && pthread_create(&t->thread, NULL, lane_main, t) != 0) {
			db_close(t->db);
			t->db = NULL;
			e = ERR_INTERNAL;
		}
		t->started = e == ERR_OK;
	}
	if (e != ERR_OK) {
		lanes_stop(l);
		return e;
	}
	*out = l;
	return ERR_OK;
}

void lanes_stop(struct lanes *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_broadcast(&l->wake);
	pthread_mutex_unlock(&l->mu);
	for (int i = 0; i < LANE__COUNT; i++) {
		if (l->t[i].started)
			pthread_join(l->t[i].thread, NULL);
		db_close(l->t[i].db);
	}
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
