/* Planned maintenance: due dates, the job that requests preventive visits
 * a site at a time and alerts overdue ones, the calendar. Rules:
 * include/domain/maintenance.h. */
#include "domain/maintenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "db/maintenance_store.h"
#include "db/tickets_store.h"
#include "domain/audit.h"
#include "domain/notify.h"
#include "domain/registry.h"
#include "domain/tickets.h"

#define RUN_UNITS_MAX 20000 /* due units one run requests; the next run takes the rest */
#define ALERT_BATCH 500

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

json_t *maintenance_plan_json(const struct maintenance_plan *p)
{
	char created[32], updated[32];
	json_t *skill = p->skill_product_line[0]
			    ? json_pack("{s:s, s:I}", "product_line", p->skill_product_line,
					"level", (json_int_t)p->skill_level)
			    : json_null();

	clock_format(p->created_at, created, sizeof(created));
	clock_format(p->updated_at, updated, sizeof(updated));
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:b, s:I, s:s, s:s}", "id",
			 (json_int_t)p->id, "name", p->name, "model_id", id_or_null(p->model_id),
			 "contract_id", id_or_null(p->contract_id), "interval_months",
			 id_or_null(p->interval_months), "interval_hours",
			 id_or_null(p->interval_hours), "lead_days", (json_int_t)p->lead_days,
			 "checklist_template_id", id_or_null(p->checklist_template_id), "skill",
			 skill, "active", p->active, "version", (json_int_t)p->version,
			 "created_at", created, "updated_at", updated);
}

/* ---- due dates ------------------------------------------------------------- */

int maintenance_next_due(struct db *db, const struct maintenance_unit *u, const char *today,
			 char due[11], int *projected, enum err *e)
{
	struct maintenance_hours h;
	char base[11];

	(void)today;
	*e = ERR_OK;
	*projected = 0;
	if (u->open_visit_id)
		return 0;
	if (u->interval_months) {
		if (u->last_done_at)
			registry_date_of(u->last_done_at, base);
		else if (registry_date_ok(u->base_date))
			snprintf(base, sizeof(base), "%s", u->base_date);
		else
			return 0;
		registry_date_add_months(base, u->interval_months, due);
		return 1;
	}
	*e = maintenance_store_hours(db, u->asset_id, u->last_done_at, u->interval_hours, &h);
	if (*e != ERR_OK)
		return 0;
	if (h.crossed_at) {
		registry_date_of(h.crossed_at, due);
		return 1;
	}
	/* The rate since the service (or the first reading) projects the day
	 * the interval is reached. */
	if (h.latest_at > h.first_at && h.first_at && h.latest > h.first) {
		int64_t need = h.base + u->interval_hours - h.latest;
		int64_t secs = need * (h.latest_at - h.first_at) / (h.latest - h.first);

		registry_date_of(h.latest_at + secs, due);
		*projected = 1;
		return 1;
	}
	return 0;
}

/* ---- the job: requests ------------------------------------------------------ */

struct due_item {
	struct maintenance_unit u;
	char due[11];
	int projected;
};

struct due_list {
	struct db *db;
	const char *today;
	struct due_item *items;
	size_t n, cap;
	enum err e;
};

/* Collects the units to request now (their due date minus lead days has
 * come); the scan's statement ends before anything is written. */
static int collect_due(const struct maintenance_unit *u, void *arg)
{
	struct due_list *l = arg;
	struct due_item *it;
	char due[11], request_on[11];
	int projected;

	if (!maintenance_next_due(l->db, u, l->today, due, &projected, &l->e))
		return l->e != ERR_OK;
	registry_date_add_days(due, -u->lead_days, request_on);
	if (strcmp(request_on, l->today) > 0)
		return 0;
	if (l->n == RUN_UNITS_MAX)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct due_item *p = realloc(l->items, cap * sizeof(*p));

		if (!p) {
			l->e = ERR_INTERNAL;
			return 1;
		}
		l->items = p;
		l->cap = cap;
	}
	it = &l->items[l->n++];
	it->u = *u;
	snprintf(it->due, sizeof(it->due), "%s", due);
	it->projected = projected;
	return 0;
}

