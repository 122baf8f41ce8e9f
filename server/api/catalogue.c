/* The service catalogue: four fixed top-level categories (complaint, fault
 * repair, service request, other) and the subcategories under them, named
 * in Chinese and English. Every caller reads it; admins add subcategories
 * and rename, reorder or retire entries. Entries are never deleted: tickets
 * refer to them. */
#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/catalogue.h"
#include "db/catalogue_store.h"
#include "db/db.h"
#include "domain/registry.h"
#include "api/routes.h"

#define SORT_MAX 1000000

enum err catalogue_get(struct db *db, const char *code, struct catalogue_entry *out)
{
	struct catalogue_row row;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!code)
		return ERR_NOT_FOUND;
	e = catalogue_store_get(db, code, &row);
	if (e != ERR_OK)
		return e;
	snprintf(out->code, sizeof(out->code), "%s", row.code);
	snprintf(out->parent, sizeof(out->parent), "%s", row.parent);
	snprintf(out->name, sizeof(out->name), "%s", row.name);
	snprintf(out->name_en, sizeof(out->name_en), "%s", row.name_en);
	out->active = row.active;
	return ERR_OK;
}

static json_t *entry_json(const struct catalogue_row *r)
{
	return json_pack("{s:s, s:s?, s:s, s:s, s:I, s:b}", "code", r->code, "parent",
			 r->parent[0] ? r->parent : NULL, "name", r->name, "name_en", r->name_en,
			 "sort", (json_int_t)r->sort, "active", r->active);
}

/* Top-level categories come first in the listing, so each subcategory
 * finds its parent already placed. */
struct tree_ctx {
	json_t *items;   /* the categories */
	json_t *by_code; /* code -> its subcategories array (borrowed) */
};

static int tree_row(const struct catalogue_row *r, void *arg)
{
	struct tree_ctx *c = arg;
	json_t *item = entry_json(r), *subs;

	if (!item)
		return 0;
	if (!r->parent[0]) {
		subs = json_array();
		json_object_set_new(item, "subcategories", subs);
		json_object_set(c->by_code, r->code, subs);
		json_array_append_new(c->items, item);
		return 0;
	}
	subs = json_object_get(c->by_code, r->parent);
	if (subs)
		json_array_append(subs, item);
	json_decref(item);
	return 0;
}

static enum err get_catalogue(struct req *req, struct resp *resp)
{
	struct tree_ctx c = { json_array(), json_object() };
	enum err e;

	e = catalogue_store_list(req->db, tree_row, &c);
	json_decref(c.by_code);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	resp_json(resp, 200, json_pack("{s:o}", "items", c.items));
	return ERR_OK;
}

static enum err load_entry(struct req *req, struct resp *resp, struct catalogue_row *out)
{
	enum err e = catalogue_store_get(req->db, req->params[0], out);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no such catalogue entry");
	return e;
}

static enum err get_entry(struct req *req, struct resp *resp)
{
	struct catalogue_row r;
	enum err e = load_entry(req, resp, &r);

	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, entry_json(&r));
	return ERR_OK;
}

