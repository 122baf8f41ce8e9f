/* The request headers the handlers parse themselves, on the routes that
 * read them: Accept (identity's content negotiation with qvalues,
 * analytics' text/csv), If-None-Match (identity's and attachments' entity
 * tag lists), Range and If-Range (attachment downloads) and If-Match
 * (assets, knowledge articles, problems, ticket transitions).
 * Input: the first byte picks the route; the rest is header lines in the
 * format of fuzz.h (up to the first empty line: the harness sends the
 * route's own body). The admin's token is sent unless the input has its
 * own Authorization.
 * Oracles, beside fz_request's: a GET answered 200 with an ETag, asked
 * again with that ETag as the first If-None-Match, answers 304 (whatever
 * else the headers say); an answer is never 412 when the first If-Match
 * is "*". */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "fuzz.h"

#define UUID "4f9c2e1a-8b7d-4c3e-9a51-0d2f6b8e7c14"

struct target {
	const char *method;
	char path[160];
	const char *body; /* NULL: none */
};

static struct target targets[] = {
	{ "GET", "", NULL }, /* /id/{code}, filled in at start */
	{ "GET", "", NULL }, /* /01/{gtin}/21/{serial} */
	{ "GET", "/v1/tickets/1/attachments/" UUID, NULL },
	{ "GET", "/v1/analytics/volume", NULL },
	{ "PATCH", "/v1/assets/1", "{\"warranty\": {\"months\": 36}}" },
	{ "PATCH", "/v1/kb/articles/4", "{\"title\": \"Breaker will not close\"}" },
	{ "PATCH", "/v1/problems/1", "{\"status\": \"investigating\"}" },
	{ "POST", "/v1/tickets/1/transitions", "{\"action\": \"assign\", \"assignee_id\": 5}" },
};
#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

static const struct fz_policy policy = {
	.default_auth = "admin",
	.default_ctype = "application/json",
};

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_headers: %s\n", why);
	abort();
}

/* A png signature and an IHDR: enough for the content check. */
static const uint8_t png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0,    0,    0,
			       13,   'I', 'H', 'D', 'R',  0,    0,    0,    1,    0,    0,
			       0,    1,   8,   6,   0,    0,    0,    0x1f, 0x15, 0xc4, 0x89 };

static void setup(void)
{
	static const char problem[] =
	    "INSERT INTO problems (kind, fault_code, model_id, window_days, threshold, "
	    "opened_at, updated_at) VALUES ('model', 'E-CB-07', 1, 30, 3, 0, 0)";
	sqlite3 *db = db_handle(fz_db());
	sqlite3_stmt *st = NULL;
	char *err = NULL;

	if (sqlite3_exec(db, problem, NULL, NULL, &err) != SQLITE_OK)
		fail(err ? err : "cannot add a problem");
	snprintf(targets[0].path, sizeof(targets[0].path), "/id/%s", fz_asset_code(1));
	if (sqlite3_prepare_v2(db,
			       "SELECT m.gtin, a.serial FROM assets a JOIN models m ON "
			       "m.id = a.model_id WHERE m.gtin IS NOT NULL AND m.gtin != '' "
			       "ORDER BY a.id LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		fail("no demo asset with a GTIN");
	snprintf(targets[1].path, sizeof(targets[1].path), "/01/%s/21/%s",
		 (const char *)sqlite3_column_text(st, 0),
		 (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (fz_request_with(&policy,
			    "PUT /v1/tickets/1/attachments/" UUID "\nContent-Type: image/png\n\n",
			    png, sizeof(png)) != 201)
		fail("cannot upload the attachment");
	/* A draft (the demo articles are published: edits answer 409 first). */
	if (fz_request_with(&policy, "POST /v1/kb/articles\n\n",
			    (const uint8_t *)"{\"title\": \"Breaker\"}", 20) != 201 ||
	    !strstr(fz_last_body(&(size_t){ 0 }), "\"id\":4,"))
		fail("cannot add the draft article 4");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP);
	setup();
	fz_snapshot();
	return 0;
}

/* The request line, extra (a header line or ""), the input's header
 * lines, then the route's body. */
static int send(const struct target *t, const char *extra, const uint8_t *data, size_t size)
{
	size_t blen = t->body ? strlen(t->body) : 0, n = 0;
	size_t hlen = strlen(t->method) + strlen(t->path) + strlen(extra) + 3;
	char *head = malloc(hlen);
	uint8_t *in = malloc(size + 2 + blen);
	int status = 0;

	if (head && in) {
		snprintf(head, hlen, "%s %s\n%s", t->method, t->path, extra);
		memcpy(in, data, size);
		n = size;
		if (size)
			in[n++] = '\n';
		if (blen) {
			in[n++] = '\n';
			memcpy(in + n, t->body, blen);
			n += blen;
		}
		status = fz_request_with(&policy, head, in, n);
	}
	free(head);
	free(in);
	return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct target *t;
	const uint8_t *blank;
	char etag[128], line[160];
	int status;

	if (size == 0)
		return 0;
	t = &targets[data[0] % N_TARGETS];
	data++;
	size--;
	/* Header lines only: the body is the route's own. */
	blank = NULL;
	for (size_t i = 0; i + 1 < size && !blank; i++)
		if (data[i] == '\n' &&
		    (data[i + 1] == '\n' ||
		     (data[i + 1] == '\r' && i + 2 < size && data[i + 2] == '\n')))
			blank = data + i;
	if (blank)
		size = (size_t)(blank - data);
	while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;

	status = send(t, "", data, size);
	if (status == 0)
		return 0;
	if (strcmp(t->method, "GET") == 0 && status == 200 &&
	    fz_last_header("ETag", etag, sizeof(etag))) {
		snprintf(line, sizeof(line), "If-None-Match: %s\n", etag);
		status = send(t, line, data, size);
		if (status != 304) {
			fprintf(stderr, "fuzz_headers: %s %s with If-None-Match: %s answered %d\n",
				t->method, t->path, etag, status);
			abort();
		}
	}
	if (strcmp(t->method, "GET") != 0 && send(t, "If-Match: *\n", data, size) == 412)
		fail("If-Match: * answered 412");
	return 0;
}
