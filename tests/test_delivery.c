/* Notifications reach people (issue 18), through the real stack: events
 * make notifications, notifications make deliveries in the same
 * transaction, and each provider's lane sends them to a real local server
 * in its own process (an SMTP server, Aliyun's SMS API, the chat robots'
 * webhooks, FCM / APNs / JPush), which checks each request the way the
 * provider does. The lanes are driven here with a moved clock; the crash
 * test runs the server as its own process with the lanes' threads on. */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "domain/channels.h"
#include "domain/delivery.h"
#include "domain/notify.h"
#include "domain/qr.h"
#include "harness.h"
#include "jobs/scheduler.h"
#include "receiver.h"
#include "suites.h"

#define SMS_KEY_ID "LTAI5tDeliveryKey01"
#define SMS_SECRET "sms-secret-delivery-7Yq"
#define ROBOT_SECRET "SECrobot-delivery-secret"

static struct receiver smtp, sms, bots;
static char channels_path[300];

/* T0 = 2026-09-01T02:00:00Z (10:00 in Shanghai); the clock at T0 + offset.
 * Tests that send SMS start T0 at the real time instead: Aliyun refuses a
 * request whose timestamp is 15 minutes off its own clock. */
static int64_t t0, real_t0;

static void at(int64_t offset)
{
	if (real_t0)
		t0 = real_t0;
	else
		ck_assert_int_eq(clock_parse("2026-09-01T02:00:00Z", &t0), 0);
	clock_set_offset(t0 + offset - (int64_t)time(NULL));
}

static void tick(int64_t offset)
{
	at(offset);
	ck_assert_int_eq(scheduler_run_once(H.db, clock_now()), ERR_OK);
}

static struct lane_state lanes[LANE__COUNT];

/* Runs lane l until it has nothing due now; returns how many it handed
 * to the provider. */
static int drain(enum lane l)
{
	int total = 0, n;

	do {
		lanes[l].tokens = 100; /* the rate limit has its own test */
		ck_assert_int_eq(delivery_lane_run(H.db, l, &lanes[l], clock_now(), &n), ERR_OK);
		total += n;
	} while (n > 0 && total < 1000);
	return total;
}

static int lanes_interval_ms; /* 0: the tests drive the lanes */

static void use_channels(struct config *cfg)
{
	snprintf(cfg->channels_file, sizeof(cfg->channels_file), "%s", channels_path);
	snprintf(cfg->public_url, sizeof(cfg->public_url), "https://ops.example.cn");
	cfg->delivery_interval_ms = lanes_interval_ms;
}

/* Writes the channels file for the running receivers and restarts the
 * server with it. extra: more members of the file's object (JSON text
 * without braces), or "". */
static void start_channels(const char *extra)
{
	static const char *const sms_args[] = { "--access-key-id", SMS_KEY_ID, "--secret",
						SMS_SECRET, NULL };
	static const char *const bot_args[] = { "--secret", ROBOT_SECRET, NULL };
	FILE *f;

	memset(lanes, 0, sizeof(lanes));
	receiver_start(&smtp, "smtp.py", NULL);
	receiver_start(&sms, "aliyun_sms.py", sms_args);
	receiver_start(&bots, "robots.py", bot_args);
	snprintf(channels_path, sizeof(channels_path), "%s/channels.json", H.dir);
	f = fopen(channels_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"ca_file\": \"%s\",\n"
		" \"smtp\": {\"url\": \"smtp://localhost:%d\", \"username\":"
		" \"mailer@fieldtrace.example\", \"password\": \"s3cret-smtp-pass\","
		" \"from\": \"noreply@fieldtrace.example\", \"from_name\": \"现场服务\"},\n"
		" \"sms\": {\"access_key_id\": \"%s\", \"access_key_secret\": \"%s\","
		" \"sign_name\": \"现场服务\", \"endpoint\": \"%s\", \"templates\":"
		" {\"sla.escalation\": \"SMS_900001\", \"ticket.assigned\": \"SMS_900002\","
		" \"request.received\": \"SMS_900003\"}},\n"
		" \"robots\": [{\"name\": \"sz-ops\", \"provider\": \"dingtalk\", \"url\":"
		" \"%s/dingtalk/robot/send?access_token=sz\", \"secret\": \"%s\", \"centre\":"
		" \"C-SZ\"},\n"
		"   {\"name\": \"js-ops\", \"provider\": \"wecom\", \"url\":"
		" \"%s/wecom/send?key=js\", \"region\": \"JS\"}]%s%s}\n",
		harness_ca_file(), smtp.port, SMS_KEY_ID, SMS_SECRET, sms.url, bots.url,
		ROBOT_SECRET, bots.url, extra[0] ? ",\n" : "", extra);
	ck_assert_int_eq(fclose(f), 0);
	harness_restart_with(use_channels);
}

static void stop_channels(void)
{
	real_t0 = 0;
	receiver_stop(&smtp);
	receiver_stop(&sms);
	receiver_stop(&bots);
	clock_set_offset(0);
}

static void contact(const char *username, const char *email, const char *phone)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "UPDATE users SET email = '%s', phone = '%s' WHERE username = '%s'", email, phone,
		 username);
	exec_sql(sql);
}

/* notify_user in its own transaction, as a producer would; data is stolen. */
static void notify_now(int64_t user_id, const char *kind, json_t *data, const char *key)
{
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	ck_assert_int_eq(notify_user(H.db, user_id, kind, kind, data, key), ERR_OK);
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	json_decref(data);
}

/* 1 when the JSON text of doc contains needle. */
static int json_mentions(const json_t *doc, const char *needle)
{
	char *text = json_dumps(doc, 0);
	int found = text && strstr(text, needle) != NULL;

	free(text);
	return found;
}

static int64_t open_p1(const char *token)
{
	struct http_result r;
	int64_t id;

	ck_assert_int_eq(
	    http_send_json("POST", "/v1/tickets", token,
			   json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s}}", "channel",
				     "hotline", "category", "repair", "title", "母线失电 陈工",
				     "asset_id", 1, "impact", "site", "urgency", "high", "contact",
				     "name", "陈工", "phone", "13800000001"),
			   &r),
	    201);
	id = json_integer_value(json_object_get(r.json, "id"));
	http_result_free(&r);
	return id;
}

static int64_t deliveries(const char *where)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM deliveries WHERE %s", where);
	return count_rows(sql);
}

/* The acknowledgement token in the newest e-mail delivery to username. */
static void ack_token_of(const char *username, char out[64])
{
	char sql[256], *msg, *p;

	snprintf(sql, sizeof(sql),
		 "SELECT d.message FROM deliveries d JOIN users u ON u.id = d.user_id"
		 " WHERE u.username = '%s' AND d.channel = 'email' ORDER BY d.id DESC LIMIT 1",
		 username);
	msg = row_text(sql);
	ck_assert_ptr_nonnull(msg);
	p = strstr(msg, "ack?token=");
	ck_assert_ptr_nonnull(p);
	snprintf(out, 49, "%s", p + 10);
	free(msg);
}

static json_t *ack_with(const char *token, long want)
{
	struct http_result r;
	json_t *doc;

	ck_assert_int_eq(http_send_json("POST", "/v1/escalations/ack", NULL,
					json_pack("{s:s, s:s}", "token", token, "channel", "email"),
					&r),
			 want);
	doc = json_incref(r.json);
	http_result_free(&r);
	return doc;
}

