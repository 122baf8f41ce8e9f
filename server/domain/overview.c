/* The customer 360 view: the parts of include/domain/overview.h, each read
 * by one bounded statement of db/overview_store.c (or contracts_store for
 * the active contracts) and shaped here. */
#include "domain/overview.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "db/contracts_store.h"
#include "db/overview_store.h"
#include "domain/contracts.h"
#include "domain/maintenance.h"
#include "domain/registry.h"
#include "domain/tickets.h"

static json_t *time_or_null(int64_t t)
{
	char s[32];

	if (!t)
		return json_null();
	clock_format(t, s, sizeof(s));
	return json_string(s);
}

/* A NOT NULL time column: always a time, even 0. */
static json_t *time_json(int64_t t)
{
	char s[32];

	clock_format(t, s, sizeof(s));
	return json_string(s);
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* ---- units ------------------------------------------------------------ */

struct unit_list {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static json_t *unit_json(const struct overview_unit *u)
{
	return json_pack(
	    "{s:I, s:s, s:s, s:o, s:{s:s, s:o}, s:o, s:s}", "id", (json_int_t)u->id, "serial",
	    u->serial, "model", u->model, "site",
	    u->site_id ? json_pack("{s:I, s:s}", "id", (json_int_t)u->site_id, "name", u->site_name)
		       : json_null(),
	    "warranty", "status", u->warranty_status, "end", text_or_null(u->warranty_end),
	    "contract",
	    u->contract_id ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u->contract_id,
				       "number", u->contract_number, "kind", u->contract_kind)
			   : json_null(),
	    "cover", u->cover);
}

static int unit_row(const struct overview_unit *u, void *arg)
{
	struct unit_list *l = arg;

	if ((int)json_array_size(l->items) == l->limit) {
		l->more = 1;
		return 1;
	}
	json_array_append_new(l->items, unit_json(u));
	l->last_id = u->id;
	return 0;
}

static enum err units_part(struct db *db, int64_t customer_id, const struct overview_day *d,
			   const struct overview_query *q, json_t *doc)
{
	struct unit_list l = { .items = json_array(), .limit = q->units_limit };
	struct overview_unit_totals t;
	char next[24];
	enum err e;

	/* One more than asked tells whether another page follows. */
	e = overview_store_units(db, customer_id, d, 0, q->units_after, q->units_limit + 1,
				 unit_row, &l);
	if (e == ERR_OK)
		e = overview_store_unit_totals(db, customer_id, d, &t);
	if (e != ERR_OK) {
		json_decref(l.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)l.last_id);
	json_object_set_new(
	    doc, "units",
	    json_pack("{s:o, s:o, s:{s:I, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I}}}", "items",
		      l.items, "next_cursor", l.more ? json_string(next) : json_null(), "totals",
		      "units", (json_int_t)t.units, "warranty", "in_warranty",
		      (json_int_t)t.in_warranty, "expiring", (json_int_t)t.expiring, "expired",
		      (json_int_t)t.expired, "none", (json_int_t)t.no_warranty, "cover", "warranty",
		      (json_int_t)t.cover_warranty, "contract", (json_int_t)t.cover_contract,
		      "none", (json_int_t)t.cover_none));
	return ERR_OK;
}

/* ---- sites ------------------------------------------------------------ */

static int site_row(const struct overview_site *s, void *arg)
{
	json_array_append_new(arg,
			      json_pack("{s:I, s:s, s:s, s:o, s:I}", "id", (json_int_t)s->id,
					"code", s->code, "name", s->name, "region",
					text_or_null(s->region), "units", (json_int_t)s->units));
	return 0;
}

static enum err sites_part(struct db *db, int64_t customer_id, json_t *doc)
{
	json_t *items = json_array();
	int64_t total = 0;
	enum err e;

	e = overview_store_sites(db, customer_id, OVERVIEW_SITES_MAX, site_row, items, &total);
	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	json_object_set_new(doc, "sites",
			    json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
	return ERR_OK;
}

/* ---- requests --------------------------------------------------------- */

/* The SLA state a customer conversation needs, by the ticket's own rule
 * (tickets_json's sla.breached): breached targets, then paused (waiting
 * on the customer), met (resolved or over), running. */
static json_t *sla_state_json(const struct overview_ticket *t, int64_t now)
{
	int64_t ref = t->paused_at ? t->paused_at : now;
	int over = strcmp(t->status, "cancelled") == 0;
	json_t *breached = json_array();
	const char *state;

	if (over)
		ref = t->updated_at;
	if (t->responded_at ? t->responded_at > t->response_due : ref > t->response_due)
		json_array_append_new(breached, json_string("response"));
	if (t->arrived_at ? t->arrived_at > t->arrival_due : ref > t->arrival_due)
		json_array_append_new(breached, json_string("arrival"));
	if (t->resolved_at ? t->resolved_at > t->resolution_due : ref > t->resolution_due)
		json_array_append_new(breached, json_string("resolution"));
	if (json_array_size(breached) > 0 && !over)
		state = "breached";
	else if (t->resolved_at || t->closed_at || over)
		state = "met";
	else if (t->paused_at)
		state = "paused";
	else
		state = "running";
	if (over)
		state = "cancelled";
	return json_pack("{s:s, s:o, s:o, s:o}", "state", state, "breached", breached,
			 "response_due", time_or_null(t->response_due), "resolution_due",
			 time_or_null(t->resolution_due));
}

struct ticket_list {
	json_t *items;
	int64_t now;
};

static int ticket_row(const struct overview_ticket *t, void *arg)
{
	struct ticket_list *l = arg;
	char number[24];

	tickets_number(t->id, number);
	json_array_append_new(
	    l->items, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
				(json_int_t)t->id, "number", number, "status", t->status, "title",
				t->title, "category", t->category, "priority", t->priority, "asset",
				t->asset_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->asset_id,
							"serial", t->serial)
					    : json_null(),
				"created_at", time_json(t->created_at), "closed_at",
				time_or_null(t->closed_at), "satisfaction",
				t->satisfaction ? json_integer(t->satisfaction) : json_null(),
				"sla", sla_state_json(t, l->now)));
	return 0;
}