static void describe(char *out, size_t size, const struct due_item *items, size_t n)
{
	size_t len = 0;

	len += (size_t)snprintf(out, size, "Preventive maintenance, %zu unit%s:", n,
				n == 1 ? "" : "s");
	for (size_t i = 0; i < n && len < size; i++) {
		const struct due_item *it = &items[i];
		char extra[160] = "";

		if (it->u.checklist_template_id)
			snprintf(extra, sizeof(extra), "; checklist template %lld",
				 (long long)it->u.checklist_template_id);
		if (it->u.skill_product_line[0] && strlen(extra) < sizeof(extra))
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
				 "; skill %s level %lld or above", it->u.skill_product_line,
				 (long long)it->u.skill_level);
		len += (size_t)snprintf(
		    out + len, size - len, "\n- %s: %s, due %s%s%s", it->u.serial, it->u.plan_name,
		    it->due, it->projected ? " (projected from running hours)" : "", extra);
	}
}

/* One site's due units: their visit rows and one request, in one
 * transaction. Units already requested (the UNIQUE key) are left out; no
 * request when none is left. */
static enum err request_site(struct db *db, const struct due_item *items, size_t n, int64_t now,
			     size_t *requested)
{
	static const struct audit_actor system = { 0, "system", "maintenance", "local" };
	struct scope all = { .all = 1 };
	struct ticket_facts facts;
	struct ticket_row *t = NULL;
	struct due_item *fresh = calloc(n, sizeof(*fresh));
	int64_t *visit_ids = calloc(n, sizeof(*visit_ids)), ticket_id = 0, days;
	const char *earliest = NULL;
	size_t k = 0;
	enum err e = fresh && visit_ids ? db_begin(db) : ERR_INTERNAL;

	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		e = maintenance_store_visit_add(db, items[i].u.plan_id, items[i].u.asset_id,
						items[i].due, items[i].u.site_id,
						items[i].projected, now, &visit_ids[k]);
		if (e == ERR_CONFLICT) {
			e = ERR_OK;
			continue;
		}
		if (e == ERR_OK) {
			fresh[k++] = items[i];
			if (!earliest || strcmp(items[i].due, earliest) < 0)
				earliest = items[i].due;
		}
	}
	if (e == ERR_OK && k == 0)
		goto out; /* nothing new: rolled back below */
	if (e == ERR_OK)
		e = tickets_store_asset_facts(db, fresh[0].u.asset_id, &all, &facts);
	if (e == ERR_OK && !facts.customer_id)
		e = ERR_NOT_FOUND;
	if (e == ERR_OK && !(t = calloc(1, sizeof(*t))))
		e = ERR_INTERNAL;
	if (e == ERR_OK) {
		snprintf(t->channel, sizeof(t->channel), "system");
		snprintf(t->category, sizeof(t->category), "service_request");
		snprintf(t->subcategory, sizeof(t->subcategory), "maintenance");
		snprintf(t->title, sizeof(t->title), "Preventive maintenance: %zu unit%s due %s", k,
			 k == 1 ? "" : "s", earliest);
		describe(t->description, sizeof(t->description), fresh, k);
		snprintf(t->impact, sizeof(t->impact), "%s", k > 1 ? "site" : "unit");
		snprintf(t->urgency, sizeof(t->urgency), "low");
		snprintf(t->customer_tier, sizeof(t->customer_tier), "%s", facts.tier);
		snprintf(t->region_path, sizeof(t->region_path), "%s", facts.region_path);
		snprintf(t->product_line, sizeof(t->product_line), "%s", facts.product_line);
		snprintf(t->warranty_status, sizeof(t->warranty_status), "%s",
			 assets_warranty_status(facts.warranty_end[0] ? facts.warranty_end : NULL,
						now, &days));
		t->billable = strcmp(t->warranty_status, "expired") == 0 ||
			      strcmp(t->warranty_status, "none") == 0;
		t->asset_id = facts.asset_id;
		t->customer_id = facts.customer_id;
		t->site_id = facts.site_id;
		t->model_id = facts.model_id;
		t->sales_owner_id = facts.sales_owner_id;
		e = tickets_open_locked(db, &system, 0, t, &facts, NULL, NULL, &ticket_id);
	}
	for (size_t i = 0; e == ERR_OK && i < k; i++)
		e = maintenance_store_visit_ticket(db, visit_ids[i], ticket_id);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e == ERR_OK)
		*requested += k;
out:
	if (e != ERR_OK || k == 0)
		db_rollback(db);
	free(t);
	free(fresh);
	free(visit_ids);
	return e;
}

/* ---- the job: overdue alerts ------------------------------------------------ */

struct visit_list {
	struct maintenance_visit *items;
	size_t n, cap;
	int failed;
};

