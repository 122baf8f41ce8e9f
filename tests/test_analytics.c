/* Recurring problems and operations analytics over HTTPS: detection opens
 * one problem per factor above the threshold and none below, attaches
 * later tickets, never duplicates across runs and restarts, tells the
 * quality owners once; PATCH validation; every analytics figure checked
 * exactly on a hand-built month; scope; CSV; the monthly report, from the
 * command line and over HTTP. */
#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/analytics.h"
#include "db/analytics_store.h"
#include "core/clock.h"
#include "lib/csv.h"
#include "db/db.h"
#include "harness.h"
#include "domain/problems.h"
#include "suites.h"

static const char *const base_sql =
    "INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜'), ('rmu', '环网柜');"
    "INSERT INTO models(id, code, name, product_line, design_revision, created_at, updated_at)"
    " VALUES (1, 'KYN28-12', 'KYN28', 'switchgear', 'B', 0, 0),"
    " (2, 'XGN15', 'XGN15', 'rmu', '', 0, 0);"
    "INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at)"
    " VALUES (1, 'C1', '深圳供电局', 'A', 'SZ', 0, 0);";

/* One ticket: times in minutes after creation (-1 = not reached). */
struct tk {
	int id;
	const char *cat, *sub, *channel, *region, *centre, *prio, *status;
	int64_t created;
	int resp, arr, res, rdue, adue, resdue, sat;
	const char *fault; /* NULL: no work record */
	int arrives, reopens;
	int64_t asset_id, model_id;
};

