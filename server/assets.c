/* STUB: replaced by the registry module. */
#include "assets.h"
#include "routes.h"

enum err assets_public_get(struct db *db, int64_t asset_id, struct asset_public *out)
{
	(void)db; (void)asset_id; (void)out;
	return ERR_NOT_FOUND;
}

enum err assets_find_by_gtin_serial(struct db *db, const char *gtin14, const char *serial,
				    int64_t *asset_id)
{
	(void)db; (void)gtin14; (void)serial; (void)asset_id;
	return ERR_NOT_FOUND;
}

enum err assets_trace_json(struct db *db, const struct principal *who, int64_t asset_id,
			   int latest_events, int reveal_pii, json_t **out)
{
	(void)db; (void)who; (void)asset_id; (void)latest_events; (void)reveal_pii;
	*out = NULL;
	return ERR_NOT_FOUND;
}

enum err asset_timeline_append(struct db *db, int64_t asset_id, int64_t at, const char *kind,
			       const char *summary, const json_t *detail, int64_t actor_id)
{
	(void)db; (void)asset_id; (void)at; (void)kind; (void)summary; (void)detail; (void)actor_id;
	return ERR_INTERNAL;
}

const struct route assets_routes[] = {
	{0},
};
