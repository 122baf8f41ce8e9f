/* Service contracts and entitlements over HTTPS: the better of tier and
 * contract deadlines at intake, an exhausted visit allowance, coverage by
 * site for units added later, bad input named and nothing stored, scope,
 * expiry notices once per band, the renewal link, revenue at risk, and the
 * renewals the migration turns into contracts. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/contracts.h"
#include "domain/warranty.h"
#include "harness.h"
#include "suites.h"

/* A strategic customer in SZ (owned by sales.gd) with sites 1 and 2 and
 * units 1 (site 1) and 2 (site 2), out of factory warranty; a customer in
 * NJ (owned by sales.nj) with site 3 and unit 9. A site-down, high-urgency
 * request of the strategic customer is a P1: 30 minutes to respond, 1440 to
 * resolve, round the clock. */
static void seed(int64_t sales_gd, int64_t sales_nj)
{
	char sql[2048];

	harness_seed_sz_unit();
	snprintf(sql, sizeof(sql),
		 "UPDATE customers SET sales_owner_id = %lld WHERE id = 1;"
		 "UPDATE assets SET sales_owner_id = %lld, warranty_start = '2020-01-01',"
		 " warranty_months = 24, warranty_end = '2022-01-01' WHERE id = 1;"
		 "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id,"
		 " created_at, updated_at) VALUES (2, 'C2', '南京钢铁', 'B', 'NJ', %lld, 0, 0);"
		 "INSERT INTO sites(id, customer_id, code, name, region_code, created_at,"
		 " updated_at) VALUES (2, 1, 'S2', '蛇口站', 'SZ', 0, 0),"
		 " (3, 2, 'S3', '南钢', 'NJ', 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " sales_owner_id, created_at, updated_at) VALUES"
		 " (2, 'SN2', 1, 2, 1, '/CN/GD/SZ/', %lld, 0, 0),"
		 " (9, 'SN9', 1, 3, 2, '/CN/JS/NJ/', %lld, 0, 0);",
		 (long long)sales_gd, (long long)sales_gd, (long long)sales_nj, (long long)sales_gd,
		 (long long)sales_nj);
	exec_sql(sql);
}

/* Creates and activates a contract (body stolen); returns its id. */
static int64_t contract(const char *token, json_t *body)
{
	json_t *doc = http_expect_json("POST", "/v1/contracts", token, body, 201);
	int64_t id = jint(doc, "id");
	char path[64];

	ck_assert_str_eq(jstr(doc, "status"), "draft");
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/contracts/%lld/activate", (long long)id);
	doc = http_expect_json("POST", path, token, NULL, 200);
	ck_assert_str_eq(jstr(doc, "status"), "active");
	json_decref(doc);
	return id;
}

static json_t *unit_contract(const char *number, int64_t unit, json_t *entitlements)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:[I], s:o}", "number", number,
			 "customer_id", 1, "start_date", "2026-01-01", "end_date", "2026-12-31",
			 "price_minor", 1200000, "currency", "CNY", "units", (json_int_t)unit,
			 "entitlements", entitlements);
}

/* Opens a P1 request on the unit; returns the ticket id. */
static int64_t open_request(const char *token, int64_t unit)
{
	json_t *doc =
	    http_expect_json("POST", "/v1/tickets", token,
			     json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s}}", "channel",
				       "hotline", "category", "repair", "title", "断路器拒合",
				       "asset_id", (json_int_t)unit, "impact", "site", "urgency",
				       "high", "contact", "name", "李娜", "phone", "13800138000"),
			     201);
	int64_t id = jint(doc, "id");

	json_decref(doc);
	return id;
}

static int64_t minutes_to(const char *column, int64_t ticket)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT (%s - created_at) / 60 FROM tickets WHERE id = %lld",
		 column, (long long)ticket);
	return count_rows(sql);
}

static json_t *entitlement_of(const char *token, int64_t ticket)
{
	char path[64];
	json_t *doc, *en;

	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)ticket);
	doc = http_get_json(path, token, 200);
	en = json_incref(json_object_get(doc, "entitlement"));
	json_decref(doc);
	return en;
}

