/* Authentication without HTTP: password hashing (Argon2id behind a
 * counting gate), checking a password, and resolving an access token to
 * its user. Login, refresh, logout and /v1/me are in server/api/auth.c. */
#include "domain/auth.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#include "db/auth_store.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/digest.h"

/* OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1. */
#define ARGON2_T 2
#define ARGON2_M_KIB 19456
#define ARGON2_P 1

/* Hashes cost 19 MiB and ~20 ms each: a counting gate keeps a burst of
 * logins from taking all memory and cores. */
static pthread_mutex_t hash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cond = PTHREAD_COND_INITIALIZER;
static int hash_slots = 2;

/* Verified against when the username is unknown, so both paths take as
 * long and the answer does not reveal which accounts exist. */
static char dummy_hash[192];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

void auth_init(int hash_concurrency)
{
	pthread_mutex_lock(&hash_lock);
	hash_slots = hash_concurrency > 0 ? hash_concurrency : 1;
	pthread_mutex_unlock(&hash_lock);
}

static void hash_enter(void)
{
	pthread_mutex_lock(&hash_lock);
	while (hash_slots <= 0)
		pthread_cond_wait(&hash_cond, &hash_lock);
	hash_slots--;
	pthread_mutex_unlock(&hash_lock);
}

static void hash_leave(void)
{
	pthread_mutex_lock(&hash_lock);
	hash_slots++;
	pthread_cond_signal(&hash_cond);
	pthread_mutex_unlock(&hash_lock);
}

enum err auth_hash_password(const char *password, char *out, size_t out_size)
{
	unsigned char salt[16];
	int rc;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return ERR_INTERNAL;
	hash_enter();
	rc = argon2id_hash_encoded(ARGON2_T, ARGON2_M_KIB, ARGON2_P, password, strlen(password),
				   salt, sizeof(salt), 32, out, out_size);
	hash_leave();
	return rc == ARGON2_OK ? ERR_OK : ERR_INTERNAL;
}

static void make_dummy_hash(void)
{
	if (auth_hash_password("not a password of anyone", dummy_hash, sizeof(dummy_hash)) !=
	    ERR_OK)
		dummy_hash[0] = '\0';
}

int auth_password_matches(const char *encoded, const char *password)
{
	int rc;

	if (!encoded[0])
		return 0;
	hash_enter();
	rc = argon2id_verify(encoded, password, strlen(password));
	hash_leave();
	return rc == ARGON2_OK;
}

/* 0, or -1 when OpenSSL fails: then there is no hash to store or look up,
 * and the caller answers 500 rather than use a made-up one. */
int auth_token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN])
{
	return digest_sha256(token, strlen(token), out);
}

/* The double-submit token of a browser session. It must be something a
 * page on another site cannot know or make, and that the server can check
 * without keeping anything new: a one-way function of the refresh token,
 * which is 256 random bits held only in the HttpOnly cookie (and as its
 * SHA-256 in the database). A hash reveals nothing of the token it was
 * made from, so the page's script may read this one (the ft_csrf cookie)
 * without learning the refresh token. The label keeps it from ever being
 * the token's stored hash (SHA-256 of the token alone), so a copy of the
 * database's token hashes gives no CSRF token, and a CSRF token is no key
 * to a row. No HMAC key is needed: the secret is the token itself, so a
 * new login or a rotation gives a new CSRF token and a revoked session's
 * token checks against nothing. */
static const char csrf_label[] = "fieldtrace session csrf v1";

int auth_csrf_token(const char *refresh_token, char out[AUTH_CSRF_TEXT])
{
	unsigned char digest[DIGEST_SHA256_LEN], b64[48];
	char input[sizeof(csrf_label) + AUTH_TOKEN_TEXT];
	size_t tlen = strlen(refresh_token), n = 0;
	int len;

	if (tlen >= AUTH_TOKEN_TEXT)
		return -1;
	memcpy(input, csrf_label, sizeof(csrf_label)); /* the label's NUL separates */
	memcpy(input + sizeof(csrf_label), refresh_token, tlen);
	if (digest_sha256(input, sizeof(csrf_label) + tlen, digest) != 0)
		return -1;
	len = EVP_EncodeBlock(b64, digest, sizeof(digest));
	for (int i = 0; i < len && b64[i] != '=' && n + 1 < AUTH_CSRF_TEXT; i++) {
		char c = (char)b64[i];

		out[n++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[n] = '\0';
	OPENSSL_cleanse(input, sizeof(input));
	return 0;
}

void auth_password_dummy(const char *password)
{
	pthread_once(&dummy_once, make_dummy_hash);
	auth_password_matches(dummy_hash, password);
}

enum err auth_authenticate(struct db *db, const char *token, struct principal *out)
{
	unsigned char hash[TOKEN_HASH_LEN];
	enum err e;

	if (strlen(token) >= AUTH_TOKEN_TEXT || strncmp(token, "fta_", 4) != 0)
		return ERR_UNAUTHENTICATED;
	if (auth_token_hash(token, hash) != 0)
		return ERR_INTERNAL;
	e = auth_store_principal(db, hash, clock_now(), out);
	return e == ERR_NOT_FOUND ? ERR_UNAUTHENTICATED : e;
}
