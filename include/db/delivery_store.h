/* SQL of notification delivery (migration 0023): the outbox of deliveries
 * per channel, people's notification settings and preferences,
 * escalation acknowledgements and their link tokens, and once-only
 * digests. Rows handed to callbacks are borrowed for the call. */
#ifndef FT_DELIVERY_STORE_H
#define FT_DELIVERY_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

/* ---- deliveries ---- */

struct delivery_row {
	int64_t id;
	int64_t notification_id; /* 0 = none (robots, digests) */
	int64_t user_id;         /* 0 = a group robot */
	const char *channel;     /* "push", "email", "sms", "chat" */
	const char *provider;    /* "fcm", ..., "feishu" */
	const char *address;     /* device id, e-mail, phone, robot name */
	int64_t device_id;       /* 0 = not a push */
	const char *kind;
	const char *message; /* JSON object text */
	const char *idempotency_key;
	const char *ack_key; /* NULL = not an escalation */
	const char *status;
	int attempts;
	int64_t next_attempt_at;
	const char *provider_ref; /* NULL until sent */
	int last_status;          /* 0 = none */
	const char *last_error;
	int64_t created_at;
	int64_t sent_at;    /* 0 = not sent */
	int64_t latency_ms; /* created to sent; 0 = not sent */
};
typedef int (*delivery_row_fn)(const struct delivery_row *row, void *ctx);

/* A new pending row due at next_attempt_at (id, status, attempts,
 * provider_ref, last_*, sent_at, latency_ms ignored). */
enum err delivery_store_insert(struct db *db, const struct delivery_row *in, int64_t *id_out);

/* Claims up to limit rows of provider due at now (pending, or sending
 * with an expired lease: a sender that died), marking them sending with
 * one more attempt and a lease until lease_until, and calls fn with each.
 * Run it in a transaction. */
enum err delivery_store_claim(struct db *db, const char *provider, int64_t now, int64_t lease_until,
			      int limit, delivery_row_fn fn, void *ctx);
/* The claimed row id was accepted by its provider. */
enum err delivery_store_sent(struct db *db, int64_t id, const char *provider_ref, int http_status,
			     int64_t now, int64_t latency_ms);
/* The attempt failed; try again at next_at (status back to pending). */
enum err delivery_store_retry(struct db *db, int64_t id, int64_t next_at, int http_status,
			      const char *error);
/* Gives the attempt back without counting it (the provider's breaker is
 * open or its rate is spent): pending again at next_at. */
enum err delivery_store_postpone(struct db *db, int64_t id, int64_t next_at);
/* No more attempts: the dead-letter state, with the provider's error. */
enum err delivery_store_dead(struct db *db, int64_t id, int http_status, const char *error);
/* Every sending row back to pending, due now: at start, before this
 * process's lanes run, no other sender can hold them (one node). */
enum err delivery_store_recover(struct db *db, int64_t now, int64_t *count);
/* Cancels ack_key's rows not yet handed to a provider; *count = how many. */
enum err delivery_store_cancel_ack(struct db *db, const char *ack_key, int64_t *count);
/* A dead row pending again, due now, attempts from zero: ERR_NOT_FOUND
 * when id is not dead. */
enum err delivery_store_requeue(struct db *db, int64_t id, int64_t now);
enum err delivery_store_get(struct db *db, int64_t id, delivery_row_fn fn, void *ctx);

struct delivery_filter {
	int64_t user_id; /* 0 = anyone's */
	int64_t notification_id;
	const char *channel; /* NULL = any */
	const char *status;
	const char *kind;
	int64_t before_id; /* 0 = from the newest */
	int limit;
};
/* Newest first. */
enum err delivery_store_list(struct db *db, const struct delivery_filter *f, delivery_row_fn fn,
			     void *ctx);
/* Rows per channel and status, for /metrics. */
typedef void (*delivery_count_fn)(const char *channel, const char *status, int64_t n, void *ctx);
enum err delivery_store_counts(struct db *db, delivery_count_fn fn, void *ctx);

