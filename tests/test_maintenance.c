/* Planned maintenance over HTTPS: plans, the job that requests preventive
 * visits once per unit and due date (across runs and restarts), one
 * request per site, due dates moved by the visit, running-hours plans,
 * the overdue alert once, bad input, the calendar's scope. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/maintenance.h"
#include "harness.h"
#include "suites.h"

/* Two Shenzhen sites of one customer (units 1 and 2 on S1, unit 3 on S2),
 * one Nanjing site (unit 4); unit 5 (model 2, hours) on S1. Installed in
 * June 2025. */
static void seed(void)
{
	exec_sql("INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜');"
		 "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
		 " (1, 'KYN28-12', 'KYN28', 'switchgear', 0, 0),"
		 " (2, 'GEN-500', 'Genset 500', 'switchgear', 0, 0);"
		 "INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at)"
		 " VALUES (1, 'C1', '深圳供电局', 'A', 'SZ', 0, 0),"
		 " (3, 'C3', '南京钢铁', 'C', 'NJ', 0, 0);"
		 "INSERT INTO sites(id, customer_id, code, name, region_code, created_at,"
		 " updated_at) VALUES (1, 1, 'S1', '前湾站', 'SZ', 0, 0),"
		 " (2, 1, 'S2', '蛇口站', 'SZ', 0, 0), (3, 3, 'S3', '南钢', 'NJ', 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " installed_at, created_at, updated_at) VALUES"
		 " (1, 'U1', 1, 1, 1, '/CN/GD/SZ/', '2025-06-10', 0, 0),"
		 " (2, 'U2', 1, 1, 1, '/CN/GD/SZ/', '2025-06-20', 0, 0),"
		 " (3, 'U3', 1, 2, 1, '/CN/GD/SZ/', '2025-06-15', 0, 0),"
		 " (4, 'U4', 1, 3, 3, '/CN/JS/NJ/', '2025-06-12', 0, 0),"
		 " (5, 'G5', 2, 1, 1, '/CN/GD/SZ/', '2025-06-01', 0, 0);"
		 "INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-SZ', 'SZ'),"
		 " ('C-NJ', 'NJ');"
		 "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
		 " ('C-SZ', 'switchgear'), ('C-NJ', 'switchgear');");
}

static int64_t post_plan(const char *token, json_t *body)
{
	json_t *doc = http_expect_json("POST", "/v1/maintenance-plans", token, body, 201);
	int64_t id = jint(doc, "id");

	json_decref(doc);
	return id;
}

static void run_job(void)
{
	ck_assert_int_eq(maintenance_run(H.db, clock_now()), ERR_OK);
}

static int64_t visits(void)
{
	return count_rows("SELECT count(*) FROM maintenance_visits");
}

static int64_t system_tickets(void)
{
	return count_rows("SELECT count(*) FROM tickets WHERE channel = 'system'"
			  " AND subcategory = 'maintenance'");
}

/* The calendar's items as "serial:date:state" in answer order. */
static void calendar_of(const char *token, const char *query, char *out, size_t size)
{
	char path[256];
	json_t *doc, *item;
	size_t i, n = 0;

	snprintf(path, sizeof(path), "/v1/maintenance/calendar?%s", query);
	doc = http_get_json(path, token, 200);
	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "items"), i, item)
		n +=
		    (size_t)snprintf(out + n, size - n, "%s%s:%s:%s", n ? " " : "",
				     jstr(item, "serial"), jstr(item, "date"), jstr(item, "state"));
	json_decref(doc);
}