static int collect_visit(const struct maintenance_visit *v, void *arg)
{
	struct visit_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct maintenance_visit *p = realloc(l->items, cap * sizeof(*p));

		if (!p) {
			l->failed = 1;
			return 1;
		}
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *v;
	return 0;
}

struct recipients {
	int64_t ids[64];
	size_t n;
};

static void add_recipient(int64_t user_id, void *arg)
{
	struct recipients *r = arg;

	if (r->n < sizeof(r->ids) / sizeof(r->ids[0]))
		r->ids[r->n++] = user_id;
}

static enum err alert_one(struct db *db, const struct maintenance_visit *v, int64_t now)
{
	struct recipients r = { .n = 0 };
	char title[160], dedupe[64], number[24];
	json_t *data;
	enum err e;

	e = maintenance_store_alert_recipients(db, v->centre, v->region_path, add_recipient, &r);
	if (e != ERR_OK)
		return e;
	tickets_number(v->ticket_id, number);
	snprintf(title, sizeof(title), "Maintenance overdue: %s was due %s", v->serial,
		 v->due_date);
	data = json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:o, s:o, s:o}", "visit_id",
			 (json_int_t)v->id, "asset_id", (json_int_t)v->asset_id, "serial",
			 v->serial, "plan_id", (json_int_t)v->plan_id, "plan", v->plan_name,
			 "due_date", v->due_date, "ticket_id", id_or_null(v->ticket_id), "number",
			 v->ticket_id ? json_string(number) : json_null(), "centre",
			 v->centre[0] ? json_string(v->centre) : json_null());
	if (!data)
		return ERR_INTERNAL;
	e = maintenance_store_visit_noticed(db, v->id, now);
	for (size_t i = 0; e == ERR_OK && i < r.n; i++) {
		snprintf(dedupe, sizeof(dedupe), "maintenance.overdue:%lld:%lld", (long long)v->id,
			 (long long)r.ids[i]);
		e = notify_user(db, r.ids[i], "maintenance.overdue", title, data, dedupe);
	}
	json_decref(data);
	return e;
}

static enum err alert_overdue(struct db *db, const char *today, int64_t now, size_t *alerted)
{
	struct visit_list l = { 0 };
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = maintenance_store_overdue_unnoticed(db, today, ALERT_BATCH, collect_visit, &l);
	if (e == ERR_OK && l.failed)
		e = ERR_INTERNAL;
	for (size_t i = 0; e == ERR_OK && i < l.n; i++)
		e = alert_one(db, &l.items[i], now);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	else
		*alerted = l.n;
	free(l.items);
	return e;
}

enum err maintenance_run(struct db *db, int64_t now)
{
	struct due_list l = { 0 };
	char today[11];
	size_t requested = 0, alerted = 0;
	enum err e, first = ERR_OK;

	registry_date_of(now, today);
	l.db = db;
	l.today = today;
	e = db_read_begin(db);
	if (e == ERR_OK) {
		e = maintenance_store_units(db, NULL, NULL, 0, today, collect_due, &l);
		db_read_end(db);
	}
	if (e == ERR_OK)
		e = l.e;
	/* The list is ordered by site: one request per site's run of units. A
	 * site that fails is logged and tried again next run; the others go on. */
	for (size_t i = 0; e == ERR_OK && i < l.n;) {
		size_t j = i;
		enum err site_e;

		while (j < l.n && l.items[j].u.site_id == l.items[i].u.site_id)
			j++;
		site_e = request_site(db, &l.items[i], j - i, now, &requested);
		if (site_e != ERR_OK) {
			log_error("maintenance: site %lld: %s", (long long)l.items[i].u.site_id,
				  err_title(site_e));
			if (first == ERR_OK)
				first = site_e;
		}
		i = j;
	}
	if (e == ERR_OK)
		e = alert_overdue(db, today, now, &alerted);
	if (e == ERR_OK)
		e = first;
	if (e == ERR_OK && (requested || alerted))
		log_info("maintenance: %zu unit%s requested, %zu overdue alert%s", requested,
			 requested == 1 ? "" : "s", alerted, alerted == 1 ? "" : "s");
	free(l.items);
	return e;
}

/* ---- the calendar ------------------------------------------------------------- */

struct calendar {
	struct db *db;
	json_t *items;
	const char *today, *from, *to;
	size_t n;
	int truncated;
	enum err e;
};

