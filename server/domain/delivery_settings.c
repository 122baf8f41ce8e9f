/* A person's notification settings, and acknowledging escalations
 * (include/domain/delivery.h). */
#include "domain/delivery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/email.h"
#include "core/digest.h"
#include "db/db.h"
#include "db/delivery_store.h"
#include "domain/notify.h"
#include "domain/tickets.h"

/* ---- settings ---------------------------------------------------------------- */

static void minutes_text(int m, char out[6])
{
	snprintf(out, 6, "%02u:%02u", (unsigned)(m / 60) % 24u, (unsigned)m % 60u);
}

/* "HH:MM" → minutes after midnight; -1 when malformed. */
static int minutes_parse(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' ||
	    s[1] > '9' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	return h < 24 ? h * 60 + m : -1;
}

struct prefs_out {
	json_t *channels; /* every kind, effective */
	json_t *chosen;   /* the person's own choices only */
};

static void set_pref(const char *kind, const char *channel, int enabled, void *arg)
{
	struct prefs_out *o = arg;
	json_t *k = json_object_get(o->channels, kind), *c;

	if (!k)
		return; /* a kind no longer offered */
	json_object_set_new(k, channel, json_boolean(enabled));
	c = json_object_get(o->chosen, kind);
	if (!c) {
		c = json_object();
		json_object_set_new(o->chosen, kind, c);
	}
	json_object_set_new(c, channel, json_boolean(enabled));
}

enum err delivery_settings_json(struct db *db, int64_t user_id, json_t **out)
{
	json_t *doc, *channels = json_object(), *defaults = json_object(), *available;
	char start[6], end[6];
	const char *digest_default;
	struct prefs_out prefs;
	struct person p;
	enum err e = delivery_store_person(db, user_id, &p);

	*out = NULL;
	if (e != ERR_OK) {
		json_decref(channels);
		json_decref(defaults);
		return e;
	}
	digest_default = strcmp(p.role, "sales") == 0 ? "weekly" : "off";
	for (size_t i = 0; notify_kinds[i]; i++) {
		json_t *c = json_object(), *d = json_object();

		for (int k = 0; k < NOTIFY_CHANNELS; k++) {
			int on = strcmp(notify_kinds[i], "sla.escalation") == 0
				     ? 1
				     : delivery_role_default(p.role, notify_kinds[i],
							     notify_channels[k]);

			json_object_set_new(d, notify_channels[k], json_boolean(on));
			json_object_set_new(c, notify_channels[k], json_boolean(on));
		}
		json_object_set_new(channels, notify_kinds[i], c);
		json_object_set_new(defaults, notify_kinds[i], d);
	}
	prefs = (struct prefs_out){ .channels = channels, .chosen = json_object() };
	e = delivery_store_prefs(db, user_id, set_pref, &prefs);
	available =
	    json_pack("{s:b, s:b, s:b}", "push",
		      channels_lane_on(LANE_FCM) || channels_lane_on(LANE_APNS) ||
			  channels_lane_on(LANE_JPUSH),
		      "email", channels_lane_on(LANE_SMTP), "sms", channels_lane_on(LANE_ALIYUN));
	if (p.quiet_start >= 0) {
		minutes_text(p.quiet_start, start);
		minutes_text(p.quiet_end, end);
	}
	doc = json_pack("{s:s, s:s, s:o, s:s, s:b, s:s, s:b, s:s, s:o, s:o, s:o, s:o}", "language",
			p.language, "time_zone", p.time_zone, "quiet_hours",
			p.quiet_start >= 0 ? json_pack("{s:s, s:s}", "start", start, "end", end)
					   : json_null(),
			"email", p.email, "phone_on_file", p.phone[0] != '\0', "digest",
			p.digest[0] ? p.digest : digest_default, "digest_is_default",
			p.digest[0] == '\0', "digest_default", digest_default, "channels", channels,
			"chosen", prefs.chosen, "defaults", defaults, "available", available);
	if (e != ERR_OK || !doc) {
		json_decref(doc);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	*out = doc;
	return ERR_OK;
}

static int channel_known(const char *c)
{
	for (int i = 0; i < NOTIFY_CHANNELS; i++)
		if (strcmp(notify_channels[i], c) == 0)
			return 1;
	return 0;
}

/* Checks the whole body before anything is written. */
static enum err settings_check(const json_t *body, struct person *p, struct problem *pr)
{
	const json_t *v, *kv, *cv;
	const char *key, *kind, *channel;

