/* Webhooks: admins register HTTPS endpoints for event types, receiving
 * every event; a supervisor's or dispatcher's integration registers its
 * own, receiving the events its scope reaches (PERM_WEBHOOKS_OWN; the
 * fan-out filters, server/db/notify_store.c). The outbox (notify_event)
 * queues one delivery per subscribed endpoint, and the scheduler's job
 * (server/domain/webhooks.c) sends them. Another owner's endpoint and its
 * deliveries are unknown (404) to a non-admin. Secrets are shown once, at
 * creation, and never audited. */
#include "domain/webhooks.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/log.h"
#include "db/notify_store.h"
#include "api/routes.h"

#define EVENT_TYPES_MAX 32

/* ---- JSON ---- */

static json_t *str_or_null(int present, const char *s)
{
	return present && s && *s ? json_string(s) : json_null();
}

/* An owner's endpoint's scope as it reaches now: the owner's home region
 * and centre as the flags take them; null for an admin's (unscoped). */
static json_t *scope_json(const struct webhook_endpoint_row *w)
{
	if (!w->owner_id)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:b}", "region_path",
			 str_or_null(w->scope_ops_region, w->owner_region_path), "centre",
			 str_or_null(w->scope_ops_centre, w->owner_centre), "warranty_region_path",
			 str_or_null(w->scope_registry_region, w->owner_region_path), "in_force",
			 w->owner_current);
}

static json_t *endpoint_json(const struct webhook_endpoint_row *w)
{
	char created[32], updated[32];
	json_t *types = json_loads(w->event_types, 0, NULL);

	clock_format(w->created_at, created, sizeof(created));
	clock_format(w->updated_at, updated, sizeof(updated));
	return json_pack("{s:I, s:s, s:o, s:b, s:b, s:o, s:o, s:o, s:s, s:s}", "id",
			 (json_int_t)w->id, "url", w->url, "event_types",
			 types ? types : json_array(), "allow_private", w->allow_private, "active",
			 w->active, "created_by",
			 w->created_by ? json_integer(w->created_by) : json_null(), "owner_id",
			 w->owner_id ? json_integer(w->owner_id) : json_null(), "scope",
			 scope_json(w), "created_at", created, "updated_at", updated);
}

/* Admins reach every endpoint; anyone else their own only. */
static int sees_all(const struct req *req)
{
	return policy_allows(req->user.role, PERM_WEBHOOKS_ADMIN);
}

/* 1 when the caller may see the endpoint doc (as endpoint_json wrote it). */
static int reaches(const struct req *req, const json_t *doc)
{
	json_t *owner = json_object_get(doc, "owner_id");

	return sees_all(req) ||
	       (json_is_integer(owner) && json_integer_value(owner) == req->user.user_id);
}

/* The caller's role and scope as an owner's endpoint keeps them. */
static void owner_scope(const struct req *req, struct webhook_endpoint_row *in)
{
	const struct scope *sc = &req->user.scope;

	in->owner_id = req->user.user_id;
	in->owner_role = role_name(req->user.role);
	in->scope_ops_region = sc->ops_region && sc->region_lo[0];
	in->scope_ops_centre = sc->centre[0] != '\0';
	in->scope_registry_region = sc->region_lo[0] != '\0';
}

static json_t *time_or_null(int64_t t)
{
	char s[32];

	if (!t)
		return json_null();
	clock_format(t, s, sizeof(s));
	return json_string(s);
}

static json_t *delivery_json(const struct webhook_delivery_row *d)
{
	json_t *body = json_loads(d->payload, 0, NULL);
	int pending = strcmp(d->status, "pending") == 0;

	return json_pack("{s:I, s:I, s:s, s:s, s:i, s:o, s:o, s:s, s:o, s:o, s:o}", "id",
			 (json_int_t)d->id, "endpoint_id", (json_int_t)d->endpoint_id, "event_type",
			 d->event_type, "status", d->status, "attempts", d->attempts,
			 "next_attempt_at",
			 pending ? time_or_null(d->next_attempt_at) : json_null(), "last_status",
			 d->last_status ? json_integer(d->last_status) : json_null(), "last_error",
			 d->last_error, "created_at", time_or_null(d->created_at), "delivered_at",
			 time_or_null(d->delivered_at), "payload", body ? body : json_null());
}

static int keep_endpoint(const struct webhook_endpoint_row *w, void *arg)
{
	*(json_t **)arg = endpoint_json(w);
	return 0;
}

static int keep_owner_role(const struct webhook_endpoint_row *w, void *arg)
{
	*(enum role *)arg = role_parse(w->owner_role);
	return 0;
}

