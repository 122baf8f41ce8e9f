/* The customer 360 view over HTTPS (GET /v1/customers/{id}/overview): what
 * it shows for a customer with contracts, requests, scores, a renewal and
 * an open problem and maintenance due; contacts masked for every role exactly as GET
 * /v1/customers/{id} masks them, and contracts (prices) left out for a
 * technician; another region's customer is 404; units
 * page with totals over all of them; the risk signal's items. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "harness.h"
#include "suites.h"

/* Customer 1 (strategic, SZ, owned by sales.gd, one contact) with site 1
 * (unit 1: factory warranty ended 2022) and site 2 (unit 2: no warranty;
 * unit 3: in warranty until 2030); customer 2 in NJ (owned by sales.nj)
 * with site 3 and unit 9. */
static void seed(int64_t sales_gd, int64_t sales_nj)
{
	char sql[2048];

	harness_seed_sz_unit();
	snprintf(sql, sizeof(sql),
		 "UPDATE customers SET sales_owner_id = %lld WHERE id = 1;"
		 "INSERT INTO customer_contacts(customer_id, name, phone, id_number, title) VALUES"
		 " (1, '张伟', '13912341234', '440101198001011217', '设备部经理');"
		 "UPDATE assets SET sales_owner_id = %lld, warranty_start = '2020-01-01',"
		 " warranty_months = 24, warranty_end = '2022-01-01' WHERE id = 1;"
		 "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id,"
		 " created_at, updated_at) VALUES (2, 'C2', '南京钢铁', 'B', 'NJ', %lld, 0, 0);"
		 "INSERT INTO sites(id, customer_id, code, name, region_code, created_at,"
		 " updated_at) VALUES (2, 1, 'S2', '蛇口站', 'SZ', 0, 0),"
		 " (3, 2, 'S3', '南钢', 'NJ', 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " sales_owner_id, warranty_end, created_at, updated_at) VALUES"
		 " (2, 'SN2', 1, 2, 1, '/CN/GD/SZ/', %lld, NULL, 0, 0),"
		 " (3, 'SN3', 1, 2, 1, '/CN/GD/SZ/', %lld, '2030-01-01', 0, 0),"
		 " (9, 'SN9', 1, 3, 2, '/CN/JS/NJ/', %lld, NULL, 0, 0);",
		 (long long)sales_gd, (long long)sales_gd, (long long)sales_nj, (long long)sales_gd,
		 (long long)sales_gd, (long long)sales_nj);
	exec_sql(sql);
}

static int64_t open_request(const char *token, int64_t unit)
{
	json_t *doc =
	    http_expect_json("POST", "/v1/tickets", token,
			     json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s}}", "channel",
				       "hotline", "category", "repair", "title", "断路器拒合",
				       "asset_id", (json_int_t)unit, "impact", "unit", "urgency",
				       "medium", "contact", "name", "李娜", "phone", "13800138000"),
			     201);
	int64_t id = jint(doc, "id");

	json_decref(doc);
	return id;
}

/* A service contract on unit 1, active from 2026-01-01 through 2026-12-31,
 * then its renewal (a draft linked to it). */
static void contract_and_renewal(const char *admin)
{
	json_t *doc =
	    http_expect_json("POST", "/v1/contracts", admin,
			     json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:[i], s:{s:i}}", "number",
				       "SC-360-1", "customer_id", 1, "start_date", "2026-01-01",
				       "end_date", "2026-12-31", "price_minor", 1200000, "currency",
				       "CNY", "units", 1, "entitlements", "visits_per_year", 4),
			     201);
	json_decref(doc);
	http_expect("POST", "/v1/contracts/1/activate", admin, NULL, 200);
	http_expect("POST", "/v1/contracts/1/renew", admin,
		    "{\"number\": \"SC-360-2\", \"end_date\": \"2027-12-31\"}", 201);
}

static json_t *overview(const char *path, const char *token)
{
	return http_get_json(path, token, 200);
}

