/* A person's notification settings (issue 18): language, time zone,
 * quiet hours, e-mail address, digest and which kinds on which channels.
 * Everyone reads and changes their own. */
#include <stdio.h>

#include "api/routes.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/delivery.h"

static enum err get_settings(struct req *req, struct resp *resp)
{
	json_t *doc;
	enum err e = delivery_settings_json(req->db, req->user.user_id, &doc);

	if (e != ERR_OK)
		return e;
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200, doc);
	return ERR_OK;
}

/* Merge semantics: members left out keep their value; a channel set to
 * null goes back to the role's default. */
static enum err patch_settings(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	json_t *doc = NULL;
	char id_s[24];
	enum err e;

	audit_actor_from_req(req, &actor);
	snprintf(id_s, sizeof(id_s), "%lld", (long long)req->user.user_id);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = delivery_settings_apply(req->db, req->user.user_id, req->json, &resp->problem,
					    clock_now());
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "notification_settings.update", "user", id_s,
				 NULL, req->json);
	if (e == ERR_OK)
		e = delivery_settings_json(req->db, req->user.user_id, &doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(doc);
		return e;
	}
	resp_json(resp, 200, doc);
	return ERR_OK;
}

const struct route notification_settings_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/me/notification-settings",
	  .handler = get_settings,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "PATCH",
	  .pattern = "/v1/me/notification-settings",
	  .handler = patch_settings,
	  .perm = PERM_AUTHENTICATED,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16 * 1024 },
	{ 0 },
};
