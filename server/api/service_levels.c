/* Service levels and the business calendar over HTTP: the targets per
 * priority, the tier x impact x urgency (x category) rules, the calendar's
 * hours, working weekdays and marked days, and the quote a hotline agent
 * gives a caller (priority and deadlines for work starting now or at a
 * given time). Every role reads; admins change (each change audited). */
#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/catalogue.h"
#include "db/catalogue_store.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "domain/sla.h"
#include "db/sla_store.h"

/* A target above 100,000 minutes (about 69 days round the clock, half a
 * year of business days) is a typing mistake, not a service level. */
#define TARGET_MAX 100000

/* ---- JSON shapes ------------------------------------------------------------- */

static json_t *targets_json(const struct sla_targets *t)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:b}", "priority", t->priority, "response_minutes",
			 (json_int_t)t->response_minutes, "arrival_minutes",
			 (json_int_t)t->arrival_minutes, "resolution_minutes",
			 (json_int_t)t->resolution_minutes, "round_the_clock", t->round_the_clock);
}

static json_t *rule_json(const struct sla_rule *r)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s}", "tier", r->tier, "impact", r->impact,
			 "urgency", r->urgency, "category", r->category[0] ? r->category : NULL,
			 "priority", r->priority);
}

static const char *const weekday_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* Minutes of the day (0..1440) as "HH:MM" (out: 8 bytes). */
static void hhmm(int minute, char out[8])
{
	unsigned m = minute >= 0 && minute <= 1440 ? (unsigned)minute : 0;

	snprintf(out, 8, "%02u:%02u", (m / 60) % 25, m % 60);
}

static json_t *calendar_json(const struct sla_calendar *c)
{
	json_t *days = json_array();
	char start[8], end[8];

	for (int i = 0; i < 7; i++)
		if ((c->workdays >> i) & 1)
			json_array_append_new(days, json_string(weekday_names[i]));
	hhmm(c->day_start_minute, start);
	hhmm(c->day_end_minute, end);
	return json_pack("{s:i, s:s, s:s, s:o}", "utc_offset_minutes", c->utc_offset_minutes,
			 "day_start", start, "day_end", end, "workdays", days);
}

static json_t *day_json(const struct sla_day *d)
{
	return json_pack("{s:s, s:s, s:s}", "date", d->date, "kind", d->kind, "name", d->name);
}

/* Appends an audit entry for a change (before / after may be NULL; they
 * are released here). */
static enum err audit_change(struct req *req, const char *action, const char *type, const char *id,
			     json_t *before, json_t *after)
{
	struct audit_actor actor;
	enum err e;

	audit_actor_from_req(req, &actor);
	e = audit_append(req->db, &actor, action, type, id, before, after);
	json_decref(before);
	json_decref(after);
	return e;
}

/* Commits, or rolls back on e; returns e or the commit's error. */
static enum err finish(struct req *req, enum err e)
{
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	return e;
}

/* ---- GET /v1/service-levels -------------------------------------------------- */

static int collect_targets(const struct sla_targets *t, void *arg)
{
	json_array_append_new(arg, targets_json(t));
	return 0;
}

static int collect_rule(const struct sla_rule *r, void *arg)
{
	json_array_append_new(arg, rule_json(r));
	return 0;
}

static enum err get_service_levels(struct req *req, struct resp *resp)
{
	json_t *targets = json_array(), *rules = json_array();
	enum err e;

	e = sla_store_targets_list(req->db, collect_targets, targets);
	if (e == ERR_OK)
		e = sla_store_rules_list(req->db, collect_rule, rules);
	if (e != ERR_OK) {
		json_decref(targets);
		json_decref(rules);
		return e;
	}
	resp_json(resp, 200, json_pack("{s:o, s:o}", "targets", targets, "rules", rules));
	return ERR_OK;
}

/* ---- PUT /v1/service-levels/targets/{priority} ----------------------------------- */

