/* Service levels: which priority a ticket gets and when its targets fall
 * due. Round-the-clock priorities count wall-clock seconds. The others count
 * business time: working hours [day_start, day_end) in the calendar's time
 * zone, on the weekdays of its bitmask unless calendar_days says holiday,
 * plus the dates it marks as make-up working days. Every walk is bounded by
 * SLA_HORIZON_DAYS, so a calendar without working time answers an error
 * instead of looping. */
#include "domain/sla.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "domain/registry.h"
#include "db/sla_store.h"

#define DAY_SECONDS 86400
/* The latest start we compute from: the horizon's last date must still be
 * a four-digit year (9000-01-01T00:00:00Z). */
#define SLA_TIME_MAX INT64_C(221845392000)

static int one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

#define ONE_OF(s, ...)                                                                             \
	one_of(s, (const char *const[]){ __VA_ARGS__ },                                            \
	       sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

int sla_tier_ok(const char *tier)
{
	return ONE_OF(tier, "strategic", "A", "B", "C");
}

int sla_impact_ok(const char *impact)
{
	return ONE_OF(impact, "unit", "site", "grid");
}

int sla_urgency_ok(const char *urgency)
{
	return ONE_OF(urgency, "high", "medium", "low");
}

int sla_priority_ok(const char *priority)
{
	return ONE_OF(priority, "P1", "P2", "P3", "P4");
}

enum err sla_priority(struct db *db, const char *tier, const char *impact, const char *urgency,
		      const char *category, struct sla_targets *out)
{
	char priority[4];
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!sla_tier_ok(tier) || !sla_impact_ok(impact) || !sla_urgency_ok(urgency))
		return ERR_INVALID;
	e = sla_store_rule_match(db, tier, impact, urgency, category, priority);
	if (e != ERR_OK)
		return e;
	return sla_store_targets_get(db, priority, out);
}

/* ---- the business calendar over a bounded window --------------------------- */

enum day_kind { DAY_PLAIN = 0, DAY_HOLIDAY, DAY_WORKDAY };