START_TEST(a_plan_requests_each_due_unit_once_grouped_per_site_across_restarts)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char cal[1024];

	seed();
	harness_set_today("2026-05-01");
	post_plan(admin,
		  json_pack("{s:s, s:I, s:i, s:i, s:I, s:{s:s, s:i}}", "name",
			    "KYN28 annual service", "model_id", (json_int_t)1, "interval_months",
			    12, "lead_days", 14, "checklist_template_id", (json_int_t)7, "skill",
			    "product_line", "switchgear", "level", 3));
	/* Nothing is due yet: first due = installation + 12 months. */
	run_job();
	ck_assert_int_eq(visits(), 0);
	calendar_of(admin, "from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U1:2026-06-10:upcoming U4:2026-06-12:upcoming "
			      "U3:2026-06-15:upcoming U2:2026-06-20:upcoming");

	/* 14 days ahead of 06-20 every unit is due: one request per site. */
	harness_set_today("2026-06-07");
	run_job();
	ck_assert_int_eq(visits(), 4);
	ck_assert_int_eq(system_tickets(), 3);
	ck_assert_int_eq(count_rows("SELECT count(DISTINCT ticket_id) FROM maintenance_visits"
				    " WHERE asset_id IN (1, 2)"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets t JOIN maintenance_visits v"
				    " ON v.ticket_id = t.id WHERE v.asset_id = 1 AND t.site_id = 1"
				    " AND t.centre_code = 'C-SZ' AND t.status = 'routed'"
				    " AND t.impact = 'site' AND t.description LIKE '%U2%'"
				    " AND t.description LIKE '%checklist template 7%'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets t JOIN maintenance_visits v"
				    " ON v.ticket_id = t.id WHERE v.asset_id = 4"
				    " AND t.centre_code = 'C-NJ'"),
			 1);
	/* Again, and again after a restart: nothing repeated. */
	run_job();
	harness_restart();
	run_job();
	ck_assert_int_eq(visits(), 4);
	ck_assert_int_eq(system_tickets(), 3);
	calendar_of(admin, "from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U1:2026-06-10:requested U4:2026-06-12:requested "
			      "U3:2026-06-15:requested U2:2026-06-20:requested");
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(a_visit_done_early_moves_the_next_due_date)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char cal[1024];

	seed();
	exec_sql("DELETE FROM assets WHERE id IN (2, 3, 4, 5)");
	harness_set_today("2026-05-30");
	post_plan(admin, json_pack("{s:s, s:I, s:i, s:i}", "name", "annual", "model_id",
				   (json_int_t)1, "interval_months", 12, "lead_days", 14));
	run_job();
	ck_assert_int_eq(visits(), 1);
	/* Done on 06-02, eight days early: the next is 2027-06-02, not -06-10. */
	harness_set_today("2026-06-02");
	exec_sql("UPDATE tickets SET status = 'resolved', resolved_at = strftime('%s', "
		 "'2026-06-02 12:00:00') WHERE channel = 'system'");
	calendar_of(admin, "from=2026-06-01&to=2027-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U1:2026-06-10:done U1:2027-06-02:upcoming");
	run_job();
	ck_assert_int_eq(visits(), 1);
	/* Due 2027-06-02, requested 14 days ahead. */
	harness_set_today("2027-05-19");
	run_job();
	ck_assert_int_eq(visits(), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM maintenance_visits WHERE asset_id = 1"
				    " AND due_date = '2027-06-02'"),
			 1);
	/* A late visit moves it the other way: done 2027-07-01 -> 2028-07-01. */
	harness_set_today("2027-07-01");
	exec_sql("UPDATE tickets SET status = 'closed', resolved_at = strftime('%s', "
		 "'2027-07-01 12:00:00'), closed_at = strftime('%s', '2027-07-01 13:00:00')"
		 " WHERE channel = 'system' AND status = 'routed'");
	free(admin); /* a year on: the token expired */
	admin = harness_login("root");
	calendar_of(admin, "from=2027-06-01&to=2028-07-05", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U1:2027-06-02:done U1:2028-07-01:upcoming");
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(running_hours_plans_fall_due_by_the_meter)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *tech_nj = harness_user_token("tech.nj", "technician", "NJ", "C-NJ");
	char cal[1024];

	seed();
	harness_set_today("2026-05-12");
	post_plan(admin, json_pack("{s:s, s:I, s:i, s:i}", "name", "genset 1000 h", "model_id",
				   (json_int_t)2, "interval_hours", 1000, "lead_days", 3));
	http_expect("POST", "/v1/assets/5/running-hours", tech,
		    "{\"hours\": 100, \"read_at\": \"2026-05-01T08:00:00Z\"}", 201);
	calendar_of(admin, "from=2026-05-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, ""); /* one reading: no rate yet */
	http_expect("POST", "/v1/assets/5/running-hours", tech,
		    "{\"hours\": 600, \"read_at\": \"2026-05-11T08:00:00Z\"}", 201);
	/* 50 hours a day: 1000 on 05-19, projected. */
	calendar_of(admin, "from=2026-05-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "G5:2026-05-19:upcoming");
	run_job();
	ck_assert_int_eq(visits(), 0);
	/* Readings never go down; one per instant; nothing stored. */
	http_expect_invalid("POST", "/v1/assets/5/running-hours", tech,
			    "{\"hours\": 500, \"read_at\": \"2026-05-12T08:00:00Z\"}", "/hours");
	http_expect_invalid("POST", "/v1/assets/5/running-hours", tech,
			    "{\"hours\": 700, \"read_at\": \"2026-05-11T08:00:00Z\"}", "/read_at");
	http_expect_invalid("POST", "/v1/assets/5/running-hours", tech,
			    "{\"hours\": -1, \"read_at\": \"2026-05-12T08:00:00Z\"}", "/hours");
	http_expect_invalid("POST", "/v1/assets/5/running-hours", tech,
			    "{\"hours\": 700, \"read_at\": \"yesterday\"}", "/read_at");
	http_expect_invalid("POST", "/v1/assets/5/running-hours", tech,
			    "{\"hours\": 700, \"read_at\": \"2030-01-01\"}", "/read_at");
	http_expect_invalid("POST", "/v1/assets/5/running-hours", tech, "{\"hours\": 700}",
			    "/read_at");
	http_expect("POST", "/v1/assets/5/running-hours", tech_nj,
		    "{\"hours\": 700, \"read_at\": \"2026-05-12T08:00:00Z\"}", 404);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_running_hours"), 2);
	/* The meter reaches 1000 on 05-15: due that day, requested at once. */
	harness_set_today("2026-05-15");
	http_expect("POST", "/v1/assets/5/running-hours", tech,
		    "{\"hours\": 1010, \"read_at\": \"2026-05-15T08:00:00Z\"}", 201);
	run_job();
	ck_assert_int_eq(count_rows("SELECT count(*) FROM maintenance_visits WHERE asset_id = 5"
				    " AND due_date = '2026-05-15' AND projected = 0"),
			 1);
	run_job();
	ck_assert_int_eq(visits(), 1);
	clock_set_offset(0);
	free(admin);
	free(tech);
	free(tech_nj);
}
END_TEST

static int64_t alerts_of(const char *username)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM notifications WHERE kind = 'maintenance.overdue'"
		 " AND user_id = %lld",
		 (long long)harness_user_id(username));
	return count_rows(sql);
}

