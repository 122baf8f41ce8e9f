/* Apple Push Notification service over HTTP/2 with a provider token: an
 * ES256 JWT signed with the team's .p8 key, reused for 50 minutes (Apple
 * refuses tokens older than an hour and new ones more often than every 20
 * minutes), made anew once when Apple says it expired or is invalid. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/http_client.h"
#include "lib/jwt.h"
#include "lib/push_provider.h"
#include "lib/secret.h"

#define APNS_TOKEN_REUSE (50 * 60)
#define APNS_EXPIRATION (24 * 60 * 60)

struct push_apns {
	char *endpoint;
	char *ca_file;
	char *key_id;
	char *team_id;
	char *topic;
	EVP_PKEY *key;
	char jwt[512];
	time_t jwt_made;
};

void push_apns_free(struct push_apns *c)
{
	if (!c)
		return;
	EVP_PKEY_free(c->key);
	OPENSSL_cleanse(c->jwt, sizeof(c->jwt));
	free(c->endpoint);
	free(c->ca_file);
	free(c->key_id);
	free(c->team_id);
	free(c->topic);
	free(c);
}

enum err push_apns_new(const json_t *conf, const char *ca_file, struct push_apns **out, char *why,
		       size_t why_size)
{
	const char *key_id, *team_id, *topic, *endpoint;
	struct push_apns *c = NULL;
	char pem[8192];

	*out = NULL;
	if (!(key_id = push_conf_string(conf, "key_id", NULL, why, why_size)) ||
	    !(team_id = push_conf_string(conf, "team_id", NULL, why, why_size)) ||
	    !(topic = push_conf_string(conf, "topic", NULL, why, why_size)) ||
	    !(endpoint =
		  push_conf_string(conf, "endpoint", "https://api.push.apple.com", why, why_size)))
		return ERR_INVALID;
	/* "key" inline or, as Apple hands it out, "key_file": the .p8 file */
	if (secret_get(conf, "key", pem, sizeof(pem), why, why_size) < 0)
		return ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto internal;
	c->key = jwt_key_from_pem(pem, strlen(pem));
	OPENSSL_cleanse(pem, sizeof(pem));
	if (!c->key || !EVP_PKEY_is_a(c->key, "EC") || EVP_PKEY_get_bits(c->key) != 256) {
		snprintf(why, why_size, "%s: not a PEM EC P-256 private key (.p8)",
			 json_object_get(conf, "key") ? "key" : "key_file");
		push_apns_free(c);
		return ERR_INVALID;
	}
	c->endpoint = push_endpoint(endpoint);
	c->ca_file = strdup(ca_file ? ca_file : "");
	c->key_id = strdup(key_id);
	c->team_id = strdup(team_id);
	c->topic = strdup(topic);
	if (!c->endpoint || !c->ca_file || !c->key_id || !c->team_id || !c->topic)
		goto internal;
	*out = c;
	return ERR_OK;
internal:
	push_apns_free(c);
	snprintf(why, why_size, "out of memory");
	return ERR_INTERNAL;
}

static int apns_token(struct push_apns *c, int renew)
{
	time_t now = time(NULL);
	json_t *header, *claims;
	char *token;

	if (!renew && c->jwt[0] && now - c->jwt_made < APNS_TOKEN_REUSE)
		return 0;
	header = json_pack("{s:s, s:s}", "alg", "ES256", "kid", c->key_id);
	claims = json_pack("{s:s, s:I}", "iss", c->team_id, "iat", (json_int_t)now);
	token = header && claims ? jwt_sign_es256(header, claims, c->key) : NULL;
	json_decref(header);
	json_decref(claims);
	if (!token || strlen(token) >= sizeof(c->jwt)) {
		free(token);
		return -1;
	}
	snprintf(c->jwt, sizeof(c->jwt), "%s", token);
	c->jwt_made = now;
	free(token);
	return 0;
}

/* 8-4-4-4-12 upper-case hex of SHA-256(idempotency_key)'s first 16 bytes:
 * a retry of one delivery is the same notification to Apple. */
static void apns_id(const char *idempotency_key, char out[37])
{
	unsigned char d[16];
	char *p = out;

	push_key_digest(idempotency_key, d);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += sprintf(p, "%02X", d[i]);
	}
	*p = '\0';
}

