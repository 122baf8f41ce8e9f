/* Which channels a notification goes out on, and the deliveries written
 * for it (include/domain/delivery.h). Everything here runs inside the
 * transaction of the event that caused the notification; sending is
 * server/domain/delivery_lane.c's. */
#include "domain/delivery.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/digest.h"
#include "db/db.h"
#include "db/delivery_store.h"
#include "db/devices_store.h"
#include "db/warranty_store.h"
#include "domain/registry.h"
#include "lib/chat_robot.h"
#include "lib/csv.h"
#include "lib/sms.h"

const char *const notify_channels[NOTIFY_CHANNELS] = { "push", "email", "sms" };

const char *const notify_kinds[] = {
	"ticket.assigned", "sla.warning",    "sla.escalation",
	"warranty.digest", "problem.opened", NULL,
};

int notify_kind_known(const char *kind)
{
	for (size_t i = 0; kind && notify_kinds[i]; i++)
		if (strcmp(notify_kinds[i], kind) == 0)
			return 1;
	return 0;
}

/* A fresh install notifies the right people with no settings at all:
 * technicians are pushed their jobs and warnings; escalations reach
 * managers by push and e-mail (and SMS for P1/P2 from level 2, decided in
 * wants()); supervisors and admins hear of recurring problems by e-mail;
 * sales read their warranty notices in the app and get the e-mail
 * digest. SMS otherwise only by choice. */
int delivery_role_default(const char *role, const char *kind, const char *channel)
{
	int manager = strcmp(role, "supervisor") == 0 || strcmp(role, "admin") == 0;

	/* A call rings an expert on every channel they have; the requester
	 * hears the answer by push, and that nobody answered by e-mail too. */
	if (strcmp(kind, "assist.requested") == 0)
		return 1;
	if (strcmp(kind, "assist.accepted") == 0)
		return strcmp(channel, "push") == 0;
	if (strcmp(kind, "assist.unanswered") == 0)
		return strcmp(channel, "push") == 0 || strcmp(channel, "email") == 0;
	if (strcmp(channel, "push") == 0)
		return strcmp(kind, "ticket.assigned") == 0 || strcmp(kind, "sla.warning") == 0 ||
		       strcmp(kind, "sla.escalation") == 0;
	if (strcmp(channel, "email") == 0)
		return strcmp(kind, "sla.escalation") == 0 ||
		       (manager && strcmp(kind, "problem.opened") == 0);
	return 0;
}

/* ---- the person's choices ------------------------------------------------- */

struct choices {
	const char *kind;
	int set[NOTIFY_CHANNELS]; /* -1 none, else enabled */
};

static void take_pref(const char *kind, const char *channel, int enabled, void *arg)
{
	struct choices *c = arg;

	if (strcmp(kind, c->kind) != 0)
		return;
	for (int i = 0; i < NOTIFY_CHANNELS; i++)
		if (strcmp(channel, notify_channels[i]) == 0)
			c->set[i] = enabled;
}

static int is_urgent_priority(const char *priority)
{
	return strcmp(priority, "P1") == 0 || strcmp(priority, "P2") == 0;
}

/* Channel i for this notification: the person's choice, else the role's
 * default; escalations follow the levels (1: in-app and push; 2 and up:
 * e-mail too, and SMS for P1/P2). */
static int wants(const struct person *p, const struct choices *c, int i, int level,
		 const char *priority)
{
	const char *channel = notify_channels[i];

	if (strcmp(c->kind, "sla.escalation") == 0 && c->set[i] < 0) {
		if (strcmp(channel, "push") == 0)
			return 1;
		if (strcmp(channel, "email") == 0)
			return level >= 2;
		return level >= 2 && is_urgent_priority(priority);
	}
	return c->set[i] >= 0 ? c->set[i] : delivery_role_default(p->role, c->kind, channel);
}

/* Seconds until p's quiet hours end, 0 when not in them. */
static int64_t quiet_left(const struct person *p, int64_t now)
{
	int minute, wday, s = p->quiet_start, e = p->quiet_end, in;

	if (s < 0 || e < 0 || s == e || clock_local(now, p->time_zone, &minute, &wday, NULL) < 0)
		return 0;
	in = s < e ? minute >= s && minute < e : minute >= s || minute < e;
	if (!in)
		return 0;
	return (int64_t)(((e - minute) + 1440) % 1440) * 60 - now % 60;
}

