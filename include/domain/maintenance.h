/* Planned maintenance (server/domain/maintenance.c): when each unit under a
 * plan is due, the scheduler job that requests preventive visits ahead of
 * it and alerts on overdue ones, and the calendar. The HTTP resource is
 * server/api/maintenance.c; the SQL is server/db/maintenance_store.c
 * (migrations/0031_maintenance.sql).
 *
 * Rules, in one place:
 * - A plan applies to every installed unit (one on a site) of its model,
 *   or to every unit its contract covers (listed units, units on listed
 *   sites) while the contract is active. A contract plan without an
 *   interval takes 12 / the contract's preventive visits a year, in months.
 * - Months plans: the first due date is the commissioning date (else the
 *   installation date; for a contract plan not before the contract's
 *   start) + interval; after a preventive visit is done (its
 *   request resolved: resolved, follow_up or closed) the next is the day it
 *   was resolved + interval, so early or late visits move it. A unit with
 *   neither date is not due.
 * - Running-hours plans: due when the hours since the last service (the
 *   reading at or before it, else 0) reach the interval; the due date is
 *   the day of the first reading that reached it. Before that, when two
 *   readings give a rate, the projected date is the day the rate reaches
 *   it ("projected": true), and it is requested lead_days before that.
 * - The job (maintenance_run) requests every due unit lead_days ahead of
 *   its due date: one row per plan, unit and due date (a UNIQUE key in
 *   maintenance_visits, so neither a second run nor a restart repeats it),
 *   and one request per site and run: one ticket with several units. The
 *   ticket names the first unit (its model, entitlement and timeline) and
 *   lists every unit, due date, checklist template and skill in its
 *   description; maintenance_visits.ticket_id links each unit to it.
 *   Channel "system", category service_request / maintenance (维护保养),
 *   opened through tickets_open_locked like every request (routing,
 *   deadlines, entitlement). While a unit's visit is requested and not
 *   done, no further one is requested for it under that plan (a cancelled
 *   request stays open in this sense: the unit turns overdue and is
 *   alerted; staff open a request by hand).
 * - Overdue: a requested visit past its due date and not done. Each is
 *   alerted once (maintenance_visits.overdue_noticed_at), as a
 *   "maintenance.overdue" notification to the dispatchers of the request's
 *   centre and the supervisors whose region holds the unit.
 * - Calendar states: done (request resolved), requested (open, due today or
 *   later), overdue (past due and not done, requested or not), upcoming
 *   (the next due date, not requested yet).
 */
#ifndef FT_MAINTENANCE_H
#define FT_MAINTENANCE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"
#include "db/maintenance_store.h"

struct db;

/* The calendar's widest window, in days. */
#define MAINTENANCE_CALENDAR_DAYS_MAX 400
/* Items one calendar answer lists at most ("truncated": true beyond). */
#define MAINTENANCE_CALENDAR_ITEMS_MAX 5000

/* When u is next due, as of today: 1 with *due (and *projected) set, 0
 * when it is not due (no base date, no readings or no rate yet, or a visit
 * is already requested). */
int maintenance_next_due(struct db *db, const struct maintenance_unit *u, const char *today,
			 char due[11], int *projected, enum err *e);

/* The scheduler job: requests the due visits (one request per site), then
 * alerts the overdue ones, in short transactions. */
enum err maintenance_run(struct db *db, int64_t now);

/* GET /v1/maintenance/calendar's answer for [from, to] in sc. New
 * reference in *out. */
enum err maintenance_calendar(struct db *db, const struct scope *sc, const char *centre,
			      int64_t customer_id, const char *from, const char *to, json_t **out);

/* A plan as the API shows it. New reference. */
json_t *maintenance_plan_json(const struct maintenance_plan *p);

#endif
