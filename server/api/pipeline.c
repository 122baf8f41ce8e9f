/* The request pipeline: one path sees every request. It matches the route,
 * authenticates, checks the permission, reads and validates the body,
 * answers a repeated Idempotency-Key from the store or claims it, calls the
 * handler and stores a final answer. Requests come from a connection (the
 * HTTP layer fills req->io and calls api_run, then writes the answer) or
 * from memory (api_dispatch_internal, for the queued actions of POST
 * /v1/sync); only the input stage tells them apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/sha.h>

#include "domain/auth.h"
#include "api/handler.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/pipeline.h"
#include "db/idempotency_store.h"
#include "core/log.h"
#include "core/utf8.h"
#include "api/metrics.h"
#include "lib/ratelimit.h"

/* Idempotency-Key: answers are kept 8 days (a week offline and a day's
 * margin); a claim still 'running' after the lease was abandoned by a
 * stopped server; answers larger than IDEM_BODY_MAX are not kept. */
#define IDEM_TTL (8 * 86400)
#define IDEM_LEASE 300
#define IDEM_BODY_MAX (1024u * 1024u)

/* What one run of the pipeline keeps besides req and resp. */
struct dispatch_ctx {
	const struct principal *as; /* internal requests: the caller of the outer one */
	struct db_pool *pool;       /* connection requests: req->db comes from here */
	int must_close;
	int replayed;     /* answered from the Idempotency-Key store */
	int idem_claimed; /* this request owns its key's 'running' row */
	int64_t idem_user_id;
	char idem_key[IDEMPOTENCY_KEY_MAX + 1];
};

#define MAX_SEGMENTS 16

/* ---- the route tables --------------------------------------------------- */

/* Every route, flattened once before serving (api_routes_use); read-only
 * while requests run. Route i has metrics index i + 1. */
#define MAX_ROUTES 256
static const struct route *flat[MAX_ROUTES];
static size_t nflat;

void api_routes_use(const struct route *const *tables)
{
	nflat = 0;
	for (size_t t = 0; tables[t]; t++)
		for (const struct route *r = tables[t]; r->method && nflat < MAX_ROUTES; r++) {
			flat[nflat++] = r;
			metrics_route_label(nflat, r->method, r->pattern);
		}
}

size_t api_route_index(const struct route *r)
{
	for (size_t i = 0; i < nflat; i++)
		if (flat[i] == r)
			return i + 1;
	return METRICS_UNROUTED;
}

static uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Splits a raw path into segments in place ("/v1/users/7" -> v1, users, 7).
 * Returns the count, or -1 when there are too many or the path is odd. */
static int split_path(char *path, char **seg, int max)
{
	int n = 0;
	char *p = path;

	if (*p != '/')
		return -1;
	for (;;) {
		p++; /* past the '/' */
		if (*p == '\0')
			/* "/" alone; a trailing slash would make a second name for
			 * a resource (/id/{code}/ for /id/{code}), which a
			 * permanent identification link must not have. */
			return n == 0 ? 0 : -1;
		if (*p == '/' || n == max)
			return -1; /* empty segment, or too deep */
		seg[n++] = p;
		p = strchr(p, '/');
		if (!p)
			break;
		*p = '\0';
	}
	return n;
}

/* Does pattern match the segments? Fills params (borrowed) when it does. */
static int route_matches(const char *pattern, char **seg, int nseg, char **params, size_t *nparams)
{
	const char *p = pattern;
	int i = 0;

	*nparams = 0;
	while (*p == '/') {
		const char *end;
		size_t len;

		p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (i >= nseg)
			return 0;
		if (*p == '{') {
			if (*nparams == HTTP_MAX_PARAMS)
				return 0;
			params[(*nparams)++] = seg[i];
		} else if (strlen(seg[i]) != len || memcmp(p, seg[i], len) != 0) {
			return 0;
		}
		i++;
		p += len;
	}
	return i == nseg;
}

static int method_is(const struct route *r, const char *method)
{
	if (strcmp(r->method, method) == 0)
		return 1;
	return strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
}

struct match {
	const struct route *route;
	char allow[128]; /* methods the path answers, for 405 / OPTIONS */
	int path_known;
};

static void find_route(const char *method, char **seg, int nseg, char **params, size_t *nparams,
		       struct match *m)
{
	char *tmp[HTTP_MAX_PARAMS];
	size_t ntmp;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < nflat; i++) {
		const struct route *r = flat[i];

		if (!route_matches(r->pattern, seg, nseg, tmp, &ntmp))
			continue;
		m->path_known = 1;
		if (!strstr(m->allow, r->method)) {
			if (m->allow[0])
				strcat(m->allow, ", ");
			strcat(m->allow, r->method);
			if (strcmp(r->method, "GET") == 0)
				strcat(m->allow, ", HEAD");
		}
		if (!m->route && method_is(r, method)) {
			m->route = r;
			memcpy(params, tmp, sizeof(tmp));
			*nparams = ntmp;
		}
	}
	if (m->path_known)
		strcat(m->allow, ", OPTIONS");
}

