/* Notifications and webhooks through the real stack: the outbox written in
 * the producer's transaction (and gone with its rollback); in-app
 * notifications read and marked by their owner only; webhook endpoints
 * admins register (https only, SSRF refused, secret shown once); and
 * deliveries to a real local HTTPS receiver (a second civetweb on the dev
 * certificate) that checks every signature, fails on purpose and sees the
 * retries as the clock moves: exponential backoff, delivery after
 * failures, dead letters after N tries and a retry by hand. */
#include <arpa/inet.h>
#include <civetweb.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "db/db.h"
#include "harness.h"
#include "domain/notify.h"
#include "suites.h"
#include "domain/webhooks.h"

/* ---- helpers ------------------------------------------------------------- */

/* Runs the delivery job at t, with the clock moved there too, then puts
 * the clock back so the test's access tokens (minutes long) still work
 * when it asks the API what happened. */
static void run_at(int64_t t)
{
	clock_set_offset(t - (int64_t)time(NULL));
	ck_assert_int_eq(webhooks_deliver_run(H.db, t), ERR_OK);
	clock_set_offset(0);
}

static void emit(const char *type, const char *payload_json)
{
	json_t *payload = json_loads(payload_json, 0, NULL);

	ck_assert_ptr_nonnull(payload);
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(notify_event(H.db, type, NULL, payload), ERR_OK);
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	json_decref(payload);
}

/* ---- the receiver -------------------------------------------------------- */

/* A second HTTPS server in the test process, on the dev certificate. Path
 * /hook answers 500 to its first fail_first requests, then 200; /fail
 * answers 500 until fail_forever is cleared. Every request's signature is
 * checked against secret. */
struct receiver {
	struct mg_context *ctx;
	int port;  /* on 127.0.0.1, which the certificate names */
	int port2; /* on 127.0.0.2, which it does not */
	pthread_mutex_t mu;
	char secret[80];
	int fail_first;
	int fail_forever;
	int hook_hits;
	int fail_hits;
	int bad_signatures;
	char last_event[64];
	char last_delivery[32];
	char last_timestamp[32];
	char last_body[4096];
};
static struct receiver R;

static int receiver_tls(void *ssl_ctx, void *user_data)
{
	SSL_CTX *ctx = ssl_ctx;

	(void)user_data;
	if (SSL_CTX_use_certificate_chain_file(ctx, harness_cert_file()) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, harness_key_file(), SSL_FILETYPE_PEM) != 1)
		return -1;
	return 1;
}

static int signature_ok(const char *secret, const char *ts, const char *body, size_t len,
			const char *header)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char msg[8192], want[2 * EVP_MAX_MD_SIZE + 8];
	int n = snprintf(msg, sizeof(msg), "%s.%.*s", ts, (int)len, body);

	if (n < 0 || (size_t)n >= sizeof(msg) || !header)
		return 0;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, (size_t)n, mac,
	     &mac_len);
	n = snprintf(want, sizeof(want), "sha256=");
	for (unsigned int i = 0; i < mac_len; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "%02x", mac[i]);
	return strcmp(want, header) == 0;
}

static int receiver_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *ts = mg_get_header(conn, "X-Fieldtrace-Timestamp");
	const char *sig = mg_get_header(conn, "X-Fieldtrace-Signature");
	const char *event = mg_get_header(conn, "X-Fieldtrace-Event");
	const char *delivery = mg_get_header(conn, "X-Fieldtrace-Delivery");
	char body[4096];
	size_t len = 0;
	int n, status;

	while (len < sizeof(body) - 1 &&
	       (n = mg_read(conn, body + len, sizeof(body) - 1 - len)) > 0)
		len += (size_t)n;
	body[len] = '\0';
	pthread_mutex_lock(&R.mu);
	if (!ts || !signature_ok(R.secret, ts, body, len, sig)) {
		R.bad_signatures++;
		status = 401;
	} else if (strcmp(ri->local_uri, "/fail") == 0) {
		R.fail_hits++;
		status = R.fail_forever ? 500 : 200;
	} else {
		R.hook_hits++;
		status = R.hook_hits <= R.fail_first ? 500 : 200;
	}
	snprintf(R.last_event, sizeof(R.last_event), "%s", event ? event : "");
	snprintf(R.last_delivery, sizeof(R.last_delivery), "%s", delivery ? delivery : "");
	snprintf(R.last_timestamp, sizeof(R.last_timestamp), "%s", ts ? ts : "");
	memcpy(R.last_body, body, len + 1);
	pthread_mutex_unlock(&R.mu);
	mg_printf(conn, "HTTP/1.1 %d Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		  status);
	return status;
}

static void receiver_start(void)
{
	const char *options[] = { "listening_ports", "127.0.0.1:0s,127.0.0.2:0s", "num_threads",
				  "2", NULL };
	struct mg_callbacks cb;
	struct mg_server_port ports[2];

	memset(&R, 0, sizeof(R));
	pthread_mutex_init(&R.mu, NULL);
	mg_init_library(MG_FEATURES_TLS);
	memset(&cb, 0, sizeof(cb));
	cb.begin_request = receiver_request;
	cb.init_ssl = receiver_tls;
	R.ctx = mg_start(&cb, NULL, options);
	ck_assert_ptr_nonnull(R.ctx);
	memset(ports, 0, sizeof(ports));
	ck_assert_int_eq(mg_get_server_ports(R.ctx, 2, ports), 2);
	R.port = ports[0].port;
	R.port2 = ports[1].port;
	/* The dev CA signs the receiver's certificate. */
	setenv("FIELDTRACE_WEBHOOK_CA", harness_ca_file(), 1);
}

static void receiver_stop(void)
{
	mg_stop(R.ctx);
	mg_exit_library();
	pthread_mutex_destroy(&R.mu);
}

static int hook_hits(void)
{
	int n;

	pthread_mutex_lock(&R.mu);
	n = R.hook_hits;
	pthread_mutex_unlock(&R.mu);
	return n;
}

static int fail_hits(void)
{
	int n;

	pthread_mutex_lock(&R.mu);
	n = R.fail_hits;
	pthread_mutex_unlock(&R.mu);
	return n;
}

/* Registers an endpoint; returns its id and keeps its secret in R. */
static int64_t register_endpoint(const char *admin, const char *path, const char *types)
{
	struct http_result r;
	char body[512];
	int64_t id;

	snprintf(body, sizeof(body),
		 "{\"url\":\"https://localhost:%d%s\",\"event_types\":%s,\"allow_private\":true}",
		 R.port, path, types);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin, body, &r), 201);
	ck_assert_uint_eq(strlen(jstr(r.json, "secret")), 64);
	pthread_mutex_lock(&R.mu);
	snprintf(R.secret, sizeof(R.secret), "%s", jstr(r.json, "secret"));
	pthread_mutex_unlock(&R.mu);
	id = jint(r.json, "id");
	http_result_free(&r);
	return id;
}

