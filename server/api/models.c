/* The catalogue: product lines and models (design revision, key
 * specifications, document references, optional GTIN). Catalogue data is
 * not scoped: every role that reads the registry reads all of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "domain/registry.h"
#include "api/routes.h"

#define Q_MAX 64
#define MODEL_NAME_MAX 127 /* fits the public nameplate (struct asset_public) */
#define DOCUMENTS_MAX 50
#define DOC_TITLE_MAX 200
#define DOC_URL_MAX 1000

/* ---- product lines ------------------------------------------------------- */

static enum err post_line(struct req *req, struct resp *resp)
{
	struct product_line_row in;
	struct audit_actor actor;
	enum err e;

	e = product_lines_parse(req->json, &in, &resp->problem);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = product_lines_create_locked(req->db, &actor, &in);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a product line with code %s already exists", in.code);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 201, product_lines_json(&in));
	return ERR_OK;
}

struct line_ctx {
	json_t *items;
	int limit;
	int more;
	char last[REG_LINE_SIZE];
};

static int line_row(const struct product_line_row *p, void *arg)
{
	struct line_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, product_lines_json(p));
	snprintf(ctx->last, sizeof(ctx->last), "%s", p->code);
	return 0;
}

static enum err get_lines(struct req *req, struct resp *resp)
{
	struct line_ctx ctx = { 0 };
	struct page page;
	enum err e;

	e = req_page(req, resp, &page);
	if (e != ERR_OK)
		return e;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = registry_product_line_list(req->db, page.has_after ? page.after : NULL, page.limit + 1,
				       line_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	resp_page(resp, ctx.items, ctx.more ? ctx.last : NULL);
	return ERR_OK;
}

/* ---- models -------------------------------------------------------------- */

/* A unique violation on models is its code or its GTIN: say which. */
static enum err model_conflict(struct req *req, struct resp *resp, const struct model_row *m)
{
	struct model_row *other = calloc(1, sizeof(*other));
	int code_taken;

	if (!other)
		return ERR_INTERNAL;
	code_taken = registry_model_get(req->db, 0, m->code, other) == ERR_OK && other->id != m->id;
	free(other);
	if (code_taken)
		return http_fail(resp, ERR_CONFLICT, "a model with code %s already exists",
				 m->code);
	return http_fail(resp, ERR_CONFLICT, "a model with GTIN %s already exists", m->gtin);
}

static enum err post_model(struct req *req, struct resp *resp)
{
	struct model_row *in = calloc(1, sizeof(*in));
	struct audit_actor actor;
	char location[48];
	int64_t id = 0;
	enum err e;

	if (!in)
		return ERR_INTERNAL;
	e = models_parse(req->db, req->json, in, &resp->problem);
	if (e != ERR_OK)
		goto out;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = models_create_locked(req->db, &actor, in, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT) {
		db_rollback(req->db);
		e = model_conflict(req, resp, in);
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	e = registry_model_get(req->db, id, NULL, in);
	if (e != ERR_OK)
		goto out;
	snprintf(location, sizeof(location), "/v1/models/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, models_json(in));
out:
	free(in);
	return e;
}

struct model_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int model_row_add(const struct model_row *m, void *arg)
{
	struct model_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, models_json(m));
	ctx->last_id = m->id;
	return 0;
}

static enum err get_models(struct req *req, struct resp *resp)
{
	struct model_filter f = { 0 };
	struct model_ctx ctx = { 0 };
	struct page page;
	int64_t after = 0;
	char next[24];
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	f.product_line = req_query(req, "product_line");
	if (f.product_line && (!f.product_line[0] || strlen(f.product_line) >= REG_LINE_SIZE))
		e = http_invalid(resp, "product_line", "must be 1 to %d bytes", REG_LINE_SIZE - 1);
	f.q = req_query(req, "q");
	if (f.q && (!f.q[0] || strlen(f.q) > Q_MAX))
		e = http_invalid(resp, "q", "must be 1 to %d bytes", Q_MAX);
	if (e != ERR_OK)
		return e;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = registry_model_list(req->db, &f, after, page.limit + 1, model_row_add, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

static enum err load_model(struct req *req, struct resp *resp, struct model_row *out)
{
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	e = registry_model_get(req->db, id, NULL, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such model");
	return e;
}

static enum err get_model(struct req *req, struct resp *resp)
{
	struct model_row *m = calloc(1, sizeof(*m));
	enum err e;

	if (!m)
		return ERR_INTERNAL;
	e = load_model(req, resp, m);
	if (e == ERR_OK)
		resp_json(resp, 200, models_json(m));
	free(m);
	return e;
}

static enum err patch_model(struct req *req, struct resp *resp)
{
	struct model_row *old = calloc(1, sizeof(*old)), *in = calloc(1, sizeof(*in));
	struct audit_actor actor;
	char id[24];
	json_t *before = NULL, *after = NULL;
	enum err e;

	if (!old || !in) {
		e = ERR_INTERNAL;
		goto out;
	}
	/* Read, check and write under the write lock, so concurrent changes
	 * apply one after the other, each to the state the last one left
	 * (comparing updated_at after the lock missed two changes within one
	 * second). A failure rolls back in the dispatcher. */
	e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load_model(req, resp, old);
	if (e != ERR_OK)
		goto out;
	if (json_object_size(req->json) == 0) {
		e = http_invalid(resp, "", "send at least one member to change");
		goto out;
	}
	*in = *old;
	e = models_apply(req->db, req->json, 0, in, &resp->problem);
	if (e != ERR_OK)
		goto out;
	in->updated_at = clock_now();
	audit_actor_from_req(req, &actor);
	if ((e = registry_model_update(req->db, in)) == ERR_CONFLICT) {
		db_rollback(req->db);
		e = model_conflict(req, resp, in);
	}
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)old->id);
		before = models_json(old);
		after = models_json(in);
		e = before && after
			? audit_append(req->db, &actor, "model.update", "model", id, before, after)
			: ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_OK)
		resp_json(resp, 200, models_json(in));
out:
	json_decref(before);
	json_decref(after);
	free(old);
	free(in);
	return e;
}

const struct route models_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/product-lines",
	  .handler = get_lines,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor" },
	{ .method = "POST",
	  .pattern = "/v1/product-lines",
	  .handler = post_line,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/models",
	  .handler = get_models,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor,product_line,q" },
	{ .method = "POST",
	  .pattern = "/v1/models",
	  .handler = post_model,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/models/{id}",
	  .handler = get_model,
	  .perm = PERM_REGISTRY_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/models/{id}",
	  .handler = patch_model,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
