/* Hostile clients: token buckets for the expensive endpoints and the QR
 * resolver, and the count of open connections per client address.
 *
 * Everything lives in fixed-size in-memory tables behind one mutex each,
 * so memory is bounded whatever the clients do; when a table is full the
 * least recently used bucket is evicted (it forgets that client, which
 * then starts with a full bucket: the limiter fails open, never closed).
 * Buckets refill with clock_now() (include/core/clock.h), so tests move time
 * with clock_set_offset(). */
#ifndef FT_RATELIMIT_H
#define FT_RATELIMIT_H

#include <stddef.h>

/* What a rate-limited route counts against. */
enum rl_class {
	RL_NONE = 0,
	RL_LOGIN,     /* POST /v1/auth/login: per address, and per username */
	RL_SEARCH,    /* GET /v1/kb/search: per account, and 4x that per address */
	RL_IMPORT,    /* POST /v1/imports/assets */
	RL_LABELS,    /* POST /v1/labels */
	RL_SCAN,      /* GET /id/{code} and the GS1 paths: per address */
	RL_SCAN_MISS, /* scans of unknown or forged codes: per address */
	RL_REPORT,      /* POST /id/{code}/report: per address */
	RL_REPORT_CODE, /* POST /id/{code}/report: per code */
	RL__COUNT
};

/* Requests allowed per window for each class (0: that class is not
 * limited), the window, and open connections allowed per address (0: no
 * limit). */
struct ratelimit_limits {
	int per_window[RL__COUNT];
	int window_s;
	int conns_per_address;
};

/* Sets the limits and empties every table; called by app_start before
 * the first request. */
void ratelimit_configure(const struct ratelimit_limits *lim);

/* Takes one request from the bucket of (cls, who) where who names the
 * client ("a:127.0.0.1", "u:42", "n:alice"; borrowed, at most 63 bytes are
 * used). scale multiplies the class's limit (per-address buckets of an
 * account limit are larger). Returns 0 when allowed, otherwise the seconds
 * until one request will be allowed again (>= 1); nothing is taken then. */
int ratelimit_take(enum rl_class cls, const char *who, int scale);
/* As ratelimit_take but takes nothing: 0 while the bucket is not empty. */
int ratelimit_peek(enum rl_class cls, const char *who, int scale);

/* Connections: ratelimit_conn_open counts one more open connection from
 * addr and answers 0, or answers -1 (and counts nothing) when addr already
 * has conns_per_address open. Every 0 must be paired with one
 * ratelimit_conn_close(addr). */
int ratelimit_conn_open(const char *addr);
void ratelimit_conn_close(const char *addr);
/* Open connections counted for addr now (tests, diagnostics). */
int ratelimit_conn_count(const char *addr);

#endif
