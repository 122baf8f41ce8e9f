/* Service levels through HTTPS against the real database: the catalogue
 * tree and its admin edits, targets and rules, the business calendar and
 * its days, and the quote, whose deadlines prove the business-time
 * arithmetic: within a day, exactly at closing, across a weekend, from a
 * start outside working hours, across a holiday week, onto a make-up
 * working day, P1 round the clock, and a calendar without working time
 * answering 422 instead of hanging. Bad input is named and stores nothing;
 * writes are admin-only and audited. The engine's pause arithmetic
 * (sla_shift) and the demo calendar are tested directly. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/catalogue.h"
#include "core/clock.h"
#include "db/db.h"
#include "demo/demo.h"
#include "harness.h"
#include "domain/sla.h"
#include "suites.h"

/* ---- helpers ------------------------------------------------------------- */

static int64_t audits(const char *action)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
	return count_rows(sql);
}

/* "2026-11-20T16:30" China Standard Time as the API's UTC string. */
static const char *cst(const char *local, char out[32])
{
	char s[40];
	int64_t t;

	snprintf(s, sizeof(s), "%s:00+08:00", local);
	ck_assert_msg(clock_parse(s, &t) == 0, "bad test time %s", local);
	clock_format(t, out, 32);
	return out;
}

static int64_t cst_time(const char *local)
{
	char s[40];
	int64_t t;

	snprintf(s, sizeof(s), "%s:00+08:00", local);
	ck_assert_int_eq(clock_parse(s, &t), 0);
	return t;
}

/* GET the quote for work reported at local CST time `at`; asserts 200. */
static json_t *quote(const char *token, const char *tier, const char *impact, const char *urgency,
		     const char *category, const char *at)
{
	struct http_result r;
	char path[256];
	json_t *doc;

	snprintf(path, sizeof(path),
		 "/v1/service-levels/quote?tier=%s&impact=%s&urgency=%s%s%s&at=%s:00%%2B08:00",
		 tier, impact, urgency, category ? "&category=" : "", category ? category : "", at);
	ck_assert_msg(http_get(path, token, &r) == 200, "%s: %ld %s", path, r.status, r.body);
	doc = json_incref(r.json);
	http_result_free(&r);
	return doc;
}

/* Asserts a quote's priority and its three deadlines (local CST times). */
static void assert_quote(json_t *q, const char *priority, const char *response, const char *arrival,
			 const char *resolution)
{
	json_t *d = json_object_get(q, "deadlines");
	char want[32];

	ck_assert_str_eq(jstr(q, "priority"), priority);
	ck_assert_str_eq(jstr(d, "response"), cst(response, want));
	if (arrival)
		ck_assert_str_eq(jstr(d, "arrival"), cst(arrival, want));
	if (resolution)
		ck_assert_str_eq(jstr(d, "resolution"), cst(resolution, want));
	json_decref(q);
}

/* B / unit / medium is P3 (targets 120, 1080, 4320 business minutes);
 * its response deadline is the quickest probe of the calendar. */
static void assert_p3_response(const char *token, const char *at, const char *response)
{
	assert_quote(quote(token, "B", "unit", "medium", NULL, at), "P3", response, NULL, NULL);
}

/* ---- the catalogue ----------------------------------------------------------- */

START_TEST(catalogue_tree_has_four_categories_and_eight_subcategories)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");
	static const char *const other[] = { "consultation", "suggestion", "opinion", "praise" };
	struct http_result r;
	json_t *items, *cat, *subs;
	size_t i, total = 0;

	ck_assert_int_eq(http_get("/v1/catalogue", tech, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_uint_eq(json_array_size(items), 4);
	ck_assert_str_eq(jstr(json_array_get(items, 0), "code"), "complaint");
	ck_assert_str_eq(jstr(json_array_get(items, 0), "name"), "投诉");
	ck_assert_str_eq(jstr(json_array_get(items, 1), "name_en"), "Fault repair");
	json_array_foreach(items, i, cat) {
		ck_assert(json_is_null(json_object_get(cat, "parent")));
		ck_assert(json_is_true(json_object_get(cat, "active")));
		total += json_array_size(json_object_get(cat, "subcategories"));
	}
	ck_assert_uint_eq(total, 8);
	cat = json_array_get(items, 3);
	ck_assert_str_eq(jstr(cat, "code"), "other");
	subs = json_object_get(cat, "subcategories");
	ck_assert_uint_eq(json_array_size(subs), 4);
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(jstr(json_array_get(subs, i), "code"), other[i]);
		ck_assert_str_eq(jstr(json_array_get(subs, i), "parent"), "other");
	}
	ck_assert_str_eq(jstr(json_array_get(subs, 3), "name"), "表扬");
	ck_assert_str_eq(jstr(json_array_get(subs, 3), "name_en"), "Praise");
	http_result_free(&r);

	ck_assert_int_eq(http_get("/v1/catalogue/praise", tech, &r), 200);
	ck_assert_str_eq(jstr(r.json, "parent"), "other");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/catalogue/nothing", tech, &r), 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	http_expect("GET", "/v1/catalogue", NULL, NULL, 401);
	free(tech);
}
END_TEST