/* The only delivery of endpoint id (asserts there is exactly one). */
static json_t *only_delivery(const char *admin, int64_t id, const char *status)
{
	struct http_result r;
	char path[96];
	json_t *d;

	snprintf(path, sizeof(path), "/v1/webhooks/%lld/deliveries%s%s", (long long)id,
		 status ? "?status=" : "", status ? status : "");
	ck_assert_int_eq(http_json("GET", path, admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	d = json_incref(json_array_get(json_object_get(r.json, "items"), 0));
	http_result_free(&r);
	return d;
}

static int64_t time_of(const json_t *d, const char *key)
{
	int64_t t = 0;

	ck_assert_ptr_nonnull(jstr(d, key));
	ck_assert_int_eq(clock_parse(jstr(d, key), &t), 0);
	return t;
}

/* ---- webhooks: delivery -------------------------------------------------- */

START_TEST(delivery_backs_off_then_succeeds_with_a_valid_signature)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t ep, t0;
	json_t *d, *body;

	receiver_start();
	R.fail_first = 2;
	ep = register_endpoint(admin, "/hook", "[\"ticket.created\"]");
	emit("ticket.created", "{\"ticket_id\":7,\"number\":\"T-7\"}");
	emit("warranty.renewed", "{\"asset_id\":1}"); /* not subscribed: no delivery */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_deliveries"), 1);
	t0 = clock_now(); /* the delivery is due from when it was queued */

	/* Attempt 1 fails: next in base seconds. */
	run_at(t0);
	ck_assert_int_eq(hook_hits(), 1);
	d = only_delivery(admin, ep, "pending");
	ck_assert_int_eq(jint(d, "attempts"), 1);
	ck_assert_int_eq(jint(d, "last_status"), 500);
	ck_assert_int_eq(time_of(d, "next_attempt_at"), t0 + WEBHOOK_BACKOFF_BASE_S);
	json_decref(d);

	/* Not due a second early. */
	run_at(t0 + WEBHOOK_BACKOFF_BASE_S - 1);
	ck_assert_int_eq(hook_hits(), 1);

	/* Attempt 2 fails: the wait doubles. */
	run_at(t0 + WEBHOOK_BACKOFF_BASE_S);
	ck_assert_int_eq(hook_hits(), 2);
	d = only_delivery(admin, ep, "pending");
	ck_assert_int_eq(jint(d, "attempts"), 2);
	ck_assert_int_eq(time_of(d, "next_attempt_at"),
			 t0 + WEBHOOK_BACKOFF_BASE_S + 2 * WEBHOOK_BACKOFF_BASE_S);
	json_decref(d);
	run_at(t0 + 3 * WEBHOOK_BACKOFF_BASE_S - 1);
	ck_assert_int_eq(hook_hits(), 2);

	/* Attempt 3 is answered 200: delivered, and never sent again. */
	run_at(t0 + 3 * WEBHOOK_BACKOFF_BASE_S);
	ck_assert_int_eq(hook_hits(), 3);
	d = only_delivery(admin, ep, "delivered");
	ck_assert_int_eq(jint(d, "attempts"), 3);
	ck_assert_int_eq(jint(d, "last_status"), 200);
	ck_assert_int_eq(time_of(d, "delivered_at"), t0 + 3 * WEBHOOK_BACKOFF_BASE_S);
	ck_assert(json_is_null(json_object_get(d, "next_attempt_at")));
	run_at(t0 + 100000);
	ck_assert_int_eq(hook_hits(), 3);

	/* What the receiver saw: a good signature every time, the headers,
	 * and the body {"id", "type", "created_at", "data"}. */
	pthread_mutex_lock(&R.mu);
	ck_assert_int_eq(R.bad_signatures, 0);
	ck_assert_str_eq(R.last_event, "ticket.created");
	ck_assert_int_eq(atoll(R.last_delivery), jint(d, "id"));
	ck_assert_int_eq(atoll(R.last_timestamp), t0 + 3 * WEBHOOK_BACKOFF_BASE_S);
	body = json_loads(R.last_body, 0, NULL);
	pthread_mutex_unlock(&R.mu);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(jstr(body, "type"), "ticket.created");
	ck_assert_int_eq(strncmp(jstr(body, "id"), "evt_", 4), 0);
	ck_assert_ptr_nonnull(jstr(body, "created_at"));
	ck_assert_int_eq(jint(json_object_get(body, "data"), "ticket_id"), 7);
	ck_assert(json_equal(body, json_object_get(d, "payload")));
	json_decref(body);
	json_decref(d);
	receiver_stop();
	free(admin);
}
END_TEST

START_TEST(backoff_doubles_up_to_its_cap)
{
	ck_assert_int_eq(webhooks_backoff(1), WEBHOOK_BACKOFF_BASE_S);
	ck_assert_int_eq(webhooks_backoff(2), 2 * WEBHOOK_BACKOFF_BASE_S);
	ck_assert_int_eq(webhooks_backoff(3), 4 * WEBHOOK_BACKOFF_BASE_S);
	ck_assert_int_eq(webhooks_backoff(40), WEBHOOK_BACKOFF_MAX_S);
}
END_TEST

START_TEST(dead_after_max_attempts_then_retried_by_hand)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *sup = harness_user_token("sup1", "supervisor", "GD", NULL);
	int64_t ep, id, t;
	struct http_result r;
	char path[96];
	json_t *d;

	receiver_start();
	R.fail_forever = 1;
	ep = register_endpoint(admin, "/fail", "[\"*\"]");
	emit("warranty.renewed", "{\"asset_id\":3}");
	t = clock_now();
	for (int i = 1; i <= WEBHOOK_MAX_ATTEMPTS; i++) {
		run_at(t);
		ck_assert_int_eq(fail_hits(), i);
		t += webhooks_backoff(i);
	}
	d = only_delivery(admin, ep, "dead");
	ck_assert_int_eq(jint(d, "attempts"), WEBHOOK_MAX_ATTEMPTS);
	ck_assert_int_eq(jint(d, "last_status"), 500);
	ck_assert_str_eq(jstr(d, "last_error"), "answered HTTP 500");
	id = jint(d, "id");
	json_decref(d);
	/* Dead letters are not sent again. */
	run_at(t + 100000);
	ck_assert_int_eq(fail_hits(), WEBHOOK_MAX_ATTEMPTS);

	/* Retry: an admin's endpoint's by admins only (unknown to an owner of
	 * his own); only a dead one. */
	snprintf(path, sizeof(path), "/v1/webhooks/deliveries/%lld/retry", (long long)id);
	ck_assert_int_eq(http_json("POST", path, sup, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", path, admin, NULL, &r), 200);
	ck_assert_str_eq(jstr(r.json, "status"), "pending");
	ck_assert_int_eq(jint(r.json, "attempts"), 0);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", path, admin, NULL, &r), 409);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks/deliveries/999999/retry", admin, NULL, &r),
			 404);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log"
				    " WHERE action = 'webhook.delivery.retry'"),
			 1);

	pthread_mutex_lock(&R.mu);
	R.fail_forever = 0;
	pthread_mutex_unlock(&R.mu);
	run_at(clock_now());
	ck_assert_int_eq(fail_hits(), WEBHOOK_MAX_ATTEMPTS + 1);
	d = only_delivery(admin, ep, "delivered");
	ck_assert_int_eq(jint(d, "attempts"), 1);
	json_decref(d);
	pthread_mutex_lock(&R.mu);
	ck_assert_int_eq(R.bad_signatures, 0);
	pthread_mutex_unlock(&R.mu);
	receiver_stop();
	free(admin);
	free(sup);
}
END_TEST

