/* Hostile clients (docs/RELIABILITY.md): slow connections cannot take
 * every worker, connections beyond the per-address limit are refused at
 * the handshake, and the rate limits of the expensive routes and of the QR
 * resolver answer 429 problem+json with Retry-After and reset after their
 * window (moved with the injectable clock). Each test restarts the server
 * with the limits it needs, small so that it stays quick. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "harness.h"
#include "domain/qr_code.h"
#include "lib/ratelimit.h"
#include "app.h"
#include "suites.h"

/* ---- slow clients ------------------------------------------------------- */

struct slow_conn {
	int fd;
	SSL *ssl;
};

/* A TLS connection from source that starts a request and never finishes
 * its header block. 0 when the server took it, -1 when the handshake
 * failed (refused). */
static int slow_open(SSL_CTX *ctx, const char *source, struct slow_conn *c)
{
	static const char partial[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	int one = 1;

	c->ssl = NULL;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(c->fd, 0);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, source, &sa.sin_addr);
	ck_assert_int_eq(bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa.sin_port = htons((uint16_t)H.port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	if (SSL_connect(c->ssl) != 1 ||
	    SSL_write(c->ssl, partial, (int)sizeof(partial) - 1) != (int)sizeof(partial) - 1) {
		ERR_clear_error();
		SSL_free(c->ssl);
		c->ssl = NULL;
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void slow_close(struct slow_conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
}

/* A legitimate GET /healthz from source on a new connection; returns the
 * status (0 on failure) and the seconds it took. */
static long legit_get(const char *source, double *seconds)
{
	CURL *c = curl_easy_init();
	char url[128];
	long status = 0;

	snprintf(url, sizeof(url), "%s/healthz", H.base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, harness_ca_file());
	curl_easy_setopt(c, CURLOPT_INTERFACE, source);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, seconds);
	curl_easy_cleanup(c);
	return status;
}

/* 16 workers, 4 connections per address, and slow headers may take 30 s:
 * without the limit, 16 slow connections would hold every worker for 30 s. */
static void tune_slow(struct config *cfg)
{
	cfg->threads = 16;
	cfg->conns_per_address = 4;
	cfg->request_timeout_ms = 30000;
}

#define SLOW_SOURCES 3
#define SLOW_PER_SOURCE 20

START_TEST(slow_headers_do_not_starve_other_clients)
{
	static const char *const sources[SLOW_SOURCES] = { "127.0.0.2", "127.0.0.3", "127.0.0.4" };
	struct slow_conn conns[SLOW_SOURCES * SLOW_PER_SOURCE];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int taken[SLOW_SOURCES] = { 0 };
	double took = 0;
	struct http_result r;
	char refused[64];

	harness_restart_with(tune_slow);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* 60 slow-header connections from three addresses. */
	for (int i = 0; i < SLOW_SOURCES * SLOW_PER_SOURCE; i++)
		if (slow_open(ctx, sources[i % SLOW_SOURCES], &conns[i]) == 0)
			taken[i % SLOW_SOURCES]++;
	for (int s = 0; s < SLOW_SOURCES; s++) {
		/* A refused handshake may be seen by the client only at its
		 * first read: count what the server holds, not what we wrote. */
		ck_assert_int_le(ratelimit_conn_count(sources[s]), 4);
		ck_assert_int_ge(taken[s], 1);
	}
	/* 12 of 16 workers at most are held: another client still gets in,
	 * well before the slow connections' 30 s header timeout. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(legit_get("127.0.0.9", &took), 200);
		ck_assert_msg(took < 10.0, "a legitimate request took %.1f s", took);
	}
	/* The refusals are counted. */
	ck_assert_int_eq(http_json("GET", "/metrics", NULL, NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "fieldtrace_connections_refused_total "));
	snprintf(refused, sizeof(refused), "fieldtrace_connections_refused_total 0\n");
	ck_assert_ptr_null(strstr(r.body, refused));
	http_result_free(&r);
	for (int i = 0; i < SLOW_SOURCES * SLOW_PER_SOURCE; i++)
		slow_close(&conns[i]);
	SSL_CTX_free(ctx);
}
END_TEST

START_TEST(connections_beyond_the_address_limit_are_refused)
{
	struct slow_conn conns[8];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	double took;

	harness_restart_with(tune_slow);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(slow_open(ctx, "127.0.0.5", &conns[i]), 0);
	/* The server counts a connection at its ClientHello, which it reads
	 * in its own time after the client's handshake call returned. */
	for (int i = 0; i < 100 && ratelimit_conn_count("127.0.0.5") < 4; i++)
		usleep(20000);
	ck_assert_int_eq(ratelimit_conn_count("127.0.0.5"), 4);
	/* The fifth fails its handshake (a TLS alert), so does a request. */
	ck_assert_int_eq(slow_open(ctx, "127.0.0.5", &conns[4]), -1);
	ck_assert_int_eq(legit_get("127.0.0.5", &took), 0);
	ck_assert_int_eq(ratelimit_conn_count("127.0.0.5"), 4);
	/* Once one closes, the address may connect again. */
	slow_close(&conns[0]);
	for (int i = 0; i < 250 && ratelimit_conn_count("127.0.0.5") > 3; i++)
		usleep(20000);
	ck_assert_int_eq(legit_get("127.0.0.5", &took), 200);
	for (int i = 1; i < 4; i++)
		slow_close(&conns[i]);
	SSL_CTX_free(ctx);
}
END_TEST

START_TEST(a_trickled_body_is_cut_at_its_deadline)
{
	/* 1,000 bytes announced, one sent every 250 ms (250 s in all). civetweb
	 * alone would wait for the whole read; the body deadline (2 s here)
	 * must answer 408 long before. */
	static const char head[] =
	    "POST /v1/auth/refresh HTTP/1.1\r\nHost: localhost\r\n"
	    "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct slow_conn c;
	char resp[1024];
	int got = 0;
	time_t start = time(NULL);

	signal(SIGPIPE, SIG_IGN);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)H.port);
		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		ck_assert_int_eq(connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	c.ssl = SSL_new(ctx);
	SSL_set_fd(c.ssl, c.fd);
	ck_assert_int_eq(SSL_connect(c.ssl), 1);
	ck_assert_int_eq(SSL_write(c.ssl, head, (int)sizeof(head) - 1), (int)sizeof(head) - 1);
	while (time(NULL) - start < 30) {
		struct pollfd p = { c.fd, POLLIN, 0 };

		if (poll(&p, 1, 250) > 0) {
			got = SSL_read(c.ssl, resp, (int)sizeof(resp) - 1);
			break;
		}
		if (SSL_write(c.ssl, " ", 1) != 1)
			break; /* closed: the answer is waiting to be read */
	}
	if (got <= 0)
		got = SSL_read(c.ssl, resp, (int)sizeof(resp) - 1);
	ck_assert_int_gt(got, 12);
	resp[got] = '\0';
	ck_assert_msg(strncmp(resp, "HTTP/1.1 408", 12) == 0, "got: %.80s", resp);
	/* Generous: the deadline is 2 s, the whole body would take 250 s. */
	ck_assert_int_lt(time(NULL) - start, 20);
	slow_close(&c);
	SSL_CTX_free(ctx);
}
END_TEST

/* ---- rate limits -------------------------------------------------------- */

static void tune_rates(struct config *cfg)
{
	cfg->rate_window_s = 60;
	cfg->rate_login = 2; /* per username; 8 per address */
	cfg->rate_search = 3;
	cfg->rate_import = 1;
	cfg->rate_labels = 1;
	cfg->rate_scan = 30;
	cfg->rate_scan_miss = 3;
}

/* 429 problem+json with a Retry-After of 1..window seconds. */
static void assert_limited(const struct http_result *r)
{
	char ra[32];
	long secs;

	assert_problem(r, 429, NULL);
	ck_assert_msg(http_header(r, "Retry-After", ra, sizeof(ra)), "no Retry-After");
	secs = strtol(ra, NULL, 10);
	ck_assert_int_ge(secs, 1);
	ck_assert_int_le(secs, 60);
}

START_TEST(logins_are_limited_per_username_then_reset)
{
	struct http_result r;

	harness_seed_user("ann", "technician", "SZ", "C-SZ");
	harness_restart_with(tune_rates);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(http_login("ann", TEST_PASSWORD, &r), 200);
		http_result_free(&r);
	}
	http_login("ann", TEST_PASSWORD, &r);
	assert_limited(&r);
	http_result_free(&r);
	/* After the window (the bucket refills at 2 a minute) she may again. */
	clock_set_offset(61);
	ck_assert_int_eq(http_login("ann", TEST_PASSWORD, &r), 200);
	http_result_free(&r);
	clock_set_offset(0);
}
END_TEST

START_TEST(logins_are_limited_per_address)
{
	struct http_result r;
	char user[32];

	harness_restart_with(tune_rates);
	/* 8 attempts over 8 usernames; the 9th, for yet another, is refused
	 * before its password is even hashed. */
	for (int i = 0; i < 8; i++) {
		snprintf(user, sizeof(user), "nobody%d", i);
		ck_assert_int_eq(http_login(user, "guess", &r), 401);
		http_result_free(&r);
	}
	http_login("nobody9", "guess", &r);
	assert_limited(&r);
	http_result_free(&r);
}
END_TEST

START_TEST(kb_search_is_limited_per_account)
{
	struct http_result r;
	char *tech, *other;

	harness_seed_user("bob", "technician", "SZ", "C-SZ");
	harness_seed_user("cai", "technician", "SZ", "C-SZ");
	tech = harness_login("bob");
	other = harness_login("cai");
	harness_restart_with(tune_rates); /* tokens survive: they are in the database */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(http_json("GET", "/v1/kb/search?q=breaker", tech, NULL, &r), 200);
		http_result_free(&r);
	}
	http_json("GET", "/v1/kb/search?q=breaker", tech, NULL, &r);
	assert_limited(&r);
	http_result_free(&r);
	/* Another account from the same address is not affected. */
	ck_assert_int_eq(http_json("GET", "/v1/kb/search?q=breaker", other, NULL, &r), 200);
	http_result_free(&r);
	clock_set_offset(60);
	ck_assert_int_eq(http_json("GET", "/v1/kb/search?q=breaker", tech, NULL, &r), 200);
	http_result_free(&r);
	clock_set_offset(0);
	free(tech);
	free(other);
}
END_TEST

