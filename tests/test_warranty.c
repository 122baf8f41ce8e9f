/* Warranty over HTTPS: expiry alerts by owner, centre and region, grouped
 * by customer and site and read through an index range; renewals that
 * extend the end date onto the timeline; the digest job's once-only
 * notices across runs and restarts. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "harness.h"
#include "suites.h"
#include "domain/warranty.h"
#include "db/warranty_store.h"

/* Two customers owned by sales.gd (one in SZ with two sites, one in GZ),
 * one in NJ owned by nobody; units ending at every distance from
 * 2026-06-01: 10, 45, 80 and 200 days ahead, 5 and 100 days ago. */
static void seed(int64_t owner)
{
	char sql[2048];

	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜');"
	    "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
	    " (1, 'KYN28-12', 'KYN28', 'switchgear', 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id, created_at,"
	    " updated_at) VALUES (1, 'C1', '深圳供电局', 'strategic', 'SZ', %lld, 0, 0),"
	    " (2, 'C2', '广州地铁', 'A', 'GZ', %lld, 0, 0), (3, 'C3', '南京钢铁', 'C', 'NJ', NULL, "
	    "0, 0);"
	    "INSERT INTO sites(id, customer_id, code, name, region_code, created_at, updated_at)"
	    " VALUES (1, 1, 'S1', '前湾站', 'SZ', 0, 0), (2, 1, 'S2', '蛇口站', 'SZ', 0, 0),"
	    " (3, 2, 'S3', '广州南', 'GZ', 0, 0), (4, 3, 'S4', '南钢', 'NJ', 0, 0);"
	    "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
	    " warranty_start, warranty_months, warranty_end, sales_owner_id, created_at, "
	    "updated_at)"
	    " VALUES"
	    " (1, 'U10', 1, 1, 1, '/CN/GD/SZ/', '2024-06-11', 24, '2026-06-11', %lld, 0, 0),"
	    " (2, 'U45', 1, 2, 1, '/CN/GD/SZ/', '2024-07-16', 24, '2026-07-16', %lld, 0, 0),"
	    " (3, 'U80', 1, 3, 2, '/CN/GD/GZ/', '2024-08-20', 24, '2026-08-20', %lld, 0, 0),"
	    " (4, 'U200', 1, 1, 1, '/CN/GD/SZ/', '2024-12-18', 24, '2026-12-18', %lld, 0, 0),"
	    " (5, 'U-5', 1, 1, 1, '/CN/GD/SZ/', '2024-05-27', 24, '2026-05-27', %lld, 0, 0),"
	    " (6, 'U-100', 1, 3, 2, '/CN/GD/GZ/', '2024-02-21', 24, '2026-02-21', %lld, 0, 0),"
	    " (7, 'UNJ', 1, 4, 3, '/CN/JS/NJ/', '2024-06-21', 24, '2026-06-21', NULL, 0, 0),"
	    " (8, 'UNEW', 1, 4, 3, '/CN/JS/NJ/', NULL, 0, NULL, NULL, 0, 0);",
	    (long long)owner, (long long)owner, (long long)owner, (long long)owner,
	    (long long)owner, (long long)owner, (long long)owner, (long long)owner);
	exec_sql(sql);
}

/* Every unit of an alert answer, as "serial:band" in answer order. */
static void units_of(const json_t *doc, char *out, size_t size)
{
	size_t i, j, k, n = 0;
	json_t *c, *s, *u;

	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "items"), i, c)
		json_array_foreach(json_object_get(c, "sites"), j, s)
			json_array_foreach(json_object_get(s, "units"), k, u)
				n += (size_t)snprintf(
				    out + n, size - n, "%s%s:%lld", n ? " " : "",
				    json_string_value(json_object_get(u, "serial")),
				    (long long)json_integer_value(json_object_get(u, "band")));
}

