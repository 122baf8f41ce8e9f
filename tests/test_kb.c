/* The knowledge base over HTTPS: the review workflow and who may move it,
 * immutable versions, what technicians see, bilingual search (trigram FTS
 * for 3+ characters, the scan for 1-2) with highlights, ranking moved by
 * "solved it" feedback, facets, a ticket's suggestions and a draft from a
 * resolved ticket (walked through the real ticket API), bad input. */
#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "demo/demo.h"
#include "harness.h"
#include "domain/kb.h"
#include "suites.h"

/* ---- helpers ------------------------------------------------------------- */

/* Percent-encodes s (UTF-8) into out for a query string. */
static const char *enc(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return out;
}

/* GET /v1/kb/search?q=... (+ extra, already encoded, "&model=..."). */
static json_t *search(const char *token, const char *q, const char *extra, long want)
{
	char path[1024], qe[512];

	snprintf(path, sizeof(path), "/v1/kb/search?q=%s%s", enc(q, qe, sizeof(qe)),
		 extra ? extra : "");
	return http_expect_json("GET", path, token, NULL, want);
}

static json_int_t item_id(const json_t *doc, size_t i)
{
	return jint(json_array_get(json_object_get(doc, "items"), i), "id");
}

static int items_have(const json_t *doc, json_int_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(doc, "items"), i, v)
		if (jint(v, "id") == id)
			return 1;
	return 0;
}

/* Drafts an article; links is an object of extra members (stolen) or NULL. */
static int64_t draft(const char *token, const char *title, const char *symptoms,
		     const char *solution, json_t *extra)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "title", title, "symptoms", symptoms,
				 "solution", solution);
	json_t *doc;
	int64_t id;

	if (extra) {
		json_object_update(body, extra);
		json_decref(extra);
	}
	doc = http_expect_json("POST", "/v1/kb/articles", token, body, 201);
	ck_assert_str_eq(jstr(doc, "status"), "draft");
	id = jint(doc, "id");
	json_decref(doc);
	return id;
}

static json_t *act(const char *token, int64_t id, const char *action, long want)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/kb/articles/%lld/transitions", (long long)id);
	return http_expect_json("POST", path, token, json_pack("{s:s}", "action", action), want);
}

/* Review + publish by a reviewer who did not write it. */
static void publish(const char *reviewer, int64_t id)
{
	json_decref(act(reviewer, id, "review", 200));
	json_decref(act(reviewer, id, "publish", 200));
}

static json_t *get_article(const char *token, int64_t id, long want)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/kb/articles/%lld", (long long)id);
	return http_expect_json("GET", path, token, NULL, want);
}

/* The ticket world of tests/test_tickets.c: product lines, models KYN28-12
 * (switchgear, id 1) and SCB13-1000 (transformer, id 2), customers and
 * sites, asset 1 in Shenzhen (KYN28-12), coverage. */
static void seed_world(void)
{
	exec_sql(
	    "INSERT INTO product_lines(code, name, name_en) VALUES"
	    " ('switchgear', '开关柜', 'Switchgear'), ('transformer', '变压器', 'Transformers'),"
	    " ('relay', '继电保护', 'Protection relays');"
	    "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
	    " (1, 'KYN28-12', 'KYN28-12 开关柜', 'switchgear', 0, 0),"
	    " (2, 'SCB13-1000', 'SCB13 干式变压器', 'transformer', 0, 0),"
	    " (3, 'XGN15-12', 'XGN15-12 环网柜', 'switchgear', 0, 0),"
	    " (4, 'RCS-9611', 'RCS-9611 馈线保护', 'relay', 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id, created_at,"
	    " updated_at) VALUES (1, 'C1', '南方电网深圳供电局', 'strategic', 'SZ', NULL, 0, 0);"
	    "INSERT INTO sites(id, customer_id, code, name, region_code, latitude, longitude,"
	    " created_at, updated_at) VALUES (1, 1, 'S1', '前湾变电站', 'SZ', 22.52, 113.89, 0, 0);"
	    "INSERT INTO assets(id, serial, model_id, batch, site_id, customer_id, region_path,"
	    " warranty_end, created_at, updated_at) VALUES"
	    " (1, 'SN-SZ-1', 1, 'B1', 1, 1, '/CN/GD/SZ/', '2099-01-01', 0, 0);"
	    "INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-SZ', 'SZ');"
	    "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
	    " ('C-SZ', 'switchgear');");
}

static int64_t open_ticket(const char *token)
{
	json_t *doc = http_expect_json(
	    "POST", "/v1/tickets", token,
	    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "channel", "app", "category", "repair",
		      "title", "断路器拒合 breaker will not close", "description",
		      "10kV 进线柜断路器合闸无反应，储能正常", "asset_id", (json_int_t)1, "impact",
		      "site", "urgency", "high"),
	    201);
	int64_t id = jint(doc, "id");

	json_decref(doc);
	return id;
}