START_TEST(the_shorter_of_tier_and_contract_deadlines_wins)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	int64_t gd = harness_seed_user("sales.gd", "sales", NULL, NULL);
	int64_t k1, t1, t2, t3;
	json_t *en;

	seed(gd, harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	/* Unit 1: the contract answers faster than the tier (15 < 30 minutes,
	 * 600 < 1440). Unit 2: slower (120 > 30, 2880 > 1440): the tier stays. */
	k1 = contract(admin, unit_contract("SC-2026-001", 1,
					   json_pack("{s:i, s:i}", "response_minutes", 15,
						     "resolution_minutes", 600)));
	contract(admin, unit_contract("SC-2026-002", 2,
				      json_pack("{s:i, s:i, s:b}", "response_minutes", 120,
						"resolution_minutes", 2880, "parts", 0)));
	t1 = open_request(admin, 1);
	ck_assert_int_eq(minutes_to("response_due", t1), 15);
	ck_assert_int_eq(minutes_to("resolution_due", t1), 600);
	en = entitlement_of(admin, t1);
	ck_assert_str_eq(jstr(en, "source"), "contract");
	ck_assert_str_eq(jstr(en, "billing"), "covered");
	ck_assert_int_eq(jint(en, "contract_id"), k1);
	ck_assert_str_eq(jstr(en, "contract_number"), "SC-2026-001");
	json_decref(en);
	t2 = open_request(admin, 2);
	ck_assert_int_eq(minutes_to("response_due", t2), 30);
	ck_assert_int_eq(minutes_to("resolution_due", t2), 1440);
	en = entitlement_of(admin, t2);
	ck_assert_str_eq(jstr(en, "billing"), "covered");
	ck_assert(json_is_false(jpath(en, "covers", "parts", NULL)));
	json_decref(en);
	/* Unit 9 has no contract: billable, tier deadlines (tier B). */
	t3 = open_request(admin, 9);
	en = entitlement_of(admin, t3);
	ck_assert_str_eq(jstr(en, "source"), "none");
	ck_assert_str_eq(jstr(en, "billing"), "billable");
	ck_assert(json_is_null(json_object_get(en, "contract_id")));
	json_decref(en);
	ck_assert_int_eq(count_rows("SELECT billable FROM tickets WHERE id = 1"), 0);
	ck_assert_int_eq(count_rows("SELECT billable FROM tickets WHERE id = 3"), 1);
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(an_exhausted_visit_allowance_turns_a_request_billable)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	int64_t k, t1, t2;
	char path[64];
	json_t *en, *doc;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	k = contract(admin, unit_contract("SC-V1", 1, json_pack("{s:i}", "visits_per_year", 1)));
	t1 = open_request(admin, 1);
	en = entitlement_of(admin, t1);
	ck_assert_str_eq(jstr(en, "billing"), "covered");
	json_decref(en);
	/* The technician reached the site: one visit used. */
	exec_sql("UPDATE tickets SET arrived_at = created_at + 600 WHERE id = 1");
	snprintf(path, sizeof(path), "/v1/contracts/%lld", (long long)k);
	doc = http_get_json(path, admin, 200);
	ck_assert_int_eq(jint(json_object_get(doc, "consumption"), "visits_used"), 1);
	ck_assert_int_eq(jint(json_object_get(doc, "consumption"), "visits_allowed"), 1);
	ck_assert_str_eq(jstr(json_object_get(doc, "consumption"), "year_start"), "2026-01-01");
	json_decref(doc);
	t2 = open_request(admin, 1);
	en = entitlement_of(admin, t2);
	ck_assert_str_eq(jstr(en, "source"), "contract");
	ck_assert_str_eq(jstr(en, "billing"), "billable");
	ck_assert_int_eq(jint(en, "contract_id"), k);
	json_decref(en);
	ck_assert_int_eq(count_rows("SELECT billable FROM tickets WHERE id = 2"), 1);
	{
		int required = -1;

		ck_assert_int_eq(contracts_ticket_signoff_required(H.db, t2, &required), ERR_OK);
		ck_assert_int_eq(required, 0);
	}
	/* The unit's entitlement today says the same, and why. */
	doc = http_get_json("/v1/assets/1/entitlement", admin, 200);
	ck_assert_str_eq(jstr(doc, "billing"), "billable");
	ck_assert_int_eq(jint(json_object_get(doc, "visits"), "used"), 1);
	json_decref(doc);
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(coverage_by_site_includes_a_unit_added_later)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	int64_t k;
	json_t *doc;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	k = contract(admin, json_pack("{s:s, s:i, s:s, s:s, s:i, s:[i]}", "number", "SC-SITE",
				      "customer_id", 1, "start_date", "2026-01-01", "end_date",
				      "2026-12-31", "price_minor", 500000, "sites", 2));
	exec_sql("INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " created_at, updated_at) VALUES (3, 'SN3', 1, 2, 1, '/CN/GD/SZ/', 0, 0)");
	doc = http_get_json("/v1/assets/3/entitlement", admin, 200);
	ck_assert_str_eq(jstr(doc, "source"), "contract");
	ck_assert_str_eq(jstr(doc, "billing"), "covered");
	ck_assert_int_eq(jint(json_object_get(doc, "contract"), "id"), k);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "covering"), 0), "via"), "site");
	json_decref(doc);
	/* Unit 1 stands on site 1: not covered. Before the start: not either. */
	doc = http_get_json("/v1/assets/1/entitlement", admin, 200);
	ck_assert_str_eq(jstr(doc, "source"), "none");
	ck_assert_str_eq(jstr(json_object_get(doc, "warranty"), "status"), "expired");
	json_decref(doc);
	doc = http_get_json("/v1/assets/3/entitlement?date=2025-12-31", admin, 200);
	ck_assert_str_eq(jstr(doc, "source"), "none");
	json_decref(doc);
	/* The factory warranty comes first: free. */
	doc = http_get_json("/v1/assets/1/entitlement?date=2021-06-01", admin, 200);
	ck_assert_str_eq(jstr(doc, "source"), "warranty");
	ck_assert_str_eq(jstr(doc, "billing"), "free");
	json_decref(doc);
	http_expect_invalid("GET", "/v1/assets/3/entitlement?date=2026-02-30", admin, NULL, "date");
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(bad_input_is_named_and_nothing_is_stored)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	struct http_result r;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	http_expect_invalid("POST", "/v1/contracts", admin, "{}", "/number");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2025-01-01\", \"price_minor\": 1}",
	    "/end_date");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1, \"currency\": \"cny\"}",
	    "/currency");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": -5}",
	    "/price_minor");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1, \"units\": [1, 9]}",
	    "/units/1");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1, \"sites\": [3]}",
	    "/sites/0");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1,"
	    " \"entitlements\": {\"response_minutes\": 0}}",
	    "/entitlements/response_minutes");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1,"
	    " \"entitlements\": {\"free_beer\": true}}",
	    "/entitlements/free_beer");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 77, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1}",
	    "/customer_id");
	http_expect_invalid(
	    "POST", "/v1/contracts", admin,
	    "{\"number\": \"X\", \"customer_id\": 1, \"start_date\": \"2026-01-01\","
	    " \"end_date\": \"2026-12-31\", \"price_minor\": 1, \"kind\": \"maybe\"}",
	    "/kind");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contracts"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contract_units"), 0);
	/* A taken number: 400 naming it, the first contract intact. */
	contract(admin, unit_contract("SC-DUP", 1, json_object()));
	http_send_json("POST", "/v1/contracts", admin, unit_contract("SC-DUP", 2, json_object()),
		       &r);
	assert_problem(&r, 400, "/number");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contracts"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contract_units"), 1);
	/* An active contract's terms stay; activating twice is a conflict. */
	http_expect("PATCH", "/v1/contracts/1", admin, "{\"price_minor\": 1}", 409);
	http_expect("POST", "/v1/contracts/1/activate", admin, NULL, 409);
	http_expect_invalid("GET", "/v1/contracts?status=maybe", admin, NULL, "status");
	free(admin);
}
END_TEST