START_TEST(admin_adds_and_edits_subcategories_with_audit)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct catalogue_entry e;
	struct http_result r;
	char location[128];
	json_t *subs;

	ck_assert_int_eq(http_json("POST", "/v1/catalogue", admin,
				   "{\"code\":\"installation\",\"parent\":\"service_request\","
				   "\"name\":\"安装调试\",\"name_en\":\"Installation\"}",
				   &r),
			 201);
	ck_assert_ptr_nonnull(http_header(&r, "Location", location, sizeof(location)));
	ck_assert_str_eq(location, "/v1/catalogue/installation");
	ck_assert_str_eq(jstr(r.json, "parent"), "service_request");
	ck_assert_int_eq(jint(r.json, "sort"), 32); /* after maintenance (31) */
	ck_assert(json_is_true(json_object_get(r.json, "active")));
	http_result_free(&r);
	ck_assert_int_eq(audits("catalogue.create"), 1);

	/* Other modules see it through catalogue_get(). */
	ck_assert_int_eq(catalogue_get(H.db, "installation", &e), ERR_OK);
	ck_assert_str_eq(e.parent, "service_request");
	ck_assert_str_eq(e.name, "安装调试");
	ck_assert_int_eq(e.active, 1);
	ck_assert_int_eq(catalogue_get(H.db, "nothing", &e), ERR_NOT_FOUND);

	ck_assert_int_eq(http_json("PATCH", "/v1/catalogue/installation", admin,
				   "{\"name\":\"安装\",\"name_en\":\"Installing\",\"sort\":5,"
				   "\"active\":false}",
				   &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "name"), "安装");
	ck_assert_str_eq(jstr(r.json, "name_en"), "Installing");
	ck_assert_int_eq(jint(r.json, "sort"), 5);
	ck_assert(json_is_false(json_object_get(r.json, "active")));
	http_result_free(&r);
	ck_assert_int_eq(audits("catalogue.update"), 1);

	/* The tree lists it first among its siblings (sort 5), inactive. */
	ck_assert_int_eq(http_get("/v1/catalogue", admin, &r), 200);
	subs =
	    json_object_get(json_array_get(json_object_get(r.json, "items"), 2), "subcategories");
	ck_assert_uint_eq(json_array_size(subs), 2);
	ck_assert_str_eq(jstr(json_array_get(subs, 0), "code"), "installation");
	ck_assert(json_is_false(json_object_get(json_array_get(subs, 0), "active")));
	http_result_free(&r);

	/* A top-level category may be renamed but not retired. */
	http_expect("PATCH", "/v1/catalogue/other", admin, "{\"name_en\":\"Other matters\"}", 200);
	http_expect_invalid("PATCH", "/v1/catalogue/other", admin, "{\"active\":false}", "/active");
	ck_assert_int_eq(count_rows("SELECT active FROM service_categories WHERE code = 'other'"),
			 1);
	free(admin);
}
END_TEST

START_TEST(catalogue_bad_input_is_named_and_nothing_stored)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	int64_t before = count_rows("SELECT count(*) FROM service_categories");
	char longname[200];

	http_expect_invalid("POST", "/v1/catalogue", admin, "{}", "/code");
	http_expect_invalid("POST", "/v1/catalogue", admin, "{}", "/parent");
	http_expect_invalid("POST", "/v1/catalogue", admin, "{}", "/name");
	http_expect_invalid("POST", "/v1/catalogue", admin, "{}", "/name_en");
	http_expect_invalid("POST", "/v1/catalogue", admin,
			    "{\"code\":\"Bad Code\",\"parent\":\"other\",\"name\":\"x\","
			    "\"name_en\":\"x\"}",
			    "/code");
	/* Two levels only: a subcategory is no parent; top levels are fixed. */
	http_expect_invalid(
	    "POST", "/v1/catalogue", admin,
	    "{\"code\":\"deep\",\"parent\":\"repair\",\"name\":\"x\",\"name_en\":\"x\"}",
	    "/parent");
	http_expect_invalid(
	    "POST", "/v1/catalogue", admin,
	    "{\"code\":\"deep\",\"parent\":\"nothing\",\"name\":\"x\",\"name_en\":\"x\"}",
	    "/parent");
	http_expect_invalid(
	    "POST", "/v1/catalogue", admin,
	    "{\"code\":\"deep\",\"parent\":\"other\",\"name\":\" \",\"name_en\":\"x\","
	    "\"sort\":-1,\"active\":\"yes\",\"colour\":\"red\"}",
	    "/name");
	http_expect_invalid(
	    "POST", "/v1/catalogue", admin,
	    "{\"code\":\"deep\",\"parent\":\"other\",\"name\":\"x\",\"name_en\":\"x\","
	    "\"sort\":-1}",
	    "/sort");
	http_expect_invalid(
	    "POST", "/v1/catalogue", admin,
	    "{\"code\":\"deep\",\"parent\":\"other\",\"name\":\"x\",\"name_en\":\"x\","
	    "\"active\":\"yes\"}",
	    "/active");
	http_expect_invalid(
	    "POST", "/v1/catalogue", admin,
	    "{\"code\":\"deep\",\"parent\":\"other\",\"name\":\"x\",\"name_en\":\"x\","
	    "\"colour\":\"red\"}",
	    "/colour");
	memset(longname, 'a', 150);
	longname[150] = '\0';
	{
		char body[400];

		snprintf(
		    body, sizeof(body),
		    "{\"code\":\"deep\",\"parent\":\"other\",\"name\":\"%s\",\"name_en\":\"x\"}",
		    longname);
		http_expect_invalid("POST", "/v1/catalogue", admin, body, "/name");
	}
	/* A taken code is a conflict. */
	http_expect("POST", "/v1/catalogue", admin,
		    "{\"code\":\"praise\",\"parent\":\"other\",\"name\":\"x\",\"name_en\":\"x\"}",
		    409);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_categories"), before);

	http_expect("PATCH", "/v1/catalogue/nothing", admin, "{\"name\":\"x\"}", 404);
	http_expect_invalid("PATCH", "/v1/catalogue/praise", admin, "{}", "");
	http_expect_invalid("PATCH", "/v1/catalogue/praise", admin, "{\"sort\":\"first\"}",
			    "/sort");
	http_expect_invalid("PATCH", "/v1/catalogue/praise", admin, "{\"name\":\"\"}", "/name");
	http_expect_invalid("PATCH", "/v1/catalogue/praise", admin, "{\"parent\":\"complaint\"}",
			    "/parent");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_categories WHERE code = 'praise'"
				    " AND name = '表扬' AND sort = 44 AND parent_code = 'other'"),
			 1);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'catalogue.%'"), 0);
	free(admin);
}
END_TEST

