/* Authentication without HTTP (server/domain/auth.c): password hashing,
 * password checks, access tokens. Login, sessions and login throttling
 * are answered by server/api/auth.c. */
#ifndef FT_AUTH_H
#define FT_AUTH_H

#include <stddef.h>

#include "core/err.h"
#include "core/policy.h"
#include "db/auth_store.h"

struct db;

/* A token as text: "fta_" (or "ftr_") + 43 base64url chars + NUL. */
#define AUTH_TOKEN_TEXT 48

/* Bounds how many Argon2id hashes run at once (they take 19 MiB each). */
void auth_init(int hash_concurrency);

/* Argon2id at OWASP's parameters into an encoded string (out >= 128). */
enum err auth_hash_password(const char *password, char *out, size_t out_size);

/* 1 when password matches the encoded Argon2id hash, 0 otherwise (an
 * empty encoded string matches nothing). Waits for a hashing slot. */
int auth_password_matches(const char *encoded, const char *password);

/* Checks password against a hash of no one's password, so a login for an
 * unknown username takes as long as one for a known user. */
void auth_password_dummy(const char *password);

/* SHA-256 of a token into out: 0, or -1 when OpenSSL fails (then there is
 * no hash to store or look up). */
int auth_token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN]);

/* The browser session's CSRF token for a refresh token: base64url of
 * SHA-256 over a domain-separation label and the token, 43 characters +
 * NUL into out. 0, or -1 when OpenSSL fails. server/domain/auth.c says why
 * it is safe. */
#define AUTH_CSRF_TEXT 44
int auth_csrf_token(const char *refresh_token, char out[AUTH_CSRF_TEXT]);

/* Resolves a bearer access token to its user; ERR_UNAUTHENTICATED when
 * unknown, expired, revoked or the account is disabled. */
enum err auth_authenticate(struct db *db, const char *token, struct principal *out);

#endif
