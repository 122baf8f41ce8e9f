/* Accounts and the region tree they live in. */
#ifndef FT_USERS_H
#define FT_USERS_H

#include <stdint.h>

#include "domain/audit.h"
#include "core/err.h"
#include "core/policy.h"
#include "db/users_store.h"

struct db;

/* Validates, hashes the password (Argon2id), inserts and audits in one
 * transaction. On ERR_INVALID / ERR_CONFLICT, *field names the offending
 * member ("username", "role", "region", "centre", "password", ...).
 * Shared by POST /v1/users and `fieldtrace user add`. */
enum err users_create(struct db *db, const struct audit_actor *actor, const struct user_record *in,
		      const char *password, int64_t *id_out, const char **field);

/* Insert + "user.create" audit inside the caller's open transaction; the
 * caller validated u and hashed the password (demo data uses it). */
enum err users_create_locked(struct db *db, const struct audit_actor *actor,
			     const struct user_record *u, const char *password_hash,
			     int64_t *id_out);

#endif
