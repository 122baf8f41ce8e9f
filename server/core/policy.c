/* The one policy point: one row per role listing its permissions, the
 * scope ones included, and policy_scope() turning those into the rows a
 * caller reaches. Stores apply the scope inside their queries. */
#include "core/policy.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {
	[ROLE_NONE] = "",
	[ROLE_ADMIN] = "admin",
	[ROLE_SUPERVISOR] = "supervisor",
	[ROLE_DISPATCHER] = "dispatcher",
	[ROLE_TECHNICIAN] = "technician",
	[ROLE_SALES] = "sales",
	[ROLE_AUDITOR] = "auditor",
};
_Static_assert(sizeof(role_names) / sizeof(role_names[0]) == ROLE__COUNT,
	       "every role has a name in role_names[]");

#define P(perm) (UINT64_C(1) << (perm))
_Static_assert(PERM__COUNT <= 64, "role_perms[] holds permissions as 64-bit sets");

/* Any signed-in role: sign out, /v1/me, the shared lists. */
#define SIGNED_IN (P(PERM_PUBLIC) | P(PERM_AUTHENTICATED))

/* Notes on single permissions:
 * - PERM_KEYS_ADMIN: key ids are finite (1..1295) and never reused: only
 *   admins rotate.
 * - PERM_SERVICE_ADMIN: catalogue, priorities and the calendar change every
 *   deadline.
 * - PERM_WEBHOOKS_ADMIN: endpoints receive every subscribed event, across
 *   all scopes; only they reach private addresses (allow_private).
 * - PERM_WEBHOOKS_OWN: a regional centre's integration under a supervisor's
 *   or dispatcher's account: its own endpoints, receiving the events its
 *   scope reaches (policy_webhook_event_allowed() says which types).
 * - PERM_COVERAGE_WRITE: supervisors within their region (the scope); the
 *   handler checks the centre.
 * - PERM_ANALYTICS: as the scope reaches: admins and auditors all,
 *   supervisors their region, dispatchers their centre.
 * - PERM_TICKETS_CHECKIN: where one stood on arrival: only the one who stood
 *   there says it (the assignee, checked by the handler).
 * - PERM_SYNC: field devices: technicians their jobs, dispatchers their
 *   centre's.
 * - PERM_ORG_WRITE: the region tree and the centres decide everyone's
 *   scope: admins only.
 * - PERM_DEVICES_ALL: whose phones get pushes is support work across all
 *   scopes: admins only (everyone lists and removes their own).
 * - PERM_DELIVERIES_ALL: everyone's deliveries (addresses, provider errors)
 *   and the providers' state: admins only (everyone sees their own).
 * - PERM_EXPERTS_ADMIN: who answers for a product line and when is the
 *   maker's organisation, not a region's: admins only.
 * - PERM_EXPERTS_READ: the staff who ask for or take part in remote
 *   assistance see who is on call; sales and auditors do not.
 * - PERM_CONTRACTS_READ / _WRITE: contracts carry prices: sales (their
 *   customers), supervisors (their region) and admins sell and change them;
 *   dispatchers and auditors read them; technicians see the entitlement
 *   on their tickets only.
 * - PERM_ASSIST_REQUEST: technicians on a job assigned to them, dispatchers
 *   and supervisors on tickets in their scope (the domain checks which).
 * - PERM_ASSIST_ANSWER: whoever may be an expert (a profile, not a role)
 *   answers the offers made to them; the offer is the check.
 * - PERM_ASSIST_SUPERVISE: supervisors join calls in their region; nobody
 *   else but the ticket's technician and the accepting expert joins.
 * - PERM_MAINTENANCE_READ / _WRITE: plans are the maker's service programme
 *   for a model or a contract (organisation-wide, like the catalogue):
 *   admins and supervisors write them; the calendar is read by the staff
 *   who plan visits (admins, supervisors, dispatchers, sales for their
 *   customers, auditors), scoped to the units' regions.
 * - PERM_RUNNING_HOURS: the hour meter is read on site or by the office:
 *   technicians, dispatchers, supervisors and admins, on units in scope.
 * - PERM_CHECKLISTS_ADMIN: a checklist template is the maker's for a model
 *   or a kind of request, the same in every region: admins only. */
