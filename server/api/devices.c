/* Push devices (issue 18): each caller registers, lists and removes their
 * own; admins list anyone's. Answers show a token's tail only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "db/devices_store.h"
#include "domain/devices.h"
#include "api/routes.h"

static json_t *device_json(const struct device_row *d)
{
	char created[32], seen[32];
	size_t n = strlen(d->token);
	const char *tail = d->token + (n > DEVICE_TOKEN_TAIL ? n - DEVICE_TOKEN_TAIL : 0);

	clock_format(d->created_at, created, sizeof(created));
	clock_format(d->last_seen_at, seen, sizeof(seen));
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)d->id,
			 "user_id", (json_int_t)d->user_id, "platform", d->platform, "provider",
			 d->provider, "token_tail", tail, "app_version",
			 d->app_version ? json_string(d->app_version) : json_null(), "locale",
			 d->locale, "created_at", created, "last_seen_at", seen);
}

static int keep_json(const struct device_row *d, void *arg)
{
	*(json_t **)arg = device_json(d);
	return 0;
}

static int append_json(const struct device_row *d, void *arg)
{
	json_array_append_new(arg, device_json(d));
	return 0;
}

static const struct json_field register_fields[] = {
	{ "platform", JSON_STRING, JF_REQUIRED, 16 },
	{ "provider", JSON_STRING, JF_REQUIRED, 16 },
	{ "token", JSON_STRING, JF_REQUIRED, DEVICE_TOKEN_MAX },
	{ "app_version", JSON_STRING, JF_NULLABLE, DEVICE_APP_VERSION_MAX },
	{ "locale", JSON_STRING, JF_NULLABLE, 8 },
	{ "replaces", JSON_STRING, JF_NULLABLE, DEVICE_TOKEN_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_device(struct req *req, struct resp *resp)
{
	struct device_input in = {
		.platform = req_json_str(req, "platform"),
		.provider = req_json_str(req, "provider"),
		.token = req_json_str(req, "token"),
		.app_version = req_json_str(req, "app_version"),
		.locale = req_json_str(req, "locale"),
		.replaces = req_json_str(req, "replaces"),
	};
	struct audit_actor actor;
	json_t *doc = NULL;
	char location[48];
	int64_t id = 0;
	int created = 0;
	enum err e;

	e = req_json_check(req, resp, register_fields);
	if (e == ERR_OK)
		e = devices_check(&in, &resp->problem);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = devices_register(req->db, &actor, req->user.user_id, &in, &id, &created);
	if (e == ERR_OK)
		e = devices_store_get(req->db, id, keep_json, &doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(doc);
		return e;
	}
	if (created) {
		snprintf(location, sizeof(location), "/v1/devices/%lld", (long long)id);
		resp_header(resp, "Location", location);
	}
	resp_json(resp, created ? 201 : 200, doc);
	return ERR_OK;
}

static enum err get_devices(struct req *req, struct resp *resp)
{
	const char *who = req_query(req, "user_id");
	int64_t user_id = req->user.user_id;
	json_t *items;
	enum err e;

	if (who) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(who, &end, 10);
		if (*who < '1' || *who > '9' || errno || *end || v <= 0)
			return http_invalid(resp, "user_id", "must be a user id");
		if (v != user_id && !policy_allows(req->user.role, PERM_DEVICES_ALL))
			return http_fail(resp, ERR_FORBIDDEN,
					 "only admins list another user's devices");
		user_id = v;
	}
	items = json_array();
	e = devices_store_list(req->db, user_id, append_json, items);
	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200, json_pack("{s:o}", "items", items));
	return ERR_OK;
}

/* Someone else's device, or one already removed, is 404 as if it did not
 * exist. */
static enum err delete_device(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = devices_remove(req->db, &actor, req->user.user_id, id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such device");
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

const struct route devices_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/devices",
	  .handler = post_device,
	  .perm = PERM_AUTHENTICATED,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/devices",
	  .handler = get_devices,
	  .perm = PERM_AUTHENTICATED,
	  .query = "user_id" },
	{ .method = "DELETE",
	  .pattern = "/v1/devices/{id}",
	  .handler = delete_device,
	  .perm = PERM_AUTHENTICATED },
	{ 0 },
};
