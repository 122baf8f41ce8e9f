/* The ticket state machine as data: every action, the states it leaves
 * from, where it goes and who may take it (include/domain/ticket_states.h). */
#include "domain/ticket_states.h"

#include <string.h>

static const struct ticket_transition transitions[] = {
	{ "assign", "routed declined reopened assigned", "assigned", BY_DISPATCH, M_ASSIGNEE,
	  M_ASSIGNEE, 0 },
	{ "accept", "assigned", "accepted", BY_ASSIGNEE, M_POSITION, 0, 0 },
	{ "decline", "assigned", "declined", BY_ASSIGNEE, 0, 0, 1 },
	{ "depart", "accepted", "en_route", BY_ASSIGNEE, M_POSITION, 0, 0 },
	{ "arrive", "en_route", "on_site", BY_ASSIGNEE, M_POSITION, M_POSITION, 0 },
	{ "resolve", "on_site", "resolved", BY_ASSIGNEE, M_WORK | M_POSITION, M_WORK, 0 },
	{ "wait", "routed assigned accepted en_route on_site reopened", "waiting_customer",
	  BY_ASSIGNEE | BY_DISPATCH, 0, 0, 1 },
	{ "resume", "waiting_customer", NULL, BY_ASSIGNEE | BY_DISPATCH, 0, 0, 0 },
	{ "follow_up", "resolved", "follow_up", BY_DISPATCH, 0, 0, 0 },
	{ "close", "follow_up", "closed", BY_DISPATCH, M_FOLLOW_UP, M_FOLLOW_UP, 0 },
	{ "cancel", "new routed assigned accepted declined en_route waiting_customer reopened",
	  "cancelled", BY_DISPATCH, 0, 0, 1 },
	{ "reopen", "resolved follow_up closed", "reopened", BY_DISPATCH, 0, 0, 1 },
	{ "reroute", "new routed declined reopened assigned", "routed", BY_SUPERVISOR, M_CENTRE, 0,
	  1 },
};
#define TICKET_TRANSITIONS (sizeof(transitions) / sizeof(transitions[0]))

const struct ticket_transition *ticket_transition_find(const char *action)
{
	for (size_t i = 0; action && i < TICKET_TRANSITIONS; i++)
		if (strcmp(transitions[i].action, action) == 0)
			return &transitions[i];
	return NULL;
}

int ticket_transition_from(const struct ticket_transition *tr, const char *status)
{
	size_t n = strlen(status);

	for (const char *p = tr->from; *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && memcmp(p, status, n) == 0)
			return 1;
		p += len + (p[len] == ' ');
	}
	return 0;
}

int ticket_transition_caller_may(const struct ticket_transition *tr, const struct ticket_row *t,
				 const struct principal *who)
{
	if ((tr->by & BY_ASSIGNEE) && policy_allows(who->role, PERM_TICKETS_ASSIGNEE) &&
	    t->assignee_id && t->assignee_id == who->user_id)
		return 1;
	if ((tr->by & BY_DISPATCH) && policy_allows(who->role, PERM_TICKETS_DISPATCH))
		return 1;
	if ((tr->by & BY_SUPERVISOR) && policy_allows(who->role, PERM_TICKETS_REROUTE))
		return 1;
	return 0;
}

json_t *ticket_flow_allowed(const struct ticket_row *t, const struct principal *who)
{
	json_t *list = json_array();

	for (size_t i = 0; i < TICKET_TRANSITIONS; i++)
		if (ticket_transition_from(&transitions[i], t->status) &&
		    ticket_transition_caller_may(&transitions[i], t, who))
			json_array_append_new(list, json_string(transitions[i].action));
	return list;
}
