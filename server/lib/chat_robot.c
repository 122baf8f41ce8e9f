/* Work-chat group robots (include/lib/chat_robot.h): WeCom's markdown
 * webhook, DingTalk's signed-URL webhook and Feishu's signed-body one. */
#include "lib/chat_robot.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "lib/http_client.h"
#include "lib/secret.h"

#define ROBOT_BODY_MAX (32 * 1024)

static const char *const provider_names[] = { "wecom", "dingtalk", "feishu" };

static enum err conf_string(const json_t *conf, const char *key, char *out, size_t size, char *why,
			    size_t why_size)
{
	const json_t *v = json_object_get(conf, key);

	if (!v)
		return ERR_OK;
	if (!json_is_string(v) || !json_string_length(v)) {
		snprintf(why, why_size, "%s: must be a non-empty string", key);
		return ERR_INVALID;
	}
	if (json_string_length(v) >= size) {
		snprintf(why, why_size, "%s: too long", key);
		return ERR_INVALID;
	}
	snprintf(out, size, "%s", json_string_value(v));
	return ERR_OK;
}

static enum err parse_events(const json_t *events, struct chat_robot *out, char *why,
			     size_t why_size)
{
	const json_t *v;
	size_t i;

	if (!events)
		return ERR_OK;
	if (!json_is_array(events) || json_array_size(events) > 16) {
		snprintf(why, why_size, "events: must be an array of at most 16 kinds");
		return ERR_INVALID;
	}
	json_array_foreach(events, i, v) {
		size_t len = json_string_length(v);

		if (!json_is_string(v) || !len || len >= sizeof(out->events[0])) {
			snprintf(why, why_size, "events[%zu]: must be a notification kind", i);
			return ERR_INVALID;
		}
		snprintf(out->events[i], sizeof(out->events[i]), "%s", json_string_value(v));
	}
	out->n_events = json_array_size(events);
	return ERR_OK;
}

enum err chat_robot_parse(const json_t *conf, struct chat_robot *out, char *why, size_t why_size)
{
	static const char *const known[] = { "name",     "provider", "url",
					     "url_file", "secret",   "secret_file",
					     "centre",   "region",   "events" };
	const char *key, *provider;
	const json_t *v;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(conf)) {
		snprintf(why, why_size, "robot: must be an object");
		return ERR_INVALID;
	}
	json_object_foreach((json_t *)conf, key, v) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			snprintf(why, why_size, "%s: unknown key", key);
			return ERR_INVALID;
		}
	}
	if (!json_object_get(conf, "name")) {
		snprintf(why, why_size, "name: required");
		return ERR_INVALID;
	}
	if (conf_string(conf, "name", out->name, sizeof(out->name), why, why_size) != ERR_OK)
		return ERR_INVALID;
	provider = json_string_value(json_object_get(conf, "provider"));
	for (i = 0; provider && i < sizeof(provider_names) / sizeof(provider_names[0]); i++)
		if (strcmp(provider, provider_names[i]) == 0)
			break;
	if (!provider || i == sizeof(provider_names) / sizeof(provider_names[0])) {
		snprintf(why, why_size, "provider: must be wecom, dingtalk or feishu");
		return ERR_INVALID;
	}
	out->provider = (enum robot_provider)i;
	/* The URL holds the group's key: a credential, so it may come from a file. */
	if (secret_get(conf, "url", out->url, sizeof(out->url), why, why_size) < 0)
		goto fail;
	if (strncmp(out->url, "https://", 8) != 0) {
		snprintf(why, why_size, "%s: must be an https:// URL",
			 json_object_get(conf, "url") ? "url" : "url_file");
		goto fail;
	}
	if (json_object_get(conf, "secret") || json_object_get(conf, "secret_file")) {
		if (out->provider == ROBOT_WECOM) {
			snprintf(why, why_size, "%s: WeCom robots are not signed",
				 json_object_get(conf, "secret") ? "secret" : "secret_file");
			goto fail;
		}
		if (secret_get(conf, "secret", out->secret, sizeof(out->secret), why, why_size) < 0)
			goto fail;
	}
	if (json_object_get(conf, "centre") && json_object_get(conf, "region")) {
		snprintf(why, why_size, "region: give centre or region, not both");
		goto fail;
	}
	if (conf_string(conf, "centre", out->centre, sizeof(out->centre), why, why_size) !=
		ERR_OK ||
	    conf_string(conf, "region", out->region, sizeof(out->region), why, why_size) !=
		ERR_OK ||
	    parse_events(json_object_get(conf, "events"), out, why, why_size) != ERR_OK)
		goto fail;
	return ERR_OK;
