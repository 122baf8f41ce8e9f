/* The browser's session (POST /v1/auth/session and its refresh and
 * logout): the refresh token only in an HttpOnly cookie, the CSRF token
 * bound to it, the Origin and Sec-Fetch-Site checks; and the account
 * actions the console offers: changing one's password and signing out
 * everywhere. Through HTTPS against the real database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "suites.h"

#define REFRESH_ATTRS "; Path=/v1/auth/session; Secure; HttpOnly; SameSite=Strict; Max-Age="
#define CSRF_ATTRS "; Path=/; Secure; SameSite=Strict; Max-Age="
#define REFRESH_MAX_AGE "2592000" /* 30 days: the refresh token's lifetime */

/* What a browser holds after a session answer. */
struct browser {
	char refresh[64]; /* the ft_refresh cookie's value */
	char csrf[64];    /* the ft_csrf cookie's value */
	char access[64];  /* access_token of the body (kept in memory) */
};

/* The n-th (0-based) Set-Cookie line of r for cookie name into out
 * (without "Set-Cookie: "); NULL when there is none. */
static const char *set_cookie(const struct http_result *r, const char *name, char *out, size_t size)
{
	const char *p = r->headers;
	size_t nlen = strlen(name);

	while (p && *p) {
		const char *end = strstr(p, "\r\n");
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0 &&
		    strncmp(p + 12, name, nlen) == 0 && p[12 + nlen] == '=') {
			snprintf(out, size, "%.*s", (int)(len - 12), p + 12);
			return out;
		}
		p = end ? end + 2 : NULL;
	}
	return NULL;
}

static int set_cookie_count(const struct http_result *r)
{
	int n = 0;

	for (const char *p = r->headers; p && (p = strcasestr(p, "\r\nSet-Cookie:")); p += 2)
		n++;
	return n;
}

/* Asserts both cookies are set with their exact attributes and the body is
 * a session answer for username; fills b. */
static void take_session(const struct http_result *r, const char *username, struct browser *b)
{
	char line[256], want[256];
	const char *csrf = jstr(r->json, "csrf_token");

	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(jstr(r->json, "access_token"));
	ck_assert_str_eq(jstr(r->json, "token_type"), "Bearer");
	ck_assert_int_eq(jint(r->json, "expires_in"), 900);
	ck_assert_ptr_nonnull(csrf);
	ck_assert_uint_eq(strlen(csrf), 43);
	ck_assert_msg(!json_object_get(r->json, "refresh_token"),
		      "the refresh token must only be in its HttpOnly cookie: %s", r->body);
	ck_assert_str_eq(jstr(json_object_get(r->json, "user"), "username"), username);
	ck_assert_int_eq(set_cookie_count(r), 2);

	ck_assert_ptr_nonnull(set_cookie(r, "ft_refresh", line, sizeof(line)));
	ck_assert_int_eq(sscanf(line, "ft_refresh=%63[^;]", b->refresh), 1);
	ck_assert_msg(strncmp(b->refresh, "ftr_", 4) == 0, "%s", line);
	snprintf(want, sizeof(want), "ft_refresh=%s" REFRESH_ATTRS REFRESH_MAX_AGE, b->refresh);
	ck_assert_str_eq(line, want);

	ck_assert_ptr_nonnull(set_cookie(r, "ft_csrf", line, sizeof(line)));
	snprintf(want, sizeof(want), "ft_csrf=%s" CSRF_ATTRS REFRESH_MAX_AGE, csrf);
	ck_assert_str_eq(line, want);
	snprintf(b->csrf, sizeof(b->csrf), "%s", csrf);
	snprintf(b->access, sizeof(b->access), "%s", jstr(r->json, "access_token"));
}

/* Asserts r clears both cookies. */
static void assert_cookies_cleared(const struct http_result *r)
{
	char line[256];

	ck_assert_ptr_nonnull(set_cookie(r, "ft_refresh", line, sizeof(line)));
	ck_assert_str_eq(line, "ft_refresh=" REFRESH_ATTRS "0");
	ck_assert_ptr_nonnull(set_cookie(r, "ft_csrf", line, sizeof(line)));
	ck_assert_str_eq(line, "ft_csrf=" CSRF_ATTRS "0");
}

static void session_login(const char *username, const char *password, struct browser *b)
{
	struct http_result r;
	char body[256];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", username,
		 password);
	http_json("POST", "/v1/auth/session", NULL, body, &r);
	take_session(&r, username, b);
	http_result_free(&r);
}

