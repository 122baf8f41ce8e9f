/* Private to server/http/: what the dispatcher, the response writer and
 * the civetweb glue share. */
#ifndef FT_HTTP_INTERNAL_H
#define FT_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "api/pipeline.h"

struct mg_connection;

/* Read deadlines (deadline.c): a watchdog thread interrupts a read that is
 * past its deadline, since civetweb's mg_read waits for all len bytes as
 * long as a byte arrives now and then. http_deadline_start/stop bracket a
 * server's life (0 ok, -1 no thread); http_read_deadline is mg_read that returns by deadline_us (CLOCK_MONOTONIC
 * microseconds), with what it has, 0 or -1; *cut = 1 when the watchdog cut
 * it (the body is incomplete: answer 408 and close). */
int http_deadline_start(void);
void http_deadline_stop(void);
int http_read_deadline(struct mg_connection *conn, void *buf, size_t len, uint64_t deadline_us,
		       int *cut);

/* The web console (console.c; include/http/console.h): http_console_init
 * makes the files' ETags and the metrics label before serving;
 * http_console_answer fills resp for a request whose path
 * http_console_path() claims (*must_close = 1 when a body was left
 * unread); http_console_route names its answers in the access log. */
void http_console_init(void);
void http_console_answer(const struct req *req, struct resp *resp, int *must_close);
extern const struct route http_console_route;

/* Open client connections (conns.c): civetweb gives each one a worker
 * thread for its whole life. Crowded once more than half the workers are
 * held: then an answer to a ROUTE_POLLED route closes its connection, so
 * N open consoles cost N workers only while they are few. server.c counts
 * (configure with the worker count, then opened/closed per connection). */
void http_conns_configure(int workers);
void http_conns_opened(void);
void http_conns_closed(void);
int http_conns_crowded(void);

/* Handles one request end to end; always answers (returns 1). */
int http_dispatch(struct mg_connection *conn, const struct req_limits *lim);

/* Status line, headers and body in one write (a resp_file body follows in
 * pieces); returns bytes sent. */
size_t http_response_write(const struct req *req, struct resp *resp, int must_close);
/* Writes a bare problem for errors civetweb detects before routing. */
void http_write_early_problem(struct mg_connection *conn, int status, const char *detail);

#endif
