/* Operations analytics: ticket volume, response / arrival / resolution
 * times, SLA compliance, first-time fix, satisfaction, warranty renewals
 * and top fault codes, by dimension and period, for the caller's scope.
 * One scan of a covering index range per request; grouping, percentiles
 * and rates in C (see include/domain/analytics.h for every definition). Answers
 * JSON, or CSV with ?format=csv or Accept: text/csv. */
#include "domain/analytics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "db/sla_store.h"
#include "lib/csv.h"

#define GROUPS_MAX 2000000 /* a year by day by city is ~110,000 */

static const char *const dim_names[ANALYTICS_BY__COUNT] = {
	[ANALYTICS_BY_NONE] = "",           [ANALYTICS_BY_CATEGORY] = "category",
	[ANALYTICS_BY_CHANNEL] = "channel", [ANALYTICS_BY_REGION] = "region",
	[ANALYTICS_BY_CENTRE] = "centre",   [ANALYTICS_BY_PRODUCT_LINE] = "product_line",
	[ANALYTICS_BY_MODEL] = "model",     [ANALYTICS_BY_PRIORITY] = "priority",
};

const char *analytics_dim_name(enum analytics_dim d)
{
	return d < ANALYTICS_BY__COUNT ? dim_names[d] : "";
}

int analytics_dim_parse(const char *s)
{
	for (int d = 1; d < ANALYTICS_BY__COUNT; d++)
		if (strcmp(dim_names[d], s) == 0)
			return d;
	return -1;
}

/* ---- groups ------------------------------------------------------------------- */

enum { T_RESPONSE, T_ARRIVAL, T_RESOLUTION, T__COUNT };
static const char *const target_names[T__COUNT] = { "response", "arrival", "resolution" };

struct vec {
	int64_t *v;
	size_t n, cap;
};

struct group {
	char period[11];
	char key[64];
	int64_t count;
	struct vec dur[T__COUNT];
	int64_t met[T__COUNT], breached[T__COUNT], pending[T__COUNT];
	int64_t resolved, closed, rated, ftf, sat_sum, dist[6];
	int64_t units, renewed;
};

/* (period, key) -> group, open addressing over indices + 1. */
struct groups {
	struct group *g;
	size_t n, cap;
	uint32_t *slots;
	size_t nslots;
	int failed;
};

static uint64_t hash_of(const char *period, const char *key)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = period; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0x1f) * 1099511628211ull;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static int rehash(struct groups *gs, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < gs->n; i++) {
		size_t s = (size_t)(hash_of(gs->g[i].period, gs->g[i].key) & (nslots - 1));

		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t)(i + 1);
	}
	free(gs->slots);
	gs->slots = slots;
	gs->nslots = nslots;
	return 0;
}

static struct group *group_get(struct groups *gs, const char *period, const char *key)
{
	size_t s;
	struct group *g;

	if (gs->failed)
		return NULL;
	if ((gs->n + 1) * 2 > gs->nslots && rehash(gs, gs->nslots ? gs->nslots * 2 : 64) < 0)
		goto fail;
	s = (size_t)(hash_of(period, key) & (gs->nslots - 1));
	for (; gs->slots[s]; s = (s + 1) & (gs->nslots - 1)) {
		g = &gs->g[gs->slots[s] - 1];
		if (strcmp(g->key, key) == 0 && strcmp(g->period, period) == 0)
			return g;
	}
	if (gs->n == GROUPS_MAX)
		goto fail;
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 16;
		struct group *p = realloc(gs->g, cap * sizeof(*p));

		if (!p)
			goto fail;
		gs->g = p;
		gs->cap = cap;
	}
	g = &gs->g[gs->n];
	memset(g, 0, sizeof(*g));
	snprintf(g->period, sizeof(g->period), "%s", period);
	snprintf(g->key, sizeof(g->key), "%s", key);
	gs->slots[s] = (uint32_t)(++gs->n);
	return g;
fail:
	gs->failed = 1;
	return NULL;
}

static void groups_free(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		for (int k = 0; k < T__COUNT; k++)
			free(gs->g[i].dur[k].v);
	free(gs->g);
	free(gs->slots);
}

