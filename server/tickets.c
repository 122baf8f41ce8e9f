/* Service tickets: intake from every channel, the ticket as the API shows
 * it, queries, and dispatch candidates. The state machine is in
 * server/ticket_flow.c. */
#include "tickets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "assets.h"
#include "catalogue.h"
#include "clock.h"
#include "db.h"
#include "escalation.h"
#include "http.h"
#include "notify.h"
#include "qr.h"
#include "registry.h"
#include "routes.h"
#include "routing.h"
#include "sla.h"

#define TITLE_MAX 200
#define DESCRIPTION_MAX 4000
#define CODE_INPUT_MAX 512

static const char *const channels[] = { "app",   "hotline",  "wechat", "web",
					"email", "internal", "system", NULL };
/* Channels where a customer reaches us: we must be able to call back. */
static const char *const contact_channels[] = { "hotline", "wechat", "web", "email", NULL };
static const char *const impacts[] = { "unit", "site", "grid", NULL };
static const char *const urgencies[] = { "high", "medium", "low", NULL };

static int one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

int tickets_status_open(const char *status)
{
	static const char *const closed[] = { "resolved", "follow_up", "closed", "cancelled",
					      NULL };

	return !one_of(status, closed);
}

void tickets_scope(const struct principal *who, struct ticket_scope *out)
{
	struct scope sc;

	memset(out, 0, sizeof(*out));
	switch (who->role) {
	case ROLE_ADMIN:
	case ROLE_AUDITOR:
		out->all = 1;
		return;
	case ROLE_SUPERVISOR:
		policy_scope(who, &sc);
		snprintf(out->region_lo, sizeof(out->region_lo), "%s", sc.region_lo);
		snprintf(out->region_hi, sizeof(out->region_hi), "%s", sc.region_hi);
		return;
	case ROLE_DISPATCHER:
		snprintf(out->centre, sizeof(out->centre), "%s", who->centre);
		return;
	case ROLE_TECHNICIAN:
		out->user_id = who->user_id;
		return;
	case ROLE_SALES:
		out->owner_id = who->user_id;
		return;
	default:
		return; /* sees nothing */
	}
}

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
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:I, s:o, s:i}", "response_due",
	    time_or_null(t->response_due), "arrival_due", time_or_null(t->arrival_due),
	    "resolution_due", time_or_null(t->resolution_due), "responded_at",
	    time_or_null(t->responded_at), "arrived_at", time_or_null(t->arrived_at), "resolved_at",
	    time_or_null(t->resolved_at), "closed_at", time_or_null(t->closed_at), "paused",
	    t->paused_at != 0, "paused_at", time_or_null(t->paused_at), "paused_seconds",
	    (json_int_t)t->paused_seconds, "breached", breaches(t, clock_now()), "escalation_level",
	    t->escalation_level);
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
	char number[24], summary[TICKET_TITLE_SIZE + 64], id_text[24];
	json_t *after = NULL, *detail = NULL;
	int64_t now = clock_now(), id = 0;
	enum err e;

	e = sla_priority(db, t->customer_tier, t->impact, t->urgency, t->category, &targets);
	if (e == ERR_OK)
		e = sla_deadlines(db, &targets, now, &due);
	if (e == ERR_OK)
		e = route_ticket(db, t, facts, routing_rule, routing_reason);
	if (e != ERR_OK)
		return e;
	snprintf(t->priority, sizeof(t->priority), "%s", targets.priority);
	t->response_due = due.response;
	t->arrival_due = due.arrival;
	t->resolution_due = due.resolution;
	snprintf(t->status, sizeof(t->status), "%s", t->centre[0] ? "routed" : "new");
	t->created_by = actor_id;
	t->created_at = t->updated_at = now;
	e = tickets_store_insert(db, t, &id);
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
			e = notify_event(db, "ticket.created", after);
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

