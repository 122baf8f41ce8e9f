/* Roles, permissions and the one table that decides who may do what.
 * Scope (region / centre) is applied inside store queries, not here. */
#ifndef FT_POLICY_H
#define FT_POLICY_H

#include <stdint.h>

enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN,
	ROLE_SUPERVISOR,
	ROLE_DISPATCHER,
	ROLE_TECHNICIAN,
	ROLE_SALES,
	ROLE_AUDITOR,
	ROLE__COUNT
};

enum perm {
	PERM_PUBLIC = 0,    /* no token needed */
	PERM_AUTHENTICATED, /* any valid token */
	PERM_USERS_READ,
	PERM_USERS_WRITE,
	PERM_AUDIT_READ,
	PERM_REGISTRY_READ,    /* customers, sites, models, assets (scoped) */
	PERM_REGISTRY_WRITE,   /* create / change them, import, relabel */
	PERM_LABELS,           /* print labels and label sheets */
	PERM_PII_REVEAL,       /* ask for unmasked personal data (audited) */
	PERM_KEYS_ADMIN,       /* rotate the QR signing key: scarce and global */
	PERM_TICKETS_READ,     /* service tickets (scoped: own jobs, centre, region, customers) */
	PERM_TICKETS_CREATE,   /* open a ticket from any channel */
	PERM_TICKETS_WORK,     /* move tickets along (which actions: by role and assignment) */
	PERM_TICKETS_DISPATCH, /* rank and assign technicians */
	PERM_SERVICE_ADMIN,    /* edit the service catalogue, service levels, calendar */
	PERM_COVERAGE_WRITE,   /* what a centre covers (supervisors: in their region) */
	PERM_TECHNICIANS_READ, /* technicians with skills and duty (scoped) */
	PERM_SKILLS_WRITE,     /* technicians' skills (scoped) */
	PERM_DUTY,             /* report one's own duty and position */
	PERM_ROUTING_PREVIEW,  /* where a request from a site would go */
	PERM_WARRANTY_READ,    /* warranty expiry alerts (by owner, centre, region) */
	PERM_WARRANTY_RENEW,   /* record a renewal contract (scoped) */
	PERM_WEBHOOKS_ADMIN,   /* register webhook endpoints, see and retry deliveries */
	PERM_KB_READ,          /* knowledge base: published articles, search, one's own drafts */
	PERM_KB_WRITE,         /* draft and edit articles (technicians: their own) */
	PERM_KB_REVIEW,        /* review, publish, retire articles; see every draft */
	PERM_KB_FEEDBACK,      /* mark an article "solved it" on a ticket one can see */
	PERM_PROBLEMS_READ,    /* recurring-problem records (national quality data) */
	PERM_PROBLEMS_WRITE,   /* owner, status and corrective action of a problem */
	PERM_ANALYTICS,        /* operations analytics (scoped: region, centre) */
	PERM_TICKETS_CHECKIN, /* GPS check-in on one's own job (the assignee, checked by the handler) */
	PERM_SYNC,            /* a device's sync of its own jobs and reference data */
	PERM__COUNT
};

/* Who is calling: filled from the access token by the dispatcher. */
struct principal {
	int64_t user_id;
	int64_t session_id; /* refresh-token family the access token belongs to */
	enum role role;
	char username[64];
	char region[32];       /* "" when none */
	char region_path[256]; /* "/CN/GD/SZ/": scope is a prefix match on it */
	char centre[32];       /* "" when none */
};

const char *role_name(enum role r);          /* "admin", ...; "" for NONE */
enum role role_parse(const char *name);      /* ROLE_NONE when unknown */
int policy_allows(enum role r, enum perm p); /* 1 allowed, 0 not */

/* Which rows a caller may see, as bind values for store queries. Region
 * scope is the half-open range [region_lo, region_hi) over region paths
 * ("/CN/GD/" .. "/CN/GD0"), which an index on the path can answer. */
struct scope {
	int all;             /* 1: no restriction */
	char region_lo[256]; /* "" when the caller has no region scope */
	char region_hi[256];
	int64_t owner_id; /* sales: rows they own; 0 otherwise */
};
void policy_scope(const struct principal *p, struct scope *out);

#endif
