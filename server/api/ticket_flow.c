/* The ticket state machine, enforced on the server:
 *
 *   new -> routed -> assigned -> accepted -> en_route -> on_site -> resolved
 *       -> follow_up -> closed
 *
 * plus declined (back to dispatch), waiting_customer (SLA clock paused;
 * resume returns to where it was), cancelled, reopened and re-routing.
 * Each action names who may take it; an action the status does not allow
 * answers 409 with the caller's allowed actions. Every transition records
 * actor, time, place and note, goes onto the asset's timeline and into the
 * audit log, in one transaction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/service_report.h"
#include "domain/assets.h"
#include "domain/checklists.h"
#include "domain/timeline.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "domain/notify.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "domain/routing.h"
#include "domain/sla.h"
#include "api/tickets.h"
#include "domain/ticket_states.h"
#include "domain/tickets.h"

#define NOTE_MAX 1000
#define PARTS_MAX 50
#define LOW_SATISFACTION 2 /* this or lower reopens the loop as a complaint */
/* A device's clock is believed within these bounds (see device_time). */
#define DEVICE_SKEW_MAX (5 * 60)
#define DEVICE_AGE_MAX (7 * 86400)

/* ---- input --------------------------------------------------------------- */

static const struct json_field transition_fields[] = {
	{ "action", JSON_STRING, JF_REQUIRED, 24 },
	{ "note", JSON_STRING, 0, NOTE_MAX },
	{ "assignee_id", JSON_INTEGER, 0, 0 },
	{ "latitude", JSON_REAL, 0, 0 },
	{ "longitude", JSON_REAL, 0, 0 },
	{ "work", JSON_OBJECT, 0, 0 },
	{ "satisfaction", JSON_INTEGER, 0, 0 },
	{ "comment", JSON_STRING, 0, NOTE_MAX },
	{ "centre", JSON_STRING, 0, 31 },
	{ "device_time", JSON_STRING, 0, 40 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field work_fields[] = {
	{ "fault_code", JSON_STRING, 0, 63 },
	{ "cause", JSON_STRING, JF_REQUIRED, TICKET_TEXT_SIZE - 1 },
	{ "actions", JSON_STRING, JF_REQUIRED, TICKET_TEXT_SIZE - 1 },
	{ "minutes_spent", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "parts", JSON_ARRAY, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field part_fields[] = {
	{ "part_number", JSON_STRING, JF_REQUIRED, 63 },
	{ "old_serial", JSON_STRING, 0, 63 },
	{ "new_serial", JSON_STRING, JF_REQUIRED, 63 },
	{ "supplier", JSON_STRING, 0, 127 },
	{ "lot", JSON_STRING, 0, 63 },
	{ NULL, 0, 0, 0 },
};

/* What one request asks for, validated. */
struct transition_in {
	const struct ticket_transition *tr;
	char note[NOTE_MAX + 1];
	int64_t assignee_id;
	int has_position;
	double latitude, longitude;
	int satisfaction;
	char comment[NOTE_MAX + 1];
	char centre[32];
	struct ticket_work work;
	const json_t *parts; /* borrowed from the body */
	int has_device_time;
	int64_t device_time; /* when the device says it happened (work recorded offline) */
};

/* Members the action does not use are refused by name, so a client that
 * sends GPS with "accept" expecting it stored learns it is not. */
static void check_members(struct resp *resp, const json_t *body, const struct ticket_transition *tr)
{
	static const struct {
		const char *name;
		unsigned member;
	} members[] = {
		{ "assignee_id", M_ASSIGNEE },   { "latitude", M_POSITION },
		{ "longitude", M_POSITION },     { "work", M_WORK },
		{ "satisfaction", M_FOLLOW_UP }, { "comment", M_FOLLOW_UP },
		{ "centre", M_CENTRE },
	};
	char ptr[32];

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		int present = json_object_get(body, members[i].name) != NULL;

		snprintf(ptr, sizeof(ptr), "/%s", members[i].name);
		if (present && !(tr->members & members[i].member))
			http_invalid(resp, ptr, "is not used by the action %s", tr->action);
		else if (!present && (tr->required & members[i].member) &&
			 strcmp(members[i].name, "comment") != 0)
			http_invalid(resp, ptr, "is required by the action %s", tr->action);
	}
}

static void take_position(struct resp *resp, const json_t *body, struct transition_in *in)
{
	json_t *lat = json_object_get(body, "latitude"), *lon = json_object_get(body, "longitude");

	if (!lat && !lon)
		return;
	if (!lat || !lon) {
		http_invalid(resp, lat ? "/longitude" : "/latitude",
			     "latitude and longitude come together");
		return;
	}
	in->latitude = json_number_value(lat);
	in->longitude = json_number_value(lon);
	if (!(in->latitude >= -90 && in->latitude <= 90))
		http_invalid(resp, "/latitude", "must be between -90 and 90");
	if (!(in->longitude >= -180 && in->longitude <= 180))
		http_invalid(resp, "/longitude", "must be between -180 and 180");
	in->has_position = 1;
}

static void take_work(struct resp *resp, const json_t *work, struct transition_in *in)
{
	json_t *minutes, *parts;

	if (!work || registry_json_check(&resp->problem, work, "/work", work_fields) != ERR_OK)
		return;
	registry_take_text(&resp->problem, work, "/work", "fault_code", in->work.fault_code,
			   sizeof(in->work.fault_code), TEXT_CODE);
	registry_take_text(&resp->problem, work, "/work", "cause", in->work.cause,
			   sizeof(in->work.cause), TEXT_REQUIRED | TEXT_MULTILINE);
	registry_take_text(&resp->problem, work, "/work", "actions", in->work.actions,
			   sizeof(in->work.actions), TEXT_REQUIRED | TEXT_MULTILINE);
	minutes = json_object_get(work, "minutes_spent");
	in->work.minutes_spent = json_integer_value(minutes);
	if (in->work.minutes_spent < 0 || in->work.minutes_spent > 100000)
		http_invalid(resp, "/work/minutes_spent", "must be 0 to 100000");
	parts = json_object_get(work, "parts");
	if (json_array_size(parts) > PARTS_MAX)
		http_invalid(resp, "/work/parts", "at most %d parts per job", PARTS_MAX);
	in->parts = parts;
}

/* device_time: an RFC 3339 instant (a date alone is not a time). */
static void take_device_time(struct resp *resp, const json_t *body, struct transition_in *in)
{
	const char *s = json_string_value(json_object_get(body, "device_time"));

	if (!s)
		return;
	if (!strchr(s, 'T') || clock_parse(s, &in->device_time) < 0) {
		http_invalid(resp, "/device_time", "must be an RFC 3339 time");
		return;
	}
	in->has_device_time = 1;
}

/* The body's shape and its action: checked before the ticket is read. */
static enum err parse_action(struct req *req, struct resp *resp, struct transition_in *in)
{
	const char *action = json_string_value(json_object_get(req->json, "action"));
	enum err e = req_json_check(req, resp, transition_fields);

	if (e != ERR_OK)
		return e;
	in->tr = ticket_transition_find(action);
	return in->tr ? ERR_OK : http_invalid(resp, "/action", "unknown action");
}

/* The members the action needs: checked once the action is known to be
 * allowed here, so a refused action is a 409, not a list of members. */
static enum err parse_members(struct req *req, struct resp *resp, struct transition_in *in)
{
	const json_t *body = req->json;
	json_t *sat;

	check_members(resp, body, in->tr);
	registry_take_text(&resp->problem, body, "", "note", in->note, sizeof(in->note),
			   TEXT_MULTILINE);
	/* A reason is words: white space alone is none. */
	if (in->tr->note_required && registry_blank(in->note) &&
	    !problem_count(&resp->problem)) /* say why: a decline or cancel needs a reason */
		http_invalid(resp, "/note", "the action %s needs a reason", in->tr->action);
	registry_take_id(&resp->problem, body, "", "assignee_id", &in->assignee_id);
	take_position(resp, body, in);
	take_work(resp, json_object_get(body, "work"), in);
	sat = json_object_get(body, "satisfaction");
	if (sat) {
		in->satisfaction = (int)json_integer_value(sat);
		if (json_integer_value(sat) < 1 || json_integer_value(sat) > 5)
			http_invalid(resp, "/satisfaction", "must be 1 to 5");
	}
	registry_take_text(&resp->problem, body, "", "comment", in->comment, sizeof(in->comment),
			   TEXT_MULTILINE);
	registry_take_text(&resp->problem, body, "", "centre", in->centre, sizeof(in->centre),
			   TEXT_REQUIRED | TEXT_CODE);
	take_device_time(resp, body, in);
	return problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
}

/* ---- applying ------------------------------------------------------------ */

struct flow {
	struct req *req;
	struct resp *resp;
	struct transition_in *in;
	struct ticket_row *t;
	char before_status[20];
	int64_t before_assignee;
	char before_centre[32];
	int64_t now;          /* the server's clock: the history entry's "at" */
	int64_t at;           /* when it happened: the device's clock when plausible */
	json_t *detail;       /* of the history entry; owned */
	int64_t complaint_id; /* a low score opened this one */
};

static double distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6371.0, rad = 3.14159265358979323846 / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * r * atan2(sqrt(a), sqrt(1 - a));
}

static enum err do_assign(struct flow *f)
{
	char username[64];
	enum err e =
	    tickets_store_technician_of(f->req->db, f->in->assignee_id, f->t->centre, username);

	if (e == ERR_NOT_FOUND)
		return http_invalid(f->resp, "/assignee_id",
				    "is not an active technician of centre %s", f->t->centre);
	if (e != ERR_OK)
		return e;
	f->t->assignee_id = f->in->assignee_id;
	json_object_set_new(f->detail, "assignee", json_string(username));
	return ERR_OK;
}

/* The clock stood still from paused_at to now: every target not yet met
 * moves by the countable time that passed. */
static enum err do_resume(struct flow *f)
{
	struct ticket_row *t = f->t;
	int round_the_clock = 0;
	enum err e = tickets_store_round_the_clock(f->req->db, t->priority, &round_the_clock);

	if (e == ERR_OK && !t->responded_at)
		e = sla_shift(f->req->db, round_the_clock, t->paused_at, f->now, &t->response_due);
	if (e == ERR_OK && !t->arrived_at)
		e = sla_shift(f->req->db, round_the_clock, t->paused_at, f->now, &t->arrival_due);
	if (e == ERR_OK && !t->resolved_at)
		e = sla_shift(f->req->db, round_the_clock, t->paused_at, f->now,
			      &t->resolution_due);
	if (e != ERR_OK)
		return e;
	json_object_set_new(f->detail, "paused_seconds", json_integer(f->now - t->paused_at));
	t->paused_seconds += f->now - t->paused_at;
	t->paused_at = 0;
	return ERR_OK;
}

static enum err replace_part(struct flow *f, size_t i, const json_t *item, json_t *replaced)
{
	struct ticket_part p = { 0 };
	char prefix[40], ptr[64], summary[256], found_serial[64];
	struct resp *resp = f->resp;
	size_t errors = problem_count(&resp->problem);
	json_t *detail;
	enum err e;

	snprintf(prefix, sizeof(prefix), "/work/parts/%zu", i);
	if (registry_json_check(&resp->problem, item, prefix, part_fields) != ERR_OK)
		return ERR_INVALID;
	registry_take_text(&resp->problem, item, prefix, "part_number", p.part_number,
			   sizeof(p.part_number), TEXT_REQUIRED);
	registry_take_text(&resp->problem, item, prefix, "old_serial", p.old_serial,
			   sizeof(p.old_serial), 0);
	registry_take_text(&resp->problem, item, prefix, "new_serial", p.new_serial,
			   sizeof(p.new_serial), TEXT_REQUIRED);
	registry_take_text(&resp->problem, item, prefix, "supplier", p.supplier, sizeof(p.supplier),
			   0);
	registry_take_text(&resp->problem, item, prefix, "lot", p.lot, sizeof(p.lot), 0);
	if (problem_count(&resp->problem) != errors)
		return ERR_INVALID;
	e = tickets_store_component_find(f->req->db, f->t->asset_id, p.part_number, p.old_serial,
					 &p.old_component_id, found_serial);
	if (e == ERR_NOT_FOUND) {
		snprintf(ptr, sizeof(ptr), "%s/%s", prefix,
			 p.old_serial[0] ? "old_serial" : "part_number");
		return http_invalid(resp, ptr, "no such component is fitted to asset %lld",
				    (long long)f->t->asset_id);
	}
	if (e != ERR_OK)
		return e;
	snprintf(p.old_serial, sizeof(p.old_serial), "%s", found_serial);
	e = tickets_store_component_swap(f->req->db, f->t->asset_id, p.old_component_id, &p, f->now,
					 &p.new_component_id);
	if (e == ERR_OK)
		e = tickets_store_part_add(f->req->db, f->t->id, &p);
	if (e != ERR_OK)
		return e;
	detail = json_pack("{s:I, s:s, s:s, s:s}", "ticket_id", (json_int_t)f->t->id, "part_number",
			   p.part_number, "old_serial", p.old_serial, "new_serial", p.new_serial);
	snprintf(summary, sizeof(summary), "%s replaced: %s -> %s", p.part_number,
		 p.old_serial[0] ? p.old_serial : "(no serial)", p.new_serial);
	e = detail ? asset_timeline_append(f->req->db, f->t->asset_id, f->now, "part_replacement",
					   summary, detail, f->req->user.user_id)
		   : ERR_INTERNAL;
	json_array_append(replaced, detail);
	json_decref(detail);
	return e;
}

static enum err do_resolve(struct flow *f)
{
	const json_t *parts = f->in->parts;
	json_t *replaced = json_array();
	enum err e = ERR_OK;

	if (json_array_size(parts) && !f->t->asset_id)
		e = http_invalid(f->resp, "/work/parts", "this ticket names no asset");
	for (size_t i = 0; e == ERR_OK && i < json_array_size(parts); i++)
		e = replace_part(f, i, json_array_get(parts, i), replaced);
	if (e == ERR_OK) {
		f->in->work.recorded_by = f->req->user.user_id;
		f->in->work.recorded_at = f->now;
		e = tickets_store_work_put(f->req->db, f->t->id, &f->in->work);
	}
	if (e == ERR_OK) {
		json_object_set_new(f->detail, "fault_code", json_string(f->in->work.fault_code));
		json_object_set_new(f->detail, "minutes_spent",
				    json_integer(f->in->work.minutes_spent));
		json_object_set(f->detail, "parts", replaced);
		f->t->resolved_at = f->at;
	}
	json_decref(replaced);
	return e;
}

static enum err do_reroute(struct flow *f)
{
	struct ticket_row *t = f->t;
	struct centre_row c;
	struct routing_input ri = { .region_path = t->region_path,
				    .product_line = t->product_line,
				    .has_position = t->has_position,
				    .latitude = t->latitude,
				    .longitude = t->longitude,
				    .exclude_centre = t->centre };
	json_t *doc = NULL;
	char *text;
	enum err e;

	if (f->in->centre[0]) {
		e = regions_store_centre_get(f->req->db, f->in->centre, &c);
		if (e == ERR_NOT_FOUND)
			return http_invalid(f->resp, "/centre", "no such centre");
		if (e != ERR_OK)
			return e;
		if (strcmp(c.code, t->centre) == 0)
			return http_invalid(f->resp, "/centre", "the ticket is already there");
		doc = json_pack("{s:s, s:s, s:s, s:[]}", "centre", c.code, "rule", "manual",
				"reason", f->in->note, "candidates");
		snprintf(t->centre, sizeof(t->centre), "%s", c.code);
	} else {
		e = routing_decide(f->req->db, &ri, t->centre, &doc);
		if (e == ERR_NOT_FOUND)
			return http_fail(f->resp, ERR_CONFLICT, "no other centre can take it");
		if (e != ERR_OK)
			return e;
		json_object_set_new(doc, "note", json_string(f->in->note));
	}
	if (!doc)
		return ERR_INTERNAL;
	json_object_set_new(doc, "previous_centre", json_string(f->before_centre));
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return ERR_INTERNAL;
	snprintf(t->routing, sizeof(t->routing), "%s",
		 strlen(text) < sizeof(t->routing) ? text : "{}");
	free(text);
	t->assignee_id = 0;
	json_object_set_new(f->detail, "centre", json_string(t->centre));
	return ERR_OK;
}

/* A low score reopens the loop (tickets_open_complaint_locked). */
static enum err open_complaint(struct flow *f)
{
	struct audit_actor actor;
	enum err e;

	audit_actor_from_req(f->req, &actor);
	e = tickets_open_complaint_locked(f->req->db, &actor, f->req->user.user_id, f->t,
					  f->in->satisfaction, f->in->comment, &f->complaint_id);
	if (e == ERR_OK)
		json_object_set_new(f->detail, "complaint_ticket_id",
				    json_integer(f->complaint_id));
	return e;
}

/* Work recorded offline carries the device's clock. Its SLA facts
 * (responded, arrived, resolved) use it when plausible: not ahead of the
 * server by more than DEVICE_SKEW_MAX, not older than DEVICE_AGE_MAX, not
 * before the ticket was opened nor before the previous transition took
 * effect. Otherwise the server's time counts and the history says why; the
 * device's time is kept either way. */
static enum err device_time(struct flow *f)
{
	int64_t dt = f->in->device_time, previous = 0;
	const char *why = NULL;
	enum err e;

	f->at = f->now;
	if (!f->in->has_device_time)
		return ERR_OK;
	if (dt > f->now + DEVICE_SKEW_MAX)
		why = "ahead of the server's clock";
	else if (dt < f->now - DEVICE_AGE_MAX)
		why = "older than 7 days";
	else if (dt < f->t->created_at)
		why = "before the ticket was opened";
	if (!why) {
		e = tickets_store_last_event_time(f->req->db, f->t->id, &previous);
		if (e != ERR_OK)
			return e;
		if (dt < previous)
			why = "before the previous transition";
	}
	if (!why)
		f->at = dt;
	json_object_set_new(f->detail, "time_source", json_string(why ? "server" : "device"));
	if (why)
		json_object_set_new(f->detail, "device_time_rejected", json_string(why));
	return ERR_OK;
}

/* The action's effect on the ticket, then its next status. A switch over
 * every action (no default): a new action without an effect is a warning. */
static enum err apply(struct flow *f)
{
	struct ticket_row *t = f->t;
	enum err e = ERR_OK;

	switch (f->in->tr->id) {
	case TA_ASSIGN:
		e = do_assign(f);
		break;
	case TA_ACCEPT:
		if (!t->responded_at)
			t->responded_at = f->at;
		break;
	case TA_DECLINE:
		t->assignee_id = 0;
		break;
	case TA_DEPART:
		break;
	case TA_ARRIVE:
		if (!t->arrived_at)
			t->arrived_at = f->at;
		if (t->has_position)
			json_object_set_new(
			    f->detail, "distance_from_site_km",
			    json_real(round(distance_km(f->in->latitude, f->in->longitude,
							t->latitude, t->longitude) *
					    100) /
				      100));
		break;
	case TA_RESOLVE:
		e = do_resolve(f);
		break;
	case TA_WAIT:
		snprintf(t->paused_status, sizeof(t->paused_status), "%s", t->status);
		t->paused_at = f->now;
		break;
	case TA_RESUME:
		e = do_resume(f);
		break;
	case TA_FOLLOW_UP:
		break;
	case TA_CLOSE:
		t->satisfaction = f->in->satisfaction;
		snprintf(t->feedback, sizeof(t->feedback), "%s", f->in->comment);
		t->closed_at = f->now;
		json_object_set_new(f->detail, "satisfaction", json_integer(t->satisfaction));
		break;
	case TA_CANCEL:
		break;
	case TA_REOPEN:
		t->resolved_at = 0;
		t->closed_at = 0;
		t->satisfaction = 0;
		t->feedback[0] = '\0';
		break;
	case TA_REROUTE:
		e = do_reroute(f);
		break;
	case TA__COUNT:
		return ERR_INTERNAL;
	}
	if (e != ERR_OK)
		return e;
	if (f->in->tr->to != TS__PAUSED) {
		snprintf(t->status, sizeof(t->status), "%s", ticket_status_name(f->in->tr->to));
	} else { /* resume */
		snprintf(t->status, sizeof(t->status), "%s", t->paused_status);
		t->paused_status[0] = '\0';
	}
	t->updated_at = f->now;
	return tickets_store_update(f->req->db, t);
}

/* The webhook event of a transition, and the technician told of a job
 * assigned to them: written in the transition's own transaction. */
static const char *event_type(const char *action)
{
	static const struct {
		const char *action, *event;
	} map[] = {
		{ "assign", "ticket.assigned" },  { "reassign", "ticket.assigned" },
		{ "accept", "ticket.accepted" },  { "decline", "ticket.declined" },
		{ "resolve", "ticket.resolved" }, { "close", "ticket.closed" },
		{ "cancel", "ticket.cancelled" }, { "reopen", "ticket.reopened" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].action, action) == 0)
			return map[i].event;
	return "ticket.status_changed";
}

static enum err notify_transition(struct flow *f, const char *action, const char *number)
{
	const struct ticket_row *t = f->t;
	json_t *event = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "ticket_id", (json_int_t)t->id, "number", number,
	    "action", action, "from", f->before_status, "status", t->status, "centre", t->centre,
	    "assignee_id", t->assignee_id ? json_integer(t->assignee_id) : json_null());
	char title[TICKET_TITLE_SIZE + 64], key[64];
	const struct notify_scope where = { .region_path = t->region_path, .centre = t->centre };
	enum err e =
	    event ? notify_event(f->req->db, event_type(action), &where, event) : ERR_INTERNAL;

	if (e == ERR_OK && t->assignee_id && f->in->tr->id == TA_ASSIGN) {
		snprintf(title, sizeof(title), "%s assigned to you: %s", number, t->title);
		snprintf(key, sizeof(key), "assign:%lld:%lld", (long long)t->id,
			 (long long)t->version);
		e = notify_user(f->req->db, t->assignee_id, "ticket.assigned", title, event, key);
	}
	json_decref(event);
	return e;
}