START_TEST(escalation_climbs_by_channel_and_an_acknowledgement_stops_its_level)
{
	char *admin, *sup, token[64];
	json_t *doc, *mails, *texts;
	int64_t id;

	harness_seed_user("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	harness_seed_user("supervisor.gd", "supervisor", "GD", NULL);
	harness_seed_user("director", "admin", NULL, NULL);
	contact("supervisor.sz", "sz.manager@example.cn", "13900000001");
	contact("supervisor.gd", "gd.manager@example.cn", "13900000002");
	contact("director", "director@example.cn", "13900000003");
	harness_seed_sz_unit();
	start_channels("");
	real_t0 = time(NULL) - 3700; /* the SMS go out at T0 + 3700: now */
	at(0);
	admin = harness_user_token("root", "admin", NULL, NULL);
	id = open_p1(admin);
	tick(1850); /* response missed: level 1, in-app and push only */
	ck_assert_int_eq(deliveries("kind = 'sla.escalation' AND channel IN ('email', 'sms')"), 0);
	tick(2800); /* level 2 adds e-mail and, for a P1, SMS: to the regional manager and to
		     * the centre's manager, who had level 1 */
	ck_assert_int_eq(deliveries("kind = 'sla.escalation' AND channel = 'email' AND address ="
				    " 'gd.manager@example.cn' AND ack_key IS NOT NULL"),
			 1);
	ck_assert_int_eq(deliveries("kind = 'sla.escalation' AND channel = 'sms' AND address ="
				    " '13900000002'"),
			 1);
	ck_assert_int_eq(deliveries("kind = 'sla.escalation' AND channel = 'email' AND address ="
				    " 'sz.manager@example.cn'"),
			 1);
	ck_assert_int_eq(deliveries("kind = 'sla.escalation' AND channel = 'sms' AND address ="
				    " '13900000001'"),
			 1);
	/* The link in the mail acknowledges without a login; the level's
	 * deliveries not yet sent stop. */
	/* An integration subscribed to acknowledgements (an admin's endpoint). */
	exec_sql("INSERT INTO webhook_endpoints(url, secret, event_types, created_at, updated_at)"
		 " VALUES ('https://93.184.216.34/hook', 'secret',"
		 " '[\"ticket.escalation_acknowledged\"]', 0, 0)");
	ack_token_of("supervisor.gd", token);
	{
		char path[128];

		/* Opening the link only looks. */
		snprintf(path, sizeof(path), "/v1/escalations/ack?token=%s", token);
		doc = http_get_json(path, NULL, 200);
		ck_assert_int_eq(json_integer_value(json_object_get(doc, "level")), 2);
		ck_assert_str_eq(json_string_value(json_object_get(doc, "target")), "response");
		ck_assert(json_is_false(json_object_get(doc, "acknowledged")));
		json_decref(doc);
		ck_assert_int_eq(count_rows("SELECT count(*) FROM escalation_acks"), 0);
	}
	doc = ack_with(token, 200);
	ck_assert(json_is_true(json_object_get(doc, "first")));
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "level")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "cancelled_deliveries")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "ticket_id")), id);
	json_decref(doc);
	doc = ack_with(token, 200); /* again: recorded once, says who was first */
	ck_assert(json_is_false(json_object_get(doc, "first")));
	json_decref(doc);
	{
		char path[128];

		snprintf(path, sizeof(path), "/v1/escalations/ack?token=%s", token);
		doc = http_get_json(path, NULL, 200);
		ck_assert(json_is_true(json_object_get(doc, "acknowledged")));
		ck_assert_int_eq(json_integer_value(json_object_get(doc, "acknowledged_by")),
				 harness_user_id("supervisor.gd"));
		json_decref(doc);
	}
	ck_assert_int_eq(deliveries("status = 'cancelled'"), 4);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM escalation_acks"), 1);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM webhook_deliveries WHERE event_type ="
		       " 'ticket.escalation_acknowledged' AND payload LIKE '%\"level\":2%'"),
	    1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action ="
				    " 'escalation_acknowledged'"),
			 1);
	ck_assert_int_eq(drain(LANE_SMTP), 0);
	/* Level 3 is a new step: the admins (the director and root) and the
	 * two managers again, sent for real (every seeded user has a phone;
	 * root no e-mail address). */
	tick(3700);
	ck_assert_int_eq(drain(LANE_SMTP), 3);
	ck_assert_int_eq(drain(LANE_ALIYUN), 4);
	ck_assert_int_eq(deliveries("status = 'sent' AND provider_ref IS NOT NULL"), 7);
	ck_assert_int_eq((long)receiver_wait(&smtp, 3, 5000), 3);
	mails = receiver_requests(&smtp);
	doc = NULL;
	for (size_t i = 0; i < 3; i++)
		if (strcmp(json_string_value(json_array_get(
			       json_object_get(json_array_get(mails, i), "rcpt_tos"), 0)),
			   "director@example.cn") == 0)
			doc = json_array_get(mails, i);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_is_true(json_object_get(doc, "ok")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(doc, "rcpt_tos"), 0)),
			 "director@example.cn");
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(jpath(doc, "headers", "Subject", NULL)), "已升级"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(doc, "text")),
				     "https://ops.example.cn/console/ack?token="));
	ck_assert_ptr_nonnull(json_string_value(jpath(doc, "headers", "List-Unsubscribe", NULL)));
	/* No customer personal data in what left: not the contact's name
	 * or phone, not the ticket's title. */
	ck_assert(!json_mentions(doc, "陈工"));
	json_decref(mails);
	texts = receiver_requests(&sms);
	ck_assert_int_eq(asize(texts), 4);
	for (size_t i = 0; i < 4; i++) {
		doc = json_array_get(texts, i);
		ck_assert(json_is_true(json_object_get(doc, "ok")));
		ck_assert_str_eq(json_string_value(jpath(doc, "params", "TemplateCode", NULL)),
				 "SMS_900001");
		ck_assert_ptr_null(strstr(
		    json_string_value(jpath(doc, "params", "TemplateParam", NULL)), "13800000001"));
	}
	{
		int director = 0;

		for (size_t i = 0; i < 4; i++)
			director += strcmp(json_string_value(jpath(json_array_get(texts, i),
								   "params", "PhoneNumbers", NULL)),
					   "13900000003") == 0;
		ck_assert_int_eq(director, 1);
	}
	json_decref(texts);
	/* The app acknowledges the highest open level for a signed-in person
	 * who can see the ticket. */
	sup = harness_login("supervisor.gd");
	{
		char path[64];
		struct http_result r;

		snprintf(path, sizeof(path), "/v1/tickets/%lld/acknowledge", (long long)id);
		ck_assert_int_eq(http_send_json("POST", path, sup, NULL, &r), 200);
		ck_assert_int_eq(json_integer_value(json_object_get(r.json, "level")), 3);
		ck_assert(json_is_true(json_object_get(r.json, "first")));
		http_result_free(&r);
		/* Level 1 is still open: a second call acknowledges it. */
		ck_assert_int_eq(http_send_json("POST", path, sup, NULL, &r), 200);
		ck_assert_int_eq(json_integer_value(json_object_get(r.json, "level")), 1);
		http_result_free(&r);
		ck_assert_int_eq(http_send_json("POST", path, sup, NULL, &r), 409);
		assert_problem(&r, 409, NULL);
		http_result_free(&r);
	}
	free(sup);
	free(admin);
	stop_channels();
}
END_TEST

