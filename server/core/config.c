/* Configuration: defaults, then a "key = value" file, then FIELDTRACE_*
 * environment variables, then command-line flags (main.c). */
#include "core/config.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


enum kind { K_STR, K_INT, K_BOOL };

struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	size_t size; /* strings: buffer size */
	int min, max;
	const char *help;
	int (*valid)(const char *value); /* strings: NULL, or 1 when acceptable */
	const char *expected;            /* what valid() wants, for the error */
};

/* An absolute http(s) URL with a host, of RFC 3986 characters (percent
 * escapes whole), without query or fragment: the base printed into every
 * label's link, which can never be reprinted, and sent in Link headers. */
static int base_url_valid(const char *v)
{
	static const char other[] = "-._~:/@!$&'()*+,;=[]"; /* [ ]: an IPv6 host */
	const char *p;

	if (strncasecmp(v, "https://", 8) == 0)
		p = v + 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		p = v + 7;
	else
		return 0;
	if (!*p || *p == '/' || *p == ':')
		return 0; /* no host */
	for (; *p; p++) {
		if (*p == '%') {
			if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
				return 0;
			p += 2;
		} else if (!isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80) {
			if (!strchr(other, *p))
				return 0;
		}
	}
	return 1;
}

#define S(n, f, h)                                                                                 \
	{                                                                                          \
		n, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, h     \
	}
#define I(n, f, lo, hi, h)                                                                         \
	{                                                                                          \
		n, K_INT, offsetof(struct config, f), 0, lo, hi, h                                 \
	}
#define U(n, f, h)                                                                                 \
	{                                                                                          \
		n, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, h,    \
		    base_url_valid, "an absolute http(s) URL without query or fragment"            \
	}
#define B(n, f, h)                                                                                 \
	{                                                                                          \
		n, K_BOOL, offsetof(struct config, f), 0, 0, 1, h                                  \
	}
static const struct key keys[] = {
	S("listen", listen, "ADDR:PORT to serve HTTPS on (port 0: any free port)"),
	S("db", db_path, "SQLite database file"),
	S("data-dir", data_dir, "directory of uploaded attachments (content-addressed)"),
	S("tls-cert", tls_cert, "PEM certificate chain"),
	S("tls-key", tls_key, "PEM private key"),
	U("public-url", public_url, "base URL printed in QR links"),
	B("demo", demo, "load the demo data set if the database does not hold it yet"),
	I("threads", threads, 2, 1024, "worker threads (one per open connection)"),
	I("db-connections", db_connections, 1, 256, "SQLite connections the workers share"),
	I("scheduler-interval-ms", scheduler_interval_ms, 0, 3600000,
	  "background jobs (SLA, warranty, webhooks) every N ms; 0: off"),
	I("idle-timeout-ms", idle_timeout_ms, 100, 600000, "keep-alive idle timeout"),
	I("request-timeout-ms", request_timeout_ms, 100, 600000, "timeout of each network read"),
	I("body-deadline-ms", body_deadline_ms, 100, 600000, "total time to receive a body"),
	I("hash-concurrency", hash_concurrency, 1, 64, "password hashes computed at once"),
	B("access-log", access_log, "one JSON line per request on stdout"),
	I("import-slice-rows", import_slice_rows, 10, 100000,
	  "CSV import rows per write transaction (others wait at most one)"),
	B("trace-snapshots", trace_snapshots,
	  "answer QR scans from each unit's kept trace (rendered again after any change)"),
	I("conns-per-address", conns_per_address, 0, 100000,
	  "open connections per client address; 0: no limit"),
	I("rate-window-s", rate_window_s, 1, 86400, "window of the rate-* limits, seconds"),
	I("rate-login", rate_login, 0, 1000000, "logins per username per window (4x per address)"),
	I("rate-search", rate_search, 0, 1000000,
	  "KB searches per account per window (4x per address)"),
	I("rate-import", rate_import, 0, 1000000,
	  "CSV imports per account per window (4x per address)"),
	I("rate-labels", rate_labels, 0, 1000000,
	  "label sheets per account per window (4x per address)"),
	I("rate-scan", rate_scan, 0, 1000000, "QR / GS1 resolves per address per window"),
	I("rate-scan-miss", rate_scan_miss, 0, 1000000,
	  "resolves of unknown or forged codes per address per window"),
	I("rate-report", rate_report, 0, 1000000,
	  "faults reported from nameplate pages per address per window"),
	I("rate-report-code", rate_report_code, 0, 1000000,
	  "faults reported per identification code per window"),
	S("metrics-token", metrics_token,
	  "bearer token a scraper sends to read /metrics; unset: loopback clients only"),
	S("channels-file", channels_file,
	  "JSON file of the notification providers (push, SMTP, SMS, robots); unset: in-app only"),
	I("delivery-interval-ms", delivery_interval_ms, 0, 3600000,
	  "each provider's lane sends due deliveries every N ms; 0: off"),
	S("turn-uris", turn_uris,
	  "TURN URIs given to assistance calls, comma-separated (turn:host:3478?transport=udp)"),
	S("stun-uris", stun_uris, "STUN URIs given to assistance calls, comma-separated"),
	S("turn-secret-file", turn_secret_file,
	  "file holding the TURN REST API shared secret (coturn static-auth-secret)"),
	I("turn-ttl-s", turn_ttl_s, 60, 86400, "lifetime of the TURN credentials, seconds"),
	B("turn-relay-only", turn_relay_only,
	  "tell assistance clients to send media through the TURN relay only"),
	I("assist-accept-min", assist_accept_min, 1, 120,
	  "minutes an assistance offer rings before the next expert is asked"),
};
#undef S
#undef U
#undef I
#undef B

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen, "127.0.0.1:8443");
	strcpy(cfg->db_path, "var/fieldtrace.db");
	cfg->delivery_interval_ms = 1000;
	cfg->turn_ttl_s = 3600;
	cfg->assist_accept_min = 5;
	strcpy(cfg->data_dir, "var/data");
	strcpy(cfg->tls_cert, "certs/server.pem");
	strcpy(cfg->tls_key, "certs/server.key");
	strcpy(cfg->public_url, "https://localhost:8443");
	cfg->threads = 256;
	cfg->db_connections = 8;
	cfg->scheduler_interval_ms = 10000;
	cfg->idle_timeout_ms = 5000;
	cfg->request_timeout_ms = 10000;
	cfg->body_deadline_ms = 30000;
	cfg->hash_concurrency = 2;
	cfg->access_log = 1;
	cfg->trace_snapshots = 1;
	cfg->import_slice_rows = IMPORT_SLICE_ROWS_DEFAULT;
	cfg->conns_per_address = 16;
	cfg->rate_window_s = 60;
	cfg->rate_login = 15;
	cfg->rate_search = 60;
	cfg->rate_import = 10;
	cfg->rate_labels = 30;
	cfg->rate_scan = 120;
	cfg->rate_scan_miss = 20;
	cfg->rate_report = 10;
	cfg->rate_report_code = 3;
}

