/* The checklists' demo (issue 20): the KYN28-12 switchgear's repair
 * checklist with every kind of item, and one demo job's answers to it
 * (a contact resistance above its limit, so the flag shows), so the app's
 * checklist, the ticket's flagged items and the service report PDF have
 * something to show at once. */
#include "demo/demo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/problem.h"
#include "db/checklists_store.h"
#include "db/registry_store.h"
#include "domain/audit.h"
#include "domain/checklists.h"

#define DEMO_MODEL "KYN28-12"

static const char demo_items[] =
    "["
    "{\"id\": \"breaker_closes\", \"kind\": \"yes_no\", \"label\": \"断路器分合闸正常\","
    " \"label_en\": \"Breaker opens and closes\", \"required\": true},"
    "{\"id\": \"interlock_ok\", \"kind\": \"yes_no\", \"label\": \"五防联锁可靠\","
    " \"label_en\": \"Five-prevention interlock works\", \"required\": true},"
    "{\"id\": \"contact_resistance\", \"kind\": \"number\", \"label\": \"主回路电阻\","
    " \"label_en\": \"Main circuit resistance\", \"required\": true, \"unit\": \"µΩ\","
    " \"min\": 0, \"max\": 100},"
    "{\"id\": \"insulation_resistance\", \"kind\": \"number\", \"label\": \"绝缘电阻\","
    " \"label_en\": \"Insulation resistance\", \"required\": true, \"unit\": \"MΩ\","
    " \"min\": 1000},"
    "{\"id\": \"findings\", \"kind\": \"text\", \"label\": \"检查发现\","
    " \"label_en\": \"Findings\"},"
    "{\"id\": \"cabinet_photo\", \"kind\": \"photo\", \"label\": \"柜体及铭牌照片\","
    " \"label_en\": \"Cabinet and nameplate photo\", \"required\": false}"
    "]";

/* item, JSON value, note, flagged */
static const struct {
	const char *item, *value, *note;
	int flagged;
} demo_answers[] = {
	{ "breaker_closes", "true", "", 0 },
	{ "interlock_ok", "true", "", 0 },
	{ "contact_resistance", "138", "B 相触头氧化, 已打磨复测", 1 },
	{ "insulation_resistance", "2500", "", 0 },
	{ "findings", "\"B 相触头轻微烧蚀; B-phase contact slightly burnt\"", "", 0 },
};

enum err checklists_demo_seed(struct db *db)
{
	struct model_row *m = calloc(1, sizeof(*m));
	struct checklist_template_row t = { 0 };
	struct checklist_version_row v = { 0 };
	struct problem pb = { 0 };
	struct audit_actor actor;
	json_t *raw = json_loads(demo_items, 0, NULL), *items = NULL, *after;
	char *dumped = NULL, idtext[24];
	int64_t now = clock_now(), ticket = 0, assignee = 0;
	enum err e = m && raw ? registry_model_get(db, 0, DEMO_MODEL, m) : ERR_INTERNAL;

	if (e == ERR_NOT_FOUND) { /* a registry without the model: nothing to show */
		e = ERR_OK;
		goto out;
	}
	if (e == ERR_OK)
		e = checklists_items_check(&pb, raw, "/items", &items);
	if (e == ERR_OK) {
		dumped = json_dumps(items, JSON_COMPACT);
		e = dumped ? ERR_OK : ERR_INTERNAL;
	}
	snprintf(t.name, sizeof(t.name), "KYN28-12 开关柜检修检查表 Switchgear service checklist");
	t.model_id = m->id;
	/* For the model's preventive visits (the catalogue's maintenance
	 * subcategory), as service checklists are used: a repair on the model
	 * is not held up by a maintenance form. */
	snprintf(t.category, sizeof(t.category), "maintenance");
	t.created_at = now;
	if (e == ERR_OK)
		e = checklists_store_template_insert(db, &t, &t.id);
	if (e == ERR_OK)
		e = checklists_store_version_insert(db, t.id, dumped, 0, now, &v);
	if (e == ERR_OK) {
		e = checklists_store_demo_job(db, m->id, &ticket, &assignee);
		if (e == ERR_OK)
			e = checklists_store_ticket_pin(db, ticket, v.id, now);
		for (size_t i = 0;
		     e == ERR_OK && i < sizeof(demo_answers) / sizeof(demo_answers[0]); i++) {
			struct checklist_answer_row a = { 0 };

			a.ticket_id = ticket;
			snprintf(a.item_id, sizeof(a.item_id), "%s", demo_answers[i].item);
			a.value = (char *)demo_answers[i].value;
			snprintf(a.note, sizeof(a.note), "%s", demo_answers[i].note);
			a.flagged = demo_answers[i].flagged;
			a.answered_by = assignee;
			a.answered_at = now;
			e = checklists_store_answer_put(db, &a);
		}
		if (e == ERR_NOT_FOUND) { /* no job on the model: the template alone */
			ticket = 0;
			e = ERR_OK;
		}
	}
	if (e == ERR_OK) {
		audit_actor_cli(&actor, "demo");
		after = json_pack("{s:s, s:I, s:I, s:o}", "name", t.name, "model_id",
				  (json_int_t)t.model_id, "version", (json_int_t)v.version,
				  "filled_on_ticket", ticket ? json_integer(ticket) : json_null());
		snprintf(idtext, sizeof(idtext), "%lld", (long long)t.id);
		e = after ? audit_append(db, &actor, "checklist.demo_seed", "checklist", idtext,
					 NULL, after)
			  : ERR_INTERNAL;
		json_decref(after);
	}
out:
	problem_cleanup(&pb);
	json_decref(raw);
	json_decref(items);
	free(dumped);
	free(m);
	return e;
}
