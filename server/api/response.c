/* Building answers: JSON, problem+json, headers, files, request ids, the
 * access log. The HTTP layer writes them (server/http/response.c). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/clock.h"
#include "api/pipeline.h"
#include "core/log.h"
#include "core/utf8.h"

void resp_json(struct resp *resp, int status, json_t *doc)
{
	static const char broken[] = "{\"type\":\"about:blank\",\"title\":\"Internal Server "
				     "Error\",\"status\":500,\"detail\":\"the answer could not "
				     "be written\"}";
	char *text;

	resp->status = status;
	resp->content_type = "application/json";
	resp->body.len = 0;
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (text) {
		buf_puts(&resp->body, text);
		free(text);
	} else {
		/* A document that could not be built (json_pack refused a value,
		 * memory ran out) is a server fault: say so, never answer the
		 * status with an empty body. */
		log_error("http: %d answer without a document (%s)", status,
			  doc ? "json_dumps failed" : "no document");
		resp->status = 500;
		resp->content_type = "application/problem+json";
		buf_puts(&resp->body, broken);
	}
	json_decref(doc);
}

void resp_text(struct resp *resp, int status, const char *content_type, const char *data,
	       size_t len)
{
	resp->status = status;
	resp->content_type = content_type;
	resp->body.len = 0;
	buf_append(&resp->body, data, len);
}

void resp_header(struct resp *resp, const char *name, const char *value)
{
	/* Values come from our code, never raw from a client; still refuse a
	 * line break so a bug cannot become header injection. */
	if (strpbrk(value, "\r\n") || strpbrk(name, "\r\n:"))
		return;
	buf_printf(&resp->headers, "%s: %s\r\n", name, value);
}

void resp_file(struct resp *resp, int status, const char *content_type, int fd, int64_t off,
	       int64_t len)
{
	resp_file_close(resp);
	resp->status = status;
	resp->content_type = content_type;
	resp->body.len = 0;
	resp->file_open = 1;
	resp->file_fd = fd;
	resp->file_off = off;
	resp->file_len = len;
}

void resp_file_close(struct resp *resp)
{
	if (resp->file_open)
		close(resp->file_fd);
	resp->file_open = 0;
}


void api_request_id_new(char *out, size_t out_size)
{
	static _Atomic uint64_t counter;
	static char prefix[9];
	static atomic_int ready;

	if (!atomic_load(&ready)) {
		unsigned char r[4] = { 0 };

		RAND_bytes(r, sizeof(r)); /* racing first callers write the same kind of value */
		snprintf(prefix, sizeof(prefix), "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
		atomic_store(&ready, 1);
	}
	snprintf(out, out_size, "%s-%010llu", prefix,
		 (unsigned long long)atomic_fetch_add(&counter, 1) + 1);
}

void api_problem_render(const struct req *req, struct resp *resp, enum err e)
{
	int status = err_http_status(e);
	json_t *doc;

	resp_file_close(resp); /* a handler that failed after opening its file */
	if (e == ERR_DB || e == ERR_INTERNAL)
		snprintf(resp->problem.detail, sizeof(resp->problem.detail),
			 "the server failed; quote request id %s", req->request_id);
	doc = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", err_type(e), "title", err_title(e),
			"status", status, "detail",
			resp->problem.detail[0] ? resp->problem.detail : err_title(e), "request_id",
			req->request_id);
	if (!doc) /* cannot happen with repaired text; never answer an empty body */
		doc = json_pack("{s:s, s:s, s:i}", "type", err_type(e), "title", err_title(e),
				"status", status);
	/* A part over its size (a photo with a report) is named too. */
	if (resp->problem.errors && (e == ERR_INVALID || e == ERR_TOO_LARGE)) {
		json_object_set(doc, "errors", resp->problem.errors);
	}
	if (resp->problem.extra && e != ERR_DB && e != ERR_INTERNAL)
		json_object_update_missing(doc, resp->problem.extra);
	resp_json(resp, status, doc);
	resp->content_type = "application/problem+json";
	if (e == ERR_UNAVAILABLE || e == ERR_TOO_MANY) {
		if (!strstr(resp->headers.data ? resp->headers.data : "", "Retry-After"))
			resp_header(resp, "Retry-After", "1");
	}
}




void api_access_log(const struct req *req, const struct resp *resp, size_t bytes, uint64_t micros)
{
	char ts[32];
	json_t *line;
	char *text;

	clock_format(clock_now(), ts, sizeof(ts));
	/* Route, not path: ids and codes in paths are not logged, and tokens
	 * and passwords never reach this function. */
	line = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:s, s:s}", "ts", ts, "request_id",
			 req->request_id, "method", req->method, "route",
			 req->route ? req->route->pattern : "-", "status", resp->status, "bytes",
			 (json_int_t)bytes, "us", (json_int_t)micros, "user",
			 req->authenticated ? req->user.username : "-", "addr", req->client_addr);
	text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	if (text) {
		fprintf(stdout, "%s\n", text);
		free(text);
	}
	json_decref(line);
}

enum err resp_rate_limited(struct resp *resp, int wait, const char *what)
{
	char secs[16];

	snprintf(secs, sizeof(secs), "%d", wait);
	resp_header(resp, "Retry-After", secs);
	return http_fail(resp, ERR_TOO_MANY, "too many requests %s; retry in %d s", what, wait);
}
