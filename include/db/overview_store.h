/* SQL of the customer 360 view (server/db/overview_store.c): each part of
 * GET /v1/customers/{id}/overview is one indexed statement with a LIMIT,
 * and each count one aggregate, so a customer with 10,000 units costs a
 * page of rows plus a few index scans (migrations/0032_overview.sql;
 * docs/BENCHMARKS.md has the figures). The caller has checked the
 * customer is in the reader's scope: nothing here scopes again.
 *
 * Dates are "YYYY-MM-DD" (UTC), times Unix seconds. Rows are plain values
 * handed to a callback, borrowed for the call; the callback returns
 * nonzero to stop. */
#ifndef FT_OVERVIEW_STORE_H
#define FT_OVERVIEW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* The day the view is computed for. A unit's factory warranty reads as
 * in_warranty while warranty_end > expiring_until, expiring while
 * warranty_end > today, expired after (assets_warranty_status's rule), and
 * none without an end. A contract covers a unit today when it is active,
 * today lies in its period and it lists the unit or the unit's site. */
struct overview_day {
	char today[11];
	char expiring_until[11];
};

struct overview_unit {
	int64_t id;
	char serial[65];
	char model[65];
	int64_t site_id; /* 0 = none */
	char site_name[256];
	char warranty_end[11];    /* "" = none */
	char warranty_status[12]; /* in_warranty, expiring, expired, none */
	int64_t contract_id;      /* the best contract covering it today; 0 = none */
	char contract_number[64];
	char contract_kind[24];
	char cover[12]; /* warranty, contract, none */
};
typedef int (*overview_unit_fn)(const struct overview_unit *u, void *ctx);

/* The customer's units with id > after_id in id order, at most limit.
 * only_uncovered: just those that nothing covers today (cover "none"). */
enum err overview_store_units(struct db *db, int64_t customer_id, const struct overview_day *d,
			      int only_uncovered, int64_t after_id, int limit, overview_unit_fn fn,
			      void *ctx);

struct overview_unit_totals {
	int64_t units;
	int64_t in_warranty, expiring, expired, no_warranty; /* by warranty status */
	int64_t cover_warranty, cover_contract, cover_none;  /* by what covers it */
};
enum err overview_store_unit_totals(struct db *db, int64_t customer_id,
				    const struct overview_day *d, struct overview_unit_totals *out);

struct overview_site {
	int64_t id;
	char code[65];
	char name[256];
	char region[32];
	int64_t units;
};
typedef int (*overview_site_fn)(const struct overview_site *s, void *ctx);
/* In id order, at most limit; *total = how many the customer has. */
enum err overview_store_sites(struct db *db, int64_t customer_id, int limit, overview_site_fn fn,
			      void *ctx, int64_t *total);

/* Which requests: open (work remains), recent (opened since `since`,
 * newest first), breached (opened since `since`, not cancelled, a target
 * missed: met late or unmet past due on the running clock, which stands
 * still while paused: the rule of the ticket's sla.breached), low_score
 * (closed since `since` with a score of 2 or less). */
enum overview_tickets { OVERVIEW_OPEN, OVERVIEW_RECENT, OVERVIEW_BREACHED, OVERVIEW_LOW_SCORE };

struct overview_ticket {
	int64_t id;
	char status[20];
	char title[256];
	char category[64];
	char priority[8];
	int64_t asset_id; /* 0 = none */
	char serial[65];
	int64_t created_at, updated_at;
	int64_t response_due, arrival_due, resolution_due;
	int64_t responded_at, arrived_at, resolved_at, closed_at, paused_at; /* 0 = not yet */
	int satisfaction;                                                    /* 0 = none */
};
typedef int (*overview_ticket_fn)(const struct overview_ticket *t, void *ctx);

/* Newest first (open: oldest first, the longest waiting on top), at most
 * limit; *total = how many match. now: the clocks' time. */
enum err overview_store_tickets(struct db *db, enum overview_tickets which, int64_t customer_id,
				int64_t now, int64_t since, int limit, overview_ticket_fn fn,
				void *ctx, int64_t *total);

/* Scores of the requests closed in [from, to): how many, their mean (0
 * without any) and how many were 2 or less. */
enum err overview_store_satisfaction(struct db *db, int64_t customer_id, int64_t from, int64_t to,
				     int64_t *responses, double *average, int64_t *low);

/* The renewal history: the customer's contracts that renew another or
 * came from a warranty renewal, newest first. status is as stored but
 * "expired" for an active one past its end on today. */
struct overview_renewal {
	int64_t contract_id;
	char number[64];
	char kind[24];
	char start_date[11], end_date[11];
	char status[12];
	int64_t renews_id; /* 0 = none */
	char renews_number[64];
	int64_t asset_id; /* the unit of a warranty renewal; 0 = none */
	char serial[65];
	int64_t price_minor;
	char currency[4];
	int64_t created_at;
};
typedef int (*overview_renewal_fn)(const struct overview_renewal *r, void *ctx);
enum err overview_store_renewals(struct db *db, int64_t customer_id, const char *today, int limit,
				 overview_renewal_fn fn, void *ctx, int64_t *total);

/* Problems not closed whose tickets include one on the customer's units. */
struct overview_problem {
	int64_t id;
	char kind[12];
	char fault_code[65];
	char status[24];
	char model[65]; /* "" = none */
	char value[65];
	char part_number[65];
	int64_t ticket_count;   /* all the problem's tickets */
	int64_t customer_units; /* the customer's units among them */
	int64_t opened_at;
};
typedef int (*overview_problem_fn)(const struct overview_problem *p, void *ctx);
enum err overview_store_problems(struct db *db, int64_t customer_id, int limit,
				 overview_problem_fn fn, void *ctx, int64_t *total);

#endif
