/* The route tables of every module, in the order they are matched. */
#include "api/routes.h"


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
	selfservice_routes,
	labels_routes,
	imports_routes,
	audit_routes,
	tickets_routes,
	ticket_flow_routes,
	board_routes,
	warranty_routes,
	escalation_routes,
	scheduler_routes,
	catalogue_routes,
	service_levels_routes,
	centres_routes,
	routing_routes,
	problems_routes,
	analytics_routes,
	reports_routes,
	notifications_routes,
	devices_routes,
	deliveries_routes,
	notification_settings_routes,
	escalation_acks_routes,
	webhooks_routes,
	kb_routes,
	attachments_routes,
	checkins_routes,
	sync_routes,
	experts_routes,
	contracts_routes,
	assist_routes,
	maintenance_routes,
	checklists_routes,
	NULL,
};
/* clang-format on */

const struct route *const *api_route_tables(void)
{
	return tables;
}
