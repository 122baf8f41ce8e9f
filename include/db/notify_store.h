/* SQL of the outbox: in-app notifications, webhook endpoints and webhook
 * deliveries. Rows handed to callbacks are borrowed for the call. */
#ifndef FT_NOTIFY_STORE_H
#define FT_NOTIFY_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

/* ---- In-app notifications ---- */

struct notification_row {
	int64_t id;
	int64_t user_id;
	const char *kind;  /* borrowed */
	const char *title; /* borrowed */
	const char *data;  /* JSON object text; borrowed */
	int64_t created_at;
	int64_t read_at; /* 0 = unread */
};
typedef int (*notification_row_fn)(const struct notification_row *row, void *ctx);

/* Inserts one notification, *id_out = its id; a second insert with the
 * same dedupe_key (non-NULL) is a no-op answering ERR_OK with *id_out 0. */
enum err notify_store_insert(struct db *db, int64_t user_id, const char *kind, const char *title,
			     const char *data, const char *dedupe_key, int64_t now, int64_t *id_out);
/* user_id's notifications newest first, with id < before_id (0 = from the
 * newest), unread ones only when unread_only; at most limit rows. fn
 * returns 0 to go on. */
enum err notify_store_list(struct db *db, int64_t user_id, int unread_only, int64_t before_id,
			   int limit, notification_row_fn fn, void *ctx);
/* Calls fn once with notification id when user_id owns it; ERR_NOT_FOUND
 * otherwise. */
enum err notify_store_get(struct db *db, int64_t user_id, int64_t id, notification_row_fn fn,
			  void *ctx);
/* Marks id read at now when user_id owns it and it is unread: ERR_OK when
 * it changed, ERR_NOT_FOUND when nothing did (already read, or not his). */
enum err notify_store_mark_read(struct db *db, int64_t user_id, int64_t id, int64_t now);
/* Marks every unread notification of user_id read; *changed = how many. */
enum err notify_store_mark_all_read(struct db *db, int64_t user_id, int64_t now, int64_t *changed);
/* user_id's newest notification id (0 = none) and unread total: what a
 * listing depends on besides its query (notifications are only added, and
 * only go from unread to read). Two indexed look-ups. */
enum err notify_store_inbox_state(struct db *db, int64_t user_id, int64_t *newest_id,
				  int64_t *unread);

/* ---- Webhook endpoints ---- */

#define WEBHOOK_URL_MAX 2048
#define WEBHOOK_SECRET_SIZE 65 /* 64 hex digits */

struct webhook_endpoint_row {
	int64_t id;
	const char *url;         /* borrowed */
	const char *secret;      /* borrowed; never shown after creation */
	const char *event_types; /* JSON array text; borrowed */
	int allow_private;
	int active;
	int64_t created_by; /* 0 = none */
	int64_t created_at;
	int64_t updated_at;
	/* The owner of a non-admin integration's endpoint; 0 = an admin's,
	 * unscoped. The scope flags say what of the owner's home region
	 * subtree and centre it reaches (migration 0022). */
	int64_t owner_id;
	const char *owner_role;    /* role name it was saved with; borrowed, "" none */
	int scope_ops_region;      /* tickets in the owner's region subtree */
	int scope_ops_centre;      /* tickets of the owner's centre */
	int scope_registry_region; /* units (warranty) in the owner's region subtree */
	/* Filled by reads: the owner's home region path and centre now, and
	 * whether the owner is enabled with owner_role still ("" / 0 none). */
	const char *owner_region_path; /* borrowed */
	const char *owner_centre;      /* borrowed */
	int owner_current;
};
typedef int (*webhook_endpoint_fn)(const struct webhook_endpoint_row *row, void *ctx);

enum err webhook_store_endpoint_insert(struct db *db, const struct webhook_endpoint_row *in,
				       int64_t *id_out);
