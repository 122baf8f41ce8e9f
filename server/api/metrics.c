/* Counters for /metrics. Relaxed atomics: exact totals, no ordering needed. */
#include "api/metrics.h"

#include <stddef.h>

#include "db/delivery_store.h"
#include "domain/delivery.h"

#include <openssl/crypto.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "core/digest.h"

#define MAX_ROUTE_SLOTS (METRICS_CONSOLE + 1)
#define STATUS_SLOTS 600

static const double bucket_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					0.05,   0.1,   0.25,   0.5,   1.0,  2.5 };
#define NBUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

static _Atomic uint64_t by_route_status[MAX_ROUTE_SLOTS][STATUS_SLOTS];
/* Labels of each route slot, set before serving (read-only after). */
static const char *route_method[MAX_ROUTE_SLOTS];
static const char *route_pattern[MAX_ROUTE_SLOTS];
static size_t route_slots = 1; /* slot 0: unrouted */
static _Atomic uint64_t latency_buckets[NBUCKETS + 1];
static _Atomic uint64_t latency_sum_us;
static _Atomic uint64_t latency_count;
static _Atomic uint64_t tls_handshakes;
static _Atomic int64_t db_connections;
static _Atomic uint64_t conns_refused;

void metrics_route_label(size_t route_index, const char *method, const char *pattern)
{
	if (route_index == METRICS_UNROUTED || route_index >= MAX_ROUTE_SLOTS)
		return;
	route_method[route_index] = method;
	route_pattern[route_index] = pattern;
	if (route_index >= route_slots)
		route_slots = route_index + 1;
}

void metrics_request(size_t route_index, int status, uint64_t micros)
{
	size_t b = 0;

	if (route_index >= MAX_ROUTE_SLOTS)
		route_index = 0;
	if (status < 0 || status >= STATUS_SLOTS)
		status = 0;
	atomic_fetch_add_explicit(&by_route_status[route_index][status], 1, memory_order_relaxed);
	while (b < NBUCKETS && (double)micros / 1e6 > bucket_bounds[b])
		b++;
	atomic_fetch_add_explicit(&latency_buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_sum_us, micros, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_count, 1, memory_order_relaxed);
}

void metrics_tls_handshake(void)
{
	atomic_fetch_add_explicit(&tls_handshakes, 1, memory_order_relaxed);
}

void metrics_conn_refused(void)
{
	atomic_fetch_add_explicit(&conns_refused, 1, memory_order_relaxed);
}

void metrics_db_connections(int delta)
{
	atomic_fetch_add_explicit(&db_connections, delta, memory_order_relaxed);
}

