/* Login, tokens, refresh rotation with reuse detection, logout and
 * throttling, through HTTPS against the real database. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "harness.h"
#include "suites.h"

static long refresh(const char *token, struct http_result *r)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", token);
	return http_json("POST", "/v1/auth/refresh", NULL, body, r);
}

START_TEST(login_me_and_token_storage)
{
	struct http_result r;
	char *access, *refresh_token;

	harness_seed_user("ana", "dispatcher", "SZ", "C-SZ");
	ck_assert_int_eq(http_login("ana", TEST_PASSWORD, &r), 200);
	access = strdup(json_string_value(json_object_get(r.json, "access_token")));
	refresh_token = strdup(json_string_value(json_object_get(r.json, "refresh_token")));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "expires_in")), 900);
	ck_assert_uint_ge(strlen(access), 40);
	http_result_free(&r);

	ck_assert_int_eq(http_json("GET", "/v1/me", access, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "username")), "ana");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "role")), "dispatcher");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "region")), "SZ");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "centre")), "C-SZ");
	http_result_free(&r);

	/* Only hashes are stored: the plain tokens appear nowhere. */
	{
		sqlite3_stmt *st;

		ck_assert_int_eq(
		    sqlite3_prepare_v2(db_handle(H.db),
				       "SELECT count(*) FROM access_tokens WHERE token_hash = ?1"
				       " OR CAST(token_hash AS TEXT) = ?1",
				       -1, &st, NULL),
		    SQLITE_OK);
		db_bind_text(st, 1, access);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
	}
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM access_tokens WHERE length(token_hash) = 32"), 1);
	/* The login is audited. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.login'"),
			 1);
	free(access);
	free(refresh_token);
}
END_TEST

START_TEST(wrong_password_and_unknown_user_look_the_same)
{
	struct http_result a, b;

	harness_seed_user("ben", "technician", "SZ", "C-SZ");
	http_login("ben", "wrong password!", &a);
	http_login("nobody", "wrong password!", &b);
	assert_problem(&a, 401, NULL);
	assert_problem(&b, 401, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(a.json, "detail")),
			 json_string_value(json_object_get(b.json, "detail")));
	http_result_free(&a);
	http_result_free(&b);
}
END_TEST

START_TEST(disabled_account_cannot_log_in_or_refresh)
{
	struct http_result r;
	char *refresh_token;

	harness_seed_user("cat", "sales", "GD", NULL);
	ck_assert_int_eq(http_login("cat", TEST_PASSWORD, &r), 200);
	refresh_token = strdup(json_string_value(json_object_get(r.json, "refresh_token")));
	http_result_free(&r);
	ck_assert_int_eq(sqlite3_exec(db_handle(H.db),
				      "UPDATE users SET disabled = 1 WHERE username = 'cat'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	http_login("cat", TEST_PASSWORD, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	refresh(refresh_token, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	free(refresh_token);
}
END_TEST

START_TEST(refresh_rotates_and_reuse_revokes_the_session)
{
	struct http_result r;
	char *access1, *refresh1, *access2, *refresh2;

	harness_seed_user("dan", "supervisor", "GD", NULL);
	http_login("dan", TEST_PASSWORD, &r);
	access1 = strdup(json_string_value(json_object_get(r.json, "access_token")));
	refresh1 = strdup(json_string_value(json_object_get(r.json, "refresh_token")));
	http_result_free(&r);

	ck_assert_int_eq(refresh(refresh1, &r), 200);
	access2 = strdup(json_string_value(json_object_get(r.json, "access_token")));
	refresh2 = strdup(json_string_value(json_object_get(r.json, "refresh_token")));
	ck_assert_str_ne(refresh1, refresh2);
	ck_assert_str_ne(access1, access2);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/me", access2, NULL, &r), 200);
	http_result_free(&r);

	/* The spent refresh token comes back: the whole session ends. */
	refresh(refresh1, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	http_json("GET", "/v1/me", access2, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	refresh(refresh2, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_reuse'"), 1);

	refresh("ftr_made-up", &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	http_json("POST", "/v1/auth/refresh", NULL, "{}", &r);
	assert_problem(&r, 400, "/refresh_token");
	http_result_free(&r);
	free(access1);
	free(refresh1);
	free(access2);
	free(refresh2);
}
END_TEST

START_TEST(logout_ends_the_session)
{
	struct http_result r;
	char *refresh_token, *access;

	harness_seed_user("eve", "auditor", NULL, NULL);
	http_login("eve", TEST_PASSWORD, &r);
	access = strdup(json_string_value(json_object_get(r.json, "access_token")));
	refresh_token = strdup(json_string_value(json_object_get(r.json, "refresh_token")));
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/auth/logout", access, NULL, &r), 204);
	http_result_free(&r);
	http_json("GET", "/v1/me", access, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	refresh(refresh_token, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	free(access);
	free(refresh_token);
}
END_TEST

START_TEST(access_token_expires)
{
	struct http_result r;
	char *token = harness_user_token("fay", "technician", "NJ", "C-NJ");

	ck_assert_int_eq(http_json("GET", "/v1/me", token, NULL, &r), 200);
	http_result_free(&r);
	clock_set_offset(901); /* the server runs in this process: same clock */
	http_json("GET", "/v1/me", token, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	free(token);
}
END_TEST

START_TEST(failed_logins_are_throttled_per_account)
{
	struct http_result r;
	char retry[32];

	harness_seed_user("gus", "technician", "SZ", "C-SZ");
	for (int i = 0; i < 5; i++) {
		http_login("gus", "not the password", &r);
		assert_problem(&r, 401, NULL);
		http_result_free(&r);
	}
	/* Blocked now, even with the right password. */
	http_login("gus", TEST_PASSWORD, &r);
	assert_problem(&r, 429, NULL);
	ck_assert_ptr_nonnull(http_header(&r, "Retry-After", retry, sizeof(retry)));
	ck_assert_int_gt(atoi(retry), 0);
	ck_assert_int_le(atoi(retry), 30);
	http_result_free(&r);
	/* Other accounts are not affected. */
	harness_seed_user("hal", "technician", "SZ", "C-SZ");
	ck_assert_int_eq(http_login("hal", TEST_PASSWORD, &r), 200);
	http_result_free(&r);
	/* After the block the right password works and clears the count. */
	clock_set_offset(31);
	ck_assert_int_eq(http_login("gus", TEST_PASSWORD, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM auth_throttle WHERE key = 'user:gus'"),
			 0);
}
END_TEST

static void *guess(void *arg)
{
	struct http_result r;
	long *status = arg;

	*status = http_login("pam", "a wrong password", &r);
	http_result_free(&r);
	return NULL;
}

START_TEST(parallel_guesses_cannot_outrun_the_throttle)
{
	/* All 20 arrive before the first hash finishes: the check and the
	 * count must happen together, or most of them would get to guess. */
	pthread_t t[20];
	long status[20];
	int unauthorized = 0, throttled = 0;

	harness_seed_user("pam", "technician", "SZ", "C-SZ");
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, guess, &status[i]), 0);
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		unauthorized += status[i] == 401;
		throttled += status[i] == 429;
	}
	ck_assert_int_le(unauthorized, 5);
	ck_assert_int_eq(unauthorized + throttled, 20);
}
END_TEST

START_TEST(failed_logins_are_throttled_per_address)
{
	struct http_result r;
	char user[32];

	/* 20 failures spread over many (unknown) accounts from one address. */
	for (int i = 0; i < 20; i++) {
		snprintf(user, sizeof(user), "ghost%d", i);
		http_login(user, "guess", &r);
		assert_problem(&r, 401, NULL);
		http_result_free(&r);
	}
	harness_seed_user("ivy", "sales", "GD", NULL);
	http_login("ivy", TEST_PASSWORD, &r);
	assert_problem(&r, 429, NULL);
	http_result_free(&r);
}
END_TEST

START_TEST(policy_forbids_roles)
{
	struct http_result r;
	char *tech = harness_user_token("jay", "technician", "SZ", "C-SZ");
	char *auditor = harness_user_token("kim", "auditor", NULL, NULL);

	http_json("GET", "/v1/audit", tech, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/audit", auditor, NULL, &r), 200);
	http_result_free(&r);
	free(tech);
	free(auditor);
}
END_TEST

Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, login_me_and_token_storage);
	tcase_add_test(tc, wrong_password_and_unknown_user_look_the_same);
	tcase_add_test(tc, disabled_account_cannot_log_in_or_refresh);
	tcase_add_test(tc, refresh_rotates_and_reuse_revokes_the_session);
	tcase_add_test(tc, logout_ends_the_session);
	tcase_add_test(tc, access_token_expires);
	tcase_add_test(tc, failed_logins_are_throttled_per_account);
	tcase_add_test(tc, parallel_guesses_cannot_outrun_the_throttle);
	tcase_add_test(tc, failed_logins_are_throttled_per_address);
	tcase_add_test(tc, policy_forbids_roles);
	suite_add_tcase(s, tc);
	return s;
}