static const uint64_t role_perms[] = {
	[ROLE_NONE] = P(PERM_PUBLIC),
	[ROLE_ADMIN] = SIGNED_IN | P(PERM_USERS_READ) | P(PERM_USERS_WRITE) | P(PERM_AUDIT_READ) |
		       P(PERM_REGISTRY_READ) | P(PERM_REGISTRY_WRITE) | P(PERM_LABELS) |
		       P(PERM_PII_REVEAL) | P(PERM_KEYS_ADMIN) | P(PERM_TICKETS_READ) |
		       P(PERM_TICKETS_CREATE) | P(PERM_TICKETS_WORK) | P(PERM_TICKETS_DISPATCH) |
		       P(PERM_SERVICE_ADMIN) | P(PERM_COVERAGE_WRITE) | P(PERM_TECHNICIANS_READ) |
		       P(PERM_SKILLS_WRITE) | P(PERM_ROUTING_PREVIEW) | P(PERM_WARRANTY_READ) |
		       P(PERM_WARRANTY_RENEW) | P(PERM_WEBHOOKS_ADMIN) | P(PERM_WEBHOOKS_OWN) |
		       P(PERM_KB_READ) | P(PERM_KB_WRITE) | P(PERM_KB_REVIEW) |
		       P(PERM_KB_FEEDBACK) | P(PERM_PROBLEMS_READ) | P(PERM_PROBLEMS_WRITE) |
		       P(PERM_ANALYTICS) | P(PERM_TICKETS_REROUTE) | P(PERM_KB_ALL_VERSIONS) |
		       P(PERM_PHONES_FULL) | P(PERM_ORG_WRITE) | P(PERM_DEVICES_ALL) |
		       P(PERM_DELIVERIES_ALL) | P(PERM_SCOPE_ALL) | P(PERM_EXPERTS_ADMIN) |
		       P(PERM_EXPERTS_READ) | P(PERM_CONTRACTS_READ) | P(PERM_CONTRACTS_WRITE) |
		       P(PERM_ASSIST_ANSWER) | P(PERM_MAINTENANCE_READ) |
		       P(PERM_MAINTENANCE_WRITE) | P(PERM_RUNNING_HOURS) | P(PERM_CHECKLISTS_ADMIN),
	[ROLE_SUPERVISOR] =
	    SIGNED_IN | P(PERM_USERS_READ) | P(PERM_REGISTRY_READ) | P(PERM_REGISTRY_WRITE) |
	    P(PERM_LABELS) | P(PERM_PII_REVEAL) | P(PERM_TICKETS_READ) | P(PERM_TICKETS_CREATE) |
	    P(PERM_TICKETS_WORK) | P(PERM_TICKETS_DISPATCH) | P(PERM_COVERAGE_WRITE) |
	    P(PERM_TECHNICIANS_READ) | P(PERM_SKILLS_WRITE) | P(PERM_ROUTING_PREVIEW) |
	    P(PERM_WARRANTY_READ) | P(PERM_WARRANTY_RENEW) | P(PERM_KB_READ) | P(PERM_KB_WRITE) |
	    P(PERM_KB_REVIEW) | P(PERM_KB_FEEDBACK) | P(PERM_PROBLEMS_READ) |
	    P(PERM_PROBLEMS_WRITE) | P(PERM_ANALYTICS) | P(PERM_TICKETS_REROUTE) |
	    P(PERM_KB_ALL_VERSIONS) | P(PERM_WEBHOOKS_OWN) | P(PERM_SCOPE_REGISTRY_REGION) |
	    P(PERM_SCOPE_OPS_REGION) | P(PERM_EXPERTS_READ) | P(PERM_CONTRACTS_READ) |
	    P(PERM_CONTRACTS_WRITE) | P(PERM_ASSIST_REQUEST) | P(PERM_ASSIST_ANSWER) |
	    P(PERM_ASSIST_SUPERVISE) | P(PERM_MAINTENANCE_READ) | P(PERM_MAINTENANCE_WRITE) |
	    P(PERM_RUNNING_HOURS),
	[ROLE_DISPATCHER] =
	    SIGNED_IN | P(PERM_USERS_READ) | P(PERM_REGISTRY_READ) | P(PERM_LABELS) |
	    P(PERM_PII_REVEAL) | P(PERM_TICKETS_READ) | P(PERM_TICKETS_CREATE) |
	    P(PERM_TICKETS_WORK) | P(PERM_TICKETS_DISPATCH) | P(PERM_TECHNICIANS_READ) |
	    P(PERM_SKILLS_WRITE) | P(PERM_ROUTING_PREVIEW) | P(PERM_WARRANTY_READ) |
	    P(PERM_KB_READ) | P(PERM_KB_FEEDBACK) | P(PERM_ANALYTICS) | P(PERM_SYNC) |
	    P(PERM_WEBHOOKS_OWN) | P(PERM_SCOPE_REGISTRY_REGION) | P(PERM_SCOPE_OPS_CENTRE) |
	    P(PERM_EXPERTS_READ) | P(PERM_CONTRACTS_READ) | P(PERM_ASSIST_REQUEST) |
	    P(PERM_ASSIST_ANSWER) | P(PERM_MAINTENANCE_READ) | P(PERM_RUNNING_HOURS),
	[ROLE_TECHNICIAN] = SIGNED_IN | P(PERM_REGISTRY_READ) | P(PERM_PII_REVEAL) |
			    P(PERM_TICKETS_READ) | P(PERM_TICKETS_CREATE) | P(PERM_TICKETS_WORK) |
			    P(PERM_DUTY) | P(PERM_KB_READ) | P(PERM_KB_WRITE) |
			    P(PERM_KB_FEEDBACK) | P(PERM_TICKETS_CHECKIN) | P(PERM_SYNC) |
			    P(PERM_TICKETS_ASSIGNEE) | P(PERM_SCOPE_REGISTRY_REGION) |
			    P(PERM_SCOPE_OWN_JOBS) | P(PERM_EXPERTS_READ) | P(PERM_ASSIST_REQUEST) |
			    P(PERM_ASSIST_ANSWER) | P(PERM_RUNNING_HOURS),
	[ROLE_SALES] = SIGNED_IN | P(PERM_REGISTRY_READ) | P(PERM_PII_REVEAL) |
		       P(PERM_TICKETS_READ) | P(PERM_TICKETS_CREATE) | P(PERM_WARRANTY_READ) |
		       P(PERM_WARRANTY_RENEW) | P(PERM_KB_READ) | P(PERM_SCOPE_OWN_CUSTOMERS) |
		       P(PERM_CONTRACTS_READ) | P(PERM_CONTRACTS_WRITE) | P(PERM_MAINTENANCE_READ),
	[ROLE_AUDITOR] = SIGNED_IN | P(PERM_USERS_READ) | P(PERM_AUDIT_READ) |
			 P(PERM_REGISTRY_READ) | P(PERM_TICKETS_READ) | P(PERM_TECHNICIANS_READ) |
			 P(PERM_WARRANTY_READ) | P(PERM_KB_READ) | P(PERM_PROBLEMS_READ) |
			 P(PERM_ANALYTICS) | P(PERM_KB_ALL_VERSIONS) | P(PERM_SCOPE_ALL) |
			 P(PERM_CONTRACTS_READ) | P(PERM_MAINTENANCE_READ),
};
_Static_assert(sizeof(role_perms) / sizeof(role_perms[0]) == ROLE__COUNT,
	       "every role has a row in role_perms[]");