START_TEST(unreachable_and_inactive_endpoints)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct http_result r;
	char path[64];
	int64_t ep, t;
	json_t *d;

	/* Nothing listens on port 1: a failed attempt, backed off. */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin,
				   "{\"url\":\"https://127.0.0.1:1/x\",\"event_types\":[\"*\"],"
				   "\"allow_private\":true}",
				   &r),
			 201);
	ep = jint(r.json, "id");
	http_result_free(&r);
	emit("ticket.created", "{}");
	t = clock_now();
	run_at(t);
	d = only_delivery(admin, ep, "pending");
	ck_assert_int_eq(jint(d, "attempts"), 1);
	ck_assert(json_is_null(json_object_get(d, "last_status")));
	ck_assert_ptr_nonnull(strstr(jstr(d, "last_error"), "could not connect"));
	json_decref(d);

	/* A paused endpoint gets new events queued but none sent. */
	snprintf(path, sizeof(path), "/v1/webhooks/%lld", (long long)ep);
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"active\":false}", &r), 200);
	http_result_free(&r);
	run_at(t + 100000);
	d = only_delivery(admin, ep, "pending");
	ck_assert_int_eq(jint(d, "attempts"), 1);
	json_decref(d);
	emit("ticket.created", "{}"); /* inactive: nothing queued */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_deliveries"), 1);
	free(admin);
}
END_TEST

/* A peer that accepts the connection and never speaks holds the job no
 * longer than the exchange deadline. */
START_TEST(a_silent_receiver_times_out)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct http_result r;
	char body[256];
	int64_t ep, t0;
	json_t *d;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0); /* the kernel accepts; nobody answers */
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(body, sizeof(body),
		 "{\"url\":\"https://127.0.0.1:%d/h\",\"event_types\":[\"*\"],"
		 "\"allow_private\":true}",
		 ntohs(sa.sin_port));
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin, body, &r), 201);
	ep = jint(r.json, "id");
	http_result_free(&r);
	emit("ticket.created", "{}");
	t0 = (int64_t)time(NULL);
	run_at(clock_now());
	ck_assert_int_le((int64_t)time(NULL) - t0, WEBHOOK_EXCHANGE_TIMEOUT_MS / 1000 + 2);
	d = only_delivery(admin, ep, "pending");
	ck_assert_int_eq(jint(d, "attempts"), 1);
	ck_assert_str_eq(jstr(d, "last_error"), "TLS handshake timed out");
	json_decref(d);
	close(fd);
	free(admin);
}
END_TEST

/* Registered with allow_private=false, an endpoint whose host resolves to a
 * private address is refused at delivery as well (the row is written
 * directly: the API would refuse to store it). */
START_TEST(delivery_rechecks_the_address)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *err = NULL;
	json_t *d;

	receiver_start();
	if (sqlite3_exec(
		db_handle(H.db),
		"INSERT INTO webhook_endpoints(id, url, secret, event_types, allow_private,"
		" created_at, updated_at) VALUES (5, 'https://localhost:9/hook', 'k',"
		" '[\"*\"]', 0, 0, 0)",
		NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("%s", err);
	emit("ticket.created", "{}");
	run_at(clock_now());
	ck_assert_int_eq(hook_hits(), 0);
	d = only_delivery(admin, 5, "pending");
	ck_assert_int_eq(jint(d, "attempts"), 1);
	ck_assert_ptr_nonnull(strstr(jstr(d, "last_error"), "resolves to"));
	json_decref(d);
	receiver_stop();
	free(admin);
}
END_TEST

/* The receiver's certificate must chain to a trusted CA and name the host
 * the URL names. */
START_TEST(tls_certificate_and_name_are_verified)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct http_result r;
	char body[256];
	int64_t ep, ep2;
	json_t *d;

	receiver_start();
	ep = register_endpoint(admin, "/hook", "[\"ticket.created\"]");
	snprintf(body, sizeof(body),
		 "{\"url\":\"https://127.0.0.2:%d/hook\",\"event_types\":[\"warranty.renewed\"],"
		 "\"allow_private\":true}",
		 R.port2);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin, body, &r), 201);
	ep2 = jint(r.json, "id");
	http_result_free(&r);

	/* Without the dev CA the chain is untrusted. */
	unsetenv("FIELDTRACE_WEBHOOK_CA");
	emit("ticket.created", "{}");
	run_at(clock_now());
	ck_assert_int_eq(hook_hits(), 0);
	d = only_delivery(admin, ep, "pending");
	ck_assert_msg(strstr(jstr(d, "last_error"), "certificate") != NULL, "%s",
		      jstr(d, "last_error"));
	json_decref(d);

	/* With it, a certificate for 127.0.0.1 does not do for 127.0.0.2. */
	setenv("FIELDTRACE_WEBHOOK_CA", harness_ca_file(), 1);
	emit("warranty.renewed", "{}");
	run_at(clock_now());
	ck_assert_int_eq(hook_hits(), 0);
	d = only_delivery(admin, ep2, "pending");
	ck_assert_msg(strstr(jstr(d, "last_error"), "mismatch") != NULL, "%s",
		      jstr(d, "last_error"));
	json_decref(d);
	receiver_stop();
	free(admin);
}
END_TEST

/* ---- webhooks: registration ---------------------------------------------- */

