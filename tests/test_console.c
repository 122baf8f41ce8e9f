/* The web console's files as the server answers them (server/http/console.c):
 * index.html for the app's own addresses, hashed assets immutable and
 * precompressed, exact security headers, 404 for a missing asset, 405 for
 * a write, and paths that try to climb out of the table. The files are
 * the ones this binary embeds (build/gen/console.c), read from its table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "http/console.h"
#include "suites.h"

static const struct embedded_file *file_at(const char *path)
{
	for (unsigned long i = 0; i < console_files_count; i++)
		if (strcmp(console_files[i].path, path) == 0)
			return &console_files[i];
	return NULL;
}

/* A built script with both precompressed siblings (the app's entry is
 * one); asserts there is one. */
static const struct embedded_file *some_script(void)
{
	for (unsigned long i = 0; i < console_files_count; i++) {
		const struct embedded_file *f = &console_files[i];
		char br[512], gz[512];

		if (strncmp(f->path, "/static/", 8) != 0 || strlen(f->path) < 4 ||
		    strcmp(f->path + strlen(f->path) - 3, ".js") != 0)
			continue;
		snprintf(br, sizeof(br), "%s.br", f->path);
		snprintf(gz, sizeof(gz), "%s.gz", f->path);
		if (file_at(br) && file_at(gz))
			return f;
	}
	ck_abort_msg("the embedded console has no /static/*.js with .br and .gz siblings");
	return NULL;
}

static long get(const char *path, const char *accept_encoding, struct http_result *r)
{
	char ae[128];
	const char *headers[2] = { NULL, NULL };

	if (accept_encoding) {
		snprintf(ae, sizeof(ae), "Accept-Encoding: %s", accept_encoding);
		headers[0] = ae;
	}
	return http_call("GET", path, NULL, NULL, NULL, 0, headers, r);
}

/* How many times header name occurs in r. */
static int header_count(const struct http_result *r, const char *name)
{
	char key[80];
	int n = 0;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	for (const char *p = r->headers; p && (p = strcasestr(p, key)); p += 2)
		n++;
	return n;
}

static void assert_header(const struct http_result *r, const char *name, const char *want)
{
	char got[1024];

	ck_assert_msg(http_header(r, name, got, sizeof(got)), "no %s in %s", name, r->headers);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(header_count(r, name), 1);
}

/* What every console answer carries, exactly. */
static void assert_security_headers(const struct http_result *r)
{
	char csp[1024];

	assert_header(r, "Content-Security-Policy",
		      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' "
		      "data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; "
		      "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action "
		      "'self'; frame-ancestors 'none'");
	http_header(r, "Content-Security-Policy", csp, sizeof(csp));
	ck_assert_msg(!strstr(csp, "unsafe-") && !strstr(csp, "*"), "%s", csp);
	ck_assert_str_eq(csp, http_console_csp);
	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_header(r, "Referrer-Policy", "same-origin");
	assert_header(r, "X-Frame-Options", "DENY");
	assert_header(r, "Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self)");
	assert_header(r, "Strict-Transport-Security", "max-age=63072000; includeSubDomains");
}

/* r is index.html as built, unencoded. */
static void assert_index(const struct http_result *r)
{
	const struct embedded_file *index = file_at("/index.html");
	char etag[80];

	ck_assert_ptr_nonnull(index);
	ck_assert_int_eq(r->status, 200);
	assert_header(r, "Content-Type", "text/html; charset=utf-8");
	assert_header(r, "Cache-Control", "no-cache");
	ck_assert_ptr_nonnull(http_header(r, "ETag", etag, sizeof(etag)));
	ck_assert_ptr_null(http_header(r, "Content-Encoding", etag, sizeof(etag)));
	ck_assert_uint_eq(r->body_len, index->len);
	ck_assert(memcmp(r->body, index->bytes, index->len) == 0);
	ck_assert_msg(strstr(r->body, "/console/static/"), "index.html loads no asset: %s",
		      r->body);
	assert_security_headers(r);
}

START_TEST(index_for_the_app_and_its_deep_links)
{
	static const char *const paths[] = {
		"/console/",
		"/console/dispatch",
		"/console/tickets/42",
		"/console/warranty",
		"/console/assets/7",
		"/console/customers/3",
		"/console/analytics",
		"/console/kb",
		"/console/admin/users/7",
		"/console/tickets/42?tab=history",
		"/console/assets/7/timeline",
	};
	struct http_result r;
	char etag[80], inm[128];
	const char *headers[2] = { inm, NULL };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		get(paths[i], NULL, &r);
		assert_index(&r);
		http_result_free(&r);
	}
	/* Revalidated, never cached blind: the tag answers 304. */
	get("/console/dispatch", NULL, &r);
	http_header(&r, "ETag", etag, sizeof(etag));
	http_result_free(&r);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	ck_assert_int_eq(http_call("GET", "/console/kb", NULL, NULL, NULL, 0, headers, &r), 304);
	ck_assert_uint_eq(r.body_len, 0);
	assert_header(&r, "ETag", etag);
	assert_security_headers(&r);
	http_result_free(&r);
	/* HEAD: the headers and length, no body. */
	ck_assert_int_eq(http_call("HEAD", "/console/", NULL, NULL, NULL, 0, NULL, &r), 200);
	ck_assert_uint_eq(r.body_len, 0);
	snprintf(inm, sizeof(inm), "%lu", file_at("/index.html")->len);
	assert_header(&r, "Content-Length", inm);
	http_result_free(&r);
}
END_TEST

