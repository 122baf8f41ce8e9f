/* Service tickets end to end over HTTPS: intake from every channel,
 * routing (coverage, most specific region, product line, nearest-centre
 * fallback), deadlines on the business calendar, the whole state machine
 * and its refusals, part replacement reaching the asset's scan, follow-up,
 * and scope (a dispatcher of another centre neither sees nor touches). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "harness.h"
#include "domain/qr.h"
#include "suites.h"

/* ---- helpers ------------------------------------------------------------- */

/* Moves the clock to an RFC 3339 instant. */
static void set_now(const char *when)
{
	int64_t t;

	ck_assert_int_eq(clock_parse(when, &t), 0);
	clock_set_offset(t - (int64_t)time(NULL));
}

/* Three product lines, two models, customers of each tier with sites in
 * Shenzhen, Guangzhou, Nanjing and Beijing (which no centre covers), an
 * asset at each, coverage: C-SZ covers SZ; C-GZ covers GD (so GZ too);
 * C-NJ covers JS. C-SZ does not do transformers. */
static void seed_world(void)
{
	exec_sql(
	    "INSERT INTO regions(code, parent_code, name, name_en, level, path) VALUES"
	    " ('BJ', 'CN', '北京', 'Beijing', 'province', '/CN/BJ/');"
	    "INSERT INTO product_lines(code, name, name_en) VALUES"
	    " ('switchgear', '开关柜', 'Switchgear'), ('transformer', '变压器', 'Transformers');"
	    "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
	    " (1, 'KYN28-12', 'KYN28-12 开关柜', 'switchgear', 0, 0),"
	    " (2, 'SCB13-1000', 'SCB13 干式变压器', 'transformer', 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id, created_at,"
	    " updated_at) VALUES"
	    " (1, 'C1', '南方电网深圳供电局', 'strategic', 'SZ', NULL, 0, 0),"
	    " (2, 'C2', '广州地铁集团', 'B', 'GZ', NULL, 0, 0),"
	    " (3, 'C3', '南京钢铁', 'C', 'NJ', NULL, 0, 0),"
	    " (4, 'C4', '北京数据中心', 'A', 'BJ', NULL, 0, 0);"
	    "INSERT INTO sites(id, customer_id, code, name, region_code, latitude, longitude,"
	    " created_at, updated_at) VALUES"
	    " (1, 1, 'S1', '前湾变电站', 'SZ', 22.52, 113.89, 0, 0),"
	    " (2, 2, 'S2', '广州南站', 'GZ', 22.99, 113.27, 0, 0),"
	    " (3, 3, 'S3', '南钢一号变', 'NJ', 32.15, 118.70, 0, 0),"
	    " (4, 4, 'S4', '亦庄机房', 'BJ', 39.79, 116.50, 0, 0);"
	    "INSERT INTO assets(id, serial, model_id, batch, site_id, customer_id, region_path,"
	    " warranty_end, created_at, updated_at) VALUES"
	    " (1, 'SN-SZ-1', 1, 'B1', 1, 1, '/CN/GD/SZ/', '2099-01-01', 0, 0),"
	    " (2, 'SN-GZ-1', 1, 'B1', 2, 2, '/CN/GD/GZ/', '2020-01-01', 0, 0),"
	    " (3, 'SN-NJ-1', 1, 'B2', 3, 3, '/CN/JS/NJ/', '2099-01-01', 0, 0),"
	    " (4, 'SN-BJ-1', 1, 'B2', 4, 4, '/CN/BJ/', '2099-01-01', 0, 0),"
	    " (5, 'SN-SZ-T', 2, 'B3', 1, 1, '/CN/GD/SZ/', '2099-01-01', 0, 0);"
	    "INSERT INTO asset_components(asset_id, part_number, component_serial, supplier, lot,"
	    " installed_at) VALUES (1, 'VS1-12', 'VS-001', '厦门真空开关厂', 'L1', 0);"
	    "INSERT INTO centre_regions(centre_code, region_code) VALUES"
	    " ('C-SZ', 'SZ'), ('C-GZ', 'GD'), ('C-NJ', 'JS');"
	    "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
	    " ('C-SZ', 'switchgear'), ('C-GZ', 'switchgear'), ('C-GZ', 'transformer'),"
	    " ('C-NJ', 'switchgear'), ('C-NJ', 'transformer');");
}

static json_t *ticket_body(const char *channel, const char *category, int64_t asset)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s}}", "channel", channel,
			 "category", category, "title", "断路器拒合 breaker will not close",
			 "asset_id", (json_int_t)asset, "impact", "site", "urgency", "high",
			 "contact", "name", "李娜", "phone", "13800138000");
}

