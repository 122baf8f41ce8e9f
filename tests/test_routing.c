/* Routing and dispatch through HTTPS against the real database: centre
 * coverage, technicians' skills and duty (happy paths, every bad input
 * named with nothing stored, scope by role), the routing decision through
 * the preview (most specific region, product-line filter, ties by load,
 * nearest and least-loaded fallbacks), the ranking of technicians, and the
 * demo seed. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "demo/demo.h"
#include "harness.h"
#include "domain/routing.h"
#include "suites.h"

/* ---- helpers ------------------------------------------------------------- */

/* exec_sql with printf arguments (at most 2 KiB of SQL once formatted). */
static void exec_sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void exec_sqlf(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	exec_sql(sql);
}

static int64_t create(const char *path, const char *token, json_t *body)
{
	struct http_result r;
	int64_t id;

	ck_assert_msg(http_send_body("POST", path, token, body, &r) == 201, "POST %s: %ld %s", path,
		      r.status, r.body);
	id = jint(r.json, "id");
	http_result_free(&r);
	return id;
}

static void product_lines(const char *admin)
{
	static const char *const codes[] = { "switchgear", "relay", "transformer" };
	struct http_result r;

	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(
		    http_send_body("POST", "/v1/product-lines", admin,
				   json_pack("{s:s, s:s}", "code", codes[i], "name", codes[i]), &r),
		    201);
		http_result_free(&r);
	}
}

static void set_coverage(const char *admin, const char *centre, const char *regions,
			 const char *lines)
{
	char path[128], body[512];

	snprintf(path, sizeof(path), "/v1/centres/%s/coverage", centre);
	snprintf(body, sizeof(body), "{\"regions\":%s,\"product_lines\":%s}", regions, lines);
	http_expect("PUT", path, admin, body, 200);
}

/* A site in region, of a customer made on first use; with a position
 * when has_pos. */
static int64_t make_site(const char *admin, const char *code, const char *region, int has_pos,
			 double lat, double lon)
{
	int64_t customer = count_rows("SELECT coalesce(min(id), 0) FROM customers");

	if (!customer)
		customer = create("/v1/customers", admin,
				  json_pack("{s:s, s:s, s:s, s:s}", "code", "CUST-1", "name",
					    "粤海能源", "tier", "A", "region", "GD"));
	return create("/v1/sites", admin,
		      has_pos
			  ? json_pack("{s:I, s:s, s:s, s:s, s:f, s:f}", "customer_id",
				      (json_int_t)customer, "code", code, "name", code, "region",
				      region, "latitude", lat, "longitude", lon)
			  : json_pack("{s:I, s:s, s:s, s:s}", "customer_id", (json_int_t)customer,
				      "code", code, "name", code, "region", region));
}

/* n tickets of the first customer routed to centre with status, assigned
 * to assignee (0: no one). */
static void add_tickets(const char *centre, const char *status, int n, int64_t assignee)
{
	char who[24];

	if (count_rows("SELECT count(*) FROM customers") == 0)
		exec_sql("INSERT INTO customers(code, name, tier, created_at, updated_at)"
			 " VALUES ('T-CUST', 't', 'A', 0, 0)");
	if (assignee)
		snprintf(who, sizeof(who), "%lld", (long long)assignee);
	else
		snprintf(who, sizeof(who), "NULL");
	for (int i = 0; i < n; i++)
		exec_sqlf(
		    "INSERT INTO tickets(channel, category, subcategory, status, title, impact,"
		    " urgency, priority, customer_tier, customer_id, region_path,"
		    " warranty_status, billable, centre_code, assignee_id, response_due,"
		    " arrival_due, resolution_due, created_at, updated_at)"
		    " VALUES ('hotline', 'fault_repair', 'repair', '%s', 't', 'unit', 'high',"
		    " 'P2', 'A', (SELECT min(id) FROM customers), '/CN/GD/SZ/', 'none', 0,"
		    " '%s', %s, 0, 0, 0, 0, 0)",
		    status, centre, who);
}

/* GET /v1/routing/preview: the chosen centre and rule; *doc kept when
 * doc is not NULL (caller decrefs). */
static void preview(const char *token, int64_t site, const char *line, const char *centre,
		    const char *rule, json_t **doc)
{
	struct http_result r;
	char path[128];

	snprintf(path, sizeof(path), "/v1/routing/preview?site=%lld%s%s", (long long)site,
		 line ? "&product_line=" : "", line ? line : "");
	ck_assert_msg(http_get(path, token, &r) == 200, "%s: %ld %s", path, r.status, r.body);
	ck_assert_msg(strcmp(jstr(r.json, "centre"), centre) == 0 &&
			  strcmp(jstr(r.json, "rule"), rule) == 0,
		      "%s: wanted %s by %s, got %s", path, centre, rule, r.body);
	ck_assert_ptr_nonnull(jstr(r.json, "reason"));
	ck_assert(json_is_array(json_object_get(r.json, "candidates")));
	if (doc)
		*doc = json_incref(r.json);
	http_result_free(&r);
}