/* ---- permissions ------------------------------------------------------------- */

START_TEST(only_admins_write_and_everyone_reads)
{
	const char *roles[] = { "supervisor", "dispatcher", "technician", "sales", "auditor" };
	struct http_result r;

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		char name[32];
		char *token;

		snprintf(name, sizeof(name), "u%zu", i);
		token = harness_user_token(name, roles[i], "SZ", "C-SZ");
		http_expect(
		    "POST", "/v1/catalogue", token,
		    "{\"code\":\"x\",\"parent\":\"other\",\"name\":\"x\",\"name_en\":\"x\"}", 403);
		http_expect("PATCH", "/v1/catalogue/praise", token, "{\"name\":\"x\"}", 403);
		http_expect(
		    "PUT", "/v1/service-levels/targets/P2", token,
		    "{\"response_minutes\":1,\"arrival_minutes\":2,\"resolution_minutes\":3,"
		    "\"round_the_clock\":true}",
		    403);
		http_expect(
		    "PUT", "/v1/service-levels/rules", token,
		    "{\"tier\":\"C\",\"impact\":\"unit\",\"urgency\":\"low\",\"priority\":\"P1\"}",
		    403);
		http_expect("PATCH", "/v1/calendar", token, "{\"day_start\":\"00:00\"}", 403);
		http_expect("PUT", "/v1/calendar/days/2026-12-01", token, "{\"kind\":\"holiday\"}",
			    403);
		http_expect("DELETE", "/v1/calendar/days/2026-12-01", token, NULL, 403);
		ck_assert_int_eq(http_get("/v1/catalogue", token, &r), 200);
		http_result_free(&r);
		ck_assert_int_eq(http_get("/v1/service-levels", token, &r), 200);
		http_result_free(&r);
		ck_assert_int_eq(http_get("/v1/calendar", token, &r), 200);
		http_result_free(&r);
		json_decref(quote(token, "A", "site", "high", NULL, "2026-11-20T10:00"));
		free(token);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_categories"), 12);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM calendar_days"), 0);
	ck_assert_int_eq(count_rows("SELECT response_minutes FROM priority_targets"
				    " WHERE priority = 'P2'"),
			 60);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_levels WHERE priority = 'P1'"
				    " AND tier = 'C'"),
			 0);
	/* None of the refused writes was audited. */
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'calendar.%'"
		       " OR action LIKE 'service_level.%' OR action LIKE 'catalogue.%'"),
	    0);
}
END_TEST

/* ---- service levels ------------------------------------------------------------ */

START_TEST(service_levels_list_targets_and_rules)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");
	struct http_result r;
	json_t *targets, *rules, *first;
	json_t *rule;
	size_t i, other = 0;

	ck_assert_int_eq(http_get("/v1/service-levels", tech, &r), 200);
	targets = json_object_get(r.json, "targets");
	ck_assert_uint_eq(json_array_size(targets), 4);
	first = json_array_get(targets, 0);
	ck_assert_str_eq(jstr(first, "priority"), "P1");
	ck_assert_int_eq(jint(first, "response_minutes"), 30);
	ck_assert_int_eq(jint(first, "arrival_minutes"), 240);
	ck_assert_int_eq(jint(first, "resolution_minutes"), 1440);
	ck_assert(json_is_true(json_object_get(first, "round_the_clock")));
	ck_assert(json_is_false(json_object_get(json_array_get(targets, 3), "round_the_clock")));
	rules = json_object_get(r.json, "rules");
	ck_assert_uint_eq(json_array_size(rules), 72); /* 4 x 3 x 3, twice */
	rule = json_array_get(rules, 0);
	ck_assert_str_eq(jstr(rule, "tier"), "strategic");
	ck_assert_str_eq(jstr(rule, "impact"), "grid");
	ck_assert_str_eq(jstr(rule, "urgency"), "high");
	ck_assert(json_is_null(json_object_get(rule, "category")));
	ck_assert_str_eq(jstr(rule, "priority"), "P1");
	json_array_foreach(rules, i, rule)
		if (jstr(rule, "category") && strcmp(jstr(rule, "category"), "other") == 0) {
			ck_assert_str_eq(jstr(rule, "priority"), "P4");
			other++;
		}
	ck_assert_uint_eq(other, 36);
	http_result_free(&r);
	free(tech);
}
END_TEST