/* ---- what the messages say -------------------------------------------------- */

struct words {
	const char *kind;
	const char *title[2]; /* zh, en; printf with the ticket number */
	const char *body[2];
};

/* No customer data in any of these: numbers, levels and targets only. */
static const struct words words[] = {
	{ "ticket.assigned",
	  { "新工单 %s", "New job %s" },
	  { "%s 工单已派给您，请在 App 中查看。",
	    "A %s job was assigned to you. Open it in the app." } },
	{ "sla.warning",
	  { "%s SLA 预警", "%s SLA warning" },
	  { "%s 时限即将到期。", "The %s deadline is close." } },
	{ "sla.escalation",
	  { "%s 已升级", "%s escalated" },
	  { "%s 时限已错过，升级至第 %d 级，请确认。",
	    "The %s deadline was missed: escalated to level %d. Please acknowledge." } },
	{ "warranty.digest",
	  { "质保到期提醒 %s", "Warranty follow-up %s" },
	  { "有设备质保即将到期，请查看。", "Units of yours have warranties ending soon." } },
	{ "problem.opened",
	  { "重复问题 %s", "Recurring problem %s" },
	  { "发现重复出现的故障，请查看。", "A recurring fault was detected. Please review." } },
	{ "assist.requested",
	  { "%s 请求专家远程支持", "%s: remote expert assistance requested" },
	  { "现场技术员请求远程视频支持，请在控制台接听。",
	    "A field technician asks for a live video call. Accept it in the console." } },
	{ "assist.accepted",
	  { "%s 专家已接听", "%s: an expert accepted" },
	  { "专家已接受远程支持请求。", "An expert accepted the call." } },
	{ "assist.unanswered",
	  { "%s 专家支持无人接听", "%s: no expert answered" },
	  { "远程支持请求无人接听。", "Nobody answered the request for remote assistance." } },
	{ "ticket.created",
	  { "新 P1 请求 %s", "New P1 request %s" },
	  { "%s 新的紧急请求已登记。", "%s: a new urgent request was logged." } },
};

static const char *target_word(const char *target, int en)
{
	static const struct {
		const char *name, *zh, *en;
	} t[] = { { "response", "响应", "response" },
		  { "arrival", "到场", "arrival" },
		  { "resolution", "解决", "resolution" } };

	for (size_t i = 0; target && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, target) == 0)
			return en ? t[i].en : t[i].zh;
	return en ? "service" : "服务";
}

static const struct words *words_for(const char *kind)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].kind, kind) == 0)
			return &words[i];
	return NULL;
}

struct text {
	char title[192];
	char body[384];
	char link[512];
	char ack_link[512];
};

/* The format strings are this file's own table, chosen by kind. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void render(const char *kind, const char *fallback_title, const json_t *data, int en,
		   struct text *out)
{
	const struct words *w = words_for(kind);
	const char *number = json_string_value(json_object_get(data, "number"));
	const char *target = json_string_value(json_object_get(data, "target"));
	const char *priority = json_string_value(json_object_get(data, "priority"));
	json_int_t level = json_integer_value(json_object_get(data, "level"));
	json_int_t ticket = json_integer_value(json_object_get(data, "ticket_id"));

	memset(out, 0, sizeof(*out));
	if (!w) {
		snprintf(out->title, sizeof(out->title), "%s", fallback_title);
	} else {
		snprintf(out->title, sizeof(out->title), w->title[en], number ? number : "");
		if (strcmp(kind, "sla.escalation") == 0)
			snprintf(out->body, sizeof(out->body), w->body[en], target_word(target, en),
				 (int)level);
		else if (strcmp(kind, "sla.warning") == 0)
			snprintf(out->body, sizeof(out->body), w->body[en],
				 target_word(target, en));
		else if (strcmp(kind, "ticket.assigned") == 0 ||
			 strcmp(kind, "ticket.created") == 0)
			snprintf(out->body, sizeof(out->body), w->body[en],
				 strcmp(kind, "ticket.created") == 0 ? (number ? number : "")
								     : (priority ? priority : ""));
		else
			snprintf(out->body, sizeof(out->body), "%s", w->body[en]);
	}
	if (strncmp(kind, "assist.", 7) == 0 && json_integer_value(json_object_get(data, "session_id")))
		snprintf(out->link, sizeof(out->link), "%s/console/assist/%lld",
			 channels_public_url(),
			 (long long)json_integer_value(json_object_get(data, "session_id")));
	else if (ticket > 0)
		snprintf(out->link, sizeof(out->link), "%s/console/tickets/%lld",
			 channels_public_url(), (long long)ticket);
	else
		snprintf(out->link, sizeof(out->link), "%s/console/", channels_public_url());
}
#pragma GCC diagnostic pop

/* ---- writing deliveries ------------------------------------------------------ */

