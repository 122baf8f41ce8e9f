/* Writing an answer to a civetweb connection: status line, headers, body
 * (a file's in pieces), and the bare problem for errors civetweb finds
 * before a request is routed. */
#include <civetweb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/pipeline.h"
#include "core/log.h"
#include "http_internal.h"

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
	case 301:
		return "Moved Permanently";
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

/* Headers every answer carries. HSTS: the API is HTTPS only. An answer
 * may set its own Referrer-Policy (the console's pages link within their
 * origin). */
static void common_headers(struct buf *out, const char *request_id, const struct resp *resp)
{
	buf_printf(out,
		   "X-Request-Id: %s\r\n"
		   "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
		   "X-Content-Type-Options: nosniff\r\n",
		   request_id);
	if (!strstr(resp->headers.data ? resp->headers.data : "", "Referrer-Policy:"))
		buf_puts(out, "Referrer-Policy: no-referrer\r\n");
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
	common_headers(&out, req->request_id, resp);
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
	resp_file_close(resp);
	return sent;
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

	api_request_id_new(rid, sizeof(rid));
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