START_TEST(ssrf_targets_and_bad_urls_are_refused_naming_url)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	static const char *const urls[] = {
		"https://127.0.0.1/hook",
		"https://127.1.2.3:8443/hook",
		"https://10.0.0.5/hook",
		"https://192.168.1.10/hook",
		"https://172.16.4.4/hook",
		"https://169.254.169.254/latest/meta-data",
		"https://100.64.0.1/hook",
		"https://0.0.0.0/hook",
		"https://224.0.0.1/hook",
		"https://[::1]/hook",
		"https://[::]/hook",
		"https://[fe80::1]/hook",
		"https://[fd00::1]/hook",
		"https://[::ffff:127.0.0.1]/hook",
		"https://[::ffff:10.0.0.1]/hook",
		"https://localhost/hook",
		"https://0x7f000001/hook",
		"https://2130706433/hook",
		"http://example.com/hook",
		"ftp://example.com/hook",
		"https://user:pw@example.com/hook",
		"https:///hook",
		"https://example.com:99999/hook",
		"https://example.com/a b",
		"https://example.com/#frag",
		"https://exa_mple.com/",
		"https://[::1/hook",
		"",
		NULL,
	};
	struct http_result r;
	char body[512];

	for (size_t i = 0; urls[i]; i++) {
		snprintf(body, sizeof(body), "{\"url\":\"%s\",\"event_types\":[\"*\"]}", urls[i]);
		ck_assert_msg(http_json("POST", "/v1/webhooks", admin, body, &r) == 400, "%s: %ld",
			      urls[i], r.status);
		assert_problem(&r, 400, "/url");
		http_result_free(&r);
	}
	/* Types are checked too, each named, in the same answer. */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin,
				   "{\"url\":\"http://x\",\"event_types\":[\"ticket.created\","
				   "\"no.such\",\"ticket.created\"]}",
				   &r),
			 400);
	assert_problem(&r, 400, "/url");
	assert_problem(&r, 400, "/event_types/1");
	assert_problem(&r, 400, "/event_types/2");
	http_result_free(&r);
	ck_assert_int_eq(
	    http_json("POST", "/v1/webhooks", admin,
		      "{\"url\":\"https://127.0.0.1/\",\"event_types\":[7,\"*\",\"*\"],"
		      "\"allow_private\":true}",
		      &r),
	    400);
	assert_problem(&r, 400, "/event_types/0");
	assert_problem(&r, 400, "/event_types/2");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin,
				   "{\"url\":\"https://127.0.0.1/\",\"event_types\":[]}", &r),
			 400);
	assert_problem(&r, 400, "/event_types");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin,
				   "{\"url\":\"https://127.0.0.1/\",\"event_types\":[\"*\"],"
				   "\"allow_private\":\"yes\",\"extra\":1}",
				   &r),
			 400);
	assert_problem(&r, 400, "/allow_private");
	assert_problem(&r, 400, "/extra");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin, "{\"event_types\":[\"*\"]}", &r),
			 400);
	assert_problem(&r, 400, "/url");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_endpoints"), 0);

	/* Explicitly allowed, a private target is accepted. */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin,
				   "{\"url\":\"https://[::1]:8443/x?y=1\",\"event_types\":[\"*\"],"
				   "\"allow_private\":true}",
				   &r),
			 201);
	ck_assert_int_eq(json_is_true(json_object_get(r.json, "allow_private")), 1);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(addresses_are_classified)
{
	static const struct {
		const char *ip;
		int forbidden;
	} cases[] = {
		{ "8.8.8.8", 0 },
		{ "1.1.1.1", 0 },
		{ "100.63.255.255", 0 },
		{ "100.128.0.0", 0 },
		{ "172.32.0.1", 0 },
		{ "2001:4860::8888", 0 },
		{ "::ffff:8.8.8.8", 0 },
		{ "127.0.0.1", 1 },
		{ "10.255.0.1", 1 },
		{ "100.64.0.1", 1 },
		{ "100.127.255.255", 1 },
		{ "172.31.255.255", 1 },
		{ "192.168.0.1", 1 },
		{ "169.254.0.1", 1 },
		{ "0.0.0.0", 1 },
		{ "255.255.255.255", 1 },
		{ "239.1.1.1", 1 },
		{ "::", 1 },
		{ "::1", 1 },
		{ "fe80::1", 1 },
		{ "fc00::1", 1 },
		{ "fdff::1", 1 },
		{ "ff02::1", 1 },
		{ "::ffff:127.0.0.1", 1 },
		{ "::ffff:192.168.1.1", 1 },
		{ "::127.0.0.1", 1 },
		{ "64:ff9b::a00:1", 1 },
		{ "2002:a00:1::", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		if (strchr(cases[i].ip, ':')) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			ck_assert_int_eq(inet_pton(AF_INET6, cases[i].ip, &s6->sin6_addr), 1);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			ck_assert_int_eq(inet_pton(AF_INET, cases[i].ip, &s4->sin_addr), 1);
		}
		ck_assert_msg(webhook_addr_forbidden((struct sockaddr *)&ss) == cases[i].forbidden,
			      "%s", cases[i].ip);
	}
}
END_TEST

START_TEST(admin_endpoints_are_hidden_from_owners_and_secrets_never_listed)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *sup = harness_user_token("sup1", "supervisor", "GD", NULL);
	char *aud = harness_user_token("aud1", "auditor", NULL, NULL);
	struct http_result r;
	char secret[80], path[64];
	int64_t id;

	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"https://127.0.0.1/\",\"event_types\":[\"*\"],"
				   "\"allow_private\":true}",
				   &r),
			 403);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/webhooks", aud, NULL, &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/webhooks", NULL, NULL, &r), 401);
	http_result_free(&r);

	ck_assert_int_eq(
	    http_json("POST", "/v1/webhooks", admin,
		      "{\"url\":\"https://127.0.0.1:9/h\",\"event_types\":"
		      "[\"ticket.created\",\"ticket.escalated\"],\"allow_private\":true}",
		      &r),
	    201);
	snprintf(secret, sizeof(secret), "%s", jstr(r.json, "secret"));
	ck_assert_uint_eq(strlen(secret), 64);
	ck_assert_uint_eq(strspn(secret, "0123456789abcdef"), 64);
	id = jint(r.json, "id");
	ck_assert_int_eq(json_is_true(json_object_get(r.json, "active")), 1);
	http_result_free(&r);

	ck_assert_int_eq(http_json("GET", "/v1/webhooks", admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_ptr_null(strstr(r.body, secret));
	ck_assert_ptr_null(
	    json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "secret"));
	http_result_free(&r);

	/* An admin's endpoint is unknown to an owner of his own. */
	snprintf(path, sizeof(path), "/v1/webhooks/%lld", (long long)id);
	ck_assert_int_eq(http_json("PATCH", path, sup, "{\"active\":false}", &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"event_types\":[\"nope\"]}", &r), 400);
	assert_problem(&r, 400, "/event_types/0");
	http_result_free(&r);
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"url\":\"https://x.example/\"}", &r),
			 400);
	assert_problem(&r, 400, "/url");
	http_result_free(&r);
	ck_assert_int_eq(http_json("PATCH", path, admin,
				   "{\"active\":false,\"event_types\":[\"warranty.expiring\"]}",
				   &r),
			 200);
	ck_assert_int_eq(json_is_false(json_object_get(r.json, "active")), 1);
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(r.json, "event_types"), 0)),
	    "warranty.expiring");
	ck_assert_ptr_null(strstr(r.body, secret));
	http_result_free(&r);
	ck_assert_int_eq(http_json("PATCH", "/v1/webhooks/999", admin, "{\"active\":true}", &r),
			 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/webhooks/999/deliveries", admin, NULL, &r), 404);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/webhooks/%lld/deliveries?status=lost", (long long)id);
	ck_assert_int_eq(http_json("GET", path, admin, NULL, &r), 400);
	assert_problem(&r, 400, "status");
	http_result_free(&r);
	/* Found by tests/fuzz/fuzz_cursor.c: strtoll took "+1" (KzE) and
	 * " 1" (IDE), cursors the server never writes. */
	snprintf(path, sizeof(path), "/v1/webhooks/%lld/deliveries?cursor=KzE", (long long)id);
	ck_assert_int_eq(http_json("GET", path, admin, NULL, &r), 400);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/webhooks?cursor=IDE", admin, NULL, &r), 400);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);

	snprintf(path, sizeof(path), "/v1/webhooks/%lld", (long long)id);
	ck_assert_int_eq(http_json("DELETE", path, sup, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("DELETE", path, admin, NULL, &r), 204);
	http_result_free(&r);
	ck_assert_int_eq(http_json("DELETE", path, admin, NULL, &r), 404);
	http_result_free(&r);

	/* Every write audited; the secret in none of it. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action IN"
				    " ('webhook.create', 'webhook.update', 'webhook.delete')"),
			 3);
	{
		sqlite3_stmt *st;

		ck_assert_int_eq(
		    sqlite3_prepare_v2(db_handle(H.db),
				       "SELECT count(*) FROM audit_log WHERE"
				       " instr(coalesce(before, '') || coalesce(after, ''),"
				       " ?1) > 0",
				       -1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_text(st, 1, secret, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
	}
	free(admin);
	free(sup);
	free(aud);
}
END_TEST

/* ---- webhooks: endpoints of non-admin integrations ----------------------- */

/* A public address, so an owner (no allow_private) may register it; no
 * test here sends to it. */
#define PUBLIC_URL "https://1.1.1.1/hook"

/* Registers an endpoint for types as token's owner; returns its id. */
static int64_t own_endpoint(const char *token, const char *types, json_t **doc)
{
	struct http_result r;
	char body[512];
	int64_t id;

	snprintf(body, sizeof(body), "{\"url\":\"%s\",\"event_types\":%s}", PUBLIC_URL, types);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", token, body, &r), 201);
	ck_assert_uint_eq(strlen(jstr(r.json, "secret")), 64);
	id = jint(r.json, "id");
	if (doc)
		*doc = json_incref(r.json);
	http_result_free(&r);
	return id;
}

/* One event at a place (region_path NULL: national). */
static void emit_at(const char *type, const char *region_path, const char *centre, int registry)
{
	struct notify_scope where = { region_path, centre, registry };
	json_t *payload = json_pack("{s:s}", "what", type);

	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(notify_event(H.db, type, region_path ? &where : NULL, payload), ERR_OK);
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	json_decref(payload);
}

static int64_t deliveries_of(int64_t endpoint)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = %lld",
		 (long long)endpoint);
	return count_rows(sql);
}

