/* Body deadlines that hold against a trickle.
 *
 * civetweb's mg_read(conn, buf, len) returns only once len bytes have
 * arrived, the client is gone, or a single poll waited request-timeout-ms
 * without a byte (pull_all in civetweb.c 1.15). A client that sends one
 * byte a second never lets a poll time out, so a 16 KiB read lasts 16 384 s
 * and the dispatcher's body deadline, checked between reads, never comes:
 * measured, 32 such connections held all 32 workers for as long as the
 * attack ran.
 *
 * So a read past its deadline is interrupted: a watchdog thread sends the
 * reading worker a signal with an empty handler, civetweb's poll returns
 * EINTR, pull_all gives up and mg_read returns what it has; the connection
 * and its TLS state are untouched, so the dispatcher can still answer 408
 * before it closes. (Shutting the socket's reading side instead left
 * OpenSSL in a fatal state: no 408 could be written.) The signal is
 * unblocked only around mg_read, a late one is drained before the read
 * returns, so it never interrupts anything else; the watchdog signals only
 * while the worker is registered, both under one lock. */
#include <civetweb.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "http_internal.h"

#define WATCH_SLOTS 1024 /* >= the most worker threads (config: 1024) */
#define WATCH_TICK_MS 100

struct watch {
	int used;
	int fired;
	pthread_t thread;
	uint64_t deadline_us;
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static struct watch watches[WATCH_SLOTS];
static int watch_users; /* servers running; the thread runs while > 0 */
static int watch_running;
static pthread_t watch_thread;
static int watch_signal;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_watch_signal(int sig)
{
	(void)sig; /* its only purpose is the EINTR */
}

static void *watchdog(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&watch_lock);
	while (watch_users > 0) {
		struct timespec until;
		uint64_t now = now_us();

		for (size_t i = 0; i < WATCH_SLOTS; i++) {
			struct watch *w = &watches[i];

			/* Again at every tick: a signal that came while the read
			 * was not in poll interrupted nothing. */
			if (w->used && now > w->deadline_us) {
				pthread_kill(w->thread, watch_signal);
				w->fired = 1;
			}
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WATCH_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&watch_cond, &watch_lock, &until);
	}
	pthread_mutex_unlock(&watch_lock);
	return NULL;
}

int http_deadline_start(void)
{
	int rc = 0;

	pthread_mutex_lock(&watch_lock);
	if (watch_users++ == 0) {
		struct sigaction sa;

		memset(watches, 0, sizeof(watches));
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_watch_signal; /* no SA_RESTART: poll must fail */
		sigemptyset(&sa.sa_mask);
		watch_signal = SIGRTMIN + 1;
		sigaction(watch_signal, &sa, NULL);
		rc = pthread_create(&watch_thread, NULL, watchdog, NULL);
		if (rc != 0)
			watch_users = 0;
		watch_running = rc == 0;
	}
	pthread_mutex_unlock(&watch_lock);
	return rc == 0 ? 0 : -1;
}

void http_deadline_stop(void)
{
	int join = 0;

	pthread_mutex_lock(&watch_lock);
	if (watch_users > 0 && --watch_users == 0 && watch_running) {
		watch_running = 0;
		join = 1;
		pthread_cond_signal(&watch_cond);
	}
	pthread_mutex_unlock(&watch_lock);
	if (join)
		pthread_join(watch_thread, NULL);
}

int http_read_deadline(struct mg_connection *conn, void *buf, size_t len, uint64_t deadline_us,
		       int *cut)
{
	struct watch *w = NULL;
	sigset_t set;
	int n;

	*cut = 0;
	sigemptyset(&set);
	sigaddset(&set, watch_signal);
	pthread_mutex_lock(&watch_lock);
	for (size_t i = 0; i < WATCH_SLOTS && !w && watch_running; i++)
		if (!watches[i].used)
			w = &watches[i];
	if (w) {
		w->used = 1;
		w->fired = 0;
		w->thread = pthread_self();
		w->deadline_us = deadline_us;
	}
	pthread_mutex_unlock(&watch_lock);
	/* No slot (cannot happen with <= 1024 workers): an unwatched read. */
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	n = mg_read(conn, buf, len);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (w) {
		struct timespec zero = { 0, 0 };

		pthread_mutex_lock(&watch_lock);
		*cut = w->fired;
		w->used = 0;
		pthread_mutex_unlock(&watch_lock);
		while (sigtimedwait(&set, NULL, &zero) > 0)
			; /* one sent as the read returned */
	}
	return n;
}
