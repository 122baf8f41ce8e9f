/* The asset registry as other modules use it: the scan's trace, the public
 * nameplate facts, lookups and the timeline. */
#ifndef FT_ASSETS_H
#define FT_ASSETS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/policy.h"
#include "db/assets_store.h"

struct db;

enum err assets_public_get(struct db *db, int64_t asset_id, struct asset_public *out);

/* GS1 Digital Link: the asset of a model's GTIN-14 and serial. */
enum err assets_find_by_gtin_serial(struct db *db, const char *gtin14, const char *serial,
				    int64_t *asset_id);

/* The whole trace of an asset the caller may see (who NULL: the system,
 * everything): design, production, procurement, installation, warranty
 * (status in/expiring/expired and days left), the latest `latest_events`
 * timeline events, open service requests and the current label, as JSON
 * appended to out. ERR_NOT_FOUND when unknown or out of the caller's scope;
 * on any error out is left as it was. Personal data is masked unless
 * reveal_pii (the caller audits that read: info says whose contacts were
 * shown). info may be NULL. */
struct asset_trace_info {
	int64_t version;     /* the asset's version the trace shows */
	int64_t customer_id; /* 0 = no customer */
	size_t contacts;     /* the customer's contacts shown */
};
enum err assets_trace_write(struct db *db, const struct principal *who, int64_t asset_id,
			    int latest_events, int reveal_pii, struct buf *out,
			    struct asset_trace_info *info);
/* The latest events a QR scan's trace shows. Traces of this many events,
 * masked, without info, are answered from the unit's snapshot when it has
 * a current one (migrations/0015_trace_snapshots.sql), and ask for one when
 * it has not. */
#define ASSETS_SNAPSHOT_EVENTS 20
/* Whether scans use and ask for snapshots (config trace_snapshots; on
 * until told). Off, every scan renders the trace. */
void assets_snapshots_use(int on);
/* The scheduler's job: writes the snapshots scans asked for since the last
 * run, in transactions of a few hundred. */
enum err assets_snapshots_run(struct db *db, int64_t now);
/* The same trace as a jansson tree (parsed back from the text): for callers
 * that edit it. *out is new (caller decrefs). */
enum err assets_trace_json(struct db *db, const struct principal *who, int64_t asset_id,
			   int latest_events, int reveal_pii, json_t **out);

/* The latest events a trace shows when the caller asks for none. */
#define TRACE_LATEST_EVENTS 10
/* For the asset API (server/api/assets.c): assets_trace_write within a
 * scope already resolved; the facts the audit log records. */
enum err assets_trace_write_in(struct db *db, const struct scope *sc, int64_t asset_id,
			       int latest_events, int reveal_pii, struct buf *out,
			       struct asset_trace_info *info);
struct asset_row;
struct asset_summary;
json_t *assets_facts_json(const struct asset_row *a); /* new */
/* One row of GET /v1/assets, its warranty status on the day of now. */
json_t *assets_summary_json(const struct asset_summary *s, int64_t now);

#endif
