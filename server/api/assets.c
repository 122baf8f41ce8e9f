/* Installed units: registering them with their production, procurement,
 * installation and warranty facts; the whole trace a scan answers with;
 * their timeline; listing and search within the caller's scope.
 *
 * Derived facts are computed here, never taken from the client: the
 * customer and region path come from the site, the warranty starts on the
 * given date or else on acceptance, and ends `months` calendar months
 * later (the day clamped to the month's end), the first day without cover.
 *
 * version counts changes to what the trace shows of the asset itself: a
 * PATCH, a move of its site, and every event appended through
 * asset_timeline_append() bump it, so ETag "v<version>" changes with them. */
#include "domain/assets.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/assets_store.h"
#include "core/clock.h"
#include "domain/customers.h"
#include "db/db.h"
#include "core/jsonw.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "db/regions_store.h"
#include "api/reveal.h"
#include "domain/registry.h"
#include "api/warranty.h"
#include "domain/warranty.h"
#include "api/routes.h"
#include "domain/tickets.h"
#include "db/tickets_store.h"

static void etag_header(struct resp *resp, int64_t version)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"v%lld\"", (long long)version);
	resp_header(resp, "ETag", etag);
}

/* Answers the trace of asset id (read within sc) with its ETag; the
 * customer's contacts unmasked and audited when reveal. */
static enum err answer_trace(struct req *req, struct resp *resp, int64_t id, const struct scope *sc,
			     int status, int reveal)
{
	struct asset_trace_info info;
	enum err e;

	resp->body.len = 0;
	e = assets_trace_write_in(req->db, sc, id, TRACE_LATEST_EVENTS, reveal, &resp->body, &info);
	if (e == ERR_OK && reveal && info.contacts > 0)
		e = registry_audit_reveal(req, &info.customer_id, 1, id);
	if (e != ERR_OK) {
		resp->body.len = 0;
		return e;
	}
	etag_header(resp, info.version);
	resp->status = status;
	resp->content_type = "application/json";
	return ERR_OK;
}

static enum err post_asset(struct req *req, struct resp *resp)
{
	struct asset_input *in = malloc(sizeof(*in));
	struct audit_actor actor;
	struct scope all = { .all = 1 };
	char location[48];
	int64_t id = 0;
	enum err e;

	if (!in) {
		e = ERR_INTERNAL;
		goto out;
	}
	e = assets_parse(req->db, &req->user, req->json, in, &resp->problem);
	if (e != ERR_OK)
		goto out;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = assets_create_locked(req->db, &actor, in, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT) {
		e = http_fail(resp, e, "an asset with serial %s already exists", in->row.serial);
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	snprintf(location, sizeof(location), "/v1/assets/%lld", (long long)id);
	resp_header(resp, "Location", location);
	e = answer_trace(req, resp, id, &all, 201, 0);
out:
	free(in);
	return e;
}

static enum err load_asset(struct req *req, struct resp *resp, struct asset_row *out)
{
	struct scope sc;
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	e = assets_store_get(req->db, id, &sc, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such asset");
	return e;
}

static enum err get_asset(struct req *req, struct resp *resp)
{
	struct scope sc;
	int64_t id;
	int reveal = 0;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	/* An asset the caller cannot see is "no such asset" before a bad
	 * ?reveal is named. */
	if (req_query(req, "reveal")) {
		e = assets_store_in_scope(req->db, id, &sc);
		if (e == ERR_OK)
			e = registry_reveal_param(req, resp, &reveal);
	}
	if (e == ERR_OK)
		e = answer_trace(req, resp, id, &sc, 200, reveal);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such asset");
	return e;
}

/* The member of a PATCH that set the warranty's end: its months, else its
 * start, else the acceptance it starts from. */
static const char *warranty_pointer(const json_t *body)
{
	const json_t *w = json_object_get(body, "warranty");

	if (json_object_get(w, "months"))
		return "/warranty/months";
	if (json_object_get(w, "start"))
		return "/warranty/start";
	return "/installation/accepted_at";
}

static enum err patch_asset(struct req *req, struct resp *resp)
{
	struct asset_input *in = malloc(sizeof(*in));
	struct asset_row *old = malloc(sizeof(*old));
	struct audit_actor actor;
	enum err e;

