/* The ticket state machine as data: every action, the states it leaves
 * from, where it goes and who may take it (include/domain/ticket_states.h). */
#include "domain/ticket_states.h"

#include <string.h>

static const char *const status_names[TS__COUNT] = {
#define TICKET_STATUS_NAME(name, open, clock, final) #name,
	TICKET_STATUSES(TICKET_STATUS_NAME)
#undef TICKET_STATUS_NAME
};

static const unsigned char status_open[TS__COUNT] = {
#define TICKET_STATUS_OPEN(name, open, clock, final) open,
	TICKET_STATUSES(TICKET_STATUS_OPEN)
#undef TICKET_STATUS_OPEN
};

static const unsigned char status_clock[TS__COUNT] = {
#define TICKET_STATUS_CLOCK(name, open, clock, final) clock,
	TICKET_STATUSES(TICKET_STATUS_CLOCK)
#undef TICKET_STATUS_CLOCK
};

static const unsigned char status_final[TS__COUNT] = {
#define TICKET_STATUS_FINAL(name, open, clock, final) final,
	TICKET_STATUSES(TICKET_STATUS_FINAL)
#undef TICKET_STATUS_FINAL
};

/* In enum ticket_action's order: transitions[a].id == a. */
static const struct ticket_transition transitions[TA__COUNT] = {
	{ TA_ASSIGN, "assign",
	  TS_BIT(routed) | TS_BIT(declined) | TS_BIT(reopened) | TS_BIT(assigned), TS_assigned,
	  BY_DISPATCH, M_ASSIGNEE, M_ASSIGNEE, 0 },
	{ TA_ACCEPT, "accept", TS_BIT(assigned), TS_accepted, BY_ASSIGNEE, M_POSITION, 0, 0 },
	{ TA_DECLINE, "decline", TS_BIT(assigned), TS_declined, BY_ASSIGNEE, 0, 0, 1 },
	{ TA_DEPART, "depart", TS_BIT(accepted), TS_en_route, BY_ASSIGNEE, M_POSITION, 0, 0 },
	{ TA_ARRIVE, "arrive", TS_BIT(en_route), TS_on_site, BY_ASSIGNEE, M_POSITION, M_POSITION,
	  0 },
	{ TA_RESOLVE, "resolve", TS_BIT(on_site), TS_resolved, BY_ASSIGNEE, M_WORK | M_POSITION,
	  M_WORK, 0 },
	{ TA_WAIT, "wait",
	  TS_BIT(routed) | TS_BIT(assigned) | TS_BIT(accepted) | TS_BIT(en_route) |
	      TS_BIT(on_site) | TS_BIT(reopened),
	  TS_waiting_customer, BY_ASSIGNEE | BY_DISPATCH, 0, 0, 1 },
	{ TA_RESUME, "resume", TS_BIT(waiting_customer), TS__PAUSED, BY_ASSIGNEE | BY_DISPATCH, 0,
	  0, 0 },
	{ TA_FOLLOW_UP, "follow_up", TS_BIT(resolved), TS_follow_up, BY_DISPATCH, 0, 0, 0 },
	{ TA_CLOSE, "close", TS_BIT(follow_up), TS_closed, BY_DISPATCH, M_FOLLOW_UP, M_FOLLOW_UP,
	  0 },
	{ TA_CANCEL, "cancel",
	  TS_BIT(new) | TS_BIT(routed) | TS_BIT(assigned) | TS_BIT(accepted) | TS_BIT(declined) |
	      TS_BIT(en_route) | TS_BIT(waiting_customer) | TS_BIT(reopened),
	  TS_cancelled, BY_DISPATCH, 0, 0, 1 },
	{ TA_REOPEN, "reopen", TS_BIT(resolved) | TS_BIT(follow_up) | TS_BIT(closed), TS_reopened,
	  BY_DISPATCH, 0, 0, 1 },
	{ TA_REROUTE, "reroute",
	  TS_BIT(new) | TS_BIT(routed) | TS_BIT(declined) | TS_BIT(reopened) | TS_BIT(assigned),
	  TS_routed, BY_SUPERVISOR, M_CENTRE, 0, 1 },
};
_Static_assert(TS__COUNT <= 32, "statuses fit the from mask");

const char *ticket_status_name(enum ticket_status s)
{
	return (unsigned)s < TS__COUNT ? status_names[s] : NULL;
}

int ticket_status_parse(const char *name, enum ticket_status *out)
{
	for (unsigned s = 0; name && s < TS__COUNT; s++)
		if (strcmp(status_names[s], name) == 0) {
			*out = (enum ticket_status)s;
			return 0;
		}
	return -1;
}

int ticket_status_open(const char *name)
{
	enum ticket_status s;

	return ticket_status_parse(name, &s) == 0 && status_open[s];
}

int ticket_status_final(enum ticket_status s)
{
	return (unsigned)s < TS__COUNT && status_final[s];
}

int ticket_status_clock(enum ticket_status s)
{
	return (unsigned)s < TS__COUNT && status_clock[s];
}

#define TICKET_TRANSITIONS TA__COUNT

const struct ticket_transition *ticket_transition_find(const char *action)
{
	for (size_t i = 0; action && i < TICKET_TRANSITIONS; i++)
		if (strcmp(transitions[i].action, action) == 0)
			return &transitions[i];
	return NULL;
}

int ticket_transition_from(const struct ticket_transition *tr, const char *status)
{
	enum ticket_status s;

	return ticket_status_parse(status, &s) == 0 && (tr->from & (1u << s));
}

/* Who may take tr: its assignee (assignee_id, 0 none), dispatchers,
 * supervisors, as tr says. */
static int caller_may(const struct ticket_transition *tr, int64_t assignee_id,
		      const struct principal *who)
{
	if ((tr->by & BY_ASSIGNEE) && policy_allows(who->role, PERM_TICKETS_ASSIGNEE) &&
	    assignee_id && assignee_id == who->user_id)
		return 1;
	if ((tr->by & BY_DISPATCH) && policy_allows(who->role, PERM_TICKETS_DISPATCH))
		return 1;
	if ((tr->by & BY_SUPERVISOR) && policy_allows(who->role, PERM_TICKETS_REROUTE))
		return 1;
	return 0;
}

int ticket_transition_caller_may(const struct ticket_transition *tr, const struct ticket_row *t,
				 const struct principal *who)
{
	return caller_may(tr, t->assignee_id, who);
}

json_t *ticket_flow_allowed_on(const char *status, int64_t assignee_id, const struct principal *who)
{
	json_t *list = json_array();
	enum ticket_status s;

	if (ticket_status_parse(status, &s) < 0)
		return list;
	for (size_t i = 0; i < TICKET_TRANSITIONS; i++)
		if ((transitions[i].from & (1u << s)) &&
		    caller_may(&transitions[i], assignee_id, who))
			json_array_append_new(list, json_string(transitions[i].action));
	return list;
}

json_t *ticket_flow_allowed(const struct ticket_row *t, const struct principal *who)
{
	return ticket_flow_allowed_on(t->status, t->assignee_id, who);
}
