/* Accounts without HTTP: the checks a new or changed account must pass
 * (username, password blocklist, role, region and centre), creating one
 * (shared by POST /v1/users, `fieldtrace user add` and the demo), and an
 * account as JSON. The endpoints are in server/api/users.c. */
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
#include "core/email.h"
#include "core/log.h"
#include "core/problem.h"
#include "db/auth_store.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "db/users_store.h"

#define USERNAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define PHONE_CHARS "0123456789+-() "

void users_report_bad(struct users_report *rep, const char *field, const char *fmt, ...)
{
	char ptr[64], msg[256];
	va_list ap;

	if (!rep->first)
		rep->first = field;
	rep->n++;
	if (!rep->pb)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ptr, sizeof(ptr), "/%s", field);
	problem_invalid(rep->pb, ptr, "%s", msg);
}

static int username_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= USERS_USERNAME_MIN && n <= (size_t)USERS_USERNAME_MAX &&
	       strspn(s, USERNAME_CHARS) == n;
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
 * /field, never echoing it. cracklib's FascistCheck (with Debian's
 * cracklib-runtime dictionary) refuses dictionary words, common
 * passwords and their usual manglings and simple sequences; its Debian
 * variant answers a missing dictionary with an error rather than exiting
 * the process (Debian #682735). ERR_INTERNAL when the dictionary cannot
 * be read: no password is taken unchecked. */
static enum err password_check(const char *password, const char *username, const char *field,
			       struct users_report *rep)
{
	char *folded = malloc(strlen(password) + 1), why[128] = "";
	int readable;

	if (!folded)
		return ERR_INTERNAL;
	password_fold(password, folded);
	if (username[0] && built_on_username(folded, username)) {
		users_report_bad(rep, field, "must not be built on the username");
		free(folded);
		return ERR_OK;
	}
	for (size_t i = 0; i < sizeof(context_words) / sizeof(context_words[0]); i++) {
		if (strstr(folded, context_words[i])) {
			users_report_bad(
			    rep, field,
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
		users_report_bad(rep, field, "is too common or too simple (%s)", why);
	return ERR_OK;
}

enum err users_check_password(const char *password, const char *username, const char *field,
			      struct users_report *rep)
{
	int before = rep->n;
	enum err e = ERR_OK;

	if (strlen(password) < USERS_PASSWORD_MIN || strlen(password) > USERS_PASSWORD_MAX)
		users_report_bad(rep, field, "must be %d to %d bytes", USERS_PASSWORD_MIN,
				 USERS_PASSWORD_MAX);
	else
		e = password_check(password, username, field, rep);
	if (e != ERR_OK)
		return e;
	return rep->n > before ? ERR_INVALID : ERR_OK;
}

/* Checks a whole record (password NULL = unchanged), reporting every
 * problem. ERR_INVALID when anything was reported, before or here. */
enum err users_check(struct db *db, const struct user_record *u, const char *password,
		     int check_username, struct users_report *rep)
{
	struct region_row region;
	struct centre_row centre;
	int have_region = 0;
	enum err e;

	if (check_username && !username_ok(u->username))
		users_report_bad(rep, "username",
				 "must be %d to %d characters of A-Z a-z 0-9 . _ -",
				 USERS_USERNAME_MIN, USERS_USERNAME_MAX);
	if (password &&
	    (e = users_check_password(password, u->username, "password", rep)) == ERR_INTERNAL)
		return e;
	if (u->role <= ROLE_NONE || u->role >= ROLE__COUNT)
		users_report_bad(
		    rep, "role",
		    "must be one of admin, supervisor, dispatcher, technician, sales, auditor");
	if (has_control_chars(u->display_name))
		users_report_bad(rep, "display_name", "must not contain control characters");
	if (strspn(u->phone, PHONE_CHARS) != strlen(u->phone))
		users_report_bad(rep, "phone", "may hold only digits, spaces and + - ( )");
	if (u->email[0] && !email_address_valid(u->email))
		users_report_bad(rep, "email", "must be an e-mail address (name@example.cn), or \"\"");
	if (u->region[0]) {
		e = regions_store_get(db, u->region, &region);
		if (e == ERR_NOT_FOUND)
			users_report_bad(rep, "region", "no such region");
		else if (e != ERR_OK)
			return e;
		else
			have_region = 1;
	}
	if (u->centre[0]) {
		e = regions_store_centre_get(db, u->centre, &centre);
		if (e == ERR_NOT_FOUND)
			users_report_bad(rep, "centre", "no such centre");
		else if (e != ERR_OK)
			return e;
		else if (have_region && !path_within(centre.region_path, region.path))
			users_report_bad(rep, "centre", "is not in region %s or below it",
					 u->region);
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

json_t *users_json(const struct user_record *u, int full_phone)
{
	char created[32], updated[32], phone[sizeof(u->phone) + 8];

	clock_format(u->created_at, created, sizeof(created));
	clock_format(u->updated_at, updated, sizeof(updated));
	if (full_phone)
		snprintf(phone, sizeof(phone), "%s", u->phone);
	else
		phone_mask(u->phone, phone, sizeof(phone));
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:b, s:s, s:s}", "id", (json_int_t)u->id,
	    "username", u->username, "display_name", u->display_name, "role", role_name(u->role),
	    "region", u->region[0] ? u->region : NULL, "centre", u->centre[0] ? u->centre : NULL,
	    "phone", phone, "email", u->email, "disabled", u->disabled, "created_at", created, "updated_at", updated);
}

/* The audit log is readable by auditors, who see phones masked: so the
 * entries hold the masked form too. Never a password or its hash. */
json_t *users_audit_json(const struct user_record *u)
{
	return users_json(u, 0);
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
	after = users_audit_json(&rec);
	e = after ? audit_append(db, actor, "user.create", "user", id, NULL, after) : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*id_out = rec.id;
	return e;
}

/* Validate -> hash (outside the write lock) -> one transaction. */
enum err users_create_report(struct db *db, const struct audit_actor *actor,
			     const struct user_record *in, const char *password, int64_t *id_out,
			     struct users_report *rep)
{
	char hash[USERS_HASH_SIZE];
	enum err e;

	e = users_check(db, in, password ? password : "", 1, rep);
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
			users_report_bad(rep, "region", "no such region or centre");
	}
	return e;
}

enum err users_create(struct db *db, const struct audit_actor *actor, const struct user_record *in,
		      const char *password, int64_t *id_out, const char **field)
{
	struct users_report rep = { 0 };
	enum err e = users_create_report(db, actor, in, password, id_out, &rep);

	*field = rep.first ? rep.first : "";
	return e;
}

/* Check -> hash (outside the write lock) -> one transaction: the new hash,
 * every other session ended (a password changed because it leaked must
 * also shut out whoever used it), and the audit entry. */
enum err users_password_change(struct db *db, const struct audit_actor *actor, int64_t user_id,
			       const char *username, int64_t keep_session_id, const char *password,
			       struct users_report *rep)
{
	char hash[USERS_HASH_SIZE], id[24];
	int64_t now = clock_now(), ended = 0;
	json_t *after = NULL;
	enum err e;

	e = users_check_password(password, username, "new_password", rep);
	if (e != ERR_OK)
		return e;
	e = auth_hash_password(password, hash, sizeof(hash));
	if (e != ERR_OK)
		return e;
	e = db_begin(db);
	if (e == ERR_OK)
		e = auth_store_password_set(db, user_id, hash, now);
	if (e == ERR_OK)
		e = auth_store_sessions_revoke_user(db, user_id, keep_session_id, now, &ended);
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)user_id);
		after = json_pack("{s:b, s:I}", "password_changed", 1, "sessions_ended",
				  (json_int_t)ended);
		e = after ? audit_append(db, actor, "user.password_change", "user", id, NULL, after)
			  : ERR_INTERNAL;
		json_decref(after);
	}
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}
