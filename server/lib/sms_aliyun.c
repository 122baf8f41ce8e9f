/* SMS through Aliyun's SendSms (include/lib/sms.h): the RPC API's form
 * POST, signed with signature version 1.0 (HMAC-SHA1 over the sorted,
 * percent-encoded parameters). */
#include "lib/sms.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "lib/http_client.h"
#include "lib/secret.h"

#define SMS_DEFAULT_ENDPOINT "https://dysmsapi.aliyuncs.com"
#define SMS_BODY_MAX (64 * 1024)

struct sms_client {
	char access_key_id[128];
	char access_key_secret[256]; /* a credential: never logged, never in error[] */
	char sign_name[128];
	char endpoint[512];
	char ca_file[512];
	json_t *templates; /* kind -> template code */
};

/* Business codes Aliyun answers for load it expects to pass: try later. */
static const char *const retry_codes[] = {
	"isv.BUSINESS_LIMIT_CONTROL",
	"Throttling.User",
	"isp.SYSTEM_ERROR",
	"ServiceUnavailable",
};

static enum err conf_string(const json_t *conf, const char *key, int required, char *out,
			    size_t size, char *why, size_t why_size)
{
	const json_t *v = json_object_get(conf, key);

	if (!v) {
		if (!required)
			return ERR_OK;
		snprintf(why, why_size, "%s: required", key);
		return ERR_INVALID;
	}
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

enum err sms_client_new(const json_t *conf, const char *ca_file, struct sms_client **out, char *why,
			size_t why_size)
{
	static const char *const known[] = {
		"access_key_id", "access_key_secret", "access_key_secret_file",
		"sign_name",     "endpoint",          "templates"
	};
	struct sms_client *c;
	const json_t *templates, *v;
	const char *key;
	enum err e = ERR_INVALID;

	*out = NULL;
	if (!json_is_object(conf)) {
		snprintf(why, why_size, "sms: must be an object");
		return ERR_INVALID;
	}
	json_object_foreach((json_t *)conf, key, v) {
		size_t i = 0;

		while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]) != 0)
			i++;
		if (i == sizeof(known) / sizeof(known[0])) {
			snprintf(why, why_size, "%s: unknown key", key);
			return ERR_INVALID;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_INTERNAL;
	snprintf(c->endpoint, sizeof(c->endpoint), "%s", SMS_DEFAULT_ENDPOINT);
	if (conf_string(conf, "access_key_id", 1, c->access_key_id, sizeof(c->access_key_id), why,
			why_size) != ERR_OK ||
	    conf_string(conf, "sign_name", 1, c->sign_name, sizeof(c->sign_name), why, why_size) !=
		ERR_OK ||
	    conf_string(conf, "endpoint", 0, c->endpoint, sizeof(c->endpoint), why, why_size) !=
		ERR_OK)
		goto fail;
	if (secret_get(conf, "access_key_secret", c->access_key_secret,
		       sizeof(c->access_key_secret), why, why_size) < 0)
		goto fail;
	if (strncmp(c->endpoint, "https://", 8) != 0) {
		snprintf(why, why_size, "endpoint: must be an https:// URL");
		goto fail;
	}
	templates = json_object_get(conf, "templates");
	if (templates && !json_is_object(templates)) {
		snprintf(why, why_size, "templates: must be an object of kind: template code");
		goto fail;
	}
	json_object_foreach((json_t *)templates, key, v) {
		if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 64) {
			snprintf(why, why_size, "templates.%s: must be a template code", key);
			goto fail;
		}
	}
	c->templates = templates ? json_deep_copy(templates) : json_object();
	if (!c->templates) {
		e = ERR_INTERNAL;
		goto fail;
	}
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", ca_file ? ca_file : "");
	*out = c;
	return ERR_OK;
fail:
	sms_client_free(c);
	return e;
}

void sms_client_free(struct sms_client *c)
{
	if (!c)
		return;
	json_decref(c->templates);
	OPENSSL_cleanse(c->access_key_secret, sizeof(c->access_key_secret));
	free(c);
}