static const struct json_field intake_fields[] = {
	{ "channel", JSON_STRING, JF_REQUIRED, 16 },
	{ "category", JSON_STRING, JF_REQUIRED, 64 },
	{ "title", JSON_STRING, JF_REQUIRED, TITLE_MAX * 4 },
	{ "description", JSON_STRING, 0, DESCRIPTION_MAX },
	{ "asset_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "code", JSON_STRING, JF_NULLABLE, CODE_INPUT_MAX },
	{ "site_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "customer_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "impact", JSON_STRING, 0, 16 },
	{ "urgency", JSON_STRING, 0, 16 },
	{ "contact", JSON_OBJECT, JF_NULLABLE, 0 },
	{ "client_id", JSON_STRING, JF_NULLABLE, 64 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field contact_fields[] = {
	{ "name", JSON_STRING, 0, 127 },
	{ "phone", JSON_STRING, 0, 39 },
	{ NULL, 0, 0, 0 },
};

/* Phone numbers as people write them: digits with + - space ( ). */
static int phone_ok(const char *s)
{
	size_t digits = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (!strchr("+- ()", *s))
			return 0;
	}
	return digits >= 5 && digits <= 20;
}

/* A scanned code arrives as the bare code or as the whole link. */
static const char *code_of(const char *scanned)
{
	const char *p = strstr(scanned, "/id/");

	return p ? p + 4 : scanned;
}

static void take_choice(struct resp *resp, const json_t *body, const char *key,
			const char *const *set, const char *fallback, char *dst, size_t size)
{
	json_t *v = json_object_get(body, key);
	char ptr[32];

	snprintf(dst, size, "%s", fallback);
	if (!json_is_string(v))
		return;
	if (!one_of(json_string_value(v), set)) {
		snprintf(ptr, sizeof(ptr), "/%s", key);
		http_invalid(resp, ptr, "must be one of the documented values");
		return;
	}
	snprintf(dst, size, "%s", json_string_value(v));
}

/* The category member names a subcategory (an active leaf). */
static void take_category(struct db *db, struct resp *resp, const json_t *body,
			  struct ticket_row *t, enum err *fatal)
{
	const char *code = json_string_value(json_object_get(body, "category"));
	struct catalogue_entry c;
	enum err e;

	if (!code)
		return;
	e = catalogue_get(db, code, &c);
	if (e == ERR_NOT_FOUND) {
		http_invalid(resp, "/category", "no such category in the service catalogue");
	} else if (e != ERR_OK) {
		*fatal = e;
	} else if (!c.parent[0]) {
		http_invalid(resp, "/category", "name a subcategory of %s", c.code);
	} else if (!c.active) {
		http_invalid(resp, "/category", "this category is no longer offered");
	} else {
		snprintf(t->subcategory, sizeof(t->subcategory), "%s", c.code);
		snprintf(t->category, sizeof(t->category), "%s", c.parent);
	}
}

/* What the ticket is about: an asset (by id or scanned code), or a site,
 * or a customer. Fills facts within the caller's registry scope. */
static enum err take_subject(struct req *req, struct resp *resp, struct ticket_facts *f)
{
	const json_t *body = req->json;
	const char *code = json_string_value(json_object_get(body, "code"));
	int64_t asset_id = 0, site_id = 0, customer_id = 0;
	struct scope sc;
	enum err e;

	registry_take_id(resp, body, "", "asset_id", &asset_id);
	registry_take_id(resp, body, "", "site_id", &site_id);
	registry_take_id(resp, body, "", "customer_id", &customer_id);
	if (asset_id && code)
		return http_invalid(resp, "/code", "give asset_id or code, not both");
	if ((asset_id || code) && (site_id || customer_id))
		return http_invalid(resp, site_id ? "/site_id" : "/customer_id",
				    "the asset already names its site and customer");
	if (!asset_id && !code && !site_id && !customer_id)
		return http_invalid(resp, "/asset_id",
				    "name an asset (asset_id or code), a site or a customer");
	if (registry_errors(resp))
		return ERR_INVALID;
	if (code) {
		e = qr_code_resolve(req->db, code_of(code), &asset_id);
		if (e == ERR_GONE)
			return http_fail(resp, e,
					 "this label was replaced; scan the unit's new label");
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, e, "no asset has this code");
		if (e != ERR_OK)
			return e;
	}
	policy_scope(&req->user, &sc);
	if (asset_id) {
		e = tickets_store_asset_facts(req->db, asset_id, &sc, f);
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, e, "no asset %lld", (long long)asset_id);
		if (e == ERR_OK && !f->customer_id)
			return http_invalid(resp, code ? "/code" : "/asset_id",
					    "the unit is not installed at a customer yet");
		return e;
	}
	if (site_id) {
		e = tickets_store_site_facts(req->db, site_id, &sc, f);
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, e, "no site %lld", (long long)site_id);
		if (e == ERR_OK && customer_id && customer_id != f->customer_id)
			return http_invalid(resp, "/customer_id",
					    "the site belongs to customer %lld",
					    (long long)f->customer_id);
		return e;
	}
	e = tickets_store_customer_facts(req->db, customer_id, &sc, f);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no customer %lld", (long long)customer_id);
	return e;
}

