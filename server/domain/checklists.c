/* Checklist rules: a template's items, which version applies to a job,
 * an answer against its item, what stops a job from completing. See
 * include/domain/checklists.h. */
#include "domain/checklists.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/problem.h"
#include "db/tickets_store.h"
#include "domain/contracts.h"
#include "domain/registry.h"

#define LABEL_MAX 200
#define UNIT_MAX 16
#define TEXT_ANSWER_MAX 1000

static const char *const item_kinds[] = { "yes_no", "number", "text", "photo", NULL };

static const struct json_field item_fields[] = {
	{ "id", JSON_STRING, JF_REQUIRED, CHECKLIST_ITEM_ID_SIZE - 1 },
	{ "kind", JSON_STRING, JF_REQUIRED, 16 },
	{ "label", JSON_STRING, JF_REQUIRED, LABEL_MAX },
	{ "label_en", JSON_STRING, 0, LABEL_MAX },
	{ "required", JSON_TRUE, 0, 0 },
	{ "unit", JSON_STRING, JF_NULLABLE, UNIT_MAX },
	{ "min", JSON_REAL, JF_NULLABLE, 0 },
	{ "max", JSON_REAL, JF_NULLABLE, 0 },
	{ NULL, 0, 0, 0 },
};

/* ---- template items ------------------------------------------------------- */

static json_t *limit_of(const json_t *item, const char *key)
{
	const json_t *v = json_object_get(item, key);

	return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

/* One item checked and normalised; NULL when it was reported. */
static json_t *item_take(struct problem *pb, const json_t *item, const char *ptr, json_t *seen)
{
	char id[CHECKLIST_ITEM_ID_SIZE] = "", kind[17] = "", label[LABEL_MAX + 1] = "";
	char label_en[LABEL_MAX + 1] = "", unit[UNIT_MAX + 1] = "", p[96];
	const json_t *min, *max;
	size_t before = problem_count(pb);
	int number;

	if (registry_json_check(pb, item, ptr, item_fields) != ERR_OK)
		return NULL;
	registry_take_text(pb, item, ptr, "id", id, sizeof(id), TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(pb, item, ptr, "kind", kind, sizeof(kind), TEXT_REQUIRED);
	registry_take_text(pb, item, ptr, "label", label, sizeof(label), TEXT_REQUIRED);
	registry_take_text(pb, item, ptr, "label_en", label_en, sizeof(label_en), 0);
	registry_take_text(pb, item, ptr, "unit", unit, sizeof(unit), 0);
	snprintf(p, sizeof(p), "%s/kind", ptr);
	if (kind[0] && !registry_one_of(kind, item_kinds))
		problem_invalid(pb, p, "must be yes_no, number, text or photo");
	snprintf(p, sizeof(p), "%s/id", ptr);
	if (id[0] && json_object_get(seen, id))
		problem_invalid(pb, p, "item %s is listed twice", id);
	number = strcmp(kind, "number") == 0;
	min = json_object_get(item, "min");
	max = json_object_get(item, "max");
	if (!number && (json_is_number(min) || json_is_number(max) || unit[0])) {
		snprintf(p, sizeof(p), "%s/%s", ptr,
			 unit[0]               ? "unit"
			 : json_is_number(min) ? "min"
					       : "max");
		problem_invalid(pb, p, "only a number item has a unit and limits");
	}
	if (json_is_number(min) && json_is_number(max) &&
	    json_number_value(min) > json_number_value(max)) {
		snprintf(p, sizeof(p), "%s/min", ptr);
		problem_invalid(pb, p, "must not be above max");
	}
	if (problem_count(pb) != before)
		return NULL;
	json_object_set_new(seen, id, json_true());
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "id", id, "kind", kind,
			 "label", label, "label_en", label_en, "required",
			 json_is_true(json_object_get(item, "required")), "unit",
			 number && unit[0] ? json_string(unit) : json_null(), "min",
			 number ? limit_of(item, "min") : json_null(), "max",
			 number ? limit_of(item, "max") : json_null());
}

enum err checklists_items_check(struct problem *pb, const json_t *items, const char *prefix,
				json_t **out)
{
	json_t *list = json_array(), *seen = json_object();
	const json_t *item;
	size_t i, before = problem_count(pb);
	char ptr[64];

	*out = NULL;
	if (!list || !seen) {
		json_decref(list);
		json_decref(seen);
		return ERR_INTERNAL;
	}
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > CHECKLIST_ITEMS_MAX)
		problem_invalid(pb, prefix, "must list 1 to %d items", CHECKLIST_ITEMS_MAX);
	else
		json_array_foreach(items, i, item) {
			json_t *one;

			snprintf(ptr, sizeof(ptr), "%s/%zu", prefix, i);
			one = item_take(pb, item, ptr, seen);
			if (one)
				json_array_append_new(list, one);
		}
	json_decref(seen);
	if (problem_count(pb) != before) {
		json_decref(list);
		return ERR_INVALID;
	}
	*out = list;
	return ERR_OK;
}