/* "dlv_" + 32 hex digits: what the provider sees on every attempt. */
static int new_key(char out[40])
{
	unsigned char rnd[16];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	memcpy(out, "dlv_", 4);
	digest_hex(rnd, sizeof(rnd), out + 4);
	return 0;
}

static enum err put(struct db *db, struct delivery_row *d, json_t *message)
{
	char key[40];
	char *text = json_dumps(message, JSON_COMPACT);
	int64_t id;
	enum err e;

	json_decref(message);
	if (!text || new_key(key) < 0) {
		free(text);
		return ERR_INTERNAL;
	}
	d->message = text;
	d->idempotency_key = key;
	e = delivery_store_insert(db, d, &id);
	free(text);
	return e;
}

/* An acknowledgement link for user_id at this escalation: a random token
 * whose SHA-256 is kept, good for a week. */
static enum err ack_token(struct db *db, int64_t user_id, int64_t ticket_id, const char *target,
			  int level, int64_t now, char token[48])
{
	unsigned char rnd[24];
	char hash[2 * DIGEST_SHA256_LEN + 1];
	struct ack_ref ref = { .ticket_id = ticket_id,
			       .level = level,
			       .user_id = user_id,
			       .expires_at = now + 7 * 86400 };

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return ERR_INTERNAL;
	digest_hex(rnd, sizeof(rnd), token);
	if (digest_sha256_hex(token, hash) < 0)
		return ERR_INTERNAL;
	snprintf(ref.target, sizeof(ref.target), "%s", target ? target : "");
	return delivery_store_ack_token_add(db, hash, &ref);
}

struct push_fanout {
	struct db *db;
	struct delivery_row d;
	const struct text *t;
	/* Who never chose a language is pushed in each phone's own (the
	 * locale its app registered with): what to render it from. */
	int follow_device;
	const char *kind, *title;
	const json_t *data;
	const char *token;
	int high;
	enum err e;
};

static int put_push(const struct device_row *dev, void *arg)
{
	struct push_fanout *f = arg;
	int lane = lane_parse(dev->provider);
	const struct text *t = f->t;
	struct text local;
	char device[24];

	if (lane < 0 || !channels_lane_on((enum lane)lane))
		return 0; /* that provider is not configured here */
	snprintf(device, sizeof(device), "%lld", (long long)dev->id);
	if (f->follow_device) {
		render(f->kind, f->title, f->data, strcmp(dev->locale, "en") == 0, &local);
		snprintf(local.ack_link, sizeof(local.ack_link), "%s", f->t->ack_link);
		t = &local;
	}
	f->d.provider = dev->provider;
	f->d.address = device;
	f->d.device_id = dev->id;
	f->e = put(f->db, &f->d,
		   json_pack("{s:s, s:s, s:s, s:b, s:s?}", "title", t->title, "body", t->body,
			     "link", t->link, "high", f->high, "ack_token", f->token));
	return f->e != ERR_OK;
}