static json_t *candidate(json_t *doc, const char *centre)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(doc, "candidates"), i, c)
		if (strcmp(jstr(c, "centre"), centre) == 0)
			return c;
	return NULL;
}

/* ---- coverage ------------------------------------------------------------ */

START_TEST(coverage_replaced_read_and_audited)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	struct http_result r;

	product_lines(admin);
	ck_assert_int_eq(http_get("/v1/centres/C-GZ/coverage", tech, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "regions")), 0);
	http_result_free(&r);

	ck_assert_int_eq(http_json("PUT", "/v1/centres/C-GZ/coverage", admin,
				   "{\"regions\":[\"GZ\",\"GD\"],\"product_lines\":"
				   "[\"switchgear\",\"relay\"]}",
				   &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "centre"), "C-GZ");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "regions"), 0)),
			 "GD");
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "product_lines")), 2);
	http_result_free(&r);

	ck_assert_int_eq(http_get("/v1/centres/C-GZ/coverage", tech, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "regions")), 2);
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(r.json, "product_lines"), 0)),
	    "relay");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'centre.coverage' AND object_id = 'C-GZ'"),
			 1);

	/* Replaced, not merged. */
	set_coverage(admin, "C-GZ", "[\"GZ\"]", "[]");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_regions"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_product_lines"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'centre.coverage'"),
			 2);
	free(admin);
	free(tech);
}
END_TEST

START_TEST(coverage_bad_input_names_the_member_and_stores_nothing)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	const char *p = "/v1/centres/C-SZ/coverage";
	char big[4096];
	size_t n;

	product_lines(admin);
	set_coverage(admin, "C-SZ", "[\"SZ\"]", "[\"relay\"]");
	http_expect_invalid("PUT", p, admin,
			    "{\"regions\":[\"SZ\",\"GD\",\"XX\"],\"product_lines\":[]}",
			    "/regions/2");
	http_expect_invalid("PUT", p, admin, "{\"regions\":[],\"product_lines\":[\"nope\"]}",
			    "/product_lines/0");
	http_expect_invalid("PUT", p, admin, "{\"regions\":[\"SZ\",\"SZ\"],\"product_lines\":[]}",
			    "/regions/1");
	http_expect_invalid("PUT", p, admin,
			    "{\"regions\":[],\"product_lines\":[\"relay\",\"relay\"]}",
			    "/product_lines/1");
	http_expect_invalid("PUT", p, admin, "{\"regions\":[7],\"product_lines\":[]}",
			    "/regions/0");
	http_expect_invalid("PUT", p, admin, "{\"regions\":[\"\"],\"product_lines\":[]}",
			    "/regions/0");
	http_expect_invalid(
	    "PUT", p, admin,
	    "{\"regions\":[\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ\"],\"product_lines\":[]}",
	    "/regions/0");
	http_expect_invalid("PUT", p, admin, "{\"regions\":[]}", "/product_lines");
	http_expect_invalid("PUT", p, admin, "{\"product_lines\":[]}", "/regions");
	http_expect_invalid("PUT", p, admin, "{\"regions\":\"SZ\",\"product_lines\":[]}",
			    "/regions");
	http_expect_invalid("PUT", p, admin, "{\"regions\":null,\"product_lines\":[]}", "/regions");
	http_expect_invalid("PUT", p, admin, "{\"regions\":[],\"product_lines\":[],\"x\":1}", "/x");
	n = (size_t)snprintf(big, sizeof(big), "{\"regions\":[");
	for (int i = 0; i < 257; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"SZ\"", i ? "," : "");
	snprintf(big + n, sizeof(big) - n, "],\"product_lines\":[]}");
	http_expect_invalid("PUT", p, admin, big, "/regions");
	/* Every problem at once. */
	http_expect_invalid("PUT", p, admin, "{\"regions\":[\"XX\"],\"product_lines\":[\"nope\"]}",
			    "/product_lines/0");

	http_expect("PUT", "/v1/centres/C-XX/coverage", admin,
		    "{\"regions\":[],\"product_lines\":[]}", 404);
	http_expect("GET", "/v1/centres/C-XX/coverage", admin, NULL, 404);
	/* Nothing changed. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_regions WHERE region_code = 'SZ'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_regions"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_product_lines"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'centre.coverage'"),
			 1);
	free(admin);
}
END_TEST

START_TEST(coverage_scope_by_role)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	const char *body = "{\"regions\":[\"SZ\"],\"product_lines\":[]}";
	struct http_result r;

	product_lines(admin);
	/* A supervisor changes centres of their region, within their region. */
	http_expect("PUT", "/v1/centres/C-SZ/coverage", sup,
		    "{\"regions\":[\"SZ\",\"GD\"],\"product_lines\":[\"relay\"]}", 200);
	http_expect_invalid("PUT", "/v1/centres/C-SZ/coverage", sup,
			    "{\"regions\":[\"SZ\",\"NJ\"],\"product_lines\":[]}", "/regions/1");
	http_expect("PUT", "/v1/centres/C-NJ/coverage", sup, body, 403);
	/* What an admin gave beyond the region may be kept, not added. */
	set_coverage(admin, "C-GZ", "[\"GZ\",\"JS\"]", "[]");
	http_expect("PUT", "/v1/centres/C-GZ/coverage", sup,
		    "{\"regions\":[\"JS\",\"GZ\",\"GD\"],\"product_lines\":[]}", 200);
	http_expect_invalid("PUT", "/v1/centres/C-GZ/coverage", sup,
			    "{\"regions\":[\"JS\",\"NJ\"],\"product_lines\":[]}", "/regions/1");
	/* Other roles may read but not change. */
	http_expect("PUT", "/v1/centres/C-SZ/coverage", disp, body, 403);
	http_expect("PUT", "/v1/centres/C-SZ/coverage", tech, body, 403);
	http_expect("PUT", "/v1/centres/C-SZ/coverage", NULL, body, 401);
	http_expect("GET", "/v1/centres/C-SZ/coverage", NULL, NULL, 401);
	ck_assert_int_eq(http_get("/v1/centres/C-SZ/coverage", disp, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "regions")), 2);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_regions"), 5);
	free(admin);
	free(sup);
	free(disp);
	free(tech);
}
END_TEST

