/* JPush (极光推送) REST API v3: one POST /v3/push per device, addressed by
 * registration id, with HTTP basic auth app_key:master_secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/http_client.h"
#include "lib/push_provider.h"
#include "lib/secret.h"

#define JPUSH_TIME_TO_LIVE 86400

/* JPush's error codes (docs.jiguang.cn, "REST API 错误码") */
#define JPUSH_SERVER_ERROR 1000
#define JPUSH_AUTH_FAILED 1004
#define JPUSH_NO_SUCH_TARGET 1011
#define JPUSH_RATE_LIMITED 2002

struct push_jpush {
	char *endpoint;
	char *ca_file;
	char *app_key;
	char master_secret[256];
	int apns_production;
};

void push_jpush_free(struct push_jpush *c)
{
	if (!c)
		return;
	OPENSSL_cleanse(c->master_secret, sizeof(c->master_secret));
	free(c->endpoint);
	free(c->ca_file);
	free(c->app_key);
	free(c);
}

enum err push_jpush_new(const json_t *conf, const char *ca_file, struct push_jpush **out, char *why,
			size_t why_size)
{
	const char *app_key, *endpoint;
	json_t *production = json_object_get(conf, "apns_production");
	struct push_jpush *c;

	*out = NULL;
	if (!(app_key = push_conf_string(conf, "app_key", NULL, why, why_size)) ||
	    !(endpoint = push_conf_string(conf, "endpoint", "https://api.jpush.cn", why, why_size)))
		return ERR_INVALID;
	if (production && !json_is_boolean(production)) {
		snprintf(why, why_size, "apns_production: must be true or false");
		return ERR_INVALID;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_INTERNAL;
	if (secret_get(conf, "master_secret", c->master_secret, sizeof(c->master_secret), why,
		       why_size) < 0) {
		push_jpush_free(c);
		return ERR_INVALID;
	}
	/* The REST API's own default: production, unless told otherwise. */
	c->apns_production = production ? json_is_true(production) : 1;
	c->endpoint = push_endpoint(endpoint);
	c->ca_file = strdup(ca_file ? ca_file : "");
	c->app_key = strdup(app_key);
	if (!c->endpoint || !c->ca_file || !c->app_key) {
		push_jpush_free(c);
		snprintf(why, why_size, "out of memory");
		return ERR_INTERNAL;
	}
	*out = c;
	return ERR_OK;
}

static json_t *jpush_extras(const struct push_message *m, const char *idempotency_key)
{
	json_t *extras = json_object();
	char ticket[32];

	if (m->link)
		json_object_set_new(extras, "link", json_string(m->link));
	if (m->kind)
		json_object_set_new(extras, "kind", json_string(m->kind));
	if (m->ticket_id) {
		snprintf(ticket, sizeof(ticket), "%lld", m->ticket_id);
		json_object_set_new(extras, "ticket_id", json_string(ticket));
	}
	if (idempotency_key)
		json_object_set_new(extras, "idempotency_key", json_string(idempotency_key));
	if (m->ack_token)
		json_object_set_new(extras, "ack_token", json_string(m->ack_token));
	return extras;
}

static char *jpush_body(const struct push_jpush *c, const char *device_token,
			const struct push_message *m, const char *idempotency_key)
{
	const char *title = m->title ? m->title : "", *text = m->body ? m->body : "";
	unsigned char d[16];
	json_int_t sendno;
	json_t *root;
	char *out;

	/* sendno echoes back in the answer; a stable one per delivery */
	push_key_digest(idempotency_key, d);
	sendno = (json_int_t)(((unsigned)d[0] << 24 | (unsigned)d[1] << 16 | (unsigned)d[2] << 8 |
			       d[3]) &
			      0x7fffffffu);
	root = json_pack("{s:s, s:{s:[s]}, s:{s:s, s:{s:s, s:s, s:i, s:o}, s:{s:{s:s, s:s}, s:s, "
			 "s:o}}, s:{s:b, s:i, s:I}}",
			 "platform", "all", "audience", "registration_id", device_token,
			 "notification", "alert", text, "android", "alert", text, "title", title,
			 "priority", m->high_priority ? 2 : 0, "extras",
			 jpush_extras(m, idempotency_key), "ios", "alert", "title", title, "body",
			 text, "sound", "default", "extras", jpush_extras(m, idempotency_key),
			 "options", "apns_production", c->apns_production, "time_to_live",
			 JPUSH_TIME_TO_LIVE, "sendno", sendno);
	if (!root)
		return NULL;
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

void push_jpush_send(struct push_jpush *c, const char *device_token, const struct push_message *m,
		     const char *idempotency_key, struct send_result *out)
{
	char *body = jpush_body(c, device_token, m, idempotency_key), why[256];
	const char *headers[] = { "Content-Type: application/json", "Accept: application/json",
				  NULL };
	struct http_request rq = { 0 };
	struct http_answer a;
	struct buf url;
	json_t *answer = NULL, *msg_id, *err;
	const char *message;
	json_int_t code;

	memset(&a, 0, sizeof(a));
	buf_init(&url, 0);
	if (!body || buf_printf(&url, "%s/v3/push", c->endpoint) < 0) {
		push_result(out, SEND_REJECTED, 0, "jpush: cannot build the message");
		goto out;
	}
	rq.url = url.data;
	rq.headers = headers;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.ca_file = c->ca_file;
	rq.basic_user = c->app_key;
	rq.basic_password = c->master_secret;
	if (http_client_send(&rq, &a, why, sizeof(why)) != ERR_OK) {
		push_result(out, SEND_RETRY, 0, "jpush: %s", why);
		goto out;
	}
	answer = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
	if (a.status == 200) {
		msg_id = json_object_get(answer, "msg_id");
		push_result(out, SEND_OK, a.status, "%s", "");
		if (json_is_string(msg_id))
			snprintf(out->provider_ref, sizeof(out->provider_ref), "%s",
				 json_string_value(msg_id));
		else if (json_is_integer(msg_id))
			snprintf(out->provider_ref, sizeof(out->provider_ref), "%lld",
				 (long long)json_integer_value(msg_id));
		goto out;
	}
	err = json_object_get(answer, "error");
	code = json_integer_value(json_object_get(err, "code"));
	message = json_string_value(json_object_get(err, "message"));
	push_result(out, SEND_REJECTED, a.status, "%lld: %s", (long long)code,
		    message ? message : "");
	out->retry_after_s = a.retry_after_s;
	if (code == JPUSH_NO_SUCH_TARGET)
		out->outcome = SEND_GONE;
	else if (code == JPUSH_RATE_LIMITED || code == JPUSH_SERVER_ERROR || a.status == 429 ||
		 a.status >= 500)
		out->outcome = SEND_RETRY;
out:
	json_decref(answer);
	free(body);
	buf_cleanup(&url);
	http_answer_free(&a);
}
