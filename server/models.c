/* The catalogue: product lines and models (design revision, key
 * specifications, document references, optional GTIN). Catalogue data is
 * not scoped: every role that reads the registry reads all of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "registry.h"
#include "routes.h"

#define Q_MAX 64
#define MODEL_NAME_MAX 127 /* fits the public nameplate (struct asset_public) */
#define DOCUMENTS_MAX 50
#define DOC_TITLE_MAX 200
#define DOC_URL_MAX 1000

/* ---- product lines ------------------------------------------------------- */

static json_t *line_json(const struct product_line_row *p)
{
	return json_pack("{s:s, s:s, s:s}", "code", p->code, "name", p->name, "name_en",
			 p->name_en);
}

static const struct json_field line_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, REG_LINE_SIZE - 1 },
	{ "name", JSON_STRING, JF_REQUIRED, REG_NAME_SIZE - 1 },
	{ "name_en", JSON_STRING, 0, REG_NAME_SIZE - 1 },
	{ NULL, JSON_NULL, 0, 0 },
};

enum err product_lines_parse(const json_t *body, struct product_line_row *in, struct resp *resp)
{
	size_t errors = registry_errors(resp);

	memset(in, 0, sizeof(*in));
	registry_json_check(resp, body, "", line_fields);
	registry_take_text(resp, body, "", "code", in->code, sizeof(in->code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(resp, body, "", "name", in->name, sizeof(in->name), TEXT_REQUIRED);
	registry_take_text(resp, body, "", "name_en", in->name_en, sizeof(in->name_en), 0);
	return registry_errors(resp) > errors ? ERR_INVALID : ERR_OK;
}

enum err product_lines_create_locked(struct db *db, const struct audit_actor *actor,
				     const struct product_line_row *in)
{
	json_t *after;
	enum err e = registry_product_line_insert(db, in);

	if (e != ERR_OK)
		return e;
	after = line_json(in);
	e = after ? audit_append(db, actor, "product_line.create", "product_line", in->code, NULL,
				 after)
		  : ERR_INTERNAL;
	json_decref(after);
	return e;
}

static enum err post_line(struct req *req, struct resp *resp)
{
	struct product_line_row in;
	struct audit_actor actor;
	enum err e;

	e = product_lines_parse(req->json, &in, resp);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = product_lines_create_locked(req->db, &actor, &in);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a product line with code %s already exists", in.code);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 201, line_json(&in));
	return ERR_OK;
}

struct line_ctx {
	json_t *items;
	int limit;
	int more;
	char last[REG_LINE_SIZE];
};

static int line_row(const struct product_line_row *p, void *arg)
{
	struct line_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, line_json(p));
	snprintf(ctx->last, sizeof(ctx->last), "%s", p->code);
	return 0;
}

static enum err get_lines(struct req *req, struct resp *resp)
{
	struct line_ctx ctx = { 0 };
	struct page page;
	enum err e;

	e = req_page(req, resp, &page);
	if (e != ERR_OK)
		return e;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = registry_product_line_list(req->db, page.has_after ? page.after : NULL, page.limit + 1,
				       line_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	resp_page(resp, ctx.items, ctx.more ? ctx.last : NULL);
	return ERR_OK;
}

/* ---- models -------------------------------------------------------------- */

json_t *models_json(const struct model_row *m)
{
	char created[32], updated[32];
	json_t *specs = json_loads(m->specs, 0, NULL);
	json_t *docs = json_loads(m->documents, 0, NULL);

	clock_format(m->created_at, created, sizeof(created));
	clock_format(m->updated_at, updated, sizeof(updated));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s?, s:s, s:s}", "id",
			 (json_int_t)m->id, "code", m->code, "name", m->name, "product_line",
			 m->product_line, "design_revision", m->design_revision, "specs",
			 specs ? specs : json_object(), "documents", docs ? docs : json_array(),
			 "gtin", m->gtin[0] ? m->gtin : NULL, "created_at", created, "updated_at",
			 updated);
}