static void ticket_act(const char *token, int64_t id, const char *action, json_t *body)
{
	char path[64];

	if (!body)
		body = json_object();
	json_object_set_new(body, "action", json_string(action));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	json_decref(http_expect_json("POST", path, token, body, 200));
}

/* Walks ticket id to resolved: dispatcher assigns tech, who works it. */
static void resolve_ticket(const char *disp, const char *tech, int64_t tech_id, int64_t id)
{
	ticket_act(disp, id, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)tech_id));
	ticket_act(tech, id, "accept", NULL);
	ticket_act(tech, id, "depart", NULL);
	ticket_act(tech, id, "arrive",
		   json_pack("{s:f, s:f}", "latitude", 22.52, "longitude", 113.89));
	ticket_act(tech, id, "resolve",
		   json_pack("{s:{s:s, s:s, s:s, s:i}}", "work", "fault_code", "e-cb-07", "cause",
			     "合闸线圈烧毁", "actions", "更换合闸线圈并做机械特性试验",
			     "minutes_spent", 80));
}

/* ---- workflow ------------------------------------------------------------ */

START_TEST(the_workflow_moves_by_role_and_keeps_versions)
{
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *tech2 = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;
	const char *if_v1[] = { "If-Match: \"v1\"", NULL };
	const char *if_v2[] = { "If-Match: \"v2\"", NULL };
	char path[64];
	json_t *doc;
	int64_t id, own;

	seed_world();
	id = draft(tech, "断路器拒合 Breaker will not close", "合闸无反应", "更换合闸线圈",
		   json_pack("{s:[s]}", "models", "KYN28-12"));
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld", (long long)id);
	doc = get_article(tech, id, 200);
	ck_assert_str_eq(jstr(doc, "language"), "mixed");
	ck_assert_int_eq(jint(doc, "version"), 1);
	ck_assert(json_is_null(json_object_get(doc, "published_version")));
	ck_assert_str_eq(jstr(doc, "owner"), "tech.sz");
	ck_assert(has_string(json_object_get(doc, "allowed_actions"), "edit"));
	ck_assert(!has_string(json_object_get(doc, "allowed_actions"), "review"));
	json_decref(doc);
	/* A technician neither reviews nor publishes; a draft cannot be
	 * published before review; nobody reviews their own text. */
	json_decref(act(tech, id, "review", 403));
	doc = act(sup, id, "publish", 409);
	ck_assert_str_eq(jstr(doc, "article_status"), "draft");
	ck_assert(has_string(json_object_get(doc, "allowed"), "review"));
	json_decref(doc);
	own = draft(admin, "Relay alarm E-21 on feeder", "CT circuit", "Tighten terminals", NULL);
	doc = act(admin, own, "review", 403);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "detail"), "another reviewer"));
	json_decref(doc);
	json_decref(act(sup, own, "review", 200));
	json_decref(act(admin, own, "publish", 200)); /* the writer may publish once reviewed */

	/* Review, publish: searchable; the other technician sees it now. */
	json_decref(get_article(tech2, id, 404));
	doc = act(sup, id, "review", 200);
	ck_assert_str_eq(jstr(doc, "status"), "reviewed");
	json_decref(doc);
	doc = act(sup, id, "publish", 200);
	ck_assert_str_eq(jstr(doc, "status"), "published");
	ck_assert_int_eq(jint(doc, "published_version"), 1);
	json_decref(doc);
	doc = get_article(tech2, id, 200);
	ck_assert_str_eq(jstr(doc, "title"), "断路器拒合 Breaker will not close");
	json_decref(doc);
	doc = search(tech2, "断路器", NULL, 200);
	ck_assert(items_have(doc, id));
	json_decref(doc);
	json_decref(act(sup, id, "publish", 409));

	/* Only drafts are edited: reopen first. Editing while reopened keeps
	 * version 1 live until version 2 is reviewed and published. */
	http_send_json("PATCH", path, tech, json_pack("{s:s}", "solution", "x"), &r);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	json_decref(act(tech2, id, "reopen", 403)); /* not theirs */
	json_decref(act(tech, id, "reopen", 200));
	http_call("PATCH", path, tech, NULL, "{\"solution\":\"y\"}", 16, if_v2, &r);
	assert_problem(&r, 412, NULL);
	/* The article as it is, and its tag, go with the refusal. */
	{
		char etag[32];

		ck_assert_int_eq(
		    json_integer_value(json_object_get(json_object_get(r.json, "current"), "id")),
		    id);
		ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	}
	http_result_free(&r);
	http_call("PATCH", path, tech2, NULL, "{\"solution\":\"y\"}", 16, if_v1, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_call("PATCH", path, tech, NULL,
				   "{\"solution\":\"先储能再试合；仍不动作则更换合闸线圈\","
				   "\"fault_codes\":[\"e-cb-07\"]}",
				   strlen("{\"solution\":\"先储能再试合；仍不动作则更换合闸线圈\","
					  "\"fault_codes\":[\"e-cb-07\"]}"),
				   if_v1, &r),
			 200);
	ck_assert_int_eq(jint(r.json, "version"), 2);
	ck_assert_int_eq(jint(r.json, "published_version"), 1);
	ck_assert_str_eq(jstr(r.json, "status"), "draft");
	ck_assert(has_string(json_object_get(r.json, "fault_codes"), "E-CB-07"));
	ck_assert(has_string(json_object_get(r.json, "models"), "KYN28-12"));
	http_result_free(&r);
	doc = get_article(tech2, id, 200); /* the live version, not the draft */
	ck_assert_int_eq(jint(doc, "version"), 1);
	ck_assert_str_eq(jstr(doc, "solution"), "更换合闸线圈");
	json_decref(doc);
	doc = search(tech2, "先储能再试合", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	publish(sup, id);
	doc = search(tech2, "先储能再试合", NULL, 200);
	ck_assert(items_have(doc, id));
	json_decref(doc);

	/* Retire: out of search; publish brings the reviewed version back. */
	json_decref(act(sup, id, "retire", 200));
	doc = search(tech2, "断路器", NULL, 200);
	ck_assert(!items_have(doc, id));
	json_decref(doc);
	json_decref(get_article(tech2, id, 404));
	doc = act(sup, id, "publish", 200);
	ck_assert_int_eq(jint(doc, "published_version"), 2);
	json_decref(doc);
	doc = search(tech2, "断路器", NULL, 200);
	ck_assert(items_have(doc, id));
	json_decref(doc);

	/* Versions: owner and reviewers see all; others the live one only. */
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld/versions", (long long)id);
	doc = http_expect_json("GET", path, tech, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	ck_assert_int_eq(jint(json_array_get(json_object_get(doc, "items"), 0), "version"), 2);
	json_decref(doc);
	doc = http_expect_json("GET", path, tech2, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld?version=1", (long long)id);
	doc = http_expect_json("GET", path, tech, NULL, 200);
	ck_assert_str_eq(jstr(doc, "solution"), "更换合闸线圈");
	json_decref(doc);
	json_decref(http_expect_json("GET", path, tech2, NULL, 404));
	/* Versions are immutable rows. */
	ck_assert_int_ne(sqlite3_exec(db_handle(H.db), "UPDATE kb_article_versions SET title = 'x'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE object_type ="
				    " 'kb_article' AND action LIKE 'kb.article.%'"),
			 12);
	free(tech);
	free(tech2);
	free(sup);
	free(admin);
}
END_TEST

START_TEST(drafts_are_invisible_to_other_technicians)
{
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *tech2 = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	json_t *doc;
	int64_t id;

	seed_world();
	id = draft(tech, "真空断路器漏气 vacuum loss", "真空度下降", "更换灭弧室", NULL);
	json_decref(get_article(tech2, id, 404));
	json_decref(get_article(disp, id, 404));
	doc = get_article(sup, id, 200);
	ck_assert(has_string(json_object_get(doc, "allowed_actions"), "review"));
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles", tech2, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles?status=draft", tech, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles?status=draft", sup, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	/* Search answers published articles only, even to the author. */
	doc = search(tech, "灭弧室", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	doc = search(sup, "vacuum", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	/* A dispatcher cannot draft at all. */
	json_decref(http_expect_json("POST", "/v1/kb/articles", disp,
				     json_pack("{s:s}", "title", "x"), 403));
	free(tech);
	free(tech2);
	free(sup);
	free(disp);
}
END_TEST

/* The issue: a reopened article showed to other technicians as a draft of
 * its owner's (status, versions, dates of the draft) over the published
 * text. Readers of the published version see it as it was published; its
 * owner and reviewers see the draft. */
START_TEST(a_reopened_article_reads_as_published_until_the_next_is)
{
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *tech2 = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char path[64], published_at[32];
	json_t *doc, *item;
	int64_t id;

	seed_world();
	id = draft(tech, "母线温升 Busbar overheating", "接头发热", "紧固母线螺栓", NULL);
	publish(sup, id);
	doc = get_article(tech2, id, 200);
	snprintf(published_at, sizeof(published_at), "%s", jstr(doc, "updated_at"));
	json_decref(doc);

	/* A minute later (within the tokens' life) the supervisor reopens it
	 * and writes version 2. */
	clock_set_offset(60);
	json_decref(act(sup, id, "reopen", 200));
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld", (long long)id);
	json_decref(http_expect_json("PATCH", path, sup,
				     json_pack("{s:s}", "solution", "更换镀银接头"), 200));

	doc = get_article(tech2, id, 200);
	ck_assert_str_eq(jstr(doc, "status"), "published");
	ck_assert_int_eq(jint(doc, "version"), 1);
	ck_assert_int_eq(jint(doc, "current_version"), 1);
	ck_assert_int_eq(jint(doc, "published_version"), 1);
	ck_assert_int_eq(jint(doc, "reviewed_version"), 1);
	ck_assert_str_eq(jstr(doc, "author"), "tech.sz");
	ck_assert_str_eq(jstr(doc, "owner"), "tech.sz");
	ck_assert_str_eq(jstr(doc, "updated_at"), published_at);
	ck_assert_str_eq(jstr(doc, "solution"), "紧固母线螺栓");
	ck_assert_int_eq(asize(json_object_get(doc, "allowed_actions")), 0);
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles", tech2, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	item = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_str_eq(jstr(item, "status"), "published");
	ck_assert_int_eq(jint(item, "current_version"), 1);
	ck_assert_str_eq(jstr(item, "updated_at"), published_at);
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles?status=draft", tech2, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles?status=published", tech2, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);

	/* The editor and the owner see the draft as it is. */
	doc = get_article(sup, id, 200);
	ck_assert_str_eq(jstr(doc, "status"), "draft");
	ck_assert_int_eq(jint(doc, "version"), 2);
	ck_assert_str_eq(jstr(doc, "author"), "sup.gd");
	ck_assert_str_ne(jstr(doc, "updated_at"), published_at);
	json_decref(doc);
	doc = get_article(tech, id, 200);
	ck_assert_str_eq(jstr(doc, "status"), "draft");
	ck_assert_int_eq(jint(doc, "current_version"), 2);
	ck_assert_str_eq(jstr(doc, "solution"), "更换镀银接头");
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles?status=draft", tech, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);

	/* Published again (reviewed by another): version 2 is what everyone
	 * reads, dated now. */
	publish(admin, id);
	doc = get_article(tech2, id, 200);
	ck_assert_int_eq(jint(doc, "version"), 2);
	ck_assert_str_eq(jstr(doc, "author"), "sup.gd");
	ck_assert_str_ne(jstr(doc, "updated_at"), published_at);
	json_decref(doc);
	free(tech);
	free(tech2);
	free(sup);
	free(admin);
}
END_TEST

/* ---- search -------------------------------------------------------------- */

START_TEST(search_finds_chinese_and_english_with_highlights)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	json_t *doc, *item, *hl;
	int64_t breaker, relay, trafo;

	seed_world();
	breaker =
	    draft(admin, "断路器拒合 Circuit breaker will not close",
		  "合闸命令发出后断路器不动作 The breaker does not close on command",
		  "检查储能机构，更换合闸线圈",
		  json_pack("{s:[s], s:[s]}", "models", "KYN28-12", "fault_codes", "E-CB-07"));
	relay =
	    draft(admin, "综保装置告警 E-21", "电流采样异常 CT circuit abnormal", "紧固电流端子",
		  json_pack("{s:[s], s:[s]}", "product_lines", "relay", "fault_codes", "E-21"));
	trafo = draft(admin, "Transformer over-temperature 变压器温升异常",
		      "Winding temperature above 130 C, fans running", "Clean the air path",
		      json_pack("{s:[s]}", "models", "SCB13-1000"));
	publish(sup, breaker);
	publish(sup, relay);
	publish(sup, trafo);

	/* Chinese, three characters or more: the trigram index. */
	doc = search(tech, "断路器", NULL, 200);
	ck_assert_str_eq(jstr(doc, "mode"), "fts");
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	item = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_int_eq(jint(item, "id"), breaker);
	hl = json_object_get(item, "highlight");
	ck_assert_ptr_nonnull(strstr(jstr(hl, "title"), "«断路器»"));
	ck_assert_ptr_nonnull(strstr(jstr(hl, "snippet"), "«"));
	ck_assert(has_string(json_object_get(item, "models"), "KYN28-12"));
	json_decref(doc);
	/* Two characters and one: the scan, still highlighted. */
	doc = search(tech, "拒合", NULL, 200);
	ck_assert_str_eq(jstr(doc, "mode"), "scan");
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	item = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_int_eq(jint(item, "id"), breaker);
	ck_assert_ptr_nonnull(strstr(jstr(json_object_get(item, "highlight"), "title"), "«拒合»"));
	json_decref(doc);
	doc = search(tech, "温", NULL, 200);
	ck_assert_str_eq(jstr(doc, "mode"), "scan");
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_int_eq(item_id(doc, 0), trafo);
	ck_assert_ptr_nonnull(strstr(
	    jstr(json_object_get(json_array_get(json_object_get(doc, "items"), 0), "highlight"),
		 "title"),
	    "«温»"));
	json_decref(doc);
	/* English is case-insensitive; the highlight keeps the text's case. */
	doc = search(tech, "BREAKER", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	item = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_ptr_nonnull(
	    strstr(jstr(json_object_get(item, "highlight"), "title"), "«breaker»"));
	json_decref(doc);
	doc = search(tech, "winding temperature", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_int_eq(item_id(doc, 0), trafo);
	json_decref(doc);
	/* Words are all required: a long one by FTS, a short one checked. */
	doc = search(tech, "breaker 拒合", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = search(tech, "breaker 温升", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	/* A fault code finds its article (the tags column) and is boosted. */
	doc = search(tech, "e-21", NULL, 200);
	ck_assert_int_ge(asize(json_object_get(doc, "items")), 1);
	ck_assert_int_eq(item_id(doc, 0), relay);
	ck_assert_double_ge(json_real_value(json_object_get(
				json_array_get(json_object_get(doc, "items"), 0), "score")),
			    3.0);
	json_decref(doc);
	/* Quotes and FTS5 syntax in a query are text, not operators. */
	doc = search(tech, "\"breaker\" OR NEAR(", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	free(admin);
	free(sup);
	free(tech);
}
END_TEST

START_TEST(solved_it_feedback_moves_an_article_up)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *tech2 = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	json_t *doc;
	int64_t a, b, mine, ticket, first, second;
	char path[64];

	seed_world();
	a = draft(admin, "真空灭弧室检查 A", "vacuum interrupter wear", "measure contact erosion",
		  NULL);
	b = draft(admin, "真空灭弧室检查 B", "vacuum interrupter wear", "measure contact erosion",
		  NULL);
	publish(sup, a);
	publish(sup, b);
	ticket = open_ticket(tech);
	doc = search(tech, "vacuum interrupter", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	first = item_id(doc, 0);
	second = item_id(doc, 1);
	json_decref(doc);

	snprintf(path, sizeof(path), "/v1/kb/articles/%lld/feedback", (long long)second);
	doc = http_expect_json(
	    "POST", path, tech,
	    json_pack("{s:I, s:b}", "ticket_id", (json_int_t)ticket, "solved", 1), 200);
	ck_assert(json_is_true(json_object_get(doc, "changed")));
	ck_assert_int_eq(jint(doc, "solved_count"), 1);
	json_decref(doc);
	/* Idempotent per user, ticket and article. */
	doc = http_expect_json(
	    "POST", path, tech,
	    json_pack("{s:I, s:b}", "ticket_id", (json_int_t)ticket, "solved", 1), 200);
	ck_assert(json_is_false(json_object_get(doc, "changed")));
	ck_assert_int_eq(jint(doc, "solved_count"), 1);
	json_decref(doc);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_feedback"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'kb.feedback'"),
			 1);
	doc = search(tech, "vacuum interrupter", NULL, 200);
	ck_assert_int_eq(item_id(doc, 0), second);
	ck_assert_int_eq(item_id(doc, 1), first);
	ck_assert_int_eq(jint(json_array_get(json_object_get(doc, "items"), 0), "solved_count"), 1);
	json_decref(doc);
	/* Changing one's mind takes the boost back. */
	json_decref(http_expect_json(
	    "POST", path, tech,
	    json_pack("{s:I, s:b}", "ticket_id", (json_int_t)ticket, "solved", 0), 200));
	doc = get_article(tech, second, 200);
	ck_assert_int_eq(jint(doc, "solved_count"), 0);
	ck_assert_int_eq(jint(doc, "not_helpful_count"), 1);
	json_decref(doc);

	/* A ticket the technician cannot see; a draft; an auditor. */
	doc = http_expect_json(
	    "POST", path, tech2,
	    json_pack("{s:I, s:b}", "ticket_id", (json_int_t)ticket, "solved", 1), 400);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "errors"), 0), "pointer"),
			 "/ticket_id");
	json_decref(doc);
	mine = draft(tech, "my draft", "x", "y", NULL);
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld/feedback", (long long)mine);
	json_decref(http_expect_json(
	    "POST", path, tech,
	    json_pack("{s:I, s:b}", "ticket_id", (json_int_t)ticket, "solved", 1), 409));
	free(admin);
	free(sup);
	free(tech);
	free(tech2);
}
END_TEST

START_TEST(model_product_line_and_fault_code_filter_search_and_lists)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	json_t *doc;
	int64_t kyn, line, xgn, trafo;

	seed_world();
	kyn = draft(admin, "KYN 柜门联锁卡滞 interlock jammed", "door interlock", "lubricate",
		    json_pack("{s:[s], s:[s]}", "models", "KYN28-12", "fault_codes", "E-IL-01"));
	line = draft(admin, "开关柜通用 interlock check", "interlock", "inspect",
		     json_pack("{s:[s]}", "product_lines", "switchgear"));
	xgn = draft(admin, "XGN interlock adjustment", "interlock", "adjust",
		    json_pack("{s:[s]}", "models", "XGN15-12"));
	trafo = draft(admin, "Transformer interlock", "interlock", "check",
		      json_pack("{s:[s]}", "models", "SCB13-1000"));
	publish(sup, kyn);
	publish(sup, line);
	publish(sup, xgn);
	publish(sup, trafo);

	/* model: the model's own articles and its product line's; the direct
	 * link ranks first. */
	doc = search(tech, "interlock", "&model=KYN28-12", 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	ck_assert_int_eq(item_id(doc, 0), kyn);
	ck_assert(items_have(doc, line));
	json_decref(doc);
	/* product_line: linked to it or to any of its models. */
	doc = search(tech, "interlock", "&product_line=switchgear", 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 3);
	ck_assert(!items_have(doc, trafo));
	json_decref(doc);
	doc = search(tech, "interlock", "&fault_code=e-il-01", 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_int_eq(item_id(doc, 0), kyn);
	json_decref(doc);
	/* Facets alone, no text. */
	doc = http_expect_json("GET", "/v1/kb/search?model=SCB13-1000", tech, NULL, 200);
	ck_assert_str_eq(jstr(doc, "mode"), "facets");
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert_int_eq(item_id(doc, 0), trafo);
	json_decref(doc);
	doc = search(tech, "interlock", "&limit=2", 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	json_decref(doc);
	/* Lists take the same facets, and pages. */
	doc = http_expect_json("GET", "/v1/kb/articles?model=XGN15-12&status=published", tech, NULL,
			       200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2); /* xgn, line */
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/articles?limit=3", tech, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 3);
	ck_assert(json_is_string(json_object_get(doc, "next_cursor")));
	json_decref(doc);
	free(admin);
	free(sup);
	free(tech);
}
END_TEST

/* ---- tickets ------------------------------------------------------------- */

START_TEST(a_ticket_suggests_articles_for_its_model_and_fault)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *other = harness_user_token("tech.nj", "technician", "NJ", "C-NJ");
	int64_t tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
	json_t *doc;
	int64_t coil, general, trafo, ticket;
	char path[96];

	seed_world();
	general = draft(admin, "开关柜巡检要点 switchgear inspection", "general", "inspect",
			json_pack("{s:[s]}", "product_lines", "switchgear"));
	coil = draft(admin, "合闸线圈烧毁 closing coil burnt", "no close", "replace coil",
		     json_pack("{s:[s], s:[s]}", "models", "XGN15-12", "fault_codes", "E-CB-07"));
	trafo = draft(admin, "变压器温升异常", "hot", "cool",
		      json_pack("{s:[s]}", "models", "SCB13-1000"));
	publish(sup, general);
	publish(sup, coil);
	publish(sup, trafo);
	ticket = open_ticket(disp);

	snprintf(path, sizeof(path), "/v1/tickets/%lld/suggestions", (long long)ticket);
	doc = http_expect_json("GET", path, disp, NULL, 200);
	ck_assert_str_eq(jstr(doc, "model"), "KYN28-12");
	ck_assert(json_is_null(json_object_get(doc, "fault_code")));
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1); /* the product line's */
	ck_assert_int_eq(item_id(doc, 0), general);
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/suggestions?fault_code=e-cb-07",
		 (long long)ticket);
	doc = http_expect_json("GET", path, disp, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	ck_assert_int_eq(item_id(doc, 0), coil); /* the fault code outranks */
	ck_assert(!items_have(doc, trafo));
	json_decref(doc);
	/* Resolved: the work record's fault code is used. */
	resolve_ticket(disp, tech, tech_id, ticket);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/suggestions", (long long)ticket);
	doc = http_expect_json("GET", path, tech, NULL, 200);
	ck_assert_str_eq(jstr(doc, "fault_code"), "E-CB-07");
	ck_assert_int_eq(item_id(doc, 0), coil);
	json_decref(doc);
	json_decref(http_expect_json("GET", path, other, NULL, 404));
	json_decref(http_expect_json("GET", "/v1/tickets/999/suggestions", admin, NULL, 404));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/suggestions?fault_code=%%20x",
		 (long long)ticket);
	json_decref(http_expect_json("GET", path, tech, NULL, 400));
	free(admin);
	free(sup);
	free(disp);
	free(tech);
	free(other);
}
END_TEST

