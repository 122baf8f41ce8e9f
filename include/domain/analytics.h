/* Operations analytics (server/domain/analytics.c): the figures behind
 * GET /v1/analytics/... (server/api/analytics.c) and the monthly report
 * (server/cli/report.c), as tables of flat rows that answer as JSON or CSV
 * alike. */
#ifndef FT_ANALYTICS_H
#define FT_ANALYTICS_H

#include <jansson.h>
#include <stdint.h>

#include "db/analytics_store.h"
#include "core/buf.h"
#include "core/err.h"

struct db;

enum analytics_metric {
	ANALYTICS_VOLUME,       /* tickets created */
	ANALYTICS_TIMES,        /* response / arrival / resolution: median and p90 minutes */
	ANALYTICS_SLA,          /* met / breached / pending and compliance per target */
	ANALYTICS_FTF,          /* first-time fix rate */
	ANALYTICS_SATISFACTION, /* average, distribution, follow-up coverage */
	ANALYTICS_RENEWALS,     /* warranty renewal rate */
	ANALYTICS_FAULTS,       /* top fault codes */
};

enum analytics_dim {
	ANALYTICS_BY_NONE,
	ANALYTICS_BY_CATEGORY,
	ANALYTICS_BY_CHANNEL,
	ANALYTICS_BY_REGION, /* the ticket's own region (the last code of its path) */
	ANALYTICS_BY_CENTRE,
	ANALYTICS_BY_PRODUCT_LINE,
	ANALYTICS_BY_MODEL,    /* the model's code */
	ANALYTICS_BY_PRIORITY, /* P1..P4 */
	ANALYTICS_BY__COUNT
};

enum analytics_interval {
	ANALYTICS_ALL, /* one period: the whole range */
	ANALYTICS_DAY,
	ANALYTICS_WEEK, /* ISO weeks, named by their Monday */
	ANALYTICS_MONTH,
};

struct analytics_query {
	enum analytics_metric metric;
	enum analytics_dim by;
	enum analytics_interval interval;
	struct analytics_filter f; /* created in [from, to) and scope */
	int limit;                 /* fault codes: how many */
	int64_t now;               /* pending vs breached deadlines */
	int utc_offset_minutes;    /* periods are local days (the business calendar's) */
};

/* Name of a dimension ("category", ...; "" for none) and back (-1 unknown). */
const char *analytics_dim_name(enum analytics_dim d);
int analytics_dim_parse(const char *s);

/* The figures of q as a new {"columns": [names], "items": [{column: value}]}
 * (caller decrefs), rows ordered by period then key. Periods are "YYYY-MM-DD"
 * (day; week: its Monday) or "YYYY-MM"; without an interval and a
 * dimension there is exactly one row, zeros included. Durations are
 * minutes to one decimal, rates fractions to four (null when nothing was
 * counted). NULL with *e set on failure.
 *
 * Definitions (tickets created in [from, to) and in scope):
 *   volume        every ticket, cancelled included.
 *   times         wall-clock minutes from creation to the first response
 *                 (accept), arrival on site and resolution, over the
 *                 tickets that reached them; median and p90 by nearest
 *                 rank (the smallest value with at least 50 % / 90 % of
 *                 the values at or below it).
 *   sla           cancelled tickets left out; per target met (reached by
 *                 its deadline), breached (reached late, or not reached
 *                 and past it at `now` unless waiting for the customer),
 *                 pending (the rest); compliance = met / (met + breached).
 *   first-time    resolved = resolved now (resolved, follow_up, closed);
 *   fix           first-time fixed = of those, one "arrive" event and no
 *                 "reopen" in the ticket's history; rate = fixed / resolved.
 *   satisfaction  resolved as above; rated = closed with a score; average
 *                 and distribution of the scores; follow-up coverage =
 *                 rated / resolved.
 *   renewals      units whose warranty ended in the period (by the units'
 *                 region, not ticket creation): the current end is in it,
 *                 or a renewal's previous end is; renewed = a renewal's
 *                 previous end is in it; rate = renewed / ended.
 *   fault codes   work records' fault codes, most frequent first; share
 *                 of all tickets with a fault code. */
json_t *analytics_table(struct db *db, const struct analytics_query *q, enum err *e);

/* The table as RFC 4180 CSV (header line, CRLF, quoted where needed) into out. */
void analytics_csv(const json_t *table, struct buf *out);

#endif
