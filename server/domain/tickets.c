/* Service tickets: intake from every channel, the ticket as the API shows
 * it, queries, and dispatch candidates. The state machine is in
 * server/api/ticket_flow.c. */
#include "domain/tickets.h"
#include "domain/ticket_states.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "domain/assets.h"
#include "domain/timeline.h"
#include "domain/catalogue.h"
#include "domain/checklists.h"
#include "domain/contracts.h"
#include "domain/delivery.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/escalation_store.h"
#include "domain/notify.h"
#include "domain/qr.h"
#include "domain/registry.h"
#include "domain/routing.h"
#include "domain/sla.h"

#define TITLE_MAX 200
#define DESCRIPTION_MAX 4000
#define CODE_INPUT_MAX 512

void tickets_number(int64_t id, char out[24])
{
	snprintf(out, 24, "FT-%06lld", (long long)id);
}

/* ---- the ticket as JSON ------------------------------------------------- */

static json_t *time_or_null(int64_t t)
{
	char s[32];

	if (!t)
		return json_null();
	clock_format(t, s, sizeof(s));
	return json_string(s);
}

/* created_at and updated_at are NOT NULL columns: always a time, even 0. */
static json_t *time_json(int64_t t)
{
	char s[32];

	clock_format(t, s, sizeof(s));
	return json_string(s);
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

/* A target is missed when met late, or still unmet past its due time on
 * the running clock (which stands still while paused). */
static json_t *breaches(const struct ticket_row *t, int64_t now)
{
	int64_t ref = t->paused_at ? t->paused_at : now;
	json_t *list = json_array();

	if (strcmp(t->status, "cancelled") == 0)
		ref = t->updated_at;
	if (t->responded_at ? t->responded_at > t->response_due : ref > t->response_due)
		json_array_append_new(list, json_string("response"));
	if (t->arrived_at ? t->arrived_at > t->arrival_due : ref > t->arrival_due)
		json_array_append_new(list, json_string("arrival"));
	if (t->resolved_at ? t->resolved_at > t->resolution_due : ref > t->resolution_due)
		json_array_append_new(list, json_string("resolution"));
	return list;
}

static json_t *sla_json(const struct ticket_row *t)
{
	return json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:I, s:o, s:i, s:b}", "response_due",
	    time_or_null(t->response_due), "arrival_due", time_or_null(t->arrival_due),
	    "resolution_due", time_or_null(t->resolution_due), "responded_at",
	    time_or_null(t->responded_at), "arrived_at", time_or_null(t->arrived_at), "resolved_at",
	    time_or_null(t->resolved_at), "closed_at", time_or_null(t->closed_at), "paused",
	    t->paused_at != 0, "paused_at", time_or_null(t->paused_at), "paused_seconds",
	    (json_int_t)t->paused_seconds, "breached", breaches(t, clock_now()), "escalation_level",
	    t->escalation_level, "escalation_waiting", t->escalation_waiting);
}

static json_t *routing_json(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL);

	return json_is_object(doc) ? doc : (json_decref(doc), json_object());
}