/* {items, total} of one kind of request into *out. */
static enum err tickets_list(struct db *db, enum overview_tickets which, int64_t customer_id,
			     int64_t now, int64_t since, const char *count_name, json_t **out)
{
	struct ticket_list l = { .items = json_array(), .now = now };
	int64_t total = 0;
	enum err e;

	*out = NULL;
	e = overview_store_tickets(db, which, customer_id, now, since, OVERVIEW_LIST_MAX,
				   ticket_row, &l, &total);
	if (e != ERR_OK) {
		json_decref(l.items);
		return e;
	}
	*out = json_pack("{s:o, s:I}", "items", l.items, count_name, (json_int_t)total);
	return *out ? ERR_OK : ERR_INTERNAL;
}

static int64_t day_start(int64_t now, int days_back)
{
	return now - now % 86400 - (int64_t)days_back * 86400;
}

static enum err requests_part(struct db *db, int64_t customer_id, int64_t now, json_t *doc)
{
	json_t *open = NULL, *recent = NULL;
	char since[11];
	int64_t from = day_start(now, OVERVIEW_RECENT_DAYS);
	enum err e;

	e = tickets_list(db, OVERVIEW_OPEN, customer_id, now, 0, "total", &open);
	if (e == ERR_OK)
		e = tickets_list(db, OVERVIEW_RECENT, customer_id, now, from, "total", &recent);
	if (e != ERR_OK) {
		json_decref(open);
		json_decref(recent);
		return e;
	}
	registry_date_of(from, since);
	json_object_set_new(recent, "since", json_string(since));
	json_object_set_new(doc, "requests",
			    json_pack("{s:o, s:o}", "open", open, "recent", recent));
	return ERR_OK;
}

/* ---- satisfaction ----------------------------------------------------- */

/* The last OVERVIEW_MONTHS calendar months (UTC), this one last; a month
 * without a score has responses 0 and average null. */
static enum err satisfaction_part(struct db *db, int64_t customer_id, int64_t now, json_t *doc)
{
	char today[11], month[OVERVIEW_MONTHS][12], first[16];
	int64_t start[OVERVIEW_MONTHS + 1];
	unsigned y, mo;
	json_t *items;
	enum err e = ERR_OK;

