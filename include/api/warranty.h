/* What the warranty handlers give the asset API (server/api/warranty.c). */
#ifndef FT_API_WARRANTY_H
#define FT_API_WARRANTY_H

#include <stdint.h>

#include "api/handler.h"

/* Renewals are contracts recorded on the unit's timeline: a change of
 * asset asset_id's warranty (its start, months or acceptance) that moves
 * its end from old_end to new_end ("" = no warranty) before the end the
 * furthest renewal recorded is refused with 409, naming field (a JSON
 * pointer, in "errors") and that renewal ("renewal"); a change that does
 * not shorten the warranty never is. Inside the caller's transaction. */
enum err warranty_change_check(struct db *db, struct resp *resp, int64_t asset_id,
			       const char *old_end, const char *new_end, const char *field);

#endif