START_TEST(acknowledgement_links_refuse_what_they_do_not_know)
{
	json_t *doc;
	struct http_result r;

	doc = ack_with("00112233445566778899aabbccddeeff0011223344556677", 404);
	json_decref(doc);
	doc = http_get_json(
	    "/v1/escalations/ack?token=00112233445566778899aabbccddeeff0011223344556677", NULL,
	    404);
	json_decref(doc);
	ck_assert_int_eq(http_get("/v1/escalations/ack", NULL, &r), 400);
	assert_problem(&r, 400, "token");
	http_result_free(&r);
	http_expect_invalid("POST", "/v1/escalations/ack", NULL, "{}", "/token");
	http_expect_invalid("POST", "/v1/escalations/ack", NULL, "{\"token\": 7}", "/token");
	http_expect_invalid("POST", "/v1/escalations/ack", NULL,
			    "{\"token\": \"ab\", \"channel\": \"fax\"}", "/channel");
	{
		char *sup = harness_user_token("sup", "supervisor", "SZ", NULL);

		ck_assert_int_eq(
		    http_send_json("POST", "/v1/tickets/99999/acknowledge", sup, NULL, &r), 404);
		http_result_free(&r);
		free(sup);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM escalation_acks"), 0);
}
END_TEST

static json_t *settings(const char *token)
{
	return http_get_json("/v1/me/notification-settings", token, 200);
}

START_TEST(settings_default_by_role_and_refuse_bad_input_naming_the_field)
{
	char *sales = harness_user_token("sales.sz", "sales", "SZ", NULL);
	char *tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	static const struct {
		const char *body, *pointer;
	} bad[] = {
		{ "{\"language\": \"fr\"}", "/language" },
		{ "{\"time_zone\": \"Mars/Olympus\"}", "/time_zone" },
		{ "{\"time_zone\": \"../../etc/passwd\"}", "/time_zone" },
		{ "{\"quiet_hours\": {\"start\": \"25:00\", \"end\": \"07:00\"}}",
		  "/quiet_hours/start" },
		{ "{\"quiet_hours\": {\"start\": \"22:00\", \"end\": \"7\"}}", "/quiet_hours/end" },
		{ "{\"quiet_hours\": {\"start\": \"22:00\", \"end\": \"22:00\"}}",
		  "/quiet_hours/end" },
		{ "{\"quiet_hours\": \"night\"}", "/quiet_hours" },
		{ "{\"email\": \"not an address\"}", "/email" },
		{ "{\"email\": \"a@b.cn\\r\\nBcc: x@y.cn\"}", "/email" },
		{ "{\"digest\": \"hourly\"}", "/digest" },
		{ "{\"channels\": {\"ticket.exploded\": {\"push\": true}}}",
		  "/channels/ticket.exploded" },
		{ "{\"channels\": {\"sla.warning\": {\"fax\": true}}}",
		  "/channels/sla.warning/fax" },
		{ "{\"channels\": {\"sla.warning\": {\"sms\": \"yes\"}}}",
		  "/channels/sla.warning/sms" },
		{ "{\"favourite_colour\": \"red\"}", "/favourite_colour" },
		{ "{\"language\": \"en\", \"digest\": \"hourly\"}", "/digest" },
	};
	json_t *doc;

	doc = settings(sales);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "language")), "zh");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "time_zone")), "Asia/Shanghai");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "digest")), "weekly");
	ck_assert(json_is_null(json_object_get(doc, "quiet_hours")));
	json_decref(doc);
	doc = settings(tech);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "digest")), "off");
	ck_assert(json_is_true(jpath(doc, "channels", "ticket.assigned", "push", NULL)));
	ck_assert(json_is_false(jpath(doc, "channels", "ticket.assigned", "sms", NULL)));
	json_decref(doc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		http_expect_invalid("PATCH", "/v1/me/notification-settings", tech, bad[i].body,
				    bad[i].pointer);
	/* Nothing of a refused body was kept, not even its good part. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notification_settings"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM notification_prefs"), 0);
	http_expect("PATCH", "/v1/me/notification-settings", tech,
		    "{\"language\": \"en\", \"time_zone\": \"Europe/Berlin\", \"quiet_hours\":"
		    " {\"start\": \"22:30\", \"end\": \"06:45\"}, \"email\": \"tech@example.cn\","
		    " \"channels\": {\"ticket.assigned\": {\"sms\": true, \"push\": false}}}",
		    200);
	doc = settings(tech);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "language")), "en");
	ck_assert_str_eq(json_string_value(jpath(doc, "quiet_hours", "start", NULL)), "22:30");
	ck_assert_str_eq(json_string_value(jpath(doc, "quiet_hours", "end", NULL)), "06:45");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "email")), "tech@example.cn");
	ck_assert(json_is_true(jpath(doc, "channels", "ticket.assigned", "sms", NULL)));
	ck_assert(json_is_false(jpath(doc, "channels", "ticket.assigned", "push", NULL)));
	ck_assert(json_is_true(jpath(doc, "defaults", "ticket.assigned", "push", NULL)));
	/* Only the person's own choices are listed as chosen. */
	ck_assert(json_is_true(jpath(doc, "chosen", "ticket.assigned", "sms", NULL)));
	ck_assert(json_is_false(jpath(doc, "chosen", "ticket.assigned", "push", NULL)));
	ck_assert_ptr_null(jpath(doc, "chosen", "sla.warning", NULL));
	ck_assert_str_eq(json_string_value(json_object_get(doc, "digest_default")), "off");
	json_decref(doc);
	/* null: back to the role's default; other choices stay. */
	http_expect(
	    "PATCH", "/v1/me/notification-settings", tech,
	    "{\"quiet_hours\": null, \"channels\": {\"ticket.assigned\": {\"push\": null}}}", 200);
	doc = settings(tech);
	ck_assert(json_is_null(json_object_get(doc, "quiet_hours")));
	ck_assert(json_is_true(jpath(doc, "channels", "ticket.assigned", "push", NULL)));
	ck_assert(json_is_true(jpath(doc, "channels", "ticket.assigned", "sms", NULL)));
	json_decref(doc);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'notification_settings.update'"),
			 2);
	free(sales);
	free(tech);
}
END_TEST

/* Quiet hours hold back what can wait, in the person's own time zone;
 * escalations and P1 work go out at once. */
START_TEST(quiet_hours_defer_what_can_wait_and_language_picks_the_words)
{
	int64_t sup = harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	char *token;
	int64_t next;
	char *msg;

	contact("supervisor.sz", "sz.manager@example.cn", "13900000001");
	start_channels("");
	at(0); /* 10:00 in Shanghai, 04:00 in Berlin */
	token = harness_login("supervisor.sz");
	http_expect("PATCH", "/v1/me/notification-settings", token,
		    "{\"language\": \"en\", \"time_zone\": \"Europe/Berlin\", \"quiet_hours\":"
		    " {\"start\": \"22:00\", \"end\": \"07:00\"}}",
		    200);
	notify_now(sup, "problem.opened", json_pack("{s:s}", "number", "PRB-1"), "q1");
	next = count_rows("SELECT next_attempt_at FROM deliveries WHERE kind = 'problem.opened'");
	/* 04:00 Berlin (summer time, UTC+2) to 07:00: three hours. */
	ck_assert_int_eq(next, t0 + 3 * 3600); /* 07:00 sharp */
	ck_assert_int_eq(drain(LANE_SMTP), 0);
	msg = row_text("SELECT message FROM deliveries WHERE kind = 'problem.opened'");
	ck_assert_ptr_nonnull(strstr(msg, "Recurring problem PRB-1"));
	free(msg);
	at(3 * 3600);
	ck_assert_int_eq(drain(LANE_SMTP), 1);
	free(token);
	stop_channels();
}
END_TEST

