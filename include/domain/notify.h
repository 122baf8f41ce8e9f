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

/* Where an event's object is, for the endpoints of non-admin owners, which
 * receive only what their scope reaches (admins' endpoints get everything).
 * Strings borrowed for the call; NULL or "" = none. */
struct notify_scope {
	const char *region_path; /* the object's region path ("/CN/GD/SZ/") */
	const char *centre;      /* operations events: the ticket's centre code */
	/* 0: an operations object (a ticket), reached as the owner's ticket
	 * scope reaches it (region subtree or centre); 1: a registry object
	 * (a unit's warranty), reached as the registry scope does (the
	 * owner's region subtree). */
	int registry;
};

/* One webhook delivery per active endpoint subscribed to event_type
 * ("ticket.created", "ticket.assigned", ..., "ticket.escalated",
 * "warranty.expiring", "warranty.renewed") whose scope reaches scope:
 * admins' endpoints always, an owner's when the owner is enabled, still
 * has the role the endpoint was saved with, and their scope reaches the
 * object. scope NULL: a national event (a recurring problem), sent to every
 * subscriber (who may subscribe to it is decided when subscribing). payload
 * (not stolen) becomes the body's "data": {"id", "type", "created_at",
 * "data"}. */
enum err notify_event(struct db *db, const char *event_type, const struct notify_scope *scope,
		      const json_t *payload);

#endif