	registry_date_of(now, today);
	if (sscanf(today, "%4u-%2u", &y, &mo) != 2)
		return ERR_INTERNAL;
	for (int i = OVERVIEW_MONTHS - 1; i >= 0; i--) {
		snprintf(month[i], sizeof(month[i]), "%04u-%02u", y % 10000u, mo % 100u);
		snprintf(first, sizeof(first), "%s-01", month[i]);
		start[i] = registry_date_days(first) * 86400;
		if (--mo == 0) {
			mo = 12;
			y--;
		}
	}
	start[OVERVIEW_MONTHS] = INT64_MAX; /* this month: up to now and beyond */
	items = json_array();
	for (int i = 0; i < OVERVIEW_MONTHS && e == ERR_OK; i++) {
		int64_t responses = 0, low = 0;
		double average = 0;

		e = overview_store_satisfaction(db, customer_id, start[i], start[i + 1], &responses,
						&average, &low);
		/* Two decimals, as the analytics show scores. */
		json_array_append_new(
		    items,
		    json_pack("{s:s, s:I, s:o, s:I}", "month", month[i], "responses",
			      (json_int_t)responses, "average",
			      responses ? json_real((double)(int64_t)(average * 100 + 0.5) / 100)
					: json_null(),
			      "low", (json_int_t)low));
	}
	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	json_object_set_new(doc, "satisfaction", items);
	return ERR_OK;
}

/* ---- contracts -------------------------------------------------------- */

struct contract_list {
	struct db *db;
	json_t *items;
	const char *today;
	int64_t total;
	enum err e;
};

static int contract_row(const struct contract_row *c, void *arg)
{
	struct contract_list *l = arg;
	char ys[11], ye[11];
	int64_t used = 0;
	json_t *doc;

	l->total++;
	if (json_array_size(l->items) >= OVERVIEW_LIST_MAX)
		return 0;
	doc = contracts_json(l->db, c, l->today, 0, &l->e);
	if (!doc)
		return 1;
	contracts_year_of(c, l->today, ys, ye);
	l->e = contracts_store_visits(l->db, c->id, registry_date_days(ys) * 86400,
				      registry_date_days(ye) * 86400, &used);
	if (l->e != ERR_OK) {
		json_decref(doc);
		return 1;
	}
	/* The same consumption GET /v1/contracts/{id} shows. */
	json_object_set_new(
	    doc, "consumption",
	    json_pack("{s:s, s:s, s:I, s:o, s:n, s:o}", "year_start", ys, "year_end", ye,
		      "visits_used", (json_int_t)used, "visits_allowed",
		      c->visits_per_year >= 0 ? json_integer(c->visits_per_year) : json_null(),
		      "assist_hours_used", "assist_hours_allowed",
		      c->assist_hours_per_year >= 0 ? json_integer(c->assist_hours_per_year)
						    : json_null()));
	json_array_append_new(l->items, doc);
	return 0;
}

static enum err contracts_part(struct db *db, int64_t customer_id, const char *today, json_t *doc)
{
	struct contract_list l = { .db = db, .items = json_array(), .today = today };
	struct contract_filter f = { .customer_id = customer_id,
				     .status = "active",
				     .today = today };
	struct scope all = { .all = 1 };
	enum err e;

	/* The customer is in the caller's scope, and so are its contracts. A
	 * customer has few active contracts: all are counted, the first
	 * OVERVIEW_LIST_MAX shown. */
	e = contracts_store_list(db, &all, &f, 0, 10000, contract_row, &l);
	if (e == ERR_OK)
		e = l.e;
	if (e != ERR_OK) {
		json_decref(l.items);
		return e;
	}
	json_object_set_new(
	    doc, "contracts",
	    json_pack("{s:o, s:I}", "items", l.items, "total", (json_int_t)l.total));
	return ERR_OK;
}

/* ---- renewals, problems ----------------------------------------------- */