START_TEST(a_customers_whole_picture)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	int64_t t1, t2, t3;
	json_t *doc, *units, *list, *month, *risk;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-15");
	contract_and_renewal(admin);
	t1 = open_request(admin, 1); /* open, on time */
	t2 = open_request(admin, 2); /* closed with a 1 in May, response late */
	t3 = open_request(admin, 3); /* closed with a 5 in June */
	exec_sql("UPDATE tickets SET status = 'closed', responded_at = created_at + 86400,"
		 " resolved_at = created_at + 90000, closed_at = created_at - 20 * 86400,"
		 " satisfaction = 1 WHERE id = 2;"
		 "UPDATE tickets SET status = 'closed', responded_at = created_at + 60,"
		 " arrived_at = created_at + 120, resolved_at = created_at + 180,"
		 " closed_at = created_at + 240, satisfaction = 5 WHERE id = 3;"
		 /* An open problem with a ticket on unit 2; a closed one on unit 1. */
		 "INSERT INTO problems(id, kind, fault_code, model_id, status, window_days,"
		 " threshold, ticket_count, opened_at, updated_at) VALUES"
		 " (1, 'model', 'E-21', 1, 'investigating', 30, 3, 3, 1, 1),"
		 " (2, 'model', 'E-99', 1, 'closed', 30, 3, 3, 1, 1);"
		 "INSERT INTO problem_tickets(problem_id, ticket_id, asset_id, added_at) VALUES"
		 " (1, 2, 2, 1), (2, 1, 1, 1);"
		 "UPDATE assets SET installed_at = '2025-05-01' WHERE id = 1;"
		 "UPDATE assets SET installed_at = '2025-07-01' WHERE id = 3;");
	http_expect("POST", "/v1/maintenance-plans", admin,
		    "{\"name\": \"annual\", \"model_id\": 1, \"interval_months\": 12,"
		    " \"lead_days\": 14}",
		    201);

	doc = overview("/v1/customers/1/overview", admin);
	ck_assert_str_eq(jstr(json_object_get(doc, "customer"), "code"), "C1");
	ck_assert_str_eq(jstr(json_object_get(doc, "customer"), "tier"), "strategic");
	/* Sites with their units. */
	list = jpath(doc, "sites", "items", NULL);
	ck_assert_int_eq(asize(list), 2);
	ck_assert_int_eq(jint(json_array_get(list, 1), "units"), 2);
	ck_assert_int_eq(jint(json_object_get(doc, "sites"), "total"), 2);
	/* Units: 1 under contract (warranty over), 2 out of cover, 3 in warranty. */
	units = jpath(doc, "units", "items", NULL);
	ck_assert_int_eq(asize(units), 3);
	ck_assert_str_eq(jstr(json_array_get(units, 0), "cover"), "contract");
	ck_assert_str_eq(jstr(jpath(json_array_get(units, 0), "contract", NULL), "number"),
			 "SC-360-1");
	ck_assert_str_eq(jstr(jpath(json_array_get(units, 0), "warranty", NULL), "status"),
			 "expired");
	ck_assert_str_eq(jstr(json_array_get(units, 1), "cover"), "none");
	ck_assert_str_eq(jstr(jpath(json_array_get(units, 1), "warranty", NULL), "status"), "none");
	ck_assert_str_eq(jstr(json_array_get(units, 2), "cover"), "warranty");
	ck_assert(json_is_null(jpath(doc, "units", "next_cursor", NULL)));
	ck_assert_int_eq(jint(jpath(doc, "units", "totals", NULL), "units"), 3);
	ck_assert_int_eq(jint(jpath(doc, "units", "totals", "cover", NULL), "contract"), 1);
	ck_assert_int_eq(jint(jpath(doc, "units", "totals", "cover", NULL), "none"), 1);
	ck_assert_int_eq(jint(jpath(doc, "units", "totals", "warranty", NULL), "in_warranty"), 1);
	ck_assert_int_eq(jint(jpath(doc, "units", "totals", "warranty", NULL), "expired"), 1);
	/* The active contract with its consumption; its renewal (a draft) is
	 * not active. */
	list = jpath(doc, "contracts", "items", NULL);
	ck_assert_int_eq(asize(list), 1);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "number"), "SC-360-1");
	ck_assert_int_eq(
	    jint(jpath(json_array_get(list, 0), "consumption", NULL), "visits_allowed"), 4);
	/* Requests: one open, three recent with their SLA state. */
	list = jpath(doc, "requests", "open", "items", NULL);
	ck_assert_int_eq(asize(list), 1);
	ck_assert_int_eq(jint(json_array_get(list, 0), "id"), t1);
	ck_assert_str_eq(jstr(jpath(json_array_get(list, 0), "sla", NULL), "state"), "running");
	ck_assert_int_eq(jint(jpath(doc, "requests", "recent", NULL), "total"), 3);
	list = jpath(doc, "requests", "recent", "items", NULL);
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *t = json_array_get(list, i);

		if (jint(t, "id") == t2) {
			ck_assert_str_eq(jstr(json_object_get(t, "sla"), "state"), "breached");
			ck_assert(has_string(jpath(t, "sla", "breached", NULL), "response"));
		}
		if (jint(t, "id") == t3)
			ck_assert_str_eq(jstr(json_object_get(t, "sla"), "state"), "met");
	}
	/* Satisfaction: twelve months ending in June; May has the 1, June the 5. */
	list = json_object_get(doc, "satisfaction");
	ck_assert_int_eq(asize(list), 12);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "month"), "2025-07");
	month = json_array_get(list, 11);
	ck_assert_str_eq(jstr(month, "month"), "2026-06");
	ck_assert_int_eq(jint(month, "responses"), 1);
	ck_assert(json_real_value(json_object_get(month, "average")) > 4.99);
	month = json_array_get(list, 10);
	ck_assert_int_eq(jint(month, "responses"), 1);
	ck_assert_int_eq(jint(month, "low"), 1);
	ck_assert(json_is_null(json_object_get(json_array_get(list, 0), "average")));
	/* The renewal history. */
	list = jpath(doc, "renewals", "items", NULL);
	ck_assert_int_eq(asize(list), 1);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "number"), "SC-360-2");
	ck_assert_str_eq(jstr(jpath(json_array_get(list, 0), "renews", NULL), "number"),
			 "SC-360-1");
	/* The open problem on unit 2, not the closed one. */
	list = jpath(doc, "problems", "items", NULL);
	ck_assert_int_eq(asize(list), 1);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "fault_code"), "E-21");
	ck_assert_int_eq(jint(json_array_get(list, 0), "customer_units"), 1);
	/* Risk: unit 2 out of cover, request 2 breached and scored 1. */
	risk = json_object_get(doc, "risk");
	ck_assert_str_eq(jstr(risk, "level"), "high");
	ck_assert_int_eq(jint(json_object_get(risk, "units_out_of_cover"), "count"), 1);
	ck_assert_str_eq(
	    jstr(json_array_get(jpath(risk, "units_out_of_cover", "items", NULL), 0), "serial"),
	    "SN2");
	ck_assert_int_eq(jint(json_object_get(risk, "sla_breaches"), "count"), 1);
	ck_assert_int_eq(jint(json_array_get(jpath(risk, "sla_breaches", "items", NULL), 0), "id"),
			 t2);
	ck_assert_int_eq(jint(json_object_get(risk, "low_scores"), "count"), 1);
	ck_assert_int_eq(
	    jint(json_array_get(jpath(risk, "low_scores", "items", NULL), 0), "satisfaction"), 1);
	/* Maintenance: unit 1's annual service was due on 2026-05-01 (overdue),
	 * unit 3's is due on 2026-07-01 (within 60 days); unit 2 has no date. */
	list = jpath(doc, "maintenance_due", "items", NULL);
	ck_assert_int_eq(jint(json_object_get(doc, "maintenance_due"), "overdue"), 1);
	ck_assert_int_eq(jint(json_object_get(doc, "maintenance_due"), "due"), 1);
	ck_assert_int_eq(asize(list), 2);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "state"), "overdue");
	ck_assert_str_eq(jstr(json_array_get(list, 0), "date"), "2026-05-01");
	ck_assert_str_eq(jstr(jpath(json_array_get(list, 0), "asset", NULL), "serial"), "SN1");
	ck_assert_str_eq(jstr(json_array_get(list, 1), "state"), "upcoming");
	ck_assert_str_eq(jstr(json_object_get(doc, "maintenance_due"), "until"), "2026-08-14");
	json_decref(doc);
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(contacts_are_masked_as_the_customer_resource_masks_them)
{
	const char *roles[][4] = {
		{ "admin.cn", "admin", NULL, NULL },
		{ "sales.gd", "sales", NULL, NULL },
		{ "tech.sz", "technician", "SZ", "C-SZ" },
		{ "audit.cn", "auditor", NULL, NULL },
	};

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		char *token =
		    i == 1 ? harness_login("sales.gd")
			   : harness_user_token(roles[i][0], roles[i][1], roles[i][2], roles[i][3]);
		json_t *view = overview("/v1/customers/1/overview", token);
		json_t *plain = http_get_json("/v1/customers/1", token, 200);
		json_t *contact = json_array_get(jpath(view, "customer", "contacts", NULL), 0);

		ck_assert(json_equal(json_object_get(view, "customer"), plain));
		ck_assert_str_eq(jstr(contact, "name"), "张*");
		ck_assert_str_eq(jstr(contact, "phone"), "139****1234");
		ck_assert_str_eq(jstr(contact, "id_number"), "440*************17");
		ck_assert(json_is_true(jpath(view, "customer", "pii_masked", NULL)));
		/* Contracts carry prices: not for a technician. */
		ck_assert_int_eq(json_object_get(view, "contracts") != NULL, i != 2);
		ck_assert_int_eq(json_object_get(view, "renewals") != NULL, i != 2);
		ck_assert_ptr_nonnull(json_object_get(view, "units"));
		/* Revealing is GET /v1/customers/{id}?reveal=pii's, audited there. */
		http_expect("GET", "/v1/customers/1/overview?reveal=pii", token, NULL, 400);
		json_decref(view);
		json_decref(plain);
		free(token);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'pii.reveal'"),
			 0);
}
END_TEST