/* Opens a ticket (body stolen); asserts 201; returns the answer's JSON. */
static json_t *open_ticket(const char *token, json_t *body)
{
	struct http_result r;
	json_t *doc;

	ck_assert_msg(http_send_json("POST", "/v1/tickets", token, body, &r) == 201, "POST: %ld %s",
		      r.status, r.body);
	doc = json_incref(r.json);
	http_result_free(&r);
	return doc;
}

/* One transition (body stolen, "action" added); asserts the status. */
static json_t *act(const char *token, int64_t id, const char *action, json_t *body, long want)
{
	struct http_result r;
	char path[64];
	json_t *doc;

	if (!body)
		body = json_object();
	json_object_set_new(body, "action", json_string(action));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	ck_assert_msg(http_send_json("POST", path, token, body, &r) == want, "%s: %ld %s", action,
		      r.status, r.body);
	doc = json_incref(r.json);
	http_result_free(&r);
	return doc;
}

static int64_t tickets_stored(void)
{
	return count_rows("SELECT count(*) FROM tickets");
}

/* ---- intake and routing ------------------------------------------------- */

START_TEST(every_channel_routes_to_the_covering_centre_with_its_facts)
{
	static const char *const channels[] = { "app",   "hotline",  "wechat", "web",
						"email", "internal", "system" };
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	json_t *doc;

	seed_world();
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
		doc = open_ticket(admin, ticket_body(channels[i], "repair", 1));
		ck_assert_str_eq(jstr(doc, "channel"), channels[i]);
		ck_assert_str_eq(jstr(doc, "status"), "routed");
		ck_assert_str_eq(jstr(doc, "centre"), "C-SZ");
		ck_assert_str_eq(jstr(jpath(doc, "routing", NULL), "rule"), "coverage");
		ck_assert_str_eq(jstr(doc, "category"), "fault_repair");
		ck_assert_str_eq(jstr(doc, "subcategory"), "repair");
		ck_assert_str_eq(jstr(jpath(doc, "customer", NULL), "tier"), "strategic");
		ck_assert_str_eq(jstr(jpath(doc, "warranty", NULL), "status"), "in_warranty");
		ck_assert(json_is_false(jpath(doc, "warranty", "billable", NULL)));
		ck_assert_str_eq(jstr(doc, "product_line"), "switchgear");
		ck_assert_str_eq(jstr(doc, "region_path"), "/CN/GD/SZ/");
		/* strategic x site x high */
		ck_assert_str_eq(jstr(doc, "priority"), "P1");
		ck_assert_str_eq(jstr(jpath(doc, "contact", NULL), "phone"), "138****8000");
		ck_assert_int_eq(asize(json_object_get(doc, "history")), 2);
		json_decref(doc);
	}
	/* Guangzhou: covered by the province's centre; out of warranty. */
	doc = open_ticket(admin, ticket_body("hotline", "repair", 2));
	ck_assert_str_eq(jstr(doc, "centre"), "C-GZ");
	ck_assert_str_eq(jstr(jpath(doc, "warranty", NULL), "status"), "expired");
	ck_assert(json_is_true(jpath(doc, "warranty", "billable", NULL)));
	ck_assert_str_eq(jstr(doc, "priority"), "P2"); /* B x site x high */
	json_decref(doc);
	/* A transformer in Shenzhen: C-SZ does not do them; GD's centre does. */
	doc = open_ticket(admin, ticket_body("app", "repair", 5));
	ck_assert_str_eq(jstr(doc, "centre"), "C-GZ");
	json_decref(doc);
	/* The scan shows the open request. */
	doc = http_get_json("/v1/assets/1", admin, 200);
	ck_assert_int_ge(asize(json_object_get(doc, "open_service_requests")), 1);
	json_decref(doc);
	free(admin);
}
END_TEST

START_TEST(uncovered_regions_go_to_the_nearest_centre)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	json_t *doc = NULL;

	seed_world();
	doc = open_ticket(admin, ticket_body("hotline", "repair", 4)); /* Beijing */
	ck_assert_str_eq(jstr(doc, "centre"), "C-NJ");
	ck_assert_str_eq(jstr(jpath(doc, "routing", NULL), "rule"), "nearest");
	ck_assert_int_ge(asize(jpath(doc, "routing", "candidates", NULL)), 1);
	json_decref(doc);
	free(admin);
}
END_TEST

