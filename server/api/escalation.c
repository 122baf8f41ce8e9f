/* SLA warnings and escalation: the configuration endpoints (levels and
 * each centre's chain). The watcher job and the ticket's alerts are in
 * server/domain/escalation.c. */
#include "domain/escalation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/escalation_store.h"
#include "api/handler.h"
#include "domain/notify.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "domain/tickets.h"

/* ---- configuration endpoints ------------------------------------------------ */

static json_t *config_json(const struct escalation_config *c)
{
	json_t *warnings = json_array(), *levels = json_array();

	for (int l = 0; l < ESCALATION_LEVELS; l++) {
		json_array_append_new(warnings, json_pack("{s:i, s:i}", "level", l + 1, "percent",
							  c->warning_percent[l]));
		json_array_append_new(levels, json_pack("{s:i, s:i, s:s}", "level", l + 1,
							"after_percent", c->escalation_after[l],
							"name", c->escalation_name[l]));
	}
	return json_pack("{s:o, s:o}", "warnings", warnings, "escalation", levels);
}

static enum err get_levels(struct req *req, struct resp *resp)
{
	struct escalation_config c;
	enum err e = escalation_store_config(req->db, &c);

	if (e == ERR_OK)
		resp_json(resp, 200, config_json(&c));
	return e;
}

