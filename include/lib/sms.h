/* SMS through Aliyun's SendSms API (signature method HMAC-SHA1, version
 * 2017-05-25): a template code and its parameters, never free text. */
#ifndef FT_SMS_H
#define FT_SMS_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "lib/send.h"

struct sms_client;

/* conf: {"access_key_id": "...", "access_key_secret" | "access_key_secret_file": "...",
 * "sign_name": "...", "endpoint": "https://dysmsapi.aliyuncs.com",
 * "templates": {"sla.escalation": "SMS_1234", ...}} */
enum err sms_client_new(const json_t *conf, const char *ca_file, struct sms_client **out,
			char *why, size_t why_size);
void sms_client_free(struct sms_client *c);
/* The template code configured for a notification kind, or NULL: kinds
 * without a template are never sent by SMS. */
const char *sms_template_for(const struct sms_client *c, const char *kind);
/* params: the template's parameters (not stolen); out_id: the caller's id
 * (OutId) for the message, the delivery's idempotency key. */
void sms_send(struct sms_client *c, const char *phone, const char *template_code,
	      const json_t *params, const char *out_id, struct send_result *out);

#endif