/* The history entry, the asset's timeline and the audit log. */
static enum err record(struct flow *f)
{
	struct ticket_row *t = f->t;
	const char *action = f->in->tr->action;
	struct audit_actor actor;
	char number[24], summary[192], id_text[24];
	json_t *before, *after, *timeline;
	enum err e;

	if (strcmp(action, "assign") == 0 && strcmp(f->before_status, "assigned") == 0)
		action = "reassign";
	e = tickets_event_locked(f->req->db, t->id,
				 &(struct ticket_event_in){ .at = f->now,
							    .action = action,
							    .from = f->before_status,
							    .to = t->status,
							    .actor_id = f->req->user.user_id,
							    .note = f->in->note,
							    .has_position = f->in->has_position,
							    .latitude = f->in->latitude,
							    .longitude = f->in->longitude,
							    .detail = f->detail,
							    .has_device_at = f->in->has_device_time,
							    .device_at = f->in->device_time });
	if (e != ERR_OK)
		return e;
	tickets_number(t->id, number);
	if (t->asset_id) {
		snprintf(summary, sizeof(summary), "%s %s by %s: %s", number, action,
			 f->req->user.username, t->status);
		timeline = json_pack("{s:I, s:s, s:s, s:s, s:s, s:O}", "ticket_id",
				     (json_int_t)t->id, "number", number, "action", action,
				     "status", t->status, "note", f->in->note, "detail", f->detail);
		if (timeline && f->in->has_position) {
			json_object_set_new(timeline, "latitude", json_real(f->in->latitude));
			json_object_set_new(timeline, "longitude", json_real(f->in->longitude));
		}
		e = timeline ? asset_timeline_append(f->req->db, t->asset_id, f->now, "service",
						     summary, timeline, f->req->user.user_id)
			     : ERR_INTERNAL;
		json_decref(timeline);
		if (e != ERR_OK)
			return e;
	}
	e = notify_transition(f, action, number);
	/* The customer's contact gets the visit's service report (issue 20). */
	if (e == ERR_OK && strcmp(action, "close") == 0)
		e = service_report_mail_locked(f->req->db, t, f->now);
	if (e != ERR_OK)
		return e;
	before = json_pack("{s:s, s:o, s:s}", "status", f->before_status, "assignee_id",
			   f->before_assignee ? json_integer(f->before_assignee) : json_null(),
			   "centre", f->before_centre);
	after = json_pack("{s:s, s:o, s:s, s:s}", "status", t->status, "assignee_id",
			  t->assignee_id ? json_integer(t->assignee_id) : json_null(), "centre",
			  t->centre, "note", f->in->note);
	snprintf(id_text, sizeof(id_text), "ticket.%s", action);
	audit_actor_from_req(f->req, &actor);
	{
		char object_id[24];

		snprintf(object_id, sizeof(object_id), "%lld", (long long)t->id);
		e = before && after ? audit_append(f->req->db, &actor, id_text, "ticket", object_id,
						   before, after)
				    : ERR_INTERNAL;
	}
	json_decref(before);
	json_decref(after);
	return e;
}

