/* Login, token refresh with rotation and reuse detection, logout, /v1/me
 * and login throttling; the browser's session (the same login and refresh
 * with the refresh token in an HttpOnly cookie, CSRF-checked); changing
 * one's password and signing out everywhere. Password hashing, token and
 * CSRF-token checks are in server/domain/auth.c, the password rules in
 * server/domain/users.c. */
#include "domain/auth.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/audit.h"
#include "domain/users.h"
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

/* The browser session (README, "Web console"): the refresh token lives in
 * an HttpOnly cookie sent only to the session's own paths; the CSRF token
 * (auth_csrf_token) in a cookie the page's script reads and sends back as
 * X-CSRF-Token (double submit). */
#define SESSION_PATH "/v1/auth/session"
#define REFRESH_COOKIE "ft_refresh"
#define CSRF_COOKIE "ft_csrf"
#define CSRF_HEADER "X-CSRF-Token"

/* Throttling's check and count, committed before the slow hash: parallel
 * guesses are serialised here, so a burst cannot all pass the check
 * before any of them is counted. The bookkeeping is not the request's
 * own work, so it commits without the request's precommit step (an
 * Idempotency-Key is marked by the handler's write, not by this). */
static enum err throttle_attempt(struct req *req, struct resp *resp, const char *user_key,
				 const char *addr_key, int64_t now)
{
	db_precommit_fn prev_fn;
	void *prev_arg;
	int64_t wait_user = 0, wait_addr = 0;
	enum err e;

	db_set_precommit(req->db, NULL, NULL, &prev_fn, &prev_arg);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = throttle_wait(req->db, user_key, now, &wait_user);
	if (e == ERR_OK)
		e = throttle_wait(req->db, addr_key, now, &wait_addr);
	if (e == ERR_OK && (wait_user || wait_addr)) {
		db_rollback(req->db);
		e = too_many(resp, wait_user > wait_addr ? wait_user : wait_addr);
		goto out;
	}
	if (e == ERR_OK)
		e = throttle_fail(req->db, user_key, THROTTLE_ACCOUNT_LIMIT, now);
	if (e == ERR_OK)
		e = throttle_fail(req->db, addr_key, THROTTLE_ADDR_LIMIT, now);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
out:
	db_set_precommit(req->db, prev_fn, prev_arg, &prev_fn, &prev_arg);
	return e;
}

/* A right password takes back the count its attempt added (inside the
 * caller's transaction). */
static enum err throttle_success(struct db *db, const char *user_key, const char *addr_key)
{
	enum err e = throttle_undo(db, addr_key);

	return e == ERR_OK ? auth_store_throttle_clear(db, user_key) : e;
}

