/* Service contracts: create, list, read (with coverage and consumption),
 * change a draft, activate, cancel, renew; what covers a unit today; the
 * revenue at risk by month. Rules: include/domain/contracts.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/routes.h"
#include "core/clock.h"
#include "db/assets_store.h"
#include "db/contracts_store.h"
#include "db/db.h"
#include "db/registry_store.h"
#include "domain/audit.h"
#include "domain/contracts.h"
#include "domain/registry.h"

#define COVER_MAX 1000     /* units or sites listed on one contract */
#define MINUTES_MAX 525600 /* a year */
#define VISITS_MAX 1000
#define ASSIST_HOURS_MAX 8760
#define RISK_MONTHS_MAX 36

static const char *const kinds[] = { "service", "warranty_extension", NULL };
static const char *const statuses[] = { "draft", "active", "expired", "cancelled", NULL };

static const struct json_field contract_fields[] = {
	{ "number", JSON_STRING, 0, CONTRACT_NUMBER_SIZE - 1 },
	{ "customer_id", JSON_INTEGER, 0, 0 },
	{ "kind", JSON_STRING, 0, 32 },
	{ "start_date", JSON_STRING, 0, 10 },
	{ "end_date", JSON_STRING, 0, 10 },
	{ "sales_owner_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "price_minor", JSON_INTEGER, 0, 0 },
	{ "currency", JSON_STRING, 0, 3 },
	{ "renews_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "units", JSON_ARRAY, 0, 0 },
	{ "sites", JSON_ARRAY, 0, 0 },
	{ "entitlements", JSON_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field entitlement_fields[] = {
	{ "parts", JSON_TRUE, 0, 0 },
	{ "labour", JSON_TRUE, 0, 0 },
	{ "travel", JSON_TRUE, 0, 0 },
	{ "response_minutes", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "resolution_minutes", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "visits_per_year", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "assist_hours_per_year", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "signoff_required", JSON_TRUE, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field renew_fields[] = {
	{ "number", JSON_STRING, JF_REQUIRED, CONTRACT_NUMBER_SIZE - 1 },
	{ "start_date", JSON_STRING, 0, 10 },
	{ "end_date", JSON_STRING, JF_REQUIRED, 10 },
	{ "price_minor", JSON_INTEGER, 0, 0 },
	{ "currency", JSON_STRING, 0, 3 },
	{ NULL, 0, 0, 0 },
};

static void today_of(char out[11])
{
	registry_date_of(clock_now(), out);
}

/* ---- input ------------------------------------------------------------------ */

/* The coverage lists as given, checked against the contract's customer. */
struct cover_in {
	int has_units, has_sites;
	int64_t *units, *sites;
	size_t nunits, nsites;
};

static void cover_free(struct cover_in *c)
{
	free(c->units);
	free(c->sites);
}

static int currency_ok(const char *s)
{
	return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	       s[2] >= 'A' && s[2] <= 'Z';
}

static void take_date(struct resp *resp, const json_t *body, const char *key, char out[11])
{
	const json_t *v = json_object_get(body, key);
	char ptr[32];

	if (!json_is_string(v))
		return;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!registry_date_ok(json_string_value(v)))
		http_invalid(resp, ptr, "must be a date YYYY-MM-DD");
	else
		snprintf(out, 11, "%s", json_string_value(v));
}

static void take_int(struct resp *resp, const json_t *obj, const char *prefix, const char *key,
		     int64_t lo, int64_t hi, int64_t null_value, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	char ptr[64];

	if (!v)
		return;
	snprintf(ptr, sizeof(ptr), "%s/%s", prefix, key);
	if (json_is_null(v)) {
		*out = null_value;
		return;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		http_invalid(resp, ptr, "must be %lld to %lld", (long long)lo, (long long)hi);
		return;
	}
	*out = json_integer_value(v);
}

static void take_bool(const json_t *obj, const char *key, int *out)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_boolean(v))
		*out = json_is_true(v);
}

static enum err take_ids(struct resp *resp, const json_t *list, const char *key, int64_t **out,
			 size_t *n)
{
	size_t count = json_array_size(list);
	char ptr[48];

	if (count > COVER_MAX) {
		snprintf(ptr, sizeof(ptr), "/%s", key);
		return http_invalid(resp, ptr, "at most %d entries", COVER_MAX);
	}
	*out = calloc(count ? count : 1, sizeof(**out));
	if (!*out)
		return ERR_INTERNAL;
	*n = count;
	for (size_t i = 0; i < count; i++) {
		const json_t *v = json_array_get(list, i);

		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
			http_invalid(resp, ptr, "must be an id");
		} else {
			(*out)[i] = json_integer_value(v);
		}
	}
	return ERR_OK;
}

/* Applies the members present in body onto c (a draft's terms, or a new
 * contract's); every problem is collected. */
static enum err take_terms(struct req *req, struct resp *resp, struct contract_row *c,
			   struct cover_in *cov)
{
	const json_t *body = req->json, *ent = json_object_get(body, "entitlements");
	const json_t *v;
	enum err e = ERR_OK;

	registry_take_text(&resp->problem, body, "", "number", c->number, sizeof(c->number),
			   TEXT_REQUIRED);
	registry_take_id(&resp->problem, body, "", "customer_id", &c->customer_id);
	v = json_object_get(body, "kind");
	if (json_is_string(v)) {
		if (!registry_one_of(json_string_value(v), kinds))
			http_invalid(resp, "/kind", "must be service or warranty_extension");
		else
			snprintf(c->kind, sizeof(c->kind), "%s", json_string_value(v));
	}
	take_date(resp, body, "start_date", c->start_date);
	take_date(resp, body, "end_date", c->end_date);
	take_int(resp, body, "", "sales_owner_id", 1, INT64_MAX, 0, &c->sales_owner_id);
	take_int(resp, body, "", "price_minor", 0, INT64_MAX / 2, 0, &c->price_minor);
	v = json_object_get(body, "currency");
	if (json_is_string(v)) {
		if (!currency_ok(json_string_value(v)))
			http_invalid(resp, "/currency", "must be an ISO 4217 code like CNY");
		else
			snprintf(c->currency, sizeof(c->currency), "%s", json_string_value(v));
	}
	take_int(resp, body, "", "renews_id", 1, INT64_MAX, 0, &c->renews_id);
	if (json_is_array(json_object_get(body, "units"))) {
		cov->has_units = 1;
		e = take_ids(resp, json_object_get(body, "units"), "units", &cov->units,
			     &cov->nunits);
	}
	if (e == ERR_OK && json_is_array(json_object_get(body, "sites"))) {
		cov->has_sites = 1;
		e = take_ids(resp, json_object_get(body, "sites"), "sites", &cov->sites,
			     &cov->nsites);
	}
	if (ent && registry_json_check(&resp->problem, ent, "/entitlements", entitlement_fields) ==
		       ERR_OK) {
		take_bool(ent, "parts", &c->covers_parts);
		take_bool(ent, "labour", &c->covers_labour);
		take_bool(ent, "travel", &c->covers_travel);
		take_bool(ent, "signoff_required", &c->signoff_required);
		take_int(resp, ent, "/entitlements", "response_minutes", 1, MINUTES_MAX, 0,
			 &c->response_minutes);
		take_int(resp, ent, "/entitlements", "resolution_minutes", 1, MINUTES_MAX, 0,
			 &c->resolution_minutes);
		take_int(resp, ent, "/entitlements", "visits_per_year", 0, VISITS_MAX, -1,
			 &c->visits_per_year);
		take_int(resp, ent, "/entitlements", "assist_hours_per_year", 0, ASSIST_HOURS_MAX,
			 -1, &c->assist_hours_per_year);
	}
	return e;
}

/* Checks that need the database: the customer in the caller's scope, the
 * owner a salesperson or admin, the units and sites the customer's, the
 * renewed contract the same customer's. */
static enum err check_refs(struct req *req, struct resp *resp, const struct contract_row *c,
			   const struct cover_in *cov)
{
	struct customer_row *cust = calloc(1, sizeof(*cust));
	struct contract_row *old = NULL;
	struct scope sc = req->user.scope;
	char role[16], ptr[48];
	enum err e = cust ? ERR_OK : ERR_INTERNAL;

	if (e == ERR_OK && !problem_names(&resp->problem, "/customer_id")) {
		e = registry_customer_get(req->db, c->customer_id, &sc, cust);
		if (e == ERR_NOT_FOUND) {
			http_invalid(resp, "/customer_id", "no customer %lld",
				     (long long)c->customer_id);
			e = ERR_OK;
		}
	}
	if (e == ERR_OK && c->sales_owner_id && !problem_names(&resp->problem, "/sales_owner_id")) {
		e = contracts_store_user_role(req->db, c->sales_owner_id, role);
		if (e == ERR_NOT_FOUND ||
		    (e == ERR_OK && strcmp(role, "sales") != 0 && strcmp(role, "admin") != 0)) {
			http_invalid(resp, "/sales_owner_id", "must be a salesperson's user id");
			e = ERR_OK;
		}
	}
	for (size_t i = 0; e == ERR_OK && cov->has_units && i < cov->nunits; i++) {
		int64_t customer = 0, site = 0;

		snprintf(ptr, sizeof(ptr), "/units/%zu", i);
		if (!cov->units[i] || problem_names(&resp->problem, ptr))
			continue;
		e = contracts_store_asset_owner(req->db, cov->units[i], &customer, &site);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && customer != c->customer_id)) {
			http_invalid(resp, ptr, "unit %lld is not the customer's",
				     (long long)cov->units[i]);
			e = ERR_OK;
		}
	}
	for (size_t i = 0; e == ERR_OK && cov->has_sites && i < cov->nsites; i++) {
		int64_t customer = 0;

		snprintf(ptr, sizeof(ptr), "/sites/%zu", i);
		if (!cov->sites[i] || problem_names(&resp->problem, ptr))
			continue;
		e = contracts_store_site_customer(req->db, cov->sites[i], &customer);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && customer != c->customer_id)) {
			http_invalid(resp, ptr, "site %lld is not the customer's",
				     (long long)cov->sites[i]);
			e = ERR_OK;
		}
	}
	if (e == ERR_OK && c->renews_id && !problem_names(&resp->problem, "/renews_id")) {
		old = calloc(1, sizeof(*old));
		e = old ? contracts_store_get(req->db, c->renews_id, &sc, old) : ERR_INTERNAL;
		if (e == ERR_NOT_FOUND ||
		    (e == ERR_OK && (old->customer_id != c->customer_id || old->id == c->id))) {
			http_invalid(resp, "/renews_id",
				     "must be another contract of the customer");
			e = ERR_OK;
		}
	}
	free(old);
	free(cust);
	return e;
}

