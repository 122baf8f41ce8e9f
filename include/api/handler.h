/* The thin HTTP layer over civetweb: request/response contexts, the route
 * table shape, and the helpers handlers use to read input and answer. */
#ifndef FT_HTTP_H
#define FT_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/problem.h"
#include "core/policy.h"
#include "domain/audit.h"
#include "lib/ratelimit.h"

struct db;
struct db_pool;
struct req;
struct resp;
struct http_synthetic;
/* Limits the server applies to every request. */
struct req_limits {
	int body_deadline_ms;
	int request_timeout_ms; /* the transport's wait for one read */
	int access_log;
};

/* The connection a request came on, as the pipeline reads it. The HTTP
 * layer provides it (server/http/dispatch.c); an internal request borrows
 * its outer request's (conn NULL). */
struct req_io {
	const char *(*header)(void *conn, const char *name); /* borrowed or NULL */
	/* Reads up to len body bytes by deadline_us (CLOCK_MONOTONIC
	 * microseconds): the count, 0 at the body's end, -1 on error; *cut = 1
	 * when the deadline cut the read off. */
	int (*read)(void *conn, void *buf, size_t len, uint64_t deadline_us, int *cut);
	int (*write)(void *conn, const void *data, size_t len); /* before the answer */
	/* Percent-decodes src (form: '+' is a space) into dst; the length or -1. */
	int (*url_decode)(const char *src, int src_len, char *dst, int dst_len, int form);
};

typedef enum err (*handler_fn)(struct req *req, struct resp *resp);

enum route_flags {
	ROUTE_JSON_BODY = 1u << 0, /* body must be a JSON object (parsed to req->json) */
	ROUTE_RAW_BODY = 1u << 1,  /* body read into req->body as is */
	/* The handler reads the body itself, in pieces, with req_body_read:
	 * for uploads too large to hold in memory. */
	ROUTE_STREAM_BODY = 1u << 2,
	/* Polled by open pages every few seconds (GET /v1/board): a keep-alive
	 * connection between polls never idles out and holds a worker for
	 * good, so the HTTP layer closes it after the answer once connections
	 * crowd the workers (server/http/server.c, http_conns_crowded). */
	ROUTE_POLLED = 1u << 3,
};

/* Routes are data: each module exports a table ending in a zeroed entry. */
struct route {
	const char *method;  /* "GET", "POST", ...; GET also answers HEAD */
	const char *pattern; /* "/v1/users/{id}": {x} matches one segment */
	handler_fn handler;
	enum perm perm;
	const char *query; /* allowed query parameters, comma separated; NULL none */
	unsigned flags;
	size_t body_max; /* body cap in bytes; 0 = HTTP_BODY_DEFAULT_MAX */
	/* Its token buckets (include/lib/ratelimit.h): the pipeline takes the
	 * address's and the account's before the handler runs. */
	enum rl_class rate;
};

#define HTTP_BODY_DEFAULT_MAX (1024u * 1024u)
/* A streamed body gets body-deadline-ms plus one second per this many
 * bytes: a large upload over a slow link may take minutes, a trickle may
 * not. */
#define HTTP_STREAM_MIN_RATE (64u * 1024u)

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_QUERY 16

struct query_param {
	char *key;   /* decoded; owned by the request */
	char *value; /* decoded; owned by the request */
};

/* Where a streamed body (ROUTE_STREAM_BODY) stands; the dispatcher sets
 * it up and req_body_read advances it. */
struct req_stream {
	int64_t length; /* Content-Length; -1 when chunked */
	int64_t got;    /* bytes read so far */
	uint64_t start_us;
	int deadline_ms;
	int started; /* the first read happened (and 100 Continue went out) */
	int done;    /* the whole body arrived */
	int failed;
	int unread;           /* body left unread: the connection closes after the answer */
	struct db_pool *pool; /* req->db goes back here while the body arrives */
};

/* Request context: lives for one request; the dispatcher owns and frees
 * everything in it. Strings borrowed from it never outlive the request. */
struct req {
	void *conn;                             /* the transport's; NULL for an internal request */
	const struct req_io *io;                /* how to read conn */
	const char *query_string;               /* raw, after '?'; NULL when none */
	long long content_length;               /* announced; -1 when not */
	const struct http_synthetic *synthetic; /* internal request's input, or NULL */
	const struct req_limits *limits;       /* the server's */
	struct db *db;                          /* this worker's connection */
	const struct route *route;
	const char *method;
	const char *path; /* decoded, without the query */
	char request_id[40];
	char client_addr[48];
	char *params[HTTP_MAX_PARAMS]; /* decoded path parameters, in order */
	size_t nparams;
	struct query_param query[HTTP_MAX_QUERY];
	size_t nquery;
	int authenticated;
	struct principal user; /* valid when authenticated */
	char *body;            /* NUL-terminated; NULL when none */
	size_t body_len;
	json_t *json;             /* parsed body for ROUTE_JSON_BODY */
	struct req_stream stream; /* ROUTE_STREAM_BODY */
};

/* Response context: the handler fills it, the dispatcher writes it. */
struct resp {
	int status;
	const char *content_type; /* static string */
	struct buf headers;       /* extra "Name: value\r\n" lines */
	struct buf body;
	struct problem problem; /* what a failing handler answers */
	/* resp_file: the body is file_len bytes of file_fd from file_off,
	 * written in pieces; the dispatcher closes the file. */
	int file_open;
	int file_fd;
	int64_t file_off, file_len;
};

