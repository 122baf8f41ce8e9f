/* What push.c dispatches to: one client per provider (server/lib/push_fcm.c,
 * push_apns.c, push_jpush.c), each with push.h's contract, and the few
 * helpers they share (push_common.c). Only push.c, push_common.c and the
 * three providers include this. */
#ifndef FT_PUSH_PROVIDER_H
#define FT_PUSH_PROVIDER_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "lib/http_client.h"
#include "lib/push.h"

struct push_fcm;
struct push_apns;
struct push_jpush;

enum err push_fcm_new(const json_t *conf, const char *ca_file, struct push_fcm **out, char *why,
		      size_t why_size);
void push_fcm_send(struct push_fcm *c, const char *device_token, const struct push_message *m,
		   const char *idempotency_key, struct send_result *out);
void push_fcm_free(struct push_fcm *c);

enum err push_apns_new(const json_t *conf, const char *ca_file, struct push_apns **out, char *why,
		       size_t why_size);
void push_apns_send(struct push_apns *c, const char *device_token, const struct push_message *m,
		    const char *idempotency_key, struct send_result *out);
void push_apns_free(struct push_apns *c);

enum err push_jpush_new(const json_t *conf, const char *ca_file, struct push_jpush **out, char *why,
			size_t why_size);
void push_jpush_send(struct push_jpush *c, const char *device_token, const struct push_message *m,
		     const char *idempotency_key, struct send_result *out);
void push_jpush_free(struct push_jpush *c);

/* Sets out's outcome, the answer's status and error[] (printf-style; the
 * provider's code and message, never a credential). */
void push_result(struct send_result *out, enum send_outcome outcome, int http_status,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* conf[key] as a string, or default_value when absent; NULL (why naming
 * the key) when present but not a non-empty string. */
const char *push_conf_string(const json_t *conf, const char *key, const char *default_value,
			     char *why, size_t why_size);

/* The first 16 bytes of SHA-256(key): the stable seed of APNs' apns-id and
 * JPush's sendno, so retries of one delivery carry the same id. */
void push_key_digest(const char *idempotency_key, unsigned char digest[16]);

/* A malloc'd copy of s with the trailing "/" dropped (caller frees). */
char *push_endpoint(const char *s);

#endif