/* POST path as the console's page sends it: the cookie, the CSRF header,
 * this server's Origin and Sec-Fetch-Site (each NULL to leave it out). */
static long browser_post(const char *path, const char *refresh, const char *csrf,
			 const char *origin, const char *site, struct http_result *r)
{
	char cookie[160], csrf_h[128], origin_h[128], site_h[64];
	const char *headers[5];
	size_t n = 0;

	if (refresh) {
		snprintf(cookie, sizeof(cookie), "Cookie: theme=dark; ft_refresh=%s; ft_csrf=%s",
			 refresh, csrf ? csrf : "");
		headers[n++] = cookie;
	}
	if (csrf) {
		snprintf(csrf_h, sizeof(csrf_h), "X-CSRF-Token: %s", csrf);
		headers[n++] = csrf_h;
	}
	if (origin) {
		snprintf(origin_h, sizeof(origin_h), "Origin: %s", origin);
		headers[n++] = origin_h;
	}
	if (site) {
		snprintf(site_h, sizeof(site_h), "Sec-Fetch-Site: %s", site);
		headers[n++] = site_h;
	}
	headers[n] = NULL;
	return http_call("POST", path, NULL, NULL, NULL, 0, headers, r);
}

static long browser_refresh(const struct browser *b, struct http_result *r)
{
	return browser_post("/v1/auth/session/refresh", b->refresh, b->csrf, H.base, "same-origin",
			    r);
}

/* Asserts a 403 problem naming the request header. */
static void assert_header_problem(const struct http_result *r, const char *header)
{
	json_t *errors = json_object_get(r->json, "errors");

	assert_problem(r, 403, NULL);
	ck_assert_msg(json_array_size(errors) == 1 &&
			  strcmp(jstr(json_array_get(errors, 0), "header"), header) == 0,
		      "want a problem naming %s: %s", header, r->body);
	ck_assert_int_eq(set_cookie_count(r), 0);
}

static long me(const char *access)
{
	struct http_result r;
	long status = http_get("/v1/me", access, &r);

	http_result_free(&r);
	return status;
}

START_TEST(session_login_sets_exact_cookies)
{
	struct http_result r;
	struct browser b;
	char body[] = "{\"username\":\"ana\",\"password\":\"wrong password!\"}";

	harness_seed_user("ana", "dispatcher", "SZ", "C-SZ");
	http_json("POST", "/v1/auth/session", NULL,
		  "{\"username\":\"ana\",\"password\":\"" TEST_PASSWORD "\"}", &r);
	take_session(&r, "ana", &b);
	/* The user as /v1/me shows it. */
	ck_assert_str_eq(jstr(json_object_get(r.json, "user"), "role"), "dispatcher");
	ck_assert_str_eq(jstr(json_object_get(r.json, "user"), "region"), "SZ");
	ck_assert_str_eq(jstr(json_object_get(r.json, "user"), "centre"), "C-SZ");
	ck_assert_int_eq(jint(json_object_get(r.json, "user"), "id"), harness_user_id("ana"));
	http_result_free(&r);
	ck_assert_int_eq(me(b.access), 200);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.login'"),
			 1);

	/* The same 401 as /v1/auth/login, and no cookie. */
	http_json("POST", "/v1/auth/session", NULL, body, &r);
	assert_problem(&r, 401, NULL);
	ck_assert_str_eq(jstr(r.json, "detail"), "invalid username or password");
	ck_assert_int_eq(set_cookie_count(&r), 0);
	http_result_free(&r);
	/* The same body checks. */
	http_expect_invalid("POST", "/v1/auth/session", NULL,
			    "{\"username\":\"ana\",\"password\":\"x\",\"remember\":true}",
			    "/remember");
	http_expect_invalid("POST", "/v1/auth/session", NULL, "{\"username\":\"ana\"}",
			    "/password");
	/* Another site's page cannot sign this browser in (login CSRF). */
	{
		static const char *const evil[] = { "Origin: https://evil.example", NULL };
		static const char *const cross[] = { "Sec-Fetch-Site: cross-site", NULL };
		static const char creds[] =
		    "{\"username\":\"ana\",\"password\":\"" TEST_PASSWORD "\"}";

		http_call("POST", "/v1/auth/session", NULL, NULL, creds, sizeof(creds) - 1, evil,
			  &r);
		assert_header_problem(&r, "Origin");
		http_result_free(&r);
		http_call("POST", "/v1/auth/session", NULL, NULL, creds, sizeof(creds) - 1, cross,
			  &r);
		assert_header_problem(&r, "Sec-Fetch-Site");
		http_result_free(&r);
		ck_assert_int_eq(
		    count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.login'"), 1);
	}
}
END_TEST

