/* The monthly operations report for managers: one Markdown document with
 * the month's volume by region, centre and category, SLA compliance,
 * times, first-time fix, satisfaction, warranty renewals, top fault codes
 * and the open problems, built from the same tables as the analytics
 * endpoints (so the report and the API never disagree). The same tables
 * come out as JSON sections for a client that draws its own. */
#include "domain/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "db/sla_store.h"
#include "domain/analytics.h"
#include "domain/registry.h"

#define TOP_FAULTS 10

/* ---- formatting ---------------------------------------------------------------- */

/* Table cells: '|' and line breaks would break the table. */
static void cell(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_puts(out, "\\|");
		else if (*s == '\n' || *s == '\r')
			buf_puts(out, " ");
		else
			buf_append(out, s, 1);
	}
}

static void pct(struct buf *out, const json_t *v)
{
	if (json_is_number(v))
		buf_printf(out, "%.1f %%", json_number_value(v) * 100.0);
	else
		buf_puts(out, "–");
}

static void num(struct buf *out, const json_t *v)
{
	if (json_is_integer(v))
		buf_printf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		buf_printf(out, "%.1f", json_real_value(v));
	else
		buf_puts(out, "–");
}

static const json_t *col(const json_t *row, const char *name)
{
	return json_object_get(row, name);
}

/* "深圳 (SZ)" for region and centre codes; the code alone otherwise. */
static void key_label(struct db *db, enum analytics_dim by, const char *key, struct buf *out)
{
	struct region_row r;
	struct centre_row c;

	if (!key[0]) {
		buf_puts(out, "(none)");
		return;
	}
	if (by == ANALYTICS_BY_REGION && regions_store_get(db, key, &r) == ERR_OK) {
		cell(out, r.name);
		buf_puts(out, " (");
		cell(out, key);
		buf_puts(out, ")");
	} else if (by == ANALYTICS_BY_CENTRE && regions_store_centre_get(db, key, &c) == ERR_OK) {
		cell(out, c.name);
		buf_puts(out, " (");
		cell(out, key);
		buf_puts(out, ")");
	} else {
		cell(out, key);
	}
}

/* ---- sections ------------------------------------------------------------------ */

struct report {
	struct db *db;
	struct analytics_query base;
	struct buf *out;
	json_t *sections; /* name -> table, when asked for */
	enum err e;
};

/* One analytics table of the month, kept under name in the sections. */
static json_t *table(struct report *r, const char *name, enum analytics_metric m,
		     enum analytics_dim by)
{
	struct analytics_query q = r->base;
	json_t *t;

	if (r->e != ERR_OK)
		return NULL;
	q.metric = m;
	q.by = by;
	q.interval = ANALYTICS_ALL;
	q.limit = TOP_FAULTS;
	t = analytics_table(r->db, &q, &r->e);
	if (t && r->sections && json_object_set(r->sections, name, t) < 0)
		r->e = ERR_INTERNAL;
	return t;
}

static const json_t *total_row(const json_t *t)
{
	return json_array_get(json_object_get(t, "items"), 0);
}

static int64_t count_of(const json_t *row, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(row, name));
}

static void summary(struct report *r, const char *month)
{
	json_t *vol = table(r, "volume", ANALYTICS_VOLUME, ANALYTICS_BY_NONE);
	json_t *times = table(r, "times", ANALYTICS_TIMES, ANALYTICS_BY_NONE);
	json_t *sla = table(r, "sla", ANALYTICS_SLA, ANALYTICS_BY_NONE);
	json_t *ftf = table(r, "first_time_fix", ANALYTICS_FTF, ANALYTICS_BY_NONE);
	json_t *sat = table(r, "satisfaction", ANALYTICS_SATISFACTION, ANALYTICS_BY_NONE);
	json_t *ren = table(r, "warranty_renewals", ANALYTICS_RENEWALS, ANALYTICS_BY_NONE);
	struct buf *o = r->out;

	if (r->e != ERR_OK)
		goto out;
	buf_printf(o, "## Summary\n\n| Figure | %s |\n|---|---:|\n", month);
	buf_puts(o, "| Tickets created | ");
	num(o, col(total_row(vol), "count"));
	buf_puts(o, " |\n| Median response time (minutes) | ");
	num(o, col(total_row(times), "response_median_minutes"));
	buf_puts(o, " |\n| Median resolution time (minutes) | ");
	num(o, col(total_row(times), "resolution_median_minutes"));
	buf_puts(o, " |\n| SLA compliance: response | ");
	pct(o, col(total_row(sla), "response_compliance"));
	buf_puts(o, " |\n| SLA compliance: arrival | ");
	pct(o, col(total_row(sla), "arrival_compliance"));
	buf_puts(o, " |\n| SLA compliance: resolution | ");
	pct(o, col(total_row(sla), "resolution_compliance"));
	buf_puts(o, " |\n| First-time fix rate | ");
	pct(o, col(total_row(ftf), "first_time_fix_rate"));
	buf_puts(o, " |\n| Average satisfaction (1–5) | ");
	num(o, col(total_row(sat), "average"));
	buf_puts(o, " |\n| Follow-up coverage | ");
	pct(o, col(total_row(sat), "follow_up_coverage"));
	buf_printf(o, " |\n| Warranty renewals | %lld of %lld units (",
		   (long long)count_of(total_row(ren), "renewed"),
		   (long long)count_of(total_row(ren), "units_ended"));
	pct(o, col(total_row(ren), "renewal_rate"));
	buf_puts(o, ") |\n\n");
out:
	json_decref(vol);
	json_decref(times);
	json_decref(sla);
	json_decref(ftf);
	json_decref(sat);
	json_decref(ren);
}