const char *sms_template_for(const struct sms_client *c, const char *kind)
{
	return json_string_value(json_object_get(c->templates, kind));
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Aliyun's PhoneNumbers: a mainland number as its 11 digits, any other
 * country as country code + number without the "+". 0 ok, -1 not a
 * number we send to. */
static int phone_for_aliyun(const char *phone, char *out, size_t size)
{
	size_t n = strlen(phone);

	if (n == 11 && phone[0] == '1' && all_digits(phone, n)) {
		snprintf(out, size, "%s", phone);
		return 0;
	}
	/* E.164: "+", a country code not starting with 0, 15 digits at most. */
	if (n < 9 || n > 16 || phone[0] != '+' || phone[1] == '0' || !all_digits(phone + 1, n - 1))
		return -1;
	if (strncmp(phone, "+86", 3) == 0) {
		if (n != 14 || phone[3] != '1')
			return -1;
		snprintf(out, size, "%s", phone + 3);
		return 0;
	}
	snprintf(out, size, "%s", phone + 1);
	return 0;
}

/* A random (version 4) UUID: SignatureNonce, unique per request. */
static int uuid_v4(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

struct param {
	const char *name;
	const char *value;
};

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

/* "k=v&k=v" over the params sorted by name, each part RFC 3986 encoded:
 * both the canonicalized query Aliyun signs and the form body we send. */
static int canonical_query(struct param *p, size_t n, struct buf *out)
{
	qsort(p, n, sizeof(*p), param_cmp);
	for (size_t i = 0; i < n; i++) {
		char *k = http_client_escape(p[i].name), *v = http_client_escape(p[i].value);
		int rc = k && v ? buf_printf(out, "%s%s=%s", i ? "&" : "", k, v) : -1;

		free(k);
		free(v);
		if (rc < 0)
			return -1;
	}
	return out->data ? 0 : -1;
}

/* Signature = base64(HMAC-SHA1(secret + "&", "POST&%2F&" + encode(query))). */
static int sign_v1(const char *secret, const char *query, char *out, size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char key[260];
	struct buf to_sign;
	char *encoded = http_client_escape(query);
	int rc = -1;

	buf_init(&to_sign, 0);
	snprintf(key, sizeof(key), "%s&", secret);
	if (!encoded || buf_printf(&to_sign, "POST&%%2F&%s", encoded) < 0)
		goto out;
	if (!HMAC(EVP_sha1(), key, (int)strlen(key), (const unsigned char *)to_sign.data,
		  to_sign.len, mac, &mac_len))
		goto out;
	if (size < 4 * ((mac_len + 2) / 3) + 1)
		goto out;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(encoded);
	buf_cleanup(&to_sign);
	return rc;
}

static int is_retry_code(const char *code)
{
	for (size_t i = 0; i < sizeof(retry_codes) / sizeof(retry_codes[0]); i++)
		if (strcmp(code, retry_codes[i]) == 0)
			return 1;
	return 0;
}

static void read_answer(const struct http_answer *a, struct send_result *out)
{
	json_t *doc = a->body.data ? json_loadb(a->body.data, a->body.len, 0, NULL) : NULL;
	const char *code = json_string_value(json_object_get(doc, "Code"));
	const char *message = json_string_value(json_object_get(doc, "Message"));
	const char *biz_id = json_string_value(json_object_get(doc, "BizId"));

	out->http_status = a->status;
	out->retry_after_s = a->retry_after_s;
	if (code && strcmp(code, "OK") == 0 && a->status >= 200 && a->status < 300) {
		out->outcome = SEND_OK;
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s", biz_id ? biz_id : "");
		goto out;
	}
	if (code) {
		/* SignatureDoesNotMatch quotes the string it signed: the number and
		 * parameters, which have no place in a delivery's error. */
		const char *quoted = message ? strstr(message, " server string to sign is:") : NULL;
		int len = quoted ? (int)(quoted - message) : -1;

		if (len < 0)
			len = (int)(message ? strlen(message) : 0);
		snprintf(out->error, sizeof(out->error), "%s: %.*s", code, len,
			 message ? message : "");
	} else {
		snprintf(out->error, sizeof(out->error), "HTTP %d without an Aliyun answer",
			 a->status);
	}
	out->outcome = a->status >= 500 || a->status == 429 || (code && is_retry_code(code))
			   ? SEND_RETRY
			   : SEND_REJECTED;
out:
	json_decref(doc);
}

void sms_send(struct sms_client *c, const char *phone, const char *template_code,
	      const json_t *params, const char *out_id, struct send_result *out)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json",
		NULL,
	};
	char number[20], nonce[37], timestamp[32], signature[64], url[600], why[256];
	char *template_param = NULL, *escaped_signature = NULL;
	struct param p[16];
	struct http_request rq = { 0 };
	struct http_answer a;
	struct buf body;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&body, SMS_BODY_MAX);
	out->outcome = SEND_REJECTED;
	if (!phone || phone_for_aliyun(phone, number, sizeof(number)) < 0) {
		snprintf(out->error, sizeof(out->error), "not a mobile number we send SMS to");
		goto done;
	}
	if (!template_code || !*template_code) {
		snprintf(out->error, sizeof(out->error), "no template code");
		goto done;
	}
	if (params) {
		template_param = json_dumps(params, JSON_COMPACT);
		if (!template_param || !json_is_object(params)) {
			snprintf(out->error, sizeof(out->error),
				 "template parameters: not an object");
			goto done;
		}
	}
	out->outcome = SEND_RETRY; /* local failures below are not the message's fault */
	if (uuid_v4(nonce) < 0) {
		snprintf(out->error, sizeof(out->error), "no random nonce");
		goto done;
	}
	clock_format(clock_now(), timestamp, sizeof(timestamp));
	p[n++] = (struct param){ "AccessKeyId", c->access_key_id };
	p[n++] = (struct param){ "Action", "SendSms" };
	p[n++] = (struct param){ "Format", "JSON" };
	p[n++] = (struct param){ "PhoneNumbers", number };
	p[n++] = (struct param){ "RegionId", "cn-hangzhou" };
	p[n++] = (struct param){ "SignName", c->sign_name };
	p[n++] = (struct param){ "SignatureMethod", "HMAC-SHA1" };
	p[n++] = (struct param){ "SignatureNonce", nonce };
	p[n++] = (struct param){ "SignatureVersion", "1.0" };
	p[n++] = (struct param){ "TemplateCode", template_code };
	p[n++] = (struct param){ "Timestamp", timestamp };
	p[n++] = (struct param){ "Version", "2017-05-25" };
	if (template_param)
		p[n++] = (struct param){ "TemplateParam", template_param };
	if (out_id && *out_id)
		p[n++] = (struct param){ "OutId", out_id };
	if (canonical_query(p, n, &body) < 0 ||
	    sign_v1(c->access_key_secret, body.data, signature, sizeof(signature)) < 0 ||
	    !(escaped_signature = http_client_escape(signature)) ||
	    buf_printf(&body, "&Signature=%s", escaped_signature) < 0) {
		snprintf(out->error, sizeof(out->error), "cannot build the request");
		goto done;
	}
	snprintf(url, sizeof(url), "%s%s", c->endpoint,
		 c->endpoint[strlen(c->endpoint) - 1] == '/' ? "" : "/");
	rq.url = url;
	rq.headers = headers;
	rq.body = body.data;
	rq.body_len = body.len;
	rq.ca_file = c->ca_file;
	if (http_client_send(&rq, &a, why, sizeof(why)) != ERR_OK) {
		out->outcome = SEND_RETRY;
		snprintf(out->error, sizeof(out->error), "%s", why);
	} else {
		read_answer(&a, out);
	}
	http_answer_free(&a);
done:
	free(template_param);
	free(escaped_signature);
	buf_cleanup(&body);
}
