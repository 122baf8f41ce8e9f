/* The knowledge base (server/domain/kb.c): writing an article and what
 * its answers and audit entries share. The endpoints (versions, review
 * workflow, ranked bilingual search, a ticket's suggested articles and
 * "solved it" feedback) are kb_routes in server/api/kb.c. */
#ifndef FT_KB_H
#define FT_KB_H

#include <jansson.h>
#include <stdint.h>

#include "domain/audit.h"
#include "core/err.h"
#include "db/kb_store.h"

struct db;

/* An article as it is written: its text (a version), language and links. */
struct kb_input {
	struct kb_version v;
	char language[8]; /* "" = detect */
	struct kb_links links;
	int has_lines, has_models, has_codes;
};

/* Writes a new article from in (version 1, owned by owner_id) with its
 * audit entry, inside the caller's transaction. status "published" makes
 * it live at once (the demo). Fills in->v's article, version, author and
 * time. */
enum err kb_article_create_locked(struct db *db, const struct audit_actor *actor, int64_t owner_id,
				  struct kb_input *in, const char *status, int64_t source_ticket_id,
				  int64_t *id_out);

/* "zh" when the text has Chinese characters and no more Latin letters
 * than them, "en" when it has none, "mixed" otherwise (static). */
const char *kb_language_detect(const struct kb_version *v);

/* What the audit log keeps of an article: its state and links (l may be
 * NULL), the text being in the immutable versions. A new object. */
json_t *kb_audit_json(const struct kb_article *a, const char *title, const struct kb_links *l);
/* Sets doc's "product_lines", "models" and "fault_codes" from l. */
void kb_links_into(json_t *doc, const struct kb_links *l);

#endif