static void volume_by(struct report *r, enum analytics_dim by, const char *title,
		      const char *heading)
{
	char name[48];
	json_t *t, *row;
	size_t i;

	snprintf(name, sizeof(name), "volume_by_%s", analytics_dim_name(by));
	t = table(r, name, ANALYTICS_VOLUME, by);
	if (!t)
		return;
	buf_printf(r->out, "## Volume by %s\n\n| %s | Tickets |\n|---|---:|\n", title, heading);
	json_array_foreach(json_object_get(t, "items"), i, row) {
		buf_puts(r->out, "| ");
		key_label(r->db, by, json_string_value(col(row, analytics_dim_name(by))), r->out);
		buf_puts(r->out, " | ");
		num(r->out, col(row, "count"));
		buf_puts(r->out, " |\n");
	}
	if (i == 0)
		buf_puts(r->out, "| (no tickets) | 0 |\n");
	buf_puts(r->out, "\n");
	json_decref(t);
}

static void sla_by_centre(struct report *r)
{
	json_t *t = table(r, "sla_by_centre", ANALYTICS_SLA, ANALYTICS_BY_CENTRE), *row;
	size_t i;

	if (!t)
		return;
	buf_puts(r->out, "## SLA compliance by centre\n\nMet on time out of those decided "
			 "(met + breached); cancelled tickets are left out.\n\n"
			 "| Centre | Response | Arrival | Resolution | Breaches |\n"
			 "|---|---:|---:|---:|---:|\n");
	json_array_foreach(json_object_get(t, "items"), i, row) {
		buf_puts(r->out, "| ");
		key_label(r->db, ANALYTICS_BY_CENTRE, json_string_value(col(row, "centre")),
			  r->out);
		buf_puts(r->out, " | ");
		pct(r->out, col(row, "response_compliance"));
		buf_puts(r->out, " | ");
		pct(r->out, col(row, "arrival_compliance"));
		buf_puts(r->out, " | ");
		pct(r->out, col(row, "resolution_compliance"));
		buf_printf(r->out, " | %lld |\n",
			   (long long)(count_of(row, "response_breached") +
				       count_of(row, "arrival_breached") +
				       count_of(row, "resolution_breached")));
	}
	buf_puts(r->out, "\n");
	json_decref(t);
}

static void times_by_priority(struct report *r)
{
	static const char *const names[] = { "response", "arrival", "resolution" };
	json_t *t = table(r, "times_by_priority", ANALYTICS_TIMES, ANALYTICS_BY_PRIORITY), *row;
	char name[64];
	size_t i;

	if (!t)
		return;
	buf_puts(r->out, "## Response, arrival and resolution times by priority\n\n"
			 "Minutes from the request to each step (median / 90th percentile).\n\n"
			 "| Priority | Response | Arrival | Resolution |\n|---|---:|---:|---:|\n");
	json_array_foreach(json_object_get(t, "items"), i, row) {
		buf_puts(r->out, "| ");
		cell(r->out, json_string_value(col(row, "priority")));
		for (size_t k = 0; k < 3; k++) {
			buf_puts(r->out, " | ");
			snprintf(name, sizeof(name), "%s_median_minutes", names[k]);
			num(r->out, col(row, name));
			buf_puts(r->out, " / ");
			snprintf(name, sizeof(name), "%s_p90_minutes", names[k]);
			num(r->out, col(row, name));
		}
		buf_puts(r->out, " |\n");
	}
	buf_puts(r->out, "\n");
	json_decref(t);
}