const json_t *checklists_item_find(const json_t *items, const char *id)
{
	size_t i;
	const json_t *item;

	json_array_foreach(items, i, item)
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
			return item;
	return NULL;
}

/* ---- a job's checklist ----------------------------------------------------- */

enum err checklists_for_ticket(struct db *db, const struct ticket_row *t,
			       struct checklist_version_row *v, int *pinned)
{
	int64_t version_id, template_id;
	enum err e = checklists_store_ticket_version(db, t->id, &version_id);

	*pinned = e == ERR_OK;
	if (e == ERR_OK)
		return checklists_store_version_get(db, version_id, v);
	if (e != ERR_NOT_FOUND)
		return e;
	e = checklists_store_template_for(db, t->model_id, t->category, t->subcategory,
					  &template_id);
	if (e != ERR_OK)
		return e;
	return checklists_store_version_latest(db, template_id, v);
}

enum err checklists_value_check(struct problem *pb, const json_t *item, const json_t *value,
				int has_attachment, int *flagged)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const json_t *min = json_object_get(item, "min"), *max = json_object_get(item, "max");

	*flagged = 0;
	if (strcmp(kind, "yes_no") == 0) {
		if (!json_is_boolean(value))
			return problem_invalid(pb, "/value", "item %s is yes_no: true or false",
					       json_string_value(json_object_get(item, "id")));
	} else if (strcmp(kind, "number") == 0) {
		double x;

		if (!json_is_number(value) || !isfinite(json_number_value(value)))
			return problem_invalid(pb, "/value", "item %s is a number",
					       json_string_value(json_object_get(item, "id")));
		x = json_number_value(value);
		*flagged = (json_is_number(min) && x < json_number_value(min)) ||
			   (json_is_number(max) && x > json_number_value(max));
	} else if (strcmp(kind, "text") == 0) {
		if (!json_is_string(value) || registry_blank(json_string_value(value)) ||
		    json_string_length(value) > TEXT_ANSWER_MAX)
			return problem_invalid(pb, "/value", "item %s is text: 1 to %d bytes",
					       json_string_value(json_object_get(item, "id")),
					       TEXT_ANSWER_MAX);
	} else { /* photo: the photo is the answer */
		if (value && !json_is_null(value))
			return problem_invalid(pb, "/value",
					       "item %s is a photo: give attachment_id, no value",
					       json_string_value(json_object_get(item, "id")));
		if (!has_attachment)
			return problem_invalid(pb, "/attachment_id",
					       "item %s is a photo: name the uploaded photo",
					       json_string_value(json_object_get(item, "id")));
	}
	return ERR_OK;
}

struct answered {
	json_t *by_item; /* item id -> answer JSON */
};

static int answer_add(const struct checklist_answer_row *a, void *ctx)
{
	struct answered *an = ctx;
	char at[32];
	json_t *value = json_loads(a->value, JSON_DECODE_ANY, NULL);

	clock_format(a->answered_at, at, sizeof(at));
	json_object_set_new(
	    an->by_item, a->item_id,
	    json_pack("{s:o, s:s, s:o, s:b, s:{s:I, s:s}, s:s}", "value",
		      value ? value : json_null(), "note", a->note, "attachment_id",
		      a->attachment_uuid[0] ? json_string(a->attachment_uuid) : json_null(),
		      "flagged", a->flagged, "answered_by", "id", (json_int_t)a->answered_by,
		      "username", a->answered_by_name, "answered_at", at));
	return 0;
}

/* Unanswered required items of items into missing_items. */
static void unanswered(const json_t *items, const json_t *by_item, json_t *missing_items)
{
	size_t i;
	const json_t *item;

	json_array_foreach(items, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));

		if (json_is_true(json_object_get(item, "required")) &&
		    !json_object_get(by_item, id))
			json_array_append_new(missing_items, json_string(id));
	}
}

static enum err signoff_state(struct db *db, const struct ticket_row *t, int *required,
			      int *signed_off, struct signoff_row *s)
{
	int64_t visit;
	enum err e = contracts_ticket_signoff_required(db, t->id, required);

	if (e == ERR_OK)
		e = checklists_store_visit(db, t->id, &visit);
	if (e == ERR_OK) {
		e = checklists_store_signoff_get(db, t->id, visit, s);
		*signed_off = e == ERR_OK;
		if (e == ERR_NOT_FOUND) {
			s->visit = visit;
			e = ERR_OK;
		}
	}
	return e;
}