START_TEST(a_scanned_code_or_a_customer_names_the_subject)
{
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *sales = harness_user_token("sales.nj", "sales", NULL, NULL);
	char code[QR_CODE_MAX], link[128];
	json_t *doc, *b;

	seed_world();
	exec_sql("INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (1, 1, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0)");
	ck_assert_int_eq(qr_label_code(H.db, 1, code), ERR_OK);
	snprintf(link, sizeof(link), "https://service.example.com/id/%s", code);
	/* The technician scans the unit on site. */
	b = json_pack("{s:s, s:s, s:s, s:s}", "channel", "app", "category", "repair", "title",
		      "柜门联锁卡滞", "code", link);
	doc = open_ticket(tech, b);
	ck_assert_int_eq(jint(jpath(doc, "asset", NULL), "id"), 1);
	ck_assert_str_eq(jstr(jpath(doc, "asset", NULL), "serial"), "SN-SZ-1");
	ck_assert_str_eq(jstr(doc, "centre"), "C-SZ");
	json_decref(doc);
	/* A consultation about a customer, no unit: the customer's region
	 * routes it; nothing is billable. */
	exec_sql("UPDATE customers SET sales_owner_id ="
		 " (SELECT id FROM users WHERE username = 'sales.nj') WHERE id = 3");
	doc = open_ticket(sales, json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "channel", "web",
					   "category", "consultation", "title", "询问培训安排",
					   "customer_id", (json_int_t)3, "contact", "name", "王强",
					   "phone", "+86 25 8888 0000"));
	ck_assert(json_is_null(json_object_get(doc, "asset")));
	ck_assert_str_eq(jstr(doc, "centre"), "C-NJ");
	ck_assert_str_eq(jstr(doc, "category"), "other");
	ck_assert_str_eq(jstr(doc, "priority"), "P4"); /* "other" is P4 whatever the tier */
	ck_assert(json_is_false(jpath(doc, "warranty", "billable", NULL)));
	json_decref(doc);
	free(tech);
	free(sales);
}
END_TEST

/* Bidirectional overrides and isolates ("Trojan Source") make stored text
 * read otherwise than it is: refused in every free-text member of every
 * resource, here a ticket's description and contact and a customer's name,
 * naming the member, and nothing is stored. */
