/* Work-chat robots against tests/receivers/robots.py, a local HTTPS server
 * that checks each provider's signature and body as WeCom, DingTalk and
 * Feishu do: each provider's success, signed and unsigned; rate limits are
 * retried; a wrong signing secret or a dead webhook is rejected; robot
 * configuration errors name the key; neither the secret nor the webhook's
 * key ever shows in error[]. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "lib/chat_robot.h"
#include "receiver.h"
#include "suites.h"

#define SECRET "SECd1f0e2c3b4a5968778695a4b3c2d1e0f"
#define WECOM_KEY "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

static struct receiver bots;

static const struct chat_message message = {
	.title = "P1 工单 T-1042 即将超时",
	.text = "深圳南山 二号楼 空调机组故障，**剩余 30 分钟**",
	.link = "https://ops.example.cn/tickets/1042",
};

static void start_bots(void)
{
	static const char *const extra[] = { "--secret", SECRET, NULL };

	receiver_start(&bots, "robots.py", extra);
}

/* A robot for the receiver: path is appended to its URL. */
static void robot(struct chat_robot *r, const char *provider, const char *path, const char *secret)
{
	char url[512], why[256] = "";
	json_t *conf;

	snprintf(url, sizeof(url), "%s%s", bots.url, path);
	conf =
	    json_pack("{s:s, s:s, s:s, s:s, s:[s, s]}", "name", "east-ops", "provider", provider,
		      "url", url, "centre", "C-SZ", "events", "sla.escalation", "ticket.assigned");
	if (secret)
		json_object_set_new(conf, "secret", json_string(secret));
	ck_assert_msg(chat_robot_parse(conf, r, why, sizeof(why)) == ERR_OK, "%s", why);
	json_decref(conf);
}

/* The last request; every check passed when ok (caller decrefs). */
static json_t *last_request(int ok)
{
	json_t *all = receiver_requests(&bots), *one, *v;
	const char *k;

	ck_assert_uint_gt(json_array_size(all), 0);
	one = json_incref(json_array_get(all, json_array_size(all) - 1));
	json_decref(all);
	if (ok)
		json_object_foreach(json_object_get(one, "checks"), k, v)
			ck_assert_msg(json_is_true(v), "check %s failed", k);
	return one;
}

static void assert_clean_error(const struct send_result *out)
{
	ck_assert_ptr_null(strstr(out->error, SECRET));
	ck_assert_ptr_null(strstr(out->error, WECOM_KEY));
	ck_assert_ptr_null(strstr(out->error, "access_token"));
}

