/* The HTTPS server: civetweb with our TLS set-up, per-worker SQLite
 * connections and the dispatcher. Tests start it in-process. */
#ifndef FT_SERVER_H
#define FT_SERVER_H

#include "config.h"
#include "err.h"

struct server;

/* Starts serving; fails (and logs why) if TLS did not initialise or the
 * database is not migrated. Caller stops with server_stop(). */
enum err server_start(const struct config *cfg, struct server **out);
int server_port(const struct server *srv); /* the bound port */
/* Stops accepting, lets in-flight requests finish, frees srv (NULL ok). */
void server_stop(struct server *srv);

#endif