/* ---- skills, technicians, duty ------------------------------------------- */

START_TEST(skills_replaced_and_listed)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t tech = harness_seed_user("tech1", "technician", "SZ", "C-SZ");
	struct http_result r;
	char path[64];
	json_t *item, *skills;

	product_lines(admin);
	snprintf(path, sizeof(path), "/v1/technicians/%lld/skills", (long long)tech);
	ck_assert_int_eq(http_json("PUT", path, admin,
				   "{\"skills\":[{\"product_line\":\"switchgear\",\"level\":4},"
				   "{\"product_line\":\"relay\",\"level\":2}]}",
				   &r),
			 200);
	ck_assert_int_eq(jint(r.json, "id"), tech);
	skills = json_object_get(r.json, "skills");
	ck_assert_uint_eq(json_array_size(skills), 2);
	ck_assert_str_eq(jstr(json_array_get(skills, 0), "product_line"), "relay");
	ck_assert_int_eq(jint(json_array_get(skills, 1), "level"), 4);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'technician.skills'"),
			 1);

	add_tickets("C-SZ", "assigned", 2, tech);
	add_tickets("C-SZ", "closed", 3, tech);
	ck_assert_int_eq(http_get("/v1/technicians?centre=C-SZ", admin, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	item = json_array_get(json_object_get(r.json, "items"), 0);
	ck_assert_str_eq(jstr(item, "username"), "tech1");
	ck_assert_str_eq(jstr(item, "centre"), "C-SZ");
	ck_assert_uint_eq(json_array_size(json_object_get(item, "skills")), 2);
	ck_assert(json_is_false(json_object_get(item, "on_duty")));
	ck_assert(json_is_null(json_object_get(item, "latitude")));
	ck_assert_int_eq(jint(item, "open_jobs"), 2);
	http_result_free(&r);

	/* An empty list clears them. */
	http_expect("PUT", path, admin, "{\"skills\":[]}", 200);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM technician_skills"), 0);
	free(admin);
}
END_TEST

START_TEST(skills_bad_input_names_the_member_and_stores_nothing)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t tech = harness_seed_user("tech1", "technician", "SZ", "C-SZ");
	int64_t disp = harness_seed_user("disp1", "dispatcher", "SZ", "C-SZ");
	char path[64];

	product_lines(admin);
	snprintf(path, sizeof(path), "/v1/technicians/%lld/skills", (long long)tech);
	http_expect("PUT", path, admin, "{\"skills\":[{\"product_line\":\"relay\",\"level\":3}]}",
		    200);
#define S(x) "{\"skills\":[" x "]}"
	http_expect_invalid("PUT", path, admin, S("{\"product_line\":\"relay\",\"level\":0}"),
			    "/skills/0/level");
	http_expect_invalid("PUT", path, admin, S("{\"product_line\":\"relay\",\"level\":6}"),
			    "/skills/0/level");
	http_expect_invalid("PUT", path, admin, S("{\"product_line\":\"relay\",\"level\":\"3\"}"),
			    "/skills/0/level");
	http_expect_invalid("PUT", path, admin, S("{\"product_line\":\"relay\",\"level\":2.5}"),
			    "/skills/0/level");
	http_expect_invalid("PUT", path, admin, S("{\"product_line\":\"relay\"}"),
			    "/skills/0/level");
	http_expect_invalid("PUT", path, admin, S("{\"level\":3}"), "/skills/0/product_line");
	http_expect_invalid("PUT", path, admin,
			    S("{\"product_line\":\"relay\",\"level\":3},{\"product_line\":\"nope\","
			      "\"level\":3}"),
			    "/skills/1/product_line");
	http_expect_invalid(
	    "PUT", path, admin,
	    S("{\"product_line\":\"relay\",\"level\":3},{\"product_line\":\"relay\","
	      "\"level\":4}"),
	    "/skills/1/product_line");
	http_expect_invalid("PUT", path, admin,
			    S("{\"product_line\":\"relay\",\"level\":3,\"x\":1}"), "/skills/0/x");
	http_expect_invalid("PUT", path, admin, S("\"relay\""), "/skills/0");
	http_expect_invalid("PUT", path, admin, S("{\"product_line\":7,\"level\":3}"),
			    "/skills/0/product_line");
	http_expect_invalid("PUT", path, admin, "{\"skills\":{}}", "/skills");
	http_expect_invalid("PUT", path, admin, "{}", "/skills");
	http_expect_invalid("PUT", path, admin, "{\"skills\":[],\"extra\":true}", "/extra");
#undef S
	/* Not a technician, unknown, not an id. */
	snprintf(path, sizeof(path), "/v1/technicians/%lld/skills", (long long)disp);
	http_expect("PUT", path, admin, "{\"skills\":[]}", 404);
	http_expect("PUT", "/v1/technicians/99999/skills", admin, "{\"skills\":[]}", 404);
	http_expect("PUT", "/v1/technicians/abc/skills", admin, "{\"skills\":[]}", 404);
	/* A disabled technician is no technician. */
	exec_sqlf("UPDATE users SET disabled = 1 WHERE id = %lld", (long long)tech);
	snprintf(path, sizeof(path), "/v1/technicians/%lld/skills", (long long)tech);
	http_expect("PUT", path, admin, "{\"skills\":[]}", 404);

	ck_assert_int_eq(count_rows("SELECT count(*) FROM technician_skills WHERE product_line ="
				    " 'relay' AND level = 3"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM technician_skills"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'technician.skills'"),
			 1);
	free(admin);
}
END_TEST