START_TEST(admin_sets_targets_and_rules_with_audit)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;

	/* Friday 16:30: one business hour left that day. */
	assert_quote(quote(admin, "C", "unit", "low", "repair", "2026-11-20T16:30"), "P4",
		     "2026-11-23T11:30", NULL, NULL);

	ck_assert_int_eq(http_json("PUT", "/v1/service-levels/targets/P4", admin,
				   "{\"response_minutes\":90,\"arrival_minutes\":600,"
				   "\"resolution_minutes\":1200,\"round_the_clock\":false}",
				   &r),
			 200);
	ck_assert_int_eq(jint(r.json, "response_minutes"), 90);
	http_result_free(&r);
	ck_assert_int_eq(audits("service_level.targets.update"), 1);
	/* 600 = 60 + 540: due exactly at Monday's closing. */
	assert_quote(quote(admin, "C", "unit", "low", NULL, "2026-11-20T16:30"), "P4",
		     "2026-11-23T09:00", "2026-11-23T17:30", "2026-11-25T09:30");

	/* A rule for one category wins over the any-category rule; the
	 * quote maps a subcategory to its category. */
	ck_assert_int_eq(http_json("PUT", "/v1/service-levels/rules", admin,
				   "{\"tier\":\"C\",\"impact\":\"unit\",\"urgency\":\"low\","
				   "\"category\":\"fault_repair\",\"priority\":\"P2\"}",
				   &r),
			 201);
	ck_assert_str_eq(jstr(r.json, "category"), "fault_repair");
	http_result_free(&r);
	assert_quote(quote(admin, "C", "unit", "low", "repair", "2026-11-20T16:30"), "P2",
		     "2026-11-20T17:30", "2026-11-23T15:30", NULL);
	assert_quote(quote(admin, "C", "unit", "low", "fault_repair", "2026-11-20T16:30"), "P2",
		     "2026-11-20T17:30", NULL, NULL);
	assert_quote(quote(admin, "C", "unit", "low", "maintenance", "2026-11-20T16:30"), "P4",
		     "2026-11-23T09:00", NULL, NULL);
	assert_quote(quote(admin, "C", "unit", "low", NULL, "2026-11-20T16:30"), "P4",
		     "2026-11-23T09:00", NULL, NULL);

	/* Setting it again replaces it (200); the base row changes alike. */
	http_expect("PUT", "/v1/service-levels/rules", admin,
		    "{\"tier\":\"C\",\"impact\":\"unit\",\"urgency\":\"low\","
		    "\"category\":\"fault_repair\",\"priority\":\"P3\"}",
		    200);
	http_expect("PUT", "/v1/service-levels/rules", admin,
		    "{\"tier\":\"C\",\"impact\":\"unit\",\"urgency\":\"low\",\"category\":null,"
		    "\"priority\":\"P1\"}",
		    200);
	assert_quote(quote(admin, "C", "unit", "low", "repair", "2026-11-20T16:30"), "P3",
		     "2026-11-23T09:30", NULL, NULL);
	assert_quote(quote(admin, "C", "unit", "low", NULL, "2026-11-20T16:30"), "P1",
		     "2026-11-20T17:00", NULL, NULL);
	/* "other" keeps its own rows. */
	assert_quote(quote(admin, "C", "unit", "low", "praise", "2026-11-20T16:30"), "P4",
		     "2026-11-23T09:00", NULL, NULL);
	ck_assert_int_eq(audits("service_level.rule.put"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_levels"), 73);
	free(admin);
}
END_TEST

START_TEST(service_level_bad_input_is_named_and_nothing_stored)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	const char *targets = "SELECT group_concat(priority || response_minutes || arrival_minutes"
			      " || resolution_minutes || round_the_clock) FROM priority_targets";
	char before[512];
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(H.db), targets, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(before, sizeof(before), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);

	http_expect("PUT", "/v1/service-levels/targets/P9", admin,
		    "{\"response_minutes\":1,\"arrival_minutes\":2,\"resolution_minutes\":3,"
		    "\"round_the_clock\":true}",
		    404);
	http_expect_invalid("PUT", "/v1/service-levels/targets/P2", admin, "{}",
			    "/response_minutes");
	http_expect_invalid("PUT", "/v1/service-levels/targets/P2", admin, "{}",
			    "/round_the_clock");
	http_expect_invalid(
	    "PUT", "/v1/service-levels/targets/P2", admin,
	    "{\"response_minutes\":0,\"arrival_minutes\":2,\"resolution_minutes\":3,"
	    "\"round_the_clock\":false}",
	    "/response_minutes");
	http_expect_invalid(
	    "PUT", "/v1/service-levels/targets/P2", admin,
	    "{\"response_minutes\":10,\"arrival_minutes\":2,\"resolution_minutes\":3,"
	    "\"round_the_clock\":false}",
	    "/arrival_minutes");
	http_expect_invalid("PUT", "/v1/service-levels/targets/P2", admin,
			    "{\"response_minutes\":1,\"arrival_minutes\":2,"
			    "\"resolution_minutes\":100001,\"round_the_clock\":false}",
			    "/resolution_minutes");
	http_expect_invalid(
	    "PUT", "/v1/service-levels/targets/P2", admin,
	    "{\"response_minutes\":1.5,\"arrival_minutes\":2,\"resolution_minutes\":3,"
	    "\"round_the_clock\":\"no\"}",
	    "/round_the_clock");
	http_expect_invalid(
	    "PUT", "/v1/service-levels/targets/P2", admin,
	    "{\"response_minutes\":1.5,\"arrival_minutes\":2,\"resolution_minutes\":3,"
	    "\"round_the_clock\":false}",
	    "/response_minutes");

	http_expect_invalid("PUT", "/v1/service-levels/rules", admin, "{}", "/tier");
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin, "{}", "/priority");
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin,
			    "{\"tier\":\"gold\",\"impact\":\"unit\",\"urgency\":\"low\","
			    "\"priority\":\"P1\"}",
			    "/tier");
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin,
			    "{\"tier\":\"A\",\"impact\":\"city\",\"urgency\":\"low\","
			    "\"priority\":\"P1\"}",
			    "/impact");
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin,
			    "{\"tier\":\"A\",\"impact\":\"unit\",\"urgency\":\"now\","
			    "\"priority\":\"P1\"}",
			    "/urgency");
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin,
			    "{\"tier\":\"A\",\"impact\":\"unit\",\"urgency\":\"low\","
			    "\"priority\":\"P5\"}",
			    "/priority");
	/* Rules match top-level categories only. */
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin,
			    "{\"tier\":\"A\",\"impact\":\"unit\",\"urgency\":\"low\","
			    "\"category\":\"repair\",\"priority\":\"P1\"}",
			    "/category");
	http_expect_invalid("PUT", "/v1/service-levels/rules", admin,
			    "{\"tier\":\"A\",\"impact\":\"unit\",\"urgency\":\"low\","
			    "\"category\":\"nothing\",\"priority\":\"P1\",\"why\":1}",
			    "/why");

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(H.db), targets, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), before);
	sqlite3_finalize(st);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_levels"), 72);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM service_levels WHERE tier = 'A'"
				    " AND impact = 'unit' AND urgency = 'low' AND priority = 'P1'"),
			 0);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'service_level.%'"), 0);
	free(admin);
}
END_TEST