static const struct json_field login_fields[] = {
	{ "username", JSON_STRING, JF_REQUIRED, 64 },
	{ "password", JSON_STRING, JF_REQUIRED, 1024 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Guessing one account's password from many addresses: the username's
 * bucket (the pipeline took the address's). */
static enum err limit_username(struct resp *resp, const char *name)
{
	char who[64];
	int wait;

	if (!name)
		return ERR_OK; /* answered 400 below */
	snprintf(who, sizeof(who), "n:%s", name);
	wait = ratelimit_take(RL_LOGIN, who, 1);
	return wait > 0 ? resp_rate_limited(resp, wait, "for this account") : ERR_OK;
}

/* The login both POST /v1/auth/login and POST /v1/auth/session run: the
 * body's checks, throttling, the password, a new session with its first
 * token pair (*tokens: access_token, refresh_token, token_type,
 * expires_in; caller decrefs) and the audit entry. */
static enum err login_run(struct req *req, struct resp *resp, json_t **tokens)
{
	const char *username, *password;
	char user_key[96], addr_key[80];
	struct login_row row;
	struct audit_actor actor;
	int64_t now = clock_now(), session_id;
	json_t *after;
	int ok;
	enum err e;

	*tokens = NULL;
	e = limit_username(resp, req_json_str(req, "username"));
	if (e == ERR_OK)
		e = req_json_check(req, resp, login_fields);
	if (e != ERR_OK)
		return e;
	username = req_json_str(req, "username");
	password = req_json_str(req, "password");
	throttle_key(user_key, sizeof(user_key), "user", username);
	throttle_key(addr_key, sizeof(addr_key), "addr", req->client_addr);

	/* Counted before the check; a success undoes its count below. */
	e = throttle_attempt(req, resp, user_key, addr_key, now);
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
	e = throttle_success(req->db, user_key, addr_key);
	if (e == ERR_OK)
		e = auth_store_session_create(req->db, row.user_id, now, now + SESSION_TTL,
					      req->client_addr, &session_id);
	if (e == ERR_OK)
		e = issue_tokens(req->db, session_id, now, tokens);
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
		json_decref(*tokens);
		*tokens = NULL;
	}
	return e;
}

static enum err post_login(struct req *req, struct resp *resp)
{
	json_t *tokens;
	enum err e = login_run(req, resp, &tokens);

	if (e == ERR_OK)
		resp_json(resp, 200, tokens);
	return e;
}

static const struct json_field refresh_fields[] = {
	{ "refresh_token", JSON_STRING, JF_REQUIRED, 128 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Spends refresh_token for a new pair of the same session (*tokens, as
 * login_run's; caller decrefs). Shared by POST /v1/auth/refresh and the
 * browser's POST /v1/auth/session/refresh. A spent token coming back ends
 * its session. ERR_UNAUTHENTICATED (answered) when the token is not
 * valid. */
static enum err refresh_run(struct req *req, struct resp *resp, const char *refresh_token,
			    json_t **tokens)
{
	unsigned char hash[TOKEN_HASH_LEN];
	struct refresh_row row;
	struct audit_actor actor;
	int64_t now = clock_now();
	char sid[24];
	enum err e;

	*tokens = NULL;
	if (auth_token_hash(refresh_token, hash) != 0)
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
		e = issue_tokens(req->db, row.session_id, now, tokens);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		json_decref(*tokens);
		*tokens = NULL;
	}
	return e;
}

static enum err post_refresh(struct req *req, struct resp *resp)
{
	json_t *tokens;
	enum err e;

	e = req_json_check(req, resp, refresh_fields);
	if (e == ERR_OK)
		e = refresh_run(req, resp, req_json_str(req, "refresh_token"), &tokens);
	if (e == ERR_OK)
		resp_json(resp, 200, tokens);
	return e;
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

/* The caller as GET /v1/me shows it (a new object; caller decrefs). */
static json_t *me_json(const struct principal *u)
{
	return json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)u->user_id, "username",
			 u->username, "role", role_name(u->role), "region",
			 u->region[0] ? u->region : NULL, "centre",
			 u->centre[0] ? u->centre : NULL);
}

static enum err get_me(struct req *req, struct resp *resp)
{
	resp_json(resp, 200, me_json(&req->user));
	return ERR_OK;
}

/* ---- the browser session --------------------------------------------------- */

/* Copies cookie name's value from the Cookie header into out (RFC 6265
 * 5.4: "name=value" pairs joined by "; "); 1 when it is there, not empty
 * and fits (a longer one is no token of ours), else 0. */
static int cookie_get(const struct req *req, const char *name, char *out, size_t size)
{
	const char *h = req_header(req, "Cookie");
	size_t nlen = strlen(name);

	while (h && *h) {
		const char *end;
		size_t len;

		while (*h == ' ' || *h == '\t' || *h == ';')
			h++;
		end = strchr(h, ';');
		len = end ? (size_t)(end - h) : strlen(h);
		while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
			len--;
		if (len > nlen && strncmp(h, name, nlen) == 0 && h[nlen] == '=') {
			size_t vlen = len - nlen - 1;

			if (vlen == 0 || vlen >= size)
				return 0;
			memcpy(out, h + nlen + 1, vlen);
			out[vlen] = '\0';
			return 1;
		}
		h = end;
	}
	return 0;
}

static void session_cookies_set(struct resp *resp, const char *refresh, const char *csrf)
{
	char line[160];

	snprintf(line, sizeof(line),
		 REFRESH_COOKIE "=%s; Path=" SESSION_PATH "; Secure; HttpOnly; SameSite=Strict;"
				" Max-Age=%d",
		 refresh, REFRESH_TTL);
	resp_header(resp, "Set-Cookie", line);
	OPENSSL_cleanse(line, sizeof(line));
	snprintf(line, sizeof(line), CSRF_COOKIE "=%s; Path=/; Secure; SameSite=Strict; Max-Age=%d",
		 csrf, REFRESH_TTL);
	resp_header(resp, "Set-Cookie", line);
}

static void session_cookies_clear(struct resp *resp)
{
	resp_header(resp, "Set-Cookie",
		    REFRESH_COOKIE "=; Path=" SESSION_PATH "; Secure; HttpOnly; SameSite=Strict;"
				   " Max-Age=0");
	resp_header(resp, "Set-Cookie",
		    CSRF_COOKIE "=; Path=/; Secure; SameSite=Strict; Max-Age=0");
}

/* A 403 naming the request header at fault. */
static enum err header_forbidden(struct resp *resp, const char *header, const char *msg)
{
	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:[{s:s, s:s}]}", "errors", "header", header, "detail", msg);
	return http_fail(resp, ERR_FORBIDDEN, "%s: %s", header, msg);
}

/* A cookie-authenticated write must come from this server's own pages.
 * Browsers send Sec-Fetch-Site and Origin on every fetch POST, and a page
 * cannot forge either: when sent, the first must say same-origin and the
 * second must be this server as the request's Host names it. (A client
 * that sends neither is no browser a foreign page drives; the CSRF token
 * still binds it.) */
static enum err check_same_origin(const struct req *req, struct resp *resp)
{
	const char *site = req_header(req, "Sec-Fetch-Site");
	const char *origin = req_header(req, "Origin");
	const char *host = req_header(req, "Host");
	char own[300];
	size_t hlen;

	if (site && strcmp(site, "same-origin") != 0)
		return header_forbidden(resp, "Sec-Fetch-Site",
					"must be same-origin: the console's own pages only");
	if (!origin)
		return ERR_OK;
	hlen = host ? strlen(host) : 0;
	/* Browsers leave HTTPS's default port out of Origin. */
	if (hlen > 4 && strcmp(host + hlen - 4, ":443") == 0)
		hlen -= 4;
	if (hlen == 0 || hlen > 255)
		return header_forbidden(resp, "Origin", "is not this server's origin");
	snprintf(own, sizeof(own), "https://%.*s", (int)hlen, host);
	if (strcasecmp(origin, own) != 0)
		return header_forbidden(resp, "Origin", "is not this server's origin");
	return ERR_OK;
}

/* X-CSRF-Token must be the token derived from the refresh cookie. */
static enum err check_csrf(const struct req *req, struct resp *resp, const char *refresh)
{
	const char *sent = req_header(req, CSRF_HEADER);
	char want[AUTH_CSRF_TEXT];
	size_t n;

	if (!sent || !sent[0])
		return header_forbidden(
		    resp, CSRF_HEADER,
		    "is required: send the session's csrf_token (the " CSRF_COOKIE " cookie)");
	if (auth_csrf_token(refresh, want) != 0)
		return ERR_INTERNAL;
	n = strlen(want);
	if (strlen(sent) != n || CRYPTO_memcmp(sent, want, n) != 0)
		return header_forbidden(resp, CSRF_HEADER, "does not match the session");
	return ERR_OK;
}

/* The session login's and refresh's answer: the access token, the CSRF
 * token and the caller (as /v1/me), with the refresh token only in its
 * cookie. */
static enum err session_answer(struct req *req, struct resp *resp, json_t *tokens)
{
	const char *access = json_string_value(json_object_get(tokens, "access_token"));
	const char *refresh = json_string_value(json_object_get(tokens, "refresh_token"));
	char csrf[AUTH_CSRF_TEXT];
	struct principal user;
	enum err e;

	if (!access || !refresh || auth_csrf_token(refresh, csrf) != 0)
		return ERR_INTERNAL;
	e = auth_authenticate(req->db, access, &user);
	if (e == ERR_UNAUTHENTICATED) /* disabled since the tokens were issued */
		return http_fail(resp, e, "the account is not available");
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200,
		  json_pack("{s:s, s:s, s:i, s:s, s:o}", "access_token", access, "token_type",
			    "Bearer", "expires_in", ACCESS_TTL, "csrf_token", csrf, "user",
			    me_json(&user)));
	session_cookies_set(resp, refresh, csrf);
	return ERR_OK;
}

/* Also refused from another site's pages: one could otherwise sign the
 * browser in to an account of the attacker's choosing (login CSRF). Its
 * JSON body already needs a CORS preflight, which this server never
 * grants; this says so in the answer too. */
static enum err post_session(struct req *req, struct resp *resp)
{
	json_t *tokens;
	enum err e = check_same_origin(req, resp);

	if (e == ERR_OK)
		e = login_run(req, resp, &tokens);
	if (e != ERR_OK)
		return e;
	e = session_answer(req, resp, tokens);
	json_decref(tokens);
	return e;
}

static enum err post_session_refresh(struct req *req, struct resp *resp)
{
	char refresh[AUTH_TOKEN_TEXT];
	json_t *tokens = NULL;
	enum err e;

	e = check_same_origin(req, resp);
	if (e != ERR_OK)
		return e;
	if (!cookie_get(req, REFRESH_COOKIE, refresh, sizeof(refresh))) {
		session_cookies_clear(resp);
		return http_fail(resp, ERR_UNAUTHENTICATED, "no session cookie: sign in again");
	}
	e = check_csrf(req, resp, refresh);
	if (e == ERR_OK)
		e = refresh_run(req, resp, refresh, &tokens);
	if (e == ERR_UNAUTHENTICATED)
		session_cookies_clear(resp);
	if (e == ERR_OK)
		e = session_answer(req, resp, tokens);
	json_decref(tokens);
	OPENSSL_cleanse(refresh, sizeof(refresh));
	return e;
}

/* Ends the cookie's session whatever state it is in; a dead or unknown
 * one only has its cookies cleared. */
static enum err post_session_logout(struct req *req, struct resp *resp)
{
	unsigned char hash[TOKEN_HASH_LEN];
	char refresh[AUTH_TOKEN_TEXT], sid[24];
	struct refresh_row row;
	struct audit_actor actor;
	enum err e;

	e = check_same_origin(req, resp);
	if (e != ERR_OK)
		return e;
	if (!cookie_get(req, REFRESH_COOKIE, refresh, sizeof(refresh)))
		goto cleared; /* nothing to end */
	e = check_csrf(req, resp, refresh);
	if (e != ERR_OK)
		goto out;
	if (auth_token_hash(refresh, hash) != 0) {
		e = ERR_INTERNAL;
		goto out;
	}
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = auth_store_refresh_get(req->db, hash, &row);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && row.session_revoked)) {
		db_rollback(req->db);
		goto cleared;
	}
	if (e == ERR_OK)
		e = auth_store_session_revoke(req->db, row.session_id, clock_now());
	if (e == ERR_OK) {
		snprintf(sid, sizeof(sid), "%lld", (long long)row.session_id);
		audit_actor_from_req(req, &actor);
		actor.user_id = row.user_id;
		e = audit_append(req->db, &actor, "auth.logout", "session", sid, NULL, NULL);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		goto out;
cleared:
	session_cookies_clear(resp);
	resp->status = 204;
	e = ERR_OK;
out:
	OPENSSL_cleanse(refresh, sizeof(refresh));
	return e;
}

