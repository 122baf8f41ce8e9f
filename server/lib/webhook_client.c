/* The webhook HTTPS client and its SSRF guard.
 *
 * Why OpenSSL directly and not civetweb's client: mg_connect_client_secure
 * resolves the host itself (so we could not connect to the address we
 * checked without a second, rebindable lookup, unless we pass the IP, which
 * then loses the name), verifies the peer only against the one file given
 * as server_cert (no system CA store) and never checks the host name (it
 * sets SNI only, no SSL_set1_host). So we connect to the checked address,
 * run TLS with SNI, SSL_set1_host and the system store ourselves, write the
 * request (we only write HTTP, never parse a request), and read back
 * nothing but the status line, which is checked strictly
 * ("HTTP/1.x DDD "); the rest of the answer is ignored (Connection: close).
 * The socket is non-blocking and every step after the connect waits in
 * poll() against one deadline for the whole exchange.
 */
#include "lib/webhook_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

/* ---- SSRF guard ---- */

static int v4_forbidden(uint32_t a) /* host byte order */
{
	static const struct {
		uint32_t net;
		int bits;
	} nets[] = {
		{ 0x00000000u, 8 },  /* 0/8 "this network", incl. unspecified */
		{ 0x0a000000u, 8 },  /* 10/8 private */
		{ 0x64400000u, 10 }, /* 100.64/10 CGNAT */
		{ 0x7f000000u, 8 },  /* 127/8 loopback */
		{ 0xa9fe0000u, 16 }, /* 169.254/16 link-local (cloud metadata) */
		{ 0xac100000u, 12 }, /* 172.16/12 private */
		{ 0xc0000000u, 24 }, /* 192.0.0/24 protocol assignments */
		{ 0xc0a80000u, 16 }, /* 192.168/16 private */
		{ 0xc6120000u, 15 }, /* 198.18/15 benchmarking */
		{ 0xe0000000u, 4 },  /* 224/4 multicast */
		{ 0xf0000000u, 4 },  /* 240/4 reserved, incl. broadcast */
	};

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		uint32_t mask = ~0u << (32 - nets[i].bits);

		if ((a & mask) == nets[i].net)
			return 1;
	}
	return 0;
}

static uint32_t v4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int v6_forbidden(const unsigned char *a)
{
	static const unsigned char zero[12] = { 0 };
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };

	/* ::/96 holds ::, ::1 and the IPv4-compatible forms, all judged by
	 * their last 32 bits (:: and ::1 fall in 0/8). */
	if (memcmp(a, zero, 12) == 0 || memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_forbidden(v4_at(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16 6to4 embeds an IPv4 */
		return v4_forbidden(v4_at(a + 2));
	if ((a[0] & 0xfe) == 0xfc) /* fc00::/7 unique-local */
		return 1;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
		return 1;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) /* fec0::/10 site-local (old) */
		return 1;
	if (a[0] == 0xff) /* ff00::/8 multicast */
		return 1;
	return 0;
}

int webhook_addr_forbidden(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		return v4_forbidden(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		return v6_forbidden(in6->sin6_addr.s6_addr);
	}
	return 1; /* anything else is not a place to send to */
}

/* ---- URL ---- */

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

/* Splits a strict https URL: https://host[:port][/path][?query], no
 * user info, no fragment, printable ASCII only. */
static int url_split(const char *url, struct webhook_target *t, char *why, size_t why_size)
{
	const char *p, *auth, *auth_end, *host_end;
	size_t n = strlen(url), hlen;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
			snprintf(why, why_size, "must not contain spaces or control characters");
			return -1;
		}
	if (strncasecmp(url, "https://", 8) != 0) {
		snprintf(why, why_size, "must be an https:// URL");
		return -1;
	}
	if (strchr(url, '#')) {
		snprintf(why, why_size, "must not have a fragment");
		return -1;
	}
	auth = url + 8;
	auth_end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(auth_end - auth))) {
		snprintf(why, why_size, "must not carry user information");
		return -1;
	}
	if (*auth == '[') {
		const char *close = memchr(auth, ']', (size_t)(auth_end - auth));
		unsigned char a6[16];

		if (!close || (size_t)(close - auth - 1) >= sizeof(t->host)) {
			snprintf(why, why_size, "has a malformed IPv6 address");
			return -1;
		}
		hlen = (size_t)(close - auth - 1);
		memcpy(t->host, auth + 1, hlen);
		t->host[hlen] = '\0';
		if (inet_pton(AF_INET6, t->host, a6) != 1) {
			snprintf(why, why_size, "has a malformed IPv6 address");
			return -1;
		}
		t->host_is_ip = 1;
		host_end = close + 1;
	} else {
		unsigned char a4[4];

		host_end = auth;
		while (host_end < auth_end && *host_end != ':')
			host_end++;
		hlen = (size_t)(host_end - auth);
		if (hlen == 0 || hlen > 253) {
			snprintf(why, why_size, "must name a host");
			return -1;
		}
		for (p = auth; p < host_end; p++)
			if (!host_char(*p)) {
				snprintf(why, why_size, "has an invalid host name");
				return -1;
			}
		memcpy(t->host, auth, hlen);
		t->host[hlen] = '\0';
		t->host_is_ip = inet_pton(AF_INET, t->host, a4) == 1;
	}
	if (host_end < auth_end) {
		long port = 0;

		if (*host_end != ':' || host_end + 1 == auth_end || auth_end - host_end > 6) {
			snprintf(why, why_size, "has an invalid port");
			return -1;
		}
		for (p = host_end + 1; p < auth_end; p++) {
			if (*p < '0' || *p > '9') {
				snprintf(why, why_size, "has an invalid port");
				return -1;
			}
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535) {
			snprintf(why, why_size, "has an invalid port");
			return -1;
		}
		snprintf(t->port, sizeof(t->port), "%ld", port);
	} else {
		snprintf(t->port, sizeof(t->port), "443");
	}
	if ((size_t)(auth_end - auth) >= sizeof(t->authority)) {
		snprintf(why, why_size, "has too long a host");
		return -1;
	}
	memcpy(t->authority, auth, (size_t)(auth_end - auth));
	t->authority[auth_end - auth] = '\0';
	if (strlen(auth_end) + 2 > sizeof(t->path)) {
		snprintf(why, why_size, "is too long");
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s%s", *auth_end == '/' ? "" : "/", auth_end);
	return 0;
}

