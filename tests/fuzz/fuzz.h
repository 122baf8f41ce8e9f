/* What the libFuzzer harnesses in tests/fuzz/ share (tests/fuzz/support.c).
 *
 * The HTTP harnesses drive the real dispatcher (http_dispatch) with a fake
 * civetweb connection: the link wraps mg_get_header, mg_get_request_info,
 * mg_read, mg_write and mg_get_thread_pointer (-Wl,--wrap=..., see the
 * Makefile's fuzz section), so a request reaches routing, the query
 * parser, authentication, body parsing and the handler exactly as a
 * request from the network does, without sockets or TLS. getaddrinfo is
 * wrapped too, to numeric hosts only: webhook URLs never reach DNS.
 *
 * Request input format (what the seed corpora hold):
 *
 *   [METHOD ]target\n          e.g. "GET /v1/assets?limit=2"
 *   Name: value\n              zero or more header lines
 *   \n
 *   body                       the rest, any bytes
 *
 * Bytes civetweb would refuse before routing (control characters in the
 * request line or a header, a malformed header name) make the input
 * uninteresting (skipped), so every request fuzzed is one the server can
 * really receive. "@ADMIN@" in a header value is replaced by the demo
 * admin's access token.
 *
 * Oracles on every answer: no 5xx status (the project's rule: bad input is
 * a 4xx naming the field), and a JSON body that is valid JSON. */
#ifndef FT_FUZZ_H
#define FT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct db;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fz_flags {
	FZ_DB = 1u << 0,      /* a migrated database with the demo data set */
	FZ_HTTP = 1u << 1,    /* the dispatcher over it (implies FZ_DB) */
	FZ_RESTORE = 1u << 2, /* put the database back after a request wrote to it */
};

/* Once, from LLVMFuzzerInitialize: a temporary database (removed at exit)
 * migrated and loaded with the demo data, with a fixed QR key so label
 * codes are the same on every machine (the seed corpora hold real ones). */
void fz_init(unsigned flags);

/* A connection of its own to the database (FZ_DB). */
struct db *fz_db(void);

/* Logs a demo user in (FZ_HTTP, at start: Argon2 is slow) and copies its
 * access token, valid for the whole run, into token; returns token. */
const char *fz_token(const char *username, char *token, size_t size);

/* Takes the database as it is now as the state every request starts from
 * (FZ_HTTP): what FZ_RESTORE does at the end of fz_init, for harnesses
 * that add data of their own first. */
void fz_snapshot(void);

/* Per-harness request policy. */
struct fz_policy {
	const char *method;        /* forced method; NULL = take it from the input */
	const char *const *allow;  /* methods the input may name (NULL-terminated) */
	const char *prefix;        /* target must start with one of these '|'-separated */
	const char *default_auth;  /* non-NULL: the admin's token unless the input has one */
	const char *default_ctype; /* Content-Type added when the input has none */
	const char *const *deny;   /* target prefixes skipped (slow paths) */
};

/* Runs one request in the input format above; returns the HTTP status, or
 * 0 when the input was skipped. Aborts on a broken oracle. */
int fz_request(const struct fz_policy *pol, const uint8_t *data, size_t size);

/* The body of the last answer (borrowed until the next request). */
const char *fz_last_body(size_t *len);

/* The value of a header of the last answer copied into out (cut to
 * size), or NULL when it had none. */
const char *fz_last_header(const char *name, char *out, size_t size);

/* fz_request on head (a request line, header lines, ...) followed by
 * the input: for harnesses that fix part of the request themselves. */
int fz_request_with(const struct fz_policy *pol, const char *head, const uint8_t *data,
		    size_t size);

/* The current code of the demo asset with this id ("" when it has none). */
const char *fz_asset_code(int64_t asset_id);

#endif
