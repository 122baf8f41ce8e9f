/* SQL behind routing and dispatch: which centres cover which regions and
 * product lines, the facts a routing decision is judged on (open load,
 * position), and technicians' skills, duty and open jobs.
 *
 * "Open" work is a ticket whose status is not resolved, follow_up, closed
 * or cancelled; the queries name the open statuses themselves so the
 * (centre_code, status) and (assignee_id, status) indexes answer them. */
#ifndef FT_ROUTING_STORE_H
#define FT_ROUTING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define ROUTING_CODE_SIZE 32 /* centre and region codes */
#define ROUTING_LINE_SIZE 33 /* product-line codes (as REG_LINE_SIZE) */

/* One centre as a routing decision sees it. */
struct routing_centre_row {
	char code[ROUTING_CODE_SIZE];
	int has_position; /* 0: latitude/longitude unknown */
	double latitude;
	double longitude;
	int64_t capacity;
	int64_t open; /* open tickets routed to it */
	/* The most specific region of the asked path it covers ("" none) and
	 * the length of that region's path (0 none): longer is more specific. */
	char covered_region[ROUTING_CODE_SIZE];
	size_t covered_len;
	int covers_line; /* covers the asked product line (1 when none asked) */
};
typedef int (*routing_centre_fn)(const struct routing_centre_row *row, void *ctx);

/* Centres covering at least one of the region paths in ancestors_json (a
 * JSON array of paths: "/CN/", "/CN/GD/", "/CN/GD/SZ/"), in code order.
 * product_line NULL = any. fn returns 0 to go on. */
enum err routing_store_covering(struct db *db, const char *ancestors_json, const char *product_line,
				routing_centre_fn fn, void *ctx);
/* Every centre, in code order (covered_region is ""), for the fallbacks. */
enum err routing_store_centres(struct db *db, const char *product_line, routing_centre_fn fn,
			       void *ctx);

/* ---- coverage ------------------------------------------------------------ */

/* A centre's covered region codes or product-line codes, in code order;
 * fn gets each code (borrowed for the call) and returns 0 to go on. */
typedef int (*routing_code_fn)(const char *code, void *ctx);
enum err routing_store_coverage_regions(struct db *db, const char *centre, routing_code_fn fn,
					void *ctx);
enum err routing_store_coverage_lines(struct db *db, const char *centre, routing_code_fn fn,
				      void *ctx);
/* Replaces both lists of centre; call inside the caller's transaction.
 * The codes must exist (the caller checked; ERR_INVALID otherwise). */
enum err routing_store_coverage_replace(struct db *db, const char *centre,
					const char *const *regions, size_t nregions,
					const char *const *lines, size_t nlines);

/* ---- technicians --------------------------------------------------------- */

/* An active (not disabled) user with role technician. */
struct tech_row {
	int64_t id;
	char username[64];
	char display_name[128];
	char centre[ROUTING_CODE_SIZE]; /* "" none */
	int on_duty;
	int has_position;
	double latitude;
	double longitude;
	int64_t duty_updated_at; /* 0: never reported */
	int64_t open_jobs;       /* open tickets assigned to them */
	int skill;               /* dispatch: level on the asked line, 0 none */
	const char *skills;      /* JSON array [{"product_line","level"}] in code
				  * order; borrowed for the callback only */
};
typedef int (*tech_row_fn)(const struct tech_row *row, void *ctx);

/* ERR_NOT_FOUND when id is no active technician within scope. The row's
 * skills pointer is NULL here (use routing_store_skills). */
enum err routing_store_technician_get(struct db *db, int64_t id, const struct scope *scope,
				      struct tech_row *out);
/* Active technicians within scope (and of centre when not NULL) with
 * id > after_id, in id order, at most limit (0 = all). */
enum err routing_store_technician_list(struct db *db, const struct scope *scope, const char *centre,
				       int64_t after_id, int limit, tech_row_fn fn, void *ctx);
/* The active technicians of centre with their level on product_line
 * (NULL: skill 0), for dispatch ranking; any order. */
enum err routing_store_dispatch(struct db *db, const char *centre, const char *product_line,
				tech_row_fn fn, void *ctx);

struct skill {
	char product_line[ROUTING_LINE_SIZE];
	int level; /* 1..5 */
};
/* The user's skills, in product-line order, into out (at most max). */
enum err routing_store_skills(struct db *db, int64_t user_id, struct skill *out, size_t max,
			      size_t *n);
/* Replaces the user's skills; inside the caller's transaction. */
enum err routing_store_skills_replace(struct db *db, int64_t user_id, const struct skill *skills,
				      size_t n);

/* Sets duty; with has_position the position too, else keeps the last
 * one. Inside the caller's transaction. */
enum err routing_store_duty_set(struct db *db, int64_t user_id, int on_duty, int has_position,
				double latitude, double longitude, int64_t now);

/* The demo's coverage, skills and duty (INSERT OR IGNORE); *changed
 * receives how many rows were added. */
enum err routing_store_demo_seed(struct db *db, int64_t now, int64_t *changed);

#endif
