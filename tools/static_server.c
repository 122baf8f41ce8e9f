/* static_server: civetweb answering one file's bytes, for make bench.
 *
 * nginx is the benchmark's ceiling for the machine; this is the ceiling for
 * fieldtrace's own HTTP layer. It runs the same civetweb build with the
 * options fieldtrace serves with (a worker thread per keep-alive
 * connection, tcp_nodelay, the same TLS policy), and a begin_request
 * handler that writes a prepared answer (headers and body) in one
 * mg_write, as fieldtrace's response writer does. The difference between
 * its rate and fieldtrace's is what producing the answer costs; the
 * difference between nginx's and its own is what the HTTP layer costs.
 *
 *   static_server --listen 127.0.0.1:9445 --threads 64 \
 *       --tls-cert certs/server.pem --tls-key certs/server.key --body FILE
 *
 * Serves until SIGTERM or SIGINT. Not part of fieldtrace. */
#include <civetweb.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fieldtrace's policy (server/http/server.c), so TLS costs the same. */
static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
				    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
				    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

struct served {
	const char *cert, *key;
	char *answer; /* the whole HTTP answer; owned, freed at exit */
	size_t answer_len;
	int tls_ready;
};

static int tls_init(void *ssl_ctx, void *user_data)
{
	struct served *s = user_data;
	SSL_CTX *ctx = ssl_ctx;

	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, "X25519:P-256") != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, s->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM) != 1)
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	s->tls_ready = 1;
	return 1;
}

static int on_request(struct mg_connection *conn)
{
	const struct served *s = mg_get_user_data(mg_get_context(conn));

	mg_write(conn, s->answer, s->answer_len);
	return 200;
}

/* Reads FILE and prepares the answer around it, with the headers
 * fieldtrace sends with a trace (the same names and lengths). 0 or -1. */
static int prepare(struct served *s, const char *path)
{
	static const char head[] =
	    "HTTP/1.1 200 OK\r\n"
	    "X-Request-Id: 04db95f6-0000000002\r\n"
	    "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %ld\r\n"
	    "ETag: \"ff0488fea3cca953a\"\r\n"
	    "Vary: Accept, Authorization\r\n"
	    "Cache-Control: private, no-store\r\n"
	    "Link: <https://localhost:8443/id/077G40FJ1BQMW1AG3QDG>; rel=\"linkset\";"
	    " type=\"application/linkset+json\"\r\n\r\n";
	FILE *f = fopen(path, "rb");
	long size;
	int n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	s->answer = malloc(sizeof(head) + 24 + (size_t)size);
	if (!s->answer)
		goto fail;
	n = sprintf(s->answer, head, size);
	if (fread(s->answer + n, 1, (size_t)size, f) != (size_t)size)
		goto fail;
	s->answer_len = (size_t)n + (size_t)size;
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:9445", *threads = "64", *body = NULL;
	char port[96];
	struct served s = { 0 };
	struct mg_callbacks cb;
	struct mg_context *ctx;
	sigset_t stop;
	int sig;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			listen = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			threads = argv[i + 1];
		else if (!strcmp(argv[i], "--tls-cert"))
			s.cert = argv[i + 1];
		else if (!strcmp(argv[i], "--tls-key"))
			s.key = argv[i + 1];
		else if (!strcmp(argv[i], "--body"))
			body = argv[i + 1];
	}
	if (!s.cert || !s.key || !body) {
		fprintf(stderr, "usage: static_server --tls-cert PEM --tls-key PEM --body FILE"
				" [--listen ADDR:PORT] [--threads N]\n");
		return 2;
	}
	if (prepare(&s, body) < 0) {
		fprintf(stderr, "static_server: cannot read %s\n", body);
		return 1;
	}
	snprintf(port, sizeof(port), "%ss", listen);
	const char *options[] = { "listening_ports",  port,  "num_threads",   threads,
				  "enable_keep_alive", "yes", "tcp_nodelay", "1",
				  "keep_alive_timeout_ms", "30000", NULL };

	memset(&cb, 0, sizeof(cb));
	cb.begin_request = on_request;
	cb.init_ssl = tls_init;
	/* SIGTERM and SIGINT are taken by sigwait below, never by a handler:
	 * blocked before civetweb's threads start, so they inherit it. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	mg_init_library(MG_FEATURES_TLS);
	ctx = mg_start(&cb, &s, options);
	if (!ctx || !s.tls_ready) {
		fprintf(stderr, "static_server: HTTPS did not start on %s\n", listen);
		free(s.answer);
		return 1;
	}
	sigwait(&stop, &sig);
	mg_stop(ctx);
	mg_exit_library();
	free(s.answer);
	return 0;
}