START_TEST(a_resolved_ticket_becomes_a_draft)
{
	char *disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *other = harness_user_token("tech.nj", "technician", "NJ", "C-NJ");
	int64_t tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
	json_t *doc;
	int64_t ticket;
	char path[96];

	seed_world();
	ticket = open_ticket(disp);
	snprintf(path, sizeof(path), "/v1/kb/articles/from-ticket/%lld", (long long)ticket);
	doc = http_expect_json("POST", path, tech, NULL, 404); /* not yet theirs */
	json_decref(doc);
	ticket_act(disp, ticket, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)tech_id));
	doc = http_expect_json("POST", path, tech, NULL, 409); /* not resolved */
	ck_assert_ptr_nonnull(strstr(jstr(doc, "detail"), "assigned"));
	json_decref(doc);
	ticket_act(tech, ticket, "accept", NULL);
	ticket_act(tech, ticket, "depart", NULL);
	ticket_act(tech, ticket, "arrive",
		   json_pack("{s:f, s:f}", "latitude", 22.52, "longitude", 113.89));
	ticket_act(tech, ticket, "resolve",
		   json_pack("{s:{s:s, s:s, s:s, s:i}}", "work", "fault_code", "e-cb-07", "cause",
			     "合闸线圈烧毁", "actions", "更换合闸线圈并做机械特性试验",
			     "minutes_spent", 80));
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_articles"), 0);
	doc = http_expect_json("POST", path, tech, NULL, 201);
	ck_assert_str_eq(jstr(doc, "status"), "draft");
	ck_assert_str_eq(jstr(doc, "title"), "断路器拒合 breaker will not close");
	ck_assert_str_eq(jstr(doc, "symptoms"), "10kV 进线柜断路器合闸无反应，储能正常");
	ck_assert_str_eq(jstr(doc, "cause"), "合闸线圈烧毁");
	ck_assert_str_eq(jstr(doc, "solution"), "更换合闸线圈并做机械特性试验");
	ck_assert(has_string(json_object_get(doc, "fault_codes"), "E-CB-07"));
	ck_assert(has_string(json_object_get(doc, "models"), "KYN28-12"));
	ck_assert(has_string(json_object_get(doc, "product_lines"), "switchgear"));
	ck_assert_int_eq(jint(doc, "source_ticket_id"), ticket);
	ck_assert_str_eq(jstr(doc, "owner"), "tech.sz");
	ck_assert_str_eq(jstr(doc, "language"), "zh");
	json_decref(doc);
	json_decref(http_expect_json("POST", path, other, NULL, 404));
	json_decref(http_expect_json("POST", path, disp, NULL, 403)); /* dispatchers do not draft */
	json_decref(http_expect_json("POST", "/v1/kb/articles/from-ticket/999", tech, NULL, 404));
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'kb.article.create'"),
			 1);
	free(disp);
	free(tech);
	free(other);
}
END_TEST

