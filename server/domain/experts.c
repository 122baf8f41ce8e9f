/* Experts, their lines, the lines' rotas and who is on call. */
#include "domain/experts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/experts_store.h"
#include "domain/audit.h"
#include "domain/registry.h"

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

int experts_language_valid(const char *tag)
{
	size_t n = tag ? strlen(tag) : 0;

	if (n < 2 || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (tag[i] < 'a' || tag[i] > 'z')
			return 0;
	return 1;
}

/* Whether the comma list has tag. */
static int speaks(const char *languages, const char *tag)
{
	size_t n = strlen(tag);

	for (const char *p = languages; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && memcmp(p, tag, n) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static json_t *languages_json(const char *languages)
{
	json_t *out = json_array();

	for (const char *p = languages; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		json_array_append_new(out, json_stringn(p, len));
		if (!end)
			break;
		p = end + 1;
	}
	return out;
}

/* ---- on call ------------------------------------------------------------- */

/* Minutes of the day as "HH:MM" ("24:00" for an end at midnight). */
static void hhmm(int minutes, char out[6])
{
	unsigned m = minutes < 0 || minutes > 1440 ? 0u : (unsigned)minutes;

	out[0] = (char)('0' + m / 600);
	out[1] = (char)('0' + m / 60 % 10);
	out[2] = ':';
	out[3] = (char)('0' + m % 60 / 10);
	out[4] = (char)('0' + m % 10);
	out[5] = '\0';
}

/* Does a shift cover `at`? Its days and times are read on its own zone's
 * wall clock; an overnight shift (end <= start) belongs to the day it
 * starts, so its early hours count on the day after a listed day. */
static int shift_covers(const struct shift_row *s, int64_t at)
{
	int minute, wday, day, prev;

	if (clock_local(at, s->time_zone, &minute, &wday, NULL) != 0)
		return 0;
	day = (wday + 6) % 7; /* Monday 0 */
	prev = (day + 6) % 7;
	if (s->start_min < s->end_min)
		return (s->days >> day & 1) && minute >= s->start_min && minute < s->end_min;
	return ((s->days >> day & 1) && minute >= s->start_min) ||
	       ((s->days >> prev & 1) && minute < s->end_min);
}

struct gather {
	struct expert_candidate *items;
	size_t n, size;
	int64_t at;
	int failed;
};

static int listed(const struct gather *g, int64_t user_id)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->items[i].user_id == user_id)
			return 1;
	return 0;
}

static void gather_add(struct gather *g, int64_t user_id, const char *name, const char *languages,
		       const char *source)
{
	struct expert_candidate *c;

	if (listed(g, user_id))
		return;
	if (g->n == g->size) {
		size_t size = g->size ? g->size * 2 : 16;
		struct expert_candidate *items = realloc(g->items, size * sizeof(*items));

		if (!items) {
			g->failed = 1;
			return;
		}
		g->items = items;
		g->size = size;
	}
	c = &g->items[g->n++];
	memset(c, 0, sizeof(*c));
	c->user_id = user_id;
	snprintf(c->display_name, sizeof(c->display_name), "%s", name);
	snprintf(c->source, sizeof(c->source), "%s", source);
	snprintf(c->languages, sizeof(c->languages), "%s", languages);
}

static int gather_shift(const struct shift_row *s, void *ctx)
{
	struct gather *g = ctx;

	if (shift_covers(s, g->at))
		gather_add(g, s->user_id, s->display_name, s->languages, "rota");
	return g->failed;
}

/* The store hands the lead first with role "lead", the others "line". */
static int gather_expert(const struct expert_row *r, void *ctx)
{
	struct gather *g = ctx;

	gather_add(g, r->user_id, r->display_name, r->languages, r->role);
	return g->failed;
}

int experts_on_call(struct db *db, const char *product_line, int64_t at, const char *language,
		    struct expert_candidate *out, int cap)
{
	static const char *const groups[] = { "rota", "lead", "line" };
	struct gather g = { .at = at };
	int n = 0;

	if (experts_store_rota_live(db, product_line, gather_shift, &g) != ERR_OK ||
	    experts_store_line_experts(db, product_line, gather_expert, &g) != ERR_OK || g.failed) {
		free(g.items);
		return -1;
	}
	/* Group by group, and inside each group the language's speakers first,
	 * keeping the order they came in. */
	for (size_t k = 0; k < 3; k++)
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < g.n && n < cap; i++) {
				const struct expert_candidate *c = &g.items[i];
				int match = !language || speaks(c->languages, language);

				if (strcmp(c->source, groups[k]) != 0 || match != !pass)
					continue;
				out[n++] = *c;
			}
	free(g.items);
	return n;
}

