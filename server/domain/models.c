/* The catalogue: product lines and models (design revision, key
 * specifications, document references, optional GTIN). Catalogue data is
 * not scoped: every role that reads the registry reads all of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "domain/registry.h"

#define Q_MAX 64
#define MODEL_NAME_MAX 127 /* fits the public nameplate (struct asset_public) */
#define DOCUMENTS_MAX 50
#define DOC_TITLE_MAX 200
#define DOC_URL_MAX 1000

static const struct json_field line_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, REG_LINE_SIZE - 1 },
	{ "name", JSON_STRING, JF_REQUIRED, REG_NAME_SIZE - 1 },
	{ "name_en", JSON_STRING, 0, REG_NAME_SIZE - 1 },
	{ NULL, JSON_NULL, 0, 0 },
};
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

/* ---- product lines ------------------------------------------------------- */

json_t *product_lines_json(const struct product_line_row *p)
{
	return json_pack("{s:s, s:s, s:s}", "code", p->code, "name", p->name, "name_en",
			 p->name_en);
}
enum err product_lines_parse(const json_t *body, struct product_line_row *in, struct problem *pb)
{
	size_t errors = problem_count(pb);

	memset(in, 0, sizeof(*in));
	registry_json_check(pb, body, "", line_fields);
	registry_take_text(pb, body, "", "code", in->code, sizeof(in->code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(pb, body, "", "name", in->name, sizeof(in->name), TEXT_REQUIRED);
	registry_take_text(pb, body, "", "name_en", in->name_en, sizeof(in->name_en), 0);
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}
enum err product_lines_create_locked(struct db *db, const struct audit_actor *actor,
				     const struct product_line_row *in)
{
	json_t *after;
	enum err e = registry_product_line_insert(db, in);

	if (e != ERR_OK)
		return e;
	after = product_lines_json(in);
	e = after ? audit_append(db, actor, "product_line.create", "product_line", in->code, NULL,
				 after)
		  : ERR_INTERNAL;
	json_decref(after);
	return e;
}
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
static void take_json(struct problem *pb, const json_t *v, const char *ptr, char *dst, size_t size)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!text || strlen(text) >= size)
		problem_invalid(pb, ptr, "larger than %zu bytes as JSON", size - 1);
	else
		memcpy(dst, text, strlen(text) + 1);
	free(text);
}
static void take_documents(struct problem *pb, const json_t *docs, struct model_row *in)
{
	char prefix[32], ptr[48];
	json_t *d;
	size_t i;

	if (json_array_size(docs) > DOCUMENTS_MAX) {
		problem_invalid(pb, "/documents", "at most %d documents", DOCUMENTS_MAX);
		return;
	}
	json_array_foreach(docs, i, d) {
		char title[DOC_TITLE_MAX + 1], url[DOC_URL_MAX + 1];

		snprintf(prefix, sizeof(prefix), "/documents/%zu", i);
		if (registry_json_check(pb, d, prefix, document_fields) != ERR_OK &&
		    !json_is_object(d))
			continue;
		registry_take_text(pb, d, prefix, "title", title, sizeof(title), TEXT_REQUIRED);
		if (registry_take_text(pb, d, prefix, "url", url, sizeof(url), 0) &&
		    !url_ok(json_string_value(json_object_get(d, "url")))) {
			snprintf(ptr, sizeof(ptr), "%s/url", prefix);
			problem_invalid(pb, ptr, "must be an http or https URL");
		}
	}
	take_json(pb, docs, "/documents", in->documents, sizeof(in->documents));
}
enum err models_apply(struct db *db, const json_t *body, int create, struct model_row *in,
		      struct problem *pb)
{
	size_t errors = problem_count(pb);
	json_t *v;
	enum err e;

	registry_json_check(pb, body, "", create ? create_fields : patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	registry_take_text(pb, body, "", "code", in->code, sizeof(in->code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(pb, body, "", "name", in->name, MODEL_NAME_MAX + 1, TEXT_REQUIRED);
	registry_take_text(pb, body, "", "design_revision", in->design_revision,
			   sizeof(in->design_revision), 0);
	v = json_object_get(body, "product_line");
	if (json_is_string(v)) {
		struct product_line_row p;

		e = registry_product_line_get(db, json_string_value(v), &p);
		if (e == ERR_NOT_FOUND)
			problem_invalid(pb, "/product_line", "no such product line");
		else if (e != ERR_OK)
			return e;
		else
			snprintf(in->product_line, sizeof(in->product_line), "%s", p.code);
	}
	v = json_object_get(body, "specs");
	if (json_is_object(v))
		take_json(pb, v, "/specs", in->specs, sizeof(in->specs));
	v = json_object_get(body, "documents");
	if (json_is_array(v))
		take_documents(pb, v, in);
	v = json_object_get(body, "gtin");
	if (json_is_null(v))
		in->gtin[0] = '\0';
	else if (json_is_string(v) && gtin_normalise(json_string_value(v), in->gtin) < 0)
		problem_invalid(pb, "/gtin",
				"must be a GTIN-8, -12, -13 or -14 with a valid check digit");
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}
enum err models_parse(struct db *db, const json_t *body, struct model_row *in, struct problem *pb)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->specs, sizeof(in->specs), "{}");
	snprintf(in->documents, sizeof(in->documents), "[]");
	return models_apply(db, body, 1, in, pb);
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
