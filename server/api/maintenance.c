/* Planned maintenance: plans (create, list, read, change, delete), the
 * maintenance calendar, and units' running-hour readings. Rules:
 * include/domain/maintenance.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/routes.h"
#include "core/clock.h"
#include "db/assets_store.h"
#include "db/contracts_store.h"
#include "db/db.h"
#include "db/maintenance_store.h"
#include "db/regions_store.h"
#include "db/registry_store.h"
#include "domain/audit.h"
#include "domain/maintenance.h"
#include "domain/registry.h"

#define LEAD_DAYS_DEFAULT 14
#define HOURS_MAX 10000000

static const struct json_field plan_fields[] = {
	{ "name", JSON_STRING, 0, MAINTENANCE_NAME_SIZE - 1 },
	{ "model_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "contract_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "interval_months", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "interval_hours", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "lead_days", JSON_INTEGER, 0, 0 },
	{ "checklist_template_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "skill", JSON_OBJECT, JF_NULLABLE, 0 },
	{ "active", JSON_TRUE, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field skill_fields[] = {
	{ "product_line", JSON_STRING, JF_REQUIRED, 63 },
	{ "level", JSON_INTEGER, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field hours_fields[] = {
	{ "hours", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "read_at", JSON_STRING, JF_REQUIRED, 40 },
	{ NULL, 0, 0, 0 },
};

/* ---- plans: input ------------------------------------------------------------- */

/* An integer member in [lo, hi] into *out (null: 0); absent leaves it. */
static void take_int(struct resp *resp, const json_t *obj, const char *key, int64_t lo, int64_t hi,
		     int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	char ptr[48];

	if (!v)
		return;
	if (json_is_null(v)) {
		*out = 0;
		return;
	}
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		http_invalid(resp, ptr, "must be %lld to %lld", (long long)lo, (long long)hi);
	else
		*out = json_integer_value(v);
}

/* Applies the body's members onto p (a new plan's defaults or the stored
 * one), then checks the whole: what it names exists, exactly one of model
 * and contract, exactly one interval. Problems are collected in resp. */
static enum err take_plan(struct req *req, struct resp *resp, struct maintenance_plan *p)
{
	const json_t *body = req->json, *v;
	struct contract_row *k = NULL;
	struct model_row *m = NULL;
	enum err e = ERR_OK;