START_TEST(overdue_maintenance_is_alerted_once)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char cal[1024];
	json_t *doc;

	harness_seed_user("sup.gd", "supervisor", "GD", NULL);
	harness_seed_user("sup.js", "supervisor", "JS", NULL);
	seed();
	/* The plan starts after the units' first due dates passed. */
	harness_set_today("2026-07-01");
	post_plan(admin, json_pack("{s:s, s:I, s:i}", "name", "annual", "model_id", (json_int_t)1,
				   "interval_months", 12));
	run_job();
	ck_assert_int_eq(visits(), 4);
	ck_assert_int_eq(alerts_of("disp.sz"), 3);
	ck_assert_int_eq(alerts_of("sup.gd"), 3);
	ck_assert_int_eq(alerts_of("sup.js"), 1);
	run_job();
	harness_restart();
	run_job();
	ck_assert_int_eq(alerts_of("disp.sz"), 3);
	ck_assert_int_eq(alerts_of("sup.gd"), 3);
	ck_assert_int_eq(alerts_of("sup.js"), 1);
	doc = http_get_json("/v1/maintenance/calendar?centre=C-SZ&from=2026-06-01&to=2026-06-30",
			    disp, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 3);
	ck_assert(json_is_true(
	    json_object_get(json_array_get(json_object_get(doc, "items"), 0), "overdue")));
	json_decref(doc);
	calendar_of(disp, "from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U1:2026-06-10:overdue U3:2026-06-15:overdue U2:2026-06-20:overdue");
	clock_set_offset(0);
	free(admin);
	free(disp);
}
END_TEST