static void take_contact(struct req *req, struct resp *resp, struct ticket_row *t)
{
	const json_t *contact = json_object_get(req->json, "contact");
	int needed = one_of(t->channel, contact_channels);

	if (json_is_object(contact) &&
	    registry_json_check(resp, contact, "/contact", contact_fields) == ERR_OK) {
		registry_take_text(resp, contact, "/contact", "name", t->contact_name,
				   sizeof(t->contact_name), 0);
		registry_take_text(resp, contact, "/contact", "phone", t->contact_phone,
				   sizeof(t->contact_phone), 0);
		if (t->contact_phone[0] && !phone_ok(t->contact_phone))
			http_invalid(resp, "/contact/phone", "is not a phone number");
	}
	if (needed && (!t->contact_name[0] || !t->contact_phone[0]))
		http_invalid(resp, t->contact_name[0] ? "/contact/phone" : "/contact/name",
			     "a ticket from the %s channel needs the caller's name and phone to "
			     "call back",
			     t->channel);
}

static enum err intake_parse(struct req *req, struct resp *resp, struct ticket_row *t,
			     struct ticket_facts *f)
{
	const json_t *body = req->json;
	enum err fatal = ERR_OK, e;
	int64_t days;
	size_t title_chars = 0;

	e = req_json_check(req, resp, intake_fields);
	if (e != ERR_OK)
		return e;
	take_choice(resp, body, "channel", channels, "", t->channel, sizeof(t->channel));
	take_category(req->db, resp, body, t, &fatal);
	registry_take_text(resp, body, "", "title", t->title, sizeof(t->title), TEXT_REQUIRED);
	for (const char *p = t->title; *p; p++)
		title_chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (title_chars > TITLE_MAX)
		http_invalid(resp, "/title", "longer than %d characters", TITLE_MAX);
	registry_take_text(resp, body, "", "description", t->description, sizeof(t->description),
			   TEXT_MULTILINE);
	take_choice(resp, body, "impact", impacts, "unit", t->impact, sizeof(t->impact));
	take_choice(resp, body, "urgency", urgencies, "medium", t->urgency, sizeof(t->urgency));
	take_contact(req, resp, t);
	if (fatal != ERR_OK)
		return fatal;
	if (registry_errors(resp))
		return ERR_INVALID;
	e = take_subject(req, resp, f);
	if (e != ERR_OK)
		return e;
	t->asset_id = f->asset_id;
	t->customer_id = f->customer_id;
	t->site_id = f->site_id;
	t->model_id = f->model_id;
	t->sales_owner_id = f->sales_owner_id;
	snprintf(t->region_path, sizeof(t->region_path), "%s", f->region_path);
	snprintf(t->product_line, sizeof(t->product_line), "%s", f->product_line);
	snprintf(t->customer_tier, sizeof(t->customer_tier), "%s", f->tier);
	/* In warranty (or about to expire): free. Out of it: billable, and
	 * the flag shows on every view of the ticket. */
	snprintf(t->warranty_status, sizeof(t->warranty_status), "%s",
		 f->asset_id ? assets_warranty_status(f->warranty_end[0] ? f->warranty_end : NULL,
						      clock_now(), &days)
			     : "none");
	t->billable = f->asset_id && (strcmp(t->warranty_status, "expired") == 0 ||
				      strcmp(t->warranty_status, "none") == 0);
	return ERR_OK;
}