START_TEST(alerts_list_the_window_grouped_by_customer_and_site)
{
	char *sales = harness_user_token("sales.gd", "sales", NULL, NULL);
	int64_t owner = count_rows("SELECT id FROM users WHERE username = 'sales.gd'");
	char *sup = harness_user_token("supervisor.js", "supervisor", "JS", NULL);
	char units[256];
	json_t *doc, *first;

	seed(owner);
	harness_set_today("2026-06-01");
	doc = http_get_json("/v1/warranty/alerts", sales, 200);
	units_of(doc, units, sizeof(units));
	/* Customer 1: site 1 (U10, U-5), site 2 (U45); customer 2: U80. */
	ck_assert_str_eq(units, "U10:30 U-5:0 U45:60 U80:90");
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	first = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(first, "customer"), "name")),
	    "深圳供电局");
	ck_assert_int_eq(asize(json_object_get(first, "sites")), 2);
	json_decref(doc);
	doc = http_get_json("/v1/warranty/alerts?within=30d&expired=0d", sales, 200);
	units_of(doc, units, sizeof(units));
	ck_assert_str_eq(units, "U10:30");
	json_decref(doc);
	/* Paging walks every unit once. */
	doc = http_get_json("/v1/warranty/alerts?limit=3", sales, 200);
	units_of(doc, units, sizeof(units));
	ck_assert_str_eq(units, "U10:30 U-5:0 U45:60");
	ck_assert(json_is_string(json_object_get(doc, "next_cursor")));
	{
		char path[256];

		snprintf(path, sizeof(path), "/v1/warranty/alerts?limit=3&cursor=%s",
			 json_string_value(json_object_get(doc, "next_cursor")));
		json_decref(doc);
		doc = http_get_json(path, sales, 200);
		units_of(doc, units, sizeof(units));
		ck_assert_str_eq(units, "U80:90");
		ck_assert(json_is_null(json_object_get(doc, "next_cursor")));
	}
	json_decref(doc);
	/* Found by tests/fuzz/fuzz_cursor.c: sscanf took "1:2:+3", " 1:2:3"
	 * and "1:2:92233720368547758071" (past LLONG_MAX); only "1:2:3" is
	 * what the server writes. */
	json_decref(http_get_json("/v1/warranty/alerts?cursor=MToyOjM", sales, 200));
	json_decref(http_get_json("/v1/warranty/alerts?cursor=MToyOisz", sales, 400));
	json_decref(http_get_json("/v1/warranty/alerts?cursor=IDE6Mjoz", sales, 400));
	json_decref(http_get_json("/v1/warranty/alerts?cursor=MToyOjkyMjMzNzIwMzY4NTQ3NzU4MDcx",
				  sales, 400));
	/* A supervisor sees their region's units, owned or not. */
	doc = http_get_json("/v1/warranty/alerts", sup, 200);
	units_of(doc, units, sizeof(units));
	ck_assert_str_eq(units, "UNJ:30");
	json_decref(doc);
	clock_set_offset(0);
	free(sales);
	free(sup);
}
END_TEST

/* The desk calls the customer: each group carries its primary (first)
 * contact, masked exactly as GET /v1/customers/{id} shows it to the
 * caller, null when it has none. */
