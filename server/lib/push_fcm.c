/* Firebase Cloud Messaging, HTTP v1 API. The service account's key signs
 * an OAuth2 JWT-bearer assertion (RS256) that buys an access token at the
 * account's token_uri; the token is kept until a minute before it expires
 * and bought again once when a send answers 401. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/http_client.h"
#include "lib/jwt.h"
#include "lib/push_provider.h"

#define FCM_SCOPE "https://www.googleapis.com/auth/firebase.messaging"
#define FCM_TOKEN_LIFETIME 3600
#define FCM_TOKEN_MARGIN 60

struct push_fcm {
	char *endpoint;
	char *ca_file;
	char *project_id;
	char *client_email;
	char *token_uri;
	EVP_PKEY *key;
	char access_token[2048];
	time_t access_expires;
};

void push_fcm_free(struct push_fcm *c)
{
	if (!c)
		return;
	EVP_PKEY_free(c->key);
	OPENSSL_cleanse(c->access_token, sizeof(c->access_token));
	free(c->endpoint);
	free(c->ca_file);
	free(c->project_id);
	free(c->client_email);
	free(c->token_uri);
	free(c);
}

enum err push_fcm_new(const json_t *conf, const char *ca_file, struct push_fcm **out, char *why,
		      size_t why_size)
{
	const char *path, *endpoint, *project, *email, *pem, *token_uri;
	struct push_fcm *c = NULL;
	json_error_t jerr;
	json_t *account = NULL;

	*out = NULL;
	path = push_conf_string(conf, "service_account_file", NULL, why, why_size);
	endpoint = push_conf_string(conf, "endpoint", "https://fcm.googleapis.com", why, why_size);
	if (!path || !endpoint)
		return ERR_INVALID;
	account = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(account)) {
		/* jansson's text names the file and the line, not its content */
		snprintf(why, why_size, "service_account_file: cannot read %s as JSON: %s", path,
			 account ? "not an object" : jerr.text);
		goto invalid;
	}
	project = json_string_value(json_object_get(account, "project_id"));
	email = json_string_value(json_object_get(account, "client_email"));
	pem = json_string_value(json_object_get(account, "private_key"));
	token_uri = json_string_value(json_object_get(account, "token_uri"));
	if (!project || !*project || !email || !*email || !pem || !token_uri || !*token_uri) {
		snprintf(why, why_size, "service_account_file: %s lacks %s", path,
			 !project || !*project ? "project_id"
			 : !email || !*email   ? "client_email"
			 : !pem                ? "private_key"
					       : "token_uri");
		goto invalid;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto internal;
	c->key = jwt_key_from_pem(pem, strlen(pem));
	if (!c->key || !EVP_PKEY_is_a(c->key, "RSA")) {
		snprintf(why, why_size,
			 "service_account_file: %s: private_key is not a PEM RSA private key",
			 path);
		goto invalid;
	}
	c->endpoint = push_endpoint(endpoint);
	c->ca_file = strdup(ca_file ? ca_file : "");
	c->project_id = strdup(project);
	c->client_email = strdup(email);
	c->token_uri = strdup(token_uri);
	if (!c->endpoint || !c->ca_file || !c->project_id || !c->client_email || !c->token_uri)
		goto internal;
	json_decref(account);
	*out = c;
	return ERR_OK;
internal:
	json_decref(account);
	push_fcm_free(c);
	snprintf(why, why_size, "out of memory");
	return ERR_INTERNAL;
invalid:
	json_decref(account);
	push_fcm_free(c);
	return ERR_INVALID;
}

/* google.rpc.Status: {"error": {"code", "message", "status", "details":
 * [{"@type": "...FcmError", "errorCode": "UNREGISTERED"}, {"@type":
 * "...BadRequest", "fieldViolations": [{"field": "message.token"}]}]}}. */
struct fcm_error {
	const char *status;
	const char *message;
	const char *error_code;
	int token_field; /* a fieldViolation names message.token */
};

static void fcm_error_read(const json_t *body, struct fcm_error *fe)
{
	json_t *err = json_object_get(body, "error"), *detail;
	size_t i;

	memset(fe, 0, sizeof(*fe));
	fe->status = json_string_value(json_object_get(err, "status"));
	fe->message = json_string_value(json_object_get(err, "message"));
	json_array_foreach(json_object_get(err, "details"), i, detail) {
		const char *code = json_string_value(json_object_get(detail, "errorCode"));
		json_t *violation;
		size_t j;

		if (code && !fe->error_code)
			fe->error_code = code;
		json_array_foreach(json_object_get(detail, "fieldViolations"), j, violation) {
			const char *field = json_string_value(json_object_get(violation, "field"));

			if (field && strcmp(field, "message.token") == 0)
				fe->token_field = 1;
		}
	}
	if (!fe->status)
		fe->status = "";
	if (!fe->message)
		fe->message = "";
	if (!fe->error_code)
		fe->error_code = fe->status;
}