/* Decodes a percent-encoded component into a new string (caller frees);
 * NULL also for %00, which would cut the value short unseen. */
static char *url_decode_dup(const struct req *req, const char *src, size_t len, int form)
{
	char *out = malloc(len + 1);
	int n;

	if (!out)
		return NULL;
	n = req->io->url_decode(src, (int)len, out, (int)len + 1, form);
	if (n < 0 || memchr(out, '\0', (size_t)n)) {
		free(out);
		return NULL;
	}
	return out;
}

static int query_allowed(const char *allowed, const char *key)
{
	size_t klen = strlen(key);
	const char *p = allowed;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == klen && memcmp(p, key, len) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static enum err parse_query(struct req *req, struct resp *resp, const char *qs)
{
	const char *p = qs;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		struct query_param *q;

		if (len == 0) {
			p = amp ? amp + 1 : NULL;
			continue;
		}
		if (req->nquery == HTTP_MAX_QUERY)
			return http_fail(resp, ERR_INVALID, "too many query parameters");
		q = &req->query[req->nquery];
		q->key = url_decode_dup(req, p, klen, 1);
		q->value = eq ? url_decode_dup(req, eq + 1, len - klen - 1, 1) : strdup("");
		if (!q->key || !q->value) {
			free(q->key);
			free(q->value);
			q->key = q->value = NULL;
			return http_invalid(resp, "?", "malformed query string");
		}
		req->nquery++;
		if (!query_allowed(req->route->query, q->key))
			return http_invalid(resp, q->key, "unknown query parameter");
		for (size_t i = 0; i + 1 < req->nquery; i++)
			if (strcmp(req->query[i].key, q->key) == 0)
				return http_invalid(resp, q->key, "query parameter given twice");
		/* Handlers echo and store values; jansson refuses what is not
		 * UTF-8 (a KB search answered 200 with no body). */
		if (!utf8_valid(q->value))
			return http_invalid(resp, q->key, "must be UTF-8 text");
		p = amp ? amp + 1 : NULL;
	}
	return ERR_OK;
}

/* ---- input: a connection or memory -------------------------------------- */

static const char *query_string(const struct req *req)
{
	const char *q;

	if (req->synthetic) {
		q = strchr(req->synthetic->path, '?');
		return q ? q + 1 : NULL;
	}
	return req->query_string;
}

void api_request_id(struct req *req)
{
	const char *given = req_header(req, "X-Request-Id");
	size_t n = given ? strlen(given) : 0;

	/* Keep a caller's id when it is short and plain, so logs correlate. */
	if (n >= 8 && n < sizeof(req->request_id) &&
	    strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
		n) {
		memcpy(req->request_id, given, n + 1);
		return;
	}
	api_request_id_new(req->request_id, sizeof(req->request_id));
}

static enum err authenticate(struct req *req, struct resp *resp, const struct dispatch_ctx *ctx)
{
	const char *h;
	enum err e;

	if (ctx->as) { /* an internal request runs as the outer request's caller */
		if (req->route->perm == PERM_PUBLIC)
			return http_fail(resp, ERR_FORBIDDEN, "this route cannot be queued");
		req->user = *ctx->as;
		req->authenticated = 1;
		return ERR_OK;
	}
	h = req_header(req, "Authorization");
	if (!h)
		goto anonymous;
	if (strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
		if (req->route->perm == PERM_PUBLIC)
			goto anonymous;
		return http_fail(resp, ERR_UNAUTHENTICATED, "use an Authorization: Bearer token");
	}
	e = auth_authenticate(req->db, h + 7, &req->user);
	if (e == ERR_OK) {
		req->authenticated = 1;
		return ERR_OK;
	}
	if (req->route->perm == PERM_PUBLIC && e == ERR_UNAUTHENTICATED)
		goto anonymous; /* public routes answer anonymously */
	return http_fail(resp, e, "the access token is invalid or expired");
anonymous:
	if (req->route->perm == PERM_PUBLIC)
		return ERR_OK;
	return http_fail(resp, ERR_UNAUTHENTICATED, "this endpoint needs a bearer token");
}

static int json_depth_exceeds(const json_t *j, int depth)
{
	if (depth > HTTP_MAX_JSON_DEPTH)
		return 1;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)j, k, v)
			if (json_depth_exceeds(v, depth + 1))
				return 1;
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;

		json_array_foreach(j, i, v)
			if (json_depth_exceeds(v, depth + 1))
				return 1;
	}
	return 0;
}

#define BIDI_REPORTS_MAX 16 /* named in one answer; the client fixes them all alike */

