/* SLA warnings and escalation: the watcher job and its configuration.
 *
 * For every open ticket whose clock runs (not waiting on the customer) and
 * every target not yet met, a warning goes out when each configured share
 * of the time allowed (due - created) has passed; once the deadline is
 * missed the ticket climbs the centre's escalation chain, one level per
 * run, when each level's further share has passed. Each alert's row in
 * ticket_alerts is its once-only guarantee: the history entry, the
 * notifications and the webhook event are written in the same
 * transaction, and only when that row is new. */
#include "domain/escalation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/delivery.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/escalation_store.h"
#include "domain/notify.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "domain/tickets.h"

#define WATCH_BATCH 200
#define RECIPIENTS_MAX 32

static const char *const targets[SLA_TARGETS] = { "response", "arrival", "resolution" };

const char *escalation_target_name(int target)
{
	return target >= 0 && target < SLA_TARGETS ? targets[target] : "";
}

/* When share percent of the time allowed from created to due has gone:
 * the one rule the warnings and the board's clock both follow. */
static int64_t share_at(int64_t created, int64_t due, int percent)
{
	return created + (due - created) * percent / 100;
}

void escalation_clock(const struct escalation_config *c, int64_t created_at,
		      const int64_t due[SLA_TARGETS], const int64_t met[SLA_TARGETS], int64_t at,
		      struct sla_clock *out)
{
	int t = 0;

	memset(out, 0, sizeof(*out));
	while (t < SLA_TARGETS && met[t])
		t++;
	if (t == SLA_TARGETS) {
		out->target = -1;
		return;
	}
	out->target = t;
	out->due = due[t];
	if (due[t] <= created_at) { /* no time allowed: the watcher skips it */
		out->percent = at >= due[t] ? 100 : 0;
		return;
	}
	if (at > created_at) {
		int64_t pct = (at - created_at) * 100 / (due[t] - created_at);

		out->percent = pct > 100000 ? 100000 : (int)pct; /* 1000 times late: enough */
	}
	for (int l = 0; l < ESCALATION_LEVELS; l++) {
		int pct = c->warning_percent[l];
		int64_t when;

		if (pct <= 0)
			continue;
		when = share_at(created_at, due[t], pct);
		if (at >= when && pct > out->warning_percent)
			out->warning_percent = pct;
		else if (at < when && (!out->next_warning_at || when < out->next_warning_at))
			out->next_warning_at = when;
	}
}

/* ---- recipients ----------------------------------------------------------- */

struct recipients {
	int64_t id[RECIPIENTS_MAX];
	char name[RECIPIENTS_MAX][64];
	size_t n;
	size_t path_len; /* supervisors: the group being collected */
	int group;       /* supervisors: which group (1 nearest, 2 next) to keep */
	int seen_group;
};

static int add_recipient(int64_t user_id, const char *username, void *arg)
{
	struct recipients *r = arg;

	for (size_t i = 0; i < r->n; i++)
		if (r->id[i] == user_id)
			return 0;
	if (r->n == RECIPIENTS_MAX)
		return 1;
	r->id[r->n] = user_id;
	snprintf(r->name[r->n], sizeof(r->name[0]), "%s", username);
	r->n++;
	return 0;
}

/* Supervisors come nearest first; group 1 is those of the most specific
 * region, group 2 those of the next region up. */
static int add_supervisor(int64_t user_id, const char *username, size_t path_len, void *arg)
{
	struct recipients *r = arg;

	if (path_len != r->path_len) {
		r->path_len = path_len;
		r->seen_group++;
	}
	if (r->seen_group > r->group)
		return 1;
	return r->seen_group == r->group ? add_recipient(user_id, username, r) : 0;
}

/* Who hears of escalation level: the centre's configured contacts, else
 * the default chain (1: the nearest supervisors, 2: the supervisors one
 * region up, 3: the admins); admins whenever a level finds nobody. */
static enum err escalation_recipients(struct db *db, const char *centre, int level,
				      struct recipients *r)
{
	enum err e = ERR_OK;

