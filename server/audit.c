/* The audit log: appending chained entries, verifying the chain, and the
 * auditors' read API. */
#include "audit.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_store.h"
#include "clock.h"
#include "db.h"
#include "routes.h"

void audit_actor_from_req(const struct req *req, struct audit_actor *out)
{
	out->user_id = req->authenticated ? req->user.user_id : 0;
	out->name = req->authenticated ? req->user.username : "";
	out->request_id = req->request_id;
	out->client_addr = req->client_addr;
}

void audit_actor_cli(struct audit_actor *out, const char *what)
{
	out->user_id = 0;
	out->name = "cli";
	out->request_id = what;
	out->client_addr = "local";
}

/* Feeds one field as "<length>:<bytes>\n" so no two different entries
 * serialise alike; NULL is "-\n". */
static void hash_field(EVP_MD_CTX *md, const char *s)
{
	char len[24];

	if (!s) {
		EVP_DigestUpdate(md, "-\n", 2);
		return;
	}
	snprintf(len, sizeof(len), "%zu:", strlen(s));
	EVP_DigestUpdate(md, len, strlen(len));
	EVP_DigestUpdate(md, s, strlen(s));
	EVP_DigestUpdate(md, "\n", 1);
}

static int entry_hash(const struct audit_row *r, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	unsigned int len = 0;
	char num[48];
	int ok;

	if (!md)
		return -1;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	if (ok) {
		snprintf(num, sizeof(num), "%lld/%lld", (long long)r->at, (long long)r->actor_id);
		hash_field(md, r->prev_hash);
		hash_field(md, num);
		hash_field(md, r->actor);
		hash_field(md, r->action);
		hash_field(md, r->object_type);
		hash_field(md, r->object_id);
		hash_field(md, r->before);
		hash_field(md, r->after);
		hash_field(md, r->request_id);
		hash_field(md, r->client_addr);
		ok = EVP_DigestFinal_ex(md, digest, &len) == 1;
	}
	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

enum err audit_append(struct db *db, const struct audit_actor *actor, const char *action,
		      const char *object_type, const char *object_id, const json_t *before,
		      const json_t *after)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
	char prev[65], hash[65];
	char *before_text = before ? json_dumps(before, flags) : NULL;
	char *after_text = after ? json_dumps(after, flags) : NULL;
	struct audit_row row;
	enum err e;

	e = audit_store_last_hash(db, prev);
	if (e != ERR_OK)
		goto out;
	memset(&row, 0, sizeof(row));
	row.at = clock_now();
	row.actor_id = actor->user_id;
	row.actor = actor->name ? actor->name : "";
	row.action = action;
	row.object_type = object_type;
	row.object_id = object_id;
	row.before = before_text;
	row.after = after_text;
	row.request_id = actor->request_id ? actor->request_id : "";
	row.client_addr = actor->client_addr ? actor->client_addr : "";
	row.prev_hash = prev;
	if (entry_hash(&row, hash) < 0) {
		e = ERR_INTERNAL;
		goto out;
	}
	row.hash = hash;
	e = audit_store_insert(db, &row);
out:
	free(before_text);
	free(after_text);
	return e;
}

struct verify_ctx {
	char prev[65];
	int64_t checked;
	int64_t broken_at;
};

static int verify_row(const struct audit_row *row, void *arg)
{
	struct verify_ctx *v = arg;
	char want[65];

	v->checked++;
	if (strcmp(row->prev_hash, v->prev) != 0 || entry_hash(row, want) < 0 ||
	    strcmp(want, row->hash) != 0) {
		v->broken_at = row->id;
		return 1;
	}
	memcpy(v->prev, row->hash, 65);
	return 0;
}

enum err audit_verify(struct db *db, int64_t *checked, int64_t *broken_at)
{
	struct verify_ctx v;
	enum err e;

	memset(&v, 0, sizeof(v));
	e = audit_store_scan(db, NULL, 0, 0, verify_row, &v);
	*checked = v.checked;
	*broken_at = v.broken_at;
	return e;
}

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