/* ---- bad input ----------------------------------------------------------- */

static void expect_invalid(const char *method, const char *path, const char *token, json_t *body,
			   const char *pointer)
{
	struct http_result r;

	http_send_json(method, path, token, body, &r);
	assert_problem(&r, 400, pointer);
	http_result_free(&r);
}

START_TEST(bad_input_is_named_and_nothing_is_stored)
{
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char many[64 * 17 + 16];
	json_t *codes = json_array();
	int64_t id;
	char path[64];

	seed_world();
	expect_invalid("POST", "/v1/kb/articles", tech, json_pack("{s:s}", "symptoms", "x"),
		       "/title");
	expect_invalid("POST", "/v1/kb/articles", tech, json_pack("{s:s}", "title", "   "),
		       "/title");
	expect_invalid("POST", "/v1/kb/articles", tech, json_pack("{s:s}", "title", "a\001b"),
		       "/title");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:b}", "title", "x", "surprise", 1), "/surprise");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:s}", "title", "x", "language", "fr"), "/language");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:[s]}", "title", "x", "product_lines", "rockets"),
		       "/product_lines/0");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:[s, s]}", "title", "x", "models", "KYN28-12", "NOPE"),
		       "/models/1");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:[s]}", "title", "x", "fault_codes", "E 21"),
		       "/fault_codes/0");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:[i]}", "title", "x", "fault_codes", 21),
		       "/fault_codes/0");
	for (int i = 0; i < 17; i++) {
		snprintf(many, sizeof(many), "E-%d", i);
		json_array_append_new(codes, json_string(many));
	}
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:o}", "title", "x", "fault_codes", codes), "/fault_codes");
	expect_invalid("POST", "/v1/kb/articles", tech,
		       json_pack("{s:s, s:i}", "title", "x", "cause", 5), "/cause");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_articles"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_article_versions"), 0);

	/* Queries. */
	expect_invalid("GET", "/v1/kb/search", tech, NULL, "q");
	expect_invalid("GET", "/v1/kb/search?q=", tech, NULL, "q");
	expect_invalid("GET", "/v1/kb/search?q=abc&limit=0", tech, NULL, "limit");
	expect_invalid("GET", "/v1/kb/search?q=abc&limit=51", tech, NULL, "limit");
	expect_invalid("GET", "/v1/kb/search?q=abc&model=NOPE", tech, NULL, "model");
	expect_invalid("GET", "/v1/kb/search?q=abc&product_line=rockets", tech, NULL,
		       "product_line");
	expect_invalid("GET", "/v1/kb/search?q=abc&fault_code=%25%25", tech, NULL, "fault_code");
	expect_invalid("GET", "/v1/kb/search?q=a%20b%20c%20d%20e%20f%20g%20h%20i", tech, NULL, "q");
	expect_invalid("GET", "/v1/kb/search?q=abc&sort=new", tech, NULL, "sort");
	/* Not UTF-8, or a character cut short: named, not an empty 200. */
	expect_invalid("GET", "/v1/kb/search?q=breaker%FF", tech, NULL, "q");
	expect_invalid("GET", "/v1/kb/search?q=%E6%96", tech, NULL, "q");
	expect_invalid("GET", "/v1/kb/articles?status=lost", tech, NULL, "status");
	expect_invalid("GET", "/v1/kb/articles?cursor=zzz", tech, NULL, "cursor");

	/* Edits and transitions. */
	id = draft(tech, "油位低 oil level low", "oil", "top up", NULL);
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld", (long long)id);
	expect_invalid("PATCH", path, tech, json_object(), "");
	expect_invalid("PATCH", path, tech, json_pack("{s:s}", "title", ""), "/title");
	expect_invalid("PATCH", path, tech, json_pack("{s:[s]}", "models", "NOPE"), "/models/0");
	expect_invalid("GET", "/v1/kb/articles/1?version=x", tech, NULL, "version");
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld/transitions", (long long)id);
	expect_invalid("POST", path, sup, json_pack("{s:s}", "action", "approve"), "/action");
	expect_invalid("POST", path, sup, json_object(), "/action");
	expect_invalid("POST", path, sup, json_pack("{s:s, s:i}", "action", "review", "note", 1),
		       "/note");
	snprintf(path, sizeof(path), "/v1/kb/articles/%lld/feedback", (long long)id);
	expect_invalid("POST", path, tech, json_pack("{s:i}", "ticket_id", 1), "/solved");
	expect_invalid("POST", path, tech, json_pack("{s:i, s:s}", "ticket_id", 1, "solved", "yes"),
		       "/solved");
	expect_invalid("POST", path, tech, json_pack("{s:i, s:b}", "ticket_id", 0, "solved", 1),
		       "/ticket_id");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_article_versions"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_articles WHERE status = 'draft'"), 1);
	free(tech);
	free(sup);
}
END_TEST