static void add_ticket(const struct tk *t)
{
	char sql[2048], resp[24], arr[24], res[24], closed[24], sat[8], asset[24], model[24];
	int64_t c = t->created;

#define AT(buf, m)                                                                                 \
	((m) < 0 ? snprintf(buf, sizeof(buf), "NULL")                                              \
		 : snprintf(buf, sizeof(buf), "%lld", (long long)(c + (int64_t)(m)*60)))
	AT(resp, t->resp);
	AT(arr, t->arr);
	AT(res, t->res);
	AT(closed, strcmp(t->status, "closed") == 0 ? t->res + 60 : -1);
#undef AT
	snprintf(sat, sizeof(sat), t->sat ? "%d" : "NULL", t->sat);
	snprintf(asset, sizeof(asset), t->asset_id ? "%lld" : "NULL", (long long)t->asset_id);
	snprintf(model, sizeof(model), t->model_id ? "%lld" : "NULL", (long long)t->model_id);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO tickets(id, channel, category, subcategory, status, title, impact,"
		 " urgency, priority, customer_tier, asset_id, customer_id, region_path, model_id,"
		 " product_line, warranty_status, billable, centre_code, response_due, arrival_due,"
		 " resolution_due, responded_at, arrived_at, resolved_at, closed_at, satisfaction,"
		 " created_at, updated_at) VALUES (%d, '%s', '%s', '%s', '%s', 't', 'unit', 'low',"
		 " '%s', 'A', %s, 1, '%s', %s, 'switchgear', 'none', 0, '%s', %lld, %lld, %lld, %s,"
		 " %s, %s, %s, %s, %lld, %lld)",
		 t->id, t->channel, t->cat, t->sub, t->status, t->prio, asset, t->region, model,
		 t->centre, (long long)(c + (int64_t)t->rdue * 60),
		 (long long)(c + (int64_t)t->adue * 60), (long long)(c + (int64_t)t->resdue * 60),
		 resp, arr, res, closed, sat, (long long)c, (long long)c);
	exec_sql(sql);
	for (int i = 0; i < t->arrives + t->reopens; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO ticket_events(ticket_id, seq, at, action, to_status)"
			 " VALUES (%d, %d, %lld, '%s', '%s')",
			 t->id, i + 1, (long long)c + i, i < t->arrives ? "arrive" : "reopen",
			 i < t->arrives ? "on_site" : "reopened");
		exec_sql(sql);
	}
	if (t->fault) {
		sqlite3_stmt *st;

		ck_assert_int_eq(
		    sqlite3_prepare_v2(
			db_handle(H.db),
			"INSERT INTO ticket_work(ticket_id, fault_code, cause, actions,"
			" minutes_spent, recorded_at) VALUES (?1, ?2, 'c', 'a', 30, 0)",
			-1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_int(st, 1, t->id);
		sqlite3_bind_text(st, 2, t->fault, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
}

/* ---- problems ----------------------------------------------------------------- */

#define DAY 86400

/* Units: 1-3 of model 1 revision B, batch B1, breaker lot L7; 4 revision A,
 * batch B2, lot L8; 5 revision A, batch B3, lot L9; 6 model 2, batch B1. */
static void seed_units(void)
{
	exec_sql(base_sql);
	exec_sql("INSERT INTO assets(id, serial, model_id, design_revision, batch, region_path,"
		 " customer_id, created_at, updated_at) VALUES"
		 " (1, 'U1', 1, 'B', 'B1', '/CN/GD/SZ/', 1, 0, 0),"
		 " (2, 'U2', 1, 'B', 'B1', '/CN/GD/SZ/', 1, 0, 0),"
		 " (3, 'U3', 1, 'B', 'B1', '/CN/GD/GZ/', 1, 0, 0),"
		 " (4, 'U4', 1, 'A', 'B2', '/CN/GD/SZ/', 1, 0, 0),"
		 " (5, 'U5', 1, 'A', 'B3', '/CN/JS/NJ/', 1, 0, 0),"
		 " (6, 'U6', 2, '', 'B1', '/CN/JS/NJ/', 1, 0, 0);"
		 "INSERT INTO asset_components(asset_id, part_number, lot, installed_at) VALUES"
		 " (1, 'CB-100', 'L7', 0), (2, 'CB-100', 'L7', 0), (3, 'CB-100', 'L7', 0),"
		 " (4, 'CB-100', 'L8', 0), (5, 'CB-100', 'L9', 0), (6, 'CB-200', 'L7', 0);"
		 "UPDATE problem_settings SET run_every_minutes = 0;");
}

/* A resolved ticket with fault on unit, resolved `ago` days before now. */
static void fault_ticket(int id, int64_t asset, int64_t model, const char *fault, int64_t ago)
{
	int64_t now = clock_now();
	struct tk t = { id,
			"fault_repair",
			"repair",
			"app",
			"/CN/GD/SZ/",
			"C-SZ",
			"P3",
			"resolved",
			now - ago * DAY - 3600,
			10,
			20,
			30,
			60,
			120,
			240,
			0,
			fault,
			1,
			0,
			asset,
			model };

	add_ticket(&t);
}

static int64_t problem_id(const char *kind)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(max(id), 0) FROM problems WHERE kind = '%s' AND status != "
		 "'closed'",
		 kind);
	return count_rows(sql);
}

START_TEST(detection_opens_one_problem_per_factor_above_the_threshold)
{
	int64_t admin, cn, lot, rev;
	char *token = harness_user_token("quality", "admin", NULL, NULL);
	json_t *doc, *f;

	admin = count_rows("SELECT id FROM users WHERE username = 'quality'");
	harness_seed_user("supervisor.cn", "supervisor", "CN", NULL);
	harness_seed_user("supervisor.gd", "supervisor", "GD", NULL);
	cn = count_rows("SELECT id FROM users WHERE username = 'supervisor.cn'");
	seed_units();
	/* E101 on lot L7 three times: one lot problem, nothing for batch B1,
	 * revision B or the model (the same tickets). */
	fault_ticket(1, 1, 1, "E101", 5);
	fault_ticket(2, 2, 1, "E101", 10);
	fault_ticket(3, 3, 1, "E101", 20);
	/* E101 on revision A (units 4, 4, 5): lots L8 x2, L9, batches B2 x2, B3
	 * stay below; the revision reaches three. */
	fault_ticket(4, 4, 1, "E101", 3);
	fault_ticket(5, 4, 1, "E101", 4);
	fault_ticket(6, 5, 1, "E101", 6);
	/* Below the threshold: E202 twice; E101 on model 2 once (lot L7 of
	 * another part); outside the window: E303 three times 100 days ago. */
	fault_ticket(7, 1, 1, "E202", 1);
	fault_ticket(8, 2, 1, "E202", 1);
	fault_ticket(9, 6, 2, "E101", 1);
	fault_ticket(10, 1, 1, "E303", 100);
	fault_ticket(11, 2, 1, "E303", 100);
	fault_ticket(12, 3, 1, "E303", 100);

	ck_assert_int_eq(problems_detect_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 2);
	lot = problem_id("lot");
	rev = problem_id("revision");
	ck_assert_int_gt(lot, 0);
	ck_assert_int_gt(rev, 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problem_tickets"), 6);

	/* Told once each: the admin and the national supervisor, not GD's. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"
				    " WHERE kind = 'problem.opened'"),
			 4);
	{
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM notifications WHERE kind = 'problem.opened'"
			 " AND user_id IN (%lld, %lld)",
			 (long long)admin, (long long)cn);
		ck_assert_int_eq(count_rows(sql), 4);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'problem.open'"),
			 2);

	/* The record: factor, tickets, units. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/v1/problems/%lld", (long long)lot);
		doc = http_get_json(path, token, 200);
	}
	f = json_object_get(doc, "factor");
	ck_assert_str_eq(json_string_value(json_object_get(f, "kind")), "lot");
	ck_assert_str_eq(json_string_value(json_object_get(f, "fault_code")), "E101");
	ck_assert_str_eq(json_string_value(json_object_get(f, "lot")), "L7");
	ck_assert_str_eq(json_string_value(json_object_get(f, "part_number")), "CB-100");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "open");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "ticket_count")), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "tickets")), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "assets")), 3);
	json_decref(doc);
	{
		char path[64];

		snprintf(path, sizeof(path), "/v1/problems/%lld", (long long)rev);
		doc = http_get_json(path, token, 200);
	}
	f = json_object_get(doc, "factor");
	ck_assert_str_eq(json_string_value(json_object_get(f, "design_revision")), "A");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "model"), "code")),
			 "KYN28-12");
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "assets")), 2);
	json_decref(doc);

	doc = http_get_json("/v1/problems?status=open", token, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 2);
	json_decref(doc);
	free(token);
}
END_TEST

START_TEST(detection_attaches_later_tickets_and_never_duplicates)
{
	int64_t lot;

	harness_seed_user("quality", "admin", NULL, NULL);
	seed_units();
	fault_ticket(1, 1, 1, "E101", 5);
	fault_ticket(2, 2, 1, "E101", 10);
	fault_ticket(3, 3, 1, "E101", 20);
	ck_assert_int_eq(problems_detect_run(H.db, clock_now()), ERR_OK);
	lot = problem_id("lot");
	ck_assert_int_gt(lot, 0);

	/* Again, and after a restart: nothing new. */
	ck_assert_int_eq(problems_detect_run(H.db, clock_now()), ERR_OK);
	harness_restart();
	ck_assert_int_eq(problems_detect_run(H.db, clock_now() + 60), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problem_tickets"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 1);

	/* A fourth ticket on the lot joins the open problem, telling no one. */
	fault_ticket(4, 1, 1, "E101", 0);
	ck_assert_int_eq(problems_detect_run(H.db, clock_now() + 120), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 1);
	ck_assert_int_eq(count_rows("SELECT ticket_count FROM problems"), 4);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problem_tickets WHERE ticket_id = 4"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 1);

	/* The unique index on the open factor is the last guard. */
	{
		char *err = NULL;

		ck_assert_int_ne(
		    sqlite3_exec(db_handle(H.db),
				 "INSERT INTO problems(kind, fault_code, value,"
				 " part_number, window_days, threshold, opened_at,"
				 " updated_at) VALUES ('lot', 'E101', 'L7', 'CB-100', 90,"
				 " 3, 0, 0)",
				 NULL, NULL, &err),
		    SQLITE_OK);
		sqlite3_free(err);
	}

	/* Closed: its tickets never reopen it; three new ones open a new one. */
	exec_sql("UPDATE problems SET status = 'closed', corrective_action = 'x', closed_at = 1");
	ck_assert_int_eq(problems_detect_run(H.db, clock_now() + 180), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 1);
	fault_ticket(5, 1, 1, "E101", 0);
	fault_ticket(6, 2, 1, "E101", 0);
	ck_assert_int_eq(problems_detect_run(H.db, clock_now() + 240), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 1);
	fault_ticket(7, 3, 1, "E101", 0);
	ck_assert_int_eq(problems_detect_run(H.db, clock_now() + 300), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 2);
}
END_TEST

START_TEST(detection_is_paced_and_tells_the_configured_owners)
{
	int64_t now = clock_now(), owner;

	harness_seed_user("admin", "admin", NULL, NULL);
	harness_seed_user("quality.lead", "technician", "SZ", NULL);
	owner = count_rows("SELECT id FROM users WHERE username = 'quality.lead'");
	seed_units();
	{
		char sql[128];

		snprintf(sql, sizeof(sql), "INSERT INTO quality_owners VALUES (%lld)",
			 (long long)owner);
		exec_sql(sql);
	}
	exec_sql("UPDATE problem_settings SET run_every_minutes = 60");
	fault_ticket(1, 1, 1, "E101", 5);
	fault_ticket(2, 2, 1, "E101", 10);
	ck_assert_int_eq(problems_detect_run(H.db, now), ERR_OK);
	fault_ticket(3, 3, 1, "E101", 0);
	/* Within the hour: not yet. */
	ck_assert_int_eq(problems_detect_run(H.db, now + 1800), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 0);
	ck_assert_int_eq(problems_detect_run(H.db, now + 3600), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM problems"), 1);
	{
		char sql[160];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM notifications WHERE user_id = %lld",
			 (long long)owner);
		ck_assert_int_eq(count_rows(sql), 1);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notifications"), 1);
}
END_TEST

START_TEST(problem_patch_validates_and_audits)
{
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	char *sup = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t owner = count_rows("SELECT id FROM users WHERE username = 'supervisor.gd'");
	struct http_result r;
	char body[256], etag[64];
	const char *hdr[] = { "If-Match: \"v1\"", NULL };
	const char *stale[] = { "If-Match: \"v1\"", NULL };
	const char *weak[] = { "If-Match: W/\"v2\"", NULL };
	const char *listed[] = { "If-Match: \"v1\", \"v2\"", NULL };
	const char *malformed[] = { "If-Match: \"v2\" \"v3\"", NULL };
	const char *star_in_list[] = { "If-Match: \"v1\", *", NULL };

	seed_units();
	fault_ticket(1, 1, 1, "E101", 5);
	fault_ticket(2, 2, 1, "E101", 10);
	fault_ticket(3, 3, 1, "E101", 20);
	ck_assert_int_eq(problems_detect_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT id FROM problems"), 1);

	http_json("PATCH", "/v1/problems/1", admin, "{\"colour\": \"red\"}", &r);
	assert_problem(&r, 400, "/colour");
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/1", admin, "{}", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/1", admin, "{\"status\": \"solved\"}", &r);
	assert_problem(&r, 400, "/status");
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/1", admin, "{\"owner_id\": 999999}", &r);
	assert_problem(&r, 400, "/owner_id");
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/1", admin, "{\"status\": \"closed\"}", &r);
	assert_problem(&r, 400, "/corrective_action");
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/1", admin, "{\"corrective_action\": \"a\\u0001b\"}", &r);
	assert_problem(&r, 400, "/corrective_action");
	http_result_free(&r);
	/* White space alone says nothing was done. */
	http_json("PATCH", "/v1/problems/1", admin,
		  "{\"status\": \"corrective_action\", \"corrective_action\": \" \\n \"}", &r);
	assert_problem(&r, 400, "/corrective_action");
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/1", tech, "{\"status\": \"investigating\"}", &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_json("PATCH", "/v1/problems/99", admin, "{\"status\": \"investigating\"}", &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	/* Nothing of that was stored. */
	ck_assert_int_eq(count_rows("SELECT version FROM problems WHERE id = 1"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = "
				    "'problem.update'"),
			 0);

	snprintf(body, sizeof(body), "{\"owner_id\": %lld, \"status\": \"investigating\"}",
		 (long long)owner);
	ck_assert_int_eq(
	    http_call("PATCH", "/v1/problems/1", sup, NULL, body, strlen(body), hdr, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "investigating");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(r.json, "owner"), "username")),
	    "supervisor.gd");
	ck_assert_str_eq(http_header(&r, "ETag", etag, sizeof(etag)), "\"v2\"");
	http_result_free(&r);
	/* A stale If-Match: 412, nothing changed; the current tag weak, too
	 * (strong comparison). In a list with others, the current tag goes. */
	snprintf(body, sizeof(body), "{\"status\": \"open\"}");
	ck_assert_int_eq(
	    http_call("PATCH", "/v1/problems/1", sup, NULL, body, strlen(body), stale, &r), 412);
	/* With the problem as it is and its tag, to merge and retry. */
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(r.json, "current"), "version")), 2);
	ck_assert_str_eq(http_header(&r, "ETag", etag, sizeof(etag)), "\"v2\"");
	http_result_free(&r);
	ck_assert_int_eq(
	    http_call("PATCH", "/v1/problems/1", sup, NULL, body, strlen(body), weak, &r), 412);
	http_result_free(&r);
	/* A malformed field names nothing, so it lets no write through. */
	ck_assert_int_eq(
	    http_call("PATCH", "/v1/problems/1", sup, NULL, body, strlen(body), malformed, &r),
	    412);
	http_result_free(&r);
	ck_assert_int_eq(
	    http_call("PATCH", "/v1/problems/1", sup, NULL, body, strlen(body), star_in_list, &r),
	    412);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = "
				    "'problem.update'"),
			 1);
	ck_assert_int_eq(
	    http_call("PATCH", "/v1/problems/1", sup, NULL, body, strlen(body), listed, &r), 200);
	ck_assert_str_eq(http_header(&r, "ETag", etag, sizeof(etag)), "\"v3\"");
	http_result_free(&r);
	snprintf(body, sizeof(body),
		 "{\"status\": \"closed\", \"corrective_action\": \"Lot L7 breakers recalled;"
		 " supplier changed the spring.\"}");
	ck_assert_int_eq(http_json("PATCH", "/v1/problems/1", admin, body, &r), 200);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r.json, "closed_at")));
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = "
				    "'problem.update'"),
			 3);
	/* Closed is final. */
	http_json("PATCH", "/v1/problems/1", admin, "{\"status\": \"open\"}", &r);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	/* Lists: by status, and who may read. */
	{
		json_t *doc = http_get_json("/v1/problems?status=closed", sup, 200);

		ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 1);
		json_decref(doc);
	}
	http_json("GET", "/v1/problems?status=gone", admin, NULL, &r);
	assert_problem(&r, 400, "status");
	http_result_free(&r);
	http_json("GET", "/v1/problems", tech, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	free(admin);
	free(sup);
	free(tech);
}
END_TEST

