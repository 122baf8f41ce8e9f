/* App push clients (server/lib/push*.c) against real local receivers in
 * their own processes (tests/receivers/fcm.py, apns.py, jpush.py), which
 * check every request the way FCM, APNs and JPush do: the OAuth2 assertion
 * and the APNs provider token are verified with the public half of keys
 * made here at run time, APNs is served over HTTP/2 only. Each provider:
 * success with every check true, tokens cached, a refused token bought
 * again once, each error answer mapped to its outcome (Retry-After kept),
 * configuration errors naming the key, and no credential in error[]. */
#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lib/push.h"
#include "receiver.h"
#include "suites.h"

#define PROJECT "ft-test"
#define CLIENT_EMAIL "push@ft-test.iam.gserviceaccount.com"
#define APNS_DEVICE "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FCM_DEVICE "fcm-device-token:APA91bTEST"
#define JPUSH_DEVICE "1a0018970af3f4e3c2d"
#define JPUSH_SECRET "master-secret-0f1e2d3c4b5a6978"

static const struct push_message assigned = {
	.title = "T-42 assigned to you",
	.body = "Breaker trips under load",
	.link = "fieldtrace://tickets/42",
	.kind = "ticket.assigned",
	.collapse = "ticket-42",
	.ticket_id = 42,
	.high_priority = 1,
};

static const struct push_message escalation = {
	.title = "T-43 escalated",
	.body = "No one has taken it for 30 minutes",
	.link = "fieldtrace://tickets/43",
	.kind = "ticket.escalated",
	.ticket_id = 43,
	.ack_token = "ack-7f3a",
};

/* A key pair made now, in a temp dir: private.pem and public.pem. */
struct keys {
	char dir[64];
	char private_pem[128];
	char public_pem[128];
};

static void write_key(const char *path, EVP_PKEY *key, int private_part)
{
	BIO *bio = BIO_new_file(path, "w");

	ck_assert_ptr_nonnull(bio);
	ck_assert_int_eq(private_part
			     ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
			     : PEM_write_bio_PUBKEY(bio, key),
			 1);
	BIO_free(bio);
}