/* "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", either case. */
static int uuid_v4_ok(const char *s)
{
	static const char pattern[] = "xxxxxxxx-xxxx-4xxx-vxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(pattern) - 1)
		return 0;
	for (size_t i = 0; pattern[i]; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		if (pattern[i] == '-' || pattern[i] == '4') {
			if (c != pattern[i])
				return 0;
		} else if (pattern[i] == 'v') {
			if (!strchr("89ab", c))
				return 0;
		} else if (!isxdigit((unsigned char)c)) {
			return 0;
		}
	}
	return 1;
}

/* SHA-256 (hex) of the body in canonical form: sorted members, compact. */
static enum err body_fingerprint(const json_t *body, char out[65])
{
	unsigned char hash[SHA256_DIGEST_LENGTH];
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

	if (!text)
		return ERR_INTERNAL;
	SHA256((const unsigned char *)text, strlen(text), hash);
	free(text);
	for (size_t i = 0; i < sizeof(hash); i++)
		snprintf(out + 2 * i, 3, "%02x", hash[i]);
	return ERR_OK;
}

/* A ticket opened on a device keeps the device's client_id. A repeat of
 * the same request by the same user finds the ticket (*existing); the id
 * reused for anything else is a 409 naming /client_id. */
static enum err take_client_id(struct req *req, struct resp *resp, struct ticket_row *t,
			       int64_t *existing)
{
	const char *given = req_json_str(req, "client_id");
	char fingerprint[65], as_sent[65];
	int64_t id = 0, by = 0;
	json_t *canon;
	enum err e;

	*existing = 0;
	if (!given)
		return ERR_OK;
	if (!uuid_v4_ok(given)) {
		http_invalid(resp, "/client_id",
			     "must be a version 4 UUID (8-4-4-4-12 hex digits)");
		return ERR_OK; /* reported with the other members */
	}
	for (size_t i = 0; given[i] && i + 1 < sizeof(t->client_id); i++)
		t->client_id[i] = (char)tolower((unsigned char)given[i]);
	/* The request as kept: the id in the case it is stored in, so the
	 * same UUID in other letters is the same request. Tickets opened
	 * before that rule kept the body as sent: a retry of one matches
	 * that fingerprint instead. */
	canon = json_deep_copy(req->json);
	if (!canon || json_object_set_new(canon, "client_id", json_string(t->client_id)) < 0) {
		json_decref(canon);
		return ERR_INTERNAL;
	}
	e = body_fingerprint(canon, t->client_fingerprint);
	json_decref(canon);
	if (e == ERR_OK)
		e = body_fingerprint(req->json, as_sent);
	if (e == ERR_OK)
		e = tickets_store_by_client_id(req->db, t->client_id, &id, fingerprint, &by);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	if (by == req->user.user_id && (strcmp(fingerprint, t->client_fingerprint) == 0 ||
					strcmp(fingerprint, as_sent) == 0)) {
		*existing = id;
		return ERR_OK;
	}
	json_decref(resp->extra);
	resp->extra = json_pack("{s:[{s:s, s:s}]}", "errors", "pointer", "/client_id", "detail",
				"already names another ticket");
	return http_fail(resp, ERR_CONFLICT,
			 "/client_id: already names a ticket opened with another request");
}

static enum err post_ticket(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct ticket_facts facts;
	struct audit_actor actor;
	int64_t id = 0, existing = 0;
	enum err e;

	if (!t)
		return ERR_INTERNAL;
	e = take_client_id(req, resp, t, &existing);
	if (e == ERR_OK && !existing)
		e = intake_parse(req, resp, t, &facts);
	if (e == ERR_OK && !existing) {
		audit_actor_from_req(req, &actor);
		e = db_begin(req->db);
		if (e == ERR_OK)
			e = tickets_open_locked(req->db, &actor, req->user.user_id, t, &facts, NULL,
						NULL, &id);
		if (e == ERR_OK)
			e = db_commit(req->db);
		if (e != ERR_OK)
			db_rollback(req->db);
		if (e == ERR_CONFLICT && t->client_id[0]) { /* the same id won a race */
			e = take_client_id(req, resp, t, &existing);
			if (e == ERR_OK && !existing)
				e = ERR_CONFLICT;
		}
	}
	free(t);
	if (e != ERR_OK)
		return e;
	/* A repeat answers the ticket as it is now. */
	return existing ? tickets_answer(req, resp, existing, 200)
			: tickets_answer(req, resp, id, 201);
}

