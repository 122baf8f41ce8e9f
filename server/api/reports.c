/* GET /v1/reports/monthly?month=YYYY-MM: the monthly operations report
 * (server/domain/report.c) for the caller's analytics scope, as the
 * Markdown document the command line writes (viewed inline, or downloaded
 * with download=1) or as its tables in JSON. Whose tickets count is the
 * analytics endpoints' rule (api/analytics.h), so a supervisor's report and
 * their dashboards show the same numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/analytics.h"
#include "api/routes.h"
#include "core/clock.h"
#include "db/sla_store.h"
#include "domain/report.h"

/* ?format= wins; else Accept: JSON only when asked for and Markdown not. */
static int wants_json(struct req *req, struct resp *resp)
{
	const char *format = req_query(req, "format"), *accept;

	if (format) {
		if (strcmp(format, "json") == 0)
			return 1;
		if (strcmp(format, "markdown") != 0)
			http_invalid(resp, "format", "must be markdown or json");
		return 0;
	}
	accept = req_header(req, "Accept");
	return accept && strcasestr(accept, "application/json") &&
	       !strcasestr(accept, "text/markdown");
}

static int wants_download(struct req *req, struct resp *resp)
{
	const char *v = req_query(req, "download");

	if (!v || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		return 0;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		return 1;
	http_invalid(resp, "download", "must be 1 or 0");
	return 0;
}

/* month: "YYYY-MM" of a month that has begun (the current one reports so
 * far; a future one has nothing to report and is a mistake). */
static enum err take_month(struct req *req, struct resp *resp, const char **month)
{
	struct sla_calendar cal;
	int64_t from, to;
	enum err e;

	*month = req_query(req, "month");
	if (!*month)
		return http_invalid(resp, "month", "is required (YYYY-MM)");
	e = sla_store_calendar_get(req->db, &cal);
	if (e != ERR_OK)
		return e;
	if (report_month_bounds(*month, cal.utc_offset_minutes, &from, &to) < 0)
		return http_invalid(resp, "month", "must be a month YYYY-MM");
	if (from > clock_now())
		return http_invalid(resp, "month", "has not begun yet");
	return ERR_OK;
}

static enum err get_monthly(struct req *req, struct resp *resp)
{
	struct analytics_query scope = { 0 };
	struct region_row region;
	struct report_query q = { .now = clock_now() };
	struct scope sc;
	struct buf doc;
	json_t *sections = NULL;
	char disposition[96];
	int json = wants_json(req, resp), download = wants_download(req, resp);
	enum err e = take_month(req, resp, &q.month);

	if (e == ERR_INVALID || problem_count(&resp->problem))
		return ERR_INVALID;
	if (e != ERR_OK)
		return e;
	e = analytics_req_scope(req, resp, &scope, &sc, &region);
	if (e != ERR_OK)
		return e;
	q.f = scope.f;
	/* The scope line names the ?region= asked for, else the home region
	 * the scope narrowed to. */
	if (req_query(req, "region"))
		q.region = region.code;
	else if (q.f.region_lo)
		q.region = req->user.region;
	q.with_problems = policy_allows(req->user.role, PERM_PROBLEMS_READ);
	buf_init(&doc, 0);
	e = report_monthly(req->db, &q, &doc, json ? &sections : NULL);
	if (e == ERR_OK && json) {
		/* Rates and minutes are rounded: print them as such. */
		char *text = json_dumps(sections, JSON_COMPACT | JSON_REAL_PRECISION(10));

		if (text)
			resp_text(resp, 200, "application/json", text, strlen(text));
		else
			e = ERR_INTERNAL;
		free(text);
	} else if (e == ERR_OK) {
		snprintf(disposition, sizeof(disposition),
			 "%s; filename=\"fieldtrace-report-%s.md\"",
			 download ? "attachment" : "inline", q.month);
		resp_header(resp, "Content-Disposition", disposition);
		resp_text(resp, 200, "text/markdown; charset=utf-8", doc.data ? doc.data : "",
			  doc.len);
	}
	if (e == ERR_OK)
		resp_header(resp, "Vary", "Accept");
	json_decref(sections);
	buf_cleanup(&doc);
	return e;
}

const struct route reports_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/reports/monthly",
	  .handler = get_monthly,
	  .perm = PERM_ANALYTICS,
	  .query = "month,region,centre,product_line,format,download" },
	{ 0 },
};