	if (!in || !old) {
		e = ERR_INTERNAL;
		goto out;
	}
	/* Read, check and write under the write lock: concurrent changes to
	 * one asset then apply one after the other, each to the state the
	 * last one left, and If-Match is compared with the version that is
	 * really replaced. (Validating before the lock and comparing versions
	 * after it answered 409 to changes that could simply have waited.) A
	 * failure rolls back in the dispatcher. */
	e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load_asset(req, resp, old);
	if (e != ERR_OK)
		goto out;
	if (!req_if_match_version(req, old->version)) {
		/* The current trace goes with the refusal, so a device can merge. */
		json_t *trace = NULL;

		e = assets_trace_json(req->db, &req->user, old->id, TRACE_LATEST_EVENTS, 0, &trace);
		if (e != ERR_OK)
			goto out;
		json_decref(resp->problem.extra);
		resp->problem.extra = json_pack("{s:o}", "current", trace);
		etag_header(resp, old->version);
		e = http_fail(resp, ERR_PRECONDITION, "the asset is no longer at that version");
		goto out;
	}
	if (json_object_size(req->json) == 0) {
		e = http_invalid(resp, "", "send at least one member to change");
		goto out;
	}
	audit_actor_from_req(req, &actor);
	e = assets_update_locked(req->db, &actor, &req->user, req->json, old, in, &resp->problem);
	/* Renewals stand: a change may not end the warranty before them. */
	if (e == ERR_OK)
		e = warranty_change_check(req->db, resp, old->id, old->warranty_end,
					  in->row.warranty_end, warranty_pointer(req->json));
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		goto out;
	/* Read back as written (writers only pick sites within their scope). */
	{
		struct scope all = { .all = 1 };

		e = answer_trace(req, resp, old->id, &all, 200, 0);
	}
out:
	free(in);
	free(old);
	return e;
}

struct list_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t now;
	struct asset_pos last;
};

static int list_row(const struct asset_summary *s, void *arg)
{
	struct list_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, assets_summary_json(s, ctx->now));
	ctx->last.after_id = s->id;
	snprintf(ctx->last.after_path, sizeof(ctx->last.after_path), "%s", s->region_path);
	return 0;
}

/* Cursors are "<id>|<region path>": listings ordered by id read the id,
 * those ordered by region path read both. */
static int cursor_parse(const char *s, struct asset_pos *pos)
{
	const char *bar = strchr(s, '|');
	char id[24];

	memset(pos, 0, sizeof(*pos));
	if (!bar || (size_t)(bar - s) >= sizeof(id) || strlen(bar + 1) >= sizeof(pos->after_path))
		return -1;
	memcpy(id, s, (size_t)(bar - s));
	id[bar - s] = '\0';
	if (registry_parse_id(id, &pos->after_id) < 0)
		return -1;
	snprintf(pos->after_path, sizeof(pos->after_path), "%s", bar + 1);
	return 0;
}

static enum err get_assets(struct req *req, struct resp *resp)
{
	const char *model = req_query(req, "model"), *region = req_query(req, "region");
	const char *customer = req_query(req, "customer"), *site = req_query(req, "site");
	struct asset_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct asset_pos pos = { 0 };
	struct region_row r;
	struct page page;
	struct scope sc;
	char hi[REG_PATH_SIZE], next[REG_PATH_SIZE + 32];
	enum err e, found;