/* Buys an access token; 0, or -1 with out filled. */
static int fcm_authorize(struct push_fcm *c, struct send_result *out)
{
	time_t now = time(NULL);
	json_t *header = NULL, *claims = NULL, *answer = NULL;
	char *assertion = NULL, why[256];
	const char *token, *oauth_error;
	struct http_answer a;
	struct http_request rq = { 0 };
	const char *headers[] = { "Content-Type: application/x-www-form-urlencoded",
				  "Accept: application/json", NULL };
	struct buf form;
	json_int_t expires_in;
	int rc = -1;

	buf_init(&form, 0);
	memset(&a, 0, sizeof(a));
	buf_init(&a.body, 0);
	header = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", c->client_email, "scope", FCM_SCOPE,
			   "aud", c->token_uri, "iat", (json_int_t)now, "exp",
			   (json_int_t)(now + FCM_TOKEN_LIFETIME));
	assertion = header && claims ? jwt_sign_rs256(header, claims, c->key) : NULL;
	if (!assertion) {
		push_result(out, SEND_REJECTED, 0, "fcm: cannot sign the OAuth2 assertion");
		goto out;
	}
	/* The assertion is base64url and dots: nothing in it to escape. */
	if (buf_printf(&form,
		       "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
		       "&assertion=%s",
		       assertion) < 0) {
		push_result(out, SEND_RETRY, 0, "fcm: out of memory");
		goto out;
	}
	rq.url = c->token_uri;
	rq.headers = headers;
	rq.body = form.data;
	rq.body_len = form.len;
	rq.ca_file = c->ca_file;
	http_answer_free(&a);
	if (http_client_send(&rq, &a, why, sizeof(why)) != ERR_OK) {
		push_result(out, SEND_RETRY, 0, "fcm token: %s", why);
		goto out;
	}
	answer = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
	token = json_string_value(json_object_get(answer, "access_token"));
	if (a.status != 200 || !token || !*token || strlen(token) >= sizeof(c->access_token)) {
		/* RFC 6749 §5.2: {"error": "invalid_grant", "error_description"} */
		oauth_error = json_string_value(json_object_get(answer, "error"));
		push_result(out,
			    a.status >= 500 || a.status == 429 || a.status == 0 ? SEND_RETRY
										: SEND_REJECTED,
			    a.status, "fcm token: %d %s: %s", a.status,
			    oauth_error ? oauth_error : "no access_token",
			    json_string_value(json_object_get(answer, "error_description"))
				? json_string_value(json_object_get(answer, "error_description"))
				: "");
		out->retry_after_s = a.retry_after_s;
		goto out;
	}
	expires_in = json_integer_value(json_object_get(answer, "expires_in"));
	if (expires_in <= 0)
		expires_in = FCM_TOKEN_LIFETIME;
	snprintf(c->access_token, sizeof(c->access_token), "%s", token);
	c->access_expires = now + (time_t)expires_in;
	rc = 0;
out:
	json_decref(answer);
	json_decref(header);
	json_decref(claims);
	free(assertion);
	buf_cleanup(&form);
	http_answer_free(&a);
	return rc;
}

static json_t *fcm_body(const char *device_token, const struct push_message *m,
			const char *idempotency_key)
{
	json_t *data = json_object(), *android = json_object(), *apns_headers = json_object();
	char ticket[32];

	if (m->link)
		json_object_set_new(data, "link", json_string(m->link));
	if (m->kind)
		json_object_set_new(data, "kind", json_string(m->kind));
	if (m->ticket_id) {
		snprintf(ticket, sizeof(ticket), "%lld", m->ticket_id);
		json_object_set_new(data, "ticket_id", json_string(ticket));
	}
	if (idempotency_key)
		json_object_set_new(data, "idempotency_key", json_string(idempotency_key));
	if (m->ack_token)
		json_object_set_new(data, "ack_token", json_string(m->ack_token));
	json_object_set_new(android, "priority", json_string(m->high_priority ? "HIGH" : "NORMAL"));
	json_object_set_new(apns_headers, "apns-priority",
			    json_string(m->high_priority ? "10" : "5"));
	if (m->collapse) {
		json_object_set_new(android, "collapse_key", json_string(m->collapse));
		json_object_set_new(apns_headers, "apns-collapse-id", json_string(m->collapse));
	}
	return json_pack("{s:{s:s, s:{s:s, s:s}, s:o, s:o, s:{s:o}}}", "message", "token",
			 device_token, "notification", "title", m->title ? m->title : "", "body",
			 m->body ? m->body : "", "data", data, "android", android, "apns",
			 "headers", apns_headers);
}