/* ---- the caller's account ------------------------------------------------ */

/* Sign out everywhere: every session of the caller, this one included.
 * The browser's cookies are cleared too, so the console needs no second
 * call. */
static enum err post_logout_all(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	int64_t ended = 0;
	char id[24];
	json_t *after = NULL;
	enum err e;

	audit_actor_from_req(req, &actor);
	snprintf(id, sizeof(id), "%lld", (long long)req->user.user_id);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = auth_store_sessions_revoke_user(req->db, req->user.user_id, 0, clock_now(),
						    &ended);
	if (e == ERR_OK) {
		after = json_pack("{s:I}", "sessions_ended", (json_int_t)ended);
		e = after
			? audit_append(req->db, &actor, "auth.logout_all", "user", id, NULL, after)
			: ERR_INTERNAL;
		json_decref(after);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		return e;
	session_cookies_clear(resp);
	resp->status = 204;
	return ERR_OK;
}

static const struct json_field password_fields[] = {
	{ "current_password", JSON_STRING, JF_REQUIRED, USERS_PASSWORD_MAX },
	{ "new_password", JSON_STRING, JF_REQUIRED, USERS_PASSWORD_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

/* A wrong current password is 403, not 401: the access token is good, and
 * a 401 would send a client to refresh it and try again. It is a password
 * guess like a failed login, so it is throttled (and rate limited) in the
 * same buckets as the account's logins. */
static enum err post_password(struct req *req, struct resp *resp)
{
	struct users_report rep = { .pb = &resp->problem };
	char user_key[96], addr_key[80];
	struct login_row row;
	struct audit_actor actor;
	int ok;
	enum err e;

	e = limit_username(resp, req->user.username);
	if (e == ERR_OK)
		e = req_json_check(req, resp, password_fields);
	if (e != ERR_OK)
		return e;
	throttle_key(user_key, sizeof(user_key), "user", req->user.username);
	throttle_key(addr_key, sizeof(addr_key), "addr", req->client_addr);
	e = throttle_attempt(req, resp, user_key, addr_key, clock_now());
	if (e != ERR_OK)
		return e;
	e = auth_store_login_row(req->db, req->user.username, &row);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_UNAUTHENTICATED : e;
	ok = row.user_id == req->user.user_id &&
	     auth_password_matches(row.password_hash, req_json_str(req, "current_password"));
	OPENSSL_cleanse(row.password_hash, sizeof(row.password_hash));
	if (!ok) {
		log_info("auth: wrong current password for user %lld from %s",
			 (long long)req->user.user_id, req->client_addr);
		json_decref(resp->problem.extra);
		resp->problem.extra =
		    json_pack("{s:[{s:s, s:s}]}", "errors", "pointer", "/current_password",
			      "detail", "is not your password");
		return http_fail(resp, ERR_FORBIDDEN, "/current_password: is not your password");
	}
	{
		db_precommit_fn prev_fn;
		void *prev_arg;

		db_set_precommit(req->db, NULL, NULL, &prev_fn, &prev_arg);
		e = db_begin(req->db);
		if (e == ERR_OK)
			e = throttle_success(req->db, user_key, addr_key);
		if (e == ERR_OK)
			e = db_commit(req->db);
		if (e != ERR_OK)
			db_rollback(req->db);
		db_set_precommit(req->db, prev_fn, prev_arg, &prev_fn, &prev_arg);
		if (e != ERR_OK)
			return e;
	}
	audit_actor_from_req(req, &actor);
	e = users_password_change(req->db, &actor, req->user.user_id, req->user.username,
				  req->user.session_id, req_json_str(req, "new_password"), &rep);
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

const struct route auth_routes[] = {
	{ "POST", "/v1/auth/login", post_login, PERM_PUBLIC, NULL, ROUTE_JSON_BODY, 0, RL_LOGIN },
	{ "POST", "/v1/auth/refresh", post_refresh, PERM_PUBLIC, NULL, ROUTE_JSON_BODY },
	{ "POST", "/v1/auth/logout", post_logout, PERM_AUTHENTICATED, NULL, 0 },
	{ "POST", "/v1/auth/logout-all", post_logout_all, PERM_AUTHENTICATED, NULL, 0 },
	{ "POST", SESSION_PATH, post_session, PERM_PUBLIC, NULL, ROUTE_JSON_BODY, 0, RL_LOGIN },
	{ "POST", SESSION_PATH "/refresh", post_session_refresh, PERM_PUBLIC, NULL, 0 },
	{ "POST", SESSION_PATH "/logout", post_session_logout, PERM_PUBLIC, NULL, 0 },
	{ "GET", "/v1/me", get_me, PERM_AUTHENTICATED, NULL, 0 },
	{ "POST", "/v1/me/password", post_password, PERM_AUTHENTICATED, NULL, ROUTE_JSON_BODY, 0,
	  RL_LOGIN },
	{ 0 },
};
