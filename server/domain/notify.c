/* The transactional outbox: producers write notifications and webhook
 * deliveries in the transaction of the event that causes them. */
#include "domain/notify.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/notify_store.h"
#include "domain/delivery.h"
#include "domain/webhooks.h"

enum err notify_user(struct db *db, int64_t user_id, const char *kind, const char *title,
		     const json_t *data, const char *dedupe_key)
{
	int64_t now = clock_now(), id;
	char *text;
	enum err e;

	if (user_id <= 0 || !kind || !*kind || !title)
		return ERR_INVALID;
	if (data && !json_is_object(data))
		return ERR_INVALID;
	text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	if (data && !text)
		return ERR_INTERNAL;
	e = notify_store_insert(db, user_id, kind, title, text, dedupe_key, now, &id);
	free(text);
	/* The same transaction writes its deliveries: a push, an e-mail, an
	 * SMS exist exactly when the notification does. */
	if (e == ERR_OK && id)
		e = delivery_fanout_user(db, user_id, id, kind, title, data, now);
	return e;
}

/* "evt_" + 32 hex digits: one id per event, the same in every endpoint's
 * delivery, so receivers can tell one event seen twice. */
static int event_id(char *out, size_t size)
{
	unsigned char rnd[16];
	size_t n;

	if (size < 4 + 2 * sizeof(rnd) + 1 || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	n = (size_t)snprintf(out, size, "evt_");
	for (size_t i = 0; i < sizeof(rnd); i++)
		n += (size_t)snprintf(out + n, size - n, "%02x", rnd[i]);
	return 0;
}

enum err notify_event(struct db *db, const char *event_type, const struct notify_scope *scope,
		      const json_t *payload)
{
	char id[48], created[32];
	int64_t now = clock_now(), count;
	json_t *body, *data;
	char *text;
	enum err e;

	if (!event_type || !*event_type || (payload && !json_is_object(payload)))
		return ERR_INVALID;
	if (!webhooks_event_known(event_type))
		log_error("notify: event type %s is not in the known list; only \"*\" "
			  "subscribers get it",
			  event_type);
	if (event_id(id, sizeof(id)) < 0)
		return ERR_INTERNAL;
	clock_format(now, created, sizeof(created));
	/* A reference to payload, dropped with body; payload is not changed. */
	data = payload ? json_incref((json_t *)payload) : json_object();
	body = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "type", event_type, "created_at",
			 created, "data", data);
	if (!body)
		return ERR_INTERNAL;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return ERR_INTERNAL;
	e = webhook_store_fanout(db, event_type, text,
				 &(struct webhook_event_scope){
				     .national = scope == NULL,
				     .region_path = scope ? scope->region_path : NULL,
				     .centre = scope ? scope->centre : NULL,
				     .registry = scope ? scope->registry : 0,
				 },
				 now, &count);
	free(text);
	return e;
}