json_t *tickets_json(const struct ticket_row *t, const struct principal *who, int reveal)
{
	char number[24], name[128], phone[40];
	json_t *doc;

	tickets_number(t->id, number);
	if (reveal) {
		snprintf(name, sizeof(name), "%s", t->contact_name);
		snprintf(phone, sizeof(phone), "%s", t->contact_phone);
	} else {
		registry_mask_name(t->contact_name, name, sizeof(name));
		registry_mask_phone(t->contact_phone, phone, sizeof(phone));
	}
	doc = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:{s:I, s:s, s:s}, s:o, s:o, s:s, s:o, s:{s:s, s:b}, s:{s:s, s:s},"
	    " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o}",
	    "id", (json_int_t)t->id, "number", number, "channel", t->channel, "category",
	    t->category, "subcategory", t->subcategory, "status", t->status, "title", t->title,
	    "description", t->description, "impact", t->impact, "urgency", t->urgency, "priority",
	    t->priority, "customer", "id", (json_int_t)t->customer_id, "name", t->customer_name,
	    "tier", t->customer_tier, "site",
	    t->site_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->site_id, "name", t->site_name)
		       : json_null(),
	    "asset",
	    t->asset_id ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)t->asset_id, "serial",
				    t->asset_serial, "model", t->model_code)
			: json_null(),
	    "region_path", t->region_path, "product_line",
	    t->product_line[0] ? json_string(t->product_line) : json_null(), "warranty", "status",
	    t->warranty_status, "billable", t->billable, "contact", "name", name, "phone", phone,
	    "centre", t->centre[0] ? json_string(t->centre) : json_null(), "routing",
	    routing_json(t->routing), "assignee",
	    t->assignee_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->assignee_id, "username",
				       t->assignee_username)
			   : json_null(),
	    "parent_id", id_or_null(t->parent_id), "sla", sla_json(t), "follow_up",
	    t->satisfaction
		? json_pack("{s:i, s:s}", "satisfaction", t->satisfaction, "comment", t->feedback)
		: json_null(),
	    "allowed_actions", who ? ticket_flow_allowed(t, who) : json_array(), "version",
	    (json_int_t)t->version, "created_at", time_json(t->created_at), "updated_at",
	    time_json(t->updated_at));
	if (doc)
		json_object_set_new(doc, "client_id",
				    t->client_id[0] ? json_string(t->client_id) : json_null());
	return doc;
}

/* ---- opening a ticket ------------------------------------------------- */

/* The routing document as stored: compact, and without its candidate list
 * if that would not fit the column's reader. */
static void routing_text(json_t *doc, char *out, size_t size)
{
	char *text = json_dumps(doc, JSON_COMPACT);

	if (text && strlen(text) >= size) {
		free(text);
		json_object_set_new(doc, "candidates_omitted", json_true());
		json_object_del(doc, "candidates");
		text = json_dumps(doc, JSON_COMPACT);
	}
	snprintf(out, size, "%s", text && strlen(text) < size ? text : "{}");
	free(text);
}

static enum err route_ticket(struct db *db, struct ticket_row *t, const struct ticket_facts *f,
			     const char *rule, const char *reason)
{
	struct routing_input in = { .region_path = t->region_path,
				    .product_line = t->product_line,
				    .has_position = f->has_position,
				    .latitude = f->latitude,
				    .longitude = f->longitude };
	json_t *doc = NULL;
	enum err e;

	if (t->centre[0]) { /* decided by the caller (a follow-up complaint) */
		doc = json_pack("{s:s, s:s, s:s, s:[]}", "centre", t->centre, "rule", rule,
				"reason", reason, "candidates");
		e = doc ? ERR_OK : ERR_INTERNAL;
	} else {
		e = routing_decide(db, &in, t->centre, &doc);
		if (e == ERR_NOT_FOUND) {
			t->centre[0] = '\0';
			json_decref(doc);
			doc = json_pack("{s:n, s:s, s:s, s:[]}", "centre", "rule", "none", "reason",
					"no service centre is configured", "candidates");
			e = doc ? ERR_OK : ERR_INTERNAL;
		}
	}
	if (e == ERR_OK)
		routing_text(doc, t->routing, sizeof(t->routing));
	json_decref(doc);
	return e;
}

enum err tickets_event_locked(struct db *db, int64_t ticket_id, const struct ticket_event_in *in)
{
	struct ticket_event *ev = calloc(1, sizeof(*ev));
	char *text = in->detail ? json_dumps(in->detail, JSON_COMPACT) : NULL;
	enum err e = ERR_INTERNAL;

	if (ev && (!in->detail || text)) {
		ev->at = in->at;
		snprintf(ev->action, sizeof(ev->action), "%s", in->action);
		snprintf(ev->from_status, sizeof(ev->from_status), "%s", in->from ? in->from : "");
		snprintf(ev->to_status, sizeof(ev->to_status), "%s", in->to);
		ev->actor_id = in->actor_id;
		snprintf(ev->note, sizeof(ev->note), "%s", in->note ? in->note : "");
		ev->has_position = in->has_position;
		ev->latitude = in->latitude;
		ev->longitude = in->longitude;
		snprintf(ev->detail, sizeof(ev->detail), "%s", text ? text : "{}");
		ev->has_device_at = in->has_device_at;
		ev->device_at = in->device_at;
		e = tickets_store_event_add(db, ticket_id, ev);
	}
	free(text);
	free(ev);
	return e;
}

