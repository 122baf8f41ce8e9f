/* Accounts: creating (API and CLI), listing and reading within the
 * caller's scope, changing and disabling. Phone numbers are personal data:
 * only admins see them in full, and each such read is audited. */
#include "domain/users.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h> /* before crack.h, which uses size_t without it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crack.h>

#include "domain/auth.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "api/routes.h"
#include "db/users_store.h"
#include "core/log.h"

#define USERNAME_MIN 3
/* 64 by the rules, but no more than struct user_record can hold. */
#define USERNAME_FIT ((int)sizeof(((struct user_record *)0)->username) - 1)
#define USERNAME_MAX (USERNAME_FIT < 64 ? USERNAME_FIT : 64)
#define USERNAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define PASSWORD_MIN 10
#define PASSWORD_MAX 1024
#define PHONE_CHARS "0123456789+-() "
#define Q_MAX 64
#define HASH_SIZE 192

/* Where validation problems go: the HTTP answer's errors list (resp set)
 * and, for the CLI and the 409 case, the first offending member. */
struct report {
	struct resp *resp; /* NULL: only remember the first field */
	const char *first; /* static member name */
	int n;
};

static void bad(struct report *rep, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(struct report *rep, const char *field, const char *fmt, ...)
{
	char ptr[64], msg[256];
	va_list ap;

	if (!rep->first)
		rep->first = field;
	rep->n++;
	if (!rep->resp)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ptr, sizeof(ptr), "/%s", field);
	http_invalid(rep->resp, ptr, "%s", msg);
}

static int username_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= USERNAME_MIN && n <= (size_t)USERNAME_MAX && strspn(s, USERNAME_CHARS) == n;
}

static int has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Is the region path inner equal to or below outer? */
static int path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	return n > 0 && strncmp(inner, outer, n) == 0;
}

/* ---- the password blocklist (NIST SP 800-63B 5.1.1.2) ---------------------- */

/* Words of this service's context that a password must not be built on:
 * the product's name, and the names and codes of the demo data set
 * (server/demo*.c), which is published with the product. Folded as
 * password_fold() folds (lower case, no separators). */
static const char *const context_words[] = {
	"fieldtrace",
	/* the demo's customers */
	"yuehai",
	"qianwan",
	"gzmetro",
	"jinling",
	"jingxi",
	"粤海",
	"前湾",
	"金陵",
	"京西",
	/* the demo's models */
	"kyn28",
	"xgn15",
	"pcs931",
	"rcs9611",
	"scb13",
};

/* A username this short is refused only as the whole password (digits
 * may follow); a longer one anywhere in it. */
#define USERNAME_WORD_MIN 4

/* Lower-cases ASCII letters and drops what is neither a letter, a digit
 * nor part of a non-ASCII character, so "Field-Trace 2024" and
 * "fieldtrace2024" compare alike. out holds at least strlen(in) + 1. */
static void password_fold(const char *in, char *out)
{
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 'A' && c <= 'Z')
			*out++ = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
			*out++ = (char)c;
	}
	*out = '\0';
}

static void reverse_ascii(char *s)
{
	for (size_t i = 0, n = strlen(s); i < n / 2; i++) {
		char t = s[i];

		s[i] = s[n - 1 - i];
		s[n - 1 - i] = t;
	}
}

/* Is the folded password the folded word, with only digits after it? */
static int word_then_digits(const char *pw, const char *word)
{
	size_t n = strlen(word);

	return n && strncmp(pw, word, n) == 0 && strspn(pw + n, "0123456789") == strlen(pw + n);
}

static int built_on_username(const char *pw, const char *username)
{
	char name[sizeof(((struct user_record *)0)->username)], back[sizeof(name)];

	password_fold(username, name);
	snprintf(back, sizeof(back), "%s", name);
	reverse_ascii(back); /* usernames are ASCII */
	if (strlen(name) < USERNAME_WORD_MIN)
		return word_then_digits(pw, name) || word_then_digits(pw, back);
	return strstr(pw, name) || strstr(pw, back);
}

/* cracklib keeps state in the dictionary it opens on every call; one
 * caller at a time. */
static pthread_mutex_t cracklib_lock = PTHREAD_MUTEX_INITIALIZER;

/* Reports what is wrong with password for the account username under
 * /password, never echoing it. cracklib's FascistCheck (with Debian's
 * cracklib-runtime dictionary) refuses dictionary words, common
 * passwords and their usual manglings and simple sequences; its Debian
 * variant answers a missing dictionary with an error rather than exiting
 * the process (Debian #682735). ERR_INTERNAL when the dictionary cannot
 * be read: no password is taken unchecked. */
static enum err password_check(const char *password, const char *username, struct report *rep)
{
	char *folded = malloc(strlen(password) + 1), why[128] = "";
	int readable;