static int vec_push(struct vec *v, int64_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		int64_t *p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -1;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* ---- periods and keys ----------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The period of local day number `days` (since 1970-01-01). */
static void period_of_day(enum analytics_interval iv, int64_t days, char out[11])
{
	char date[11];

	switch (iv) {
	case ANALYTICS_DAY:
		registry_date_of(days * 86400, out);
		return;
	case ANALYTICS_WEEK: /* 1970-01-01 was a Thursday: Monday = 0 */
		registry_date_of((days - (days + 3 - floor_div(days + 3, 7) * 7)) * 86400, out);
		return;
	case ANALYTICS_MONTH:
		registry_date_of(days * 86400, date);
		snprintf(out, 11, "%.7s", date);
		return;
	default:
		out[0] = '\0';
	}
}

struct scan {
	const struct analytics_query *q;
	struct groups gs;
	int64_t last_day;
	char last_period[11];
};

static const char *period_of_time(struct scan *s, int64_t t)
{
	int64_t days = floor_div(t + (int64_t)s->q->utc_offset_minutes * 60, 86400);

	if (s->q->interval == ANALYTICS_ALL)
		return "";
	if (days != s->last_day || !s->last_period[0]) {
		period_of_day(s->q->interval, days, s->last_period);
		s->last_day = days;
	}
	return s->last_period;
}

/* The last code of a region path ("/CN/GD/SZ/" -> "SZ"). */
static void region_code(const char *path, char *out, size_t size)
{
	size_t n = strlen(path);
	const char *start;

	while (n && path[n - 1] == '/')
		n--;
	start = path + n;
	while (start > path && start[-1] != '/')
		start--;
	snprintf(out, size, "%.*s", (int)(path + n - start), start);
}

static void key_of(const struct analytics_query *q, const struct analytics_ticket *t, char *out,
		   size_t size)
{
	switch (q->by) {
	case ANALYTICS_BY_CATEGORY:
		snprintf(out, size, "%s", t->category);
		break;
	case ANALYTICS_BY_CHANNEL:
		snprintf(out, size, "%s", t->channel);
		break;
	case ANALYTICS_BY_REGION:
		region_code(t->region_path, out, size);
		break;
	case ANALYTICS_BY_CENTRE:
		snprintf(out, size, "%s", t->centre);
		break;
	case ANALYTICS_BY_PRODUCT_LINE:
		snprintf(out, size, "%s", t->product_line);
		break;
	case ANALYTICS_BY_MODEL:
		if (t->model_id)
			snprintf(out, size, "%lld", (long long)t->model_id);
		else
			out[0] = '\0';
		break;
	case ANALYTICS_BY_PRIORITY:
		snprintf(out, size, "%s", t->priority);
		break;
	default:
		out[0] = '\0';
	}
}

/* ---- the ticket scan ---------------------------------------------------------- */

static void classify(struct group *g, int k, int64_t done, int64_t due, int64_t now, int paused)
{
	if (done && done <= due)
		g->met[k]++;
	else if (done || (now > due && !paused))
		g->breached[k]++;
	else
		g->pending[k]++;
}

static int scan_ticket(const struct analytics_ticket *t, void *arg)
{
	struct scan *s = arg;
	const struct analytics_query *q = s->q;
	const char *period = period_of_time(s, t->created_at);
	char key[64];
	struct group *g;
	int paused = strcmp(t->status, "waiting_customer") == 0;

	key_of(q, t, key, sizeof(key));
	g = group_get(&s->gs, period, key);
	if (!g)
		return 1;
	switch (q->metric) {
	case ANALYTICS_VOLUME:
		g->count++;
		break;
	case ANALYTICS_TIMES: {
		int64_t at[T__COUNT] = { t->responded_at, t->arrived_at, t->resolved_at };

		for (int k = 0; k < T__COUNT; k++)
			if (at[k] &&
			    vec_push(&g->dur[k],
				     at[k] > t->created_at ? at[k] - t->created_at : 0) < 0) {
				s->gs.failed = 1;
				return 1;
			}
		break;
	}
	case ANALYTICS_SLA:
		if (strcmp(t->status, "cancelled") == 0)
			break;
		classify(g, T_RESPONSE, t->responded_at, t->response_due, q->now, paused);
		classify(g, T_ARRIVAL, t->arrived_at, t->arrival_due, q->now, paused);
		classify(g, T_RESOLUTION, t->resolved_at, t->resolution_due, q->now, paused);
		break;
	case ANALYTICS_FTF:
		if (t->resolved_at) {
			g->resolved++;
			g->ftf += t->visits == 1 && t->reopens == 0;
		}
		break;
	case ANALYTICS_SATISFACTION:
		if (t->resolved_at)
			g->resolved++;
		if (strcmp(t->status, "closed") == 0) {
			g->closed++;
			if (t->satisfaction >= 1 && t->satisfaction <= 5) {
				g->rated++;
				g->sat_sum += t->satisfaction;
				g->dist[t->satisfaction]++;
			}
		}
		break;
	default:
		break;
	}
	return 0;
}

static int scan_unit(const struct analytics_unit *u, void *arg)
{
	struct scan *s = arg;
	const struct analytics_query *q = s->q;
	char key[64], period[11] = "";
	struct group *g;

	if (q->interval != ANALYTICS_ALL && registry_date_ok(u->ended))
		period_of_day(q->interval, registry_date_days(u->ended), period);
	switch (q->by) {
	case ANALYTICS_BY_REGION:
		region_code(u->region_path, key, sizeof(key));
		break;
	case ANALYTICS_BY_PRODUCT_LINE:
		snprintf(key, sizeof(key), "%s", u->product_line);
		break;
	case ANALYTICS_BY_MODEL:
		snprintf(key, sizeof(key), "%lld", (long long)u->model_id);
		break;
	default:
		key[0] = '\0';
	}
	g = group_get(&s->gs, period, key);
	if (!g)
		return 1;
	g->units++;
	g->renewed += u->renewed != 0;
	return 0;
}

/* ---- the table ---------------------------------------------------------------- */

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = strcmp(x->period, y->period);

	return c ? c : strcmp(x->key, y->key);
}