fail:
	OPENSSL_cleanse(out, sizeof(*out));
	return ERR_INVALID;
}

int chat_robot_wants(const struct chat_robot *r, const char *kind)
{
	if (!r->n_events)
		return 1;
	for (size_t i = 0; i < r->n_events; i++)
		if (strcmp(r->events[i], kind) == 0)
			return 1;
	return 0;
}

/* base64(HMAC-SHA256(key, message)) into out (>= 45 bytes). */
static int hmac_sha256_base64(const char *key, const char *message, char *out, size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (!HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)message,
		  strlen(message), mac, &mac_len) ||
	    size < 4 * ((mac_len + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
	return 0;
}

static char *wecom_body(const struct chat_message *m)
{
	struct buf content;
	json_t *doc;
	char *text;

	buf_init(&content, ROBOT_BODY_MAX);
	buf_printf(&content, "**%s**\n%s", m->title, m->text ? m->text : "");
	if (m->link)
		buf_printf(&content, "\n[%s](%s)", m->link, m->link);
	if (content.failed) {
		buf_cleanup(&content);
		return NULL;
	}
	doc =
	    json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", content.data);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	buf_cleanup(&content);
	return text;
}

static char *dingtalk_body(const struct chat_message *m)
{
	struct buf md;
	json_t *doc;
	char *text;

	buf_init(&md, ROBOT_BODY_MAX);
	/* DingTalk shows the title only in the notification list: repeat it. */
	buf_printf(&md, "### %s\n\n%s", m->title, m->text ? m->text : "");
	if (m->link)
		buf_printf(&md, "\n\n[%s](%s)", m->link, m->link);
	if (md.failed) {
		buf_cleanup(&md);
		return NULL;
	}
	doc = json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown", "markdown", "title", m->title,
			"text", md.data);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	buf_cleanup(&md);
	return text;
}

static char *feishu_body(const struct chat_robot *r, const struct chat_message *m)
{
	struct buf plain;
	json_t *doc = NULL;
	char *text = NULL, timestamp[24], key[300], sign[64];

	buf_init(&plain, ROBOT_BODY_MAX);
	buf_printf(&plain, "%s\n%s", m->title, m->text ? m->text : "");
	if (m->link)
		buf_printf(&plain, "\n%s", m->link);
	if (plain.failed)
		goto out;
	doc = json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content", "text", plain.data);
	if (!doc)
		goto out;
	if (r->secret[0]) {
		/* Feishu's signature: the key is "timestamp\nsecret", the message empty. */
		snprintf(timestamp, sizeof(timestamp), "%" PRId64, clock_now());
		snprintf(key, sizeof(key), "%s\n%s", timestamp, r->secret);
		if (hmac_sha256_base64(key, "", sign, sizeof(sign)) < 0)
			goto out;
		json_object_set_new(doc, "timestamp", json_string(timestamp));
		json_object_set_new(doc, "sign", json_string(sign));
	}
	text = json_dumps(doc, JSON_COMPACT);
out:
	OPENSSL_cleanse(key, sizeof(key));
	json_decref(doc);
	buf_cleanup(&plain);
	return text;
}

/* DingTalk signs the URL: &timestamp=<ms>&sign=<encoded base64 of
 * HMAC-SHA256(secret, "<ms>\n<secret>")>. */
static int dingtalk_url(const struct chat_robot *r, char *out, size_t size)
{
	char timestamp[24], *to_sign = NULL, sign[64], *escaped = NULL;
	struct timeval now;
	int64_t ms;
	size_t n;
	int rc = -1;

	if (!r->secret[0]) {
		snprintf(out, size, "%s", r->url);
		return 0;
	}
	gettimeofday(&now, NULL);
	/* clock_now() keeps the tests' time shifts; the milliseconds are real. */
	ms = clock_now() * 1000 + now.tv_usec / 1000;
	snprintf(timestamp, sizeof(timestamp), "%" PRId64, ms);
	n = strlen(timestamp) + strlen(r->secret) + 2;
	to_sign = malloc(n);
	if (!to_sign)
		return -1;
	snprintf(to_sign, n, "%s\n%s", timestamp, r->secret);
	if (hmac_sha256_base64(r->secret, to_sign, sign, sizeof(sign)) < 0 ||
	    !(escaped = http_client_escape(sign)))
		goto out;
	if ((size_t)snprintf(out, size, "%s%ctimestamp=%s&sign=%s", r->url,
			     strchr(r->url, '?') ? '&' : '?', timestamp, escaped) < size)
		rc = 0;
out:
	OPENSSL_cleanse(to_sign, strlen(to_sign));
	free(to_sign);
	free(escaped);
	return rc;
}