/* What a complete contract must hold, named per field. */
static void check_complete(struct resp *resp, const struct contract_row *c)
{
	if (!c->number[0] && !problem_names(&resp->problem, "/number"))
		http_invalid(resp, "/number", "is required");
	if (!c->customer_id && !problem_names(&resp->problem, "/customer_id"))
		http_invalid(resp, "/customer_id", "is required");
	if (!c->start_date[0] && !problem_names(&resp->problem, "/start_date"))
		http_invalid(resp, "/start_date", "is required");
	if (!c->end_date[0] && !problem_names(&resp->problem, "/end_date"))
		http_invalid(resp, "/end_date", "is required");
	if (c->start_date[0] && c->end_date[0] && strcmp(c->end_date, c->start_date) < 0 &&
	    !problem_names(&resp->problem, "/end_date"))
		http_invalid(resp, "/end_date", "must not be before start_date");
}

static enum err write_cover(struct db *db, int64_t id, const struct cover_in *cov)
{
	enum err e = ERR_OK;

	if (cov->has_units)
		e = contracts_store_units_set(db, id, cov->units, cov->nunits);
	if (e == ERR_OK && cov->has_sites)
		e = contracts_store_sites_set(db, id, cov->sites, cov->nsites);
	return e;
}

static enum err audit_contract(struct req *req, const char *action, const struct contract_row *c,
			       json_t *before, json_t *after)
{
	struct audit_actor actor;
	char id[24];

	audit_actor_from_req(req, &actor);
	snprintf(id, sizeof(id), "%lld", (long long)c->id);
	return audit_append(req->db, &actor, action, "contract", id, before, after);
}

