/* Reference data every role may read: the region tree and the service
 * centres. No scope filter applies. Admins create and change them (the
 * rules in server/domain/regions.c); the demo loader seeds them. */
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/regions_store.h"
#include "domain/regions.h"
#include "api/routes.h"

/* Collects one page plus one row: the extra row says another page follows. */
struct page_ctx {
	json_t *items;
	int limit;
	int more;
	char last[256]; /* key of the last item kept */
};

static int region_item(const struct region_row *r, void *arg)
{
	struct page_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, regions_json(r));
	snprintf(c->last, sizeof(c->last), "%s", r->path);
	return 0;
}

static enum err get_regions(struct req *req, struct resp *resp)
{
	struct page_ctx c = { 0 };
	struct page page;
	enum err e;

	e = req_page(req, resp, &page);
	if (e != ERR_OK)
		return e;
	c.items = json_array();
	c.limit = page.limit;
	e = regions_store_list(req->db, page.has_after ? page.after : NULL, page.limit + 1,
			       region_item, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	resp_page(resp, c.items, c.more ? c.last : NULL);
	return ERR_OK;
}

static int centre_item(const struct centre_row *r, void *arg)
{
	struct page_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, centres_json(r));
	snprintf(c->last, sizeof(c->last), "%s", r->code);
	return 0;
}

static enum err get_centres(struct req *req, struct resp *resp)
{
	const char *region = req_query(req, "region");
	struct region_row filter;
	struct page_ctx c = { 0 };
	struct page page;
	enum err e;

	e = req_page(req, resp, &page);
	if (region) {
		enum err found = regions_store_get(req->db, region, &filter);

		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "region", "no such region");
		else if (found != ERR_OK)
			return found;
	}
	if (e != ERR_OK)
		return e;
	c.items = json_array();
	c.limit = page.limit;
	e = regions_store_centre_list(req->db, region ? filter.path : NULL,
				      page.has_after ? page.after : NULL, page.limit + 1,
				      centre_item, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	resp_page(resp, c.items, c.more ? c.last : NULL);
	return ERR_OK;
}

/* ---- one region or centre, and the admins' writes ---------------------------- */

static enum err load_region(struct req *req, struct resp *resp, struct region_row *out)
{
	enum err e = regions_store_get(req->db, req->params[0], out);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no region %.40s", req->params[0]);
	return e;
}

static enum err load_centre(struct req *req, struct resp *resp, struct centre_row *out)
{
	enum err e = regions_store_centre_get(req->db, req->params[0], out);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no centre %.40s", req->params[0]);
	return e;
}

static enum err get_region(struct req *req, struct resp *resp)
{
	struct region_row r;
	enum err e = load_region(req, resp, &r);

	if (e == ERR_OK)
		resp_json(resp, 200, regions_json(&r));
	return e;
}

static enum err get_centre(struct req *req, struct resp *resp)
{
	struct centre_row c;
	enum err e = load_centre(req, resp, &c);

	if (e == ERR_OK)
		resp_json(resp, 200, centres_json(&c));
	return e;
}

/* A taken code is a 409 that names the member, as a 400 would. */
static enum err code_taken(struct resp *resp, const char *what, const char *code)
{
	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:[{s:s, s:s}]}", "errors", "pointer", "/code", "detail", "is taken");
	return http_fail(resp, ERR_CONFLICT, "/code: a %s with code %s already exists", what, code);
}

/* Runs write (a *_locked function of domain/regions.h) in one
 * transaction. */
static enum err in_transaction(struct req *req, enum err (*write)(struct db *, const void *),
			       const void *arg)
{
	enum err e = db_begin(req->db);

	if (e == ERR_OK)
		e = write(req->db, arg);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	return e;
}

struct region_write {
	struct audit_actor actor;
	struct region_row old, in;
};

static enum err region_insert(struct db *db, const void *arg)
{
	const struct region_write *w = arg;

	return regions_create_locked(db, &w->actor, &w->in);
}

static enum err region_change(struct db *db, const void *arg)
{
	const struct region_write *w = arg;

	return regions_update_locked(db, &w->actor, &w->old, &w->in);
}

static enum err post_region(struct req *req, struct resp *resp)
{
	struct region_write w = { 0 };
	char location[64];
	enum err e = regions_apply(req->db, req->json, 1, &w.in, &resp->problem);

	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &w.actor);
	e = in_transaction(req, region_insert, &w);
	if (e == ERR_CONFLICT)
		return code_taken(resp, "region", w.in.code);
	if (e != ERR_OK)
		return e;
	snprintf(location, sizeof(location), "/v1/regions/%s", w.in.code);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, regions_json(&w.in));
	return ERR_OK;
}

static enum err patch_region(struct req *req, struct resp *resp)
{
	struct region_write w = { 0 };
	enum err e = load_region(req, resp, &w.old);

	if (e != ERR_OK)
		return e;
	w.in = w.old;
	e = regions_apply(req->db, req->json, 0, &w.in, &resp->problem);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &w.actor);
	e = in_transaction(req, region_change, &w);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no region %.40s", req->params[0]);
	if (e == ERR_OK)
		resp_json(resp, 200, regions_json(&w.in));
	return e;
}

struct centre_write {
	struct audit_actor actor;
	struct centre_row old, in;
};

static enum err centre_insert(struct db *db, const void *arg)
{
	const struct centre_write *w = arg;

	return centres_create_locked(db, &w->actor, &w->in);
}

static enum err centre_change(struct db *db, const void *arg)
{
	const struct centre_write *w = arg;

	return centres_update_locked(db, &w->actor, &w->old, &w->in);
}

static enum err post_centre(struct req *req, struct resp *resp)
{
	struct centre_write w = { 0 };
	char location[64];
	enum err e = centres_apply(req->db, req->json, 1, &w.in, &resp->problem);

	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &w.actor);
	e = in_transaction(req, centre_insert, &w);
	if (e == ERR_CONFLICT)
		return code_taken(resp, "centre", w.in.code);
	if (e != ERR_OK)
		return e;
	snprintf(location, sizeof(location), "/v1/centres/%s", w.in.code);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, centres_json(&w.in));
	return ERR_OK;
}

static enum err patch_centre(struct req *req, struct resp *resp)
{
	struct centre_write w = { 0 };
	enum err e = load_centre(req, resp, &w.old);

	if (e != ERR_OK)
		return e;
	w.in = w.old;
	e = centres_apply(req->db, req->json, 0, &w.in, &resp->problem);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &w.actor);
	e = in_transaction(req, centre_change, &w);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no centre %.40s", req->params[0]);
	if (e == ERR_OK)
		resp_json(resp, 200, centres_json(&w.in));
	return e;
}

const struct route regions_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/regions",
	  .handler = get_regions,
	  .perm = PERM_AUTHENTICATED,
	  .query = "limit,cursor" },
	{ .method = "POST",
	  .pattern = "/v1/regions",
	  .handler = post_region,
	  .perm = PERM_ORG_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/regions/{code}",
	  .handler = get_region,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "PATCH",
	  .pattern = "/v1/regions/{code}",
	  .handler = patch_region,
	  .perm = PERM_ORG_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/centres",
	  .handler = get_centres,
	  .perm = PERM_AUTHENTICATED,
	  .query = "limit,cursor,region" },
	{ .method = "POST",
	  .pattern = "/v1/centres",
	  .handler = post_centre,
	  .perm = PERM_ORG_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/centres/{code}",
	  .handler = get_centre,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "PATCH",
	  .pattern = "/v1/centres/{code}",
	  .handler = patch_centre,
	  .perm = PERM_ORG_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ 0 },
};
