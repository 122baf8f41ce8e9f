/* Routing's preview: the centre a site and product line would be routed
 * to, and why (GET /v1/routing/preview). The rules are in
 * server/domain/routing.c. */
#include "domain/routing.h"

#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "db/routing_store.h"

/* ---- GET /v1/routing/preview ---------------------------------------------- */

static enum err get_preview(struct req *req, struct resp *resp)
{
	const char *site = req_query(req, "site"), *line = req_query(req, "product_line");
	struct routing_input in = { 0 };
	struct product_line_row pl;
	struct site_row s;
	struct scope sc;
	char centre[32];
	json_t *doc = NULL;
	int64_t id = 0;
	enum err e = ERR_OK, found;

	sc = req->user.scope;
	if (!site) {
		e = http_invalid(resp, "site", "is required");
	} else if (registry_parse_id(site, &id) < 0) {
		e = http_invalid(resp, "site", "must be a site id");
	} else {
		found = registry_site_get(req->db, id, &sc, &s);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "site", "no such site");
		else if (found != ERR_OK)
			return found;
	}
	if (line && line[0]) {
		found = strlen(line) < sizeof(pl.code)
			    ? registry_product_line_get(req->db, line, &pl)
			    : ERR_NOT_FOUND;
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "product_line", "no such product line");
		else if (found != ERR_OK)
			return found;
	}
	if (e != ERR_OK)
		return e;
	in.region_path = s.region_path;
	in.product_line = line;
	in.has_position = s.has_position;
	in.latitude = s.latitude;
	in.longitude = s.longitude;
	e = routing_decide(req->db, &in, centre, &doc);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_UNPROCESSABLE,
				 "there are no service centres to route to");
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

const struct route routing_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/routing/preview",
	  .handler = get_preview,
	  .perm = PERM_ROUTING_PREVIEW,
	  .query = "site,product_line" },
	{ 0 },
};