START_TEST(another_regions_sales_sees_nothing)
{
	char *gd = harness_user_token("sales.gd", "sales", NULL, NULL);
	char *nj = harness_user_token("sales.nj", "sales", NULL, NULL);
	char *sup_js = harness_user_token("supervisor.js", "supervisor", "JS", NULL);
	json_t *doc;

	seed(harness_user_id("sales.gd"), harness_user_id("sales.nj"));
	harness_set_today("2026-06-01");
	/* sales.gd sells to their customer; the contract is theirs. */
	contract(gd, unit_contract("SC-GD", 1, json_object()));
	doc = http_get_json("/v1/contracts/1", gd, 200);
	ck_assert_str_eq(jstr(json_object_get(doc, "sales_owner"), "username"), "sales.gd");
	json_decref(doc);
	http_expect("GET", "/v1/contracts/1", nj, NULL, 404);
	http_expect("GET", "/v1/contracts/1", sup_js, NULL, 404);
	http_expect("POST", "/v1/contracts/1/cancel", nj, NULL, 404);
	doc = http_get_json("/v1/contracts", nj, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	/* Nor can they sell to a customer that is not theirs. */
	{
		struct http_result r;

		http_send_json("POST", "/v1/contracts", nj,
			       unit_contract("SC-NJ", 1, json_object()), &r);
		assert_problem(&r, 400, "/customer_id");
		http_result_free(&r);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contracts"), 1);
	/* A technician reads no contracts. */
	{
		char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");

		http_expect("GET", "/v1/contracts", tech, NULL, 403);
		free(tech);
	}
	clock_set_offset(0);
	free(gd);
	free(nj);
	free(sup_js);
}
END_TEST

static int64_t notices(int threshold)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM contract_notices WHERE threshold = %d",
		 threshold);
	return count_rows(sql);
}

