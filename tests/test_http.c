/* The HTTP layer through the real stack: routing, limits, problem+json,
 * headers, TLS policy, health and metrics. */
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "api/handler.h"
#include "api/metrics.h"
#include "core/utf8.h"
#include "suites.h"

START_TEST(healthz_and_common_headers)
{
	struct http_result r;
	char v[256];

	ck_assert_int_eq(http_json("GET", "/healthz", NULL, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ok");
	ck_assert_ptr_nonnull(http_header(&r, "X-Request-Id", v, sizeof(v)));
	ck_assert_uint_ge(strlen(v), 8);
	ck_assert_ptr_nonnull(http_header(&r, "Strict-Transport-Security", v, sizeof(v)));
	ck_assert_ptr_nonnull(strstr(v, "max-age="));
	ck_assert_ptr_null(http_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	http_result_free(&r);

	ck_assert_int_eq(http_json("GET", "/readyz", NULL, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "database")), "ok");
	http_result_free(&r);
}
END_TEST

START_TEST(request_id_is_echoed_when_plain_and_replaced_when_not)
{
	const char *mine[] = { "X-Request-Id: phone-42-abcdef", NULL };
	const char *evil[] = { "X-Request-Id: bad id\"<script>", NULL };
	struct http_result r;
	char v[256];

	http_call("GET", "/healthz", NULL, NULL, NULL, 0, mine, &r);
	ck_assert_str_eq(http_header(&r, "X-Request-Id", v, sizeof(v)), "phone-42-abcdef");
	http_result_free(&r);
	http_call("GET", "/healthz", NULL, NULL, NULL, 0, evil, &r);
	ck_assert_str_ne(http_header(&r, "X-Request-Id", v, sizeof(v)), "bad id\"<script>");
	ck_assert_ptr_null(strchr(v, '<'));
	http_result_free(&r);
}
END_TEST

START_TEST(unknown_path_is_problem_404)
{
	struct http_result r;

	http_json("GET", "/v1/nothing-here", NULL, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	/* A directory-looking path must not list anything either. */
	http_json("GET", "/", NULL, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	http_json("GET", "/v1//me", NULL, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	/* One name per resource: no trailing-slash alias (/healthz answers). */
	http_json("GET", "/healthz/", NULL, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
}
END_TEST

/* A handler whose document could not be built (json_pack refusing a
 * value) must not answer its status with an empty body. */
START_TEST(an_answer_without_a_document_is_a_500_not_an_empty_200)
{
	struct resp r;
	json_t *doc;

	memset(&r, 0, sizeof(r));
	buf_init(&r.headers, 0);
	buf_init(&r.body, 0);
	resp_json(&r, 200, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(r.content_type, "application/problem+json");
	doc = json_loadb(r.body.data, r.body.len, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), 500);
	json_decref(doc);
	api_resp_cleanup(&r);
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
	struct http_result r;
	char allow[128];

	http_json("DELETE", "/healthz", NULL, NULL, &r);
	assert_problem(&r, 405, NULL);
	ck_assert_ptr_nonnull(http_header(&r, "Allow", allow, sizeof(allow)));
	ck_assert_ptr_nonnull(strstr(allow, "GET"));
	ck_assert_ptr_nonnull(strstr(allow, "HEAD"));
	http_result_free(&r);

	http_json("GET", "/v1/auth/login", NULL, NULL, &r);
	assert_problem(&r, 405, NULL);
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "POST, OPTIONS");
	http_result_free(&r);
}
END_TEST

START_TEST(options_and_head)
{
	struct http_result r;
	char allow[128], len[32];

	ck_assert_int_eq(http_json("OPTIONS", "/v1/auth/login", NULL, NULL, &r), 204);
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "POST, OPTIONS");
	http_result_free(&r);
	ck_assert_int_eq(http_json("HEAD", "/healthz", NULL, NULL, &r), 200);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_str_eq(http_header(&r, "Content-Length", len, sizeof(len)), "15");
	http_result_free(&r);
}
END_TEST

START_TEST(protected_route_needs_token)
{
	struct http_result r;
	char v[128];

	http_json("GET", "/v1/me", NULL, NULL, &r);
	assert_problem(&r, 401, NULL);
	ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", v, sizeof(v)));
	http_result_free(&r);
	http_json("GET", "/v1/me", "fta_not-a-real-token", NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
}
END_TEST

START_TEST(body_over_limit_is_413_before_reading)
{
	size_t big = 1024 * 1024 + 1;
	char *body = malloc(big);
	struct http_result r;

	memset(body, ' ', big);
	body[0] = '{';
	body[big - 1] = '}';
	http_call("POST", "/v1/auth/login", NULL, NULL, body, big, NULL, &r);
	assert_problem(&r, 413, NULL);
	http_result_free(&r);
	free(body);
}
END_TEST

START_TEST(exactly_one_mebibyte_is_read)
{
	size_t n = 1024 * 1024;
	char *body = malloc(n);
	struct http_result r;

	/* A valid object padded with white space to the limit: it is read and
	 * validated (400 for the missing members), not refused as too large. */
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	http_call("POST", "/v1/auth/login", NULL, NULL, body, n, NULL, &r);
	assert_problem(&r, 400, "/username");
	http_result_free(&r);
	free(body);
}
END_TEST

START_TEST(headers_over_16k_are_refused)
{
	size_t n = 17 * 1024;
	char *line = malloc(n + 32);
	const char *hdrs[2];
	struct http_result r;

	strcpy(line, "X-Filler: ");
	memset(line + 10, 'a', n);
	line[10 + n] = '\0';
	hdrs[0] = line;
	hdrs[1] = NULL;
	/* civetweb 1.15 reports an overfull header buffer as a malformed
	 * request, so the answer is 400 (431 where it can tell). */
	http_call("GET", "/healthz", NULL, NULL, NULL, 0, hdrs, &r);
	ck_assert_msg(r.status == 431 || r.status == 400, "status %ld", r.status);
	ck_assert_ptr_nonnull(r.json);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "status")), r.status);
	http_result_free(&r);
	free(line);
}
END_TEST

START_TEST(content_length_with_transfer_encoding_is_400)
{
	static const char req[] = "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
				  "Content-Type: application/json\r\n"
				  "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "2\r\n{}\r\n0\r\n\r\n";
	char resp[4096];
	int closed;

	ck_assert_int_gt(
	    harness_raw(req, sizeof(req) - 1, sizeof(req), 0, 3000, resp, sizeof(resp), &closed),
	    0);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 400", 12) == 0, "got: %.80s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "application/problem+json"));
	ck_assert_ptr_nonnull(strstr(resp, "Transfer-Encoding"));
	ck_assert_int_eq(closed, 1);
}
END_TEST