START_TEST(bidirectional_controls_are_refused_in_free_text)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	int64_t tickets_before;
	struct http_result r;
	json_t *b;

	seed_world();
	tickets_before = tickets_stored();
	b = ticket_body("app", "repair", 1);
	json_object_set_new(b, "description", json_string("合闸线圈 \xE2\x80\xAEgnp.exe"));
	http_send_json("POST", "/v1/tickets", admin, b, &r);
	assert_problem(&r, 400, "/description");
	http_result_free(&r);
	b = ticket_body("hotline", "repair", 1);
	json_object_set_new(json_object_get(b, "contact"), "name",
			    json_string("\xE2\x81\xA6李娜\xE2\x81\xA9"));
	http_send_json("POST", "/v1/tickets", admin, b, &r);
	assert_problem(&r, 400, "/contact/name");
	http_result_free(&r);
	ck_assert_int_eq(tickets_stored(), tickets_before);
	http_send_json("POST", "/v1/customers", admin,
		       json_pack("{s:s, s:s, s:s}", "code", "C-BIDI", "name",
				 "深圳\xE2\x80\xAB供电局", "tier", "A"),
		       &r);
	assert_problem(&r, 400, "/name");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM customers WHERE code = 'C-BIDI'"), 0);

	/* The same bodies without them are taken. */
	b = ticket_body("app", "repair", 1);
	json_object_set_new(b, "description", json_string("合闸线圈 gnp.exe"));
	json_decref(open_ticket(admin, b));
	ck_assert_int_eq(http_send_json("POST", "/v1/customers", admin,
					json_pack("{s:s, s:s, s:s}", "code", "C-BIDI", "name",
						  "深圳供电局", "tier", "A"),
					&r),
			 201);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(bad_intake_is_named_and_nothing_is_stored)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *tech_nj = harness_user_token("tech.nj", "technician", "NJ", "C-NJ");
	struct http_result r;
	json_t *b;

	seed_world();
	http_send_json("POST", "/v1/tickets", admin,
		       json_pack("{s:s, s:s, s:s, s:I}", "channel", "fax", "category", "repair",
				 "title", "x", "asset_id", (json_int_t)1),
		       &r);
	assert_problem(&r, 400, "/channel");
	http_result_free(&r);
	http_send_json("POST", "/v1/tickets", admin,
		       json_pack("{s:s, s:s, s:s, s:I}", "channel", "app", "category",
				 "teleportation", "title", "x", "asset_id", (json_int_t)1),
		       &r);
	assert_problem(&r, 400, "/category");
	http_result_free(&r);
	http_send_json("POST", "/v1/tickets", admin,
		       json_pack("{s:s, s:s, s:s, s:I}", "channel", "app", "category",
				 "fault_repair", "title", "x", "asset_id", (json_int_t)1),
		       &r);
	assert_problem(&r, 400, "/category"); /* a category, not a subcategory */
	http_result_free(&r);
	http_send_json("POST", "/v1/tickets", admin,
		       json_pack("{s:s, s:s, s:s, s:I}", "channel", "hotline", "category", "repair",
				 "title", "x", "asset_id", (json_int_t)1),
		       &r);
	assert_problem(&r, 400, "/contact/name");
	http_result_free(&r);
	b = ticket_body("hotline", "repair", 1);
	json_object_set_new(json_object_get(b, "contact"), "phone", json_string("call me"));
	http_send_json("POST", "/v1/tickets", admin, b, &r);
	assert_problem(&r, 400, "/contact/phone");
	http_result_free(&r);
	b = ticket_body("app", "repair", 1);
	json_object_set_new(b, "urgency", json_string("yesterday"));
	json_object_set_new(b, "site_id", json_integer(1));
	http_send_json("POST", "/v1/tickets", admin, b, &r);
	assert_problem(&r, 400, "/urgency");
	http_result_free(&r);
	b = ticket_body("app", "repair", 1);
	json_object_set_new(b, "surprise", json_true());
	http_send_json("POST", "/v1/tickets", admin, b, &r);
	assert_problem(&r, 400, "/surprise");
	http_result_free(&r);
	http_send_json(
	    "POST", "/v1/tickets", admin,
	    json_pack("{s:s, s:s, s:s}", "channel", "app", "category", "repair", "title", "x"), &r);
	assert_problem(&r, 400, "/asset_id");
	http_result_free(&r);
	/* Unknown asset, and an asset outside the caller's region: 404. */
	http_send_json("POST", "/v1/tickets", admin, ticket_body("app", "repair", 99), &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	http_send_json("POST", "/v1/tickets", tech_nj, ticket_body("app", "repair", 1), &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	/* A forged scanned code: 404 like an unknown one. */
	b = ticket_body("app", "repair", 1);
	json_object_del(b, "asset_id");
	json_object_set_new(b, "code", json_string("https://x/id/0000000000000000000"));
	http_send_json("POST", "/v1/tickets", admin, b, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(tickets_stored(), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events"), 0);
	free(admin);
	free(tech_nj);
}
END_TEST

/* ---- deadlines ----------------------------------------------------------- */

START_TEST(deadlines_follow_the_business_calendar_across_a_holiday)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	json_t *doc, *b;

	seed_world();
	/* Friday 2026-09-25 17:40 China time, after hours; Monday 28th is a
	 * holiday. Counting starts at the next opening, so the seconds the
	 * request takes do not move the answer. */
	exec_sql("INSERT INTO calendar_days(date, kind, name) VALUES ('2026-09-28', 'holiday', "
		 "'test holiday')");
	set_now("2026-09-25T09:40:00Z");
	/* C tier x unit x low = P4: response 240 business minutes from
	 * Tuesday 08:30 = 12:30 CST = 04:30Z. */
	b = ticket_body("app", "repair", 3);
	json_object_set_new(b, "impact", json_string("unit"));
	json_object_set_new(b, "urgency", json_string("low"));
	doc = open_ticket(admin, b);
	ck_assert_str_eq(jstr(doc, "priority"), "P4");
	ck_assert_str_eq(jstr(jpath(doc, "sla", NULL), "response_due"), "2026-09-29T04:30:00Z");
	json_decref(doc);
	/* P1 runs round the clock: strategic x site x high, 30 minutes after
	 * it was opened, whatever the hour. */
	doc = open_ticket(admin, ticket_body("hotline", "repair", 1));
	ck_assert_str_eq(jstr(doc, "priority"), "P1");
	{
		int64_t created, due;

		ck_assert_int_eq(clock_parse(jstr(doc, "created_at"), &created), 0);
		ck_assert_int_eq(clock_parse(jstr(jpath(doc, "sla", NULL), "response_due"), &due),
				 0);
		ck_assert_int_eq(due - created, 1800);
	}
	json_decref(doc);
	clock_set_offset(0);
	free(admin);
}
END_TEST

/* ---- the state machine --------------------------------------------------- */

START_TEST(a_job_walks_the_whole_state_machine_and_replaces_a_part)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
	json_t *doc, *history, *work, *comps;
	int64_t id;

	seed_world();
	/* Free text keeps its line breaks (an e-mail, a technician's notes). */
	doc = ticket_body("hotline", "repair", 1);
	json_object_set_new(doc, "description", json_string("10kV 进线柜\n合闸失败两次\tE-CB-07"));
	doc = open_ticket(disp, doc);
	id = jint(doc, "id");
	ck_assert_str_eq(jstr(doc, "description"), "10kV 进线柜\n合闸失败两次\tE-CB-07");
	ck_assert(has_string(json_object_get(doc, "allowed_actions"), "assign"));
	json_decref(doc);
	json_decref(
	    act(disp, id, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)tech_id), 200));
	/* The technician's app hears of the job. */
	doc = http_get_json("/v1/notifications?unread=true", tech, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "items"), 0), "kind"),
			 "ticket.assigned");
	json_decref(doc);
	doc = act(tech, id, "accept", NULL, 200);
	ck_assert_str_eq(jstr(doc, "status"), "accepted");
	ck_assert(json_is_string(jpath(doc, "sla", "responded_at", NULL)));
	json_decref(doc);
	json_decref(act(tech, id, "depart", NULL, 200));
	doc = act(tech, id, "arrive",
		  json_pack("{s:f, s:f}", "latitude", 22.521, "longitude", 113.891), 200);
	ck_assert_str_eq(jstr(doc, "status"), "on_site");
	json_decref(doc);
	doc = act(tech, id, "wait", json_pack("{s:s}", "note", "客户停电审批中"), 200);
	ck_assert_str_eq(jstr(doc, "status"), "waiting_customer");
	ck_assert(json_is_true(jpath(doc, "sla", "paused", NULL)));
	json_decref(doc);
	doc = act(tech, id, "resume", NULL, 200);
	ck_assert_str_eq(jstr(doc, "status"), "on_site");
	json_decref(doc);
	doc = act(tech, id, "resolve",
		  json_pack("{s:{s:s, s:s, s:s, s:i, s:[{s:s, s:s, s:s, s:s}]}}", "work",
			    "fault_code", "E-CB-07", "cause", "合闸线圈烧毁\n线圈电阻 0 Ω",
			    "actions", "更换真空断路器并做机械特性试验", "minutes_spent", 95,
			    "parts", "part_number", "VS1-12", "old_serial", "VS-001", "new_serial",
			    "VS-777", "lot", "L2611"),
		  200);
	ck_assert_str_eq(jstr(doc, "status"), "resolved");
	work = json_object_get(doc, "work");
	ck_assert_str_eq(jstr(work, "fault_code"), "E-CB-07");
	ck_assert_str_eq(jstr(work, "cause"), "合闸线圈烧毁\n线圈电阻 0 Ω");
	ck_assert_int_eq(asize(json_object_get(work, "parts")), 1);
	json_decref(doc);
	json_decref(act(disp, id, "follow_up", NULL, 200));
	doc = act(disp, id, "close",
		  json_pack("{s:i, s:s}", "satisfaction", 5, "comment", "很及时"), 200);
	ck_assert_str_eq(jstr(doc, "status"), "closed");
	ck_assert_int_eq(jint(jpath(doc, "follow_up", NULL), "satisfaction"), 5);
	history = json_object_get(doc, "history");
	/* create, route, assign, accept, depart, arrive, wait, resume,
	 * resolve, follow_up, close */
	ck_assert_int_eq(asize(history), 11);
	ck_assert_str_eq(jstr(json_array_get(history, 5), "action"), "arrive");
	ck_assert(json_is_object(json_object_get(json_array_get(history, 5), "location")));
	ck_assert_str_eq(jstr(json_array_get(history, 5), "actor"), "tech.sz");
	ck_assert_int_eq(asize(json_object_get(doc, "allowed_actions")), 1); /* reopen */
	json_decref(doc);
	/* A reason is words: white space alone is none. */
	doc = act(disp, id, "reopen", json_pack("{s:s}", "note", " \n\t "), 400);
	json_decref(doc);
	/* The scan shows the new component, the old one in history, and the
	 * service events on the timeline. */
	doc = http_get_json("/v1/assets/1", admin, 200);
	comps = jpath(doc, "procurement", "components", NULL);
	ck_assert_int_eq(asize(comps), 1);
	ck_assert_str_eq(jstr(json_array_get(comps, 0), "component_serial"), "VS-777");
	ck_assert_str_eq(jstr(json_array_get(jpath(doc, "procurement", "replaced", NULL), 0),
			      "component_serial"),
			 "VS-001");
	ck_assert_int_eq(asize(json_object_get(doc, "open_service_requests")), 0);
	json_decref(doc);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM asset_events WHERE asset_id = 1 AND kind = 'service'"),
	    10);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events WHERE asset_id = 1"
				    " AND kind = 'part_replacement'"),
			 1);
	ck_assert_int_ge(count_rows("SELECT count(*) FROM audit_log WHERE object_type = 'ticket'"),
			 10);
	free(admin);
	free(disp);
	free(tech);
}
END_TEST