START_TEST(session_login_shares_the_login_throttle)
{
	struct http_result r;

	harness_seed_user("bo", "sales", "GD", NULL);
	for (int i = 0; i < 5; i++) {
		http_json("POST", "/v1/auth/session", NULL,
			  "{\"username\":\"bo\",\"password\":\"wrong password!\"}", &r);
		ck_assert_int_eq(r.status, 401);
		http_result_free(&r);
	}
	/* Blocked for both doors: the bearer login counts the same failures. */
	http_login("bo", TEST_PASSWORD, &r);
	assert_problem(&r, 429, NULL);
	http_result_free(&r);
	http_json("POST", "/v1/auth/session", NULL,
		  "{\"username\":\"bo\",\"password\":\"" TEST_PASSWORD "\"}", &r);
	assert_problem(&r, 429, NULL);
	http_result_free(&r);
}
END_TEST

START_TEST(refresh_by_cookie_rotates_and_reuse_revokes)
{
	struct http_result r;
	struct browser first, second;

	harness_seed_user("cy", "supervisor", "GD", NULL);
	session_login("cy", TEST_PASSWORD, &first);
	ck_assert_int_eq(browser_refresh(&first, &r), 200);
	take_session(&r, "cy", &second);
	http_result_free(&r);
	ck_assert_str_ne(first.refresh, second.refresh);
	ck_assert_str_ne(first.csrf, second.csrf);
	ck_assert_str_ne(first.access, second.access);
	ck_assert_int_eq(me(second.access), 200);

	/* The spent cookie again (a stolen copy): 401, the cookies cleared,
	 * and the whole session ends. */
	ck_assert_int_eq(browser_refresh(&first, &r), 401);
	assert_problem(&r, 401, NULL);
	assert_cookies_cleared(&r);
	http_result_free(&r);
	ck_assert_int_eq(me(second.access), 401);
	ck_assert_int_eq(browser_refresh(&second, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_reuse'"), 1);

	/* No cookie at all: 401, cleared. */
	ck_assert_int_eq(
	    browser_post("/v1/auth/session/refresh", NULL, second.csrf, H.base, "same-origin", &r),
	    401);
	assert_cookies_cleared(&r);
	http_result_free(&r);
}
END_TEST

START_TEST(refresh_refuses_cross_site_requests)
{
	struct http_result r;
	struct browser b, next;
	char wrong[64];

	harness_seed_user("di", "dispatcher", "SZ", "C-SZ");
	session_login("di", TEST_PASSWORD, &b);

	/* No X-CSRF-Token: a form post or an img from another site. */
	browser_post("/v1/auth/session/refresh", b.refresh, NULL, H.base, "same-origin", &r);
	assert_header_problem(&r, "X-CSRF-Token");
	http_result_free(&r);
	/* A wrong one: one letter changed. */
	snprintf(wrong, sizeof(wrong), "%s", b.csrf);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	browser_post("/v1/auth/session/refresh", b.refresh, wrong, H.base, "same-origin", &r);
	assert_header_problem(&r, "X-CSRF-Token");
	http_result_free(&r);
	/* Another session's token does not fit this cookie. */
	{
		struct browser other;

		session_login("di", TEST_PASSWORD, &other);
		browser_post("/v1/auth/session/refresh", b.refresh, other.csrf, H.base,
			     "same-origin", &r);
		assert_header_problem(&r, "X-CSRF-Token");
		http_result_free(&r);
	}
	/* Another origin, and a sandboxed or file page's "null". */
	browser_post("/v1/auth/session/refresh", b.refresh, b.csrf, "https://evil.example",
		     "same-origin", &r);
	assert_header_problem(&r, "Origin");
	http_result_free(&r);
	browser_post("/v1/auth/session/refresh", b.refresh, b.csrf, "null", NULL, &r);
	assert_header_problem(&r, "Origin");
	http_result_free(&r);
	/* The same host on another scheme is another origin. */
	{
		char http_origin[80];

		snprintf(http_origin, sizeof(http_origin), "http://127.0.0.1:%d", H.port);
		browser_post("/v1/auth/session/refresh", b.refresh, b.csrf, http_origin, NULL, &r);
		assert_header_problem(&r, "Origin");
		http_result_free(&r);
	}
	/* The browser says the request came from another site. */
	browser_post("/v1/auth/session/refresh", b.refresh, b.csrf, H.base, "cross-site", &r);
	assert_header_problem(&r, "Sec-Fetch-Site");
	http_result_free(&r);
	browser_post("/v1/auth/session/refresh", b.refresh, b.csrf, H.base, "same-site", &r);
	assert_header_problem(&r, "Sec-Fetch-Site");
	http_result_free(&r);

	/* None of those spent the token or ended the session. */
	ck_assert_int_eq(me(b.access), 200);
	ck_assert_int_eq(browser_refresh(&b, &r), 200);
	take_session(&r, "di", &next);
	http_result_free(&r);
	/* A client that sends neither Origin nor Sec-Fetch-Site (not a
	 * browser) still needs the cookie and the CSRF token. */
	ck_assert_int_eq(
	    browser_post("/v1/auth/session/refresh", next.refresh, next.csrf, NULL, NULL, &r), 200);
	http_result_free(&r);
}
END_TEST

START_TEST(session_logout_clears_cookies_and_ends_the_session)
{
	struct http_result r;
	struct browser b;
	char wrong[64];

	harness_seed_user("ed", "technician", "SZ", "C-SZ");
	session_login("ed", TEST_PASSWORD, &b);

	/* CSRF-checked like the refresh: nothing ends. */
	snprintf(wrong, sizeof(wrong), "%s", b.csrf);
	wrong[1] = wrong[1] == 'A' ? 'B' : 'A';
	browser_post("/v1/auth/session/logout", b.refresh, wrong, H.base, "same-origin", &r);
	assert_header_problem(&r, "X-CSRF-Token");
	http_result_free(&r);
	browser_post("/v1/auth/session/logout", b.refresh, b.csrf, "https://evil.example", NULL,
		     &r);
	assert_header_problem(&r, "Origin");
	http_result_free(&r);
	ck_assert_int_eq(me(b.access), 200);

	ck_assert_int_eq(
	    browser_post("/v1/auth/session/logout", b.refresh, b.csrf, H.base, "same-origin", &r),
	    204);
	assert_cookies_cleared(&r);
	http_result_free(&r);
	ck_assert_int_eq(me(b.access), 401);
	ck_assert_int_eq(browser_refresh(&b, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.logout'"),
			 1);

	/* A dead session, and none at all: the cookies are cleared, 204. */
	ck_assert_int_eq(
	    browser_post("/v1/auth/session/logout", b.refresh, b.csrf, H.base, "same-origin", &r),
	    204);
	assert_cookies_cleared(&r);
	http_result_free(&r);
	ck_assert_int_eq(
	    browser_post("/v1/auth/session/logout", NULL, NULL, H.base, "same-origin", &r), 204);
	assert_cookies_cleared(&r);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.logout'"),
			 1);
}
END_TEST

static long change_password(const char *access, const char *current, const char *next,
			    struct http_result *r)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"current_password\":\"%s\",\"new_password\":\"%s\"}",
		 current, next);
	return http_json("POST", "/v1/me/password", access, body, r);
}