/* ---- analytics ------------------------------------------------------------------ */

/* T0 = Monday 2026-03-02 00:00 in China Standard Time. */
static int64_t t0(void)
{
	int64_t t;

	ck_assert_int_eq(clock_parse("2026-03-01T16:00:00Z", &t), 0);
	return t;
}

#define M 60
#define FAR (60 * 24 * 365 * 60) /* minutes: deadlines decades ahead */

/* March 2026: eight tickets (one more in February). See the expectations
 * in each test; minutes after creation. */
static void seed_month(void)
{
	int64_t t = t0();
	const struct tk tickets[] = {
		{ 1,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P2",
		  "closed",
		  t + 60 * M,
		  10,
		  60,
		  120,
		  30,
		  90,
		  180,
		  5,
		  "E1",
		  1,
		  0,
		  0,
		  1 },
		{ 2,
		  "fault_repair",
		  "repair",
		  "hotline",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P2",
		  "closed",
		  t + 120 * M,
		  20,
		  100,
		  200,
		  30,
		  90,
		  180,
		  4,
		  "E1",
		  2,
		  0,
		  0,
		  1 },
		{ 3,
		  "service_request",
		  "maintenance",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P3",
		  "resolved",
		  t + 180 * M,
		  40,
		  80,
		  170,
		  30,
		  90,
		  180,
		  0,
		  "E2",
		  2,
		  1,
		  0,
		  1 },
		{ 4,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P1",
		  "en_route",
		  t + 240 * M,
		  30,
		  -1,
		  -1,
		  30,
		  90,
		  180,
		  0,
		  NULL,
		  0,
		  0,
		  0,
		  1 },
		{ 5,
		  "other",
		  "consultation",
		  "web",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P4",
		  "cancelled",
		  t + 300 * M,
		  -1,
		  -1,
		  -1,
		  30,
		  90,
		  180,
		  0,
		  NULL,
		  0,
		  0,
		  0,
		  0 },
		{ 6,
		  "fault_repair",
		  "repair",
		  "wechat",
		  "/CN/GD/GZ/",
		  "C-GZ",
		  "P2",
		  "closed",
		  t + 1440 * M,
		  50,
		  70,
		  300,
		  60,
		  90,
		  180,
		  2,
		  "E1",
		  1,
		  0,
		  0,
		  2 },
		{ 7,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/JS/NJ/",
		  "C-NJ",
		  "P4",
		  "follow_up",
		  t + 8 * 1440 * M,
		  60,
		  120,
		  240,
		  240,
		  480,
		  1440,
		  0,
		  "E3, \"x\"",
		  1,
		  0,
		  0,
		  1 },
		{ 8,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P2",
		  "closed",
		  t - 5 * 1440 * M,
		  10,
		  20,
		  30,
		  30,
		  90,
		  180,
		  1,
		  "E9",
		  1,
		  0,
		  0,
		  1 },
		{ 9,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P4",
		  "assigned",
		  t + 18 * 1440 * M,
		  -1,
		  -1,
		  -1,
		  FAR,
		  FAR,
		  FAR,
		  0,
		  NULL,
		  0,
		  0,
		  0,
		  1 },
	};

	exec_sql(base_sql);
	for (size_t i = 0; i < sizeof(tickets) / sizeof(tickets[0]); i++)
		add_ticket(&tickets[i]);
	/* Warranties ending in March: unit 1 (not renewed), 2 (renewed), 5 in
	 * Nanjing; unit 3 ends in April, unit 4 was renewed from February. */
	exec_sql("INSERT INTO assets(id, serial, model_id, region_path, customer_id,"
		 " warranty_start, warranty_months, warranty_end, created_at, updated_at) VALUES"
		 " (1, 'W1', 1, '/CN/GD/SZ/', 1, '2024-03-10', 24, '2026-03-10', 0, 0),"
		 " (2, 'W2', 1, '/CN/GD/SZ/', 1, '2024-03-20', 36, '2027-03-20', 0, 0),"
		 " (3, 'W3', 2, '/CN/GD/SZ/', 1, '2024-04-15', 24, '2026-04-15', 0, 0),"
		 " (4, 'W4', 1, '/CN/GD/GZ/', 1, '2024-02-10', 36, '2027-02-10', 0, 0),"
		 " (5, 'W5', 2, '/CN/JS/NJ/', 1, '2024-03-05', 24, '2026-03-05', 0, 0);"
		 "INSERT INTO warranty_renewals(asset_id, months, contract_number, previous_end,"
		 " new_end, created_at) VALUES (2, 12, 'K1', '2026-03-20', '2027-03-20', 0),"
		 " (4, 12, 'K2', '2026-02-10', '2027-02-10', 0);");
}

