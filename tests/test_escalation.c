/* SLA warnings and escalation, driven through the scheduler with a moved
 * clock: each warning and each escalation level exactly once, step by
 * step, to the right people, across restarts; pausing and meeting the
 * target stop it; chains and levels are configurable; the background
 * thread really runs the jobs. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "db/db.h"
#include "domain/escalation.h"
#include "harness.h"
#include "jobs/scheduler.h"
#include "suites.h"

/* sla_escalation, warranty_digest, problems_detect, webhooks,
 * idempotency_purge, sync_retire, trace_snapshots, delivery_digest,
 * board_summary, delivery_purge, assist_escalation, maintenance. */
#define N_JOBS 12

/* T0 = 2026-09-01T02:00:00Z; the clock stands at T0 + offset. */
static int64_t t0;

static void at(int64_t offset)
{
	ck_assert_int_eq(clock_parse("2026-09-01T02:00:00Z", &t0), 0);
	clock_set_offset(t0 + offset - (int64_t)time(NULL));
}

/* Runs every job once at T0 + offset. */
static void tick(int64_t offset)
{
	at(offset);
	ck_assert_int_eq(scheduler_run_once(H.db, clock_now()), ERR_OK);
}


/* A P1 ticket (strategic x site x high): response 30 min, arrival 4 h,
 * resolution 24 h, round the clock. Opened at T0. */
static int64_t open_p1(const char *token)
{
	struct http_result r;
	int64_t id;

	ck_assert_int_eq(
	    http_send_json("POST", "/v1/tickets", token,
			   json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s}}", "channel",
				     "hotline", "category", "repair", "title", "母线失电",
				     "asset_id", 1, "impact", "site", "urgency", "high", "contact",
				     "name", "陈工", "phone", "13800000001"),
			   &r),
	    201);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "priority")), "P1");
	id = json_integer_value(json_object_get(r.json, "id"));
	http_result_free(&r);
	return id;
}

static int64_t alerts(const char *target, const char *kind)
{
	char sql[192];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM ticket_alerts WHERE target = '%s' AND kind = '%s'", target,
		 kind);
	return count_rows(sql);
}

static int64_t told(const char *username, const char *kind)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id"
		 " WHERE u.username = '%s' AND n.kind = '%s' AND n.data LIKE '%%\"response\"%%'",
		 username, kind);
	return count_rows(sql);
}