/* ---- answers ------------------------------------------------------------- */

static int add_line(const char *code, int lead, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s, s:b}", "code", code, "lead", lead));
	return 0;
}

static int keep_expert(const struct expert_row *r, void *ctx)
{
	*(json_t **)ctx =
	    json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "user_id", (json_int_t)r->user_id,
		      "username", r->username, "display_name", r->display_name, "role", r->role,
		      "languages", languages_json(r->languages), "active", r->active);
	return 0;
}

enum err experts_json(struct db *db, int64_t user_id, json_t **out)
{
	json_t *doc = NULL, *lines;
	enum err e = experts_store_get(db, user_id, keep_expert, &doc);

	*out = NULL;
	if (e != ERR_OK)
		return e;
	if (!doc)
		return ERR_INTERNAL;
	lines = json_array();
	e = experts_store_lines(db, user_id, add_line, lines);
	json_object_set_new(doc, "product_lines", lines);
	if (e != ERR_OK) {
		json_decref(doc);
		return e;
	}
	*out = doc;
	return ERR_OK;
}

static json_t *days_json(int days)
{
	json_t *out = json_array();

	for (int d = 0; d < 7; d++)
		if (days >> d & 1)
			json_array_append_new(out, json_string(day_names[d]));
	return out;
}

static int add_shift(const struct shift_row *s, void *ctx)
{
	char start[6], end[6];

	hhmm(s->start_min, start);
	hhmm(s->end_min, end);
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:o, s:s, s:s, s:s}", "user_id",
					     (json_int_t)s->user_id, "display_name",
					     s->display_name, "days", days_json(s->days), "start",
					     start, "end", end, "time_zone", s->time_zone));
	return 0;
}

enum err experts_rota_json(struct db *db, const char *line, json_t **out)
{
	json_t *shifts = json_array();
	enum err e = experts_store_rota(db, line, add_shift, shifts);

	*out = NULL;
	if (e != ERR_OK) {
		json_decref(shifts);
		return e;
	}
	*out = json_pack("{s:s, s:o}", "product_line", line, "shifts", shifts);
	return *out ? ERR_OK : ERR_INTERNAL;
}

/* ---- writes -------------------------------------------------------------- */