START_TEST(skills_and_technicians_scope_by_role)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *sup_js = harness_user_token("sup.js", "supervisor", "JS", NULL);
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *auditor = harness_user_token("aud", "auditor", NULL, NULL);
	char *sales = harness_user_token("sales1", "sales", "GD", NULL);
	int64_t t_sz = harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	int64_t t_gz = harness_seed_user("tech.gz", "technician", "GZ", "C-GZ");
	int64_t t_nj = harness_seed_user("tech.nj", "technician", "NJ", "C-NJ");
	char *tech = harness_login("tech.sz");
	const char *body = "{\"skills\":[{\"product_line\":\"relay\",\"level\":3}]}";
	struct http_result r;
	char p_sz[64], p_gz[64], p_nj[64];

	product_lines(admin);
	harness_seed_user("gone", "technician", "SZ", "C-SZ");
	exec_sql("UPDATE users SET disabled = 1 WHERE username = 'gone'");
	snprintf(p_sz, sizeof(p_sz), "/v1/technicians/%lld/skills", (long long)t_sz);
	snprintf(p_gz, sizeof(p_gz), "/v1/technicians/%lld/skills", (long long)t_gz);
	snprintf(p_nj, sizeof(p_nj), "/v1/technicians/%lld/skills", (long long)t_nj);

	http_expect("PUT", p_sz, disp, body, 200);
	http_expect("PUT", p_gz, disp, body, 404);
	http_expect("PUT", p_sz, sup, body, 200);
	http_expect("PUT", p_gz, sup, body, 200);
	http_expect("PUT", p_nj, sup, body, 404);
	http_expect("PUT", p_nj, sup_js, body, 200);
	http_expect("PUT", p_nj, admin, body, 200);
	http_expect("PUT", p_sz, tech, body, 403);
	http_expect("PUT", p_sz, sales, body, 403);
	http_expect("PUT", p_sz, auditor, body, 403);
	http_expect("PUT", p_sz, NULL, body, 401);

	ck_assert_int_eq(http_get("/v1/technicians", admin, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3); /* not "gone" */
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians", auditor, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians", sup, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians", disp, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 0), "username"),
			 "tech.sz");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians?centre=C-NJ", disp, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians?centre=C-GZ", sup, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	http_result_free(&r);
	/* Pages. */
	ck_assert_int_eq(http_get("/v1/technicians?limit=2", admin, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	ck_assert_ptr_nonnull(jstr(r.json, "next_cursor"));
	http_result_free(&r);

	ck_assert_int_eq(http_get("/v1/technicians?centre=C-XX", admin, &r), 400);
	assert_problem(&r, 400, "centre");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians?cursor=zz", admin, &r), 400);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/technicians?role=x", admin, &r), 400);
	http_result_free(&r);
	http_expect("GET", "/v1/technicians", tech, NULL, 403);
	http_expect("GET", "/v1/technicians", sales, NULL, 403);
	free(admin);
	free(sup);
	free(sup_js);
	free(disp);
	free(auditor);
	free(sales);
	free(tech);
}
END_TEST