	memset(r, 0, sizeof(*r));
	if (centre[0])
		e = escalation_store_contacts(db, centre, level, add_recipient, r);
	if (e == ERR_OK && r->n == 0 && level < 3 && centre[0]) {
		r->group = level;
		e = escalation_store_supervisors(db, centre, add_supervisor, r);
	}
	if (e == ERR_OK && r->n == 0)
		e = escalation_store_admins(db, add_recipient, r);
	return e;
}

/* An escalation level adds people: level n tells its own and, again, those
 * of the levels below it (who now hear on the stronger channels of the
 * higher level: issue 18, include/domain/delivery.h), so the centre's
 * manager who let level 1 pass gets the SMS and e-mail of level 2. */
static enum err escalation_people(struct db *db, const char *centre, int level,
				  struct recipients *out)
{
	struct recipients one;
	enum err e = ERR_OK;

	memset(out, 0, sizeof(*out));
	for (int l = level; e == ERR_OK && l >= 1; l--) {
		e = escalation_recipients(db, centre, l, &one);
		for (size_t i = 0; e == ERR_OK && i < one.n; i++)
			add_recipient(one.id[i], one.name[i], out);
	}
	return e;
}

/* Warnings go to whoever holds the job: the assignee, else the centre's
 * dispatchers (else the admins). */
static enum err warning_recipients(struct db *db, const struct watched_ticket *w,
				   struct recipients *r)
{
	enum err e = ERR_OK;

	memset(r, 0, sizeof(*r));
	if (w->assignee_id) {
		char name[64];

		e = escalation_store_username(db, w->assignee_id, name);
		if (e == ERR_OK)
			add_recipient(w->assignee_id, name, r);
	} else if (w->centre[0]) {
		e = escalation_store_dispatchers(db, w->centre, add_recipient, r);
	}
	if (e == ERR_OK && r->n == 0)
		e = escalation_store_admins(db, add_recipient, r);
	return e;
}

/* ---- one alert ------------------------------------------------------------- */

static enum err announce(struct db *db, const struct watched_ticket *w, const char *kind, int t,
			 int level, int share, int64_t now, const struct recipients *r,
			 const char *title)
{
	const char *target = targets[t];
	char number[24], due[32], dedupe[128];
	int escalation = strcmp(kind, "escalation") == 0;
	json_t *names = json_array(), *detail, *event;
	enum err e = ERR_OK;

	tickets_number(w->id, number);
	clock_format(w->due[t], due, sizeof(due));
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(names, json_string(r->name[i]));
	detail = json_pack("{s:s, s:i, s:i, s:s, s:O}", "target", target, "level", level,
			   escalation ? "after_percent" : "percent", share, "due", due, "notified",
			   names);
	event = json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:O}", "ticket_id", (json_int_t)w->id,
			  "number", number, "kind", kind, "target", target, "level", level, "due",
			  due, "notified", names);
	if (!detail || !event)
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = tickets_event_locked(
		    db, w->id,
		    &(struct ticket_event_in){ .at = now,
					       .action = escalation ? "escalate" : "sla_warning",
					       .from = w->status,
					       .to = w->status,
					       .detail = detail });
	for (size_t i = 0; e == ERR_OK && i < r->n; i++) {
		snprintf(dedupe, sizeof(dedupe), "sla:%lld:%s:%s:%d:%lld", (long long)w->id, target,
			 kind, level, (long long)r->id[i]);
		e = notify_user(db, r->id[i], escalation ? "sla.escalation" : "sla.warning", title,
				event, dedupe);
	}
	if (e == ERR_OK)
		e = notify_event(
		    db, escalation ? "ticket.escalated" : "ticket.sla_warning",
		    &(struct notify_scope){ .region_path = w->region_path, .centre = w->centre },
		    event);
	/* The centre's and region's group chats hear of it too. */
	if (e == ERR_OK)
		e = delivery_fanout_robots(db, escalation ? "sla.escalation" : "sla.warning", w->id,
					   event, now);
	json_decref(names);
	json_decref(detail);
	json_decref(event);
	return e;
}