#define MARCH "from=2026-03-01&to=2026-03-31"

static const json_t *item(const json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "items"), i);
}

static json_int_t ival(const json_t *row, const char *name)
{
	const json_t *v = json_object_get(row, name);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", name);
	return json_integer_value(v);
}

static double rval(const json_t *row, const char *name)
{
	const json_t *v = json_object_get(row, name);

	ck_assert_msg(json_is_number(v), "%s is not a number", name);
	return json_number_value(v);
}

static const char *sval(const json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	ck_assert_msg(s != NULL, "%s is not a string", name);
	return s;
}

START_TEST(volume_by_dimension_and_period)
{
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	json_t *doc;

	seed_month();
	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all", admin, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 1);
	ck_assert_int_eq(ival(item(doc, 0), "count"), 8);
	json_decref(doc);

	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all&by=category", admin, 200);
	ck_assert_str_eq(sval(item(doc, 0), "category"), "fault_repair");
	ck_assert_int_eq(ival(item(doc, 0), "count"), 6);
	ck_assert_str_eq(sval(item(doc, 1), "category"), "other");
	ck_assert_int_eq(ival(item(doc, 1), "count"), 1);
	ck_assert_str_eq(sval(item(doc, 2), "category"), "service_request");
	json_decref(doc);

	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=week", admin, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 3);
	ck_assert_str_eq(sval(item(doc, 0), "period"), "2026-03-02");
	ck_assert_int_eq(ival(item(doc, 0), "count"), 6);
	ck_assert_str_eq(sval(item(doc, 1), "period"), "2026-03-09");
	ck_assert_str_eq(sval(item(doc, 2), "period"), "2026-03-16");
	json_decref(doc);

	/* Days are local: ticket 6 at 00:00 CST on 3 March is the 3rd. */
	doc = http_get_json("/v1/analytics/volume?" MARCH "&by=centre", admin, 200);
	ck_assert_str_eq(sval(item(doc, 0), "period"), "2026-03-02");
	ck_assert_str_eq(sval(item(doc, 0), "centre"), "C-SZ");
	ck_assert_int_eq(ival(item(doc, 0), "count"), 5);
	ck_assert_str_eq(sval(item(doc, 1), "period"), "2026-03-03");
	ck_assert_str_eq(sval(item(doc, 1), "centre"), "C-GZ");
	json_decref(doc);

	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=month&by=region", admin, 200);
	ck_assert_str_eq(sval(item(doc, 0), "period"), "2026-03");
	ck_assert_str_eq(sval(item(doc, 0), "region"), "GZ");
	ck_assert_str_eq(sval(item(doc, 2), "region"), "SZ");
	ck_assert_int_eq(ival(item(doc, 2), "count"), 6);
	json_decref(doc);

	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all&by=model", admin, 200);
	ck_assert_str_eq(sval(item(doc, 0), "model"), "");
	ck_assert_str_eq(sval(item(doc, 1), "model"), "KYN28-12");
	ck_assert_int_eq(ival(item(doc, 1), "count"), 6);
	ck_assert_str_eq(sval(item(doc, 2), "model"), "XGN15");
	json_decref(doc);
	free(admin);
}
END_TEST