static int renewal_row(const struct overview_renewal *r, void *arg)
{
	char created[32];

	clock_format(r->created_at, created, sizeof(created));
	json_array_append_new(
	    arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:s}", "contract_id",
			   (json_int_t)r->contract_id, "number", r->number, "kind", r->kind,
			   "start_date", r->start_date, "end_date", r->end_date, "status",
			   r->status, "renews",
			   r->renews_id ? json_pack("{s:I, s:s}", "id", (json_int_t)r->renews_id,
						    "number", r->renews_number)
					: json_null(),
			   "asset",
			   r->asset_id ? json_pack("{s:I, s:s}", "id", (json_int_t)r->asset_id,
						   "serial", r->serial)
				       : json_null(),
			   "price_minor", (json_int_t)r->price_minor, "currency", r->currency,
			   "created_at", created));
	return 0;
}

static int problem_row(const struct overview_problem *p, void *arg)
{
	char opened[32];

	clock_format(p->opened_at, opened, sizeof(opened));
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:s}",
					     "id", (json_int_t)p->id, "kind", p->kind, "fault_code",
					     p->fault_code, "status", p->status, "model",
					     text_or_null(p->model), "value", p->value,
					     "part_number", p->part_number, "ticket_count",
					     (json_int_t)p->ticket_count, "customer_units",
					     (json_int_t)p->customer_units, "opened_at", opened));
	return 0;
}

static enum err renewals_problems_part(struct db *db, int64_t customer_id, const char *today,
				       int with_renewals, json_t *doc)
{
	json_t *renewals = json_array(), *problems = json_array();
	int64_t nrenewals = 0, nproblems = 0;
	enum err e;

	e = with_renewals ? overview_store_renewals(db, customer_id, today, OVERVIEW_LIST_MAX,
						    renewal_row, renewals, &nrenewals)
			  : ERR_OK;
	if (e == ERR_OK)
		e = overview_store_problems(db, customer_id, OVERVIEW_LIST_MAX, problem_row,
					    problems, &nproblems);
	if (e != ERR_OK) {
		json_decref(renewals);
		json_decref(problems);
		return e;
	}
	if (with_renewals)
		json_object_set_new(
		    doc, "renewals",
		    json_pack("{s:o, s:I}", "items", renewals, "total", (json_int_t)nrenewals));
	else
		json_decref(renewals);
	json_object_set_new(
	    doc, "problems",
	    json_pack("{s:o, s:I}", "items", problems, "total", (json_int_t)nproblems));
	return ERR_OK;
}

/* ---- risk ------------------------------------------------------------- */

static int uncovered_row(const struct overview_unit *u, void *arg)
{
	json_array_append_new(arg, unit_json(u));
	return 0;
}

/* Each signal is a count and the first OVERVIEW_LIST_MAX of it; level
 * sums them up for a badge: high with any breach or low score and units
 * out of cover together, medium with any one signal, none without. */
static enum err risk_part(struct db *db, int64_t customer_id, const struct overview_day *d,
			  int64_t now, json_t *doc)
{
	json_t *units = json_array(), *breaches = NULL, *low = NULL;
	int64_t since = day_start(now, OVERVIEW_RISK_DAYS);
	json_t *units_doc =
	    json_object_get(json_object_get(json_object_get(doc, "units"), "totals"), "cover");
	int64_t uncovered = json_integer_value(json_object_get(units_doc, "none"));
	int64_t nbreach, nlow;
	const char *level;
	char from[11];
	enum err e;

	e = overview_store_units(db, customer_id, d, 1, 0, OVERVIEW_LIST_MAX, uncovered_row, units);
	if (e == ERR_OK)
		e = tickets_list(db, OVERVIEW_BREACHED, customer_id, now, since, "count",
				 &breaches);
	if (e == ERR_OK)
		e = tickets_list(db, OVERVIEW_LOW_SCORE, customer_id, now, since, "count", &low);
	if (e != ERR_OK) {
		json_decref(units);
		json_decref(breaches);
		json_decref(low);
		return e;
	}
	nbreach = json_integer_value(json_object_get(breaches, "count"));
	nlow = json_integer_value(json_object_get(low, "count"));
	if (uncovered > 0 && (nbreach > 0 || nlow > 0))
		level = "high";
	else if (uncovered > 0 || nbreach > 0 || nlow > 0)
		level = "medium";
	else
		level = "none";
	registry_date_of(since, from);
	json_object_set_new(doc, "risk",
			    json_pack("{s:s, s:s, s:{s:I, s:o}, s:o, s:o}", "level", level, "since",
				      from, "units_out_of_cover", "count", (json_int_t)uncovered,
				      "items", units, "sla_breaches", breaches, "low_scores", low));
	return ERR_OK;
}