START_TEST(alerts_carry_the_primary_contact_masked)
{
	char *sales = harness_user_token("sales.gd", "sales", NULL, NULL);
	int64_t owner = count_rows("SELECT id FROM users WHERE username = 'sales.gd'");
	json_t *doc, *customer, *contact, *shown;

	seed(owner);
	exec_sql("INSERT INTO customer_contacts(customer_id, name, phone, id_number, title) VALUES"
		 " (1, '陈志远', '13912341234', '440301199001011217', '设备部经理'),"
		 " (1, '李娜', '13800001111', '', '采购');");
	harness_set_today("2026-06-01");
	doc = http_get_json("/v1/warranty/alerts", sales, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	customer = json_object_get(json_array_get(json_object_get(doc, "items"), 0), "customer");
	ck_assert_int_eq(json_integer_value(json_object_get(customer, "id")), 1);
	contact = json_object_get(customer, "contact");
	ck_assert_str_eq(json_string_value(json_object_get(contact, "title")), "设备部经理");
	ck_assert_str_ne(json_string_value(json_object_get(contact, "name")), "陈志远");
	ck_assert_ptr_null(strstr(json_string_value(json_object_get(contact, "phone")), "1391234"));
	shown = http_get_json("/v1/customers/1", sales, 200);
	ck_assert(json_equal(contact, json_array_get(json_object_get(shown, "contacts"), 0)));
	json_decref(shown);
	customer = json_object_get(json_array_get(json_object_get(doc, "items"), 1), "customer");
	ck_assert_int_eq(json_integer_value(json_object_get(customer, "id")), 2);
	ck_assert(json_is_null(json_object_get(customer, "contact")));
	json_decref(doc);
	clock_set_offset(0);
	free(sales);
}
END_TEST

START_TEST(alerts_by_centre_and_bad_parameters)
{
	char *disp = harness_user_token("dispatcher.gz", "dispatcher", "GZ", "C-GZ");
	char *sales = harness_user_token("sales.gd", "sales", NULL, NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t owner = count_rows("SELECT id FROM users WHERE username = 'sales.gd'");
	struct http_result r;
	char units[256];
	json_t *doc;

	seed(owner);
	harness_set_today("2026-06-01");
	/* C-GZ covers the province and the city: each unit once. */
	exec_sql("INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-GZ', 'GD'),"
		 " ('C-GZ', 'GZ')");
	doc = http_get_json("/v1/warranty/alerts", disp, 200);
	units_of(doc, units, sizeof(units));
	ck_assert_str_eq(units, "U10:30 U-5:0 U45:60 U80:90");
	json_decref(doc);
	http_send_json("GET", "/v1/warranty/alerts?owner=all", sales, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_send_json("GET", "/v1/warranty/alerts?owner=region", sales, NULL, &r);
	assert_problem(&r, 400, "owner");
	http_result_free(&r);
	http_send_json("GET", "/v1/warranty/alerts?owner=everyone", disp, NULL, &r);
	assert_problem(&r, 400, "owner");
	http_result_free(&r);
	http_send_json("GET", "/v1/warranty/alerts?within=3months", disp, NULL, &r);
	assert_problem(&r, 400, "within");
	http_result_free(&r);
	http_send_json("GET", "/v1/warranty/alerts?within=400d", disp, NULL, &r);
	assert_problem(&r, 400, "within");
	http_result_free(&r);
	http_send_json("GET", "/v1/warranty/alerts?cursor=xyz", disp, NULL, &r);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	http_send_json("GET", "/v1/warranty/alerts", tech, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	clock_set_offset(0);
	free(disp);
	free(sales);
	free(tech);
}
END_TEST

/* Over a million assets the alert lists must read an index range, so the
 * plan of every owner kind uses an index on assets and never scans it. */
START_TEST(alerts_read_an_index_range_never_the_table)
{
	static const enum warranty_owner owners[] = { WARRANTY_ALL, WARRANTY_MINE, WARRANTY_REGION,
						      WARRANTY_CENTRE };
	char plan[2048];

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		ck_assert_int_eq(warranty_store_alerts_plan(H.db, owners[i], plan, sizeof(plan)),
				 ERR_OK);
		ck_assert_msg(strstr(plan, "warranty"), "owner %zu: %s", i, plan);
		ck_assert_msg(!strstr(plan, "SCAN a\n") && !strstr(plan, "SCAN a2\n"),
			      "owner %zu scans assets: %s", i, plan);
	}
}
END_TEST

START_TEST(renewals_extend_the_end_onto_the_timeline_and_keep_history)
{
	char *sales = harness_user_token("sales.gd", "sales", NULL, NULL);
	char *other = harness_user_token("sales.js", "sales", NULL, NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t owner = count_rows("SELECT id FROM users WHERE username = 'sales.gd'");
	struct http_result r;
	json_t *doc;

	seed(owner);
	harness_set_today("2026-06-01");
	ck_assert_int_eq(
	    http_send_json("POST", "/v1/assets/1/warranty/renewals", sales,
			   json_pack("{s:i, s:s}", "months", 12, "contract_number", "HT-2026-0001"),
			   &r),
	    201);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "previous_end")), "2026-06-11");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "new_end")), "2027-06-11");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(r.json, "warranty"), "status")),
	    "in_warranty");
	http_result_free(&r);
	ck_assert_int_eq(
	    http_send_json("POST", "/v1/assets/1/warranty/renewals", sales,
			   json_pack("{s:i, s:s}", "months", 6, "contract_number", "HT-2026-0002"),
			   &r),
	    201);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "new_end")), "2027-12-11");
	http_result_free(&r);
	doc = http_get_json("/v1/assets/1/warranty/renewals", sales, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	json_decref(doc);
	ck_assert_int_eq(count_rows("SELECT warranty_months FROM assets WHERE id = 1"), 42);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events WHERE asset_id = 1"
				    " AND kind = 'warranty_renewal'"),
			 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log"
				    " WHERE action = 'asset.warranty_renew'"),
			 2);
	/* Bad input is named and changes nothing. */
	http_send_json("POST", "/v1/assets/1/warranty/renewals", sales,
		       json_pack("{s:i, s:s}", "months", 13, "contract_number", "HT-2026-0001"),
		       &r);
	assert_problem(&r, 400, "/contract_number");
	http_result_free(&r);
	http_send_json("POST", "/v1/assets/1/warranty/renewals", sales,
		       json_pack("{s:i, s:s}", "months", 0, "contract_number", "HT-X"), &r);
	assert_problem(&r, 400, "/months");
	http_result_free(&r);
	http_send_json("POST", "/v1/assets/1/warranty/renewals", sales,
		       json_pack("{s:s}", "months", "twelve"), &r);
	assert_problem(&r, 400, "/months");
	http_result_free(&r);
	http_send_json("POST", "/v1/assets/8/warranty/renewals", sales,
		       json_pack("{s:i, s:s}", "months", 12, "contract_number", "HT-Y"), &r);
	assert_problem(&r, 404, NULL); /* not theirs */
	http_result_free(&r);
	http_send_json("POST", "/v1/assets/1/warranty/renewals", other,
		       json_pack("{s:i, s:s}", "months", 12, "contract_number", "HT-Z"), &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	http_send_json("POST", "/v1/assets/1/warranty/renewals", tech,
		       json_pack("{s:i, s:s}", "months", 12, "contract_number", "HT-Z"), &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM warranty_renewals"), 2);
	ck_assert_int_eq(count_rows("SELECT warranty_months FROM assets WHERE id = 1"), 42);
	/* A renewal that would end after 9999-12-31 is refused, not cut short. */
	exec_sql("UPDATE assets SET warranty_start = '9999-01-01', warranty_months = 11,"
		 " warranty_end = '9999-12-01' WHERE id = 1");
	http_send_json("POST", "/v1/assets/1/warranty/renewals", sales,
		       json_pack("{s:i, s:s}", "months", 1, "contract_number", "HT-LATE"), &r);
	assert_problem(&r, 400, "/months");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM warranty_renewals"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE id = 1"
				    " AND warranty_end = '9999-12-01'"),
			 1);
	clock_set_offset(0);
	free(sales);
	free(other);
	free(tech);
}
END_TEST

