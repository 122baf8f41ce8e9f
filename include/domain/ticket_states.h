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

/* The statuses (TICKET_STATUSES in include/db/tickets_store.h) as
 * numbers: TS_new, TS_routed, ... */
#define TICKET_STATUS_ENUM(name, open, clock, final) TS_##name,
enum ticket_status { TICKET_STATUSES(TICKET_STATUS_ENUM) TS__COUNT, TS__PAUSED = TS__COUNT };
#define TS_BIT(name) (1u << TS_##name)

/* The actions; apply() in server/api/ticket_flow.c switches on them, so a
 * new one without its effect is a compiler warning. */
enum ticket_action {
	TA_ASSIGN,
	TA_ACCEPT,
	TA_DECLINE,
	TA_DEPART,
	TA_ARRIVE,
	TA_RESOLVE,
	TA_WAIT,
	TA_RESUME,
	TA_FOLLOW_UP,
	TA_CLOSE,
	TA_CANCEL,
	TA_REOPEN,
	TA_REROUTE,
	TA__COUNT
};

struct ticket_transition {
	enum ticket_action id;
	const char *action;    /* its name in requests and events */
	unsigned from;         /* TS_BIT() of each status it may start from */
	enum ticket_status to; /* TS__PAUSED: back to the status before the pause */
	unsigned by;
	unsigned members;
	unsigned required; /* of members, plus M_NOTE_REQUIRED */
	int note_required;
};

/* A status's name ("waiting_customer"); NULL for none. */
const char *ticket_status_name(enum ticket_status s);
/* The status of name; -1 when name is none. */
int ticket_status_parse(const char *name, enum ticket_status *out);
/* Does work remain on a ticket in status name (TICKET_STATUSES' open)? */
int ticket_status_open(const char *name);
/* Is status s over for good (TICKET_STATUSES' final: closed, cancelled)? */
int ticket_status_final(enum ticket_status s);
/* Does the SLA clock run in status s (TICKET_STATUSES' clock)? */
int ticket_status_clock(enum ticket_status s);

/* The transition of action, or NULL for an unknown action. */
const struct ticket_transition *ticket_transition_find(const char *action);
/* May tr start from status? */
int ticket_transition_from(const struct ticket_transition *tr, const char *status);
/* May who take tr on ticket t (the assignee, a dispatcher, a supervisor)? */
int ticket_transition_caller_may(const struct ticket_transition *tr, const struct ticket_row *t,
				 const struct principal *who);
/* The actions who may take on t now, as a JSON array of names (new). */
json_t *ticket_flow_allowed(const struct ticket_row *t, const struct principal *who);
/* The same from what decides it alone: the status and the assignee (0
 * none), for a caller that holds no whole ticket row (the board). */
json_t *ticket_flow_allowed_on(const char *status, int64_t assignee_id,
			       const struct principal *who);

#endif