/* A provider failing: retries back off with jitter up to the dead-letter
 * state with the provider's error; five failures in a row pause that lane
 * only; an admin retries a dead one by hand; everyone sees their own. */
START_TEST(retries_back_off_to_dead_and_the_breaker_pauses_only_that_provider)
{
	int64_t sup = harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	char *admin = harness_user_token("root", "admin", NULL, NULL), *mine, *other;
	char answers[4096] = "[";
	json_t *doc, *list;
	int64_t id, prev_next = 0;

	contact("supervisor.sz", "sz.manager@example.cn", "13900000001");
	start_channels("");
	for (int i = 0; i < 40; i++)
		strcat(answers, i ? ", {\"smtp\": \"451 4.3.0 Try again later\"}"
				  : "{\"smtp\": \"451 4.3.0 Try again later\"}");
	strcat(answers, "]");
	receiver_script(&smtp, answers);
	at(0);
	notify_now(sup, "problem.opened", json_pack("{s:s}", "number", "PRB-2"), "r1");
	id = count_rows("SELECT id FROM deliveries");
	for (int attempt = 1; attempt <= DELIVERY_MAX_ATTEMPTS; attempt++) {
		int64_t next, wait;

		lanes[LANE_SMTP].open_until = 0; /* the breaker has its own part below */
		ck_assert_int_eq(drain(LANE_SMTP), 1);
		ck_assert_int_eq(count_rows("SELECT attempts FROM deliveries"), attempt);
		if (attempt == DELIVERY_MAX_ATTEMPTS)
			break;
		next = count_rows("SELECT next_attempt_at FROM deliveries");
		wait = next - clock_now();
		ck_assert_int_le(wait, delivery_backoff(attempt));
		ck_assert_int_ge(wait, delivery_backoff(attempt) / 2);
		ck_assert_int_ge(next, prev_next);
		prev_next = next;
		clock_set_offset(next - (int64_t)time(NULL));
	}
	ck_assert_int_eq(deliveries("status = 'dead' AND last_error LIKE '451%'"), 1);
	/* Everyone sees their own; admins anyone's; others are refused. */
	mine = harness_login("supervisor.sz");
	other = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	list = http_get_json("/v1/deliveries?status=dead", mine, 200);
	ck_assert_int_eq(asize(json_object_get(list, "items")), 1);
	doc = json_array_get(json_object_get(list, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "channel")), "email");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "attempts")),
			 DELIVERY_MAX_ATTEMPTS);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(doc, "last_error")), "451"));
	json_decref(list);
	list = http_get_json("/v1/deliveries", other, 200);
	ck_assert_int_eq(asize(json_object_get(list, "items")), 0);
	json_decref(list);
	{
		char path[96];
		struct http_result r;

		snprintf(path, sizeof(path), "/v1/deliveries?user_id=%lld", (long long)sup);
		ck_assert_int_eq(http_get(path, other, &r), 403);
		http_result_free(&r);
		list = http_get_json(path, admin, 200);
		ck_assert_int_eq(asize(json_object_get(list, "items")), 1);
		json_decref(list);
		snprintf(path, sizeof(path), "/v1/deliveries/%lld", (long long)id);
		ck_assert_int_eq(http_get(path, other, &r), 404);
		http_result_free(&r);
		snprintf(path, sizeof(path), "/v1/deliveries/%lld/retry", (long long)id);
		ck_assert_int_eq(http_send_json("POST", path, mine, NULL, &r), 403);
		http_result_free(&r);
		ck_assert_int_eq(http_send_json("POST", path, admin, NULL, &r), 200);
		ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "pending");
		http_result_free(&r);
		ck_assert_int_eq(http_send_json("POST", path, admin, NULL, &r), 409);
		http_result_free(&r);
	}
	for (const char *const *q =
		 (const char *const[]){ "status=lost", "channel=fax", "user_id=abc",
					"notification_id=0", NULL };
	     *q; q++) {
		char path[96];
		struct http_result r;

		snprintf(path, sizeof(path), "/v1/deliveries?%s", *q);
		ck_assert_int_eq(http_get(path, admin, &r), 400);
		http_result_free(&r);
	}
	/* The breaker: five failures in a row pause SMTP, not SMS (which
	 * this person chose for escalations of any priority). */
	memset(&lanes[LANE_SMTP], 0, sizeof(lanes[LANE_SMTP]));
	http_expect("PATCH", "/v1/me/notification-settings", mine,
		    "{\"channels\": {\"sla.escalation\": {\"sms\": true}}}", 200);
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	for (int i = 0; i < 6; i++) {
		char key[16];

		snprintf(key, sizeof(key), "b%d", i);
		json_t *data =
		    json_pack("{s:s, s:i, s:s}", "number", "T-1", "level", 2, "target", "response");

		ck_assert_int_eq(notify_user(H.db, sup, "sla.escalation", "escalated", data, key),
				 ERR_OK);
		json_decref(data);
	}
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	ck_assert_int_eq(drain(LANE_SMTP), BREAKER_FAILURES);
	ck_assert(delivery_breaker_open(LANE_SMTP));
	ck_assert(!delivery_breaker_open(LANE_ALIYUN));
	list = http_get_json("/v1/notification-channels", admin, 200);
	for (size_t i = 0; i < json_array_size(json_object_get(list, "lanes")); i++) {
		json_t *l = json_array_get(json_object_get(list, "lanes"), i);
		const char *p = json_string_value(json_object_get(l, "provider"));

		if (strcmp(p, "smtp") == 0)
			ck_assert(json_is_true(json_object_get(l, "paused")));
		if (strcmp(p, "aliyun") == 0)
			ck_assert(json_is_false(json_object_get(l, "paused")));
	}
	/* Robots are listed without their URL or secret. */
	ck_assert(!json_mentions(list, "access_token"));
	ck_assert(!json_mentions(list, ROBOT_SECRET));
	json_decref(list);
	ck_assert_int_eq(drain(LANE_ALIYUN), 6);
	/* While paused, nothing is claimed and no attempt is spent. */
	ck_assert_int_eq(drain(LANE_SMTP), 0);
	free(mine);
	free(other);
	free(admin);
	stop_channels();
}
END_TEST

