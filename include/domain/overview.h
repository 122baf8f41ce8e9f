/* The customer 360 view (server/domain/overview.c): everything about one
 * customer a service manager or a salesperson needs before a call, in one
 * answer (GET /v1/customers/{id}/overview, server/api/customers.c).
 *
 * Parts, each bounded so a customer with 10,000 units answers fast:
 *   customer      as GET /v1/customers/{id} shows it (contacts masked;
 *                 revealing stays that resource's audited ?reveal=pii)
 *   sites         at most OVERVIEW_SITES_MAX, with the total
 *   units         a page (units_limit, units_cursor) with each unit's
 *                 warranty status and the contract covering it today, and
 *                 totals by warranty status and by cover for all units
 *   contracts     active contracts with the consumption of their year
 *                 (only for a caller who may read contracts: they carry
 *                 prices; technicians see the entitlement on their
 *                 tickets instead, and each unit's covering contract's
 *                 number here)
 *   requests      open (oldest first) and recent (opened in the last
 *                 OVERVIEW_RECENT_DAYS), each with its SLA state
 *   satisfaction  the last 12 months, month by month
 *   renewals      contracts that renew another or came from a warranty
 *                 renewal, newest first (with contracts, for the same
 *                 callers)
 *   problems      problems not closed with a ticket on the customer's units
 *   risk          units out of cover, SLA breaches and scores of 2 or less
 *                 in the last OVERVIEW_RISK_DAYS: each a count and a list
 *   maintenance_due  planned maintenance overdue or coming due within
 *                 OVERVIEW_MAINTENANCE_DAYS (the maintenance calendar's
 *                 states), earliest first
 * Lists show at most OVERVIEW_LIST_MAX items; every list's "total" (or
 * count) counts them all. */
#ifndef FT_OVERVIEW_H
#define FT_OVERVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "db/registry_store.h"

struct db;

#define OVERVIEW_UNITS_DEFAULT 50
#define OVERVIEW_UNITS_MAX 200
#define OVERVIEW_LIST_MAX 20
#define OVERVIEW_SITES_MAX 100
#define OVERVIEW_RECENT_DAYS 90
#define OVERVIEW_RISK_DAYS 90
#define OVERVIEW_MONTHS 12
#define OVERVIEW_MAINTENANCE_DAYS 60

struct overview_query {
	int units_limit;     /* 1..OVERVIEW_UNITS_MAX */
	int64_t units_after; /* the units cursor: ids above it; 0 = from the start */
	int64_t now;         /* the clocks' time */
	int contracts;       /* the caller may read contracts (PERM_CONTRACTS_READ) */
};

/* The whole view of customer c (already read within the caller's scope).
 * New reference; NULL with *e set on failure. */
json_t *overview_json(struct db *db, const struct customer_row *c, const struct overview_query *q,
		      enum err *e);

#endif