/* ---- the calendar ---------------------------------------------------------------- */

START_TEST(calendar_reads_and_admin_edits_with_audit)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;
	json_t *days;

	ck_assert_int_eq(http_get("/v1/calendar", admin, &r), 200);
	ck_assert_int_eq(jint(r.json, "utc_offset_minutes"), 480);
	ck_assert_str_eq(jstr(r.json, "day_start"), "08:30");
	ck_assert_str_eq(jstr(r.json, "day_end"), "17:30");
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "workdays")), 5);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "workdays"), 4)),
			 "fri");
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "days")), 0);
	http_result_free(&r);

	/* Days: created (201), replaced (200), listed by range, deleted. */
	ck_assert_int_eq(http_json("PUT", "/v1/calendar/days/2026-11-25", admin,
				   "{\"kind\":\"holiday\",\"name\":\"厂庆\"}", &r),
			 201);
	ck_assert_str_eq(jstr(r.json, "date"), "2026-11-25");
	ck_assert_str_eq(jstr(r.json, "name"), "厂庆");
	http_result_free(&r);
	http_expect("PUT", "/v1/calendar/days/2026-11-25", admin, "{\"kind\":\"holiday\"}", 200);
	http_expect("PUT", "/v1/calendar/days/2026-11-28", admin,
		    "{\"kind\":\"workday\",\"name\":\"调休\"}", 201);
	http_expect("PUT", "/v1/calendar/days/2027-01-01", admin, "{\"kind\":\"holiday\"}", 201);
	ck_assert_int_eq(http_get("/v1/calendar?from=2026-11-01&to=2026-11-30", admin, &r), 200);
	days = json_object_get(r.json, "days");
	ck_assert_uint_eq(json_array_size(days), 2);
	ck_assert_str_eq(jstr(json_array_get(days, 0), "date"), "2026-11-25");
	ck_assert_str_eq(jstr(json_array_get(days, 0), "name"), "");
	ck_assert_str_eq(jstr(json_array_get(days, 1), "kind"), "workday");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/calendar?from=2026-12-01", admin, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "days")), 1);
	http_result_free(&r);

	/* Wednesday 25th off, Saturday 28th worked: Tuesday 16:30 + 2 h. */
	assert_p3_response(admin, "2026-11-24T16:30", "2026-11-26T09:30");
	assert_p3_response(admin, "2026-11-27T16:30", "2026-11-28T09:30");
	http_expect("DELETE", "/v1/calendar/days/2026-11-25", admin, NULL, 204);
	http_expect("DELETE", "/v1/calendar/days/2026-11-25", admin, NULL, 404);
	assert_p3_response(admin, "2026-11-24T16:30", "2026-11-25T09:30");
	ck_assert_int_eq(audits("calendar.day.put"), 4);
	ck_assert_int_eq(audits("calendar.day.delete"), 1);

	/* Hours, weekdays and zone. */
	ck_assert_int_eq(
	    http_json("PATCH", "/v1/calendar", admin,
		      "{\"day_start\":\"09:00\",\"day_end\":\"18:00\","
		      "\"workdays\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"]}",
		      &r),
	    200);
	ck_assert_str_eq(jstr(r.json, "day_start"), "09:00");
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "workdays")), 6);
	http_result_free(&r);
	assert_p3_response(admin, "2026-11-20T17:00", "2026-11-21T10:00"); /* Saturday works */
	http_expect("PATCH", "/v1/calendar", admin,
		    "{\"day_end\":\"24:00\",\"utc_offset_minutes\":0}", 200);
	ck_assert_int_eq(http_get("/v1/calendar", admin, &r), 200);
	ck_assert_str_eq(jstr(r.json, "day_end"), "24:00");
	ck_assert_int_eq(jint(r.json, "utc_offset_minutes"), 0);
	http_result_free(&r);
	ck_assert_int_eq(audits("calendar.update"), 2);
	free(admin);
}
END_TEST

START_TEST(calendar_bad_input_is_named_and_nothing_stored)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);

	http_expect_invalid("PATCH", "/v1/calendar", admin, "{}", "");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"day_start\":\"25:00\"}",
			    "/day_start");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"day_start\":\"8:30\"}",
			    "/day_start");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"day_start\":\"24:00\"}",
			    "/day_start");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"day_end\":\"08:00\"}", "/day_end");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"day_end\":\"17:60\"}", "/day_end");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"utc_offset_minutes\":900}",
			    "/utc_offset_minutes");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"workdays\":[]}", "/workdays");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"workdays\":[\"mon\",\"mon\"]}",
			    "/workdays/1");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"workdays\":[\"monday\"]}",
			    "/workdays/0");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"workdays\":[1]}", "/workdays/0");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"workdays\":\"mon\"}", "/workdays");
	http_expect_invalid("PATCH", "/v1/calendar", admin, "{\"timezone\":\"Asia/Shanghai\"}",
			    "/timezone");
	/* A good member next to a bad one changes nothing either. */
	http_expect_invalid("PATCH", "/v1/calendar", admin,
			    "{\"day_start\":\"07:00\",\"utc_offset_minutes\":-900}",
			    "/utc_offset_minutes");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM business_calendar WHERE"
				    " utc_offset_minutes = 480 AND day_start_minute = 510"
				    " AND day_end_minute = 1050 AND workdays = 31"),
			 1);

	http_expect_invalid("PUT", "/v1/calendar/days/2026-02-30", admin, "{\"kind\":\"holiday\"}",
			    "date");
	http_expect_invalid("PUT", "/v1/calendar/days/tomorrow", admin, "{\"kind\":\"holiday\"}",
			    "date");
	http_expect_invalid("PUT", "/v1/calendar/days/2026-12-01", admin, "{\"kind\":\"vacation\"}",
			    "/kind");
	/* A typo is named for what it is, not as too long. */
	{
		struct http_result r;

		http_json("PUT", "/v1/calendar/days/2026-12-01", admin, "{\"kind\":\"workdays\"}",
			  &r);
		assert_problem(&r, 400, "/kind");
		ck_assert_ptr_nonnull(strstr(r.body, "must be holiday or workday"));
		http_result_free(&r);
	}
	http_expect_invalid("PUT", "/v1/calendar/days/2026-12-01", admin, "{}", "/kind");
	http_expect_invalid("PUT", "/v1/calendar/days/2026-12-01", admin,
			    "{\"kind\":\"holiday\",\"name\":7}", "/name");
	http_expect_invalid("DELETE", "/v1/calendar/days/2026-13-01", admin, NULL, "date");
	http_expect_invalid("GET", "/v1/calendar?from=2026-1-1", admin, NULL, "from");
	http_expect_invalid("GET", "/v1/calendar?from=2026-12-01&to=2026-11-01", admin, NULL, "to");
	http_expect_invalid("GET", "/v1/calendar?year=2026", admin, NULL, NULL);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM calendar_days"), 0);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'calendar.%'"), 0);
	free(admin);
}
END_TEST