START_TEST(metrics_count_deliveries_by_channel)
{
	int64_t sup = harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);
	struct http_result r;

	contact("supervisor.sz", "sz.manager@example.cn", "13900000001");
	start_channels("");
	at(0);
	notify_now(sup, "sla.escalation",
		   json_pack("{s:s, s:i, s:s}", "number", "T-2", "level", 2, "target", "arrival"),
		   "m1");
	ck_assert_int_eq(drain(LANE_SMTP), 1);
	ck_assert_int_eq(http_get("/metrics", NULL, &r), 200);
	ck_assert_ptr_nonnull(
	    strstr(r.body, "fieldtrace_deliveries_sent_total{channel=\"email\"}"));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "fieldtrace_delivery_latency_seconds_bucket{channel=\"email\""));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "fieldtrace_deliveries{channel=\"email\",status=\"sent\"} 1"));
	http_result_free(&r);
	stop_channels();
}
END_TEST

/* A channels file that is wrong stops the server from starting, naming
 * the key; it is never half-loaded. */
START_TEST(a_bad_channels_file_names_the_key)
{
	char why[256] = "", path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bad.json", H.dir);
	f = fopen(path, "w");
	fputs("{\"smtp\": {\"url\": \"smtp://localhost:25\"}}", f);
	fclose(f);
	ck_assert_int_eq(channels_load(path, why, sizeof(why)), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "smtp: username"));
	ck_assert(!channels_lane_on(LANE_SMTP));
	f = fopen(path, "w");
	fputs("{\"rate_per_s\": {\"pigeon\": 3}}", f);
	fclose(f);
	ck_assert_int_eq(channels_load(path, why, sizeof(why)), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "rate_per_s.pigeon"));
	ck_assert_int_eq(channels_load("/nonexistent/channels.json", why, sizeof(why)),
			 ERR_INVALID);
	channels_unload();
}
END_TEST

/* Group chats: a new P1 goes to its centre's robot at once (signed as
 * DingTalk wants), warnings and escalations too; another region's robot
 * hears nothing of it. */
START_TEST(robots_post_their_centres_p1_requests_and_escalations)
{
	char *disp;
	json_t *all, *one, *body;
	size_t i;

	harness_seed_sz_unit();
	start_channels("");
	real_t0 = time(NULL) - 3700;
	at(0);
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	/* The clock runs near real time (DingTalk's signature timestamp must),
	 * so it may cross 08:00 China time: the daily board summary has its own
	 * test and is marked done here. */
	exec_sql("INSERT INTO robot_summaries (robot, day, sent_at)"
		 " SELECT r.column1, d.column1, 0"
		 " FROM (VALUES ('sz-ops'), ('js-ops')) r,"
		 " (VALUES (date('now', '+8 hours')), (date('now', '+8 hours', '-1 day'))) d");
	open_p1(disp);
	ck_assert_int_eq(deliveries("channel = 'chat' AND kind = 'ticket.created' AND address ="
				    " 'sz-ops'"),
			 1);
	ck_assert_int_eq(deliveries("address = 'js-ops'"), 0);
	tick(1850); /* warnings and level 1 */
	ck_assert_int_ge(deliveries("address = 'sz-ops' AND kind = 'sla.escalation'"), 1);
	ck_assert_int_ge(deliveries("address = 'sz-ops' AND kind = 'sla.warning'"), 1);
	at(3700);
	ck_assert_int_eq(drain(LANE_DINGTALK), (int)deliveries("address = 'sz-ops'"));
	ck_assert_int_eq(drain(LANE_WECOM), 0);
	ck_assert_int_eq(deliveries("channel = 'chat' AND status = 'sent'"),
			 deliveries("channel = 'chat'"));
	all = receiver_requests(&bots);
	ck_assert_int_eq(asize(all), deliveries("channel = 'chat'"));
	json_array_foreach(all, i, one) {
		char *text;

		ck_assert(json_is_true(json_object_get(one, "ok")));
		body = json_loads(json_string_value(json_object_get(one, "body")), 0, NULL);
		ck_assert_str_eq(json_string_value(json_object_get(body, "msgtype")), "markdown");
		text = json_dumps(body, 0);
		ck_assert_ptr_null(strstr(text, "陈工"));
		ck_assert_ptr_null(strstr(text, "13800000001"));
		free(text);
		json_decref(body);
	}
	json_decref(all);
	free(disp);
	stop_channels();
}
END_TEST

/* Where e-mail goes: an admin gives a user's address (or the person in
 * their settings); a bad one is refused naming the field. */
START_TEST(users_carry_an_email_address)
{
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	struct http_result r;
	json_t *doc;
	char path[48];

	ck_assert_int_eq(
	    http_send_json("POST", "/v1/users", admin,
			   json_pack("{s:s, s:s, s:s, s:s, s:s}", "username", "mgr.sz", "password",
				     "a long enough passphrase 42", "role", "supervisor", "region",
				     "SZ", "email", "mgr.sz@example.cn"),
			   &r),
	    201);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "email")), "mgr.sz@example.cn");
	snprintf(path, sizeof(path), "/v1/users/%lld",
		 (long long)json_integer_value(json_object_get(r.json, "id")));
	http_result_free(&r);
	http_expect_invalid("PATCH", path, admin, "{\"email\": \"mgr at example\"}", "/email");
	http_expect_invalid("POST", "/v1/users", admin,
			    "{\"username\": \"x.y\", \"password\": \"a long enough passphrase 42\","
			    " \"role\": \"sales\", \"email\": \"a@b\"}",
			    "/email");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users WHERE username = 'x.y'"), 0);
	http_expect("PATCH", path, admin, "{\"email\": \"\"}", 200);
	doc = http_get_json(path, admin, 200);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "email")), "");
	json_decref(doc);
	free(admin);
}
END_TEST

/* The warranty e-mail digest: once per period, in the person's time zone,
 * with a CSV of the units attached; weekly ones wait for Monday. */
START_TEST(sales_get_their_warranty_digest_by_email_with_a_csv)
{
	int64_t sales = harness_seed_user("sales.sz", "sales", "SZ", NULL);
	char sql[1024], *token;
	json_t *all, *mail, *att;
	const char *csv;

	harness_seed_sz_unit();
	contact("sales.sz", "sales.sz@example.cn", "13900000009");
	snprintf(sql, sizeof(sql),
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " sales_owner_id, warranty_end, created_at, updated_at) VALUES"
		 " (2, 'SN-0002', 1, 1, 1, '/CN/GD/SZ/', %lld, '2026-09-20', 0, 0),"
		 " (3, 'SN-0003', 1, 1, 1, '/CN/GD/SZ/', %lld, '2026-11-15', 0, 0),"
		 " (4, 'SN-0004', 1, 1, 1, '/CN/GD/SZ/', %lld, '2027-06-01', 0, 0);",
		 (long long)sales, (long long)sales, (long long)sales);
	exec_sql(sql);
	start_channels("");
	tick(0); /* Tuesday 10:00 in Shanghai: the weekly digest waits */
	ck_assert_int_eq(deliveries("kind = 'warranty.digest' AND channel = 'email'"), 0);
	token = harness_login("sales.sz");
	http_expect("PATCH", "/v1/me/notification-settings", token, "{\"digest\": \"daily\"}", 200);
	tick(60);
	tick(120); /* once a day */
	ck_assert_int_eq(deliveries("kind = 'warranty.digest' AND channel = 'email'"), 1);
	ck_assert_int_eq(drain(LANE_SMTP), 1);
	ck_assert_int_eq((long)receiver_wait(&smtp, 1, 5000), 1);
	all = receiver_requests(&smtp);
	mail = json_array_get(all, 0);
	ck_assert(json_is_true(json_object_get(mail, "ok")));
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(jpath(mail, "headers", "Subject", NULL)), "2 台设备"));
	att = json_array_get(json_object_get(mail, "attachments"), 0);
	ck_assert_ptr_nonnull(att);
	ck_assert_str_eq(json_string_value(json_object_get(att, "filename")),
			 "warranty-2026-09-01.csv");
	csv = json_string_value(json_object_get(att, "data"));
	ck_assert_ptr_nonnull(strstr(csv, "SN-0002"));
	ck_assert_ptr_nonnull(strstr(csv, "SN-0003"));
	ck_assert_ptr_null(strstr(csv, "SN-0004")); /* beyond 90 days */
	ck_assert_ptr_nonnull(strstr(csv, "https://ops.example.cn/console/assets/2"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(mail, "html")),
				     "https://ops.example.cn/console/warranty"));
	json_decref(all);
	tick(86400 + 60); /* the next day: another */
	ck_assert_int_eq(deliveries("kind = 'warranty.digest' AND channel = 'email'"), 2);
	free(token);
	token = harness_login("sales.sz"); /* a day later: a new access token */
	http_expect("PATCH", "/v1/me/notification-settings", token, "{\"digest\": \"off\"}", 200);
	tick(2 * 86400 + 60);
	ck_assert_int_eq(deliveries("kind = 'warranty.digest' AND channel = 'email'"), 2);
	free(token);
	stop_channels();
}
END_TEST

