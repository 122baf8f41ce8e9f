/* The dispatcher's board over HTTPS: the snapshot in each role's ticket
 * scope, what changed since a cursor (a transition by someone else, a
 * close, a re-route away, an SLA alert from the scheduler), 304 for an
 * unchanged board, 400 for a cursor the server never wrote, 410 for one it
 * can no longer follow, and the SLA clock on a moved test clock. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "harness.h"
#include "jobs/scheduler.h"
#include "suites.h"

/* T0 = 2026-09-01T02:00:00Z; the clock stands at T0 + offset. */
static int64_t t0;

static void at(int64_t offset)
{
	ck_assert_int_eq(clock_parse("2026-09-01T02:00:00Z", &t0), 0);
	clock_set_offset(t0 + offset - (int64_t)time(NULL));
}

/* Access tokens last 15 minutes: a test that moves the clock further
 * signs in again. */
static void relogin(char **token, const char *username)
{
	free(*token);
	*token = harness_login(username);
}

/* Units in Shenzhen (C-SZ) and Nanjing (C-NJ), and Guangzhou's centre
 * covering Shenzhen's product line too (somewhere to re-route to). The
 * Shenzhen customer is strategic (P1 tickets), sold by sales.gd. */
static void seed(void)
{
	char sql[2048];

	harness_seed_user("sales.gd", "sales", "GD", NULL);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜');"
		 "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
		 " (1, 'KYN28-12', 'KYN28', 'switchgear', 0, 0);"
		 "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id,"
		 " created_at, updated_at) VALUES (1, 'C1', '深圳供电局', 'strategic', 'SZ', %lld,"
		 " 0, 0), (2, 'C2', '南京钢铁', 'B', 'NJ', NULL, 0, 0);"
		 "INSERT INTO sites(id, customer_id, code, name, region_code, latitude, longitude,"
		 " created_at, updated_at) VALUES (1, 1, 'S1', '前湾站', 'SZ', 22.5, 113.9, 0, 0),"
		 " (2, 2, 'S2', '南钢', 'NJ', 32.1, 118.7, 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " sales_owner_id, created_at, updated_at) VALUES"
		 " (1, 'SN1', 1, 1, 1, '/CN/GD/SZ/', %lld, 0, 0),"
		 " (2, 'SN2', 1, 2, 2, '/CN/JS/NJ/', NULL, 0, 0);"
		 "INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-SZ', 'SZ'),"
		 " ('C-NJ', 'NJ'), ('C-GZ', 'GZ');"
		 "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
		 " ('C-SZ', 'switchgear'), ('C-NJ', 'switchgear'), ('C-GZ', 'switchgear');",
		 (long long)harness_user_id("sales.gd"), (long long)harness_user_id("sales.gd"));
	exec_sql(sql);
}

/* Opens a ticket on asset (1 Shenzhen, 2 Nanjing); a site-wide urgent one
 * on the strategic customer's unit is P1 (response 30 min round the
 * clock). */
static int64_t open_ticket(const char *token, int64_t asset, const char *title)
{
	json_t *doc = http_expect_json(
	    "POST", "/v1/tickets", token,
	    json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s}}", "channel", "hotline",
		      "category", "repair", "title", title, "asset_id", (json_int_t)asset, "impact",
		      "site", "urgency", "high", "contact", "name", "陈工", "phone", "13800000001"),
	    201);
	int64_t id = jint(doc, "id");

	json_decref(doc);
	return id;
}

static void act(const char *token, int64_t id, const char *action, json_t *body, long want)
{
	char path[64];

	if (!body)
		body = json_object();
	json_object_set_new(body, "action", json_string(action));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	json_decref(http_expect_json("POST", path, token, body, want));
}

/* The board's row of ticket id in doc's items, or NULL. */
static json_t *row_of(const json_t *doc, int64_t id)
{
	json_t *items = json_object_get(doc, "items"), *row;
	size_t i;

	json_array_foreach(items, i, row) {
		if (jint(row, "id") == id)
			return row;
	}
	return NULL;
}