/* Names, under JSON pointer at, each string of j (member names too) that
 * holds a bidirectional control (utf8_bidi_control). Every JSON body
 * passes here before a handler sees it, so no free-text field, whichever
 * resource it is of, stores them. Returns how many were named, adding to
 * named. */
static int json_refuse_bidi(const json_t *j, char *at, size_t at_len, size_t size,
			    struct resp *resp, int named)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		if (named < BIDI_REPORTS_MAX && utf8_bidi_control(json_string_value(j))) {
			http_invalid(resp, at,
				     "must not hold bidirectional override or isolate characters"
				     " (U+202A to U+202E, U+2066 to U+2069)");
			named++;
		}
	} else if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, v) {
			size_t n = at_len;

			/* RFC 6901: "~" is written "~0" and "/" "~1". */
			if (n + 1 < size)
				at[n++] = '/';
			for (const char *c = k; *c && n + 2 < size; c++) {
				if (*c == '~' || *c == '/') {
					at[n++] = '~';
					at[n++] = *c == '~' ? '0' : '1';
				} else {
					at[n++] = *c;
				}
			}
			at[n] = '\0';
			if (named < BIDI_REPORTS_MAX && utf8_bidi_control(k)) {
				http_invalid(resp, at,
					     "the member name must not hold bidirectional override"
					     " or isolate characters");
				named++;
			}
			named = json_refuse_bidi(v, at, n, size, resp, named);
			at[at_len] = '\0';
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			int n = snprintf(at + at_len, size - at_len, "/%zu", i);

			named = json_refuse_bidi(
			    v, at, n > 0 && (size_t)n < size - at_len ? at_len + (size_t)n : at_len,
			    size, resp, named);
			at[at_len] = '\0';
		}
	}
	return named;
}

static enum err parse_json_body(struct req *req, struct resp *resp)
{
	const char *ct = req_header(req, "Content-Type");
	json_error_t jerr;

	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
		return http_fail(resp, ERR_MEDIA_TYPE, "send the body as application/json");
	if (req->body_len == 0)
		return http_invalid(resp, "", "a JSON object body is required");
	req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->json)
		return http_invalid(resp, "", "malformed JSON at line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	if (json_depth_exceeds(req->json, 1))
		return http_invalid(resp, "", "JSON nested deeper than %d levels",
				    HTTP_MAX_JSON_DEPTH);
	if (!json_is_object(req->json))
		return http_invalid(resp, "", "the body must be a JSON object");
	{
		char at[256] = "";

		if (json_refuse_bidi(req->json, at, 0, sizeof(at), resp, 0))
			return ERR_INVALID;
	}
	return ERR_OK;
}

static size_t body_max_of(const struct req *req)
{
	return req->route->body_max ? req->route->body_max : HTTP_BODY_DEFAULT_MAX;
}

/* A body announced by length or sent in chunks ("Content-Length: 0" is
 * none). */
static int request_has_body(const struct req *req)
{
	return req_header(req, "Transfer-Encoding") != NULL ||
	       req->content_length > 0;
}

/* An internal request's body is already in memory: copied, with the
 * route's cap. */
static enum err copy_synthetic_body(struct req *req, struct resp *resp)
{
	const struct http_synthetic *in = req->synthetic;

	if (!in->body)
		return ERR_OK;
	if (in->body_len > body_max_of(req))
		return http_fail(resp, ERR_TOO_LARGE, "the body is larger than %zu bytes",
				 body_max_of(req));
	req->body = malloc(in->body_len + 1);
	if (!req->body)
		return http_fail(resp, ERR_INTERNAL, "out of memory");
	memcpy(req->body, in->body, in->body_len);
	req->body[in->body_len] = '\0';
	req->body_len = in->body_len;
	return ERR_OK;
}

static enum err read_request_body(struct req *req, struct resp *resp, int *must_close)
{
	int chunked;
	size_t body_max = body_max_of(req);
	struct buf body;
	uint64_t deadline;
	char chunk[16384];
	enum err e = ERR_OK;

