/* Warranty: expiry alerts for the people who sell renewals, and renewals,
 * which extend the warranty and stay in its history. The daily digest
 * job is in server/domain/warranty.c. */
#include "api/warranty.h"
#include "domain/warranty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/assets.h"
#include "domain/timeline.h"
#include "db/assets_store.h"
#include "domain/audit.h"
#include "domain/contracts.h"
#include "domain/customers.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "core/log.h"
#include "domain/notify.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "db/warranty_store.h"

#define WITHIN_DEFAULT 90
#define EXPIRED_DEFAULT WARRANTY_EXPIRED_DAYS /* recently expired units stay on the list */
#define WINDOW_MAX_DAYS 365
#define RENEWAL_MONTHS_MAX 120
#define WARRANTY_MONTHS_MAX 600 /* the schema's bound on the total */

static void date_plus(const char *today, int64_t days, char out[11])
{
	registry_date_add_days(today, days, out);
}

/* Days left and band of an end date: 0 (expired), 30, 60, 90, or -1 when
 * further out. */
static int band_of(int64_t days_left)
{
	if (days_left <= 0)
		return 0;
	if (days_left <= 30)
		return 30;
	if (days_left <= 60)
		return 60;
	return days_left <= 90 ? 90 : -1;
}

/* ---- alerts -------------------------------------------------------------- */

/* "90d": 0..365 days. */
static int parse_days(const char *s, int64_t *out)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (strcmp(end, "d") != 0 || v < 0 || v > WINDOW_MAX_DAYS)
		return -1;
	*out = v;
	return 0;
}

static const char *default_owner(enum role r)
{
	if (policy_allows(r, PERM_SCOPE_OWN_CUSTOMERS))
		return "me";
	if (policy_allows(r, PERM_SCOPE_OPS_CENTRE))
		return "centre";
	if (policy_allows(r, PERM_SCOPE_OPS_REGION))
		return "region";
	return "all";
}

/* Whose units: me (any role), centre (the caller's), region (the caller's
 * subtree), all (admin, auditor). */
static enum err take_owner(struct req *req, struct resp *resp, struct warranty_query *q,
			   struct scope *sc)
{
	const char *owner = req_query(req, "owner");
	const struct principal *who = &req->user;

	if (!owner)
		owner = default_owner(who->role);
	if (strcmp(owner, "me") == 0) {
		q->owner = WARRANTY_MINE;
		q->user_id = who->user_id;
	} else if (strcmp(owner, "all") == 0) {
		if (!who->scope.all)
			return http_fail(resp, ERR_FORBIDDEN, "only admins and auditors see all");
		q->owner = WARRANTY_ALL;
	} else if (strcmp(owner, "centre") == 0) {
		if (!who->centre[0])
			return http_invalid(resp, "owner", "you belong to no service centre");
		q->owner = WARRANTY_CENTRE;
		q->centre = who->centre;
	} else if (strcmp(owner, "region") == 0) {
		*sc = who->scope;
		if (!sc->region_lo[0])
			return http_invalid(resp, "owner", "you have no home region");
		q->owner = WARRANTY_REGION;
		q->region_lo = sc->region_lo;
		q->region_hi = sc->region_hi;
	} else {
		return http_invalid(resp, "owner", "must be me, centre, region or all");
	}
	return ERR_OK;
}

/* Groups consecutive units (the store orders them by customer, site) into
 * customers > sites > units. */
struct alerts_ctx {
	json_t *items;
	json_t *customer_sites; /* of the current customer; borrowed */
	json_t *site_units;     /* of the current site; borrowed */
	int64_t customer_id, site_id;
	char today[11];
	int limit, count, more;
	int64_t last_customer, last_site, last_asset;
};