START_TEST(another_regions_customer_is_not_found)
{
	char *tech, *nj, *gd, *disp;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	disp = harness_user_token("dispatcher.nj", "dispatcher", "NJ", NULL);
	nj = harness_login("sales.nj");
	gd = harness_login("sales.gd");
	http_expect("GET", "/v1/customers/2/overview", tech, NULL, 404);
	http_expect("GET", "/v1/customers/1/overview", disp, NULL, 404);
	http_expect("GET", "/v1/customers/1/overview", nj, NULL, 404);
	http_expect("GET", "/v1/customers/2/overview", gd, NULL, 404);
	http_expect("GET", "/v1/customers/99/overview", tech, NULL, 404);
	http_expect("GET", "/v1/customers/2/overview", disp, NULL, 200);
	http_expect("GET", "/v1/customers/1/overview", gd, NULL, 200);
	http_expect("GET", "/v1/customers/1/overview", tech, NULL, 200);
	/* Bad paging of an out-of-scope customer still tells nothing. */
	http_expect("GET", "/v1/customers/2/overview?units_limit=0", tech, NULL, 404);
	free(tech);
	free(disp);
	free(nj);
	free(gd);
}
END_TEST

START_TEST(units_page_with_totals_over_all_of_them)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	char path[128], cursor[32] = "";
	int64_t seen = 0, last = 0;
	json_t *doc;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	/* Seven more units (ids 10..16) on site 1: ten in all. */
	exec_sql(
	    "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 16)"
	    " INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
	    " created_at, updated_at) SELECT i, 'SN' || i, 1, 1, 1, '/CN/GD/SZ/', 0, 0 FROM n");
	for (int page = 0; page < 5; page++) {
		json_t *items;

		snprintf(path, sizeof(path), "/v1/customers/1/overview?units_limit=4%s%s",
			 cursor[0] ? "&units_cursor=" : "", cursor);
		doc = overview(path, admin);
		items = jpath(doc, "units", "items", NULL);
		ck_assert_int_eq(jint(jpath(doc, "units", "totals", NULL), "units"), 10);
		for (size_t i = 0; i < json_array_size(items); i++) {
			ck_assert_int_gt(jint(json_array_get(items, i), "id"), last);
			last = jint(json_array_get(items, i), "id");
			seen++;
		}
		if (json_is_null(jpath(doc, "units", "next_cursor", NULL))) {
			ck_assert_int_eq(asize(items), 2);
			json_decref(doc);
			break;
		}
		ck_assert_int_eq(asize(items), 4);
		snprintf(cursor, sizeof(cursor), "%s",
			 jstr(json_object_get(doc, "units"), "next_cursor"));
		json_decref(doc);
	}
	ck_assert_int_eq(seen, 10);
	ck_assert_int_eq(last, 16);
	/* Every unit but 3 (in warranty) and 1 (expired, no contract here) is
	 * without warranty: nine out of cover, twenty listed at most. */
	doc = overview("/v1/customers/1/overview?units_limit=1", admin);
	ck_assert_int_eq(jint(jpath(doc, "risk", "units_out_of_cover", NULL), "count"), 9);
	ck_assert_int_eq(asize(jpath(doc, "risk", "units_out_of_cover", "items", NULL)), 9);
	ck_assert_int_eq(asize(jpath(doc, "units", "items", NULL)), 1);
	json_decref(doc);
	http_expect_invalid("GET", "/v1/customers/1/overview?units_limit=0", admin, NULL,
			    "units_limit");
	http_expect_invalid("GET", "/v1/customers/1/overview?units_limit=201", admin, NULL,
			    "units_limit");
	http_expect_invalid("GET", "/v1/customers/1/overview?units_limit=x", admin, NULL,
			    "units_limit");
	http_expect_invalid("GET", "/v1/customers/1/overview?units_cursor=abc", admin, NULL,
			    "units_cursor");
	http_expect_invalid("GET", "/v1/customers/1/overview?units=1", admin, NULL, "units");
	free(admin);
}
END_TEST