static json_t *mail_message(const struct person *p, const struct text *t, int en)
{
	struct buf text, html;
	char prefs[300];
	json_t *m;

	snprintf(prefs, sizeof(prefs), "%s/console/settings/notifications", channels_public_url());
	buf_init(&text, 0);
	buf_init(&html, 0);
	buf_printf(&text, "%s\n\n%s\n", t->body, t->link);
	if (t->ack_link[0])
		buf_printf(&text, "\n%s: %s\n", en ? "Acknowledge" : "确认", t->ack_link);
	buf_printf(&text, "\n-- \n%s: %s\n", en ? "Notification settings" : "通知设置", prefs);
	buf_puts(&html, "<!doctype html><html><body><p>");
	buf_put_html(&html, t->body);
	buf_puts(&html, "</p><p><a href=\"");
	buf_put_html(&html, t->link);
	buf_printf(&html, "\">%s</a></p>", en ? "Open in fieldtrace" : "在 fieldtrace 中打开");
	if (t->ack_link[0]) {
		buf_puts(&html, "<p><a href=\"");
		buf_put_html(&html, t->ack_link);
		buf_printf(&html, "\">%s</a></p>", en ? "Acknowledge" : "确认收到");
	}
	buf_puts(&html, "<hr><p><a href=\"");
	buf_put_html(&html, prefs);
	buf_printf(&html, "\">%s</a></p></body></html>", en ? "Notification settings" : "通知设置");
	m = text.failed || html.failed
		? NULL
		: json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "to", p->email, "to_name",
			    p->username, "subject", t->title, "text", text.data, "html", html.data,
			    "unsubscribe", prefs);
	buf_cleanup(&text);
	buf_cleanup(&html);
	return m;
}

enum err delivery_fanout_user(struct db *db, int64_t user_id, int64_t notification_id,
			      const char *kind, const char *title, const json_t *data, int64_t now)
{
	struct choices c = { .kind = kind, .set = { -1, -1, -1 } };
	json_int_t ticket_id = json_integer_value(json_object_get(data, "ticket_id"));
	const char *target = json_string_value(json_object_get(data, "target"));
	int level = (int)json_integer_value(json_object_get(data, "level"));
	int escalation = strcmp(kind, "sla.escalation") == 0, en;
	struct ticket_brief brief = { .priority = "" };
	char ack_key[64] = "", token[64] = "", level_text[12];
	struct delivery_row d = { 0 };
	struct person p;
	struct text t;
	int64_t due;
	enum err e;

	e = delivery_store_person(db, user_id, &p);
	if (e != ERR_OK || p.disabled)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	e = delivery_store_prefs(db, user_id, take_pref, &c);
	if (e == ERR_OK && ticket_id > 0)
		e = delivery_store_ticket_brief(db, ticket_id, &brief);
	if (e == ERR_NOT_FOUND)
		e = ERR_OK;
	if (e != ERR_OK)
		return e;
	en = strcmp(p.language, "en") == 0;
	render(kind, title, data, en, &t);
	/* P1 work and escalations are urgent enough to wake people. */
	due = escalation || strcmp(kind, "assist.requested") == 0 || strcmp(brief.priority, "P1") == 0
		  ? now
		  : now + quiet_left(&p, now);
	if (escalation && ticket_id > 0) {
		snprintf(ack_key, sizeof(ack_key), "%lld:%s:%d", (long long)ticket_id,
			 target ? target : "", level);
		e = ack_token(db, user_id, ticket_id, target, level, now, token);
		if (e != ERR_OK)
			return e;
		snprintf(t.ack_link, sizeof(t.ack_link), "%s/console/ack?token=%s",
			 channels_public_url(), token);
	}
	d = (struct delivery_row){ .notification_id = notification_id,
				   .user_id = user_id,
				   .kind = kind,
				   .ack_key = ack_key[0] ? ack_key : NULL,
				   .next_attempt_at = due,
				   .created_at = now };
	if (wants(&p, &c, 0, level, brief.priority)) {
		struct push_fanout f = { .db = db,
					 .d = d,
					 .t = &t,
					 .follow_device = p.updated_at == 0,
					 .kind = kind,
					 .title = title,
					 .data = data,
					 .token = token[0] ? token : NULL,
					 .high = escalation || is_urgent_priority(brief.priority) };

		f.d.channel = "push";
		e = devices_store_list(db, user_id, put_push, &f);
		if (e == ERR_OK)
			e = f.e;
	}
	if (e == ERR_OK && p.email[0] && channels_lane_on(LANE_SMTP) &&
	    wants(&p, &c, 1, level, brief.priority)) {
		d.channel = "email";
		d.provider = "smtp";
		d.address = p.email;
		e = put(db, &d, mail_message(&p, &t, en));
	}
	if (e == ERR_OK && p.phone[0] && channels_lane_on(LANE_ALIYUN) &&
	    sms_template_for(channels_sms(), kind) && wants(&p, &c, 2, level, brief.priority)) {
		snprintf(level_text, sizeof(level_text), "%d", level);
		d.channel = "sms";
		d.provider = "aliyun";
		d.address = p.phone;
		e = put(db, &d,
			json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "phone", p.phone,
				  "template_kind", kind, "params", "number",
				  json_string_value(json_object_get(data, "number")) ?: "", "level",
				  level_text, "target", target_word(target, en)));
	}
	return e;
}

