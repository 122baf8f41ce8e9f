/* Liveness, readiness, metrics and the API description. */
#include <string.h>

#include "db/db.h"
#include "api/metrics.h"
#include "api/routes.h"

/* Generated at build time from docs/openapi.json. */
extern const char openapi_json[];
extern const unsigned long openapi_json_len;

static enum err get_healthz(struct req *req, struct resp *resp)
{
	(void)req;
	resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
	return ERR_OK;
}

static enum err get_readyz(struct req *req, struct resp *resp)
{
	if (db_ping(req->db) != ERR_OK)
		return http_fail(resp, ERR_UNAVAILABLE, "the database does not answer");
	resp_json(resp, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
	return ERR_OK;
}

static enum err get_metrics(struct req *req, struct resp *resp)
{
	switch (metrics_may_read(req_header(req, "Authorization"), req->client_addr)) {
	case METRICS_NO_TOKEN:
		resp_header(resp, "WWW-Authenticate", "Bearer realm=\"fieldtrace-metrics\"");
		return http_fail(resp, ERR_UNAUTHENTICATED,
				 "send the metrics token as Authorization: Bearer");
	case METRICS_NOT_LOCAL:
		return http_fail(resp, ERR_FORBIDDEN,
				 "metrics are served to this machine only; set metrics-token to "
				 "scrape them from elsewhere");
	case METRICS_ALLOWED:
		break;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	metrics_render(&resp->body);
	metrics_render_deliveries(req->db, &resp->body);
	return ERR_OK;
}

static enum err get_openapi(struct req *req, struct resp *resp)
{
	(void)req;
	resp_text(resp, 200, "application/json", openapi_json, openapi_json_len);
	resp_header(resp, "Cache-Control", "public, max-age=300");
	return ERR_OK;
}

const struct route health_routes[] = {
	{ "GET", "/healthz", get_healthz, PERM_PUBLIC, NULL, 0 },
	{ "GET", "/readyz", get_readyz, PERM_PUBLIC, NULL, 0 },
	{ "GET", "/metrics", get_metrics, PERM_PUBLIC, NULL, 0 },
	{ "GET", "/openapi.json", get_openapi, PERM_PUBLIC, NULL, 0 },
	{ 0 },
};