static int code_in(long long code, const long long *codes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (codes[i] == code)
			return 1;
	return 0;
}

static void read_answer(const struct chat_robot *r, const struct http_answer *a,
			struct send_result *out)
{
	static const long long wecom_retry[] = { 45009 };
	static const long long dingtalk_retry[] = { 130101 };
	static const long long feishu_retry[] = { 9499, 11232 };
	json_t *doc = a->body.data ? json_loadb(a->body.data, a->body.len, 0, NULL) : NULL;
	const json_t *code_v, *msg_v;
	const long long *retry = wecom_retry;
	size_t n_retry = 1;
	long long code;

	out->http_status = a->status;
	out->retry_after_s = a->retry_after_s;
	if (r->provider == ROBOT_FEISHU) {
		code_v = json_object_get(doc, "code");
		if (!code_v)
			code_v = json_object_get(doc, "StatusCode"); /* the older answer */
		msg_v = json_object_get(doc, "msg");
		if (!msg_v)
			msg_v = json_object_get(doc, "StatusMessage");
		retry = feishu_retry;
		n_retry = 2;
	} else {
		code_v = json_object_get(doc, "errcode");
		msg_v = json_object_get(doc, "errmsg");
		if (r->provider == ROBOT_DINGTALK)
			retry = dingtalk_retry;
	}
	if (!json_is_integer(code_v)) {
		snprintf(out->error, sizeof(out->error), "HTTP %d without a %s answer", a->status,
			 provider_names[r->provider]);
		out->outcome = a->status >= 500 || a->status == 429 ? SEND_RETRY : SEND_REJECTED;
		goto out;
	}
	code = json_integer_value(code_v);
	if (code == 0 && a->status >= 200 && a->status < 300) {
		out->outcome = SEND_OK;
		goto out;
	}
	snprintf(out->error, sizeof(out->error), "%lld: %s", code,
		 json_is_string(msg_v) ? json_string_value(msg_v) : "");
	out->outcome = a->status >= 500 || a->status == 429 || code_in(code, retry, n_retry)
			   ? SEND_RETRY
			   : SEND_REJECTED;
out:
	json_decref(doc);
}

void chat_robot_send(const struct chat_robot *r, const char *ca_file, const struct chat_message *m,
		     struct send_result *out)
{
	static const char *const headers[] = { "Content-Type: application/json; charset=utf-8",
					       NULL };
	struct http_request rq = { 0 };
	struct http_answer a;
	char url[1400], why[256];
	char *body = NULL;

	memset(out, 0, sizeof(*out));
	out->outcome = SEND_RETRY;
	if (!m || !m->title) {
		out->outcome = SEND_REJECTED;
		snprintf(out->error, sizeof(out->error), "no title");
		return;
	}
	switch (r->provider) {
	case ROBOT_WECOM:
		body = wecom_body(m);
		snprintf(url, sizeof(url), "%s", r->url);
		break;
	case ROBOT_DINGTALK:
		body = dingtalk_body(m);
		if (dingtalk_url(r, url, sizeof(url)) < 0) {
			snprintf(out->error, sizeof(out->error), "cannot sign the request");
			goto done;
		}
		break;
	case ROBOT_FEISHU:
		body = feishu_body(r, m);
		snprintf(url, sizeof(url), "%s", r->url);
		break;
	}
	if (!body) {
		out->outcome = SEND_REJECTED;
		snprintf(out->error, sizeof(out->error), "message too long");
		goto done;
	}
	rq.url = url;
	rq.headers = headers;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.ca_file = ca_file;
	if (http_client_send(&rq, &a, why, sizeof(why)) != ERR_OK)
		snprintf(out->error, sizeof(out->error), "%s", why);
	else
		read_answer(r, &a, out);
	http_answer_free(&a);
done:
	OPENSSL_cleanse(url, sizeof(url));
	free(body);
}