START_TEST(renewing_a_unit_without_a_warranty_is_a_conflict)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL));
	http_send_json("POST", "/v1/assets/8/warranty/renewals", admin,
		       json_pack("{s:i, s:s}", "months", 12, "contract_number", "HT-1"), &r);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM warranty_renewals"), 0);
	free(admin);
}
END_TEST

/* The issue: PATCH of a renewed unit's warranty to 0 months silently
 * contradicted its renewals. A change that would end the warranty before
 * a renewal's new end is refused, naming the field and the renewal, and
 * changes nothing; lengthening, and shortening down to the renewal, pass. */
START_TEST(a_change_that_shortens_a_warranty_below_its_renewals_is_refused)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;
	json_t *renewal;
	int64_t version;

	seed(harness_seed_user("sales.gd", "sales", NULL, NULL));
	ck_assert_int_eq(
	    http_send_json("POST", "/v1/assets/1/warranty/renewals", admin,
			   json_pack("{s:i, s:s}", "months", 12, "contract_number", "HT-2026-0100"),
			   &r),
	    201);
	http_result_free(&r);
	version = count_rows("SELECT version FROM assets WHERE id = 1");

	http_send_json("PATCH", "/v1/assets/1", admin,
		       json_pack("{s:{s:i}}", "warranty", "months", 0), &r);
	assert_problem(&r, 409, "/warranty/months");
	renewal = json_object_get(r.json, "renewal");
	ck_assert_str_eq(json_string_value(json_object_get(renewal, "contract_number")),
			 "HT-2026-0100");
	ck_assert_str_eq(json_string_value(json_object_get(renewal, "new_end")), "2027-06-11");
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(r.json, "detail")), "HT-2026-0100"));
	http_result_free(&r);
	http_send_json("PATCH", "/v1/assets/1", admin,
		       json_pack("{s:{s:i}}", "warranty", "months", 30), &r);
	assert_problem(&r, 409, "/warranty/months");
	http_result_free(&r);
	http_send_json("PATCH", "/v1/assets/1", admin,
		       json_pack("{s:{s:s}}", "warranty", "start", "2024-01-11"), &r);
	assert_problem(&r, 409, "/warranty/start");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE id = 1 AND warranty_months"
				    " = 36 AND warranty_end = '2027-06-11'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT version FROM assets WHERE id = 1"), version);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'asset.update'"),
			 0);

	/* Longer, then back down to the renewal's end: both stand. */
	ck_assert_int_eq(http_send_json("PATCH", "/v1/assets/1", admin,
					json_pack("{s:{s:i}}", "warranty", "months", 48), &r),
			 200);
	http_result_free(&r);
	ck_assert_int_eq(http_send_json("PATCH", "/v1/assets/1", admin,
					json_pack("{s:{s:i}}", "warranty", "months", 36), &r),
			 200);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE id = 1"
				    " AND warranty_end = '2027-06-11'"),
			 1);
	/* A unit never renewed is corrected freely. */
	ck_assert_int_eq(http_send_json("PATCH", "/v1/assets/2", admin,
					json_pack("{s:{s:i}}", "warranty", "months", 0), &r),
			 200);
	http_result_free(&r);
	free(admin);
}
END_TEST

