/* Every module's route table; server/api/routes.c lists them in order. */
#ifndef FT_ROUTES_H
#define FT_ROUTES_H

#include "api/handler.h"

extern const struct route health_routes[];
extern const struct route auth_routes[];
extern const struct route users_routes[];
extern const struct route regions_routes[];
extern const struct route customers_routes[];
extern const struct route sites_routes[];
extern const struct route models_routes[];
extern const struct route assets_routes[];
extern const struct route identity_routes[];
extern const struct route selfservice_routes[];
extern const struct route labels_routes[];
extern const struct route imports_routes[];
extern const struct route audit_routes[];
extern const struct route tickets_routes[];
extern const struct route ticket_flow_routes[];
extern const struct route board_routes[];
extern const struct route warranty_routes[];
extern const struct route escalation_routes[];
extern const struct route scheduler_routes[];
extern const struct route catalogue_routes[];
extern const struct route service_levels_routes[];
extern const struct route centres_routes[];
extern const struct route routing_routes[];
extern const struct route problems_routes[];
extern const struct route analytics_routes[];
extern const struct route reports_routes[];
extern const struct route notifications_routes[];
extern const struct route devices_routes[];
extern const struct route deliveries_routes[];
extern const struct route notification_settings_routes[];
extern const struct route escalation_acks_routes[];
extern const struct route webhooks_routes[];
extern const struct route kb_routes[];
extern const struct route attachments_routes[];
extern const struct route checkins_routes[];
extern const struct route sync_routes[];
extern const struct route experts_routes[];
extern const struct route contracts_routes[];
extern const struct route assist_routes[];
extern const struct route maintenance_routes[];
extern const struct route checklists_routes[];

/* Every table above, in order, NULL-terminated: app.c hands it to the
 * pipeline (api_routes_use), the openapi test compares it with the document. */
const struct route *const *api_route_tables(void);

#endif
