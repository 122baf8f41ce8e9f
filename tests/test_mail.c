/* E-mail over SMTP against a real SMTP server in its own process
 * (tests/receivers/smtp.py, aiosmtpd): STARTTLS then AUTH, a Chinese
 * subject, name, body and attachment read back by Python's email package
 * exactly, the Message-ID stable per delivery, List-Unsubscribe; implicit
 * TLS; a wrong password, 4xx and 5xx replies, a dead server and a server
 * without STARTTLS each map to their outcome, and the last sends nothing
 * in clear; header injection is refused before connecting; every bad conf
 * key is named. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "lib/http_client.h"
#include "lib/mail.h"
#include "receiver.h"
#include "suites.h"

#define SMTP_USER "mailer@fieldtrace.example"
#define SMTP_PASSWORD "s3cret-smtp-pass"
#define FROM_NAME "现场服务中心"
/* 60+ bytes of UTF-8: more than one encoded word. */
#define SUBJECT "工单 #42 已派给您：深圳南山区科技园空调维修（紧急，请在两小时内到场）"
#define TEXT "张伟，您好：\n\n工单 #42 已派给您。\n地址：深圳市南山区科技园\n"
#define HTML "<p>张伟，您好：</p><p>工单 <b>#42</b> 已派给您。</p>"
#define CSV "工单,状态,客户\n42,已派工,深圳湾科技\n43,待处理,\"南山, 分公司\"\n"
#define UNSUBSCRIBE "https://fieldtrace.example/v1/unsubscribe?t=abc123"

static void setup(void)
{
	http_client_global_init();
}

static struct mail_client *client(const struct receiver *r, int implicit_tls, const char *password)
{
	char url[64], why[256] = "";
	struct mail_client *c = NULL;
	json_t *conf;

	snprintf(url, sizeof(url), "%s://localhost:%d", implicit_tls ? "smtps" : "smtp", r->port);
	conf = json_pack("{s:s, s:s, s:s, s:s, s:s}", "url", url, "username", SMTP_USER, "password",
			 password, "from", "noreply@fieldtrace.example", "from_name", FROM_NAME);
	ck_assert_int_eq(mail_client_new(conf, harness_ca_file(), &c, why, sizeof(why)), ERR_OK);
	ck_assert_str_eq(why, "");
	json_decref(conf);
	return c;
}

static struct mail_message message(const char *key)
{
	static const struct mail_attachment csv = { "工单报表.csv", "text/csv; charset=utf-8", CSV,
						    sizeof(CSV) - 1 };
	struct mail_message m = {
		.to = "zhang.wei@example.com",
		.to_name = "张伟",
		.subject = SUBJECT,
		.text = TEXT,
		.html = HTML,
		.list_unsubscribe = UNSUBSCRIBE,
		.attachments = &csv,
		.n_attachments = 1,
		.idempotency_key = key,
	};

	return m;
}

static json_t *only_message(const struct receiver *r, size_t n)
{
	json_t *all;

	ck_assert_uint_eq(receiver_wait(r, n, 3000), n);
	all = receiver_requests(r);
	ck_assert_uint_eq(json_array_size(all), n);
	return all;
}

static void assert_checks_pass(const json_t *msg)
{
	const char *name;
	json_t *ok;

	json_object_foreach(json_object_get(msg, "checks"), name, ok) {
		ck_assert_msg(json_is_true(ok), "receiver check %s failed", name);
	}
	ck_assert(json_is_true(json_object_get(msg, "ok")));
}

