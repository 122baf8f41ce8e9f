/* Customers and their contacts. Contacts are personal data: every answer
 * masks them (rules in include/domain/registry.h) unless a caller with
 * PERM_PII_REVEAL asks ?reveal=pii, and each such read is audited as
 * "pii.reveal" on the customer before the answer leaves. Audit entries of
 * writes hold the masked form: auditors read them and may not reveal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/customers.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "api/reveal.h"
#include "domain/registry.h"
#include "domain/overview.h"
#include "api/routes.h"

#define Q_MAX 64

static enum err post_customer(struct req *req, struct resp *resp)
{
	struct customer_input in;
	struct audit_actor actor;
	struct customer_row row;
	struct scope all = { .all = 1 };
	char location[48];
	int64_t id = 0;
	json_t *doc;
	enum err e;

	e = customers_parse(req->db, &req->user, req->json, &in, &resp->problem);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = customers_create_locked(req->db, &actor, &in, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a customer with code %s already exists", in.row.code);
	if (e != ERR_OK)
		return e;
	e = registry_customer_get(req->db, id, &all, &row);
	if (e != ERR_OK)
		return e;
	doc = customers_json(req->db, &row, 0, &e);
	if (!doc)
		return e;
	snprintf(location, sizeof(location), "/v1/customers/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, doc);
	return ERR_OK;
}

struct list_ctx {
	struct db *db;
	json_t *items;
	int limit;
	int more;
	int reveal;
	int64_t last_id;
	int64_t shown[PAGE_LIMIT_MAX]; /* customers whose contacts are unmasked */
	size_t nshown;
	enum err e;
};

static int list_row(const struct customer_row *c, void *arg)
{
	struct list_ctx *ctx = arg;
	json_t *doc;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	doc = customers_json(ctx->db, c, ctx->reveal, &ctx->e);
	if (!doc)
		return 1;
	if (ctx->reveal && json_array_size(json_object_get(doc, "contacts")) > 0 &&
	    ctx->nshown < PAGE_LIMIT_MAX)
		ctx->shown[ctx->nshown++] = c->id;
	json_array_append_new(ctx->items, doc);
	ctx->last_id = c->id;
	return 0;
}

static enum err get_customers(struct req *req, struct resp *resp)
{
	struct customer_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct page page;
	struct scope sc;
	int64_t after = 0;
	int reveal = 0;
	char next[24];
	enum err e, e2;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	f.tier = req_query(req, "tier");
	if (f.tier && !customers_tier_ok(f.tier))
		e = http_invalid(resp, "tier", "must be one of strategic, A, B, C");
	f.code = req_query(req, "code");
	if (f.code && (!f.code[0] || strlen(f.code) >= REG_CODE_SIZE))
		e = http_invalid(resp, "code", "must be 1 to %d bytes", REG_CODE_SIZE - 1);
	f.q = req_query(req, "q");
	if (f.q && (!f.q[0] || strlen(f.q) > Q_MAX))
		e = http_invalid(resp, "q", "must be 1 to %d bytes", Q_MAX);
	e2 = registry_reveal_param(req, resp, &reveal);
	if (e2 == ERR_FORBIDDEN)
		return e2;
	if (e != ERR_OK || e2 != ERR_OK)
		return ERR_INVALID;

	sc = req->user.scope;
	ctx.db = req->db;
	ctx.items = json_array();
	ctx.limit = page.limit;
	ctx.reveal = reveal;
	/* One more than asked tells whether another page follows. */
	e = registry_customer_list(req->db, &sc, &f, after, page.limit + 1, list_row, &ctx);
	if (e == ERR_OK)
		e = ctx.e;
	if (e == ERR_OK)
		e = registry_audit_reveal(req, ctx.shown, ctx.nshown, 0);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* The path's customer within the caller's scope; 404 for unknown and
 * out-of-scope alike. */
static enum err load_customer(struct req *req, struct resp *resp, struct customer_row *out)
{
	struct scope sc;
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	e = registry_customer_get(req->db, id, &sc, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such customer");
	return e;
}

static enum err get_customer(struct req *req, struct resp *resp)
{
	struct customer_row c;
	int reveal = 0;
	json_t *doc;
	enum err e;

