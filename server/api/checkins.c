/* GPS check-ins: where the assigned technician's phone was, and how sure
 * it was, when they reported arriving. Each is kept with its distance to
 * the ticket's site and flagged for a human look when it is far from the
 * site, too vague to tell, or stamped by a clock running ahead. The
 * device time names the check-in, so an offline phone replaying it is
 * harmless. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/attachments_store.h"
#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "api/routes.h"
#include "domain/routing.h"
#include "domain/ticket_states.h"
#include "domain/tickets.h"

#define FAR_MIN_M 500.0       /* nearer than this is on site, however good the fix */
#define POOR_ACCURACY_M 200.0 /* a fix vaguer than this proves nothing */
#define CLOCK_AHEAD_S 600     /* a device time this far past the server's is wrong */
#define ACCURACY_MAX_M 1000000.0

static const struct json_field checkin_fields[] = {
	{ "latitude", JSON_REAL, JF_REQUIRED, 0 },
	{ "longitude", JSON_REAL, JF_REQUIRED, 0 },
	{ "accuracy_m", JSON_REAL, JF_REQUIRED, 0 },
	{ "device_time", JSON_STRING, JF_REQUIRED, 40 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Farther than this from the site is off site: the fix's own error counts. */
static double allowed_m(double accuracy_m)
{
	return fmax(FAR_MIN_M, 2 * accuracy_m);
}

static json_t *checkin_json(const struct checkin_row *c)
{
	char device[32], server[32];
	json_t *reasons = json_loads(c->reasons, 0, NULL);

	clock_format(c->device_at, device, sizeof(device));
	clock_format(c->server_at, server, sizeof(server));
	return json_pack("{s:I, s:I, s:{s:I, s:s}, s:f, s:f, s:f, s:s, s:s, s:o, s:f, s:b, s:o}",
			 "id", (json_int_t)c->id, "ticket_id", (json_int_t)c->ticket_id, "user",
			 "id", (json_int_t)c->user_id, "username", c->username, "latitude",
			 c->latitude, "longitude", c->longitude, "accuracy_m", c->accuracy_m,
			 "device_time", device, "server_time", server, "distance_km",
			 c->has_distance ? json_real(c->distance_km) : json_null(),
			 "allowed_distance_m", allowed_m(c->accuracy_m), "flagged", c->flagged,
			 "reasons", reasons ? reasons : json_array());
}

/* The ticket of the path, within the caller's scope (404 otherwise). */
static enum err ticket_in_scope(struct req *req, struct resp *resp, struct ticket_row *t)
{
	struct scope sc;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no ticket %lld", (long long)id);
	return e;
}

static void range_check(struct resp *resp, const char *pointer, double v, double lo, double hi)
{
	if (!(v >= lo && v <= hi))
		http_invalid(resp, pointer, "must be from %g to %g", lo, hi);
}

static enum err parse_checkin(struct req *req, struct resp *resp, struct checkin_row *c)
{
	const char *device = req_json_str(req, "device_time");
	enum err e = req_json_check(req, resp, checkin_fields);

	if (e != ERR_OK)
		return e;
	c->latitude = json_number_value(json_object_get(req->json, "latitude"));
	c->longitude = json_number_value(json_object_get(req->json, "longitude"));
	c->accuracy_m = json_number_value(json_object_get(req->json, "accuracy_m"));
	range_check(resp, "/latitude", c->latitude, -90, 90);
	range_check(resp, "/longitude", c->longitude, -180, 180);
	range_check(resp, "/accuracy_m", c->accuracy_m, 0, ACCURACY_MAX_M);
	if (clock_parse(device, &c->device_at) < 0 || strlen(device) <= 10)
		http_invalid(resp, "/device_time",
			     "must be an RFC 3339 time such as 2026-11-23T10:00:00+08:00");
	return resp->problem.errors ? ERR_INVALID : ERR_OK;
}

/* Distance to the site and the reasons to look again. */
static void judge(const struct ticket_row *t, struct checkin_row *c)
{
	json_t *reasons = json_array();
	char *text;

	c->has_distance = t->has_position;
	if (t->has_position) {
		c->distance_km =
		    routing_distance_km(c->latitude, c->longitude, t->latitude, t->longitude);
		if (c->distance_km * 1000 > allowed_m(c->accuracy_m))
			json_array_append_new(reasons, json_string("far_from_site"));
	}
	if (c->accuracy_m > POOR_ACCURACY_M)
		json_array_append_new(reasons, json_string("poor_accuracy"));
	if (c->device_at > c->server_at + CLOCK_AHEAD_S)
		json_array_append_new(reasons, json_string("device_clock_ahead"));
	c->flagged = json_array_size(reasons) > 0;
	text = json_dumps(reasons, JSON_COMPACT);
	snprintf(c->reasons, sizeof(c->reasons), "%s", text ? text : "[]");
	free(text);
	json_decref(reasons);
}

/* The check-in, the ticket's history and the audit entry. */
static enum err record(struct req *req, const struct ticket_row *t, struct checkin_row *c)
{
	struct audit_actor actor;
	char id_text[24];
	json_t *doc;
	enum err e = checkins_store_insert(req->db, c);

	if (e != ERR_OK)
		return e;
	snprintf(c->username, sizeof(c->username), "%s", req->user.username);
	doc = checkin_json(c);
	if (!doc)
		return ERR_INTERNAL;
	e = tickets_event_locked(req->db, t->id,
				 &(struct ticket_event_in){ .at = c->server_at,
							    .action = "checkin",
							    .from = t->status,
							    .to = t->status,
							    .actor_id = c->user_id,
							    .has_position = 1,
							    .latitude = c->latitude,
							    .longitude = c->longitude,
							    .detail = doc });
	if (e == ERR_OK) {
		audit_actor_from_req(req, &actor);
		snprintf(id_text, sizeof(id_text), "%lld", (long long)t->id);
		e = audit_append(req->db, &actor, "ticket.checkin", "ticket", id_text, NULL, doc);
	}
	json_decref(doc);
	return e;
}

static enum err post_checkin(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct checkin_row c, old;
	int status = 201;
	enum err e = t ? ticket_in_scope(req, resp, t) : ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	if (e == ERR_OK && t->assignee_id != req->user.user_id)
		e = http_fail(resp, ERR_FORBIDDEN, "only the assigned technician checks in");
	if (e == ERR_OK)
		e = parse_checkin(req, resp, &c);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = checkins_store_get(req->db, t->id, req->user.user_id, c.device_at, &old);
	if (e == ERR_OK) {
		/* A replay: the same fix is the same check-in. */
		if (old.latitude != c.latitude || old.longitude != c.longitude ||
		    old.accuracy_m != c.accuracy_m)
			e = http_fail(resp, ERR_CONFLICT,
				      "you checked in at this device time with another position");
		c = old;
		status = 200;
	} else if (e == ERR_NOT_FOUND) {
		struct scope all = { .all = 1 };

		/* The status as it is now, under the write lock. */
		e = tickets_store_get(req->db, t->id, &all, t);
		if (e == ERR_OK && !ticket_status_open(t->status))
			e = http_fail(resp, ERR_CONFLICT, "the ticket is %s: no more check-ins",
				      t->status);
		c.ticket_id = t->id;
		c.user_id = req->user.user_id;
		c.server_at = clock_now();
		judge(t, &c);
		if (e == ERR_OK)
			e = record(req, t, &c);
	}
	if (e == ERR_OK && status == 201)
		e = db_commit(req->db);
	else
		db_rollback(req->db);
	if (e == ERR_OK)
		resp_json(resp, status, checkin_json(&c));
out:
	free(t);
	return e;
}

static int list_one(const struct checkin_row *c, void *ctx)
{
	return json_array_append_new(ctx, checkin_json(c)) != 0;
}

static enum err get_checkins(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	json_t *items = json_array();
	enum err e = t && items ? ticket_in_scope(req, resp, t) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = checkins_store_list(req->db, t->id, list_one, items);
	if (e == ERR_OK) {
		resp_page(resp, items, NULL);
		items = NULL;
	}
	json_decref(items);
	free(t);
	return e;
}

const struct route checkins_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/tickets/{id}/checkins",
	  .handler = post_checkin,
	  .perm = PERM_TICKETS_CHECKIN,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/checkins",
	  .handler = get_checkins,
	  .perm = PERM_TICKETS_READ },
	{ 0 },
};