START_TEST(duty_reported_by_the_technician)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct http_result r;
	json_t *item;

	ck_assert_int_eq(http_json("PUT", "/v1/me/duty", tech,
				   "{\"on_duty\":true,\"latitude\":22.53,\"longitude\":114.05}",
				   &r),
			 200);
	ck_assert(json_is_true(json_object_get(r.json, "on_duty")));
	ck_assert(json_real_value(json_object_get(r.json, "latitude")) == 22.53);
	ck_assert_ptr_nonnull(jstr(r.json, "duty_updated_at"));
	http_result_free(&r);
	/* Off duty without a position keeps the last one. */
	ck_assert_int_eq(http_json("PUT", "/v1/me/duty", tech, "{\"on_duty\":false}", &r), 200);
	ck_assert(json_is_false(json_object_get(r.json, "on_duty")));
	ck_assert(json_real_value(json_object_get(r.json, "longitude")) == 114.05);
	http_result_free(&r);
	/* Integers are numbers too. */
	http_expect("PUT", "/v1/me/duty", tech,
		    "{\"on_duty\":true,\"latitude\":22,"
		    "\"longitude\":114}",
		    200);

	ck_assert_int_eq(http_get("/v1/technicians", admin, &r), 200);
	item = json_array_get(json_object_get(r.json, "items"), 0);
	ck_assert(json_is_true(json_object_get(item, "on_duty")));
	ck_assert(json_number_value(json_object_get(item, "latitude")) == 22);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM technician_status"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'technician.duty'"),
			 3);
	/* The log says a position was reported, not where. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'technician.duty' AND instr(after, '22.53') > 0"),
			 0);
	free(tech);
	free(admin);
}
END_TEST

START_TEST(duty_bad_input_names_the_member_and_stores_nothing)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *disp = harness_user_token("disp1", "dispatcher", "SZ", "C-SZ");
	const char *p = "/v1/me/duty";

	http_expect_invalid("PUT", p, tech, "{\"on_duty\":true,\"latitude\":22.5}", "/longitude");
	http_expect_invalid("PUT", p, tech, "{\"on_duty\":true,\"longitude\":114}", "/latitude");
	http_expect_invalid("PUT", p, tech,
			    "{\"on_duty\":true,\"latitude\":90.5,\"longitude\":114}", "/latitude");
	http_expect_invalid("PUT", p, tech, "{\"on_duty\":true,\"latitude\":-91,\"longitude\":114}",
			    "/latitude");
	http_expect_invalid("PUT", p, tech,
			    "{\"on_duty\":true,\"latitude\":22,\"longitude\":180.01}",
			    "/longitude");
	http_expect_invalid("PUT", p, tech, "{\"on_duty\":true,\"latitude\":22,\"longitude\":-181}",
			    "/longitude");
	http_expect_invalid("PUT", p, tech,
			    "{\"on_duty\":true,\"latitude\":\"22\",\"longitude\":114}",
			    "/latitude");
	http_expect_invalid("PUT", p, tech,
			    "{\"on_duty\":true,\"latitude\":null,\"longitude\":null}", "/latitude");
	http_expect_invalid("PUT", p, tech, "{\"latitude\":22,\"longitude\":114}", "/on_duty");
	http_expect_invalid("PUT", p, tech, "{\"on_duty\":\"yes\"}", "/on_duty");
	http_expect_invalid("PUT", p, tech, "{\"on_duty\":1}", "/on_duty");
	http_expect_invalid("PUT", p, tech, "{\"on_duty\":true,\"where\":\"here\"}", "/where");
	http_expect_invalid("PUT", p, tech, "[true]", NULL);
	http_expect("PUT", p, admin, "{\"on_duty\":true}", 403);
	http_expect("PUT", p, disp, "{\"on_duty\":true}", 403);
	http_expect("PUT", p, NULL, "{\"on_duty\":true}", 401);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM technician_status"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'technician.duty'"),
			 0);
	free(tech);
	free(admin);
	free(disp);
}
END_TEST

/* ---- the routing decision ------------------------------------------------- */

START_TEST(routing_most_specific_region_wins)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t sz, gz;
	json_t *doc, *c;

	product_lines(admin);
	set_coverage(admin, "C-SZ", "[\"SZ\"]", "[\"switchgear\"]");
	set_coverage(admin, "C-GZ", "[\"GD\"]", "[\"switchgear\"]");
	sz = make_site(admin, "S-SZ", "SZ", 1, 22.52, 113.89);
	gz = make_site(admin, "S-GZ", "GZ", 1, 23.10, 113.30);

	preview(admin, sz, "switchgear", "C-SZ", "coverage", &doc);
	/* Both considered, with the facts. */
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "candidates")), 2);
	c = candidate(doc, "C-GZ");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(jstr(c, "covered_region"), "GD");
	ck_assert(json_is_true(json_object_get(c, "covers_product_line")));
	ck_assert_int_eq(jint(c, "capacity"), 40);
	ck_assert_int_eq(jint(c, "open"), 0);
	ck_assert(json_is_real(json_object_get(c, "distance_km")));
	c = candidate(doc, "C-SZ");
	ck_assert_str_eq(jstr(c, "covered_region"), "SZ");
	ck_assert_ptr_nonnull(strstr(jstr(doc, "reason"), "most specific"));
	json_decref(doc);
	/* A province's centre covers its cities the city centre does not. */
	preview(admin, gz, "switchgear", "C-GZ", "coverage", NULL);
	/* Unknown product line: any line covers. */
	preview(admin, sz, NULL, "C-SZ", "coverage", &doc);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "reason"), "any product line"));
	json_decref(doc);
	free(admin);
}
END_TEST

