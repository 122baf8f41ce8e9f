/* Recurring problems: the detection job that finds the same fault on the
 * same component lot, production batch, design revision or model (the
 * records quality engineers own are answered by server/api/problems.c). */
#include "domain/problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/log.h"
#include "domain/notify.h"
#include "db/problems_store.h"
#include "domain/registry.h"
#include "domain/tickets.h"

/* ---- JSON ------------------------------------------------------------------ */

/* The shared factor: only the members its kind uses. */
json_t *problems_factor_json(const struct problem_row *p)
{
	const struct problem_factor *f = &p->factor;
	json_t *doc = json_pack("{s:s, s:s}", "kind", problems_kind_name(f->kind), "fault_code",
				f->fault_code);

	if (f->model_id)
		json_object_set_new(
		    doc, "model",
		    json_pack("{s:I, s:s}", "id", (json_int_t)f->model_id, "code", p->model_code));
	switch (f->kind) {
	case PROBLEM_LOT:
		json_object_set_new(doc, "part_number", json_string(f->part_number));
		json_object_set_new(doc, "lot", json_string(f->value));
		break;
	case PROBLEM_BATCH:
		json_object_set_new(doc, "batch", json_string(f->value));
		break;
	case PROBLEM_REVISION:
		json_object_set_new(doc, "design_revision", json_string(f->value));
		break;
	default:
		break;
	}
	return doc;
}

/* "fault E101 on lot L7 of part CB-100" */
static void factor_text(const struct problem_row *p, char *out, size_t size)
{
	const struct problem_factor *f = &p->factor;

	switch (f->kind) {
	case PROBLEM_LOT:
		snprintf(out, size, "fault %s on lot %s of part %s", f->fault_code, f->value,
			 f->part_number);
		break;
	case PROBLEM_BATCH:
		snprintf(out, size, "fault %s on production batch %s", f->fault_code, f->value);
		break;
	case PROBLEM_REVISION:
		snprintf(out, size, "fault %s on model %s revision %s", f->fault_code,
			 p->model_code, f->value);
		break;
	default:
		snprintf(out, size, "fault %s on model %s", f->fault_code, p->model_code);
	}
}

/* ---- detection -------------------------------------------------------------- */

struct group_list {
	struct problem_factor *items;
	size_t n, cap;
};

static int group_add(const struct problem_factor *f, int64_t count, void *arg)
{
	struct group_list *l = arg;

	(void)count; /* the ticket list decides: groups of one kind may share tickets */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct problem_factor *p = realloc(l->items, cap * sizeof(*p));

		if (!p)
			return 1;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *f;
	return 0;
}

struct id_pair {
	int64_t ticket_id, asset_id;
};
struct ticket_list {
	struct id_pair *items;
	size_t n, cap;
	int failed;
};

static int ticket_add(int64_t ticket_id, int64_t asset_id, void *arg)
{
	struct ticket_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct id_pair *p = realloc(l->items, cap * sizeof(*p));

		if (!p) {
			l->failed = 1;
			return 1;
		}
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n].ticket_id = ticket_id;
	l->items[l->n].asset_id = asset_id;
	l->n++;
	return 0;
}

struct owners {
	int64_t ids[64];
	size_t n;
};

static int owner_add(int64_t user_id, void *arg)
{
	struct owners *o = arg;

	if (o->n < sizeof(o->ids) / sizeof(o->ids[0]))
		o->ids[o->n++] = user_id;
	return 0;
}

/* Tells the quality owners and webhooks of a new problem, and audits it. */
static enum err announce(struct db *db, int64_t id, const struct ticket_list *tickets)
{
	struct problem_row *p = malloc(sizeof(*p));
	struct owners owners = { 0 };
	struct audit_actor actor = { 0, "scheduler", "problems_detect", "local" };
	char title[512], what[400], key[64], ids[24];
	json_t *data = NULL, *list = json_array();
	enum err e = p && list ? problems_store_get(db, id, p) : ERR_INTERNAL;