enum err tickets_open_locked(struct db *db, const struct audit_actor *actor, int64_t actor_id,
			     struct ticket_row *t, const struct ticket_facts *facts,
			     const char *routing_rule, const char *routing_reason, int64_t *id_out)
{
	struct sla_targets targets;
	struct sla_deadlines due;
	struct entitlement *en = NULL;
	char number[24], summary[TICKET_TITLE_SIZE + 64], id_text[24], today[11];
	json_t *after = NULL, *detail = NULL;
	int64_t now = clock_now(), id = 0;
	enum err e;

	e = sla_priority(db, t->customer_tier, t->impact, t->urgency, t->category, &targets);
	/* What covers the unit today decides the billing, and a contract's
	 * shorter response and resolution times win over the tier's. */
	if (e == ERR_OK && t->asset_id) {
		en = calloc(1, sizeof(*en));
		registry_date_of(now, today);
		e = en ? contracts_entitlement_at(db, t->asset_id, t->site_id, t->warranty_status,
						  today, en)
		       : ERR_INTERNAL;
		if (e == ERR_OK) {
			contracts_apply_targets(en, &targets);
			t->billable = strcmp(en->billing, "billable") == 0;
		}
	}
	if (e == ERR_OK)
		e = sla_deadlines(db, &targets, now, &due);
	if (e == ERR_OK)
		e = route_ticket(db, t, facts, routing_rule, routing_reason);
	if (e != ERR_OK) {
		free(en);
		return e;
	}
	snprintf(t->priority, sizeof(t->priority), "%s", targets.priority);
	t->response_due = due.response;
	t->arrival_due = due.arrival;
	t->resolution_due = due.resolution;
	snprintf(t->status, sizeof(t->status), "%s", t->centre[0] ? "routed" : "new");
	t->created_by = actor_id;
	t->created_at = t->updated_at = now;
	e = tickets_store_insert(db, t, &id);
	if (e == ERR_OK && en)
		e = contracts_ticket_record(db, id, en);
	free(en);
	if (e == ERR_OK)
		e = tickets_event_locked(
		    db, id,
		    &(struct ticket_event_in){
			.at = now, .action = "create", .to = "new", .actor_id = actor_id });
	if (e == ERR_OK && t->centre[0]) {
		detail = json_pack("{s:s}", "centre", t->centre);
		e = detail ? tickets_event_locked(db, id,
						  &(struct ticket_event_in){ .at = now,
									     .action = "route",
									     .from = "new",
									     .to = "routed",
									     .actor_id = actor_id,
									     .detail = detail })
			   : ERR_INTERNAL;
		json_decref(detail);
	}
	tickets_number(id, number);
	if (e == ERR_OK && t->asset_id) {
		snprintf(summary, sizeof(summary), "%s opened: %s", number, t->title);
		detail =
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?}", "ticket_id", (json_int_t)id,
			      "number", number, "action", "create", "status", t->status, "priority",
			      t->priority, "centre", t->centre[0] ? t->centre : NULL);
		e = detail ? asset_timeline_append(db, t->asset_id, now, "service", summary, detail,
						   actor_id)
			   : ERR_INTERNAL;
		json_decref(detail);
	}
	if (e == ERR_OK) {
		after = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:s}", "number", number,
				  "channel", t->channel, "subcategory", t->subcategory, "priority",
				  t->priority, "status", t->status, "centre",
				  t->centre[0] ? json_string(t->centre) : json_null(),
				  "customer_id", (json_int_t)t->customer_id, "asset_id",
				  id_or_null(t->asset_id), "warranty", t->warranty_status);
		snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
		e = after ? audit_append(db, actor, "ticket.create", "ticket", id_text, NULL, after)
			  : ERR_INTERNAL;
		if (e == ERR_OK) {
			json_object_set_new(after, "ticket_id", json_integer(id));
			e = notify_event(db, "ticket.created",
					 &(struct notify_scope){ .region_path = t->region_path,
								 .centre = t->centre },
					 after);
			/* A new P1 is posted to its centre's group chat at once. */
			if (e == ERR_OK && strcmp(t->priority, "P1") == 0)
				e = delivery_fanout_robots(db, "ticket.created", id, after, now);
		}
		json_decref(after);
	}
	if (e == ERR_OK) {
		t->id = id;
		*id_out = id;
	}
	return e;
}

