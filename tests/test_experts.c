/* Experts and the product lines' on-call rotas through the real stack:
 * profiles created, replaced and deleted; one lead per line; every bad
 * field a 400 naming it with nothing stored; who is on call at chosen
 * instants, each shift read in its own time zone; the escalation order
 * rota -> lead -> line with the requester's language first in each group;
 * inactive experts and disabled accounts never listed; who may read and
 * write. experts_on_call() is also called directly, as x-assist does. */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "core/clock.h"
#include "demo/demo.h"
#include "domain/experts.h"
#include "suites.h"

/* Monday 7 December 2026. */
#define MON_10_SHANGHAI "2026-12-07T02:00:00Z" /* 10:00 in Shanghai */
#define MON_19_SHANGHAI "2026-12-07T11:00:00Z" /* 19:00 in Shanghai */

static char *admin;

static void seed(void)
{
	exec_sql("INSERT INTO product_lines(code, name, name_en) VALUES"
		 " ('RELAY', '继电保护', 'Relay protection'), ('SWGR', '开关柜', 'Switchgear');");
	admin = harness_user_token("root", "admin", NULL, NULL);
}

static int64_t seed_engineer(const char *username)
{
	return harness_seed_user(username, "technician", NULL, NULL);
}

/* PUT /v1/experts/{id} as admin with body; returns the status. */
static long put_expert(int64_t id, const char *body_json)
{
	char path[64];
	struct http_result r;
	long status;

	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)id);
	status = http_json("PUT", path, admin, body_json, &r);
	ck_assert_msg(status == 200, "PUT %s: %ld %s", path, status, r.body);
	http_result_free(&r);
	return status;
}

static void put_rota(const char *line, const char *body_json)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/product-lines/%s/rota", line);
	http_expect("PUT", path, admin, body_json, 200);
}

/* The on-call answer's user ids and sources as "7:rota 8:lead". */
static void on_call(const char *line, const char *at, const char *language, char *out, size_t size)
{
	char path[160];
	json_t *doc, *c;
	size_t i, n = 0;

	snprintf(path, sizeof(path), "/v1/product-lines/%s/on-call?at=%s%s%s", line, at,
		 language ? "&language=" : "", language ? language : "");
	doc = http_get_json(path, admin, 200);
	ck_assert_str_eq(jstr(doc, "product_line"), line);
	ck_assert_str_eq(jstr(doc, "at"), at);
	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "candidates"), i, c)
		n += (size_t)snprintf(out + n, size - n, "%s%lld:%s", n ? " " : "",
				      (long long)jint(c, "user_id"), jstr(c, "source"));
	json_decref(doc);
}