	e = req_page(req, resp, &page);
	if (page.has_after && cursor_parse(page.after, &pos) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	f.serial = req_query(req, "serial");
	if (f.serial && (!f.serial[0] || strlen(f.serial) >= ASSET_SERIAL_SIZE))
		e = http_invalid(resp, "serial", "must be 1 to %d bytes", ASSET_SERIAL_SIZE - 1);
	f.serial_prefix = req_query(req, "serial_prefix");
	if (f.serial_prefix &&
	    (strlen(f.serial_prefix) < 3 || strlen(f.serial_prefix) >= ASSET_SERIAL_SIZE ||
	     !registry_code_chars_ok(f.serial_prefix)))
		e = http_invalid(resp, "serial_prefix", "must be 3 to %d of A-Z a-z 0-9 . _ -",
				 ASSET_SERIAL_SIZE - 1);
	f.batch = req_query(req, "batch");
	if (f.batch && (!f.batch[0] || strlen(f.batch) >= ASSET_FIELD_SIZE))
		e = http_invalid(resp, "batch", "must be 1 to %d bytes", ASSET_FIELD_SIZE - 1);
	if (customer && registry_parse_id(customer, &f.customer_id) < 0)
		e = http_invalid(resp, "customer", "must be a customer id");
	if (site && registry_parse_id(site, &f.site_id) < 0)
		e = http_invalid(resp, "site", "must be a site id");
	if (model) {
		struct model_row *m = malloc(sizeof(*m));

		found = m ? registry_model_get(req->db, 0, model, m) : ERR_INTERNAL;
		if (found == ERR_OK)
			f.model_id = m->id;
		free(m);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "model", "no such model");
		else if (found != ERR_OK)
			return found;
	}
	if (region) {
		found = regions_store_get(req->db, region, &r);
		if (found == ERR_NOT_FOUND) {
			e = http_invalid(resp, "region", "no such region");
		} else if (found != ERR_OK) {
			return found;
		} else {
			snprintf(hi, sizeof(hi), "%s", r.path);
			hi[strlen(hi) - 1] = '0'; /* the subtree [path, path with '/' -> '0') */
			f.region_lo = r.path;
			f.region_hi = hi;
		}
	}
	if (e != ERR_OK)
		return e;

	sc = req->user.scope;
	ctx.items = json_array();
	ctx.limit = page.limit;
	ctx.now = clock_now();
	e = assets_store_list(req->db, &sc, &f, page.has_after ? &pos : NULL, page.limit + 1,
			      list_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld|%s", (long long)ctx.last.after_id, ctx.last.after_path);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* Timeline cursors are "<at>:<id>" of the last event shown. */
struct events_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_at;
	int64_t last_id;
};

static json_t *event_json(const struct asset_event *ev)
{
	char at[32];
	json_t *detail = json_loads(ev->detail, 0, NULL);

	clock_format(ev->at, at, sizeof(at));
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)ev->id, "at", at,
			 "kind", ev->kind, "summary", ev->summary, "detail",
			 detail ? detail : json_object(), "actor_id",
			 ev->actor_id ? json_integer(ev->actor_id) : json_null());
}
static int event_add(const struct asset_event *ev, void *arg)
{
	struct events_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, event_json(ev));
	ctx->last_at = ev->at;
	ctx->last_id = ev->id;
	return 0;
}

static int event_cursor_parse(const char *s, int64_t *at, int64_t *id)
{
	const char *colon = strchr(s, ':');
	char num[24], again[24];
	char *end;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(colon - s));
	num[colon - s] = '\0';
	*at = strtoll(num, &end, 10);
	if (*end || (num[0] == '-' && !num[1]))
		return -1;
	/* Only the spelling get_timeline writes (no sign, space, zeros). */
	snprintf(again, sizeof(again), "%lld", (long long)*at);
	if (strcmp(again, num) != 0)
		return -1;
	return registry_parse_id(colon + 1, id);
}

static enum err get_timeline(struct req *req, struct resp *resp)
{
	struct asset_row *a = malloc(sizeof(*a));
	struct events_ctx ctx = { 0 };
	struct page page;
	int64_t before_at = 0, before_id = 0;
	char next[48];
	enum err e;

	if (!a)
		return ERR_INTERNAL;
	e = load_asset(req, resp, a);
	if (e != ERR_OK)
		goto out;
	e = req_page(req, resp, &page);
	if (page.has_after && event_cursor_parse(page.after, &before_at, &before_id) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (e != ERR_OK)
		goto out;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = assets_store_events(req->db, a->id, page.has_after, before_at, before_id,
				page.limit + 1, event_add, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		goto out;
	}
	snprintf(next, sizeof(next), "%lld:%lld", (long long)ctx.last_at, (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
out:
	free(a);
	return e;
}

const struct route assets_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/assets",
	  .handler = get_assets,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor,serial,serial_prefix,customer,site,model,batch,region" },
	{ .method = "POST",
	  .pattern = "/v1/assets",
	  .handler = post_asset,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/assets/{id}",
	  .handler = get_asset,
	  .perm = PERM_REGISTRY_READ,
	  .query = "reveal" },
	{ .method = "PATCH",
	  .pattern = "/v1/assets/{id}",
	  .handler = patch_asset,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/assets/{id}/timeline",
	  .handler = get_timeline,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor" },
	{ 0 },
};
