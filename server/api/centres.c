/* Service centres as routing and dispatch see them: what each covers
 * (regions and product lines), its technicians with their skills, duty
 * and open jobs, and each technician's own duty report.
 *
 * Scope: admins change any centre's coverage, supervisors those of the
 * centres in their region (adding regions within it only); skills are
 * changed by admins, by supervisors for the technicians of centres in their
 * region and by dispatchers for their own centre's, who read technicians
 * within the same limits (auditors read all). */
#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "domain/routing.h"
#include "db/routing_store.h"

#define COVERAGE_MAX 256 /* regions, and product lines, per centre */
#define SKILLS_MAX 64

/* ---- coverage ------------------------------------------------------------- */

static int code_collect(const char *code, void *arg)
{
	return json_array_append_new(arg, json_string(code)) != 0;
}

/* {"centre", "regions": [codes], "product_lines": [codes]}; NULL on error
 * with *e set. */
static json_t *coverage_json(struct db *db, const char *centre, enum err *e)
{
	json_t *regions = json_array(), *lines = json_array();

	*e = regions && lines ? ERR_OK : ERR_INTERNAL;
	if (*e == ERR_OK)
		*e = routing_store_coverage_regions(db, centre, code_collect, regions);
	if (*e == ERR_OK)
		*e = routing_store_coverage_lines(db, centre, code_collect, lines);
	if (*e != ERR_OK) {
		json_decref(regions);
		json_decref(lines);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o}", "centre", centre, "regions", regions, "product_lines",
			 lines);
}

static enum err load_centre(struct req *req, struct resp *resp, struct centre_row *out)
{
	enum err e = regions_store_centre_get(req->db, req->params[0], out);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such centre");
	return e;
}

static enum err get_coverage(struct req *req, struct resp *resp)
{
	struct centre_row c;
	json_t *doc;
	enum err e = load_centre(req, resp, &c);

	if (e != ERR_OK)
		return e;
	doc = coverage_json(req->db, c.code, &e);
	if (!doc)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static const struct json_field coverage_fields[] = {
	{ "regions", JSON_ARRAY, JF_REQUIRED, 0 },
	{ "product_lines", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static int listed_before(const json_t *list, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (json_equal(json_array_get(list, j), json_array_get(list, i)))
			return 1;
	return 0;
}

static int in_array(const json_t *list, const char *code)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), code) == 0)
			return 1;
	return 0;
}

/* One list of codes to check: each check() sets *why when the code is
 * not acceptable and answers ERR_OK unless the store failed. */
struct code_check {
	struct db *db;
	const char *member;     /* "regions" */
	const char *unknown;    /* "no such region" */
	const char *scope_path; /* supervisors: their region's path; NULL any */
	const json_t *current;  /* the centre's current list */
};

static enum err check_region(const struct code_check *cc, const char *code, const char **why)
{
	struct region_row r;
	enum err e = regions_store_get(cc->db, code, &r);