	if (req->synthetic)
		return copy_synthetic_body(req, resp);
	chunked = req_header(req, "Transfer-Encoding") != NULL;
	if (!chunked && req->content_length <= 0)
		return ERR_OK;
	if (req->content_length > (long long)body_max) {
		*must_close = 1;
		return http_fail(resp, ERR_TOO_LARGE, "the body is larger than %zu bytes",
				 body_max);
	}
	buf_init(&body, body_max);
	deadline = monotonic_us() + (uint64_t)req->limits->body_deadline_ms * 1000u;
	for (;;) {
		int cut;
		int n = req->io->read(req->conn, chunk, sizeof(chunk), deadline, &cut);

		if (cut) {
			/* The watchdog cut a read still waiting for a trickle. */
			*must_close = 1;
			e = http_fail(resp, ERR_TIMEOUT, "the body did not arrive in time");
			goto out;
		}
		if (n == 0)
			break;
		if (n < 0) {
			*must_close = 1;
			e = http_fail(resp, ERR_INVALID, "the body could not be read");
			goto out;
		}
		if (buf_append(&body, chunk, (size_t)n) < 0) {
			*must_close = 1;
			e = http_fail(resp, ERR_TOO_LARGE, "the body is larger than %zu bytes",
				      body_max);
			goto out;
		}
		if (monotonic_us() > deadline) {
			/* A body trickling in ties up a worker: give up on it. */
			*must_close = 1;
			e = http_fail(resp, ERR_TIMEOUT, "the body did not arrive in time");
			goto out;
		}
	}
	if (!chunked && (long long)body.len < req->content_length) {
		/* The client stopped sending before the length it announced. */
		*must_close = 1;
		e = http_fail(resp, ERR_TIMEOUT, "the body did not arrive in time");
		goto out;
	}
	req->body = buf_detach(&body, &req->body_len);
	if (!req->body)
		e = http_fail(resp, ERR_INTERNAL, "out of memory");
out:
	buf_cleanup(&body);
	return e;
}

/* ---- streamed bodies (ROUTE_STREAM_BODY) ---------------------------------- */

static void stream_setup(struct req *req, struct db_pool *pool)
{
	struct req_stream *s = &req->stream;

	if (req_header(req, "Transfer-Encoding"))
		s->length = -1; /* chunked: the length is known at the end */
	else
		s->length = req->content_length > 0 ? req->content_length : 0;
	s->deadline_ms = req->limits->body_deadline_ms;
	s->unread = s->length != 0;
	s->pool = pool;
}

/* The body has ended or failed: the handler gets a connection back. */
static void stream_end(struct req *req)
{
	if (req->stream.pool && !req->db)
		req->db = db_pool_acquire(req->stream.pool);
}

int64_t req_body_length(const struct req *req)
{
	return req->stream.length;
}

static enum err stream_fail(struct req *req, struct resp *resp, enum err e, const char *detail)
{
	req->stream.failed = 1;
	stream_end(req);
	return http_fail(resp, e, "%s", detail);
}

enum err req_body_read(struct req *req, struct resp *resp, void *buf, size_t size, size_t *got)
{
	struct req_stream *s = &req->stream;
	size_t body_max = body_max_of(req);
	uint64_t allowed;
	int n, cut;

	*got = 0;
	if (s->failed)
		return stream_fail(req, resp, ERR_INVALID, "the body could not be read");
	if (s->done || s->length == 0) {
		s->done = 1;
		s->unread = 0;
		stream_end(req);
		return ERR_OK;
	}
	if (!s->started) {
		const char *expect = req_header(req, "Expect");

		s->started = 1;
		s->start_us = monotonic_us();
		if (s->pool) {
			db_pool_release(s->pool, req->db);
			req->db = NULL;
		}
		if (expect && strcasecmp(expect, "100-continue") == 0)
			req->io->write(req->conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	}
	if (size > 1u << 30)
		size = 1u << 30;
	/* The most this read could be allowed, should all of it arrive, plus
	 * the per-read timeout: a client gone quiet is civetweb's to time out
	 * ("the body stopped after"), the watchdog only cuts a trickle. */
	allowed = (uint64_t)s->deadline_ms * 1000u +
		  ((uint64_t)s->got + size) / HTTP_STREAM_MIN_RATE * 1000000u +
		  (uint64_t)req->limits->request_timeout_ms * 1000u;
	n = req->io->read(req->conn, buf, size, s->start_us + allowed, &cut);
	if (cut)
		return stream_fail(req, resp, ERR_TIMEOUT, "the body did not arrive in time");
	if (n < 0)
		return stream_fail(req, resp, ERR_INVALID, "the body could not be read");
	if (n == 0) {
		if (s->length > 0 && s->got < s->length) {
			char msg[128];

			/* The client went away or stalled past request-timeout-ms. */
			snprintf(msg, sizeof(msg), "the body stopped after %lld of %lld bytes",
				 (long long)s->got, (long long)s->length);
			return stream_fail(req, resp, ERR_TIMEOUT, msg);
		}
		s->done = 1;
		s->unread = 0;
		stream_end(req);
		return ERR_OK;
	}
	s->got += n;
	if ((uint64_t)s->got > body_max) {
		char msg[96];

		snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", body_max);
		return stream_fail(req, resp, ERR_TOO_LARGE, msg);
	}
	allowed =
	    (uint64_t)s->deadline_ms * 1000u + (uint64_t)s->got / HTTP_STREAM_MIN_RATE * 1000000u;
	if (monotonic_us() - s->start_us > allowed)
		return stream_fail(req, resp, ERR_TIMEOUT, "the body did not arrive in time");
	*got = (size_t)n;
	return ERR_OK;
}

/* ---- Idempotency-Key ---------------------------------------------------- */

static int is_write_method(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "PUT") == 0 ||
	       strcmp(m, "DELETE") == 0;
}

