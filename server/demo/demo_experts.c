/* The experts' demo (issue 19): the three R&D engineers' profiles (their
 * accounts are demo.c's), a lead per product line, a 24x7 rota for relays
 * (Shanghai days, then nights over midnight) and a weekday daytime rota for
 * switchgear (Shanghai, then Berlin's office hours). Transformers have no
 * rota: their lead is asked. Goes through domain/experts.c, so every row is
 * checked and audited like an admin's PUT. */
#include "demo/demo.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/experts.h"
#include "db/experts_store.h"
#include "db/registry_store.h"

struct demo_expert {
	const char *username, *languages_json, *lines_json;
};

static const struct demo_expert demo_experts[] = {
	{ "eng.relay", "[\"zh\",\"en\"]", "[{\"code\":\"relay\",\"lead\":true}]" },
	{ "eng.switchgear", "[\"zh\"]",
	  "[{\"code\":\"switchgear\",\"lead\":true},{\"code\":\"relay\"}]" },
	{ "eng.transformer", "[\"en\",\"zh\"]",
	  "[{\"code\":\"transformer\",\"lead\":true},{\"code\":\"switchgear\"}]" },
};

#define EVERY_DAY "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"]"
#define WEEKDAYS "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]"

struct demo_shift {
	const char *line, *username, *days, *start, *end, *zone;
};

/* By line, in escalation order. */
static const struct demo_shift demo_shifts[] = {
	{ "relay", "eng.relay", EVERY_DAY, "08:00", "20:00", "Asia/Shanghai" },
	{ "relay", "eng.switchgear", EVERY_DAY, "20:00", "08:00", "Asia/Shanghai" },
	{ "switchgear", "eng.switchgear", WEEKDAYS, "09:00", "18:00", "Asia/Shanghai" },
	{ "switchgear", "eng.transformer", WEEKDAYS, "09:00", "17:00", "Europe/Berlin" },
};

#define N_EXPERTS (sizeof(demo_experts) / sizeof(demo_experts[0]))
#define N_SHIFTS (sizeof(demo_shifts) / sizeof(demo_shifts[0]))

/* The body of a PUT for one expert, keeping only the lines that exist. */
static enum err expert_body(struct db *db, const struct demo_expert *d, json_t **out)
{
	json_t *lines = json_loads(d->lines_json, 0, NULL), *kept = json_array(), *v;
	size_t i;
	enum err e = lines && kept ? ERR_OK : ERR_INTERNAL;

	json_array_foreach(lines, i, v) {
		if (e != ERR_OK)
			break;
		e = experts_store_line_exists(db, json_string_value(json_object_get(v, "code")));
		if (e == ERR_OK)
			json_array_append(kept, v);
		else if (e == ERR_NOT_FOUND)
			e = ERR_OK;
	}
	json_decref(lines);
	*out = e == ERR_OK
		   ? json_pack("{s:o, s:o}", "languages", json_loads(d->languages_json, 0, NULL),
			       "product_lines", kept)
		   : NULL;
	if (e != ERR_OK)
		json_decref(kept);
	return e == ERR_OK && !*out ? ERR_INTERNAL : e;
}

static enum err seed_rota(struct db *db, const struct audit_actor *actor, const char *line)
{
	struct registry_user u;
	struct problem p = { 0 };
	json_t *shifts = json_array(), *body;
	enum err e = experts_store_line_exists(db, line);

	for (size_t i = 0; e == ERR_OK && i < N_SHIFTS; i++) {
		const struct demo_shift *s = &demo_shifts[i];
		int serves = 0;

		if (strcmp(s->line, line) != 0)
			continue;
		e = registry_user_by_name(db, s->username, &u);
		if (e == ERR_OK)
			e = experts_store_serves(db, u.id, line, &serves);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && !serves)) {
			e = ERR_OK; /* an account kept from before, not the demo's */
			continue;
		}
		if (e == ERR_OK)
			json_array_append_new(shifts, json_pack("{s:I, s:o, s:s, s:s, s:s}",
								"user_id", (json_int_t)u.id, "days",
								json_loads(s->days, 0, NULL),
								"start", s->start, "end", s->end,
								"time_zone", s->zone));
	}
	if (e == ERR_NOT_FOUND) { /* the line itself is not there */
		json_decref(shifts);
		return ERR_OK;
	}
	body = json_pack("{s:o}", "shifts", shifts);
	if (e == ERR_OK && json_array_size(shifts))
		e = experts_rota_put(db, actor, line, body, &p);
	json_decref(body);
	problem_cleanup(&p);
	return e;
}

enum err experts_demo_seed(struct db *db)
{
	struct audit_actor actor;
	struct registry_user u;
	struct problem p = { 0 };
	json_t *body = NULL;
	int created;
	enum err e = ERR_OK;

	audit_actor_cli(&actor, "demo");
	for (size_t i = 0; e == ERR_OK && i < N_EXPERTS; i++) {
		e = registry_user_by_name(db, demo_experts[i].username, &u);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && strcmp(u.role, "technician") != 0)) {
			e = ERR_OK; /* a kept account of another kind: left alone */
			continue;
		}
		if (e == ERR_OK)
			e = expert_body(db, &demo_experts[i], &body);
		if (e == ERR_OK)
			e = experts_put(db, &actor, u.id, body, &p, &created);
		json_decref(body);
		body = NULL;
	}
	if (e == ERR_OK)
		e = seed_rota(db, &actor, "relay");
	if (e == ERR_OK)
		e = seed_rota(db, &actor, "switchgear");
	problem_cleanup(&p);
	return e;
}