/* 409 naming what the caller may do from here. */
static enum err refuse(struct resp *resp, const struct ticket_row *t, const struct principal *who,
		       const char *action)
{
	json_t *allowed = ticket_flow_allowed(t, who);
	char list[256] = "";

	for (size_t i = 0; i < json_array_size(allowed); i++) {
		size_t n = strlen(list);

		snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
			 json_string_value(json_array_get(allowed, i)));
	}
	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:s, s:o}", "ticket_status", t->status, "allowed", allowed);
	return http_fail(resp, ERR_CONFLICT, "cannot %s a ticket that is %s; allowed: %s", action,
			 t->status, list[0] ? list : "none");
}

static enum err if_match(struct req *req, struct resp *resp, const struct ticket_row *t)
{
	json_t *current = NULL;
	char tag[32];
	enum err e;

	snprintf(tag, sizeof(tag), "\"v%lld\"", (long long)t->version);
	if (req_if_match(req, tag))
		return ERR_OK;
	/* The current state goes with the refusal, so a device can merge. */
	e = tickets_full_json(req->db, t->id, &req->user, &current);
	if (e != ERR_OK)
		return e;
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:o}", "current", current);
	resp_header(resp, "ETag", tag);
	return http_fail(resp, ERR_PRECONDITION, "the ticket changed (now %s)", tag);
}

