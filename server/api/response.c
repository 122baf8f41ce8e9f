/* Building and writing answers: JSON, problem+json, headers, access log. */
#include <civetweb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/clock.h"
#include "http_internal.h"
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
	http_file_close(resp);
	resp->status = status;
	resp->content_type = content_type;
	resp->body.len = 0;
	resp->file_open = 1;
	resp->file_fd = fd;
	resp->file_off = off;
	resp->file_len = len;
}

void http_file_close(struct resp *resp)
{
	if (resp->file_open)
		close(resp->file_fd);
	resp->file_open = 0;
}

/* Writes the resp_file body in pieces; returns bytes sent. */
static size_t write_file_body(const struct req *req, struct resp *resp)
{
	char chunk[65536];
	int64_t off = resp->file_off, left = resp->file_len;
	size_t sent = 0;

	while (left > 0) {
		size_t want = left < (int64_t)sizeof(chunk) ? (size_t)left : sizeof(chunk);
		ssize_t n = pread(resp->file_fd, chunk, want, (off_t)off);

		if (n <= 0) {
			/* The length is promised: the client sees a short body. */
			log_error("http: %s: file read failed at %lld", req->request_id,
				  (long long)off);
			break;
		}
		if (mg_write(req->conn, chunk, (size_t)n) <= 0)
			break; /* the client went away */
		sent += (size_t)n;
		off += n;
		left -= n;
	}
	return sent;
}

void http_request_id_new(char *out, size_t out_size)
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

void http_problem_render(const struct req *req, struct resp *resp, enum err e)
{
	int status = err_http_status(e);
	json_t *doc;

	http_file_close(resp); /* a handler that failed after opening its file */
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
	if (resp->problem.errors && e == ERR_INVALID) {
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

static const char *status_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

/* Headers every answer carries. HSTS: the API is HTTPS only. */
static void common_headers(struct buf *out, const char *request_id)
{
	buf_printf(out,
		   "X-Request-Id: %s\r\n"
		   "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
		   "X-Content-Type-Options: nosniff\r\n"
		   "Referrer-Policy: no-referrer\r\n",
		   request_id);
}

size_t http_response_write(const struct req *req, struct resp *resp, int must_close)
{
	int head = strcmp(req->method, "HEAD") == 0;
	int no_body = resp->status == 204 || resp->status == 304;
	struct buf out;
	int file = resp->file_open && !no_body;
	size_t body_len = no_body ? 0 : file ? (size_t)resp->file_len : resp->body.len;
	size_t sent = 0;

	if (resp->status == 0)
		resp->status = 200;
	buf_init(&out, 0);
	buf_printf(&out, "HTTP/1.1 %d %s\r\n", resp->status, status_reason(resp->status));
	common_headers(&out, req->request_id);
	if (!no_body) {
		buf_printf(&out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
			   resp->content_type ? resp->content_type : "application/json", body_len);
	}
	if (!strstr(resp->headers.data ? resp->headers.data : "", "Cache-Control:"))
		buf_puts(&out, "Cache-Control: no-store\r\n");
	if (resp->headers.len)
		buf_append(&out, resp->headers.data, resp->headers.len);
	if (must_close)
		buf_puts(&out, "Connection: close\r\n");
	buf_puts(&out, "\r\n");
	if (!head && body_len && !file)
		buf_append(&out, resp->body.data, body_len);
	if (!out.failed && mg_write(req->conn, out.data, out.len) > 0) {
		sent = out.len;
		if (file && !head)
			sent += write_file_body(req, resp);
	}
	buf_cleanup(&out);
	http_file_close(resp);
	return sent;
}

void http_access_log(const struct req *req, const struct resp *resp, size_t bytes, uint64_t micros)
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

void http_write_early_problem(struct mg_connection *conn, int status, const char *detail)
{
	char rid[40], body[512], head[768];
	enum err e = status == 431   ? ERR_HEADERS_TOO_LARGE
		     : status == 408 ? ERR_TIMEOUT
		     : status == 413 ? ERR_TOO_LARGE
		     : status >= 500 ? ERR_INTERNAL
				     : ERR_INVALID;
	int blen, hlen;

	http_request_id_new(rid, sizeof(rid));
	blen = snprintf(body, sizeof(body),
			"{\"type\":\"%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\","
			"\"request_id\":\"%s\"}",
			err_type(e), err_title(e), status, detail, rid);
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.1 %d %s\r\nX-Request-Id: %s\r\n"
			"Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
			"Content-Type: application/problem+json\r\nContent-Length: %d\r\n"
			"Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			status, status_reason(status), rid, blen);
	if (hlen > 0 && blen > 0) {
		mg_write(conn, head, (size_t)hlen);
		mg_write(conn, body, (size_t)blen);
	}
}
