/* The knowledge base without HTTP: writing a new article (its first
 * version, links, search index and audit entry), the language its text is
 * in, and what the audit log keeps of an article. The endpoints, search
 * and the workflow's answers are in server/api/kb.c. */
#include "domain/kb.h"

#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/kb_store.h"

/* Unicode code point at s (valid UTF-8), its length in *len. */
static unsigned codepoint(const char *s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*len = 1;
		return u[0];
	}
	if ((u[0] & 0xe0) == 0xc0 && u[1]) {
		*len = 2;
		return ((u[0] & 0x1fu) << 6) | (u[1] & 0x3fu);
	}
	if ((u[0] & 0xf0) == 0xe0 && u[1] && u[2]) {
		*len = 3;
		return ((u[0] & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) | (u[2] & 0x3fu);
	}
	if ((u[0] & 0xf8) == 0xf0 && u[1] && u[2] && u[3]) {
		*len = 4;
		return ((u[0] & 0x07u) << 18) | ((u[1] & 0x3fu) << 12) | ((u[2] & 0x3fu) << 6) |
		       (u[3] & 0x3fu);
	}
	*len = 1;
	return u[0];
}

static int is_cjk(unsigned cp)
{
	return (cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0x20000 && cp <= 0x2ffff);
}

/* zh when the text has Chinese characters and no more Latin letters than
 * them, en when it has none, mixed otherwise. */
const char *kb_language_detect(const struct kb_version *v)
{
	const char *texts[] = { v->title, v->symptoms, v->cause, v->solution, v->safety_notes };
	size_t cjk = 0, latin = 0, len;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (const char *p = texts[i]; *p; p += len) {
			unsigned cp = codepoint(p, &len);

			if (is_cjk(cp))
				cjk++;
			else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
				latin++;
		}
	if (cjk == 0)
		return "en";
	return latin <= cjk ? "zh" : "mixed";
}

static json_t *links_array(const char (*codes)[KB_CODE_MAX + 1], size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_string(codes[i]));
	return list;
}

void kb_links_into(json_t *doc, const struct kb_links *l)
{
	json_object_set_new(doc, "product_lines", links_array(l->product_lines, l->n_lines));
	json_object_set_new(doc, "models", links_array(l->models, l->n_models));
	json_object_set_new(doc, "fault_codes", links_array(l->fault_codes, l->n_codes));
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer((json_int_t)id) : json_null();
}

/* What the audit log keeps of an article: its state and links (the text
 * is in the immutable versions). */
json_t *kb_audit_json(const struct kb_article *a, const char *title, const struct kb_links *l)
{
	json_t *doc =
	    json_pack("{s:I, s:s, s:s, s:I, s:o, s:s}", "id", (json_int_t)a->id, "status",
		      a->status, "language", a->language, "version", (json_int_t)a->current_version,
		      "published_version", id_or_null(a->live_version), "title", title);

	if (doc && l)
		kb_links_into(doc, l);
	return doc;
}

/* Writes a new article from in (version 1, owned by owner_id) with its
 * audit entry, inside the caller's transaction. status "published" makes
 * it live at once (the demo). */
enum err kb_article_create_locked(struct db *db, const struct audit_actor *actor, int64_t owner_id,
				  struct kb_input *in, const char *status, int64_t source_ticket_id,
				  int64_t *id_out)
{
	struct kb_article a = { 0 };
	char id[24];
	json_t *after;
	enum err e;
	int live = strcmp(status, "published") == 0;

	a.current_version = 1;
	snprintf(a.status, sizeof(a.status), "%s", status);
	snprintf(a.language, sizeof(a.language), "%s",
		 in->language[0] ? in->language : kb_language_detect(&in->v));
	a.owner_id = owner_id;
	a.source_ticket_id = source_ticket_id;
	a.live_version = live ? 1 : 0;
	a.reviewed_version = live ? 1 : 0;
	a.created_at = a.updated_at = clock_now();
	a.published_at = live ? a.created_at : 0;
	e = kb_store_article_insert(db, &a, &a.id);
	if (e != ERR_OK)
		return e;
	in->v.article_id = a.id;
	in->v.version = 1;
	in->v.author_id = owner_id;
	in->v.created_at = a.created_at;
	e = kb_store_version_insert(db, &in->v);
	if (e == ERR_OK)
		e = kb_store_links_put(db, a.id, &in->links);
	if (e == ERR_OK && live)
		e = kb_store_index_sync(db, a.id);
	if (e != ERR_OK)
		return e;
	snprintf(id, sizeof(id), "%lld", (long long)a.id);
	after = kb_audit_json(&a, in->v.title, &in->links);
	e = after ? audit_append(db, actor, "kb.article.create", "kb_article", id, NULL, after)
		  : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*id_out = a.id;
	return e;
}