static const char *scope_str(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, "scope"), key));
}

START_TEST(owner_endpoints_get_only_their_scope)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *disp_sz = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *disp_gz = harness_user_token("disp.gz", "dispatcher", "GZ", "C-GZ");
	char *sup_gd = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	int64_t ep_admin, ep_sz, ep_gz, ep_gd;
	struct http_result r;
	json_t *doc;

	ep_admin = own_endpoint(admin, "[\"*\"]", &doc);
	ck_assert(json_is_null(json_object_get(doc, "owner_id")));
	ck_assert(json_is_null(json_object_get(doc, "scope")));
	json_decref(doc);
	ep_sz = own_endpoint(disp_sz, "[\"ticket.created\",\"warranty.expiring\"]", &doc);
	ck_assert_int_eq(jint(doc, "owner_id"), harness_user_id("disp.sz"));
	ck_assert_str_eq(scope_str(doc, "centre"), "C-SZ");
	ck_assert(json_is_null(json_object_get(json_object_get(doc, "scope"), "region_path")));
	ck_assert_str_eq(scope_str(doc, "warranty_region_path"), "/CN/GD/SZ/");
	ck_assert(json_is_true(json_object_get(json_object_get(doc, "scope"), "in_force")));
	json_decref(doc);
	ep_gz = own_endpoint(disp_gz, "[\"ticket.created\",\"warranty.expiring\"]", NULL);
	ep_gd = own_endpoint(sup_gd,
			     "[\"ticket.created\",\"warranty.expiring\",\"problem.opened\"]", &doc);
	ck_assert_str_eq(scope_str(doc, "region_path"), "/CN/GD/");
	ck_assert(json_is_null(json_object_get(json_object_get(doc, "scope"), "centre")));
	json_decref(doc);

	/* A Shenzhen ticket at C-SZ: its centre's dispatcher, the province's
	 * supervisor and the admin; not Guangzhou's dispatcher. */
	emit_at("ticket.created", "/CN/GD/SZ/", "C-SZ", 0);
	ck_assert_int_eq(deliveries_of(ep_admin), 1);
	ck_assert_int_eq(deliveries_of(ep_sz), 1);
	ck_assert_int_eq(deliveries_of(ep_gz), 0);
	ck_assert_int_eq(deliveries_of(ep_gd), 1);
	/* A Shenzhen ticket routed to C-GZ is C-GZ's dispatcher's. */
	emit_at("ticket.created", "/CN/GD/SZ/", "C-GZ", 0);
	ck_assert_int_eq(deliveries_of(ep_sz), 1);
	ck_assert_int_eq(deliveries_of(ep_gz), 1);
	ck_assert_int_eq(deliveries_of(ep_gd), 2);
	/* Not yet routed: no centre's, still the region's. */
	emit_at("ticket.created", "/CN/GD/SZ/", NULL, 0);
	ck_assert_int_eq(deliveries_of(ep_sz), 1);
	ck_assert_int_eq(deliveries_of(ep_gz), 1);
	ck_assert_int_eq(deliveries_of(ep_gd), 3);
	/* Jiangsu's: the admin only. */
	emit_at("ticket.created", "/CN/JS/NJ/", "C-NJ", 0);
	ck_assert_int_eq(deliveries_of(ep_admin), 4);
	ck_assert_int_eq(deliveries_of(ep_sz) + deliveries_of(ep_gz) + deliveries_of(ep_gd), 5);
	/* A unit's warranty in Shenzhen: registry scope, the region subtree. */
	emit_at("warranty.expiring", "/CN/GD/SZ/", NULL, 1);
	ck_assert_int_eq(deliveries_of(ep_sz), 2);
	ck_assert_int_eq(deliveries_of(ep_gz), 1);
	ck_assert_int_eq(deliveries_of(ep_gd), 4);
	/* A type not subscribed: nothing; a national one: its subscribers. */
	emit_at("ticket.closed", "/CN/GD/SZ/", "C-SZ", 0);
	ck_assert_int_eq(deliveries_of(ep_sz), 2);
	emit_at("problem.opened", NULL, NULL, 0);
	ck_assert_int_eq(deliveries_of(ep_gd), 5);
	ck_assert_int_eq(deliveries_of(ep_admin), 7);

	/* An owner disabled, or given another role, gets nothing more; the
	 * admin's listing says so (in_force false). */
	exec_sql("UPDATE users SET disabled = 1 WHERE username = 'disp.sz';"
		 "UPDATE users SET role = 'dispatcher', centre_code = 'C-SZ'"
		 " WHERE username = 'sup.gd'");
	emit_at("ticket.created", "/CN/GD/SZ/", "C-SZ", 0);
	ck_assert_int_eq(deliveries_of(ep_sz), 2);
	ck_assert_int_eq(deliveries_of(ep_gd), 5);
	ck_assert_int_eq(deliveries_of(ep_admin), 8);
	ck_assert_int_eq(http_json("GET", "/v1/webhooks", admin, NULL, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *it = json_array_get(json_object_get(r.json, "items"), i);
		json_t *sc = json_object_get(it, "scope");

		if (jint(it, "id") == ep_sz || jint(it, "id") == ep_gd)
			ck_assert(json_is_false(json_object_get(sc, "in_force")));
		else if (jint(it, "id") == ep_gz)
			ck_assert(json_is_true(json_object_get(sc, "in_force")));
	}
	http_result_free(&r);
	/* A moved owner's scope moves too (read at fan-out time). */
	exec_sql("UPDATE users SET centre_code = 'C-NJ', region_code = 'NJ'"
		 " WHERE username = 'disp.gz'");
	emit_at("ticket.created", "/CN/GD/GZ/", "C-GZ", 0);
	ck_assert_int_eq(deliveries_of(ep_gz), 1);
	emit_at("ticket.created", "/CN/JS/NJ/", "C-NJ", 0);
	ck_assert_int_eq(deliveries_of(ep_gz), 2);
	free(admin);
	free(disp_sz);
	free(disp_gz);
	free(sup_gd);
}
END_TEST