/* "7:rota 8:lead" from ids and sources, for comparisons. */
static void expect_order(const char *got, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_order(const char *got, const char *fmt, ...)
{
	char want[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	ck_assert_msg(strcmp(got, want) == 0, "on call: got \"%s\", want \"%s\"", got, want);
}

START_TEST(create_replace_list_and_delete_an_expert)
{
	int64_t eng, other;
	char path[64], body[512];
	struct http_result r;
	json_t *doc, *items;

	seed();
	eng = seed_engineer("eng.relay");
	other = seed_engineer("eng.swgr");
	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)eng);
	http_expect("GET", path, admin, NULL, 404);

	ck_assert_int_eq(http_json("PUT", path, admin,
				   "{\"languages\":[\"zh\",\"en\"],\"product_lines\":"
				   "[{\"code\":\"RELAY\",\"lead\":true}]}",
				   &r),
			 200);
	ck_assert_int_eq(jint(r.json, "user_id"), eng);
	ck_assert_str_eq(jstr(r.json, "username"), "eng.relay");
	ck_assert_str_eq(jstr(r.json, "role"), "technician");
	ck_assert_int_eq(asize(json_object_get(r.json, "languages")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "languages"), 0)),
			 "zh");
	ck_assert(json_is_true(json_object_get(r.json, "active")));
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "product_lines"), 0), "code"),
			 "RELAY");
	ck_assert(json_is_true(
	    json_object_get(json_array_get(json_object_get(r.json, "product_lines"), 0), "lead")));
	http_result_free(&r);

	/* Replaced: languages, lines and active are the body's, nothing else. */
	put_expert(eng, "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"SWGR\"},"
			"{\"code\":\"RELAY\",\"lead\":false}],\"active\":false}");
	doc = http_get_json(path, admin, 200);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(doc, "languages"), 0)),
			 "en");
	ck_assert_int_eq(asize(json_object_get(doc, "product_lines")), 2);
	ck_assert(json_is_false(json_object_get(doc, "active")));
	json_decref(doc);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_product_lines WHERE is_lead = 1"),
			 0);
	put_expert(other, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"SWGR\"}]}");

	/* Filters. */
	doc = http_get_json("/v1/experts", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 2);
	json_decref(doc);
	doc = http_get_json("/v1/experts?product_line=RELAY", admin, 200);
	items = json_object_get(doc, "items");
	ck_assert_int_eq(asize(items), 1);
	ck_assert_int_eq(jint(json_array_get(items, 0), "user_id"), eng);
	json_decref(doc);
	doc = http_get_json("/v1/experts?language=zh&active=true", admin, 200);
	items = json_object_get(doc, "items");
	ck_assert_int_eq(asize(items), 1);
	ck_assert_int_eq(jint(json_array_get(items, 0), "user_id"), other);
	json_decref(doc);
	http_expect_invalid("GET", "/v1/experts?product_line=NOPE", admin, NULL, "product_line");
	http_expect_invalid("GET", "/v1/experts?language=Chinese", admin, NULL, "language");
	http_expect_invalid("GET", "/v1/experts?active=yes", admin, NULL, "active");

	/* Delete takes the shifts along. */
	put_expert(eng, "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"SWGR\"}]}");
	snprintf(body, sizeof(body),
		 "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"09:00\","
		 "\"end\":\"18:00\",\"time_zone\":\"Asia/Shanghai\"}]}",
		 (long long)eng);
	put_rota("SWGR", body);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_rota"), 1);
	http_expect("DELETE", path, admin, NULL, 204);
	http_expect("GET", path, admin, NULL, 404);
	http_expect("DELETE", path, admin, NULL, 404);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_rota"), 0);
	snprintf(body, sizeof(body),
		 "SELECT count(*) FROM expert_product_lines WHERE user_id = %lld", (long long)eng);
	ck_assert_int_eq(count_rows(body), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE object_type = 'expert'"),
			 5);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'expert.delete'"), 1);
	free(admin);
}
END_TEST

START_TEST(a_line_has_one_lead)
{
	int64_t a, b;
	char path[64];
	struct http_result r;

	seed();
	a = seed_engineer("eng.a");
	b = seed_engineer("eng.b");
	put_expert(
	    a, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\",\"lead\":true}]}");
	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)b);
	ck_assert_int_eq(http_json("PUT", path, admin,
				   "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"SWGR\"},"
				   "{\"code\":\"RELAY\",\"lead\":true}]}",
				   &r),
			 409);
	assert_problem(&r, 409, NULL);
	ck_assert_msg(strstr(jstr(r.json, "detail"), "/product_lines/1/lead"), "%s", r.body);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM experts"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_product_lines"), 1);
	/* The lead replacing their own profile keeps the lead. */
	put_expert(
	    a, "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"RELAY\",\"lead\":true}]}");
	/* Another line's lead is fine. */
	put_expert(
	    b, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"SWGR\",\"lead\":true}]}");
	free(admin);
}
END_TEST

