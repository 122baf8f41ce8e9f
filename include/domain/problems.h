/* Recurring problems (server/domain/problems.c): the detection job; the
 * problem records' endpoints (GET/PATCH /v1/problems) are in
 * server/api/problems.c. */
#ifndef FT_PROBLEMS_H
#define FT_PROBLEMS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct problem_row;

/* The scheduler job. Over the tickets resolved within the configured
 * window (problem_settings, default 90 days) that belong to no problem
 * yet, groups fault codes by factor, most specific first: component lot
 * (a part's lot on the unit when the ticket was opened), production
 * batch, model + design revision, model. A group with an open problem
 * gets its new tickets attached; one without opens a problem when it
 * reaches the threshold (default 3) and tells the quality owners
 * (notify_user "problem.opened", once each) and webhooks
 * ("problem.opened"). A ticket belongs to at most one problem, so a
 * ticket explained by a lot does not count again for its model, and a
 * closed problem's tickets never reopen it. One transaction per run: a
 * restart neither repeats nor skips anything. Does the work at most once
 * per run_every_minutes (problem_settings; 0 = every call). */
enum err problems_detect_run(struct db *db, int64_t now);

/* The problem's shared factor: {kind, fault_code, model?} and only the
 * members its kind uses. A new object; the caller owns it. */
json_t *problems_factor_json(const struct problem_row *p);

#endif