static const struct json_field expert_fields[] = {
	{ "languages", JSON_ARRAY, JF_REQUIRED, 0 },
	{ "product_lines", JSON_ARRAY, JF_REQUIRED, 0 },
	{ "active", JSON_TRUE, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field line_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, 64 },
	{ "lead", JSON_TRUE, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Checks languages into "zh,en" (out >= 64 bytes). */
static void check_languages(const json_t *list, struct problem *p, char *out, size_t size)
{
	char ptr[48];
	size_t i, n = 0;
	json_t *v;

	out[0] = '\0';
	if (json_array_size(list) < 1 || json_array_size(list) > EXPERT_LANGUAGES_MAX) {
		problem_invalid(p, "/languages", "must list 1 to %d languages",
				EXPERT_LANGUAGES_MAX);
		return;
	}
	json_array_foreach(list, i, v) {
		const char *tag = json_string_value(v);

		snprintf(ptr, sizeof(ptr), "/languages/%zu", i);
		if (!experts_language_valid(tag)) {
			problem_invalid(p, ptr,
					"must be a BCP 47 primary language tag: 2 or 3 lowercase"
					" letters (zh, en)");
			continue;
		}
		if (speaks(out, tag)) {
			problem_invalid(p, ptr, "%s is listed twice", tag);
			continue;
		}
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "", tag);
	}
}

/* Checks the lines into a JSON array of {"code", "lead": 0|1} for the
 * store; conflict says which lead is taken ("" when none). */
static enum err check_lines(struct db *db, int64_t user_id, const json_t *list, struct problem *p,
			    json_t *out, char *conflict, size_t conflict_size)
{
	char ptr[64];
	size_t i;
	json_t *v;

	if (json_array_size(list) > EXPERT_LINES_MAX) {
		problem_invalid(p, "/product_lines", "at most %d lines", EXPERT_LINES_MAX);
		return ERR_OK;
	}
	json_array_foreach(list, i, v) {
		const char *code;
		int lead;
		int64_t other;
		enum err e;
		size_t j;
		json_t *w;

		snprintf(ptr, sizeof(ptr), "/product_lines/%zu", i);
		if (registry_json_check(p, v, ptr, line_fields) != ERR_OK)
			continue;
		code = json_string_value(json_object_get(v, "code"));
		lead = json_is_true(json_object_get(v, "lead"));
		snprintf(ptr, sizeof(ptr), "/product_lines/%zu/code", i);
		json_array_foreach(out, j, w)
			if (strcmp(json_string_value(json_object_get(w, "code")), code) == 0)
				break;
		if (j < json_array_size(out)) {
			problem_invalid(p, ptr, "%s is listed twice", code);
			continue;
		}
		e = experts_store_line_exists(db, code);
		if (e == ERR_NOT_FOUND) {
			problem_invalid(p, ptr, "no such product line");
			continue;
		}
		if (e != ERR_OK)
			return e;
		json_array_append_new(out, json_pack("{s:s, s:i}", "code", code, "lead", lead));
		if (!lead)
			continue;
		e = experts_store_other_lead(db, code, user_id, &other);
		if (e != ERR_OK)
			return e;
		if (other && !conflict[0])
			snprintf(conflict, conflict_size,
				 "/product_lines/%zu/lead: %s already has a lead (user %lld)", i,
				 code, (long long)other);
	}
	return ERR_OK;
}

enum err experts_put(struct db *db, const struct audit_actor *actor, int64_t user_id,
		     const json_t *body, struct problem *p, int *created)
{
	char languages[EXPERT_LANGUAGES_MAX * 4 + 1], id_s[24];
	json_t *lines = NULL, *before = NULL, *after = NULL;
	char conflict[160] = "";
	int disabled = 0;
	char *lines_text = NULL;
	enum err e;

	e = experts_store_user_state(db, user_id, &disabled);
	if (e == ERR_NOT_FOUND)
		return problem_fail(p, ERR_NOT_FOUND, "no such user");
	if (e != ERR_OK)
		return e;
	if (disabled)
		problem_invalid(p, "user_id", "the user's account is disabled");
	if (registry_json_check(p, body, "", expert_fields) != ERR_OK)
		return ERR_INVALID;
	check_languages(json_object_get(body, "languages"), p, languages, sizeof(languages));
	lines = json_array();
	e = check_lines(db, user_id, json_object_get(body, "product_lines"), p, lines, conflict,
			sizeof(conflict));
	if (e == ERR_OK && problem_count(p))
		e = ERR_INVALID;
	else if (e == ERR_OK && conflict[0])
		e = problem_fail(p, ERR_CONFLICT, "%s", conflict);
	if (e == ERR_OK) {
		e = experts_json(db, user_id, &before);
		if (e == ERR_NOT_FOUND)
			e = ERR_OK;
	}
	if (e == ERR_OK && !(lines_text = json_dumps(lines, JSON_COMPACT)))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = experts_store_put(db, user_id, languages,
				      !json_is_false(json_object_get(body, "active")), clock_now(),
				      created);
	if (e == ERR_OK) {
		e = experts_store_lines_put(db, user_id, lines_text);
		if (e == ERR_CONFLICT) /* the index's word, should a check ever miss */
			e = problem_fail(p, ERR_CONFLICT, "a product line already has a lead");
	}
	if (e == ERR_OK)
		e = experts_json(db, user_id, &after);
	if (e == ERR_OK) {
		snprintf(id_s, sizeof(id_s), "%lld", (long long)user_id);
		e = audit_append(db, actor, *created ? "expert.create" : "expert.update", "expert",
				 id_s, before, after);
	}
	free(lines_text);
	json_decref(lines);
	json_decref(before);
	json_decref(after);
	return e;
}

enum err experts_delete(struct db *db, const struct audit_actor *actor, int64_t user_id)
{
	json_t *before = NULL;
	char id_s[24];
	enum err e = experts_json(db, user_id, &before);

	if (e == ERR_OK)
		e = experts_store_delete(db, user_id);
	if (e == ERR_OK) {
		snprintf(id_s, sizeof(id_s), "%lld", (long long)user_id);
		e = audit_append(db, actor, "expert.delete", "expert", id_s, before, NULL);
	}
	json_decref(before);
	return e;
}

static const struct json_field rota_fields[] = {
	{ "shifts", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field shift_fields[] = {
	{ "user_id", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "display_name", JSON_STRING, 0, 256 }, /* what GET answers; ignored */
	{ "days", JSON_ARRAY, JF_REQUIRED, 0 },
	{ "start", JSON_STRING, JF_REQUIRED, 8 },
	{ "end", JSON_STRING, JF_REQUIRED, 8 },
	{ "time_zone", JSON_STRING, JF_REQUIRED, 64 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* "HH:MM" into minutes; -1 when it is not one (max: 1439, or 1440 for an
 * end, "24:00"). */
static int parse_hhmm(const char *s, int max)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h * 60 + m > max)
		return -1;
	return h * 60 + m;
}

static int parse_days(const json_t *list, struct problem *p, const char *prefix)
{
	char ptr[64];
	int days = 0;
	size_t i, d;
	json_t *v;

	if (json_array_size(list) == 0) {
		snprintf(ptr, sizeof(ptr), "%s/days", prefix);
		problem_invalid(p, ptr, "must list at least one day");
		return 0;
	}
	json_array_foreach(list, i, v) {
		const char *name = json_string_value(v);

		for (d = 0; name && d < 7; d++)
			if (strcmp(name, day_names[d]) == 0)
				break;
		if (!name || d == 7) {
			snprintf(ptr, sizeof(ptr), "%s/days/%zu", prefix, i);
			problem_invalid(p, ptr, "must be mon, tue, wed, thu, fri, sat or sun");
			continue;
		}
		days |= 1 << d;
	}
	return days;
}

enum err experts_rota_put(struct db *db, const struct audit_actor *actor, const char *line,
			  const json_t *body, struct problem *p)
{
	json_t *shifts, *v, *rows = NULL, *before = NULL, *after = NULL;
	char prefix[32], ptr[64];
	char *rows_text = NULL;
	size_t i;
	enum err e = experts_store_line_exists(db, line);

	if (e == ERR_NOT_FOUND)
		return problem_fail(p, ERR_NOT_FOUND, "no such product line");
	if (e != ERR_OK)
		return e;
	if (registry_json_check(p, body, "", rota_fields) != ERR_OK)
		return ERR_INVALID;
	shifts = json_object_get(body, "shifts");
	if (json_array_size(shifts) > ROTA_SHIFTS_MAX)
		return problem_invalid(p, "/shifts", "at most %d shifts", ROTA_SHIFTS_MAX);
	rows = json_array();
	json_array_foreach(shifts, i, v) {
		json_int_t user_id;
		const char *zone;
		int days, start, end, ok = 0;

		snprintf(prefix, sizeof(prefix), "/shifts/%zu", i);
		if (registry_json_check(p, v, prefix, shift_fields) != ERR_OK)
			continue;
		user_id = json_integer_value(json_object_get(v, "user_id"));
		snprintf(ptr, sizeof(ptr), "%s/user_id", prefix);
		if (user_id < 1) {
			problem_invalid(p, ptr, "must be a user id");
		} else {
			e = experts_store_serves(db, user_id, line, &ok);
			if (e != ERR_OK)
				goto out;
			if (!ok)
				problem_invalid(p, ptr, "user %lld is not an active expert of %s",
						(long long)user_id, line);
		}
		days = parse_days(json_object_get(v, "days"), p, prefix);
		start = parse_hhmm(json_string_value(json_object_get(v, "start")), 1439);
		if (start < 0) {
			snprintf(ptr, sizeof(ptr), "%s/start", prefix);
			problem_invalid(p, ptr, "must be a time HH:MM from 00:00 to 23:59");
		}
		end = parse_hhmm(json_string_value(json_object_get(v, "end")), 1440);
		if (end < 0) {
			snprintf(ptr, sizeof(ptr), "%s/end", prefix);
			problem_invalid(p, ptr, "must be a time HH:MM from 00:00 to 24:00");
		}
		zone = json_string_value(json_object_get(v, "time_zone"));
		if (!clock_zone_known(zone)) {
			snprintf(ptr, sizeof(ptr), "%s/time_zone", prefix);
			problem_invalid(p, ptr, "must be an IANA time zone (Asia/Shanghai)");
		}
		if (problem_count(p))
			continue;
		json_array_append_new(rows, json_pack("{s:I, s:i, s:i, s:i, s:s}", "user_id",
						      user_id, "days", days, "start_min", start,
						      "end_min", end, "time_zone", zone));
	}
	if (problem_count(p)) {
		e = ERR_INVALID;
		goto out;
	}
	e = experts_rota_json(db, line, &before);
	if (e == ERR_OK && !(rows_text = json_dumps(rows, JSON_COMPACT)))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = experts_store_rota_put(db, line, rows_text);
	if (e == ERR_OK)
		e = experts_rota_json(db, line, &after);
	if (e == ERR_OK)
		e = audit_append(db, actor, "product_line.rota", "product_line", line, before,
				 after);
out:
	free(rows_text);
	json_decref(rows);
	json_decref(before);
	json_decref(after);
	return e;
}