START_TEST(every_bad_input_is_a_400_naming_it_and_stores_nothing)
{
	static const struct {
		const char *body, *pointer;
	} bad_expert[] = {
		{ "{\"product_lines\":[]}", "/languages" },
		{ "{\"languages\":[\"zh\"]}", "/product_lines" },
		{ "{\"languages\":[],\"product_lines\":[]}", "/languages" },
		{ "{\"languages\":[\"zh-CN\"],\"product_lines\":[]}", "/languages/0" },
		{ "{\"languages\":[\"ZH\"],\"product_lines\":[]}", "/languages/0" },
		{ "{\"languages\":[\"zh\",\"zh\"],\"product_lines\":[]}", "/languages/1" },
		{ "{\"languages\":[7],\"product_lines\":[]}", "/languages/0" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"NOPE\"}]}",
		  "/product_lines/0/code" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"},"
		  "{\"code\":\"RELAY\"}]}",
		  "/product_lines/1/code" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[{\"lead\":true}]}",
		  "/product_lines/0/code" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[\"RELAY\"]}", "/product_lines/0" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\",\"lead\":1}]}",
		  "/product_lines/0/lead" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[],\"active\":\"yes\"}", "/active" },
		{ "{\"languages\":[\"zh\"],\"product_lines\":[],\"colour\":\"red\"}", "/colour" },
	};
	static const struct {
		const char *shift, *pointer;
	} bad_shift[] = {
		{ "\"days\":[\"mon\",\"funday\"],\"start\":\"09:00\","
		  "\"end\":\"18:00\",\"time_zone\":\"Asia/Shanghai\"}",
		  "/shifts/1/days/1" },
		{ "\"days\":[],\"start\":\"09:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"Asia/Shanghai\"}",
		  "/shifts/1/days" },
		{ "\"days\":[\"mon\"],\"start\":\"25:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"Asia/Shanghai\"}",
		  "/shifts/1/start" },
		{ "\"days\":[\"mon\"],\"start\":\"24:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"Asia/Shanghai\"}",
		  "/shifts/1/start" },
		{ "\"days\":[\"mon\"],\"start\":\"9:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"Asia/Shanghai\"}",
		  "/shifts/1/start" },
		{ "\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"18:60\","
		  "\"time_zone\":\"Asia/Shanghai\"}",
		  "/shifts/1/end" },
		{ "\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"Mars/Olympus_Mons\"}",
		  "/shifts/1/time_zone" },
		{ "\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"../../etc/passwd\"}",
		  "/shifts/1/time_zone" },
		{ "\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"18:00\"}",
		  "/shifts/1/time_zone" },
		{ "\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"18:00\","
		  "\"time_zone\":\"UTC\",\"note\":\"x\"}",
		  "/shifts/1/note" },
	};
	int64_t relay, swgr, plain, off;
	char path[64], body[1024], shift[512];
	struct http_result r;

	seed();
	relay = seed_engineer("eng.relay");
	swgr = seed_engineer("eng.swgr");
	plain = seed_engineer("tech.plain");
	off = seed_engineer("eng.off");
	put_expert(relay, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(swgr, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"SWGR\"}]}");
	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)plain);
	for (size_t i = 0; i < sizeof(bad_expert) / sizeof(bad_expert[0]); i++)
		http_expect_invalid("PUT", path, admin, bad_expert[i].body, bad_expert[i].pointer);
	/* An unknown user is 404; a disabled one 400 naming user_id. */
	http_expect("PUT", "/v1/experts/999999", admin,
		    "{\"languages\":[\"zh\"],\"product_lines\":[]}", 404);
	exec_sql("UPDATE users SET disabled = 1 WHERE username = 'eng.off'");
	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)off);
	http_expect_invalid("PUT", path, admin, "{\"languages\":[\"zh\"],\"product_lines\":[]}",
			    "user_id");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM experts"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_product_lines"), 2);

	/* The rota: a good first shift, a bad second one: nothing stored. */
	for (size_t i = 0; i < sizeof(bad_shift) / sizeof(bad_shift[0]); i++) {
		snprintf(shift, sizeof(shift), "{\"user_id\":%lld,%s", (long long)relay,
			 bad_shift[i].shift);
		snprintf(body, sizeof(body),
			 "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"tue\"],\"start\":\"08:00\","
			 "\"end\":\"12:00\",\"time_zone\":\"Asia/Shanghai\"},%s]}",
			 (long long)relay, shift);
		http_expect_invalid("PUT", "/v1/product-lines/RELAY/rota", admin, body,
				    bad_shift[i].pointer);
	}
	/* Who the shift names: a non-expert, an expert of another line, an
	 * unknown user, an inactive expert. */
	{
		const int64_t who[] = { plain, swgr, 999999, 0 };

		for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
			snprintf(body, sizeof(body),
				 "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"mon\"],"
				 "\"start\":\"08:00\",\"end\":\"12:00\",\"time_zone\":\"UTC\"}]}",
				 (long long)who[i]);
			http_expect_invalid("PUT", "/v1/product-lines/RELAY/rota", admin, body,
					    "/shifts/0/user_id");
		}
	}
	put_expert(relay, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}],"
			  "\"active\":false}");
	snprintf(body, sizeof(body),
		 "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"08:00\","
		 "\"end\":\"12:00\",\"time_zone\":\"UTC\"}]}",
		 (long long)relay);
	http_expect_invalid("PUT", "/v1/product-lines/RELAY/rota", admin, body,
			    "/shifts/0/user_id");
	http_expect_invalid("PUT", "/v1/product-lines/RELAY/rota", admin, "{}", "/shifts");
	http_expect_invalid("PUT", "/v1/product-lines/RELAY/rota", admin, "{\"shifts\":[1]}",
			    "/shifts/0");
	http_expect("PUT", "/v1/product-lines/NOPE/rota", admin, "{\"shifts\":[]}", 404);
	http_expect("GET", "/v1/product-lines/NOPE/rota", admin, NULL, 404);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_rota"), 0);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'product_line.rota'"), 0);

	/* On-call's parameters. */
	http_expect_invalid("GET", "/v1/product-lines/RELAY/on-call?at=yesterday", admin, NULL,
			    "at");
	http_expect_invalid("GET", "/v1/product-lines/RELAY/on-call?language=zh_CN", admin, NULL,
			    "language");
	http_expect_invalid("GET", "/v1/product-lines/RELAY/on-call?when=now", admin, NULL, "when");
	http_expect("GET", "/v1/product-lines/NOPE/on-call", admin, NULL, 404);
	ck_assert_int_eq(http_get("/v1/product-lines/RELAY/on-call", admin, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "candidates")), 0);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(on_call_reads_each_shift_in_its_own_time_zone)
{
	int64_t sh, night, berlin;
	char body[2048], got[512];
	json_t *doc;

	seed();
	sh = seed_engineer("eng.shanghai");
	night = seed_engineer("eng.night");
	berlin = seed_engineer("eng.berlin");
	put_expert(sh, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(night, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"SWGR\"}]}");
	put_expert(berlin,
		   "{\"languages\":[\"de\",\"en\"],\"product_lines\":[{\"code\":\"SWGR\"}]}");
	snprintf(
	    body, sizeof(body),
	    "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],"
	    "\"start\":\"09:00\",\"end\":\"18:00\",\"time_zone\":\"Asia/Shanghai\"}]}",
	    (long long)sh);
	put_rota("RELAY", body);
	doc = http_get_json("/v1/product-lines/RELAY/rota", admin, 200);
	ck_assert_str_eq(jstr(doc, "product_line"), "RELAY");
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "shifts"), 0), "start"), "09:00");
	ck_assert_str_eq(jstr(json_array_get(json_object_get(doc, "shifts"), 0), "end"), "18:00");
	ck_assert_int_eq(
	    asize(json_object_get(json_array_get(json_object_get(doc, "shifts"), 0), "days")), 5);
	json_decref(doc);

	/* 09:00-18:00 Shanghai covers 02:00Z, not 11:00Z: then only the line. */
	on_call("RELAY", MON_10_SHANGHAI, NULL, got, sizeof(got));
	expect_order(got, "%lld:rota", (long long)sh);
	on_call("RELAY", MON_19_SHANGHAI, NULL, got, sizeof(got));
	expect_order(got, "%lld:line", (long long)sh);
	/* Saturday 10:00 in Shanghai: not a listed day. */
	on_call("RELAY", "2026-12-12T02:00:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:line", (long long)sh);

	/* Overnight 22:00-06:00 Shanghai on Mondays only (it belongs to
	 * Monday), and 09:00-17:00 Berlin on Mondays. */
	snprintf(body, sizeof(body),
		 "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"22:00\","
		 "\"end\":\"06:00\",\"time_zone\":\"Asia/Shanghai\"},"
		 "{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"17:00\","
		 "\"time_zone\":\"Europe/Berlin\"}]}",
		 (long long)night, (long long)berlin);
	put_rota("SWGR", body);
	/* Mon 23:00 Shanghai = 15:00Z (16:00 Berlin, in its shift too). */
	on_call("SWGR", "2026-12-07T15:00:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:rota", (long long)night, (long long)berlin);
	/* Tue 05:00 Shanghai = Mon 21:00Z: the night shift still. */
	on_call("SWGR", "2026-12-07T21:00:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:line", (long long)night, (long long)berlin);
	/* Mon 05:00 Shanghai (Sunday's night, not listed) and Tue 23:00. */
	on_call("SWGR", "2026-12-06T21:00:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:line %lld:line", (long long)night, (long long)berlin);
	on_call("SWGR", "2026-12-08T15:00:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:line %lld:line", (long long)night, (long long)berlin);
	/* Berlin is UTC+1 in December: 08:30Z is 09:30 there (in, though
	 * 08:30 in UTC would be out); 16:30Z is 17:30 there (out, though
	 * 16:30 UTC would be in). */
	on_call("SWGR", "2026-12-07T08:30:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:line", (long long)berlin, (long long)night);
	on_call("SWGR", "2026-12-07T16:30:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:line", (long long)night, (long long)berlin);
	free(admin);
}
END_TEST

