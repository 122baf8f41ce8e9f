/* The push-device registry's rules. */
#include "domain/devices.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "db/devices_store.h"
#include "domain/audit.h"

static int one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *const platforms[] = { "ios", "android", "harmony", "web", NULL };
static const char *const providers[] = { "fcm", "apns", "jpush", NULL };
static const char *const locales[] = { "zh", "en", NULL };

/* Which platforms each provider reaches: APNs only Apple's, JPush the
 * Android family sold in China (Harmony included), FCM Android, iOS
 * (through APNs) and browsers. */
static int provider_fits(const char *provider, const char *platform)
{
	if (strcmp(provider, "apns") == 0)
		return strcmp(platform, "ios") == 0;
	if (strcmp(provider, "jpush") == 0)
		return strcmp(platform, "android") == 0 || strcmp(platform, "harmony") == 0;
	return strcmp(platform, "harmony") != 0; /* fcm */
}

/* Printable ASCII without spaces: every provider's tokens are (base64url,
 * hex, or JPush's alphanumerics with ':' and '-'). */
static const char *token_problem(const char *provider, const char *token)
{
	size_t n = strlen(token);
	int apns = provider && strcmp(provider, "apns") == 0;

	if (n < DEVICE_TOKEN_MIN || n > DEVICE_TOKEN_MAX)
		return "must be 8 to 4096 characters";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)token[i];

		if (c <= ' ' || c >= 0x7f)
			return "must be printable ASCII without spaces";
		if (apns &&
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return "must be hexadecimal for apns";
	}
	if (apns && (n < DEVICE_APNS_TOKEN_MIN || n > DEVICE_APNS_TOKEN_MAX || n % 2))
		return "must be 64 to 200 hex digits for apns";
	return NULL;
}

enum err devices_check(const struct device_input *in, struct problem *p)
{
	int platform_ok = 0, provider_ok = 0;
	const char *why;

	if (!in->platform)
		problem_invalid(p, "/platform", "is required");
	else if (!(platform_ok = one_of(in->platform, platforms)))
		problem_invalid(p, "/platform", "must be ios, android, harmony or web");
	if (!in->provider)
		problem_invalid(p, "/provider", "is required");
	else if (!(provider_ok = one_of(in->provider, providers)))
		problem_invalid(p, "/provider", "must be fcm, apns or jpush");
	else if (platform_ok && !provider_fits(in->provider, in->platform))
		problem_invalid(p, "/provider", "%s does not reach %s devices", in->provider,
				in->platform);
	if (!in->token)
		problem_invalid(p, "/token", "is required");
	else if ((why = token_problem(provider_ok ? in->provider : NULL, in->token)))
		problem_invalid(p, "/token", "%s", why);
	if (in->replaces) {
		if ((why = token_problem(provider_ok ? in->provider : NULL, in->replaces)))
			problem_invalid(p, "/replaces", "%s", why);
		else if (in->token && strcmp(in->replaces, in->token) == 0)
			problem_invalid(p, "/replaces", "is the token itself");
	}
	if (in->app_version) {
		size_t n = strlen(in->app_version), i;

		for (i = 0; i < n; i++)
			if ((unsigned char)in->app_version[i] < ' ' ||
			    (unsigned char)in->app_version[i] >= 0x7f)
				break;
		if (n < 1 || n > DEVICE_APP_VERSION_MAX || i < n)
			problem_invalid(p, "/app_version", "must be 1 to 64 printable characters");
	}
	if (in->locale && !one_of(in->locale, locales))
		problem_invalid(p, "/locale", "must be zh or en");
	return problem_count(p) ? ERR_INVALID : ERR_OK;
}

static int keep_row(const struct device_row *row, void *ctx)
{
	struct device_row *out = ctx;

	out->id = row->id;
	out->user_id = row->user_id;
	out->retired_at = row->retired_at;
	return 0;
}

/* The audit entry names the device, never its token. */
static enum err audit_device(struct db *db, const struct audit_actor *actor, const char *action,
			     int64_t id, int64_t user_id, const struct device_input *in,
			     int64_t from_user)
{
	char id_s[24];
	json_t *after;
	enum err e;

	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	after = json_pack("{s:I}", "user_id", (json_int_t)user_id);
	if (!after)
		return ERR_INTERNAL;
	if (in) {
		json_object_set_new(after, "platform", json_string(in->platform));
		json_object_set_new(after, "provider", json_string(in->provider));
	}
	if (from_user)
		json_object_set_new(after, "from_user_id", json_integer(from_user));
	e = audit_append(db, actor, action, "device", id_s, NULL, after);
	json_decref(after);
	return e;
}

enum err devices_register(struct db *db, const struct audit_actor *actor, int64_t user_id,
			  const struct device_input *in, int64_t *id, int *created)
{
	struct device_row row = { 0 }, found = { 0 };
	int64_t now = clock_now(), rotated = 0, from_user = 0;
	enum err e;

	*id = 0;
	*created = 0;
	row.user_id = user_id;
	row.platform = in->platform;
	row.provider = in->provider;
	row.token = in->token;
	row.app_version = in->app_version;
	row.locale = in->locale ? in->locale : "zh";
	row.created_at = row.last_seen_at = now;
	if (in->replaces) {
		e = devices_store_retire_token(db, user_id, in->provider, in->replaces, "rotated",
					       now, &rotated);
		if (e != ERR_OK)
			return e;
	}
	e = devices_store_find(db, in->provider, in->token, keep_row, &found);
	if (e == ERR_NOT_FOUND) {
		e = devices_store_insert(db, &row, id);
		*created = 1;
	} else if (e == ERR_OK) {
		*id = found.id;
		if (found.user_id != user_id) {
			from_user = found.user_id;
			*created = 1;
		}
		e = devices_store_claim(db, found.id, &row, now);
	}
	if (e != ERR_OK)
		return e;
	if (*created)
		e = audit_device(db, actor, "device.register", *id, user_id, in, from_user);
	if (e == ERR_OK && rotated)
		e = audit_device(db, actor, "device.rotate", *id, user_id, in, 0);
	return e;
}

enum err devices_remove(struct db *db, const struct audit_actor *actor, int64_t user_id, int64_t id)
{
	enum err e = devices_store_retire(db, user_id, id, "removed", clock_now());

	if (e == ERR_OK)
		e = audit_device(db, actor, "device.remove", id, user_id, NULL, 0);
	return e;
}
