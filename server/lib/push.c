/* App push (include/lib/push.h): one client per provider, dispatched here.
 * What the providers share is in push_common.c, so no call goes back up. */
#include "lib/push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/push_provider.h"

struct push_client {
	enum push_provider provider;
	struct push_fcm *fcm;
	struct push_apns *apns;
	struct push_jpush *jpush;
};

enum err push_client_new(enum push_provider p, const json_t *conf, const char *ca_file,
			 struct push_client **out, char *why, size_t why_size)
{
	struct push_client *c;
	enum err e;

	*out = NULL;
	if (!json_is_object(conf)) {
		snprintf(why, why_size, "the provider's configuration must be an object");
		return ERR_INVALID;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_INTERNAL;
	c->provider = p;
	switch (p) {
	case PUSH_FCM:
		e = push_fcm_new(conf, ca_file, &c->fcm, why, why_size);
		break;
	case PUSH_APNS:
		e = push_apns_new(conf, ca_file, &c->apns, why, why_size);
		break;
	case PUSH_JPUSH:
		e = push_jpush_new(conf, ca_file, &c->jpush, why, why_size);
		break;
	default:
		snprintf(why, why_size, "unknown push provider");
		e = ERR_INVALID;
	}
	if (e != ERR_OK) {
		free(c);
		return e;
	}
	*out = c;
	return ERR_OK;
}

void push_client_free(struct push_client *c)
{
	if (!c)
		return;
	push_fcm_free(c->fcm);
	push_apns_free(c->apns);
	push_jpush_free(c->jpush);
	free(c);
}

void push_send(struct push_client *c, const char *device_token, const struct push_message *m,
	       const char *idempotency_key, struct send_result *out)
{
	memset(out, 0, sizeof(*out));
	if (!device_token || !*device_token) {
		push_result(out, SEND_GONE, 0, "no device token");
		return;
	}
	switch (c->provider) {
	case PUSH_FCM:
		push_fcm_send(c->fcm, device_token, m, idempotency_key, out);
		break;
	case PUSH_APNS:
		push_apns_send(c->apns, device_token, m, idempotency_key, out);
		break;
	case PUSH_JPUSH:
		push_jpush_send(c->jpush, device_token, m, idempotency_key, out);
		break;
	}
}