START_TEST(the_order_is_rota_then_lead_then_line_speakers_first)
{
	int64_t r1, r2, lead, l1, l2, idle, gone;
	char body[2048], got[512];

	seed();
	r1 = seed_engineer("eng.r1");
	r2 = seed_engineer("eng.r2");
	lead = seed_engineer("eng.lead");
	l1 = seed_engineer("eng.l1");
	l2 = seed_engineer("eng.l2");
	idle = seed_engineer("eng.idle");
	gone = seed_engineer("eng.gone");
	put_expert(r1, "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(r2, "{\"languages\":[\"zh\",\"en\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(
	    lead,
	    "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"RELAY\",\"lead\":true}]}");
	put_expert(l1, "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(l2, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(idle, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	put_expert(gone, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	snprintf(body, sizeof(body),
		 "{\"shifts\":["
		 "{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"00:00\",\"end\":\"24:00\","
		 "\"time_zone\":\"UTC\"},"
		 "{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"00:00\",\"end\":\"24:00\","
		 "\"time_zone\":\"UTC\"},"
		 "{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"00:00\",\"end\":\"24:00\","
		 "\"time_zone\":\"UTC\"},"
		 "{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"00:00\",\"end\":\"24:00\","
		 "\"time_zone\":\"UTC\"}]}",
		 (long long)r1, (long long)r2, (long long)idle, (long long)gone);
	put_rota("RELAY", body);
	/* Then idle goes inactive and gone's account is disabled. */
	put_expert(idle, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}],"
			 "\"active\":false}");
	exec_sql("UPDATE users SET disabled = 1 WHERE username = 'eng.gone'");

	on_call("RELAY", MON_10_SHANGHAI, NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:rota %lld:lead %lld:line %lld:line", (long long)r1,
		     (long long)r2, (long long)lead, (long long)l1, (long long)l2);
	on_call("RELAY", MON_10_SHANGHAI, "zh", got, sizeof(got));
	expect_order(got, "%lld:rota %lld:rota %lld:lead %lld:line %lld:line", (long long)r2,
		     (long long)r1, (long long)lead, (long long)l2, (long long)l1);
	/* Off the rota's day: the lead first, then the line by id. */
	on_call("RELAY", "2026-12-08T02:00:00Z", "zh", got, sizeof(got));
	expect_order(got, "%lld:lead %lld:line %lld:line %lld:line %lld:line", (long long)lead,
		     (long long)r2, (long long)l2, (long long)r1, (long long)l1);
	/* The rota still lists the inactive and the disabled (admins see
	 * whom to fix); on call never. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_rota"), 4);
	free(admin);
}
END_TEST

START_TEST(experts_on_call_in_the_domain)
{
	struct expert_candidate c[4];
	int64_t a, b, at;
	char body[1024];
	int n;

	seed();
	a = seed_engineer("eng.a");
	b = seed_engineer("eng.b");
	put_expert(
	    a, "{\"languages\":[\"en\"],\"product_lines\":[{\"code\":\"RELAY\",\"lead\":true}]}");
	put_expert(b, "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"RELAY\"}]}");
	snprintf(body, sizeof(body),
		 "{\"shifts\":[{\"user_id\":%lld,\"days\":[\"mon\"],\"start\":\"09:00\","
		 "\"end\":\"18:00\",\"time_zone\":\"Asia/Shanghai\"}]}",
		 (long long)b);
	put_rota("RELAY", body);
	ck_assert_int_eq(clock_parse(MON_10_SHANGHAI, &at), 0);
	n = experts_on_call(H.db, "RELAY", at, NULL, c, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(c[0].user_id, b);
	ck_assert_str_eq(c[0].source, "rota");
	ck_assert_str_eq(c[0].display_name, "eng.b");
	ck_assert_int_eq(c[1].user_id, a);
	ck_assert_str_eq(c[1].source, "lead");
	ck_assert_str_eq(c[1].languages, "en");
	/* cap is honoured; an unknown line has nobody. */
	ck_assert_int_eq(experts_on_call(H.db, "RELAY", at, "en", c, 1), 1);
	ck_assert_int_eq(c[0].user_id, b);
	ck_assert_int_eq(experts_on_call(H.db, "NOPE", at, NULL, c, 4), 0);
	free(admin);
}
END_TEST