START_TEST(console_without_slash_redirects)
{
	struct http_result r;

	ck_assert_int_eq(get("/console", NULL, &r), 301);
	assert_header(&r, "Location", "/console/");
	assert_security_headers(&r);
	http_result_free(&r);
	ck_assert_int_eq(get("/console?lang=en", NULL, &r), 301);
	assert_header(&r, "Location", "/console/?lang=en");
	http_result_free(&r);
	/* Not a prefix match on the name: /consoles is nobody's. */
	get("/consoles", NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
}
END_TEST

/* The asset with this Accept-Encoding is want (the file itself or a
 * sibling), with encoding (NULL: none). */
static void assert_asset(const struct embedded_file *f, const char *ae, const char *encoding)
{
	const struct embedded_file *want = f;
	struct http_result r;
	char path[512], got[128];

	if (encoding) {
		snprintf(path, sizeof(path), "%s.%s", f->path,
			 strcmp(encoding, "br") ? "gz" : "br");
		want = file_at(path);
	}
	snprintf(path, sizeof(path), "/console%s", f->path);
	ck_assert_int_eq(get(path, ae, &r), 200);
	assert_header(&r, "Content-Type", "text/javascript; charset=utf-8");
	assert_header(&r, "Cache-Control", "public, max-age=31536000, immutable");
	assert_header(&r, "Vary", "Accept-Encoding");
	ck_assert_ptr_nonnull(http_header(&r, "ETag", got, sizeof(got)));
	if (encoding)
		assert_header(&r, "Content-Encoding", encoding);
	else
		ck_assert_msg(!http_header(&r, "Content-Encoding", got, sizeof(got)),
			      "Accept-Encoding %s: encoded as %s", ae ? ae : "(none)", got);
	ck_assert_msg(r.body_len == want->len && memcmp(r.body, want->bytes, want->len) == 0,
		      "Accept-Encoding %s: not the bytes of %s", ae ? ae : "(none)", want->path);
	assert_security_headers(&r);
	http_result_free(&r);
}

START_TEST(assets_are_immutable_and_precompressed)
{
	const struct embedded_file *js = some_script();
	struct http_result r;
	char path[512], etag_br[80], etag_plain[80], inm[128];
	const char *headers[3] = { inm, "Accept-Encoding: br", NULL };

	assert_asset(js, "br", "br");
	assert_asset(js, "gzip", "gzip");
	assert_asset(js, NULL, NULL);
	assert_asset(js, "identity", NULL);
	assert_asset(js, "gzip, deflate, br, zstd", "br"); /* what Chromium sends */
	assert_asset(js, "br;q=0, gzip", "gzip");
	assert_asset(js, "BR;Q=0, GZIP;q=0.5", "gzip");
	assert_asset(js, "gzip;q=0, br;q=0", NULL);
	assert_asset(js, "br;q=0.4, gzip;q=0.9", "gzip");
	assert_asset(js, "*", "br");
	assert_asset(js, "*;q=0", NULL);
	assert_asset(js, "x-gzip", "gzip");

	/* Each representation has its own tag, and it revalidates. */
	snprintf(path, sizeof(path), "/console%s", js->path);
	get(path, "br", &r);
	http_header(&r, "ETag", etag_br, sizeof(etag_br));
	http_result_free(&r);
	get(path, NULL, &r);
	http_header(&r, "ETag", etag_plain, sizeof(etag_plain));
	http_result_free(&r);
	ck_assert_str_ne(etag_br, etag_plain);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag_br);
	ck_assert_int_eq(http_call("GET", path, NULL, NULL, NULL, 0, headers, &r), 304);
	http_result_free(&r);
	headers[1] = NULL;
	ck_assert_int_eq(http_call("GET", path, NULL, NULL, NULL, 0, headers, &r), 200);
	http_result_free(&r);
}
END_TEST

START_TEST(a_missing_asset_is_404_not_the_page)
{
	const struct embedded_file *js = some_script();
	static const char *const missing[] = {
		"/console/static/nothing-1a2b3c4d.js",
		"/console/static/nothing.css",
		"/console/static/7",
		"/console/static/7%2fx",
	};
	struct http_result r;
	char path[512];

	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		get(missing[i], "br", &r);
		assert_problem(&r, 404, NULL);
		assert_security_headers(&r);
		http_result_free(&r);
	}
	/* The precompressed siblings are no addresses of their own. */
	snprintf(path, sizeof(path), "/console%s.br", js->path);
	get(path, "br", &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
}
END_TEST