	v = json_object_get(body, "name");
	if (json_is_string(v)) {
		if (registry_blank(json_string_value(v)))
			http_invalid(resp, "/name", "must not be blank");
		else
			snprintf(p->name, sizeof(p->name), "%s", json_string_value(v));
	}
	take_int(resp, body, "model_id", 1, INT64_MAX, &p->model_id);
	take_int(resp, body, "contract_id", 1, INT64_MAX, &p->contract_id);
	take_int(resp, body, "interval_months", 1, 120, &p->interval_months);
	take_int(resp, body, "interval_hours", 1, 1000000, &p->interval_hours);
	if (json_is_integer(json_object_get(body, "lead_days")))
		take_int(resp, body, "lead_days", 0, 365, &p->lead_days);
	take_int(resp, body, "checklist_template_id", 1, INT64_MAX, &p->checklist_template_id);
	v = json_object_get(body, "active");
	if (json_is_boolean(v))
		p->active = json_is_true(v);
	v = json_object_get(body, "skill");
	if (json_is_null(v)) {
		p->skill_product_line[0] = '\0';
		p->skill_level = 0;
	} else if (json_is_object(v)) {
		struct product_line_row *pl = calloc(1, sizeof(*pl));
		const json_t *line = json_object_get(v, "product_line");
		const json_t *level = json_object_get(v, "level");

		if (!pl)
			return ERR_INTERNAL;
		if (registry_json_check(&resp->problem, v, "/skill", skill_fields) == ERR_OK) {
			e = registry_product_line_get(req->db, json_string_value(line), pl);
			if (e == ERR_NOT_FOUND) {
				http_invalid(resp, "/skill/product_line", "no product line %s",
					     json_string_value(line));
				e = ERR_OK;
			} else if (e == ERR_OK) {
				snprintf(p->skill_product_line, sizeof(p->skill_product_line), "%s",
					 json_string_value(line));
			}
			if (json_integer_value(level) < 1 || json_integer_value(level) > 5)
				http_invalid(resp, "/skill/level", "must be 1 to 5");
			else
				p->skill_level = json_integer_value(level);
		}
		free(pl);
		if (e != ERR_OK)
			return e;
	}
	if (!p->name[0] && !problem_names(&resp->problem, "/name"))
		http_invalid(resp, "/name", "is required");
	if (p->model_id && p->contract_id)
		http_invalid(resp, "/contract_id", "give model_id or contract_id, not both");
	else if (!p->model_id && !p->contract_id && !problem_names(&resp->problem, "/model_id") &&
		 !problem_names(&resp->problem, "/contract_id"))
		http_invalid(resp, "/model_id", "is required (or contract_id)");
	if (p->model_id && !problem_names(&resp->problem, "/model_id")) {
		m = calloc(1, sizeof(*m));
		e = m ? registry_model_get(req->db, p->model_id, NULL, m) : ERR_INTERNAL;
		free(m);
		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "/model_id", "no model %lld", (long long)p->model_id);
		if (e != ERR_OK && e != ERR_NOT_FOUND)
			return e;
		e = ERR_OK;
	}
	if (p->contract_id && !problem_names(&resp->problem, "/contract_id")) {
		struct scope sc = req->user.scope;

		k = calloc(1, sizeof(*k));
		e = k ? contracts_store_get(req->db, p->contract_id, &sc, k) : ERR_INTERNAL;
		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "/contract_id", "no contract %lld",
				     (long long)p->contract_id);
		/* The contract's preventive visits a year imply the interval. */
		if (e == ERR_OK && !p->interval_months && !p->interval_hours &&
		    k->visits_per_year > 0)
			p->interval_months = 12 / k->visits_per_year ? 12 / k->visits_per_year : 1;
		free(k);
		if (e != ERR_OK && e != ERR_NOT_FOUND)
			return e;
		e = ERR_OK;
	}
	if (p->interval_months && p->interval_hours)
		http_invalid(resp, "/interval_hours",
			     "give interval_months or interval_hours, not both");
	else if (!p->interval_months && !p->interval_hours &&
		 !problem_names(&resp->problem, "/interval_months") &&
		 !problem_names(&resp->problem, "/interval_hours"))
		http_invalid(resp, "/interval_months",
			     "is required (or interval_hours; a contract plan takes it from the"
			     " contract's preventive visits a year when it has them)");
	return problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
}

static enum err audit_plan(struct req *req, const char *action, int64_t id, json_t *before,
			   json_t *after)
{
	struct audit_actor actor;
	char text[24];

	audit_actor_from_req(req, &actor);
	snprintf(text, sizeof(text), "%lld", (long long)id);
	return audit_append(req->db, &actor, action, "maintenance_plan", text, before, after);
}

/* ---- plans: handlers --------------------------------------------------------- */

static enum err post_plan(struct req *req, struct resp *resp)
{
	struct maintenance_plan *p = calloc(1, sizeof(*p));
	json_t *doc = NULL;
	char location[64];
	int64_t id = 0;
	enum err e = p ? req_json_check(req, resp, plan_fields) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	p->lead_days = LEAD_DAYS_DEFAULT;
	p->active = 1;
	e = take_plan(req, resp, p);
	if (e == ERR_OK) {
		p->created_by = req->user.user_id;
		p->created_at = p->updated_at = clock_now();
		e = maintenance_store_plan_insert(req->db, p, &id);
	}
	if (e == ERR_OK)
		e = maintenance_store_plan_get(req->db, id, p);
	if (e == ERR_OK && !(doc = maintenance_plan_json(p)))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = audit_plan(req, "maintenance_plan.create", id, NULL, doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(doc);
		goto out;
	}
	snprintf(location, sizeof(location), "/v1/maintenance-plans/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, doc);
out:
	free(p);
	return e;
}

struct plan_list {
	json_t *items;
	int limit, count, more;
	int64_t last_id;
};

static int plan_row(const struct maintenance_plan *p, void *arg)
{
	struct plan_list *l = arg;

	if (l->count == l->limit) {
		l->more = 1;
		return 1;
	}
	json_array_append_new(l->items, maintenance_plan_json(p));
	l->count++;
	l->last_id = p->id;
	return 0;
}

static enum err get_plans(struct req *req, struct resp *resp)
{
	struct plan_list l = { 0 };
	struct page page;
	int64_t after = 0, model_id = 0, contract_id = 0;
	const char *v;
	char next[24];
	enum err e = req_page(req, resp, &page);