/* ---- deadlines through the quote ----------------------------------------------------- */

START_TEST(quote_counts_business_hours_within_days_and_across_a_weekend)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");
	json_t *q;

	/* Friday 2026-11-20 16:30 + 120 business minutes (08:30-17:30):
	 * 60 on Friday, 60 from Monday's opening. */
	q = quote(tech, "B", "unit", "medium", NULL, "2026-11-20T16:30");
	ck_assert(json_is_false(json_object_get(q, "round_the_clock")));
	ck_assert_int_eq(jint(json_object_get(q, "targets"), "response_minutes"), 120);
	{
		char want[32];

		ck_assert_str_eq(jstr(q, "start"), cst("2026-11-20T16:30", want));
	}
	/* arrival 1080 = 60 + 540 (Mon) + 480 (Tue); resolution 4320 = 60 +
	 * 7 x 540 + 480 (Mon 23 .. Tue 1 Dec, then Wed 2 Dec). */
	assert_quote(q, "P3", "2026-11-23T09:30", "2026-11-24T16:30", "2026-12-02T16:30");
	/* Within a day, and exactly at closing time (not the next morning). */
	assert_p3_response(tech, "2026-11-18T10:00", "2026-11-18T12:00");
	assert_p3_response(tech, "2026-11-18T15:30", "2026-11-18T17:30");
	assert_p3_response(tech, "2026-11-18T15:31", "2026-11-19T08:31");
	/* Seconds are kept. */
	{
		struct http_result r;

		ck_assert_int_eq(
		    http_get("/v1/service-levels/quote?tier=B&impact=unit&urgency=medium"
			     "&at=2026-11-18T02:00:30Z",
			     tech, &r),
		    200);
		/* 10:00:30 CST + 2 h */
		ck_assert_str_eq(jstr(json_object_get(r.json, "deadlines"), "response"),
				 "2026-11-18T04:00:30Z");
		http_result_free(&r);
	}
	free(tech);
}
END_TEST

START_TEST(quote_from_outside_hours_starts_at_the_next_opening)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");

	assert_p3_response(tech, "2026-11-18T07:00", "2026-11-18T10:30"); /* before opening */
	assert_p3_response(tech, "2026-11-18T20:00", "2026-11-19T10:30"); /* after closing */
	assert_p3_response(tech, "2026-11-21T22:00", "2026-11-23T10:30"); /* Saturday night */
	assert_p3_response(tech, "2026-11-22T03:00", "2026-11-23T10:30"); /* Sunday */
	assert_p3_response(tech, "2026-11-20T17:30", "2026-11-23T10:30"); /* at closing */
	free(tech);
}
END_TEST

START_TEST(quote_skips_holidays_and_counts_make_up_workdays)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");

	ck_assert_int_eq(sla_demo_calendar(H.db), ERR_OK);
	/* National Day: Wednesday 30 Sep 16:30, then 1-7 Oct off. */
	assert_quote(quote(tech, "B", "unit", "medium", NULL, "2026-09-30T16:30"), "P3",
		     "2026-10-08T09:30", "2026-10-09T16:30", NULL);
	/* Saturday 10 Oct is worked in exchange (调休): Friday 9th 16:30 + 2 h
	 * is Saturday 09:30, not Monday. */
	assert_p3_response(tech, "2026-10-09T16:30", "2026-10-10T09:30");
	/* Sunday 20 Sep is worked too: a Saturday call is answered then. */
	assert_p3_response(tech, "2026-09-19T12:00", "2026-09-20T10:30");
	/* Spring Festival 15-23 Feb; Saturday 14 Feb worked. */
	assert_p3_response(tech, "2026-02-13T17:00", "2026-02-14T10:00");
	assert_p3_response(tech, "2026-02-14T17:00", "2026-02-24T10:00");
	/* New Year 2027 (Friday): Thursday 31 Dec 17:00 -> Monday 4 Jan. */
	assert_p3_response(tech, "2026-12-31T17:00", "2027-01-04T10:00");
	/* P1 ignores the calendar: 30 minutes after a holiday midnight. */
	assert_quote(quote(tech, "strategic", "grid", "high", NULL, "2026-10-01T23:45"), "P1",
		     "2026-10-02T00:15", "2026-10-02T03:45", "2026-10-02T23:45");
	free(tech);
}
END_TEST

