/* The lanes: one per provider, each sending its due deliveries
 * (include/domain/delivery.h). A lane calls its provider outside any
 * transaction; the claim before and the outcome after are short
 * transactions of their own, so a slow provider holds no lock and a
 * broken one only its own lane. */
#include "domain/delivery.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "db/delivery_store.h"
#include "db/devices_store.h"
#include "lib/chat_robot.h"
#include "lib/mail.h"
#include "lib/push.h"
#include "lib/sms.h"

const char *const delivery_metric_channels[DELIVERY_METRIC_CHANNELS] = { "push", "email", "sms",
									 "chat" };
const int delivery_latency_bounds_s[6] = { 1, 5, 30, 60, 300, 3600 };

static struct {
	_Atomic uint64_t sent, failed, retried, dead, gone, latency_ms_sum, latency_count;
	_Atomic uint64_t latency_le[6];
} metrics[DELIVERY_METRIC_CHANNELS];
static _Atomic int64_t breaker_until[LANE__COUNT];

static int metric_index(const char *channel)
{
	for (int i = 0; i < DELIVERY_METRIC_CHANNELS; i++)
		if (strcmp(delivery_metric_channels[i], channel) == 0)
			return i;
	return 0;
}

void delivery_metrics_read(struct delivery_metrics out[DELIVERY_METRIC_CHANNELS])
{
	for (int i = 0; i < DELIVERY_METRIC_CHANNELS; i++) {
		out[i].sent = metrics[i].sent;
		out[i].failed = metrics[i].failed;
		out[i].retried = metrics[i].retried;
		out[i].dead = metrics[i].dead;
		out[i].gone = metrics[i].gone;
		out[i].latency_ms_sum = metrics[i].latency_ms_sum;
		out[i].latency_count = metrics[i].latency_count;
		for (int b = 0; b < 6; b++)
			out[i].latency_le[b] = metrics[i].latency_le[b];
	}
}

int delivery_breaker_open(enum lane l)
{
	return l < LANE__COUNT && breaker_until[l] > clock_now();
}

int64_t delivery_backoff(int attempts)
{
	int64_t wait = DELIVERY_BACKOFF_BASE_S;

	for (int i = 1; i < attempts && wait < DELIVERY_BACKOFF_MAX_S; i++)
		wait *= 2;
	return wait < DELIVERY_BACKOFF_MAX_S ? wait : DELIVERY_BACKOFF_MAX_S;
}