START_TEST(expiry_alerts_go_out_once_per_band)
{
	char *gd = harness_user_token("sales.gd", "sales", NULL, NULL);
	json_t *body;

	seed(harness_user_id("sales.gd"), harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	body = unit_contract("SC-EXP", 1, json_object());
	json_object_set_new(body, "end_date", json_string("2026-09-30"));
	contract(gd, body);
	/* 2026-07-02: 90 days left. */
	harness_set_today("2026-07-02");
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(notices(90), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contract_notices"), 1);
	harness_set_today("2026-08-01"); /* 60 */
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	harness_set_today("2026-08-31"); /* 30 */
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(notices(60), 1);
	ck_assert_int_eq(notices(30), 1);
	harness_set_today("2026-10-01"); /* ended */
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(notices(0), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contract_notices"), 4);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM notifications WHERE kind = 'contract.digest'"
		       " AND user_id = (SELECT id FROM users WHERE username = 'sales.gd')"),
	    4);
	/* The job wrote the expiry back. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contracts WHERE status = 'expired'"), 1);
	clock_set_offset(0);
	free(gd);
}
END_TEST

START_TEST(a_renewal_is_a_new_contract_linked_to_the_old)
{
	char *gd = harness_user_token("sales.gd", "sales", NULL, NULL);
	int64_t old, renewal;
	json_t *doc;

	seed(harness_user_id("sales.gd"), harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	old = contract(gd, unit_contract("SC-OLD", 1,
					 json_pack("{s:i, s:b}", "visits_per_year", 4,
						   "signoff_required", 1)));
	doc = http_expect_json("POST", "/v1/contracts/1/renew", gd,
			       json_pack("{s:s, s:s, s:i}", "number", "SC-NEW", "end_date",
					 "2027-12-31", "price_minor", 1300000),
			       201);
	renewal = jint(doc, "id");
	ck_assert_int_eq(jint(doc, "renews_id"), old);
	ck_assert_str_eq(jstr(doc, "status"), "draft");
	ck_assert_str_eq(jstr(doc, "start_date"), "2027-01-01");
	ck_assert_int_eq(jint(json_object_get(doc, "entitlements"), "visits_per_year"), 4);
	ck_assert(json_is_true(jpath(doc, "entitlements", "signoff_required", NULL)));
	ck_assert_int_eq(asize(jpath(doc, "coverage", "units", NULL)), 1);
	json_decref(doc);
	{
		int64_t t = open_request(gd, 1);
		int required = -1;

		ck_assert_int_eq(contracts_ticket_signoff_required(H.db, t, &required), ERR_OK);
		ck_assert_int_eq(required, 1);
	}
	doc = http_get_json("/v1/contracts/1", gd, 200);
	ck_assert_int_eq(jint(doc, "renewed_by_id"), renewal);
	json_decref(doc);
	http_expect("POST", "/v1/contracts/1/renew", gd,
		    "{\"number\": \"SC-NEW2\", \"end_date\": \"2027-12-31\"}", 409);
	http_expect_invalid("POST", "/v1/contracts/1/renew", gd, "{\"end_date\": \"2027-12-31\"}",
			    "/number");
	/* A renewed contract's expiry is no longer an alert. */
	harness_set_today("2026-12-01");
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contract_notices"), 0);
	clock_set_offset(0);
	free(gd);
}
END_TEST

START_TEST(revenue_at_risk_by_month_and_currency)
{
	char *gd = harness_user_token("sales.gd", "sales", NULL, NULL);
	char *nj = harness_user_token("sales.nj", "sales", NULL, NULL);
	json_t *doc, *items, *body;
	char path[64];

	seed(harness_user_id("sales.gd"), harness_user_id("sales.nj"));
	harness_set_today("2026-06-01");
	body = unit_contract("R1", 1, json_object()); /* ends 2026-12-31, CNY 1,200,000 fen */
	contract(gd, body);
	body = unit_contract("R2", 2, json_object());
	json_object_set_new(body, "currency", json_string("EUR"));
	json_object_set_new(body, "price_minor", json_integer(90000));
	contract(gd, body);
	body = unit_contract("R3", 2, json_object());
	json_object_set_new(body, "end_date", json_string("2026-11-15"));
	contract(gd, body);
	/* R3 is renewed (the renewal active): no longer at risk. */
	doc = http_expect_json("POST", "/v1/contracts/3/renew", gd,
			       json_pack("{s:s, s:s}", "number", "R3-2", "end_date", "2027-11-15"),
			       201);
	snprintf(path, sizeof(path), "/v1/contracts/%lld/activate", (long long)jint(doc, "id"));
	json_decref(doc);
	http_expect("POST", path, gd, NULL, 200);
	doc = http_get_json("/v1/analytics/revenue-at-risk?from=2026-10&to=2026-12", gd, 200);
	items = json_object_get(doc, "items");
	ck_assert_int_eq(asize(items), 2);
	ck_assert_str_eq(jstr(json_array_get(items, 0), "month"), "2026-12");
	ck_assert_str_eq(jstr(json_array_get(items, 0), "currency"), "CNY");
	ck_assert_int_eq(jint(json_array_get(items, 0), "amount_minor"), 1200000);
	ck_assert_str_eq(jstr(json_array_get(items, 1), "currency"), "EUR");
	ck_assert_int_eq(jint(json_array_get(items, 1), "amount_minor"), 90000);
	json_decref(doc);
	/* Another region's salesperson: nothing of it. */
	doc = http_get_json("/v1/analytics/revenue-at-risk?from=2026-10&to=2026-12", nj, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	http_expect_invalid("GET", "/v1/analytics/revenue-at-risk?from=2026-13", gd, NULL, "from");
	http_expect_invalid("GET", "/v1/analytics/revenue-at-risk?from=2026-10&to=2026-01", gd,
			    NULL, "to");
	clock_set_offset(0);
	free(gd);
	free(nj);
}
END_TEST

START_TEST(renewals_become_warranty_extension_contracts)
{
	char *admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	char *sql, *p, insert[512];
	json_t *doc;
	int64_t by = harness_user_id("admin.cn");

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL),
	     harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	/* A renewal through the API writes both. */
	exec_sql("UPDATE assets SET warranty_end = '2026-08-01', warranty_start = '2024-08-01',"
		 " warranty_months = 24 WHERE id = 2");
	json_decref(http_expect_json(
	    "POST", "/v1/assets/2/warranty/renewals", admin,
	    json_pack("{s:i, s:s}", "months", 12, "contract_number", "WR-API-1"), 201));
	doc = http_get_json("/v1/contracts?kind=warranty_extension", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "items"), 0), "number"),
			 "WR-API-1");
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "items"), 0), "start_date"),
			 "2026-08-02");
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "items"), 0), "end_date"),
			 "2027-08-01");
	json_decref(doc);
	/* The unit is in its (renewed) factory warranty: free. */
	doc = http_get_json("/v1/assets/2/entitlement", admin, 200);
	ck_assert_str_eq(jstr(doc, "source"), "warranty");
	ck_assert_str_eq(jstr(doc, "billing"), "free");
	json_decref(doc);
	/* Renewals recorded before migration 0029: its own SQL turns them
	 * into contracts, a unit's later renewal renewing its earlier one. */
	snprintf(insert, sizeof(insert),
		 "INSERT INTO warranty_renewals(id, asset_id, months, contract_number,"
		 " previous_end, new_end, created_by, created_at) VALUES"
		 " (10, 1, 12, 'WR-OLD-1', '2022-01-01', '2023-01-01', %lld, 1650000000),"
		 " (11, 1, 12, 'WR-OLD-2', '2023-01-01', '2024-01-01', %lld, 1680000000)",
		 (long long)by, (long long)by);
	exec_sql(insert);
	sql = harness_read_file("migrations/0029_contracts.sql", NULL);
	p = strstr(sql, "-- Every recorded warranty renewal");
	ck_assert_ptr_nonnull(p);
	exec_sql("DELETE FROM contract_units; DELETE FROM contracts");
	exec_sql(p);
	free(sql);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM contracts WHERE kind = 'warranty_extension'"), 3);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM contracts k JOIN contract_units u"
		       " ON u.contract_id = k.id WHERE k.number = 'WR-OLD-1'"
		       " AND u.asset_id = 1 AND k.start_date = '2022-01-02'"
		       " AND k.end_date = '2023-01-01' AND k.created_at = 1650000000"
		       " AND k.created_by = (SELECT id FROM users WHERE username = 'admin.cn')"),
	    1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contracts n JOIN contracts o"
				    " ON o.id = n.renews_id WHERE n.number = 'WR-OLD-2'"
				    " AND o.number = 'WR-OLD-1'"),
			 1);
	/* History kept: the renewals are still there and readable. */
	doc = http_get_json("/v1/assets/1/warranty/renewals", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	json_decref(doc);
	clock_set_offset(0);
	free(admin);
}
END_TEST

