/* The providers of this process (include/domain/channels.h): clients made
 * from the channels file, read once at start and kept until exit. */
#include "domain/channels.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/mail.h"
#include "lib/push.h"
#include "lib/sms.h"

static const struct {
	const char *provider, *channel;
	double default_rate; /* per second: the providers' published limits, with room */
} lanes[LANE__COUNT] = {
	[LANE_FCM] = { "fcm", "push", 100 },     [LANE_APNS] = { "apns", "push", 100 },
	[LANE_JPUSH] = { "jpush", "push", 10 },  [LANE_SMTP] = { "smtp", "email", 5 },
	[LANE_ALIYUN] = { "aliyun", "sms", 10 }, /* robots: 20 messages a minute per group */
	[LANE_WECOM] = { "wecom", "chat", 5 },   [LANE_DINGTALK] = { "dingtalk", "chat", 5 },
	[LANE_FEISHU] = { "feishu", "chat", 5 },
};

static struct {
	struct push_client *push[3];
	struct mail_client *mail;
	struct sms_client *sms;
	struct chat_robot robots[CHANNELS_ROBOTS_MAX];
	size_t n_robots;
	double rate[LANE__COUNT];
	char ca_file[512];
	char public_url[256];
} ch;

const char *lane_provider(enum lane l)
{
	return l < LANE__COUNT ? lanes[l].provider : "";
}

const char *lane_channel(enum lane l)
{
	return l < LANE__COUNT ? lanes[l].channel : "";
}

int lane_parse(const char *provider)
{
	for (int l = 0; provider && l < LANE__COUNT; l++)
		if (strcmp(lanes[l].provider, provider) == 0)
			return l;
	return -1;
}

static int robot_lane_on(enum robot_provider p)
{
	for (size_t i = 0; i < ch.n_robots; i++)
		if (ch.robots[i].provider == p)
			return 1;
	return 0;
}

int channels_lane_on(enum lane l)
{
	switch (l) {
	case LANE_FCM:
	case LANE_APNS:
	case LANE_JPUSH:
		return ch.push[l - LANE_FCM] != NULL;
	case LANE_SMTP:
		return ch.mail != NULL;
	case LANE_ALIYUN:
		return ch.sms != NULL;
	case LANE_WECOM:
		return robot_lane_on(ROBOT_WECOM);
	case LANE_DINGTALK:
		return robot_lane_on(ROBOT_DINGTALK);
	case LANE_FEISHU:
		return robot_lane_on(ROBOT_FEISHU);
	default:
		return 0;
	}
}

double channels_lane_rate(enum lane l)
{
	return l < LANE__COUNT ? ch.rate[l] : 0;
}

const char *channels_ca_file(void)
{
	return ch.ca_file;
}

const char *channels_public_url(void)
{
	return ch.public_url;
}

void channels_set_public_url(const char *url)
{
	snprintf(ch.public_url, sizeof(ch.public_url), "%s", url ? url : "");
}

struct push_client *channels_push(enum lane l)
{
	return l >= LANE_FCM && l <= LANE_JPUSH ? ch.push[l - LANE_FCM] : NULL;
}

struct mail_client *channels_mail(void)
{
	return ch.mail;
}

struct sms_client *channels_sms(void)
{
	return ch.sms;
}

size_t channels_robot_count(void)
{
	return ch.n_robots;
}

const struct chat_robot *channels_robot(size_t i)
{
	return i < ch.n_robots ? &ch.robots[i] : NULL;
}

const struct chat_robot *channels_robot_named(const char *name)
{
	for (size_t i = 0; name && i < ch.n_robots; i++)
		if (strcmp(ch.robots[i].name, name) == 0)
			return &ch.robots[i];
	return NULL;
}

static enum err load_rates(const json_t *rates, char *why, size_t why_size)
{
	const char *key;
	json_t *v;

