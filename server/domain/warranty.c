/* Warranty: the daily digest job that tells each sales owner once per
 * threshold (90, 60, 30 days, expired). The expiry alerts and renewals are
 * answered by server/api/warranty.c. */
#include "domain/warranty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/assets.h"
#include "db/assets_store.h"
#include "domain/audit.h"
#include "domain/contracts.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/log.h"
#include "domain/notify.h"
#include "domain/registry.h"
#include "db/warranty_store.h"

#define DIGEST_BATCH 5000 /* notices per run; the next run takes the rest */

static void date_plus(const char *today, int64_t days, char out[11])
{
	registry_date_add_days(today, days, out);
}

/* Units collected before writing: the scan's statement is finished first. */
struct due_list {
	struct warranty_due *items;
	size_t n, cap;
};

static int due_add(const struct warranty_due *d, void *arg)
{
	struct due_list *l = arg;

	if (l->n == DIGEST_BATCH)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct warranty_due *p = realloc(l->items, cap * sizeof(*p));

		if (!p)
			return 1; /* the rest waits for the next run */
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *d;
	return 0;
}

static const char *band_title(int threshold)
{
	switch (threshold) {
	case 0:
		return "expired";
	case 30:
		return "ends within 30 days";
	case 60:
		return "ends within 60 days";
	default:
		return "ends within 90 days";
	}
}

/* One digest per owner: the list is ordered by owner. */
static enum err send_digests(struct db *db, const struct due_list *l, const char *today,
			     int64_t now)
{
	enum err e = ERR_OK;
	size_t i = 0;

	while (e == ERR_OK && i < l->n) {
		int64_t owner = l->items[i].sales_owner_id;
		json_t *units = json_array(), *data;
		char title[96];
		size_t first = i;

		for (; e == ERR_OK && i < l->n && l->items[i].sales_owner_id == owner; i++) {
			const struct warranty_due *d = &l->items[i];
			json_t *unit =
			    json_pack("{s:I, s:s, s:s, s:I, s:s, s:i, s:s}", "asset_id",
				      (json_int_t)d->asset_id, "serial", d->serial, "customer",
				      d->customer_name, "customer_id", (json_int_t)d->customer_id,
				      "warranty_end", d->warranty_end, "threshold", d->threshold,
				      "status", band_title(d->threshold));

			e = warranty_store_notice_add(db, d->asset_id, d->warranty_end,
						      d->threshold, now);
			if (e == ERR_OK)
				e = notify_event(db, "warranty.expiring",
						 &(struct notify_scope){
						     .region_path = d->region_path, .registry = 1 },
						 unit);
			json_array_append_new(units, unit);
		}
		snprintf(title, sizeof(title), "Warranty digest %s: %zu unit%s to follow up", today,
			 i - first, i - first == 1 ? "" : "s");
		data = json_pack("{s:s, s:O}", "date", today, "units", units);
		if (e == ERR_OK)
			e = data ? notify_user(db, owner, "warranty.digest", title, data, NULL)
				 : ERR_INTERNAL;
		json_decref(data);
		json_decref(units);
	}
	return e;
}

enum err warranty_digest_run(struct db *db, int64_t now)
{
	struct warranty_bands b;
	struct due_list l = { 0 };
	size_t contracts = 0;
	enum err e;

	registry_date_of(now, b.today);
	date_plus(b.today, -WARRANTY_EXPIRED_DAYS, b.from);
	date_plus(b.today, 90, b.to);
	date_plus(b.today, 30, b.d30);
	date_plus(b.today, 60, b.d60);
	e = db_begin(db);
	if (e == ERR_OK)
		e = warranty_store_unnoticed(db, &b, due_add, &l);
	if (e == ERR_OK && l.n)
		e = send_digests(db, &l, b.today, now);
	/* Contracts' expiry joins the same run and transaction (issue 20). */
	if (e == ERR_OK)
		e = contracts_digest_locked(db, now, &contracts);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	else if (l.n || contracts)
		log_info("warranty: %zu expiry notice%s sent, %zu for contracts", l.n,
			 l.n == 1 ? "" : "s", contracts);
	free(l.items);
	return e;
}
