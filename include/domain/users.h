/* Accounts and the region tree they live in (server/domain/users.c; the
 * endpoints are in server/api/users.c). */
#ifndef FT_USERS_H
#define FT_USERS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/audit.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/problem.h"
#include "db/users_store.h"

struct db;

#define USERS_USERNAME_MIN 3
/* 64 by the rules, but no more than struct user_record can hold. */
#define USERS_USERNAME_FIT ((int)sizeof(((struct user_record *)0)->username) - 1)
#define USERS_USERNAME_MAX (USERS_USERNAME_FIT < 64 ? USERS_USERNAME_FIT : 64)
#define USERS_PASSWORD_MIN 10
#define USERS_PASSWORD_MAX 1024
#define USERS_HASH_SIZE 192 /* an encoded Argon2id hash */

/* Where validation problems go: pb's field errors (the HTTP answer's, when
 * set) and, for the CLI and the 409 case, the first offending member. */
struct users_report {
	struct problem *pb; /* NULL: only remember the first field */
	const char *first;  /* static member name */
	int n;
};

/* Reports a problem with field (a member name, listed as "/field"). */
void users_report_bad(struct users_report *rep, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks a whole record (password NULL = unchanged), reporting every
 * problem into rep; check_username 0 for a change (the name is kept).
 * ERR_INVALID when anything was reported, before or here. */
enum err users_check(struct db *db, const struct user_record *u, const char *password,
		     int check_username, struct users_report *rep);

/* Checks a new password with the rules every account's password follows
 * (length, the username, the product's names, cracklib), reporting
 * problems under /field and never echoing it. ERR_INVALID when it reported
 * one, ERR_INTERNAL when the dictionary cannot be read (then nothing is
 * accepted), else ERR_OK. */
enum err users_check_password(const char *password, const char *username, const char *field,
			      struct users_report *rep);

/* POST /v1/me/password once the current password was verified: checks
 * password (problems under /new_password), stores its Argon2id hash, ends
 * every session of user_id but keep_session_id and audits
 * "user.password_change", in one transaction. */
enum err users_password_change(struct db *db, const struct audit_actor *actor, int64_t user_id,
			       const char *username, int64_t keep_session_id, const char *password,
			       struct users_report *rep);

/* The account as the API shows it: a new object (caller decrefs), the
 * phone in full only when full_phone. */
json_t *users_json(const struct user_record *u, int full_phone);
/* The account as audit entries hold it: phone masked, never a password. */
json_t *users_audit_json(const struct user_record *u);

/* Validates, hashes the password (Argon2id), inserts and audits in one
 * transaction. On ERR_INVALID / ERR_CONFLICT, *field names the offending
 * member ("username", "role", "region", "centre", "password", ...).
 * Shared by POST /v1/users and `fieldtrace user add`. */
enum err users_create(struct db *db, const struct audit_actor *actor, const struct user_record *in,
		      const char *password, int64_t *id_out, const char **field);
/* The same, reporting every problem into rep (POST /v1/users). */
enum err users_create_report(struct db *db, const struct audit_actor *actor,
			     const struct user_record *in, const char *password, int64_t *id_out,
			     struct users_report *rep);

/* Insert + "user.create" audit inside the caller's open transaction; the
 * caller validated u and hashed the password (demo data uses it). */
enum err users_create_locked(struct db *db, const struct audit_actor *actor,
			     const struct user_record *u, const char *password_hash,
			     int64_t *id_out);

#endif