static int64_t notices(void)
{
	return count_rows("SELECT count(*) FROM warranty_notices");
}

static int64_t digests(void)
{
	return count_rows("SELECT count(*) FROM notifications WHERE kind = 'warranty.digest'");
}

START_TEST(the_digest_tells_each_owner_once_per_threshold)
{
	int64_t owner = harness_seed_user("sales.gd", "sales", NULL, NULL);

	seed(owner);
	harness_set_today("2026-06-01");
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	/* U10 (30), U-5 (expired), U45 (60), U80 (90); UNJ has no owner. */
	ck_assert_int_eq(notices(), 4);
	ck_assert_int_eq(digests(), 1);
	ck_assert_int_eq(count_rows("SELECT json_array_length(data, '$.units') FROM notifications"
				    " WHERE kind = 'warranty.digest'"),
			 4);
	/* Run again, and again after a restart: nothing repeated. */
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	harness_restart();
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(notices(), 4);
	ck_assert_int_eq(digests(), 1);
	/* Twenty days on: U10 expires, U45 crosses 30 days and U80 60;
	 * U200 is still far out. */
	harness_set_today("2026-06-21");
	ck_assert_int_eq(warranty_digest_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(notices(), 7);
	ck_assert_int_eq(digests(), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM warranty_notices WHERE asset_id = 2"
				    " AND threshold = 30"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM warranty_notices WHERE asset_id = 1"
				    " AND threshold = 0"),
			 1);
	clock_set_offset(0);
}
END_TEST