static int alert_unit(const struct warranty_unit *u, void *arg)
{
	struct alerts_ctx *ctx = arg;
	int64_t left = registry_date_days(u->warranty_end) - registry_date_days(ctx->today);
	json_t *customer, *site;

	if (ctx->count == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	if (!ctx->customer_sites || u->customer_id != ctx->customer_id) {
		customer = json_pack("{s:s, s:{s:I, s:s, s:s}, s:[]}", "kind", "warranty",
				     "customer", "id", (json_int_t)u->customer_id, "name",
				     u->customer_name, "tier", u->customer_tier, "sites");
		json_array_append_new(ctx->items, customer);
		ctx->customer_sites = json_object_get(customer, "sites");
		ctx->customer_id = u->customer_id;
		ctx->site_units = NULL;
	}
	if (!ctx->site_units || u->site_id != ctx->site_id) {
		site = json_pack("{s:o, s:[]}", "site",
				 u->site_id ? json_pack("{s:I, s:s}", "id", (json_int_t)u->site_id,
							"name", u->site_name)
					    : json_null(),
				 "units");
		json_array_append_new(ctx->customer_sites, site);
		ctx->site_units = json_object_get(site, "units");
		ctx->site_id = u->site_id;
	}
	json_array_append_new(
	    ctx->site_units,
	    json_pack(
		"{s:I, s:s, s:s, s:s, s:I, s:s, s:i, s:o}", "asset_id", (json_int_t)u->asset_id,
		"serial", u->serial, "model", u->model_code, "warranty_end", u->warranty_end,
		"days_left", (json_int_t)(left > 0 ? left : 0), "status",
		left <= 0 ? "expired" : "expiring", "band", band_of(left), "sales_owner",
		u->sales_owner_id ? json_pack("{s:I, s:s}", "id", (json_int_t)u->sales_owner_id,
					      "username", u->sales_owner)
				  : json_null()));
	ctx->count++;
	ctx->last_customer = u->customer_id;
	ctx->last_site = u->site_id;
	ctx->last_asset = u->asset_id;
	return 0;
}

/* Contracts ending (issue 20): after the units, one item each, ordered by
 * customer and contract. */
static int alert_contract(const struct warranty_contract *k, void *arg)
{
	struct alerts_ctx *ctx = arg;
	int64_t left = registry_date_days(k->end_date) - registry_date_days(ctx->today);

	if (ctx->count == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	/* "sites" stays (empty) so clients that walk every item's sites
	 * keep working. */
	json_array_append_new(
	    ctx->items,
	    json_pack(
		"{s:s, s:{s:I, s:s, s:s}, s:[], s:{s:I, s:s, s:s, s:s, s:I, s:i, s:s, s:s,"
		" s:s, s:I, s:s, s:o}}",
		"kind", "contract", "customer", "id", (json_int_t)k->customer_id, "name",
		k->customer_name, "tier", k->customer_tier, "sites", "contract", "id",
		(json_int_t)k->id, "number", k->number, "kind", k->kind, "end_date", k->end_date,
		"days_left", (json_int_t)(left > 0 ? left : 0), "band", band_of(left), "status",
		left <= 0 ? "expired" : "expiring", "contract_status", k->status, "renewal",
		k->renewal_cancelled ? "cancelled" : "none", "price_minor",
		(json_int_t)k->price_minor, "currency", k->currency, "sales_owner",
		k->sales_owner_id ? json_pack("{s:I, s:s}", "id", (json_int_t)k->sales_owner_id,
					      "username", k->sales_owner)
				  : json_null()));
	ctx->count++;
	ctx->last_customer = k->customer_id;
	ctx->last_asset = k->id;
	return 0;
}

/* "k:customer:contract" resumes among the contracts. */
static int parse_contract_cursor(const char *s, int64_t *customer, int64_t *contract)
{
	long long c, k;
	char again[80];
	int n = 0;

	if (sscanf(s, "k:%lld:%lld%n", &c, &k, &n) != 2 || s[n] || c < 0 || k < 0)
		return -1;
	snprintf(again, sizeof(again), "k:%lld:%lld", c, k);
	if (strcmp(again, s) != 0)
		return -1;
	*customer = c;
	*contract = k;
	return 0;
}

static int parse_cursor(const char *s, struct warranty_query *q)
{
	long long c, si, a;
	char again[80];
	int n = 0;

	if (sscanf(s, "%lld:%lld:%lld%n", &c, &si, &a, &n) != 3 || s[n] || c < 0 || si < 0 || a < 0)
		return -1;
	/* Only the spelling get_alerts writes: sscanf also takes signs,
	 * spaces, leading zeros and numbers past LLONG_MAX. */
	snprintf(again, sizeof(again), "%lld:%lld:%lld", c, si, a);
	if (strcmp(again, s) != 0)
		return -1;
	q->after_customer = c;
	q->after_site = si;
	q->after_asset = a;
	return 0;
}

static enum err get_alerts(struct req *req, struct resp *resp)
{
	struct warranty_query q = { 0 };
	struct alerts_ctx ctx = { 0 };
	struct page page;
	struct scope sc;
	int64_t within = WITHIN_DEFAULT, expired = EXPIRED_DEFAULT;
	char next[80];
	const char *kind = req_query(req, "kind");
	int in_contracts = 0; /* the cursor is among the contracts */
	int64_t after_customer = 0, after_contract = 0;
	enum err e = req_page(req, resp, &page);

	if (page.has_after && parse_cursor(page.after, &q) < 0) {
		if (parse_contract_cursor(page.after, &after_customer, &after_contract) == 0)
			in_contracts = 1;
		else
			http_invalid(resp, "cursor", "is not a cursor this server issued");
	}
	if (!kind)
		kind = "all";
	if (strcmp(kind, "all") != 0 && strcmp(kind, "warranty") != 0 &&
	    strcmp(kind, "contract") != 0)
		http_invalid(resp, "kind", "must be warranty, contract or all");
	if (req_query(req, "within") && parse_days(req_query(req, "within"), &within) < 0)
		http_invalid(resp, "within", "must be days like 90d (0d to %dd)", WINDOW_MAX_DAYS);
	if (req_query(req, "expired") && parse_days(req_query(req, "expired"), &expired) < 0)
		http_invalid(resp, "expired", "must be days like 30d (0d to %dd)", WINDOW_MAX_DAYS);
	if (e != ERR_OK || problem_count(&resp->problem))
		return ERR_INVALID;
	e = take_owner(req, resp, &q, &sc);
	if (e != ERR_OK)
		return e;
	registry_date_of(clock_now(), ctx.today);
	date_plus(ctx.today, -expired, q.from);
	date_plus(ctx.today, within, q.to);
	q.limit = page.limit + 1;
	ctx.items = json_array();
	ctx.limit = page.limit;
	if (!in_contracts && strcmp(kind, "contract") != 0)
		e = warranty_store_alerts(req->db, &q, alert_unit, &ctx);
	if (e == ERR_OK && !ctx.more && strcmp(kind, "warranty") != 0) {
		/* The page's room left, then the contracts from the start (or
		 * the cursor): the next cursor names the last one listed. */
		int units = ctx.count;

		q.limit = page.limit - ctx.count + 1;
		e = warranty_store_contracts(req->db, &q, ctx.today, after_customer, after_contract,
					     alert_contract, &ctx);
		in_contracts = 1;
		if (ctx.count == units) {
			ctx.last_customer = after_customer;
			ctx.last_asset = after_contract;
		}
	}
	/* The desk calls the customer: its primary contact, masked as the
	 * customer's own answer shows it unrevealed (a page holds at most
	 * limit customers, one indexed read each). */
	for (size_t i = 0; e == ERR_OK && i < json_array_size(ctx.items); i++) {
		json_t *customer = json_object_get(json_array_get(ctx.items, i), "customer");
		json_t *contact = customers_primary_contact(
		    req->db, json_integer_value(json_object_get(customer, "id")), &e);

		if (contact)
			json_object_set_new(customer, "contact", contact);
	}
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	if (in_contracts)
		snprintf(next, sizeof(next), "k:%lld:%lld", (long long)ctx.last_customer,
			 (long long)ctx.last_asset);
	else
		snprintf(next, sizeof(next), "%lld:%lld:%lld", (long long)ctx.last_customer,
			 (long long)ctx.last_site, (long long)ctx.last_asset);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* ---- renewals ------------------------------------------------------------ */

static const struct json_field renewal_fields[] = {
	{ "months", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "contract_number", JSON_STRING, JF_REQUIRED, 63 },
	{ NULL, 0, 0, 0 },
};

static json_t *renewal_json(const struct warranty_renewal *r)
{
	char at[32];

	clock_format(r->created_at, at, sizeof(at));
	return json_pack("{s:I, s:I, s:I, s:s, s:o, s:s, s:o, s:s}", "id", (json_int_t)r->id,
			 "asset_id", (json_int_t)r->asset_id, "months", (json_int_t)r->months,
			 "contract_number", r->contract_number, "previous_end",
			 r->previous_end[0] ? json_string(r->previous_end) : json_null(), "new_end",
			 r->new_end, "created_by",
			 r->created_by_name[0] ? json_string(r->created_by_name) : json_null(),
			 "created_at", at);
}

/* Renewal months are added to the warranty's months, so the end stays
 * start + months (what a later change of the asset recomputes). */
static enum err renew_locked(struct req *req, struct resp *resp, const struct asset_row *a,
			     struct warranty_renewal *r)
{
	struct audit_actor actor;
	char summary[192], id[24];
	json_t *detail;
	enum err e;

	if (!a->warranty_end[0] || !a->warranty_start[0])
		return http_fail(resp, ERR_CONFLICT,
				 "the unit has no warranty to renew yet (not accepted)");
	if (a->warranty_months + r->months > WARRANTY_MONTHS_MAX)
		return http_invalid(resp, "/months", "the warranty would exceed %d months",
				    WARRANTY_MONTHS_MAX);
	snprintf(r->previous_end, sizeof(r->previous_end), "%s", a->warranty_end);
	if (registry_date_add_months(a->warranty_start, a->warranty_months + r->months,
				     r->new_end) < 0)
		return http_invalid(resp, "/months", "the warranty would end after 9999-12-31");
	r->asset_id = a->id;
	r->created_by = req->user.user_id;
	r->created_at = clock_now();
	e = warranty_store_renew(req->db, r, a->warranty_months + r->months);
	if (e == ERR_OK) {
		/* The renewal is also a warranty_extension contract (issue 20). */
		char start[11];

		registry_date_add_days(r->previous_end, 1, start);
		e = contracts_from_renewal_locked(req->db, r->id, a->id, a->sales_owner_id,
						  r->contract_number, start, r->new_end,
						  r->created_by, r->created_at);
	}
	if (e == ERR_CONFLICT)
		return http_invalid(resp, "/contract_number", "this contract is already recorded");
	if (e != ERR_OK)
		return e;
	detail = json_pack("{s:I, s:I, s:s, s:s, s:s}", "renewal_id", (json_int_t)r->id, "months",
			   (json_int_t)r->months, "contract_number", r->contract_number,
			   "previous_end", r->previous_end, "new_end", r->new_end);
	if (!detail)
		return ERR_INTERNAL;
	snprintf(summary, sizeof(summary), "Warranty renewed: +%lld months to %s (contract %s)",
		 (long long)r->months, r->new_end, r->contract_number);
	e = asset_timeline_append(req->db, a->id, r->created_at, "warranty_renewal", summary,
				  detail, req->user.user_id);
	audit_actor_from_req(req, &actor);
	snprintf(id, sizeof(id), "%lld", (long long)a->id);
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "asset.warranty_renew", "asset", id, NULL,
				 detail);
	if (e == ERR_OK) {
		json_object_set_new(detail, "asset_id", json_integer(a->id));
		json_object_set_new(detail, "serial", json_string(a->serial));
		e = notify_event(
		    req->db, "warranty.renewed",
		    &(struct notify_scope){ .region_path = a->region_path, .registry = 1 }, detail);
	}
	json_decref(detail);
	return e;
}

enum err warranty_change_check(struct db *db, struct resp *resp, int64_t asset_id,
			       const char *old_end, const char *new_end, const char *field)
{
	struct warranty_renewal r;
	char detail[256];
	int shortens = old_end[0] && (!new_end[0] || strcmp(new_end, old_end) < 0);
	enum err e;

	if (!shortens)
		return ERR_OK;
	e = warranty_store_renewal_furthest(db, asset_id, &r);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	if (new_end[0] && strcmp(new_end, r.new_end) >= 0)
		return ERR_OK;
	if (new_end[0])
		snprintf(detail, sizeof(detail),
			 "the warranty would end %s, before renewal %lld (contract %s) extended"
			 " it to %s",
			 new_end, (long long)r.id, r.contract_number, r.new_end);
	else
		snprintf(detail, sizeof(detail),
			 "the change would leave no warranty, which renewal %lld (contract %s)"
			 " extended to %s",
			 (long long)r.id, r.contract_number, r.new_end);
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:[{s:s, s:s}], s:o}", "errors", "pointer", field,
					"detail", detail, "renewal", renewal_json(&r));
	return http_fail(resp, ERR_CONFLICT, "%s", detail);
}