START_TEST(quote_p1_runs_round_the_clock)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");
	json_t *q = quote(tech, "strategic", "grid", "high", "repair", "2026-11-21T23:00");

	ck_assert(json_is_true(json_object_get(q, "round_the_clock")));
	ck_assert_str_eq(jstr(q, "category"), "fault_repair");
	/* Saturday 23:00 + 30 min, 4 h, 24 h of wall-clock time. */
	assert_quote(q, "P1", "2026-11-21T23:30", "2026-11-22T03:00", "2026-11-22T23:00");
	/* Other gets P4 whatever the tier. */
	assert_quote(quote(tech, "strategic", "grid", "high", "praise", "2026-11-18T10:00"), "P4",
		     "2026-11-18T14:00", NULL, NULL);
	free(tech);
}
END_TEST

START_TEST(quote_bad_input_is_named)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");
	struct http_result r;

	http_expect_invalid("GET", "/v1/service-levels/quote?impact=unit&urgency=low", tech, NULL,
			    "tier");
	http_expect_invalid("GET", "/v1/service-levels/quote?tier=gold&impact=unit&urgency=low",
			    tech, NULL, "tier");
	http_expect_invalid("GET", "/v1/service-levels/quote?tier=A&impact=world&urgency=low", tech,
			    NULL, "impact");
	http_expect_invalid("GET", "/v1/service-levels/quote?tier=A&impact=unit", tech, NULL,
			    "urgency");
	http_expect_invalid(
	    "GET", "/v1/service-levels/quote?tier=A&impact=unit&urgency=low&category=nothing", tech,
	    NULL, "category");
	http_expect_invalid("GET",
			    "/v1/service-levels/quote?tier=A&impact=unit&urgency=low&at=yesterday",
			    tech, NULL, "at");
	http_expect_invalid("GET",
			    "/v1/service-levels/quote?tier=A&impact=unit&urgency=low&at=2026-02-30",
			    tech, NULL, "at");
	http_expect_invalid("GET",
			    "/v1/service-levels/quote?tier=A&impact=unit&urgency=low&when=now",
			    tech, NULL, NULL);
	/* Without at: now. */
	ck_assert_int_eq(
	    http_get("/v1/service-levels/quote?tier=A&impact=unit&urgency=low", tech, &r), 200);
	ck_assert_ptr_nonnull(jstr(json_object_get(r.json, "deadlines"), "resolution"));
	http_result_free(&r);
	free(tech);
}
END_TEST

START_TEST(a_calendar_without_working_time_answers_422_not_a_hang)
{
	char *tech = harness_user_token("tech", "technician", "SZ", "C-SZ");
	struct http_result r;

	/* Every day from 2026 to 2030 a holiday. */
	exec_sql("WITH RECURSIVE d(x) AS (SELECT '2026-01-01' UNION ALL"
		 " SELECT date(x, '+1 day') FROM d WHERE x < '2030-12-31')"
		 " INSERT INTO calendar_days(date, kind) SELECT x, 'holiday' FROM d");
	ck_assert_int_eq(
	    http_get(
		"/v1/service-levels/quote?tier=B&impact=unit&urgency=low&at=2026-03-02T09:00:00Z",
		tech, &r),
	    422);
	assert_problem(&r, 422, NULL);
	http_result_free(&r);
	/* Round the clock does not need the calendar. */
	json_decref(quote(tech, "strategic", "grid", "high", NULL, "2026-03-02T09:00"));
	/* After the holidays the work counts again (a holiday-free day
	 * within the horizon is found). */
	assert_p3_response(tech, "2028-06-01T09:00", "2031-01-01T10:30");
	free(tech);
}
END_TEST

/* ---- the engine directly ------------------------------------------------------------- */