/* ERR_NOT_FOUND when there is no such endpoint. */
enum err webhook_store_endpoint_get(struct db *db, int64_t id, webhook_endpoint_fn fn, void *ctx);
/* Ascending ids after after_id, at most limit; owner_id's only when
 * owner_id > 0 (0 = every endpoint). */
enum err webhook_store_endpoint_list(struct db *db, int64_t owner_id, int64_t after_id, int limit,
				     webhook_endpoint_fn fn, void *ctx);
/* Sets active and event_types (JSON array text) of id. */
enum err webhook_store_endpoint_update(struct db *db, int64_t id, int active,
				       const char *event_types, int64_t now);
/* Saves owner_role and the scope flags of in (an owner's endpoint saved
 * again by its owner: their role and scope now). */
enum err webhook_store_endpoint_rescope(struct db *db, int64_t id,
					const struct webhook_endpoint_row *in);
/* Deletes id and (cascade) its deliveries; ERR_NOT_FOUND when none. */
enum err webhook_store_endpoint_delete(struct db *db, int64_t id);

/* ---- Webhook deliveries ---- */

struct webhook_delivery_row {
	int64_t id;
	int64_t endpoint_id;
	const char *event_type; /* borrowed */
	const char *payload;    /* the body to send; borrowed */
	const char *status;     /* "pending", "delivered", "dead"; borrowed */
	int attempts;
	int64_t next_attempt_at;
	int last_status;        /* HTTP status of the last attempt; 0 = none */
	const char *last_error; /* borrowed */
	int64_t created_at;
	int64_t delivered_at; /* 0 = not delivered */
	int64_t owner_id;     /* its endpoint's owner; 0 = an admin's endpoint */
	/* Filled by webhook_store_due only (the endpoint's, borrowed). */
	const char *url;
	const char *secret;
	int allow_private;
};
typedef int (*webhook_delivery_fn)(const struct webhook_delivery_row *row, void *ctx);

/* Where an event's object is (domain/notify.h's struct notify_scope). */
struct webhook_event_scope {
	int national;            /* 1: no place; every subscriber gets it */
	const char *region_path; /* NULL or "" = none */
	const char *centre;      /* NULL or "" = none */
	int registry;            /* 1: a registry object, 0: operations */
};

/* One pending delivery of payload (the whole body) per active endpoint
 * subscribed to event_type or "*" whose scope reaches sc (admins'
 * endpoints: all; owners': enabled, role unchanged, and the object in
 * their region subtree or centre as the flags say), due at now; *count =
 * how many. */
enum err webhook_store_fanout(struct db *db, const char *event_type, const char *payload,
			      const struct webhook_event_scope *sc, int64_t now, int64_t *count);
/* Deliveries of endpoint_id newest first, id < before_id (0 = newest),
 * status NULL = any. */
enum err webhook_store_delivery_list(struct db *db, int64_t endpoint_id, const char *status,
				     int64_t before_id, int limit, webhook_delivery_fn fn,
				     void *ctx);
enum err webhook_store_delivery_get(struct db *db, int64_t id, webhook_delivery_fn fn, void *ctx);
/* dead -> pending with attempts 0, due at now. ERR_NOT_FOUND when id is
 * not a dead delivery. */
enum err webhook_store_delivery_retry(struct db *db, int64_t id, int64_t now);
/* Pending deliveries of active endpoints due at now, oldest due first, at
 * most limit, with their endpoint's url, secret and allow_private. */
enum err webhook_store_due(struct db *db, int64_t now, int limit, webhook_delivery_fn fn,
			   void *ctx);
/* Pushes a pending delivery's due time to until (a lease while it is being
 * sent, so another worker or a restart retries it only after that). */
enum err webhook_store_delivery_lease(struct db *db, int64_t id, int64_t until);
/* Records one attempt's outcome: status "pending" (with next_attempt_at),
 * "delivered" (delivered_at = now) or "dead". */
enum err webhook_store_delivery_record(struct db *db, int64_t id, const char *status, int attempts,
				       int64_t next_attempt_at, int last_status,
				       const char *last_error, int64_t now);

#endif