static char *apns_body(const struct push_message *m)
{
	json_t *aps, *root;
	char *out;

	aps = json_pack("{s:{s:s, s:s}, s:s}", "alert", "title", m->title ? m->title : "", "body",
			m->body ? m->body : "", "sound", "default");
	if (!aps)
		return NULL;
	if (m->ack_token)
		json_object_set_new(aps, "category", json_string("ESCALATION"));
	if (m->kind)
		json_object_set_new(aps, "thread-id", json_string(m->kind));
	root = json_pack("{s:o}", "aps", aps);
	if (!root)
		return NULL;
	if (m->link)
		json_object_set_new(root, "link", json_string(m->link));
	if (m->kind)
		json_object_set_new(root, "kind", json_string(m->kind));
	if (m->ticket_id)
		json_object_set_new(root, "ticket_id", json_integer(m->ticket_id));
	if (m->ack_token)
		json_object_set_new(root, "ack_token", json_string(m->ack_token));
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

static int apns_post(struct push_apns *c, const char *device_token, const struct push_message *m,
		     const char *id, const char *body, struct http_answer *a, char *why,
		     size_t why_size)
{
	char auth[600], topic[300], priority[32], expiration[48], id_header[64], collapse[128];
	const char *headers[10];
	struct http_request rq = { 0 };
	struct buf url;
	size_t n = 0;
	int rc;

	buf_init(&url, 0);
	buf_printf(&url, "%s/3/device/%s", c->endpoint, device_token);
	snprintf(auth, sizeof(auth), "authorization: bearer %s", c->jwt);
	snprintf(topic, sizeof(topic), "apns-topic: %s", c->topic);
	snprintf(priority, sizeof(priority), "apns-priority: %d", m->high_priority ? 10 : 5);
	snprintf(expiration, sizeof(expiration), "apns-expiration: %lld",
		 (long long)time(NULL) + APNS_EXPIRATION);
	snprintf(id_header, sizeof(id_header), "apns-id: %s", id);
	headers[n++] = auth;
	headers[n++] = topic;
	headers[n++] = "apns-push-type: alert";
	headers[n++] = priority;
	headers[n++] = expiration;
	headers[n++] = id_header;
	headers[n++] = "content-type: application/json";
	if (m->collapse) {
		/* Apple caps apns-collapse-id at 64 bytes */
		snprintf(collapse, sizeof(collapse), "apns-collapse-id: %.64s", m->collapse);
		headers[n++] = collapse;
	}
	headers[n] = NULL;
	rq.url = url.data;
	rq.headers = headers;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.ca_file = c->ca_file;
	rq.http2 = 1;
	if (url.failed) {
		memset(a, 0, sizeof(*a));
		snprintf(why, why_size, "out of memory");
		rc = -1;
	} else {
		rc = http_client_send(&rq, a, why, why_size) == ERR_OK ? 0 : -1;
	}
	OPENSSL_cleanse(auth, sizeof(auth));
	buf_cleanup(&url);
	return rc;
}

void push_apns_send(struct push_apns *c, const char *device_token, const struct push_message *m,
		    const char *idempotency_key, struct send_result *out)
{
	char *body = apns_body(m), id[37], why[256];
	struct http_answer a;
	json_t *answer = NULL;
	const char *reason = "";

	memset(&a, 0, sizeof(a));
	apns_id(idempotency_key, id);
	/* An APNs token is hex; anything else would not even make a path. */
	if (strspn(device_token, "0123456789abcdefABCDEF") != strlen(device_token)) {
		push_result(out, SEND_GONE, 0, "BadDeviceToken: not hex");
		goto out;
	}
	if (!body) {
		push_result(out, SEND_REJECTED, 0, "apns: cannot build the payload");
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		if (apns_token(c, attempt > 0) < 0) {
			push_result(out, SEND_REJECTED, 0, "apns: cannot sign the provider token");
			goto out;
		}
		http_answer_free(&a);
		if (apns_post(c, device_token, m, id, body, &a, why, sizeof(why)) < 0) {
			push_result(out, SEND_RETRY, 0, "apns: %s", why);
			goto out;
		}
		json_decref(answer);
		answer = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
		reason = json_string_value(json_object_get(answer, "reason"));
		if (!reason)
			reason = "";
		if (a.status != 403 || attempt > 0 ||
		    (strcmp(reason, "ExpiredProviderToken") != 0 &&
		     strcmp(reason, "InvalidProviderToken") != 0))
			break;
	}
	if (a.status == 200) {
		push_result(out, SEND_OK, a.status, "%s", "");
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s",
			 a.apns_id[0] ? a.apns_id : id);
		goto out;
	}
	push_result(out, SEND_REJECTED, a.status, "%d %s", a.status, reason);
	out->retry_after_s = a.retry_after_s;
	if (a.status == 410 || strcmp(reason, "Unregistered") == 0 ||
	    strcmp(reason, "BadDeviceToken") == 0 || strcmp(reason, "DeviceTokenNotForTopic") == 0)
		out->outcome = SEND_GONE;
	else if (a.status == 429 || a.status >= 500 || strcmp(reason, "ExpiredProviderToken") == 0)
		out->outcome = SEND_RETRY;
out:
	json_decref(answer);
	free(body);
	http_answer_free(&a);
}