START_TEST(a_draft_changes_then_activates_and_cancels_audited)
{
	char *gd = harness_user_token("sales.gd", "sales", NULL, NULL);
	json_t *doc;

	seed(harness_user_id("sales.gd"), harness_seed_user("sales.nj", "sales", NULL, NULL));
	harness_set_today("2026-06-01");
	doc = http_expect_json("POST", "/v1/contracts", gd,
			       json_pack("{s:s, s:i, s:s, s:s, s:i}", "number", "SC-D",
					 "customer_id", 1, "start_date", "2026-01-01", "end_date",
					 "2026-12-31", "price_minor", 100),
			       201);
	ck_assert_str_eq(jstr(json_object_get(doc, "sales_owner"), "username"), "sales.gd");
	json_decref(doc);
	/* No coverage yet: activating is a conflict. */
	http_expect("POST", "/v1/contracts/1/activate", gd, NULL, 409);
	/* A bad unit among good changes: 400, nothing changed. */
	http_expect_invalid("PATCH", "/v1/contracts/1", gd,
			    "{\"price_minor\": 200, \"units\": [1, 9]}", "/units/1");
	ck_assert_int_eq(count_rows("SELECT price_minor FROM contracts WHERE id = 1"), 100);
	doc = http_expect_json("PATCH", "/v1/contracts/1", gd,
			       json_pack("{s:i, s:[i], s:{s:i}}", "price_minor", 200, "sites", 1,
					 "entitlements", "visits_per_year", 2),
			       200);
	ck_assert_int_eq(jint(doc, "price_minor"), 200);
	ck_assert_int_eq(asize(jpath(doc, "coverage", "sites", NULL)), 1);
	ck_assert_int_eq(jint(json_object_get(doc, "entitlements"), "visits_per_year"), 2);
	json_decref(doc);
	http_expect("POST", "/v1/contracts/1/activate", gd, NULL, 200);
	doc = http_get_json("/v1/assets/1/entitlement", gd, 200);
	ck_assert_str_eq(jstr(doc, "source"), "contract");
	json_decref(doc);
	doc = http_expect_json("POST", "/v1/contracts/1/cancel", gd, NULL, 200);
	ck_assert_str_eq(jstr(doc, "status"), "cancelled");
	json_decref(doc);
	http_expect("POST", "/v1/contracts/1/cancel", gd, NULL, 409);
	doc = http_get_json("/v1/assets/1/entitlement", gd, 200);
	ck_assert_str_eq(jstr(doc, "source"), "none");
	json_decref(doc);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE object_type = 'contract'"
				    " AND action IN ('contract.create', 'contract.update',"
				    " 'contract.activate', 'contract.cancel')"),
			 4);
	/* The owner can still be handed over. */
	http_expect("PATCH", "/v1/contracts/1", gd, "{\"sales_owner_id\": null}", 200);
	clock_set_offset(0);
	free(gd);
}
END_TEST

Suite *contracts_suite(void)
{
	Suite *s = suite_create("contracts");
	TCase *tc = tcase_create("contracts");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_shorter_of_tier_and_contract_deadlines_wins);
	tcase_add_test(tc, an_exhausted_visit_allowance_turns_a_request_billable);
	tcase_add_test(tc, coverage_by_site_includes_a_unit_added_later);
	tcase_add_test(tc, bad_input_is_named_and_nothing_is_stored);
	tcase_add_test(tc, another_regions_sales_sees_nothing);
	tcase_add_test(tc, expiry_alerts_go_out_once_per_band);
	tcase_add_test(tc, a_renewal_is_a_new_contract_linked_to_the_old);
	tcase_add_test(tc, revenue_at_risk_by_month_and_currency);
	tcase_add_test(tc, renewals_become_warranty_extension_contracts);
	tcase_add_test(tc, a_draft_changes_then_activates_and_cancels_audited);
	suite_add_tcase(s, tc);
	return s;
}