/* Reads the contract again in the transaction and answers it in full. */
static enum err answer(struct req *req, struct resp *resp, int64_t id, int status, json_t **doc_out)
{
	struct contract_row *c = calloc(1, sizeof(*c));
	struct scope all = { .all = 1 };
	char today[11];
	enum err e = c ? contracts_store_get(req->db, id, &all, c) : ERR_INTERNAL;
	json_t *doc = NULL;

	today_of(today);
	if (e == ERR_OK)
		doc = contracts_json(req->db, c, today, 1, &e);
	free(c);
	if (e != ERR_OK)
		return e;
	if (doc_out) {
		*doc_out = doc;
		return ERR_OK;
	}
	resp_json(resp, status, doc);
	return ERR_OK;
}

/* ---- handlers ---------------------------------------------------------------- */

static enum err post_contract(struct req *req, struct resp *resp)
{
	struct contract_row *c = calloc(1, sizeof(*c));
	struct cover_in cov = { 0 };
	json_t *doc = NULL;
	char location[64];
	int64_t id = 0;
	enum err e = c ? ERR_OK : ERR_INTERNAL;

	if (e == ERR_OK)
		e = req_json_check(req, resp, contract_fields);
	if (e != ERR_OK)
		goto out;
	snprintf(c->kind, sizeof(c->kind), "service");
	snprintf(c->status, sizeof(c->status), "draft");
	snprintf(c->currency, sizeof(c->currency), "CNY");
	c->covers_parts = c->covers_labour = c->covers_travel = 1;
	c->visits_per_year = c->assist_hours_per_year = -1;
	e = take_terms(req, resp, c, &cov);
	if (e == ERR_OK) {
		check_complete(resp, c);
		if (!json_object_get(req->json, "price_minor"))
			http_invalid(resp, "/price_minor", "is required");
	}
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = check_refs(req, resp, c, &cov);
	if (e == ERR_OK && problem_count(&resp->problem))
		e = ERR_INVALID;
	if (e == ERR_OK && !c->sales_owner_id)
		c->sales_owner_id =
		    req->user.scope.owner_id; /* a salesperson owns what they sell */
	if (e == ERR_OK) {
		c->created_by = req->user.user_id;
		c->created_at = c->updated_at = clock_now();
		e = contracts_store_insert(req->db, c, &id);
		if (e == ERR_CONFLICT)
			e = http_invalid(resp, "/number", "contract %s already exists", c->number);
	}
	if (e == ERR_OK) {
		c->id = id;
		e = write_cover(req->db, id, &cov);
	}
	if (e == ERR_OK)
		e = answer(req, resp, id, 201, &doc);
	if (e == ERR_OK)
		e = audit_contract(req, "contract.create", c, NULL, doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(doc);
		goto out;
	}
	snprintf(location, sizeof(location), "/v1/contracts/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, doc);
out:
	cover_free(&cov);
	free(c);
	return e;
}

struct list_ctx {
	struct db *db;
	json_t *items;
	const char *today;
	int limit, count, more;
	int64_t last_id;
	enum err e;
};

static int list_row(const struct contract_row *c, void *arg)
{
	struct list_ctx *ctx = arg;
	json_t *doc;

	if (ctx->count == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	doc = contracts_json(ctx->db, c, ctx->today, 0, &ctx->e);
	if (!doc)
		return 1;
	json_array_append_new(ctx->items, doc);
	ctx->count++;
	ctx->last_id = c->id;
	return 0;
}

static enum err get_contracts(struct req *req, struct resp *resp)
{
	struct contract_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct page page;
	struct scope sc = req->user.scope;
	int64_t after = 0;
	char today[11], next[24], to[11];
	const char *v;
	enum err e = req_page(req, resp, &page);

	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	v = req_query(req, "customer_id");
	if (v && registry_parse_id(v, &f.customer_id) < 0)
		e = http_invalid(resp, "customer_id", "must be an id");
	f.status = req_query(req, "status");
	if (f.status && !registry_one_of(f.status, statuses))
		e = http_invalid(resp, "status", "must be draft, active, expired or cancelled");
	f.kind = req_query(req, "kind");
	if (f.kind && !registry_one_of(f.kind, kinds))
		e = http_invalid(resp, "kind", "must be service or warranty_extension");
	today_of(today);
	v = req_query(req, "ending_within_days");
	if (v) {
		char *end;
		long days = strtol(v, &end, 10);

		if (!*v || *end || days < 0 || days > 3650) {
			e = http_invalid(resp, "ending_within_days", "must be 0 to 3650");
		} else {
			registry_date_add_days(today, days, to);
			f.ending_from = today;
			f.ending_to = to;
		}
	}
	if (e != ERR_OK || problem_count(&resp->problem))
		return ERR_INVALID;
	f.today = today;
	ctx.db = req->db;
	ctx.items = json_array();
	ctx.today = today;
	ctx.limit = page.limit;
	e = contracts_store_list(req->db, &sc, &f, after, page.limit + 1, list_row, &ctx);
	if (e == ERR_OK)
		e = ctx.e;
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* The path's contract in the caller's scope; 404 for unknown and
 * out-of-scope alike. */
static enum err load(struct req *req, struct resp *resp, struct contract_row *c)
{
	struct scope sc = req->user.scope;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e == ERR_OK)
		e = contracts_store_get(req->db, id, &sc, c);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no contract %lld", (long long)id);
	return e;
}

static enum err get_contract(struct req *req, struct resp *resp)
{
	struct contract_row *c = calloc(1, sizeof(*c));
	enum err e = c ? load(req, resp, c) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = answer(req, resp, c->id, 200, NULL);
	free(c);
	return e;
}

static const char *effective_status(const struct contract_row *c, const char *today)
{
	if (strcmp(c->status, "active") == 0 && strcmp(c->end_date, today) < 0)
		return "expired";
	return c->status;
}

static enum err patch_contract(struct req *req, struct resp *resp)
{
	struct contract_row *c = calloc(1, sizeof(*c));
	struct cover_in cov = { 0 };
	json_t *before = NULL, *after = NULL;
	const char *key;
	json_t *value;
	char today[11];
	int owner_only = 1;
	enum err e = c ? req_json_check(req, resp, contract_fields) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load(req, resp, c);
	today_of(today);
	json_object_foreach(req->json, key, value) {
		if (strcmp(key, "sales_owner_id") != 0)
			owner_only = 0;
	}
	if (e == ERR_OK && strcmp(c->status, "draft") != 0 && !owner_only)
		e = http_fail(resp, ERR_CONFLICT,
			      "the contract is %s: only a draft's terms change (sales_owner_id"
			      " always may)",
			      effective_status(c, today));
	if (e == ERR_OK)
		e = answer(req, resp, c->id, 200, &before);
	if (e == ERR_OK)
		e = take_terms(req, resp, c, &cov);
	if (e == ERR_OK) {
		check_complete(resp, c);
		e = check_refs(req, resp, c, &cov);
	}
	if (e == ERR_OK && problem_count(&resp->problem))
		e = ERR_INVALID;
	if (e == ERR_OK) {
		c->updated_at = clock_now();
		e = contracts_store_update(req->db, c);
		if (e == ERR_CONFLICT)
			e = http_invalid(resp, "/number", "contract %s already exists", c->number);
	}
	if (e == ERR_OK)
		e = write_cover(req->db, c->id, &cov);
	if (e == ERR_OK)
		e = answer(req, resp, c->id, 200, &after);
	if (e == ERR_OK)
		e = audit_contract(req, "contract.update", c, before, after);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(after);
	} else {
		resp_json(resp, 200, after);
	}
out:
	json_decref(before);
	cover_free(&cov);
	free(c);
	return e;
}

static int count_cover(int64_t id, const char *label, void *arg)
{
	(void)id;
	(void)label;
	++*(int *)arg;
	return 1;
}

/* activate / cancel: one transition each. */
static enum err transition(struct req *req, struct resp *resp, const char *from, const char *to)
{
	struct contract_row *c = calloc(1, sizeof(*c));
	json_t *before = NULL, *after = NULL;
	char today[11], action[32];
	int covered = 0;
	enum err e = c ? db_begin(req->db) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	today_of(today);
	e = load(req, resp, c);
	if (e == ERR_OK && strcmp(effective_status(c, today), from) != 0)
		e = http_fail(resp, ERR_CONFLICT, "the contract is %s, not %s",
			      effective_status(c, today), from);
	if (e == ERR_OK && strcmp(to, "active") == 0) {
		e = contracts_store_units(req->db, c->id, count_cover, &covered);
		if (e == ERR_OK)
			e = contracts_store_sites(req->db, c->id, count_cover, &covered);
		if (e == ERR_OK && !covered)
			e = http_fail(resp, ERR_CONFLICT,
				      "the contract covers no unit and no site yet");
		if (e == ERR_OK && strcmp(c->end_date, today) < 0)
			e = http_fail(resp, ERR_CONFLICT, "the contract ended on %s", c->end_date);
	}
	if (e == ERR_OK)
		e = answer(req, resp, c->id, 200, &before);
	if (e == ERR_OK) {
		snprintf(c->status, sizeof(c->status), "%s", to);
		c->updated_at = clock_now();
		if (strcmp(to, "active") == 0)
			c->activated_at = c->updated_at;
		else
			c->cancelled_at = c->updated_at;
		e = contracts_store_update(req->db, c);
	}
	if (e == ERR_OK)
		e = answer(req, resp, c->id, 200, &after);
	snprintf(action, sizeof(action), "contract.%s",
		 strcmp(to, "active") == 0 ? "activate" : "cancel");
	if (e == ERR_OK)
		e = audit_contract(req, action, c, before, after);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(after);
	} else {
		resp_json(resp, 200, after);
	}
out:
	json_decref(before);
	free(c);
	return e;
}

