/* Recurring problems: the records quality engineers own (GET /v1/problems,
 * GET and PATCH /v1/problems/{id}). The detection job is in
 * server/domain/problems.c. */
#include "domain/problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "core/log.h"
#include "domain/notify.h"
#include "db/problems_store.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "domain/tickets.h"

#define CORRECTIVE_MAX 2000

/* ---- JSON ------------------------------------------------------------------ */

static json_t *time_or_null(int64_t t)
{
	char s[32];

	if (!t)
		return json_null();
	clock_format(t, s, sizeof(s));
	return json_string(s);
}

static json_t *problem_json(const struct problem_row *p)
{
	return json_pack(
	    "{s:I, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:I}", "id", (json_int_t)p->id,
	    "status", p->status, "factor", problems_factor_json(p), "owner",
	    p->owner_id
		? json_pack("{s:I, s:s}", "id", (json_int_t)p->owner_id, "username", p->owner)
		: json_null(),
	    "corrective_action", p->corrective_action, "window_days", (json_int_t)p->window_days,
	    "threshold", (json_int_t)p->threshold, "ticket_count", (json_int_t)p->ticket_count,
	    "opened_at", time_or_null(p->opened_at), "updated_at", time_or_null(p->updated_at),
	    "closed_at", time_or_null(p->closed_at), "version", (json_int_t)p->version);
}

/* ---- endpoints ---------------------------------------------------------------- */

static const char *const statuses[] = { "open", "investigating", "corrective_action", "closed",
					NULL };

static int one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

struct list_ctx {
	json_t *items;
	int limit, count, more;
	int64_t last_id;
};

static int list_row(const struct problem_row *p, void *arg)
{
	struct list_ctx *ctx = arg;

	if (ctx->count == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, problem_json(p));
	ctx->count++;
	ctx->last_id = p->id;
	return 0;
}

static enum err get_problems(struct req *req, struct resp *resp)
{
	struct list_ctx ctx = { 0 };
	struct page page;
	const char *status = req_query(req, "status");
	int64_t before = 0;
	char next[24];
	enum err e = req_page(req, resp, &page);