START_TEST(trickling_body_is_cut_off)
{
	/* The harness sets a 2 s body deadline; this body would take 6 s. */
	char req[512];
	char resp[4096];
	int closed;
	int n = snprintf(req, sizeof(req),
			 "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
			 "Content-Type: application/json\r\nContent-Length: 30\r\n\r\n"
			 "{\"username\":\"a\",\"password\":\"b\"}");

	ck_assert_int_gt(n, 0);
	harness_raw(req, (size_t)n, 1, 200, 8000, resp, sizeof(resp), &closed);
	ck_assert_int_eq(closed, 1);
	ck_assert_msg(resp[0] == '\0' || strstr(resp, " 408 ") || strstr(resp, " 400 "),
		      "got: %.80s", resp);
}
END_TEST

START_TEST(body_shorter_than_announced_is_cut_off)
{
	/* Announces 100 bytes, sends 10 and goes quiet: 408 (or a plain
	 * close), never a request treated as complete. */
	static const char req[] = "POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
				  "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
				  "{\"username\"";
	char resp[4096];
	int closed;

	harness_raw(req, sizeof(req) - 1, sizeof(req), 0, 6000, resp, sizeof(resp), &closed);
	ck_assert_int_eq(closed, 1);
	ck_assert_msg(resp[0] == '\0' || strstr(resp, " 408 "), "got: %.80s", resp);
}
END_TEST