/* Each group's board in numbers once a day, after 08:00 China time. */
START_TEST(robots_post_a_daily_board_summary_once)
{
	char *disp, *text;

	harness_seed_sz_unit();
	start_channels("");
	at(-4 * 3600); /* 06:00 in Shanghai */
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	open_p1(disp);
	tick(-4 * 3600 + 60);
	ck_assert_int_eq(deliveries("kind = 'board.summary'"), 0);
	tick(0);
	tick(600);
	ck_assert_int_eq(deliveries("kind = 'board.summary'"), 2); /* sz-ops and js-ops */
	text = row_text("SELECT message FROM deliveries WHERE kind = 'board.summary'"
			" AND address = 'sz-ops'");
	ck_assert_ptr_nonnull(strstr(text, "未完成 1 单"));
	ck_assert_ptr_nonnull(strstr(text, "P1 1"));
	free(text);
	text = row_text("SELECT message FROM deliveries WHERE kind = 'board.summary'"
			" AND address = 'js-ops'");
	ck_assert_ptr_nonnull(strstr(text, "未完成 0 单"));
	free(text);
	free(disp);
	stop_channels();
}
END_TEST

/* The operators' set-up help: a channels file checked as serve loads it,
 * and one real message sent through a provider from the command line. */
START_TEST(the_channels_command_checks_a_file_and_sends_a_test)
{
	char cmd[1024];
	json_t *all;

	start_channels("");
	snprintf(cmd, sizeof(cmd), "%s channels check %s > %s/check.out", harness_bin(),
		 channels_path, H.dir);
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "grep -q 'smtp .*configured' %s/check.out", H.dir);
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s channels test %s --email ops@example.cn > /dev/null",
		 harness_bin(), channels_path);
	ck_assert_int_eq(harness_run(cmd), 0);
	ck_assert_int_eq((long)receiver_wait(&smtp, 1, 5000), 1);
	all = receiver_requests(&smtp);
	ck_assert(json_is_true(json_object_get(json_array_get(all, 0), "ok")));
	json_decref(all);
	snprintf(cmd, sizeof(cmd), "%s channels test %s --robot sz-ops > /dev/null", harness_bin(),
		 channels_path);
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s channels test %s --robot nobody 2> /dev/null", harness_bin(),
		 channels_path);
	ck_assert_int_ne(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s channels check /nonexistent.json 2> /dev/null",
		 harness_bin());
	ck_assert_int_ne(harness_run(cmd), 0);
	stop_channels();
}
END_TEST

/* The server's own lane threads send what is committed, each provider on
 * its own, with no test driving them. */
START_TEST(the_lanes_send_in_the_background)
{
	int64_t sup = harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);

	contact("supervisor.sz", "sz.manager@example.cn", "13900000001");
	exec_sql(
	    "INSERT INTO notification_prefs(user_id, kind, channel, enabled)"
	    " SELECT id, 'sla.escalation', 'sms', 1 FROM users WHERE username = 'supervisor.sz'");
	lanes_interval_ms = 50;
	start_channels("");
	lanes_interval_ms = 0;
	real_t0 = time(NULL);
	at(0);
	for (int i = 0; i < 3; i++) {
		char key[16];

		snprintf(key, sizeof(key), "l%d", i);
		notify_now(
		    sup, "sla.escalation",
		    json_pack("{s:s, s:i, s:s}", "number", key, "level", 2, "target", "response"),
		    key);
	}
	ck_assert_int_eq(deliveries("channel IN ('email', 'sms')"), 6);
	for (int waited = 0; waited < 10000 && deliveries("status = 'sent'") < 6; waited += 100)
		usleep(100 * 1000);
	ck_assert_int_eq(deliveries("status = 'sent'"), 6);
	ck_assert_int_eq((long)receiver_wait(&smtp, 3, 5000), 3);
	ck_assert_int_eq((long)receiver_wait(&sms, 3, 5000), 3);
	stop_channels();
}
END_TEST

/* A group may take 20 messages a minute: the 21st waits for the next
 * minute, and another group's messages do not wait behind it. */
START_TEST(each_robot_posts_at_most_twenty_a_minute)
{
	char *disp;
	int64_t id;

	harness_seed_sz_unit();
	start_channels("");
	real_t0 = time(NULL);
	at(0);
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	id = open_p1(disp);
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	for (int i = 0; i < 24; i++) {
		json_t *data =
		    json_pack("{s:I, s:s}", "ticket_id", (json_int_t)id, "number", "T-1");

		ck_assert_int_eq(
		    delivery_fanout_robots(H.db, "ticket.created", id, data, clock_now()), ERR_OK);
		json_decref(data);
	}
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	ck_assert_int_eq(deliveries("address = 'sz-ops'"), 25);
	ck_assert_int_eq(drain(LANE_DINGTALK), 20);
	ck_assert_int_eq(deliveries("address = 'sz-ops' AND status = 'sent'"), 20);
	ck_assert_int_eq(deliveries("address = 'sz-ops' AND status = 'pending' AND attempts = 0"),
			 5);
	ck_assert_int_ge(count_rows("SELECT min(next_attempt_at) FROM deliveries WHERE status ="
				    " 'pending'"),
			 clock_now() + 1);
	free(disp);
	stop_channels();
}
END_TEST

/* After 30 days a finished delivery keeps its state, not what it said
 * (an e-mail body, an acknowledgement link); expired tokens go. */
START_TEST(finished_deliveries_forget_their_text_after_thirty_days)
{
	int64_t sup = harness_seed_user("supervisor.sz", "supervisor", "SZ", NULL);

	contact("supervisor.sz", "sz.manager@example.cn", "13900000001");
	start_channels("");
	at(0);
	notify_now(sup, "problem.opened", json_pack("{s:s}", "number", "PRB-9"), "p9");
	ck_assert_int_eq(drain(LANE_SMTP), 1);
	tick(10 * 86400);
	ck_assert_int_eq(deliveries("kind = 'problem.opened' AND message != '{}'"), 1);
	tick(31 * 86400);
	ck_assert_int_eq(
	    deliveries("kind = 'problem.opened' AND message = '{}' AND status = 'sent'"), 1);
	stop_channels();
}
END_TEST