	if (e == ERR_NOT_FOUND)
		*why = cc->unknown;
	else if (e == ERR_OK && cc->scope_path && !registry_path_within(r.path, cc->scope_path) &&
		 !in_array(cc->current, code))
		*why = "must be within your region";
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static enum err check_line(const struct code_check *cc, const char *code, const char **why)
{
	struct product_line_row p;
	enum err e = registry_product_line_get(cc->db, code, &p);

	if (e == ERR_NOT_FOUND)
		*why = cc->unknown;
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static enum err check_codes(struct resp *resp, const json_t *list, const struct code_check *cc,
			    enum err (*check)(const struct code_check *, const char *,
					      const char **),
			    const char **codes, int *bad)
{
	char ptr[64];
	size_t i;
	json_t *v;
	enum err e;

	if (json_array_size(list) > COVERAGE_MAX) {
		snprintf(ptr, sizeof(ptr), "/%s", cc->member);
		http_invalid(resp, ptr, "at most %d codes", COVERAGE_MAX);
		*bad = 1;
		return ERR_OK;
	}
	json_array_foreach(list, i, v) {
		const char *why = NULL;

		snprintf(ptr, sizeof(ptr), "/%s/%zu", cc->member, i);
		if (!json_is_string(v))
			why = "must be a string";
		else if (json_string_length(v) == 0 || json_string_length(v) >= ROUTING_LINE_SIZE ||
			 strlen(json_string_value(v)) != json_string_length(v))
			why = cc->unknown;
		else if (listed_before(list, i))
			why = "listed twice";
		else {
			e = check(cc, json_string_value(v), &why);
			if (e != ERR_OK)
				return e;
		}
		if (why) {
			http_invalid(resp, ptr, "%s", why);
			*bad = 1;
		} else {
			codes[i] = json_string_value(v);
		}
	}
	return ERR_OK;
}

/* Supervisors change the coverage of the centres in their region. */
static int may_change_centre(const struct principal *p, const struct centre_row *c)
{
	return policy_allows(p->role, PERM_COVERAGE_WRITE) &&
	       (p->scope.all ||
		(p->region_path[0] && registry_path_within(c->region_path, p->region_path)));
}

static enum err put_coverage(struct req *req, struct resp *resp)
{
	const char *rcodes[COVERAGE_MAX], *lcodes[COVERAGE_MAX];
	const json_t *rl = json_object_get(req->json, "regions");
	const json_t *ll = json_object_get(req->json, "product_lines");
	struct code_check cc = { .db = req->db };
	struct audit_actor actor;
	struct centre_row c;
	json_t *before, *after = NULL;
	int bad = 0;
	enum err e;

	e = load_centre(req, resp, &c);
	if (e != ERR_OK)
		return e;
	if (!may_change_centre(&req->user, &c))
		return http_fail(resp, ERR_FORBIDDEN, "centre %s is outside your region", c.code);
	e = req_json_check(req, resp, coverage_fields);
	if (e != ERR_OK)
		return e;
	before = coverage_json(req->db, c.code, &e);
	if (!before)
		return e;
	cc.member = "regions";
	cc.unknown = "no such region";
	cc.scope_path = req->user.scope.all ? NULL : req->user.region_path;
	cc.current = json_object_get(before, "regions");
	e = check_codes(resp, rl, &cc, check_region, rcodes, &bad);
	if (e == ERR_OK) {
		cc.member = "product_lines";
		cc.unknown = "no such product line";
		e = check_codes(resp, ll, &cc, check_line, lcodes, &bad);
	}
	json_decref(before);
	if (e == ERR_OK && bad)
		e = ERR_INVALID;
	if (e != ERR_OK)
		return e;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	before = coverage_json(req->db, c.code, &e);
	if (before)
		e = routing_store_coverage_replace(req->db, c.code, rcodes, json_array_size(rl),
						   lcodes, json_array_size(ll));
	if (e == ERR_OK)
		after = coverage_json(req->db, c.code, &e);
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "centre.coverage", "centre", c.code, before,
				 after);
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(after);
		if (e == ERR_INVALID) /* a code vanished since the check */
			return http_invalid(resp, "", "a region or product line no longer exists");
		return e;
	}
	resp_json(resp, 200, after);
	return ERR_OK;
}

/* ---- technicians ---------------------------------------------------------- */

/* skills: a JSON array (stolen), or NULL for []. */
static json_t *tech_json(const struct tech_row *t, json_t *skills)
{
	char at[32];

	if (t->duty_updated_at)
		clock_format(t->duty_updated_at, at, sizeof(at));
	return json_pack("{s:I, s:s, s:s, s:s?, s:o, s:b, s:o, s:o, s:s?, s:I}", "id",
			 (json_int_t)t->id, "username", t->username, "display_name",
			 t->display_name, "centre", t->centre[0] ? t->centre : NULL, "skills",
			 skills ? skills : json_array(), "on_duty", t->on_duty, "latitude",
			 t->has_position ? json_real(t->latitude) : json_null(), "longitude",
			 t->has_position ? json_real(t->longitude) : json_null(), "duty_updated_at",
			 t->duty_updated_at ? at : NULL, "open_jobs", (json_int_t)t->open_jobs);
}

static json_t *skills_json(const struct skill *s, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:i}", "product_line", s[i].product_line,
						   "level", s[i].level));
	return a;
}