START_TEST(who_may_read_and_write)
{
	char *sales = harness_user_token("sales.gd", "sales", "GD", NULL);
	char *auditor = harness_user_token("audit", "auditor", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	const char *readers[] = { sup, disp, tech };
	const char *body = "{\"languages\":[\"zh\"],\"product_lines\":[]}";
	char path[64];

	seed();
	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)harness_user_id("tech.sz"));
	put_expert(harness_user_id("tech.sz"), body);
	http_expect("GET", "/v1/experts", sales, NULL, 403);
	http_expect("GET", "/v1/experts", auditor, NULL, 403);
	http_expect("GET", path, auditor, NULL, 403);
	http_expect("GET", "/v1/product-lines/RELAY/rota", sales, NULL, 403);
	http_expect("GET", "/v1/product-lines/RELAY/on-call", auditor, NULL, 403);
	for (size_t i = 0; i < 3; i++) {
		http_expect("GET", "/v1/experts", readers[i], NULL, 200);
		http_expect("GET", path, readers[i], NULL, 200);
		http_expect("GET", "/v1/product-lines/RELAY/rota", readers[i], NULL, 200);
		http_expect("GET", "/v1/product-lines/RELAY/on-call", readers[i], NULL, 200);
		http_expect("PUT", path, readers[i], body, 403);
		http_expect("DELETE", path, readers[i], NULL, 403);
		http_expect("PUT", "/v1/product-lines/RELAY/rota", readers[i], "{\"shifts\":[]}",
			    403);
	}
	http_expect("PUT", "/v1/product-lines/RELAY/rota", admin, "{\"shifts\":[]}", 200);
	free(sales);
	free(auditor);
	free(sup);
	free(disp);
	free(tech);
	free(admin);
}
END_TEST

