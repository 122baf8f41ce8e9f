/* The demo data set: loaded by `serve --demo` and `migrate --demo` into a
 * database that does not hold it yet; each issue extends it so a newcomer
 * can try everything. */
#ifndef FT_DEMO_H
#define FT_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

struct db;

#define DEMO_UNITS 30

/* What one load added, for the summary it prints. */
struct demo_loaded {
	size_t product_lines, models; /* added; those already there are kept */
	size_t lines_kept, models_kept;
	size_t customers, sites, units, tickets, articles;
	int64_t unit_ids[DEMO_UNITS]; /* the registry's units, for the tickets */
};

/* Idempotent, decided by the demo's own domain rows (its customers), not
 * by accounts: when none is there it loads everything, creating the demo
 * accounts whose usernames are free and keeping those already taken; when
 * any is there it loads nothing. Says plainly on out what it did (counts,
 * accounts created with the password, accounts kept). */
enum err demo_load(struct db *db, FILE *out);

/* How many of the demo's customers (by code) are in db, of how many. */
enum err demo_registry_present(struct db *db, size_t *found, size_t *of);

/* The registry part of the demo (product lines and models unless their
 * codes exist, customers, sites, units with labels and timelines); runs
 * inside demo_load's open transaction. Fills got's registry counts and
 * unit_ids. */
enum err demo_load_registry(struct db *db, FILE *out, struct demo_loaded *got);

/* The service part: coverage, skills, holidays and open tickets on the
 * registry's units (got->unit_ids); runs inside demo_load's open
 * transaction, after it. Fills got->tickets. */
enum err demo_load_tickets(struct db *db, FILE *out, struct demo_loaded *got);

/* Routing's demo data (server/demo/demo_routing.c), idempotent (INSERT OR
 * IGNORE): coverage for the demo centres (C-SZ: SZ; C-GZ: GZ and GD; C-NJ:
 * NJ and JS; C-BJ: BJ and BJC; each
 * switchgear, relay and transformer, but C-GZ no transformer), and for each
 * technician of those centres skill 3 on every line the centre covers and
 * on duty at the centre's position. Rows whose centre, region or product
 * line does not exist are skipped. Runs inside the caller's transaction
 * when one is open, else in its own; audited ("routing.demo_seed", actor
 * cli) when it added anything. */
enum err routing_demo_seed(struct db *db);

/* The knowledge base's demo (server/demo/demo_kb.c): publishes a few
 * bilingual articles for the demo models (switchgear breaker will not
 * close, relay alarm E-21, transformer over-temperature), linked to
 * whichever of those models and product lines exist. Runs inside the
 * caller's open transaction; does nothing when any article exists. */
enum err kb_demo_seed(struct db *db);

/* Seeds the demo calendar (server/demo/demo_sla.c): the 2026 Chinese
 * public holidays and make-up working days as the State Council announced
 * them, and the statutory days of 2027 (New Year, Spring Festival,
 * National Day) whose make-up arrangement was not yet published. Idempotent (a date that already has a
 * row is left alone); each row it inserts is audited (actor "cli"/"demo").
 * Runs inside the caller's transaction when one is open, else in its own. */
enum err sla_demo_calendar(struct db *db);

/* The experts' demo (server/demo/demo_experts.c): profiles for the demo
 * accounts eng.relay, eng.switchgear and eng.transformer (technicians
 * without a centre; a kept account of another role is left alone), a lead
 * per line, a 24x7 relay rota and a weekday switchgear rota, on whichever
 * of those lines exist. Runs inside demo_load's open transaction; audited
 * (actor cli/demo). */
enum err experts_demo_seed(struct db *db);

/* The contracts' demo (server/demo/demo_contracts.c): an active contract
 * covering a whole site, one expiring within 60 days, one expired, on the
 * registry's demo units (got->unit_ids); inside demo_load's transaction,
 * before the tickets so theirs find their entitlement; audited
 * ("contract.demo_seed"). *added = contracts written. */
enum err contracts_demo_seed(struct db *db, const struct demo_loaded *got, size_t *added);

/* Planned maintenance's demo (server/demo/demo_maintenance.c): a
 * running-hours plan on one demo model and meter readings on three of its
 * units (one due within the lead time, one overdue, one months away);
 * inside demo_load's transaction; audited ("maintenance_plan.demo_seed").
 * *plans = plans written. */
enum err maintenance_demo_seed(struct db *db, const struct demo_loaded *got, size_t *plans);
/* The checklists' demo (server/demo/demo_checklists.c): a template with
 * every kind of item for the KYN28-12 switchgear (when that model is
 * there), and its answers on a demo job on such a unit (on site, else
 * resolved, else the latest closed), one reading out of limits (flagged). Inside demo_load's
 * transaction, after the tickets; audited ("checklist.demo_seed"). */
enum err checklists_demo_seed(struct db *db);

#endif
