/* Sites (projects) of customers: where units are installed. A site's region
 * decides who sees it and the assets installed there; moving a site (new
 * region or customer) moves its assets' copied region path and customer. */
#include <stdio.h>
#include <string.h>

#include "db/assets_store.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "api/routes.h"

#define Q_MAX 64

static enum err post_site(struct req *req, struct resp *resp)
{
	struct site_row in, row;
	struct audit_actor actor;
	struct scope all = { .all = 1 };
	char location[48];
	int64_t id = 0;
	enum err e;

	e = sites_parse(req->db, &req->user, req->json, &in, &resp->problem);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = sites_create_locked(req->db, &actor, &in, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a site with code %s already exists", in.code);
	if (e != ERR_OK)
		return e;
	e = registry_site_get(req->db, id, &all, &row);
	if (e != ERR_OK)
		return e;
	snprintf(location, sizeof(location), "/v1/sites/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, sites_json(&row));
	return ERR_OK;
}

struct list_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int list_row(const struct site_row *s, void *arg)
{
	struct list_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, sites_json(s));
	ctx->last_id = s->id;
	return 0;
}

static enum err get_sites(struct req *req, struct resp *resp)
{
	const char *customer = req_query(req, "customer"), *region = req_query(req, "region");
	struct site_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct region_row r;
	struct page page;
	struct scope sc;
	char hi[REG_PATH_SIZE];
	int64_t after = 0;
	char next[24];
	enum err e, found;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (customer && registry_parse_id(customer, &f.customer_id) < 0)
		e = http_invalid(resp, "customer", "must be a customer id");
	if (region) {
		found = regions_store_get(req->db, region, &r);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "region", "no such region");
		else if (found != ERR_OK)
			return found;
		else {
			/* The subtree [path, path with its last '/' as '0'). */
			snprintf(hi, sizeof(hi), "%s", r.path);
			hi[strlen(hi) - 1] = '0';
			f.region_lo = r.path;
			f.region_hi = hi;
		}
	}
	f.q = req_query(req, "q");
	if (f.q && (!f.q[0] || strlen(f.q) > Q_MAX))
		e = http_invalid(resp, "q", "must be 1 to %d bytes", Q_MAX);
	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = registry_site_list(req->db, &sc, &f, after, page.limit + 1, list_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

static enum err load_site(struct req *req, struct resp *resp, struct site_row *out)
{
	struct scope sc;
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	e = registry_site_get(req->db, id, &sc, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such site");
	return e;
}

static enum err get_site(struct req *req, struct resp *resp)
{
	struct site_row s;
	enum err e = load_site(req, resp, &s);

	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, sites_json(&s));
	return ERR_OK;
}

static enum err patch_site(struct req *req, struct resp *resp)
{
	struct site_row old, in;
	struct audit_actor actor;
	char id[24];
	json_t *before = NULL, *after = NULL;
	enum err e;

	/* Read, check and write under the write lock, so concurrent changes
	 * apply one after the other, each to the state the last one left (a
	 * check of updated_at after the lock answered 409 to changes that
	 * could have waited, and missed two within one second). A failure
	 * rolls back in the dispatcher. */
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = load_site(req, resp, &old);
	if (e != ERR_OK)
		return e;
	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "", "send at least one member to change");
	in = old;
	e = sites_apply(req->db, &req->user, req->json, 0, &in, &resp->problem);
	if (e != ERR_OK)
		return e;
	in.updated_at = clock_now();

	audit_actor_from_req(req, &actor);
	e = registry_site_update(req->db, &in);
	/* The assets installed here carry the site's customer and region path. */
	if (e == ERR_OK &&
	    (in.customer_id != old.customer_id || strcmp(in.region, old.region) != 0))
		e = assets_store_site_moved(req->db, in.id, in.customer_id, in.region_path,
					    in.updated_at);
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)old.id);
		before = sites_json(&old);
		after = sites_json(&in);
		e = before && after
			? audit_append(req->db, &actor, "site.update", "site", id, before, after)
			: ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	json_decref(after);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a site with code %s already exists", in.code);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, sites_json(&in));
	return ERR_OK;
}

const struct route sites_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/sites",
	  .handler = get_sites,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor,customer,region,q" },
	{ .method = "POST",
	  .pattern = "/v1/sites",
	  .handler = post_site,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/sites/{id}",
	  .handler = get_site,
	  .perm = PERM_REGISTRY_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/sites/{id}",
	  .handler = patch_site,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