/* Failing: set the problem detail and return e (so handlers can
 * `return http_fail(resp, ERR_NOT_FOUND, "no such user");`), or name a
 * field: http_invalid(resp, "/username", "is required") returns
 * ERR_INVALID (include/core/problem.h says how pointers are listed). */
#define http_fail(resp, e, ...) problem_fail(&(resp)->problem, (e), __VA_ARGS__)
#define http_invalid(resp, pointer, ...) problem_invalid(&(resp)->problem, (pointer), __VA_ARGS__)

/* 429 with Retry-After: wait seconds; what says whose requests
 * ("from this address"). */
enum err resp_rate_limited(struct resp *resp, int wait, const char *what);

/* Answering: resp_json steals doc. */
void resp_json(struct resp *resp, int status, json_t *doc);
void resp_text(struct resp *resp, int status, const char *content_type, const char *data,
	       size_t len);
void resp_header(struct resp *resp, const char *name, const char *value);
/* Answers len bytes of the open file fd from off without reading it into
 * memory; takes fd (closed after the answer is written, or on failure). */
void resp_file(struct resp *resp, int status, const char *content_type, int fd, int64_t off,
	       int64_t len);

/* The request's caller as the audit log names it (strings borrowed from
 * req). */
void audit_actor_from_req(const struct req *req, struct audit_actor *out);

/* Reading input. */
const char *req_header(const struct req *req, const char *name); /* borrowed */
const char *req_query(const struct req *req, const char *key);   /* borrowed */
/* Conditional requests (RFC 9110 13.1); etag is a strong tag as this
 * server writes them, quotes included ("\"v3\"").
 * req_if_match: no If-Match, "*", or a list naming etag under strong
 * comparison (a W/ tag never matches) -- go ahead.
 * req_if_none_match: If-None-Match is "*" or names etag under weak
 * comparison -- answer 304. A malformed list names nothing. */
int req_if_match(const struct req *req, const char *etag);
int req_if_none_match(const struct req *req, const char *etag);
/* req_if_match for the "v<version>" tags of versioned resources. */
int req_if_match_version(const struct req *req, int64_t version);
/* ROUTE_STREAM_BODY: the announced Content-Length, -1 when the body comes
 * chunked (its length unknown until it ends), 0 when there is none. */
int64_t req_body_length(const struct req *req);
/* ROUTE_STREAM_BODY: reads the next piece of the body (at most size bytes)
 * into buf; *got = 0 once the whole body has arrived. Sends 100 Continue
 * first when the client asked for it. Answers the problem itself and
 * closes the connection after the answer when the body breaks off (408:
 * shorter than its Content-Length, the client went away or stalled), is
 * over the route's body_max (413), or trickles in slower than the body
 * deadline allows (408). A slow body must not hold one of the few database
 * connections: req->db is NULL from the first read until the body has
 * ended or failed (then it is back), so hold no statement or transaction
 * across the reads. */
enum err req_body_read(struct req *req, struct resp *resp, void *buf, size_t size, size_t *got);
/* Path parameter i as a positive int64; answers 404 itself when it is not. */
enum err req_param_id(const struct req *req, struct resp *resp, size_t i, int64_t *out);

/* JSON body validation (struct json_field: include/core/problem.h). */
/* Checks req->json against fields (terminated by a NULL name); collects
 * every problem before answering ERR_INVALID. */
enum err req_json_check(const struct req *req, struct resp *resp, const struct json_field *fields);
/* Borrowed string member or NULL when absent / null. */
const char *req_json_str(const struct req *req, const char *name);

/* Pagination: ?limit= (1..200, default 50) and ?cursor= (opaque). */
#define PAGE_LIMIT_DEFAULT 50
#define PAGE_LIMIT_MAX 200
struct page {
	int limit;
	int has_after;
	char after[320]; /* decoded cursor key when has_after (id + region path) */
};
enum err req_page(const struct req *req, struct resp *resp, struct page *page);
/* Answers 200 {"items": items, "next_cursor": ...}; steals items.
 * next_key is the last item's key when more may follow, else NULL. */
void resp_page(struct resp *resp, json_t *items, const char *next_key);

/* Cursors are base64url of a key: encodes key into out ("" when it does not
 * fit); req_page decodes them. */
void http_cursor_encode(const char *key, char *out, size_t out_size);

/* Internal dispatch: a request that arrives without a connection (the
 * queued actions of POST /v1/sync) runs through the same pipeline as a real
 * one: route match, the caller's permission, query and body validation,
 * the Idempotency-Key store and the handler. */
struct http_header {
	const char *name;
	const char *value;
};
struct http_synthetic {
	const char *method;
	const char *path;                  /* may carry "?query" */
	const struct http_header *headers; /* e.g. Idempotency-Key, If-Match */
	size_t nheaders;
	const char *body; /* NULL = none; sent as application/json */
	size_t body_len;
};
/* Runs in as outer's caller (already authenticated) and fills resp, which
 * the call initialises; the caller frees it with api_resp_cleanup().
 * Internal requests do not nest: one from inside another is a 400. */
void api_dispatch_internal(const struct req *outer, const struct http_synthetic *in,
			    struct resp *resp);
void api_resp_cleanup(struct resp *resp);


#endif