void metrics_render(struct buf *out)
{
	uint64_t cumulative = 0;

	buf_puts(out,
		 "# HELP fieldtrace_http_requests_total Requests answered, by route and status.\n"
		 "# TYPE fieldtrace_http_requests_total counter\n");
	for (size_t r = 0; r < route_slots; r++) {

		for (int s = 0; s < STATUS_SLOTS; s++) {
			uint64_t v =
			    atomic_load_explicit(&by_route_status[r][s], memory_order_relaxed);

			if (!v)
				continue;
			buf_printf(out,
				   "fieldtrace_http_requests_total{method=\"%s\",route=\"%s\","
				   "status=\"%d\"} %llu\n",
				   r ? route_method[r] : "", r ? route_pattern[r] : "unrouted", s,
				   (unsigned long long)v);
		}
	}
	buf_puts(out,
		 "# HELP fieldtrace_http_request_duration_seconds Time from request to answer.\n"
		 "# TYPE fieldtrace_http_request_duration_seconds histogram\n");
	for (size_t b = 0; b <= NBUCKETS; b++) {
		cumulative += atomic_load_explicit(&latency_buckets[b], memory_order_relaxed);
		if (b < NBUCKETS)
			buf_printf(
			    out,
			    "fieldtrace_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    bucket_bounds[b], (unsigned long long)cumulative);
		else
			buf_printf(
			    out,
			    "fieldtrace_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cumulative);
	}
	buf_printf(out,
		   "fieldtrace_http_request_duration_seconds_sum %.6f\n"
		   "fieldtrace_http_request_duration_seconds_count %llu\n"
		   "# HELP fieldtrace_db_connections SQLite connections the workers share.\n"
		   "# TYPE fieldtrace_db_connections gauge\n"
		   "fieldtrace_db_connections %lld\n"
		   "# HELP fieldtrace_tls_handshakes_total Completed TLS handshakes.\n"
		   "# TYPE fieldtrace_tls_handshakes_total counter\n"
		   "fieldtrace_tls_handshakes_total %llu\n"
		   "# HELP fieldtrace_connections_refused_total Connections refused at the TLS"
		   " handshake: their address had conns-per-address open.\n"
		   "# TYPE fieldtrace_connections_refused_total counter\n"
		   "fieldtrace_connections_refused_total %llu\n",
		   (double)atomic_load(&latency_sum_us) / 1e6,
		   (unsigned long long)atomic_load(&latency_count),
		   (long long)atomic_load(&db_connections),
		   (unsigned long long)atomic_load(&tls_handshakes),
		   (unsigned long long)atomic_load(&conns_refused));
}

/* ---- notification deliveries (issue 18) ---- */

static void count_row(const char *channel, const char *status, int64_t n, void *arg)
{
	buf_printf(arg, "fieldtrace_deliveries{channel=\"%s\",status=\"%s\"} %lld\n", channel,
		   status, (long long)n);
}

void metrics_render_deliveries(struct db *db, struct buf *out)
{
	struct delivery_metrics m[DELIVERY_METRIC_CHANNELS];
	static const struct {
		const char *name, *help;
		size_t offset;
	} counters[] = {
		{ "sent", "Deliveries a provider accepted.",
		  offsetof(struct delivery_metrics, sent) },
		{ "failed", "Attempts that failed (to be retried, or refused).",
		  offsetof(struct delivery_metrics, failed) },
		{ "retried", "Deliveries put back to try again later.",
		  offsetof(struct delivery_metrics, retried) },
		{ "dead", "Deliveries given up: the dead-letter state.",
		  offsetof(struct delivery_metrics, dead) },
		{ "gone", "Pushes to a token the provider no longer knows (device retired).",
		  offsetof(struct delivery_metrics, gone) },
	};

	delivery_metrics_read(m);
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		buf_printf(out,
			   "# HELP fieldtrace_deliveries_%s_total %s\n"
			   "# TYPE fieldtrace_deliveries_%s_total counter\n",
			   counters[k].name, counters[k].help, counters[k].name);
		for (int c = 0; c < DELIVERY_METRIC_CHANNELS; c++)
			buf_printf(out, "fieldtrace_deliveries_%s_total{channel=\"%s\"} %llu\n",
				   counters[k].name, delivery_metric_channels[c],
				   (unsigned long long)*(const uint64_t *)((const char *)&m[c] +
									   counters[k].offset));
	}
	buf_puts(out, "# HELP fieldtrace_delivery_latency_seconds From the notification to the"
		      " provider's acceptance.\n"
		      "# TYPE fieldtrace_delivery_latency_seconds histogram\n");
	for (int c = 0; c < DELIVERY_METRIC_CHANNELS; c++) {
		for (int b = 0; b < 6; b++)
			buf_printf(out,
				   "fieldtrace_delivery_latency_seconds_bucket{channel=\"%s\","
				   "le=\"%d\"} %llu\n",
				   delivery_metric_channels[c], delivery_latency_bounds_s[b],
				   (unsigned long long)m[c].latency_le[b]);
		buf_printf(out,
			   "fieldtrace_delivery_latency_seconds_bucket{channel=\"%s\",le=\"+Inf\"}"
			   " %llu\n"
			   "fieldtrace_delivery_latency_seconds_sum{channel=\"%s\"} %.3f\n"
			   "fieldtrace_delivery_latency_seconds_count{channel=\"%s\"} %llu\n",
			   delivery_metric_channels[c], (unsigned long long)m[c].latency_count,
			   delivery_metric_channels[c], (double)m[c].latency_ms_sum / 1000.0,
			   delivery_metric_channels[c], (unsigned long long)m[c].latency_count);
	}
	buf_puts(out,
		 "# HELP fieldtrace_deliveries Deliveries in the outbox, by channel and state.\n"
		 "# TYPE fieldtrace_deliveries gauge\n");
	if (db)
		delivery_store_counts(db, count_row, out);
}

/* Set once before the server serves; read-only after. The token's SHA-256
 * is kept and compared, so neither its bytes nor its length show in how
 * long a refusal takes. */
static int scrape_token_set;
static unsigned char scrape_digest[DIGEST_SHA256_LEN];

int metrics_configure(const char *token)
{
	scrape_token_set = token && *token;
	if (!scrape_token_set)
		return 0;
	if (strlen(token) < METRICS_TOKEN_MIN)
		return -1;
	return digest_sha256(token, strlen(token), scrape_digest);
}

static int loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	       strncmp(addr, "::ffff:127.", 11) == 0;
}

enum metrics_access metrics_may_read(const char *authorization, const char *client_addr)
{
	unsigned char got[DIGEST_SHA256_LEN];

	if (!scrape_token_set)
		return client_addr && loopback(client_addr) ? METRICS_ALLOWED : METRICS_NOT_LOCAL;
	if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0 &&
	    digest_sha256(authorization + 7, strlen(authorization + 7), got) == 0 &&
	    CRYPTO_memcmp(got, scrape_digest, sizeof(got)) == 0)
		return METRICS_ALLOWED;
	return METRICS_NO_TOKEN;
}