#undef SIGNED_IN
#undef P

const char *role_name(enum role r)
{
	return (r > ROLE_NONE && r < ROLE__COUNT) ? role_names[r] : "";
}

enum role role_parse(const char *name)
{
	for (int r = ROLE_NONE + 1; r < ROLE__COUNT; r++)
		if (strcmp(role_names[r], name) == 0)
			return (enum role)r;
	return ROLE_NONE;
}

int policy_allows(enum role r, enum perm p)
{
	if (r < ROLE_NONE || r >= ROLE__COUNT || p < PERM_PUBLIC || p >= PERM__COUNT)
		return 0;
	return (int)((role_perms[r] >> p) & 1u);
}

int policy_webhook_event_allowed(enum role r, const char *event_type)
{
	static const struct {
		const char *prefix;
		enum perm perm;
	} families[] = {
		{ "ticket.", PERM_TICKETS_READ },
		{ "warranty.", PERM_WARRANTY_READ },
		{ "problem.", PERM_PROBLEMS_READ },
	};

	if (!event_type)
		return 0;
	if (policy_allows(r, PERM_WEBHOOKS_ADMIN))
		return 1;
	if (!policy_allows(r, PERM_WEBHOOKS_OWN))
		return 0;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strncmp(event_type, families[i].prefix, strlen(families[i].prefix)) == 0)
			return policy_allows(r, families[i].perm);
	return 0;
}

void policy_scope(const struct principal *p, struct scope *out)
{
	enum role r = p->role;
	size_t n = strlen(p->region_path);

	memset(out, 0, sizeof(*out));
	if (policy_allows(r, PERM_SCOPE_ALL)) {
		out->all = 1;
		return;
	}
	/* Reaching operations by region reaches that region's registry too. */
	if ((policy_allows(r, PERM_SCOPE_REGISTRY_REGION) ||
	     policy_allows(r, PERM_SCOPE_OPS_REGION)) &&
	    n >= 2 && p->region_path[n - 1] == '/' && n < sizeof(out->region_lo)) {
		memcpy(out->region_lo, p->region_path, n + 1);
		memcpy(out->region_hi, p->region_path, n + 1);
		out->region_hi[n - 1] = '0'; /* '0' is the byte after '/' */
		out->ops_region = policy_allows(r, PERM_SCOPE_OPS_REGION);
	}
	if (policy_allows(r, PERM_SCOPE_OPS_CENTRE))
		snprintf(out->centre, sizeof(out->centre), "%s", p->centre);
	if (policy_allows(r, PERM_SCOPE_OWN_JOBS))
		out->user_id = p->user_id;
	if (policy_allows(r, PERM_SCOPE_OWN_CUSTOMERS))
		out->owner_id = p->user_id;
}