static enum err warn(struct db *db, const struct escalation_config *c,
		     const struct watched_ticket *w, int t, int64_t now)
{
	struct recipients r;
	char number[24], title[160];
	enum err e = ERR_OK;
	int added;

	for (int l = 0; e == ERR_OK && l < ESCALATION_LEVELS; l++) {
		int pct = c->warning_percent[l];

		if (pct <= 0 || now < share_at(w->created_at, w->due[t], pct))
			continue;
		e = escalation_store_alert_add(db, w->id, targets[t], "warning", l + 1, now,
					       &added);
		if (e != ERR_OK || !added)
			continue;
		e = warning_recipients(db, w, &r);
		tickets_number(w->id, number);
		if (pct >= 100)
			snprintf(title, sizeof(title), "%s: the %s deadline has passed", number,
				 targets[t]);
		else
			snprintf(title, sizeof(title), "%s: %d%% of the %s time has gone", number,
				 pct, targets[t]);
		if (e == ERR_OK)
			e = announce(db, w, "warning", t, l + 1, pct, now, &r, title);
	}
	return e;
}

/* One level up the chain per run, so a deadline missed long ago still
 * climbs step by step. */
static enum err escalate(struct db *db, const struct escalation_config *c,
			 const struct watched_ticket *w, int t, int64_t now)
{
	int64_t allowed = w->due[t] - w->created_at;
	struct recipients r;
	char number[24], title[192];
	int level, added, next;
	enum err e;

	if (now < w->due[t])
		return ERR_OK;
	e = escalation_store_level(db, w->id, targets[t], &level);
	next = level + 1;
	if (e != ERR_OK || next > ESCALATION_LEVELS ||
	    now < w->due[t] + allowed * c->escalation_after[next - 1] / 100)
		return e;
	e = escalation_store_alert_add(db, w->id, targets[t], "escalation", next, now, &added);
	if (e != ERR_OK || !added)
		return e;
	e = escalation_people(db, w->centre, next, &r);
	tickets_number(w->id, number);
	snprintf(title, sizeof(title), "%s escalated to level %d (%s): %s deadline missed", number,
		 next, c->escalation_name[next - 1], targets[t]);
	return e == ERR_OK ? announce(db, w, "escalation", t, next, c->escalation_after[next - 1],
				      now, &r, title)
			   : e;
}

static enum err watch_one(struct db *db, const struct escalation_config *c,
			  const struct watched_ticket *w, int64_t now)
{
	enum err e = db_begin(db);

	for (int t = 0; e == ERR_OK && t < SLA_TARGETS; t++) {
		if (w->met[t] || w->due[t] <= w->created_at)
			continue;
		e = warn(db, c, w, t, now);
		if (e == ERR_OK)
			e = escalate(db, c, w, t, now);
	}
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

enum err escalation_run(struct db *db, int64_t now)
{
	struct watched_ticket *batch = calloc(WATCH_BATCH, sizeof(*batch));
	struct escalation_config c;
	int64_t after = 0;
	int first = 100;
	size_t n = 0;
	enum err e = batch ? escalation_store_config(db, &c) : ERR_INTERNAL;

	for (int l = 0; e == ERR_OK && l < ESCALATION_LEVELS; l++)
		if (c.warning_percent[l] > 0 && c.warning_percent[l] < first)
			first = c.warning_percent[l];
	do {
		if (e == ERR_OK)
			e = escalation_store_watched(db, now, first, after, batch, WATCH_BATCH, &n);
		/* The batch is read in full before writing: no statement is
		 * stepping while each ticket's transaction runs. */
		for (size_t i = 0; e == ERR_OK && i < n; i++) {
			e = watch_one(db, &c, &batch[i], now);
			after = batch[i].id;
		}
	} while (e == ERR_OK && n == WATCH_BATCH);
	free(batch);
	return e;
}
