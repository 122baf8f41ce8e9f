/* Process-wide counters rendered as Prometheus text at /metrics. */
#ifndef FT_METRICS_H
#define FT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Route index: position in the flattened route list; METRICS_UNROUTED for
 * requests that matched no route. */
#define METRICS_UNROUTED 0
void metrics_request(size_t route_index, int status, uint64_t micros);
void metrics_tls_handshake(void);
void metrics_conn_refused(void); /* over conns-per-address */
void metrics_db_connections(int delta);
void metrics_render(struct buf *out);

#endif