static void satisfaction(struct report *r)
{
	json_t *t = table(r, "satisfaction", ANALYTICS_SATISFACTION, ANALYTICS_BY_NONE);
	const json_t *row;
	char name[32];

	if (!t)
		return;
	row = total_row(t);
	buf_printf(r->out,
		   "## Satisfaction\n\n%lld resolved, %lld closed, %lld rated.\n\n"
		   "| Score | 1 | 2 | 3 | 4 | 5 |\n|---|---:|---:|---:|---:|---:|\n| Tickets",
		   (long long)count_of(row, "resolved"), (long long)count_of(row, "closed"),
		   (long long)count_of(row, "rated"));
	for (int i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "score_%d", i);
		buf_printf(r->out, " | %lld", (long long)count_of(row, name));
	}
	buf_puts(r->out, " |\n\n");
	json_decref(t);
}

static void faults(struct report *r)
{
	json_t *t = table(r, "fault_codes", ANALYTICS_FAULTS, ANALYTICS_BY_NONE), *row;
	size_t i;

	if (!t)
		return;
	buf_printf(r->out,
		   "## Top %d fault codes\n\n| Fault code | Tickets | Share |\n"
		   "|---|---:|---:|\n",
		   TOP_FAULTS);
	json_array_foreach(json_object_get(t, "items"), i, row) {
		buf_puts(r->out, "| ");
		cell(r->out, json_string_value(col(row, "fault_code")));
		buf_puts(r->out, " | ");
		num(r->out, col(row, "count"));
		buf_puts(r->out, " | ");
		pct(r->out, col(row, "share"));
		buf_puts(r->out, " |\n");
	}
	if (i == 0)
		buf_puts(r->out, "| (none recorded) | 0 | – |\n");
	buf_puts(r->out, "\n");
	json_decref(t);
}

static int problem_row(const struct analytics_problem *p, void *arg)
{
	struct report *r = arg;
	json_t *list = r->sections ? json_object_get(r->sections, "open_problems") : NULL;
	char opened[32];

	clock_format(p->opened_at, opened, sizeof(opened));
	if (list && json_array_append_new(
			list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s?}", "id",
					(json_int_t)p->id, "fault_code", p->fault_code, "kind",
					p->kind, "model", p->model_code, "part_number",
					p->part_number, "value", p->value, "tickets",
					(json_int_t)p->ticket_count, "opened_at", opened, "status",
					p->status, "owner", p->owner[0] ? p->owner : NULL)) < 0)
		r->e = ERR_INTERNAL;
	buf_printf(r->out, "| #%lld | ", (long long)p->id);
	cell(r->out, p->fault_code);
	buf_puts(r->out, " | ");
	cell(r->out, p->kind);
	buf_puts(r->out, ": ");
	if (p->model_code[0]) {
		cell(r->out, p->model_code);
		if (p->value[0])
			buf_puts(r->out, " ");
	}
	if (p->part_number[0]) {
		cell(r->out, p->part_number);
		buf_puts(r->out, " lot ");
	}
	cell(r->out, p->value);
	buf_printf(r->out, " | %lld | %.10s | ", (long long)p->ticket_count, opened);
	cell(r->out, p->status);
	buf_puts(r->out, " | ");
	cell(r->out, p->owner[0] ? p->owner : "(unassigned)");
	buf_puts(r->out, " |\n");
	return 0;
}

static void problems(struct report *r)
{
	size_t before = r->out->len;

	if (r->e != ERR_OK)
		return;
	if (r->sections && json_object_set_new(r->sections, "open_problems", json_array()) < 0) {
		r->e = ERR_INTERNAL;
		return;
	}
	buf_puts(r->out,
		 "## Open problems\n\nRecurring faults not yet closed (all regions).\n\n"
		 "| Problem | Fault code | Shared factor | Tickets | Opened | Status | Owner |\n"
		 "|---|---|---|---:|---|---|---|\n");
	before = r->out->len;
	r->e = analytics_store_open_problems(r->db, problem_row, r);
	if (r->e == ERR_OK && r->out->len == before)
		buf_puts(r->out, "| – | (none open) | | | | | |\n");
	buf_puts(r->out, "\n");
}