	for (int l = 0; l < LANE__COUNT; l++)
		ch.rate[l] = lanes[l].default_rate;
	if (!rates)
		return ERR_OK;
	if (!json_is_object(rates)) {
		snprintf(why, why_size, "rate_per_s: must be an object of numbers by provider");
		return ERR_INVALID;
	}
	json_object_foreach((json_t *)rates, key, v) {
		int l = lane_parse(key);

		if (l < 0 || !json_is_number(v) || json_number_value(v) <= 0) {
			snprintf(why, why_size, "rate_per_s.%s: a known provider and a number > 0",
				 key);
			return ERR_INVALID;
		}
		ch.rate[l] = json_number_value(v);
	}
	return ERR_OK;
}

static enum err load(const json_t *root, char *why, size_t why_size)
{
	static const char *const push_keys[3] = { "fcm", "apns", "jpush" };
	const json_t *robots = json_object_get(root, "robots"), *v;
	char inner[256];
	enum err e;
	size_t i;

	snprintf(ch.ca_file, sizeof(ch.ca_file), "%s",
		 json_string_value(json_object_get(root, "ca_file")) ?: "");
	e = load_rates(json_object_get(root, "rate_per_s"), why, why_size);
	for (int p = 0; e == ERR_OK && p < 3; p++) {
		v = json_object_get(root, push_keys[p]);
		if (!v)
			continue;
		e = push_client_new((enum push_provider)p, v, ch.ca_file, &ch.push[p], inner,
				    sizeof(inner));
		if (e != ERR_OK)
			snprintf(why, why_size, "%s: %s", push_keys[p], inner);
	}
	if (e == ERR_OK && (v = json_object_get(root, "smtp"))) {
		e = mail_client_new(v, ch.ca_file, &ch.mail, inner, sizeof(inner));
		if (e != ERR_OK)
			snprintf(why, why_size, "smtp: %s", inner);
	}
	if (e == ERR_OK && (v = json_object_get(root, "sms"))) {
		e = sms_client_new(v, ch.ca_file, &ch.sms, inner, sizeof(inner));
		if (e != ERR_OK)
			snprintf(why, why_size, "sms: %s", inner);
	}
	if (e == ERR_OK && robots && !json_is_array(robots)) {
		snprintf(why, why_size, "robots: must be an array");
		e = ERR_INVALID;
	}
	json_array_foreach(robots, i, v) {
		if (e != ERR_OK)
			break;
		if (ch.n_robots == CHANNELS_ROBOTS_MAX) {
			snprintf(why, why_size, "robots: at most %d", CHANNELS_ROBOTS_MAX);
			e = ERR_INVALID;
		} else if ((e = chat_robot_parse(v, &ch.robots[ch.n_robots], inner,
						 sizeof(inner))) != ERR_OK) {
			snprintf(why, why_size, "robots[%zu]: %s", i, inner);
		} else if (channels_robot_named(ch.robots[ch.n_robots].name)) {
			snprintf(why, why_size, "robots[%zu].name: used twice", i);
			e = ERR_INVALID;
		} else {
			ch.n_robots++;
		}
	}
	return e;
}

enum err channels_load(const char *path, char *why, size_t why_size)
{
	json_error_t jerr;
	json_t *root;
	enum err e;

	channels_unload();
	for (int l = 0; l < LANE__COUNT; l++)
		ch.rate[l] = lanes[l].default_rate;
	if (!path || !*path)
		return ERR_OK;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		snprintf(why, why_size, "%s: %s", path, root ? "not a JSON object" : jerr.text);
		json_decref(root);
		return ERR_INVALID;
	}
	e = load(root, why, why_size);
	json_decref(root);
	if (e != ERR_OK)
		channels_unload();
	return e;
}

void channels_unload(void)
{
	for (int p = 0; p < 3; p++) {
		push_client_free(ch.push[p]);
		ch.push[p] = NULL;
	}
	mail_client_free(ch.mail);
	sms_client_free(ch.sms);
	ch.mail = NULL;
	ch.sms = NULL;
	ch.n_robots = 0;
	ch.ca_file[0] = '\0';
}