START_TEST(imports_and_label_sheets_are_limited)
{
	static const char csv[] = "serial\n";
	struct http_result r;
	char *admin;

	harness_seed_user("dan", "admin", NULL, NULL);
	admin = harness_login("dan");
	harness_restart_with(tune_rates);
	/* Whatever the first answers (the bodies are not valid), the second
	 * within the window is 429. */
	http_call("POST", "/v1/imports/assets?dry_run=true", admin, "text/csv", csv,
		  sizeof(csv) - 1, NULL, &r);
	ck_assert_int_ne(r.status, 429);
	http_result_free(&r);
	http_call("POST", "/v1/imports/assets?dry_run=true", admin, "text/csv", csv,
		  sizeof(csv) - 1, NULL, &r);
	assert_limited(&r);
	http_result_free(&r);

	http_json("POST", "/v1/labels", admin, "{\"batch\":\"NONE\"}", &r);
	ck_assert_int_ne(r.status, 429);
	http_result_free(&r);
	http_json("POST", "/v1/labels", admin, "{\"batch\":\"NONE\"}", &r);
	assert_limited(&r);
	http_result_free(&r);

	clock_set_offset(60);
	http_json("POST", "/v1/labels", admin, "{\"batch\":\"NONE\"}", &r);
	ck_assert_int_ne(r.status, 429);
	http_result_free(&r);
	clock_set_offset(0);
	free(admin);
}
END_TEST

