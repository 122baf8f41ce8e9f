/* SQL for service levels and the business calendar: priority targets, the
 * tier x impact x urgency (x category) rules, the calendar's hours and its
 * holiday / make-up working days. Validation happens in the callers; the
 * tables' CHECK constraints are the last guard (ERR_INVALID). */
#ifndef FT_SLA_STORE_H
#define FT_SLA_STORE_H

#include <stdint.h>

#include "core/err.h"

struct sla_targets {
	char priority[4]; /* "P1".."P4" */
	int64_t response_minutes;
	int64_t arrival_minutes;
	int64_t resolution_minutes;
	int round_the_clock; /* 1: wall-clock minutes; 0: business minutes */
};

struct db;

struct sla_calendar {
	int utc_offset_minutes; /* local time = UTC + this */
	int day_start_minute;   /* working hours [start, end) local, minutes */
	int day_end_minute;     /* 1..1440 */
	int workdays;           /* bit 0 = Monday .. bit 6 = Sunday */
};

#define SLA_DAY_NAME_SIZE 128

struct sla_day {
	char date[11]; /* "YYYY-MM-DD" */
	char kind[8];  /* "holiday" | "workday" */
	char name[SLA_DAY_NAME_SIZE];
};

struct sla_rule {
	char tier[16];     /* strategic, A, B, C */
	char impact[8];    /* unit, site, grid */
	char urgency[8];   /* high, medium, low */
	char category[32]; /* a top-level category, "" = any */
	char priority[4];
};

/* ---- calendar ----------------------------------------------------------- */

enum err sla_store_calendar_get(struct db *db, struct sla_calendar *out);
enum err sla_store_calendar_update(struct db *db, const struct sla_calendar *c);

/* Calls fn for each day (borrowed for the call) with from <= date <= to
 * (NULL = unbounded), in date order; fn returns 0 to go on. One query. */
typedef int (*sla_day_fn)(const struct sla_day *day, void *ctx);
enum err sla_store_days_list(struct db *db, const char *from, const char *to, sla_day_fn fn,
			     void *ctx);
/* ERR_NOT_FOUND when the date has no row. */
enum err sla_store_day_get(struct db *db, const char *date, struct sla_day *out);
/* Inserts or replaces the date's row. */
enum err sla_store_day_put(struct db *db, const struct sla_day *d);
/* Inserts unless the date has a row: *inserted 1 when it did. */
enum err sla_store_day_insert_new(struct db *db, const struct sla_day *d, int *inserted);
/* ERR_NOT_FOUND when the date has no row. */
enum err sla_store_day_delete(struct db *db, const char *date);

/* ---- targets and rules ---------------------------------------------------- */

/* ERR_NOT_FOUND for an unknown priority. */
enum err sla_store_targets_get(struct db *db, const char *priority, struct sla_targets *out);
/* P1..P4 in order; fn returns 0 to go on. */
typedef int (*sla_targets_fn)(const struct sla_targets *t, void *ctx);
enum err sla_store_targets_list(struct db *db, sla_targets_fn fn, void *ctx);
/* Updates the priority's row (ERR_NOT_FOUND when unknown). */
enum err sla_store_targets_update(struct db *db, const struct sla_targets *t);

/* The rule for a ticket of top-level category `category` (NULL or "" =
 * none): the row naming the category wins over the "" row. The priority
 * into priority (4 bytes); ERR_NOT_FOUND when no row matches. */
enum err sla_store_rule_match(struct db *db, const char *tier, const char *impact,
			      const char *urgency, const char *category, char priority[4]);
/* The row with exactly these keys (category "" = the base row). */
enum err sla_store_rule_get(struct db *db, const struct sla_rule *key, struct sla_rule *out);
/* Inserts or replaces the row with r's keys. */
enum err sla_store_rule_put(struct db *db, const struct sla_rule *r);
/* Every rule ordered by tier, impact, urgency (as declared), category. */
typedef int (*sla_rule_fn)(const struct sla_rule *r, void *ctx);
enum err sla_store_rules_list(struct db *db, sla_rule_fn fn, void *ctx);

#endif
