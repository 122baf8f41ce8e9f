/* The route tables of every module, in the order they are matched. */
#include "routes.h"

static const struct route *const tables[] = {
	health_routes,         auth_routes,    users_routes,   regions_routes,  customers_routes,
	sites_routes,          models_routes,  assets_routes,  identity_routes, labels_routes,
	imports_routes,        audit_routes,   tickets_routes, warranty_routes, catalogue_routes,
	service_levels_routes, centres_routes, routing_routes, sync_routes,     NULL,
};

#define MAX_ROUTES 256
static const struct route *flat[MAX_ROUTES];
static size_t nflat;

/* Built once, before any thread runs (server_start is called from main). */
static void flatten(void)
{
	if (nflat)
		return;
	for (size_t t = 0; tables[t]; t++)
		for (const struct route *r = tables[t]; r->method && nflat < MAX_ROUTES; r++)
			flat[nflat++] = r;
}

const struct route *const *http_route_tables(void)
{
	return tables;
}

size_t routes_count(void)
{
	flatten();
	return nflat;
}

const struct route *routes_at(size_t i)
{
	flatten();
	return i < nflat ? flat[i] : NULL;
}

size_t routes_index_of(const struct route *r)
{
	for (size_t i = 0; i < nflat; i++)
		if (flat[i] == r)
			return i + 1;
	return 0;
}