/* Forgets what finished deliveries said (the message text, which may hold
 * an acknowledgement link) once they ended before `before`, keeping the
 * row and its state; and the acknowledgement tokens expired before it.
 * *count = rows changed. */
enum err delivery_store_purge(struct db *db, int64_t before, int64_t *count);

/* ---- people ---- */

/* Who a notification goes to, and how they want it. */
struct person {
	int64_t id;
	char username[64];
	char role[16];
	char email[256];
	char phone[32];
	char centre[32];
	char language[4];   /* "zh" / "en" */
	char time_zone[64]; /* IANA name */
	int quiet_start;    /* minutes after local midnight; -1 = no quiet hours */
	int quiet_end;
	char digest[8]; /* "off", "daily", "weekly", "" = the role's default */
	int disabled;
	int64_t updated_at; /* settings row; 0 = none yet */
};
enum err delivery_store_person(struct db *db, int64_t user_id, struct person *out);
/* Writes the settings row from p (language .. digest) at now. */
enum err delivery_store_settings_put(struct db *db, const struct person *p, int64_t now);
enum err delivery_store_set_email(struct db *db, int64_t user_id, const char *email, int64_t now);

/* user_id's overrides; fn(kind, channel, enabled, ctx). */
typedef void (*pref_fn)(const char *kind, const char *channel, int enabled, void *ctx);
enum err delivery_store_prefs(struct db *db, int64_t user_id, pref_fn fn, void *ctx);
/* Replaces user_id's overrides with none (then add them one by one). */
enum err delivery_store_prefs_clear(struct db *db, int64_t user_id);
enum err delivery_store_pref_put(struct db *db, int64_t user_id, const char *kind,
				 const char *channel, int enabled);

/* People with a role and an e-mail address whose digest is due; fn
 * returns nonzero to stop. */
typedef int (*person_id_fn)(int64_t user_id, void *ctx);
enum err delivery_store_digest_people(struct db *db, person_id_fn fn, void *ctx);
/* Records (user_id, period) once: *added = 1 when it is new. */
enum err delivery_store_digest_mark(struct db *db, int64_t user_id, const char *period, int64_t now,
				    int *added);

/* What routing a ticket's notifications needs: its priority ("P1"..),
 * centre ("" = none) and region path. */
struct ticket_brief {
	char priority[8];
	char status[20];
	char centre[32];
	char region_path[256];
};
enum err delivery_store_ticket_brief(struct db *db, int64_t ticket_id, struct ticket_brief *out);

/* A group's board in numbers: open tickets of a centre ("" = any) and
 * region code ("" = any), how many have no technician, are P1, are past
 * a deadline they have not met (at now), have escalated. */
struct board_counts {
	int64_t open, unassigned, p1, overdue, escalated;
};
enum err delivery_store_board_counts(struct db *db, const char *centre, const char *region,
				     int64_t now, struct board_counts *out);
/* Records (robot, day) once: *added = 1 when it is new. */
enum err delivery_store_summary_mark(struct db *db, const char *robot, const char *day, int64_t now,
				     int *added);

/* ---- escalation acknowledgements ---- */

struct ack_ref {
	int64_t ticket_id;
	char target[16];
	int level;
	int64_t user_id;
	int64_t expires_at;
};
enum err delivery_store_ack_token_add(struct db *db, const char *token_hash,
				      const struct ack_ref *ref);
enum err delivery_store_ack_token_find(struct db *db, const char *token_hash, struct ack_ref *out);
/* Records the acknowledgement once: *added = 0 when the level was
 * acknowledged before (by_user / at / channel then describe that one). */
enum err delivery_store_ack_add(struct db *db, const struct ack_ref *ref, const char *channel,
				int64_t now, int *added, int64_t *by_user, int64_t *at);
/* Who acknowledged ref's level and when: ERR_NOT_FOUND when nobody has. */
enum err delivery_store_ack_get(struct db *db, const struct ack_ref *ref, int64_t *by_user,
				int64_t *at);
/* The highest escalation level of ticket_id's target not yet
 * acknowledged (0 = none open). */
enum err delivery_store_open_escalation(struct db *db, int64_t ticket_id, char target[16],
					int *level);

#endif