static int idem_key_ok(const char *key)
{
	size_t n = strlen(key);

	if (n < 1 || n > IDEMPOTENCY_KEY_MAX)
		return 0;
	for (const char *p = key; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return 1;
}

/* A problem about the Idempotency-Key header, naming it. */
static enum err idem_problem(struct resp *resp, enum err e, const char *msg)
{
	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:[{s:s, s:s}]}", "errors", "header", "Idempotency-Key", "detail", msg);
	return http_fail(resp, e, "Idempotency-Key: %s", msg);
}

/* The body as the key's fingerprint sees it: a JSON body in canonical form
 * (sorted members, compact), so the same action sent as a request of its
 * own and later inside a POST /v1/sync batch is the same request. */
static enum err body_fingerprint(const struct req *req, unsigned char out[32])
{
	char *text;

	if (!req->json) {
		SHA256((const unsigned char *)(req->body ? req->body : ""), req->body_len, out);
		return ERR_OK;
	}
	text = json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return ERR_INTERNAL;
	SHA256((const unsigned char *)text, strlen(text), out);
	free(text);
	return ERR_OK;
}

/* Answer types the store may hand back; resp->content_type is a static
 * string. */
static const char *content_type_static(const char *ct)
{
	static const char *const known[] = {
		"application/json",
		"application/problem+json",
		"application/linkset+json",
		"application/pdf",
		"image/png",
		"image/svg+xml",
		"text/csv",
		"text/html; charset=utf-8",
		"text/html",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i], ct) == 0)
			return known[i];
	return "application/octet-stream";
}

static void replay(struct resp *resp, struct idem_answer *ans)
{
	resp->status = ans->status;
	resp->content_type = content_type_static(ans->content_type);
	if (ans->headers)
		buf_puts(&resp->headers, ans->headers);
	resp_header(resp, "Idempotent-Replayed", "true");
	resp->body.len = 0;
	if (ans->body_len)
		buf_append(&resp->body, ans->body, ans->body_len);
}

/* Before the handler: a repeat of a finished request is answered from the
 * store (ctx->replayed); a new one claims its key (ctx->idem_claimed). */
static enum err idem_begin(struct req *req, struct resp *resp, struct dispatch_ctx *ctx)
{
	const char *key = req_header(req, "Idempotency-Key");
	const char *qs = query_string(req);
	struct idem_request rq = { 0 };
	struct idem_answer ans;
	enum idem_outcome outcome;
	char path[IDEMPOTENCY_PATH_MAX];
	int n;
	enum err e;

	if (!key)
		return ERR_OK;
	if (!idem_key_ok(key))
		return idem_problem(resp, ERR_INVALID,
				    "must be 1 to 255 printable ASCII characters");
	n = snprintf(path, sizeof(path), "%s%s%s", req->path, qs && *qs ? "?" : "",
		     qs && *qs ? qs : "");
	if (n < 0 || (size_t)n >= sizeof(path))
		return idem_problem(resp, ERR_INVALID, "the path is too long to be replayed");
	rq.user_id = req->user.user_id;
	rq.key = key;
	rq.method = req->method;
	rq.path = path;
	e = body_fingerprint(req, rq.body_sha256);
	if (e != ERR_OK)
		return e;
	memset(&ans, 0, sizeof(ans));
	e = idempotency_store_claim(req->db, &rq, clock_now(), IDEM_TTL, IDEM_LEASE, &outcome,
				    &ans);
	if (e != ERR_OK)
		return e;
	switch (outcome) {
	case IDEM_NEW:
		ctx->idem_claimed = 1;
		ctx->idem_user_id = req->user.user_id;
		snprintf(ctx->idem_key, sizeof(ctx->idem_key), "%s", key);
		break;
	case IDEM_DONE_UNANSWERED:
		resp_header(resp, "Idempotent-Replayed", "true");
		e = idem_problem(
		    resp, ERR_CONFLICT,
		    "the request with this key was done, but the server stopped before "
		    "its answer was kept; read the resource");
		break;
	case IDEM_RUNNING:
		resp_header(resp, "Retry-After", "1");
		e = idem_problem(resp, ERR_CONFLICT,
				 "the first request with this key is still running; retry shortly");
		break;
	case IDEM_MISMATCH:
		e = idem_problem(resp, ERR_UNPROCESSABLE,
				 strcmp(ans.method, rq.method) != 0 || strcmp(ans.path, path) != 0
				     ? "this key was used for another method or path"
				     : "this key was used with a different body");
		break;
	case IDEM_REPLAY:
		if (ans.body_kept) {
			replay(resp, &ans);
			ctx->replayed = 1;
			break;
		}
		/* Done, but its answer was too large to keep. */
		if (ans.headers)
			buf_puts(&resp->headers, ans.headers);
		resp_header(resp, "Idempotent-Replayed", "true");
		json_decref(resp->problem.extra);
		resp->problem.extra = json_pack("{s:i}", "original_status", ans.status);
		e = http_fail(resp, ERR_CONFLICT,
			      "the request with this Idempotency-Key was done (status %d), but "
			      "its %zu-byte answer was too large to keep; read the resource",
			      ans.status, ans.body_len);
		break;
	}
	idem_answer_cleanup(&ans);
	return e;
}