/* ---- intake ------------------------------------------------------------- */

static int event_add(const struct ticket_event *ev, void *arg)
{
	json_t *list = arg, *detail = json_loads(ev->detail, 0, NULL), *item;
	char at[32];

	clock_format(ev->at, at, sizeof(at));
	item = json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:s?, s:s, s:o, s:o}", "seq",
			 (json_int_t)ev->seq, "at", at, "device_at",
			 ev->has_device_at ? time_or_null(ev->device_at) : json_null(), "action",
			 ev->action, "from",
			 ev->from_status[0] ? json_string(ev->from_status) : json_null(), "to",
			 ev->to_status, "actor_id", id_or_null(ev->actor_id), "actor",
			 ev->actor[0] ? ev->actor : NULL, "note", ev->note, "location",
			 ev->has_position ? json_pack("{s:f, s:f}", "latitude", ev->latitude,
						      "longitude", ev->longitude)
					  : json_null(),
			 "detail", json_is_object(detail) ? detail : json_object());
	if (!json_is_object(detail))
		json_decref(detail);
	json_array_append_new(list, item);
	return 0;
}
static int part_add(const struct ticket_part *p, void *arg)
{
	json_array_append_new(arg,
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "part_number",
					p->part_number, "old_serial", p->old_serial, "new_serial",
					p->new_serial, "supplier", p->supplier, "lot", p->lot,
					"old_component_id", id_or_null(p->old_component_id),
					"new_component_id", id_or_null(p->new_component_id)));
	return 0;
}
static int alert_add(const struct ticket_alert *a, void *arg)
{
	char at[32];

	clock_format(a->at, at, sizeof(at));
	json_array_append_new(arg, json_pack("{s:s, s:s, s:i, s:s}", "target", a->target, "kind",
					     a->kind, "level", a->level, "at", at));
	return 0;
}

/* The ticket's recorded warnings and escalations (ticket_alerts, written
 * by server/domain/escalation.c), oldest first: a new array of
 * {target, kind, level, at}. */
static enum err alerts_json(struct db *db, int64_t ticket_id, json_t **out)
{
	json_t *list = json_array();
	enum err e = list ? escalation_store_alerts(db, ticket_id, alert_add, list) : ERR_INTERNAL;

	if (e != ERR_OK) {
		json_decref(list);
		list = NULL;
	}
	*out = list;
	return e;
}

