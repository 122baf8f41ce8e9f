/* Operations analytics: GET /v1/analytics/... (the query, its scope, JSON
 * or CSV). The figures are computed in server/domain/analytics.c. */
#include "api/analytics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "db/sla_store.h"
#include "lib/csv.h"

#define RANGE_DEFAULT_DAYS 30
#define RANGE_MAX_DAYS 731
#define FAULTS_DEFAULT 10
#define FAULTS_MAX 100

/* ---- HTTP ------------------------------------------------------------------------ */

#define COMMON_QUERY "from,to,region,centre,product_line,format"

/* from / to: RFC 3339, or local dates naming whole days (to inclusive). */
static void take_time(struct req *req, struct resp *resp, const char *key, int offset_minutes,
		      int end, int64_t *out)
{
	const char *v = req_query(req, key);

	if (!v)
		return;
	if (clock_parse(v, out) < 0) {
		http_invalid(resp, key, "must be a date (YYYY-MM-DD) or an RFC 3339 time");
		return;
	}
	if (strlen(v) == 10) /* a plain date: local midnight */
		*out += (end ? 86400 : 0) - (int64_t)offset_minutes * 60;
}

/* A 403 that names the query parameter, as a 400 would (the client sees
 * which filter to drop). */
static enum err out_of_scope(struct resp *resp, const char *param, const char *value)
{
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:[{s:s, s:s}]}", "errors", "parameter", param, "detail",
					"outside your scope");
	return http_fail(resp, ERR_FORBIDDEN, "%s %s is outside your scope", param, value);
}

/* include/api/analytics.h. For a dispatcher a region outside their home
 * region subtree (where they read the registry) is outside their scope,
 * as for a supervisor. */
enum err analytics_req_scope(struct req *req, struct resp *resp, struct analytics_query *q,
			     struct scope *sc, struct region_row *region)
{
	const struct principal *who = &req->user;
	const char *rcode = req_query(req, "region"), *centre = req_query(req, "centre");
	const char *pl = req_query(req, "product_line");
	struct centre_row c;
	int region_scoped = policy_allows(who->role, PERM_SCOPE_REGISTRY_REGION);
	enum err e;

	*sc = who->scope;
	if (policy_allows(who->role, PERM_SCOPE_OPS_REGION)) {
		if (!sc->region_lo[0])
			return http_fail(resp, ERR_FORBIDDEN, "you have no home region");
		q->f.region_lo = sc->region_lo;
		q->f.region_hi = sc->region_hi;
	} else if (policy_allows(who->role, PERM_SCOPE_OPS_CENTRE)) {
		if (!who->centre[0])
			return http_fail(resp, ERR_FORBIDDEN, "you belong to no service centre");
		q->f.centre = who->centre;
	} else if (!sc->all) {
		return http_fail(resp, ERR_FORBIDDEN, "your role may not see analytics");
	}
	if (rcode) {
		e = regions_store_get(req->db, rcode, region);
		if (e == ERR_NOT_FOUND)
			return http_invalid(resp, "region", "no region %s", rcode);
		if (e != ERR_OK)
			return e;
		/* sc->region_lo is still the caller's home subtree ("" for none:
		 * then no region is theirs). */
		if (region_scoped &&
		    (!sc->region_lo[0] || !registry_path_within(region->path, sc->region_lo)))
			return out_of_scope(resp, "region", rcode);
		snprintf(sc->region_lo, sizeof(sc->region_lo), "%s", region->path);
		snprintf(sc->region_hi, sizeof(sc->region_hi), "%s", region->path);
		sc->region_hi[strlen(sc->region_hi) - 1] = '0';
		q->f.region_lo = sc->region_lo;
		q->f.region_hi = sc->region_hi;
	}
	if (centre) {
		e = regions_store_centre_get(req->db, centre, &c);
		if (e == ERR_NOT_FOUND)
			return http_invalid(resp, "centre", "no centre %s", centre);
		if (e != ERR_OK)
			return e;
		if (q->f.centre && strcmp(q->f.centre, centre) != 0)
			return out_of_scope(resp, "centre", centre);
		if (policy_allows(who->role, PERM_SCOPE_OPS_REGION) &&
		    !registry_path_within(c.region_path, sc->region_lo[0] ? sc->region_lo : "/"))
			return out_of_scope(resp, "centre", centre);
		q->f.centre = centre;
	}
	if (pl && (!pl[0] || strlen(pl) > 63))
		return http_invalid(resp, "product_line", "must be a product line code");
	q->f.product_line = pl;
	return ERR_OK;
}

