/* Notification deliveries (issue 18): each person sees their own, admins
 * everyone's with filters and retry a dead one; admins see the providers'
 * state. Answers never show a message's text or a credential: the
 * channel, provider, address (masked for others), state and the
 * provider's error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/delivery_store.h"
#include "db/notify_store.h"
#include "domain/audit.h"
#include "domain/delivery.h"

static const char *const statuses[] = { "pending", "sending", "sent", "dead", "cancelled", NULL };
static const char *const channels[] = { "push", "email", "sms", "chat", NULL };

static int one_of(const char *v, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

static json_t *time_or_null(int64_t t)
{
	char s[32];

	if (!t)
		return json_null();
	clock_format(t, s, sizeof(s));
	return json_string(s);
}

/* Another person's phone shows its first three and last four digits. */
static void address_for(const struct delivery_row *d, int64_t viewer, char *out, size_t size)
{
	size_t n = strlen(d->address);

	snprintf(out, size, "%s", d->address);
	if (strcmp(d->channel, "sms") != 0 || d->user_id == viewer || n < 8)
		return;
	for (size_t i = 3; i + 4 < n && i < size - 1; i++)
		out[i] = '*';
}

static json_t *delivery_json(const struct delivery_row *d, int64_t viewer)
{
	char address[256];

	address_for(d, viewer, address, sizeof(address));
	return json_pack(
	    "{s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:s,"
	    " s:o, s:o, s:o, s:b}",
	    "id", (json_int_t)d->id, "notification_id",
	    d->notification_id ? json_integer(d->notification_id) : json_null(), "user_id",
	    d->user_id ? json_integer(d->user_id) : json_null(), "channel", d->channel, "provider",
	    d->provider, "address", address, "kind", d->kind, "status", d->status, "attempts",
	    d->attempts, "next_attempt_at",
	    strcmp(d->status, "pending") == 0 ? time_or_null(d->next_attempt_at) : json_null(),
	    "provider_ref", d->provider_ref ? json_string(d->provider_ref) : json_null(),
	    "last_status", d->last_status ? json_integer(d->last_status) : json_null(),
	    "last_error", d->last_error, "created_at", time_or_null(d->created_at), "sent_at",
	    time_or_null(d->sent_at), "latency_ms",
	    d->sent_at ? json_integer(d->latency_ms) : json_null(), "escalation",
	    d->ack_key != NULL);
}

struct list_ctx {
	int64_t viewer;
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int list_row(const struct delivery_row *d, void *arg)
{
	struct list_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, delivery_json(d, c->viewer));
	c->last_id = d->id;
	return 0;
}

static int parse_positive(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* Admins filter by anyone (user_id); everyone else sees their own, and
 * asking for someone else's is refused rather than silently narrowed. */
static enum err get_deliveries(struct req *req, struct resp *resp)
{
	int all = policy_allows(req->user.role, PERM_DELIVERIES_ALL);
	struct delivery_filter f = { .user_id = all ? 0 : req->user.user_id };
	const char *v;
	struct list_ctx c = { 0 };
	struct page page;
	char next[24];
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after && parse_positive(page.after, &f.before_id) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if ((v = req_query(req, "user_id"))) {
		int64_t id = 0;

		if (parse_positive(v, &id) < 0)
			e = http_invalid(resp, "user_id", "must be a user id");
		else if (!all && id != req->user.user_id)
			return http_fail(resp, ERR_FORBIDDEN,
					 "only admins see another person's deliveries");
		else
			f.user_id = id;
	}
	if ((v = req_query(req, "notification_id")) && parse_positive(v, &f.notification_id) < 0)
		e = http_invalid(resp, "notification_id", "must be a notification id");
	if ((f.channel = req_query(req, "channel")) && !one_of(f.channel, channels))
		e = http_invalid(resp, "channel", "must be push, email, sms or chat");
	if ((f.status = req_query(req, "status")) && !one_of(f.status, statuses))
		e = http_invalid(resp, "status",
				 "must be pending, sending, sent, dead or cancelled");
	if ((f.kind = req_query(req, "kind")) && (!*f.kind || strlen(f.kind) > 64))
		e = http_invalid(resp, "kind", "must be a notification kind");
	if (e != ERR_OK)
		return e;
	/* Robots' deliveries belong to nobody: admins see them. */
	c.items = json_array();
	c.viewer = req->user.user_id;
	c.limit = page.limit;
	f.limit = page.limit + 1;
	e = delivery_store_list(req->db, &f, list_row, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)c.last_id);
	resp_header(resp, "Cache-Control", "no-store");
	resp_page(resp, c.items, c.more ? next : NULL);
	return ERR_OK;
}

static int any_row(const struct notification_row *n, void *arg)
{
	(void)n;
	*(int *)arg = 1;
	return 0;
}

/* One notification's deliveries, every channel: one's own notification's,
 * or any for admins; someone else's answers 404 as if it did not exist. */
