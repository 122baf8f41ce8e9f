/* The HTTPS client webhooks are delivered with: a URL checked and resolved
 * once (no private or reserved address unless allowed), then a POST to
 * exactly those addresses (server/lib/webhook_client.c). */
#ifndef FT_WEBHOOK_CLIENT_H
#define FT_WEBHOOK_CLIENT_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/err.h"

#define WEBHOOK_CONNECT_TIMEOUT_MS 5000
#define WEBHOOK_EXCHANGE_TIMEOUT_MS 5000 /* TLS handshake, request and status line */
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