/* The ticket with its history, work record and parts. */
enum err tickets_full_json_of(struct db *db, const struct ticket_row *t,
			      const struct principal *who, int reveal, json_t **out)
{
	struct ticket_work *w = calloc(1, sizeof(*w));
	json_t *doc = tickets_json(t, who, reveal), *history = json_array(), *parts = json_array();
	enum err e = w && doc && history && parts ? ERR_OK : ERR_INTERNAL;
	char at[32];

	if (e == ERR_OK)
		e = tickets_store_events(db, t->id, event_add, history);
	if (e == ERR_OK)
		e = tickets_store_parts(db, t->id, part_add, parts);
	if (e == ERR_OK) {
		e = tickets_store_work_get(db, t->id, w);
		if (e == ERR_OK) {
			clock_format(w->recorded_at, at, sizeof(at));
			json_object_set_new(doc, "work",
					    json_pack("{s:s, s:s, s:s, s:I, s:o, s:s, s:O}",
						      "fault_code", w->fault_code, "cause",
						      w->cause, "actions", w->actions,
						      "minutes_spent", (json_int_t)w->minutes_spent,
						      "recorded_by", id_or_null(w->recorded_by),
						      "recorded_at", at, "parts", parts));
		} else if (e == ERR_NOT_FOUND) {
			json_object_set_new(doc, "work", json_null());
			e = ERR_OK;
		}
	}
	if (e == ERR_OK) {
		json_t *alerts = NULL;

		e = alerts_json(db, t->id, &alerts);
		if (e == ERR_OK)
			e = json_object_set_new(json_object_get(doc, "sla"), "alerts", alerts)
				? ERR_INTERNAL
				: ERR_OK;
	}
	if (e == ERR_OK) {
		json_t *entitlement = contracts_ticket_json(db, t->id, &e);

		if (entitlement)
			json_object_set_new(doc, "entitlement", entitlement);
	}
	if (e == ERR_OK) {
		json_t *checklist = NULL;

		e = checklists_ticket_json(db, t, &checklist);
		if (e == ERR_OK)
			json_object_set_new(doc, "checklist", checklist);
	}
	if (e == ERR_OK)
		e = json_object_set(doc, "history", history) ? ERR_INTERNAL : ERR_OK;
	json_decref(history);
	json_decref(parts);
	free(w);
	if (e != ERR_OK) {
		json_decref(doc);
		doc = NULL;
	}
	*out = doc;
	return e;
}
enum err tickets_full_json(struct db *db, int64_t id, const struct principal *who, json_t **out)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct scope all = { .all = 1 };
	enum err e = t ? tickets_store_get(db, id, &all, t) : ERR_INTERNAL;

	*out = NULL;
	if (e == ERR_OK)
		e = tickets_full_json_of(db, t, who, 0, out);
	free(t);
	return e;
}

/* A low score reopens the loop: a complaint linked to the job, for the
 * same centre, with the customer's words. */
enum err tickets_open_complaint_locked(struct db *db, const struct audit_actor *actor,
				       int64_t actor_id, const struct ticket_row *t, int satisfaction,
				       const char *comment, int64_t *id_out)
{
	struct ticket_row *c = calloc(1, sizeof(*c));
	struct ticket_facts none = { 0 };
	char number[24], reason[96];
	enum err e;

	if (!c)
		return ERR_INTERNAL;
	tickets_number(t->id, number);
	snprintf(c->channel, sizeof(c->channel), "internal");
	snprintf(c->category, sizeof(c->category), "complaint");
	snprintf(c->subcategory, sizeof(c->subcategory), "service_complaint");
	snprintf(c->title, sizeof(c->title), "Low satisfaction (%d/5) after %s",
		 satisfaction, number);
	snprintf(c->description, sizeof(c->description), "%s", comment);
	snprintf(c->impact, sizeof(c->impact), "unit");
	snprintf(c->urgency, sizeof(c->urgency), "high");
	snprintf(c->customer_tier, sizeof(c->customer_tier), "%s", t->customer_tier);
	c->asset_id = t->asset_id;
	c->customer_id = t->customer_id;
	c->site_id = t->site_id;
	c->model_id = t->model_id;
	c->sales_owner_id = t->sales_owner_id;
	snprintf(c->region_path, sizeof(c->region_path), "%s", t->region_path);
	snprintf(c->product_line, sizeof(c->product_line), "%s", t->product_line);
	snprintf(c->warranty_status, sizeof(c->warranty_status), "%s", t->warranty_status);
	snprintf(c->contact_name, sizeof(c->contact_name), "%s", t->contact_name);
	snprintf(c->contact_phone, sizeof(c->contact_phone), "%s", t->contact_phone);
	snprintf(c->centre, sizeof(c->centre), "%s", t->centre);
	c->parent_id = t->id;
	snprintf(reason, sizeof(reason), "complaint about %s, handled by %s", number, t->centre);
	e = tickets_open_locked(db, actor, actor_id, c, &none, "follow_up", reason, id_out);
	free(c);
	return e;
}