START_TEST(illegal_actions_answer_409_naming_the_allowed_ones)
{
	static const char *const illegal_when_routed[] = { "accept",    "decline", "depart",
							   "arrive",    "resolve", "resume",
							   "follow_up", "close",   "reopen" };
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *other = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	int64_t tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
	int64_t events;
	struct http_result r;
	json_t *doc;
	char path[64];
	int64_t id;

	seed_world();
	doc = open_ticket(disp, ticket_body("app", "repair", 1));
	id = jint(doc, "id");
	json_decref(doc);
	events = count_rows("SELECT count(*) FROM ticket_events");
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	for (size_t i = 0; i < sizeof(illegal_when_routed) / sizeof(illegal_when_routed[0]); i++) {
		http_send_json("POST", path, disp,
			       json_pack("{s:s}", "action", illegal_when_routed[i]), &r);
		ck_assert_msg(r.status == 409, "%s: %ld %s", illegal_when_routed[i], r.status,
			      r.body);
		ck_assert_str_eq(jstr(r.json, "ticket_status"), "routed");
		ck_assert(has_string(json_object_get(r.json, "allowed"), "assign"));
		ck_assert(has_string(json_object_get(r.json, "allowed"), "cancel"));
		ck_assert(!has_string(json_object_get(r.json, "allowed"), "accept"));
		http_result_free(&r);
	}
	/* Unknown action, missing reason, a member the action does not use. */
	http_send_json("POST", path, disp, json_pack("{s:s}", "action", "teleport"), &r);
	assert_problem(&r, 400, "/action");
	http_result_free(&r);
	http_send_json("POST", path, disp, json_pack("{s:s}", "action", "cancel"), &r);
	assert_problem(&r, 400, "/note");
	http_result_free(&r);
	http_send_json("POST", path, disp,
		       json_pack("{s:s, s:f}", "action", "assign", "latitude", 1.0), &r);
	assert_problem(&r, 400, "/latitude");
	http_result_free(&r);
	http_send_json("POST", path, disp,
		       json_pack("{s:s, s:i}", "action", "assign", "assignee_id", 999), &r);
	assert_problem(&r, 400, "/assignee_id");
	http_result_free(&r);
	json_decref(
	    act(disp, id, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)tech_id), 200));
	/* Only the assigned technician accepts; a dispatcher cannot. */
	http_send_json("POST", path, disp, json_pack("{s:s}", "action", "accept"), &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_send_json("POST", path, other, json_pack("{s:s}", "action", "accept"), &r);
	assert_problem(&r, 404, NULL); /* not their job: they cannot even see it */
	http_result_free(&r);
	json_decref(act(tech, id, "accept", NULL, 200));
	json_decref(act(tech, id, "depart", NULL, 200));
	/* Arrival needs the GPS position, in range. */
	http_send_json("POST", path, tech, json_pack("{s:s}", "action", "arrive"), &r);
	assert_problem(&r, 400, "/latitude");
	http_result_free(&r);
	http_send_json(
	    "POST", path, tech,
	    json_pack("{s:s, s:f, s:f}", "action", "arrive", "latitude", 91.0, "longitude", 113.0),
	    &r);
	assert_problem(&r, 400, "/latitude");
	http_result_free(&r);
	json_decref(act(tech, id, "arrive",
			json_pack("{s:f, s:f}", "latitude", 22.5, "longitude", 113.9), 200));
	/* Resolving needs the work record; a part not fitted is named and
	 * nothing of the job is stored. */
	http_send_json("POST", path, tech,
		       json_pack("{s:s, s:{s:s, s:s, s:i, s:[{s:s, s:s, s:s}]}}", "action",
				 "resolve", "work", "cause", "c", "actions", "a", "minutes_spent",
				 10, "parts", "part_number", "VS1-12", "old_serial", "NOPE",
				 "new_serial", "VS-9"),
		       &r);
	assert_problem(&r, 400, "/work/parts/0/old_serial");
	http_result_free(&r);
	http_send_json("POST", path, tech, json_pack("{s:s}", "action", "resolve"), &r);
	assert_problem(&r, 400, "/work");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_work"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_components WHERE removed_at IS NULL"
				    " AND component_serial = 'VS-001'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events"), events + 4);
	free(disp);
	free(tech);
	free(other);
}
END_TEST