enum err checklists_completion(struct db *db, const struct ticket_row *t, int resolving,
			       json_t **missing, json_t **missing_items)
{
	struct checklist_version_row v = { 0 };
	struct answered an = { .by_item = json_object() };
	struct signoff_row s;
	json_t *items = NULL;
	int pinned, required = 0, signed_off = 0;
	enum err e = an.by_item ? ERR_OK : ERR_INTERNAL;

	*missing = json_array();
	*missing_items = json_array();
	if (!*missing || !*missing_items)
		e = ERR_INTERNAL;
	if (e == ERR_OK && resolving) {
		e = checklists_for_ticket(db, t, &v, &pinned);
		if (e == ERR_OK) {
			items = json_loads(v.items, 0, NULL);
			e = items ? checklists_store_answers(db, t->id, answer_add, &an)
				  : ERR_INTERNAL;
			if (e == ERR_OK)
				unanswered(items, an.by_item, *missing_items);
			if (json_array_size(*missing_items))
				json_array_append_new(*missing, json_string("checklist"));
		} else if (e == ERR_NOT_FOUND) {
			e = ERR_OK; /* no checklist applies */
		}
	}
	if (e == ERR_OK)
		e = signoff_state(db, t, &required, &signed_off, &s);
	if (e == ERR_OK && required && !signed_off)
		json_array_append_new(*missing, json_string("signoff"));
	json_decref(items);
	json_decref(an.by_item);
	checklist_version_cleanup(&v);
	return e;
}

json_t *checklists_signoff_json(const struct signoff_row *s)
{
	char signed_at[32], created[32], url[112];

	clock_format(s->signed_at, signed_at, sizeof(signed_at));
	clock_format(s->created_at, created, sizeof(created));
	snprintf(url, sizeof(url), "/v1/tickets/%lld/attachments/%s", (long long)s->ticket_id,
		 s->signature_uuid);
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:{s:I, s:s}, s:s}",
			 "id", (json_int_t)s->id, "ticket_id", (json_int_t)s->ticket_id, "visit",
			 (json_int_t)s->visit, "signer_name", s->signer_name, "signer_role",
			 s->signer_role, "signature_attachment_id", s->signature_uuid,
			 "signature_url", url, "signed_at", signed_at, "lat", s->latitude, "lon",
			 s->longitude, "recorded_by", "id", (json_int_t)s->recorded_by, "username",
			 s->recorded_by_name, "created_at", created);
}

enum err checklists_ticket_json(struct db *db, const struct ticket_row *t, json_t **out)
{
	struct checklist_version_row v = { 0 };
	struct checklist_template_row tpl;
	struct answered an = { .by_item = json_object() };
	struct signoff_row s;
	json_t *items = NULL, *list = json_array(), *flagged = json_array(),
	       *missing = json_array(), *doc = NULL;
	int pinned = 0, required = 0, signed_off = 0, has_checklist = 0;
	enum err e = an.by_item && list && flagged && missing ? ERR_OK : ERR_INTERNAL;

	*out = NULL;
	if (e == ERR_OK) {
		e = checklists_for_ticket(db, t, &v, &pinned);
		has_checklist = e == ERR_OK;
		if (e == ERR_NOT_FOUND)
			e = ERR_OK;
	}
	if (e == ERR_OK && has_checklist) {
		items = json_loads(v.items, 0, NULL);
		e = items ? checklists_store_template_get(db, v.template_id, &tpl) : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = checklists_store_answers(db, t->id, answer_add, &an);
	if (e == ERR_OK && items) {
		size_t i;
		json_t *item;

		json_array_foreach(items, i, item) {
			const char *id = json_string_value(json_object_get(item, "id"));
			json_t *answer = json_object_get(an.by_item, id);
			json_t *one = json_deep_copy(item);

			json_object_set(one, "answer", answer ? answer : json_null());
			json_array_append_new(list, one);
			if (answer && json_is_true(json_object_get(answer, "flagged")))
				json_array_append_new(flagged, json_string(id));
		}
		unanswered(items, an.by_item, missing);
	}
	if (e == ERR_OK)
		e = signoff_state(db, t, &required, &signed_off, &s);
	if (e == ERR_OK) {
		doc = json_pack(
		    "{s:I, s:o, s:o, s:o, s:o, s:I, s:b, s:o}", "ticket_id", (json_int_t)t->id,
		    "template",
		    has_checklist ? json_pack("{s:I, s:s, s:I, s:I, s:b}", "id", (json_int_t)tpl.id,
					      "name", tpl.name, "version", (json_int_t)v.version,
					      "version_id", (json_int_t)v.id, "pinned", pinned)
				  : json_null(),
		    "items", list, "flagged", flagged, "missing_items", missing, "visit",
		    (json_int_t)s.visit, "signoff_required", required, "signoff",
		    signed_off ? checklists_signoff_json(&s) : json_null());
		list = flagged = missing = NULL;
		e = doc ? ERR_OK : ERR_INTERNAL;
	}
	*out = doc;
	json_decref(items);
	json_decref(list);
	json_decref(flagged);
	json_decref(missing);
	json_decref(an.by_item);
	checklist_version_cleanup(&v);
	return e;
}