START_TEST(times_sla_ftf_satisfaction_renewals_faults_exactly)
{
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	json_t *doc;
	const json_t *row;

	seed_month();
	/* Response 10 20 30 40 50 60: median (3rd) 30, p90 (6th) 60.
	 * Arrival 60 70 80 100 120: 80, 120. Resolution 120 170 200 240 300. */
	doc = http_get_json("/v1/analytics/times?" MARCH, admin, 200);
	row = item(doc, 0);
	ck_assert_int_eq(ival(row, "response_count"), 6);
	ck_assert_double_eq(rval(row, "response_median_minutes"), 30);
	ck_assert_double_eq(rval(row, "response_p90_minutes"), 60);
	ck_assert_int_eq(ival(row, "arrival_count"), 5);
	ck_assert_double_eq(rval(row, "arrival_median_minutes"), 80);
	ck_assert_double_eq(rval(row, "arrival_p90_minutes"), 120);
	ck_assert_double_eq(rval(row, "resolution_median_minutes"), 200);
	ck_assert_double_eq(rval(row, "resolution_p90_minutes"), 300);
	json_decref(doc);
	doc = http_get_json("/v1/analytics/times?" MARCH "&by=centre", admin, 200);
	row = item(doc, 2); /* C-SZ: 10 20 30 40 */
	ck_assert_str_eq(sval(row, "centre"), "C-SZ");
	ck_assert_double_eq(rval(row, "response_median_minutes"), 20);
	ck_assert_double_eq(rval(row, "response_p90_minutes"), 40);
	json_decref(doc);

	/* SLA (cancelled 5 left out; 9 pending): response 5 met, 1 late (3);
	 * arrival 4 met, 2 late (2, 4 never arrived); resolution 3 met, 3 late. */
	doc = http_get_json("/v1/analytics/sla?" MARCH, admin, 200);
	row = item(doc, 0);
	ck_assert_int_eq(ival(row, "response_met"), 5);
	ck_assert_int_eq(ival(row, "response_breached"), 1);
	ck_assert_int_eq(ival(row, "response_pending"), 1);
	ck_assert_double_eq_tol(rval(row, "response_compliance"), 0.8333, 1e-9);
	ck_assert_int_eq(ival(row, "arrival_met"), 4);
	ck_assert_int_eq(ival(row, "arrival_breached"), 2);
	ck_assert_double_eq_tol(rval(row, "arrival_compliance"), 0.6667, 1e-9);
	ck_assert_int_eq(ival(row, "resolution_met"), 3);
	ck_assert_int_eq(ival(row, "resolution_breached"), 3);
	ck_assert_double_eq_tol(rval(row, "resolution_compliance"), 0.5, 1e-9);
	json_decref(doc);

	/* First-time fix: resolved 1 2 3 6 7; 2 had two visits, 3 was reopened. */
	doc = http_get_json("/v1/analytics/first-time-fix?" MARCH, admin, 200);
	row = item(doc, 0);
	ck_assert_int_eq(ival(row, "resolved"), 5);
	ck_assert_int_eq(ival(row, "first_time_fixed"), 3);
	ck_assert_double_eq_tol(rval(row, "first_time_fix_rate"), 0.6, 1e-9);
	json_decref(doc);

	/* Satisfaction: scores 5, 4, 2 of 5 resolved. */
	doc = http_get_json("/v1/analytics/satisfaction?" MARCH, admin, 200);
	row = item(doc, 0);
	ck_assert_int_eq(ival(row, "resolved"), 5);
	ck_assert_int_eq(ival(row, "closed"), 3);
	ck_assert_int_eq(ival(row, "rated"), 3);
	ck_assert_double_eq_tol(rval(row, "average"), 3.67, 1e-9);
	ck_assert_int_eq(ival(row, "score_1"), 0);
	ck_assert_int_eq(ival(row, "score_2"), 1);
	ck_assert_int_eq(ival(row, "score_4"), 1);
	ck_assert_int_eq(ival(row, "score_5"), 1);
	ck_assert_double_eq_tol(rval(row, "follow_up_coverage"), 0.6, 1e-9);
	json_decref(doc);

	/* Renewals: units 1, 2, 5 ended in March; 2 renewed. */
	doc = http_get_json("/v1/analytics/warranty-renewals?" MARCH, admin, 200);
	row = item(doc, 0);
	ck_assert_int_eq(ival(row, "units_ended"), 3);
	ck_assert_int_eq(ival(row, "renewed"), 1);
	ck_assert_double_eq_tol(rval(row, "renewal_rate"), 0.3333, 1e-9);
	json_decref(doc);
	doc = http_get_json("/v1/analytics/warranty-renewals?" MARCH "&by=region", admin, 200);
	ck_assert_str_eq(sval(item(doc, 0), "region"), "NJ");
	ck_assert_str_eq(sval(item(doc, 1), "region"), "SZ");
	ck_assert_double_eq_tol(rval(item(doc, 1), "renewal_rate"), 0.5, 1e-9);
	json_decref(doc);

	/* Fault codes: E1 three times of five (E9 was in February). */
	doc = http_get_json("/v1/analytics/fault-codes?" MARCH "&limit=2", admin, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 2);
	ck_assert_str_eq(sval(item(doc, 0), "fault_code"), "E1");
	ck_assert_int_eq(ival(item(doc, 0), "count"), 3);
	ck_assert_double_eq_tol(rval(item(doc, 0), "share"), 0.6, 1e-9);
	ck_assert_str_eq(sval(item(doc, 1), "fault_code"), "E2");
	json_decref(doc);
	free(admin);
}
END_TEST