/* A job resolves with its checklist's required items answered and, where
 * the contract asks for it, the customer's sign-off of the visit; it
 * closes only with that sign-off (domain/checklists.h). 409 naming what is
 * missing. */
static enum err completion_check(struct req *req, struct resp *resp, const struct ticket_row *t,
				 int resolving)
{
	json_t *missing = NULL, *items = NULL;
	enum err e = checklists_completion(req->db, t, resolving, &missing, &items);

	if (e == ERR_OK && json_array_size(missing)) {
		int sign = json_array_size(missing) > 1 ||
			   strcmp(json_string_value(json_array_get(missing, 0)), "signoff") == 0;

		json_decref(resp->problem.extra);
		resp->problem.extra =
		    json_pack("{s:O, s:O}", "missing", missing, "missing_items", items);
		e = http_fail(
		    resp, ERR_CONFLICT, "cannot %s yet: %s%s%s", resolving ? "resolve" : "close",
		    json_array_size(items) ? "the checklist's required items are unanswered" : "",
		    json_array_size(items) && sign ? "; " : "",
		    sign ? "the contract requires the customer's sign-off "
			   "(POST /v1/tickets/{id}/signoff)"
			 : "");
	}
	json_decref(missing);
	json_decref(items);
	return e;
}

static enum err post_transition(struct req *req, struct resp *resp)
{
	struct transition_in *in = calloc(1, sizeof(*in));
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct scope sc;
	struct flow f = { .req = req, .resp = resp, .in = in, .t = t };
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (!in || !t)
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = parse_action(req, resp, in);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	sc = req->user.scope;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no ticket %lld", (long long)id);
	else if (e == ERR_OK && !ticket_transition_from(in->tr, t->status))
		e = refuse(resp, t, &req->user, in->tr->action);
	else if (e == ERR_OK && !ticket_transition_caller_may(in->tr, t, &req->user))
		e = http_fail(resp, ERR_FORBIDDEN, "%s",
			      in->tr->by == BY_ASSIGNEE ? "only the assigned technician may do this"
			      : in->tr->by == BY_SUPERVISOR
				  ? "only a supervisor may re-route a ticket"
				  : "your role may not do this");
	if (e == ERR_OK)
		e = if_match(req, resp, t);
	if (e == ERR_OK)
		e = parse_members(req, resp, in);
	if (e == ERR_OK && (in->tr->id == TA_RESOLVE || in->tr->id == TA_CLOSE))
		e = completion_check(req, resp, t, in->tr->id == TA_RESOLVE);
	if (e == ERR_OK) {
		f.now = clock_now();
		snprintf(f.before_status, sizeof(f.before_status), "%s", t->status);
		snprintf(f.before_centre, sizeof(f.before_centre), "%s", t->centre);
		f.before_assignee = t->assignee_id;
		f.detail = json_object();
		e = f.detail ? device_time(&f) : ERR_INTERNAL;
		if (e == ERR_OK)
			e = apply(&f);
	}
	if (e == ERR_OK && in->tr->id == TA_CLOSE && in->satisfaction <= LOW_SATISFACTION)
		e = open_complaint(&f);
	if (e == ERR_OK)
		e = record(&f);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	if (e == ERR_OK && f.complaint_id) {
		char link[64];

		snprintf(link, sizeof(link), "</v1/tickets/%lld>; rel=\"related\"",
			 (long long)f.complaint_id);
		resp_header(resp, "Link", link);
	}
	if (e == ERR_OK)
		e = tickets_answer(req, resp, id, 200);
out:
	json_decref(f.detail);
	free(in);
	free(t);
	return e;
}

const struct route ticket_flow_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/tickets/{id}/transitions",
	  .handler = post_transition,
	  .perm = PERM_TICKETS_WORK,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
