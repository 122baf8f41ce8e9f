/* Private to server/http/: what the dispatcher, the response writer and
 * the civetweb glue share. */
#ifndef FT_HTTP_INTERNAL_H
#define FT_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "api/handler.h"

#define HTTP_MAX_JSON_DEPTH 32

struct http_limits {
	int body_deadline_ms;
	int request_timeout_ms; /* civetweb's wait for one read */
	int access_log;
};

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

/* Handles one request end to end; always answers (returns 1). */
int http_dispatch(struct mg_connection *conn, const struct http_limits *lim);

void http_request_id_new(char *out, size_t out_size);
/* Turns a failed handler's detail and errors into a problem+json body. */
void http_problem_render(const struct req *req, struct resp *resp, enum err e);
/* Closes a resp_file's file (no-op when none). */
void http_file_close(struct resp *resp);
/* Status line, headers and body in one write (a resp_file body follows in
 * pieces); returns bytes sent. */
size_t http_response_write(const struct req *req, struct resp *resp, int must_close);
void http_access_log(const struct req *req, const struct resp *resp, size_t bytes, uint64_t micros);
/* Writes a bare problem for errors civetweb detects before routing. */
void http_write_early_problem(struct mg_connection *conn, int status, const char *detail);

#endif