/* ---- reading ------------------------------------------------------------ */

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

/* The ticket with its history, work record and parts. */
static enum err ticket_full_json(struct db *db, const struct ticket_row *t,
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

		e = escalation_alerts_json(db, t->id, &alerts);
		if (e == ERR_OK)
			e = json_object_set_new(json_object_get(doc, "sla"), "alerts", alerts)
				? ERR_INTERNAL
				: ERR_OK;
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
	struct ticket_scope all = { .all = 1 };
	enum err e = t ? tickets_store_get(db, id, &all, t) : ERR_INTERNAL;

	*out = NULL;
	if (e == ERR_OK)
		e = ticket_full_json(db, t, who, 0, out);
	free(t);
	return e;
}

enum err tickets_answer(struct req *req, struct resp *resp, int64_t id, int status)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct ticket_scope all = { .all = 1 };
	char location[48], etag[32];
	json_t *doc = NULL;
	enum err e = t ? tickets_store_get(req->db, id, &all, t) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = ticket_full_json(req->db, t, &req->user, 0, &doc);
	if (e == ERR_OK) {
		snprintf(etag, sizeof(etag), "\"v%lld\"", (long long)t->version);
		resp_header(resp, "ETag", etag);
		if (status == 201) {
			snprintf(location, sizeof(location), "/v1/tickets/%lld", (long long)id);
			resp_header(resp, "Location", location);
		}
		resp_json(resp, status, doc);
	}
	free(t);
	return e;
}

static enum err audit_reveal(struct req *req, int64_t ticket_id)
{
	struct audit_actor actor;
	char id[24];
	json_t *what = json_pack("{s:[s]}", "fields", "contact");
	enum err e = what ? db_begin(req->db) : ERR_INTERNAL;

	audit_actor_from_req(req, &actor);
	snprintf(id, sizeof(id), "%lld", (long long)ticket_id);
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "pii.reveal", "ticket", id, NULL, what);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	json_decref(what);
	return e;
}

static enum err get_ticket(struct req *req, struct resp *resp)
{
	struct ticket_row *t;
	struct ticket_scope sc;
	char etag[32];
	json_t *doc = NULL;
	int64_t id;
	int reveal;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	e = registry_reveal_param(req, resp, &reveal);
	if (e != ERR_OK)
		return e;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	tickets_scope(&req->user, &sc);
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no ticket %lld", (long long)id);
	if (e == ERR_OK)
		e = ticket_full_json(req->db, t, &req->user, reveal, &doc);
	if (e == ERR_OK && reveal)
		e = audit_reveal(req, id);
	if (e == ERR_OK) {
		snprintf(etag, sizeof(etag), "\"v%lld\"", (long long)t->version);
		resp_header(resp, "ETag", etag);
		resp_json(resp, 200, doc);
		doc = NULL;
	}
	json_decref(doc);
	free(t);
	return e;
}

struct list_ctx {
	json_t *items;
	const struct principal *who;
	int limit;
	int more;
	int64_t last_id;
};

static int list_row(const struct ticket_row *t, void *arg)
{
	struct list_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, tickets_json(t, ctx->who, 0));
	ctx->last_id = t->id;
	return 0;
}

static void query_id(struct req *req, struct resp *resp, const char *key, int64_t *out)
{
	const char *v = req_query(req, key);

	if (v && registry_parse_id(v, out) < 0)
		http_invalid(resp, key, "must be a positive integer id");
}

static void query_time(struct req *req, struct resp *resp, const char *key, int64_t *out)
{
	const char *v = req_query(req, key);

	if (v && clock_parse(v, out) < 0)
		http_invalid(resp, key, "must be a date (YYYY-MM-DD) or an RFC 3339 time");
}