/* ---- QR scanning -------------------------------------------------------- */

/* One labelled asset; its code into code. */
static void seed_labelled_asset(char code[QR_CODE_MAX])
{
	exec_sql("INSERT INTO product_lines(code, name, name_en) VALUES ('PD', 'PD', 'Power');"
		 "INSERT INTO models(id, code, name, product_line, gtin, created_at, updated_at)"
		 " VALUES (1, 'PX-100', 'PX', 'PD', NULL, 0, 0);"
		 "INSERT INTO customers(id, code, name, tier, region_code, created_at,"
		 " updated_at) VALUES (1, 'C1', 'C', 'A', 'SZ', 0, 0);"
		 "INSERT INTO sites(id, customer_id, code, name, address, region_code,"
		 " created_at, updated_at) VALUES (1, 1, 'S1', 'S', 'A', 'SZ', 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, batch, site_id, customer_id,"
		 " region_path, created_at, updated_at)"
		 " VALUES (1, 'FT-1', 1, 'B1', 1, 1, '/CN/GD/SZ/', 0, 0);"
		 "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (1, 1, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0);");
	ck_assert_int_eq(qr_label_code(H.db, 1, code), ERR_OK);
}

static long scan(const char *code, struct http_result *r)
{
	static const char *const accept[] = { "Accept: application/json", NULL };
	char path[256];

	snprintf(path, sizeof(path), "/id/%s", code);
	return http_call("GET", path, NULL, NULL, NULL, 0, accept, r);
}