/* The real producers pass the ticket's place: a ticket opened through the
 * API, routed to C-SZ, reaches C-SZ's dispatcher and not C-GZ's. */
START_TEST(owner_endpoints_get_real_tickets_of_their_scope)
{
	char *disp_sz = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *disp_gz = harness_user_token("disp.gz", "dispatcher", "GZ", "C-GZ");
	char *sup_js = harness_user_token("sup.js", "supervisor", "JS", NULL);
	int64_t ep_sz, ep_gz, ep_js;
	struct http_result r;
	char path[96];

	harness_seed_sz_unit();
	ep_sz = own_endpoint(disp_sz, "[\"ticket.created\"]", NULL);
	ep_gz = own_endpoint(disp_gz, "[\"ticket.created\"]", NULL);
	ep_js = own_endpoint(sup_js, "[\"ticket.created\"]", NULL);
	ck_assert_int_eq(
	    http_send_json("POST", "/v1/tickets", disp_sz,
			   json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s}}", "channel",
				     "hotline", "category", "repair", "title", "母线失电",
				     "asset_id", 1, "impact", "site", "urgency", "high", "contact",
				     "name", "陈工", "phone", "13800000001"),
			   &r),
	    201);
	ck_assert_str_eq(jstr(r.json, "centre"), "C-SZ");
	http_result_free(&r);
	ck_assert_int_eq(deliveries_of(ep_sz), 1);
	ck_assert_int_eq(deliveries_of(ep_gz), 0);
	ck_assert_int_eq(deliveries_of(ep_js), 0);
	/* The owner reads it as listed. */
	snprintf(path, sizeof(path), "/v1/webhooks/%lld/deliveries", (long long)ep_sz);
	ck_assert_int_eq(http_json("GET", path, disp_sz, NULL, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 0), "event_type"),
			 "ticket.created");
	http_result_free(&r);
	free(disp_sz);
	free(disp_gz);
	free(sup_js);
}
END_TEST

START_TEST(owner_endpoints_answer_only_their_owner)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *disp_sz = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *disp_gz = harness_user_token("disp.gz", "dispatcher", "GZ", "C-GZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t ep_sz, ep_gz, dead;
	struct http_result r;
	char path[96], sql[256];

	ep_sz = own_endpoint(disp_sz, "[\"ticket.created\"]", NULL);
	ep_gz = own_endpoint(disp_gz, "[\"ticket.created\"]", NULL);
	emit_at("ticket.created", "/CN/GD/SZ/", "C-SZ", 0);
	snprintf(sql, sizeof(sql),
		 "UPDATE webhook_deliveries SET status = 'dead', attempts = 8"
		 " WHERE endpoint_id = %lld",
		 (long long)ep_sz);
	exec_sql(sql);
	snprintf(sql, sizeof(sql), "SELECT id FROM webhook_deliveries WHERE endpoint_id = %lld",
		 (long long)ep_sz);
	dead = count_rows(sql);

	/* Each owner lists their own; the admin lists all. */
	ck_assert_int_eq(http_json("GET", "/v1/webhooks", disp_gz, NULL, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 1);
	ck_assert_int_eq(jint(json_array_get(json_object_get(r.json, "items"), 0), "id"), ep_gz);
	ck_assert_ptr_null(strstr(r.body, "\"secret\""));
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/webhooks", admin, NULL, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 2);
	http_result_free(&r);
	/* Another owner's endpoint and delivery are unknown: 404, unchanged. */
	snprintf(path, sizeof(path), "/v1/webhooks/%lld", (long long)ep_sz);
	ck_assert_int_eq(http_json("PATCH", path, disp_gz, "{\"active\":false}", &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("DELETE", path, disp_gz, NULL, &r), 404);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/webhooks/%lld/deliveries", (long long)ep_sz);
	ck_assert_int_eq(http_json("GET", path, disp_gz, NULL, &r), 404);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/webhooks/deliveries/%lld/retry", (long long)dead);
	ck_assert_int_eq(http_json("POST", path, disp_gz, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM webhook_deliveries WHERE status = 'dead'"), 1);
	/* A role without the permission: 403. */
	ck_assert_int_eq(http_json("GET", "/v1/webhooks", tech, NULL, &r), 403);
	http_result_free(&r);
	/* The owner changes, retries and deletes their own. */
	ck_assert_int_eq(http_json("POST", path, disp_sz, NULL, &r), 200);
	ck_assert_str_eq(jstr(r.json, "status"), "pending");
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/webhooks/%lld", (long long)ep_sz);
	ck_assert_int_eq(http_json("PATCH", path, disp_sz,
				   "{\"active\":false,\"event_types\":[\"ticket.closed\"]}", &r),
			 200);
	ck_assert(json_is_false(json_object_get(r.json, "active")));
	ck_assert_str_eq(scope_str(r.json, "centre"), "C-SZ");
	http_result_free(&r);
	/* The admin changes anyone's, the owner's scope kept. */
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"active\":true}", &r), 200);
	ck_assert_int_eq(jint(r.json, "owner_id"), harness_user_id("disp.sz"));
	ck_assert_str_eq(scope_str(r.json, "centre"), "C-SZ");
	http_result_free(&r);
	ck_assert_int_eq(http_json("DELETE", path, disp_sz, NULL, &r), 204);
	http_result_free(&r);
	ck_assert_int_eq(http_json("DELETE", path, disp_sz, NULL, &r), 404);
	http_result_free(&r);
	free(admin);
	free(disp_sz);
	free(disp_gz);
	free(tech);
}
END_TEST

START_TEST(owner_input_refused_naming_the_field_storing_nothing)
{
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	struct http_result r;
	char path[64];
	int64_t id;

	/* Types the role may not read: 403 naming each. */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", disp,
				   "{\"url\":\"" PUBLIC_URL
				   "\",\"event_types\":[\"ticket.created\","
				   "\"problem.opened\"]}",
				   &r),
			 403);
	assert_problem(&r, 403, "/event_types/1");
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "detail"), "event_types"));
	http_result_free(&r);
	/* "*" takes types added later: admins only. */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"" PUBLIC_URL "\",\"event_types\":[\"*\"]}", &r),
			 403);
	assert_problem(&r, 403, "/event_types/0");
	http_result_free(&r);
	/* Private addresses: admins only. */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"https://127.0.0.1/\",\"event_types\":"
				   "[\"ticket.created\"],\"allow_private\":true}",
				   &r),
			 403);
	assert_problem(&r, 403, "/allow_private");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"https://127.0.0.1/\",\"event_types\":"
				   "[\"ticket.created\"]}",
				   &r),
			 400);
	assert_problem(&r, 400, "/url");
	http_result_free(&r);
	/* Bad input: 400 naming the field (both when both are bad). */
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"http://1.1.1.1/\",\"event_types\":[\"nope\"]}", &r),
			 400);
	assert_problem(&r, 400, "/url");
	assert_problem(&r, 400, "/event_types/0");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"" PUBLIC_URL "\",\"event_types\":[]}", &r),
			 400);
	assert_problem(&r, 400, "/event_types");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/webhooks", sup,
				   "{\"url\":\"" PUBLIC_URL
				   "\",\"event_types\":[\"ticket.created\"],"
				   "\"owner_id\":1}",
				   &r),
			 400);
	assert_problem(&r, 400, "/owner_id");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_endpoints"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'webhook.%'"),
			 0);
	/* A change to a forbidden type: 403, the endpoint as it was. */
	id = own_endpoint(disp, "[\"ticket.created\"]", NULL);
	snprintf(path, sizeof(path), "/v1/webhooks/%lld", (long long)id);
	ck_assert_int_eq(http_json("PATCH", path, disp,
				   "{\"event_types\":[\"problem.opened\"],\"active\":false}", &r),
			 403);
	assert_problem(&r, 403, "/event_types/0");
	http_result_free(&r);
	ck_assert_int_eq(http_json("PATCH", path, disp, "{\"scope\":{}}", &r), 400);
	assert_problem(&r, 400, "/scope");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_endpoints WHERE active = 1 AND"
				    " event_types = '[\"ticket.created\"]'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'webhook.%'"),
			 1);
	free(disp);
	free(sup);
}
END_TEST

