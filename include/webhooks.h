/* Webhooks: endpoints admins register (server/webhooks.c), the delivery
 * job the scheduler runs, and the HTTPS client that sends one delivery
 * (server/webhook_client.c) with its SSRF guard. */
#ifndef FT_WEBHOOKS_H
#define FT_WEBHOOKS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

struct db;

/* Delivery policy. An attempt that fails waits base * 2^(attempts-1)
 * seconds, capped, before the next; after WEBHOOK_MAX_ATTEMPTS failures
 * the delivery is dead (listable, and retried by hand). */
#define WEBHOOK_BACKOFF_BASE_S 30
#define WEBHOOK_BACKOFF_MAX_S 3600
#define WEBHOOK_MAX_ATTEMPTS 8
#define WEBHOOK_BATCH 16    /* deliveries per run */
#define WEBHOOK_LEASE_S 300 /* a claimed delivery is retried after this */
#define WEBHOOK_CONNECT_TIMEOUT_MS 5000
#define WEBHOOK_EXCHANGE_TIMEOUT_MS 5000 /* TLS handshake, request and status line */

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

/* ---- The client (server/webhook_client.c) ---- */

#define WEBHOOK_MAX_ADDRS 8

/* A checked target: the URL's parts and the addresses its host resolved
 * to, every one of them allowed. Deliveries connect to these addresses, not
 * to a second resolution of the name (no DNS rebinding). */
struct webhook_target {
	char host[256];      /* name or IP literal (no brackets) */
	char authority[272]; /* host[:port] as the Host header carries it */
	char port[8];
	char path[2048]; /* "/hook?x=1"; "/" when the URL has none */
	int host_is_ip;
	int naddrs;
	struct sockaddr_storage addrs[WEBHOOK_MAX_ADDRS];
	socklen_t addrlens[WEBHOOK_MAX_ADDRS];
};

/* 1 when the address is loopback, link-local, private (RFC 1918),
 * CGNAT, unique-local, multicast, unspecified, reserved, or an IPv4-mapped,
 * -compatible, NAT64 or 6to4 form of one of those. */
int webhook_addr_forbidden(const struct sockaddr *sa);

/* Parses an https URL and resolves its host. ERR_INVALID with the reason
 * in why when the URL is not a plain https URL, the host does not resolve,
 * or (unless allow_private) any address it resolves to is forbidden. */
enum err webhook_target_check(const char *url, int allow_private, struct webhook_target *out,
			      char *why, size_t why_size);

/* POSTs body to the checked target over TLS (certificate and host name
 * verified against the system CA store plus FIELDTRACE_WEBHOOK_CA when
 * set). headers: extra "Name: value\r\n" lines. *status = the answer's
 * HTTP status; ERR_OK when one was read, else an error with the reason
 * in why. */
enum err webhook_post(const struct webhook_target *t, const char *headers, const char *body,
		      size_t body_len, int *status, char *why, size_t why_size);

#endif