/* GS1 GTIN-8/12/13/14: digits with a valid check digit (weights 3,1,3,...
 * from the right, the check digit excluded), left-padded with zeros to
 * GTIN-14, which keeps the check digit valid; all zeros is none. 0 ok,
 * -1 not a GTIN. */
static int gtin_normalise(const char *in, char out[REG_GTIN_SIZE])
{
	size_t n = strlen(in);
	unsigned sum = 0;

	if ((n != 8 && n != 12 && n != 13 && n != 14) || strspn(in, "0123456789") != n)
		return -1;
	memset(out, '0', 14 - n);
	memcpy(out + 14 - n, in, n + 1);
	if (strspn(out, "0") >= 13)
		return -1; /* all zeros: no company prefix, no item, never issued */
	for (size_t i = 0; i < 13; i++)
		sum += (unsigned)(out[i] - '0') * (i % 2 == 0 ? 3u : 1u);
	return (unsigned)(out[13] - '0') == (10 - sum % 10) % 10 ? 0 : -1;
}

static const struct json_field create_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, REG_CODE_SIZE - 1 },
	{ "name", JSON_STRING, JF_REQUIRED, MODEL_NAME_MAX },
	{ "product_line", JSON_STRING, JF_REQUIRED, REG_LINE_SIZE - 1 },
	{ "design_revision", JSON_STRING, 0, REG_REVISION_SIZE - 1 },
	{ "specs", JSON_OBJECT, 0, 0 },
	{ "documents", JSON_ARRAY, 0, 0 },
	{ "gtin", JSON_STRING, JF_NULLABLE, 14 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field patch_fields[] = {
	{ "code", JSON_STRING, 0, REG_CODE_SIZE - 1 },
	{ "name", JSON_STRING, 0, MODEL_NAME_MAX },
	{ "product_line", JSON_STRING, 0, REG_LINE_SIZE - 1 },
	{ "design_revision", JSON_STRING, 0, REG_REVISION_SIZE - 1 },
	{ "specs", JSON_OBJECT, 0, 0 },
	{ "documents", JSON_ARRAY, 0, 0 },
	{ "gtin", JSON_STRING, JF_NULLABLE, 14 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field document_fields[] = {
	{ "title", JSON_STRING, JF_REQUIRED, DOC_TITLE_MAX },
	{ "url", JSON_STRING, JF_REQUIRED, DOC_URL_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static int url_ok(const char *u)
{
	size_t n = strlen(u);
	const char *host;

	if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		return 0;
	if (!*host || *host == '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f || u[i] == '"' || u[i] == '<' ||
		    u[i] == '>' || u[i] == '\\')
			return 0;
	return 1;
}

/* JSON text of v into dst; reports ptr when it does not fit. */
static void take_json(struct resp *resp, const json_t *v, const char *ptr, char *dst, size_t size)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!text || strlen(text) >= size)
		http_invalid(resp, ptr, "larger than %zu bytes as JSON", size - 1);
	else
		memcpy(dst, text, strlen(text) + 1);
	free(text);
}

static void take_documents(struct resp *resp, const json_t *docs, struct model_row *in)
{
	char prefix[32], ptr[48];
	json_t *d;
	size_t i;

	if (json_array_size(docs) > DOCUMENTS_MAX) {
		http_invalid(resp, "/documents", "at most %d documents", DOCUMENTS_MAX);
		return;
	}
	json_array_foreach(docs, i, d) {
		char title[DOC_TITLE_MAX + 1], url[DOC_URL_MAX + 1];

		snprintf(prefix, sizeof(prefix), "/documents/%zu", i);
		if (registry_json_check(resp, d, prefix, document_fields) != ERR_OK &&
		    !json_is_object(d))
			continue;
		registry_take_text(resp, d, prefix, "title", title, sizeof(title), TEXT_REQUIRED);
		if (registry_take_text(resp, d, prefix, "url", url, sizeof(url), 0) &&
		    !url_ok(json_string_value(json_object_get(d, "url")))) {
			snprintf(ptr, sizeof(ptr), "%s/url", prefix);
			http_invalid(resp, ptr, "must be an http or https URL");
		}
	}
	take_json(resp, docs, "/documents", in->documents, sizeof(in->documents));
}

static enum err model_apply(struct db *db, const json_t *body, int create, struct model_row *in,
			    struct resp *resp)
{
	size_t errors = registry_errors(resp);
	json_t *v;
	enum err e;

	registry_json_check(resp, body, "", create ? create_fields : patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	registry_take_text(resp, body, "", "code", in->code, sizeof(in->code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(resp, body, "", "name", in->name, MODEL_NAME_MAX + 1, TEXT_REQUIRED);
	registry_take_text(resp, body, "", "design_revision", in->design_revision,
			   sizeof(in->design_revision), 0);
	v = json_object_get(body, "product_line");
	if (json_is_string(v)) {
		struct product_line_row p;

		e = registry_product_line_get(db, json_string_value(v), &p);
		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "/product_line", "no such product line");
		else if (e != ERR_OK)
			return e;
		else
			snprintf(in->product_line, sizeof(in->product_line), "%s", p.code);
	}
	v = json_object_get(body, "specs");
	if (json_is_object(v))
		take_json(resp, v, "/specs", in->specs, sizeof(in->specs));
	v = json_object_get(body, "documents");
	if (json_is_array(v))
		take_documents(resp, v, in);
	v = json_object_get(body, "gtin");
	if (json_is_null(v))
		in->gtin[0] = '\0';
	else if (json_is_string(v) && gtin_normalise(json_string_value(v), in->gtin) < 0)
		http_invalid(resp, "/gtin",
			     "must be a GTIN-8, -12, -13 or -14 with a valid check digit");
	return registry_errors(resp) > errors ? ERR_INVALID : ERR_OK;
}

enum err models_parse(struct db *db, const json_t *body, struct model_row *in, struct resp *resp)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->specs, sizeof(in->specs), "{}");
	snprintf(in->documents, sizeof(in->documents), "[]");
	return model_apply(db, body, 1, in, resp);
}

enum err models_create_locked(struct db *db, const struct audit_actor *actor,
			      const struct model_row *in, int64_t *id_out)
{
	struct model_row *row = malloc(sizeof(*row)); /* two 8 KiB JSON texts */
	char id[24];
	json_t *after = NULL;
	enum err e = ERR_INTERNAL;

	if (!row)
		return e;
	*row = *in;
	row->created_at = row->updated_at = clock_now();
	e = registry_model_insert(db, row, &row->id);
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)row->id);
		after = models_json(row);
		e = after ? audit_append(db, actor, "model.create", "model", id, NULL, after)
			  : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		*id_out = row->id;
	json_decref(after);
	free(row);
	return e;
}

/* A unique violation on models is its code or its GTIN: say which. */
static enum err model_conflict(struct req *req, struct resp *resp, const struct model_row *m)
{
	struct model_row *other = calloc(1, sizeof(*other));
	int code_taken;

	if (!other)
		return ERR_INTERNAL;
	code_taken = registry_model_get(req->db, 0, m->code, other) == ERR_OK && other->id != m->id;
	free(other);
	if (code_taken)
		return http_fail(resp, ERR_CONFLICT, "a model with code %s already exists",
				 m->code);
	return http_fail(resp, ERR_CONFLICT, "a model with GTIN %s already exists", m->gtin);
}

static enum err post_model(struct req *req, struct resp *resp)
{
	struct model_row *in = calloc(1, sizeof(*in));
	struct audit_actor actor;
	char location[48];
	int64_t id = 0;
	enum err e;

	if (!in)
		return ERR_INTERNAL;
	e = models_parse(req->db, req->json, in, resp);
	if (e != ERR_OK)
		goto out;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = models_create_locked(req->db, &actor, in, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT) {
		db_rollback(req->db);
		e = model_conflict(req, resp, in);
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	e = registry_model_get(req->db, id, NULL, in);
	if (e != ERR_OK)
		goto out;
	snprintf(location, sizeof(location), "/v1/models/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, models_json(in));
out:
	free(in);
	return e;
}

struct model_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int model_row_add(const struct model_row *m, void *arg)
{
	struct model_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items, models_json(m));
	ctx->last_id = m->id;
	return 0;
}

static enum err get_models(struct req *req, struct resp *resp)
{
	struct model_filter f = { 0 };
	struct model_ctx ctx = { 0 };
	struct page page;
	int64_t after = 0;
	char next[24];
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	f.product_line = req_query(req, "product_line");
	if (f.product_line && (!f.product_line[0] || strlen(f.product_line) >= REG_LINE_SIZE))
		e = http_invalid(resp, "product_line", "must be 1 to %d bytes", REG_LINE_SIZE - 1);
	f.q = req_query(req, "q");
	if (f.q && (!f.q[0] || strlen(f.q) > Q_MAX))
		e = http_invalid(resp, "q", "must be 1 to %d bytes", Q_MAX);
	if (e != ERR_OK)
		return e;
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = registry_model_list(req->db, &f, after, page.limit + 1, model_row_add, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

static enum err load_model(struct req *req, struct resp *resp, struct model_row *out)
{
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	e = registry_model_get(req->db, id, NULL, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such model");
	return e;
}

static enum err get_model(struct req *req, struct resp *resp)
{
	struct model_row *m = calloc(1, sizeof(*m));
	enum err e;

	if (!m)
		return ERR_INTERNAL;
	e = load_model(req, resp, m);
	if (e == ERR_OK)
		resp_json(resp, 200, models_json(m));
	free(m);
	return e;
}

static enum err patch_model(struct req *req, struct resp *resp)
{
	struct model_row *old = calloc(1, sizeof(*old)), *in = calloc(1, sizeof(*in));
	struct audit_actor actor;
	char id[24];
	json_t *before = NULL, *after = NULL;
	enum err e;

	if (!old || !in) {
		e = ERR_INTERNAL;
		goto out;
	}
	/* Read, check and write under the write lock, so concurrent changes
	 * apply one after the other, each to the state the last one left
	 * (comparing updated_at after the lock missed two changes within one
	 * second). A failure rolls back in the dispatcher. */
	e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load_model(req, resp, old);
	if (e != ERR_OK)
		goto out;
	if (json_object_size(req->json) == 0) {
		e = http_invalid(resp, "", "send at least one member to change");
		goto out;
	}
	*in = *old;
	e = model_apply(req->db, req->json, 0, in, resp);
	if (e != ERR_OK)
		goto out;
	in->updated_at = clock_now();
	audit_actor_from_req(req, &actor);
	if ((e = registry_model_update(req->db, in)) == ERR_CONFLICT) {
		db_rollback(req->db);
		e = model_conflict(req, resp, in);
	}
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)old->id);
		before = models_json(old);
		after = models_json(in);
		e = before && after
			? audit_append(req->db, &actor, "model.update", "model", id, before, after)
			: ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_OK)
		resp_json(resp, 200, models_json(in));
out:
	json_decref(before);
	json_decref(after);
	free(old);
	free(in);
	return e;
}

const struct route models_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/product-lines",
	  .handler = get_lines,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor" },
	{ .method = "POST",
	  .pattern = "/v1/product-lines",
	  .handler = post_line,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/models",
	  .handler = get_models,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor,product_line,q" },
	{ .method = "POST",
	  .pattern = "/v1/models",
	  .handler = post_model,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/models/{id}",
	  .handler = get_model,
	  .perm = PERM_REGISTRY_READ },
	{ .method = "PATCH",
	  .pattern = "/v1/models/{id}",
	  .handler = patch_model,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
