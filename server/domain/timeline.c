/* An asset's timeline: appending one event (production, installation,
 * a label, a service visit, ...) inside the caller's transaction. Apart
 * from server/domain/assets.c so that QR labels and tickets, which add
 * events, need not call into the asset registry that calls them. */
#include "domain/timeline.h"

#include <stdlib.h>

#include "core/clock.h"
#include "db/assets_store.h"

enum err asset_timeline_append(struct db *db, int64_t asset_id, int64_t at, const char *kind,
			       const char *summary, const json_t *detail, int64_t actor_id)
{
	char *text = NULL;
	enum err e;

	if (detail && !json_is_object(detail))
		return ERR_INVALID;
	if (detail && !(text = json_dumps(detail, JSON_COMPACT)))
		return ERR_INTERNAL;
	e = assets_store_event_insert(db, asset_id, at, kind, summary, text, actor_id);
	free(text);
	if (e == ERR_OK)
		e = assets_store_touch(db, asset_id, clock_now());
	return e;
}