int report_month_bounds(const char *month, int offset_minutes, int64_t *from, int64_t *to)
{
	char first[16], next[11];
	int y, m, n = 0;

	if (strlen(month) != 7 || sscanf(month, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 || m < 1 ||
	    m > 12 || y < 1970 || y > 9999)
		return -1;
	snprintf(first, sizeof(first), "%s-01", month);
	registry_date_add_months(first, 1, next);
	if (clock_parse(first, from) < 0 || clock_parse(next, to) < 0)
		return -1;
	*from -= (int64_t)offset_minutes * 60;
	*to -= (int64_t)offset_minutes * 60;
	return 0;
}

/* "Scope: region 广东 (GD) and below; centre 深圳服务中心 (C-SZ); product
 * line switchgear." when the report is narrowed; nothing for the whole
 * organisation (the command line's report stays as it was). */
static void scope_line(struct report *r, const struct report_query *q)
{
	const char *sep = "Scope: ";

	if (q->region && q->region[0]) {
		buf_puts(r->out, sep);
		buf_puts(r->out, "region ");
		key_label(r->db, ANALYTICS_BY_REGION, q->region, r->out);
		buf_puts(r->out, " and below");
		sep = "; ";
	}
	if (q->f.centre) {
		buf_puts(r->out, sep);
		buf_puts(r->out, "centre ");
		key_label(r->db, ANALYTICS_BY_CENTRE, q->f.centre, r->out);
		sep = "; ";
	}
	if (q->f.product_line) {
		buf_puts(r->out, sep);
		buf_puts(r->out, "product line ");
		cell(r->out, q->f.product_line);
		sep = "; ";
	}
	if (sep[0] == ';')
		buf_puts(r->out, ".\n\n");
}

/* The tables with what they are of (report.h). Steals sections. */
static json_t *sections_doc(const struct report *r, const struct report_query *q,
			    const char *generated, json_t *sections)
{
	char from[32], to[32];

	clock_format(r->base.f.from, from, sizeof(from));
	clock_format(r->base.f.to, to, sizeof(to));
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s?, s:s?, s:s?}, s:o}", "month", q->month,
			 "from", from, "to", to, "generated_at", generated, "scope", "region",
			 q->region && q->region[0] ? q->region : NULL, "centre", q->f.centre,
			 "product_line", q->f.product_line, "sections", sections);
}

enum err report_monthly(struct db *db, const struct report_query *q, struct buf *out,
			json_t **sections)
{
	struct report r = { .db = db, .out = out };
	struct sla_calendar cal;
	char generated[32], last[11];
	int off;

	if (sections)
		*sections = NULL;
	r.e = sla_store_calendar_get(db, &cal);
	if (r.e != ERR_OK)
		return r.e;
	off = cal.utc_offset_minutes;
	r.base.f = q->f;
	if (report_month_bounds(q->month, off, &r.base.f.from, &r.base.f.to) < 0)
		return ERR_INVALID;
	r.base.now = q->now;
	r.base.utc_offset_minutes = off;
	if (sections && !(r.sections = json_object()))
		return ERR_INTERNAL;
	r.e = db_read_begin(db);
	if (r.e != ERR_OK) {
		json_decref(r.sections);
		return r.e;
	}
	clock_format(q->now, generated, sizeof(generated));
	registry_date_of(r.base.f.to - 86400 + (int64_t)off * 60, last);
	buf_printf(out,
		   "# Field service operations report — %s\n\n"
		   "Tickets created from %s-01 to %s (local time, UTC%+03d:%02d). "
		   "Generated %s by fieldtrace.\n\n",
		   q->month, q->month, last, off / 60, abs(off % 60), generated);
	scope_line(&r, q);
	summary(&r, q->month);
	volume_by(&r, ANALYTICS_BY_REGION, "region", "Region");
	volume_by(&r, ANALYTICS_BY_CENTRE, "centre", "Centre");
	volume_by(&r, ANALYTICS_BY_CATEGORY, "category", "Category");
	volume_by(&r, ANALYTICS_BY_CHANNEL, "channel", "Channel");
	sla_by_centre(&r);
	times_by_priority(&r);
	satisfaction(&r);
	faults(&r);
	if (q->with_problems)
		problems(&r);
	else if (r.sections && r.e == ERR_OK &&
		 json_object_set_new(r.sections, "open_problems", json_null()) < 0)
		r.e = ERR_INTERNAL;
	buf_puts(out, "---\n\nDefinitions: response is the technician's acceptance, arrival "
		      "the check-in on site; first-time fix is a resolved ticket with one visit "
		      "and never reopened; follow-up coverage is the share of resolved tickets "
		      "closed with a satisfaction score; the renewal rate is renewed units over "
		      "units whose warranty ended in the month.\n");
	db_read_end(db);
	if (r.e == ERR_OK && out->failed)
		r.e = ERR_INTERNAL;
	if (r.e == ERR_OK && sections) {
		*sections = sections_doc(&r, q, generated, r.sections);
		if (!*sections)
			r.e = ERR_INTERNAL;
	} else {
		json_decref(r.sections);
	}
	return r.e;
}