START_TEST(starttls_auth_and_a_chinese_mail_read_back_exactly)
{
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-42.1");
	struct send_result res;
	json_t *all, *msg, *h, *att;
	const char *raw;

	receiver_start(&r, "smtp.py", NULL);
	c = client(&r, 0, SMTP_PASSWORD);
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	ck_assert_str_eq(res.provider_ref, "<delivery-42.1@fieldtrace.example>");
	ck_assert_int_eq(res.http_status, 250);

	all = only_message(&r, 1);
	msg = json_array_get(all, 0);
	assert_checks_pass(msg);
	ck_assert(json_is_true(json_object_get(msg, "was_tls")));
	ck_assert_str_eq(jstr(msg, "auth_user"), SMTP_USER);
	ck_assert_str_eq(jstr(msg, "mail_from"), "noreply@fieldtrace.example");
	ck_assert_int_eq(asize(json_object_get(msg, "rcpt_tos")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(msg, "rcpt_tos"), 0)),
			 "zhang.wei@example.com");
	h = json_object_get(msg, "headers");
	ck_assert_str_eq(jstr(h, "Subject"), SUBJECT);
	raw = jstr(h, "Subject-Raw");
	ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?B?"));
	ck_assert_ptr_null(strstr(raw, "工单"));
	ck_assert_str_eq(jstr(h, "From"), FROM_NAME " <noreply@fieldtrace.example>");
	ck_assert_str_eq(jstr(h, "To"), "张伟 <zhang.wei@example.com>");
	ck_assert_str_eq(jstr(h, "Message-ID"), "<delivery-42.1@fieldtrace.example>");
	ck_assert_str_eq(jstr(h, "List-Unsubscribe"), "<" UNSUBSCRIBE ">");
	ck_assert_str_eq(jstr(h, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
	ck_assert_str_eq(jstr(h, "Auto-Submitted"), "auto-generated");
	ck_assert_ptr_nonnull(strstr(jstr(h, "Content-Type"), "multipart/mixed"));
	ck_assert_str_eq(jstr(msg, "text"), TEXT);
	ck_assert_str_eq(jstr(msg, "html"), HTML);
	ck_assert_int_eq(asize(json_object_get(msg, "attachments")), 1);
	att = json_array_get(json_object_get(msg, "attachments"), 0);
	ck_assert_str_eq(jstr(att, "filename"), "工单报表.csv");
	ck_assert_str_eq(jstr(att, "content_type"), "text/csv");
	ck_assert_str_eq(jstr(att, "charset"), "utf-8");
	ck_assert_str_eq(jstr(att, "transfer_encoding"), "base64");
	ck_assert_str_eq(jstr(att, "data"), CSV);
	json_decref(all);

	/* A retry of the same delivery is recognisably the same mail. */
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	ck_assert_str_eq(res.provider_ref, "<delivery-42.1@fieldtrace.example>");
	all = only_message(&r, 2);
	ck_assert_str_eq(jstr(json_object_get(json_array_get(all, 1), "headers"), "Message-ID"),
			 "<delivery-42.1@fieldtrace.example>");
	json_decref(all);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(text_and_html_without_attachments_is_multipart_alternative)
{
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-7");
	struct send_result res;
	json_t *all, *msg, *h;
	char text[2100];

	/* ASCII goes quoted-printable; one 2000-character line must still
	 * reach the server in lines of at most 998 octets (checked there). */
	snprintf(text, sizeof(text), "Ticket #7 is yours.\n");
	memset(text + strlen(text), 'x', 2000);
	text[2020] = '\n';
	text[2021] = '\0';
	m.text = text;
	m.html = "<p>Ticket <b>#7</b> is yours: caf\xc3\xa9 = fine</p>";
	m.n_attachments = 0;
	m.attachments = NULL;
	m.list_unsubscribe = NULL;
	m.subject = "Ticket #7 assigned";
	m.to_name = "Wei \"Zhang\"";
	receiver_start(&r, "smtp.py", NULL);
	c = client(&r, 0, SMTP_PASSWORD);
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	all = only_message(&r, 1);
	msg = json_array_get(all, 0);
	assert_checks_pass(msg);
	h = json_object_get(msg, "headers");
	ck_assert_ptr_nonnull(strstr(jstr(h, "Content-Type"), "multipart/alternative"));
	ck_assert_str_eq(jstr(h, "Subject"), "Ticket #7 assigned");
	ck_assert_str_eq(jstr(h, "Subject-Raw"), "Ticket #7 assigned");
	ck_assert_str_eq(jstr(h, "To"), "\"Wei \\\"Zhang\\\"\" <zhang.wei@example.com>");
	ck_assert(json_is_null(json_object_get(h, "List-Unsubscribe")));
	ck_assert_str_eq(jstr(msg, "text"), text);
	ck_assert_str_eq(jstr(msg, "html"), m.html);
	ck_assert_int_eq(asize(json_object_get(msg, "attachments")), 0);
	json_decref(all);

	/* Text alone. */
	m.html = NULL;
	m.text = TEXT;
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	all = only_message(&r, 2);
	msg = json_array_get(all, 1);
	assert_checks_pass(msg);
	ck_assert_str_eq(jstr(msg, "text"), TEXT);
	ck_assert(json_is_null(json_object_get(msg, "html")));
	json_decref(all);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(implicit_tls)
{
	static const char *const extra[] = { "--implicit-tls", NULL };
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-9");
	struct send_result res;
	json_t *all;

	receiver_start(&r, "smtp.py", extra);
	c = client(&r, 1, SMTP_PASSWORD);
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	all = only_message(&r, 1);
	assert_checks_pass(json_array_get(all, 0));
	ck_assert(json_is_true(json_object_get(json_array_get(all, 0), "was_tls")));
	ck_assert_str_eq(jstr(json_array_get(all, 0), "auth_user"), SMTP_USER);
	json_decref(all);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(wrong_password_is_rejected_with_535_and_never_shown)
{
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-10");
	struct send_result res;

	receiver_start(&r, "smtp.py", NULL);
	c = client(&r, 0, "not-the-password-xyz");
	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_REJECTED);
	ck_assert_int_eq(res.http_status, 535);
	ck_assert_msg(strstr(res.error, "535"), "error: %s", res.error);
	ck_assert_ptr_null(strstr(res.error, "not-the-password-xyz"));
	ck_assert_str_eq(res.provider_ref, "");
	usleep(200 * 1000);
	ck_assert_uint_eq(receiver_wait(&r, 0, 0), 0);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(smtp_4xx_is_retry_5xx_is_rejected)
{
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-11");
	struct send_result res;

	receiver_start(&r, "smtp.py", NULL);
	c = client(&r, 0, SMTP_PASSWORD);
	receiver_script(&r, "[{\"smtp\": \"451 4.7.1 Try again later\"},"
			    " {\"smtp\": \"550 5.1.1 No such user\"},"
			    " {\"smtp\": \"452 4.3.1 Insufficient storage\", \"at\": \"data\"},"
			    " {\"smtp\": \"554 5.7.1 Message refused\", \"at\": \"data\"}]");
	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	ck_assert_int_eq(res.http_status, 451);
	ck_assert_str_eq(res.error, "451 4.7.1 Try again later");

	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_REJECTED);
	ck_assert_int_eq(res.http_status, 550);
	ck_assert_str_eq(res.error, "550 5.1.1 No such user");

	/* The same at the end of DATA. */
	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	ck_assert_str_eq(res.error, "452 4.3.1 Insufficient storage");
	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_REJECTED);
	ck_assert_str_eq(res.error, "554 5.7.1 Message refused");
	ck_assert_uint_eq(receiver_wait(&r, 0, 0), 0);

	/* The script used up, the next goes through. */
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	ck_assert_uint_eq(receiver_wait(&r, 1, 3000), 1);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(server_down_is_retry)
{
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-12");
	struct send_result res;

	receiver_start(&r, "smtp.py", NULL);
	c = client(&r, 0, SMTP_PASSWORD);
	receiver_stop(&r);
	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_RETRY);
	ck_assert_int_eq(res.http_status, 0);
	ck_assert_str_ne(res.error, "");
	ck_assert_ptr_null(strstr(res.error, SMTP_PASSWORD));
	mail_client_free(c);
}
END_TEST

START_TEST(a_server_without_starttls_gets_nothing_in_clear)
{
	static const char *const extra[] = { "--no-starttls", NULL };
	struct receiver r;
	struct mail_client *c;
	struct mail_message m = message("delivery-13");
	struct send_result res;

	receiver_start(&r, "smtp.py", extra);
	c = client(&r, 0, SMTP_PASSWORD);
	mail_send(c, &m, &res);
	ck_assert(res.outcome == SEND_RETRY || res.outcome == SEND_REJECTED);
	ck_assert_msg(strstr(res.error, "STARTTLS"), "error: %s", res.error);
	usleep(300 * 1000);
	ck_assert_uint_eq(receiver_wait(&r, 0, 0), 0);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(header_injection_is_refused_without_connecting)
{
	struct receiver r;
	struct mail_client *c;
	struct mail_message m;
	struct send_result res;
	static const struct mail_attachment bad_name = { "a.csv\r\nX-Evil: 1", "text/csv", "x", 1 };
	static const struct {
		const char *field, *to, *to_name, *subject, *unsubscribe, *key;
	} cases[] = {
		{ "subject", NULL, NULL, "Hello\r\nBcc: victim@example.com", NULL, NULL },
		{ "subject", NULL, NULL, "Hello\nBcc: victim@example.com", NULL, NULL },
		{ "to_name", NULL, "张伟\r\nBcc: victim@example.com", NULL, NULL, NULL },
		{ "to", "zhang.wei@example.com\r\nBcc: victim@example.com", NULL, NULL, NULL,
		  NULL },
		{ "to", "not an address", NULL, NULL, NULL, NULL },
		{ "list_unsubscribe", NULL, NULL, NULL, "https://x.example/u>\r\nBcc: v@e.com",
		  NULL },
		{ "idempotency_key", NULL, NULL, NULL, NULL, "a b@c" },
	};

	receiver_start(&r, "smtp.py", NULL);
	c = client(&r, 0, SMTP_PASSWORD);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = message("delivery-14");
		if (cases[i].to)
			m.to = cases[i].to;
		if (cases[i].to_name)
			m.to_name = cases[i].to_name;
		if (cases[i].subject)
			m.subject = cases[i].subject;
		if (cases[i].unsubscribe)
			m.list_unsubscribe = cases[i].unsubscribe;
		if (cases[i].key)
			m.idempotency_key = cases[i].key;
		mail_send(c, &m, &res);
		ck_assert_int_eq(res.outcome, SEND_REJECTED);
		ck_assert_int_eq(res.http_status, 0);
		ck_assert_msg(strncmp(res.error, cases[i].field, strlen(cases[i].field)) == 0,
			      "case %zu: %s", i, res.error);
	}
	m = message("delivery-14");
	m.attachments = &bad_name;
	mail_send(c, &m, &res);
	ck_assert_int_eq(res.outcome, SEND_REJECTED);
	ck_assert_msg(strncmp(res.error, "attachments", 11) == 0, "%s", res.error);
	usleep(200 * 1000);
	ck_assert_uint_eq(receiver_wait(&r, 0, 0), 0);
	mail_client_free(c);
	receiver_stop(&r);
}
END_TEST

START_TEST(conf_errors_name_the_key)
{
	static const struct {
		const char *conf, *why;
	} cases[] = {
		{ "[]", "mail: must be an object" },
		{ "{\"username\": \"u\", \"password\": \"p\", \"from\": \"a@b.example\"}",
		  "url: required" },
		{ "{\"url\": \"http://mail.example:587\", \"username\": \"u\", \"password\": \"p\","
		  " \"from\": \"a@b.example\"}",
		  "url: must be" },
		{ "{\"url\": \"smtp://u:p@mail.example:587\", \"username\": \"u\","
		  " \"password\": \"p\", \"from\": \"a@b.example\"}",
		  "url: no credentials" },
		{ "{\"url\": 587, \"username\": \"u\", \"password\": \"p\", \"from\": "
		  "\"a@b.example\"}",
		  "url: must be a non-empty string" },
		{ "{\"url\": \"smtp://mail.example:587\", \"password\": \"p\", \"from\": "
		  "\"a@b.example\"}",
		  "username: required" },
		{ "{\"url\": \"smtp://mail.example:587\", \"username\": \"u\", \"from\": "
		  "\"a@b.example\"}",
		  "password or password_file: required" },
		{ "{\"url\": \"smtp://mail.example:587\", \"username\": \"u\","
		  " \"password_file\": \"/nonexistent/smtp-password\", \"from\": \"a@b.example\"}",
		  "password_file: cannot read /nonexistent/smtp-password" },
		{ "{\"url\": \"smtp://mail.example:587\", \"username\": \"u\", \"password\": "
		  "\"p\"}",
		  "from: required" },
		{ "{\"url\": \"smtp://mail.example:587\", \"username\": \"u\", \"password\": \"p\","
		  " \"from\": \"Field <a@b.example>\"}",
		  "from: must be an e-mail address" },
		{ "{\"url\": \"smtp://mail.example:587\", \"username\": \"u\", \"password\": \"p\","
		  " \"from\": \"a@b.example\", \"from_name\": \"A\\r\\nBcc: x@y.example\"}",
		  "from_name: one line" },
		{ "{\"url\": \"smtp://mail.example:587\", \"username\": \"u\", \"pasword\": \"p\","
		  " \"from\": \"a@b.example\"}",
		  "pasword: unknown key" },
	};
	char why[256];
	struct mail_client *c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *conf = json_loads(cases[i].conf, 0, NULL);

		ck_assert_ptr_nonnull(conf);
		why[0] = '\0';
		c = (struct mail_client *)1;
		ck_assert_int_eq(mail_client_new(conf, NULL, &c, why, sizeof(why)), ERR_INVALID);
		ck_assert_ptr_null(c);
		ck_assert_msg(strncmp(why, cases[i].why, strlen(cases[i].why)) == 0,
			      "case %zu: got \"%s\"", i, why);
		ck_assert_ptr_null(strstr(why, "\"p\""));
		json_decref(conf);
	}
}
END_TEST

START_TEST(password_from_a_file)
{
	char path[] = "/tmp/ft-smtp-password-XXXXXX", why[256] = "";
	struct receiver r;
	struct mail_client *c = NULL;
	struct mail_message m = message("delivery-15");
	struct send_result res;
	json_t *conf;
	int fd = mkstemp(path);
	char url[64];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, SMTP_PASSWORD "\n", sizeof(SMTP_PASSWORD)),
			 sizeof(SMTP_PASSWORD));
	close(fd);
	receiver_start(&r, "smtp.py", NULL);
	snprintf(url, sizeof(url), "smtp://localhost:%d", r.port);
	conf = json_pack("{s:s, s:s, s:s, s:s}", "url", url, "username", SMTP_USER, "password_file",
			 path, "from", "noreply@fieldtrace.example");
	ck_assert_int_eq(mail_client_new(conf, harness_ca_file(), &c, why, sizeof(why)), ERR_OK);
	json_decref(conf);
	mail_send(c, &m, &res);
	ck_assert_msg(res.outcome == SEND_OK, "outcome %d: %s", res.outcome, res.error);
	ck_assert_uint_eq(receiver_wait(&r, 1, 3000), 1);
	mail_client_free(c);
	receiver_stop(&r);
	unlink(path);
}
END_TEST

Suite *mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("mail");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, starttls_auth_and_a_chinese_mail_read_back_exactly);
	tcase_add_test(tc, text_and_html_without_attachments_is_multipart_alternative);
	tcase_add_test(tc, implicit_tls);
	tcase_add_test(tc, wrong_password_is_rejected_with_535_and_never_shown);
	tcase_add_test(tc, smtp_4xx_is_retry_5xx_is_rejected);
	tcase_add_test(tc, server_down_is_retry);
	tcase_add_test(tc, a_server_without_starttls_gets_nothing_in_clear);
	tcase_add_test(tc, header_injection_is_refused_without_connecting);
	tcase_add_test(tc, conf_errors_name_the_key);
	tcase_add_test(tc, password_from_a_file);
	suite_add_tcase(s, tc);
	return s;
}
