/* The application: everything `fieldtrace serve` runs, started in order
 * and stopped in reverse (server/app.c). Tests start it in-process. */
#ifndef FT_APP_H
#define FT_APP_H

#include "core/config.h"
#include "core/err.h"

struct app;

/* Checks the schema and the database, loads the QR keys, prepares the
 * attachment store, applies the configuration (public URL, kept traces,
 * rate limits, metrics), opens the connection pool, serves HTTPS and
 * starts the background jobs. Fails (and logs why) if any step does;
 * nothing is left running then. Caller stops with app_stop(). */
enum err app_start(const struct config *cfg, struct app **out);
int app_port(const struct app *app); /* the bound HTTPS port */
/* Stops the jobs, lets in-flight requests finish, closes the pool and
 * frees app (NULL ok). */
void app_stop(struct app *app);

#endif