START_TEST(analytics_scope_and_validation)
{
	char *gz = harness_user_token("dispatcher.gz", "dispatcher", "GZ", "C-GZ");
	char *gd = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	struct http_result r;
	json_t *doc;
	static const char *const bad[][2] = {
		{ "/v1/analytics/volume?by=colour", "by" },
		{ "/v1/analytics/volume?interval=year", "interval" },
		{ "/v1/analytics/volume?from=yesterday", "from" },
		{ "/v1/analytics/volume?from=2026-03-10&to=2026-03-01", "to" },
		{ "/v1/analytics/volume?from=2020-01-01&to=2026-01-01", "from" },
		{ "/v1/analytics/fault-codes?limit=0", "limit" },
		{ "/v1/analytics/sla?format=xml", "format" },
		{ "/v1/analytics/sla?region=XX", "region" },
		{ "/v1/analytics/sla?centre=C-XX", "centre" },
		{ "/v1/analytics/warranty-renewals?by=channel", "by" },
		{ "/v1/analytics/times?colour=red", NULL },
	};

	seed_month();
	/* The Guangzhou dispatcher sees Guangzhou's ticket only. */
	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all", gz, 200);
	ck_assert_int_eq(ival(item(doc, 0), "count"), 1);
	json_decref(doc);
	doc = http_get_json("/v1/analytics/fault-codes?" MARCH, gz, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 1);
	json_decref(doc);
	http_json("GET", "/v1/analytics/volume?centre=C-SZ", gz, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	/* Guangdong's supervisor: Shenzhen and Guangzhou, not Nanjing. */
	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all&by=region", gd, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 2);
	json_decref(doc);
	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all&region=SZ", gd, 200);
	ck_assert_int_eq(ival(item(doc, 0), "count"), 6);
	json_decref(doc);
	http_json("GET", "/v1/analytics/volume?region=JS", gd, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	doc = http_get_json("/v1/analytics/warranty-renewals?" MARCH, gd, 200);
	ck_assert_int_eq(ival(item(doc, 0), "units_ended"), 2);
	json_decref(doc);
	/* Product line filter. */
	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all&product_line=rmu", admin,
			    200);
	ck_assert_int_eq(ival(item(doc, 0), "count"), 0);
	json_decref(doc);
	http_json("GET", "/v1/analytics/volume", tech, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		http_json("GET", bad[i][0], admin, NULL, &r);
		ck_assert_msg(r.status == 400, "%s: %ld", bad[i][0], r.status);
		assert_problem(&r, 400, bad[i][1]);
		http_result_free(&r);
	}
	free(gz);
	free(gd);
	free(tech);
	free(admin);
}
END_TEST

/* A region or centre outside the caller's scope is 403 naming the
 * parameter on every metric, for a supervisor and for a dispatcher alike
 * (the dispatcher's used to answer an empty 200); their own is 200. */
START_TEST(analytics_filter_outside_scope_is_403_naming_it)
{
	char *gz = harness_user_token("dispatcher.gz", "dispatcher", "GZ", "C-GZ");
	char *gd = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	static const char *const metrics[] = {
		"volume",         "times",        "sla",
		"first-time-fix", "satisfaction", "warranty-renewals",
		"fault-codes",
	};
	struct http_result r;
	char path[160];
	json_t *doc;

	seed_month();
	for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		snprintf(path, sizeof(path), "/v1/analytics/%s?" MARCH "&region=JS", metrics[i]);
		http_json("GET", path, gd, NULL, &r);
		assert_problem(&r, 403, "region");
		http_result_free(&r);
		snprintf(path, sizeof(path), "/v1/analytics/%s?" MARCH "&region=NJ&format=csv",
			 metrics[i]);
		http_json("GET", path, gz, NULL, &r);
		assert_problem(&r, 403, "region");
		http_result_free(&r);
		snprintf(path, sizeof(path), "/v1/analytics/%s?" MARCH "&region=SZ", metrics[i]);
		json_decref(http_get_json(path, gd, 200));
		snprintf(path, sizeof(path), "/v1/analytics/%s?" MARCH "&region=GZ", metrics[i]);
		json_decref(http_get_json(path, gz, 200));
	}
	/* Above the dispatcher's home region is not theirs either. */
	http_json("GET", "/v1/analytics/volume?region=GD", gz, NULL, &r);
	assert_problem(&r, 403, "region");
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "detail"), "region GD is outside your scope"));
	http_result_free(&r);
	/* Their own region: their centre's ticket. */
	doc = http_get_json("/v1/analytics/volume?" MARCH "&interval=all&region=GZ", gz, 200);
	ck_assert_int_eq(ival(item(doc, 0), "count"), 1);
	json_decref(doc);
	http_json("GET", "/v1/analytics/volume?centre=C-SZ", gz, NULL, &r);
	assert_problem(&r, 403, "centre");
	http_result_free(&r);
	http_json("GET", "/v1/analytics/volume?centre=C-NJ", gd, NULL, &r);
	assert_problem(&r, 403, "centre");
	http_result_free(&r);
	free(gz);
	free(gd);
}
END_TEST

struct rows {
	char cells[8][8][64];
	size_t n, width[8];
};

static int collect(void *ctx, size_t line, const struct csv_field *f, size_t nf)
{
	struct rows *rs = ctx;

	(void)line;
	if (rs->n == 8)
		return 1;
	rs->width[rs->n] = nf;
	for (size_t i = 0; i < nf && i < 8; i++)
		snprintf(rs->cells[rs->n][i], 64, "%s", f[i].s);
	rs->n++;
	return 0;
}

START_TEST(analytics_answer_csv)
{
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	const char *accept[] = { "Accept: text/csv", NULL };
	struct http_result r;
	struct rows rs = { 0 };
	char ct[64];

	seed_month();
	ck_assert_int_eq(
	    http_json("GET", "/v1/analytics/fault-codes?" MARCH "&format=csv", admin, NULL, &r),
	    200);
	ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof(ct)),
			 "text/csv; charset=utf-8");
	ck_assert_int_eq(csv_read(r.body, r.body_len, NULL, collect, &rs, NULL), CSV_OK);
	ck_assert_uint_eq(rs.n, 4);
	ck_assert_str_eq(rs.cells[0][0], "fault_code");
	ck_assert_str_eq(rs.cells[0][2], "share");
	ck_assert_str_eq(rs.cells[1][0], "E1");
	ck_assert_str_eq(rs.cells[1][1], "3");
	ck_assert_str_eq(rs.cells[1][2], "0.6");
	ck_assert_str_eq(rs.cells[3][0], "E3, \"x\""); /* quoted and unquoted back */
	ck_assert_ptr_nonnull(strstr(r.body, "\"E3, \"\"x\"\"\",1,0.2\r\n"));
	http_result_free(&r);

	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(http_call("GET", "/v1/analytics/times?" MARCH "&by=centre", admin, NULL,
				   NULL, 0, accept, &r),
			 200);
	ck_assert_int_eq(csv_read(r.body, r.body_len, NULL, collect, &rs, NULL), CSV_OK);
	ck_assert_uint_eq(rs.n, 4); /* header, C-GZ, C-NJ, C-SZ */
	ck_assert_uint_eq(rs.width[0], 10);
	ck_assert_str_eq(rs.cells[0][0], "centre");
	ck_assert_str_eq(rs.cells[3][0], "C-SZ");
	ck_assert_str_eq(rs.cells[3][2], "20");
	http_result_free(&r);
	free(admin);
}
END_TEST

/* Fault codes are text people typed: a cell a spreadsheet would run as a
 * formula comes out as text ('-prefixed and quoted); counts stay numbers. */
