/* Outgoing HTTPS requests to providers (push, SMS, chat robots) over
 * libcurl: one call, one request, with timeouts, an optional extra CA file
 * (tests trust the dev CA this way) and the answer's body kept. */
#ifndef FT_HTTP_CLIENT_H
#define FT_HTTP_CLIENT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define HTTP_CLIENT_TIMEOUT_MS 10000
#define HTTP_CLIENT_ANSWER_MAX (256 * 1024)

struct http_request {
	const char *method; /* "POST" when NULL */
	const char *url;
	const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
	const char *body;           /* may be NULL */
	size_t body_len;
	const char *ca_file;    /* also trusted (besides the system store); NULL/"" none */
	const char *basic_user; /* HTTP basic auth; NULL = none */
	const char *basic_password;
	int http2;      /* 1: HTTP/2 over TLS only (APNs) */
	int timeout_ms; /* 0: HTTP_CLIENT_TIMEOUT_MS */
};

struct http_answer {
	int status;        /* 0 when none was read */
	int retry_after_s; /* Retry-After (or JPush's X-Rate-Limit-Reset) in seconds, 0 when absent */
	struct buf body;   /* capped at HTTP_CLIENT_ANSWER_MAX; free with http_answer_free */
	char apns_id[64]; /* apns-id answer header, when there was one */
};

/* Once per process, before any thread sends (main and the test runner). */
void http_client_global_init(void);

/* Sends the request. ERR_OK when an HTTP answer was read (any status);
 * ERR_UNAVAILABLE when none was (connection, TLS, timeout), with the
 * reason in why. */
enum err http_client_send(const struct http_request *rq, struct http_answer *out, char *why,
			  size_t why_size);
void http_answer_free(struct http_answer *a);

/* Percent-encodes s as RFC 3986 unreserved (what Aliyun's and DingTalk's
 * signatures need). Returns a malloc'd string or NULL. */
char *http_client_escape(const char *s);

#endif