/* An owner's endpoint, pointed at the local receiver by SQL (only admins
 * reach private addresses), receives its scope's event signed as any. */
START_TEST(owner_endpoint_delivers_signed_to_the_receiver)
{
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	struct http_result r;
	char body[128], sql[256];
	int64_t id;
	json_t *d;

	receiver_start();
	ck_assert_int_eq(
	    http_json("POST", "/v1/webhooks", disp,
		      "{\"url\":\"" PUBLIC_URL "\",\"event_types\":[\"ticket.assigned\"]}", &r),
	    201);
	id = jint(r.json, "id");
	pthread_mutex_lock(&R.mu);
	snprintf(R.secret, sizeof(R.secret), "%s", jstr(r.json, "secret"));
	pthread_mutex_unlock(&R.mu);
	http_result_free(&r);
	snprintf(body, sizeof(body), "https://localhost:%d/hook", R.port);
	snprintf(sql, sizeof(sql),
		 "UPDATE webhook_endpoints SET url = '%s', allow_private = 1 WHERE id = %lld", body,
		 (long long)id);
	exec_sql(sql);
	emit_at("ticket.assigned", "/CN/GD/GZ/", "C-GZ", 0);
	emit_at("ticket.assigned", "/CN/GD/SZ/", "C-SZ", 0);
	run_at(clock_now());
	ck_assert_int_eq(hook_hits(), 1);
	ck_assert_int_eq(R.bad_signatures, 0);
	d = only_delivery(disp, id, "delivered");
	ck_assert_str_eq(jstr(json_object_get(d, "payload"), "type"), "ticket.assigned");
	json_decref(d);
	receiver_stop();
	free(disp);
}
END_TEST

/* ---- in-app notifications ------------------------------------------------ */

static void notify(int64_t user, const char *kind, const char *title, const char *key)
{
	json_t *data = json_pack("{s:s}", "title", title);

	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(notify_user(H.db, user, kind, title, data, key), ERR_OK);
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	json_decref(data);
}

START_TEST(notifications_are_listed_read_and_private)
{
	int64_t tech_id = harness_seed_user("tech1", "technician", "SZ", "C-SZ");
	int64_t other_id = harness_seed_user("tech2", "technician", "SZ", "C-SZ");
	char *tech = harness_login("tech1");
	char *other = harness_login("tech2");
	struct http_result r;
	char path[192], cursor[128];
	json_t *items;
	int64_t first_id;

	notify(tech_id, "ticket.assigned", "one", NULL);
	notify(tech_id, "sla.warning", "two", NULL);
	notify(tech_id, "ticket.assigned", "three", NULL);
	notify(other_id, "ticket.assigned", "theirs", NULL);

	/* Own only, newest first. */
	ck_assert_int_eq(http_json("GET", "/v1/notifications", tech, NULL, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_uint_eq(json_array_size(items), 3);
	ck_assert_str_eq(jstr(json_array_get(items, 0), "title"), "three");
	ck_assert_str_eq(jstr(json_array_get(items, 2), "title"), "one");
	ck_assert_str_eq(jstr(json_object_get(json_array_get(items, 2), "data"), "title"), "one");
	ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "read_at")));
	ck_assert(json_is_false(json_object_get(json_array_get(items, 0), "read")));
	first_id = jint(json_array_get(items, 2), "id");
	http_result_free(&r);

	/* Pages. */
	ck_assert_int_eq(http_json("GET", "/v1/notifications?limit=2", tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	snprintf(cursor, sizeof(cursor), "%s", jstr(r.json, "next_cursor"));
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/notifications?limit=2&cursor=%s", cursor);
	ck_assert_int_eq(http_json("GET", path, tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 0), "title"), "one");
	ck_assert(json_is_null(json_object_get(r.json, "next_cursor")));
	http_result_free(&r);

	/* Mark read: idempotent; someone else's is 404. */
	snprintf(path, sizeof(path), "/v1/notifications/%lld/read", (long long)first_id);
	ck_assert_int_eq(http_json("POST", path, tech, NULL, &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "read")));
	ck_assert_ptr_nonnull(jstr(r.json, "read_at"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", path, tech, NULL, &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "read")));
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", path, other, NULL, &r), 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/notifications/99999/read", tech, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/notifications/abc/read", tech, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log"
				    " WHERE action = 'notification.read'"),
			 1);

	ck_assert_int_eq(http_json("GET", "/v1/notifications?unread=true", tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/notifications?unread=false", tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/notifications?unread=maybe", tech, NULL, &r), 400);
	assert_problem(&r, 400, "unread");
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/notifications?cursor=!!", tech, NULL, &r), 400);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	/* Found by tests/fuzz/fuzz_cursor.c: "+1" (KzE) was taken. */
	ck_assert_int_eq(http_json("GET", "/v1/notifications?cursor=KzE", tech, NULL, &r), 400);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/notifications?seen=1", tech, NULL, &r), 400);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/notifications", NULL, NULL, &r), 401);
	http_result_free(&r);

	/* Read all: the caller's only. */
	ck_assert_int_eq(http_json("POST", "/v1/notifications/read-all", tech, NULL, &r), 200);
	ck_assert_int_eq(jint(r.json, "marked_read"), 2);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/notifications/read-all", tech, NULL, &r), 200);
	ck_assert_int_eq(jint(r.json, "marked_read"), 0);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/notifications?unread=true", other, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	http_result_free(&r);
	free(tech);
	free(other);
}
END_TEST

/* GET with If-None-Match: etag (whole, quotes included; NULL: none). */
static long get_if(const char *path, const char *token, const char *etag, struct http_result *r)
{
	char header[160];
	const char *headers[] = { header, NULL };

	snprintf(header, sizeof(header), "If-None-Match: %s", etag ? etag : "");
	return http_call("GET", path, token, NULL, NULL, 0, etag ? headers : NULL, r);
}

