/* A civetweb connection's request, end to end: its method, path, headers
 * and body reader handed to the pipeline (server/api/pipeline.c) -- or,
 * under /console, to the web console's files (console.c) -- then the
 * answer written in one write, counted and logged. */
#include <civetweb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/metrics.h"
#include "http/console.h"
#include "http_internal.h"

static uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *conn_header(void *conn, const char *name)
{
	return mg_get_header(conn, name);
}

static int conn_read(void *conn, void *buf, size_t len, uint64_t deadline_us, int *cut)
{
	return http_read_deadline(conn, buf, len, deadline_us, cut);
}

static int conn_write(void *conn, const void *data, size_t len)
{
	return mg_write(conn, data, len);
}

static const struct req_io civetweb_io = {
	.header = conn_header,
	.read = conn_read,
	.write = conn_write,
	.url_decode = mg_url_decode,
};

int http_dispatch(struct mg_connection *conn, const struct req_limits *lim)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	uint64_t t0 = monotonic_us();
	struct req req;
	struct resp resp;
	int must_close = 0;
	size_t sent, slot;

	memset(&req, 0, sizeof(req));
	api_resp_init(&resp);
	req.conn = conn;
	req.io = &civetweb_io;
	req.limits = lim;
	req.method = ri->request_method;
	req.path = ri->local_uri_raw ? ri->local_uri_raw : "/";
	req.query_string = ri->query_string;
	req.content_length = ri->content_length;
	snprintf(req.client_addr, sizeof(req.client_addr), "%s", ri->remote_addr);
	api_request_id(&req);

	if (http_console_path(req.path)) {
		req.route = &http_console_route; /* named so in the access log */
		http_console_answer(&req, &resp, &must_close);
		slot = METRICS_CONSOLE;
	} else {
		api_run(&req, &resp, mg_get_thread_pointer(conn), &must_close);
		slot = req.route ? api_route_index(req.route) : METRICS_UNROUTED;
	}
	sent = http_response_write(&req, &resp, must_close);
	metrics_request(slot, resp.status, monotonic_us() - t0);
	if (lim->access_log)
		api_access_log(&req, &resp, sent, monotonic_us() - t0);
	api_request_cleanup(&req);
	api_resp_cleanup(&resp);
	return 1;
}