START_TEST(bad_plans_and_queries_are_400_naming_the_field_and_store_nothing)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	static const struct {
		const char *body, *pointer;
	} bad[] = {
		{ "{\"model_id\": 1, \"interval_months\": 12}", "/name" },
		{ "{\"name\": \" \", \"model_id\": 1, \"interval_months\": 12}", "/name" },
		{ "{\"name\": \"x\", \"interval_months\": 12}", "/model_id" },
		{ "{\"name\": \"x\", \"model_id\": 99, \"interval_months\": 12}", "/model_id" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"contract_id\": 1, \"interval_months\": 12}",
		  "/contract_id" },
		{ "{\"name\": \"x\", \"contract_id\": 99, \"interval_months\": 12}",
		  "/contract_id" },
		{ "{\"name\": \"x\", \"model_id\": 1}", "/interval_months" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 0}",
		  "/interval_months" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12, \"interval_hours\": "
		  "5}",
		  "/interval_hours" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12, \"lead_days\": 400}",
		  "/lead_days" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12, \"skill\":"
		  " {\"product_line\": \"switchgear\", \"level\": 9}}",
		  "/skill/level" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12, \"skill\":"
		  " {\"product_line\": \"nothing\", \"level\": 2}}",
		  "/skill/product_line" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12,"
		  " \"checklist_template_id\": 0}",
		  "/checklist_template_id" },
		{ "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12, \"colour\": 1}",
		  "/colour" },
	};
	struct http_result r;
	char path[64];
	int64_t id;

	seed();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		http_expect_invalid("POST", "/v1/maintenance-plans", admin, bad[i].body,
				    bad[i].pointer);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM maintenance_plans"), 0);
	/* Dispatchers read plans, never write them. */
	http_expect("POST", "/v1/maintenance-plans", disp,
		    "{\"name\": \"x\", \"model_id\": 1, \"interval_months\": 12}", 403);
	id = post_plan(admin, json_pack("{s:s, s:I, s:i}", "name", "x", "model_id", (json_int_t)1,
					"interval_months", 6));
	snprintf(path, sizeof(path), "/v1/maintenance-plans/%lld", (long long)id);
	http_expect_invalid("PATCH", path, admin, "{\"lead_days\": -1}", "/lead_days");
	http_expect_invalid("PATCH", path, admin, "{\"interval_hours\": 0}", "/interval_hours");
	ck_assert_int_eq(count_rows("SELECT version FROM maintenance_plans"), 1);
	/* interval_hours replaces interval_months. */
	ck_assert_int_eq(
	    http_json("PATCH", path, admin, "{\"interval_hours\": 500, \"lead_days\": 0}", &r),
	    200);
	ck_assert(json_is_null(json_object_get(r.json, "interval_months")));
	ck_assert_int_eq(jint(r.json, "interval_hours"), 500);
	ck_assert_int_eq(jint(r.json, "version"), 2);
	http_result_free(&r);
	http_expect_invalid("GET", "/v1/maintenance/calendar?from=2026-13-01", admin, NULL, "from");
	http_expect_invalid("GET", "/v1/maintenance/calendar?from=2026-06-01&to=2026-05-01", admin,
			    NULL, "to");
	http_expect_invalid("GET", "/v1/maintenance/calendar?from=2026-01-01&to=2028-01-01", admin,
			    NULL, "to");
	http_expect_invalid("GET", "/v1/maintenance/calendar?centre=C-XX", admin, NULL, "centre");
	http_expect_invalid("GET", "/v1/maintenance/calendar?customer_id=x", admin, NULL,
			    "customer_id");
	http_expect_invalid("GET", "/v1/maintenance/calendar?colour=red", admin, NULL, "colour");
	/* A plan without visits goes; one with visits stays (409). */
	http_expect("DELETE", path, admin, NULL, 204);
	http_expect("GET", path, admin, NULL, 404);
	harness_set_today("2026-07-01");
	id = post_plan(admin, json_pack("{s:s, s:I, s:i}", "name", "y", "model_id", (json_int_t)1,
					"interval_months", 12));
	snprintf(path, sizeof(path), "/v1/maintenance-plans/%lld", (long long)id);
	run_job();
	ck_assert_int_gt(visits(), 0);
	ck_assert_int_eq(http_json("DELETE", path, admin, NULL, &r), 409);
	http_result_free(&r);
	http_expect("GET", path, admin, NULL, 200);
	clock_set_offset(0);
	free(admin);
	free(disp);
}
END_TEST