START_TEST(warnings_and_escalation_each_happen_once_step_by_step)
{
	char *admin;

	harness_seed_user("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	harness_seed_user("supervisor.gd", "supervisor", "GD", NULL);
	harness_seed_user("director", "admin", NULL, NULL);
	harness_seed_sz_unit();
	at(0);
	admin = harness_user_token("root", "admin", NULL, NULL);
	open_p1(admin);
	tick(100);
	ck_assert_int_eq(alerts("response", "warning"), 0);
	tick(1000); /* 50 % of the 30 minutes */
	ck_assert_int_eq(alerts("response", "warning"), 1);
	tick(1001);
	ck_assert_int_eq(alerts("response", "warning"), 1);
	tick(1500); /* 80 % */
	ck_assert_int_eq(alerts("response", "warning"), 2);
	/* Unassigned: the centre's dispatcher hears the warnings. */
	ck_assert_int_eq(told("dispatcher.sz", "sla.warning"), 2);
	tick(1850); /* missed: the last warning and level 1 */
	ck_assert_int_eq(alerts("response", "warning"), 3);
	ck_assert_int_eq(alerts("response", "escalation"), 1);
	ck_assert_int_eq(told("supervisor.sz", "sla.escalation"), 1);
	harness_restart(); /* nothing repeated, nothing skipped */
	tick(2000);
	ck_assert_int_eq(alerts("response", "escalation"), 1);
	tick(2800); /* due + 50 %: the regional manager, and level 1 again */
	ck_assert_int_eq(alerts("response", "escalation"), 2);
	ck_assert_int_eq(told("supervisor.gd", "sla.escalation"), 1);
	ck_assert_int_eq(told("supervisor.sz", "sla.escalation"), 2);
	tick(3700); /* due + 100 %: the service director (admins), and the levels below */
	ck_assert_int_eq(alerts("response", "escalation"), 3);
	ck_assert_int_eq(told("director", "sla.escalation"), 1);
	ck_assert_int_eq(told("supervisor.gd", "sla.escalation"), 2);
	ck_assert_int_eq(told("supervisor.sz", "sla.escalation"), 3);
	tick(90000);
	ck_assert_int_eq(alerts("response", "escalation"), 3);
	ck_assert_int_eq(alerts("response", "warning"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action = 'escalate'"
				    " AND detail LIKE '%\"response\"%'"),
			 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action ="
				    " 'sla_warning' AND detail LIKE '%\"response\"%'"),
			 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM scheduler_jobs WHERE runs > 0"), N_JOBS);
	/* The overdue list shows how far it climbed. */
	at(90000);
	free(admin);
	admin = harness_login("root");
	{
		struct http_result r;

		ck_assert_int_eq(http_send_json("GET", "/v1/tickets?overdue=true&escalated=true",
						admin, NULL, &r),
				 200);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(
			json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "sla"),
			"escalation_level")),
		    3);
		http_result_free(&r);
	}
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(a_job_late_by_a_day_still_climbs_one_level_per_run)
{
	char *admin;

	harness_seed_sz_unit();
	at(0);
	admin = harness_user_token("root", "admin", NULL, NULL);
	open_p1(admin);
	tick(86400);
	ck_assert_int_eq(alerts("response", "warning"), 3);
	ck_assert_int_eq(alerts("response", "escalation"), 1);
	tick(86401);
	ck_assert_int_eq(alerts("response", "escalation"), 2);
	tick(86402);
	ck_assert_int_eq(alerts("response", "escalation"), 3);
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(meeting_the_target_or_pausing_stops_the_clock)
{
	char *disp, *tech, *admin;
	int64_t tech_id = harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	struct http_result r;
	char path[64];
	int64_t id;

	harness_seed_sz_unit();
	at(0);
	admin = harness_user_token("root", "admin", NULL, NULL);
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	tech = harness_login("tech.sz");
	id = open_p1(disp);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	ck_assert_int_eq(http_send_json("POST", path, disp,
					json_pack("{s:s, s:I}", "action", "assign", "assignee_id",
						  (json_int_t)tech_id),
					&r),
			 200);
	http_result_free(&r);
	ck_assert_int_eq(
	    http_send_json("POST", path, tech, json_pack("{s:s}", "action", "accept"), &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(
	    http_send_json("POST", path, tech,
			   json_pack("{s:s, s:s}", "action", "wait", "note", "停电审批"), &r),
	    200);
	http_result_free(&r);
	/* Responded, then waiting on the customer: a day later nothing. */
	tick(86400);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_alerts"), 0);
	/* The alerts show on the ticket (none) and the ticket is not overdue. */
	at(0);
	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)id);
	ck_assert_int_eq(http_send_json("GET", path, admin, NULL, &r), 200);
	ck_assert_int_eq(
	    (long)json_array_size(json_object_get(json_object_get(r.json, "sla"), "alerts")), 0);
	http_result_free(&r);
	clock_set_offset(0);
	free(admin);
	free(disp);
	free(tech);
}
END_TEST

START_TEST(a_configured_chain_is_told_instead_of_the_default)
{
	char *admin;
	int64_t chief = harness_seed_user("chief.sz", "dispatcher", "SZ", "C-SZ");
	struct http_result r;
	int64_t id;
	char path[64];

	harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	harness_seed_sz_unit();
	at(0);
	admin = harness_user_token("root", "admin", NULL, NULL);
	ck_assert_int_eq(http_send_json("PUT", "/v1/centres/C-SZ/escalation", admin,
					json_pack("{s:[{s:i, s:[I]}]}", "levels", "level", 1,
						  "user_ids", (json_int_t)chief),
					&r),
			 200);
	http_result_free(&r);
	id = open_p1(admin);
	tick(1850);
	ck_assert_int_eq(told("chief.sz", "sla.escalation"), 1);
	ck_assert_int_eq(told("supervisor.sz", "sla.escalation"), 0);
	/* The ticket shows its alerts. */
	at(1850);
	free(admin);
	admin = harness_login("root");
	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)id);
	ck_assert_int_eq(http_send_json("GET", path, admin, NULL, &r), 200);
	ck_assert_int_eq(
	    (long)json_array_size(json_object_get(json_object_get(r.json, "sla"), "alerts")), 4);
	http_result_free(&r);
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(chains_and_levels_validate_and_are_audited)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup_js = harness_user_token("supervisor.js", "supervisor", "JS", NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	struct http_result r;

	http_send_json("PUT", "/v1/centres/C-SZ/escalation", admin,
		       json_pack("{s:[{s:i, s:[i]}]}", "levels", "level", 4, "user_ids", 1), &r);
	assert_problem(&r, 400, "/levels/0/level");
	http_result_free(&r);
	http_send_json("PUT", "/v1/centres/C-SZ/escalation", admin,
		       json_pack("{s:[{s:i, s:[i]}]}", "levels", "level", 1, "user_ids", 999), &r);
	assert_problem(&r, 400, "/levels/0/user_ids/0");
	http_result_free(&r);
	http_send_json("PUT", "/v1/centres/C-SZ/escalation", sup_js, json_pack("{s:[]}", "levels"),
		       &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_send_json("PUT", "/v1/centres/C-XX/escalation", admin, json_pack("{s:[]}", "levels"),
		       &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM escalation_contacts"), 0);
	http_send_json("PUT", "/v1/escalation/levels", admin,
		       json_pack("{s:[{s:i, s:i}, {s:i, s:i}, {s:i, s:i}], s:[{s:i, s:i, s:s},"
				 " {s:i, s:i, s:s}, {s:i, s:i, s:s}]}",
				 "warnings", "level", 1, "percent", 60, "level", 2, "percent", 50,
				 "level", 3, "percent", 100, "escalation", "level", 1,
				 "after_percent", 0, "name", "a", "level", 2, "after_percent", 50,
				 "name", "b", "level", 3, "after_percent", 100, "name", "c"),
		       &r);
	assert_problem(&r, 400, "/warnings/1/percent");
	http_result_free(&r);
	http_send_json("PUT", "/v1/escalation/levels", disp,
		       json_pack("{s:[], s:[]}", "warnings", "escalation"), &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT percent FROM sla_warning_levels WHERE level = 1"), 50);
	ck_assert_int_eq(
	    http_send_json("PUT", "/v1/escalation/levels", admin,
			   json_pack("{s:[{s:i, s:i}, {s:i, s:i}, {s:i, s:i}], s:[{s:i, s:i, s:s},"
				     " {s:i, s:i, s:s}, {s:i, s:i, s:s}]}",
				     "warnings", "level", 1, "percent", 60, "level", 2, "percent",
				     90, "level", 3, "percent", 100, "escalation", "level", 1,
				     "after_percent", 0, "name", "值班主管", "level", 2,
				     "after_percent", 25, "name", "区域经理", "level", 3,
				     "after_percent", 50, "name", "服务总监"),
			   &r),
	    200);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT percent FROM sla_warning_levels WHERE level = 1"), 60);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'escalation.levels'"), 1);
	ck_assert_int_eq(http_send_json("GET", "/v1/escalation/levels", disp, NULL, &r), 200);
	http_result_free(&r);
	free(admin);
	free(sup_js);
	free(disp);
}
END_TEST

START_TEST(the_background_thread_runs_every_job)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct scheduler *s = NULL;
	struct http_result r;

	ck_assert_int_eq(scheduler_start(H.db_path, 20, &s), ERR_OK);
	for (int i = 0; i < 200 && count_rows("SELECT count(*) FROM scheduler_jobs"
					      " WHERE runs >= 2") < N_JOBS;
	     i++)
		usleep(10000);
	scheduler_stop(s);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM scheduler_jobs WHERE runs >= 2"), N_JOBS);
	ck_assert_int_eq(http_send_json("GET", "/v1/scheduler", admin, NULL, &r), 200);
	ck_assert_int_eq((long)json_array_size(json_object_get(r.json, "jobs")), N_JOBS);
	http_result_free(&r);
	free(admin);
}
END_TEST

Suite *escalation_suite(void)
{
	Suite *s = suite_create("escalation");
	TCase *tc = tcase_create("escalation");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, warnings_and_escalation_each_happen_once_step_by_step);
	tcase_add_test(tc, a_job_late_by_a_day_still_climbs_one_level_per_run);
	tcase_add_test(tc, meeting_the_target_or_pausing_stops_the_clock);
	tcase_add_test(tc, a_configured_chain_is_told_instead_of_the_default);
	tcase_add_test(tc, chains_and_levels_validate_and_are_audited);
	tcase_add_test(tc, the_background_thread_runs_every_job);
	suite_add_tcase(s, tc);
	return s;
}