START_TEST(risk_lists_are_capped_and_counted)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	json_t *doc, *risk;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	/* 25 requests on unit 3, all missed their response, scored 2 and
	 * closed yesterday; one more from 100 days ago does not count. */
	for (int i = 0; i < 26; i++)
		open_request(admin, 3);
	exec_sql("UPDATE tickets SET status = 'closed', responded_at = response_due + 60,"
		 " arrived_at = created_at + 60, resolved_at = created_at + 60,"
		 " closed_at = created_at + 120, satisfaction = 2;"
		 "UPDATE tickets SET created_at = created_at - 100 * 86400,"
		 " closed_at = closed_at - 100 * 86400 WHERE id = 26;");
	doc = overview("/v1/customers/1/overview", admin);
	risk = json_object_get(doc, "risk");
	ck_assert_int_eq(jint(json_object_get(risk, "sla_breaches"), "count"), 25);
	ck_assert_int_eq(asize(jpath(risk, "sla_breaches", "items", NULL)), 20);
	ck_assert_int_eq(jint(json_object_get(risk, "low_scores"), "count"), 25);
	ck_assert_int_eq(asize(jpath(risk, "low_scores", "items", NULL)), 20);
	ck_assert_int_eq(jint(json_object_get(risk, "units_out_of_cover"), "count"), 2);
	ck_assert_str_eq(jstr(risk, "level"), "high");
	ck_assert_int_eq(jint(jpath(doc, "requests", "open", NULL), "total"), 0);
	ck_assert_int_eq(jint(jpath(doc, "requests", "recent", NULL), "total"), 25);
	json_decref(doc);
	/* Customer 2: one unit out of cover, nothing else: medium. */
	doc = overview("/v1/customers/2/overview", admin);
	ck_assert_str_eq(jstr(json_object_get(doc, "risk"), "level"), "medium");
	ck_assert_int_eq(asize(jpath(doc, "contracts", "items", NULL)), 0);
	ck_assert_int_eq(jint(jpath(doc, "renewals", NULL), "total"), 0);
	json_decref(doc);
	free(admin);
}
END_TEST

Suite *overview_suite(void)
{
	Suite *s = suite_create("overview");
	TCase *tc = tcase_create("overview");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_customers_whole_picture);
	tcase_add_test(tc, contacts_are_masked_as_the_customer_resource_masks_them);
	tcase_add_test(tc, another_regions_customer_is_not_found);
	tcase_add_test(tc, units_page_with_totals_over_all_of_them);
	tcase_add_test(tc, risk_lists_are_capped_and_counted);
	suite_add_tcase(s, tc);
	return s;
}