START_TEST(routing_product_line_filter)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t sz;
	json_t *doc;

	product_lines(admin);
	set_coverage(admin, "C-SZ", "[\"SZ\"]", "[\"switchgear\"]");
	set_coverage(admin, "C-GZ", "[\"GD\"]", "[\"switchgear\",\"relay\"]");
	sz = make_site(admin, "S-SZ", "SZ", 1, 22.52, 113.89);
	preview(admin, sz, "relay", "C-GZ", "coverage", &doc);
	ck_assert(json_is_false(json_object_get(candidate(doc, "C-SZ"), "covers_product_line")));
	json_decref(doc);
	preview(admin, sz, "switchgear", "C-SZ", "coverage", NULL);
	free(admin);
}
END_TEST

START_TEST(routing_tie_broken_by_open_load)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t sz;
	json_t *doc;

	product_lines(admin);
	set_coverage(admin, "C-SZ", "[\"SZ\"]", "[\"switchgear\"]");
	set_coverage(admin, "C-GZ", "[\"SZ\"]", "[\"switchgear\"]");
	sz = make_site(admin, "S-SZ", "SZ", 1, 22.52, 113.89);
	/* Equal load: the code decides. */
	preview(admin, sz, "switchgear", "C-GZ", "coverage", NULL);
	/* Closed work is no load. */
	add_tickets("C-SZ", "new", 2, 0);
	add_tickets("C-GZ", "closed", 5, 0);
	add_tickets("C-GZ", "resolved", 1, 0);
	add_tickets("C-GZ", "cancelled", 1, 0);
	add_tickets("C-GZ", "follow_up", 1, 0);
	preview(admin, sz, "switchgear", "C-GZ", "coverage", &doc);
	ck_assert_int_eq(jint(candidate(doc, "C-SZ"), "open"), 2);
	ck_assert_int_eq(jint(candidate(doc, "C-GZ"), "open"), 0);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "reason"), "lowest open load"));
	json_decref(doc);
	add_tickets("C-GZ", "en_route", 3, 0);
	preview(admin, sz, "switchgear", "C-SZ", "coverage", NULL);
	/* Load is open / capacity: 2/40 against 3/80. */
	exec_sql("UPDATE centres SET capacity = 80 WHERE code = 'C-GZ'");
	preview(admin, sz, "switchgear", "C-GZ", "coverage", &doc);
	ck_assert(json_real_value(json_object_get(candidate(doc, "C-GZ"), "load")) < 0.04);
	json_decref(doc);
	free(admin);
}
END_TEST

START_TEST(routing_nearest_when_nothing_covers)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	int64_t nj, nj_blind;
	json_t *doc;

	product_lines(admin);
	set_coverage(admin, "C-SZ", "[\"SZ\"]", "[\"switchgear\",\"transformer\"]");
	set_coverage(admin, "C-GZ", "[\"GZ\"]", "[\"switchgear\"]");
	nj = make_site(admin, "S-NJ", "NJ", 1, 32.0, 118.7);
	nj_blind = make_site(admin, "S-NJ2", "NJ", 0, 0, 0);

	/* No line covered by anyone with a position near: the nearest of all. */
	preview(admin, nj, "relay", "C-NJ", "nearest", &doc);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "candidates")), 3);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "candidates"), 0), "centre"),
			 "C-NJ");
	ck_assert(json_real_value(json_object_get(candidate(doc, "C-NJ"), "distance_km")) < 20);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "reason"), "none with a position covers relay"));
	json_decref(doc);
	/* Centres covering the line are preferred, however far. */
	preview(admin, nj, "transformer", "C-SZ", "nearest", &doc);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "reason"), "covering transformer"));
	json_decref(doc);
	preview(admin, nj, "switchgear", "C-GZ", "nearest", NULL);

	/* No position: the least loaded (preferring the line again). */
	add_tickets("C-NJ", "new", 1, 0);
	preview(admin, nj_blind, NULL, "C-GZ", "least_loaded", &doc);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "reason"), "no position"));
	ck_assert(json_is_null(json_object_get(candidate(doc, "C-NJ"), "distance_km")));
	json_decref(doc);
	preview(admin, nj_blind, "transformer", "C-SZ", "least_loaded", NULL);
	/* Centres without a position are never "nearest". */
	exec_sql("UPDATE centres SET latitude = NULL, longitude = NULL");
	preview(admin, nj, "relay", "C-GZ", "least_loaded", NULL);
	free(admin);
}
END_TEST