/* The specification, written out independently of the server's table:
 * which actions each status allows. Everything else must be a 409 that
 * changes nothing. */
static const struct {
	const char *status;
	const char *allowed; /* space-separated */
} machine[] = {
	{ "new", "cancel reroute" },
	{ "routed", "assign wait cancel reroute" },
	{ "assigned", "assign accept decline wait cancel reroute" },
	{ "accepted", "depart wait cancel" },
	{ "declined", "assign cancel reroute" },
	{ "en_route", "arrive wait cancel" },
	{ "on_site", "resolve wait" },
	{ "waiting_customer", "resume cancel" },
	{ "resolved", "follow_up reopen" },
	{ "follow_up", "close reopen" },
	{ "closed", "reopen" },
	{ "cancelled", "" },
	{ "reopened", "assign wait cancel reroute" },
};

static int listed_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

START_TEST(every_illegal_transition_is_refused_and_changes_nothing)
{
	static const char *const actions[] = { "assign",    "accept",  "decline", "depart",
					       "arrive",    "resolve", "wait",    "resume",
					       "follow_up", "close",   "cancel",  "reopen",
					       "reroute" };
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;
	char path[64], sql[160];
	json_t *doc;
	int64_t id, events;
	int refused = 0;

	seed_world();
	doc = open_ticket(admin, ticket_body("app", "repair", 1));
	id = jint(doc, "id");
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	events = count_rows("SELECT count(*) FROM ticket_events");
	for (size_t s = 0; s < sizeof(machine) / sizeof(machine[0]); s++) {
		snprintf(sql, sizeof(sql), "UPDATE tickets SET status = '%s' WHERE id = %lld",
			 machine[s].status, (long long)id);
		exec_sql(sql);
		for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
			if (listed_in(machine[s].allowed, actions[a]))
				continue;
			http_send_json("POST", path, admin,
				       json_pack("{s:s, s:s}", "action", actions[a], "note", "x"),
				       &r);
			ck_assert_msg(r.status == 409, "%s from %s: %ld %s", actions[a],
				      machine[s].status, r.status, r.body);
			ck_assert_str_eq(jstr(r.json, "ticket_status"), machine[s].status);
			ck_assert(json_is_array(json_object_get(r.json, "allowed")));
			http_result_free(&r);
			refused++;
		}
	}
	ck_assert_int_gt(refused, 100);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events"), events);
	ck_assert_int_eq(count_rows("SELECT version FROM tickets"), 1);
	free(admin);
}
END_TEST

