/* The one policy point: which role may use which permission. Region and
 * centre scope is not decided here but inside the store queries. */
#include "core/policy.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_NONE] = "",
	[ROLE_ADMIN] = "admin",
	[ROLE_SUPERVISOR] = "supervisor",
	[ROLE_DISPATCHER] = "dispatcher",
	[ROLE_TECHNICIAN] = "technician",
	[ROLE_SALES] = "sales",
	[ROLE_AUDITOR] = "auditor",
};

#define R(role) (1u << (role))
static const unsigned perm_roles[PERM__COUNT] = {
	[PERM_PUBLIC] = ~0u,
	[PERM_AUTHENTICATED] = ~0u & ~R(ROLE_NONE),
	[PERM_USERS_READ] =
	    R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) | R(ROLE_AUDITOR),
	[PERM_USERS_WRITE] = R(ROLE_ADMIN),
	[PERM_AUDIT_READ] = R(ROLE_ADMIN) | R(ROLE_AUDITOR),
	[PERM_REGISTRY_READ] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) |
			       R(ROLE_TECHNICIAN) | R(ROLE_SALES) | R(ROLE_AUDITOR),
	[PERM_REGISTRY_WRITE] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR),
	[PERM_LABELS] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER),
	/* Key ids are finite (1..1295) and never reused: only admins rotate. */
	[PERM_KEYS_ADMIN] = R(ROLE_ADMIN),
	/* Catalogue, priorities and the calendar change every deadline. */
	[PERM_SERVICE_ADMIN] = R(ROLE_ADMIN),
	/* Supervisors within their region; scope is checked by the handler. */
	[PERM_COVERAGE_WRITE] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR),
	[PERM_TECHNICIANS_READ] =
	    R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) | R(ROLE_AUDITOR),
	[PERM_SKILLS_WRITE] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER),
	[PERM_DUTY] = R(ROLE_TECHNICIAN),
	/* Endpoints receive every subscribed event, across all scopes. */
	[PERM_WEBHOOKS_ADMIN] = R(ROLE_ADMIN),
	[PERM_ROUTING_PREVIEW] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER),
	[PERM_PII_REVEAL] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) |
			    R(ROLE_TECHNICIAN) | R(ROLE_SALES),
	[PERM_TICKETS_READ] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) |
			      R(ROLE_TECHNICIAN) | R(ROLE_SALES) | R(ROLE_AUDITOR),
	[PERM_TICKETS_CREATE] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) |
				R(ROLE_TECHNICIAN) | R(ROLE_SALES),
	[PERM_TICKETS_WORK] =
	    R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) | R(ROLE_TECHNICIAN),
	[PERM_TICKETS_DISPATCH] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER),
	[PERM_WARRANTY_READ] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) |
			       R(ROLE_SALES) | R(ROLE_AUDITOR),
	[PERM_WARRANTY_RENEW] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_SALES),
	[PERM_KB_READ] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) |
			 R(ROLE_TECHNICIAN) | R(ROLE_SALES) | R(ROLE_AUDITOR),
	[PERM_KB_WRITE] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_TECHNICIAN),
	[PERM_KB_REVIEW] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR),
	[PERM_KB_FEEDBACK] =
	    R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) | R(ROLE_TECHNICIAN),
	[PERM_PROBLEMS_READ] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_AUDITOR),
	[PERM_PROBLEMS_WRITE] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR),
	/* Admins and auditors all; supervisors their region; dispatchers their centre. */
	[PERM_ANALYTICS] =
	    R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) | R(ROLE_AUDITOR),
	/* Where one stood on arrival: only the one who stood there says it. */
	[PERM_TICKETS_CHECKIN] = R(ROLE_TECHNICIAN),
	/* Field devices: technicians their jobs, dispatchers their centre's. */
	[PERM_SYNC] = R(ROLE_DISPATCHER) | R(ROLE_TECHNICIAN),
};
#undef R

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
	return (perm_roles[p] >> r) & 1u;
}

void policy_scope(const struct principal *p, struct scope *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	switch (p->role) {
	case ROLE_ADMIN:
	case ROLE_AUDITOR:
		out->all = 1;
		return;
	case ROLE_SALES:
		out->owner_id = p->user_id;
		return;
	case ROLE_SUPERVISOR:
	case ROLE_DISPATCHER:
	case ROLE_TECHNICIAN:
		break;
	default:
		return; /* sees nothing */
	}
	n = strlen(p->region_path);
	if (n < 2 || p->region_path[n - 1] != '/' || n >= sizeof(out->region_lo))
		return; /* no home region: sees nothing */
	memcpy(out->region_lo, p->region_path, n + 1);
	memcpy(out->region_hi, p->region_path, n + 1);
	out->region_hi[n - 1] = '0'; /* '0' is the byte after '/' */
}