/* The precommit step while a claimed request's handler runs: its work and
 * the mark on its key commit together, so a crash leaves either both or
 * neither. */
static enum err idem_mark_committed(struct db *db, void *arg)
{
	const struct dispatch_ctx *ctx = arg;

	return idempotency_store_mark_committed(db, ctx->idem_user_id, ctx->idem_key);
}

/* The headers a replay must repeat; a new string (caller frees). */
static char *kept_headers(const struct resp *resp)
{
	static const char *const keep[] = { "Location:", "ETag:", "Link:" };
	const char *p = resp->headers.data;
	struct buf out;
	size_t len;

	buf_init(&out, 0);
	buf_puts(&out, "");
	while (p && *p) {
		const char *end = strstr(p, "\r\n");

		len = end ? (size_t)(end - p) + 2 : strlen(p);
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strncasecmp(p, keep[i], strlen(keep[i])) == 0)
				buf_append(&out, p, len);
		p += len;
	}
	return buf_detach(&out, &len);
}

/* After the answer is final: keep it for repeats, or give the key back
 * when the client should retry (5xx, 401, 408, 429). */
static void idem_finish(struct req *req, struct resp *resp, struct dispatch_ctx *ctx)
{
	int status = resp->status ? resp->status : 200;
	struct idem_answer ans;
	enum err e;

	if (!ctx->idem_claimed)
		return;
	ctx->idem_claimed = 0;
	if (!((status >= 200 && status < 300) ||
	      (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429))) {
		e = idempotency_store_release(req->db, req->user.user_id, ctx->idem_key);
		if (e != ERR_OK)
			log_error("idempotency: cannot release a key of user %lld",
				  (long long)req->user.user_id);
		return;
	}
	memset(&ans, 0, sizeof(ans));
	ans.status = status;
	snprintf(ans.content_type, sizeof(ans.content_type), "%s",
		 resp->content_type ? resp->content_type : "application/json");
	ans.headers = kept_headers(resp);
	ans.body_len = resp->body.len;
	ans.body_kept = resp->body.len <= IDEM_BODY_MAX;
	ans.body = ans.body_kept ? resp->body.data : NULL;
	e = idempotency_store_finish(req->db, req->user.user_id, ctx->idem_key, &ans);
	if (e != ERR_OK) {
		/* The answer still goes out; a repeat after the lease runs again. */
		log_error("idempotency: cannot store an answer of user %lld",
			  (long long)req->user.user_id);
	}
	ans.body = NULL; /* borrowed from resp */
	idem_answer_cleanup(&ans);
}

/* ---- the pipeline ------------------------------------------------------- */

void api_request_cleanup(struct req *req)
{
	for (size_t i = 0; i < req->nparams; i++)
		free(req->params[i]);
	for (size_t i = 0; i < req->nquery; i++) {
		free(req->query[i].key);
		free(req->query[i].value);
	}
	free(req->body);
	json_decref(req->json);
}

void api_resp_init(struct resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->headers, 0);
	buf_init(&resp->body, 0);
}

void api_resp_cleanup(struct resp *resp)
{
	buf_cleanup(&resp->headers);
	buf_cleanup(&resp->body);
	json_decref(resp->problem.errors);
	json_decref(resp->problem.extra);
	resp->problem.errors = resp->problem.extra = NULL;
	resp_file_close(resp);
}

/* ---- rate limits (include/lib/ratelimit.h) ---------------------------------- */


/* Before anything costly: the client address's bucket of the route's
 * class (4x an account's limit, several users may share an address). */
static enum err limit_address(const struct req *req, struct resp *resp, enum rl_class cls)
{
	char who[64];
	int wait;

	snprintf(who, sizeof(who), "a:%s", req->client_addr);
	wait = ratelimit_take(cls, who, cls == RL_SCAN || cls == RL_REPORT ? 1 : 4);
	return wait > 0 ? resp_rate_limited(resp, wait, "from this address") : ERR_OK;
}

/* Once the caller is known: the account's bucket. (A login's bucket is the
 * username's, which the login handler takes; a scan has no account.) */