START_TEST(wecom_markdown_and_errors)
{
	struct chat_robot r;
	struct send_result out;
	json_t *rq;

	start_bots();
	robot(&r, "wecom", "/wecom/send?key=" WECOM_KEY, NULL);
	ck_assert_int_eq(r.provider, ROBOT_WECOM);
	ck_assert_str_eq(r.centre, "C-SZ");
	ck_assert(chat_robot_wants(&r, "sla.escalation"));
	ck_assert(!chat_robot_wants(&r, "ticket.commented"));
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_msg(out.outcome == SEND_OK, "%d %s", out.outcome, out.error);
	ck_assert_int_eq(out.http_status, 200);
	rq = last_request(1);
	ck_assert_str_eq(jstr(rq, "content"),
			 "**P1 工单 T-1042 即将超时**\n深圳南山 二号楼 空调机组故障，**剩余 30 "
			 "分钟**\n[https://ops.example.cn/tickets/1042](https://ops.example.cn/"
			 "tickets/1042)");
	json_decref(rq);

	/* 45009: over WeCom's 20 a minute: later. */
	receiver_script(&bots, "[{\"body\": {\"errcode\": 45009, \"errmsg\": \"api freq out of "
			       "limit, hint: [1765081234_7_9f1], more info at "
			       "https://open.work.weixin.qq.com/devtool/query?e=45009\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_RETRY);
	ck_assert_msg(strncmp(out.error, "45009: api freq out of limit", 28) == 0, "%s", out.error);

	/* 93000: the webhook was removed from the group. */
	receiver_script(&bots,
			"[{\"body\": {\"errcode\": 93000, \"errmsg\": \"invalid webhook url, "
			"hint: [1765081234_7_a01], from ip: 127.0.0.1\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(out.error, "93000: invalid webhook url", 26) == 0, "%s", out.error);
	assert_clean_error(&out);

	/* A 5xx from their gateway: later. */
	receiver_script(&bots, "[{\"status\": 502, \"body\": \"<html>502 Bad Gateway</html>\"}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_RETRY);
	ck_assert_int_eq(out.http_status, 502);

	/* No key in the URL: the receiver answers as WeCom does. */
	robot(&r, "wecom", "/wecom/send?key=", NULL);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(out.error, "93000: ", 7) == 0, "%s", out.error);
	receiver_stop(&bots);
}
END_TEST

START_TEST(dingtalk_signed_unsigned_and_errors)
{
	struct chat_robot r;
	struct send_result out;
	json_t *rq, *md;

	start_bots();
	/* Signed: timestamp and sign in the URL, checked by the receiver. */
	robot(&r, "dingtalk", "/dingtalk/robot/send?access_token=a1b2c3", SECRET);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_msg(out.outcome == SEND_OK, "%d %s", out.outcome, out.error);
	rq = last_request(1);
	ck_assert(json_is_true(json_object_get(rq, "signed")));
	ck_assert(json_is_true(json_object_get(json_object_get(rq, "checks"), "sign")));
	md = json_object_get(rq, "markdown");
	ck_assert_str_eq(jstr(md, "title"), message.title);
	ck_assert_ptr_nonnull(strstr(jstr(md, "text"), message.text));
	ck_assert_ptr_nonnull(strstr(jstr(md, "text"), message.link));
	ck_assert_ptr_null(strstr(jstr(rq, "path"), SECRET));
	json_decref(rq);

	/* Unsigned group: no timestamp, no sign. */
	robot(&r, "dingtalk", "/dingtalk/robot/send?access_token=plain-9f8e", NULL);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_msg(out.outcome == SEND_OK, "%d %s", out.outcome, out.error);
	rq = last_request(1);
	ck_assert_ptr_null(strstr(jstr(rq, "path"), "sign="));
	json_decref(rq);

	/* 130101: sent too fast. */
	robot(&r, "dingtalk", "/dingtalk/robot/send?access_token=a1b2c3", SECRET);
	receiver_script(&bots, "[{\"body\": {\"errcode\": 130101, \"errmsg\": \"send too fast, "
			       "exceed 20 times per minute\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_RETRY);
	ck_assert_str_eq(out.error, "130101: send too fast, exceed 20 times per minute");

	/* A wrong secret: DingTalk's 310000. */
	robot(&r, "dingtalk", "/dingtalk/robot/send?access_token=a1b2c3", "SECwrong");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(out.error, "310000: sign not match", 22) == 0, "%s", out.error);
	ck_assert_ptr_null(strstr(out.error, "SECwrong"));
	rq = last_request(0);
	ck_assert(json_is_false(json_object_get(json_object_get(rq, "checks"), "sign")));
	json_decref(rq);

	/* A signed group posted to without signing: refused the same way. */
	robot(&r, "dingtalk", "/dingtalk/robot/send?access_token=a1b2c3", NULL);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(out.error, "310000: ", 8) == 0, "%s", out.error);

	/* 300001: the token is gone. */
	robot(&r, "dingtalk", "/dingtalk/robot/send?access_token=a1b2c3", SECRET);
	receiver_script(&bots,
			"[{\"body\": {\"errcode\": 300001, \"errmsg\": \"token is not exist\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	assert_clean_error(&out);
	receiver_stop(&bots);
}
END_TEST

START_TEST(feishu_signed_unsigned_and_errors)
{
	struct chat_robot r;
	struct send_result out;
	json_t *rq;
	char expect[512];

	start_bots();
	robot(&r, "feishu", "/feishu/open-apis/bot/v2/hook/8a3c0d2e-1f4b", SECRET);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_msg(out.outcome == SEND_OK, "%d %s", out.outcome, out.error);
	rq = last_request(1);
	ck_assert(json_is_true(json_object_get(rq, "signed")));
	snprintf(expect, sizeof(expect), "%s\n%s\n%s", message.title, message.text, message.link);
	ck_assert_str_eq(jstr(rq, "text"), expect);
	ck_assert_ptr_null(strstr(jstr(rq, "body"), SECRET));
	json_decref(rq);

	robot(&r, "feishu", "/feishu/open-apis/bot/v2/hook/plain-77c1", NULL);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_msg(out.outcome == SEND_OK, "%d %s", out.outcome, out.error);
	rq = last_request(1);
	ck_assert_ptr_null(strstr(jstr(rq, "body"), "\"sign\""));
	json_decref(rq);

	/* The older answer shape, {"StatusCode": 0}, is success too. */
	receiver_script(&bots, "[{\"body\": {\"Extra\": null, \"StatusCode\": 0, "
			       "\"StatusMessage\": \"success\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_msg(out.outcome == SEND_OK, "%d %s", out.outcome, out.error);

	/* 9499 and 11232: too many requests. */
	receiver_script(&bots,
			"[{\"body\": {\"code\": 9499, \"data\": {}, \"msg\": \"too many "
			"request\"}}, {\"body\": {\"code\": 11232, \"data\": {}, \"msg\": "
			"\"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_RETRY);
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_RETRY);
	ck_assert_msg(strncmp(out.error, "11232: frequency limited", 24) == 0, "%s", out.error);

	/* 19024: our address is not on the group's allow-list. */
	receiver_script(
	    &bots, "[{\"body\": {\"code\": 19024, \"data\": {}, \"msg\": \"Ip Not Allowed\"}}]");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	ck_assert_str_eq(out.error, "19024: Ip Not Allowed");

	/* A wrong secret: Feishu's 19021. */
	robot(&r, "feishu", "/feishu/open-apis/bot/v2/hook/8a3c0d2e-1f4b", "wrong-secret");
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(out.error, "19021: sign match fail", 22) == 0, "%s", out.error);
	assert_clean_error(&out);
	ck_assert_ptr_null(strstr(out.error, "wrong-secret"));
	receiver_stop(&bots);

	/* Nobody listening: later. */
	chat_robot_send(&r, harness_ca_file(), &message, &out);
	ck_assert_int_eq(out.outcome, SEND_RETRY);
	ck_assert_int_eq(out.http_status, 0);
	assert_clean_error(&out);
}
END_TEST

START_TEST(parse_errors_name_the_key)
{
	static const struct {
		const char *conf, *key;
	} cases[] = {
		{ "\"east\"", "robot" },
		{ "{\"provider\": \"wecom\", \"url\": \"https://qyapi.weixin.qq.com/x\"}", "name" },
		{ "{\"name\": \"\", \"provider\": \"wecom\", \"url\": \"https://q/x\"}", "name" },
		{ "{\"name\": \"e\", \"url\": \"https://q/x\"}", "provider" },
		{ "{\"name\": \"e\", \"provider\": \"slack\", \"url\": \"https://q/x\"}",
		  "provider" },
		{ "{\"name\": \"e\", \"provider\": \"wecom\"}", "url" },
		{ "{\"name\": \"e\", \"provider\": \"wecom\", \"url\": \"http://q/x\"}", "url" },
		{ "{\"name\": \"e\", \"provider\": \"wecom\", \"url_file\": \"/nonexistent/u\"}",
		  "url_file" },
		{ "{\"name\": \"e\", \"provider\": \"wecom\", \"url\": \"https://q/x\", "
		  "\"secret\": "
		  "\"s\"}",
		  "secret" },
		{ "{\"name\": \"e\", \"provider\": \"dingtalk\", \"url\": \"https://q/x\", "
		  "\"secret_file\": \"/nonexistent/s\"}",
		  "secret_file" },
		{ "{\"name\": \"e\", \"provider\": \"feishu\", \"url\": \"https://q/x\", "
		  "\"centre\": "
		  "\"C-SZ\", \"region\": \"south\"}",
		  "region" },
		{ "{\"name\": \"e\", \"provider\": \"feishu\", \"url\": \"https://q/x\", "
		  "\"centre\": "
		  "5}",
		  "centre" },
		{ "{\"name\": \"e\", \"provider\": \"feishu\", \"url\": \"https://q/x\", "
		  "\"events\": "
		  "\"sla.escalation\"}",
		  "events" },
		{ "{\"name\": \"e\", \"provider\": \"feishu\", \"url\": \"https://q/x\", "
		  "\"events\": "
		  "[\"sla.escalation\", 3]}",
		  "events[1]" },
		{ "{\"name\": \"e\", \"provider\": \"feishu\", \"url\": \"https://q/x\", "
		  "\"webhook\": "
		  "\"https://q/y\"}",
		  "webhook" },
	};
	char why[256], path[] = "/tmp/ft-robot-url-XXXXXX";
	struct chat_robot r;
	json_t *conf;
	FILE *f;
	int fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf = json_loads(cases[i].conf, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(conf);
		why[0] = '\0';
		ck_assert_int_eq(chat_robot_parse(conf, &r, why, sizeof(why)), ERR_INVALID);
		ck_assert_msg(
		    strncmp(why, cases[i].key, strlen(cases[i].key)) == 0 &&
			(why[strlen(cases[i].key)] == ':' || why[strlen(cases[i].key)] == ' '),
		    "case %zu: \"%s\" does not name %s", i, why, cases[i].key);
		json_decref(conf);
	}

	/* The URL (it holds the key) and the secret from files. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("https://oapi.dingtalk.com/robot/send?access_token=abc\n", f);
	fclose(f);
	conf = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "south", "provider", "dingtalk",
			 "url_file", path, "secret", SECRET, "region", "south-china");
	ck_assert_int_eq(chat_robot_parse(conf, &r, why, sizeof(why)), ERR_OK);
	ck_assert_int_eq(r.provider, ROBOT_DINGTALK);
	ck_assert_str_eq(r.url, "https://oapi.dingtalk.com/robot/send?access_token=abc");
	ck_assert_str_eq(r.secret, SECRET);
	ck_assert_str_eq(r.region, "south-china");
	ck_assert_uint_eq(r.n_events, 0);
	ck_assert(chat_robot_wants(&r, "ticket.assigned"));
	json_decref(conf);
	unlink(path);
}
END_TEST

Suite *robots_suite(void)
{
	Suite *s = suite_create("robots");
	TCase *tc = tcase_create("robots");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, wecom_markdown_and_errors);
	tcase_add_test(tc, dingtalk_signed_unsigned_and_errors);
	tcase_add_test(tc, feishu_signed_unsigned_and_errors);
	tcase_add_test(tc, parse_errors_name_the_key);
	suite_add_tcase(s, tc);
	return s;
}