	if (page.has_after && registry_parse_id(page.after, &before) < 0)
		http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (status && !one_of(status, statuses))
		http_invalid(resp, "status",
			     "must be open, investigating, corrective_action or closed");
	if (e != ERR_OK || problem_count(&resp->problem))
		return ERR_INVALID;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = problems_store_list(req->db, status, before, page.limit + 1, list_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

struct detail_ctx {
	json_t *tickets, *assets;
};

static int detail_ticket(const struct problem_ticket *t, void *arg)
{
	struct detail_ctx *ctx = arg;
	char number[24];
	size_t i;
	json_t *a;

	tickets_number(t->ticket_id, number);
	json_array_append_new(
	    ctx->tickets,
	    json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id",
		      (json_int_t)t->ticket_id, "number", number, "status", t->status, "asset_id",
		      t->asset_id ? json_integer(t->asset_id) : json_null(), "region_path",
		      t->region_path, "centre", t->centre[0] ? json_string(t->centre) : json_null(),
		      "created_at", time_or_null(t->created_at), "resolved_at",
		      time_or_null(t->resolved_at), "added_at", time_or_null(t->added_at)));
	if (!t->asset_id)
		return 0;
	json_array_foreach(ctx->assets, i, a)
		if (json_integer_value(json_object_get(a, "id")) == t->asset_id)
			return 0;
	json_array_append_new(ctx->assets, json_pack("{s:I, s:s}", "id", (json_int_t)t->asset_id,
						     "serial", t->serial));
	return 0;
}

/* The problem with its tickets and units, and its ETag. */
static enum err answer_problem(struct req *req, struct resp *resp, int64_t id)
{
	struct problem_row *p = malloc(sizeof(*p));
	struct detail_ctx ctx = { json_array(), json_array() };
	char etag[32];
	json_t *doc;
	enum err e = p ? problems_store_get(req->db, id, p) : ERR_INTERNAL;

	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no problem %lld", (long long)id);
	if (e == ERR_OK)
		e = problems_store_tickets(req->db, id, detail_ticket, &ctx);
	if (e == ERR_OK) {
		doc = problem_json(p);
		json_object_set_new(doc, "tickets", ctx.tickets);
		json_object_set_new(doc, "assets", ctx.assets);
		ctx.tickets = ctx.assets = NULL;
		snprintf(etag, sizeof(etag), "\"v%lld\"", (long long)p->version);
		resp_header(resp, "ETag", etag);
		resp_json(resp, 200, doc);
	}
	json_decref(ctx.tickets);
	json_decref(ctx.assets);
	free(p);
	return e;
}

static enum err get_problem(struct req *req, struct resp *resp)
{
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	return e == ERR_OK ? answer_problem(req, resp, id) : e;
}

static const struct json_field patch_fields[] = {
	{ "owner_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "status", JSON_STRING, 0, 24 },
	{ "corrective_action", JSON_STRING, 0, CORRECTIVE_MAX },
	{ NULL, 0, 0, 0 },
};

/* Plain text: line breaks and tabs, no other control characters. */
static int text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t')
			return 0;
	return 1;
}

/* Validates the body against the problem as it is and applies it to p. */
static enum err patch_apply(struct req *req, struct resp *resp, struct problem_row *p)
{
	json_t *owner = json_object_get(req->json, "owner_id");
	const char *status = req_json_str(req, "status");
	const char *action = req_json_str(req, "corrective_action");

	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "",
				    "name at least one of owner_id, status, "
				    "corrective_action");
	if (json_is_null(json_object_get(req->json, "status")))
		http_invalid(resp, "/status", "must be a status, not null");
	if (json_is_null(json_object_get(req->json, "corrective_action")))
		http_invalid(resp, "/corrective_action", "must be text, not null");
	if (status && !one_of(status, statuses))
		http_invalid(resp, "/status",
			     "must be open, investigating, corrective_action or closed");
	if (action && !text_ok(action))
		http_invalid(resp, "/corrective_action", "holds control characters");
	if (json_is_integer(owner)) {
		json_int_t v = json_integer_value(owner);
		enum err e = v > 0 ? problems_store_user_ok(req->db, (int64_t)v) : ERR_NOT_FOUND;

		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "/owner_id", "is not an enabled user");
		else if (e != ERR_OK)
			return e;
		p->owner_id = (int64_t)v;
	} else if (json_is_null(owner)) {
		p->owner_id = 0;
	}
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	if (strcmp(p->status, "closed") == 0)
		return http_fail(resp, ERR_CONFLICT,
				 "problem %lld is closed; closed problems are "
				 "final (a recurrence opens a new one)",
				 (long long)p->id);
	if (action)
		snprintf(p->corrective_action, sizeof(p->corrective_action), "%s", action);
	if (status)
		snprintf(p->status, sizeof(p->status), "%s", status);
	if ((strcmp(p->status, "corrective_action") == 0 || strcmp(p->status, "closed") == 0) &&
	    registry_blank(p->corrective_action))
		return http_invalid(resp, "/corrective_action",
				    "say what was done before the status is %s", p->status);
	p->updated_at = clock_now();
	p->closed_at = strcmp(p->status, "closed") == 0 ? p->updated_at : 0;
	return ERR_OK;
}

static enum err patch_problem(struct req *req, struct resp *resp)
{
	struct problem_row *p = malloc(sizeof(*p));
	struct audit_actor actor;
	json_t *before = NULL, *after = NULL;
	char tag[32], ids[24];
	int64_t id;
	enum err e = p ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = req_json_check(req, resp, patch_fields);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = problems_store_get(req->db, id, p);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no problem %lld", (long long)id);
	if (e == ERR_OK) {
		snprintf(tag, sizeof(tag), "\"v%lld\"", (long long)p->version);
		if (!req_if_match(req, tag)) {
			/* The problem as it is goes with the refusal, to merge. */
			json_decref(resp->problem.extra);
			resp->problem.extra = json_pack("{s:o}", "current", problem_json(p));
			resp_header(resp, "ETag", tag);
			e = http_fail(resp, ERR_PRECONDITION, "the problem changed (now %s)", tag);
		}
	}
	if (e == ERR_OK) {
		before = problem_json(p);
		e = patch_apply(req, resp, p);
	}
	if (e == ERR_OK)
		e = problems_store_update(req->db, p);
	if (e == ERR_OK) {
		p->version++;
		after = problem_json(p);
		audit_actor_from_req(req, &actor);
		snprintf(ids, sizeof(ids), "%lld", (long long)id);
		e = audit_append(req->db, &actor, "problem.update", "problem", ids, before, after);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	e = answer_problem(req, resp, id);
out:
	json_decref(before);
	json_decref(after);
	free(p);
	return e;
}

const struct route problems_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/problems",
	  .handler = get_problems,
	  .perm = PERM_PROBLEMS_READ,
	  .query = "status,limit,cursor" },
	{ .method = "GET",
	  .pattern = "/v1/problems/{id}",
	  .handler = get_problem,
	  .perm = PERM_PROBLEMS_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/problems/{id}",
	  .handler = patch_problem,
	  .perm = PERM_PROBLEMS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