	if (e != ERR_OK)
		return e;
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		http_invalid(resp, "cursor", "is not a cursor this server issued");
	v = req_query(req, "model_id");
	if (v && registry_parse_id(v, &model_id) < 0)
		http_invalid(resp, "model_id", "must be an id");
	v = req_query(req, "contract_id");
	if (v && registry_parse_id(v, &contract_id) < 0)
		http_invalid(resp, "contract_id", "must be an id");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	l.items = json_array();
	l.limit = page.limit;
	e = maintenance_store_plan_list(req->db, model_id, contract_id, after, page.limit + 1,
					plan_row, &l);
	if (e != ERR_OK) {
		json_decref(l.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)l.last_id);
	resp_page(resp, l.items, l.more ? next : NULL);
	return ERR_OK;
}

static enum err load(struct req *req, struct resp *resp, struct maintenance_plan *p)
{
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e == ERR_OK)
		e = maintenance_store_plan_get(req->db, id, p);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no maintenance plan %lld", (long long)id);
	return e;
}

static enum err get_plan(struct req *req, struct resp *resp)
{
	struct maintenance_plan *p = calloc(1, sizeof(*p));
	enum err e = p ? load(req, resp, p) : ERR_INTERNAL;

	if (e == ERR_OK)
		resp_json(resp, 200, maintenance_plan_json(p));
	free(p);
	return e;
}

static enum err patch_plan(struct req *req, struct resp *resp)
{
	struct maintenance_plan *p = calloc(1, sizeof(*p));
	json_t *before = NULL, *after = NULL;
	enum err e = p ? req_json_check(req, resp, plan_fields) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load(req, resp, p);
	if (e == ERR_OK && !(before = maintenance_plan_json(p)))
		e = ERR_INTERNAL;
	/* Switching what the plan applies to: the body's member replaces the
	 * other. */
	if (e == ERR_OK && json_is_integer(json_object_get(req->json, "model_id")) &&
	    !json_object_get(req->json, "contract_id"))
		p->contract_id = 0;
	if (e == ERR_OK && json_is_integer(json_object_get(req->json, "contract_id")) &&
	    !json_object_get(req->json, "model_id"))
		p->model_id = 0;
	if (e == ERR_OK && json_is_integer(json_object_get(req->json, "interval_months")) &&
	    !json_object_get(req->json, "interval_hours"))
		p->interval_hours = 0;
	if (e == ERR_OK && json_is_integer(json_object_get(req->json, "interval_hours")) &&
	    !json_object_get(req->json, "interval_months"))
		p->interval_months = 0;
	if (e == ERR_OK)
		e = take_plan(req, resp, p);
	if (e == ERR_OK) {
		p->updated_at = clock_now();
		e = maintenance_store_plan_update(req->db, p);
	}
	if (e == ERR_OK)
		e = maintenance_store_plan_get(req->db, p->id, p);
	if (e == ERR_OK && !(after = maintenance_plan_json(p)))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = audit_plan(req, "maintenance_plan.update", p->id, before, after);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(after);
	} else {
		resp_json(resp, 200, after);
	}
out:
	json_decref(before);
	free(p);
	return e;
}

static enum err delete_plan(struct req *req, struct resp *resp)
{
	struct maintenance_plan *p = calloc(1, sizeof(*p));
	json_t *before = NULL;
	enum err e = p ? db_begin(req->db) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	e = load(req, resp, p);
	if (e == ERR_OK && !(before = maintenance_plan_json(p)))
		e = ERR_INTERNAL;
	if (e == ERR_OK) {
		e = maintenance_store_plan_delete(req->db, p->id);
		if (e == ERR_CONFLICT)
			http_fail(resp, e,
				  "visits were requested under plan %lld: its history stays;"
				  " set \"active\": false instead",
				  (long long)p->id);
	}
	if (e == ERR_OK)
		e = audit_plan(req, "maintenance_plan.delete", p->id, before, NULL);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	else
		resp->status = 204;
out:
	json_decref(before);
	free(p);
	return e;
}

/* ---- the calendar --------------------------------------------------------------- */

static enum err get_calendar(struct req *req, struct resp *resp)
{
	struct scope sc = req->user.scope;
	const char *centre = req_query(req, "centre"), *v;
	char today[11], from[11], to[11];
	int64_t customer_id = 0;
	json_t *doc = NULL;
	enum err e;

