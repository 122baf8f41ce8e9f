/* SMS through Aliyun's SendSms against tests/receivers/aliyun_sms.py, a
 * local HTTPS server that recomputes the signature as Aliyun does: a
 * signed send with Chinese parameters, each of Aliyun's error codes mapped
 * to its outcome, a wrong secret (SignatureDoesNotMatch), a stale clock,
 * numbers refused before any request, and configuration errors naming the
 * key. The secret never shows in error[]. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "harness.h"
#include "lib/sms.h"
#include "receiver.h"
#include "suites.h"

#define KEY_ID "LTAI5tTestKeyId0001"
#define SECRET "sms-secret-Xq7Zs9aLk2"

static struct receiver aliyun;

static void start_aliyun(void)
{
	static const char *const extra[] = { "--access-key-id", KEY_ID, "--secret", SECRET, NULL };

	receiver_start(&aliyun, "aliyun_sms.py", extra);
}

static struct sms_client *client_with(const char *secret)
{
	struct sms_client *c = NULL;
	char why[256] = "";
	json_t *conf = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "access_key_id", KEY_ID,
				 "access_key_secret", secret, "sign_name", "现场服务", "endpoint",
				 aliyun.url, "templates", "sla.escalation", "SMS_465890123",
				 "ticket.assigned", "SMS_465890124");

	ck_assert_int_eq(sms_client_new(conf, harness_ca_file(), &c, why, sizeof(why)), ERR_OK);
	json_decref(conf);
	return c;
}

/* The only request so far, its checks all passed (caller decrefs). */
static json_t *only_request(void)
{
	json_t *all = receiver_requests(&aliyun), *one;

	ck_assert_uint_eq(json_array_size(all), 1);
	one = json_incref(json_array_get(all, 0));
	json_decref(all);
	return one;
}

static const char *param(const json_t *rq, const char *name)
{
	return json_string_value(json_object_get(json_object_get(rq, "params"), name));
}

static void assert_no_secret(const struct send_result *r)
{
	ck_assert_ptr_null(strstr(r->error, SECRET));
}

START_TEST(signed_send_with_chinese_params)
{
	struct sms_client *c;
	struct send_result r;
	json_t *params = json_pack("{s:s, s:s}", "ticket", "T-1042", "site", "深圳南山 * 二号楼~A");
	json_t *rq, *checks, *sent;
	const char *k;
	json_t *v;

	start_aliyun();
	c = client_with(SECRET);
	ck_assert_str_eq(sms_template_for(c, "sla.escalation"), "SMS_465890123");
	ck_assert_ptr_null(sms_template_for(c, "ticket.commented"));
	sms_send(c, "+8613800138000", "SMS_465890123", params, "delivery-77", &r);
	ck_assert_msg(r.outcome == SEND_OK, "outcome %d: %s", r.outcome, r.error);
	ck_assert_int_eq(r.http_status, 200);
	ck_assert_str_ne(r.provider_ref, "");
	ck_assert_ptr_nonnull(strstr(r.provider_ref, "^0"));

	rq = only_request();
	checks = json_object_get(rq, "checks");
	json_object_foreach(checks, k, v)
		ck_assert_msg(json_is_true(v), "check %s failed", k);
	ck_assert(json_is_true(json_object_get(rq, "ok")));
	ck_assert_str_eq(param(rq, "PhoneNumbers"), "13800138000");
	ck_assert_str_eq(param(rq, "SignName"), "现场服务");
	ck_assert_str_eq(param(rq, "TemplateCode"), "SMS_465890123");
	ck_assert_str_eq(param(rq, "OutId"), "delivery-77");
	ck_assert_str_eq(param(rq, "RegionId"), "cn-hangzhou");
	/* The parameters arrive as the same JSON, Chinese and all. */
	sent = json_loads(param(rq, "TemplateParam"), 0, NULL);
	ck_assert(json_equal(sent, params));
	/* No secret on the wire: only the signature. */
	ck_assert_ptr_null(strstr(jstr(rq, "body"), SECRET));
	json_decref(sent);
	json_decref(rq);

	/* An 11-digit mainland number goes as it is; each nonce is new. */
	sms_send(c, "13900139000", "SMS_465890124", params, "delivery-78", &r);
	ck_assert_msg(r.outcome == SEND_OK, "outcome %d: %s", r.outcome, r.error);
	ck_assert_uint_eq(receiver_wait(&aliyun, 2, 0), 2);

	json_decref(params);
	sms_client_free(c);
	receiver_stop(&aliyun);
}
END_TEST