START_TEST(the_calendar_shows_only_units_in_scope)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup_js = harness_user_token("sup.js", "supervisor", "JS", NULL);
	char *sup_gd = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *sales = harness_user_token("sales.gd", "sales", NULL, NULL);
	char cal[1024];

	seed();
	harness_set_today("2026-06-07");
	post_plan(admin, json_pack("{s:s, s:I, s:i}", "name", "annual", "model_id", (json_int_t)1,
				   "interval_months", 12));
	run_job();
	calendar_of(sup_js, "from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U4:2026-06-12:requested");
	calendar_of(sup_gd, "from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U1:2026-06-10:requested U3:2026-06-15:requested "
			      "U2:2026-06-20:requested");
	/* Another region's centre or customer: nothing of theirs. */
	calendar_of(sup_js, "centre=C-SZ&from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "");
	calendar_of(sup_gd, "customer_id=3&from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "");
	calendar_of(admin, "customer_id=3&from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U4:2026-06-12:requested");
	/* A salesperson owning no customer sees none. */
	calendar_of(sales, "from=2026-06-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "");
	clock_set_offset(0);
	free(admin);
	free(sup_js);
	free(sup_gd);
	free(sales);
}
END_TEST

START_TEST(a_contract_plan_takes_its_interval_from_the_visits_a_year)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char cal[1024];
	json_t *doc;

	seed();
	/* Active from 2026-01-01, four preventive visits a year, covering site
	 * S2 (unit 3) and unit 4 by name. */
	exec_sql(
	    "INSERT INTO contracts(id, number, customer_id, kind, start_date, end_date, status,"
	    " visits_per_year, created_at, updated_at) VALUES (1, 'SC-1', 1, 'service',"
	    " '2026-01-01', '2026-12-31', 'active', 4, 0, 0);"
	    "INSERT INTO contract_sites(contract_id, site_id) VALUES (1, 2);"
	    "INSERT INTO contract_units(contract_id, asset_id) VALUES (1, 4);");
	harness_set_today("2026-05-01");
	doc = http_expect_json(
	    "POST", "/v1/maintenance-plans", admin,
	    json_pack("{s:s, s:I}", "name", "SC-1 quarterly", "contract_id", (json_int_t)1), 201);
	ck_assert_int_eq(jint(doc, "interval_months"), 3);
	ck_assert(json_is_null(json_object_get(doc, "model_id")));
	json_decref(doc);
	/* Installed in June 2025: counted from the contract's start, three
	 * months on. */
	calendar_of(admin, "from=2026-03-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "U3:2026-04-01:overdue U4:2026-04-01:overdue");
	/* Not while the contract is not active. */
	exec_sql("UPDATE contracts SET status = 'cancelled'");
	calendar_of(admin, "from=2026-03-01&to=2026-06-30", cal, sizeof(cal));
	ck_assert_str_eq(cal, "");
	clock_set_offset(0);
	free(admin);
}
END_TEST

Suite *maintenance_suite(void)
{
	Suite *s = suite_create("maintenance");
	TCase *tc = tcase_create("maintenance");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_plan_requests_each_due_unit_once_grouped_per_site_across_restarts);
	tcase_add_test(tc, a_visit_done_early_moves_the_next_due_date);
	tcase_add_test(tc, running_hours_plans_fall_due_by_the_meter);
	tcase_add_test(tc, overdue_maintenance_is_alerted_once);
	tcase_add_test(tc, bad_plans_and_queries_are_400_naming_the_field_and_store_nothing);
	tcase_add_test(tc, the_calendar_shows_only_units_in_scope);
	tcase_add_test(tc, a_contract_plan_takes_its_interval_from_the_visits_a_year);
	suite_add_tcase(s, tc);
	return s;
}
