/* Notifications reach people: which channels each notification goes out
 * on (the person's preferences over the role's defaults, quiet hours,
 * language), the deliveries written to the outbox in the notification's
 * own transaction, and the lanes that send them, one per provider, with
 * retries, a dead-letter state, rate limits and a circuit breaker.
 *
 * Guarantees: a delivery exists exactly when its notification committed;
 * a delivery a provider acknowledged is recorded sent in a transaction of
 * its own right after, and never claimed again; a delivery whose sender
 * died mid-send (crash, SIGKILL) is sent again with the same idempotency
 * key, which the provider sees (APNs apns-id, e-mail Message-ID, SMS
 * OutId, push data) so a repeat is recognisable as one. */
#ifndef FT_DELIVERY_H
#define FT_DELIVERY_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/problem.h"
#include "domain/channels.h"

struct db;

/* Retry policy: attempt n failed waits base * 2^(n-1) (capped) with up to
 * half of it taken off at random (so retries of many deliveries spread),
 * or the provider's Retry-After when longer; after DELIVERY_MAX_ATTEMPTS
 * it is dead. */
#define DELIVERY_BACKOFF_BASE_S 30
#define DELIVERY_BACKOFF_MAX_S 3600
#define DELIVERY_MAX_ATTEMPTS 8
#define DELIVERY_LEASE_S 120 /* longer than any provider call can take */
#define DELIVERY_BATCH 16
/* The breaker opens after this many provider failures in a row, for
 * BREAKER_OPEN_S doubling up to BREAKER_OPEN_MAX_S; then one delivery
 * probes it. */
#define BREAKER_FAILURES 5
#define BREAKER_OPEN_S 30
#define BREAKER_OPEN_MAX_S 600

/* The channels a person may choose for a kind (in-app always). */
#define NOTIFY_CHANNELS 3
extern const char *const notify_channels[NOTIFY_CHANNELS]; /* "push", "email", "sms" */
/* The kinds a person can set preferences for, NULL-terminated. */
extern const char *const notify_kinds[];
int notify_kind_known(const char *kind);

/* Whether role sends kind on channel when the person chose nothing. */
int delivery_role_default(const char *role, const char *kind, const char *channel);

/* Writes user_id's deliveries for the notification just inserted (id
 * notification_id), inside the caller's transaction. data: the
 * notification's data (ticket_id, number, level, target, ...). */
enum err delivery_fanout_user(struct db *db, int64_t user_id, int64_t notification_id,
			      const char *kind, const char *title, const json_t *data, int64_t now);
/* Writes the group robots' deliveries for an event about ticket_id
 * (robots of its centre or of a region above it that post kind). */
enum err delivery_fanout_robots(struct db *db, const char *kind, int64_t ticket_id,
				const json_t *data, int64_t now);

/* An SMS to someone who is not a user (a customer who reported from a
 * nameplate page), inside the caller's transaction: written only when the
 * SMS provider has a template for kind; params (not stolen) are the
 * template's. Never free text. */
enum err delivery_sms_to(struct db *db, const char *kind, const char *phone, const json_t *params,
			 int64_t now);

/* An e-mail to someone who is not a user (a customer's contact), inside
 * the caller's transaction: written only when e-mail is configured.
 * message (stolen) is the mail ({subject, text, html, to_name,
 * attachments: [{filename, content_type, data | data_base64}]}); key is
 * its idempotency key, so a second write of the same key is a no-op
 * (ERR_OK, nothing new). */
enum err delivery_mail_to(struct db *db, const char *kind, const char *to, const char *key,
			  json_t *message, int64_t now);

/* ---- the lanes ---- */

/* A group robot may post 20 messages a minute (WeCom, DingTalk and Feishu
 * all say so): each robot has its own bucket besides its lane's. */
#define ROBOT_PER_MINUTE 20

struct robot_budget {
	char name[64];
	double tokens;
	int64_t refilled_ms;
};

struct lane_state {
	int failures;       /* provider failures in a row */
	int64_t open_until; /* breaker open until then; 0 = closed */
	int64_t open_for;   /* the last open period, doubled each time */
	double tokens;      /* rate limit bucket */
	int64_t refilled_ms;
	struct robot_budget robots[CHANNELS_ROBOTS_MAX]; /* chat lanes */
};