START_TEST(a_technician_scanning_normally_is_never_limited)
{
	char code[QR_CODE_MAX];
	struct http_result r;

	seed_labelled_asset(code);
	harness_restart_with(tune_rates);
	/* 30 scans a minute allowed; scanning a label every 5 s for 12
	 * minutes (the clock moves 5 s each time) is never refused. */
	for (int i = 0; i < 144; i++) {
		clock_set_offset(i * 5);
		ck_assert_int_eq(scan(code, &r), 200);
		http_result_free(&r);
	}
	clock_set_offset(0);
}
END_TEST

START_TEST(scanning_unknown_codes_is_throttled)
{
	char code[QR_CODE_MAX], forged[QR_CODE_MAX + 8];
	struct http_result r;

	seed_labelled_asset(code);
	harness_restart_with(tune_rates);
	/* Three forged codes (the real one with its last character changed)
	 * are 404s (or 400s, malformed); then the address may not resolve anything, even the real
	 * code, until the window has refilled. */
	for (int i = 0; i < 3; i++) {
		snprintf(forged, sizeof(forged), "%s", code);
		forged[strlen(forged) - 1] =
		    forged[strlen(forged) - 1] == 'A' + i ? 'z' : (char)('A' + i);
		scan(forged, &r);
		ck_assert_msg(r.status == 404 || r.status == 400, "forged: %ld", r.status);
		http_result_free(&r);
	}
	scan(code, &r);
	assert_limited(&r);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/01/09506000134352/21/NOPE", NULL, NULL, &r), 429);
	http_result_free(&r);
	clock_set_offset(60);
	ck_assert_int_eq(scan(code, &r), 200);
	http_result_free(&r);
	clock_set_offset(0);
}
END_TEST

START_TEST(scanning_many_codes_is_throttled)
{
	char code[QR_CODE_MAX];
	struct http_result r;
	int ok = 0;

	seed_labelled_asset(code);
	harness_restart_with(tune_rates);
	/* 30 per window per address, all valid: the 31st waits. */
	for (int i = 0; i < 31; i++) {
		scan(code, &r);
		if (r.status == 200)
			ok++;
		else
			assert_limited(&r);
		http_result_free(&r);
	}
	ck_assert_int_eq(ok, 30);
}
END_TEST

START_TEST(limits_are_configurable_and_zero_turns_them_off)
{
	struct config cfg;
	char err[128];

	config_defaults(&cfg);
	ck_assert_int_eq(cfg.conns_per_address, 16);
	ck_assert_int_eq(config_set(&cfg, "rate-login", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&cfg, "conns_per_address", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&cfg, "rate-window-s", "0", err, sizeof(err)), -1);
	ck_assert_int_eq(cfg.rate_login, 0);
	ck_assert_int_eq(cfg.conns_per_address, 0);
}
END_TEST

Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *slow = tcase_create("slow clients");
	TCase *rates = tcase_create("rate limits");

	tcase_add_checked_fixture(slow, harness_setup, harness_teardown);
	tcase_set_timeout(slow, 60);
	tcase_add_test(slow, slow_headers_do_not_starve_other_clients);
	tcase_add_test(slow, connections_beyond_the_address_limit_are_refused);
	tcase_add_test(slow, a_trickled_body_is_cut_at_its_deadline);
	suite_add_tcase(s, slow);

	tcase_add_checked_fixture(rates, harness_setup, harness_teardown);
	tcase_add_test(rates, logins_are_limited_per_username_then_reset);
	tcase_add_test(rates, logins_are_limited_per_address);
	tcase_add_test(rates, kb_search_is_limited_per_account);
	tcase_add_test(rates, imports_and_label_sheets_are_limited);
	tcase_add_test(rates, a_technician_scanning_normally_is_never_limited);
	tcase_add_test(rates, scanning_unknown_codes_is_throttled);
	tcase_add_test(rates, scanning_many_codes_is_throttled);
	tcase_add_test(rates, limits_are_configurable_and_zero_turns_them_off);
	suite_add_tcase(s, rates);
	return s;
}
