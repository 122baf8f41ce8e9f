/* An asset's timeline (server/domain/timeline.c). */
#ifndef FT_TIMELINE_H
#define FT_TIMELINE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* Appends one event to the asset's timeline inside the caller's open
 * transaction and bumps the asset's version and updated_at (the trace and
 * its ETag "v<version>" changed). detail may be NULL or a JSON object; not
 * stolen. ERR_INVALID for a kind the schema does not know. */
enum err asset_timeline_append(struct db *db, int64_t asset_id, int64_t at, const char *kind,
			       const char *summary, const json_t *detail, int64_t actor_id);

#endif