static int same_key(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '_' ? '-' : (char)tolower((unsigned char)*a);
		char cb = *b == '_' ? '-' : (char)tolower((unsigned char)*b);

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t err_size)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		char *field = (char *)cfg + k->offset;

		if (!same_key(k->name, key))
			continue;
		if (k->kind == K_STR) {
			if (strlen(value) >= k->size) {
				snprintf(err, err_size, "%s: value too long", key);
				return -1;
			}
			if (k->valid && !k->valid(value)) {
				snprintf(err, err_size, "%s: expected %s", key, k->expected);
				return -1;
			}
			memcpy(field, value, strlen(value) + 1);
		} else if (k->kind == K_BOOL) {
			int v;

			if (!strcmp(value, "1") || !strcmp(value, "true") ||
			    !strcmp(value, "yes") || !strcmp(value, "on"))
				v = 1;
			else if (!strcmp(value, "0") || !strcmp(value, "false") ||
				 !strcmp(value, "no") || !strcmp(value, "off"))
				v = 0;
			else {
				snprintf(err, err_size, "%s: expected true or false", key);
				return -1;
			}
			memcpy(field, &v, sizeof(v));
		} else {
			char *end;
			long v;

			errno = 0;
			v = strtol(value, &end, 10);
			if (errno || !*value || *end || v < k->min || v > k->max) {
				snprintf(err, err_size, "%s: expected an integer from %d to %d",
					 key, k->min, k->max);
				return -1;
			}
			int iv = (int)v;
			memcpy(field, &iv, sizeof(iv));
		}
		return 0;
	}
	snprintf(err, err_size, "unknown setting '%s'", key);
	return -1;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t err_size)
{
	FILE *f = fopen(path, "r");
	char line[1024], msg[256];
	int lineno = 0;

	if (!f) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *eq, *k, *v;

		lineno++;
		if (hash)
			*hash = '\0';
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(err, err_size, "%s:%d: expected key = value", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		if (config_set(cfg, k, v, msg, sizeof(msg)) < 0) {
			snprintf(err, err_size, "%s:%d: %s", path, lineno, msg);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int config_load_env(struct config *cfg, char *err, size_t err_size)
{
	char name[64];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v;
		size_t j = 0;

		j = (size_t)snprintf(name, sizeof(name), "FIELDTRACE_");
		for (const char *p = keys[i].name; *p && j + 1 < sizeof(name); p++)
			name[j++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		name[j] = '\0';
		v = getenv(name);
		if (v && config_set(cfg, keys[i].name, v, err, err_size) < 0)
			return -1;
	}
	return 0;
}

void config_print_keys(FILE *out)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char env[64];
		size_t j = (size_t)snprintf(env, sizeof(env), "FIELDTRACE_");

		for (const char *p = keys[i].name; *p && j + 1 < sizeof(env); p++)
			env[j++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		env[j] = '\0';
		fprintf(out, "  --%-20s %-30s %s\n", keys[i].name, env, keys[i].help);
	}
}