static void keys_make(struct keys *k, int ec)
{
	EVP_PKEY *key = ec ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
			   : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	ck_assert_ptr_nonnull(key);
	snprintf(k->dir, sizeof(k->dir), "/tmp/ft-push-keys-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(k->dir));
	snprintf(k->private_pem, sizeof(k->private_pem), "%s/private.pem", k->dir);
	snprintf(k->public_pem, sizeof(k->public_pem), "%s/public.pem", k->dir);
	write_key(k->private_pem, key, 1);
	write_key(k->public_pem, key, 0);
	EVP_PKEY_free(key);
}

static void keys_remove(struct keys *k)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
	ck_assert_int_eq(harness_run(cmd), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static const char *field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* The n-th recorded request (borrowed from all). */
static json_t *request_at(json_t *all, size_t n)
{
	json_t *one = json_array_get(all, n);

	ck_assert_msg(one != NULL, "no request %zu", n);
	return one;
}

static void assert_all_checks(json_t *all)
{
	size_t i;
	json_t *one;

	json_array_foreach(all, i, one) {
		char *checks = json_dumps(json_object_get(one, "checks"), JSON_COMPACT);

		ck_assert_msg(json_is_true(json_object_get(one, "ok")), "request %zu %s: %s", i,
			      field(one, "path"), checks);
		free(checks);
	}
}

static size_t count_kind(json_t *all, const char *kind)
{
	size_t i, n = 0;
	json_t *one;

	json_array_foreach(all, i, one)
		n += strcmp(field(one, "kind"), kind) == 0;
	return n;
}

/* ---- FCM ---- */

struct fcm_env {
	struct keys keys;
	struct receiver r;
	char account[160];
	struct push_client *c;
};

static void fcm_account(const struct fcm_env *e, const char *path, const char *private_pem_path)
{
	char *pem = harness_read_file(private_pem_path, NULL), token_uri[192];
	json_t *account;

	snprintf(token_uri, sizeof(token_uri), "%s/token", e->r.url);
	account = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "service_account",
			    "project_id", PROJECT, "private_key_id", "0a1b2c", "private_key", pem,
			    "client_email", CLIENT_EMAIL, "token_uri", token_uri);
	ck_assert_int_eq(json_dump_file(account, path, 0), 0);
	json_decref(account);
	free(pem);
}

/* expires_in: what the token endpoint says its tokens last */
static void fcm_start_expiring(struct fcm_env *e, const char *expires_in)
{
	const char *extra[] = { "--public-key", NULL,        "--client-email",
				CLIENT_EMAIL,   "--project", PROJECT,
				"--expires-in", expires_in,  NULL };
	char why[256] = "";
	json_t *conf;

	keys_make(&e->keys, 0);
	extra[1] = e->keys.public_pem;
	receiver_start(&e->r, "fcm.py", extra);
	snprintf(e->account, sizeof(e->account), "%s/service-account.json", e->keys.dir);
	fcm_account(e, e->account, e->keys.private_pem);
	conf = json_pack("{s:s, s:s}", "service_account_file", e->account, "endpoint", e->r.url);
	ck_assert_int_eq(
	    push_client_new(PUSH_FCM, conf, harness_ca_file(), &e->c, why, sizeof(why)), ERR_OK);
	json_decref(conf);
}

static void fcm_start(struct fcm_env *e)
{
	fcm_start_expiring(e, "3599");
}

static void fcm_stop(struct fcm_env *e)
{
	push_client_free(e->c);
	receiver_stop(&e->r);
	keys_remove(&e->keys);
}

static void assert_no_credential(const struct send_result *res, const struct keys *k)
{
	ck_assert_ptr_null(strstr(res->error, "ya29."));
	ck_assert_ptr_null(strstr(res->error, "PRIVATE KEY"));
	ck_assert_ptr_null(strstr(res->error, "bearer "));
	ck_assert_ptr_null(strstr(res->error, "Bearer "));
	ck_assert_ptr_null(strstr(res->error, JPUSH_SECRET));
	(void)k;
}

START_TEST(fcm_sends_with_an_oauth_token_bought_once)
{
	struct fcm_env e;
	struct send_result res;
	json_t *all, *send, *message, *data;

	fcm_start(&e);
	push_send(e.c, FCM_DEVICE, &assigned, "delivery-1", &res);
	ck_assert_msg(res.outcome == SEND_OK, "%d %s", res.http_status, res.error);
	ck_assert_int_eq(res.http_status, 200);
	ck_assert_str_eq(res.error, "");
	ck_assert_msg(strncmp(res.provider_ref, "projects/" PROJECT "/messages/", 26) == 0, "%s",
		      res.provider_ref);
	push_send(e.c, FCM_DEVICE, &escalation, "delivery-2", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);

	all = receiver_requests(&e.r);
	ck_assert_uint_eq(json_array_size(all), 3);
	assert_all_checks(all);
	/* One token for both sends. */
	ck_assert_uint_eq(count_kind(all, "token"), 1);
	ck_assert_str_eq(field(request_at(all, 0), "kind"), "token");
	send = json_loads(field(request_at(all, 1), "body"), 0, NULL);
	message = json_object_get(send, "message");
	ck_assert_str_eq(field(message, "token"), FCM_DEVICE);
	ck_assert_str_eq(field(json_object_get(message, "notification"), "title"), assigned.title);
	data = json_object_get(message, "data");
	ck_assert_str_eq(field(data, "link"), "fieldtrace://tickets/42");
	ck_assert_str_eq(field(data, "kind"), "ticket.assigned");
	ck_assert_str_eq(field(data, "ticket_id"), "42");
	ck_assert_str_eq(field(data, "idempotency_key"), "delivery-1");
	ck_assert_ptr_null(json_object_get(data, "ack_token"));
	ck_assert_str_eq(field(json_object_get(message, "android"), "priority"), "HIGH");
	ck_assert_str_eq(field(json_object_get(message, "android"), "collapse_key"), "ticket-42");
	json_decref(send);
	send = json_loads(field(request_at(all, 2), "body"), 0, NULL);
	message = json_object_get(send, "message");
	ck_assert_str_eq(field(json_object_get(message, "data"), "ack_token"), "ack-7f3a");
	ck_assert_str_eq(field(json_object_get(message, "android"), "priority"), "NORMAL");
	ck_assert_ptr_null(json_object_get(json_object_get(message, "android"), "collapse_key"));
	json_decref(send);
	json_decref(all);
	fcm_stop(&e);
}
END_TEST

START_TEST(fcm_token_near_its_expiry_is_bought_again)
{
	struct fcm_env e;
	struct send_result res;
	json_t *all;

	/* A token with under a minute left is not used. */
	fcm_start_expiring(&e, "45");
	push_send(e.c, FCM_DEVICE, &assigned, "d-1", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	push_send(e.c, FCM_DEVICE, &assigned, "d-2", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	all = receiver_requests(&e.r);
	assert_all_checks(all);
	ck_assert_uint_eq(count_kind(all, "token"), 2);
	json_decref(all);
	fcm_stop(&e);
}
END_TEST

#define FCM_UNAUTHENTICATED                                                                        \
	"{\"status\": 401, \"body\": {\"error\": {\"code\": 401, \"status\": \"UNAUTHENTICATED\"," \
	"\"message\": \"Request had invalid authentication credentials.\"}}}"

START_TEST(fcm_401_buys_a_new_token_once)
{
	struct fcm_env e;
	struct send_result res;
	json_t *all;

	fcm_start(&e);
	push_send(e.c, FCM_DEVICE, &assigned, "d-1", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	/* The cached token is refused: a new one, and the send goes through. */
	receiver_script(&e.r, "[" FCM_UNAUTHENTICATED "]");
	push_send(e.c, FCM_DEVICE, &assigned, "d-2", &res);
	ck_assert_msg(res.outcome == SEND_OK, "%d %s", res.http_status, res.error);
	all = receiver_requests(&e.r);
	ck_assert_uint_eq(json_array_size(all), 5);
	ck_assert_uint_eq(count_kind(all, "token"), 2);
	ck_assert_str_eq(field(request_at(all, 3), "kind"), "token");
	json_decref(all);
	/* Refused again after the new token: retry later, no third token. */
	receiver_script(&e.r,
			"[" FCM_UNAUTHENTICATED ", {\"status\": 200}, " FCM_UNAUTHENTICATED "]");
	push_send(e.c, FCM_DEVICE, &assigned, "d-3", &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	ck_assert_int_eq(res.http_status, 401);
	ck_assert_msg(strstr(res.error, "UNAUTHENTICATED") != NULL, "%s", res.error);
	assert_no_credential(&res, &e.keys);
	all = receiver_requests(&e.r);
	ck_assert_uint_eq(json_array_size(all), 8);
	ck_assert_uint_eq(count_kind(all, "token"), 3);
	json_decref(all);
	fcm_stop(&e);
}
END_TEST

struct error_case {
	const char *script;
	enum send_outcome outcome;
	int status;
	int retry_after_s;
	const char *error;
};

#define FCM_ERROR(status, code, message, fcm_code)                                                 \
	"[{\"status\": " #status ", \"body\": {\"error\": {\"code\": " #status                     \
	", \"message\": \"" message "\", \"status\": \"" code "\", \"details\": [{\"@type\": "     \
	"\"type.googleapis.com/google.firebase.fcm.v1.FcmError\", \"errorCode\": \"" fcm_code      \
	"\"}]}}}]"

START_TEST(fcm_errors_map_to_outcomes)
{
	static const struct error_case cases[] = {
		{ FCM_ERROR(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
		  SEND_GONE, 404, 0, "UNREGISTERED" },
		{ FCM_ERROR(400, "INVALID_ARGUMENT",
			    "The registration token is not a valid FCM registration token",
			    "INVALID_ARGUMENT"),
		  SEND_GONE, 400, 0, "INVALID_ARGUMENT" },
		{ FCM_ERROR(400, "INVALID_ARGUMENT", "Message.data must not contain reserved keys",
			    "INVALID_ARGUMENT"),
		  SEND_REJECTED, 400, 0, "reserved keys" },
		{ FCM_ERROR(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"),
		  SEND_GONE, 403, 0, "SENDER_ID_MISMATCH" },
		{ "[{\"status\": 429, \"headers\": {\"Retry-After\": \"37\"}, \"body\": "
		  "{\"error\": "
		  "{\"code\": 429, \"message\": \"Quota exceeded\", \"status\": "
		  "\"RESOURCE_EXHAUSTED\", \"details\": [{\"@type\": "
		  "\"type.googleapis.com/google.firebase.fcm.v1.FcmError\", \"errorCode\": "
		  "\"QUOTA_EXCEEDED\"}]}}}]",
		  SEND_RETRY, 429, 37, "QUOTA_EXCEEDED" },
		{ FCM_ERROR(500, "INTERNAL", "Internal error encountered.", "INTERNAL"), SEND_RETRY,
		  500, 0, "INTERNAL" },
		{ FCM_ERROR(503, "UNAVAILABLE", "The service is currently unavailable.",
			    "UNAVAILABLE"),
		  SEND_RETRY, 503, 0, "UNAVAILABLE" },
	};
	struct fcm_env e;
	struct send_result res;

	fcm_start(&e);
	/* The token endpoint refuses the assertion: permanent, named. */
	receiver_script(&e.r, "[{\"status\": 400, \"body\": {\"error\": \"invalid_grant\", "
			      "\"error_description\": \"Invalid JWT Signature.\"}}]");
	push_send(e.c, FCM_DEVICE, &assigned, "d-0", &res);
	ck_assert_int_eq(res.outcome, SEND_REJECTED);
	ck_assert_msg(strstr(res.error, "invalid_grant") != NULL, "%s", res.error);
	/* Then a token, cached, so each scripted answer below meets the send. */
	push_send(e.c, FCM_DEVICE, &assigned, "d-0", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		receiver_script(&e.r, cases[i].script);
		push_send(e.c, FCM_DEVICE, &assigned, "d-1", &res);
		ck_assert_msg(res.outcome == cases[i].outcome, "case %zu: %d %s", i, res.outcome,
			      res.error);
		ck_assert_int_eq(res.http_status, cases[i].status);
		ck_assert_int_eq(res.retry_after_s, cases[i].retry_after_s);
		ck_assert_msg(strstr(res.error, cases[i].error) != NULL, "case %zu: %s", i,
			      res.error);
		ck_assert_str_eq(res.provider_ref, "");
		assert_no_credential(&res, &e.keys);
	}
	/* An account key the token endpoint does not know: its own refusal. */
	{
		struct keys other;
		struct push_client *stranger = NULL;
		char account[160], why[256] = "";
		json_t *conf, *all;

		keys_make(&other, 0);
		snprintf(account, sizeof(account), "%s/account.json", other.dir);
		fcm_account(&e, account, other.private_pem);
		conf =
		    json_pack("{s:s, s:s}", "service_account_file", account, "endpoint", e.r.url);
		ck_assert_int_eq(
		    push_client_new(PUSH_FCM, conf, harness_ca_file(), &stranger, why, sizeof(why)),
		    ERR_OK);
		json_decref(conf);
		push_send(stranger, FCM_DEVICE, &assigned, "d-3", &res);
		ck_assert_int_eq(res.outcome, SEND_REJECTED);
		ck_assert_int_eq(res.http_status, 400);
		ck_assert_msg(strstr(res.error, "invalid_grant") != NULL, "%s", res.error);
		assert_no_credential(&res, &other);
		all = receiver_requests(&e.r);
		ck_assert(json_is_false(json_object_get(
		    json_object_get(json_array_get(all, json_array_size(all) - 1), "checks"),
		    "jwt_signature")));
		json_decref(all);
		push_client_free(stranger);
		keys_remove(&other);
	}
	/* No answer at all: retry. */
	receiver_stop(&e.r);
	push_send(e.c, FCM_DEVICE, &assigned, "d-2", &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	ck_assert_int_eq(res.http_status, 0);
	push_client_free(e.c);
	keys_remove(&e.keys);
}
END_TEST

static void assert_config_error(enum push_provider p, json_t *conf, const char *expected)
{
	struct push_client *c = (struct push_client *)1;
	char why[256] = "";

	ck_assert_int_eq(push_client_new(p, conf, NULL, &c, why, sizeof(why)), ERR_INVALID);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(why, expected) != NULL, "expected \"%s\" in \"%s\"", expected, why);
	ck_assert_ptr_null(strstr(why, "PRIVATE KEY"));
	ck_assert_ptr_null(strstr(why, JPUSH_SECRET));
	json_decref(conf);
}

START_TEST(fcm_config_errors_name_the_key)
{
	struct keys k;
	char account[160], garbage[160], ec_account[160];
	struct fcm_env e = { 0 };
	struct keys ec;

	keys_make(&k, 0);
	keys_make(&ec, 1);
	snprintf(e.r.url, sizeof(e.r.url), "https://localhost:1");
	snprintf(account, sizeof(account), "%s/account.json", k.dir);
	fcm_account(&e, account, k.private_pem);
	snprintf(garbage, sizeof(garbage), "%s/garbage.json", k.dir);
	write_text(garbage, "{\"project_id\": ");
	snprintf(ec_account, sizeof(ec_account), "%s/ec-account.json", k.dir);
	fcm_account(&e, ec_account, ec.private_pem);

	assert_config_error(PUSH_FCM, json_object(), "service_account_file: required");
	assert_config_error(PUSH_FCM, json_pack("{s:i}", "service_account_file", 3),
			    "service_account_file: must be");
	assert_config_error(PUSH_FCM,
			    json_pack("{s:s}", "service_account_file", "/nonexistent.json"),
			    "service_account_file: cannot read /nonexistent.json");
	assert_config_error(PUSH_FCM, json_pack("{s:s}", "service_account_file", garbage),
			    "service_account_file: cannot read");
	assert_config_error(PUSH_FCM, json_pack("{s:s}", "service_account_file", ec_account),
			    "private_key is not a PEM RSA private key");
	assert_config_error(
	    PUSH_FCM, json_pack("{s:s, s:s}", "service_account_file", account, "endpoint", ""),
	    "endpoint: must be");
	/* Each field the account needs. */
	{
		const char *fields[] = { "project_id", "client_email", "private_key", "token_uri" };

		for (size_t i = 0; i < 4; i++) {
			json_t *acc = json_load_file(account, 0, NULL);
			char partial[160];

			snprintf(partial, sizeof(partial), "%s/partial.json", k.dir);
			json_object_del(acc, fields[i]);
			ck_assert_int_eq(json_dump_file(acc, partial, 0), 0);
			json_decref(acc);
			assert_config_error(PUSH_FCM,
					    json_pack("{s:s}", "service_account_file", partial),
					    fields[i]);
		}
	}
	assert_config_error(PUSH_FCM, json_string("x"), "must be an object");
	keys_remove(&k);
	keys_remove(&ec);
}
END_TEST

/* ---- APNs ---- */

struct apns_env {
	struct keys keys;
	struct receiver r;
	struct push_client *c;
};

static void apns_start(struct apns_env *e)
{
	const char *extra[] = {
		"--public-key", NULL,      "--key-id",           "ABC123DEFG", "--team-id",
		"DEF123GHIJ",   "--topic", "com.fieldtrace.app", NULL
	};
	char why[256] = "";
	json_t *conf;

	keys_make(&e->keys, 1);
	extra[1] = e->keys.public_pem;
	receiver_start(&e->r, "apns.py", extra);
	conf = json_pack("{s:s, s:s, s:s, s:s, s:s}", "key_file", e->keys.private_pem, "key_id",
			 "ABC123DEFG", "team_id", "DEF123GHIJ", "topic", "com.fieldtrace.app",
			 "endpoint", e->r.url);
	ck_assert_msg(
	    push_client_new(PUSH_APNS, conf, harness_ca_file(), &e->c, why, sizeof(why)) == ERR_OK,
	    "%s", why);
	json_decref(conf);
}

static void apns_stop(struct apns_env *e)
{
	push_client_free(e->c);
	receiver_stop(&e->r);
	keys_remove(&e->keys);
}

static int is_upper_uuid(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

START_TEST(apns_sends_over_http2_with_a_stable_apns_id)
{
	struct apns_env e;
	struct send_result res;
	char first_ref[128];
	json_t *all, *h0, *h2, *body, *aps;

	apns_start(&e);
	push_send(e.c, APNS_DEVICE, &assigned, "delivery-1", &res);
	ck_assert_msg(res.outcome == SEND_OK, "%d %s", res.http_status, res.error);
	ck_assert_msg(is_upper_uuid(res.provider_ref), "%s", res.provider_ref);
	snprintf(first_ref, sizeof(first_ref), "%s", res.provider_ref);
	/* A retry of the same delivery: the same apns-id. */
	push_send(e.c, APNS_DEVICE, &assigned, "delivery-1", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	ck_assert_str_eq(res.provider_ref, first_ref);
	push_send(e.c, APNS_DEVICE, &escalation, "delivery-2", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	ck_assert_str_ne(res.provider_ref, first_ref);

	all = receiver_requests(&e.r);
	ck_assert_uint_eq(json_array_size(all), 3);
	assert_all_checks(all);
	h0 = json_object_get(request_at(all, 0), "headers");
	h2 = json_object_get(request_at(all, 2), "headers");
	ck_assert(json_is_true(json_object_get(request_at(all, 0), "http2")));
	ck_assert_str_eq(field(request_at(all, 0), "path"), "/3/device/" APNS_DEVICE);
	ck_assert_str_eq(field(h0, "apns-id"), first_ref);
	ck_assert_str_eq(field(h0, "apns-topic"), "com.fieldtrace.app");
	ck_assert_str_eq(field(h0, "apns-push-type"), "alert");
	ck_assert_str_eq(field(h0, "apns-priority"), "10");
	ck_assert_str_eq(field(h0, "apns-collapse-id"), "ticket-42");
	ck_assert_int_gt(atoll(field(h0, "apns-expiration")), (long long)time(NULL) + 3600);
	ck_assert_str_eq(field(h2, "apns-priority"), "5");
	ck_assert_ptr_null(json_object_get(h2, "apns-collapse-id"));
	/* One provider token for all three. */
	ck_assert_str_eq(field(h0, "authorization"), field(h2, "authorization"));

	body = json_loads(field(request_at(all, 0), "body"), 0, NULL);
	aps = json_object_get(body, "aps");
	ck_assert_str_eq(field(json_object_get(aps, "alert"), "title"), assigned.title);
	ck_assert_str_eq(field(aps, "sound"), "default");
	ck_assert_str_eq(field(aps, "thread-id"), "ticket.assigned");
	ck_assert_ptr_null(json_object_get(aps, "category"));
	ck_assert_str_eq(field(body, "link"), "fieldtrace://tickets/42");
	ck_assert_int_eq(json_integer_value(json_object_get(body, "ticket_id")), 42);
	json_decref(body);
	body = json_loads(field(request_at(all, 2), "body"), 0, NULL);
	ck_assert_str_eq(field(json_object_get(body, "aps"), "category"), "ESCALATION");
	ck_assert_str_eq(field(body, "ack_token"), "ack-7f3a");
	json_decref(body);
	json_decref(all);
	apns_stop(&e);
}
END_TEST

#define APNS_ERROR(status, reason)                                                                 \
	"[{\"status\": " #status ", \"body\": {\"reason\": \"" reason "\"}}]"

START_TEST(apns_errors_map_to_outcomes)
{
	static const struct error_case cases[] = {
		{ APNS_ERROR(410, "Unregistered"), SEND_GONE, 410, 0, "Unregistered" },
		{ APNS_ERROR(400, "BadDeviceToken"), SEND_GONE, 400, 0, "BadDeviceToken" },
		{ APNS_ERROR(400, "DeviceTokenNotForTopic"), SEND_GONE, 400, 0,
		  "DeviceTokenNotForTopic" },
		{ APNS_ERROR(400, "BadTopic"), SEND_REJECTED, 400, 0, "BadTopic" },
		{ APNS_ERROR(413, "PayloadTooLarge"), SEND_REJECTED, 413, 0, "PayloadTooLarge" },
		{ "[{\"status\": 429, \"headers\": {\"Retry-After\": \"12\"}, \"body\": "
		  "{\"reason\": \"TooManyRequests\"}}]",
		  SEND_RETRY, 429, 12, "TooManyRequests" },
		{ APNS_ERROR(500, "InternalServerError"), SEND_RETRY, 500, 0,
		  "InternalServerError" },
		{ APNS_ERROR(503, "ServiceUnavailable"), SEND_RETRY, 503, 0, "ServiceUnavailable" },
		/* A refused provider token is made anew once ... */
		{ "["
		  "{\"status\": 403, \"body\": {\"reason\": \"ExpiredProviderToken\"}}"
		  "]",
		  SEND_OK, 200, 0, "" },
		/* ... and when the new one is refused too, it stops there. */
		{ "[{\"status\": 403, \"body\": {\"reason\": \"ExpiredProviderToken\"}},"
		  "{\"status\": 403, \"body\": {\"reason\": \"ExpiredProviderToken\"}}]",
		  SEND_RETRY, 403, 0, "ExpiredProviderToken" },
		{ "[{\"status\": 403, \"body\": {\"reason\": \"InvalidProviderToken\"}},"
		  "{\"status\": 403, \"body\": {\"reason\": \"InvalidProviderToken\"}}]",
		  SEND_REJECTED, 403, 0, "InvalidProviderToken" },
	};
	struct apns_env e;
	struct send_result res;
	size_t before;
	json_t *all;

	apns_start(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = receiver_wait(&e.r, 0, 0);
		receiver_script(&e.r, cases[i].script);
		push_send(e.c, APNS_DEVICE, &assigned, "d-1", &res);
		ck_assert_msg(res.outcome == cases[i].outcome, "case %zu: %d %s", i, res.outcome,
			      res.error);
		ck_assert_int_eq(res.http_status, cases[i].status);
		ck_assert_int_eq(res.retry_after_s, cases[i].retry_after_s);
		ck_assert_msg(strstr(res.error, cases[i].error) != NULL, "case %zu: %s", i,
			      res.error);
		assert_no_credential(&res, &e.keys);
		all = receiver_requests(&e.r);
		if (strstr(cases[i].script, "ProviderToken")) {
			/* Two attempts, each with its own token. */
			ck_assert_uint_eq(json_array_size(all), before + 2);
			ck_assert_str_ne(
			    field(json_object_get(request_at(all, before), "headers"),
				  "authorization"),
			    field(json_object_get(request_at(all, before + 1), "headers"),
				  "authorization"));
		} else {
			ck_assert_uint_eq(json_array_size(all), before + 1);
		}
		json_decref(all);
	}
	/* Signed with a key Apple does not know: refused, twice, rejected. */
	{
		struct keys other;
		struct push_client *stranger = NULL;
		char why[256] = "";
		json_t *conf;

		keys_make(&other, 1);
		conf = json_pack("{s:s, s:s, s:s, s:s, s:s}", "key_file", other.private_pem,
				 "key_id", "ABC123DEFG", "team_id", "DEF123GHIJ", "topic",
				 "com.fieldtrace.app", "endpoint", e.r.url);
		ck_assert_int_eq(push_client_new(PUSH_APNS, conf, harness_ca_file(), &stranger, why,
						 sizeof(why)),
				 ERR_OK);
		json_decref(conf);
		before = receiver_wait(&e.r, 0, 0);
		push_send(stranger, APNS_DEVICE, &assigned, "d-3", &res);
		ck_assert_int_eq(res.outcome, SEND_REJECTED);
		ck_assert_int_eq(res.http_status, 403);
		ck_assert_msg(strstr(res.error, "InvalidProviderToken") != NULL, "%s", res.error);
		all = receiver_requests(&e.r);
		ck_assert_uint_eq(json_array_size(all), before + 2);
		ck_assert(json_is_false(json_object_get(
		    json_object_get(request_at(all, before), "checks"), "jwt_signature")));
		json_decref(all);
		push_client_free(stranger);
		keys_remove(&other);
	}
	/* A token that is not hex never leaves: it is no APNs token. */
	before = receiver_wait(&e.r, 0, 0);
	push_send(e.c, "abc/../../x", &assigned, "d-2", &res);
	ck_assert_int_eq(res.outcome, SEND_GONE);
	ck_assert_uint_eq(receiver_wait(&e.r, 0, 0), before);
	receiver_stop(&e.r);
	push_send(e.c, APNS_DEVICE, &assigned, "d-2", &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	push_client_free(e.c);
	keys_remove(&e.keys);
}
END_TEST

START_TEST(apns_config_errors_name_the_key)
{
	struct keys ec, rsa;
	char garbage[160];

	keys_make(&ec, 1);
	keys_make(&rsa, 0);
	snprintf(garbage, sizeof(garbage), "%s/AuthKey.p8", ec.dir);
	write_text(garbage, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
#define APNS_CONF(key_file)                                                                        \
	json_pack("{s:s, s:s, s:s, s:s}", "key_file", key_file, "key_id", "K", "team_id", "T",     \
		  "topic", "com.fieldtrace.app")
	assert_config_error(PUSH_APNS,
			    json_pack("{s:s, s:s, s:s}", "key_id", "K", "team_id", "T", "topic",
				      "com.fieldtrace.app"),
			    "key_file: required");
	assert_config_error(PUSH_APNS, APNS_CONF("/nonexistent/AuthKey.p8"),
			    "key_file: cannot read /nonexistent/AuthKey.p8");
	assert_config_error(PUSH_APNS, APNS_CONF(garbage), "key_file: not a PEM EC P-256");
	assert_config_error(PUSH_APNS, APNS_CONF(rsa.private_pem), "key_file: not a PEM EC P-256");
	assert_config_error(
	    PUSH_APNS,
	    json_pack("{s:s, s:s, s:s}", "key_file", ec.private_pem, "team_id", "T", "topic", "t"),
	    "key_id: required");
	assert_config_error(
	    PUSH_APNS,
	    json_pack("{s:s, s:s, s:s}", "key_file", ec.private_pem, "key_id", "K", "topic", "t"),
	    "team_id: required");
	assert_config_error(
	    PUSH_APNS,
	    json_pack("{s:s, s:s, s:s}", "key_file", ec.private_pem, "key_id", "K", "team_id", "T"),
	    "topic: required");
#undef APNS_CONF
	keys_remove(&ec);
	keys_remove(&rsa);
}
END_TEST

/* ---- JPush ---- */

struct jpush_env {
	struct receiver r;
	struct push_client *c;
};

static struct push_client *jpush_client(const struct receiver *r, const char *secret)
{
	struct push_client *c = NULL;
	char why[256] = "";
	json_t *conf = json_pack("{s:s, s:s, s:s, s:b}", "app_key", "4f7aeb2c0a1b2c3d4e5f6a7b",
				 "master_secret", secret, "endpoint", r->url, "apns_production", 0);

	ck_assert_msg(push_client_new(PUSH_JPUSH, conf, harness_ca_file(), &c, why, sizeof(why)) ==
			  ERR_OK,
		      "%s", why);
	json_decref(conf);
	return c;
}

static void jpush_start(struct jpush_env *e)
{
	const char *extra[] = { "--app-key", "4f7aeb2c0a1b2c3d4e5f6a7b", "--master-secret",
				JPUSH_SECRET, NULL };

	receiver_start(&e->r, "jpush.py", extra);
	e->c = jpush_client(&e->r, JPUSH_SECRET);
}

#define JPUSH_ERROR(status, code, message)                                                         \
	"[{\"status\": " #status ", \"body\": {\"error\": {\"code\": " #code                       \
	", \"message\": \"" message "\"}}}]"

START_TEST(jpush_sends_and_maps_errors)
{
	static const struct error_case cases[] = {
		{ JPUSH_ERROR(400, 1011, "cannot find user by this audience"), SEND_GONE, 400, 0,
		  "1011" },
		{ "[{\"status\": 429, \"headers\": {\"X-Rate-Limit-Reset\": \"17\"}, \"body\": "
		  "{\"error\": {\"code\": 2002, \"message\": \"Rate limit exceeded\"}}}]",
		  SEND_RETRY, 429, 17, "2002" },
		{ JPUSH_ERROR(400, 2002, "Rate limit exceeded"), SEND_RETRY, 400, 0, "2002" },
		{ JPUSH_ERROR(500, 1000, "Server Internal error"), SEND_RETRY, 500, 0, "1000" },
		{ JPUSH_ERROR(503, 1000, "Server busy"), SEND_RETRY, 503, 0, "Server busy" },
		{ JPUSH_ERROR(401, 1004, "Authen failed"), SEND_REJECTED, 401, 0, "1004" },
		{ JPUSH_ERROR(400, 1003, "Parameter value is invalid"), SEND_REJECTED, 400, 0,
		  "1003" },
	};
	struct jpush_env e;
	struct send_result res;
	struct push_client *wrong;
	json_t *all, *push, *android, *options;
	json_int_t sendno;

	jpush_start(&e);
	push_send(e.c, JPUSH_DEVICE, &assigned, "delivery-1", &res);
	ck_assert_msg(res.outcome == SEND_OK, "%d %s", res.http_status, res.error);
	ck_assert_uint_gt(strlen(res.provider_ref), 0);
	push_send(e.c, JPUSH_DEVICE, &assigned, "delivery-1", &res);
	ck_assert_int_eq(res.outcome, SEND_OK);
	all = receiver_requests(&e.r);
	ck_assert_uint_eq(json_array_size(all), 2);
	assert_all_checks(all);
	push = json_loads(field(request_at(all, 0), "body"), 0, NULL);
	ck_assert_str_eq(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(push, "audience"), "registration_id"), 0)),
	    JPUSH_DEVICE);
	android = json_object_get(json_object_get(push, "notification"), "android");
	ck_assert_int_eq(json_integer_value(json_object_get(android, "priority")), 2);
	ck_assert_str_eq(field(android, "title"), assigned.title);
	ck_assert_str_eq(field(json_object_get(android, "extras"), "ticket_id"), "42");
	ck_assert_str_eq(field(json_object_get(android, "extras"), "idempotency_key"),
			 "delivery-1");
	options = json_object_get(push, "options");
	ck_assert(json_is_false(json_object_get(options, "apns_production")));
	ck_assert_int_eq(json_integer_value(json_object_get(options, "time_to_live")), 86400);
	sendno = json_integer_value(json_object_get(options, "sendno"));
	json_decref(push);
	/* The same delivery again: the same sendno. */
	push = json_loads(field(request_at(all, 1), "body"), 0, NULL);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(push, "options"), "sendno")),
	    sendno);
	json_decref(push);
	json_decref(all);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		receiver_script(&e.r, cases[i].script);
		push_send(e.c, JPUSH_DEVICE, &assigned, "d-1", &res);
		ck_assert_msg(res.outcome == cases[i].outcome, "case %zu: %d %s", i, res.outcome,
			      res.error);
		ck_assert_int_eq(res.http_status, cases[i].status);
		ck_assert_int_eq(res.retry_after_s, cases[i].retry_after_s);
		ck_assert_msg(strstr(res.error, cases[i].error) != NULL, "case %zu: %s", i,
			      res.error);
		assert_no_credential(&res, NULL);
	}
	/* A wrong master secret: the receiver's own 401 1004. */
	wrong = jpush_client(&e.r, "not-the-secret");
	push_send(wrong, JPUSH_DEVICE, &assigned, "d-1", &res);
	ck_assert_int_eq(res.outcome, SEND_REJECTED);
	ck_assert_int_eq(res.http_status, 401);
	ck_assert_msg(strstr(res.error, "1004") != NULL, "%s", res.error);
	ck_assert_ptr_null(strstr(res.error, "not-the-secret"));
	push_client_free(wrong);
	/* No answer: retry. */
	receiver_stop(&e.r);
	push_send(e.c, JPUSH_DEVICE, &assigned, "d-2", &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	ck_assert_int_eq(res.http_status, 0);
	push_client_free(e.c);
}
END_TEST

START_TEST(jpush_config_errors_name_the_key)
{
	assert_config_error(PUSH_JPUSH, json_pack("{s:s}", "master_secret", JPUSH_SECRET),
			    "app_key: required");
	assert_config_error(PUSH_JPUSH, json_pack("{s:s}", "app_key", "k"),
			    "master_secret or master_secret_file: required");
	assert_config_error(PUSH_JPUSH,
			    json_pack("{s:s, s:s}", "app_key", "k", "master_secret_file",
				      "/nonexistent/jpush-secret"),
			    "master_secret_file: cannot read /nonexistent/jpush-secret");
	assert_config_error(PUSH_JPUSH,
			    json_pack("{s:s, s:s, s:s}", "app_key", "k", "master_secret",
				      JPUSH_SECRET, "apns_production", "yes"),
			    "apns_production: must be true or false");
}
END_TEST

Suite *push_suite(void)
{
	Suite *s = suite_create("push");
	TCase *tc = tcase_create("push");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fcm_sends_with_an_oauth_token_bought_once);
	tcase_add_test(tc, fcm_token_near_its_expiry_is_bought_again);
	tcase_add_test(tc, fcm_401_buys_a_new_token_once);
	tcase_add_test(tc, fcm_errors_map_to_outcomes);
	tcase_add_test(tc, fcm_config_errors_name_the_key);
	tcase_add_test(tc, apns_sends_over_http2_with_a_stable_apns_id);
	tcase_add_test(tc, apns_errors_map_to_outcomes);
	tcase_add_test(tc, apns_config_errors_name_the_key);
	tcase_add_test(tc, jpush_sends_and_maps_errors);
	tcase_add_test(tc, jpush_config_errors_name_the_key);
	suite_add_tcase(s, tc);
	return s;
}