static const struct json_field levels_fields[] = {
	{ "warnings", JSON_ARRAY, JF_REQUIRED, 0 },
	{ "escalation", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};
static const struct json_field warning_fields[] = {
	{ "level", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "percent", JSON_INTEGER, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};
static const struct json_field escalation_fields[] = {
	{ "level", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "after_percent", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "name", JSON_STRING, JF_REQUIRED, 63 },
	{ NULL, 0, 0, 0 },
};

/* Three levels each, in order; warnings rise within 1..100 (the last
 * usually at the deadline), escalations never come sooner than the level
 * below. */
static enum err parse_levels(struct req *req, struct resp *resp, struct escalation_config *c)
{
	json_t *warnings = json_object_get(req->json, "warnings");
	json_t *levels = json_object_get(req->json, "escalation");
	char ptr[48];
	enum err e = req_json_check(req, resp, levels_fields);

	if (e != ERR_OK)
		return e;
	if (json_array_size(warnings) != ESCALATION_LEVELS)
		http_invalid(resp, "/warnings", "must list levels 1, 2 and 3");
	if (json_array_size(levels) != ESCALATION_LEVELS)
		http_invalid(resp, "/escalation", "must list levels 1, 2 and 3");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	for (int l = 0; l < ESCALATION_LEVELS; l++) {
		json_t *w = json_array_get(warnings, (size_t)l),
		       *x = json_array_get(levels, (size_t)l);
		snprintf(ptr, sizeof(ptr), "/warnings/%d", l);
		if (registry_json_check(&resp->problem, w, ptr, warning_fields) == ERR_OK) {
			c->warning_percent[l] =
			    (int)json_integer_value(json_object_get(w, "percent"));
			snprintf(ptr, sizeof(ptr), "/warnings/%d/level", l);
			if (json_integer_value(json_object_get(w, "level")) != l + 1)
				http_invalid(resp, ptr, "must be %d", l + 1);
			snprintf(ptr, sizeof(ptr), "/warnings/%d/percent", l);
			if (c->warning_percent[l] < 1 || c->warning_percent[l] > 100 ||
			    (l > 0 && c->warning_percent[l] <= c->warning_percent[l - 1]))
				http_invalid(resp, ptr,
					     "must be 1 to 100 and above the level below");
		}
		snprintf(ptr, sizeof(ptr), "/escalation/%d", l);
		if (registry_json_check(&resp->problem, x, ptr, escalation_fields) == ERR_OK) {
			c->escalation_after[l] =
			    (int)json_integer_value(json_object_get(x, "after_percent"));
			snprintf(ptr, sizeof(ptr), "/escalation/%d/level", l);
			if (json_integer_value(json_object_get(x, "level")) != l + 1)
				http_invalid(resp, ptr, "must be %d", l + 1);
			snprintf(ptr, sizeof(ptr), "/escalation/%d/after_percent", l);
			if (c->escalation_after[l] < 0 || c->escalation_after[l] > 10000 ||
			    (l > 0 && c->escalation_after[l] < c->escalation_after[l - 1]))
				http_invalid(resp, ptr,
					     "must be 0 to 10000 and not below the level below");
			snprintf(ptr, sizeof(ptr), "/escalation/%d", l);
			registry_take_text(&resp->problem, x, ptr, "name", c->escalation_name[l],
					   sizeof(c->escalation_name[0]), TEXT_REQUIRED);
		}
	}
	return problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
}

static enum err put_levels(struct req *req, struct resp *resp)
{
	struct escalation_config before, c;
	struct audit_actor actor;
	json_t *a = NULL, *b = NULL;
	enum err e = parse_levels(req, resp, &c);

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = escalation_store_config(req->db, &before);
	if (e == ERR_OK)
		e = escalation_store_config_put(req->db, &c);
	if (e == ERR_OK) {
		audit_actor_from_req(req, &actor);
		b = config_json(&before);
		a = config_json(&c);
		e = audit_append(req->db, &actor, "escalation.levels", "escalation", "levels", b,
				 a);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	json_decref(b);
	if (e == ERR_OK)
		resp_json(resp, 200, a);
	else
		json_decref(a);
	return e;
}

struct chain_ctx {
	json_t *levels[ESCALATION_LEVELS];
};

static int chain_row(int level, int64_t user_id, const char *username, void *arg)
{
	struct chain_ctx *ctx = arg;

	if (level >= 1 && level <= ESCALATION_LEVELS)
		json_array_append_new(
		    ctx->levels[level - 1],
		    json_pack("{s:I, s:s}", "id", (json_int_t)user_id, "username", username));
	return 0;
}

static enum err chain_json(struct db *db, const char *centre, json_t **out)
{
	struct escalation_config c;
	struct chain_ctx ctx;
	json_t *levels = json_array();
	enum err e = escalation_store_config(db, &c);

	for (int l = 0; l < ESCALATION_LEVELS; l++)
		ctx.levels[l] = json_array();
	if (e == ERR_OK)
		e = escalation_store_chain(db, centre, chain_row, &ctx);
	for (int l = 0; l < ESCALATION_LEVELS; l++)
		json_array_append_new(levels,
				      json_pack("{s:i, s:s, s:o, s:b}", "level", l + 1, "name",
						c.escalation_name[l], "users", ctx.levels[l],
						"default", json_array_size(ctx.levels[l]) == 0));
	*out = json_pack("{s:s, s:o}", "centre", centre, "levels", levels);
	return e;
}

static enum err load_centre(struct req *req, struct resp *resp, struct centre_row *c)
{
	enum err e = regions_store_centre_get(req->db, req->params[0], c);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no centre %s", req->params[0]);
	return e;
}

static enum err get_chain(struct req *req, struct resp *resp)
{
	struct centre_row c;
	json_t *doc = NULL;
	enum err e = load_centre(req, resp, &c);

	if (e == ERR_OK)
		e = chain_json(req->db, c.code, &doc);
	if (e == ERR_OK)
		resp_json(resp, 200, doc);
	else
		json_decref(doc);
	return e;
}

static const struct json_field chain_fields[] = {
	{ "levels", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};
static const struct json_field chain_level_fields[] = {
	{ "level", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "user_ids", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};

#define CHAIN_MAX 60

static enum err parse_chain(struct req *req, struct resp *resp, struct chain_entry *out, size_t *n)
{
	json_t *levels = json_object_get(req->json, "levels"), *lv, *uid;
	char ptr[64];
	size_t i, j;
	enum err e = req_json_check(req, resp, chain_fields);

	*n = 0;
	if (e != ERR_OK)
		return e;
	json_array_foreach(levels, i, lv) {
		json_int_t level;

		snprintf(ptr, sizeof(ptr), "/levels/%zu", i);
		if (registry_json_check(&resp->problem, lv, ptr, chain_level_fields) != ERR_OK)
			continue;
		level = json_integer_value(json_object_get(lv, "level"));
		if (level < 1 || level > ESCALATION_LEVELS) {
			snprintf(ptr, sizeof(ptr), "/levels/%zu/level", i);
			http_invalid(resp, ptr, "must be 1, 2 or 3");
			continue;
		}
		json_array_foreach(json_object_get(lv, "user_ids"), j, uid) {
			snprintf(ptr, sizeof(ptr), "/levels/%zu/user_ids/%zu", i, j);
			if (!json_is_integer(uid) || json_integer_value(uid) < 1) {
				http_invalid(resp, ptr, "must be a user id");
				continue;
			}
			e = escalation_store_user_active(req->db, json_integer_value(uid));
			if (e == ERR_NOT_FOUND) {
				http_invalid(resp, ptr, "no active user %lld",
					     (long long)json_integer_value(uid));
				continue;
			}
			if (e != ERR_OK)
				return e;
			if (*n == CHAIN_MAX) {
				http_invalid(resp, ptr, "at most %d people in a chain", CHAIN_MAX);
				continue;
			}
			out[*n].level = (int)level;
			out[(*n)++].user_id = json_integer_value(uid);
		}
	}
	return problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
}

/* Admins for any centre; supervisors for centres in their region. */
static enum err put_chain(struct req *req, struct resp *resp)
{
	struct chain_entry entries[CHAIN_MAX];
	struct audit_actor actor;
	struct centre_row c;
	json_t *before = NULL, *after = NULL;
	size_t n;
	enum err e = load_centre(req, resp, &c);

	if (e == ERR_OK && !req->user.scope.all &&
	    !registry_path_within(c.region_path, req->user.region_path))
		e = http_fail(resp, ERR_FORBIDDEN, "centre %s is outside your region", c.code);
	if (e == ERR_OK)
		e = parse_chain(req, resp, entries, &n);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = chain_json(req->db, c.code, &before);
	if (e == ERR_OK)
		e = escalation_store_chain_put(req->db, c.code, entries, n);
	if (e == ERR_OK)
		e = chain_json(req->db, c.code, &after);
	if (e == ERR_OK) {
		audit_actor_from_req(req, &actor);
		e = audit_append(req->db, &actor, "centre.escalation", "centre", c.code, before,
				 after);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	json_decref(before);
	if (e == ERR_OK)
		resp_json(resp, 200, after);
	else
		json_decref(after);
	return e;
}

const struct route escalation_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/escalation/levels",
	  .handler = get_levels,
	  .perm = PERM_TICKETS_READ },
	{ .method = "PUT",
	  .pattern = "/v1/escalation/levels",
	  .handler = put_levels,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/centres/{code}/escalation",
	  .handler = get_chain,
	  .perm = PERM_TICKETS_DISPATCH },
	{ .method = "PUT",
	  .pattern = "/v1/centres/{code}/escalation",
	  .handler = put_chain,
	  .perm = PERM_COVERAGE_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