/* ---- maintenance due ------------------------------------------------ */

/* The customer's planned maintenance from the calendar (domain/maintenance.h)
 * over the last year and the next OVERVIEW_MAINTENANCE_DAYS: overdue and
 * coming due, done visits left out, earliest first (overdue on top). The
 * calendar ends the read snapshot it runs in: this part comes last. */
static enum err maintenance_part(struct db *db, int64_t customer_id, const char *today, json_t *doc)
{
	struct scope all = { .all = 1 };
	char from[11], to[11];
	json_t *cal = NULL, *items, *item;
	int64_t overdue = 0, due = 0;
	size_t i;
	enum err e;

	registry_date_add_days(today, -365, from);
	registry_date_add_days(today, OVERVIEW_MAINTENANCE_DAYS, to);
	e = maintenance_calendar(db, &all, NULL, customer_id, from, to, &cal);
	if (e != ERR_OK)
		return e;
	items = json_array();
	json_array_foreach(json_object_get(cal, "items"), i, item) {
		const char *state = json_string_value(json_object_get(item, "state"));

		if (!state || strcmp(state, "done") == 0)
			continue;
		if (strcmp(state, "overdue") == 0)
			overdue++;
		else
			due++;
		if (json_array_size(items) < OVERVIEW_LIST_MAX)
			json_array_append_new(
			    items, json_pack("{s:O, s:s, s:O, s:O, s:{s:O, s:O}, s:O, s:O}", "date",
					     json_object_get(item, "date"), "state", state,
					     "projected", json_object_get(item, "projected"),
					     "plan", json_object_get(item, "plan"), "asset", "id",
					     json_object_get(item, "asset_id"), "serial",
					     json_object_get(item, "serial"), "ticket_id",
					     json_object_get(item, "ticket_id"), "number",
					     json_object_get(item, "number")));
	}
	json_object_set_new(doc, "maintenance_due",
			    json_pack("{s:s, s:I, s:I, s:o}", "until", to, "overdue",
				      (json_int_t)overdue, "due", (json_int_t)due, "items", items));
	json_decref(cal);
	return ERR_OK;
}

/* ---- the whole view --------------------------------------------------- */

json_t *overview_json(struct db *db, const struct customer_row *c, const struct overview_query *q,
		      enum err *e)
{
	struct overview_day d;
	char as_of[32];
	json_t *doc, *customer;

	registry_date_of(q->now, d.today);
	registry_date_add_days(d.today, 90, d.expiring_until); /* assets' EXPIRING_DAYS */
	customer = customers_json(db, c, 0, e);
	if (!customer)
		return NULL;
	clock_format(q->now, as_of, sizeof(as_of));
	doc = json_pack("{s:s, s:o}", "as_of", as_of, "customer", customer);
	if (!doc) {
		*e = ERR_INTERNAL;
		return NULL;
	}
	*e = sites_part(db, c->id, doc);
	if (*e == ERR_OK)
		*e = units_part(db, c->id, &d, q, doc);
	if (*e == ERR_OK && q->contracts)
		*e = contracts_part(db, c->id, d.today, doc);
	if (*e == ERR_OK)
		*e = requests_part(db, c->id, q->now, doc);
	if (*e == ERR_OK)
		*e = satisfaction_part(db, c->id, q->now, doc);
	if (*e == ERR_OK)
		*e = renewals_problems_part(db, c->id, d.today, q->contracts, doc);
	if (*e == ERR_OK)
		*e = risk_part(db, c->id, &d, q->now, doc);
	if (*e == ERR_OK)
		*e = maintenance_part(db, c->id, d.today, doc);
	if (*e != ERR_OK) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