START_TEST(a_low_score_reopens_the_loop_as_a_linked_complaint)
{
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
	json_t *doc;
	int64_t id;
	char path[48];

	seed_world();
	doc = open_ticket(disp, ticket_body("app", "maintenance", 1));
	id = jint(doc, "id");
	json_decref(doc);
	json_decref(
	    act(disp, id, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)tech_id), 200));
	json_decref(act(tech, id, "accept", NULL, 200));
	json_decref(act(tech, id, "depart", NULL, 200));
	json_decref(act(tech, id, "arrive",
			json_pack("{s:f, s:f}", "latitude", 22.5, "longitude", 113.9), 200));
	json_decref(act(tech, id, "resolve",
			json_pack("{s:{s:s, s:s, s:i}}", "work", "cause", "例行保养", "actions",
				  "清扫、紧固", "minutes_spent", 60),
			200));
	json_decref(act(disp, id, "follow_up", NULL, 200));
	doc = act(disp, id, "close",
		  json_pack("{s:i, s:s}", "satisfaction", 2, "comment", "迟到两小时"), 200);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE parent_id IS NOT NULL"), 1);
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/tickets/%lld",
		 (long long)count_rows("SELECT id FROM tickets WHERE parent_id IS NOT NULL"));
	doc = http_get_json(path, disp, 200);
	ck_assert_str_eq(jstr(doc, "subcategory"), "service_complaint");
	ck_assert_str_eq(jstr(doc, "category"), "complaint");
	ck_assert_int_eq(jint(doc, "parent_id"), id);
	ck_assert_str_eq(jstr(doc, "centre"), "C-SZ");
	ck_assert_str_eq(jstr(doc, "description"), "迟到两小时");
	json_decref(doc);
	free(disp);
	free(tech);
}
END_TEST

/* ---- scope and queries ------------------------------------------------------ */