static enum err post_activate(struct req *req, struct resp *resp)
{
	return transition(req, resp, "draft", "active");
}

static enum err post_cancel(struct req *req, struct resp *resp)
{
	return transition(req, resp, "active", "cancelled");
}

struct id_list {
	int64_t *ids;
	size_t n, cap;
};

static int id_add(int64_t id, const char *label, void *arg)
{
	struct id_list *l = arg;

	(void)label;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		int64_t *p = realloc(l->ids, cap * sizeof(*p));

		if (!p)
			return 1;
		l->ids = p;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
	return 0;
}

/* A renewal: a new draft of the same customer, kind, owner, terms and
 * coverage, linked to the old (renews_id), its period after the old one's
 * unless given. */
static enum err post_renew(struct req *req, struct resp *resp)
{
	struct contract_row *old = calloc(1, sizeof(*old)), *c = calloc(1, sizeof(*c));
	struct id_list units = { 0 }, sites = { 0 };
	json_t *doc = NULL;
	const json_t *v;
	char today[11], location[64];
	int64_t id = 0;
	enum err e = old && c ? req_json_check(req, resp, renew_fields) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	today_of(today);
	e = load(req, resp, old);
	if (e == ERR_OK) {
		const char *st = effective_status(old, today);

		if (strcmp(st, "active") != 0 && strcmp(st, "expired") != 0)
			e = http_fail(resp, ERR_CONFLICT, "a %s contract is not renewed", st);
		else if (old->renewed_by_id)
			e = http_fail(resp, ERR_CONFLICT, "contract %lld already renews it",
				      (long long)old->renewed_by_id);
	}
	if (e != ERR_OK)
		goto fail;
	*c = *old;
	c->id = 0;
	c->number[0] = '\0';
	c->renews_id = old->id;
	c->renewed_by_id = 0;
	c->warranty_renewal_id = 0;
	c->activated_at = c->cancelled_at = 0;
	snprintf(c->status, sizeof(c->status), "draft");
	registry_date_add_days(old->end_date, 1, c->start_date);
	c->end_date[0] = '\0';
	registry_take_text(&resp->problem, req->json, "", "number", c->number, sizeof(c->number),
			   TEXT_REQUIRED);
	take_date(resp, req->json, "start_date", c->start_date);
	take_date(resp, req->json, "end_date", c->end_date);
	take_int(resp, req->json, "", "price_minor", 0, INT64_MAX / 2, 0, &c->price_minor);
	v = json_object_get(req->json, "currency");
	if (json_is_string(v)) {
		if (!currency_ok(json_string_value(v)))
			http_invalid(resp, "/currency", "must be an ISO 4217 code like CNY");
		else
			snprintf(c->currency, sizeof(c->currency), "%s", json_string_value(v));
	}
	check_complete(resp, c);
	if (problem_count(&resp->problem)) {
		e = ERR_INVALID;
		goto fail;
	}
	c->created_by = req->user.user_id;
	c->created_at = c->updated_at = clock_now();
	e = contracts_store_insert(req->db, c, &id);
	if (e == ERR_CONFLICT)
		e = http_invalid(resp, "/number", "contract %s already exists", c->number);
	if (e == ERR_OK)
		e = contracts_store_units(req->db, old->id, id_add, &units);
	if (e == ERR_OK)
		e = contracts_store_sites(req->db, old->id, id_add, &sites);
	if (e == ERR_OK)
		e = contracts_store_units_set(req->db, id, units.ids, units.n);
	if (e == ERR_OK)
		e = contracts_store_sites_set(req->db, id, sites.ids, sites.n);
	if (e == ERR_OK)
		e = answer(req, resp, id, 201, &doc);
	c->id = id;
	if (e == ERR_OK)
		e = audit_contract(req, "contract.renew", c, NULL, doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_OK) {
		snprintf(location, sizeof(location), "/v1/contracts/%lld", (long long)id);
		resp_header(resp, "Location", location);
		resp_json(resp, 201, doc);
		goto out;
	}
fail:
	db_rollback(req->db);
	json_decref(doc);
out:
	free(units.ids);
	free(sites.ids);
	free(old);
	free(c);
	return e;
}