static const struct json_field target_fields[] = {
	{ "response_minutes", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "arrival_minutes", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "resolution_minutes", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "round_the_clock", JSON_TRUE, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static int take_minutes(struct resp *resp, const json_t *body, const char *key, int64_t *out)
{
	json_t *v = json_object_get(body, key);
	char ptr[48];

	if (!json_is_integer(v))
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (json_integer_value(v) < 1 || json_integer_value(v) > TARGET_MAX) {
		http_invalid(resp, ptr, "must be from 1 to %d minutes", TARGET_MAX);
		return 0;
	}
	*out = json_integer_value(v);
	return 1;
}

static enum err put_targets(struct req *req, struct resp *resp)
{
	struct sla_targets old, in;
	int ok;
	enum err e;

	if (!sla_priority_ok(req->params[0]))
		return http_fail(resp, ERR_NOT_FOUND, "no such priority: P1, P2, P3 or P4");
	memset(&in, 0, sizeof(in));
	snprintf(in.priority, sizeof(in.priority), "%s", req->params[0]);
	req_json_check(req, resp, target_fields);
	ok = take_minutes(resp, req->json, "response_minutes", &in.response_minutes);
	ok &= take_minutes(resp, req->json, "arrival_minutes", &in.arrival_minutes);
	ok &= take_minutes(resp, req->json, "resolution_minutes", &in.resolution_minutes);
	if (ok && in.arrival_minutes < in.response_minutes)
		http_invalid(resp, "/arrival_minutes", "must not be less than response_minutes");
	if (ok && in.resolution_minutes < in.arrival_minutes)
		http_invalid(resp, "/resolution_minutes", "must not be less than arrival_minutes");
	in.round_the_clock = json_is_true(json_object_get(req->json, "round_the_clock"));
	if (problem_count(&resp->problem) > 0)
		return ERR_INVALID;

	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = sla_store_targets_get(req->db, in.priority, &old);
	if (e == ERR_OK)
		e = sla_store_targets_update(req->db, &in);
	if (e == ERR_OK)
		e = audit_change(req, "service_level.targets.update", "priority", in.priority,
				 targets_json(&old), targets_json(&in));
	e = finish(req, e);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no such priority");
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, targets_json(&in));
	return ERR_OK;
}

/* ---- PUT /v1/service-levels/rules -------------------------------------------------- */

static const struct json_field rule_fields[] = {
	{ "tier", JSON_STRING, JF_REQUIRED, 15 },
	{ "impact", JSON_STRING, JF_REQUIRED, 7 },
	{ "urgency", JSON_STRING, JF_REQUIRED, 7 },
	{ "category", JSON_STRING, JF_NULLABLE, CATALOGUE_CODE_SIZE - 1 },
	{ "priority", JSON_STRING, JF_REQUIRED, 3 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* String member key into dst when ok(value); else names the member. */
static void take_enum(struct resp *resp, const json_t *body, const char *key,
		      int (*ok)(const char *), const char *allowed, char *dst, size_t size)
{
	const char *s = json_string_value(json_object_get(body, key));
	char ptr[32];

	if (!s)
		return;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!ok(s) || strlen(s) >= size)
		http_invalid(resp, ptr, "must be one of %s", allowed);
	else
		snprintf(dst, size, "%s", s);
}

/* A top-level category code (the rules match on them), or "" / NULL. */
static enum err take_rule_category(struct db *db, struct resp *resp, const char *s, char *dst,
				   size_t size)
{
	struct catalogue_row c;
	enum err e;

	if (!s || !s[0])
		return ERR_OK;
	e = catalogue_store_get(db, s, &c);
	if (e == ERR_OK && !c.parent[0]) {
		snprintf(dst, size, "%s", c.code);
		return ERR_OK;
	}
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	http_invalid(resp, "/category",
		     "must be a top-level category (complaint, fault_repair, service_request,"
		     " other) or null for any");
	return ERR_OK;
}

static enum err put_rule(struct req *req, struct resp *resp)
{
	struct sla_rule in, old;
	int existed;
	enum err e;

	memset(&in, 0, sizeof(in));
	req_json_check(req, resp, rule_fields);
	take_enum(resp, req->json, "tier", sla_tier_ok, "strategic, A, B, C", in.tier,
		  sizeof(in.tier));
	take_enum(resp, req->json, "impact", sla_impact_ok, "unit, site, grid", in.impact,
		  sizeof(in.impact));
	take_enum(resp, req->json, "urgency", sla_urgency_ok, "high, medium, low", in.urgency,
		  sizeof(in.urgency));
	take_enum(resp, req->json, "priority", sla_priority_ok, "P1, P2, P3, P4", in.priority,
		  sizeof(in.priority));
	e = take_rule_category(req->db, resp, req_json_str(req, "category"), in.category,
			       sizeof(in.category));
	if (e != ERR_OK)
		return e;
	if (problem_count(&resp->problem) > 0)
		return ERR_INVALID;

	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = sla_store_rule_get(req->db, &in, &old);
	existed = e == ERR_OK;
	if (e == ERR_OK || e == ERR_NOT_FOUND)
		e = sla_store_rule_put(req->db, &in);
	if (e == ERR_OK) {
		char id[80];

		snprintf(id, sizeof(id), "%s/%s/%s/%s", in.tier, in.impact, in.urgency,
			 in.category);
		e = audit_change(req, "service_level.rule.put", "service_level", id,
				 existed ? rule_json(&old) : NULL, rule_json(&in));
	}
	e = finish(req, e);
	if (e != ERR_OK)
		return e;
	resp_json(resp, existed ? 200 : 201, rule_json(&in));
	return ERR_OK;
}

/* ---- GET /v1/service-levels/quote ---------------------------------------------------- */

static const char *query_enum(struct req *req, struct resp *resp, const char *key,
			      int (*ok)(const char *), const char *allowed)
{
	const char *s = req_query(req, key);

	if (!s) {
		http_invalid(resp, key, "is required: one of %s", allowed);
		return NULL;
	}
	if (!ok(s)) {
		http_invalid(resp, key, "must be one of %s", allowed);
		return NULL;
	}
	return s;
}

static enum err get_quote(struct req *req, struct resp *resp)
{
	const char *tier, *impact, *urgency, *category = req_query(req, "category");
	const char *at = req_query(req, "at");
	struct catalogue_entry entry;
	struct sla_targets t;
	struct sla_deadlines d;
	char top[sizeof(entry.code)] = "", start_s[32], response_s[32], arrival_s[32],
	     resolution_s[32];
	int64_t start = clock_now();
	enum err e;

	tier = query_enum(req, resp, "tier", sla_tier_ok, "strategic, A, B, C");
	impact = query_enum(req, resp, "impact", sla_impact_ok, "unit, site, grid");
	urgency = query_enum(req, resp, "urgency", sla_urgency_ok, "high, medium, low");
	if (category) {
		e = catalogue_get(req->db, category, &entry);
		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "category", "no such category or subcategory");
		else if (e != ERR_OK)
			return e;
		else
			snprintf(top, sizeof(top), "%s",
				 entry.parent[0] ? entry.parent : entry.code);
	}
	if (at && clock_parse(at, &start) != 0)
		http_invalid(resp, "at",
			     "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00");
	if (problem_count(&resp->problem) > 0)
		return ERR_INVALID;

	e = sla_priority(req->db, tier, impact, urgency, top, &t);
	if (e == ERR_OK)
		e = sla_deadlines(req->db, &t, start, &d);
	if (e == ERR_INVALID)
		return http_invalid(resp, "at", "is outside the times deadlines are computed for");
	if (e == ERR_UNPROCESSABLE)
		return http_fail(resp, e,
				 "the business calendar has no working time to meet these targets"
				 " within %d days",
				 SLA_HORIZON_DAYS);
	if (e != ERR_OK)
		return e;
	clock_format(start, start_s, sizeof(start_s));
	clock_format(d.response, response_s, sizeof(response_s));
	clock_format(d.arrival, arrival_s, sizeof(arrival_s));
	clock_format(d.resolution, resolution_s, sizeof(resolution_s));
	resp_json(resp, 200,
		  json_pack("{s:s, s:b, s:s?, s:s, s:{s:I, s:I, s:I}, s:{s:s, s:s, s:s}}",
			    "priority", t.priority, "round_the_clock", t.round_the_clock,
			    "category", top[0] ? top : NULL, "start", start_s, "targets",
			    "response_minutes", (json_int_t)t.response_minutes, "arrival_minutes",
			    (json_int_t)t.arrival_minutes, "resolution_minutes",
			    (json_int_t)t.resolution_minutes, "deadlines", "response", response_s,
			    "arrival", arrival_s, "resolution", resolution_s));
	return ERR_OK;
}

/* ---- the calendar --------------------------------------------------------------- */

static int collect_day(const struct sla_day *d, void *arg)
{
	json_array_append_new(arg, day_json(d));
	return 0;
}

static const char *query_date(struct req *req, struct resp *resp, const char *key)
{
	const char *s = req_query(req, key);

	if (s && !registry_date_ok(s)) {
		http_invalid(resp, key, "must be a date YYYY-MM-DD");
		return NULL;
	}
	return s;
}

static enum err get_calendar(struct req *req, struct resp *resp)
{
	const char *from = query_date(req, resp, "from"), *to = query_date(req, resp, "to");
	struct sla_calendar c;
	json_t *doc, *days;
	enum err e;

	if (from && to && strcmp(from, to) > 0)
		http_invalid(resp, "to", "must not be before from");
	if (problem_count(&resp->problem) > 0)
		return ERR_INVALID;
	e = sla_store_calendar_get(req->db, &c);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_DB : e;
	days = json_array();
	e = sla_store_days_list(req->db, from, to, collect_day, days);
	if (e != ERR_OK) {
		json_decref(days);
		return e;
	}
	doc = calendar_json(&c);
	json_object_set_new(doc, "days", days);
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static const struct json_field calendar_fields[] = {
	{ "utc_offset_minutes", JSON_INTEGER, 0, 0 },
	{ "day_start", JSON_STRING, 0, 5 },
	{ "day_end", JSON_STRING, 0, 5 },
	{ "workdays", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* "HH:MM" as minutes of the day, 00:00 .. 24:00; -1 when not one. */
static int parse_hhmm(const char *s)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5 || strchr(s + 3, ':') ||
	    strchr(s, ':') != s + 2)
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

static void take_hhmm(struct resp *resp, const json_t *body, const char *key, int max, int *out)
{
	const char *s = json_string_value(json_object_get(body, key));
	char ptr[32];
	int v;

	if (!s)
		return;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	v = parse_hhmm(s);
	if (v < 0 || v > max)
		http_invalid(resp, ptr, "must be a time HH:MM from 00:00 to %02d:%02d", max / 60,
			     max % 60);
	else
		*out = v;
}

static void take_workdays(struct resp *resp, const json_t *body, int *out)
{
	json_t *list = json_object_get(body, "workdays"), *v;
	int mask = 0, bad = 0;
	size_t i;

	if (!json_is_array(list))
		return;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		int day = -1;
		char ptr[32];

		for (int k = 0; s && k < 7; k++)
			if (strcmp(s, weekday_names[k]) == 0)
				day = k;
		snprintf(ptr, sizeof(ptr), "/workdays/%zu", i);
		if (day < 0) {
			http_invalid(resp, ptr, "must be one of mon, tue, wed, thu, fri, sat, sun");
			bad = 1;
		} else if (mask & (1 << day)) {
			http_invalid(resp, ptr, "repeats %s", s);
			bad = 1;
		} else {
			mask |= 1 << day;
		}
	}
	if (!bad && mask == 0)
		http_invalid(resp, "/workdays", "must name at least one day");
	else if (!bad)
		*out = mask;
}

static enum err patch_calendar(struct req *req, struct resp *resp)
{
	struct sla_calendar old, in;
	json_t *v;
	enum err e;

	e = req_json_check(req, resp, calendar_fields);
	if (e != ERR_OK)
		return e;
	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "", "send at least one member to change");
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = sla_store_calendar_get(req->db, &old);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e == ERR_NOT_FOUND ? ERR_DB : e;
	}
	in = old;
	v = json_object_get(req->json, "utc_offset_minutes");
	if (json_is_integer(v)) {
		if (json_integer_value(v) < -720 || json_integer_value(v) > 840)
			http_invalid(resp, "/utc_offset_minutes", "must be from -720 to 840");
		else
			in.utc_offset_minutes = (int)json_integer_value(v);
	}
	take_hhmm(resp, req->json, "day_start", 1439, &in.day_start_minute);
	take_hhmm(resp, req->json, "day_end", 1440, &in.day_end_minute);
	take_workdays(resp, req->json, &in.workdays);
	if (problem_count(&resp->problem) == 0 && in.day_end_minute <= in.day_start_minute)
		http_invalid(resp,
			     json_object_get(req->json, "day_end") ? "/day_end" : "/day_start",
			     "the working day must end after it starts");
	if (problem_count(&resp->problem) > 0) {
		db_rollback(req->db);
		return ERR_INVALID;
	}
	e = sla_store_calendar_update(req->db, &in);
	if (e == ERR_OK)
		e = audit_change(req, "calendar.update", "calendar", "1", calendar_json(&old),
				 calendar_json(&in));
	e = finish(req, e);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, calendar_json(&in));
	return ERR_OK;
}