enum err webhook_target_check(const char *url, int allow_private, struct webhook_target *out,
			      char *why, size_t why_size)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc;

	memset(out, 0, sizeof(*out));
	if (url_split(url, out, why, why_size) < 0)
		return ERR_INVALID;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (out->host_is_ip ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(out->host, out->port, &hints, &res);
	if (rc != 0) {
		snprintf(why, why_size, "host %s does not resolve (%s)", out->host,
			 gai_strerror(rc));
		return ERR_INVALID;
	}
	/* Every address must be allowed: a name with one public and one
	 * private address is refused, whichever a client would pick. */
	for (ai = res; ai; ai = ai->ai_next) {
		if (!allow_private && webhook_addr_forbidden(ai->ai_addr)) {
			char ip[INET6_ADDRSTRLEN] = "?";

			if (ai->ai_family == AF_INET)
				inet_ntop(AF_INET,
					  &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr,
					  ip, sizeof(ip));
			else if (ai->ai_family == AF_INET6)
				inet_ntop(AF_INET6,
					  &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr,
					  ip, sizeof(ip));
			snprintf(why, why_size,
				 "host %s resolves to %s, a loopback, link-local, private or "
				 "reserved address (set allow_private to allow it)",
				 out->host, ip);
			freeaddrinfo(res);
			return ERR_INVALID;
		}
		if (out->naddrs < WEBHOOK_MAX_ADDRS && ai->ai_addrlen <= sizeof(out->addrs[0])) {
			memcpy(&out->addrs[out->naddrs], ai->ai_addr, ai->ai_addrlen);
			out->addrlens[out->naddrs] = ai->ai_addrlen;
			out->naddrs++;
		}
	}
	freeaddrinfo(res);
	if (out->naddrs == 0) {
		snprintf(why, why_size, "host %s has no usable address", out->host);
		return ERR_INVALID;
	}
	return ERR_OK;
}

/* ---- Sending ---- */

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-blocking socket connected to sa within the connect timeout; it
 * stays non-blocking: every later step waits in poll() against one
 * deadline, so a peer that drips bytes cannot hold the job longer. */
