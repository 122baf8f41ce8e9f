/* Accounts: creating, listing and reading within the caller's scope,
 * changing and disabling. Phone numbers are personal data: only admins
 * see them in full, and each such read is audited. The checks and the
 * creation itself are in server/domain/users.c. */
#include "domain/users.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/auth.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "api/routes.h"
#include "db/users_store.h"
#include "core/log.h"

#define Q_MAX 64

static int sees_full_phone(const struct principal *p)
{
	return policy_allows(p->role, PERM_PHONES_FULL);
}

/* Each full phone number shown is an audited read of personal data: one
 * entry per user, so "who saw this user's phone" is an object query. */
static enum err audit_phone_reads(struct req *req, const int64_t *ids, size_t n)
{
	struct audit_actor actor;
	json_t *what;
	char id[24];
	enum err e;

	if (n == 0 || strcmp(req->method, "HEAD") == 0) /* HEAD shows no body */
		return ERR_OK;
	what = json_pack("{s:[s]}", "fields", "phone");
	if (!what)
		return ERR_INTERNAL;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		snprintf(id, sizeof(id), "%lld", (long long)ids[i]);
		e = audit_append(req->db, &actor, "user.read_personal", "user", id, NULL, what);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(what);
	return e;
}

struct list_ctx {
	json_t *items;
	int limit;
	int more;
	int full_phone;
	int64_t last_id;
	int64_t shown[PAGE_LIMIT_MAX]; /* users whose full phone is in the page */
	size_t nshown;
};

static int list_row(const struct user_record *u, void *arg)
{
	struct list_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, users_json(u, c->full_phone));
	c->last_id = u->id;
	if (c->full_phone && u->phone[0] && c->nshown < PAGE_LIMIT_MAX)
		c->shown[c->nshown++] = u->id;
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0 || v == LLONG_MAX)
		return -1;
	*out = v;
	return 0;
}

static enum err get_users(struct req *req, struct resp *resp)
{
	const char *role = req_query(req, "role"), *region = req_query(req, "region");
	const char *centre = req_query(req, "centre"), *q = req_query(req, "q");
	struct user_filter filter = { 0 };
	struct region_row r;
	struct centre_row c;
	struct list_ctx ctx = { 0 };
	struct page page;
	int64_t after = 0;
	char next[24];
	enum err e, found;

	e = req_page(req, resp, &page);
	if (page.has_after && parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (role) {
		filter.role = role_parse(role);
		if (filter.role == ROLE_NONE)
			e = http_invalid(resp, "role", "is not a role");
	}
	if (region) {
		found = regions_store_get(req->db, region, &r);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "region", "no such region");
		else if (found != ERR_OK)
			return found;
		filter.region_path = r.path;
	}
	if (centre) {
		found = regions_store_centre_get(req->db, centre, &c);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "centre", "no such centre");
		else if (found != ERR_OK)
			return found;
		filter.centre = centre;
	}
	if (q && (!q[0] || strlen(q) > Q_MAX))
		e = http_invalid(resp, "q", "must be 1 to %d bytes", Q_MAX);
	filter.q = q;
	if (e != ERR_OK)
		return e;

	ctx.items = json_array();
	ctx.limit = page.limit;
	ctx.full_phone = sees_full_phone(&req->user);
	/* One more than asked tells whether another page follows. */
	e = users_store_list(req->db, &req->user.scope, &filter, after, page.limit + 1, list_row,
			     &ctx);
	if (e == ERR_OK)
		e = audit_phone_reads(req, ctx.shown, ctx.nshown);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* Reads the path's user within the caller's scope; 404 for unknown and
 * out-of-scope alike. */
static enum err load_user(struct req *req, struct resp *resp, struct user_record *out)
{
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	e = users_store_get(req->db, id, &req->user.scope, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such user");
	return e;
}

static enum err get_user(struct req *req, struct resp *resp)
{
	struct user_record u;
	int full = sees_full_phone(&req->user);
	enum err e;