#define NEW_PASSWORD "lantern quarry velvet 42"

START_TEST(password_change)
{
	struct http_result r;
	struct browser b;
	char *mine, *other;
	json_t *after;
	char *text;

	harness_seed_user("fay", "sales", "GD", NULL);
	mine = harness_login("fay");
	other = harness_login("fay");
	session_login("fay", TEST_PASSWORD, &b);

	/* A wrong current password: 403 naming it (the token is fine). */
	change_password(mine, "not my password", NEW_PASSWORD, &r);
	assert_problem(&r, 403, NULL);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "errors"), 0), "pointer"),
			 "/current_password");
	http_result_free(&r);
	/* A new one the account rules refuse: 400 naming new_password. */
	change_password(mine, TEST_PASSWORD, "qwertyuiop", &r);
	assert_problem(&r, 400, "/new_password");
	http_result_free(&r);
	change_password(mine, TEST_PASSWORD, "Fieldtrace-2024!", &r);
	assert_problem(&r, 400, "/new_password");
	http_result_free(&r);
	change_password(mine, TEST_PASSWORD, "short", &r);
	assert_problem(&r, 400, "/new_password");
	http_result_free(&r);
	http_expect_invalid("POST", "/v1/me/password", mine,
			    "{\"current_password\":\"" TEST_PASSWORD "\"}", "/new_password");
	http_expect_invalid("POST", "/v1/me/password", mine,
			    "{\"current_password\":\"" TEST_PASSWORD
			    "\",\"new_password\":\"" NEW_PASSWORD "\",\"confirm\":\"x\"}",
			    "/confirm");
	/* Nothing of that changed anything. */
	ck_assert_int_eq(me(other), 200);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.password_change'"), 0);

	ck_assert_int_eq(change_password(mine, TEST_PASSWORD, NEW_PASSWORD, &r), 204);
	http_result_free(&r);
	/* This session lives; the others (bearer and browser) are over. */
	ck_assert_int_eq(me(mine), 200);
	ck_assert_int_eq(me(other), 401);
	ck_assert_int_eq(me(b.access), 401);
	ck_assert_int_eq(browser_refresh(&b, &r), 401);
	http_result_free(&r);
	/* The old password is gone, the new one works. */
	http_login("fay", TEST_PASSWORD, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_login("fay", NEW_PASSWORD, &r), 200);
	http_result_free(&r);
	/* Audited, never with the password or its hash. */
	text = row_text("SELECT after FROM audit_log WHERE action = 'user.password_change'");
	ck_assert_ptr_nonnull(text);
	after = json_loads(text, 0, NULL);
	ck_assert(json_is_true(json_object_get(after, "password_changed")));
	ck_assert_int_eq(jint(after, "sessions_ended"), 2);
	ck_assert_msg(!strstr(text, NEW_PASSWORD) && !strstr(text, "argon2"), "%s", text);
	json_decref(after);
	free(text);
	ck_assert_int_eq(
	    count_rows(
		"SELECT count(*) FROM audit_log WHERE action = 'user.password_change'"
		" AND object_id = (SELECT CAST(id AS TEXT) FROM users WHERE username = 'fay')"),
	    1);
	free(mine);
	free(other);
}
END_TEST