struct list_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int list_row(const struct tech_row *t, void *arg)
{
	struct list_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items,
			      tech_json(t, json_loads(t->skills ? t->skills : "[]", 0, NULL)));
	c->last_id = t->id;
	return 0;
}

static enum err get_technicians(struct req *req, struct resp *resp)
{
	const char *centre = req_query(req, "centre");
	struct list_ctx ctx = { 0 };
	struct centre_row c;
	struct page page;
	int64_t after = 0;
	char next[24];
	enum err e, found;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (centre) {
		found = regions_store_centre_get(req->db, centre, &c);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "centre", "no such centre");
		else if (found != ERR_OK)
			return found;
	}
	if (e != ERR_OK)
		return e;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = routing_store_technician_list(req->db, &req->user.scope, centre, after, page.limit + 1,
					  list_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

static const struct json_field skills_fields[] = {
	{ "skills", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field skill_fields[] = {
	{ "product_line", JSON_STRING, JF_REQUIRED, ROUTING_LINE_SIZE - 1 },
	{ "level", JSON_INTEGER, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Validates {skills: [...]} into out; reports each bad member. */
static enum err parse_skills(struct req *req, struct resp *resp, struct skill *out, size_t *n)
{
	const json_t *list = json_object_get(req->json, "skills");
	struct product_line_row pl;
	char prefix[32], ptr[64];
	size_t i, errors = problem_count(&resp->problem);
	json_t *item, *v;
	enum err e;

	*n = 0;
	if (json_array_size(list) > SKILLS_MAX)
		return http_invalid(resp, "/skills", "at most %d skills", SKILLS_MAX);
	json_array_foreach(list, i, item) {
		snprintf(prefix, sizeof(prefix), "/skills/%zu", i);
		if (registry_json_check(&resp->problem, item, prefix, skill_fields) != ERR_OK)
			continue;
		v = json_object_get(item, "product_line");
		snprintf(ptr, sizeof(ptr), "%s/product_line", prefix);
		e = registry_product_line_get(req->db, json_string_value(v), &pl);
		if (e == ERR_NOT_FOUND) {
			http_invalid(resp, ptr, "no such product line");
		} else if (e != ERR_OK) {
			return e;
		} else {
			int dup = 0;

			for (size_t j = 0; j < *n; j++)
				dup |= strcmp(out[j].product_line, pl.code) == 0;
			if (dup)
				http_invalid(resp, ptr, "listed twice");
			snprintf(out[*n].product_line, sizeof(out[*n].product_line), "%s", pl.code);
		}
		v = json_object_get(item, "level");
		if (json_integer_value(v) < 1 || json_integer_value(v) > 5) {
			snprintf(ptr, sizeof(ptr), "%s/level", prefix);
			http_invalid(resp, ptr, "must be from 1 to 5");
		}
		out[*n].level = (int)json_integer_value(v);
		(*n)++;
	}
	return problem_count(&resp->problem) > errors ? ERR_INVALID : ERR_OK;
}

static enum err put_skills(struct req *req, struct resp *resp)
{
	struct skill skills[SKILLS_MAX], old[SKILLS_MAX];
	struct audit_actor actor;
	struct tech_row t;
	size_t n = 0, nold = 0;
	char id_text[24];
	json_t *before = NULL, *after = NULL;
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	e = routing_store_technician_get(req->db, id, &req->user.scope, &t);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such technician");
	if (e != ERR_OK)
		return e;
	e = req_json_check(req, resp, skills_fields);
	if (e == ERR_OK)
		e = parse_skills(req, resp, skills, &n);
	if (e != ERR_OK)
		return e;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = routing_store_technician_get(req->db, id, &req->user.scope, &t);
	if (e == ERR_NOT_FOUND) {
		db_rollback(req->db);
		return http_fail(resp, ERR_NOT_FOUND, "no such technician");
	}
	if (e == ERR_OK)
		e = routing_store_skills(req->db, id, old, SKILLS_MAX, &nold);
	if (e == ERR_OK)
		e = routing_store_skills_replace(req->db, id, skills, n);
	if (e == ERR_OK)
		e = routing_store_skills(req->db, id, skills, SKILLS_MAX, &n);
	if (e == ERR_OK) {
		before = json_pack("{s:o}", "skills", skills_json(old, nold));
		after = json_pack("{s:o}", "skills", skills_json(skills, n));
		snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
		e = before && after ? audit_append(req->db, &actor, "technician.skills", "user",
						   id_text, before, after)
				    : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	json_decref(after);
	if (e != ERR_OK) {
		db_rollback(req->db);
		if (e == ERR_INVALID) /* a product line vanished since the check */
			return http_invalid(resp, "/skills", "a product line no longer exists");
		return e;
	}
	resp_json(resp, 200, tech_json(&t, skills_json(skills, n)));
	return ERR_OK;
}

/* ---- PUT /v1/me/duty ------------------------------------------------------ */

static const struct json_field duty_fields[] = {
	{ "on_duty", JSON_TRUE, JF_REQUIRED, 0 },
	{ "latitude", JSON_REAL, 0, 0 },
	{ "longitude", JSON_REAL, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static int take_coordinate(struct resp *resp, const json_t *body, const char *key, double limit,
			   double *out)
{
	json_t *v = json_object_get(body, key);
	char ptr[32];

	if (!v)
		return 0;
	*out = json_number_value(v);
	if (!(*out >= -limit && *out <= limit)) {
		snprintf(ptr, sizeof(ptr), "/%s", key);
		http_invalid(resp, ptr, "must be from %g to %g", -limit, limit);
	}
	return 1;
}

static enum err put_duty(struct req *req, struct resp *resp)
{
	struct scope all = { .all = 1 };
	struct skill skills[SKILLS_MAX];
	struct audit_actor actor;
	struct tech_row t;
	size_t n = 0;
	double lat = 0, lon = 0;
	int has_lat, has_lon, on_duty;
	size_t errors;
	char id_text[24];
	json_t *after;
	enum err e;

	e = req_json_check(req, resp, duty_fields);
	if (e != ERR_OK)
		return e;
	errors = problem_count(&resp->problem);
	on_duty = json_is_true(json_object_get(req->json, "on_duty"));
	has_lat = take_coordinate(resp, req->json, "latitude", 90, &lat);
	has_lon = take_coordinate(resp, req->json, "longitude", 180, &lon);
	if (has_lat != has_lon)
		http_invalid(resp, has_lat ? "/longitude" : "/latitude",
			     "give latitude and longitude together");
	if (problem_count(&resp->problem) > errors)
		return ERR_INVALID;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = routing_store_technician_get(req->db, req->user.user_id, &all, &t);
	if (e == ERR_NOT_FOUND) {
		db_rollback(req->db);
		return http_fail(resp, ERR_NOT_FOUND, "no such technician");
	}
	if (e == ERR_OK)
		e = routing_store_duty_set(req->db, t.id, on_duty, has_lat, lat, lon, clock_now());
	if (e == ERR_OK)
		e = routing_store_technician_get(req->db, t.id, &all, &t);
	if (e == ERR_OK) {
		/* Where someone was is personal: the log keeps that a position
		 * was reported, not the position. */
		after = json_pack("{s:b, s:b}", "on_duty", on_duty, "position_reported", has_lat);
		snprintf(id_text, sizeof(id_text), "%lld", (long long)t.id);
		e = after ? audit_append(req->db, &actor, "technician.duty", "user", id_text, NULL,
					 after)
			  : ERR_INTERNAL;
		json_decref(after);
	}
	if (e == ERR_OK)
		e = routing_store_skills(req->db, t.id, skills, SKILLS_MAX, &n);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	resp_json(resp, 200, tech_json(&t, skills_json(skills, n)));
	return ERR_OK;
}

const struct route centres_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/centres/{code}/coverage",
	  .handler = get_coverage,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "PUT",
	  .pattern = "/v1/centres/{code}/coverage",
	  .handler = put_coverage,
	  .perm = PERM_COVERAGE_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/technicians",
	  .handler = get_technicians,
	  .perm = PERM_TECHNICIANS_READ,
	  .query = "limit,cursor,centre" },
	{ .method = "PUT",
	  .pattern = "/v1/technicians/{id}/skills",
	  .handler = put_skills,
	  .perm = PERM_SKILLS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "PUT",
	  .pattern = "/v1/me/duty",
	  .handler = put_duty,
	  .perm = PERM_DUTY,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
