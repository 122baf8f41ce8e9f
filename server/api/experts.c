/* Experts, the product lines' on-call rotas and who is on call (issue 19,
 * part 1). The rules live in domain/experts.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "db/experts_store.h"
#include "domain/experts.h"
#include "api/routes.h"

/* Path parameter 0 as a user id: 404 when it is not one. */
static enum err expert_id(struct req *req, struct resp *resp, int64_t *id)
{
	enum err e = req_param_id(req, resp, 0, id);

	return e == ERR_OK ? e : http_fail(resp, ERR_NOT_FOUND, "no such expert");
}

static int append_expert(const struct expert_row *r, void *ctx)
{
	json_array_append_new(ctx, json_integer(r->user_id));
	return 0;
}

static enum err get_experts(struct req *req, struct resp *resp)
{
	struct expert_filter f = { .product_line = req_query(req, "product_line"),
				   .language = req_query(req, "language"),
				   .active = -1 };
	const char *active = req_query(req, "active");
	json_t *ids = json_array(), *items = json_array(), *v;
	size_t i;
	enum err e = ERR_OK;

	if (f.language && !experts_language_valid(f.language))
		http_invalid(resp, "language", "must be a primary language tag (zh, en)");
	if (active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
		http_invalid(resp, "active", "must be true or false");
	else if (active)
		f.active = strcmp(active, "true") == 0;
	if (f.product_line) {
		e = experts_store_line_exists(req->db, f.product_line);
		if (e == ERR_NOT_FOUND)
			e = http_invalid(resp, "product_line", "no such product line");
	}
	if (e == ERR_OK && problem_count(&resp->problem))
		e = ERR_INVALID;
	if (e == ERR_OK)
		e = db_read_begin(req->db);
	if (e == ERR_OK)
		e = experts_store_list(req->db, &f, append_expert, ids);
	json_array_foreach(ids, i, v) {
		json_t *doc;

		if (e != ERR_OK)
			break;
		e = experts_json(req->db, json_integer_value(v), &doc);
		if (e == ERR_OK)
			json_array_append_new(items, doc);
	}
	db_read_end(req->db);
	json_decref(ids);
	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	resp_json(resp, 200, json_pack("{s:o}", "items", items));
	return ERR_OK;
}

static enum err get_expert(struct req *req, struct resp *resp)
{
	json_t *doc;
	int64_t id;
	enum err e = expert_id(req, resp, &id);

	if (e == ERR_OK)
		e = experts_json(req->db, id, &doc);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such expert");
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static enum err put_expert(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	json_t *doc = NULL;
	int64_t id;
	int created = 0;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return http_fail(resp, ERR_NOT_FOUND, "no such user");
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = experts_put(req->db, &actor, id, req->json, &resp->problem, &created);
	if (e == ERR_OK)
		e = experts_json(req->db, id, &doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(doc);
		return e;
	}
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static enum err delete_expert(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	int64_t id;
	enum err e = expert_id(req, resp, &id);

	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = experts_delete(req->db, &actor, id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such expert");
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

static enum err get_rota(struct req *req, struct resp *resp)
{
	const char *line = req->params[0];
	json_t *doc;
	enum err e = experts_store_line_exists(req->db, line);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such product line");
	if (e == ERR_OK)
		e = experts_rota_json(req->db, line, &doc);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static enum err put_rota(struct req *req, struct resp *resp)
{
	const char *line = req->params[0];
	struct audit_actor actor;
	json_t *doc = NULL;
	enum err e;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = experts_rota_put(req->db, &actor, line, req->json, &resp->problem);
	if (e == ERR_OK)
		e = experts_rota_json(req->db, line, &doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		json_decref(doc);
		return e;
	}
	resp_json(resp, 200, doc);
	return ERR_OK;
}

#define ON_CALL_MAX 64

static json_t *languages_of(const char *list)
{
	json_t *out = json_array();

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		json_array_append_new(out, json_stringn(p, len));
		if (!end)
			break;
		p = end + 1;
	}
	return out;
}

static enum err get_on_call(struct req *req, struct resp *resp)
{
	const char *line = req->params[0];
	const char *at_s = req_query(req, "at"), *language = req_query(req, "language");
	struct expert_candidate *c;
	json_t *items;
	char at_text[32];
	int64_t at = clock_now();
	int n;
	enum err e;

	if (at_s && clock_parse(at_s, &at) != 0)
		http_invalid(resp, "at", "must be an RFC 3339 instant (2026-12-07T02:00:00Z)");
	if (language && !experts_language_valid(language))
		http_invalid(resp, "language", "must be a primary language tag (zh, en)");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	e = experts_store_line_exists(req->db, line);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such product line");
	if (e != ERR_OK)
		return e;
	c = calloc(ON_CALL_MAX, sizeof(*c));
	if (!c)
		return ERR_INTERNAL;
	n = experts_on_call(req->db, line, at, language, c, ON_CALL_MAX);
	if (n < 0) {
		free(c);
		return ERR_DB;
	}
	items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
		    items, json_pack("{s:I, s:s, s:o, s:s}", "user_id", (json_int_t)c[i].user_id,
				     "display_name", c[i].display_name, "languages",
				     languages_of(c[i].languages), "source", c[i].source));
	free(c);
	clock_format(at, at_text, sizeof(at_text));
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(
	    resp, 200,
	    json_pack("{s:s, s:s, s:o}", "product_line", line, "at", at_text, "candidates", items));
	return ERR_OK;
}

const struct route experts_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/experts",
	  .handler = get_experts,
	  .perm = PERM_EXPERTS_READ,
	  .query = "product_line,language,active" },
	{ .method = "GET",
	  .pattern = "/v1/experts/{user_id}",
	  .handler = get_expert,
	  .perm = PERM_EXPERTS_READ },
	{ .method = "PUT",
	  .pattern = "/v1/experts/{user_id}",
	  .handler = put_expert,
	  .perm = PERM_EXPERTS_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "DELETE",
	  .pattern = "/v1/experts/{user_id}",
	  .handler = delete_expert,
	  .perm = PERM_EXPERTS_ADMIN },
	{ .method = "GET",
	  .pattern = "/v1/product-lines/{code}/rota",
	  .handler = get_rota,
	  .perm = PERM_EXPERTS_READ },
	{ .method = "PUT",
	  .pattern = "/v1/product-lines/{code}/rota",
	  .handler = put_rota,
	  .perm = PERM_EXPERTS_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 65536 },
	{ .method = "GET",
	  .pattern = "/v1/product-lines/{code}/on-call",
	  .handler = get_on_call,
	  .perm = PERM_EXPERTS_READ,
	  .query = "at,language" },
	{ 0 },
};
