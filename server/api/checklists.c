/* Checklists on the job and the customer's sign-off: templates and their
 * versions, a job's checklist and its answers (offline-safe: PUT per item,
 * with Idempotency-Key, also through POST /v1/sync), the sign-off of a
 * visit, and the visit's service report as a PDF. Rules:
 * include/domain/checklists.h and include/domain/service_report.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/routes.h"
#include "core/clock.h"
#include "db/attachments_store.h"
#include "db/catalogue_store.h"
#include "db/checklists_store.h"
#include "db/db.h"
#include "db/registry_store.h"
#include "db/tickets_store.h"
#include "domain/audit.h"
#include "domain/checklists.h"
#include "domain/registry.h"
#include "domain/service_report.h"
#include "domain/tickets.h"

#define SIGNATURE_BYTES_MAX (1024 * 1024)
#define SIGNED_AT_SKEW (7 * 86400) /* a device may sign offline for a week */

static const struct json_field template_fields[] = {
	{ "name", JSON_STRING, JF_REQUIRED, CHECKLIST_NAME_SIZE - 1 },
	{ "model_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "category", JSON_STRING, JF_NULLABLE, 31 },
	{ "items", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field version_fields[] = {
	{ "items", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field answer_fields[] = {
	{ "value", JSON_NULL, 0, 0 }, /* any type: checked against the item's kind */
	{ "note", JSON_STRING, 0, CHECKLIST_NOTE_SIZE - 1 },
	{ "attachment_id", JSON_STRING, JF_NULLABLE, 36 },
	{ NULL, 0, 0, 0 },
};

static const struct json_field signoff_fields[] = {
	{ "signer_name", JSON_STRING, JF_REQUIRED, 100 },
	{ "signer_role", JSON_STRING, JF_REQUIRED, 100 },
	{ "signature_attachment_id", JSON_STRING, JF_REQUIRED, 36 },
	{ "signed_at", JSON_STRING, JF_REQUIRED, 40 },
	{ "lat", JSON_REAL, JF_REQUIRED, 0 },
	{ "lon", JSON_REAL, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};

/* Where the job must stand for its checklist to be filled in, and for the
 * customer to sign. */
static const char *const answer_statuses[] = { "accepted", "en_route", "on_site",
					       "waiting_customer", NULL };
static const char *const signoff_statuses[] = { "on_site", "waiting_customer", "resolved",
						"follow_up", NULL };

/* ---- templates ---------------------------------------------------------------- */

static json_t *template_json(const struct checklist_template_row *t, const json_t *items)
{
	char created[32];

	clock_format(t->created_at, created, sizeof(created));
	return json_pack("{s:I, s:s, s:o, s:o, s:I, s:O, s:s}", "id", (json_int_t)t->id, "name",
			 t->name, "model",
			 t->model_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->model_id,
						 "code", t->model_code)
				     : json_null(),
			 "category", t->category[0] ? json_string(t->category) : json_null(),
			 "version", (json_int_t)t->latest_version, "items",
			 items ? items : json_null(), "created_at", created);
}

/* The template with its latest version's items. */
static enum err template_answer(struct req *req, struct resp *resp, int64_t id, int status)
{
	struct checklist_template_row t;
	struct checklist_version_row v = { 0 };
	json_t *items = NULL, *doc;
	enum err e = checklists_store_template_get(req->db, id, &t);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no checklist template %lld", (long long)id);
	if (e == ERR_OK)
		e = checklists_store_version_latest(req->db, id, &v);
	if (e == ERR_OK) {
		items = json_loads(v.items, 0, NULL);
		doc = items ? template_json(&t, items) : NULL;
		e = doc ? ERR_OK : ERR_INTERNAL;
		if (e == ERR_OK)
			resp_json(resp, status, doc);
	}
	json_decref(items);
	checklist_version_cleanup(&v);
	return e;
}

static enum err audit_write(struct req *req, const char *action, const char *type, int64_t id,
			    json_t *after)
{
	struct audit_actor actor;
	char id_text[24];
	enum err e;

	audit_actor_from_req(req, &actor);
	snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
	e = after ? audit_append(req->db, &actor, action, type, id_text, NULL, after)
		  : ERR_INTERNAL;
	json_decref(after);
	return e;
}

static enum err post_template(struct req *req, struct resp *resp)
{
	struct checklist_template_row t = { 0 };
	struct checklist_version_row v = { 0 };
	struct model_row *m = calloc(1, sizeof(*m));
	struct catalogue_row c;
	json_t *items = NULL, *dumped_src;
	char *dumped = NULL;
	enum err e = m ? req_json_check(req, resp, template_fields) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	registry_take_text(&resp->problem, req->json, "", "name", t.name, sizeof(t.name),
			   TEXT_REQUIRED);
	registry_take_id(&resp->problem, req->json, "", "model_id", &t.model_id);
	registry_take_text(&resp->problem, req->json, "", "category", t.category,
			   sizeof(t.category), TEXT_CODE);
	checklists_items_check(&resp->problem, json_object_get(req->json, "items"), "/items",
			       &items);
	if (!problem_count(&resp->problem) && !t.model_id && !t.category[0])
		http_invalid(resp, "/model_id",
			     "attach the template to a model, a category or both");
	if (problem_count(&resp->problem)) {
		e = ERR_INVALID;
		goto out;
	}
	if (t.model_id && registry_model_get(req->db, t.model_id, NULL, m) == ERR_NOT_FOUND) {
		e = http_invalid(resp, "/model_id", "no model %lld", (long long)t.model_id);
		goto out;
	}
	if (t.category[0] && catalogue_store_get(req->db, t.category, &c) == ERR_NOT_FOUND) {
		e = http_invalid(resp, "/category", "no request category %s", t.category);
		goto out;
	}
	dumped = json_dumps(items, JSON_COMPACT);
	t.created_by = req->user.user_id;
	t.created_at = clock_now();
	e = dumped ? db_begin(req->db) : ERR_INTERNAL;
	if (e == ERR_OK)
		e = checklists_store_template_insert(req->db, &t, &t.id);
	if (e == ERR_OK)
		e = checklists_store_version_insert(req->db, t.id, dumped, t.created_by,
						    t.created_at, &v);
	if (e == ERR_OK) {
		t.latest_version = v.version;
		dumped_src = template_json(&t, items);
		e = audit_write(req, "checklist.create", "checklist", t.id, dumped_src);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	{
		char location[48];

		snprintf(location, sizeof(location), "/v1/checklists/%lld", (long long)t.id);
		resp_header(resp, "Location", location);
	}
	e = template_answer(req, resp, t.id, 201);
out:
	free(dumped);
	json_decref(items);
	free(m);
	return e;
}

static int template_add(const struct checklist_template_row *t, void *ctx)
{
	return json_array_append_new(ctx, template_json(t, NULL)) != 0;
}

static enum err get_templates(struct req *req, struct resp *resp)
{
	json_t *list = json_array();
	enum err e = list ? checklists_store_templates(req->db, template_add, list) : ERR_INTERNAL;

	if (e == ERR_OK) {
		resp_page(resp, list, NULL);
		list = NULL;
	}
	json_decref(list);
	return e;
}

static enum err get_template(struct req *req, struct resp *resp)
{
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	return e == ERR_OK ? template_answer(req, resp, id, 200) : e;
}

static enum err post_version(struct req *req, struct resp *resp)
{
	struct checklist_template_row t;
	struct checklist_version_row v = { 0 };
	json_t *items = NULL;
	char *dumped = NULL;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e == ERR_OK)
		e = req_json_check(req, resp, version_fields);
	if (e == ERR_OK)
		e = checklists_items_check(&resp->problem, json_object_get(req->json, "items"),
					   "/items", &items);
	if (e == ERR_OK) {
		dumped = json_dumps(items, JSON_COMPACT);
		e = dumped ? db_begin(req->db) : ERR_INTERNAL;
	}
	if (e != ERR_OK)
		goto out;
	e = checklists_store_template_get(req->db, id, &t);
	if (e == ERR_NOT_FOUND)
		http_fail(resp, e, "no checklist template %lld", (long long)id);
	if (e == ERR_OK)
		e = checklists_store_version_insert(req->db, id, dumped, req->user.user_id,
						    clock_now(), &v);
	if (e == ERR_OK) {
		t.latest_version = v.version;
		e = audit_write(req, "checklist.publish", "checklist", id,
				template_json(&t, items));
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	e = template_answer(req, resp, id, 201);
out:
	free(dumped);
	json_decref(items);
	return e;
}

/* ---- a job's checklist -------------------------------------------------------------- */

/* The ticket of the path, within the caller's scope (404 otherwise). */
static enum err ticket_in_scope(struct req *req, struct resp *resp, struct ticket_row *t)
{
	struct scope sc = req->user.scope;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no ticket %lld", (long long)id);
	return e;
}

/* Only the job's assignee fills its checklist and takes the sign-off, and
 * only while the job is in one of statuses. */
static enum err assignee_at_work(struct req *req, struct resp *resp, const struct ticket_row *t,
				 const char *const *statuses, const char *what)
{
	if (t->assignee_id != req->user.user_id)
		return http_fail(resp, ERR_FORBIDDEN, "only the assigned technician may %s", what);
	if (!registry_one_of(t->status, statuses)) {
		json_decref(resp->problem.extra);
		resp->problem.extra = json_pack("{s:s}", "ticket_status", t->status);
		return http_fail(resp, ERR_CONFLICT, "cannot %s on a ticket that is %s", what,
				 t->status);
	}
	return ERR_OK;
}

static enum err get_ticket_checklist(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	json_t *doc = NULL;
	enum err e = t ? ticket_in_scope(req, resp, t) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = checklists_ticket_json(req->db, t, &doc);
	if (e == ERR_OK)
		resp_json(resp, 200, doc);
	free(t);
	return e;
}

/* The photo an answer names: an attachment of the job that is a photo. */
static enum err take_photo(struct req *req, struct resp *resp, const struct ticket_row *t,
			   const char *uuid, const char *pointer, const char *media_type,
			   struct attachment_row *a)
{
	char lower[37];
	enum err e;
	size_t n = strlen(uuid);

	if (n != 36)
		return http_invalid(resp, pointer, "must be the UUID of an attachment of the job");
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)(uuid[i] >= 'A' && uuid[i] <= 'F' ? uuid[i] + 32 : uuid[i]);
	e = attachments_store_get(req->db, t->id, lower, a);
	if (e == ERR_NOT_FOUND)
		return http_invalid(resp, pointer,
				    "ticket %lld has no attachment %s: upload it first (PUT "
				    "/v1/tickets/%lld/attachments/%s)",
				    (long long)t->id, lower, (long long)t->id, lower);
	if (e != ERR_OK)
		return e;
	if (strcmp(a->kind, "photo") != 0 || (media_type && strcmp(a->media_type, media_type) != 0))
		return http_invalid(resp, pointer, "attachment %s is %s, not %s", lower,
				    a->media_type, media_type ? media_type : "a photo");
	return ERR_OK;
}

static enum err put_answer(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct attachment_row *photo = calloc(1, sizeof(*photo));
	struct checklist_version_row v = { 0 };
	struct checklist_answer_row a = { 0 };
	const char *item_id = req->params[1];
	const json_t *item = NULL, *value = json_object_get(req->json, "value");
	const char *uuid = json_string_value(json_object_get(req->json, "attachment_id"));
	json_t *items = NULL, *doc = NULL, *detail;
	int pinned = 0;
	enum err e = t && photo ? req_json_check(req, resp, answer_fields) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = ticket_in_scope(req, resp, t);
	if (e == ERR_OK)
		e = assignee_at_work(req, resp, t, answer_statuses, "fill in the checklist");
	if (e == ERR_OK) {
		e = checklists_for_ticket(req->db, t, &v, &pinned);
		if (e == ERR_NOT_FOUND)
			http_fail(resp, e, "no checklist applies to ticket %lld", (long long)t->id);
	}
	if (e == ERR_OK) {
		items = json_loads(v.items, 0, NULL);
		item = items ? checklists_item_find(items, item_id) : NULL;
		if (!items)
			e = ERR_INTERNAL;
		else if (!item)
			e = http_invalid(resp, "item_id", "the checklist (v%lld) has no item %.40s",
					 (long long)v.version, item_id);
	}
	if (e == ERR_OK) {
		registry_take_text(&resp->problem, req->json, "", "note", a.note, sizeof(a.note),
				   TEXT_MULTILINE);
		if (uuid)
			take_photo(req, resp, t, uuid, "/attachment_id", NULL, photo);
		if (!problem_count(&resp->problem))
			checklists_value_check(&resp->problem, item, value, uuid != NULL,
					       &a.flagged);
		e = problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
	}
	if (e == ERR_OK && !pinned)
		e = checklists_store_ticket_pin(req->db, t->id, v.id, clock_now());
	if (e == ERR_OK) {
		a.ticket_id = t->id;
		snprintf(a.item_id, sizeof(a.item_id), "%s", item_id);
		a.value = json_dumps(value && !json_is_null(value) ? value : json_null(),
				     JSON_COMPACT | JSON_ENCODE_ANY);
		if (uuid)
			snprintf(a.attachment_uuid, sizeof(a.attachment_uuid), "%s",
				 photo->client_uuid);
		a.answered_by = req->user.user_id;
		a.answered_at = clock_now();
		e = a.value ? checklists_store_answer_put(req->db, &a) : ERR_INTERNAL;
	}
	if (e == ERR_OK) {
		/* The job's history keeps each answer, so a replay that stored
		 * twice would show. */
		detail = json_pack("{s:s, s:o, s:b, s:I}", "item_id", a.item_id, "value",
				   json_loads(a.value, JSON_DECODE_ANY, NULL), "flagged", a.flagged,
				   "checklist_version", (json_int_t)v.version);
		e = detail ? tickets_event_locked(
				 req->db, t->id,
				 &(struct ticket_event_in){ .at = a.answered_at,
							    .action = "checklist",
							    .from = t->status,
							    .to = t->status,
							    .actor_id = req->user.user_id,
							    .note = a.note,
							    .detail = detail })
			   : ERR_INTERNAL;
		if (e == ERR_OK)
			e = audit_write(req, "ticket.checklist", "ticket", t->id,
					json_incref(detail));
		json_decref(detail);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	e = checklists_ticket_json(req->db, t, &doc);
	if (e == ERR_OK) {
		size_t i;
		json_t *one;

		json_array_foreach(json_object_get(doc, "items"), i, one)
			if (strcmp(json_string_value(json_object_get(one, "id")), a.item_id) == 0)
				resp_json(resp, 200, json_incref(one));
	}
out:
	json_decref(doc);
	json_decref(items);
	free(a.value);
	checklist_version_cleanup(&v);
	free(t);
	free(photo);
	return e;
}

/* ---- sign-off ------------------------------------------------------------------------ */

static enum err post_signoff(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct attachment_row *sig = calloc(1, sizeof(*sig));
	struct signoff_row s = { 0 };
	const json_t *body = req->json;
	const char *signed_at;
	char why[160], location[96];
	int64_t now = clock_now();
	enum err e = t && sig ? db_begin(req->db) : ERR_INTERNAL;

	/* Who may sign off first: a refused caller learns nothing of the body. */
	if (e == ERR_OK)
		e = ticket_in_scope(req, resp, t);
	if (e == ERR_OK)
		e = assignee_at_work(req, resp, t, signoff_statuses,
				     "take the customer's sign-off");
	if (e == ERR_OK)
		e = req_json_check(req, resp, signoff_fields);
	if (e != ERR_OK)
		goto fail;
	registry_take_text(&resp->problem, body, "", "signer_name", s.signer_name,
			   sizeof(s.signer_name), TEXT_REQUIRED);
	registry_take_text(&resp->problem, body, "", "signer_role", s.signer_role,
			   sizeof(s.signer_role), TEXT_REQUIRED);
	signed_at = json_string_value(json_object_get(body, "signed_at"));
	if (!strchr(signed_at, 'T') || clock_parse(signed_at, &s.signed_at) < 0)
		http_invalid(resp, "/signed_at", "must be an RFC 3339 time");
	else if (s.signed_at > now + 300 || s.signed_at < now - SIGNED_AT_SKEW)
		http_invalid(resp, "/signed_at", "must be within the last 7 days, not ahead");
	s.latitude = json_number_value(json_object_get(body, "lat"));
	s.longitude = json_number_value(json_object_get(body, "lon"));
	if (!(s.latitude >= -90 && s.latitude <= 90))
		http_invalid(resp, "/lat", "must be between -90 and 90");
	if (!(s.longitude >= -180 && s.longitude <= 180))
		http_invalid(resp, "/lon", "must be between -180 and 180");
	e = problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
	if (e == ERR_OK)
		e = take_photo(req, resp, t,
			       json_string_value(json_object_get(body, "signature_attachment_id")),
			       "/signature_attachment_id", "image/png", sig);
	if (e == ERR_OK && sig->size > SIGNATURE_BYTES_MAX)
		e = http_invalid(resp, "/signature_attachment_id", "a signature is at most %d KiB",
				 SIGNATURE_BYTES_MAX / 1024);
	if (e == ERR_OK) {
		e = service_report_signature_check(sig->sha256, why, sizeof(why));
		if (e == ERR_INVALID)
			http_invalid(resp, "/signature_attachment_id", "%s", why);
		else if (e != ERR_OK)
			http_fail(resp, e, "the signature cannot be read now; try again");
	}
	if (e == ERR_OK)
		e = checklists_store_visit(req->db, t->id, &s.visit);
	if (e == ERR_OK) {
		s.ticket_id = t->id;
		snprintf(s.signature_uuid, sizeof(s.signature_uuid), "%s", sig->client_uuid);
		s.recorded_by = req->user.user_id;
		s.created_at = now;
		e = checklists_store_signoff_insert(req->db, &s);
		if (e == ERR_CONFLICT)
			http_fail(resp, e, "visit %lld of ticket %lld is signed already",
				  (long long)s.visit, (long long)t->id);
	}
	if (e == ERR_OK) {
		json_t *detail =
		    json_pack("{s:I, s:s, s:s, s:s}", "visit", (json_int_t)s.visit, "signer_name",
			      s.signer_name, "signer_role", s.signer_role,
			      "signature_attachment_id", s.signature_uuid);

		e = detail ? tickets_event_locked(
				 req->db, t->id,
				 &(struct ticket_event_in){ .at = now,
							    .action = "signoff",
							    .from = t->status,
							    .to = t->status,
							    .actor_id = req->user.user_id,
							    .has_position = 1,
							    .latitude = s.latitude,
							    .longitude = s.longitude,
							    .detail = detail })
			   : ERR_INTERNAL;
		if (e == ERR_OK)
			e = audit_write(req, "ticket.signoff", "ticket", t->id,
					json_incref(detail));
		json_decref(detail);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
fail:
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	snprintf(s.recorded_by_name, sizeof(s.recorded_by_name), "%s", req->user.username);
	snprintf(location, sizeof(location), "/v1/tickets/%lld/checklist", (long long)t->id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, checklists_signoff_json(&s));
out:
	free(t);
	free(sig);
	return e;
}

/* ---- the service report ---------------------------------------------------------------- */

static enum err get_report(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	char *pdf = NULL, disposition[96], number[24];
	size_t len = 0;
	enum err e = t ? ticket_in_scope(req, resp, t) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = service_report_pdf(req->db, t, &pdf, &len);
	if (e == ERR_OK) {
		tickets_number(t->id, number);
		snprintf(disposition, sizeof(disposition),
			 "attachment; filename=\"service-report-%s.pdf\"", number);
		resp_header(resp, "Content-Disposition", disposition);
		resp_header(resp, "Cache-Control", "no-store");
		resp_text(resp, 200, "application/pdf", pdf, len);
	}
	free(pdf);
	free(t);
	return e;
}

const struct route checklists_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/checklists",
	  .handler = post_template,
	  .perm = PERM_CHECKLISTS_ADMIN,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/checklists",
	  .handler = get_templates,
	  .perm = PERM_TICKETS_READ },
	{ .method = "GET",
	  .pattern = "/v1/checklists/{id}",
	  .handler = get_template,
	  .perm = PERM_TICKETS_READ },
	{ .method = "POST",
	  .pattern = "/v1/checklists/{id}/versions",
	  .handler = post_version,
	  .perm = PERM_CHECKLISTS_ADMIN,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/checklist",
	  .handler = get_ticket_checklist,
	  .perm = PERM_TICKETS_READ },
	{ .method = "PUT",
	  .pattern = "/v1/tickets/{id}/checklist/items/{item_id}",
	  .handler = put_answer,
	  .perm = PERM_TICKETS_WORK,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "POST",
	  .pattern = "/v1/tickets/{id}/signoff",
	  .handler = post_signoff,
	  .perm = PERM_TICKETS_WORK,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/report.pdf",
	  .handler = get_report,
	  .perm = PERM_TICKETS_READ },
	{ 0 },
};