struct kept_delivery {
	json_t *doc;
	int64_t owner_id; /* its endpoint's; 0 = an admin's */
};

static int keep_delivery(const struct webhook_delivery_row *d, void *arg)
{
	struct kept_delivery *k = arg;

	k->doc = delivery_json(d);
	k->owner_id = d->owner_id;
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	/* The cursor's spelling: no sign, space or leading zero. */
	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* ---- Input ---- */

/* event_types: 1..32 known names or "*", no repeats, each one the
 * endpoint's owner's role may receive (policy_webhook_event_allowed).
 * Answers the 400 itself, naming the items; ERR_FORBIDDEN when only the
 * role stands in the way, the items named for refused() to answer; *out is a new compact JSON array text (caller
 * frees). */
static enum err take_event_types(struct resp *resp, const json_t *v, enum role owner, char **out)
{
	enum err e = ERR_OK;
	char ptr[48];
	json_t *item;
	size_t i, refused = 0;

	*out = NULL;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > EVENT_TYPES_MAX)
		return http_invalid(resp, "/event_types",
				    "must be a list of 1 to %d event types (or \"*\")",
				    EVENT_TYPES_MAX);
	json_array_foreach(v, i, item) {
		const char *name = json_string_value(item);

		snprintf(ptr, sizeof(ptr), "/event_types/%zu", i);
		if (!name || (strcmp(name, "*") != 0 && !webhooks_event_known(name))) {
			e = http_invalid(resp, ptr, "is not a known event type");
			continue;
		}
		if (!policy_webhook_event_allowed(owner, name)) {
			problem_invalid(
			    &resp->problem, ptr,
			    "is not an event type the endpoint's owner (%s) may receive",
			    role_name(owner));
			refused++;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const char *prev = json_string_value(json_array_get(v, j));

			if (prev && strcmp(prev, name) == 0) {
				e = http_invalid(resp, ptr, "is listed twice");
				break;
			}
		}
	}
	if (e != ERR_OK)
		return e;
	if (refused)
		return ERR_FORBIDDEN; /* refused() answers it, unless a 400 comes first */
	*out = json_dumps(v, JSON_COMPACT);
	return *out ? ERR_OK : ERR_INTERNAL;
}

/* The 403 naming what the role may not have: the errors collected so far
 * go in its "errors" (a 403 carries them as problem extra). */
static enum err refused(struct resp *resp, const char *what)
{
	json_t *errors = resp->problem.errors ? resp->problem.errors : json_array();

	resp->problem.errors = NULL;
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:o}", "errors", errors);
	return http_fail(resp, ERR_FORBIDDEN, "%s: beyond what the endpoint's owner may have",
			 what);
}