START_TEST(analytics_csv_neutralises_formulas)
{
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	struct http_result r;
	struct rows rs = { 0 };
	int64_t t = t0();
	const struct tk formulas[] = {
		{ 101,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P2",
		  "resolved",
		  t + 600 * M,
		  10,
		  60,
		  120,
		  30,
		  90,
		  180,
		  0,
		  "-2+3",
		  1,
		  0,
		  0,
		  1 },
		{ 102,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P2",
		  "resolved",
		  t + 660 * M,
		  10,
		  60,
		  120,
		  30,
		  90,
		  180,
		  0,
		  "=HYPERLINK(\"http://x\")",
		  1,
		  0,
		  0,
		  1 },
		{ 103,
		  "fault_repair",
		  "repair",
		  "app",
		  "/CN/GD/SZ/",
		  "C-SZ",
		  "P2",
		  "resolved",
		  t + 720 * M,
		  10,
		  60,
		  120,
		  30,
		  90,
		  180,
		  0,
		  "@SUM(A1)",
		  1,
		  0,
		  0,
		  1 },
	};
	int seen = 0;

	seed_month();
	for (size_t i = 0; i < sizeof(formulas) / sizeof(formulas[0]); i++)
		add_ticket(&formulas[i]);
	ck_assert_int_eq(http_json("GET", "/v1/analytics/fault-codes?" MARCH "&format=csv&limit=10",
				   admin, NULL, &r),
			 200);
	ck_assert_msg(strstr(r.body, "\r\n\"'-2+3\",1,") != NULL, "%s", r.body);
	ck_assert_msg(strstr(r.body, "\r\n\"'=HYPERLINK(\"\"http://x\"\")\",1,") != NULL, "%s",
		      r.body);
	ck_assert_msg(strstr(r.body, "\r\n\"'@SUM(A1)\",1,") != NULL, "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "\r\nE1,3,")); /* plain text stays plain */
	ck_assert_int_eq(csv_read(r.body, r.body_len, NULL, collect, &rs, NULL), CSV_OK);
	for (size_t i = 1; i < rs.n; i++) {
		const char *code = rs.cells[i][0];

		ck_assert_msg(!strchr("=+-@", code[0]), "row %zu: %s", i, code);
		if (code[0] == '\'') {
			seen++;
			ck_assert_str_eq(rs.cells[i][1], "1");
		}
	}
	ck_assert_int_eq(seen, 3);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(the_scan_reads_the_covering_index)
{
	char plan[2048];

	for (int visits = 0; visits < 2; visits++) {
		ck_assert_int_eq(analytics_store_tickets_plan(H.db, visits, plan, sizeof(plan)),
				 ERR_OK);
		ck_assert_msg(strstr(plan, "COVERING INDEX tickets_analytics (created_at>? AND "
					   "created_at<?)") != NULL,
			      "%s", plan);
		ck_assert_msg(!strstr(plan, "SCAN"), "%s", plan);
	}
}
END_TEST

START_TEST(report_writes_the_month)
{
	char cmd[1200], path[400], *text;
	static const char *const want[] = {
		"# Field service operations report — 2026-03",
		"| Tickets created | 8 |",
		"| Median response time (minutes) | 30.0 |",
		"| SLA compliance: response | 83.3 % |",
		"| SLA compliance: resolution | 50.0 % |",
		"| First-time fix rate | 60.0 % |",
		"| Average satisfaction (1–5) | 3.7 |",
		"| Follow-up coverage | 60.0 % |",
		"| Warranty renewals | 1 of 3 units (33.3 %) |",
		"| 深圳 (SZ) | 6 |",
		"| 广州服务中心 (C-GZ) | 1 |",
		"| E1 | 3 | 60.0 % |",
		"| E3, \"x\" | 1 | 20.0 % |",
		"| #1 | E101 | lot: CB-100 lot L7 | 3 |",
	};

	seed_month();
	exec_sql("INSERT INTO problems(kind, fault_code, value, part_number, window_days,"
		 " threshold, ticket_count, opened_at, updated_at) VALUES"
		 " ('lot', 'E101', 'L7', 'CB-100', 90, 3, 3, 0, 0)");
	snprintf(path, sizeof(path), "%s/report.md", H.dir);
	snprintf(cmd, sizeof(cmd), "%s report --db %s --month 2026-03 --out %s 2>/dev/null",
		 harness_bin(), H.db_path, path);
	ck_assert_int_eq(harness_run(cmd), 0);
	text = harness_read_file(path, NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(text, want[i]) != NULL, "missing \"%s\" in:\n%s", want[i],
			      text);
	free(text);
	/* A bad month is a usage error. */
	snprintf(cmd, sizeof(cmd), "%s report --db %s --month 2026-13 2>/dev/null", harness_bin(),
		 H.db_path);
	ck_assert_int_eq(harness_run(cmd), 2);
}
END_TEST

/* ---- the monthly report over HTTP ---------------------------------------------- */

/* The report's section name, the analytics path that answers the same
 * table for March, and which caller. */
static void assert_same_table(json_t *report, const char *section, const char *path,
			      const char *token)
{
	json_t *api = http_get_json(path, token, 200);
	json_t *mine = json_object_get(json_object_get(report, "sections"), section);

	ck_assert_msg(mine != NULL, "no section %s", section);
	ck_assert_msg(json_equal(json_object_get(mine, "items"), json_object_get(api, "items")),
		      "%s differs from %s", section, path);
	ck_assert(json_equal(json_object_get(mine, "columns"), json_object_get(api, "columns")));
	json_decref(api);
}

/* The Markdown without its "Generated ..." sentence (the time it ran). */
static char *without_generated(const char *text)
{
	char *copy = strdup(text), *g = strstr(copy, "Generated "), *end;

	ck_assert_ptr_nonnull(g);
	end = strstr(g, " by fieldtrace.");
	ck_assert_ptr_nonnull(end);
	memmove(g, end, strlen(end) + 1);
	return copy;
}

START_TEST(report_over_http_shows_the_analytics_numbers)
{
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	char cmd[1200], path[400], disposition[128], ct[64], *file, *a, *b;
	static const char *const want[] = {
		"# Field service operations report — 2026-03", "| Tickets created | 8 |",
		"| SLA compliance: response | 83.3 % |",       "| 深圳 (SZ) | 6 |",
		"| #1 | E101 | lot: CB-100 lot L7 | 3 |",
	};
	struct http_result r;
	json_t *doc;

	seed_month();
	exec_sql("INSERT INTO problems(kind, fault_code, value, part_number, window_days,"
		 " threshold, ticket_count, opened_at, updated_at) VALUES"
		 " ('lot', 'E101', 'L7', 'CB-100', 90, 3, 3, 0, 0)");
	/* Markdown by default, shown inline. */
	ck_assert_int_eq(http_json("GET", "/v1/reports/monthly?month=2026-03", admin, NULL, &r),
			 200);
	ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof(ct)),
			 "text/markdown; charset=utf-8");
	ck_assert_str_eq(http_header(&r, "Content-Disposition", disposition, sizeof(disposition)),
			 "inline; filename=\"fieldtrace-report-2026-03.md\"");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(r.body, want[i]) != NULL, "missing \"%s\" in:\n%s", want[i],
			      r.body);
	ck_assert_ptr_null(strstr(r.body, "Scope:"));

	/* The command line writes the same document. */
	snprintf(path, sizeof(path), "%s/report.md", H.dir);
	snprintf(cmd, sizeof(cmd), "%s report --db %s --month 2026-03 --out %s 2>/dev/null",
		 harness_bin(), H.db_path, path);
	ck_assert_int_eq(harness_run(cmd), 0);
	file = harness_read_file(path, NULL);
	a = without_generated(file);
	b = without_generated(r.body);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	free(file);
	http_result_free(&r);

	/* Downloaded: an attachment. */
	ck_assert_int_eq(
	    http_json("GET", "/v1/reports/monthly?month=2026-03&download=1", admin, NULL, &r), 200);
	ck_assert_str_eq(http_header(&r, "Content-Disposition", disposition, sizeof(disposition)),
			 "attachment; filename=\"fieldtrace-report-2026-03.md\"");
	http_result_free(&r);

	/* As JSON: every table is the analytics API's for the same month. */
	doc = http_get_json("/v1/reports/monthly?month=2026-03&format=json", admin, 200);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "month")), "2026-03");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "from")), "2026-02-28T16:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "to")), "2026-03-31T16:00:00Z");
	assert_same_table(doc, "volume", "/v1/analytics/volume?" MARCH "&interval=all", admin);
	assert_same_table(doc, "times", "/v1/analytics/times?" MARCH, admin);
	assert_same_table(doc, "sla", "/v1/analytics/sla?" MARCH, admin);
	assert_same_table(doc, "first_time_fix", "/v1/analytics/first-time-fix?" MARCH, admin);
	assert_same_table(doc, "satisfaction", "/v1/analytics/satisfaction?" MARCH, admin);
	assert_same_table(doc, "warranty_renewals", "/v1/analytics/warranty-renewals?" MARCH,
			  admin);
	assert_same_table(doc, "volume_by_centre",
			  "/v1/analytics/volume?" MARCH "&interval=all&by=centre", admin);
	assert_same_table(doc, "sla_by_centre", "/v1/analytics/sla?" MARCH "&by=centre", admin);
	assert_same_table(doc, "times_by_priority", "/v1/analytics/times?" MARCH "&by=priority",
			  admin);
	assert_same_table(doc, "fault_codes", "/v1/analytics/fault-codes?" MARCH, admin);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(json_object_get(doc, "sections"), "open_problems")), 1);
	json_decref(doc);
	/* Accept: application/json says the same. */
	ck_assert_int_eq(http_call("GET", "/v1/reports/monthly?month=2026-03", admin, NULL, NULL, 0,
				   (const char *const[]){ "Accept: application/json", NULL }, &r),
			 200);
	ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof(ct)), "application/json");
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(report_over_http_is_scoped_and_validated)
{
	char *gd = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	char *gz = harness_user_token("dispatcher.gz", "dispatcher", "GZ", "C-GZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("admin", "admin", NULL, NULL);
	static const char *const bad[][2] = {
		{ "/v1/reports/monthly", "month" },
		{ "/v1/reports/monthly?month=2026-13", "month" },
		{ "/v1/reports/monthly?month=2026-3", "month" },
		{ "/v1/reports/monthly?month=March", "month" },
		{ "/v1/reports/monthly?month=2099-01", "month" },
		{ "/v1/reports/monthly?month=2026-03&format=pdf", "format" },
		{ "/v1/reports/monthly?month=2026-03&download=yes", "download" },
		{ "/v1/reports/monthly?month=2026-03&region=XX", "region" },
		{ "/v1/reports/monthly?month=2026-03&colour=red", "colour" },
	};
	struct http_result r;
	json_t *doc;

	seed_month();
	/* Guangdong's supervisor: Shenzhen and Guangzhou, as their analytics. */
	doc = http_get_json("/v1/reports/monthly?month=2026-03&format=json", gd, 200);
	assert_same_table(doc, "volume_by_region",
			  "/v1/analytics/volume?" MARCH "&interval=all&by=region", gd);
	assert_same_table(doc, "volume", "/v1/analytics/volume?" MARCH "&interval=all", gd);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "scope"), "region")), "GD");
	ck_assert(
	    json_is_array(json_object_get(json_object_get(doc, "sections"), "open_problems")));
	json_decref(doc);
	ck_assert_int_eq(
	    http_json("GET", "/v1/reports/monthly?month=2026-03&region=SZ", gd, NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Scope: region 深圳 (SZ) and below."));
	ck_assert_ptr_nonnull(strstr(r.body, "| Tickets created | 6 |"));
	http_result_free(&r);
	http_json("GET", "/v1/reports/monthly?month=2026-03&region=JS", gd, NULL, &r);
	assert_problem(&r, 403, "region");
	http_result_free(&r);
	/* Guangzhou's dispatcher: their centre, and no national problem
	 * records (their role does not read them). */
	ck_assert_int_eq(http_json("GET", "/v1/reports/monthly?month=2026-03", gz, NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "| Tickets created | 1 |"));
	ck_assert_ptr_nonnull(strstr(r.body, "Scope: centre 广州服务中心 (C-GZ)."));
	ck_assert_ptr_null(strstr(r.body, "Open problems"));
	http_result_free(&r);
	doc = http_get_json("/v1/reports/monthly?month=2026-03&format=json", gz, 200);
	ck_assert(json_is_null(json_object_get(json_object_get(doc, "sections"), "open_problems")));
	assert_same_table(doc, "fault_codes", "/v1/analytics/fault-codes?" MARCH, gz);
	json_decref(doc);
	http_json("GET", "/v1/reports/monthly?month=2026-03&centre=C-SZ", gz, NULL, &r);
	assert_problem(&r, 403, "centre");
	http_result_free(&r);
	http_json("GET", "/v1/reports/monthly?month=2026-03", tech, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	/* A month with nothing in it is a report of zeros; the current month
	 * reports so far. */
	ck_assert_int_eq(http_json("GET", "/v1/reports/monthly?month=2019-07", admin, NULL, &r),
			 200);
	ck_assert_ptr_nonnull(strstr(r.body, "| Tickets created | 0 |"));
	http_result_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		http_json("GET", bad[i][0], admin, NULL, &r);
		ck_assert_msg(r.status == 400, "%s: %ld", bad[i][0], r.status);
		assert_problem(&r, 400, bad[i][1]);
		http_result_free(&r);
	}
	free(gd);
	free(gz);
	free(tech);
	free(admin);
}
END_TEST

Suite *analytics_suite(void)
{
	Suite *s = suite_create("analytics");
	TCase *tc = tcase_create("analytics");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, detection_opens_one_problem_per_factor_above_the_threshold);
	tcase_add_test(tc, detection_attaches_later_tickets_and_never_duplicates);
	tcase_add_test(tc, detection_is_paced_and_tells_the_configured_owners);
	tcase_add_test(tc, problem_patch_validates_and_audits);
	tcase_add_test(tc, volume_by_dimension_and_period);
	tcase_add_test(tc, times_sla_ftf_satisfaction_renewals_faults_exactly);
	tcase_add_test(tc, analytics_scope_and_validation);
	tcase_add_test(tc, analytics_filter_outside_scope_is_403_naming_it);
	tcase_add_test(tc, analytics_answer_csv);
	tcase_add_test(tc, analytics_csv_neutralises_formulas);
	tcase_add_test(tc, the_scan_reads_the_covering_index);
	tcase_add_test(tc, report_writes_the_month);
	tcase_add_test(tc, report_over_http_shows_the_analytics_numbers);
	tcase_add_test(tc, report_over_http_is_scoped_and_validated);
	suite_add_tcase(s, tc);
	return s;
}
