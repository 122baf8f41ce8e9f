/* Store of operations analytics: one scan of the tickets created in a
 * time range (through the covering index tickets_analytics, never the
 * ticket rows), the top fault codes, and the units whose warranty ended
 * in a period. All SQL for them lives in server/db/analytics_store.c. */
#ifndef FT_ANALYTICS_STORE_H
#define FT_ANALYTICS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* Which tickets: created in [from, to), and within the region range
 * [region_lo, region_hi), of centre, of product_line where those are not
 * NULL. Strings borrowed for the call. */
struct analytics_filter {
	int64_t from, to;
	const char *region_lo, *region_hi;
	const char *centre;
	const char *product_line;
};

/* One ticket; strings borrowed until the callback returns ("" for NULL),
 * times 0 when not reached, satisfaction 0 when none. visits (arrive
 * events) and reopens are filled only by a scan that asks for them, and
 * only for resolved tickets. */
struct analytics_ticket {
	int64_t id, created_at;
	const char *status, *category, *channel, *region_path, *centre, *product_line, *priority;
	int64_t model_id;
	int64_t responded_at, arrived_at, resolved_at, closed_at;
	int64_t response_due, arrival_due, resolution_due;
	int satisfaction;
	int64_t visits, reopens;
};
typedef int (*analytics_ticket_fn)(const struct analytics_ticket *t, void *ctx); /* nonzero stops */
enum err analytics_store_tickets(struct db *db, const struct analytics_filter *f, int with_visits,
				 analytics_ticket_fn fn, void *ctx);

/* The query plan of the ticket scan, one line per step (tests assert it
 * reads the covering index). */
enum err analytics_store_tickets_plan(struct db *db, int with_visits, char *out, size_t size);

/* Fault codes of the work records of the tickets f selects, most frequent
 * first (ties by code), at most limit; total is every ticket with a fault
 * code (for shares). */
typedef int (*analytics_fault_fn)(const char *code, int64_t count, int64_t total, void *ctx);
enum err analytics_store_faults(struct db *db, const struct analytics_filter *f, int limit,
				analytics_fault_fn fn, void *ctx);

/* Units whose warranty ended in [from, to) (dates "YYYY-MM-DD"): their
 * current end is in it, or a renewal's previous end is; renewed when a
 * renewal's previous end is in it. f's times are unused; its region,
 * centre (the regions the centre covers) and product line filter. */
struct analytics_unit {
	int64_t asset_id, model_id;
	const char *region_path, *product_line, *ended; /* borrowed */
	int renewed;
};
typedef int (*analytics_unit_fn)(const struct analytics_unit *u, void *ctx);
enum err analytics_store_warranty_units(struct db *db, const char *from, const char *to,
					const struct analytics_filter *f, analytics_unit_fn fn,
					void *ctx);

/* A model's code into out ("" when unknown). */
enum err analytics_store_model_code(struct db *db, int64_t id, char *out, size_t size);

/* Problems not closed, oldest first, for the monthly report. */
struct analytics_problem {
	int64_t id, model_id, ticket_count, opened_at;
	const char *kind, *fault_code, *model_code, *value, *part_number, *status, *owner;
};
typedef int (*analytics_problem_fn)(const struct analytics_problem *p, void *ctx);
enum err analytics_store_open_problems(struct db *db, analytics_problem_fn fn, void *ctx);

#endif