/* ---- what covers a unit --------------------------------------------------- */

static int covering_add(const struct contract_row *c, const char *via, void *arg)
{
	json_array_append_new(arg,
			      json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id,
					"number", c->number, "kind", c->kind, "start_date",
					c->start_date, "end_date", c->end_date, "via", via));
	return 0;
}

static enum err get_asset_entitlement(struct req *req, struct resp *resp)
{
	struct asset_row *a = calloc(1, sizeof(*a));
	struct entitlement *en = calloc(1, sizeof(*en));
	struct scope sc = req->user.scope;
	json_t *covering = NULL, *doc;
	const char *day_in = req_query(req, "date"), *wstatus;
	char day[11];
	int64_t id, days_left;
	enum err e = a && en ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	if (day_in && !registry_date_ok(day_in)) {
		e = http_invalid(resp, "date", "must be a date YYYY-MM-DD");
		goto out;
	}
	if (day_in)
		snprintf(day, sizeof(day), "%s", day_in);
	else
		today_of(day);
	e = assets_store_get(req->db, id, &sc, a);
	if (e == ERR_NOT_FOUND) {
		http_fail(resp, e, "no asset %lld", (long long)id);
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	wstatus = assets_warranty_status(a->warranty_end[0] ? a->warranty_end : NULL,
					 registry_date_days(day) * 86400 + 43200, &days_left);
	e = contracts_entitlement_at(req->db, a->id, a->site_id, wstatus, day, en);
	covering = json_array();
	if (e == ERR_OK)
		e = contracts_store_covering(req->db, a->id, a->site_id, day, covering_add,
					     covering);
	if (e != ERR_OK)
		goto out;
	doc = json_pack(
	    "{s:I, s:s, s:s, s:{s:o, s:s}, s:s, s:s, s:o, s:O, s:{s:b, s:b, s:b}, s:o, s:s}",
	    "asset_id", (json_int_t)a->id, "serial", a->serial, "date", day, "warranty", "end",
	    a->warranty_end[0] ? json_string(a->warranty_end) : json_null(), "status", wstatus,
	    "source", en->source, "billing", en->billing, "contract",
	    en->has_contract ? json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:b}", "id",
					 (json_int_t)en->contract.id, "number", en->contract.number,
					 "kind", en->contract.kind, "end_date",
					 en->contract.end_date, "response_minutes",
					 en->contract.response_minutes
					     ? json_integer(en->contract.response_minutes)
					     : json_null(),
					 "resolution_minutes",
					 en->contract.resolution_minutes
					     ? json_integer(en->contract.resolution_minutes)
					     : json_null(),
					 "signoff_required", en->contract.signoff_required)
			     : json_null(),
	    "covering", covering, "covers", "parts", en->covers_parts, "labour", en->covers_labour,
	    "travel", en->covers_travel, "visits",
	    en->has_contract
		? json_pack("{s:I, s:o}", "used", (json_int_t)en->visits_used, "allowed",
			    en->contract.visits_per_year >= 0
				? json_integer(en->contract.visits_per_year)
				: json_null())
		: json_null(),
	    "reason", en->reason);
	if (!doc) {
		e = ERR_INTERNAL;
		goto out;
	}
	resp_json(resp, 200, doc);