	e = load_customer(req, resp, &c);
	if (e == ERR_OK)
		e = registry_reveal_param(req, resp, &reveal);
	if (e != ERR_OK)
		return e;
	doc = customers_json(req->db, &c, reveal, &e);
	if (!doc)
		return e;
	if (reveal && json_array_size(json_object_get(doc, "contacts")) > 0)
		e = registry_audit_reveal(req, &c.id, 1, 0);
	if (e != ERR_OK) {
		json_decref(doc);
		return e;
	}
	resp_json(resp, 200, doc);
	return ERR_OK;
}

/* The customer 360 view (include/domain/overview.h): one read snapshot,
 * so every part describes the same moment. Contacts are masked as in
 * GET /v1/customers/{id}; revealing them stays that resource's audited
 * ?reveal=pii. */
static enum err get_customer_overview(struct req *req, struct resp *resp)
{
	struct overview_query q = { .units_limit = OVERVIEW_UNITS_DEFAULT };
	const char *limit = req_query(req, "units_limit");
	const char *cursor = req_query(req, "units_cursor");
	struct customer_row c;
	json_t *doc;
	enum err e, bad = ERR_OK;

	if (limit) {
		char *end = NULL;
		long v = strtol(limit, &end, 10);

		if (!*limit || *end || v < 1 || v > OVERVIEW_UNITS_MAX)
			bad = http_invalid(resp, "units_limit", "must be an integer from 1 to %d",
					   OVERVIEW_UNITS_MAX);
		else
			q.units_limit = (int)v;
	}
	if (cursor && registry_parse_id(cursor, &q.units_after) < 0)
		bad = http_invalid(resp, "units_cursor", "is not a cursor this server issued");
	e = load_customer(req, resp, &c);
	if (e != ERR_OK)
		return e;
	if (bad != ERR_OK)
		return ERR_INVALID;
	q.now = clock_now();
	/* Contracts carry prices: only for those who may read them. */
	q.contracts = policy_allows(req->user.role, PERM_CONTRACTS_READ);
	e = db_read_begin(req->db);
	if (e != ERR_OK)
		return e;
	doc = overview_json(req->db, &c, &q, &e);
	db_read_end(req->db);
	if (!doc)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static enum err patch_customer(struct req *req, struct resp *resp)
{
	struct customer_input in;
	struct customer_row old;
	struct contact_row old_contacts[CONTACTS_MAX];
	struct audit_actor actor;
	size_t nold = 0;
	char id[24];
	json_t *before = NULL, *after = NULL, *doc;
	enum err e;

	/* Read, check and write under the write lock, so concurrent changes
	 * apply one after the other, each to the state the last one left
	 * (comparing updated_at after the lock missed two changes within one
	 * second, and the later one undid the earlier). A failure rolls back
	 * in the dispatcher. */
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = load_customer(req, resp, &old);
	if (e != ERR_OK)
		return e;
	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "", "send at least one member to change");
	e = registry_contacts_get(req->db, old.id, old_contacts, CONTACTS_MAX, &nold);
	if (e != ERR_OK)
		return e;
	memset(&in, 0, sizeof(in));
	in.row = old;
	memcpy(in.contacts, old_contacts, nold * sizeof(old_contacts[0]));
	in.ncontacts = nold;
	e = customers_apply(req->db, &req->user, req->json, 0, &in, &resp->problem);
	if (e != ERR_OK)
		return e;
	in.row.updated_at = clock_now();

	audit_actor_from_req(req, &actor);
	e = registry_customer_update(req->db, &in.row);
	if (e == ERR_OK && json_object_get(req->json, "contacts"))
		e = registry_contacts_replace(req->db, in.row.id, in.contacts, in.ncontacts);
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)old.id);
		before = customers_doc(&old, old_contacts, nold, 0);
		after = customers_doc(&in.row, in.contacts, in.ncontacts, 0);
		e = before && after ? audit_append(req->db, &actor, "customer.update", "customer",
						   id, before, after)
				    : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	json_decref(after);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a customer with code %s already exists", in.row.code);
	if (e != ERR_OK)
		return e;
	doc = customers_json(req->db, &in.row, 0, &e);
	if (!doc)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

const struct route customers_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/customers",
	  .handler = get_customers,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor,tier,code,q,reveal" },
	{ .method = "POST",
	  .pattern = "/v1/customers",
	  .handler = post_customer,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/customers/{id}",
	  .handler = get_customer,
	  .perm = PERM_REGISTRY_READ,
	  .query = "reveal" },
	{ .method = "GET",
	  .pattern = "/v1/customers/{id}/overview",
	  .handler = get_customer_overview,
	  .perm = PERM_REGISTRY_READ,
	  .query = "units_limit,units_cursor" },
	{ .method = "PATCH",
	  .pattern = "/v1/customers/{id}",
	  .handler = patch_customer,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