static enum err limit_account(const struct req *req, struct resp *resp, enum rl_class cls)
{
	char who[64];
	int wait;

	if (cls != RL_LOGIN && cls != RL_SCAN && cls != RL_REPORT && req->authenticated) {
		snprintf(who, sizeof(who), "u:%lld", (long long)req->user.user_id);
	} else {
		return ERR_OK;
	}
	wait = ratelimit_take(cls, who, 1);
	return wait > 0 ? resp_rate_limited(resp, wait, "for this account") : ERR_OK;
}


static enum err run_route(struct req *req, struct resp *resp, struct dispatch_ctx *ctx,
			  char *path_copy)
{
	char *seg[MAX_SEGMENTS];
	char *raw_params[HTTP_MAX_PARAMS];
	size_t nraw = 0;
	struct match m;
	enum rl_class rl;
	int nseg, reading;
	enum err e;

	if (!req->synthetic && req_header(req, "Transfer-Encoding") &&
	    req_header(req, "Content-Length")) {
		/* Request smuggling guard (RFC 9112 6.1). */
		ctx->must_close = 1;
		return http_fail(resp, ERR_INVALID,
				 "Content-Length and Transfer-Encoding must not both be sent");
	}
	nseg = split_path(path_copy, seg, MAX_SEGMENTS);
	if (nseg < 0)
		return http_fail(resp, ERR_NOT_FOUND, "no such resource");
	find_route(req->method, seg, nseg, raw_params, &nraw, &m);
	if (!m.path_known)
		return http_fail(resp, ERR_NOT_FOUND, "no such resource");
	if (strcmp(req->method, "OPTIONS") == 0) {
		resp_header(resp, "Allow", m.allow);
		resp->status = 204;
		return ERR_OK;
	}
	if (!m.route) {
		resp_header(resp, "Allow", m.allow);
		return http_fail(resp, ERR_METHOD, "%s is not allowed here", req->method);
	}
	req->route = m.route;
	for (size_t i = 0; i < nraw; i++) {
		req->params[i] = url_decode_dup(req, raw_params[i], strlen(raw_params[i]), 0);
		if (!req->params[i])
			return http_fail(resp, ERR_NOT_FOUND, "no such resource");
		req->nparams = i + 1;
	}
	rl = req->route->rate;
	if (rl != RL_NONE && (e = limit_address(req, resp, rl)) != ERR_OK)
		return e;
	/* Who is asking comes first: a caller without a token learns nothing
	 * about the route's parameters. */
	if (ctx->pool)
		req->db = db_pool_acquire(ctx->pool);
	/* A GET reads everything, the caller's token included, from one
	 * snapshot: one WAL read lock per request instead of two. */
	reading = strcmp(req->route->method, "GET") == 0;
	if (reading && (e = db_read_begin(req->db)) != ERR_OK)
		return e;
	e = authenticate(req, resp, ctx);
	if (e != ERR_OK) {
		if (e == ERR_UNAUTHENTICATED)
			resp_header(resp, "WWW-Authenticate", "Bearer realm=\"fieldtrace\"");
		return e;
	}
	if (req->route->perm > PERM_AUTHENTICATED &&
	    !policy_allows(req->user.role, req->route->perm))
		return http_fail(resp, ERR_FORBIDDEN, "your role may not do this");
	if (rl != RL_NONE && (e = limit_account(req, resp, rl)) != ERR_OK)
		return e;
	e = parse_query(req, resp, query_string(req));
	if (e != ERR_OK)
		return e;
	if (!(req->route->flags & (ROUTE_JSON_BODY | ROUTE_RAW_BODY | ROUTE_STREAM_BODY)) &&
	    !req->synthetic && request_has_body(req)) {
		/* Ignored, a body hides a client's mistake (one meant for another
		 * route) while the action still runs; unread, its bytes would
		 * follow on the connection. */
		ctx->must_close = 1;
		if (req->content_length > (long long)body_max_of(req))
			return http_fail(resp, ERR_TOO_LARGE, "the body is larger than %zu bytes",
					 body_max_of(req));
		return http_fail(resp, ERR_INVALID, "%s %s takes no body", req->route->method,
				 req->route->pattern);
	}
	if (req->route->flags & (ROUTE_JSON_BODY | ROUTE_RAW_BODY)) {
		/* A slow body must not hold one of the few connections. */
		if (ctx->pool) {
			db_pool_release(ctx->pool, req->db);
			req->db = NULL;
		}
		e = read_request_body(req, resp, &ctx->must_close);
		if (e != ERR_OK)
			return e;
		if (ctx->pool)
			req->db = db_pool_acquire(ctx->pool);
		if (req->route->flags & ROUTE_JSON_BODY) {
			e = parse_json_body(req, resp);
			if (e != ERR_OK)
				return e;
		}
	}
	if (req->route->flags & ROUTE_STREAM_BODY) {
		/* A queued action carries JSON; an upload goes on its own PUT,
		 * which its client UUID already makes safe to repeat. */
		if (req->synthetic)
			return http_fail(resp, ERR_INVALID,
					 "uploads cannot be queued: send each with its own PUT");
		if (req->content_length > (long long)body_max_of(req)) {
			ctx->must_close = 1;
			return http_fail(resp, ERR_TOO_LARGE, "the body is larger than %zu bytes",
					 body_max_of(req));
		}
		stream_setup(req, ctx->pool);
	}
	if (reading) {
		e = req->route->handler(req, resp);
		db_read_end(req->db);
		return e;
	}
	/* A streamed body is not read before the handler, so it has no
	 * fingerprint: those routes are idempotent by their own URL. */
	if (req->authenticated && req->route->perm != PERM_PUBLIC && is_write_method(req->method) &&
	    !(req->route->flags & ROUTE_STREAM_BODY)) {
		e = idem_begin(req, resp, ctx);
		if (e != ERR_OK || ctx->replayed)
			return e;
	}
	if (ctx->idem_claimed) {
		db_precommit_fn prev_fn;
		void *prev_arg;

		db_set_precommit(req->db, idem_mark_committed, ctx, &prev_fn, &prev_arg);
		e = req->route->handler(req, resp);
		db_set_precommit(req->db, prev_fn, prev_arg, &prev_fn, &prev_arg);
		return e;
	}
	return req->route->handler(req, resp);
}