out:
	json_decref(covering);
	free(en);
	free(a);
	return e;
}

/* ---- revenue at risk ------------------------------------------------------- */

static int month_ok(const char *s, char first_day[11])
{
	char d[11];

	if (!s || strlen(s) != 7)
		return 0;
	snprintf(d, sizeof(d), "%s-01", s);
	if (!registry_date_ok(d))
		return 0;
	snprintf(first_day, 11, "%s", d);
	return 1;
}

static int risk_add(const char *month, const char *currency, int64_t amount, int64_t n, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:I, s:I}", "month", month, "currency",
					     currency, "amount_minor", (json_int_t)amount,
					     "contracts", (json_int_t)n));
	return 0;
}

static enum err get_revenue_at_risk(struct req *req, struct resp *resp)
{
	struct scope sc = req->user.scope;
	char from[11], to_first[11], to[11], today[11], next[11];
	const char *qf = req_query(req, "from"), *qt = req_query(req, "to");
	json_t *items;
	enum err e;

	today_of(today);
	if (qf && !month_ok(qf, from))
		http_invalid(resp, "from", "must be a month YYYY-MM");
	if (qt && !month_ok(qt, to_first))
		http_invalid(resp, "to", "must be a month YYYY-MM");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	if (!qf)
		snprintf(from, sizeof(from), "%.7s-01", today);
	if (!qt)
		registry_date_add_months(from, 11, to_first);
	if (strcmp(to_first, from) < 0)
		return http_invalid(resp, "to", "must not be before from");
	registry_date_add_months(from, RISK_MONTHS_MAX - 1, next);
	if (strcmp(to_first, next) > 0)
		return http_invalid(resp, "to", "at most %d months after from", RISK_MONTHS_MAX);
	registry_date_add_months(to_first, 1, next);
	registry_date_add_days(next, -1, to);
	items = json_array();
	e = contracts_store_revenue_at_risk(req->db, &sc, from, to, risk_add, items);
	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	resp_json(resp, 200, json_pack("{s:s, s:s, s:o}", "from", from, "to", to, "items", items));
	return ERR_OK;
}

