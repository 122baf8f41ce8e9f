/* Warranty alerts, renewals and the expiry digest (server/warranty.c). */
#ifndef FT_WARRANTY_H
#define FT_WARRANTY_H

#include <stdint.h>

#include "err.h"

struct db;
struct resp;

/* Renewals are contracts recorded on the unit's timeline: a change of
 * asset asset_id's warranty (its start, months or acceptance) that moves
 * its end from old_end to new_end ("" = no warranty) before the end the
 * furthest renewal recorded is refused with 409, naming field (a JSON
 * pointer, in "errors") and that renewal ("renewal"); a change that does
 * not shorten the warranty never is. Inside the caller's transaction. */
enum err warranty_change_check(struct db *db, struct resp *resp, int64_t asset_id,
			       const char *old_end, const char *new_end, const char *field);

/* The scheduler job: for every owned unit whose warranty ends within 90
 * days (or ended within the last 30) and whose current band (90, 60, 30
 * days, expired) has not been noticed, records the notice and tells its
 * sales owner in one digest per owner, all in one transaction: a restart
 * neither repeats nor skips a notice. */
enum err warranty_digest_run(struct db *db, int64_t now);

#endif