	if (!json_is_object(body))
		return problem_invalid(pr, "", "must be a JSON object");
	json_object_foreach((json_t *)body, key, v) {
		if (strcmp(key, "language") == 0) {
			const char *s = json_string_value(v);

			if (!s || (strcmp(s, "zh") != 0 && strcmp(s, "en") != 0))
				problem_invalid(pr, "/language", "must be \"zh\" or \"en\"");
			else
				snprintf(p->language, sizeof(p->language), "%s", s);
		} else if (strcmp(key, "time_zone") == 0) {
			const char *s = json_string_value(v);

			if (!s || !clock_zone_known(s))
				problem_invalid(pr, "/time_zone",
						"must be an IANA time zone such as Asia/Shanghai");
			else
				snprintf(p->time_zone, sizeof(p->time_zone), "%s", s);
		} else if (strcmp(key, "quiet_hours") == 0) {
			int s, e;

			if (json_is_null(v)) {
				p->quiet_start = p->quiet_end = -1;
				continue;
			}
			s = minutes_parse(json_string_value(json_object_get(v, "start")));
			e = minutes_parse(json_string_value(json_object_get(v, "end")));
			if (!json_is_object(v) || json_object_size(v) != 2)
				problem_invalid(
				    pr, "/quiet_hours",
				    "must be null or {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}");
			else if (s < 0)
				problem_invalid(pr, "/quiet_hours/start", "must be HH:MM (24 h)");
			else if (e < 0)
				problem_invalid(pr, "/quiet_hours/end", "must be HH:MM (24 h)");
			else if (s == e)
				problem_invalid(pr, "/quiet_hours/end", "must differ from start");
			else
				p->quiet_start = s, p->quiet_end = e;
		} else if (strcmp(key, "email") == 0) {
			const char *s = json_string_value(v);

			if (!s || (*s && !email_address_valid(s)))
				problem_invalid(pr, "/email", "must be an e-mail address, or \"\"");
			else
				snprintf(p->email, sizeof(p->email), "%s", s);
		} else if (strcmp(key, "digest") == 0) {
			const char *s = json_string_value(v);

			if (json_is_null(v))
				p->digest[0] = '\0';
			else if (!s ||
				 (strcmp(s, "off") && strcmp(s, "daily") && strcmp(s, "weekly")))
				problem_invalid(pr, "/digest",
						"must be \"off\", \"daily\", \"weekly\" or null");
			else
				snprintf(p->digest, sizeof(p->digest), "%s", s);
		} else if (strcmp(key, "channels") == 0) {
			if (!json_is_object(v)) {
				problem_invalid(pr, "/channels", "must be an object by kind");
				continue;
			}
			json_object_foreach((json_t *)v, kind, kv) {
				char ptr[128];

				snprintf(ptr, sizeof(ptr), "/channels/%s", kind);
				if (!notify_kind_known(kind) || !json_is_object(kv)) {
					problem_invalid(
					    pr, ptr,
					    "must be a known kind with an object of channels");
					continue;
				}
				json_object_foreach((json_t *)kv, channel, cv) {
					snprintf(ptr, sizeof(ptr), "/channels/%s/%s", kind,
						 channel);
					if (!channel_known(channel) ||
					    !(json_is_boolean(cv) || json_is_null(cv)))
						problem_invalid(pr, ptr,
								"must be push, email or sms: true, "
								"false or null (the default)");
				}
			}
		} else if (strcmp(key, "phone_on_file") && strcmp(key, "digest_is_default") &&
			   strcmp(key, "defaults") && strcmp(key, "available") &&
			   strcmp(key, "chosen") && strcmp(key, "digest_default")) {
			char ptr[80];

			snprintf(ptr, sizeof(ptr), "/%s", key);
			problem_invalid(pr, ptr, "is not a setting");
		}
	}
	return problem_count(pr) ? ERR_INVALID : ERR_OK;
}

struct pref_copy {
	json_t *set; /* {kind: {channel: enabled}} of the current overrides */
};

static void keep_pref(const char *kind, const char *channel, int enabled, void *arg)
{
	json_t *set = arg, *k = json_object_get(set, kind);

	if (!k) {
		k = json_object();
		json_object_set_new(set, kind, k);
	}
	json_object_set_new(k, channel, json_boolean(enabled));
}

enum err delivery_settings_apply(struct db *db, int64_t user_id, const json_t *body,
				 struct problem *pr, int64_t now)
{
	const json_t *channels = json_object_get(body, "channels"), *kv, *cv, *email;
	const char *kind, *channel;
	json_t *set = NULL;
	struct person p;
	enum err e = delivery_store_person(db, user_id, &p);

	if (e != ERR_OK)
		return e;
	e = settings_check(body, &p, pr);
	if (e != ERR_OK)
		return e;
	e = delivery_store_settings_put(db, &p, now);
	email = json_object_get(body, "email");
	if (e == ERR_OK && email)
		e = delivery_store_set_email(db, user_id, json_string_value(email), now);
	if (e == ERR_OK && channels) {
		set = json_object();
		e = delivery_store_prefs(db, user_id, keep_pref, set);
		json_object_foreach((json_t *)channels, kind, kv) {
			json_t *k = json_object_get(set, kind);

			if (!k) {
				k = json_object();
				json_object_set_new(set, kind, k);
			}
			json_object_foreach((json_t *)kv, channel, cv) {
				if (json_is_null(cv))
					json_object_del(k, channel);
				else
					json_object_set(k, channel, (json_t *)cv);
			}
		}
		if (e == ERR_OK)
			e = delivery_store_prefs_clear(db, user_id);
		json_object_foreach(set, kind, kv) {
			json_object_foreach((json_t *)kv, channel, cv) {
				if (e == ERR_OK)
					e = delivery_store_pref_put(db, user_id, kind, channel,
								    json_is_true(cv));
			}
		}
		json_decref(set);
	}
	return e;
}

/* ---- acknowledging escalations --------------------------------------------- */

static enum err ack(struct db *db, const struct ack_ref *ref, const char *channel, int64_t now,
		    struct ack_result *out)
{
	char ack_key[64];
	struct ticket_brief brief;
	int added;
	enum err e;

