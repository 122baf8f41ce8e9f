/* The route tables of every module, in the order they are matched. */
#include "api/routes.h"

#include <pthread.h>

/* One table a line keeps merges to one line each. */
/* clang-format off */
static const struct route *const tables[] = {
	health_routes,
	auth_routes,
	users_routes,
	regions_routes,
	customers_routes,
	sites_routes,
	models_routes,
	assets_routes,
	identity_routes,
	labels_routes,
	imports_routes,
	audit_routes,
	tickets_routes,
	ticket_flow_routes,
	warranty_routes,
	escalation_routes,
	scheduler_routes,
	catalogue_routes,
	service_levels_routes,
	centres_routes,
	routing_routes,
	problems_routes,
	analytics_routes,
	notifications_routes,
	webhooks_routes,
	kb_routes,
	attachments_routes,
	checkins_routes,
	sync_routes,
	NULL,
};
/* clang-format on */

#define MAX_ROUTES 256
static const struct route *flat[MAX_ROUTES];
static size_t nflat;
static pthread_once_t flat_once = PTHREAD_ONCE_INIT;

static void flatten_once(void)
{
	for (size_t t = 0; tables[t]; t++)
		for (const struct route *r = tables[t]; r->method && nflat < MAX_ROUTES; r++)
			flat[nflat++] = r;
}

/* Built once by whichever thread asks first (TSan found two workers
 * racing to build it when it was a plain check of nflat). */
static void flatten(void)
{
	pthread_once(&flat_once, flatten_once);
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