/* The backoff with up to half taken off at random ("equal jitter"). */
static int64_t backoff_jittered(int attempts)
{
	int64_t wait = delivery_backoff(attempts);
	uint32_t r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = 0;
	return wait - (int64_t)(r % (uint32_t)(wait / 2 + 1));
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- one attempt ------------------------------------------------------------ */

/* A claimed row, copied: the claim's statement is finished before any
 * provider is called. */
struct claimed {
	int64_t id, user_id, device_id, created_at;
	int attempts;
	char channel[8], kind[40], address[256], key[48];
	char *message;
};

struct claim_list {
	struct claimed items[DELIVERY_BATCH];
	size_t n;
};

static int keep_claimed(const struct delivery_row *r, void *arg)
{
	struct claim_list *l = arg;
	struct claimed *c;

	if (l->n == DELIVERY_BATCH)
		return 1;
	c = &l->items[l->n];
	memset(c, 0, sizeof(*c));
	c->message = strdup(r->message);
	if (!c->message)
		return 1; /* the lease brings it back */
	c->id = r->id;
	c->user_id = r->user_id;
	c->device_id = r->device_id;
	c->created_at = r->created_at;
	c->attempts = r->attempts;
	snprintf(c->channel, sizeof(c->channel), "%s", r->channel);
	snprintf(c->kind, sizeof(c->kind), "%s", r->kind);
	snprintf(c->address, sizeof(c->address), "%s", r->address);
	snprintf(c->key, sizeof(c->key), "%s", r->idempotency_key);
	l->n++;
	return 0;
}

static int copy_token(const struct device_row *d, void *arg)
{
	char *out = arg;

	if (d->retired_at)
		out[0] = '\0';
	else
		snprintf(out, 4096, "%s", d->token);
	return 0;
}

static const char *jstr_or(const json_t *m, const char *key, const char *def)
{
	const char *v = json_string_value(json_object_get(m, key));

	return v ? v : def;
}

static void send_push(struct db *db, enum lane l, const struct claimed *c, const json_t *m,
		      struct send_result *out)
{
	char token[4096] = "";
	char ticket[24] = "";
	const char *link = jstr_or(m, "link", "");
	const char *p = strstr(link, "/tickets/");
	struct push_message pm = {
		.title = jstr_or(m, "title", ""),
		.body = jstr_or(m, "body", ""),
		.link = link,
		.kind = c->kind,
		.high_priority = json_is_true(json_object_get(m, "high")),
		.ack_token = json_string_value(json_object_get(m, "ack_token")),
	};

	if (p)
		pm.ticket_id = strtoll(p + 9, NULL, 10);
	snprintf(ticket, sizeof(ticket), "%lld", pm.ticket_id);
	pm.collapse = pm.ticket_id ? ticket : NULL;
	if (devices_store_get(db, c->device_id, copy_token, token) != ERR_OK || !token[0]) {
		out->outcome = SEND_REJECTED;
		snprintf(out->error, sizeof(out->error), "the device was removed");
		return;
	}
	push_send(channels_push(l), token, &pm, c->key, out);
}

/* Standard base64 (with padding) into *out (malloc'd), *len bytes; -1
 * when it is not base64. */
static int base64_decode(const char *in, unsigned char **out, size_t *len)
{
	size_t n = strlen(in), pad = 0;
	int got;

	*out = NULL;
	*len = 0;
	if (n % 4 || n > (size_t)INT_MAX)
		return -1;
	*out = malloc(n / 4 * 3 + 1);
	if (!*out)
		return -1;
	got = EVP_DecodeBlock(*out, (const unsigned char *)in, (int)n);
	if (got < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (n && in[n - 1] == '=')
		pad++;
	if (n > 1 && in[n - 2] == '=')
		pad++;
	*len = (size_t)got - pad;
	return 0;
}

static void send_mail(const struct claimed *c, const json_t *m, struct send_result *out)
{
	const json_t *atts = json_object_get(m, "attachments"), *a;
	struct mail_attachment list[4];
	unsigned char *decoded[4] = { 0 };
	struct mail_message mm = {
		.to = jstr_or(m, "to", c->address),
		.to_name = json_string_value(json_object_get(m, "to_name")),
		.subject = jstr_or(m, "subject", ""),
		.text = jstr_or(m, "text", ""),
		.html = json_string_value(json_object_get(m, "html")),
		.list_unsubscribe = json_string_value(json_object_get(m, "unsubscribe")),
		.attachments = list,
		.idempotency_key = c->key,
	};
	size_t i;

	json_array_foreach(atts, i, a) {
		const char *b64 = json_string_value(json_object_get(a, "data_base64"));

		if (i == 4)
			break;
		list[i] = (struct mail_attachment){
			.filename = jstr_or(a, "filename", "attachment"),
			.content_type = jstr_or(a, "content_type", "application/octet-stream"),
			.data = jstr_or(a, "data", ""),
			.len = strlen(jstr_or(a, "data", "")),
		};
		/* Binary attachments (a PDF) are stored as base64. */
		if (b64 && base64_decode(b64, &decoded[i], &list[i].len) != 0) {
			out->outcome = SEND_REJECTED;
			snprintf(out->error, sizeof(out->error),
				 "attachment %zu: data_base64 is not base64", i);
			goto done;
		}
		if (b64)
			list[i].data = (const char *)decoded[i];
		mm.n_attachments = i + 1;
	}
	mail_send(channels_mail(), &mm, out);
done:
	for (i = 0; i < 4; i++)
		free(decoded[i]);
}

static void send_sms(const struct claimed *c, const json_t *m, struct send_result *out)
{
	const char *code = sms_template_for(channels_sms(), jstr_or(m, "template_kind", c->kind));

	if (!code) {
		out->outcome = SEND_REJECTED;
		snprintf(out->error, sizeof(out->error), "no SMS template is configured for %s",
			 c->kind);
		return;
	}
	sms_send(channels_sms(), jstr_or(m, "phone", c->address), code,
		 json_object_get(m, "params"), c->key, out);
}

static void send_chat(const struct claimed *c, const json_t *m, struct send_result *out)
{
	const struct chat_robot *r = channels_robot_named(c->address);
	struct chat_message cm = {
		.title = jstr_or(m, "title", ""),
		.text = jstr_or(m, "text", ""),
		.link = json_string_value(json_object_get(m, "link")),
	};

	if (!r) {
		out->outcome = SEND_REJECTED;
		snprintf(out->error, sizeof(out->error), "robot %s is no longer configured",
			 c->address);
		return;
	}
	chat_robot_send(r, channels_ca_file(), &cm, out);
}

static void attempt(struct db *db, enum lane l, const struct claimed *c, struct send_result *out)
{
	json_t *m = json_loads(c->message, 0, NULL);

	memset(out, 0, sizeof(*out));
	out->outcome = SEND_RETRY;
	if (!m) {
		out->outcome = SEND_REJECTED;
		snprintf(out->error, sizeof(out->error), "the stored message is not JSON");
		return;
	}
	switch (l) {
	case LANE_FCM:
	case LANE_APNS:
	case LANE_JPUSH:
		send_push(db, l, c, m, out);
		break;
	case LANE_SMTP:
		send_mail(c, m, out);
		break;
	case LANE_ALIYUN:
		send_sms(c, m, out);
		break;
	default:
		send_chat(c, m, out);
		break;
	}
	json_decref(m);
}

/* ---- outcomes --------------------------------------------------------------- */

static void breaker_failure(enum lane l, struct lane_state *s, int64_t now)
{
	if (++s->failures < BREAKER_FAILURES)
		return;
	s->open_for = s->open_for ? s->open_for * 2 : BREAKER_OPEN_S;
	if (s->open_for > BREAKER_OPEN_MAX_S)
		s->open_for = BREAKER_OPEN_MAX_S;
	s->open_until = now + s->open_for;
	breaker_until[l] = s->open_until;
	log_error("delivery: %s failed %d times in a row; paused for %lld s", lane_provider(l),
		  s->failures, (long long)s->open_for);
}

static void breaker_success(enum lane l, struct lane_state *s)
{
	s->failures = 0;
	s->open_for = 0;
	s->open_until = 0;
	breaker_until[l] = 0;
}

static enum err record(struct db *db, enum lane l, struct lane_state *s, const struct claimed *c,
		       const struct send_result *r, int64_t now)
{
	int mi = metric_index(c->channel);
	enum err e = db_begin(db);
	int64_t next, latency;

	if (e != ERR_OK)
		return e;
	switch (r->outcome) {
	case SEND_OK:
		/* now (the scheduler's clock, which tests move) to the ms. */
		latency = now * 1000 + wall_ms() % 1000 - c->created_at * 1000;
		if (latency < 0)
			latency = 0;
		e = delivery_store_sent(db, c->id, r->provider_ref, r->http_status, now, latency);
		metrics[mi].sent++;
		metrics[mi].latency_ms_sum += (uint64_t)latency;
		metrics[mi].latency_count++;
		for (int b = 0; b < 6; b++)
			if (latency <= (int64_t)delivery_latency_bounds_s[b] * 1000)
				metrics[mi].latency_le[b]++;
		breaker_success(l, s);
		break;
	case SEND_RETRY:
		metrics[mi].failed++;
		breaker_failure(l, s, now);
		if (c->attempts >= DELIVERY_MAX_ATTEMPTS) {
			e = delivery_store_dead(db, c->id, r->http_status, r->error);
			metrics[mi].dead++;
			break;
		}
		next = now + backoff_jittered(c->attempts);
		if (r->retry_after_s > 0 && now + r->retry_after_s > next)
			next = now + r->retry_after_s;
		e = delivery_store_retry(db, c->id, next, r->http_status, r->error);
		metrics[mi].retried++;
		break;
	case SEND_GONE:
		/* The provider says the token is dead: the device is retired so
		 * nothing is pushed to it again. */
		metrics[mi].gone++;
		metrics[mi].dead++;
		if (c->device_id)
			e = devices_store_retire(db, c->user_id, c->device_id, "gone", now);
		if (e == ERR_NOT_FOUND)
			e = ERR_OK;
		if (e == ERR_OK)
			e = delivery_store_dead(db, c->id, r->http_status, r->error);
		breaker_success(l, s); /* the provider answered */
		break;
	case SEND_REJECTED:
		metrics[mi].failed++;
		metrics[mi].dead++;
		e = delivery_store_dead(db, c->id, r->http_status, r->error);
		breaker_success(l, s);
		break;
	}
	if (e == ERR_NOT_FOUND)
		e = ERR_OK; /* cancelled meanwhile: nothing to record */
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

/* Rows claimed but not to be sent now go back, their attempt uncounted. */
static enum err give_back(struct db *db, const struct claim_list *l, size_t from, int64_t at)
{
	enum err e = ERR_OK;

	if (from >= l->n)
		return ERR_OK;
	e = db_begin(db);
	for (size_t i = from; e == ERR_OK && i < l->n; i++) {
		e = delivery_store_postpone(db, l->items[i].id, at);
		if (e == ERR_NOT_FOUND)
			e = ERR_OK;
	}
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

/* The token bucket: up to one second's worth (at least one) banked. */
static int take_budget(enum lane l, struct lane_state *s)
{
	double rate = channels_lane_rate(l), cap = rate < 1 ? 1 : rate;
	int64_t now_ms = wall_ms();

	if (!s->refilled_ms) {
		s->tokens = cap;
	} else {
		s->tokens += rate * (double)(now_ms - s->refilled_ms) / 1000.0;
		if (s->tokens > cap)
			s->tokens = cap;
	}
	s->refilled_ms = now_ms;
	return s->tokens >= 1 ? (int)s->tokens : 0;
}

/* Seconds until robot name may post again (0: now, and its token is
 * taken). Buckets refill at ROBOT_PER_MINUTE a minute, up to that many. */
static int64_t robot_wait(struct lane_state *s, const char *name)
{
	const double rate = ROBOT_PER_MINUTE / 60.0;
	int64_t now_ms = wall_ms();
	struct robot_budget *b = NULL;

	for (size_t i = 0; i < CHANNELS_ROBOTS_MAX && !b; i++) {
		if (strcmp(s->robots[i].name, name) == 0) {
			b = &s->robots[i];
		} else if (!s->robots[i].name[0]) {
			b = &s->robots[i];
			snprintf(b->name, sizeof(b->name), "%s", name);
			b->tokens = ROBOT_PER_MINUTE;
			b->refilled_ms = now_ms;
		}
	}
	if (!b)
		return 0; /* more robots than configured: cannot happen */
	b->tokens += rate * (double)(now_ms - b->refilled_ms) / 1000.0;
	if (b->tokens > ROBOT_PER_MINUTE)
		b->tokens = ROBOT_PER_MINUTE;
	b->refilled_ms = now_ms;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (int64_t)((1 - b->tokens) / rate) + 1;
}

/* One claimed row back to pending at `at`, its attempt uncounted. */
static enum err postpone_one(struct db *db, int64_t id, int64_t at)
{
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = delivery_store_postpone(db, id, at);
	if (e == ERR_NOT_FOUND)
		e = ERR_OK;
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

enum err delivery_lane_run(struct db *db, enum lane l, struct lane_state *s, int64_t now,
			   int *handled)
{
	struct claim_list *list;
	int budget, half_open = 0;
	enum err e;
	size_t i;

	*handled = 0;
	if (!channels_lane_on(l))
		return ERR_OK;
	if (s->open_until && now < s->open_until)
		return ERR_OK;
	if (s->open_until)
		half_open = 1; /* one delivery probes the provider */
	budget = take_budget(l, s);
	if (budget <= 0)
		return ERR_OK;
	if (budget > DELIVERY_BATCH || half_open)
		budget = half_open ? 1 : DELIVERY_BATCH;
	list = calloc(1, sizeof(*list));
	if (!list)
		return ERR_INTERNAL;
	e = db_begin(db);
	if (e == ERR_OK)
		e = delivery_store_claim(db, lane_provider(l), now, now + DELIVERY_LEASE_S, budget,
					 keep_claimed, list);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		list->n = 0;
	}
	for (i = 0; e == ERR_OK && i < list->n; i++) {
		struct send_result r;

		int64_t wait;

		if (s->open_until && now < s->open_until)
			break; /* the breaker opened on this batch */
		if (strcmp(list->items[i].channel, "chat") == 0 &&
		    (wait = robot_wait(s, list->items[i].address)) > 0) {
			e = postpone_one(db, list->items[i].id, now + wait);
			continue; /* this group has had its share; the others go on */
		}
		attempt(db, l, &list->items[i], &r);
		s->tokens -= 1;
		e = record(db, l, s, &list->items[i], &r, now);
		(*handled)++;
	}
	if (e == ERR_OK)
		e = give_back(db, list, i, s->open_until > now ? s->open_until : now);
	for (size_t k = 0; k < list->n; k++)
		free(list->items[k].message);
	free(list);
	return e;
}

enum err delivery_recover(struct db *db, int64_t now)
{
	int64_t n = 0;
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = delivery_store_recover(db, now, &n);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	else if (n)
		log_info("delivery: %lld deliveries interrupted by a stop go out again",
			 (long long)n);
	return e;
}

enum err delivery_purge_run(struct db *db, int64_t now)
{
	int64_t n = 0;
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = delivery_store_purge(db, now - DELIVERY_KEEP_S, &n);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}
