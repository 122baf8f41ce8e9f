/* Service levels: the priority a ticket gets (customer tier x impact x
 * urgency, x category where a row names it), its targets, and deadlines on
 * the business calendar. P1 runs round the clock; the others count only
 * working minutes (working hours on working days, minus holidays, plus
 * make-up working days). Times are Unix seconds. */
#ifndef FT_SLA_H
#define FT_SLA_H

#include <stdint.h>

#include "core/err.h"
#include "db/sla_store.h"

struct db;

/* Looks the priority up for a ticket of top-level category `category`
 * ("complaint", "fault_repair", "service_request", "other"). ERR_INVALID
 * when tier/impact/urgency are not known values (callers validate first;
 * this is a guard). */
enum err sla_priority(struct db *db, const char *tier, const char *impact, const char *urgency,
		      const char *category, struct sla_targets *out);

struct sla_deadlines {
	int64_t response;
	int64_t arrival;
	int64_t resolution;
};

/* Deadlines of work that starts at `start`. */
enum err sla_deadlines(struct db *db, const struct sla_targets *t, int64_t start,
		       struct sla_deadlines *out);

/* start + minutes of countable time (wall clock or business minutes). */
enum err sla_add(struct db *db, int round_the_clock, int64_t start, int64_t minutes, int64_t *out);

/* The clock stood still from paused_at to resumed_at (waiting on the
 * customer): moves *deadline so the countable time left at paused_at is
 * left again at resumed_at. A deadline already passed at paused_at stays. */
enum err sla_shift(struct db *db, int round_the_clock, int64_t paused_at, int64_t resumed_at,
		   int64_t *deadline);

/* ---- additions ---------------------------------------------------------- */

/* Errors of the functions above, besides ERR_DB / ERR_UNAVAILABLE:
 *   ERR_INVALID        minutes < 0, a time before 1970 or past year 9000,
 *                      resumed_at before paused_at;
 *   ERR_UNPROCESSABLE  the answer lies more than SLA_HORIZON_DAYS past the
 *                      start: a calendar with (almost) no working time left,
 *                      or a target too large. The walk is bounded by that
 *                      horizon, never open-ended;
 *   ERR_NOT_FOUND      (sla_priority) no rule row matches (the migration
 *                      seeds every tier x impact x urgency, so a guard). */
#define SLA_HORIZON_DAYS 1100 /* about three years */

/* Known values, for callers that validate before sla_priority: 1 / 0. */
int sla_tier_ok(const char *tier);         /* strategic, A, B, C */
int sla_impact_ok(const char *impact);     /* unit, site, grid */
int sla_urgency_ok(const char *urgency);   /* high, medium, low */
int sla_priority_ok(const char *priority); /* P1..P4 */

#endif