START_TEST(routing_decide_excludes_and_fails_without_centres)
{
	struct routing_input in = { .region_path = "/CN/GD/SZ/", .product_line = "switchgear" };
	char centre[32];
	json_t *doc;

	exec_sql("INSERT INTO product_lines(code, name) VALUES ('switchgear', 's')");
	exec_sql("INSERT INTO centre_regions VALUES ('C-SZ', 'SZ'), ('C-GZ', 'GD')");
	exec_sql("INSERT INTO centre_product_lines VALUES ('C-SZ', 'switchgear'),"
		 " ('C-GZ', 'switchgear')");
	ck_assert_int_eq(routing_decide(H.db, &in, centre, &doc), ERR_OK);
	ck_assert_str_eq(centre, "C-SZ");
	json_decref(doc);
	/* Re-routing away from C-SZ: the next most specific. */
	in.exclude_centre = "C-SZ";
	ck_assert_int_eq(routing_decide(H.db, &in, centre, &doc), ERR_OK);
	ck_assert_str_eq(centre, "C-GZ");
	ck_assert(json_is_true(json_object_get(candidate(doc, "C-SZ"), "excluded")));
	json_decref(doc);
	/* A malformed path is covered by nobody. */
	in.region_path = "CN";
	in.exclude_centre = NULL;
	ck_assert_int_eq(routing_decide(H.db, &in, centre, &doc), ERR_OK);
	ck_assert_str_eq(jstr(doc, "rule"), "least_loaded");
	json_decref(doc);
	exec_sql("DELETE FROM centres");
	ck_assert_int_eq(routing_decide(H.db, &in, centre, &doc), ERR_NOT_FOUND);
	ck_assert_ptr_null(doc);
}
END_TEST

START_TEST(routing_preview_bad_input_and_scope)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *sup_js = harness_user_token("sup.js", "supervisor", "JS", NULL);
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	struct http_result r;
	char path[96];
	int64_t sz;

	product_lines(admin);
	sz = make_site(admin, "S-SZ", "SZ", 1, 22.52, 113.89);
	ck_assert_int_eq(http_get("/v1/routing/preview", admin, &r), 400);
	assert_problem(&r, 400, "site");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/routing/preview?site=abc", admin, &r), 400);
	assert_problem(&r, 400, "site");
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/routing/preview?site=99999", admin, &r), 400);
	assert_problem(&r, 400, "site");
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/routing/preview?site=%lld&product_line=nope",
		 (long long)sz);
	ck_assert_int_eq(http_get(path, admin, &r), 400);
	assert_problem(&r, 400, "product_line");
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/routing/preview?site=%lld", (long long)sz);
	ck_assert_int_eq(http_get(path, sup_js, &r), 400); /* not in their region */
	assert_problem(&r, 400, "site");
	http_result_free(&r);
	http_expect("GET", path, tech, NULL, 403);
	http_expect("GET", path, NULL, NULL, 401);
	/* Nothing to route to. */
	exec_sql("UPDATE users SET centre_code = NULL");
	exec_sql("DELETE FROM centres");
	ck_assert_int_eq(http_get(path, admin, &r), 422);
	http_result_free(&r);
	free(admin);
	free(sup_js);
	free(tech);
}
END_TEST

/* ---- dispatch candidates -------------------------------------------------- */

START_TEST(candidates_ranked_with_reasons)
{
	struct dispatch_input in = { .centre = "C-SZ",
				     .product_line = "switchgear",
				     .has_position = 1,
				     .latitude = 22.54,
				     .longitude = 114.06 };
	int64_t a = harness_seed_user("a.expert.off", "technician", "SZ", "C-SZ");
	int64_t b = harness_seed_user("b.good.on.busy", "technician", "SZ", "C-SZ");
	int64_t c = harness_seed_user("c.good.on.far", "technician", "SZ", "C-SZ");
	int64_t d = harness_seed_user("d.good.on.near", "technician", "SZ", "C-SZ");
	int64_t e = harness_seed_user("e.none", "technician", "SZ", "C-SZ");
	json_t *items, *first;

	harness_seed_user("f.gone", "technician", "SZ", "C-SZ");
	harness_seed_user("g.other", "technician", "GZ", "C-GZ");
	harness_seed_user("h.disp", "dispatcher", "SZ", "C-SZ");
	exec_sql("UPDATE users SET disabled = 1 WHERE username = 'f.gone'");
	exec_sql(
	    "INSERT INTO product_lines(code, name) VALUES ('switchgear', 's'), ('relay', 'r')");
	exec_sqlf("INSERT INTO technician_skills VALUES (%lld, 'switchgear', 5), (%lld, "
		  "'switchgear', 3), (%lld, 'switchgear', 3), (%lld, 'switchgear', 3),"
		  " (%lld, 'relay', 5)",
		  (long long)a, (long long)b, (long long)c, (long long)d, (long long)e);
	exec_sqlf("INSERT INTO technician_status VALUES (%lld, 0, 22.54, 114.06, 0),"
		  " (%lld, 1, 22.54, 114.06, 0), (%lld, 1, 23.0, 114.5, 0),"
		  " (%lld, 1, 22.6, 114.1, 0)",
		  (long long)a, (long long)b, (long long)c, (long long)d);
	exec_sql("INSERT INTO customers(code, name, tier, created_at, updated_at)"
		 " VALUES ('C1', 'c', 'A', 0, 0)");
	/* b has one open job (and a closed one, which does not count). */
	exec_sqlf(
	    "INSERT INTO tickets(channel, category, subcategory, status, title, impact,"
	    " urgency, priority, customer_tier, customer_id, region_path, warranty_status,"
	    " billable, centre_code, assignee_id, response_due, arrival_due, resolution_due,"
	    " created_at, updated_at) VALUES"
	    " ('app', 'fault_repair', 'repair', 'accepted', 't', 'unit', 'high', 'P2', 'A', 1,"
	    " '/CN/GD/SZ/', 'none', 0, 'C-SZ', %lld, 0, 0, 0, 0, 0),"
	    " ('app', 'fault_repair', 'repair', 'closed', 't', 'unit', 'high', 'P2', 'A', 1,"
	    " '/CN/GD/SZ/', 'none', 0, 'C-SZ', %lld, 0, 0, 0, 0, 0)",
	    (long long)b, (long long)b);

	ck_assert_int_eq(routing_candidates(H.db, &in, &items), ERR_OK);
	ck_assert_uint_eq(json_array_size(items), 5);
	/* Skill, then on duty, then open jobs, then distance. */
	ck_assert_int_eq(jint(json_array_get(items, 0), "user_id"), a);
	ck_assert_int_eq(jint(json_array_get(items, 1), "user_id"), d);
	ck_assert_int_eq(jint(json_array_get(items, 2), "user_id"), c);
	ck_assert_int_eq(jint(json_array_get(items, 3), "user_id"), b);
	ck_assert_int_eq(jint(json_array_get(items, 4), "user_id"), e);
	first = json_array_get(items, 0);
	ck_assert_int_eq(jint(first, "skill"), 5);
	ck_assert(json_is_false(json_object_get(first, "on_duty")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(first, "reasons"), 0)),
			 "skill 5 on switchgear");
	ck_assert_int_eq(jint(json_array_get(items, 3), "open_jobs"), 1);
	ck_assert(jint(json_array_get(items, 1), "score") >
		  jint(json_array_get(items, 2), "score"));
	ck_assert(json_is_null(json_object_get(json_array_get(items, 4), "distance_km")));
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(json_array_get(items, 4), "reasons"), 0)),
			 "no switchgear skill");
	json_decref(items);

	/* Without a product line or a site position skill and distance are
	 * not ranked. */
	in.product_line = NULL;
	in.has_position = 0;
	ck_assert_int_eq(routing_candidates(H.db, &in, &items), ERR_OK);
	ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "skill")));
	ck_assert_int_eq(jint(json_array_get(items, 0), "user_id"), c); /* on duty, 0 jobs */
	ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "distance_km")));
	json_decref(items);
	in.centre = "C-NJ";
	ck_assert_int_eq(routing_candidates(H.db, &in, &items), ERR_OK);
	ck_assert_uint_eq(json_array_size(items), 0);
	json_decref(items);
}
END_TEST

