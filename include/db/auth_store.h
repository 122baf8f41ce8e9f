/* SQL for accounts' credentials, sessions, tokens and login throttling.
 * Token hashes are SHA-256 (32 bytes) of what the client holds. */
#ifndef FT_AUTH_STORE_H
#define FT_AUTH_STORE_H

#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define TOKEN_HASH_LEN 32

struct login_row {
	int64_t user_id;
	char username[64];
	char password_hash[192];
	int disabled;
};

struct refresh_row {
	int64_t session_id;
	int64_t user_id;
	int64_t expires_at;
	int64_t used_at;         /* 0 when unused */
	int64_t session_revoked; /* 0 when live */
	int user_disabled;
};

enum err auth_store_login_row(struct db *db, const char *username, struct login_row *out);
enum err auth_store_session_create(struct db *db, int64_t user_id, int64_t now, int64_t expires_at,
				   const char *client_addr, int64_t *id_out);
enum err auth_store_session_revoke(struct db *db, int64_t session_id, int64_t now);
/* Revokes every live session of user_id except keep_session_id (0: keep
 * none) and drops their access tokens; *ended = how many were live. */
enum err auth_store_sessions_revoke_user(struct db *db, int64_t user_id, int64_t keep_session_id,
					 int64_t now, int64_t *ended);
/* Stores a new encoded password hash for user_id (and its updated_at). */
enum err auth_store_password_set(struct db *db, int64_t user_id, const char *password_hash,
				 int64_t now);
enum err auth_store_refresh_insert(struct db *db, const unsigned char *hash, int64_t session_id,
				   int64_t now, int64_t expires_at);
enum err auth_store_refresh_get(struct db *db, const unsigned char *hash, struct refresh_row *out);
enum err auth_store_refresh_use(struct db *db, const unsigned char *hash, int64_t now);
enum err auth_store_access_insert(struct db *db, const unsigned char *hash, int64_t session_id,
				  int64_t expires_at);
/* ERR_NOT_FOUND when the token is unknown, expired, revoked or disabled. */
enum err auth_store_principal(struct db *db, const unsigned char *hash, int64_t now,
			      struct principal *out);

struct throttle_row {
	int64_t failures;
	int64_t window_start;
	int64_t blocked_until;
};
/* A missing key reads as all zeros. */
enum err auth_store_throttle_get(struct db *db, const char *key, struct throttle_row *out);
enum err auth_store_throttle_put(struct db *db, const char *key, const struct throttle_row *row);
enum err auth_store_throttle_clear(struct db *db, const char *key);

#endif