static int wants_csv(struct req *req, struct resp *resp)
{
	const char *format = req_query(req, "format"), *accept;

	if (format) {
		if (strcmp(format, "csv") == 0)
			return 1;
		if (strcmp(format, "json") != 0)
			http_invalid(resp, "format", "must be json or csv");
		return 0;
	}
	accept = req_header(req, "Accept");
	return accept && strcasestr(accept, "text/csv") != NULL;
}

static const char *const metric_names[] = {
	[ANALYTICS_VOLUME] = "volume",
	[ANALYTICS_TIMES] = "times",
	[ANALYTICS_SLA] = "sla",
	[ANALYTICS_FTF] = "first-time-fix",
	[ANALYTICS_SATISFACTION] = "satisfaction",
	[ANALYTICS_RENEWALS] = "warranty-renewals",
	[ANALYTICS_FAULTS] = "fault-codes",
};

static enum err answer(struct req *req, struct resp *resp, enum analytics_metric metric)
{
	struct analytics_query q = { .metric = metric };
	struct sla_calendar cal;
	struct region_row region;
	struct scope sc;
	const char *by = req_query(req, "by"), *iv = req_query(req, "interval");
	const char *limit = req_query(req, "limit");
	int csv = wants_csv(req, resp);
	char from[32], to[32];
	json_t *table;
	enum err e = sla_store_calendar_get(req->db, &cal);

