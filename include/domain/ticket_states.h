/* The ticket state machine as one table (server/domain/ticket_states.c):
 * each action with the states it may start from, the state it leads to,
 * who may take it and the members it reads. The transition handler and
 * the "allowed_actions" every ticket answer lists both read it. */
#ifndef FT_TICKET_STATES_H
#define FT_TICKET_STATES_H

#include <jansson.h>

#include "core/policy.h"
#include "db/tickets_store.h"

enum actor_kind {
	BY_ASSIGNEE = 1u << 0,   /* the technician the job is assigned to */
	BY_DISPATCH = 1u << 1,   /* dispatcher of the centre, supervisor, admin */
	BY_SUPERVISOR = 1u << 2, /* supervisor, admin */
};

/* Members an action uses besides "action" and "note". */
enum action_members {
	M_ASSIGNEE = 1u << 0,
	M_POSITION = 1u << 1,
	M_WORK = 1u << 2,
	M_FOLLOW_UP = 1u << 3, /* satisfaction, comment */
	M_CENTRE = 1u << 4,
};

struct ticket_transition {
	const char *action;
	const char *from; /* space-separated statuses */
	const char *to;   /* NULL: back to the status before the pause */
	unsigned by;
	unsigned members;
	unsigned required; /* of members, plus M_NOTE_REQUIRED */
	int note_required;
};

/* The transition of action, or NULL for an unknown action. */
const struct ticket_transition *ticket_transition_find(const char *action);
/* May tr start from status? */
int ticket_transition_from(const struct ticket_transition *tr, const char *status);
/* May who take tr on ticket t (the assignee, a dispatcher, a supervisor)? */
int ticket_transition_caller_may(const struct ticket_transition *tr, const struct ticket_row *t,
				 const struct principal *who);
/* The actions who may take on t now, as a JSON array of names (new). */
json_t *ticket_flow_allowed(const struct ticket_row *t, const struct principal *who);

#endif