static enum err param_date(struct req *req, struct resp *resp)
{
	if (!registry_date_ok(req->params[0]))
		return http_invalid(resp, "date", "must be a date YYYY-MM-DD");
	return ERR_OK;
}

static const struct json_field day_fields[] = {
	/* Room for a typo ("workdays") to be named as one, not as too long. */
	{ "kind", JSON_STRING, JF_REQUIRED, 64 },
	{ "name", JSON_STRING, 0, SLA_DAY_NAME_SIZE - 1 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err put_day(struct req *req, struct resp *resp)
{
	struct sla_day in, old;
	const char *kind;
	int existed;
	enum err e;

	memset(&in, 0, sizeof(in));
	param_date(req, resp);
	req_json_check(req, resp, day_fields);
	kind = req_json_str(req, "kind");
	if (kind && json_is_string(json_object_get(req->json, "kind")) &&
	    strcmp(kind, "holiday") != 0 && strcmp(kind, "workday") != 0)
		http_invalid(resp, "/kind", "must be holiday or workday");
	registry_take_text(&resp->problem, req->json, "", "name", in.name, sizeof(in.name), 0);
	if (problem_count(&resp->problem) > 0)
		return ERR_INVALID;
	snprintf(in.date, sizeof(in.date), "%s", req->params[0]);
	snprintf(in.kind, sizeof(in.kind), "%s", kind);

	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = sla_store_day_get(req->db, in.date, &old);
	existed = e == ERR_OK;
	if (e == ERR_OK || e == ERR_NOT_FOUND)
		e = sla_store_day_put(req->db, &in);
	if (e == ERR_OK)
		e = audit_change(req, "calendar.day.put", "calendar_day", in.date,
				 existed ? day_json(&old) : NULL, day_json(&in));
	e = finish(req, e);
	if (e != ERR_OK)
		return e;
	resp_json(resp, existed ? 200 : 201, day_json(&in));
	return ERR_OK;
}

static enum err delete_day(struct req *req, struct resp *resp)
{
	struct sla_day old;
	enum err e;

	e = param_date(req, resp);
	if (e != ERR_OK)
		return e;
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = sla_store_day_get(req->db, req->params[0], &old);
	if (e == ERR_OK)
		e = sla_store_day_delete(req->db, old.date);
	if (e == ERR_OK)
		e = audit_change(req, "calendar.day.delete", "calendar_day", old.date,
				 day_json(&old), NULL);
	e = finish(req, e);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no calendar entry for %s", req->params[0]);
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

const struct route service_levels_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/service-levels",
	  .handler = get_service_levels,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "GET",
	  .pattern = "/v1/service-levels/quote",
	  .handler = get_quote,
	  .perm = PERM_AUTHENTICATED,
	  .query = "tier,impact,urgency,category,at" },
	{ .method = "PUT",
	  .pattern = "/v1/service-levels/targets/{priority}",
	  .handler = put_targets,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "PUT",
	  .pattern = "/v1/service-levels/rules",
	  .handler = put_rule,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/calendar",
	  .handler = get_calendar,
	  .perm = PERM_AUTHENTICATED,
	  .query = "from,to" },
	{ .method = "PATCH",
	  .pattern = "/v1/calendar",
	  .handler = patch_calendar,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "PUT",
	  .pattern = "/v1/calendar/days/{date}",
	  .handler = put_day,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "DELETE",
	  .pattern = "/v1/calendar/days/{date}",
	  .handler = delete_day,
	  .perm = PERM_SERVICE_ADMIN },
	{ 0 },
};