/* ---- demo ------------------------------------------------------------------ */

START_TEST(demo_seed_is_idempotent)
{
	int64_t tech = harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	int64_t regions, lines, skills;

	exec_sql("INSERT INTO product_lines(code, name) VALUES ('switchgear', 's'), ('relay', 'r'),"
		 " ('transformer', 't')");
	ck_assert_int_eq(routing_demo_seed(H.db), ERR_OK);
	regions = count_rows("SELECT count(*) FROM centre_regions");
	lines = count_rows("SELECT count(*) FROM centre_product_lines");
	skills = count_rows("SELECT count(*) FROM technician_skills");
	/* The harness has no BJ nor C-BJ: those rows are skipped. */
	ck_assert_int_eq(regions, 5);
	ck_assert_int_eq(lines, 8);
	ck_assert_int_eq(skills, 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_product_lines WHERE centre_code"
				    " = 'C-GZ' AND product_line = 'transformer'"),
			 0);
	ck_assert_int_eq(count_rows("SELECT on_duty FROM technician_status"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'routing.demo_seed'"),
			 1);
	/* Again, also inside a caller's transaction: nothing new. */
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(routing_demo_seed(H.db), ERR_OK);
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centre_regions"), regions);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM technician_skills"), skills);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'routing.demo_seed'"),
			 1);
	(void)tech;
}
END_TEST

Suite *routing_suite(void)
{
	Suite *s = suite_create("routing");
	TCase *tc = tcase_create("routing");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, coverage_replaced_read_and_audited);
	tcase_add_test(tc, coverage_bad_input_names_the_member_and_stores_nothing);
	tcase_add_test(tc, coverage_scope_by_role);
	tcase_add_test(tc, skills_replaced_and_listed);
	tcase_add_test(tc, skills_bad_input_names_the_member_and_stores_nothing);
	tcase_add_test(tc, skills_and_technicians_scope_by_role);
	tcase_add_test(tc, duty_reported_by_the_technician);
	tcase_add_test(tc, duty_bad_input_names_the_member_and_stores_nothing);
	tcase_add_test(tc, routing_most_specific_region_wins);
	tcase_add_test(tc, routing_product_line_filter);
	tcase_add_test(tc, routing_tie_broken_by_open_load);
	tcase_add_test(tc, routing_nearest_when_nothing_covers);
	tcase_add_test(tc, routing_decide_excludes_and_fails_without_centres);
	tcase_add_test(tc, routing_preview_bad_input_and_scope);
	tcase_add_test(tc, candidates_ranked_with_reasons);
	tcase_add_test(tc, demo_seed_is_idempotent);
	suite_add_tcase(s, tc);
	return s;
}