START_TEST(writes_are_405)
{
	const struct embedded_file *js = some_script();
	static const char *const methods[] = { "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
	struct http_result r;
	char path[512], allow[64];

	snprintf(path, sizeof(path), "/console%s", js->path);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		http_call(methods[i], "/console/", NULL, NULL, NULL, 0, NULL, &r);
		assert_problem(&r, 405, NULL);
		ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "GET, HEAD");
		assert_security_headers(&r);
		http_result_free(&r);
	}
	http_json("POST", "/console/tickets/42", NULL, "{\"a\":1}", &r);
	assert_problem(&r, 405, NULL);
	http_result_free(&r);
	http_call("PUT", path, NULL, "text/javascript", "x", 1, NULL, &r);
	assert_problem(&r, 405, NULL);
	http_result_free(&r);
	http_call("POST", "/console", NULL, NULL, NULL, 0, NULL, &r);
	assert_problem(&r, 405, NULL);
	http_result_free(&r);
}
END_TEST

/* Paths that try to leave the table: curl would tidy the dots away, so
 * they go raw. Each answer is the 404 problem or index.html, never a 500
 * and never a file from outside. */
START_TEST(paths_never_climb_out)
{
	static const struct {
		const char *path;
		int status;
	} tries[] = {
		{ "/console/static/../../etc/passwd", 404 },
		{ "/console/static/%2e%2e/%2e%2e/etc/passwd", 404 },
		{ "/console/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", 404 },
		{ "/console/static/..%2f..%2f..%2fetc%2fpasswd", 404 },
		{ "/console/static/....//....//etc/passwd", 404 },
		{ "/console/static/%00.js", 404 },
		{ "/console/../etc/passwd", 200 },
		{ "/console/%2e%2e/%2e%2e/etc/passwd", 200 },
		{ "/console/..%5c..%5cwindows%5cwin.ini", 200 },
		{ "/console/./index.html", 200 },
	};
	char req[512], resp[65536];
	int closed;

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		char want[32];
		int n = snprintf(req, sizeof(req),
				 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
				 tries[i].path);

		ck_assert_int_ge(
		    harness_raw(req, (size_t)n, (size_t)n, 0, 3000, resp, sizeof(resp), &closed),
		    0);
		snprintf(want, sizeof(want), "HTTP/1.1 %d ", tries[i].status);
		ck_assert_msg(strncmp(resp, want, strlen(want)) == 0, "%s: %.200s", tries[i].path,
			      resp);
		ck_assert_msg(!strstr(resp, "root:") && !strstr(resp, "[fonts]"), "%s: %.200s",
			      tries[i].path, resp);
		if (tries[i].status == 200)
			ck_assert_msg(strstr(resp, "/console/static/"), "%s: not index.html",
				      tries[i].path);
		ck_assert_msg(strstr(resp, "\r\nContent-Security-Policy: default-src 'self';"),
			      "%s: %.400s", tries[i].path, resp);
	}
}
END_TEST

START_TEST(metrics_count_the_console_under_one_label)
{
	const struct embedded_file *js = some_script();
	struct http_result r;
	char path[512];

	snprintf(path, sizeof(path), "/console%s", js->path);
	http_expect("GET", "/console/", NULL, NULL, 200);
	http_expect("GET", "/console/dispatch", NULL, NULL, 200);
	http_expect("GET", path, NULL, NULL, 200);
	http_expect("GET", "/console/static/nothing.js", NULL, NULL, 404);
	ck_assert_int_eq(http_get("/metrics", NULL, &r), 200);
	ck_assert_msg(strstr(r.body, "fieldtrace_http_requests_total{method=\"GET\","
				     "route=\"/console/{path}\",status=\"200\"} 3\n"),
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "fieldtrace_http_requests_total{method=\"GET\","
				     "route=\"/console/{path}\",status=\"404\"} 1\n"),
		      "%s", r.body);
	ck_assert_msg(!strstr(r.body, "/console/static") && !strstr(r.body, "/console/dispatch"),
		      "a label per file: %s", r.body);
	http_result_free(&r);
}
END_TEST

/* The API's answers keep their own policy. */
START_TEST(the_api_keeps_its_headers)
{
	struct http_result r;

	ck_assert_int_eq(http_get("/healthz", NULL, &r), 200);
	assert_header(&r, "Referrer-Policy", "no-referrer");
	ck_assert_int_eq(header_count(&r, "Content-Security-Policy"), 0);
	http_result_free(&r);
}
END_TEST

Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("console");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, index_for_the_app_and_its_deep_links);
	tcase_add_test(tc, console_without_slash_redirects);
	tcase_add_test(tc, assets_are_immutable_and_precompressed);
	tcase_add_test(tc, a_missing_asset_is_404_not_the_page);
	tcase_add_test(tc, writes_are_405);
	tcase_add_test(tc, paths_never_climb_out);
	tcase_add_test(tc, metrics_count_the_console_under_one_label);
	tcase_add_test(tc, the_api_keeps_its_headers);
	suite_add_tcase(s, tc);
	return s;
}
