/* Service tickets: intake from every channel (server/domain/tickets.c), the state
 * machine of field work (server/api/ticket_flow.c), and what other modules
 * ask of them (the scan's open service requests). */
#ifndef FT_TICKETS_H
#define FT_TICKETS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/audit.h"
#include "core/err.h"
#include "core/policy.h"
#include "db/tickets_store.h"

struct db;


/* "FT-000042" */
void tickets_number(int64_t id, char out[24]);

/* A ticket as the API shows it; contacts masked unless reveal. who (may be
 * NULL) decides "allowed_actions". New reference (caller decrefs). */
json_t *tickets_json(const struct ticket_row *t, const struct principal *who, int reveal);

/* Opens a ticket inside the caller's transaction: priority and deadlines
 * from the service level, routing to a centre unless t->centre is set
 * (then `routing_rule` / `routing_reason` explain it), the history's first
 * events, the asset's timeline and the audit entry. t carries the intake
 * facts; its status, priority, deadlines and centre are filled in. */
enum err tickets_open_locked(struct db *db, const struct audit_actor *actor, int64_t actor_id,
			     struct ticket_row *t, const struct ticket_facts *facts,
			     const char *routing_rule, const char *routing_reason, int64_t *id_out);

/* A low satisfaction score reopens the loop: a complaint linked to t
 * (parent_id), for the same centre, with the customer's words, opened
 * inside the caller's transaction (the follow-up's close and the
 * customer's own rating from the tracking page). */
enum err tickets_open_complaint_locked(struct db *db, const struct audit_actor *actor,
				       int64_t actor_id, const struct ticket_row *t, int satisfaction,
				       const char *comment, int64_t *id_out);

/* The ticket in full (history, work, parts) as GET /v1/tickets/{id} shows
 * it, contacts masked, read without a scope check (the caller decided who
 * may see it). *out is new (caller decrefs). */
enum err tickets_full_json(struct db *db, int64_t id, const struct principal *who, json_t **out);

/* One entry of a ticket's history, inside the caller's transaction. */
struct ticket_event_in {
	int64_t at;
	const char *action;
	const char *from; /* NULL for the first */
	const char *to;
	int64_t actor_id;
	const char *note; /* NULL = none */
	int has_position;
	double latitude, longitude;
	const json_t *detail; /* NULL = {} ; not stolen */
	int has_device_at;
	int64_t device_at; /* the device's clock for work recorded offline */
};
enum err tickets_event_locked(struct db *db, int64_t ticket_id, const struct ticket_event_in *in);

/* tickets_full_json for a row already read (reveal: contacts unmasked;
 * the caller audits that). */
enum err tickets_full_json_of(struct db *db, const struct ticket_row *t,
			      const struct principal *who, int reveal, json_t **out);

#endif