	memset(out, 0, sizeof(*out));
	out->ticket_id = ref->ticket_id;
	snprintf(out->target, sizeof(out->target), "%s", ref->target);
	out->level = ref->level;
	e = delivery_store_ack_add(db, ref, channel, now, &added, &out->by_user, &out->at);
	out->first = added;
	if (e != ERR_OK || !added)
		return e;
	snprintf(ack_key, sizeof(ack_key), "%lld:%s:%d", (long long)ref->ticket_id, ref->target,
		 ref->level);
	e = delivery_store_cancel_ack(db, ack_key, &out->cancelled);
	if (e == ERR_OK)
		e = delivery_store_ticket_brief(db, ref->ticket_id, &brief);
	if (e == ERR_OK) {
		json_t *detail =
		    json_pack("{s:s, s:i, s:s, s:I}", "target", ref->target, "level", ref->level,
			      "channel", channel, "cancelled", (json_int_t)out->cancelled);

		e = detail ? tickets_event_locked(
				 db, ref->ticket_id,
				 &(struct ticket_event_in){ .at = now,
							    .action = "escalation_acknowledged",
							    .from = brief.status,
							    .to = brief.status,
							    .actor_id = ref->user_id,
							    .detail = detail })
			   : ERR_INTERNAL;
		json_decref(detail);
	}
	/* Integrations hear of it as they heard of the escalation. */
	if (e == ERR_OK) {
		char number[24];
		json_t *event;

		tickets_number(ref->ticket_id, number);
		event = json_pack("{s:I, s:s, s:s, s:i, s:I, s:s}", "ticket_id",
				  (json_int_t)ref->ticket_id, "number", number, "target",
				  ref->target, "level", ref->level, "acknowledged_by",
				  (json_int_t)ref->user_id, "channel", channel);
		e = event ? notify_event(db, "ticket.escalation_acknowledged",
					 &(struct notify_scope){ .region_path = brief.region_path,
								 .centre = brief.centre },
					 event)
			  : ERR_INTERNAL;
		json_decref(event);
	}
	return e;
}

/* The token's acknowledgement, by the SHA-256 the table keeps. */
static enum err token_ref(struct db *db, const char *token, int64_t now, struct ack_ref *ref)
{
	char hash[2 * DIGEST_SHA256_LEN + 1];
	enum err e;

	if (!token || strlen(token) != 48 || strspn(token, "0123456789abcdef") != 48)
		return ERR_NOT_FOUND;
	if (digest_sha256_hex(token, hash) < 0)
		return ERR_INTERNAL;
	e = delivery_store_ack_token_find(db, hash, ref);
	if (e == ERR_OK && now > ref->expires_at)
		e = ERR_GONE;
	return e;
}

enum err delivery_ack_token(struct db *db, const char *token, const char *channel, int64_t now,
			    struct ack_result *out)
{
	struct ack_ref ref;
	enum err e = token_ref(db, token, now, &ref);

	return e == ERR_OK ? ack(db, &ref, channel, now, out) : e;
}

enum err delivery_ack_lookup(struct db *db, const char *token, int64_t now, struct ack_result *out,
			     int64_t *expires_at)
{
	struct ack_ref ref;
	enum err e = token_ref(db, token, now, &ref);

	memset(out, 0, sizeof(*out));
	if (e != ERR_OK)
		return e;
	out->ticket_id = ref.ticket_id;
	snprintf(out->target, sizeof(out->target), "%s", ref.target);
	out->level = ref.level;
	*expires_at = ref.expires_at;
	e = delivery_store_ack_get(db, &ref, &out->by_user, &out->at);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err delivery_ack(struct db *db, int64_t ticket_id, const char *target, int level,
		      int64_t user_id, const char *channel, int64_t now, struct ack_result *out)
{
	struct ack_ref ref = { .ticket_id = ticket_id, .user_id = user_id, .level = level };
	enum err e;

	if (target && level > 0) {
		snprintf(ref.target, sizeof(ref.target), "%s", target);
	} else {
		e = delivery_store_open_escalation(db, ticket_id, ref.target, &ref.level);
		if (e != ERR_OK)
			return e;
		if (!ref.level)
			return ERR_NOT_FOUND;
	}
	return ack(db, &ref, channel, now, out);
}