START_TEST(error_codes_map_to_outcomes)
{
	static const struct {
		int status;
		const char *code, *message;
		enum send_outcome outcome;
	} cases[] = {
		{ 200, "isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5", SEND_RETRY },
		{ 400, "Throttling.User", "Request was denied due to user flow control.",
		  SEND_RETRY },
		{ 200, "isp.SYSTEM_ERROR", "isp.SYSTEM_ERROR", SEND_RETRY },
		{ 503, "ServiceUnavailable",
		  "The request has failed due to a temporary failure of the server.", SEND_RETRY },
		{ 200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", SEND_REJECTED },
		{ 200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板", SEND_REJECTED },
		{ 200, "isv.TEMPLATE_PARAMS_ILLEGAL", "模板变量里包含非法关键字", SEND_REJECTED },
		{ 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.",
		  SEND_REJECTED },
		{ 200, "isv.AMOUNT_NOT_ENOUGH", "账户余额不足", SEND_REJECTED },
	};
	json_t *params = json_pack("{s:s}", "ticket", "T-1");
	struct sms_client *c;
	struct send_result r;
	char script[512], expect[128];

	start_aliyun();
	c = client_with(SECRET);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(script, sizeof(script),
			 "[{\"status\": %d, \"body\": {\"RequestId\": "
			 "\"F655A8D5-B967-440B-8683-DAD6FF8DE990\", "
			 "\"Code\": \"%s\", \"Message\": \"%s\"}}]",
			 cases[i].status, cases[i].code, cases[i].message);
		receiver_script(&aliyun, script);
		sms_send(c, "+8613800138000", "SMS_465890123", params, "d-1", &r);
		ck_assert_msg(r.outcome == cases[i].outcome, "%s: outcome %d", cases[i].code,
			      r.outcome);
		ck_assert_int_eq(r.http_status, cases[i].status);
		snprintf(expect, sizeof(expect), "%s: %s", cases[i].code, cases[i].message);
		ck_assert_str_eq(r.error, expect);
		ck_assert_str_eq(r.provider_ref, "");
	}

	/* A 5xx without Aliyun's body is still worth another try, with its hint. */
	receiver_script(&aliyun, "[{\"status\": 502, \"headers\": {\"Retry-After\": \"30\"}, "
				 "\"body\": \"<html>502 Bad Gateway</html>\"}]");
	sms_send(c, "+8613800138000", "SMS_465890123", params, "d-1", &r);
	ck_assert_int_eq(r.outcome, SEND_RETRY);
	ck_assert_int_eq(r.http_status, 502);
	ck_assert_int_eq(r.retry_after_s, 30);
	json_decref(params);
	sms_client_free(c);
	receiver_stop(&aliyun);

	/* Nobody listening: retry. */
	c = client_with(SECRET);
	sms_send(c, "+8613800138000", "SMS_465890123", NULL, NULL, &r);
	ck_assert_int_eq(r.outcome, SEND_RETRY);
	ck_assert_int_eq(r.http_status, 0);
	ck_assert_str_ne(r.error, "");
	sms_client_free(c);
}
END_TEST

START_TEST(wrong_secret_and_stale_clock_are_refused_by_aliyun)
{
	struct sms_client *c;
	struct send_result r;
	json_t *all;

	start_aliyun();
	c = client_with("not-the-secret");
	sms_send(c, "+8613800138000", "SMS_465890123", NULL, "d-2", &r);
	ck_assert_int_eq(r.outcome, SEND_REJECTED);
	ck_assert_int_eq(r.http_status, 400);
	ck_assert_msg(strncmp(r.error, "SignatureDoesNotMatch: ", 23) == 0, "%s", r.error);
	ck_assert_ptr_null(strstr(r.error, "not-the-secret"));
	/* Aliyun quotes the string it signed; the number stays out of error[]. */
	ck_assert_str_eq(r.error, "SignatureDoesNotMatch: Specified signature is not matched with "
				  "our calculation.");
	sms_client_free(c);

	/* Our clock 20 minutes behind: Aliyun's 15-minute window refuses it. */
	c = client_with(SECRET);
	clock_set_offset(-20 * 60);
	sms_send(c, "+8613800138000", "SMS_465890123", NULL, "d-3", &r);
	clock_set_offset(0);
	ck_assert_int_eq(r.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(r.error, "InvalidTimeStamp.Expired: ", 26) == 0, "%s", r.error);
	assert_no_secret(&r);

	all = receiver_requests(&aliyun);
	ck_assert_uint_eq(json_array_size(all), 2);
	ck_assert(json_is_false(
	    json_object_get(json_object_get(json_array_get(all, 0), "checks"), "signature")));
	ck_assert(json_is_false(
	    json_object_get(json_object_get(json_array_get(all, 1), "checks"), "timestamp")));
	json_decref(all);
	sms_client_free(c);
	receiver_stop(&aliyun);
}
END_TEST

START_TEST(bad_numbers_are_refused_without_a_request)
{
	static const char *const bad[] = {
		"",
		"12345",
		"23800138000",
		"1380013800",
		"138001380001",
		"+86138001380",
		"+862800138000",
		"+0123456789",
		"8613800138000",
		"+86 13800138000",
		"+12345678901234567",
		"13800l38000",
	};
	struct sms_client *c;
	struct send_result r;

	start_aliyun();
	c = client_with(SECRET);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sms_send(c, bad[i], "SMS_465890123", NULL, "d-4", &r);
		ck_assert_msg(r.outcome == SEND_REJECTED, "%s: outcome %d", bad[i], r.outcome);
		ck_assert_int_eq(r.http_status, 0);
	}
	/* Another country's E.164 number goes without its "+", as Aliyun wants. */
	sms_send(c, "+85291234567", "SMS_465890123", NULL, "d-5", &r);
	ck_assert_msg(r.outcome == SEND_OK, "%s", r.error);
	{
		json_t *rq = only_request();

		ck_assert_str_eq(param(rq, "PhoneNumbers"), "85291234567");
		ck_assert_ptr_null(json_object_get(json_object_get(rq, "params"), "TemplateParam"));
		json_decref(rq);
	}
	sms_client_free(c);
	receiver_stop(&aliyun);
}
END_TEST

