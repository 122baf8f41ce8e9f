/* Routing a ticket to a regional service centre, and ranking a centre's
 * technicians for dispatch. Both explain themselves: the decision carries
 * its rule and every candidate with the facts it was judged on. */
#ifndef FT_ROUTING_H
#define FT_ROUTING_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct db;

struct routing_input {
	const char *region_path;  /* the site's (or customer's) "/CN/GD/SZ/" */
	const char *product_line; /* NULL or "" when unknown */
	int has_position;         /* the site's coordinates, for the fallback */
	double latitude, longitude;
	const char *exclude_centre; /* NULL, or a centre not to pick (re-route) */
};

/* Open means status not in (resolved, follow_up, closed, cancelled).
 * Picks the centre: those covering the most specific region on the path
 * that also cover the product line win; ties go to the lowest open load
 * (open tickets / capacity), then the code. When none covers it, the
 * nearest centre by great-circle distance (rule "nearest"); with no
 * position, the least loaded (rule "least_loaded"). *doc is new (caller
 * decrefs): {"centre", "rule": "coverage"|"nearest"|"least_loaded",
 * "reason": text, "candidates": [{"centre", ...facts}]}. ERR_NOT_FOUND when
 * there are no centres at all. centre receives the chosen code. */
enum err routing_decide(struct db *db, const struct routing_input *in, char centre[32],
			json_t **doc);

struct dispatch_input {
	const char *centre;
	const char *product_line; /* NULL or "" when unknown */
	int has_position;         /* the job's site */
	double latitude, longitude;
};

/* The centre's active technicians ranked for this job: product-line skill
 * (higher first), on duty first, fewer open jobs, shorter distance. *items
 * is a new array of {"user_id", "username", "display_name", "skill",
 * "on_duty", "open_jobs", "distance_km" (null when unknown), "score",
 * "reasons": [text]}. */
enum err routing_candidates(struct db *db, const struct dispatch_input *in, json_t **items);

/* Great-circle distance in km (haversine, mean Earth radius). */
double routing_distance_km(double lat1, double lon1, double lat2, double lon2);

#endif