static int random_secret(char *out, size_t size)
{
	unsigned char rnd[32];

	if (size < 2 * sizeof(rnd) + 1 || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", rnd[i]);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

static void object_id(int64_t id, char *out, size_t size)
{
	snprintf(out, size, "%lld", (long long)id);
}

/* ---- Endpoints ---- */

static const struct json_field create_fields[] = {
	{ "url", JSON_STRING, JF_REQUIRED, WEBHOOK_URL_MAX },
	{ "event_types", JSON_ARRAY, JF_REQUIRED, 0 },
	{ "allow_private", JSON_TRUE, 0, 0 },
	{ "active", JSON_TRUE, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_webhook(struct req *req, struct resp *resp)
{
	const char *url = req_json_str(req, "url");
	json_t *ap = json_object_get(req->json, "allow_private");
	json_t *act = json_object_get(req->json, "active");
	struct webhook_endpoint_row in = { 0 };
	struct webhook_target target;
	struct audit_actor actor;
	char secret[WEBHOOK_SECRET_SIZE], why[256], id_s[24], location[48];
	char *types = NULL;
	json_t *doc = NULL;
	int64_t id = 0;
	enum err e, e2;

	e = req_json_check(req, resp, create_fields);
	if (e != ERR_OK)
		return e;
	in.allow_private = json_is_true(ap);
	in.active = act ? json_is_true(act) : 1;
	/* Private addresses reach inside the network: admins' say only. */
	if (in.allow_private && !sees_all(req)) {
		problem_invalid(&resp->problem, "/allow_private",
				"only an administrator's endpoint may target private addresses");
		return refused(resp, "allow_private");
	}
	/* Both members are checked before answering, so one 400 lists all. */
	e2 = webhook_target_check(url, in.allow_private, &target, why, sizeof(why));
	if (e2 != ERR_OK)
		http_invalid(resp, "/url", "%s", why);
	e = take_event_types(resp, json_object_get(req->json, "event_types"), req->user.role,
			     &types);
	if (e2 != ERR_OK && e != ERR_INVALID) {
		/* A bad url outranks a refused type: the 400 lists both. */
		free(types);
		return ERR_INVALID;
	}
	if (e != ERR_OK) {
		free(types);
		return e == ERR_FORBIDDEN ? refused(resp, "event_types") : e;
	}
	if (!sees_all(req))
		owner_scope(req, &in);
	if (random_secret(secret, sizeof(secret)) < 0) {
		free(types);
		return http_fail(resp, ERR_INTERNAL, "no randomness for the secret");
	}
	in.url = url;
	in.secret = secret;
	in.event_types = types;
	in.created_by = req->user.user_id;
	in.created_at = in.updated_at = clock_now();
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = webhook_store_endpoint_insert(req->db, &in, &id);
	if (e == ERR_OK)
		e = webhook_store_endpoint_get(req->db, id, keep_endpoint, &doc);
	if (e == ERR_OK) {
		object_id(id, id_s, sizeof(id_s));
		/* The audit entry is the endpoint as listed: no secret in it. */
		e = audit_append(req->db, &actor, "webhook.create", "webhook", id_s, NULL, doc);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	free(types);
	if (e != ERR_OK) {
		json_decref(doc);
		OPENSSL_cleanse(secret, sizeof(secret));
		return e;
	}
	json_object_set_new(doc, "secret", json_string(secret));
	OPENSSL_cleanse(secret, sizeof(secret));
	snprintf(location, sizeof(location), "/v1/webhooks/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 201, doc);
	return ERR_OK;
}

struct list_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int endpoint_row(const struct webhook_endpoint_row *w, void *arg)
{
	struct list_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, endpoint_json(w));
	c->last_id = w->id;
	return 0;
}

static enum err get_webhooks(struct req *req, struct resp *resp)
{
	struct list_ctx c = { 0 };
	struct page page;
	int64_t after = 0;
	char next[24];
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after && parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (e != ERR_OK)
		return e;
	c.items = json_array();
	c.limit = page.limit;
	e = webhook_store_endpoint_list(req->db, sees_all(req) ? 0 : req->user.user_id, after,
					page.limit + 1, endpoint_row, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	object_id(c.last_id, next, sizeof(next));
	resp_page(resp, c.items, c.more ? next : NULL);
	return ERR_OK;
}

static const struct json_field patch_fields[] = {
	{ "event_types", JSON_ARRAY, 0, 0 },
	{ "active", JSON_TRUE, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err patch_webhook(struct req *req, struct resp *resp)
{
	json_t *types_in = json_object_get(req->json, "event_types");
	json_t *act = json_object_get(req->json, "active");
	json_t *before = NULL, *after = NULL;
	struct webhook_endpoint_row scope_in = { 0 };
	struct audit_actor actor;
	char *types = NULL, id_s[24];
	enum role owner_role = ROLE_ADMIN;
	int64_t id;
	int active, own = 0;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	e = req_json_check(req, resp, patch_fields);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	object_id(id, id_s, sizeof(id_s));
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = webhook_store_endpoint_get(req->db, id, keep_endpoint, &before);
	if (e == ERR_OK && !reaches(req, before))
		e = ERR_NOT_FOUND;
	if (e == ERR_OK && json_is_integer(json_object_get(before, "owner_id"))) {
		/* The owner saving it again: their role and scope now. An
		 * admin's change keeps the owner's, types checked against it. */
		own = json_integer_value(json_object_get(before, "owner_id")) == req->user.user_id;
		if (own)
			owner_role = req->user.role;
		else
			e = webhook_store_endpoint_get(req->db, id, keep_owner_role, &owner_role);
	}
	/* The types kept are checked too: an owner saving again under
	 * another role keeps only what that role may receive. */
	if (e == ERR_OK)
		e = take_event_types(resp,
				     types_in ? types_in : json_object_get(before, "event_types"),
				     owner_role, &types);
	if (e == ERR_OK && own) {
		owner_scope(req, &scope_in);
		e = webhook_store_endpoint_rescope(req->db, id, &scope_in);
	}
	if (e == ERR_OK) {
		active = act ? json_is_true(act) : json_is_true(json_object_get(before, "active"));
		e = webhook_store_endpoint_update(req->db, id, active, types, clock_now());
	}
	if (e == ERR_OK)
		e = webhook_store_endpoint_get(req->db, id, keep_endpoint, &after);
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "webhook.update", "webhook", id_s, before, after);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	free(types);
	json_decref(before);
	if (e != ERR_OK) {
		json_decref(after);
		if (e == ERR_FORBIDDEN)
			return refused(resp, "event_types");
		return e == ERR_NOT_FOUND ? http_fail(resp, e, "no such webhook") : e;
	}
	resp_json(resp, 200, after);
	return ERR_OK;
}

static enum err delete_webhook(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	json_t *before = NULL;
	char id_s[24];
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	object_id(id, id_s, sizeof(id_s));
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = webhook_store_endpoint_get(req->db, id, keep_endpoint, &before);
	if (e == ERR_OK && !reaches(req, before))
		e = ERR_NOT_FOUND;
	if (e == ERR_OK)
		e = webhook_store_endpoint_delete(req->db, id);
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "webhook.delete", "webhook", id_s, before, NULL);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	json_decref(before);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no such webhook");
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

/* ---- Deliveries ---- */

static int delivery_row(const struct webhook_delivery_row *d, void *arg)
{
	struct list_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, delivery_json(d));
	c->last_id = d->id;
	return 0;
}

static enum err get_deliveries(struct req *req, struct resp *resp)
{
	const char *status = req_query(req, "status");
	struct list_ctx c = { 0 };
	json_t *endpoint = NULL;
	struct page page;
	int64_t id, before = 0;
	char next[24];
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	e = req_page(req, resp, &page);
	if (page.has_after && parse_id(page.after, &before) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (status && strcmp(status, "pending") != 0 && strcmp(status, "delivered") != 0 &&
	    strcmp(status, "dead") != 0)
		e = http_invalid(resp, "status", "must be pending, delivered or dead");
	if (e != ERR_OK)
		return e;
	e = webhook_store_endpoint_get(req->db, id, keep_endpoint, &endpoint);
	if (e == ERR_OK && !reaches(req, endpoint))
		e = ERR_NOT_FOUND;
	json_decref(endpoint);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no such webhook");
	if (e != ERR_OK)
		return e;
	c.items = json_array();
	c.limit = page.limit;
	e = webhook_store_delivery_list(req->db, id, status, before, page.limit + 1, delivery_row,
					&c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	object_id(c.last_id, next, sizeof(next));
	resp_page(resp, c.items, c.more ? next : NULL);
	return ERR_OK;
}

static enum err post_retry(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	struct kept_delivery before = { 0 }, after = { 0 };
	char id_s[24];
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	object_id(id, id_s, sizeof(id_s));
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = webhook_store_delivery_get(req->db, id, keep_delivery, &before);
	if (e == ERR_OK && !sees_all(req) && before.owner_id != req->user.user_id)
		e = ERR_NOT_FOUND;
	if (e == ERR_OK && strcmp(json_string_value(json_object_get(before.doc, "status")), "dead"))
		e = ERR_CONFLICT;
	if (e == ERR_OK)
		e = webhook_store_delivery_retry(req->db, id, clock_now());
	if (e == ERR_OK)
		e = webhook_store_delivery_get(req->db, id, keep_delivery, &after);
	if (e == ERR_OK) {
		/* The payload is the event's, already on record: the entry keeps
		 * the status change only. */
		json_object_del(before.doc, "payload");
		json_object_del(after.doc, "payload");
		e = audit_append(req->db, &actor, "webhook.delivery.retry", "webhook_delivery",
				 id_s, before.doc, after.doc);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	json_decref(before.doc);
	if (e != ERR_OK) {
		json_decref(after.doc);
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, e, "no such delivery");
		if (e == ERR_CONFLICT)
			return http_fail(resp, e, "only a dead delivery can be retried");
		return e;
	}
	/* Answer it as listed, payload included. */
	json_decref(after.doc);
	after.doc = NULL;
	e = webhook_store_delivery_get(req->db, id, keep_delivery, &after);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, after.doc);
	return ERR_OK;
}

const struct route webhooks_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/webhooks",
	  .handler = post_webhook,
	  .perm = PERM_WEBHOOKS_OWN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/webhooks",
	  .handler = get_webhooks,
	  .perm = PERM_WEBHOOKS_OWN,
	  .query = "limit,cursor" },
	{ .method = "PATCH",
	  .pattern = "/v1/webhooks/{id}",
	  .handler = patch_webhook,
	  .perm = PERM_WEBHOOKS_OWN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "DELETE",
	  .pattern = "/v1/webhooks/{id}",
	  .handler = delete_webhook,
	  .perm = PERM_WEBHOOKS_OWN },
	{ .method = "GET",
	  .pattern = "/v1/webhooks/{id}/deliveries",
	  .handler = get_deliveries,
	  .perm = PERM_WEBHOOKS_OWN,
	  .query = "limit,cursor,status" },
	{ .method = "POST",
	  .pattern = "/v1/webhooks/deliveries/{id}/retry",
	  .handler = post_retry,
	  .perm = PERM_WEBHOOKS_OWN },
	{ 0 },
};