static int removed_has(const json_t *doc, int64_t id)
{
	json_t *list = json_object_get(doc, "removed"), *v;
	size_t i;

	json_array_foreach(list, i, v) {
		if (json_integer_value(v) == id)
			return 1;
	}
	return 0;
}

/* GET path with If-None-Match: "tag" (tag NULL: none); the status. */
static long get_if(const char *path, const char *token, const char *tag, struct http_result *r)
{
	char header[160];
	const char *headers[] = { header, NULL };

	snprintf(header, sizeof(header), "If-None-Match: \"%s\"", tag ? tag : "");
	return http_call("GET", path, token, NULL, NULL, 0, tag ? headers : NULL, r);
}

static json_t *board_since(const char *token, const char *cursor, const char *query)
{
	char path[256];

	snprintf(path, sizeof(path), "/v1/board?since=%s%s", cursor, query ? query : "");
	return http_get_json(path, token, 200);
}

static char *cursor_of(const json_t *doc)
{
	return strdup(jstr(doc, "cursor"));
}

START_TEST(snapshot_in_each_roles_scope)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *sup = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *auditor = harness_user_token("auditor", "auditor", NULL, NULL);
	char *sales = NULL;
	int64_t sz, nj, done, resolved;
	json_t *doc, *row;
	char etag[96];
	struct http_result r;

	seed();
	sales = harness_login("sales.gd");
	sz = open_ticket(admin, 1, "母线失电");
	nj = open_ticket(admin, 2, "南钢跳闸");
	done = open_ticket(admin, 1, "已取消");
	resolved = open_ticket(admin, 1, "已修复待回访");
	act(disp, done, "cancel", json_pack("{s:s}", "note", "客户撤销"), 200);
	act(disp, sz, "assign", json_pack("{s:I}", "assignee_id", harness_user_id("tech.sz")), 200);
	exec_sql("UPDATE tickets SET status = 'resolved', responded_at = created_at,"
		 " arrived_at = created_at, resolved_at = created_at WHERE title = '已修复待回访'");

	/* The dispatcher: their centre's tickets not over, resolved included. */
	ck_assert_int_eq(http_get("/v1/board", disp, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert(json_is_true(json_object_get(r.json, "full")));
	ck_assert_int_eq(asize(json_object_get(r.json, "removed")), 0);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 2);
	ck_assert_ptr_nonnull(row_of(r.json, sz));
	ck_assert_ptr_nonnull(row_of(r.json, resolved));
	ck_assert_ptr_null(row_of(r.json, nj));
	ck_assert_ptr_null(row_of(r.json, done));
	/* The ETag is the cursor, quoted. */
	ck_assert_uint_eq(strlen(etag), strlen(jstr(r.json, "cursor")) + 2);
	ck_assert(strncmp(etag + 1, jstr(r.json, "cursor"), strlen(etag) - 2) == 0);
	row = row_of(r.json, sz);
	ck_assert_str_eq(jstr(row, "status"), "assigned");
	snprintf(etag, sizeof(etag), "FT-%06lld", (long long)sz);
	ck_assert_str_eq(jstr(row, "number"), etag);
	ck_assert_str_eq(jstr(jpath(row, "customer", NULL), "name"), "深圳供电局");
	ck_assert_str_eq(jstr(jpath(row, "customer", NULL), "tier"), "strategic");
	ck_assert_str_eq(jstr(jpath(row, "site", NULL), "name"), "前湾站");
	ck_assert_str_eq(jstr(jpath(row, "asset", NULL), "serial"), "SN1");
	ck_assert_str_eq(jstr(jpath(row, "asset", NULL), "model"), "KYN28-12");
	ck_assert_str_eq(jstr(jpath(row, "assignee", NULL), "username"), "tech.sz");
	ck_assert_str_eq(jstr(row, "centre"), "C-SZ");
	ck_assert_str_eq(jstr(row, "priority"), "P1");
	ck_assert_int_eq(jint(row, "version"), 2); /* opened (and routed), assigned */
	ck_assert(has_string(json_object_get(row, "allowed_actions"), "assign"));
	ck_assert(has_string(json_object_get(row, "allowed_actions"), "cancel"));
	/* A resolved ticket's clock has stopped. */
	row = row_of(r.json, resolved);
	ck_assert(json_is_null(jpath(row, "clock", "target", NULL)));
	ck_assert(json_is_null(jpath(row, "clock", "seconds_left", NULL)));
	ck_assert(has_string(json_object_get(row, "allowed_actions"), "follow_up"));
	http_result_free(&r);

	/* The region's supervisor: Shenzhen's, not Nanjing's. */
	doc = http_get_json("/v1/board", sup, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	ck_assert_ptr_null(row_of(doc, nj));
	json_decref(doc);
	/* Admins and auditors: everything not over; a filter narrows. */
	doc = http_get_json("/v1/board", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 3);
	json_decref(doc);
	doc = http_get_json("/v1/board", auditor, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 3);
	ck_assert_int_eq(asize(jpath(row_of(doc, sz), "allowed_actions", NULL)), 0);
	json_decref(doc);
	doc = http_get_json("/v1/board?centre=C-NJ", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_ptr_nonnull(row_of(doc, nj));
	json_decref(doc);
	doc = http_get_json("/v1/board?status=resolved,follow_up", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_ptr_nonnull(row_of(doc, resolved));
	json_decref(doc);
	/* A technician: their own jobs, with the assignee's actions. */
	doc = http_get_json("/v1/board", tech, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert(has_string(jpath(row_of(doc, sz), "allowed_actions", NULL), "accept"));
	json_decref(doc);
	/* Sales: their customers' tickets. */
	doc = http_get_json("/v1/board", sales, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	ck_assert_ptr_null(row_of(doc, nj));
	json_decref(doc);
	free(admin);
	free(disp);
	free(sup);
	free(tech);
	free(auditor);
	free(sales);
}
END_TEST

START_TEST(changes_since_a_cursor_and_304_when_none)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *gz = harness_user_token("dispatcher.gz", "dispatcher", "GZ", "C-GZ");
	char *sup = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *cur, *sup_cur, *gz_cur, *tech_cur, *next, path[256], etag[96];
	int64_t a, b, nj;
	struct http_result r;
	json_t *doc, *row;

	seed();
	a = open_ticket(admin, 1, "母线失电");
	b = open_ticket(admin, 1, "综保告警");
	nj = open_ticket(admin, 2, "南钢跳闸");
	doc = http_get_json("/v1/board", disp, 200);
	cur = cursor_of(doc);
	json_decref(doc);
	doc = http_get_json("/v1/board", sup, 200);
	sup_cur = cursor_of(doc);
	json_decref(doc);
	doc = http_get_json("/v1/board", gz, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	gz_cur = cursor_of(doc);
	json_decref(doc);
	doc = http_get_json("/v1/board", tech, 200);
	tech_cur = cursor_of(doc);
	json_decref(doc);

	/* Nothing changed: 304 with the same ETag, for a poll since the cursor
	 * and for one of the whole board; without If-None-Match an empty
	 * change list and the same cursor. */
	snprintf(path, sizeof(path), "/v1/board?since=%s", cur);
	ck_assert_int_eq(get_if(path, disp, cur, &r), 304);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert(strncmp(etag + 1, cur, strlen(cur)) == 0);
	http_result_free(&r);
	ck_assert_int_eq(get_if("/v1/board", disp, cur, &r), 304);
	http_result_free(&r);
	doc = board_since(disp, cur, NULL);
	ck_assert(json_is_false(json_object_get(doc, "full")));
	ck_assert_str_eq(jstr(doc, "cursor"), cur);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	ck_assert_int_eq(asize(json_object_get(doc, "removed")), 0);
	json_decref(doc);
	/* A change in another centre leaves this board's cursor as it was. */
	act(admin, nj, "cancel", json_pack("{s:s}", "note", "重复报修"), 200);
	ck_assert_int_eq(get_if(path, disp, cur, &r), 304);
	http_result_free(&r);
	/* The supervisor of another region does not list it either. */
	doc = board_since(sup, sup_cur, NULL);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	ck_assert_int_eq(asize(json_object_get(doc, "removed")), 0);
	json_decref(doc);

	/* Another user assigns a: the row comes with its new state. */
	act(admin, a, "assign", json_pack("{s:I}", "assignee_id", harness_user_id("tech.sz")), 200);
	ck_assert_int_eq(get_if(path, disp, cur, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 1);
	row = row_of(r.json, a);
	ck_assert_str_eq(jstr(row, "status"), "assigned");
	ck_assert_str_eq(jstr(jpath(row, "assignee", NULL), "username"), "tech.sz");
	next = cursor_of(r.json);
	ck_assert_str_ne(next, cur);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert(strncmp(etag + 1, next, strlen(next)) == 0);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/board?since=%s", next);
	ck_assert_int_eq(get_if(path, disp, next, &r), 304);
	http_result_free(&r);
	/* ... and reaches the technician's board, and the region's. */
	doc = board_since(tech, tech_cur, NULL);
	ck_assert_ptr_nonnull(row_of(doc, a));
	json_decref(doc);
	doc = board_since(sup, sup_cur, NULL);
	ck_assert_ptr_nonnull(row_of(doc, a));
	json_decref(doc);
	free(cur);
	cur = next;

	/* Closed: it leaves the board. */
	exec_sql("UPDATE tickets SET status = 'follow_up', responded_at = created_at,"
		 " arrived_at = created_at, resolved_at = created_at WHERE title = '母线失电'");
	act(disp, a, "close", json_pack("{s:i}", "satisfaction", 5), 200);
	doc = board_since(disp, cur, NULL);
	ck_assert(removed_has(doc, a));
	ck_assert_ptr_null(row_of(doc, a));
	free(cur);
	cur = cursor_of(doc);
	json_decref(doc);

	/* Re-routed to Guangzhou: it leaves Shenzhen's board and comes onto
	 * Guangzhou's. */
	act(sup, b, "reroute", json_pack("{s:s, s:s}", "centre", "C-GZ", "note", "深圳满负荷"),
	    200);
	doc = board_since(disp, cur, NULL);
	ck_assert(removed_has(doc, b));
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	doc = board_since(gz, gz_cur, NULL);
	ck_assert_ptr_nonnull(row_of(doc, b));
	ck_assert_str_eq(jstr(row_of(doc, b), "centre"), "C-GZ");
	json_decref(doc);
	/* Narrowed to a centre, the region's board removes it from that one. */
	doc = http_get_json("/v1/board?centre=C-SZ", sup, 200);
	free(sup_cur);
	sup_cur = cursor_of(doc);
	json_decref(doc);
	act(sup, b, "reroute", json_pack("{s:s, s:s}", "centre", "C-SZ", "note", "退回"), 200);
	doc = board_since(sup, sup_cur, "&centre=C-SZ");
	ck_assert_ptr_nonnull(row_of(doc, b));
	json_decref(doc);
	free(cur);
	free(sup_cur);
	free(gz_cur);
	free(tech_cur);
	free(admin);
	free(disp);
	free(gz);
	free(sup);
	free(tech);
}
END_TEST

START_TEST(bad_cursors_400_and_stale_ones_410)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char path[256], *cur, *ahead;
	long long mine, seen;
	int n = 0;
	struct http_result r;
	json_t *doc;
	static const char *const bad[][2] = {
		{ "/v1/board?since=", "since" },
		{ "/v1/board?since=abc", "since" },
		{ "/v1/board?since=1.2.3", "since" },
		{ "/v1/board?since=-1.2.000000000000", "since" },
		{ "/v1/board?since=5.2.000000000000", "since" }, /* mine after seen */
		{ "/v1/board?since=01.2.000000000000", "since" },
		{ "/v1/board?since=1.2.00000000000G", "since" },
		{ "/v1/board?status=closed", "status" },
		{ "/v1/board?status=routed,cancelled", "status" },
		{ "/v1/board?status=lost", "status" },
		{ "/v1/board?centre=C-XX", "centre" },
		{ "/v1/board?cursor=1", "cursor" },
	};

	seed();
	open_ticket(admin, 1, "母线失电");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		http_json("GET", bad[i][0], disp, NULL, &r);
		ck_assert_msg(r.status == 400, "%s: %ld", bad[i][0], r.status);
		assert_problem(&r, 400, bad[i][1]);
		http_result_free(&r);
	}
	doc = http_get_json("/v1/board", disp, 200);
	cur = cursor_of(doc);
	json_decref(doc);
	/* Another board's cursor (other filters, another caller): 410. */
	snprintf(path, sizeof(path), "/v1/board?since=%s&status=routed", cur);
	http_json("GET", path, disp, NULL, &r);
	assert_problem(&r, 410, NULL);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/board?since=%s", cur);
	http_json("GET", path, admin, NULL, &r);
	assert_problem(&r, 410, NULL);
	http_result_free(&r);
	/* Ahead of the feed (a database restored from a backup): 410. */
	ck_assert_int_eq(sscanf(cur, "%lld.%lld.%n", &mine, &seen, &n), 2);
	ck_assert_int_ge(asprintf(&ahead, "%lld.%lld.%s", mine, seen + 1000, cur + n), 0);
	snprintf(path, sizeof(path), "/v1/board?since=%s", ahead);
	http_json("GET", path, disp, NULL, &r);
	assert_problem(&r, 410, NULL);
	http_result_free(&r);
	/* Changes since it pruned: 410, and a new snapshot goes on. */
	exec_sql("UPDATE sync_horizon SET seq = (SELECT max(seq) FROM sync_changes) + 1");
	exec_sql("INSERT INTO sync_changes(entity, entity_id, audience, op)"
		 " VALUES ('category', 'repair', 'all', 'upsert'),"
		 " ('category', 'repair', 'all', 'upsert')");
	snprintf(path, sizeof(path), "/v1/board?since=%s", cur);
	http_json("GET", path, disp, NULL, &r);
	assert_problem(&r, 410, NULL);
	http_result_free(&r);
	free(cur);
	doc = http_get_json("/v1/board", disp, 200);
	cur = cursor_of(doc);
	json_decref(doc);
	json_decref(board_since(disp, cur, NULL));
	free(cur);
	free(ahead);
	free(admin);
	free(disp);
}
END_TEST

/* When a row's ticket was opened, as an offset from T0 (the clock ticks on
 * between at() and the request that opened it). */
static int64_t opened(const json_t *row)
{
	int64_t t;

	ck_assert_int_eq(clock_parse(jstr(row, "created_at"), &t), 0);
	return t - t0;
}

/* The clock at T0 + offset with a fresh token (a sign-in takes real time:
 * the clock is set again after it). */
static void at_signed_in(int64_t offset, char **token, const char *username)
{
	at(offset);
	relogin(token, username);
	at(offset);
}

static void assert_seconds_left(const json_t *row, int64_t want)
{
	json_int_t got = jint(jpath((json_t *)row, "clock", NULL), "seconds_left");

	/* The request itself may cross a second. */
	ck_assert_msg(got <= want && got >= want - 2, "seconds_left %lld, want %lld",
		      (long long)got, (long long)want);
}

START_TEST(the_clock_on_a_moved_test_clock)
{
	char *admin, *disp, *cur, due[32], next[32];
	int64_t id, c;
	json_t *doc, *row;

	harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	seed();
	admin = harness_user_token("root", "admin", NULL, NULL);
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	at_signed_in(0, &admin, "root");
	/* P1: response within 30 minutes, round the clock. */
	id = open_ticket(admin, 1, "母线失电");
	doc = http_get_json("/v1/board", disp, 200);
	c = opened(row_of(doc, id));
	json_decref(doc);
	clock_format(t0 + c + 1800, due, sizeof(due));

	at_signed_in(c + 600, &disp, "dispatcher.sz"); /* a third of the time */
	doc = http_get_json("/v1/board", disp, 200);
	row = row_of(doc, id);
	ck_assert_str_eq(jstr(jpath(row, "clock", NULL), "target"), "response");
	ck_assert_str_eq(jstr(jpath(row, "clock", NULL), "due_at"), due);
	assert_seconds_left(row, 1200);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "percent"), 33);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "warning_percent"), 0);
	clock_format(t0 + c + 900, next, sizeof(next)); /* 50 % */
	ck_assert_str_eq(jstr(jpath(row, "clock", NULL), "next_warning_at"), next);
	ck_assert(json_is_false(jpath(row, "clock", "paused", NULL)));
	json_decref(doc);

	at_signed_in(c + 1500, &disp, "dispatcher.sz"); /* 83 %: past the 80 % warning */
	doc = http_get_json("/v1/board", disp, 200);
	row = row_of(doc, id);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "percent"), 83);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "warning_percent"), 80);
	clock_format(t0 + c + 1800, next, sizeof(next));
	ck_assert_str_eq(jstr(jpath(row, "clock", NULL), "next_warning_at"), next);
	cur = cursor_of(doc);
	json_decref(doc);

	/* Missed: negative seconds, past 100 %; the scheduler escalates, and
	 * the board hears of it through the feed. */
	at_signed_in(c + 1900, &disp, "dispatcher.sz");
	ck_assert_int_eq(scheduler_run_once(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_alerts WHERE kind = 'escalation'"),
			 1);
	at(c + 1900);
	doc = board_since(disp, cur, NULL);
	row = row_of(doc, id);
	ck_assert_ptr_nonnull(row);
	assert_seconds_left(row, -100);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "percent"), 105);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "warning_percent"), 100);
	ck_assert(json_is_null(jpath(row, "clock", "next_warning_at", NULL)));
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "escalation_level"), 1);
	free(cur);
	cur = cursor_of(doc);
	json_decref(doc);

	/* Waiting on the customer: the clock stands still where it was. */
	act(disp, id, "wait", json_pack("{s:s}", "note", "客户停电审批"), 200);
	at_signed_in(c + 5000, &disp, "dispatcher.sz");
	doc = board_since(disp, cur, NULL);
	row = row_of(doc, id);
	ck_assert_str_eq(jstr(row, "status"), "waiting_customer");
	ck_assert(json_is_true(jpath(row, "clock", "paused", NULL)));
	assert_seconds_left(row, -100);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "percent"), 105);
	json_decref(doc);

	/* The levels are the configured ones. */
	at_signed_in(c + 5000, &admin, "root");
	json_decref(http_expect_json(
	    "PUT", "/v1/escalation/levels", admin,
	    json_pack("{s:[{s:i, s:i}, {s:i, s:i}, {s:i, s:i}], s:[{s:i, s:i, s:s},"
		      " {s:i, s:i, s:s}, {s:i, s:i, s:s}]}",
		      "warnings", "level", 1, "percent", 40, "level", 2, "percent", 75, "level", 3,
		      "percent", 100, "escalation", "level", 1, "after_percent", 0, "name", "a",
		      "level", 2, "after_percent", 50, "name", "b", "level", 3, "after_percent",
		      100, "name", "c"),
	    200));
	act(disp, id, "resume", NULL, 200);
	id = open_ticket(admin, 1, "综保告警");
	doc = http_get_json("/v1/board", disp, 200);
	c = opened(row_of(doc, id));
	json_decref(doc);
	at_signed_in(c + 1300, &disp, "dispatcher.sz"); /* 72 % of the new ticket's 30 minutes */
	doc = http_get_json("/v1/board", disp, 200);
	row = row_of(doc, id);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "percent"), 72);
	ck_assert_int_eq(jint(jpath(row, "clock", NULL), "warning_percent"), 40);
	json_decref(doc);
	free(cur);
	free(admin);
	free(disp);
}
END_TEST

Suite *board_suite(void)
{
	Suite *s = suite_create("board");
	TCase *tc = tcase_create("board");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, snapshot_in_each_roles_scope);
	tcase_add_test(tc, changes_since_a_cursor_and_304_when_none);
	tcase_add_test(tc, bad_cursors_400_and_stale_ones_410);
	tcase_add_test(tc, the_clock_on_a_moved_test_clock);
	suite_add_tcase(s, tc);
	return s;
}