static void query_statuses(struct req *req, struct resp *resp, const char **out)
{
	static const char *const statuses[] = {
		"new",      "routed",    "assigned",         "accepted", "declined",
		"en_route", "on_site",   "waiting_customer", "resolved", "follow_up",
		"closed",   "cancelled", "reopened",         NULL
	};
	const char *v = req_query(req, "status");
	char one[24];

	*out = v;
	for (const char *p = v; p && *p;) {
		size_t n = strcspn(p, ",");

		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), p);
		if (n >= sizeof(one) || !one_of(one, statuses)) {
			http_invalid(resp, "status", "unknown status in the list");
			return;
		}
		p += n + (p[n] == ',');
	}
}

static enum err get_tickets(struct req *req, struct resp *resp)
{
	static const char *const priorities[] = { "P1", "P2", "P3", "P4", NULL };
	struct ticket_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct ticket_scope sc;
	struct page page;
	const char *overdue = req_query(req, "overdue");
	const char *escalated = req_query(req, "escalated");
	int64_t before = 0;
	char next[24];
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &before) < 0)
		http_invalid(resp, "cursor", "is not a cursor this server issued");
	query_statuses(req, resp, &f.statuses);
	f.centre = req_query(req, "centre");
	query_id(req, resp, "assignee", &f.assignee_id);
	f.priority = req_query(req, "priority");
	if (f.priority && !one_of(f.priority, priorities))
		http_invalid(resp, "priority", "must be P1, P2, P3 or P4");
	f.category = req_query(req, "category");
	f.channel = req_query(req, "channel");
	if (f.channel && !one_of(f.channel, channels))
		http_invalid(resp, "channel", "unknown channel");
	query_id(req, resp, "asset", &f.asset_id);
	query_id(req, resp, "customer", &f.customer_id);
	query_time(req, resp, "created_from", &f.created_from);
	query_time(req, resp, "created_to", &f.created_to);
	if (overdue && strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0)
		http_invalid(resp, "overdue", "must be true or false");
	if (overdue && strcmp(overdue, "true") == 0)
		f.overdue_at = clock_now();
	if (escalated && strcmp(escalated, "true") != 0 && strcmp(escalated, "false") != 0)
		http_invalid(resp, "escalated", "must be true or false");
	f.escalated = escalated && strcmp(escalated, "true") == 0;
	if (registry_errors(resp) || e != ERR_OK)
		return ERR_INVALID;
	tickets_scope(&req->user, &sc);
	ctx.items = json_array();
	ctx.who = &req->user;
	ctx.limit = page.limit;
	e = tickets_store_list(req->db, &sc, &f, before, page.limit + 1, list_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

static enum err get_candidates(struct req *req, struct resp *resp)
{
	struct ticket_row *t;
	struct ticket_scope sc;
	struct dispatch_input in;
	json_t *items = NULL;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	tickets_scope(&req->user, &sc);
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no ticket %lld", (long long)id);
	else if (e == ERR_OK && !t->centre[0])
		e = http_fail(resp, ERR_CONFLICT, "the ticket is not routed to a centre yet");
	if (e == ERR_OK) {
		in = (struct dispatch_input){ .centre = t->centre,
					      .product_line = t->product_line,
					      .has_position = t->has_position,
					      .latitude = t->latitude,
					      .longitude = t->longitude };
		e = routing_candidates(req->db, &in, &items);
	}
	if (e == ERR_OK)
		resp_json(resp, 200,
			  json_pack("{s:I, s:s, s:o}", "ticket_id", (json_int_t)id, "centre",
				    t->centre, "items", items));
	free(t);
	return e;
}

const struct route tickets_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/tickets",
	  .handler = post_ticket,
	  .perm = PERM_TICKETS_CREATE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/tickets",
	  .handler = get_tickets,
	  .perm = PERM_TICKETS_READ,
	  .query = "limit,cursor,status,centre,assignee,priority,category,channel,overdue,"
		   "created_from,created_to,asset,customer,escalated" },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}",
	  .handler = get_ticket,
	  .perm = PERM_TICKETS_READ,
	  .query = "reveal" },
	{ .method = "POST",
	  .pattern = "/v1/tickets/{id}/transitions",
	  .handler = ticket_flow_post,
	  .perm = PERM_TICKETS_WORK,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/candidates",
	  .handler = get_candidates,
	  .perm = PERM_TICKETS_DISPATCH },
	{ 0 },
};