/* Nearest rank: the smallest value with at least p % at or below it. */
static int64_t percentile(const struct vec *v, int p)
{
	size_t rank = (v->n * (size_t)p + 99) / 100;

	return v->v[rank ? rank - 1 : 0];
}

static json_t *minutes(int64_t seconds)
{
	return json_real(round((double)seconds / 60.0 * 10.0) / 10.0);
}

static json_t *ratio(int64_t num, int64_t den)
{
	return den ? json_real(round((double)num / (double)den * 10000.0) / 10000.0) : json_null();
}

static void add_columns(json_t *cols, const struct analytics_query *q)
{
	char name[64];

	switch (q->metric) {
	case ANALYTICS_VOLUME:
		json_array_append_new(cols, json_string("count"));
		break;
	case ANALYTICS_TIMES:
		for (int k = 0; k < T__COUNT; k++) {
			snprintf(name, sizeof(name), "%s_count", target_names[k]);
			json_array_append_new(cols, json_string(name));
			snprintf(name, sizeof(name), "%s_median_minutes", target_names[k]);
			json_array_append_new(cols, json_string(name));
			snprintf(name, sizeof(name), "%s_p90_minutes", target_names[k]);
			json_array_append_new(cols, json_string(name));
		}
		break;
	case ANALYTICS_SLA:
		for (int k = 0; k < T__COUNT; k++) {
			static const char *const parts[] = { "met", "breached", "pending",
							     "compliance" };

			for (size_t i = 0; i < 4; i++) {
				snprintf(name, sizeof(name), "%s_%s", target_names[k], parts[i]);
				json_array_append_new(cols, json_string(name));
			}
		}
		break;
	case ANALYTICS_FTF:
		json_array_append_new(cols, json_string("resolved"));
		json_array_append_new(cols, json_string("first_time_fixed"));
		json_array_append_new(cols, json_string("first_time_fix_rate"));
		break;
	case ANALYTICS_SATISFACTION:
		json_array_append_new(cols, json_string("resolved"));
		json_array_append_new(cols, json_string("closed"));
		json_array_append_new(cols, json_string("rated"));
		json_array_append_new(cols, json_string("average"));
		for (int i = 1; i <= 5; i++) {
			snprintf(name, sizeof(name), "score_%d", i);
			json_array_append_new(cols, json_string(name));
		}
		json_array_append_new(cols, json_string("follow_up_coverage"));
		break;
	case ANALYTICS_RENEWALS:
		json_array_append_new(cols, json_string("units_ended"));
		json_array_append_new(cols, json_string("renewed"));
		json_array_append_new(cols, json_string("renewal_rate"));
		break;
	default:
		break;
	}
}

