/* SLA warnings and escalation (server/domain/escalation.c): the scheduler job
 * that watches every open, running ticket's unmet targets (response,
 * arrival, resolution), warns at the configured shares of the time
 * allowed, and once a deadline is missed climbs the centre's escalation
 * chain one level per run. Each warning and escalation is recorded once
 * (ticket_alerts), goes into the ticket's history, and notifies people
 * and webhooks in the same transaction. Waiting on the customer (paused)
 * and meeting the target stop it. */
#ifndef FT_ESCALATION_H
#define FT_ESCALATION_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "db/escalation_store.h"

struct db;

enum err escalation_run(struct db *db, int64_t now);

/* The targets a ticket is watched on, in the order they fall due. */
#define SLA_TARGETS 3
const char *escalation_target_name(int target); /* "response", "arrival", "resolution" */

/* Where a ticket's SLA clock stands at `at`, judged as the watcher judges
 * it when it warns: a share of a target's time allowed has gone when
 * at >= created + (due - created) * share / 100 (both ends on the
 * business calendar for P2-P4, as the deadline was placed). */
struct sla_clock {
	int target;              /* the first target not met (index into the names above);
				  * -1 when all are met */
	int64_t due;             /* its deadline; 0 when none */
	int percent;             /* share of its time gone, floored; over 100 once missed */
	int warning_percent;     /* the highest configured warning share reached; 0 none */
	int64_t next_warning_at; /* when the next configured share is reached; 0 none left */
};
/* due and met by target (met 0 = not yet); a paused ticket's clock is read
 * at its paused_at (it stands still while waiting on the customer). */
void escalation_clock(const struct escalation_config *c, int64_t created_at,
		      const int64_t due[SLA_TARGETS], const int64_t met[SLA_TARGETS], int64_t at,
		      struct sla_clock *out);

#endif
