/* The contracts' demo (issue 20): an active service contract that covers a
 * whole site (units added there later too), one expiring within 60 days
 * that covers chosen units, and one that expired last month, so the
 * entitlement, the expiry digest and revenue at risk show at once. Dates
 * are relative to the day of the load. */
#include "demo/demo.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "db/contracts_store.h"
#include "db/registry_store.h"
#include "domain/audit.h"
#include "domain/registry.h"

struct demo_contract {
	const char *number;
	size_t unit;          /* index into got->unit_ids: its customer */
	int by_site;          /* cover the unit's whole site, else units unit..unit+2 */
	int start_days, days; /* from today; length */
	const char *status;
	int64_t price_minor;
	int response_minutes, resolution_minutes, visits;
	int signoff;
};

static const struct demo_contract demo_contracts[] = {
	{ "SC-DEMO-2026-001", 0, 1, -180, 364, "active", 48000000, 20, 480, 4, 0 },
	{ "SC-DEMO-2026-002", 3, 0, -320, 364, "active", 12500000, 0, 960, 2, 1 },
	{ "SC-DEMO-2025-003", 6, 0, -400, 365, "expired", 6800000, 0, 0, 1, 0 },
};

enum err contracts_demo_seed(struct db *db, const struct demo_loaded *got, size_t *added)
{
	struct audit_actor actor;
	struct scope all = { .all = 1 };
	char today[11];
	enum err e = ERR_OK;
	int64_t now = clock_now();

	*added = 0;
	audit_actor_cli(&actor, "demo");
	registry_date_of(now, today);
	for (size_t i = 0; e == ERR_OK && i < sizeof(demo_contracts) / sizeof(demo_contracts[0]);
	     i++) {
		const struct demo_contract *d = &demo_contracts[i];
		struct contract_row c = { 0 };
		struct customer_row cust;
		int64_t customer = 0, site = 0, id = 0, units[3];
		size_t n = 0;
		json_t *after;
		char idtext[24];

		if (d->unit >= got->units)
			continue;
		e = contracts_store_asset_owner(db, got->unit_ids[d->unit], &customer, &site);
		if (e == ERR_OK && (!customer || (d->by_site && !site)))
			continue;
		if (e == ERR_OK)
			e = registry_customer_get(db, customer, &all, &cust);
		if (e != ERR_OK)
			break;
		snprintf(c.number, sizeof(c.number), "%s", d->number);
		c.customer_id = customer;
		snprintf(c.kind, sizeof(c.kind), "service");
		registry_date_add_days(today, d->start_days, c.start_date);
		registry_date_add_days(c.start_date, d->days, c.end_date);
		snprintf(c.status, sizeof(c.status), "%s", d->status);
		c.sales_owner_id = cust.sales_owner_id;
		c.price_minor = d->price_minor;
		snprintf(c.currency, sizeof(c.currency), "CNY");
		c.covers_parts = c.covers_labour = c.covers_travel = 1;
		c.response_minutes = d->response_minutes;
		c.resolution_minutes = d->resolution_minutes;
		c.visits_per_year = d->visits;
		c.assist_hours_per_year = 20;
		c.signoff_required = d->signoff;
		c.created_at = c.updated_at = c.activated_at = now;
		e = contracts_store_insert(db, &c, &id);
		if (e == ERR_OK && d->by_site) {
			e = contracts_store_sites_set(db, id, &site, 1);
		} else if (e == ERR_OK) {
			/* The customer's units among the next three. */
			for (size_t k = d->unit; k < d->unit + 3 && k < got->units; k++) {
				int64_t cu = 0, si = 0;

				e = contracts_store_asset_owner(db, got->unit_ids[k], &cu, &si);
				if (e != ERR_OK)
					break;
				if (cu == customer)
					units[n++] = got->unit_ids[k];
			}
			if (e == ERR_OK)
				e = contracts_store_units_set(db, id, units, n);
		}
		after = json_pack("{s:s, s:I, s:s, s:s, s:s}", "number", c.number, "customer_id",
				  (json_int_t)customer, "start_date", c.start_date, "end_date",
				  c.end_date, "status", c.status);
		snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
		if (e == ERR_OK)
			e = after ? audit_append(db, &actor, "contract.demo_seed", "contract",
						 idtext, NULL, after)
				  : ERR_INTERNAL;
		json_decref(after);
		if (e == ERR_OK)
			++*added;
	}
	return e;
}
