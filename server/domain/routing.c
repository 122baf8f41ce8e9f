/* Routing a service request to a regional centre, and ranking a centre's
 * technicians for dispatch. Every answer explains itself: the rule that
 * decided, a sentence of reasons, and each candidate with its facts.
 *
 * A decision is two indexed queries at most: the centres covering a region
 * on the site's path (regions by path, then centre_regions by region), and
 * only when none fits, every centre for the distance / load fallback. */
#include "domain/routing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/registry.h"
#include "db/routing_store.h"

/* The fallbacks consider every centre; the document lists the best ones. */
#define LISTED_MAX 20
#define EARTH_RADIUS_KM 6371.0088

double routing_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1)
		a = 1;
	return 2 * EARTH_RADIUS_KM * asin(sqrt(a));
}

static double round1(double v)
{
	return round(v * 10) / 10;
}

/* ---- the centre decision -------------------------------------------------- */

struct cand {
	struct routing_centre_row row;
	int has_distance;
	double distance_km;
	int excluded;
};

struct cands {
	struct cand *v;
	size_t n, cap;
	const struct routing_input *in;
	int failed;
};

static int cand_add(const struct routing_centre_row *row, void *arg)
{
	struct cands *c = arg;
	struct cand *x;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct cand *v = realloc(c->v, cap * sizeof(*v));

		if (!v) {
			c->failed = 1;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	x = &c->v[c->n++];
	memset(x, 0, sizeof(*x));
	x->row = *row;
	x->excluded = c->in->exclude_centre && strcmp(c->in->exclude_centre, row->code) == 0;
	if (c->in->has_position && row->has_position) {
		x->has_distance = 1;
		x->distance_km = routing_distance_km(c->in->latitude, c->in->longitude,
						     row->latitude, row->longitude);
	}
	return 0;
}

/* Open load open / capacity, compared exactly; a centre without capacity
 * is the most loaded of all. Negative when a is less loaded. */
static int load_cmp(const struct routing_centre_row *a, const struct routing_centre_row *b)
{
	int64_t l, r;

	if (a->capacity == 0 || b->capacity == 0) {
		if (a->capacity != b->capacity)
			return a->capacity == 0 ? 1 : -1;
		return (a->open > b->open) - (a->open < b->open);
	}
	l = a->open * b->capacity;
	r = b->open * a->capacity;
	return (l > r) - (l < r);
}

static int by_load(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int c = load_cmp(&a->row, &b->row);

	return c ? c : strcmp(a->row.code, b->row.code);
}

static int by_distance(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->has_distance != b->has_distance)
		return a->has_distance ? -1 : 1;
	if (a->has_distance && a->distance_km != b->distance_km)
		return a->distance_km < b->distance_km ? -1 : 1;
	return by_load(pa, pb);
}

static json_t *cand_json(const struct cand *c)
{
	const struct routing_centre_row *r = &c->row;

	return json_pack(
	    "{s:s, s:s?, s:b, s:I, s:I, s:o, s:o, s:b}", "centre", r->code, "covered_region",
	    r->covered_region[0] ? r->covered_region : NULL, "covers_product_line", r->covers_line,
	    "open", (json_int_t)r->open, "capacity", (json_int_t)r->capacity, "load",
	    r->capacity > 0 ? json_real(round((double)r->open / (double)r->capacity * 1000) / 1000)
			    : json_null(),
	    "distance_km", c->has_distance ? json_real(round1(c->distance_km)) : json_null(),
	    "excluded", c->excluded);
}

/* The ancestors-or-self of "/CN/GD/SZ/" as a JSON array of paths; NULL
 * when the path is not one ("" or malformed: nothing covers it). */
static char *ancestors_json(const char *path)
{
	size_t n = path ? strlen(path) : 0;
	json_t *a;
	char *out;

	if (n < 3 || path[0] != '/' || path[n - 1] != '/')
		return NULL;
	a = json_array();
	for (size_t i = 1; a && i < n; i++)
		if (path[i] == '/')
			json_array_append_new(a, json_stringn(path, i + 1));
	out = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return out;
}

static const char *line_text(const struct routing_input *in)
{
	return in->product_line && in->product_line[0] ? in->product_line : NULL;
}

static void load_text(const struct routing_centre_row *r, char *out, size_t size)
{
	snprintf(out, size, "%lld open / capacity %lld", (long long)r->open,
		 (long long)r->capacity);
}

/* Coverage: among the centres covering the line (any line when it is not
 * known), those covering the most specific region; the least loaded wins. */
