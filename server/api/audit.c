/* The audit log: appending chained entries, verifying the chain, and the
 * auditors' read API. */
#include "domain/audit.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_store.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/routes.h"

struct list_ctx {
	json_t *items;
	int64_t last_id;
};

static json_t *json_or_text(const char *text)
{
	json_t *j;

	if (!text)
		return json_null();
	j = json_loads(text, 0, NULL);
	return j ? j : json_string(text);
}

static int list_row(const struct audit_row *r, void *arg)
{
	struct list_ctx *c = arg;
	char at[32];

	clock_format(r->at, at, sizeof(at));
	json_array_append_new(
	    c->items,
	    json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s}", "id",
		      (json_int_t)r->id, "at", at, "actor_id",
		      r->actor_id ? json_integer(r->actor_id) : json_null(), "actor", r->actor,
		      "action", r->action, "object_type", r->object_type, "object_id", r->object_id,
		      "before", json_or_text(r->before), "after", json_or_text(r->after),
		      "request_id", r->request_id, "client_addr", r->client_addr, "prev_hash",
		      r->prev_hash, "hash", r->hash));
	c->last_id = r->id;
	return 0;
}

static enum err get_audit(struct req *req, struct resp *resp)
{
	struct audit_filter f = { 0 };
	struct list_ctx c = { 0 };
	struct page page;
	int64_t after = 0;
	const char *actor = req_query(req, "actor_id");
	char next[24];
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after) {
		char *end;

		after = strtoll(page.after, &end, 10);
		/* Only the spelling written below (no sign, space, zeros). */
		snprintf(next, sizeof(next), "%lld", (long long)after);
		if (*end || after < 0 || strcmp(next, page.after) != 0)
			e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	}
	if (actor) {
		char *end;

		f.actor_id = strtoll(actor, &end, 10);
		if (!*actor || *end || f.actor_id <= 0)
			e = http_invalid(resp, "actor_id", "must be a positive integer");
	}
	if (e != ERR_OK)
		return e;
	f.object_type = req_query(req, "object_type");
	f.object_id = req_query(req, "object_id");
	f.action = req_query(req, "action");
	c.items = json_array();
	/* One more than asked tells whether another page follows. */
	e = audit_store_scan(req->db, &f, after, page.limit + 1, list_row, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	if (json_array_size(c.items) > (size_t)page.limit) {
		json_t *last;

		json_array_remove(c.items, (size_t)page.limit);
		last = json_array_get(c.items, (size_t)page.limit - 1);
		snprintf(next, sizeof(next), "%lld",
			 (long long)json_integer_value(json_object_get(last, "id")));
		resp_page(resp, c.items, next);
	} else {
		resp_page(resp, c.items, NULL);
	}
	return ERR_OK;
}

static enum err get_audit_verify(struct req *req, struct resp *resp)
{
	int64_t checked = 0, broken = 0;
	enum err e = audit_verify(req->db, &checked, &broken);

	if (e != ERR_OK)
		return e;
	resp_json(resp, 200,
		  json_pack("{s:b, s:I, s:o}", "intact", broken == 0, "checked",
			    (json_int_t)checked, "broken_at",
			    broken ? json_integer(broken) : json_null()));
	return ERR_OK;
}

const struct route audit_routes[] = {
	{ "GET", "/v1/audit", get_audit, PERM_AUDIT_READ,
	  "limit,cursor,object_type,object_id,action,actor_id", 0 },
	{ "GET", "/v1/audit/verify", get_audit_verify, PERM_AUDIT_READ, NULL, 0 },
	{ 0 },
};