	registry_date_of(clock_now(), today);
	registry_date_add_days(today, -30, from);
	registry_date_add_days(today, 90, to);
	v = req_query(req, "from");
	if (v && !registry_date_ok(v))
		http_invalid(resp, "from", "must be a date YYYY-MM-DD");
	else if (v)
		snprintf(from, sizeof(from), "%s", v);
	v = req_query(req, "to");
	if (v && !registry_date_ok(v))
		http_invalid(resp, "to", "must be a date YYYY-MM-DD");
	else if (v)
		snprintf(to, sizeof(to), "%s", v);
	if (!problem_count(&resp->problem) && strcmp(to, from) < 0)
		http_invalid(resp, "to", "must not be before from");
	else if (!problem_count(&resp->problem) &&
		 registry_date_days(to) - registry_date_days(from) > MAINTENANCE_CALENDAR_DAYS_MAX)
		http_invalid(resp, "to", "must be at most %d days after from",
			     MAINTENANCE_CALENDAR_DAYS_MAX);
	v = req_query(req, "customer_id");
	if (v && registry_parse_id(v, &customer_id) < 0)
		http_invalid(resp, "customer_id", "must be an id");
	if (centre) {
		struct centre_row *c = calloc(1, sizeof(*c));

		e = c ? regions_store_centre_get(req->db, centre, c) : ERR_INTERNAL;
		free(c);
		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "centre", "no service centre %s", centre);
		else if (e != ERR_OK)
			return e;
	}
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	e = maintenance_calendar(req->db, &sc, centre, customer_id, from, to, &doc);
	if (e == ERR_OK)
		resp_json(resp, 200, doc);
	return e;
}

/* ---- running hours ---------------------------------------------------------------- */

static enum err post_running_hours(struct req *req, struct resp *resp)
{
	struct scope sc = req->user.scope;
	const json_t *hours = json_object_get(req->json, "hours");
	const char *read_text = req_json_str(req, "read_at");
	int64_t id, read_at = 0, contradicts = 0, now = clock_now();
	char at[32], other[32];
	json_t *doc;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e == ERR_OK)
		e = req_json_check(req, resp, hours_fields);
	if (e != ERR_OK)
		return e;
	if (json_integer_value(hours) < 0 || json_integer_value(hours) > HOURS_MAX)
		http_invalid(resp, "/hours", "must be 0 to %d", HOURS_MAX);
	if (clock_parse(read_text, &read_at) < 0)
		http_invalid(resp, "/read_at", "must be a time (RFC 3339) or a date YYYY-MM-DD");
	else if (read_at > now + 300)
		http_invalid(resp, "/read_at", "is in the future");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = assets_store_in_scope(req->db, id, &sc);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no asset %lld", (long long)id);
	if (e == ERR_OK) {
		e = maintenance_store_hours_add(req->db, id, json_integer_value(hours), read_at,
						req->user.user_id, now, &contradicts);
		if (e == ERR_CONFLICT) {
			clock_format(contradicts, other, sizeof(other));
			e = contradicts == read_at
				? http_invalid(resp, "/read_at", "the unit has a reading at %s",
					       other)
				: http_invalid(
				      resp, "/hours",
				      "contradicts the reading at %s (hours never go down)", other);
		}
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	clock_format(read_at, at, sizeof(at));
	doc = json_pack("{s:I, s:I, s:s}", "asset_id", (json_int_t)id, "hours",
			json_integer_value(hours), "read_at", at);
	resp_json(resp, 201, doc);
	return ERR_OK;
}

const struct route maintenance_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/maintenance-plans",
	  .handler = post_plan,
	  .perm = PERM_MAINTENANCE_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/maintenance-plans",
	  .handler = get_plans,
	  .perm = PERM_MAINTENANCE_READ,
	  .query = "model_id,contract_id,limit,cursor" },
	{ .method = "GET",
	  .pattern = "/v1/maintenance-plans/{id}",
	  .handler = get_plan,
	  .perm = PERM_MAINTENANCE_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/maintenance-plans/{id}",
	  .handler = patch_plan,
	  .perm = PERM_MAINTENANCE_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "DELETE",
	  .pattern = "/v1/maintenance-plans/{id}",
	  .handler = delete_plan,
	  .perm = PERM_MAINTENANCE_WRITE },
	{ .method = "GET",
	  .pattern = "/v1/maintenance/calendar",
	  .handler = get_calendar,
	  .perm = PERM_MAINTENANCE_READ,
	  .query = "centre,customer_id,from,to" },
	{ .method = "POST",
	  .pattern = "/v1/assets/{id}/running-hours",
	  .handler = post_running_hours,
	  .perm = PERM_RUNNING_HOURS,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