START_TEST(conf_errors_name_the_key)
{
	static const struct {
		const char *conf, *key;
	} cases[] = {
		{ "[]", "sms" },
		{ "{\"access_key_secret\": \"s\", \"sign_name\": \"n\"}", "access_key_id" },
		{ "{\"access_key_id\": 7, \"access_key_secret\": \"s\", \"sign_name\": \"n\"}",
		  "access_key_id" },
		{ "{\"access_key_id\": \"i\", \"sign_name\": \"n\"}", "access_key_secret" },
		{ "{\"access_key_id\": \"i\", \"access_key_secret_file\": \"/nonexistent/s\", "
		  "\"sign_name\": \"n\"}",
		  "access_key_secret_file" },
		{ "{\"access_key_id\": \"i\", \"access_key_secret\": \"s\"}", "sign_name" },
		{ "{\"access_key_id\": \"i\", \"access_key_secret\": \"s\", \"sign_name\": \"n\", "
		  "\"endpoint\": \"http://dysmsapi.aliyuncs.com\"}",
		  "endpoint" },
		{ "{\"access_key_id\": \"i\", \"access_key_secret\": \"s\", \"sign_name\": \"n\", "
		  "\"templates\": [\"SMS_1\"]}",
		  "templates" },
		{ "{\"access_key_id\": \"i\", \"access_key_secret\": \"s\", \"sign_name\": \"n\", "
		  "\"templates\": {\"sla.escalation\": 5}}",
		  "templates.sla.escalation" },
		{ "{\"access_key_id\": \"i\", \"access_key_secret\": \"s\", \"sign_name\": \"n\", "
		  "\"region\": \"cn-hangzhou\"}",
		  "region" },
	};
	char why[256], path[] = "/tmp/ft-sms-secret-XXXXXX";
	struct sms_client *c;
	json_t *conf;
	FILE *f;
	int fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf = json_loads(cases[i].conf, 0, NULL);
		ck_assert_ptr_nonnull(conf);
		why[0] = '\0';
		c = (struct sms_client *)1;
		ck_assert_int_eq(sms_client_new(conf, NULL, &c, why, sizeof(why)), ERR_INVALID);
		ck_assert_ptr_null(c);
		ck_assert_msg(
		    strncmp(why, cases[i].key, strlen(cases[i].key)) == 0 &&
			(why[strlen(cases[i].key)] == ':' || why[strlen(cases[i].key)] == ' '),
		    "case %zu: \"%s\" does not name %s", i, why, cases[i].key);
		json_decref(conf);
	}

	/* The secret from a file, the endpoint defaulted. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(SECRET "\n", f);
	fclose(f);
	conf = json_pack("{s:s, s:s, s:s}", "access_key_id", KEY_ID, "access_key_secret_file", path,
			 "sign_name", "现场服务");
	ck_assert_int_eq(sms_client_new(conf, NULL, &c, why, sizeof(why)), ERR_OK);
	ck_assert_ptr_null(sms_template_for(c, "sla.escalation"));
	sms_client_free(c);
	json_decref(conf);
	unlink(path);
}
END_TEST

Suite *sms_suite(void)
{
	Suite *s = suite_create("sms");
	TCase *tc = tcase_create("aliyun");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, signed_send_with_chinese_params);
	tcase_add_test(tc, error_codes_map_to_outcomes);
	tcase_add_test(tc, wrong_secret_and_stale_clock_are_refused_by_aliyun);
	tcase_add_test(tc, bad_numbers_are_refused_without_a_request);
	tcase_add_test(tc, conf_errors_name_the_key);
	suite_add_tcase(s, tc);
	return s;
}