START_TEST(engine_priority_add_and_shift)
{
	struct sla_targets t;
	struct sla_deadlines d;
	int64_t out, deadline;

	ck_assert_int_eq(sla_priority(H.db, "B", "unit", "medium", "fault_repair", &t), ERR_OK);
	ck_assert_str_eq(t.priority, "P3");
	ck_assert_int_eq(t.round_the_clock, 0);
	ck_assert_int_eq(sla_priority(H.db, "B", "unit", "medium", "other", &t), ERR_OK);
	ck_assert_str_eq(t.priority, "P4");
	ck_assert_int_eq(sla_priority(H.db, "A", "grid", "high", NULL, &t), ERR_OK);
	ck_assert_str_eq(t.priority, "P1");
	ck_assert_int_eq(t.round_the_clock, 1);
	ck_assert_int_eq(sla_priority(H.db, "gold", "unit", "medium", "", &t), ERR_INVALID);
	ck_assert_int_eq(sla_priority(H.db, "A", "unit", NULL, "", &t), ERR_INVALID);

	ck_assert_int_eq(sla_priority(H.db, "B", "unit", "medium", "", &t), ERR_OK);
	ck_assert_int_eq(sla_deadlines(H.db, &t, cst_time("2026-11-20T16:30"), &d), ERR_OK);
	ck_assert_int_eq(d.response, cst_time("2026-11-23T09:30"));
	ck_assert_int_eq(d.arrival, cst_time("2026-11-24T16:30"));
	ck_assert_int_eq(sla_add(H.db, 0, cst_time("2026-11-20T16:30"), 120, &out), ERR_OK);
	ck_assert_int_eq(out, cst_time("2026-11-23T09:30"));
	ck_assert_int_eq(sla_add(H.db, 0, cst_time("2026-11-21T10:00"), 0, &out), ERR_OK);
	ck_assert_int_eq(out, cst_time("2026-11-23T08:30"));
	ck_assert_int_eq(sla_add(H.db, 1, cst_time("2026-11-21T10:00"), 90, &out), ERR_OK);
	ck_assert_int_eq(out, cst_time("2026-11-21T11:30"));
	ck_assert_int_eq(sla_add(H.db, 0, 0, -1, &out), ERR_INVALID);
	ck_assert_int_eq(sla_add(H.db, 0, -5, 1, &out), ERR_INVALID);
	ck_assert_int_eq(sla_add(H.db, 0, 0, (int64_t)SLA_HORIZON_DAYS * 1440 + 1, &out),
			 ERR_UNPROCESSABLE);

	/* Paused Monday 10:00 with 2 business hours left (due 12:00), resumed
	 * Tuesday 16:30: 1 h that day, 1 h on Wednesday. */
	deadline = cst_time("2026-11-23T12:00");
	ck_assert_int_eq(sla_shift(H.db, 0, cst_time("2026-11-23T10:00"),
				   cst_time("2026-11-24T16:30"), &deadline),
			 ERR_OK);
	ck_assert_int_eq(deadline, cst_time("2026-11-25T09:30"));
	/* Paused in the evening, resumed before the next opening: no change. */
	deadline = cst_time("2026-11-24T09:00");
	ck_assert_int_eq(sla_shift(H.db, 0, cst_time("2026-11-23T18:00"),
				   cst_time("2026-11-24T07:00"), &deadline),
			 ERR_OK);
	ck_assert_int_eq(deadline, cst_time("2026-11-24T09:00"));
	/* Paused Friday 17:00 with Monday 09:00 due: 30 + 30 minutes left.
	 * Resumed on Saturday: Friday's last half hour was paused away, so
	 * Monday 09:30; resumed Monday 10:00: 11:00. */
	deadline = cst_time("2026-11-23T09:00");
	ck_assert_int_eq(sla_shift(H.db, 0, cst_time("2026-11-20T17:00"),
				   cst_time("2026-11-21T12:00"), &deadline),
			 ERR_OK);
	ck_assert_int_eq(deadline, cst_time("2026-11-23T09:30"));
	deadline = cst_time("2026-11-23T09:00");
	ck_assert_int_eq(sla_shift(H.db, 0, cst_time("2026-11-20T17:00"),
				   cst_time("2026-11-23T10:00"), &deadline),
			 ERR_OK);
	ck_assert_int_eq(deadline, cst_time("2026-11-23T11:00"));
	/* Round the clock: the pause's length. */
	deadline = cst_time("2026-11-21T12:00");
	ck_assert_int_eq(sla_shift(H.db, 1, cst_time("2026-11-21T10:00"),
				   cst_time("2026-11-21T10:45"), &deadline),
			 ERR_OK);
	ck_assert_int_eq(deadline, cst_time("2026-11-21T12:45"));
	/* Already passed when paused: stays. */
	deadline = cst_time("2026-11-23T09:00");
	ck_assert_int_eq(sla_shift(H.db, 0, cst_time("2026-11-23T10:00"),
				   cst_time("2026-11-25T10:00"), &deadline),
			 ERR_OK);
	ck_assert_int_eq(deadline, cst_time("2026-11-23T09:00"));
	ck_assert_int_eq(sla_shift(H.db, 0, cst_time("2026-11-23T10:00"),
				   cst_time("2026-11-23T09:00"), &deadline),
			 ERR_INVALID);
}
END_TEST

START_TEST(demo_calendar_is_idempotent_and_audited)
{
	int64_t rows, entries;

	exec_sql("INSERT INTO calendar_days VALUES ('2026-10-01', 'workday', 'kept')");
	ck_assert_int_eq(sla_demo_calendar(H.db), ERR_OK);
	rows = count_rows("SELECT count(*) FROM calendar_days");
	entries = audits("calendar.day.put");
	ck_assert_int_ge(rows, 40);
	ck_assert_int_eq(entries, rows - 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM calendar_days WHERE date = '2026-10-01'"
				    " AND name = 'kept'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM calendar_days WHERE kind = 'workday'"
				    " AND date IN ('2026-01-04', '2026-02-14', '2026-02-28',"
				    " '2026-09-20', '2026-10-10')"),
			 5);
	/* Inside a caller's transaction too, and a second time adds nothing. */
	exec_sql("BEGIN IMMEDIATE");
	ck_assert_int_eq(sla_demo_calendar(H.db), ERR_OK);
	exec_sql("COMMIT");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM calendar_days"), rows);
	ck_assert_int_eq(audits("calendar.day.put"), entries);
}
END_TEST

Suite *sla_suite(void)
{
	Suite *s = suite_create("sla");
	TCase *tc = tcase_create("sla");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, catalogue_tree_has_four_categories_and_eight_subcategories);
	tcase_add_test(tc, admin_adds_and_edits_subcategories_with_audit);
	tcase_add_test(tc, catalogue_bad_input_is_named_and_nothing_stored);
	tcase_add_test(tc, only_admins_write_and_everyone_reads);
	tcase_add_test(tc, service_levels_list_targets_and_rules);
	tcase_add_test(tc, admin_sets_targets_and_rules_with_audit);
	tcase_add_test(tc, service_level_bad_input_is_named_and_nothing_stored);
	tcase_add_test(tc, calendar_reads_and_admin_edits_with_audit);
	tcase_add_test(tc, calendar_bad_input_is_named_and_nothing_stored);
	tcase_add_test(tc, quote_counts_business_hours_within_days_and_across_a_weekend);
	tcase_add_test(tc, quote_from_outside_hours_starts_at_the_next_opening);
	tcase_add_test(tc, quote_skips_holidays_and_counts_make_up_workdays);
	tcase_add_test(tc, quote_p1_runs_round_the_clock);
	tcase_add_test(tc, quote_bad_input_is_named);
	tcase_add_test(tc, a_calendar_without_working_time_answers_422_not_a_hang);
	tcase_add_test(tc, engine_priority_add_and_shift);
	tcase_add_test(tc, demo_calendar_is_idempotent_and_audited);
	suite_add_tcase(s, tc);
	return s;
}