	if (!folded)
		return ERR_INTERNAL;
	password_fold(password, folded);
	if (username[0] && built_on_username(folded, username)) {
		bad(rep, "password", "must not be built on the username");
		free(folded);
		return ERR_OK;
	}
	for (size_t i = 0; i < sizeof(context_words) / sizeof(context_words[0]); i++) {
		if (strstr(folded, context_words[i])) {
			bad(rep, "password",
			    "must not be built on the product's or the demo data's names");
			free(folded);
			return ERR_OK;
		}
	}
	free(folded);
	pthread_mutex_lock(&cracklib_lock);
	readable = __DEBIAN_SPECIFIC__SafeFascistCheck(password, GetDefaultCracklibDict(), why,
						       sizeof(why));
	pthread_mutex_unlock(&cracklib_lock);
	if (!readable) {
		log_error("users: cannot read the password dictionary %s (cracklib-runtime): %s",
			  GetDefaultCracklibDict(), why);
		return ERR_INTERNAL;
	}
	if (why[0])
		bad(rep, "password", "is too common or too simple (%s)", why);
	return ERR_OK;
}

/* Checks a whole record (password NULL = unchanged), reporting every
 * problem. ERR_INVALID when anything was reported, before or here. */
static enum err check_user(struct db *db, const struct user_record *u, const char *password,
			   int check_username, struct report *rep)
{
	struct region_row region;
	struct centre_row centre;
	int have_region = 0;
	enum err e;

	if (check_username && !username_ok(u->username))
		bad(rep, "username", "must be %d to %d characters of A-Z a-z 0-9 . _ -",
		    USERNAME_MIN, USERNAME_MAX);
	if (password && (strlen(password) < PASSWORD_MIN || strlen(password) > PASSWORD_MAX))
		bad(rep, "password", "must be %d to %d bytes", PASSWORD_MIN, PASSWORD_MAX);
	else if (password && (e = password_check(password, u->username, rep)) != ERR_OK)
		return e;
	if (u->role <= ROLE_NONE || u->role >= ROLE__COUNT)
		bad(rep, "role",
		    "must be one of admin, supervisor, dispatcher, technician, sales, auditor");
	if (has_control_chars(u->display_name))
		bad(rep, "display_name", "must not contain control characters");
	if (strspn(u->phone, PHONE_CHARS) != strlen(u->phone))
		bad(rep, "phone", "may hold only digits, spaces and + - ( )");
	if (u->region[0]) {
		e = regions_store_get(db, u->region, &region);
		if (e == ERR_NOT_FOUND)
			bad(rep, "region", "no such region");
		else if (e != ERR_OK)
			return e;
		else
			have_region = 1;
	}
	if (u->centre[0]) {
		e = regions_store_centre_get(db, u->centre, &centre);
		if (e == ERR_NOT_FOUND)
			bad(rep, "centre", "no such centre");
		else if (e != ERR_OK)
			return e;
		else if (have_region && !path_within(centre.region_path, region.path))
			bad(rep, "centre", "is not in region %s or below it", u->region);
	}
	return rep->n ? ERR_INVALID : ERR_OK;
}

/* Keeps the first 3 and last 4 characters ("138****8000"); anything
 * shorter than a mobile number is masked whole, so at least 4 stay hidden. */
static void phone_mask(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (n == 0)
		snprintf(out, size, "%s", "");
	else if (n < 11)
		snprintf(out, size, "%s", "****");
	else
		snprintf(out, size, "%.3s****%s", in, in + n - 4);
}

static json_t *user_json(const struct user_record *u, int full_phone)
{
	char created[32], updated[32], phone[sizeof(u->phone) + 8];

	clock_format(u->created_at, created, sizeof(created));
	clock_format(u->updated_at, updated, sizeof(updated));
	if (full_phone)
		snprintf(phone, sizeof(phone), "%s", u->phone);
	else
		phone_mask(u->phone, phone, sizeof(phone));
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s, s:b, s:s, s:s}", "id", (json_int_t)u->id,
	    "username", u->username, "display_name", u->display_name, "role", role_name(u->role),
	    "region", u->region[0] ? u->region : NULL, "centre", u->centre[0] ? u->centre : NULL,
	    "phone", phone, "disabled", u->disabled, "created_at", created, "updated_at", updated);
}

/* The audit log is readable by auditors, who see phones masked: so the
 * entries hold the masked form too. Never a password or its hash. */
static json_t *user_audit_json(const struct user_record *u)
{
	return user_json(u, 0);
}

enum err users_create_locked(struct db *db, const struct audit_actor *actor,
			     const struct user_record *u, const char *password_hash,
			     int64_t *id_out)
{
	struct user_record rec = *u;
	char id[24];
	json_t *after;
	enum err e;

	rec.created_at = rec.updated_at = clock_now();
	if (!rec.display_name[0])
		snprintf(rec.display_name, sizeof(rec.display_name), "%s", rec.username);
	e = users_store_insert(db, &rec, password_hash, &rec.id);
	if (e != ERR_OK)
		return e;
	snprintf(id, sizeof(id), "%lld", (long long)rec.id);
	after = user_audit_json(&rec);
	e = after ? audit_append(db, actor, "user.create", "user", id, NULL, after) : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*id_out = rec.id;
	return e;
}

