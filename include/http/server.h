/* The HTTPS server: civetweb with our TLS set-up, per-worker SQLite
 * connections and the dispatcher. Tests start it in-process. */
#ifndef FT_SERVER_H
#define FT_SERVER_H

#include "core/config.h"
#include "core/err.h"

struct server;

struct db_pool;

/* Starts serving HTTPS on cfg's address; requests borrow connections from
 * pool (borrowed: it must outlive the server). Fails (and logs why) when
 * TLS does not initialise or the port cannot be bound. Caller stops with
 * server_stop(). */
enum err server_start(const struct config *cfg, struct db_pool *pool, struct server **out);
int server_port(const struct server *srv); /* the bound port */
/* Stops accepting, lets in-flight requests finish, frees srv (NULL ok). */
void server_stop(struct server *srv);

#endif
