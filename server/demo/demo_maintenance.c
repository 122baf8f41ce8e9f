/* Planned maintenance's demo (issue 20): a running-hours plan on one demo
 * model, and hour-meter readings on three of its units so that one is
 * projected due within the plan's lead time (requested at the scheduler's
 * first run), one passed its interval three weeks ago (requested and
 * alerted as overdue at once) and one is due in months (upcoming in the
 * calendar). Dates are relative to the day of the load. */
#include "demo/demo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/assets_store.h"
#include "db/maintenance_store.h"
#include "domain/audit.h"

#define DAY 86400

/* Per unit: two readings, {days ago, hours}. Interval 2000 hours. */
static const struct {
	int64_t days_ago[2], hours[2];
} demo_meters[] = {
	{ { 30, 1 }, { 1500, 1900 } },  /* ~14 h a day: 2000 h in about a week */
	{ { 40, 21 }, { 1000, 2100 } }, /* reached 2000 h three weeks ago: overdue */
	{ { 30, 1 }, { 200, 500 } },    /* ~10 h a day: months away */
};
#define N_METERS (sizeof(demo_meters) / sizeof(demo_meters[0]))

enum err maintenance_demo_seed(struct db *db, const struct demo_loaded *got, size_t *plans)
{
	struct scope all = { .all = 1 };
	struct maintenance_plan p = { 0 };
	struct asset_row *a = calloc(1, sizeof(*a));
	struct audit_actor actor;
	int64_t units[N_METERS], model = 0, plan_id = 0, now = clock_now(), at;
	size_t n = 0;
	json_t *after;
	char idtext[24];
	enum err e = a ? ERR_OK : ERR_INTERNAL;

	*plans = 0;
	/* Three units of the model of the demo's third unit. */
	for (size_t i = 2; e == ERR_OK && i < got->units && n < N_METERS; i++) {
		e = assets_store_get(db, got->unit_ids[i], &all, a);
		if (e == ERR_OK && !a->site_id)
			continue;
		if (e == ERR_OK && !model)
			model = a->model_id;
		if (e == ERR_OK && a->model_id == model)
			units[n++] = a->id;
	}
	free(a);
	if (e != ERR_OK || n < N_METERS)
		return e;
	audit_actor_cli(&actor, "demo");
	snprintf(p.name, sizeof(p.name), "Breaker overhaul every 2000 running hours 断路器大修");
	p.model_id = model;
	p.interval_hours = 2000;
	p.lead_days = 14;
	p.active = 1;
	p.created_at = p.updated_at = now;
	e = maintenance_store_plan_insert(db, &p, &plan_id);
	for (size_t i = 0; e == ERR_OK && i < N_METERS; i++) {
		for (size_t r = 0; e == ERR_OK && r < 2; r++) {
			at = now - demo_meters[i].days_ago[r] * DAY;
			e = maintenance_store_hours_add(db, units[i], demo_meters[i].hours[r], at,
							0, now, &at);
		}
	}
	after = json_pack("{s:s, s:I, s:i}", "name", p.name, "model_id", (json_int_t)model,
			  "interval_hours", 2000);
	snprintf(idtext, sizeof(idtext), "%lld", (long long)plan_id);
	if (e == ERR_OK)
		e = after ? audit_append(db, &actor, "maintenance_plan.demo_seed",
					 "maintenance_plan", idtext, NULL, after)
			  : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*plans = 1;
	return e;
}
