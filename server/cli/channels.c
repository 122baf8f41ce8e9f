/* fieldtrace channels check FILE
 * fieldtrace channels test FILE --email ADDR | --sms PHONE | --robot NAME
 *                               | --push PROVIDER:TOKEN
 * Set-up help for operators: check loads a channels file exactly as serve
 * does and says which providers it configures; test sends one real message
 * through one of them, now, and prints what the provider answered. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "domain/channels.h"
#include "lib/chat_robot.h"
#include "lib/mail.h"
#include "lib/push.h"
#include "lib/sms.h"

static int usage(void)
{
	fputs("usage: fieldtrace channels check FILE\n"
	      "       fieldtrace channels test FILE --email ADDR | --sms PHONE | --robot NAME |\n"
	      "                                     --push fcm|apns|jpush:TOKEN\n",
	      stderr);
	return 2;
}

static const char *const outcome_names[] = { "sent", "retry later", "address gone", "refused" };

static int report(const char *what, const struct send_result *r)
{
	printf("%s: %s", what, outcome_names[r->outcome]);
	if (r->http_status)
		printf(" (%d)", r->http_status);
	if (r->provider_ref[0])
		printf(", provider id %s", r->provider_ref);
	if (r->error[0])
		printf(": %s", r->error);
	putchar('\n');
	return r->outcome == SEND_OK ? 0 : 1;
}

static void check_print(void)
{
	for (int l = 0; l < LANE__COUNT; l++)
		printf("  %-9s %-6s %s\n", lane_provider((enum lane)l), lane_channel((enum lane)l),
		       channels_lane_on((enum lane)l) ? "configured" : "-");
	for (size_t i = 0; i < channels_robot_count(); i++) {
		const struct chat_robot *r = channels_robot(i);

		printf("  robot %s: %s%s%s\n", r->name,
		       r->centre[0] ? "centre " : (r->region[0] ? "region " : "everywhere"),
		       r->centre[0] ? r->centre : r->region, r->secret[0] ? ", signed" : "");
	}
}

/* A unique key per test, so a provider never takes it for a repeat. */
static void test_key(char out[48])
{
	snprintf(out, 48, "channels-test-%lld", (long long)time(NULL));
}

static int send_test(const char *flag, const char *value)
{
	struct send_result r;
	char key[48];

	memset(&r, 0, sizeof(r));
	test_key(key);
	if (strcmp(flag, "--email") == 0) {
		struct mail_message m = { .to = value,
					  .subject = "fieldtrace 测试邮件 / test message",
					  .text = "fieldtrace can send e-mail from here.\n",
					  .html = "<p>fieldtrace can send e-mail from here.</p>",
					  .idempotency_key = key };

		if (!channels_mail())
			return fputs("fieldtrace: no smtp in the channels file\n", stderr), 1;
		mail_send(channels_mail(), &m, &r);
		return report("email", &r);
	}
	if (strcmp(flag, "--sms") == 0) {
		const char *code = sms_template_for(channels_sms(), "sla.escalation");
		json_t *params = json_pack("{s:s, s:s, s:s}", "number", "T-000000", "level", "1",
					   "target", "test");
		int rc;

		if (!channels_sms() || !code) {
			json_decref(params);
			return fputs("fieldtrace: no sms with an sla.escalation template\n",
				     stderr),
			       1;
		}
		sms_send(channels_sms(), value, code, params, key, &r);
		json_decref(params);
		rc = report("sms", &r);
		return rc;
	}
	if (strcmp(flag, "--robot") == 0) {
		const struct chat_robot *robot = channels_robot_named(value);
		struct chat_message m = { .title = "fieldtrace 测试消息",
					  .text = "fieldtrace can post to this group." };

		if (!robot)
			return fprintf(stderr, "fieldtrace: no robot named %s\n", value), 1;
		chat_robot_send(robot, channels_ca_file(), &m, &r);
		return report(value, &r);
	}
	if (strcmp(flag, "--push") == 0) {
		const char *colon = strchr(value, ':');
		char provider[8] = "";
		int lane;
		struct push_message m = { .title = "fieldtrace",
					  .body = "测试推送 / test push",
					  .link = "fieldtrace://",
					  .kind = "test" };

		if (colon && (size_t)(colon - value) < sizeof(provider))
			memcpy(provider, value, (size_t)(colon - value));
		lane = lane_parse(provider);
		if (!colon || lane < LANE_FCM || lane > LANE_JPUSH ||
		    !channels_push((enum lane)lane))
			return fputs("fieldtrace: --push wants a configured fcm|apns|jpush:TOKEN\n",
				     stderr),
			       1;
		push_send(channels_push((enum lane)lane), colon + 1, &m, key, &r);
		return report(provider, &r);
	}
	return usage();
}

int cli_channels(int argc, char **argv)
{
	char why[512] = "";
	int rc;

	if (argc < 4 || (strcmp(argv[2], "check") != 0 && strcmp(argv[2], "test") != 0))
		return usage();
	if (channels_load(argv[3], why, sizeof(why)) != ERR_OK) {
		fprintf(stderr, "fieldtrace: %s\n", why);
		return 1;
	}
	if (strcmp(argv[2], "check") == 0) {
		if (argc != 4)
			rc = usage();
		else {
			printf("%s: ok\n", argv[3]);
			check_print();
			rc = 0;
		}
	} else {
		rc = argc == 6 ? send_test(argv[4], argv[5]) : usage();
	}
	channels_unload();
	return rc;
}
