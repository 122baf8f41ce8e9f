/* Roles, permissions and the one table that decides who may do what, and
 * the scope (region, centre, own jobs, own customers) each role reaches,
 * resolved once per principal. Stores apply the scope inside their queries;
 * handlers ask policy_allows() or read the scope, never compare role names. */
#ifndef FT_POLICY_H
#define FT_POLICY_H

#include <stdint.h>

/* A new role goes just before ROLE__COUNT, with its row in policy.c's
 * role_perms[] (a _Static_assert counts the rows), a migration for the users
 * table's role CHECK constraint, and its rows in tests/test_authz.c. */
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
	PERM_WEBHOOKS_ADMIN,   /* every webhook endpoint, unscoped; private targets; "*" */
	PERM_KB_READ,          /* knowledge base: published articles, search, one's own drafts */
	PERM_KB_WRITE,         /* draft and edit articles (technicians: their own) */
	PERM_KB_REVIEW,        /* review, publish, retire articles; see every draft */
	PERM_KB_FEEDBACK,      /* mark an article "solved it" on a ticket one can see */
	PERM_PROBLEMS_READ,    /* recurring-problem records (national quality data) */
	PERM_PROBLEMS_WRITE,   /* owner, status and corrective action of a problem */
	PERM_ANALYTICS,        /* operations analytics (scoped: region, centre) */
	PERM_TICKETS_CHECKIN, /* GPS check-in on one's own job (the assignee, checked by the handler) */
	PERM_SYNC,            /* a device's sync of its own jobs and reference data */
	PERM_TICKETS_ASSIGNEE, /* take the assignee's actions on a job assigned to oneself */
	PERM_TICKETS_REROUTE,  /* send a ticket to another centre */
	PERM_KB_ALL_VERSIONS,  /* every KB article and version, others' drafts included */
	PERM_PHONES_FULL,      /* users' full phone numbers in user answers (audited) */
	PERM_ORG_WRITE,        /* create and change regions and service centres */
	PERM_DEVICES_ALL,      /* list anyone's push devices (?user_id=) */
	PERM_DELIVERIES_ALL,   /* anyone's notification deliveries, retries, the providers */
	PERM_WEBHOOKS_OWN,     /* one's own webhook endpoints, receiving events in one's scope */
	PERM_EXPERTS_ADMIN,    /* expert profiles and the product lines' on-call rotas */
	PERM_EXPERTS_READ,     /* list experts, rotas, who is on call */
	PERM_CONTRACTS_READ,   /* service contracts, a unit's entitlement, revenue at risk (scoped) */
	PERM_CONTRACTS_WRITE,  /* create, change, activate, cancel, renew contracts (scoped) */
	PERM_ASSIST_REQUEST,   /* ask experts for a call on a ticket (technicians: their own jobs) */
	PERM_ASSIST_ANSWER,    /* accept / decline an offer made to oneself; see one's calls */
	PERM_ASSIST_SUPERVISE, /* join and cancel calls on tickets in one's scope */
	PERM_MAINTENANCE_READ,  /* maintenance plans and the maintenance calendar (scoped) */
	PERM_MAINTENANCE_WRITE, /* create, change, delete maintenance plans */
	PERM_RUNNING_HOURS,     /* report a unit's running hours (scoped) */
	PERM_CHECKLISTS_ADMIN, /* create checklist templates and publish their versions */
	/* What the scope reaches; policy_scope() turns them into struct scope. A
	 * write permission says what, the scope where: "all" writes anywhere. */
	PERM_SCOPE_ALL,             /* every row, region and centre */
	PERM_SCOPE_REGISTRY_REGION, /* registry rows in the home region's subtree */
	PERM_SCOPE_OPS_REGION,      /* tickets, users, technicians, analytics there too */
	PERM_SCOPE_OPS_CENTRE,      /* tickets, users, technicians, analytics of one's centre */
	PERM_SCOPE_OWN_JOBS,        /* tickets assigned to or reported by oneself */
	PERM_SCOPE_OWN_CUSTOMERS,   /* registry rows and tickets of customers one owns (sales) */
	PERM__COUNT
};

/* Which rows a caller may see, as bind values for store queries; any
 * branch that matches admits a row. Region scope is the half-open range
 * [region_lo, region_hi) over region paths ("/CN/GD/" .. "/CN/GD0"), which
 * an index on the path can answer. Registry queries (customers, sites,
 * assets, warranty, labels) use all, region_lo..hi and owner_id; operations
 * queries (tickets, users, technicians, analytics) use all, region_lo..hi
 * when ops_region, centre, user_id and owner_id. A zeroed scope sees nothing. */
struct scope {
	int all;             /* 1: no restriction */
	char region_lo[256]; /* "" when the caller has no region scope */
	char region_hi[256];
	int ops_region;   /* 1: operations rows by the region range too */
	char centre[32];  /* operations rows of this centre; "" none */
	int64_t user_id;  /* tickets assigned to or reported by this user; 0 none */
	int64_t owner_id; /* rows of customers this sales owner owns; 0 none */
};

/* Who is calling: filled from the access token (db/auth_store.c), scope
 * included, once per request. */
struct principal {
	int64_t user_id;
	int64_t session_id; /* refresh-token family the access token belongs to */
	enum role role;
	char username[64];
	char region[32];       /* "" when none */
	char region_path[256]; /* "/CN/GD/SZ/": scope is a prefix match on it */
	char centre[32];       /* "" when none */
	struct scope scope;    /* policy_scope() of the above */
};

const char *role_name(enum role r);          /* "admin", ...; "" for NONE */
enum role role_parse(const char *name);      /* ROLE_NONE when unknown */
int policy_allows(enum role r, enum perm p); /* 1 allowed, 0 not */

/* 1 when an endpoint owned by role r may subscribe to event_type (a name
 * like "ticket.created", or "*"): the type's family needs the permission
 * that reads its objects (ticket.* PERM_TICKETS_READ, warranty.*
 * PERM_WARRANTY_READ, problem.* PERM_PROBLEMS_READ); "*", which takes
 * types added later too, and any other family need PERM_WEBHOOKS_ADMIN. */
int policy_webhook_event_allowed(enum role r, const char *event_type);

/* Resolves p's scope from its role's PERM_SCOPE_* permissions, home region
 * path, centre and id. The principal carries the result (p->scope), set
 * where it is filled; read that rather than resolving again. */
void policy_scope(const struct principal *p, struct scope *out);

#endif
