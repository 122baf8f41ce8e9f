/* civetweb glue: options, our TLS policy, the database pool the workers
 * borrow from, and the callbacks that route every request to the
 * dispatcher. The application (server/app.c) starts everything else. */
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "db/db.h"
#include "http_internal.h"
#include "core/log.h"
#include "lib/ratelimit.h"
#include "api/metrics.h"
#include "http/server.h"

struct server {
	struct mg_context *ctx;
	struct config cfg;
	struct req_limits limits;
	int port;
	int tls_ready;        /* set by the init_ssl callback once the context is ours */
	struct db_pool *pool; /* the app's; workers borrow from it */
	int watchdog;         /* http_deadline_start succeeded */
};

/* Mozilla "intermediate" without DHE: ECDHE + AEAD only for TLS 1.2;
 * TLS 1.3 suites are all AEAD. */
/* Set once in server_start before any worker runs; read-only after. */

static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
				    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
				    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

static void tls_info(const SSL *ssl, int where, int ret)
{
	(void)ssl;
	(void)ret;
	if (where & SSL_CB_HANDSHAKE_DONE)
		metrics_tls_handshake();
}

static void log_tls_errors(const char *what)
{
	unsigned long code;
	char msg[256];

	while ((code = ERR_get_error()) != 0) {
		ERR_error_string_n(code, msg, sizeof(msg));
		log_error("tls: %s: %s", what, msg);
	}
}

/* ---- connections per client address ------------------------------------
 * civetweb 1.15 has no such limit and gives each connection a worker from
 * the TLS handshake on, so a client that opens hundreds of connections and
 * dribbles its headers holds every worker. We count in the ClientHello
 * callback: it runs in the worker as soon as the first bytes of the
 * handshake arrive, before any key exchange, and failing it makes civetweb
 * close the connection at once. The count is dropped when OpenSSL frees
 * the connection's SSL object (the ex_data free callback), which civetweb
 * does for every connection however it ends. */

static int conn_ex_index = -1;
static pthread_once_t conn_ex_once = PTHREAD_ONCE_INIT;

static void conn_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			 void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (!ptr)
		return;
	ratelimit_conn_close(ptr);
	free(ptr);
}

static void conn_ex_setup(void)
{
	conn_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_ex_free);
}

/* The peer's address as text into out ("" when unknown). */
static void peer_address(SSL *ssl, char *out, size_t size)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int fd = SSL_get_fd(ssl);

	out[0] = '\0';
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&sa, &len) != 0)
		return;
	if (sa.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, out, (socklen_t)size);
	else if (sa.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, out, (socklen_t)size);
}

static int on_client_hello(SSL *ssl, int *alert, void *arg)
{
	char addr[INET6_ADDRSTRLEN];
	char *kept;

	(void)arg;
	if (SSL_get_ex_data(ssl, conn_ex_index))
		return SSL_CLIENT_HELLO_SUCCESS; /* the second hello after a retry */
	peer_address(ssl, addr, sizeof(addr));
	if (!addr[0])
		return SSL_CLIENT_HELLO_SUCCESS;
	if (ratelimit_conn_open(addr) != 0) {
		metrics_conn_refused();
		*alert = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	kept = strdup(addr);
	if (!kept || !SSL_set_ex_data(ssl, conn_ex_index, kept)) {
		free(kept);
		ratelimit_conn_close(addr);
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* civetweb created the SSL_CTX; we apply our policy and load the
 * certificate ourselves (returning 1 tells civetweb not to touch it). */
static int tls_init(void *ssl_ctx, void *user_data)
{
	struct server *srv = user_data;
	SSL_CTX *ctx = ssl_ctx;

	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, "X25519:P-256") != 1) {
		log_tls_errors("policy");
		return -1;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
				     SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_info_callback(ctx, tls_info);
	pthread_once(&conn_ex_once, conn_ex_setup);
	if (conn_ex_index < 0) {
		log_tls_errors("ex_data");
		return -1;
	}
	SSL_CTX_set_client_hello_cb(ctx, on_client_hello, NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx, srv->cfg.tls_cert) != 1) {
		log_error("tls: cannot load certificate %s", srv->cfg.tls_cert);
		log_tls_errors("certificate");
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, srv->cfg.tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_error("tls: cannot load private key %s (or it does not match)",
			  srv->cfg.tls_key);
		log_tls_errors("key");
		return -1;
	}
	srv->tls_ready = 1;
	return 1;
}

/* Workers find the shared connection pool through their thread pointer. */
static void *worker_init(const struct mg_context *ctx, int thread_type)
{
	struct server *srv = mg_get_user_data(ctx);

	return thread_type == 1 ? srv->pool : NULL;
}

static int on_request(struct mg_connection *conn)
{
	struct server *srv = mg_get_user_data(mg_get_context(conn));

	return http_dispatch(conn, &srv->limits);
}

/* Errors civetweb finds before a request reaches us. Its only 413 is an
 * oversized header block (bodies are ours), which HTTP calls 431. */
static int on_http_error(struct mg_connection *conn, int status, const char *msg)
{
	(void)msg;
	if (status == 413)
		http_write_early_problem(conn, 431, "the request headers are too large");
	else if (status >= 400 && status < 500)
		http_write_early_problem(conn, status, "the request is malformed");
	else
		http_write_early_problem(conn, status, "the server failed");
	return 0;
}

static int on_log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	/* Mostly clients failing the handshake (old TLS, no shared cipher):
	 * worth a line, not an alarm. */
	log_info("civetweb: %s", message);
	return 1;
}