enum err delivery_sms_to(struct db *db, const char *kind, const char *phone, const json_t *params,
			 int64_t now)
{
	struct delivery_row d = { .channel = "sms",
				  .provider = "aliyun",
				  .address = phone,
				  .kind = kind,
				  .next_attempt_at = now,
				  .created_at = now };

	if (!phone || !*phone || !channels_lane_on(LANE_ALIYUN) ||
	    !sms_template_for(channels_sms(), kind) || !json_is_object(params))
		return ERR_OK;
	return put(db, &d,
		   json_pack("{s:s, s:s, s:O}", "phone", phone, "template_kind", kind, "params",
			     (json_t *)params));
}

enum err delivery_mail_to(struct db *db, const char *kind, const char *to, const char *key,
			  json_t *message, int64_t now)
{
	struct delivery_row d = { .channel = "email",
				  .provider = lane_provider(LANE_SMTP),
				  .address = to,
				  .kind = kind,
				  .idempotency_key = key,
				  .next_attempt_at = now,
				  .created_at = now };
	char *text;
	int64_t id;
	enum err e;

	if (!to || !*to || !channels_lane_on(LANE_SMTP) || !json_is_object(message)) {
		json_decref(message);
		return ERR_OK;
	}
	text = json_dumps(message, JSON_COMPACT);
	json_decref(message);
	if (!text)
		return ERR_INTERNAL;
	d.message = text;
	e = delivery_store_insert(db, &d, &id);
	free(text);
	return e == ERR_CONFLICT ? ERR_OK : e; /* this key is queued already */
}

/* Region paths are "/CN/GD/SZ/": region GD covers it, and so does CN. */
static int region_covers(const char *region, const char *path)
{
	char segment[80];

	snprintf(segment, sizeof(segment), "/%s/", region);
	return region[0] && strstr(path, segment) != NULL;
}