START_TEST(another_centres_dispatcher_neither_sees_nor_touches)
{
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *nj = harness_user_token("dispatcher.nj", "dispatcher", "NJ", "C-NJ");
	char *sup_gd = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	int64_t nj_tech = harness_seed_user("tech.nj", "technician", "NJ", "C-NJ");
	struct http_result r;
	json_t *doc;
	int64_t id, version;
	char path[64];

	seed_world();
	doc = open_ticket(disp, ticket_body("app", "repair", 1));
	id = jint(doc, "id");
	version = jint(doc, "version");
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)id);
	http_send_json("GET", path, nj, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	doc = http_get_json("/v1/tickets", nj, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	http_send_json(
	    "POST", path, nj,
	    json_pack("{s:s, s:I}", "action", "assign", "assignee_id", (json_int_t)nj_tech), &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	http_send_json("POST", path, nj,
		       json_pack("{s:s, s:s}", "action", "cancel", "note", "mine now"), &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/candidates", (long long)id);
	http_send_json("GET", path, nj, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	/* Nothing changed; the region's supervisor sees it. */
	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)id);
	doc = http_get_json(path, sup_gd, 200);
	ck_assert_int_eq(jint(doc, "version"), version);
	ck_assert_str_eq(jstr(doc, "status"), "routed");
	json_decref(doc);
	free(disp);
	free(nj);
	free(sup_gd);
}
END_TEST

START_TEST(lists_filter_and_each_role_sees_its_own)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	int64_t tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
	struct http_result r;
	json_t *doc;
	int64_t first;

	seed_world();
	doc = open_ticket(admin, ticket_body("app", "repair", 1));
	first = jint(doc, "id");
	json_decref(doc);
	json_decref(open_ticket(admin, ticket_body("wechat", "repair", 1)));
	json_decref(open_ticket(admin, ticket_body("app", "repair", 3)));
	json_decref(act(disp, first, "assign",
			json_pack("{s:I}", "assignee_id", (json_int_t)tech_id), 200));
	doc = http_get_json("/v1/tickets", disp, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	json_decref(doc);
	doc = http_get_json("/v1/tickets", tech, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = http_get_json("/v1/tickets?channel=wechat", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = http_get_json("/v1/tickets?status=assigned,accepted", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = http_get_json("/v1/tickets?centre=C-NJ&category=fault_repair", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = http_get_json("/v1/tickets?limit=2", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	ck_assert(json_is_string(json_object_get(doc, "next_cursor")));
	json_decref(doc);
	/* Nothing is overdue yet; a day later the P1 ones are. */
	doc = http_get_json("/v1/tickets?overdue=true", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	clock_set_offset(3 * 86400);
	free(admin);
	admin = harness_login("root"); /* the old token expired meanwhile */
	doc = http_get_json("/v1/tickets?overdue=true", admin, 200);
	ck_assert_int_ge(asize(json_object_get(doc, "items")), 2);
	json_decref(doc);
	clock_set_offset(0);
	http_send_json("GET", "/v1/tickets?status=bogus", admin, NULL, &r);
	assert_problem(&r, 400, "status");
	http_result_free(&r);
	http_send_json("GET", "/v1/tickets?overdue=maybe", admin, NULL, &r);
	assert_problem(&r, 400, "overdue");
	http_result_free(&r);
	http_send_json("GET", "/v1/tickets?created_from=yesterday", admin, NULL, &r);
	assert_problem(&r, 400, "created_from");
	http_result_free(&r);
	free(admin);
	free(disp);
	free(tech);
}
END_TEST

Suite *tickets_suite(void)
{
	Suite *s = suite_create("tickets");
	TCase *tc = tcase_create("tickets");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, every_channel_routes_to_the_covering_centre_with_its_facts);
	tcase_add_test(tc, uncovered_regions_go_to_the_nearest_centre);
	tcase_add_test(tc, a_scanned_code_or_a_customer_names_the_subject);
	tcase_add_test(tc, bad_intake_is_named_and_nothing_is_stored);
	tcase_add_test(tc, bidirectional_controls_are_refused_in_free_text);
	tcase_add_test(tc, deadlines_follow_the_business_calendar_across_a_holiday);
	tcase_add_test(tc, a_job_walks_the_whole_state_machine_and_replaces_a_part);
	tcase_add_test(tc, illegal_actions_answer_409_naming_the_allowed_ones);
	tcase_add_test(tc, every_illegal_transition_is_refused_and_changes_nothing);
	tcase_add_test(tc, a_low_score_reopens_the_loop_as_a_linked_complaint);
	tcase_add_test(tc, another_centres_dispatcher_neither_sees_nor_touches);
	tcase_add_test(tc, lists_filter_and_each_role_sees_its_own);
	suite_add_tcase(s, tc);
	return s;
}