/* One POST of the message; the answer in a (caller frees). */
static int fcm_post(struct push_fcm *c, const char *body, struct http_answer *a, char *why,
		    size_t why_size)
{
	struct http_request rq = { 0 };
	struct buf url, auth;
	const char *headers[4];
	int rc;

	buf_init(&url, 0);
	buf_init(&auth, 0);
	buf_printf(&url, "%s/v1/projects/%s/messages:send", c->endpoint, c->project_id);
	buf_printf(&auth, "Authorization: Bearer %s", c->access_token);
	headers[0] = "Content-Type: application/json; charset=UTF-8";
	headers[1] = auth.data;
	headers[2] = NULL;
	rq.url = url.data;
	rq.headers = headers;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.ca_file = c->ca_file;
	if (url.failed || auth.failed) {
		memset(a, 0, sizeof(*a));
		snprintf(why, why_size, "out of memory");
		rc = -1;
	} else {
		rc = http_client_send(&rq, a, why, why_size) == ERR_OK ? 0 : -1;
	}
	OPENSSL_cleanse(auth.data, auth.len);
	buf_cleanup(&auth);
	buf_cleanup(&url);
	return rc;
}

void push_fcm_send(struct push_fcm *c, const char *device_token, const struct push_message *m,
		   const char *idempotency_key, struct send_result *out)
{
	json_t *message = fcm_body(device_token, m, idempotency_key), *answer = NULL;
	char *body = message ? json_dumps(message, JSON_COMPACT) : NULL, why[256];
	struct http_answer a;
	struct fcm_error fe;
	const char *name;

	memset(&a, 0, sizeof(a));
	if (!body) {
		push_result(out, SEND_REJECTED, 0, "fcm: cannot build the message");
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		if (!c->access_token[0] || time(NULL) >= c->access_expires - FCM_TOKEN_MARGIN) {
			if (fcm_authorize(c, out) < 0)
				goto out;
		}
		http_answer_free(&a);
		if (fcm_post(c, body, &a, why, sizeof(why)) < 0) {
			push_result(out, SEND_RETRY, 0, "fcm: %s", why);
			goto out;
		}
		if (a.status != 401 || attempt > 0)
			break;
		/* Revoked or expired early: buy a new token, once. */
		OPENSSL_cleanse(c->access_token, sizeof(c->access_token));
		c->access_token[0] = '\0';
	}
	answer = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
	if (a.status == 200) {
		name = json_string_value(json_object_get(answer, "name"));
		push_result(out, SEND_OK, a.status, "%s", "");
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s", name ? name : "");
		goto out;
	}
	fcm_error_read(answer, &fe);
	if (a.status == 401) {
		OPENSSL_cleanse(c->access_token, sizeof(c->access_token));
		c->access_token[0] = '\0';
	}
	push_result(out, SEND_REJECTED, a.status, "%s: %s", fe.error_code, fe.message);
	out->retry_after_s = a.retry_after_s;
	/* A 404 without UNREGISTERED (a wrong project) is not the token's fault. */
	if (strcmp(fe.error_code, "UNREGISTERED") == 0 ||
	    strcmp(fe.error_code, "SENDER_ID_MISMATCH") == 0)
		out->outcome = SEND_GONE;
	else if (a.status == 400 && strcmp(fe.error_code, "INVALID_ARGUMENT") == 0 &&
		 (fe.token_field || strcasestr(fe.message, "registration token")))
		out->outcome = SEND_GONE;
	else if (a.status == 429 || a.status == 401 || a.status >= 500 ||
		 strcmp(fe.error_code, "QUOTA_EXCEEDED") == 0 ||
		 strcmp(fe.error_code, "UNAVAILABLE") == 0 ||
		 strcmp(fe.error_code, "INTERNAL") == 0)
		out->outcome = SEND_RETRY;
out:
	json_decref(answer);
	json_decref(message);
	free(body);
	http_answer_free(&a);
}