enum err delivery_fanout_robots(struct db *db, const char *kind, int64_t ticket_id,
				const json_t *data, int64_t now)
{
	struct ticket_brief brief;
	enum err e = ERR_OK;
	struct text t;

	if (!channels_robot_count())
		return ERR_OK;
	if (ticket_id > 0 && (e = delivery_store_ticket_brief(db, ticket_id, &brief)) != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	for (size_t i = 0; e == ERR_OK && i < channels_robot_count(); i++) {
		const struct chat_robot *r = channels_robot(i);
		struct delivery_row d = {
			.channel = "chat", .kind = kind, .next_attempt_at = now, .created_at = now
		};

		if (!chat_robot_wants(r, kind))
			continue;
		if (ticket_id > 0 &&
		    !((r->centre[0] && strcmp(r->centre, brief.centre) == 0) ||
		      (r->region[0] && region_covers(r->region, brief.region_path)) ||
		      (!r->centre[0] && !r->region[0])))
			continue;
		/* Groups are Chinese-speaking teams: robots post in Chinese. */
		render(kind, kind, data, 0, &t);
		d.provider = r->provider == ROBOT_WECOM      ? "wecom"
			     : r->provider == ROBOT_DINGTALK ? "dingtalk"
							     : "feishu";
		d.address = r->name;
		e = put(
		    db, &d,
		    json_pack("{s:s, s:s, s:s}", "title", t.title, "text", t.body, "link", t.link));
	}
	return e;
}

/* ---- the e-mail warranty digest ----------------------------------------- */

#define DIGEST_PEOPLE_MAX 10000
#define DIGEST_UNITS_MAX 2000
#define DIGEST_SEND_MINUTE (7 * 60) /* not before 07:00 in the person's zone */

struct id_list {
	int64_t *ids;
	size_t n;
};

static int keep_id(int64_t id, void *arg)
{
	struct id_list *l = arg;

	if (l->n == DIGEST_PEOPLE_MAX)
		return 1;
	l->ids[l->n++] = id;
	return 0;
}

struct digest {
	struct buf csv;
	struct buf text;
	struct buf html;
	size_t n;
	int en;
};

static int digest_unit(const struct warranty_unit *u, void *arg)
{
	struct digest *d = arg;
	char link[512];

	snprintf(link, sizeof(link), "%s/console/assets/%lld", channels_public_url(),
		 (long long)u->asset_id);
	csv_cell_write(&d->csv, u->serial);
	buf_puts(&d->csv, ",");
	csv_cell_write(&d->csv, u->model_code);
	buf_puts(&d->csv, ",");
	csv_cell_write(&d->csv, u->customer_name);
	buf_puts(&d->csv, ",");
	csv_cell_write(&d->csv, u->site_name);
	buf_puts(&d->csv, ",");
	csv_cell_write(&d->csv, u->warranty_end);
	buf_puts(&d->csv, ",");
	csv_cell_write(&d->csv, link);
	buf_puts(&d->csv, "\r\n");
	if (d->n < 50) { /* the body lists the first ones; the CSV has all */
		buf_printf(&d->text, "%s  %s  %s\n", u->warranty_end, u->serial, u->customer_name);
		buf_puts(&d->html, "<tr><td>");
		buf_put_html(&d->html, u->warranty_end);
		buf_puts(&d->html, "</td><td><a href=\"");
		buf_put_html(&d->html, link);
		buf_puts(&d->html, "\">");
		buf_put_html(&d->html, u->serial);
		buf_puts(&d->html, "</a></td><td>");
		buf_put_html(&d->html, u->customer_name);
		buf_puts(&d->html, "</td></tr>");
	}
	return ++d->n >= DIGEST_UNITS_MAX;
}

static enum err digest_one(struct db *db, const struct person *p, const char *today,
			   const char *period, int64_t now)
{
	struct warranty_query q = { .owner = WARRANTY_MINE,
				    .user_id = p->id,
				    .limit = DIGEST_UNITS_MAX };
	struct digest d = { .en = strcmp(p->language, "en") == 0 };
	struct delivery_row row = { .channel = "email",
				    .provider = "smtp",
				    .address = p->email,
				    .user_id = p->id,
				    .kind = "warranty.digest",
				    .next_attempt_at = now,
				    .created_at = now };
	char subject[160], prefs[300], filename[64];
	int added;
	enum err e;

	e = delivery_store_digest_mark(db, p->id, period, now, &added);
	if (e != ERR_OK || !added)
		return e;
	registry_date_add_days(today, -30, q.from);
	registry_date_add_days(today, 90, q.to);
	buf_init(&d.csv, 0);
	buf_init(&d.text, 0);
	buf_init(&d.html, 0);
	buf_puts(&d.csv, "\xEF\xBB\xBF"
			 "serial,model,customer,site,warranty_end,link\r\n");
	buf_puts(&d.html, "<!doctype html><html><body><table>");
	e = warranty_store_alerts(db, &q, digest_unit, &d);
	buf_puts(&d.html, "</table>");
	snprintf(prefs, sizeof(prefs), "%s/console/settings/notifications", channels_public_url());
	snprintf(subject, sizeof(subject),
		 d.en ? "Warranty digest %s: %zu units to follow up"
		      : "质保到期摘要 %s：%zu 台设备待跟进",
		 today, d.n);
	snprintf(filename, sizeof(filename), "warranty-%s.csv", today);
	buf_printf(&d.text, "\n%s: %s/console/warranty\n\n-- \n%s: %s\n",
		   d.en ? "All of them" : "全部", channels_public_url(),
		   d.en ? "Notification settings" : "通知设置", prefs);
	buf_printf(&d.html, "<p><a href=\"%s/console/warranty\">%s</a></p><hr><p><a href=\"",
		   channels_public_url(), d.en ? "Open the warranty list" : "打开质保列表");
	buf_put_html(&d.html, prefs);
	buf_printf(&d.html, "\">%s</a></p></body></html>",
		   d.en ? "Notification settings" : "通知设置");
	if (e == ERR_OK && (d.csv.failed || d.text.failed || d.html.failed))
		e = ERR_INTERNAL;
	/* Nothing to follow up: no mail (the period is still marked done). */
	if (e == ERR_OK && d.n)
		e = put(db, &row,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "to",
				  p->email, "to_name", p->username, "subject", subject, "text",
				  d.text.data, "html", d.html.data, "unsubscribe", prefs,
				  "attachments", "filename", filename, "content_type",
				  "text/csv; charset=utf-8", "data", d.csv.data));
	buf_cleanup(&d.csv);
	buf_cleanup(&d.text);
	buf_cleanup(&d.html);
	return e;
}