/* The calendar and its marked days for local days [first, first + n). */
struct window {
	struct sla_calendar cal;
	int64_t first;
	int64_t n;
	unsigned char kind[SLA_HORIZON_DAYS + 1];
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The local day (days since 1970-01-01 in the calendar's zone) holding t. */
static int64_t local_day(const struct window *w, int64_t t)
{
	return floor_div(t + (int64_t)w->cal.utc_offset_minutes * 60, DAY_SECONDS);
}

static void day_date(int64_t day, char out[11])
{
	registry_date_add_days("1970-01-01", day, out);
}

static int window_mark(const struct sla_day *d, void *arg)
{
	struct window *w = arg;
	int64_t i;

	if (!registry_date_ok(d->date))
		return 0; /* not a date the API would store; ignore it */
	i = registry_date_days(d->date) - w->first;
	if (i >= 0 && i < w->n)
		w->kind[i] = strcmp(d->kind, "workday") == 0 ? DAY_WORKDAY : DAY_HOLIDAY;
	return 0;
}

/* One query for the calendar, one for the marked days of the window
 * starting on the local day of start. */
static enum err window_load(struct db *db, int64_t start, struct window *w)
{
	char from[11], to[11];
	enum err e;

	memset(w, 0, sizeof(*w));
	e = sla_store_calendar_get(db, &w->cal);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_DB : e;
	w->first = local_day(w, start);
	w->n = SLA_HORIZON_DAYS + 1;
	day_date(w->first, from);
	day_date(w->first + w->n - 1, to);
	return sla_store_days_list(db, from, to, window_mark, w);
}

static int day_works(const struct window *w, int64_t day)
{
	int64_t i = day - w->first;
	int weekday = (int)((day % 7 + 7 + 3) % 7); /* Monday 0; 1970-01-01 was a Thursday */

	if (i >= 0 && i < w->n && w->kind[i] != DAY_PLAIN)
		return w->kind[i] == DAY_WORKDAY;
	return (w->cal.workdays >> weekday) & 1;
}

/* The working hours of a local day as UTC [open, close). */
static void day_hours(const struct window *w, int64_t day, int64_t *open, int64_t *close)
{
	int64_t base = day * DAY_SECONDS - (int64_t)w->cal.utc_offset_minutes * 60;

	*open = base + (int64_t)w->cal.day_start_minute * 60;
	*close = base + (int64_t)w->cal.day_end_minute * 60;
}

/* pos + need seconds of working time. Time outside working hours does not
 * count, so a start outside them counts from the next opening; need 0 at a
 * closed time is that opening. */
static enum err window_add(const struct window *w, int64_t pos, int64_t need, int64_t *out)
{
	for (int64_t day = local_day(w, pos); day < w->first + w->n; day++) {
		int64_t open, close;

		if (!day_works(w, day))
			continue;
		day_hours(w, day, &open, &close);
		if (pos < open)
			pos = open;
		if (pos >= close)
			continue;
		if (need <= close - pos) {
			*out = pos + need;
			return ERR_OK;
		}
		need -= close - pos;
		pos = close;
	}
	return ERR_UNPROCESSABLE;
}

/* Working seconds in [a, b), a <= b, both within the window. */
static enum err window_between(const struct window *w, int64_t a, int64_t b, int64_t *out)
{
	int64_t last = local_day(w, b), total = 0;

	if (last >= w->first + w->n)
		return ERR_UNPROCESSABLE;
	for (int64_t day = local_day(w, a); day <= last; day++) {
		int64_t open, close, lo, hi;

		if (!day_works(w, day))
			continue;
		day_hours(w, day, &open, &close);
		lo = a > open ? a : open;
		hi = b < close ? b : close;
		if (hi > lo)
			total += hi - lo;
	}
	*out = total;
	return ERR_OK;
}

static int time_ok(int64_t t)
{
	return t >= 0 && t <= SLA_TIME_MAX;
}

#define MINUTES_MAX ((int64_t)SLA_HORIZON_DAYS * 1440)

static enum err wall_add(int64_t start, int64_t minutes, int64_t *out)
{
	if (minutes > MINUTES_MAX)
		return ERR_UNPROCESSABLE;
	*out = start + minutes * 60;
	return ERR_OK;
}

enum err sla_add(struct db *db, int round_the_clock, int64_t start, int64_t minutes, int64_t *out)
{
	struct window w;
	enum err e;

	if (!time_ok(start) || minutes < 0)
		return ERR_INVALID;
	if (round_the_clock)
		return wall_add(start, minutes, out);
	if (minutes > MINUTES_MAX)
		return ERR_UNPROCESSABLE;
	e = window_load(db, start, &w);
	return e == ERR_OK ? window_add(&w, start, minutes * 60, out) : e;
}

enum err sla_deadlines(struct db *db, const struct sla_targets *t, int64_t start,
		       struct sla_deadlines *out)
{
	const int64_t minutes[3] = { t->response_minutes, t->arrival_minutes,
				     t->resolution_minutes };
	int64_t *due[3] = { &out->response, &out->arrival, &out->resolution };
	struct window w;
	enum err e = ERR_OK;

	memset(out, 0, sizeof(*out));
	if (!time_ok(start))
		return ERR_INVALID;
	for (int i = 0; i < 3; i++)
		if (minutes[i] < 0)
			return ERR_INVALID;
		else if (minutes[i] > MINUTES_MAX)
			return ERR_UNPROCESSABLE;
	if (!t->round_the_clock)
		e = window_load(db, start, &w); /* one load for the three */
	for (int i = 0; e == ERR_OK && i < 3; i++)
		e = t->round_the_clock ? wall_add(start, minutes[i], due[i])
				       : window_add(&w, start, minutes[i] * 60, due[i]);
	return e;
}

enum err sla_shift(struct db *db, int round_the_clock, int64_t paused_at, int64_t resumed_at,
		   int64_t *deadline)
{
	struct window w;
	int64_t left = 0;
	enum err e;

	if (!time_ok(paused_at) || !time_ok(resumed_at) || resumed_at < paused_at)
		return ERR_INVALID;
	if (*deadline <= paused_at || resumed_at == paused_at)
		return ERR_OK; /* already passed, or no pause at all */
	if (round_the_clock) {
		if (*deadline - paused_at > MINUTES_MAX * 60)
			return ERR_UNPROCESSABLE;
		*deadline += resumed_at - paused_at;
		return ERR_OK;
	}
	e = window_load(db, paused_at, &w);
	if (e == ERR_OK)
		e = window_between(&w, paused_at, *deadline, &left);
	if (e == ERR_OK && local_day(&w, resumed_at) != w.first)
		e = window_load(db, resumed_at, &w);
	if (e == ERR_OK)
		e = window_add(&w, resumed_at, left, deadline);
	return e;
}