/* Open connections (conns.c): counted from civetweb's init_connection to
 * its connection_close; the connection's user data marks it counted, so a
 * close is never counted without its open. */
static int conn_counted; /* the mark: its address only */

static int on_init_connection(const struct mg_connection *conn, void **conn_data)
{
	(void)conn;
	http_conns_opened();
	*conn_data = &conn_counted;
	return 0;
}

static void on_connection_close(const struct mg_connection *conn)
{
	if (mg_get_user_connection_data(conn) == &conn_counted)
		http_conns_closed();
}

enum err server_start(const struct config *cfg, struct db_pool *pool, struct server **out)
{
	struct mg_callbacks cb;
	struct server *srv;
	struct mg_server_port ports[4];
	char listen[80], threads[16], idle[16], req_timeout[16];
	const char *options[40];
	size_t n = 0;

	*out = NULL;
	if (!(mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS)) {
		log_error("server: civetweb could not initialise TLS");
		mg_exit_library();
		return ERR_INTERNAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		mg_exit_library();
		return ERR_INTERNAL;
	}
	srv->cfg = *cfg;
	srv->pool = pool;
	srv->limits.body_deadline_ms = cfg->body_deadline_ms;
	srv->limits.access_log = cfg->access_log;
	srv->limits.request_timeout_ms = cfg->request_timeout_ms;
	snprintf(listen, sizeof(listen), "%ss", cfg->listen);
	snprintf(threads, sizeof(threads), "%d", cfg->threads);
	snprintf(idle, sizeof(idle), "%d", cfg->idle_timeout_ms);
	snprintf(req_timeout, sizeof(req_timeout), "%d", cfg->request_timeout_ms);
#define OPT(k, v) (options[n++] = (k), options[n++] = (v))
	OPT("listening_ports", listen);
	OPT("num_threads", threads);
	OPT("enable_keep_alive", "yes");
	OPT("keep_alive_timeout_ms", idle);
	OPT("request_timeout_ms", req_timeout);
	/* Without it every keep-alive answer waits ~40 ms (Nagle + delayed
	 * ACK): measured 1.4k -> 10.9k req/s. */
	OPT("tcp_nodelay", "1");
	OPT("max_request_size", "16384"); /* header block cap: 431 beyond */
	OPT("decode_url", "no");          /* the router decodes each segment */
	/* civetweb's unsafe defaults, overridden. */
	OPT("enable_directory_listing", "no");
	OPT("access_control_allow_origin", "");
	OPT("access_control_allow_methods", "");
	OPT("access_control_allow_headers", "");
	OPT("allow_sendfile_call", "no");
	OPT("ssl_protocol_version", "4"); /* TLS 1.2+; tls_init tightens further */
	options[n] = NULL;
#undef OPT

	memset(&cb, 0, sizeof(cb));
	cb.begin_request = on_request;
	cb.http_error = on_http_error;
	cb.init_ssl = tls_init;
	cb.init_thread = worker_init;
	cb.log_message = on_log_message;
	cb.init_connection = on_init_connection;
	cb.connection_close = on_connection_close;
	http_conns_configure(cfg->threads);

	if (http_deadline_start() != 0) {
		log_error("server: cannot start the read-deadline watchdog");
		free(srv);
		mg_exit_library();
		return ERR_INTERNAL;
	}
	srv->watchdog = 1;
	http_console_init();
	srv->ctx = mg_start(&cb, srv, options);
	if (!srv->ctx || !srv->tls_ready) {
		log_error("server: HTTPS did not start on %s (TLS initialised: %s)", cfg->listen,
			  srv->tls_ready ? "yes" : "no");
		server_stop(srv);
		return ERR_INTERNAL;
	}
	memset(ports, 0, sizeof(ports));
	if (mg_get_server_ports(srv->ctx, 4, ports) < 1 || !ports[0].is_ssl) {
		log_error("server: no TLS listening port");
		server_stop(srv);
		return ERR_INTERNAL;
	}
	srv->port = ports[0].port;
	*out = srv;
	return ERR_OK;
}

int server_port(const struct server *srv)
{
	return srv->port;
}

void server_stop(struct server *srv)
{
	if (!srv)
		return;
	if (srv->ctx)
		mg_stop(srv->ctx); /* joins workers: in-flight requests finish */
	if (srv->watchdog)
		http_deadline_stop(); /* after the workers: no read is watched */
	free(srv);
	mg_exit_library();
}