enum err delivery_digest_run(struct db *db, int64_t now)
{
	struct id_list l = { .ids = calloc(DIGEST_PEOPLE_MAX, sizeof(int64_t)) };
	enum err e = l.ids ? ERR_OK : ERR_INTERNAL;

	if (e == ERR_OK && channels_lane_on(LANE_SMTP))
		e = delivery_store_digest_people(db, keep_id, &l);
	for (size_t i = 0; e == ERR_OK && i < l.n; i++) {
		char today[11], period[24];
		int minute, wday, weekly;
		struct person p;

		e = delivery_store_person(db, l.ids[i], &p);
		if (e != ERR_OK || clock_local(now, p.time_zone, &minute, &wday, today) < 0)
			continue;
		weekly = strcmp(p.digest, "daily") != 0;
		if (minute < DIGEST_SEND_MINUTE || (weekly && wday != 1))
			continue;
		snprintf(period, sizeof(period), "%s%s", today, weekly ? "/week" : "");
		e = db_begin(db);
		if (e == ERR_OK)
			e = digest_one(db, &p, today, period, now);
		if (e == ERR_OK)
			e = db_commit(db);
		if (e != ERR_OK)
			db_rollback(db);
	}
	if (e == ERR_NOT_FOUND)
		e = ERR_OK;
	free(l.ids);
	return e;
}

/* ---- the group robots' daily board summary -------------------------------- */

#define SUMMARY_MINUTE (8 * 60)
#define SUMMARY_ZONE "Asia/Shanghai" /* the groups' working day */

enum err delivery_board_summary_run(struct db *db, int64_t now)
{
	char day[11];
	int minute, wday;
	enum err e = ERR_OK;

	if (!channels_robot_count() || clock_local(now, SUMMARY_ZONE, &minute, &wday, day) < 0 ||
	    minute < SUMMARY_MINUTE)
		return ERR_OK;
	for (size_t i = 0; e == ERR_OK && i < channels_robot_count(); i++) {
		const struct chat_robot *r = channels_robot(i);
		struct delivery_row d = { .channel = "chat",
					  .kind = "board.summary",
					  .address = r->name,
					  .next_attempt_at = now,
					  .created_at = now };
		struct board_counts c;
		char title[96], text[512], link[300];
		int added;

		if (!chat_robot_wants(r, "board.summary"))
			continue;
		d.provider = r->provider == ROBOT_WECOM      ? "wecom"
			     : r->provider == ROBOT_DINGTALK ? "dingtalk"
							     : "feishu";
		e = db_begin(db);
		if (e == ERR_OK)
			e = delivery_store_summary_mark(db, r->name, day, now, &added);
		if (e == ERR_OK && added)
			e = delivery_store_board_counts(db, r->centre, r->region, now, &c);
		if (e == ERR_OK && added) {
			snprintf(title, sizeof(title), "今日工单看板 %s %s", day,
				 r->centre[0] ? r->centre : r->region);
			snprintf(text, sizeof(text),
				 "未完成 %lld 单：未派工 %lld，P1 %lld，已超时 %lld，已升级 %lld。",
				 (long long)c.open, (long long)c.unassigned, (long long)c.p1,
				 (long long)c.overdue, (long long)c.escalated);
			snprintf(link, sizeof(link), "%s/console/dispatch", channels_public_url());
			e = put(db, &d,
				json_pack("{s:s, s:s, s:s}", "title", title, "text", text, "link",
					  link));
		}
		if (e == ERR_OK)
			e = db_commit(db);
		if (e != ERR_OK)
			db_rollback(db);
	}
	return e;
}