/* Sends what is due on lane l at now: claims a batch (as many as its rate
 * allows), calls the provider for each outside any transaction and
 * records each outcome in its own. *sent = deliveries handed over.
 * ERR_OK unless the database failed. */
enum err delivery_lane_run(struct db *db, enum lane l, struct lane_state *s, int64_t now,
			   int *handled);
/* At start: deliveries left sending by a process that died go out again. */
enum err delivery_recover(struct db *db, int64_t now);
/* Seconds to wait after the attempts-th failure, before jitter. */
int64_t delivery_backoff(int attempts);

/* Counters since start, per channel (index of lane_channel order:
 * push, email, sms, chat). */
struct delivery_metrics {
	uint64_t sent, failed, retried, dead, gone;
	uint64_t latency_ms_sum, latency_count;
	uint64_t latency_le[6]; /* <= 1 s, 5 s, 30 s, 60 s, 300 s, 3600 s */
};
#define DELIVERY_METRIC_CHANNELS 4
extern const char *const delivery_metric_channels[DELIVERY_METRIC_CHANNELS];
extern const int delivery_latency_bounds_s[6];
void delivery_metrics_read(struct delivery_metrics out[DELIVERY_METRIC_CHANNELS]);
/* 1 when lane l's breaker is open now. */
int delivery_breaker_open(enum lane l);

/* ---- escalation acknowledgements ---- */

struct ack_result {
	int64_t ticket_id;
	char target[16];
	int level;
	int first; /* 1: this call acknowledged it; 0: it was before */
	int64_t by_user;
	int64_t at;
	int64_t cancelled; /* deliveries of the level stopped */
};
/* Acknowledges with a link token (from a message): ERR_NOT_FOUND when
 * the token is unknown, ERR_GONE when it expired. */
enum err delivery_ack_token(struct db *db, const char *token, const char *channel, int64_t now,
			    struct ack_result *out);
/* What a link token is for, without acknowledging anything (the page a
 * link opens shows it before asking): out->first = 0; by_user and at are
 * set when the level was acknowledged (0 otherwise); *expires_at. Same
 * errors as delivery_ack_token. */
enum err delivery_ack_lookup(struct db *db, const char *token, int64_t now, struct ack_result *out,
			     int64_t *expires_at);
/* Acknowledges ticket_id's highest open escalation as user_id (who may
 * see the ticket: the caller checked). ERR_NOT_FOUND when none is open
 * and target/level are not given; target NULL / level 0 = the highest. */
enum err delivery_ack(struct db *db, int64_t ticket_id, const char *target, int level,
		      int64_t user_id, const char *channel, int64_t now, struct ack_result *out);

/* ---- settings ---- */

/* GET /v1/me/notification-settings: language, time zone, quiet hours,
 * digest, and every kind's channels with what is default. New object. */
enum err delivery_settings_json(struct db *db, int64_t user_id, json_t **out);
/* Applies a PUT/PATCH body (fields absent stay); ERR_INVALID with p
 * naming the field; all or nothing. */
enum err delivery_settings_apply(struct db *db, int64_t user_id, const json_t *body,
				 struct problem *p, int64_t now);

/* The daily board summary (scheduler): each group robot that posts
 * "board.summary" (all do unless their events say otherwise) gets, once a
 * day after 08:00 China time, its centre's or region's open tickets:
 * how many, unassigned, P1, overdue, escalated, and a link to the board. */
enum err delivery_board_summary_run(struct db *db, int64_t now);

/* How long a finished delivery keeps what it said, and an expired
 * acknowledgement token its row. */
#define DELIVERY_KEEP_S (30 * 86400)
/* The purge job (scheduler): what finished deliveries said, after
 * DELIVERY_KEEP_S; their state, provider and error stay. */
enum err delivery_purge_run(struct db *db, int64_t now);

/* The e-mail digest job (scheduler): each person whose digest is due in
 * their time zone (daily, or weekly on Monday) gets one e-mail with the
 * units of theirs whose warranty ends within 90 days or ended within 30,
 * a CSV of them attached, once per period. */
enum err delivery_digest_run(struct db *db, int64_t now);

#endif