START_TEST(notifications_count_unread_and_answer_304_when_unchanged)
{
	int64_t tech_id = harness_seed_user("tech1", "technician", "SZ", "C-SZ");
	int64_t other_id = harness_seed_user("tech2", "technician", "SZ", "C-SZ");
	char *tech = harness_login("tech1");
	struct http_result r;
	char etag[96], etag2[96], etag_unread[96], path[128];
	int64_t newest;

	/* Nothing yet: 0, and an ETag all the same. */
	ck_assert_int_eq(http_json("GET", "/v1/notifications?limit=2", tech, NULL, &r), 200);
	ck_assert_int_eq(jint(r.json, "unread_count"), 0);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	http_result_free(&r);

	/* The count is the caller's whole unread total, beyond one page. */
	for (int i = 0; i < 5; i++)
		notify(tech_id, "ticket.assigned", "mine", NULL);
	notify(other_id, "ticket.assigned", "theirs", NULL);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2", tech, etag, &r), 200);
	ck_assert_int_eq(jint(r.json, "unread_count"), 5);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	newest = jint(json_array_get(json_object_get(r.json, "items"), 0), "id");
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag2, sizeof(etag2)));
	ck_assert_str_ne(etag, etag2);
	http_result_free(&r);

	/* Unchanged: 304, no body, the same ETag. */
	ck_assert_int_eq(get_if("/v1/notifications?limit=2", tech, etag2, &r), 304);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert_str_eq(etag, etag2);
	http_result_free(&r);
	/* Weak comparison, and a list of tags. */
	snprintf(path, sizeof(path), "\"x\", W/%s", etag2);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2", tech, path, &r), 304);
	http_result_free(&r);
	/* Another query is another answer. */
	ck_assert_int_eq(get_if("/v1/notifications?limit=3", tech, etag2, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2&unread=true", tech, etag2, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag_unread, sizeof(etag_unread)));
	http_result_free(&r);
	/* Someone else's notification changes nothing of mine. */
	notify(other_id, "ticket.assigned", "theirs again", NULL);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2", tech, etag2, &r), 304);
	http_result_free(&r);

	/* A read changes it, and the count. */
	snprintf(path, sizeof(path), "/v1/notifications/%lld/read", (long long)newest);
	ck_assert_int_eq(http_json("POST", path, tech, NULL, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2", tech, etag2, &r), 200);
	ck_assert_int_eq(jint(r.json, "unread_count"), 4);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert_str_ne(etag, etag2);
	http_result_free(&r);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2&unread=true", tech, etag_unread, &r),
			 200);
	ck_assert_int_eq(jint(r.json, "unread_count"), 4);
	http_result_free(&r);

	/* A new one changes it. */
	snprintf(etag2, sizeof(etag2), "%s", etag);
	notify(tech_id, "sla.warning", "new", NULL);
	ck_assert_int_eq(get_if("/v1/notifications?limit=2", tech, etag2, &r), 200);
	ck_assert_int_eq(jint(r.json, "unread_count"), 5);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 0), "title"), "new");
	http_result_free(&r);

	/* Bad input is still 400 with a tag that matched once. */
	ck_assert_int_eq(get_if("/v1/notifications?unread=maybe", tech, etag2, &r), 400);
	assert_problem(&r, 400, "unread");
	http_result_free(&r);
	free(tech);
}
END_TEST

START_TEST(notify_user_dedupes_by_key_and_checks_input)
{
	int64_t u = harness_seed_user("tech1", "technician", "SZ", "C-SZ");
	json_t *arr = json_array();

	notify(u, "warranty.digest", "90 days", "warranty:1:2027-01-01:90");
	notify(u, "warranty.digest", "90 days again", "warranty:1:2027-01-01:90");
	notify(u, "warranty.digest", "60 days", "warranty:1:2027-01-01:60");
	notify(u, "ticket.assigned", "no key", NULL);
	notify(u, "ticket.assigned", "no key", NULL);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 4);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications WHERE title LIKE '%again'"),
			 0);
	ck_assert_int_eq(notify_user(H.db, u, "", "t", NULL, NULL), ERR_INVALID);
	ck_assert_int_eq(notify_user(H.db, 0, "k", "t", NULL, NULL), ERR_INVALID);
	ck_assert_int_eq(notify_user(H.db, u, "k", "t", arr, NULL), ERR_INVALID);
	ck_assert_int_eq(notify_event(H.db, "", NULL, NULL), ERR_INVALID);
	ck_assert_int_eq(notify_event(H.db, "ticket.created", NULL, arr), ERR_INVALID);
	json_decref(arr);
}
END_TEST

START_TEST(outbox_rolls_back_with_its_event)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t u = harness_seed_user("tech1", "technician", "SZ", "C-SZ");
	struct http_result r;
	json_t *data = json_pack("{s:i}", "ticket_id", 9);

	ck_assert_int_eq(http_json("POST", "/v1/webhooks", admin,
				   "{\"url\":\"https://127.0.0.1:9/h\",\"event_types\":[\"*\"],"
				   "\"allow_private\":true}",
				   &r),
			 201);
	http_result_free(&r);

	/* The producer's transaction fails after the event: nothing remains. */
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(sqlite3_exec(db_handle(H.db),
				      "INSERT INTO scheduler_jobs(name) VALUES ('the event')", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(notify_user(H.db, u, "ticket.assigned", "T-9", data, "k9"), ERR_OK);
	ck_assert_int_eq(notify_event(H.db, "ticket.assigned", NULL, data), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_deliveries"), 1);
	db_rollback(H.db);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM scheduler_jobs"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_deliveries"), 0);

	/* Committed, all three are there; the dedupe key was not used up. */
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(sqlite3_exec(db_handle(H.db),
				      "INSERT INTO scheduler_jobs(name) VALUES ('the event')", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(notify_user(H.db, u, "ticket.assigned", "T-9", data, "k9"), ERR_OK);
	ck_assert_int_eq(notify_event(H.db, "ticket.assigned", NULL, data), ERR_OK);
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM scheduler_jobs"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM webhook_deliveries"), 1);
	json_decref(data);
	free(admin);
}
END_TEST

Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, delivery_backs_off_then_succeeds_with_a_valid_signature);
	tcase_add_test(tc, backoff_doubles_up_to_its_cap);
	tcase_add_test(tc, dead_after_max_attempts_then_retried_by_hand);
	tcase_add_test(tc, unreachable_and_inactive_endpoints);
	tcase_add_test(tc, a_silent_receiver_times_out);
	tcase_add_test(tc, delivery_rechecks_the_address);
	tcase_add_test(tc, tls_certificate_and_name_are_verified);
	tcase_add_test(tc, ssrf_targets_and_bad_urls_are_refused_naming_url);
	tcase_add_test(tc, addresses_are_classified);
	tcase_add_test(tc, admin_endpoints_are_hidden_from_owners_and_secrets_never_listed);
	tcase_add_test(tc, owner_endpoints_get_only_their_scope);
	tcase_add_test(tc, owner_endpoints_get_real_tickets_of_their_scope);
	tcase_add_test(tc, owner_endpoints_answer_only_their_owner);
	tcase_add_test(tc, owner_input_refused_naming_the_field_storing_nothing);
	tcase_add_test(tc, owner_endpoint_delivers_signed_to_the_receiver);
	tcase_add_test(tc, notifications_are_listed_read_and_private);
	tcase_add_test(tc, notifications_count_unread_and_answer_304_when_unchanged);
	tcase_add_test(tc, notify_user_dedupes_by_key_and_checks_input);
	tcase_add_test(tc, outbox_rolls_back_with_its_event);
	suite_add_tcase(s, tc);
	return s;
}