static const struct json_field create_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, CATALOGUE_CODE_SIZE - 1 },
	{ "parent", JSON_STRING, JF_REQUIRED, CATALOGUE_CODE_SIZE - 1 },
	{ "name", JSON_STRING, JF_REQUIRED, CATALOGUE_NAME_SIZE - 1 },
	{ "name_en", JSON_STRING, JF_REQUIRED, CATALOGUE_NAME_SIZE - 1 },
	{ "sort", JSON_INTEGER, 0, 0 },
	{ "active", JSON_TRUE, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field patch_fields[] = {
	{ "name", JSON_STRING, 0, CATALOGUE_NAME_SIZE - 1 },
	{ "name_en", JSON_STRING, 0, CATALOGUE_NAME_SIZE - 1 },
	{ "sort", JSON_INTEGER, 0, 0 },
	{ "active", JSON_TRUE, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* A new code: a lower-case letter, then lower-case letters, digits and
 * '_' (as the seeded codes), so it reads well in URLs and reports. */
static int code_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n < CATALOGUE_CODE_SIZE && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Names, sort and active from body over r. */
static void take_common(struct resp *resp, const json_t *body, struct catalogue_row *r)
{
	json_t *v;

	registry_take_text(&resp->problem, body, "", "name", r->name, sizeof(r->name),
			   TEXT_REQUIRED);
	registry_take_text(&resp->problem, body, "", "name_en", r->name_en, sizeof(r->name_en),
			   TEXT_REQUIRED);
	v = json_object_get(body, "sort");
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > SORT_MAX)
			http_invalid(resp, "/sort", "must be from 0 to %d", SORT_MAX);
		else
			r->sort = json_integer_value(v);
	}
	v = json_object_get(body, "active");
	if (json_is_boolean(v))
		r->active = json_is_true(v);
}

static enum err post_entry(struct req *req, struct resp *resp)
{
	struct catalogue_row in = { .active = 1 }, parent;
	struct audit_actor actor;
	json_t *after = NULL;
	char location[64];
	enum err e;

	req_json_check(req, resp, create_fields);
	registry_take_text(&resp->problem, req->json, "", "code", in.code, sizeof(in.code),
			   TEXT_REQUIRED);
	if (in.code[0] && !code_ok(in.code))
		http_invalid(resp, "/code",
			     "must start with a-z and hold only a-z, 0-9 and _ (up to %d bytes)",
			     CATALOGUE_CODE_SIZE - 1);
	if (registry_take_text(&resp->problem, req->json, "", "parent", in.parent,
			       sizeof(in.parent), TEXT_REQUIRED) &&
	    in.parent[0]) {
		e = catalogue_store_get(req->db, in.parent, &parent);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && parent.parent[0]))
			http_invalid(resp, "/parent",
				     "must be a top-level category: complaint, fault_repair,"
				     " service_request or other");
		else if (e != ERR_OK)
			return e;
	}
	in.sort = -1;
	take_common(resp, req->json, &in);
	if (problem_count(&resp->problem) > 0)
		return ERR_INVALID;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK && in.sort < 0)
		e = catalogue_store_next_sort(req->db, in.parent, &in.sort);
	if (e == ERR_OK)
		e = catalogue_store_insert(req->db, &in);
	if (e == ERR_OK) {
		after = entry_json(&in);
		e = after ? audit_append(req->db, &actor, "catalogue.create", "catalogue", in.code,
					 NULL, after)
			  : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(after);
		if (e == ERR_CONFLICT)
			return http_fail(resp, e, "a catalogue entry with code %s already exists",
					 in.code);
		return e;
	}
	snprintf(location, sizeof(location), "/v1/catalogue/%s", in.code);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, after);
	return ERR_OK;
}

static enum err patch_entry(struct req *req, struct resp *resp)
{
	struct catalogue_row old, in;
	struct audit_actor actor;
	json_t *before = NULL, *after = NULL;
	enum err e;

	e = req_json_check(req, resp, patch_fields);
	if (e != ERR_OK)
		return e;
	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "", "send at least one member to change");
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = load_entry(req, resp, &old);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	in = old;
	take_common(resp, req->json, &in);
	if (!old.parent[0] && !in.active)
		http_invalid(resp, "/active", "the four top-level categories stay active");
	if (problem_count(&resp->problem) > 0) {
		db_rollback(req->db);
		return ERR_INVALID;
	}
	e = catalogue_store_update(req->db, &in);
	if (e == ERR_OK) {
		before = entry_json(&old);
		after = entry_json(&in);
		e = before && after ? audit_append(req->db, &actor, "catalogue.update", "catalogue",
						   in.code, before, after)
				    : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(after);
		return e;
	}
	resp_json(resp, 200, after);
	return ERR_OK;
}

const struct route catalogue_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/catalogue",
	  .handler = get_catalogue,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "POST",
	  .pattern = "/v1/catalogue",
	  .handler = post_entry,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/catalogue/{code}",
	  .handler = get_entry,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "PATCH",
	  .pattern = "/v1/catalogue/{code}",
	  .handler = patch_entry,
	  .perm = PERM_SERVICE_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ 0 },
};