START_TEST(json_errors_name_the_problem)
{
	struct http_result r;
	char deep[200];
	size_t i = 0;

	http_json("POST", "/v1/auth/login", NULL, "{\"username\": ", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);

	http_json("POST", "/v1/auth/login", NULL, "[1, 2]", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);

	http_json("POST", "/v1/auth/login", NULL,
		  "{\"username\":\"a\",\"username\":\"b\",\"password\":\"c\"}", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);

	/* 33 levels of nesting: one more than allowed. */
	deep[i++] = '{';
	deep[i++] = '"';
	deep[i++] = 'a';
	deep[i++] = '"';
	deep[i++] = ':';
	for (int d = 0; d < 32; d++)
		deep[i++] = '[';
	for (int d = 0; d < 32; d++)
		deep[i++] = ']';
	deep[i++] = '}';
	deep[i] = '\0';
	http_json("POST", "/v1/auth/login", NULL, deep, &r);
	assert_problem(&r, 400, "");
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(r.json, "detail")), "deeper"));
	http_result_free(&r);

	http_json("POST", "/v1/auth/login", NULL, "{\"username\": 5, \"extra\": true}", &r);
	assert_problem(&r, 400, "/username");
	assert_problem(&r, 400, "/extra");
	assert_problem(&r, 400, "/password");
	http_result_free(&r);
}
END_TEST

START_TEST(nesting_at_the_limit_is_accepted)
{
	struct http_result r;
	char body[200];
	size_t i = 0;

	/* 32 levels (the object is level 1): parsed, then refused for its
	 * content, not its depth. */
	i += (size_t)sprintf(body, "{\"username\":\"u\",\"password\":\"p\",\"x\":");
	for (int d = 0; d < 31; d++)
		body[i++] = '[';
	for (int d = 0; d < 31; d++)
		body[i++] = ']';
	body[i++] = '}';
	body[i] = '\0';
	http_json("POST", "/v1/auth/login", NULL, body, &r);
	assert_problem(&r, 400, "/x");
	http_result_free(&r);
}
END_TEST

START_TEST(wrong_content_type_is_415)
{
	struct http_result r;

	http_call("POST", "/v1/auth/login", NULL, "text/plain", "{}", 2, NULL, &r);
	assert_problem(&r, 415, NULL);
	http_result_free(&r);
}
END_TEST

START_TEST(unknown_query_parameter_is_400)
{
	struct http_result r;

	/* Without a token, a protected route says 401 whatever the query. */
	http_json("GET", "/v1/audit?bogus=1", NULL, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);

	http_json("GET", "/healthz?verbose=1", NULL, NULL, &r);
	assert_problem(&r, 400, "verbose");
	http_result_free(&r);
}
END_TEST

/* Found by tests/fuzz/fuzz_cursor.c: base64url leaves the last
 * character's low bits unused, and "MB" decoded to the key of "MA". */
START_TEST(cursor_has_one_spelling)
{
	char *token = harness_user_token("cara", "admin", NULL, NULL);
	struct http_result r;

	ck_assert_int_eq(http_json("GET", "/v1/regions?cursor=MA", token, NULL, &r), 200);
	http_result_free(&r);
	http_json("GET", "/v1/regions?cursor=MB", token, NULL, &r);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	http_json("GET", "/v1/regions?cursor=Q0O", token, NULL, &r); /* "CN" is Q04 */
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	free(token);
}
END_TEST

/* Found by tests/fuzz/fuzz_cursor.c: %00 cut a value short unseen, so
 * "MA%00anything" was taken as the cursor MA, "1%00x" as the id 1. */
START_TEST(percent_00_is_refused)
{
	char *token = harness_user_token("cara", "admin", NULL, NULL);
	char path[64];
	struct http_result r;
	int64_t id;

	http_json("GET", "/v1/regions?cursor=MA%00anything", token, NULL, &r);
	assert_problem(&r, 400, NULL);
	http_result_free(&r);
	http_json("GET", "/v1/me", token, NULL, &r);
	id = json_integer_value(json_object_get(r.json, "id"));
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)id);
	ck_assert_int_eq(http_json("GET", path, token, NULL, &r), 200);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/users/%lld%%00x", (long long)id);
	http_json("GET", path, token, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	free(token);
}
END_TEST