static int connect_one(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t elen = sizeof(err);

	if (fd < 0)
		return -1;
	if (connect(fd, sa, len) < 0) {
		struct pollfd p = { fd, POLLOUT, 0 };

		if (errno != EINPROGRESS || poll(&p, 1, WEBHOOK_CONNECT_TIMEOUT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* After an SSL call returned rc <= 0: waits until the socket is ready for
 * what OpenSSL wants. 0 ready, -1 a real error, -2 the deadline passed. */
static int ssl_wait(SSL *ssl, int fd, int rc, int64_t deadline)
{
	int e = SSL_get_error(ssl, rc);
	struct pollfd p = { fd, 0, 0 };
	int64_t left = deadline - monotonic_ms();

	if (e == SSL_ERROR_WANT_READ)
		p.events = POLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		p.events = POLLOUT;
	else
		return -1;
	if (left <= 0)
		return -2;
	return poll(&p, 1, (int)left) == 1 ? 0 : -2;
}

static SSL_CTX *client_ctx(char *why, size_t why_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	const char *extra = getenv("FIELDTRACE_WEBHOOK_CA");

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(why, why_size, "TLS set-up failed");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (extra && *extra && SSL_CTX_load_verify_locations(ctx, extra, NULL) != 1) {
		log_error("webhooks: cannot load FIELDTRACE_WEBHOOK_CA %s", extra);
		ERR_clear_error();
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/* Strict status line: "HTTP/1.x DDD" followed by a space or CRLF. */
static int status_line(const char *s, size_t n)
{
	if (n < 14 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (s[12] != ' ' && !(s[12] == '\r' && s[13] == '\n'))
		return -1;
	if (s[9] < '1' || s[9] > '5')
		return -1;
	return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

/* 0 sent, -1 failed, -2 out of time. */
static int write_all(SSL *ssl, int fd, const char *p, size_t n, int64_t deadline)
{
	while (n) {
		int w = SSL_write(ssl, p, n > 65536 ? 65536 : (int)n);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		w = ssl_wait(ssl, fd, w, deadline);
		if (w < 0)
			return w;
	}
	return 0;
}

static enum err exchange(SSL *ssl, int fd, const struct webhook_target *t, const char *headers,
			 const char *body, size_t body_len, int64_t deadline, int *status,
			 char *why, size_t why_size)
{
	char head[4096], line[1024];
	size_t got = 0;
	int n, w;

	n = snprintf(head, sizeof(head),
		     "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: fieldtrace-webhooks/1\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n%s\r\n",
		     t->path, t->authority, body_len, headers ? headers : "");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(why, why_size, "request head too long");
		return ERR_INVALID;
	}
	w = write_all(ssl, fd, head, (size_t)n, deadline);
	if (w == 0)
		w = write_all(ssl, fd, body, body_len, deadline);
	if (w < 0) {
		snprintf(why, why_size,
			 w == -2 ? "timed out sending the request" : "sending the request failed");
		return ERR_UNAVAILABLE;
	}
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		int r = SSL_read(ssl, line + got, (int)(sizeof(line) - 1 - got));

		if (r > 0)
			got += (size_t)r;
		else if (ssl_wait(ssl, fd, r, deadline) < 0)
			break;
	}
	line[got] = '\0';
	*status = status_line(line, got);
	if (*status < 0) {
		*status = 0;
		snprintf(why, why_size, got ? "the answer is not HTTP/1.x" : "no answer in time");
		return ERR_UNAVAILABLE;
	}
	return ERR_OK;
}

static void tls_failure(SSL *ssl, char *why, size_t why_size)
{
	long v = SSL_get_verify_result(ssl);
	unsigned long code = ERR_peek_last_error();
	char msg[200] = "handshake failed";

	if (v != X509_V_OK)
		snprintf(msg, sizeof(msg), "certificate: %s", X509_verify_cert_error_string(v));
	else if (code)
		ERR_error_string_n(code, msg, sizeof(msg));
	ERR_clear_error();
	snprintf(why, why_size, "TLS %s", msg);
}

/* civetweb ignores SIGPIPE process-wide once a server runs; the job may run
 * without one (tests, CLI), so a peer that closes mid-write must not kill
 * us: SIGPIPE is blocked for this thread while we send, and a pending one
 * is consumed before it is unblocked. */
struct sigpipe_guard {
	sigset_t old;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) > 0) {
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

enum err webhook_post(const struct webhook_target *t, const char *headers, const char *body,
		      size_t body_len, int *status, char *why, size_t why_size)
{
	struct sigpipe_guard guard;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	enum err e = ERR_UNAVAILABLE;
	int64_t deadline;
	int fd = -1, rc;

	*status = 0;
	snprintf(why, why_size, "could not connect to %s", t->authority);
	for (int i = 0; i < t->naddrs && fd < 0; i++)
		fd = connect_one((const struct sockaddr *)&t->addrs[i], t->addrlens[i]);
	if (fd < 0)
		return ERR_UNAVAILABLE;
	ctx = client_ctx(why, why_size);
	if (!ctx) {
		close(fd);
		return ERR_INTERNAL;
	}
	sigpipe_block(&guard);
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		snprintf(why, why_size, "TLS set-up failed");
		goto out;
	}
	/* The name we checked is the one the certificate must carry; SNI only
	 * for names (RFC 6066 forbids IP literals there). */
	if (t->host_is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->host) != 1) {
			snprintf(why, why_size, "TLS set-up failed");
			goto out;
		}
	} else if (SSL_set_tlsext_host_name(ssl, t->host) != 1 ||
		   SSL_set1_host(ssl, t->host) != 1) {
		snprintf(why, why_size, "TLS set-up failed");
		goto out;
	}
	deadline = monotonic_ms() + WEBHOOK_EXCHANGE_TIMEOUT_MS;
	while ((rc = SSL_connect(ssl)) != 1) {
		rc = ssl_wait(ssl, fd, rc, deadline);
		if (rc == -2) {
			snprintf(why, why_size, "TLS handshake timed out");
			goto out;
		}
		if (rc < 0) {
			tls_failure(ssl, why, why_size);
			goto out;
		}
	}
	e = exchange(ssl, fd, t, headers, body, body_len, deadline, status, why, why_size);
	if (e == ERR_OK)
		why[0] = '\0';
out:
	SSL_free(ssl);
	close(fd);
	sigpipe_restore(&guard);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return e;
}