static void fill_row(json_t *row, const struct analytics_query *q, struct group *g)
{
	char name[64];

	switch (q->metric) {
	case ANALYTICS_VOLUME:
		json_object_set_new(row, "count", json_integer(g->count));
		break;
	case ANALYTICS_TIMES:
		for (int k = 0; k < T__COUNT; k++) {
			struct vec *v = &g->dur[k];

			if (v->n)
				qsort(v->v, v->n, sizeof(v->v[0]), cmp_int64);
			snprintf(name, sizeof(name), "%s_count", target_names[k]);
			json_object_set_new(row, name, json_integer((json_int_t)v->n));
			snprintf(name, sizeof(name), "%s_median_minutes", target_names[k]);
			json_object_set_new(row, name,
					    v->n ? minutes(percentile(v, 50)) : json_null());
			snprintf(name, sizeof(name), "%s_p90_minutes", target_names[k]);
			json_object_set_new(row, name,
					    v->n ? minutes(percentile(v, 90)) : json_null());
		}
		break;
	case ANALYTICS_SLA:
		for (int k = 0; k < T__COUNT; k++) {
			snprintf(name, sizeof(name), "%s_met", target_names[k]);
			json_object_set_new(row, name, json_integer(g->met[k]));
			snprintf(name, sizeof(name), "%s_breached", target_names[k]);
			json_object_set_new(row, name, json_integer(g->breached[k]));
			snprintf(name, sizeof(name), "%s_pending", target_names[k]);
			json_object_set_new(row, name, json_integer(g->pending[k]));
			snprintf(name, sizeof(name), "%s_compliance", target_names[k]);
			json_object_set_new(row, name,
					    ratio(g->met[k], g->met[k] + g->breached[k]));
		}
		break;
	case ANALYTICS_FTF:
		json_object_set_new(row, "resolved", json_integer(g->resolved));
		json_object_set_new(row, "first_time_fixed", json_integer(g->ftf));
		json_object_set_new(row, "first_time_fix_rate", ratio(g->ftf, g->resolved));
		break;
	case ANALYTICS_SATISFACTION:
		json_object_set_new(row, "resolved", json_integer(g->resolved));
		json_object_set_new(row, "closed", json_integer(g->closed));
		json_object_set_new(row, "rated", json_integer(g->rated));
		json_object_set_new(
		    row, "average",
		    g->rated
			? json_real(round((double)g->sat_sum / (double)g->rated * 100.0) / 100.0)
			: json_null());
		for (int i = 1; i <= 5; i++) {
			snprintf(name, sizeof(name), "score_%d", i);
			json_object_set_new(row, name, json_integer(g->dist[i]));
		}
		json_object_set_new(row, "follow_up_coverage", ratio(g->rated, g->resolved));
		break;
	case ANALYTICS_RENEWALS:
		json_object_set_new(row, "units_ended", json_integer(g->units));
		json_object_set_new(row, "renewed", json_integer(g->renewed));
		json_object_set_new(row, "renewal_rate", ratio(g->renewed, g->units));
		break;
	default:
		break;
	}
}

/* Model keys are ids while grouping; the table shows codes. */
static enum err model_codes(struct db *db, struct groups *gs)
{
	char code[65];

	for (size_t i = 0; i < gs->n; i++) {
		long long id;
		enum err e;

		if (!gs->g[i].key[0] || sscanf(gs->g[i].key, "%lld", &id) != 1)
			continue;
		e = analytics_store_model_code(db, id, code, sizeof(code));
		if (e != ERR_OK)
			return e;
		if (code[0])
			snprintf(gs->g[i].key, sizeof(gs->g[i].key), "%.63s", code);
	}
	return ERR_OK;
}

struct faults_ctx {
	json_t *items;
};

static int fault_row(const char *code, int64_t count, int64_t total, void *arg)
{
	struct faults_ctx *ctx = arg;

	json_array_append_new(ctx->items,
			      json_pack("{s:s, s:I, s:o}", "fault_code", code, "count",
					(json_int_t)count, "share", ratio(count, total)));
	return 0;
}

