/* Recurring problems: the detection job that finds the same fault on the
 * same component lot, production batch, design revision or model, and
 * the records quality engineers own (GET /v1/problems, GET and PATCH
 * /v1/problems/{id}). */
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

/* The shared factor: only the members its kind uses. */
static json_t *factor_json(const struct problem_row *p)
{
	const struct problem_factor *f = &p->factor;
	json_t *doc = json_pack("{s:s, s:s}", "kind", problems_kind_name(f->kind), "fault_code",
				f->fault_code);

	if (f->model_id)
		json_object_set_new(
		    doc, "model",
		    json_pack("{s:I, s:s}", "id", (json_int_t)f->model_id, "code", p->model_code));
	switch (f->kind) {
	case PROBLEM_LOT:
		json_object_set_new(doc, "part_number", json_string(f->part_number));
		json_object_set_new(doc, "lot", json_string(f->value));
		break;
	case PROBLEM_BATCH:
		json_object_set_new(doc, "batch", json_string(f->value));
		break;
	case PROBLEM_REVISION:
		json_object_set_new(doc, "design_revision", json_string(f->value));
		break;
	default:
		break;
	}
	return doc;
}

static json_t *problem_json(const struct problem_row *p)
{
	return json_pack(
	    "{s:I, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:I}", "id", (json_int_t)p->id,
	    "status", p->status, "factor", factor_json(p), "owner",
	    p->owner_id
		? json_pack("{s:I, s:s}", "id", (json_int_t)p->owner_id, "username", p->owner)
		: json_null(),
	    "corrective_action", p->corrective_action, "window_days", (json_int_t)p->window_days,
	    "threshold", (json_int_t)p->threshold, "ticket_count", (json_int_t)p->ticket_count,
	    "opened_at", time_or_null(p->opened_at), "updated_at", time_or_null(p->updated_at),
	    "closed_at", time_or_null(p->closed_at), "version", (json_int_t)p->version);
}

/* "fault E101 on lot L7 of part CB-100" */
static void factor_text(const struct problem_row *p, char *out, size_t size)
{
	const struct problem_factor *f = &p->factor;

	switch (f->kind) {
	case PROBLEM_LOT:
		snprintf(out, size, "fault %s on lot %s of part %s", f->fault_code, f->value,
			 f->part_number);
		break;
	case PROBLEM_BATCH:
		snprintf(out, size, "fault %s on production batch %s", f->fault_code, f->value);
		break;
	case PROBLEM_REVISION:
		snprintf(out, size, "fault %s on model %s revision %s", f->fault_code,
			 p->model_code, f->value);
		break;
	default:
		snprintf(out, size, "fault %s on model %s", f->fault_code, p->model_code);
	}
}

/* ---- detection -------------------------------------------------------------- */

struct group_list {
	struct problem_factor *items;
	size_t n, cap;
};

static int group_add(const struct problem_factor *f, int64_t count, void *arg)
{
	struct group_list *l = arg;

	(void)count; /* the ticket list decides: groups of one kind may share tickets */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct problem_factor *p = realloc(l->items, cap * sizeof(*p));

		if (!p)
			return 1;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *f;
	return 0;
}

struct id_pair {
	int64_t ticket_id, asset_id;
};
struct ticket_list {
	struct id_pair *items;
	size_t n, cap;
	int failed;
};

static int ticket_add(int64_t ticket_id, int64_t asset_id, void *arg)
{
	struct ticket_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct id_pair *p = realloc(l->items, cap * sizeof(*p));

		if (!p) {
			l->failed = 1;
			return 1;
		}
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n].ticket_id = ticket_id;
	l->items[l->n].asset_id = asset_id;
	l->n++;
	return 0;
}

struct owners {
	int64_t ids[64];
	size_t n;
};

static int owner_add(int64_t user_id, void *arg)
{
	struct owners *o = arg;

	if (o->n < sizeof(o->ids) / sizeof(o->ids[0]))
		o->ids[o->n++] = user_id;
	return 0;
}