static enum err get_notification_deliveries(struct req *req, struct resp *resp)
{
	int all = policy_allows(req->user.role, PERM_DELIVERIES_ALL), mine = 0;
	struct delivery_filter f = { .user_id = all ? 0 : req->user.user_id, .limit = 101 };
	struct list_ctx c = { .viewer = req->user.user_id, .limit = 100 };
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	if (!all) {
		e = notify_store_get(req->db, req->user.user_id, id, any_row, &mine);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && !mine))
			return http_fail(resp, ERR_NOT_FOUND, "no such notification");
		if (e != ERR_OK)
			return e;
	}
	f.notification_id = id;
	c.items = json_array();
	e = delivery_store_list(req->db, &f, list_row, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200, json_pack("{s:o}", "items", c.items));
	return ERR_OK;
}

struct one {
	int64_t viewer;
	json_t *doc;
	int64_t user_id;
};

static int keep_one(const struct delivery_row *d, void *arg)
{
	struct one *o = arg;

	o->doc = delivery_json(d, o->viewer);
	o->user_id = d->user_id;
	return 0;
}

static enum err get_delivery(struct req *req, struct resp *resp)
{
	struct one o = { .viewer = req->user.user_id };
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e == ERR_OK)
		e = delivery_store_get(req->db, id, keep_one, &o);
	if (e == ERR_OK && o.user_id != req->user.user_id &&
	    !policy_allows(req->user.role, PERM_DELIVERIES_ALL))
		e = ERR_NOT_FOUND; /* another's is as if it did not exist */
	if (e == ERR_NOT_FOUND) {
		json_decref(o.doc);
		return http_fail(resp, ERR_NOT_FOUND, "no such delivery");
	}
	if (e != ERR_OK) {
		json_decref(o.doc);
		return e;
	}
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200, o.doc);
	return ERR_OK;
}

static enum err post_retry(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	struct one o = { .viewer = req->user.user_id };
	char id_s[24];
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = delivery_store_get(req->db, id, keep_one, &o);
	if (e == ERR_OK && !o.doc)
		e = ERR_INTERNAL;
	if (e == ERR_OK && strcmp(json_string_value(json_object_get(o.doc, "status")), "dead") != 0)
		e = ERR_CONFLICT;
	if (e == ERR_OK)
		e = delivery_store_requeue(req->db, id, clock_now());
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "delivery.retry", "delivery", id_s, o.doc, NULL);
	json_decref(o.doc);
	o.doc = NULL;
	if (e == ERR_OK)
		e = delivery_store_get(req->db, id, keep_one, &o);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(o.doc);
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, e, "no such delivery");
		if (e == ERR_CONFLICT)
			return http_fail(resp, e, "only a dead delivery is retried by hand");
		return e;
	}
	resp_json(resp, 200, o.doc);
	return ERR_OK;
}

/* ---- the providers --------------------------------------------------------- */

static enum err get_channels(struct req *req, struct resp *resp)
{
	json_t *lanes = json_array(), *robots = json_array();

	(void)req;
	for (int l = 0; l < LANE__COUNT; l++)
		json_array_append_new(lanes,
				      json_pack("{s:s, s:s, s:b, s:b, s:f}", "provider",
						lane_provider((enum lane)l), "channel",
						lane_channel((enum lane)l), "configured",
						channels_lane_on((enum lane)l), "paused",
						delivery_breaker_open((enum lane)l), "rate_per_s",
						channels_lane_rate((enum lane)l)));
	for (size_t i = 0; i < channels_robot_count(); i++) {
		const struct chat_robot *r = channels_robot(i);
		json_t *events = json_array();

		for (size_t k = 0; k < r->n_events; k++)
			json_array_append_new(events, json_string(r->events[k]));
		/* The URL and secret are credentials: never answered. */
		json_array_append_new(
		    robots, json_pack("{s:s, s:s, s:o, s:o, s:o}", "name", r->name, "provider",
				      r->provider == ROBOT_WECOM      ? "wecom"
				      : r->provider == ROBOT_DINGTALK ? "dingtalk"
								      : "feishu",
				      "centre", r->centre[0] ? json_string(r->centre) : json_null(),
				      "region", r->region[0] ? json_string(r->region) : json_null(),
				      "events", events));
	}
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200, json_pack("{s:o, s:o}", "lanes", lanes, "robots", robots));
	return ERR_OK;
}

const struct route deliveries_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/deliveries",
	  .handler = get_deliveries,
	  .perm = PERM_AUTHENTICATED,
	  .query = "limit,cursor,user_id,notification_id,channel,status,kind" },
	{ .method = "GET",
	  .pattern = "/v1/notifications/{id}/deliveries",
	  .handler = get_notification_deliveries,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "GET",
	  .pattern = "/v1/deliveries/{id}",
	  .handler = get_delivery,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "POST",
	  .pattern = "/v1/deliveries/{id}/retry",
	  .handler = post_retry,
	  .perm = PERM_DELIVERIES_ALL },
	{ .method = "GET",
	  .pattern = "/v1/notification-channels",
	  .handler = get_channels,
	  .perm = PERM_DELIVERIES_ALL },
	{ 0 },
};