START_TEST(wrong_current_passwords_are_throttled_like_logins)
{
	struct http_result r;
	char *token;

	token = harness_user_token("gus", "auditor", NULL, NULL);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(change_password(token, "guess number one", NEW_PASSWORD, &r), 403);
		http_result_free(&r);
	}
	/* Blocked, even with the right password, and so is the login. */
	change_password(token, TEST_PASSWORD, NEW_PASSWORD, &r);
	assert_problem(&r, 429, NULL);
	http_result_free(&r);
	http_login("gus", TEST_PASSWORD, &r);
	assert_problem(&r, 429, NULL);
	http_result_free(&r);
	free(token);
}
END_TEST

START_TEST(logout_all_ends_every_session)
{
	struct http_result r;
	struct browser b;
	char *one, *two;
	char *text;

	harness_seed_user("hal", "admin", NULL, NULL);
	one = harness_login("hal");
	two = harness_login("hal");
	session_login("hal", TEST_PASSWORD, &b);
	/* Another user's session is not touched. */
	{
		char *stranger = harness_user_token("ida", "admin", NULL, NULL);

		ck_assert_int_eq(http_json("POST", "/v1/auth/logout-all", one, NULL, &r), 204);
		assert_cookies_cleared(&r);
		http_result_free(&r);
		ck_assert_int_eq(me(stranger), 200);
		free(stranger);
	}
	ck_assert_int_eq(me(one), 401);
	ck_assert_int_eq(me(two), 401);
	ck_assert_int_eq(me(b.access), 401);
	ck_assert_int_eq(browser_refresh(&b, &r), 401);
	http_result_free(&r);
	text = row_text("SELECT after FROM audit_log WHERE action = 'auth.logout_all'");
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "{\"sessions_ended\":3}");
	free(text);
	free(one);
	free(two);
}
END_TEST

Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, session_login_sets_exact_cookies);
	tcase_add_test(tc, session_login_shares_the_login_throttle);
	tcase_add_test(tc, refresh_by_cookie_rotates_and_reuse_revokes);
	tcase_add_test(tc, refresh_refuses_cross_site_requests);
	tcase_add_test(tc, session_logout_clears_cookies_and_ends_the_session);
	tcase_add_test(tc, password_change);
	tcase_add_test(tc, wrong_current_passwords_are_throttled_like_logins);
	tcase_add_test(tc, logout_all_ends_every_session);
	suite_add_tcase(s, tc);
	return s;
}
