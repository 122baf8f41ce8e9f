/* Login, token refresh with rotation and reuse detection, logout, /v1/me
 * and login throttling. Password hashing and token checks are in
 * server/domain/auth.c. */
#include "domain/auth.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "db/auth_store.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/digest.h"
#include "core/log.h"
#include "api/routes.h"

#define ACCESS_TTL (15 * 60)
#define REFRESH_TTL (30 * 24 * 3600)
#define SESSION_TTL (90 * 24 * 3600)
#define TOKEN_BYTES 32

/* Throttling: failures counted in a window; past the limit the key is
 * blocked for a delay that doubles with every further failure. */
#define THROTTLE_WINDOW (15 * 60)
#define THROTTLE_ACCOUNT_LIMIT 5
#define THROTTLE_ADDR_LIMIT 20
#define THROTTLE_BASE_DELAY 30
#define THROTTLE_MAX_DELAY (15 * 60)

/* A new random token "prefix" + base64url(32 bytes), and its hash. */
static enum err token_new(const char *prefix, char out[AUTH_TOKEN_TEXT],
			  unsigned char hash[TOKEN_HASH_LEN])
{
	unsigned char raw[TOKEN_BYTES], b64[64];
	size_t p = strlen(prefix);
	int n;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return ERR_INTERNAL;
	n = EVP_EncodeBlock(b64, raw, sizeof(raw));
	memcpy(out, prefix, p);
	for (int i = 0; i < n && b64[i] != '='; i++) {
		char c = (char)b64[i];

		out[p++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[p] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return auth_token_hash(out, hash) == 0 ? ERR_OK : ERR_INTERNAL;
}

/* Issues an access + refresh pair for session_id (inside a transaction). */
static enum err issue_tokens(struct db *db, int64_t session_id, int64_t now, json_t **out)
{
	char access[AUTH_TOKEN_TEXT], refresh[AUTH_TOKEN_TEXT];
	unsigned char ah[TOKEN_HASH_LEN], rh[TOKEN_HASH_LEN];
	enum err e;

	e = token_new("fta_", access, ah);
	if (e == ERR_OK)
		e = token_new("ftr_", refresh, rh);
	if (e == ERR_OK)
		e = auth_store_access_insert(db, ah, session_id, now + ACCESS_TTL);
	if (e == ERR_OK)
		e = auth_store_refresh_insert(db, rh, session_id, now, now + REFRESH_TTL);
	if (e == ERR_OK)
		*out = json_pack("{s:s, s:s, s:s, s:i}", "access_token", access, "refresh_token",
				 refresh, "token_type", "Bearer", "expires_in", ACCESS_TTL);
	OPENSSL_cleanse(access, sizeof(access));
	OPENSSL_cleanse(refresh, sizeof(refresh));
	return e;
}

static void throttle_key(char *out, size_t size, const char *kind, const char *value)
{
	size_t n = (size_t)snprintf(out, size, "%s:", kind);

	for (const char *p = value; *p && n + 1 < size; p++)
		out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
}

/* Seconds the key stays blocked; 0 when it may try. */
static enum err throttle_wait(struct db *db, const char *key, int64_t now, int64_t *wait)
{
	struct throttle_row row;
	enum err e = auth_store_throttle_get(db, key, &row);

	*wait = (e == ERR_OK && row.blocked_until > now) ? row.blocked_until - now : 0;
	return e;
}

static enum err throttle_fail(struct db *db, const char *key, int64_t limit, int64_t now)
{
	struct throttle_row row;
	enum err e = auth_store_throttle_get(db, key, &row);

	if (e != ERR_OK)
		return e;
	if (now - row.window_start > THROTTLE_WINDOW) {
		row.failures = 0;
		row.window_start = now;
	}
	row.failures++;
	if (row.failures >= limit) {
		int64_t over = row.failures - limit, delay = THROTTLE_BASE_DELAY;

		while (over-- > 0 && delay < THROTTLE_MAX_DELAY)
			delay *= 2;
		row.blocked_until = now + (delay < THROTTLE_MAX_DELAY ? delay : THROTTLE_MAX_DELAY);
	}
	return auth_store_throttle_put(db, key, &row);
}

/* A successful login takes back the count its attempt added. */
static enum err throttle_undo(struct db *db, const char *key)
{
	struct throttle_row row;
	enum err e = auth_store_throttle_get(db, key, &row);

	if (e != ERR_OK || row.failures == 0)
		return e;
	row.failures--;
	return auth_store_throttle_put(db, key, &row);
}

static enum err too_many(struct resp *resp, int64_t wait)
{
	char secs[24];

	snprintf(secs, sizeof(secs), "%lld", (long long)wait);
	resp_header(resp, "Retry-After", secs);
	return http_fail(resp, ERR_TOO_MANY, "too many failed logins; try again later");
}

static const struct json_field login_fields[] = {
	{ "username", JSON_STRING, JF_REQUIRED, 64 },
	{ "password", JSON_STRING, JF_REQUIRED, 1024 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Guessing one account's password from many addresses: the username's
 * bucket, as the body names it (the pipeline took the address's). */
static enum err limit_username(const struct req *req, struct resp *resp)
{
	const char *name = req_json_str(req, "username");
	char who[64];
	int wait;

	if (!name)
		return ERR_OK; /* answered 400 below */
	snprintf(who, sizeof(who), "n:%s", name);
	wait = ratelimit_take(RL_LOGIN, who, 1);
	return wait > 0 ? resp_rate_limited(resp, wait, "for this account") : ERR_OK;
}

static enum err post_login(struct req *req, struct resp *resp)
{
	const char *username, *password;
	char user_key[96], addr_key[80];
	struct login_row row;
	struct audit_actor actor;
	int64_t now = clock_now(), wait_user, wait_addr, session_id;
	json_t *tokens = NULL, *after;
	int ok;
	enum err e;

	e = limit_username(req, resp);
	if (e == ERR_OK)
		e = req_json_check(req, resp, login_fields);
	if (e != ERR_OK)
		return e;
	username = req_json_str(req, "username");
	password = req_json_str(req, "password");
	throttle_key(user_key, sizeof(user_key), "user", username);
	throttle_key(addr_key, sizeof(addr_key), "addr", req->client_addr);

	/* Check and count the attempt in one write transaction, before the
	 * slow hash: parallel guesses are serialised here, so a burst cannot
	 * all pass the check before any of them is counted. A success undoes
	 * its count below. */
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = throttle_wait(req->db, user_key, now, &wait_user);
	if (e == ERR_OK)
		e = throttle_wait(req->db, addr_key, now, &wait_addr);
	if (e == ERR_OK && (wait_user || wait_addr)) {
		db_rollback(req->db);
		return too_many(resp, wait_user > wait_addr ? wait_user : wait_addr);
	}
	if (e == ERR_OK)
		e = throttle_fail(req->db, user_key, THROTTLE_ACCOUNT_LIMIT, now);
	if (e == ERR_OK)
		e = throttle_fail(req->db, addr_key, THROTTLE_ADDR_LIMIT, now);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		return e;

	e = auth_store_login_row(req->db, username, &row);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	if (e == ERR_NOT_FOUND) {
		auth_password_dummy(password);
		ok = 0;
	} else {
		ok = auth_password_matches(row.password_hash, password) && !row.disabled;
	}
	if (!ok) {
		log_info("auth: failed login from %s", req->client_addr);
		return http_fail(resp, ERR_UNAUTHENTICATED, "invalid username or password");
	}

	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = throttle_undo(req->db, addr_key);
	if (e == ERR_OK)
		e = auth_store_throttle_clear(req->db, user_key);
	if (e == ERR_OK)
		e = auth_store_session_create(req->db, row.user_id, now, now + SESSION_TTL,
					      req->client_addr, &session_id);
	if (e == ERR_OK)
		e = issue_tokens(req->db, session_id, now, &tokens);
	if (e == ERR_OK) {
		char sid[24];

		audit_actor_from_req(req, &actor);
		actor.user_id = row.user_id;
		actor.name = row.username;
		snprintf(sid, sizeof(sid), "%lld", (long long)session_id);
		after = json_pack("{s:I}", "user_id", (json_int_t)row.user_id);
		e = audit_append(req->db, &actor, "auth.login", "session", sid, NULL, after);
		json_decref(after);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		json_decref(tokens);
		return e;
	}
	resp_json(resp, 200, tokens);
	return ERR_OK;
}

static const struct json_field refresh_fields[] = {
	{ "refresh_token", JSON_STRING, JF_REQUIRED, 128 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_refresh(struct req *req, struct resp *resp)
{
	unsigned char hash[TOKEN_HASH_LEN];
	struct refresh_row row;
	struct audit_actor actor;
	int64_t now = clock_now();
	json_t *tokens = NULL;
	char sid[24];
	enum err e;

	e = req_json_check(req, resp, refresh_fields);
	if (e != ERR_OK)
		return e;
	if (auth_token_hash(req_json_str(req, "refresh_token"), hash) != 0)
		return ERR_INTERNAL;
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = auth_store_refresh_get(req->db, hash, &row);
	if (e == ERR_NOT_FOUND) {
		db_rollback(req->db);
		return http_fail(resp, ERR_UNAUTHENTICATED, "the refresh token is not valid");
	}
	if (e != ERR_OK)
		return e;
	snprintf(sid, sizeof(sid), "%lld", (long long)row.session_id);
	audit_actor_from_req(req, &actor);
	actor.user_id = row.user_id;
	actor.name = "";
	if (row.used_at || row.session_revoked) {
		/* A spent token came back: whoever holds the family is not to be
		 * trusted any more, so the whole session ends (RFC 9700 4.14.2). */
		if (!row.session_revoked) {
			e = auth_store_session_revoke(req->db, row.session_id, now);
			if (e == ERR_OK)
				e = audit_append(req->db, &actor, "auth.refresh_reuse", "session",
						 sid, NULL, NULL);
			if (e == ERR_OK)
				e = db_commit(req->db);
			if (e != ERR_OK)
				return e;
			log_info("auth: refresh token reuse on session %s; session revoked", sid);
		} else {
			db_rollback(req->db);
		}
		return http_fail(resp, ERR_UNAUTHENTICATED, "the refresh token is not valid");
	}
	if (row.expires_at <= now || row.user_disabled) {
		db_rollback(req->db);
		return http_fail(resp, ERR_UNAUTHENTICATED, "the refresh token is not valid");
	}
	e = auth_store_refresh_use(req->db, hash, now);
	if (e == ERR_OK)
		e = issue_tokens(req->db, row.session_id, now, &tokens);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		json_decref(tokens);
		return e;
	}
	resp_json(resp, 200, tokens);
	return ERR_OK;
}

static enum err post_logout(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	char sid[24];
	enum err e;

	snprintf(sid, sizeof(sid), "%lld", (long long)req->user.session_id);
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = auth_store_session_revoke(req->db, req->user.session_id, clock_now());
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "auth.logout", "session", sid, NULL, NULL);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

static enum err get_me(struct req *req, struct resp *resp)
{
	const struct principal *u = &req->user;

	resp_json(resp, 200,
		  json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)u->user_id, "username",
			    u->username, "role", role_name(u->role), "region",
			    u->region[0] ? u->region : NULL, "centre",
			    u->centre[0] ? u->centre : NULL));
	return ERR_OK;
}

const struct route auth_routes[] = {
	{ "POST", "/v1/auth/login", post_login, PERM_PUBLIC, NULL, ROUTE_JSON_BODY, 0, RL_LOGIN },
	{ "POST", "/v1/auth/refresh", post_refresh, PERM_PUBLIC, NULL, ROUTE_JSON_BODY },
	{ "POST", "/v1/auth/logout", post_logout, PERM_AUTHENTICATED, NULL, 0 },
	{ "GET", "/v1/me", get_me, PERM_AUTHENTICATED, NULL, 0 },
	{ 0 },
};