/* Issue 20: contracts ending join the list as items of kind "contract",
 * after the units, per owner; a renewed contract drops out; kind filters. */
static void contracts_of(const json_t *doc, char *out, size_t size)
{
	size_t i, n = 0;
	json_t *item, *k;

	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "items"), i, item) {
		if (strcmp(json_string_value(json_object_get(item, "kind")), "contract") != 0)
			continue;
		k = json_object_get(item, "contract");
		n +=
		    (size_t)snprintf(out + n, size - n, "%s%s:%lld:%lld:%s", n ? " " : "",
				     json_string_value(json_object_get(k, "number")),
				     (long long)json_integer_value(json_object_get(k, "band")),
				     (long long)json_integer_value(json_object_get(k, "days_left")),
				     json_string_value(json_object_get(k, "renewal")));
	}
}

START_TEST(alerts_list_contracts_ending_per_owner)
{
	char *sales = harness_user_token("sales.gd", "sales", NULL, NULL);
	char *other = harness_user_token("sales.js", "sales", NULL, NULL);
	char *sup = harness_user_token("sup.sz", "supervisor", "SZ", NULL);
	int64_t owner = count_rows("SELECT id FROM users WHERE username = 'sales.gd'");
	char sql[2048], got[512], path[128];
	json_t *doc, *item;
	const char *cursor;
	struct http_result r;

	seed(owner);
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO contracts(id, number, customer_id, kind, start_date, end_date, status,"
	    " sales_owner_id, renews_id, price_minor, created_at, updated_at) VALUES"
	    " (1, 'K-20', 1, 'service', '2025-06-21', '2026-06-21', 'active', %lld, NULL, 500,"
	    " 0, 0),"
	    " (2, 'K-END', 2, 'service', '2025-05-20', '2026-05-20', 'active', %lld, NULL, 0, 0,"
	    " 0),"
	    " (3, 'K-RENEWED', 1, 'service', '2025-07-01', '2026-07-01', 'active', %lld, NULL,"
	    " 0, 0, 0),"
	    " (4, 'K-NEXT', 1, 'service', '2026-07-02', '2027-07-01', 'draft', %lld, 3, 0, 0, 0),"
	    " (5, 'K-FAR', 1, 'service', '2025-01-01', '2026-12-31', 'active', %lld, NULL, 0, 0,"
	    " 0),"
	    " (6, 'K-NJ', 3, 'service', '2025-06-01', '2026-06-10', 'active', NULL, NULL, 0, 0,"
	    " 0),"
	    " (7, 'K-CANCELLED', 1, 'service', '2025-06-01', '2026-06-15', 'cancelled', %lld,"
	    " NULL, 0, 0, 0),"
	    " (8, 'K-DROPPED', 2, 'service', '2025-08-01', '2026-08-01', 'active', %lld, NULL, 0,"
	    " 0, 0),"
	    " (9, 'K-REDO', 2, 'service', '2026-08-02', '2027-08-01', 'cancelled', %lld, 8, 0, 0,"
	    " 0);",
	    (long long)owner, (long long)owner, (long long)owner, (long long)owner,
	    (long long)owner, (long long)owner, (long long)owner, (long long)owner);
	exec_sql(sql);
	harness_set_today("2026-06-01");
	doc = http_get_json("/v1/warranty/alerts", sales, 200);
	contracts_of(doc, got, sizeof(got));
	ck_assert_str_eq(got, "K-20:30:20:none K-END:0:0:none K-DROPPED:90:61:cancelled");
	item = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(item, "kind")), "warranty");
	item = json_array_get(json_object_get(doc, "items"),
			      json_array_size(json_object_get(doc, "items")) - 3);
	ck_assert_str_eq(json_string_value(json_object_get(item, "kind")), "contract");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(item, "customer"), "id")), 1);
	ck_assert_int_eq(asize(json_object_get(item, "sites")), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(item, "contract"), "end_date")),
	    "2026-06-21");
	ck_assert_str_eq(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(item, "contract"), "sales_owner"), "username")),
	    "sales.gd");
	json_decref(doc);

	/* The expired one is "expired" for today; kind=warranty is the old list. */
	doc = http_get_json("/v1/warranty/alerts?kind=contract", sales, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 3);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
		json_object_get(json_array_get(json_object_get(doc, "items"), 1), "contract"),
		"contract_status")),
	    "expired");
	json_decref(doc);
	doc = http_get_json("/v1/warranty/alerts?kind=warranty", sales, 200);
	contracts_of(doc, got, sizeof(got));
	ck_assert_str_eq(got, "");
	json_decref(doc);

	/* Pages of 2 walk units then contracts, each once. */
	{
		size_t seen = 0, i;

		snprintf(path, sizeof(path), "/v1/warranty/alerts?limit=2");
		for (int guard = 0; guard < 10; guard++) {
			doc = http_get_json(path, sales, 200);
			json_array_foreach(json_object_get(doc, "items"), i, item)
				seen += strcmp(json_string_value(json_object_get(item, "kind")),
					       "contract") == 0;
			cursor = json_string_value(json_object_get(doc, "next_cursor"));
			if (!cursor) {
				json_decref(doc);
				break;
			}
			snprintf(path, sizeof(path), "/v1/warranty/alerts?limit=2&cursor=%s",
				 cursor);
			json_decref(doc);
		}
		ck_assert_int_eq((int64_t)seen, 3);
	}

	/* Another sales owner sees none; the SZ supervisor sees SZ customers'. */
	doc = http_get_json("/v1/warranty/alerts?kind=contract", other, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	doc = http_get_json("/v1/warranty/alerts?kind=contract&owner=region", sup, 200);
	contracts_of(doc, got, sizeof(got));
	ck_assert_str_eq(got, "K-20:30:20:none");
	json_decref(doc);

	http_send_json("GET", "/v1/warranty/alerts?kind=contracts", sales, NULL, &r);
	assert_problem(&r, 400, "kind");
	http_result_free(&r);
	clock_set_offset(0);
	free(sales);
	free(other);
	free(sup);
}
END_TEST

Suite *warranty_suite(void)
{
	Suite *s = suite_create("warranty");
	TCase *tc = tcase_create("warranty");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, alerts_list_the_window_grouped_by_customer_and_site);
	tcase_add_test(tc, alerts_by_centre_and_bad_parameters);
	tcase_add_test(tc, alerts_carry_the_primary_contact_masked);
	tcase_add_test(tc, alerts_list_contracts_ending_per_owner);
	tcase_add_test(tc, alerts_read_an_index_range_never_the_table);
	tcase_add_test(tc, renewals_extend_the_end_onto_the_timeline_and_keep_history);
	tcase_add_test(tc, renewing_a_unit_without_a_warranty_is_a_conflict);
	tcase_add_test(tc, a_change_that_shortens_a_warranty_below_its_renewals_is_refused);
	tcase_add_test(tc, the_digest_tells_each_owner_once_per_threshold);
	suite_add_tcase(s, tc);
	return s;
}
