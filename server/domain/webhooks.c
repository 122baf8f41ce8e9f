/* Webhooks: the event types endpoints may subscribe to, and the
 * scheduler's job that sends the deliveries the outbox (notify_event)
 * queued, signed, retrying with backoff until they are delivered or dead.
 * The endpoints admins register are answered by server/api/webhooks.c. */
#include "domain/webhooks.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/log.h"
#include "db/notify_store.h"

#define EVENT_TYPE_LEN_MAX 64

static const char *const event_types[] = {
	"ticket.created",
	"ticket.assigned",
	"ticket.accepted",
	"ticket.declined",
	"ticket.status_changed",
	"ticket.resolved",
	"ticket.closed",
	"ticket.cancelled",
	"ticket.reopened",
	"ticket.sla_warning",
	"ticket.escalated",
	"warranty.expiring",
	"warranty.expired",
	"warranty.renewed",
	"problem.opened",
	"ticket.escalation_acknowledged",
	"warranty.contract_expiring",
	NULL,
};

const char *const *webhooks_event_types(void)
{
	return event_types;
}

int webhooks_event_known(const char *name)
{
	for (size_t i = 0; name && event_types[i]; i++)
		if (strcmp(event_types[i], name) == 0)
			return 1;
	return 0;
}

int64_t webhooks_backoff(int attempts)
{
	int64_t wait = WEBHOOK_BACKOFF_BASE_S;

	for (int i = 1; i < attempts && wait < WEBHOOK_BACKOFF_MAX_S; i++)
		wait *= 2;
	return wait < WEBHOOK_BACKOFF_MAX_S ? wait : WEBHOOK_BACKOFF_MAX_S;
}

/* ---- The delivery job ---- */

struct due {
	int64_t id;
	int attempts;
	char event_type[EVENT_TYPE_LEN_MAX + 1];
	char *payload;
	char *url;
	char *secret;
	int allow_private;
};

struct due_ctx {
	struct due items[WEBHOOK_BATCH];
	int n;
	int oom;
};

static int collect_due(const struct webhook_delivery_row *d, void *arg)
{
	struct due_ctx *c = arg;
	struct due *x;

	if (c->n == WEBHOOK_BATCH)
		return 1;
	x = &c->items[c->n];
	memset(x, 0, sizeof(*x));
	x->id = d->id;
	x->attempts = d->attempts;
	snprintf(x->event_type, sizeof(x->event_type), "%s", d->event_type);
	x->payload = strdup(d->payload);
	x->url = strdup(d->url);
	x->secret = strdup(d->secret);
	x->allow_private = d->allow_private;
	if (!x->payload || !x->url || !x->secret) {
		free(x->payload);
		free(x->url);
		free(x->secret);
		c->oom = 1;
		return 1;
	}
	c->n++;
	return 0;
}

static void due_free(struct due *x)
{
	free(x->payload);
	if (x->secret)
		OPENSSL_cleanse(x->secret, strlen(x->secret));
	free(x->secret);
	free(x->url);
}

/* Reads the due deliveries and leases them in one short transaction. */
static enum err claim(struct db *db, int64_t now, struct due_ctx *c)
{
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = webhook_store_due(db, now, WEBHOOK_BATCH, collect_due, c);
	if (e == ERR_OK && c->oom)
		e = ERR_INTERNAL;
	for (int i = 0; e == ERR_OK && i < c->n; i++)
		e = webhook_store_delivery_lease(db, c->items[i].id, now + WEBHOOK_LEASE_S);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

/* hex(HMAC-SHA256(secret, timestamp "." body)) into out (65 bytes). */
static int sign(const char *secret, const char *timestamp, const char *body, char *out, size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t tlen = strlen(timestamp), blen = strlen(body);
	unsigned char *msg = malloc(tlen + 1 + blen);

	if (!msg)
		return -1;
	memcpy(msg, timestamp, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, blen);
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, tlen + 1 + blen, mac, &mac_len) ||
	    size < 2 * (size_t)mac_len + 1) {
		free(msg);
		return -1;
	}
	free(msg);
	for (unsigned int i = 0; i < mac_len; i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", mac[i]);
	return 0;
}

/* One attempt, outside any transaction: *status the HTTP status (0 when
 * none came back), why the reason when it is not a 2xx. */
static void attempt(const struct due *x, int64_t now, int *status, char *why, size_t why_size)
{
	struct webhook_target target;
	char ts[24], sig[2 * EVP_MAX_MD_SIZE + 1], headers[512];

	*status = 0;
	/* Resolved and checked again now: the name may point elsewhere since
	 * it was registered. */
	if (webhook_target_check(x->url, x->allow_private, &target, why, why_size) != ERR_OK)
		return;
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if (sign(x->secret, ts, x->payload, sig, sizeof(sig)) < 0) {
		snprintf(why, why_size, "signing failed");
		return;
	}
	snprintf(headers, sizeof(headers),
		 "X-Fieldtrace-Event: %s\r\nX-Fieldtrace-Delivery: %lld\r\n"
		 "X-Fieldtrace-Timestamp: %s\r\nX-Fieldtrace-Signature: sha256=%s\r\n",
		 x->event_type, (long long)x->id, ts, sig);
	if (webhook_post(&target, headers, x->payload, strlen(x->payload), status, why, why_size) !=
	    ERR_OK)
		return;
	if (*status < 200 || *status > 299)
		snprintf(why, why_size, "answered HTTP %d", *status);
}

static enum err record(struct db *db, const struct due *x, int64_t now, int status, const char *why)
{
	int attempts = x->attempts + 1;
	const char *next_status = "pending";
	int64_t next = now + webhooks_backoff(attempts);
	enum err e;

	if (status >= 200 && status <= 299) {
		next_status = "delivered";
		next = now;
		why = "";
	} else if (attempts >= WEBHOOK_MAX_ATTEMPTS) {
		next_status = "dead";
		next = now;
	}
	e = db_begin(db);
	if (e == ERR_OK)
		e = webhook_store_delivery_record(db, x->id, next_status, attempts, next, status,
						  why, now);
	if (e == ERR_NOT_FOUND)
		e = ERR_OK; /* its endpoint was deleted meanwhile */
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

enum err webhooks_deliver_run(struct db *db, int64_t now)
{
	struct due_ctx *c = calloc(1, sizeof(*c));
	enum err e;

	if (!c)
		return ERR_INTERNAL;
	e = claim(db, now, c);
	for (int i = 0; e == ERR_OK && i < c->n; i++) {
		char why[256] = "";
		int status;

		attempt(&c->items[i], now, &status, why, sizeof(why));
		if (status < 200 || status > 299)
			log_info("webhooks: delivery %lld attempt %d failed: %s",
				 (long long)c->items[i].id, c->items[i].attempts + 1, why);
		e = record(db, &c->items[i], now, status, why);
	}
	for (int i = 0; i < c->n; i++)
		due_free(&c->items[i]);
	free(c);
	return e;
}
