/* Service tickets: intake from every channel, the ticket as the API shows
 * it, queries, and dispatch candidates. The state machine is in
 * server/api/ticket_flow.c. */
#include "api/tickets.h"
#include "domain/ticket_states.h"
#include "domain/tickets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "domain/assets.h"
#include "domain/catalogue.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/escalation.h"
#include "api/handler.h"
#include "domain/notify.h"
#include "domain/qr.h"
#include "api/reveal.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "domain/routing.h"
#include "domain/sla.h"

#define TITLE_MAX 200
#define DESCRIPTION_MAX 4000
#define CODE_INPUT_MAX 512

/* Phone numbers as people write them: digits with + - space ( ). */
/* Channels staff and apps may open a ticket from. 'qr' (migration 0027)
 * is a customer's report from a unit's nameplate page, POST
 * /id/{code}/report: nobody else may claim it, so lists and filters take
 * it (all_channels) and intake does not. */
static const char *const channels[] = { "app",   "hotline",  "wechat", "web",
					"email", "internal", "system", NULL };
static const char *const all_channels[] = { "app",   "hotline", "wechat", "web", "email",
					    "internal", "system", "qr",  NULL };
/* Channels where a customer reaches us: we must be able to call back. */
static const char *const contact_channels[] = { "hotline", "wechat", "web", "email", NULL };
static const char *const impacts[] = { "unit", "site", "grid", NULL };
static const char *const urgencies[] = { "high", "medium", "low", NULL };
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
	if (!registry_one_of(json_string_value(v), set)) {
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

	registry_take_id(&resp->problem, body, "", "asset_id", &asset_id);
	registry_take_id(&resp->problem, body, "", "site_id", &site_id);
	registry_take_id(&resp->problem, body, "", "customer_id", &customer_id);
	if (asset_id && code)
		return http_invalid(resp, "/code", "give asset_id or code, not both");
	if ((asset_id || code) && (site_id || customer_id))
		return http_invalid(resp, site_id ? "/site_id" : "/customer_id",
				    "the asset already names its site and customer");
	if (!asset_id && !code && !site_id && !customer_id)
		return http_invalid(resp, "/asset_id",
				    "name an asset (asset_id or code), a site or a customer");
	if (problem_count(&resp->problem))
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
	sc = req->user.scope;
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
	int needed = registry_one_of(t->channel, contact_channels);

	if (json_is_object(contact) &&
	    registry_json_check(&resp->problem, contact, "/contact", contact_fields) == ERR_OK) {
		registry_take_text(&resp->problem, contact, "/contact", "name", t->contact_name,
				   sizeof(t->contact_name), 0);
		registry_take_text(&resp->problem, contact, "/contact", "phone", t->contact_phone,
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
	if (json_is_string(json_object_get(body, "channel")) &&
	    strcmp(json_string_value(json_object_get(body, "channel")), "qr") == 0)
		http_invalid(resp, "/channel",
			     "qr is the channel of a customer's report from a unit's nameplate page "
			     "(POST /id/{code}/report) and cannot be claimed here");
	else
		take_choice(resp, body, "channel", channels, "", t->channel, sizeof(t->channel));
	take_category(req->db, resp, body, t, &fatal);
	registry_take_text(&resp->problem, body, "", "title", t->title, sizeof(t->title),
			   TEXT_REQUIRED);
	for (const char *p = t->title; *p; p++)
		title_chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (title_chars > TITLE_MAX)
		http_invalid(resp, "/title", "longer than %d characters", TITLE_MAX);
	registry_take_text(&resp->problem, body, "", "description", t->description,
			   sizeof(t->description), TEXT_MULTILINE);
	take_choice(resp, body, "impact", impacts, "unit", t->impact, sizeof(t->impact));
	take_choice(resp, body, "urgency", urgencies, "medium", t->urgency, sizeof(t->urgency));
	take_contact(req, resp, t);
	if (fatal != ERR_OK)
		return fatal;
	if (problem_count(&resp->problem))
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
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:[{s:s, s:s}]}", "errors", "pointer", "/client_id",
					"detail", "already names another ticket");
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

enum err tickets_answer(struct req *req, struct resp *resp, int64_t id, int status)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct scope all = { .all = 1 };
	char location[48], etag[32];
	json_t *doc = NULL;
	enum err e = t ? tickets_store_get(req->db, id, &all, t) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = tickets_full_json_of(req->db, t, &req->user, 0, &doc);
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
	struct scope sc;
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
	sc = req->user.scope;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no ticket %lld", (long long)id);
	if (e == ERR_OK)
		e = tickets_full_json_of(req->db, t, &req->user, reveal, &doc);
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
	enum ticket_status s;
	const char *v = req_query(req, "status");
	char one[24];

	*out = v;
	for (const char *p = v; p && *p;) {
		size_t n = strcspn(p, ",");

		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), p);
		if (n >= sizeof(one) || ticket_status_parse(one, &s) < 0) {
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
	struct scope sc;
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
	if (f.priority && !registry_one_of(f.priority, priorities))
		http_invalid(resp, "priority", "must be P1, P2, P3 or P4");
	f.category = req_query(req, "category");
	f.channel = req_query(req, "channel");
	if (f.channel && !registry_one_of(f.channel, all_channels))
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
	if (problem_count(&resp->problem) || e != ERR_OK)
		return ERR_INVALID;
	sc = req->user.scope;
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
	struct scope sc;
	struct dispatch_input in;
	json_t *items = NULL;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	sc = req->user.scope;
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
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/candidates",
	  .handler = get_candidates,
	  .perm = PERM_TICKETS_DISPATCH },
	{ 0 },
};
