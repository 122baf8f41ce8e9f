/* Reference data every role may read: the region tree and the service
 * centres. No scope filter applies; writes come from the demo loader and
 * migrations only. */
#include <stdio.h>
#include <string.h>

#include "db/regions_store.h"
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
	json_array_append_new(c->items,
			      json_pack("{s:s, s:s?, s:s, s:s, s:s}", "code", r->code, "parent",
					r->parent[0] ? r->parent : NULL, "name", r->name, "name_en",
					r->name_en, "level", r->level));
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
	json_array_append_new(
	    c->items,
	    json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "code", r->code, "name", r->name, "region",
		      r->region, "latitude", r->has_position ? json_real(r->latitude) : json_null(),
		      "longitude", r->has_position ? json_real(r->longitude) : json_null(),
		      "capacity", (json_int_t)r->capacity));
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

const struct route regions_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/regions",
	  .handler = get_regions,
	  .perm = PERM_AUTHENTICATED,
	  .query = "limit,cursor" },
	{ .method = "GET",
	  .pattern = "/v1/centres",
	  .handler = get_centres,
	  .perm = PERM_AUTHENTICATED,
	  .query = "limit,cursor,region" },
	{ 0 },
};
