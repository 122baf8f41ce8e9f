/* Starts fieldtrace in order: the database is checked before anything
 * reads it, the QR keys are in memory before the first scan, the
 * configuration is applied before the first request, and the jobs start
 * last so they never run against a server that failed to start. */
#include "app.h"

#include <stdlib.h>

#include "domain/import.h"
#include "api/metrics.h"
#include "api/pipeline.h"
#include "api/routes.h"
#include "db/db.h"
#include "domain/assets.h"
#include "domain/assist.h"
#include "domain/turn.h"
#include "domain/qr.h"
#include "http/server.h"
#include "domain/channels.h"
#include "jobs/lanes.h"
#include "jobs/scheduler.h"
#include "lib/form_multipart.h"
#include "lib/objects.h"
#include "lib/ratelimit.h"
#include "core/log.h"

struct app {
	struct db_pool *pool;
	struct server *http;
	struct scheduler *jobs; /* NULL when off */
	struct lanes *lanes;    /* NULL when off */
};

/* The schema must be current and the file sound before any worker opens
 * it; codes verify from memory, so the keys load before any scan. */
static enum err check_and_load(const struct config *cfg)
{
	struct db *db = NULL;
	enum err e = db_open(cfg->db_path, &db);

	if (e == ERR_OK)
		e = db_check_schema(db);
	if (e == ERR_OK)
		e = db_quick_check(db);
	if (e == ERR_OK)
		e = qr_keys_load(db);
	db_close(db);
	if (e == ERR_OK)
		e = objects_init(cfg->data_dir); /* attachments: writable, swept */
	return e;
}

static void configure(const struct config *cfg)
{
	struct ratelimit_limits rl = { .window_s = cfg->rate_window_s,
				       .conns_per_address = cfg->conns_per_address };

	api_routes_use(api_route_tables());
	form_multipart_init(); /* GMime, once: it counts its initialisations */
	qr_public_url_set(cfg->public_url);
	assets_snapshots_use(cfg->trace_snapshots);
	import_slice_rows_use(cfg->import_slice_rows);
	assist_configure(cfg->assist_accept_min);
	rl.per_window[RL_LOGIN] = cfg->rate_login;
	rl.per_window[RL_SEARCH] = cfg->rate_search;
	rl.per_window[RL_IMPORT] = cfg->rate_import;
	rl.per_window[RL_LABELS] = cfg->rate_labels;
	rl.per_window[RL_SCAN] = cfg->rate_scan;
	rl.per_window[RL_SCAN_MISS] = cfg->rate_scan_miss;
	rl.per_window[RL_REPORT] = cfg->rate_report;
	rl.per_window[RL_REPORT_CODE] = cfg->rate_report_code;
	ratelimit_configure(&rl);
}

enum err app_start(const struct config *cfg, struct app **out)
{
	struct app *app;
	enum err e;

	*out = NULL;
	if (metrics_configure(cfg->metrics_token) != 0) {
		log_error("app: metrics-token must be at least %d characters", METRICS_TOKEN_MIN);
		return ERR_INVALID;
	}
	e = check_and_load(cfg);
	if (e != ERR_OK)
		return e;
	channels_set_public_url(cfg->public_url);
	{
		char why[512] = "";

		e = channels_load(cfg->channels_file, why, sizeof(why));
		if (e != ERR_OK) {
			log_error("app: channels-file: %s", why);
			return e;
		}
	}
	{
		char why[256] = "";

		e = turn_configure(cfg->turn_uris, cfg->stun_uris, cfg->turn_secret_file,
				   cfg->turn_ttl_s, cfg->turn_relay_only, why, sizeof(why));
		if (e != ERR_OK) {
			log_error("app: %s", why);
			return e;
		}
	}
	configure(cfg);
	app = calloc(1, sizeof(*app));
	if (!app)
		return ERR_INTERNAL;
	e = db_pool_open(cfg->db_path, cfg->db_connections, &app->pool);
	if (e != ERR_OK)
		goto fail;
	metrics_db_connections(db_pool_size(app->pool));
	e = server_start(cfg, app->pool, &app->http);
	if (e != ERR_OK)
		goto fail;
	if (cfg->scheduler_interval_ms > 0 &&
	    scheduler_start(cfg->db_path, cfg->scheduler_interval_ms, &app->jobs) != ERR_OK) {
		log_error("app: the background jobs could not start");
		e = ERR_INTERNAL;
		goto fail;
	}
	if (cfg->delivery_interval_ms > 0 &&
	    lanes_start(cfg->db_path, cfg->delivery_interval_ms, &app->lanes) != ERR_OK) {
		log_error("app: the delivery lanes could not start");
		e = ERR_INTERNAL;
		goto fail;
	}
	*out = app;
	return ERR_OK;
fail:
	app_stop(app);
	return e;
}

int app_port(const struct app *app)
{
	return server_port(app->http);
}

void app_stop(struct app *app)
{
	if (!app)
		return;
	lanes_stop(app->lanes);    /* each finishes the send it is in */
	scheduler_stop(app->jobs); /* finishes the job it is running */
	server_stop(app->http);    /* in-flight requests finish */
	if (app->pool) {
		metrics_db_connections(-db_pool_size(app->pool));
		db_pool_close(app->pool);
	}
	channels_unload();
	turn_unconfigure();
	free(app);
}
