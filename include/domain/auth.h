/* Authentication: password hashing, tokens, sessions, login throttling. */
#ifndef FT_AUTH_H
#define FT_AUTH_H

#include <stddef.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

/* Bounds how many Argon2id hashes run at once (they take 19 MiB each). */
void auth_init(int hash_concurrency);

/* Argon2id at OWASP's parameters into an encoded string (out >= 128). */
enum err auth_hash_password(const char *password, char *out, size_t out_size);

/* Resolves a bearer access token to its user; ERR_UNAUTHENTICATED when
 * unknown, expired, revoked or the account is disabled. */
enum err auth_authenticate(struct db *db, const char *token, struct principal *out);

#endif