	e = load_user(req, resp, &u);
	if (e == ERR_OK && full && u.phone[0])
		e = audit_phone_reads(req, &u.id, 1);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, users_json(&u, full));
	return ERR_OK;
}

/* Copies a string member into a record field; reports it when it does
 * not fit. NULL / null / absent copies "". */
static void take_str(struct users_report *rep, const char *field, const char *value, char *dst,
		     size_t size)
{
	if (!value)
		value = "";
	if (strlen(value) >= size)
		users_report_bad(rep, field, "longer than %zu bytes", size - 1);
	snprintf(dst, size, "%s", value);
}

static const struct json_field create_fields[] = {
	{ "username", JSON_STRING, JF_REQUIRED, 256 },
	{ "password", JSON_STRING, JF_REQUIRED, USERS_PASSWORD_MAX },
	{ "role", JSON_STRING, JF_REQUIRED, 32 },
	{ "display_name", JSON_STRING, 0, 127 },
	{ "region", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "centre", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "phone", JSON_STRING, 0, 31 },
	{ "email", JSON_STRING, 0, 254 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_user(struct req *req, struct resp *resp)
{
	struct users_report rep = { .pb = &resp->problem };
	struct user_record u;
	struct scope all = { .all = 1 };
	struct audit_actor actor;
	const char *username;
	char location[48];
	int64_t id = 0;
	enum err e;

	e = req_json_check(req, resp, create_fields);
	if (e != ERR_OK)
		return e;
	memset(&u, 0, sizeof(u));
	username = req_json_str(req, "username");
	if (strlen(username) > (size_t)USERS_USERNAME_MAX)
		users_report_bad(&rep, "username",
				 "must be %d to %d characters of A-Z a-z 0-9 . _ -",
				 USERS_USERNAME_MIN, USERS_USERNAME_MAX);
	snprintf(u.username, sizeof(u.username), "%s", username);
	u.role = role_parse(req_json_str(req, "role"));
	take_str(&rep, "display_name", req_json_str(req, "display_name"), u.display_name,
		 sizeof(u.display_name));
	take_str(&rep, "region", req_json_str(req, "region"), u.region, sizeof(u.region));
	take_str(&rep, "centre", req_json_str(req, "centre"), u.centre, sizeof(u.centre));
	take_str(&rep, "phone", req_json_str(req, "phone"), u.phone, sizeof(u.phone));
	take_str(&rep, "email", req_json_str(req, "email"), u.email, sizeof(u.email));
	audit_actor_from_req(req, &actor);
	e = users_create_report(req->db, &actor, &u, req_json_str(req, "password"), &id, &rep);
	if (e == ERR_CONFLICT)
		return http_fail(resp, ERR_CONFLICT, "a user with this username already exists");
	if (e != ERR_OK)
		return e;
	e = users_store_get(req->db, id, &all, &u);
	if (e != ERR_OK)
		return e;
	snprintf(location, sizeof(location), "/v1/users/%lld", (long long)id);
	resp_header(resp, "Location", location);
	/* Write answers mask the phone: the full number is only given by an
	 * audited read (GET). */
	resp_json(resp, 201, users_json(&u, 0));
	return ERR_OK;
}

static const struct json_field patch_fields[] = {
	{ "display_name", JSON_STRING, 0, 127 },
	{ "role", JSON_STRING, 0, 32 },
	{ "region", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "centre", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "phone", JSON_STRING, 0, 31 },
	{ "email", JSON_STRING, 0, 254 },
	{ "disabled", JSON_TRUE, 0, 0 },
	{ "password", JSON_STRING, 0, USERS_PASSWORD_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static int same_user(const struct user_record *a, const struct user_record *b)
{
	return a->id == b->id && a->role == b->role && a->disabled == b->disabled &&
	       a->updated_at == b->updated_at && strcmp(a->display_name, b->display_name) == 0 &&
	       strcmp(a->region, b->region) == 0 && strcmp(a->centre, b->centre) == 0 &&
	       strcmp(a->phone, b->phone) == 0 && strcmp(a->email, b->email) == 0;
}

/* The sent members over the current record. */
static void patch_merge(struct req *req, struct users_report *rep, struct user_record *u)
{
	json_t *j = req->json;

	if (json_object_get(j, "display_name"))
		take_str(rep, "display_name", req_json_str(req, "display_name"), u->display_name,
			 sizeof(u->display_name));
	if (json_object_get(j, "role"))
		u->role = role_parse(req_json_str(req, "role"));
	if (json_object_get(j, "region"))
		take_str(rep, "region", req_json_str(req, "region"), u->region, sizeof(u->region));
	if (json_object_get(j, "centre"))
		take_str(rep, "centre", req_json_str(req, "centre"), u->centre, sizeof(u->centre));
	if (json_object_get(j, "phone"))
		take_str(rep, "phone", req_json_str(req, "phone"), u->phone, sizeof(u->phone));
	if (json_object_get(j, "email"))
		take_str(rep, "email", req_json_str(req, "email"), u->email, sizeof(u->email));
	if (json_object_get(j, "disabled"))
		u->disabled = json_is_true(json_object_get(j, "disabled"));
}

static enum err patch_user(struct req *req, struct resp *resp)
{
	struct users_report rep = { .pb = &resp->problem };
	struct user_record old, now_rec, u;
	struct audit_actor actor;
	const char *password;
	char hash[USERS_HASH_SIZE], id[24];
	json_t *before = NULL, *after = NULL;
	int end_sessions;
	enum err e;

	e = load_user(req, resp, &old);
	if (e != ERR_OK)
		return e;
	e = req_json_check(req, resp, patch_fields);
	if (e != ERR_OK)
		return e;
	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "", "send at least one member to change");
	u = old;
	patch_merge(req, &rep, &u);
	password = req_json_str(req, "password");
	e = users_check(req->db, &u, password, 0, &rep);
	if (e != ERR_OK)
		return e;
	if (password) {
		e = auth_hash_password(password, hash, sizeof(hash));
		if (e != ERR_OK)
			return e;
	}
	/* Disabling, or a new password, ends every session the user has. */
	end_sessions = (u.disabled && !old.disabled) || password != NULL;
	u.updated_at = clock_now();

	audit_actor_from_req(req, &actor);

	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	/* Validated against a snapshot read before the write lock: make sure
	 * nobody changed the user in between. */
	e = users_store_get(req->db, old.id, &req->user.scope, &now_rec);
	if (e == ERR_NOT_FOUND) {
		db_rollback(req->db);
		return http_fail(resp, ERR_NOT_FOUND, "no such user");
	}
	if (e == ERR_OK && !same_user(&old, &now_rec)) {
		db_rollback(req->db);
		return http_fail(resp, ERR_CONFLICT,
				 "the user changed meanwhile; read it and retry");
	}
	if (e == ERR_OK)
		e = users_store_update(req->db, &u, password ? hash : NULL);
	if (e == ERR_OK && end_sessions)
		e = users_store_end_sessions(req->db, u.id, u.updated_at);
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)u.id);
		before = users_audit_json(&old);
		after = users_audit_json(&u);
		if (after && password)
			json_object_set_new(after, "password_changed", json_true());
		e = before && after
			? audit_append(req->db, &actor, "user.update", "user", id, before, after)
			: ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	json_decref(after);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	resp_json(resp, 200, users_json(&u, 0)); /* masked: see POST */
	return ERR_OK;
}

const struct route users_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/users",
	  .handler = get_users,
	  .perm = PERM_USERS_READ,
	  .query = "limit,cursor,role,region,centre,q" },
	{ .method = "POST",
	  .pattern = "/v1/users",
	  .handler = post_user,
	  .perm = PERM_USERS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/users/{id}",
	  .handler = get_user,
	  .perm = PERM_USERS_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/users/{id}",
	  .handler = patch_user,
	  .perm = PERM_USERS_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
