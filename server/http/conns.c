/* Open client connections (http_internal.h): civetweb gives each one a
 * worker thread for its whole life, so the count says how many workers are
 * held. Its own file: the civetweb glue (server.c) counts, the dispatcher
 * (dispatch.c) asks, and neither calls the other for it. One count per
 * process, like civetweb's library state. */
#include <stdatomic.h>

#include "http_internal.h"

static atomic_int conns_open;
static atomic_int conns_crowded_at = 1 << 30;

void http_conns_configure(int workers)
{
	atomic_store(&conns_crowded_at, workers / 2);
}

void http_conns_opened(void)
{
	atomic_fetch_add(&conns_open, 1);
}

void http_conns_closed(void)
{
	atomic_fetch_sub(&conns_open, 1);
}

int http_conns_crowded(void)
{
	return atomic_load(&conns_open) > atomic_load(&conns_crowded_at);
}