const struct route contracts_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/contracts",
	  .handler = post_contract,
	  .perm = PERM_CONTRACTS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/contracts",
	  .handler = get_contracts,
	  .perm = PERM_CONTRACTS_READ,
	  .query = "customer_id,status,kind,ending_within_days,limit,cursor" },
	{ .method = "GET",
	  .pattern = "/v1/contracts/{id}",
	  .handler = get_contract,
	  .perm = PERM_CONTRACTS_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/contracts/{id}",
	  .handler = patch_contract,
	  .perm = PERM_CONTRACTS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "POST",
	  .pattern = "/v1/contracts/{id}/activate",
	  .handler = post_activate,
	  .perm = PERM_CONTRACTS_WRITE },
	{ .method = "POST",
	  .pattern = "/v1/contracts/{id}/cancel",
	  .handler = post_cancel,
	  .perm = PERM_CONTRACTS_WRITE },
	{ .method = "POST",
	  .pattern = "/v1/contracts/{id}/renew",
	  .handler = post_renew,
	  .perm = PERM_CONTRACTS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/assets/{id}/entitlement",
	  .handler = get_asset_entitlement,
	  .perm = PERM_CONTRACTS_READ,
	  .query = "date" },
	{ .method = "GET",
	  .pattern = "/v1/analytics/revenue-at-risk",
	  .handler = get_revenue_at_risk,
	  .perm = PERM_CONTRACTS_READ,
	  .query = "from,to" },
	{ 0 },
};