	if (e != ERR_OK)
		return e;
	q.utc_offset_minutes = cal.utc_offset_minutes;
	q.now = clock_now();
	q.f.to = q.now;
	q.f.from = 0;
	take_time(req, resp, "from", cal.utc_offset_minutes, 0, &q.f.from);
	take_time(req, resp, "to", cal.utc_offset_minutes, 1, &q.f.to);
	if (!req_query(req, "from") && !problem_count(&resp->problem))
		q.f.from = q.f.to - RANGE_DEFAULT_DAYS * 86400;
	if (!problem_count(&resp->problem) && q.f.to <= q.f.from)
		http_invalid(resp, "to", "must be after from");
	else if (!problem_count(&resp->problem) &&
		 q.f.to - q.f.from > (int64_t)RANGE_MAX_DAYS * 86400)
		http_invalid(resp, "from", "the range may span at most %d days", RANGE_MAX_DAYS);
	if (by) {
		int d = analytics_dim_parse(by);

		if (d < 0 || (metric == ANALYTICS_RENEWALS && d != ANALYTICS_BY_REGION &&
			      d != ANALYTICS_BY_PRODUCT_LINE && d != ANALYTICS_BY_MODEL))
			http_invalid(resp, "by", "must be %s",
				     metric == ANALYTICS_RENEWALS
					 ? "region, product_line or model"
					 : "category, channel, region, centre, product_line, "
					   "model or priority");
		else
			q.by = (enum analytics_dim)d;
	}
	if (iv) {
		if (strcmp(iv, "day") == 0)
			q.interval = ANALYTICS_DAY;
		else if (strcmp(iv, "week") == 0)
			q.interval = ANALYTICS_WEEK;
		else if (strcmp(iv, "month") == 0)
			q.interval = ANALYTICS_MONTH;
		else if (strcmp(iv, "all") != 0)
			http_invalid(resp, "interval", "must be day, week, month or all");
	} else if (metric == ANALYTICS_VOLUME) {
		q.interval = ANALYTICS_DAY;
	}
	q.limit = FAULTS_DEFAULT;
	if (limit) {
		char *end;
		long v = strtol(limit, &end, 10);

		if (*limit < '0' || *limit > '9' || *end || v < 1 || v > FAULTS_MAX)
			http_invalid(resp, "limit", "must be 1 to %d", FAULTS_MAX);
		else
			q.limit = (int)v;
	}
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	e = analytics_req_scope(req, resp, &q, &sc, &region);
	if (e != ERR_OK)
		return e;
	table = analytics_table(req->db, &q, &e);
	if (!table)
		return e;
	clock_format(q.f.from, from, sizeof(from));
	clock_format(q.f.to, to, sizeof(to));
	if (csv) {
		struct buf out;
		char disposition[160];

		buf_init(&out, 0);
		analytics_csv(table, &out);
		json_decref(table);
		if (out.failed) {
			buf_cleanup(&out);
			return ERR_INTERNAL;
		}
		snprintf(disposition, sizeof(disposition),
			 "attachment; filename=\"fieldtrace-%s.csv\"", metric_names[metric]);
		resp_header(resp, "Content-Disposition", disposition);
		resp_text(resp, 200, "text/csv; charset=utf-8", out.data ? out.data : "", out.len);
		buf_cleanup(&out);
		return ERR_OK;
	}
	json_object_set_new(table, "metric", json_string(metric_names[metric]));
	json_object_set_new(table, "from", json_string(from));
	json_object_set_new(table, "to", json_string(to));
	json_object_set_new(table, "by",
			    q.by ? json_string(analytics_dim_name(q.by)) : json_null());
	json_object_set_new(table, "interval",
			    json_string(q.interval == ANALYTICS_DAY     ? "day"
					: q.interval == ANALYTICS_WEEK  ? "week"
					: q.interval == ANALYTICS_MONTH ? "month"
									: "all"));
	{
		/* Rates and minutes are rounded: print them as such (0.0529, not
		 * 0.052900000000000003). */
		char *text = json_dumps(table, JSON_COMPACT | JSON_REAL_PRECISION(10));

		json_decref(table);
		if (!text)
			return ERR_INTERNAL;
		resp_text(resp, 200, "application/json", text, strlen(text));
		free(text);
	}
	return ERR_OK;
}

static enum err get_volume(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_VOLUME);
}

static enum err get_times(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_TIMES);
}

static enum err get_sla(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_SLA);
}

static enum err get_ftf(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_FTF);
}

static enum err get_satisfaction(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_SATISFACTION);
}

static enum err get_renewals(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_RENEWALS);
}

static enum err get_faults(struct req *req, struct resp *resp)
{
	return answer(req, resp, ANALYTICS_FAULTS);
}

#define GROUPED COMMON_QUERY ",by,interval"

const struct route analytics_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/analytics/volume",
	  .handler = get_volume,
	  .perm = PERM_ANALYTICS,
	  .query = GROUPED },
	{ .method = "GET",
	  .pattern = "/v1/analytics/times",
	  .handler = get_times,
	  .perm = PERM_ANALYTICS,
	  .query = GROUPED },
	{ .method = "GET",
	  .pattern = "/v1/analytics/sla",
	  .handler = get_sla,
	  .perm = PERM_ANALYTICS,
	  .query = GROUPED },
	{ .method = "GET",
	  .pattern = "/v1/analytics/first-time-fix",
	  .handler = get_ftf,
	  .perm = PERM_ANALYTICS,
	  .query = GROUPED },
	{ .method = "GET",
	  .pattern = "/v1/analytics/satisfaction",
	  .handler = get_satisfaction,
	  .perm = PERM_ANALYTICS,
	  .query = GROUPED },
	{ .method = "GET",
	  .pattern = "/v1/analytics/warranty-renewals",
	  .handler = get_renewals,
	  .perm = PERM_ANALYTICS,
	  .query = GROUPED },
	{ .method = "GET",
	  .pattern = "/v1/analytics/fault-codes",
	  .handler = get_faults,
	  .perm = PERM_ANALYTICS,
	  .query = COMMON_QUERY ",limit" },
	{ 0 },
};