static int calendar_add(struct calendar *c, const char *date, const char *state,
			const struct maintenance_visit *v, const struct maintenance_unit *u,
			int projected)
{
	char number[24], done[32];
	json_t *item;

	if (c->n == MAINTENANCE_CALENDAR_ITEMS_MAX) {
		c->truncated = 1;
		return 1;
	}
	if (v && v->ticket_id)
		tickets_number(v->ticket_id, number);
	if (v && v->done_at)
		clock_format(v->done_at, done, sizeof(done));
	item = json_pack(
	    "{s:s, s:s, s:b, s:b, s:I, s:s, s:I, s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:o}", "date",
	    date, "state", state, "overdue", strcmp(state, "overdue") == 0, "projected", projected,
	    "plan_id", (json_int_t)(v ? v->plan_id : u->plan_id), "plan",
	    v ? v->plan_name : u->plan_name, "asset_id",
	    (json_int_t)(v ? v->asset_id : u->asset_id), "serial", v ? v->serial : u->serial,
	    "site_id", (json_int_t)(v ? v->site_id : u->site_id), "customer_id",
	    (json_int_t)(v ? v->customer_id : u->customer_id), "region_path",
	    v ? v->region_path : u->region_path, "ticket_id", id_or_null(v ? v->ticket_id : 0),
	    "number", v && v->ticket_id ? json_string(number) : json_null(), "centre",
	    v && v->centre[0] ? json_string(v->centre) : json_null(), "done_at",
	    v && v->done_at ? json_string(done) : json_null());
	if (!item) {
		c->e = ERR_INTERNAL;
		return 1;
	}
	json_array_append_new(c->items, item);
	c->n++;
	return 0;
}

static int calendar_visit(const struct maintenance_visit *v, void *arg)
{
	struct calendar *c = arg;
	const char *state = v->done_at                          ? "done"
			    : strcmp(v->due_date, c->today) < 0 ? "overdue"
								: "requested";

	return calendar_add(c, v->due_date, state, v, NULL, v->projected);
}

static int calendar_unit(const struct maintenance_unit *u, void *arg)
{
	struct calendar *c = arg;
	char due[11];
	int projected;

	if (!maintenance_next_due(c->db, u, c->today, due, &projected, &c->e))
		return c->e != ERR_OK;
	if (strcmp(due, c->from) < 0 || strcmp(due, c->to) > 0)
		return 0;
	return calendar_add(c, due, strcmp(due, c->today) < 0 ? "overdue" : "upcoming", NULL, u,
			    projected);
}

/* Items by date, then site, unit and plan. */
static int by_date(const void *a, const void *b)
{
	static const char *const keys[] = { "site_id", "asset_id", "plan_id" };
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "date")),
		       json_string_value(json_object_get(y, "date")));

	for (size_t i = 0; c == 0 && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_int_t u = json_integer_value(json_object_get(x, keys[i]));
		json_int_t v = json_integer_value(json_object_get(y, keys[i]));

		c = (u > v) - (u < v);
	}
	return c;
}

enum err maintenance_calendar(struct db *db, const struct scope *sc, const char *centre,
			      int64_t customer_id, const char *from, const char *to, json_t **out)
{
	struct calendar c = { .db = db, .from = from, .to = to };
	json_t **sorted = NULL, *items;
	char today[11];
	size_t i;
	enum err e;

	*out = NULL;
	registry_date_of(clock_now(), today);
	c.today = today;
	c.items = json_array();
	if (!c.items)
		return ERR_INTERNAL;
	e = db_read_begin(db);
	if (e == ERR_OK) {
		e = maintenance_store_visits(db, sc, centre, customer_id, from, to, calendar_visit,
					     &c);
		if (e == ERR_OK && c.e == ERR_OK && !c.truncated)
			e = maintenance_store_units(db, sc, centre, customer_id, today,
						    calendar_unit, &c);
		db_read_end(db);
	}
	if (e == ERR_OK)
		e = c.e;
	if (e == ERR_OK && c.n && !(sorted = malloc(c.n * sizeof(*sorted))))
		e = ERR_INTERNAL;
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	for (i = 0; i < c.n; i++)
		sorted[i] = json_array_get(c.items, i);
	if (c.n)
		qsort(sorted, c.n, sizeof(*sorted), by_date);
	items = json_array();
	for (i = 0; i < c.n; i++)
		json_array_append(items, sorted[i]);
	free(sorted);
	json_decref(c.items);
	*out = json_pack("{s:s, s:s, s:s, s:o, s:b}", "from", from, "to", to, "today", today,
			 "items", items, "truncated", c.truncated);
	return *out ? ERR_OK : ERR_INTERNAL;
}
