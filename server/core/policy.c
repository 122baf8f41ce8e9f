/* The one policy point: which role may use which permission. Region and
 * centre scope is not decided here but inside the store queries. */
#include "policy.h"

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
	[PERM_USERS_READ] = R(ROLE_ADMIN) | R(ROLE_SUPERVISOR) | R(ROLE_DISPATCHER) | R(ROLE_AUDITOR),
	[PERM_USERS_WRITE] = R(ROLE_ADMIN),
	[PERM_AUDIT_READ] = R(ROLE_ADMIN) | R(ROLE_AUDITOR),
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