	for (size_t i = 0; e == ERR_OK && i < tickets->n; i++)
		json_array_append_new(list, json_integer(tickets->items[i].ticket_id));
	if (e == ERR_OK) {
		factor_text(p, what, sizeof(what));
		snprintf(title, sizeof(title), "Recurring problem #%lld: %s (%zu tickets)",
			 (long long)id, what, tickets->n);
		data = json_pack("{s:I, s:o, s:O, s:s}", "problem_id", (json_int_t)id, "factor",
				 problems_factor_json(p), "ticket_ids", list, "summary", what);
		e = data ? problems_store_owners(db, owner_add, &owners) : ERR_INTERNAL;
	}
	for (size_t i = 0; e == ERR_OK && i < owners.n; i++) {
		snprintf(key, sizeof(key), "problem.opened:%lld:%lld", (long long)id,
			 (long long)owners.ids[i]);
		e = notify_user(db, owners.ids[i], "problem.opened", title, data, key);
	}
	if (e == ERR_OK)
		e = notify_event(db, "problem.opened", NULL, data); /* national data */
	if (e == ERR_OK) {
		snprintf(ids, sizeof(ids), "%lld", (long long)id);
		e = audit_append(db, &actor, "problem.open", "problem", ids, NULL, data);
	}
	json_decref(data);
	json_decref(list);
	free(p);
	return e;
}

/* One group: attach its new tickets to its open problem, or open one when
 * they reach the threshold. *opened counts problems opened. */
static enum err detect_group(struct db *db, const struct problem_factor *f,
			     const struct problem_settings *s, int64_t since, int64_t now,
			     size_t *opened, size_t *attached)
{
	struct ticket_list l = { 0 };
	int64_t id = 0;
	int is_new = 0;
	enum err e = problems_store_find_open(db, f, &id);

	if (e == ERR_NOT_FOUND) {
		id = 0;
		e = ERR_OK;
	}
	if (e == ERR_OK)
		e = problems_store_group_tickets(db, f, since, ticket_add, &l);
	if (e == ERR_OK && l.failed)
		e = ERR_INTERNAL;
	if (e != ERR_OK || l.n == 0 || (!id && (int64_t)l.n < s->threshold))
		goto out;
	if (!id) {
		e = problems_store_insert(db, f, s, now, &id);
		is_new = 1;
	}
	for (size_t i = 0; e == ERR_OK && i < l.n; i++)
		e = problems_store_attach(db, id, l.items[i].ticket_id, l.items[i].asset_id, now);
	if (e == ERR_OK && is_new) {
		e = announce(db, id, &l);
		(*opened)++;
	} else if (e == ERR_OK) {
		*attached += l.n;
	}
out:
	free(l.items);
	return e;
}

enum err problems_detect_run(struct db *db, int64_t now)
{
	struct problem_settings s;
	struct group_list groups = { 0 };
	size_t opened = 0, attached = 0;
	int64_t since;
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = problems_store_settings(db, &s);
	if (e == ERR_OK && s.run_every_minutes && s.last_run_at && now >= s.last_run_at &&
	    now - s.last_run_at < s.run_every_minutes * 60) {
		db_rollback(db); /* not due yet */
		return ERR_OK;
	}
	since = now - s.window_days * 86400;
	/* Most specific first: a ticket explained by a lot is not counted
	 * again for its batch, revision or model. */
	for (int k = 0; e == ERR_OK && k < PROBLEM__KINDS; k++) {
		groups.n = 0;
		e = problems_store_groups(db, (enum problem_kind)k, since, group_add, &groups);
		for (size_t i = 0; e == ERR_OK && i < groups.n; i++)
			e = detect_group(db, &groups.items[i], &s, since, now, &opened, &attached);
	}
	if (e == ERR_OK)
		e = problems_store_mark_run(db, now);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	else if (opened || attached)
		log_info("problems: %zu opened, %zu ticket%s added to open problems", opened,
			 attached, attached == 1 ? "" : "s");
	free(groups.items);
	return e;
}
