/* Store of the knowledge base: articles, their immutable versions, links to
 * product lines / models / fault codes, "solved it" feedback, and the
 * trigram full-text index (kb_fts) over the live text. All SQL for the
 * knowledge base lives in server/db/kb_store.c; callers open the
 * transaction (db_begin) around writes. (The sync feed reads published
 * articles in server/db/sync_store.c; migration 0010's triggers turn their
 * changes into sync_changes rows.) */
#ifndef FT_KB_STORE_H
#define FT_KB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

#define KB_TITLE_MAX 256   /* bytes */
#define KB_TEXT_MAX 8000   /* symptoms, cause, solution */
#define KB_SAFETY_MAX 4000 /* safety notes */
#define KB_CODE_MAX 64     /* product line, model and fault codes */
#define KB_LINKS_MAX 16    /* of each kind per article */
#define KB_CANDIDATES 200  /* search: rows considered before ranking */

struct kb_article {
	int64_t id;
	int64_t current_version;
	char status[12];  /* draft | reviewed | published | retired */
	char language[8]; /* zh | en | mixed */
	int64_t owner_id;
	char owner[64];           /* username, joined; "" when none */
	int64_t live_version;     /* 0 = nothing searchable */
	int64_t reviewed_version; /* 0 = never reviewed */
	int64_t reviewed_by;
	int64_t source_ticket_id; /* 0 = none */
	int64_t created_at, updated_at;
	int64_t published_at; /* when live_version was published; 0 = nothing live */
};

struct kb_version {
	int64_t article_id, version;
	char title[KB_TITLE_MAX + 1];
	char symptoms[KB_TEXT_MAX + 1];
	char cause[KB_TEXT_MAX + 1];
	char solution[KB_TEXT_MAX + 1];
	char safety_notes[KB_SAFETY_MAX + 1];
	int64_t author_id;
	char author[64]; /* username, joined */
	int64_t created_at;
};

struct kb_links {
	size_t n_lines, n_models, n_codes;
	char product_lines[KB_LINKS_MAX][KB_CODE_MAX + 1];
	int64_t model_ids[KB_LINKS_MAX];
	char models[KB_LINKS_MAX][KB_CODE_MAX + 1]; /* codes, joined on read */
	char fault_codes[KB_LINKS_MAX][KB_CODE_MAX + 1];
};

/* Who reads: all = every article and version (admins, supervisors,
 * auditors); otherwise the live version of published articles plus every
 * version of the articles user_id owns. */
struct kb_viewer {
	int all;
	int64_t user_id;
};

/* ---- articles and versions ---------------------------------------------- */

/* How many articles exist, in any status. */
enum err kb_store_article_count(struct db *db, int64_t *n);
/* Inserts a (id ignored); *id_out = its id. */
enum err kb_store_article_insert(struct db *db, const struct kb_article *a, int64_t *id_out);
/* Writes status, language, versions, reviewer, updated_at and published_at
 * of a->id. */
enum err kb_store_article_update(struct db *db, const struct kb_article *a);
/* ERR_NOT_FOUND when unknown or not visible to v. A viewer who sees only
 * published versions gets the article as it stood when its live version
 * was published (status "published", current and reviewed version the
 * live one, updated_at its publication), whatever a reopened draft has
 * done to the row since. */
enum err kb_store_article_get(struct db *db, int64_t id, const struct kb_viewer *v,
			      struct kb_article *out);
enum err kb_store_version_insert(struct db *db, const struct kb_version *ver);
enum err kb_store_version_get(struct db *db, int64_t article_id, int64_t version,
			      struct kb_version *out);
/* Versions newest first, below before (0 = from the newest); fn gets the
 * version row (borrowed for the call); nonzero stops. */
typedef int (*kb_version_fn)(const struct kb_version *ver, void *ctx);
enum err kb_store_versions(struct db *db, int64_t article_id, int64_t before, int limit,
			   kb_version_fn fn, void *ctx);

enum err kb_store_links_get(struct db *db, int64_t article_id, struct kb_links *out);
/* Replaces the article's links with l (model_ids are what is written). */
enum err kb_store_links_put(struct db *db, int64_t article_id, const struct kb_links *l);

/* Copies the live version's text and the links into the search index
 * (replacing what was there), or removes the article from it when it has
 * no live version. Call after every change to live_version or links. */
enum err kb_store_index_sync(struct db *db, int64_t article_id);

/* ---- lists ---------------------------------------------------------------- */

/* Filters; NULL / 0 = not filtered. */
struct kb_filter {
	const char *status;
	const char *product_line; /* linked to the line or to one of its models */
	int64_t model_id;         /* linked to the model or to model_line */
	const char *model_line;   /* the product line of model_id */
	const char *fault_code;   /* upper-case */
};
/* One row of a list: the article as v sees it (see kb_store_article_get)
 * and the title of the version v sees. */
struct kb_list_row {
	struct kb_article a;
	int64_t shown_version;
	char title[KB_TITLE_MAX + 1];
};
typedef int (*kb_list_fn)(const struct kb_list_row *row, void *ctx); /* nonzero stops */
/* Newest first, ids below before_id (0 = from the newest). */
enum err kb_store_list(struct db *db, const struct kb_viewer *v, const struct kb_filter *f,
		       int64_t before_id, int limit, kb_list_fn fn, void *ctx);

/* ---- search --------------------------------------------------------------- */

enum kb_search_mode {
	KB_SEARCH_FTS,     /* match: an FTS5 trigram expression */
	KB_SEARCH_SCAN,    /* match: a lower-case substring, scanned */
	KB_SEARCH_FACETS,  /* no text: the filters alone */
	KB_SEARCH_SUGGEST, /* no text: linked to the model, its line or the fault code */
};
struct kb_search_in {
	enum kb_search_mode mode;
	const char *match;
	struct kb_filter f;      /* status ignored: only live articles */
	const char *boost_code;  /* upper-case fault code whose link is boosted */
	const char *boost_code2; /* a second one (the query text itself); NULL none */
	int64_t boost_model_id;  /* a direct link to this model is boosted */
};
/* A candidate: strings borrowed until the callback returns. */
struct kb_hit {
	int64_t id, version;
	const char *language;
	double relevance;         /* -bm25 (FTS), 2 title / 1 body hit (scan), 0 otherwise */
	int64_t solved;           /* distinct tickets where it "solved it" */
	int model_exact;          /* linked to boost_model_id itself */
	int code_match;           /* linked to boost_code or boost_code2 */
	const char *title_marked; /* FTS: title with «» around matches; else NULL */
	const char *snippet;      /* FTS: best fragment with «»; else NULL */
	const char *title, *symptoms, *cause, *solution, *safety_notes, *tags;
};
typedef int (*kb_hit_fn)(const struct kb_hit *h, void *ctx); /* nonzero stops */
/* At most KB_CANDIDATES live articles, best text match first. ERR_INVALID
 * when the FTS expression is refused. */
enum err kb_store_search(struct db *db, const struct kb_search_in *in, kb_hit_fn fn, void *ctx);

/* ---- feedback ------------------------------------------------------------- */

/* Records (or replaces) one user's answer for a ticket; *changed = 0 when
 * the same answer was already stored (nothing written). */
enum err kb_store_feedback_put(struct db *db, int64_t article_id, int64_t ticket_id,
			       int64_t user_id, int solved, int64_t at, int *changed);
/* Distinct tickets where it solved it / did not help. */
enum err kb_store_feedback_counts(struct db *db, int64_t article_id, int64_t *solved,
				  int64_t *unhelpful);

#endif
