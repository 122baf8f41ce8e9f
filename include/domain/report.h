/* The monthly operations report (server/domain/report.c): the month's
 * figures from the same tables as the analytics endpoints (so the report
 * and the API never disagree), as a Markdown document for managers or as
 * JSON sections. `fieldtrace report` (server/cli/report.c) writes it to a
 * file; GET /v1/reports/monthly (server/api/reports.c) answers it. */
#ifndef FT_REPORT_H
#define FT_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/analytics_store.h"

struct db;

struct report_query {
	const char *month; /* local month "YYYY-MM" */
	int64_t now;       /* "generated", and pending vs breached deadlines */
	/* Which tickets, besides the month: f.from and f.to are set from the
	 * month; the region range, centre and product line narrow (NULL: all,
	 * as the command line reports). Strings borrowed for the call. */
	struct analytics_filter f;
	/* What the scope line names ("" or NULL: nothing, and no scope line):
	 * the region's code when f narrows by region. */
	const char *region;
	int with_problems; /* the open problems section (national data) */
};

/* [from, to) of the local month "YYYY-MM" on the business calendar's
 * offset. -1 when month is not one (1970-01 .. 9999-12). */
int report_month_bounds(const char *month, int offset_minutes, int64_t *from, int64_t *to);

/* The report as Markdown into out (appended). When sections is not NULL it
 * also receives a new object (caller decrefs): {"month", "from", "to",
 * "generated_at", "scope": {"region", "centre", "product_line"},
 * "sections"}, sections holding every table the document shows under its
 * name ("volume", "times", "sla", "first_time_fix", "satisfaction",
 * "warranty_renewals", "volume_by_region", ..., "fault_codes"), each
 * {"columns": [...], "items": [...]} as the analytics endpoints answer it,
 * and "open_problems" (an array, or null without with_problems).
 * ERR_INVALID when the month is not one. Reads in one snapshot (opens a
 * read transaction unless one is open). */
enum err report_monthly(struct db *db, const struct report_query *q, struct buf *out,
			json_t **sections);

#endif