static enum err post_renewal(struct req *req, struct resp *resp)
{
	struct asset_row *a = calloc(1, sizeof(*a));
	struct warranty_renewal r = { 0 };
	char location[64];
	struct scope sc;
	int64_t id, left;
	enum err e = a ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = req_json_check(req, resp, renewal_fields);
	if (e == ERR_OK) {
		r.months = json_integer_value(json_object_get(req->json, "months"));
		if (r.months < 1 || r.months > RENEWAL_MONTHS_MAX)
			http_invalid(resp, "/months", "must be 1 to %d", RENEWAL_MONTHS_MAX);
		registry_take_text(&resp->problem, req->json, "", "contract_number",
				   r.contract_number, sizeof(r.contract_number), TEXT_REQUIRED);
		e = problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
	}
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	sc = req->user.scope;
	e = assets_store_get(req->db, id, &sc, a);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no asset %lld", (long long)id);
	if (e == ERR_OK)
		e = renew_locked(req, resp, a, &r);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	snprintf(location, sizeof(location), "/v1/assets/%lld/warranty/renewals", (long long)id);
	resp_header(resp, "Location", location);
	snprintf(r.created_by_name, sizeof(r.created_by_name), "%s", req->user.username);
	{
		json_t *doc = renewal_json(&r);
		const char *status = assets_warranty_status(r.new_end, clock_now(), &left);

		json_object_set_new(
		    doc, "warranty",
		    json_pack("{s:s, s:I, s:s, s:s, s:I}", "start", a->warranty_start, "months",
			      (json_int_t)(a->warranty_months + r.months), "end", r.new_end,
			      "status", status, "days_left", (json_int_t)left));
		resp_json(resp, 201, doc);
	}
out:
	free(a);
	return e;
}