/* /metrics says how the service is used: loopback clients only, unless a
 * scraper's token is configured, which it then wants from everyone. */
START_TEST(metrics_are_for_this_machine_or_the_token)
{
	struct http_result r;
	char h[64];
	const char *right[] = { "Authorization: Bearer scrape-secret-0001", NULL };
	const char *wrong[] = { "Authorization: Bearer scrape-secret-2-x", NULL };
	const char *longer[] = { "Authorization: Bearer scrape-secret-0001-x", NULL };

	/* Before any request (the workers read what this sets): a short token
	 * is refused, since it could be guessed; then none again. */
	ck_assert_int_eq(metrics_configure("short"), -1);
	ck_assert_int_eq(metrics_configure(""), 0);
	ck_assert_int_eq(metrics_may_read(NULL, "127.0.0.1"), METRICS_ALLOWED);
	ck_assert_int_eq(metrics_may_read(NULL, "::1"), METRICS_ALLOWED);
	ck_assert_int_eq(metrics_may_read(NULL, "10.0.0.7"), METRICS_NOT_LOCAL);
	ck_assert_int_eq(metrics_may_read("Bearer x", "192.168.1.9"), METRICS_NOT_LOCAL);

	snprintf(harness_metrics_token, sizeof(harness_metrics_token), "scrape-secret-0001");
	harness_restart();
	ck_assert_int_eq(http_json("GET", "/metrics", NULL, NULL, &r), 401);
	assert_problem(&r, 401, NULL);
	ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", h, sizeof(h)));
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", "/metrics", NULL, NULL, NULL, 0, wrong, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", "/metrics", NULL, NULL, NULL, 0, longer, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", "/metrics", NULL, NULL, NULL, 0, right, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "fieldtrace_http_requests_total"));
	http_result_free(&r);
	ck_assert_int_eq(metrics_may_read("Bearer scrape-secret-0001", "10.0.0.7"),
			 METRICS_ALLOWED);
}
END_TEST

START_TEST(metrics_count_requests_and_tls)
{
	struct http_result r;

	http_json("GET", "/healthz", NULL, NULL, &r);
	http_result_free(&r);
	http_json("GET", "/nowhere", NULL, NULL, &r);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/metrics", NULL, NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(
	    r.body,
	    "fieldtrace_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "route=\"unrouted\",status=\"404\""));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "fieldtrace_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "fieldtrace_db_connections 8"));
	ck_assert_ptr_null(strstr(r.body, "fieldtrace_tls_handshakes_total 0\n"));
	http_result_free(&r);
}
END_TEST

/* Tries a handshake offering at most max_version (and only that one for
 * TLS 1.3), with the given TLS 1.2 cipher list; 1 when it completes. */
static int handshake_with(int max_version, const char *ciphers)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char host[64];
	BIO *bio;
	int ok;

	SSL_CTX_set_max_proto_version(ctx, max_version);
	SSL_CTX_set_min_proto_version(ctx, max_version == TLS1_3_VERSION ? TLS1_3_VERSION : 0);
	SSL_CTX_set_security_level(ctx, 0); /* let the client offer old protocols */
	if (ciphers)
		SSL_CTX_set_cipher_list(ctx, ciphers);
	snprintf(host, sizeof(host), "127.0.0.1:%d", H.port);
	bio = BIO_new_ssl_connect(ctx);
	BIO_set_conn_hostname(bio, host);
	ok = BIO_do_handshake(bio) == 1;
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return ok;
}

