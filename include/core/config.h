/* Server configuration: defaults < config file < FIELDTRACE_* env < flags. */
#ifndef FT_CONFIG_H
#define FT_CONFIG_H

#include <stdio.h>

/* CSV import rows per write transaction: other writers wait at most one
 * of these (server/api/import.c). */
#define IMPORT_SLICE_ROWS_DEFAULT 1000

struct config {
	char listen[64]; /* "127.0.0.1:8443"; port 0 picks a free port */
	char db_path[512];
	char data_dir[512]; /* attachments: objects/ab/cdef… by SHA-256, tmp/ for uploads */
	char tls_cert[512];
	char tls_key[512];
	char public_url[256];      /* "https://localhost:8443" */
	int demo;                  /* load demo data at start */
	int threads;               /* civetweb worker threads */
	int db_connections;        /* SQLite connections the workers share */
	int scheduler_interval_ms; /* background jobs; 0 = off */
	int trace_snapshots;       /* QR scans read kept traces (assets.h) */
	int import_slice_rows;     /* CSV import rows per write transaction (import.h) */
	int idle_timeout_ms;       /* keep-alive idle timeout */
	int request_timeout_ms;    /* per-read timeout of civetweb */
	int body_deadline_ms;      /* total time allowed to receive a body */
	int hash_concurrency;      /* argon2 hashes running at once */
	int access_log;            /* 1: JSON access log lines on stdout */
	/* Hostile clients (docs/RELIABILITY.md): open connections per client
	 * address (0: no limit), and requests per rate-window-s on the
	 * expensive routes (0: not limited). */
	int conns_per_address;
	int rate_window_s;
	int rate_login;     /* per username; 4x per address */
	int rate_search;    /* per account; 4x per address */
	int rate_import;    /* per account; 4x per address */
	int rate_labels;    /* per account; 4x per address */
	int rate_scan;      /* QR / GS1 resolves per address */
	int rate_scan_miss; /* resolves of unknown or forged codes per address */
	int rate_report;      /* faults reported from nameplate pages per address */
	int rate_report_code; /* faults reported per identification code */
	/* /metrics: "" serves it to loopback clients only; otherwise it wants
	 * "Authorization: Bearer <metrics_token>" from anywhere. */
	char metrics_token[128];
	/* Notifications (issue 18): the providers' JSON file ("" = in-app
	 * only), and how often each provider's lane looks for due deliveries
	 * (0: lanes off; tests drive them). */
	char channels_file[512];
	int delivery_interval_ms;
	/* Remote assistance (issue 19): STUN/TURN servers given to the calls
	 * (comma-separated URIs, "" = none), the TURN REST API shared secret's
	 * file, the credentials' lifetime, whether media must go through the
	 * relay, and how long an offer rings before the next expert. */
	char turn_uris[1024];
	char stun_uris[1024];
	char turn_secret_file[512];
	int turn_ttl_s;
	int turn_relay_only;
	int assist_accept_min;
};

void config_defaults(struct config *cfg);
/* Applies "key = value" lines (keys as the long flags without "--", with
 * '-' or '_'); '#' starts a comment. Writes the reason to err on failure. */
int config_load_file(struct config *cfg, const char *path, char *err, size_t err_size);
/* Applies FIELDTRACE_LISTEN, FIELDTRACE_DB, ... from the environment. */
int config_load_env(struct config *cfg, char *err, size_t err_size);
/* Sets one key; 0 ok, -1 unknown key or bad value (reason in err). */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t err_size);
void config_print_keys(FILE *out); /* for `fieldtrace help` */

#endif
