/* Checklists on the job and the customer's sign-off
 * (server/domain/checklists.c). The HTTP resource is
 * server/api/checklists.c; the SQL server/db/checklists_store.c
 * (migrations/0030_checklists.sql); the service report
 * domain/service_report.h.
 *
 * Rules, in one place:
 * - A template is attached to a model, a request category, or both; the
 *   most specific with a published version applies to a job: model +
 *   category, then model, then category (a subcategory's template before
 *   its parent's), the newest template among equals.
 * - Items: {id (a code), kind yes_no | number | text | photo, label,
 *   label_en, required, unit/min/max (numbers only)}. A published version
 *   is immutable (a trigger refuses an UPDATE); publishing makes version
 *   n + 1. A job keeps the version its first answer pinned.
 * - An answer: yes_no true/false, number any number (outside [min, max]
 *   it is kept AND flagged), text 1..1000 bytes, photo an attachment of
 *   the job that is a photo. Only the job's assignee answers.
 * - Completion: resolve is refused (409) while a required item is
 *   unanswered ("missing": ["checklist"], "missing_items": [ids]).
 * - Sign-off: one per visit (1 + the job's reopens); resolve and close are
 *   refused (409, "missing": ["signoff"]) without it when the contract
 *   recorded on the job requires it (contracts_ticket_signoff_required).
 */
#ifndef FT_CHECKLISTS_H
#define FT_CHECKLISTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "db/checklists_store.h"

struct db;
struct problem;
struct ticket_row;

#define CHECKLIST_ITEMS_MAX 100

/* Checks a template's items (prefix: the pointer of the list, "/items"),
 * reporting each bad member; *out the items as stored, every member
 * present (new reference). ERR_INVALID when anything was reported. */
enum err checklists_items_check(struct problem *pb, const json_t *items, const char *prefix,
				json_t **out);

/* The checklist version that applies to t: the one pinned, else the
 * latest of the most specific template (*pinned 0). ERR_NOT_FOUND when
 * none applies. Caller cleans v up. */
enum err checklists_for_ticket(struct db *db, const struct ticket_row *t,
			       struct checklist_version_row *v, int *pinned);

/* The item of v's items with this id (borrowed from items), or NULL. */
const json_t *checklists_item_find(const json_t *items, const char *id);

/* Checks value (the answer's "value" member, NULL when absent) against
 * item, reporting at "/value"; *flagged when a number is out of limits. */
enum err checklists_value_check(struct problem *pb, const json_t *item, const json_t *value,
				int has_attachment, int *flagged);

/* What stops t from being resolved (resolving 1) or closed: *missing the
 * names ("checklist", "signoff"; new reference, empty when nothing) and
 * *missing_items the required item ids unanswered (new reference). */
enum err checklists_completion(struct db *db, const struct ticket_row *t, int resolving,
			       json_t **missing, json_t **missing_items);

/* A sign-off as the API shows it. New reference. */
json_t *checklists_signoff_json(const struct signoff_row *s);

/* The job's checklist as GET /v1/tickets/{id}/checklist answers it
 * (template, items with their answers, flagged and missing ids, the
 * visit's sign-off and whether one is required); single-ticket answers
 * and the sync's tickets carry it as "checklist", so the app can fill it
 * in offline. New reference in *out. */
enum err checklists_ticket_json(struct db *db, const struct ticket_row *t, json_t **out);

#endif
