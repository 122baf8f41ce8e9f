/* SQL for accounts. Reads take a scope that the query itself applies, so
 * a user outside the caller's scope is never read at all and answers
 * exactly like an unknown one. Password hashes are written here and never
 * read back (server/db/auth_store.c reads them for login). */
#ifndef FT_USERS_STORE_H
#define FT_USERS_STORE_H

#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct user_record {
	int64_t id;
	char username[64];
	char display_name[128];
	enum role role;
	char region[32]; /* "" = none */
	char centre[32]; /* "" = none */
	char phone[32];
	char email[256]; /* "" = none */
	int disabled;
	int64_t created_at;
	int64_t updated_at;
};

struct db;

/* Reads take the caller's struct scope (core/policy.h): all, the region
 * range when ops_region, or one centre; a zeroed scope sees no one, so
 * forgetting to fill it fails closed. */
/* Listing filters; NULL / ROLE_NONE = any. Strings borrowed for the call. */
struct user_filter {
	enum role role;
	const char *region_path; /* the region and its subtree */
	const char *centre;
	const char *q; /* case-insensitive substring of username or display name */
};

/* ERR_NOT_FOUND when no user has that id within scope. */
enum err users_store_get(struct db *db, int64_t id, const struct scope *scope,
			 struct user_record *out);

/* Calls fn for each user within scope matching filter with id > after_id,
 * in id order, at most limit users (0 = all); the record is borrowed for
 * the call. fn returns 0 to go on. */
typedef int (*user_row_fn)(const struct user_record *u, void *ctx);
enum err users_store_list(struct db *db, const struct scope *scope,
			  const struct user_filter *filter, int64_t after_id, int limit,
			  user_row_fn fn, void *ctx);

/* Number of accounts, whatever their state. */
enum err users_store_count(struct db *db, int64_t *out);

/* Inserts u (its id is ignored; region / centre "" = none) with an encoded
 * Argon2id password_hash. ERR_CONFLICT when the username is taken (case
 * insensitively), ERR_INVALID when the region or centre does not exist. */
enum err users_store_insert(struct db *db, const struct user_record *u, const char *password_hash,
			    int64_t *id_out);

/* Writes every member of u but id, username and created_at onto user u->id;
 * password_hash NULL keeps the current one. ERR_NOT_FOUND when no such id. */
enum err users_store_update(struct db *db, const struct user_record *u, const char *password_hash);

/* Revokes every live session of the user and deletes their access tokens,
 * so neither their access nor their refresh tokens work any more. */
enum err users_store_end_sessions(struct db *db, int64_t user_id, int64_t now);

#endif