static int renewal_add(const struct warranty_renewal *r, void *arg)
{
	json_array_append_new(arg, renewal_json(r));
	return 0;
}

static enum err get_renewals(struct req *req, struct resp *resp)
{
	struct asset_row *a = calloc(1, sizeof(*a));
	json_t *items = NULL;
	struct scope sc;
	int64_t id;
	enum err e = a ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK) {
		sc = req->user.scope;
		e = assets_store_get(req->db, id, &sc, a);
		if (e == ERR_NOT_FOUND)
			http_fail(resp, e, "no asset %lld", (long long)id);
	}
	if (e == ERR_OK) {
		items = json_array();
		e = warranty_store_renewals(req->db, id, renewal_add, items);
	}
	if (e == ERR_OK)
		resp_page(resp, items, NULL);
	else
		json_decref(items);
	free(a);
	return e;
}

const struct route warranty_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/warranty/alerts",
	  .handler = get_alerts,
	  .perm = PERM_WARRANTY_READ,
	  .query = "within,expired,owner,kind,limit,cursor" },
	{ .method = "POST",
	  .pattern = "/v1/assets/{id}/warranty/renewals",
	  .handler = post_renewal,
	  .perm = PERM_WARRANTY_RENEW,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/assets/{id}/warranty/renewals",
	  .handler = get_renewals,
	  .perm = PERM_REGISTRY_READ },
	{ 0 },
};
