/* Notifications through a transactional outbox. Producers call these inside
 * the transaction of the event that causes them (db_begin ... db_commit),
 * so a notification exists exactly when its event committed; the webhook
 * worker delivers later, the app reads in-app ones with GET
 * /v1/notifications. */
#ifndef FT_NOTIFY_H
#define FT_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* One in-app notification for user_id. kind: "ticket.assigned",
 * "sla.warning", "sla.escalation", "warranty.digest", ... data may be NULL
 * (not stolen). dedupe_key (NULL = none): a second call with the same key
 * is a no-op returning ERR_OK, so producers may retry safely. */
enum err notify_user(struct db *db, int64_t user_id, const char *kind, const char *title,
		     const json_t *data, const char *dedupe_key);

/* One webhook delivery per active endpoint subscribed to event_type
 * ("ticket.created", "ticket.assigned", ..., "ticket.escalated",
 * "warranty.expiring", "warranty.renewed"). payload (not stolen) becomes
 * the body's "data": {"id", "type", "created_at", "data"}. */
enum err notify_event(struct db *db, const char *event_type, const json_t *payload);

#endif
