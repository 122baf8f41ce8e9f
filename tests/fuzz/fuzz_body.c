/* JSON request bodies through validation, one route at a time: the first
 * input byte picks the route (low 7 bits) and whether the request carries
 * an Idempotency-Key (high bit); the rest is the body, sent as the admin
 * with Content-Type application/json. Where fuzz_json has to find a route
 * name first, this one spends every input on the body of the write routes
 * with the most to check: ticket intake and transitions, the offline
 * batch POST /v1/sync (each action dispatched again inside), knowledge
 * articles (create, edit, transitions, feedback), problems, GPS check-ins,
 * (as the technician ticket 1 is assigned to, who also sends transitions
 * and batches), webhooks, assets, warranty renewals and labels.
 * Each request is undone (the database is restored), so every input runs
 * against the demo data plus a draft article (4) and an open problem (1).
 * Oracles: fz_request's (never 5xx, JSON answers that parse). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "fuzz.h"

static const struct {
	const char *method, *path;
	int tech; /* as tech.sz, to whom ticket 1 is assigned (else the admin) */
} routes[] = {
	{ "POST", "/v1/tickets", 0 },
	{ "POST", "/v1/tickets/1/transitions", 0 },
	{ "POST", "/v1/sync", 0 },
	{ "POST", "/v1/kb/articles", 0 },
	{ "PATCH", "/v1/kb/articles/4", 0 },
	{ "POST", "/v1/kb/articles/3/transitions", 0 },
	{ "POST", "/v1/kb/articles/3/feedback", 0 },
	{ "PATCH", "/v1/problems/1", 0 },
	{ "POST", "/v1/tickets/1/checkins", 1 },
	{ "POST", "/v1/tickets/1/transitions", 1 },
	{ "POST", "/v1/sync", 1 },
	{ "POST", "/v1/webhooks", 0 },
	{ "POST", "/v1/assets", 0 },
	{ "PATCH", "/v1/assets/1", 0 },
	{ "POST", "/v1/assets/1/warranty/renewals", 0 },
	{ "POST", "/v1/labels", 0 },
};
static char tech_auth[200];
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const struct fz_policy policy = {
	.default_auth = "admin",
	.default_ctype = "application/json",
};

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_body: %s\n", why);
	abort();
}

/* Ticket 1 assigned to tech.sz (on duty), and tech.sz's token. */
static void assign_ticket_1(void)
{
	char token[160], body[64];
	sqlite3_stmt *st = NULL;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db_handle(fz_db()),
			       "SELECT id FROM users WHERE username = 'tech.sz'", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(body, sizeof(body), "{\"action\": \"assign\", \"assignee_id\": %lld}",
		 (long long)id);
	fz_token("tech.sz", token, sizeof(token));
	snprintf(tech_auth, sizeof(tech_auth), "Authorization: Bearer %s\n", token);
	if (fz_request_with(&policy, "POST /v1/tickets/1/transitions\n\n", (const uint8_t *)body,
			    strlen(body)) != 200)
		fail("cannot assign ticket 1 to tech.sz");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char problem[] =
	    "INSERT INTO problems (kind, fault_code, model_id, window_days, threshold, "
	    "opened_at, updated_at) VALUES ('model', 'E-CB-07', 1, 30, 3, 0, 0)";
	static const char draft[] = "{\"title\": \"Breaker\"}";
	char *err = NULL;
	size_t len;

	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP);
	if (sqlite3_exec(db_handle(fz_db()), problem, NULL, NULL, &err) != SQLITE_OK)
		fail(err ? err : "cannot add a problem");
	if (fz_request_with(&policy, "POST /v1/kb/articles\n\n", (const uint8_t *)draft,
			    strlen(draft)) != 201 ||
	    !strstr(fz_last_body(&len), "\"id\":4,"))
		fail("cannot add the draft article 4");
	assign_ticket_1();
	fz_snapshot();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char head[384];
	size_t r;

	if (size == 0)
		return 0;
	r = (data[0] & 0x7F) % N_ROUTES;
	snprintf(head, sizeof(head), "%s %s\n%s%s\n", routes[r].method, routes[r].path,
		 routes[r].tech ? tech_auth : "",
		 data[0] & 0x80 ? "Idempotency-Key: fuzz-0001\n" : "");
	fz_request_with(&policy, head, data + 1, size - 1);
	return 0;
}
