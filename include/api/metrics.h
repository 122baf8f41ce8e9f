/* Process-wide counters rendered as Prometheus text at /metrics. */
#ifndef FT_METRICS_H
#define FT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Route index: position in the flattened route list; METRICS_UNROUTED for
 * requests that matched no route. */
#define METRICS_UNROUTED 0
/* The web console's answers (server/http/console.c), every file under one
 * label: the slot after the last one a route can take (the pipeline
 * flattens at most 256 routes). */
#define METRICS_CONSOLE 257
/* Names route_index's counters by its method and pattern (static
 * strings); the pipeline labels every route before serving. */
void metrics_route_label(size_t route_index, const char *method, const char *pattern);
void metrics_request(size_t route_index, int status, uint64_t micros);
void metrics_tls_handshake(void);
void metrics_conn_refused(void); /* over conns-per-address */
void metrics_db_connections(int delta);
void metrics_render(struct buf *out);
struct db;
/* Deliveries by channel: counters since start, latency, and the outbox's
 * rows by state (read from db). */
void metrics_render_deliveries(struct db *db, struct buf *out);

/* Who may read /metrics (route counts and latencies say how the service is
 * used): with a token configured, whoever sends "Bearer <token>"; without
 * one, clients on the loopback address only (behind a proxy on the same
 * host every client is one: set a token). metrics_configure takes token
 * ("" or NULL: none) before the server serves; -1 when it is shorter than
 * METRICS_TOKEN_MIN. */
#define METRICS_TOKEN_MIN 16
enum metrics_access { METRICS_ALLOWED, METRICS_NO_TOKEN, METRICS_NOT_LOCAL };
int metrics_configure(const char *token);
enum metrics_access metrics_may_read(const char *authorization, const char *client_addr);

#endif
