/* Test harness: each test (forked by Check) gets a fresh temporary
 * database, the real server started in-process on an ephemeral port, and
 * a libcurl client that verifies the dev CA. */
#ifndef FT_TEST_HARNESS_H
#define FT_TEST_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;
struct app;

struct harness {
	char dir[256];      /* temporary directory, removed at teardown */
	char db_path[320];
	char base[64];      /* "https://127.0.0.1:PORT" */
	int port;
	struct app *srv;
	struct db *db;      /* the test's own connection, for assertions */
};
extern struct harness H;

/* The password of every seeded user. */
#define TEST_PASSWORD "correct horse battery staple"

/* Called once in main() before forking: precomputes the seeded users'
 * password hash so each test does not pay for Argon2 again. */
void harness_global_init(void);

/* Checked fixture: fresh database (migrated, with the test region tree
 * CN > GD > {SZ, GZ}, CN > JS > NJ and centres C-SZ, C-GZ, C-NJ) and a
 * running server. */
void harness_setup(void);
void harness_teardown(void);
/* Stops and starts the server again on the same database. */
void harness_restart(void);
/* harness_restart with tune applied to the test configuration last
 * (tune may be NULL). */
void harness_restart_with(void (*tune)(struct config *));
/* The metrics-token the next start uses ("" by default: loopback only). */
extern char harness_metrics_token[128];

/* Inserts a user directly (region/centre may be NULL); returns its id. */
int64_t harness_seed_user(const char *username, const char *role, const char *region,
			  const char *centre);
/* Logs in with TEST_PASSWORD; returns the access token (caller frees). */
char *harness_login(const char *username);
/* seed + login in one step (caller frees). */
char *harness_user_token(const char *username, const char *role, const char *region,
			 const char *centre);
/* The id of the user with this username; asserts there is one. */
int64_t harness_user_id(const char *username);

/* Moves the clock so that today is date (YYYY-MM-DD) at noon UTC. */
void harness_set_today(const char *date);
/* A strategic customer's unit (asset 1, site 1, customer 1, model 1) in
 * Shenzhen, covered by C-SZ for switchgear: a P1 when its site is down. */
void harness_seed_sz_unit(void);

/* The dev CA, server certificate and key: $FIELDTRACE_TEST_CA, _CERT and
 * _KEY, or the files in certs/ (borrowed, never freed). */
const char *harness_ca_file(void);
const char *harness_cert_file(void);
const char *harness_key_file(void);
/* The server binary: $FIELDTRACE_BIN or build/fieldtrace (borrowed). */
const char *harness_bin(void);
/* Runs cmd with system(); returns its exit status, -1 when it did not exit. */
int harness_run(const char *cmd);
/* The whole file at path, NUL-terminated (owned); its length in *len when
 * len is not NULL. Fails the test when the file cannot be read. */
char *harness_read_file(const char *path, size_t *len);

/* SQL on the test's own connection (H.db). */
/* Runs one or more statements; aborts the test on an error. */
void exec_sql(const char *sql);
/* First column of the first row as an integer, -1 when there is no row;
 * aborts when sql does not prepare. */
int64_t count_rows(const char *sql);
/* First column of the first row as a new string (caller frees); NULL when
 * there is no row or the value is NULL. */
char *row_text(const char *sql);

/* JSON accessors (jansson); all borrow from obj and accept NULL. */
/* obj[key] as a string, NULL when absent or not a string. */
const char *jstr(const json_t *obj, const char *key);
/* obj[key] as an integer, 0 when absent or not an integer. */
json_int_t jint(const json_t *obj, const char *key);
/* obj[k1][k2]... down a NULL-terminated list of keys; NULL when absent. */
json_t *jpath(json_t *obj, ...) __attribute__((sentinel));
/* Length of an array, 0 when list is not one. */
long asize(const json_t *list);
/* Whether the array list holds the string s. */
int has_string(const json_t *list, const char *s);

struct http_result {
	long status;
	char *body;      /* NUL-terminated; owned */
	size_t body_len;
	char *headers;   /* raw header block; owned */
	json_t *json;    /* parsed body when it is JSON; owned */
};

/* Why the answers this test receives are not to be checked against
 * docs/openapi.json (tools/openapi/validate-responses.mjs), or NULL (the
 * default, reset by harness_setup). Only for a test that writes rows by SQL
 * that the API itself would refuse; the validator lists each reason. */
extern const char *harness_unchecked_reason;

/* Seconds a request may take (20); a test with long requests raises it
 * before it starts threads, and setup puts it back. */
extern long harness_http_timeout_s;

/* Makes one request. body may be NULL; content_type NULL means
 * application/json when there is a body. extra_headers is a NULL-terminated
 * list of "Name: value" or NULL. Returns the status (0 on transport error). */
long http_call(const char *method, const char *path, const char *token,
	       const char *content_type, const char *body, size_t body_len,
	       const char *const *extra_headers, struct http_result *out);
/* One part of a multipart/form-data body (curl_mime): a text field
 * (value) or a file (data, len, filename, type). */
struct form_part {
	const char *name, *value;
	const void *data;
	size_t len;
	const char *filename, *type;
};
long http_post_multipart(const char *path, const struct form_part *parts, size_t n,
			 const char *const *extra_headers, struct http_result *out);
/* JSON convenience: body_json may be NULL. */
long http_json(const char *method, const char *path, const char *token, const char *body_json,
	       struct http_result *out);
/* http_json with body (stolen; NULL sends none) dumped compactly. */
long http_send_json(const char *method, const char *path, const char *token, json_t *body,
		    struct http_result *out);
/* http_send_json for a request that must carry a body: asserts body is
 * not NULL (a json_pack that failed) instead of sending none. */
long http_send_body(const char *method, const char *path, const char *token, json_t *body,
		    struct http_result *out);
/* GET without a body. */
long http_get(const char *path, const char *token, struct http_result *out);
/* POST /v1/auth/login with this username and password. */
long http_login(const char *username, const char *password, struct http_result *out);
/* http_send_json that asserts the status is want and frees the answer;
 * returns its JSON (caller decrefs; NULL when the body is not JSON). */
json_t *http_expect_json(const char *method, const char *path, const char *token, json_t *body,
			 long want);
/* http_expect_json("GET", path, token, NULL, want). */
json_t *http_get_json(const char *path, const char *token, long want);
/* http_json that asserts the status is want; frees the answer. */
void http_expect(const char *method, const char *path, const char *token, const char *body_json,
		 long want);
/* http_json that asserts a 400 problem naming pointer (assert_problem);
 * frees the answer. */
void http_expect_invalid(const char *method, const char *path, const char *token,
			 const char *body_json, const char *pointer);
/* Value of a response header (case-insensitive name) copied into out;
 * returns out, or NULL when absent. */
const char *http_header(const struct http_result *r, const char *name, char *out, size_t size);
void http_result_free(struct http_result *r);

/* Raw TLS exchange for what curl will not send: writes request in pieces
 * of `chunk` bytes with `pause_ms` between them, then reads the answer
 * until the server closes or read_timeout_ms passes. Returns bytes read
 * into resp (NUL-terminated), -1 when the connection failed before any
 * answer. *closed tells whether the server closed the connection. */
long harness_raw(const char *request, size_t len, size_t chunk, int pause_ms,
		 int read_timeout_ms, char *resp, size_t resp_size, int *closed);

/* Asserts the answer is problem+json with this status and, when
 * pointer is not NULL, an errors entry naming it. */
void assert_problem(const struct http_result *r, long status, const char *pointer);

#endif
