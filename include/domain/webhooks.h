/* Webhooks: the event types and the delivery job the scheduler runs
 * (server/domain/webhooks.c; the endpoints admins register are answered
 * by server/api/webhooks.c), and the HTTPS client that sends one delivery
 * (server/lib/webhook_client.c) with its SSRF guard. */
#ifndef FT_WEBHOOKS_H
#define FT_WEBHOOKS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"
#include "lib/webhook_client.h"

struct db;

/* Delivery policy. An attempt that fails waits base * 2^(attempts-1)
 * seconds, capped, before the next; after WEBHOOK_MAX_ATTEMPTS failures
 * the delivery is dead (listable, and retried by hand). */
#define WEBHOOK_BACKOFF_BASE_S 30
#define WEBHOOK_BACKOFF_MAX_S 3600
#define WEBHOOK_MAX_ATTEMPTS 8
#define WEBHOOK_BATCH 16    /* deliveries per run */
#define WEBHOOK_LEASE_S 300 /* a claimed delivery is retried after this */

/* The scheduler job: sends the pending deliveries due at now (at most
 * WEBHOOK_BATCH), each outside any transaction, and records each outcome
 * in its own short transaction. ERR_OK unless the database failed. */
enum err webhooks_deliver_run(struct db *db, int64_t now);

/* Seconds to wait after the attempts-th failed attempt (attempts >= 1). */
int64_t webhooks_backoff(int attempts);

/* 1 when name is an event type endpoints may subscribe to. */
int webhooks_event_known(const char *name);
/* The known event types, NULL-terminated (static). */
const char *const *webhooks_event_types(void);

/* ---- The client (server/lib/webhook_client.c) ---- */

#endif