/* A customer who reports from the nameplate page gets the tracking link
 * by SMS (issue 19), through the same outbox. */
START_TEST(a_customer_gets_the_tracking_link_by_sms)
{
	char code[QR_CODE_MAX], path[160];
	struct http_result r;
	json_t *texts;
	const char *param;

	harness_seed_sz_unit();
	exec_sql("INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (1, 1, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0)");
	ck_assert_int_eq(qr_label_code(H.db, 1, code), ERR_OK);
	start_channels("");
	real_t0 = time(NULL);
	at(0);
	snprintf(path, sizeof(path), "/id/%s/report", code);
	ck_assert_int_eq(
	    http_json("POST", path, NULL,
		      "{\"category\": \"fault_repair\", \"description\": \"Alarm E-07\","
		      " \"contact_name\": \"王先生\", \"contact_phone\": \"13912345678\"}",
		      &r),
	    201);
	http_result_free(&r);
	ck_assert_int_eq(deliveries("kind = 'request.received' AND channel = 'sms' AND address ="
				    " '13912345678' AND user_id IS NULL"),
			 1);
	ck_assert_int_eq(drain(LANE_ALIYUN), 1);
	texts = receiver_requests(&sms);
	ck_assert_int_eq(asize(texts), 1);
	ck_assert(json_is_true(json_object_get(json_array_get(texts, 0), "ok")));
	ck_assert_str_eq(
	    json_string_value(jpath(json_array_get(texts, 0), "params", "TemplateCode", NULL)),
	    "SMS_900003");
	param = json_string_value(jpath(json_array_get(texts, 0), "params", "TemplateParam", NULL));
	ck_assert_ptr_nonnull(strstr(param, "https://ops.example.cn/track/"));
	json_decref(texts);
	stop_channels();
}
END_TEST

/* ---- push through the stack ------------------------------------------------- */

#define JPUSH_KEY "4f7aeb2c0a1b2c3d4e5f6a7b"
#define JPUSH_SECRET "master-secret-delivery-55"
#define JPUSH_TOKEN "1a0018970af3f4e3c2d"

static struct receiver jpush;

static void start_with_jpush(void)
{
	static const char *const args[] = { "--app-key", JPUSH_KEY, "--master-secret", JPUSH_SECRET,
					    NULL };
	char extra[512];

	receiver_start(&jpush, "jpush.py", args);
	snprintf(extra, sizeof(extra),
		 "\"jpush\": {\"app_key\": \"%s\", \"master_secret\": \"%s\", \"endpoint\": \"%s\","
		 " \"apns_production\": false}",
		 JPUSH_KEY, JPUSH_SECRET, jpush.url);
	start_channels(extra);
}

static void register_device_in(const char *token, const char *device_token, const char *locale)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "platform", "android", "provider", "jpush",
				 "token", device_token, "locale", locale);
	char *text = json_dumps(body, 0);

	http_expect("POST", "/v1/devices", token, text, 201);
	free(text);
	json_decref(body);
}

static void register_device(const char *token, const char *device_token)
{
	register_device_in(token, device_token, "zh");
}

/* The push's body as JPush received it (new). */
static json_t *push_body(json_t *all, size_t i)
{
	return json_loads(json_string_value(json_object_get(json_array_get(all, i), "body")), 0,
			  NULL);
}

START_TEST(a_technician_is_pushed_the_job_and_a_dead_token_is_retired)
{
	int64_t tech_id = harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	char *disp, *tech, path[64], link[128], *text;
	json_t *all, *body, *list;
	struct http_result r;
	int64_t id;

	harness_seed_sz_unit();
	start_with_jpush();
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	tech = harness_login("tech.sz");
	register_device(tech, JPUSH_TOKEN);
	id = open_p1(disp);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	ck_assert_int_eq(http_send_json("POST", path, disp,
					json_pack("{s:s, s:I}", "action", "assign", "assignee_id",
						  (json_int_t)tech_id),
					&r),
			 200);
	http_result_free(&r);
	/* Written with the assignment: one push, nothing else by default. */
	ck_assert_int_eq(deliveries("kind = 'ticket.assigned'"), 1);
	ck_assert_int_eq(drain(LANE_JPUSH), 1);
	all = receiver_requests(&jpush);
	ck_assert_int_eq(asize(all), 1);
	ck_assert(json_is_true(json_object_get(json_array_get(all, 0), "ok")));
	body = push_body(all, 0);
	snprintf(link, sizeof(link), "https://ops.example.cn/console/tickets/%lld", (long long)id);
	ck_assert_str_eq(
	    json_string_value(jpath(body, "notification", "android", "extras", "link", NULL)),
	    link);
	ck_assert_str_eq(
	    json_string_value(json_array_get(jpath(body, "audience", "registration_id", NULL), 0)),
	    JPUSH_TOKEN);
	/* The payload carries no customer personal data: not the contact,
	 * not the customer, not the ticket's free-text title. */
	text = json_dumps(body, 0);
	ck_assert_ptr_null(strstr(text, "陈工"));
	ck_assert_ptr_null(strstr(text, "13800000001"));
	ck_assert_ptr_null(strstr(text, "深圳供电局"));
	ck_assert_ptr_null(strstr(text, "母线失电"));
	free(text);
	json_decref(body);
	json_decref(all);
	list = http_get_json("/v1/deliveries", tech, 200);
	ck_assert_int_eq(asize(json_object_get(list, "items")), 1);
	{
		/* The same, by its notification; nobody else's to see. */
		char npath[80];
		struct http_result nr;
		json_int_t note = json_integer_value(jpath(
		    json_array_get(json_object_get(list, "items"), 0), "notification_id", NULL));

		snprintf(npath, sizeof(npath), "/v1/notifications/%lld/deliveries",
			 (long long)note);
		json_decref(http_get_json(npath, tech, 200));
		ck_assert_int_eq(http_get(npath, disp, &nr), 404);
		http_result_free(&nr);
	}
	ck_assert_str_eq(json_string_value(jpath(json_array_get(json_object_get(list, "items"), 0),
						 "status", NULL)),
			 "sent");
	json_decref(list);
	/* JPush says the registration id is gone: the device is retired and
	 * the next notification writes no push for it. */
	receiver_script(&jpush, "[{\"status\": 400, \"body\": {\"error\": {\"code\": 1011,"
				" \"message\": \"cannot find user by this audience\"}}}]");
	notify_now(tech_id, "sla.warning",
		   json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)id, "number", "T-1",
			     "target", "response"),
		   "g1");
	ck_assert_int_eq(drain(LANE_JPUSH), 1);
	ck_assert_int_eq(deliveries("status = 'dead' AND last_error LIKE '%1011%'"), 1);
	list = http_get_json("/v1/devices", tech, 200);
	ck_assert_int_eq(asize(json_object_get(list, "items")), 0);
	json_decref(list);
	notify_now(tech_id, "sla.warning",
		   json_pack("{s:I, s:s, s:s}", "ticket_id", (json_int_t)id, "number", "T-1",
			     "target", "arrival"),
		   "g2");
	ck_assert_int_eq(deliveries("kind = 'sla.warning'"), 1);
	free(disp);
	free(tech);
	receiver_stop(&jpush);
	stop_channels();
}
END_TEST

