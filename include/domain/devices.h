/* The push-device registry's rules (issue 18): which platform may use
 * which provider, what a token looks like, and what registering the same
 * token again means. Tokens are secrets of a kind: answers show only their
 * last DEVICE_TOKEN_TAIL characters, and neither the audit log nor the logs
 * ever carry them. */
#ifndef FT_DEVICES_H
#define FT_DEVICES_H

#include <stdint.h>

#include "core/err.h"
#include "core/problem.h"

struct db;
struct audit_actor;

#define DEVICE_TOKEN_MIN 8
#define DEVICE_TOKEN_MAX 4096
#define DEVICE_APNS_TOKEN_MIN 64 /* 32 bytes in hex */
#define DEVICE_APNS_TOKEN_MAX 200
#define DEVICE_APP_VERSION_MAX 64
#define DEVICE_TOKEN_TAIL 6

/* What a caller registers; strings borrowed. app_version, locale and
 * replaces may be NULL (locale then "zh"). */
struct device_input {
	const char *platform; /* ios, android, harmony, web */
	const char *provider; /* fcm, apns, jpush */
	const char *token;
	const char *app_version;
	const char *locale;   /* zh, en */
	const char *replaces; /* the token this one rotates from, same provider */
};

/* Checks every field of in, adding one problem per bad field (pointers
 * "/platform", "/provider", ...): ERR_OK or ERR_INVALID. */
enum err devices_check(const struct device_input *in, struct problem *p);

/* Registers in (checked) as user_id's device, in the caller's
 * transaction, audited without the token:
 * - a new (provider, token): a new row, *created = 1;
 * - one user_id holds already (live or removed): refreshed and live, *created = 0;
 * - one another user holds: the phone changed hands, the row moves to
 *   user_id (the old holder no longer gets its pushes), *created = 1.
 * replaces, when it names a live device of user_id with the same provider,
 * retires it ("rotated"); otherwise it changes nothing (the app may retry
 * a rotation that went through). *id = the device. */
enum err devices_register(struct db *db, const struct audit_actor *actor, int64_t user_id,
			  const struct device_input *in, int64_t *id, int *created);

/* Removes user_id's live device id (retired "removed"), audited;
 * ERR_NOT_FOUND when it is not one. */
enum err devices_remove(struct db *db, const struct audit_actor *actor, int64_t user_id,
			int64_t id);

#endif