static const struct cand *decide_coverage(struct cands *c, const struct routing_input *in,
					  char *reason, size_t size)
{
	const char *line = line_text(in);
	const struct cand *best = NULL;
	size_t best_len = 0, tied = 0;
	char load[64], tie[160];

	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].row.covers_line && !c->v[i].excluded &&
		    c->v[i].row.covered_len > best_len)
			best_len = c->v[i].row.covered_len;
	if (best_len == 0)
		return NULL;
	qsort(c->v, c->n, sizeof(c->v[0]), by_load);
	for (size_t i = 0; i < c->n; i++) {
		const struct cand *x = &c->v[i];

		if (!x->row.covers_line || x->excluded || x->row.covered_len != best_len)
			continue;
		if (!best)
			best = x;
		tied++;
	}
	load_text(&best->row, load, sizeof(load));
	if (tied > 1)
		snprintf(tie, sizeof(tie), "lowest open load of %zu centres covering %s directly",
			 tied, best->row.covered_region);
	else
		snprintf(tie, sizeof(tie), "the only centre covering %s directly",
			 best->row.covered_region);
	snprintf(reason, size, "%s covers %s, the most specific region of %s covered %s%s; %s (%s)",
		 best->row.code, best->row.covered_region, in->region_path,
		 line ? "for " : "for any product line (none known)", line ? line : "", tie, load);
	return best;
}

/* Keeps the candidates a fallback may pick: not excluded, positioned when
 * want_position, covering the line when any such one exists (*by_line). */
static size_t fallback_pool(struct cands *c, int want_position, int *by_line)
{
	size_t n = 0, lined = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct cand *x = &c->v[i];

		if (x->excluded || (want_position && !x->has_distance))
			continue;
		n++;
		lined += x->row.covers_line != 0;
	}
	*by_line = lined > 0;
	return *by_line ? lined : n;
}

static int pickable(const struct cand *x, int want_position, int by_line)
{
	return !x->excluded && (!want_position || x->has_distance) &&
	       (!by_line || x->row.covers_line);
}

static const struct cand *decide_fallback(struct cands *c, const struct routing_input *in,
					  const char **rule, char *reason, size_t size)
{
	const char *line = line_text(in);
	int by_line = 0, nearest = 0;
	size_t pool = 0;
	const struct cand *best = NULL;
	char why[160], load[64], among[160];

	if (in->has_position) {
		pool = fallback_pool(c, 1, &by_line);
		nearest = pool > 0;
	}
	if (!nearest)
		pool = fallback_pool(c, 0, &by_line);
	if (pool == 0)
		return NULL;
	qsort(c->v, c->n, sizeof(c->v[0]), nearest ? by_distance : by_load);
	for (size_t i = 0; i < c->n && !best; i++)
		if (pickable(&c->v[i], nearest, by_line))
			best = &c->v[i];
	snprintf(why, sizeof(why), "no centre covers %s%s%s",
		 in->region_path && in->region_path[0] ? in->region_path : "an unknown region",
		 line ? " for " : "", line ? line : "");
	if (by_line)
		snprintf(among, sizeof(among), "%zu centre%s%s covering %s", pool,
			 pool == 1 ? "" : "s", nearest ? " with a position" : "", line);
	else if (line)
		snprintf(among, sizeof(among), "%zu centre%s%s (none %scovers %s)", pool,
			 pool == 1 ? "" : "s", nearest ? " with a position" : "",
			 nearest ? "with a position " : "", line);
	else
		snprintf(among, sizeof(among), "%zu centre%s%s", pool, pool == 1 ? "" : "s",
			 nearest ? " with a position" : "");
	load_text(&best->row, load, sizeof(load));
	if (nearest) {
		*rule = "nearest";
		snprintf(reason, size, "%s; %s is the nearest (%.1f km) of %s", why, best->row.code,
			 best->distance_km, among);
	} else {
		*rule = "least_loaded";
		snprintf(reason, size, "%s and %s; %s has the lowest open load (%s) of %s", why,
			 in->has_position ? "no centre has a position" : "the site has no position",
			 best->row.code, load, among);
	}
	return best;
}

enum err routing_decide(struct db *db, const struct routing_input *in, char centre[32],
			json_t **doc)
{
	struct cands c = { .in = in };
	const struct cand *best = NULL;
	const char *rule = "coverage";
	char reason[768], *anc;
	json_t *list = NULL;
	size_t listed;
	enum err e = ERR_OK;

	*doc = NULL;
	centre[0] = '\0';
	anc = ancestors_json(in->region_path);
	if (anc)
		e = routing_store_covering(db, anc, line_text(in), cand_add, &c);
	free(anc);
	if (e == ERR_OK && c.failed)
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		best = decide_coverage(&c, in, reason, sizeof(reason));
	if (e == ERR_OK && !best) {
		c.n = 0;
		e = routing_store_centres(db, line_text(in), cand_add, &c);
		if (e == ERR_OK && c.failed)
			e = ERR_INTERNAL;
		if (e == ERR_OK)
			best = decide_fallback(&c, in, &rule, reason, sizeof(reason));
		if (e == ERR_OK && !best)
			e = ERR_NOT_FOUND;
	}
	if (e == ERR_OK) {
		list = json_array();
		listed = strcmp(rule, "coverage") == 0 || c.n < LISTED_MAX ? c.n : LISTED_MAX;
		for (size_t i = 0; list && i < listed; i++)
			json_array_append_new(list, cand_json(&c.v[i]));
		*doc = json_pack("{s:s, s:s, s:s, s:o}", "centre", best->row.code, "rule", rule,
				 "reason", reason, "candidates", list);
		if (!*doc)
			e = ERR_INTERNAL;
		else
			snprintf(centre, 32, "%s", best->row.code);
	}
	free(c.v);
	return e;
}