/* Validate -> hash (outside the write lock) -> one transaction. */
static enum err create_user(struct db *db, const struct audit_actor *actor,
			    const struct user_record *in, const char *password, int64_t *id_out,
			    struct report *rep)
{
	char hash[HASH_SIZE];
	enum err e;

	e = check_user(db, in, password ? password : "", 1, rep);
	if (e != ERR_OK)
		return e;
	e = auth_hash_password(password, hash, sizeof(hash));
	if (e != ERR_OK)
		return e;
	e = db_begin(db);
	if (e == ERR_OK)
		e = users_create_locked(db, actor, in, hash, id_out);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		if (e == ERR_CONFLICT && !rep->first)
			rep->first = "username";
		else if (e == ERR_INVALID) /* a reference vanished since the check */
			bad(rep, "region", "no such region or centre");
	}
	return e;
}

enum err users_create(struct db *db, const struct audit_actor *actor, const struct user_record *in,
		      const char *password, int64_t *id_out, const char **field)
{
	struct report rep = { 0 };
	enum err e = create_user(db, actor, in, password, id_out, &rep);

	*field = rep.first ? rep.first : "";
	return e;
}

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
	json_array_append_new(c->items, user_json(u, c->full_phone));
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
	resp_json(resp, 200, user_json(&u, full));
	return ERR_OK;
}

/* Copies a string member into a record field; reports it when it does
 * not fit. NULL / null / absent copies "". */
static void take_str(struct report *rep, const char *field, const char *value, char *dst,
		     size_t size)
{
	if (!value)
		value = "";
	if (strlen(value) >= size)
		bad(rep, field, "longer than %zu bytes", size - 1);
	snprintf(dst, size, "%s", value);
}

static const struct json_field create_fields[] = {
	{ "username", JSON_STRING, JF_REQUIRED, 256 },
	{ "password", JSON_STRING, JF_REQUIRED, PASSWORD_MAX },
	{ "role", JSON_STRING, JF_REQUIRED, 32 },
	{ "display_name", JSON_STRING, 0, 127 },
	{ "region", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "centre", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "phone", JSON_STRING, 0, 31 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_user(struct req *req, struct resp *resp)
{
	struct report rep = { .resp = resp };
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
	if (strlen(username) > (size_t)USERNAME_MAX)
		bad(&rep, "username", "must be %d to %d characters of A-Z a-z 0-9 . _ -",
		    USERNAME_MIN, USERNAME_MAX);
	snprintf(u.username, sizeof(u.username), "%s", username);
	u.role = role_parse(req_json_str(req, "role"));
	take_str(&rep, "display_name", req_json_str(req, "display_name"), u.display_name,
		 sizeof(u.display_name));
	take_str(&rep, "region", req_json_str(req, "region"), u.region, sizeof(u.region));
	take_str(&rep, "centre", req_json_str(req, "centre"), u.centre, sizeof(u.centre));
	take_str(&rep, "phone", req_json_str(req, "phone"), u.phone, sizeof(u.phone));
	audit_actor_from_req(req, &actor);
	e = create_user(req->db, &actor, &u, req_json_str(req, "password"), &id, &rep);
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
	resp_json(resp, 201, user_json(&u, 0));
	return ERR_OK;
}

static const struct json_field patch_fields[] = {
	{ "display_name", JSON_STRING, 0, 127 },
	{ "role", JSON_STRING, 0, 32 },
	{ "region", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "centre", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "phone", JSON_STRING, 0, 31 },
	{ "disabled", JSON_TRUE, 0, 0 },
	{ "password", JSON_STRING, 0, PASSWORD_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static int same_user(const struct user_record *a, const struct user_record *b)
{
	return a->id == b->id && a->role == b->role && a->disabled == b->disabled &&
	       a->updated_at == b->updated_at && strcmp(a->display_name, b->display_name) == 0 &&
	       strcmp(a->region, b->region) == 0 && strcmp(a->centre, b->centre) == 0 &&
	       strcmp(a->phone, b->phone) == 0;
}

/* The sent members over the current record. */
static void patch_merge(struct req *req, struct report *rep, struct user_record *u)
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
	if (json_object_get(j, "disabled"))
		u->disabled = json_is_true(json_object_get(j, "disabled"));
}

static enum err patch_user(struct req *req, struct resp *resp)
{
	struct report rep = { .resp = resp };
	struct user_record old, now_rec, u;
	struct audit_actor actor;
	const char *password;
	char hash[HASH_SIZE], id[24];
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
	e = check_user(req->db, &u, password, 0, &rep);
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
		before = user_audit_json(&old);
		after = user_audit_json(&u);
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
	resp_json(resp, 200, user_json(&u, 0)); /* masked: see POST */
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