/* Someone who never chose a language gets each phone's pushes in the
 * language its app registered with; a chosen language wins. */
START_TEST(pushes_speak_the_phones_language_until_one_is_chosen)
{
	int64_t tech_id = harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	char *tech;
	json_t *all;
	int zh = 0, en = 0;

	start_with_jpush();
	tech = harness_login("tech.sz");
	register_device_in(tech, "1a0018970af3f4e3c2d", "zh");
	register_device_in(tech, "1b0018970af3f4e3c2e", "en");
	notify_now(tech_id, "sla.warning",
		   json_pack("{s:s, s:s}", "number", "T-000007", "target", "arrival"), "w1");
	ck_assert_int_eq(drain(LANE_JPUSH), 2);
	all = receiver_requests(&jpush);
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *body = push_body(all, i);
		const char *title =
		    json_string_value(jpath(body, "notification", "android", "title", NULL));

		ck_assert_ptr_nonnull(title);
		zh += strstr(title, "SLA 预警") != NULL;
		en += strstr(title, "SLA warning") != NULL;
		json_decref(body);
	}
	ck_assert_int_eq(zh, 1);
	ck_assert_int_eq(en, 1);
	json_decref(all);
	http_expect("PATCH", "/v1/me/notification-settings", tech, "{\"language\": \"zh\"}", 200);
	notify_now(tech_id, "sla.warning",
		   json_pack("{s:s, s:s}", "number", "T-000007", "target", "resolution"), "w2");
	ck_assert_int_eq(deliveries("message LIKE '%SLA warning%'"), 1); /* only the first's */
	free(tech);
	receiver_stop(&jpush);
	stop_channels();
}
END_TEST

/* ---- crash ------------------------------------------------------------------ */

static pid_t serve_child(int port)
{
	char listen[64], log[400];
	pid_t pid;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s/child.log", H.dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr))
			_exit(126);
		execl(harness_bin(), harness_bin(), "serve", "--db", H.db_path, "--listen", listen,
		      "--tls-cert", harness_cert_file(), "--tls-key", harness_key_file(),
		      "--channels-file", channels_path, "--delivery-interval-ms", "50",
		      "--scheduler-interval-ms", "0", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void wait_for(const char *sql, int64_t want, int ms)
{
	int64_t have = -1;

	for (int waited = 0; waited <= ms; waited += 50) {
		have = count_rows(sql);
		if (have == want)
			return;
		usleep(50 * 1000);
	}
	ck_abort_msg("%s: %lld, wanted %lld", sql, (long long)have, (long long)want);
}

/* SIGKILL while a push is in the provider's hands: after a restart every
 * committed delivery is sent, the one in flight at most twice (with the
 * same idempotency key, the provider's to drop), and nothing the provider
 * acknowledged and we recorded is ever sent again. */
START_TEST(sigkill_during_delivery_loses_nothing_and_repeats_nothing_acknowledged)
{
	int64_t tech_id = harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	const int n = 20;
	char *tech;
	json_t *all, *keys = json_object();
	size_t i, repeated = 0;
	json_t *one;
	pid_t pid;
	int status;

	start_with_jpush();
	tech = harness_login("tech.sz");
	register_device(tech, JPUSH_TOKEN);
	ck_assert_int_eq(db_begin(H.db), ERR_OK);
	for (int k = 0; k < n; k++) {
		char key[16];

		snprintf(key, sizeof(key), "c%d", k);
		json_t *data = json_pack("{s:s, s:s}", "number", key, "target", "response");

		ck_assert_int_eq(notify_user(H.db, tech_id, "sla.warning", "warning", data, key),
				 ERR_OK);
		json_decref(data);
	}
	ck_assert_int_eq(db_commit(H.db), ERR_OK);
	/* The first push is held by the provider for 5 s: the kill lands
	 * while it is in flight. */
	receiver_script(&jpush, "[{\"status\": 200, \"hold_ms\": 5000}]");
	pid = serve_child(H.port + 2);
	wait_for("SELECT count(*) FROM deliveries WHERE status = 'sending'", 10, 10000);
	usleep(300 * 1000);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM deliveries WHERE status = 'sent'"), 0);
	pid = serve_child(H.port + 2);
	wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", n, 20000);
	/* A third start sends nothing more: what was recorded sent stays sent. */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	pid = serve_child(H.port + 2);
	usleep(1500 * 1000);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	all = receiver_requests(&jpush);
	json_array_foreach(all, i, one) {
		json_t *body = push_body(all, i);
		const char *key = json_string_value(
		    jpath(body, "notification", "android", "extras", "idempotency_key", NULL));

		ck_assert_ptr_nonnull(key);
		json_object_set_new(
		    keys, key, json_integer(json_integer_value(json_object_get(keys, key)) + 1));
		json_decref(body);
	}
	ck_assert_int_eq((long)json_object_size(keys), n);
	{
		const char *key;
		json_t *count;

		json_object_foreach(keys, key, count)
			repeated += json_integer_value(count) > 1;
	}
	ck_assert_uint_le(repeated, 1);
	ck_assert_int_le(asize(all), n + 1);
	json_decref(all);
	json_decref(keys);
	free(tech);
	receiver_stop(&jpush);
	stop_channels();
}
END_TEST

Suite *delivery_suite(void)
{
	Suite *s = suite_create("delivery");
	TCase *tc = tcase_create("delivery");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, escalation_climbs_by_channel_and_an_acknowledgement_stops_its_level);
	tcase_add_test(tc, acknowledgement_links_refuse_what_they_do_not_know);
	tcase_add_test(tc, settings_default_by_role_and_refuse_bad_input_naming_the_field);
	tcase_add_test(tc, quiet_hours_defer_what_can_wait_and_language_picks_the_words);
	tcase_add_test(tc, retries_back_off_to_dead_and_the_breaker_pauses_only_that_provider);
	tcase_add_test(tc, metrics_count_deliveries_by_channel);
	tcase_add_test(tc, a_bad_channels_file_names_the_key);
	tcase_add_test(tc, robots_post_their_centres_p1_requests_and_escalations);
	tcase_add_test(tc, users_carry_an_email_address);
	tcase_add_test(tc, sales_get_their_warranty_digest_by_email_with_a_csv);
	tcase_add_test(tc, robots_post_a_daily_board_summary_once);
	tcase_add_test(tc, the_channels_command_checks_a_file_and_sends_a_test);
	tcase_add_test(tc, the_lanes_send_in_the_background);
	tcase_add_test(tc, each_robot_posts_at_most_twenty_a_minute);
	tcase_add_test(tc, finished_deliveries_forget_their_text_after_thirty_days);
	tcase_add_test(tc, a_customer_gets_the_tracking_link_by_sms);
	tcase_add_test(tc, a_technician_is_pushed_the_job_and_a_dead_token_is_retired);
	tcase_add_test(tc, pushes_speak_the_phones_language_until_one_is_chosen);
	tcase_add_test(tc, sigkill_during_delivery_loses_nothing_and_repeats_nothing_acknowledged);
	suite_add_tcase(s, tc);
	return s;
}
