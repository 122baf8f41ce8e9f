/* The providers this process sends notifications through, made once at
 * start from the channels file (config key channels-file; README
 * "Notifications: providers"). A provider left out of the file is simply
 * not used: its deliveries are not written. */
#ifndef FT_CHANNELS_H
#define FT_CHANNELS_H

#include <stddef.h>

#include "core/err.h"
#include "lib/chat_robot.h"

struct push_client;
struct mail_client;
struct sms_client;

#define CHANNELS_ROBOTS_MAX 64

/* The lanes deliveries go out by: one per provider. */
enum lane {
	LANE_FCM,
	LANE_APNS,
	LANE_JPUSH,
	LANE_SMTP,
	LANE_ALIYUN,
	LANE_WECOM,
	LANE_DINGTALK,
	LANE_FEISHU,
	LANE__COUNT
};
const char *lane_provider(enum lane l); /* "fcm", ... */
const char *lane_channel(enum lane l);  /* "push", "email", "sms", "chat" */
int lane_parse(const char *provider);   /* -1 when unknown */

/* Loads path ("" = nothing configured: in-app only). ERR_INVALID with
 * the reason, naming the key, in why. Call before any thread sends. */
enum err channels_load(const char *path, char *why, size_t why_size);
void channels_unload(void);

int channels_lane_on(enum lane l);
/* Messages per second the lane may send (the provider's published quota
 * or the file's "rate_per_s"). */
double channels_lane_rate(enum lane l);
const char *channels_ca_file(void); /* "" = the system store only */
/* Where links in messages point: the console's base URL. */
const char *channels_public_url(void);
void channels_set_public_url(const char *url);

struct push_client *channels_push(enum lane l); /* NULL = not configured */
struct mail_client *channels_mail(void);
struct sms_client *channels_sms(void);
size_t channels_robot_count(void);
const struct chat_robot *channels_robot(size_t i);
const struct chat_robot *channels_robot_named(const char *name);

#endif