START_TEST(tls_policy)
{
	ck_assert_int_eq(handshake_with(TLS1_3_VERSION, NULL), 1);
	ck_assert_int_eq(handshake_with(TLS1_2_VERSION, NULL), 1);
	ck_assert_int_eq(handshake_with(TLS1_1_VERSION, NULL), 0);
	ck_assert_int_eq(handshake_with(TLS1_VERSION, NULL), 0);
	/* TLS 1.2 without forward secrecy or without AEAD is refused. */
	ck_assert_int_eq(handshake_with(TLS1_2_VERSION, "AES128-GCM-SHA256"), 0);
	ck_assert_int_eq(handshake_with(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256"), 0);
	ck_assert_int_eq(handshake_with(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256"), 1);
}
END_TEST

START_TEST(keep_alive_serves_many_requests_on_one_connection)
{
	static const char two[] =
	    "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
	    "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	char resp[8192];
	int closed;

	harness_raw(two, sizeof(two) - 1, sizeof(two), 0, 3000, resp, sizeof(resp), &closed);
	ck_assert_ptr_nonnull(strstr(resp, "{\"status\":\"ok\"}"));
	ck_assert_ptr_nonnull(strstr(resp, "\"database\":\"ok\""));
}
END_TEST

START_TEST(utf8_repair_cuts_and_replaces)
{
	char cut[] = "ab\xe9\x94",
	     bad[] = "a\xff"
		     "b\xc0\xaf"
		     "c",
	     ok[] = "键 ok é";

	utf8_repair(cut);
	ck_assert_str_eq(cut, "ab");
	utf8_repair(bad);
	ck_assert_str_eq(bad, "a?b??c");
	utf8_repair(ok);
	ck_assert_str_eq(ok, "键 ok é");
}
END_TEST

START_TEST(long_non_ascii_member_is_still_refused)
{
	/* 70 three-byte characters: every buffer that names the member cuts
	 * it mid-character. The member must still be named and refused. */
	char key[256] = "", body[512];
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;

	for (int i = 0; i < 70; i++)
		strcat(key, "键");
	snprintf(body, sizeof(body),
		 "{\"%s\":{\"x\":1},\"code\":\"C-UTF8\",\"name\":\"n\",\"tier\":\"A\"}", key);
	http_json("POST", "/v1/customers", admin, body, &r);
	assert_problem(&r, 400, NULL);
	ck_assert_uint_ge(json_array_size(json_object_get(r.json, "errors")), 1);
	http_result_free(&r);

	snprintf(body, sizeof(body), "{\"%s\":1}", key);
	http_json("POST", "/v1/users", admin, body, &r);
	assert_problem(&r, 400, NULL);
	http_result_free(&r);

	http_json("GET", "/v1/assets?%ff=1", admin, NULL, &r);
	assert_problem(&r, 400, NULL);
	http_result_free(&r);
	free(admin);
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, healthz_and_common_headers);
	tcase_add_test(tc, request_id_is_echoed_when_plain_and_replaced_when_not);
	tcase_add_test(tc, unknown_path_is_problem_404);
	tcase_add_test(tc, an_answer_without_a_document_is_a_500_not_an_empty_200);
	tcase_add_test(tc, wrong_method_is_405_with_allow);
	tcase_add_test(tc, options_and_head);
	tcase_add_test(tc, protected_route_needs_token);
	tcase_add_test(tc, body_over_limit_is_413_before_reading);
	tcase_add_test(tc, exactly_one_mebibyte_is_read);
	tcase_add_test(tc, headers_over_16k_are_refused);
	tcase_add_test(tc, content_length_with_transfer_encoding_is_400);
	tcase_add_test(tc, trickling_body_is_cut_off);
	tcase_add_test(tc, body_shorter_than_announced_is_cut_off);
	tcase_add_test(tc, json_errors_name_the_problem);
	tcase_add_test(tc, nesting_at_the_limit_is_accepted);
	tcase_add_test(tc, wrong_content_type_is_415);
	tcase_add_test(tc, unknown_query_parameter_is_400);
	tcase_add_test(tc, cursor_has_one_spelling);
	tcase_add_test(tc, percent_00_is_refused);
	tcase_add_test(tc, metrics_count_requests_and_tls);
	tcase_add_test(tc, tls_policy);
	tcase_add_test(tc, keep_alive_serves_many_requests_on_one_connection);
	tcase_add_test(tc, utf8_repair_cuts_and_replaces);
	tcase_add_test(tc, long_non_ascii_member_is_still_refused);
	tcase_add_test(tc, metrics_are_for_this_machine_or_the_token);
	suite_add_tcase(s, tc);
	return s;
}