/* Tells the quality owners and webhooks of a new problem, and audits it. */
static enum err announce(struct db *db, int64_t id, const struct ticket_list *tickets)
{
	struct problem_row *p = malloc(sizeof(*p));
	struct owners owners = { 0 };
	struct audit_actor actor = { 0, "scheduler", "problems_detect", "local" };
	char title[512], what[400], key[64], ids[24];
	json_t *data = NULL, *list = json_array();
	enum err e = p && list ? problems_store_get(db, id, p) : ERR_INTERNAL;

	for (size_t i = 0; e == ERR_OK && i < tickets->n; i++)
		json_array_append_new(list, json_integer(tickets->items[i].ticket_id));
	if (e == ERR_OK) {
		factor_text(p, what, sizeof(what));
		snprintf(title, sizeof(title), "Recurring problem #%lld: %s (%zu tickets)",
			 (long long)id, what, tickets->n);
		data = json_pack("{s:I, s:o, s:O, s:s}", "problem_id", (json_int_t)id, "factor",
				 factor_json(p), "ticket_ids", list, "summary", what);
		e = data ? problems_store_owners(db, owner_add, &owners) : ERR_INTERNAL;
	}
	for (size_t i = 0; e == ERR_OK && i < owners.n; i++) {
		snprintf(key, sizeof(key), "problem.opened:%lld:%lld", (long long)id,
			 (long long)owners.ids[i]);
		e = notify_user(db, owners.ids[i], "problem.opened", title, data, key);
	}
	if (e == ERR_OK)
		e = notify_event(db, "problem.opened", data);
	if (e == ERR_OK) {
		snprintf(ids, sizeof(ids), "%lld", (long long)id);
		e = audit_append(db, &actor, "problem.open", "problem", ids, NULL, data);
	}
	json_decref(data);
	json_decref(list);
	free(p);
	return e;
}

/* One group: attach its new tickets to its open problem, or open one when
 * they reach the threshold. *opened counts problems opened. */
static enum err detect_group(struct db *db, const struct problem_factor *f,
			     const struct problem_settings *s, int64_t since, int64_t now,
			     size_t *opened, size_t *attached)
{
	struct ticket_list l = { 0 };
	int64_t id = 0;
	int is_new = 0;
	enum err e = problems_store_find_open(db, f, &id);

	if (e == ERR_NOT_FOUND) {
		id = 0;
		e = ERR_OK;
	}
	if (e == ERR_OK)
		e = problems_store_group_tickets(db, f, since, ticket_add, &l);
	if (e == ERR_OK && l.failed)
		e = ERR_INTERNAL;
	if (e != ERR_OK || l.n == 0 || (!id && (int64_t)l.n < s->threshold))
		goto out;
	if (!id) {
		e = problems_store_insert(db, f, s, now, &id);
		is_new = 1;
	}
	for (size_t i = 0; e == ERR_OK && i < l.n; i++)
		e = problems_store_attach(db, id, l.items[i].ticket_id, l.items[i].asset_id, now);
	if (e == ERR_OK && is_new) {
		e = announce(db, id, &l);
		(*opened)++;
	} else if (e == ERR_OK) {
		*attached += l.n;
	}
out:
	free(l.items);
	return e;
}

enum err problems_detect_run(struct db *db, int64_t now)
{
	struct problem_settings s;
	struct group_list groups = { 0 };
	size_t opened = 0, attached = 0;
	int64_t since;
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = problems_store_settings(db, &s);
	if (e == ERR_OK && s.run_every_minutes && s.last_run_at && now >= s.last_run_at &&
	    now - s.last_run_at < s.run_every_minutes * 60) {
		db_rollback(db); /* not due yet */
		return ERR_OK;
	}
	since = now - s.window_days * 86400;
	/* Most specific first: a ticket explained by a lot is not counted
	 * again for its batch, revision or model. */
	for (int k = 0; e == ERR_OK && k < PROBLEM__KINDS; k++) {
		groups.n = 0;
		e = problems_store_groups(db, (enum problem_kind)k, since, group_add, &groups);
		for (size_t i = 0; e == ERR_OK && i < groups.n; i++)
			e = detect_group(db, &groups.items[i], &s, since, now, &opened, &attached);
	}
	if (e == ERR_OK)
		e = problems_store_mark_run(db, now);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	else if (opened || attached)
		log_info("problems: %zu opened, %zu ticket%s added to open problems", opened,
			 attached, attached == 1 ? "" : "s");
	free(groups.items);
	return e;
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