/* ---- demo ---------------------------------------------------------------- */

START_TEST(the_demo_seed_publishes_searchable_articles_once)
{
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	json_t *doc;

	seed_world();
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(kb_demo_seed(H.db), ERR_OK);
	ck_assert_int_eq(kb_demo_seed(H.db), ERR_OK); /* idempotent */
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM kb_articles WHERE status = 'published'"),
			 3);
	doc = search(tech, "E-21", NULL, 200);
	ck_assert_int_ge(asize(json_object_get(doc, "items")), 1);
	ck_assert(
	    has_string(json_object_get(json_array_get(json_object_get(doc, "items"), 0), "models"),
		       "RCS-9611"));
	json_decref(doc);
	doc = search(tech, "over-temperature", NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	doc = http_expect_json("GET", "/v1/kb/search?model=KYN28-12", tech, NULL, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	free(tech);
}
END_TEST

Suite *kb_suite(void)
{
	Suite *s = suite_create("kb");
	TCase *tc = tcase_create("kb");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, the_workflow_moves_by_role_and_keeps_versions);
	tcase_add_test(tc, drafts_are_invisible_to_other_technicians);
	tcase_add_test(tc, a_reopened_article_reads_as_published_until_the_next_is);
	tcase_add_test(tc, search_finds_chinese_and_english_with_highlights);
	tcase_add_test(tc, solved_it_feedback_moves_an_article_up);
	tcase_add_test(tc, model_product_line_and_fault_code_filter_search_and_lists);
	tcase_add_test(tc, a_ticket_suggests_articles_for_its_model_and_fault);
	tcase_add_test(tc, a_resolved_ticket_becomes_a_draft);
	tcase_add_test(tc, bad_input_is_named_and_nothing_is_stored);
	tcase_add_test(tc, the_demo_seed_publishes_searchable_articles_once);
	suite_add_tcase(s, tc);
	return s;
}