/* The demo: three engineers, a lead per line, relays covered around the
 * clock (nights over midnight), switchgear on weekdays in Shanghai then
 * Berlin, transformers by their lead. */
START_TEST(the_demo_has_experts_and_rotas)
{
	char *out = NULL, got[512];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	json_t *doc;
	long long relay, swgr, trafo;

	struct http_result r;

	admin = harness_user_token("root", "admin", NULL, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(demo_load(H.db, f), ERR_OK);
	fclose(f);
	free(out);
	relay = (long long)harness_user_id("eng.relay");
	swgr = (long long)harness_user_id("eng.switchgear");
	trafo = (long long)harness_user_id("eng.transformer");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM experts"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM expert_product_lines WHERE is_lead = 1"),
			 3);
	doc = http_get_json("/v1/product-lines/relay/rota", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "shifts")), 2);
	json_decref(doc);
	/* Relays: days eng.relay, nights eng.switchgear, every day. */
	on_call("relay", MON_10_SHANGHAI, NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:line", relay, swgr);
	on_call("relay", "2026-12-12T18:00:00Z", NULL, got, sizeof(got)); /* Sun 02:00 */
	expect_order(got, "%lld:rota %lld:lead", swgr, relay);
	/* Switchgear on a Monday at 16:30 Berlin (23:30 Shanghai). */
	on_call("switchgear", "2026-12-07T15:30:00Z", NULL, got, sizeof(got));
	expect_order(got, "%lld:rota %lld:lead", trafo, swgr);
	/* Transformers: no rota, the lead. */
	on_call("transformer", MON_10_SHANGHAI, NULL, got, sizeof(got));
	expect_order(got, "%lld:lead", trafo);
	ck_assert_int_eq(http_login("eng.relay", "fieldtrace-demo", &r), 200);
	http_result_free(&r);
	free(admin);
}
END_TEST

Suite *experts_suite(void)
{
	Suite *s = suite_create("experts");
	TCase *tc = tcase_create("experts");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, create_replace_list_and_delete_an_expert);
	tcase_add_test(tc, a_line_has_one_lead);
	tcase_add_test(tc, every_bad_input_is_a_400_naming_it_and_stores_nothing);
	tcase_add_test(tc, on_call_reads_each_shift_in_its_own_time_zone);
	tcase_add_test(tc, the_order_is_rota_then_lead_then_line_speakers_first);
	tcase_add_test(tc, experts_on_call_in_the_domain);
	tcase_add_test(tc, who_may_read_and_write);
	tcase_add_test(tc, the_demo_has_experts_and_rotas);
	suite_add_tcase(s, tc);
	return s;
}
