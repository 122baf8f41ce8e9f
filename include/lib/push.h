/* App push providers: FCM HTTP v1, APNs over HTTP/2, JPush (REST v3).
 * Each client is made once from its part of the channels file (see
 * README "Notifications: providers") and is safe to call from one thread
 * at a time (the delivery worker); it keeps its OAuth / JWT token cached
 * until shortly before it expires. */
#ifndef FT_PUSH_H
#define FT_PUSH_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "lib/send.h"

struct push_client;

enum push_provider { PUSH_FCM, PUSH_APNS, PUSH_JPUSH };

/* conf: the provider's object from the channels file, e.g. for FCM
 * {"service_account_file": "...", "endpoint": "https://fcm.googleapis.com"}.
 * ca_file: an extra trusted CA (tests), NULL/"" none. ERR_INVALID with the
 * reason (naming the key) in why when conf is incomplete or a key file
 * cannot be read. */
enum err push_client_new(enum push_provider p, const json_t *conf, const char *ca_file,
			 struct push_client **out, char *why, size_t why_size);
void push_client_free(struct push_client *c);

/* Sends m to one device token. idempotency_key is stable across retries of
 * one delivery (APNs' apns-id is derived from it; the others carry it in
 * the data so the app drops a repeat). Fills *out; never blocks longer
 * than the HTTP client's timeout. */
void push_send(struct push_client *c, const char *device_token, const struct push_message *m,
	       const char *idempotency_key, struct send_result *out);

#endif
