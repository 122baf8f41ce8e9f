/* Work-chat group robots: WeCom, DingTalk (HMAC-SHA256 signed timestamp)
 * and Feishu (signed timestamp in the body), one webhook URL per group. */
#ifndef FT_CHAT_ROBOT_H
#define FT_CHAT_ROBOT_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "lib/send.h"

enum robot_provider { ROBOT_WECOM, ROBOT_DINGTALK, ROBOT_FEISHU };

struct chat_robot {
	char name[64];            /* "east-ops": what deliveries name it by */
	enum robot_provider provider;
	char url[1024];           /* the group's webhook URL (holds its key: a credential) */
	char secret[256];         /* DingTalk / Feishu signing secret; "" = none */
	char centre[32];          /* which centre's events, or "" */
	char region[64];          /* which region's (and its subtree's), or "" */
	char events[16][40];      /* kinds it posts; empty = all robot kinds */
	size_t n_events;
};

struct chat_message {
	const char *title; /* UTF-8 */
	const char *text;  /* markdown (WeCom, DingTalk) / plain lines (Feishu) */
	const char *link;  /* console link, or NULL */
};

/* Reads one robot from its channels-file object: {"name", "provider":
 * "wecom"|"dingtalk"|"feishu", "url" | "url_file", "secret" |
 * "secret_file", "centre" | "region", "events": [...]}. */
enum err chat_robot_parse(const json_t *conf, struct chat_robot *out, char *why, size_t why_size);
/* 1 when the robot posts kind. */
int chat_robot_wants(const struct chat_robot *r, const char *kind);
void chat_robot_send(const struct chat_robot *r, const char *ca_file, const struct chat_message *m,
		     struct send_result *out);

#endif
