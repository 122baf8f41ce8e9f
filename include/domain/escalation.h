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

struct db;

enum err escalation_run(struct db *db, int64_t now);

#endif