/* ---- technicians for dispatch --------------------------------------------- */

struct tech {
	struct tech_row row;
	int has_distance;
	double distance_km;
};

struct techs {
	struct tech *v;
	size_t n, cap;
	const struct dispatch_input *in;
	int failed;
};

static int tech_add(const struct tech_row *row, void *arg)
{
	struct techs *t = arg;
	struct tech *x;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct tech *v = realloc(t->v, cap * sizeof(*v));

		if (!v) {
			t->failed = 1;
			return 1;
		}
		t->v = v;
		t->cap = cap;
	}
	x = &t->v[t->n++];
	memset(x, 0, sizeof(*x));
	x->row = *row;
	x->row.skills = NULL; /* borrowed from the statement */
	if (t->in->has_position && row->has_position) {
		x->has_distance = 1;
		x->distance_km = routing_distance_km(t->in->latitude, t->in->longitude,
						     row->latitude, row->longitude);
	}
	return 0;
}

/* Skill (higher first), on duty first, fewer open jobs, shorter distance
 * (unknown last), then the user id. */
static int by_rank(const void *pa, const void *pb)
{
	const struct tech *a = pa, *b = pb;

	if (a->row.skill != b->row.skill)
		return b->row.skill - a->row.skill;
	if (a->row.on_duty != b->row.on_duty)
		return b->row.on_duty - a->row.on_duty;
	if (a->row.open_jobs != b->row.open_jobs)
		return a->row.open_jobs < b->row.open_jobs ? -1 : 1;
	if (a->has_distance != b->has_distance)
		return a->has_distance ? -1 : 1;
	if (a->has_distance && a->distance_km != b->distance_km)
		return a->distance_km < b->distance_km ? -1 : 1;
	return (a->row.id > b->row.id) - (a->row.id < b->row.id);
}

/* The ranking in one number, higher is better: skill x 1,000,000 + on
 * duty x 100,000 + (999 - open jobs, floored at 0) x 100 + (99 - distance
 * in 10 km steps, floored at 0; 0 when unknown). The order itself uses the
 * exact values. */
static json_int_t tech_score(const struct tech *t)
{
	json_int_t jobs = t->row.open_jobs > 999 ? 999 : t->row.open_jobs;
	json_int_t dist = 0;

	if (t->has_distance)
		dist = t->distance_km >= 990 ? 0 : 99 - (json_int_t)(t->distance_km / 10);
	return (json_int_t)t->row.skill * 1000000 + (t->row.on_duty ? 100000 : 0) +
	       (999 - jobs) * 100 + dist;
}

static json_t *tech_json(const struct tech *t, const char *line, int site_position)
{
	json_t *reasons = json_array();
	char text[128];

	if (!line)
		json_array_append_new(reasons,
				      json_string("product line unknown: skill not ranked"));
	else if (t->row.skill > 0) {
		snprintf(text, sizeof(text), "skill %d on %s", t->row.skill, line);
		json_array_append_new(reasons, json_string(text));
	} else {
		snprintf(text, sizeof(text), "no %s skill", line);
		json_array_append_new(reasons, json_string(text));
	}
	json_array_append_new(reasons, json_string(t->row.on_duty ? "on duty" : "off duty"));
	snprintf(text, sizeof(text), "%lld open job%s", (long long)t->row.open_jobs,
		 t->row.open_jobs == 1 ? "" : "s");
	json_array_append_new(reasons, json_string(text));
	if (t->has_distance)
		snprintf(text, sizeof(text), "%.1f km from the site", t->distance_km);
	else
		snprintf(text, sizeof(text), "%s",
			 site_position ? "position unknown" : "site position unknown");
	json_array_append_new(reasons, json_string(text));
	return json_pack("{s:I, s:s, s:s, s:o, s:b, s:I, s:o, s:I, s:o}", "user_id",
			 (json_int_t)t->row.id, "username", t->row.username, "display_name",
			 t->row.display_name, "skill",
			 line ? json_integer(t->row.skill) : json_null(), "on_duty", t->row.on_duty,
			 "open_jobs", (json_int_t)t->row.open_jobs, "distance_km",
			 t->has_distance ? json_real(round1(t->distance_km)) : json_null(), "score",
			 tech_score(t), "reasons", reasons);
}

enum err routing_candidates(struct db *db, const struct dispatch_input *in, json_t **items)
{
	const char *line = in->product_line && in->product_line[0] ? in->product_line : NULL;
	struct techs t = { .in = in };
	enum err e;

	*items = NULL;
	e = routing_store_dispatch(db, in->centre, line, tech_add, &t);
	if (e == ERR_OK && t.failed)
		e = ERR_INTERNAL;
	if (e == ERR_OK) {
		if (t.n > 1)
			qsort(t.v, t.n, sizeof(t.v[0]), by_rank);
		*items = json_array();
		for (size_t i = 0; *items && i < t.n; i++)
			json_array_append_new(*items, tech_json(&t.v[i], line, in->has_position));
		if (!*items)
			e = ERR_INTERNAL;
	}
	free(t.v);
	return e;
}