/* Runs req to a final answer in resp (not written). */
static void dispatch_run(struct req *req, struct resp *resp, struct dispatch_ctx *ctx)
{
	char *path_copy = strdup(req->path);
	enum err e;

	if (!req->db && !ctx->pool)
		e = http_fail(resp, ERR_UNAVAILABLE, "the database is not available");
	else if (!path_copy)
		e = http_fail(resp, ERR_INTERNAL, "out of memory");
	else
		e = run_route(req, resp, ctx, path_copy);
	free(path_copy);
	if (req->stream.unread)
		ctx->must_close = 1; /* a streamed body left unread or broken off */
	if (e != ERR_OK) {
		if (req->db)
			db_rollback(req->db); /* a handler that failed mid-write */
		api_problem_render(req, resp, e);
	}
	if (req->db)
		idem_finish(req, resp, ctx);
	/* Back to the pool before the answer goes out to a possibly slow
	 * client; nothing below touches the database. */
	if (ctx->pool) {
		db_pool_release(ctx->pool, req->db);
		req->db = NULL;
	}
}

void api_dispatch_internal(const struct req *outer, const struct http_synthetic *in,
			    struct resp *resp)
{
	uint64_t t0 = monotonic_us();
	struct dispatch_ctx ctx = { .as = &outer->user };
	struct req req;
	char *path = NULL;

	memset(&req, 0, sizeof(req));
	api_resp_init(resp);
	req.synthetic = in;
	req.limits = outer->limits;
	req.io = outer->io;
	req.db = outer->db;
	req.method = in->method;
	snprintf(req.client_addr, sizeof(req.client_addr), "%s", outer->client_addr);
	api_request_id(&req);
	if (in->path)
		path = strndup(in->path, strcspn(in->path, "?"));
	req.path = path ? path : "/";
	if (outer->synthetic || !outer->authenticated) {
		http_fail(resp, ERR_INVALID, "internal requests do not nest");
		api_problem_render(&req, resp, ERR_INVALID);
	} else if (!path || !in->method) {
		api_problem_render(&req, resp, ERR_INTERNAL);
	} else {
		db_precommit_fn outer_fn;
		void *outer_arg;

		/* The batch does no work of its own: each action's commits mark
		 * the action's key, never the batch's, so a batch cut off by a
		 * crash runs again and each action replays by its own key. */
		db_set_precommit(req.db, NULL, NULL, &outer_fn, &outer_arg);
		dispatch_run(&req, resp, &ctx);
		db_set_precommit(req.db, outer_fn, outer_arg, &outer_fn, &outer_arg);
	}
	if (resp->status == 0)
		resp->status = 200;
	metrics_request(req.route ? api_route_index(req.route) : METRICS_UNROUTED, resp->status,
			monotonic_us() - t0);
	if (req.limits && req.limits->access_log)
		api_access_log(&req, resp, resp->body.len, monotonic_us() - t0);
	api_request_cleanup(&req);
	free(path);
}

void api_run(struct req *req, struct resp *resp, struct db_pool *pool, int *must_close)
{
	struct dispatch_ctx ctx = { .pool = pool };

	dispatch_run(req, resp, &ctx);
	*must_close = ctx.must_close;
}