static json_t *faults_table(struct db *db, const struct analytics_query *q, enum err *e)
{
	struct faults_ctx ctx = { json_array() };
	json_t *doc = json_pack("{s:[s, s, s]}", "columns", "fault_code", "count", "share");

	*e = analytics_store_faults(db, &q->f, q->limit, fault_row, &ctx);
	if (*e != ERR_OK) {
		json_decref(ctx.items);
		json_decref(doc);
		return NULL;
	}
	json_object_set_new(doc, "items", ctx.items);
	return doc;
}

json_t *analytics_table(struct db *db, const struct analytics_query *q, enum err *e)
{
	struct scan s = { .q = q, .last_day = INT64_MIN };
	json_t *doc, *cols, *items;
	char from[11], to[11];

	if (q->metric == ANALYTICS_FAULTS)
		return faults_table(db, q, e);
	if (q->metric == ANALYTICS_RENEWALS) {
		registry_date_of(q->f.from + (int64_t)q->utc_offset_minutes * 60, from);
		registry_date_of(q->f.to + (int64_t)q->utc_offset_minutes * 60, to);
		*e = analytics_store_warranty_units(db, from, to, &q->f, scan_unit, &s);
	} else {
		*e =
		    analytics_store_tickets(db, &q->f, q->metric == ANALYTICS_FTF, scan_ticket, &s);
	}
	if (*e == ERR_OK && s.gs.failed)
		*e = ERR_INTERNAL;
	if (*e == ERR_OK && q->by == ANALYTICS_BY_NONE && q->interval == ANALYTICS_ALL &&
	    !group_get(&s.gs, "", ""))
		*e = ERR_INTERNAL; /* one row, zeros included */
	if (*e == ERR_OK && q->by == ANALYTICS_BY_MODEL)
		*e = model_codes(db, &s.gs);
	if (*e != ERR_OK) {
		groups_free(&s.gs);
		return NULL;
	}
	if (s.gs.n) /* qsort wants a base even for nothing */
		qsort(s.gs.g, s.gs.n, sizeof(s.gs.g[0]), cmp_group);
	cols = json_array();
	items = json_array();
	if (q->interval != ANALYTICS_ALL)
		json_array_append_new(cols, json_string("period"));
	if (q->by != ANALYTICS_BY_NONE)
		json_array_append_new(cols, json_string(analytics_dim_name(q->by)));
	add_columns(cols, q);
	for (size_t i = 0; i < s.gs.n; i++) {
		json_t *row = json_object();

		if (q->interval != ANALYTICS_ALL)
			json_object_set_new(row, "period", json_string(s.gs.g[i].period));
		if (q->by != ANALYTICS_BY_NONE)
			json_object_set_new(row, analytics_dim_name(q->by),
					    json_string(s.gs.g[i].key));
		fill_row(row, q, &s.gs.g[i]);
		json_array_append_new(items, row);
	}
	groups_free(&s.gs);
	doc = json_pack("{s:o, s:o}", "columns", cols, "items", items);
	if (!doc)
		*e = ERR_INTERNAL;
	return doc;
}

/* ---- CSV -------------------------------------------------------------------------- */

/* Text (dimension keys, periods, fault codes: some typed by people) goes
 * through the neutralising cell writer; counts, minutes and rates are the
 * server's own arithmetic, so they are written as plain numbers, a negative
 * one included, which a spreadsheet can still sum. */
static void csv_value(struct buf *out, const json_t *v)
{
	if (json_is_string(v))
		csv_cell_write(out, json_string_value(v));
	else if (json_is_integer(v))
		buf_printf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		buf_printf(out, "%.10g", json_real_value(v));
	/* null: an empty field */
}

void analytics_csv(const json_t *table, struct buf *out)
{
	const json_t *cols = json_object_get(table, "columns"), *row, *col;
	size_t i, j;

	json_array_foreach(cols, j, col) {
		if (j)
			buf_puts(out, ",");
		csv_cell_write(out, json_string_value(col));
	}
	buf_puts(out, "\r\n");
	json_array_foreach(json_object_get(table, "items"), i, row) {
		json_array_foreach(cols, j, col) {
			if (j)
				buf_puts(out, ",");
			csv_value(out, json_object_get(row, json_string_value(col)));
		}
		buf_puts(out, "\r\n");
	}
}
