/* SQL for the knowledge base. The search index kb_fts holds, for each
 * article with a live version, that version's text and its link codes
 * (rowid = article id); kb_store_index_sync() is the one place that writes
 * it, so the index cannot drift from kb_articles.live_version. */
#include "db/kb_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

static int64_t col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

static void bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id)
		db_bind_int(st, idx, id);
	else
		sqlite3_bind_null(st, idx);
}

/* ---- articles -------------------------------------------------------------- */

#define ARTICLE_COLS                                                                               \
	"a.id, a.current_version, a.status, a.language, coalesce(a.owner_id, 0),"                  \
	" coalesce(u.username, ''), coalesce(a.live_version, 0), coalesce(a.reviewed_version, 0)," \
	" coalesce(a.reviewed_by, 0), coalesce(a.source_ticket_id, 0), a.created_at,"              \
	" a.updated_at, coalesce(a.published_at, 0)"

/* Who sees an article: ?V1 = all, ?V2 = the viewer's id. */
#define VISIBLE(all, uid) "(" all " = 1 OR a.owner_id = " uid " OR a.live_version IS NOT NULL)"

static void article_read(sqlite3_stmt *st, int c, struct kb_article *out)
{
	out->id = col_int(st, c);
	out->current_version = col_int(st, c + 1);
	db_col_copy(st, c + 2, out->status, sizeof(out->status));
	db_col_copy(st, c + 3, out->language, sizeof(out->language));
	out->owner_id = col_int(st, c + 4);
	db_col_copy(st, c + 5, out->owner, sizeof(out->owner));
	out->live_version = col_int(st, c + 6);
	out->reviewed_version = col_int(st, c + 7);
	out->reviewed_by = col_int(st, c + 8);
	out->source_ticket_id = col_int(st, c + 9);
	out->created_at = col_int(st, c + 10);
	out->updated_at = col_int(st, c + 11);
	out->published_at = col_int(st, c + 12);
}

/* A viewer who may see only published versions (neither one who sees all
 * nor the owner) is shown the article as it stood when its live version
 * was published: a reopened article's draft, its review and its edits are
 * not theirs to see, so neither is the workflow state they put the row in.
 * The owner is the article's and does not change between versions. */
static void article_as_seen(struct kb_article *a, const struct kb_viewer *v)
{
	if (v->all || (a->owner_id && a->owner_id == v->user_id) || !a->live_version)
		return;
	snprintf(a->status, sizeof(a->status), "published");
	a->current_version = a->live_version;
	a->reviewed_version = a->live_version; /* only the reviewed version is published */
	a->reviewed_by = 0;                    /* not kept once a later version is reviewed */
	a->updated_at = a->published_at;
}

static const char sql_article_count[] = "SELECT count(*) FROM kb_articles";

enum err kb_store_article_count(struct db *db, int64_t *n)
{
	sqlite3_stmt *st = db_stmt(db, sql_article_count);
	enum err e;

	*n = 0;
	if (!st)
		return ERR_DB;
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*n = col_int(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_article_insert[] =
    "INSERT INTO kb_articles(current_version, status, language, owner_id, live_version,"
    " reviewed_version, reviewed_by, source_ticket_id, created_at, updated_at, published_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

enum err kb_store_article_insert(struct db *db, const struct kb_article *a, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_article_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, a->current_version);
	db_bind_text(st, 2, a->status);
	db_bind_text(st, 3, a->language);
	bind_id_or_null(st, 4, a->owner_id);
	bind_id_or_null(st, 5, a->live_version);
	bind_id_or_null(st, 6, a->reviewed_version);
	bind_id_or_null(st, 7, a->reviewed_by);
	bind_id_or_null(st, 8, a->source_ticket_id);
	db_bind_int(st, 9, a->created_at);
	db_bind_int(st, 10, a->updated_at);
	bind_id_or_null(st, 11, a->published_at);
	return db_exec_insert(db, st, id_out);
}

static const char sql_article_update[] =
    "UPDATE kb_articles SET current_version = ?2, status = ?3, language = ?4, live_version = ?5,"
    " reviewed_version = ?6, reviewed_by = ?7, updated_at = ?8, published_at = ?9 WHERE id = ?1";

enum err kb_store_article_update(struct db *db, const struct kb_article *a)
{
	sqlite3_stmt *st = db_stmt(db, sql_article_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, a->id);
	db_bind_int(st, 2, a->current_version);
	db_bind_text(st, 3, a->status);
	db_bind_text(st, 4, a->language);
	bind_id_or_null(st, 5, a->live_version);
	bind_id_or_null(st, 6, a->reviewed_version);
	bind_id_or_null(st, 7, a->reviewed_by);
	db_bind_int(st, 8, a->updated_at);
	bind_id_or_null(st, 9, a->published_at);
	return db_exec_one(db, st);
}

static const char sql_article_get[] =
    "SELECT " ARTICLE_COLS " FROM kb_articles a LEFT JOIN users u ON u.id = a.owner_id"
    " WHERE a.id = ?1 AND " VISIBLE("?2", "?3");

enum err kb_store_article_get(struct db *db, int64_t id, const struct kb_viewer *v,
			      struct kb_article *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_article_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, v->all);
	db_bind_int(st, 3, v->user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	article_read(st, 0, out);
	db_done(st);
	article_as_seen(out, v);
	return ERR_OK;
}

/* ---- versions -------------------------------------------------------------- */

static const char sql_version_insert[] =
    "INSERT INTO kb_article_versions(article_id, version, title, symptoms, cause, solution,"
    " safety_notes, author_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

enum err kb_store_version_insert(struct db *db, const struct kb_version *ver)
{
	sqlite3_stmt *st = db_stmt(db, sql_version_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ver->article_id);
	db_bind_int(st, 2, ver->version);
	db_bind_text(st, 3, ver->title);
	db_bind_text(st, 4, ver->symptoms);
	db_bind_text(st, 5, ver->cause);
	db_bind_text(st, 6, ver->solution);
	db_bind_text(st, 7, ver->safety_notes);
	bind_id_or_null(st, 8, ver->author_id);
	db_bind_int(st, 9, ver->created_at);
	return db_exec_stmt(db, st);
}

#define VERSION_COLS                                                                               \
	"v.article_id, v.version, v.title, v.symptoms, v.cause, v.solution, v.safety_notes,"       \
	" coalesce(v.author_id, 0), coalesce(u.username, ''), v.created_at"

static void version_read(sqlite3_stmt *st, struct kb_version *out)
{
	out->article_id = col_int(st, 0);
	out->version = col_int(st, 1);
	db_col_copy(st, 2, out->title, sizeof(out->title));
	db_col_copy(st, 3, out->symptoms, sizeof(out->symptoms));
	db_col_copy(st, 4, out->cause, sizeof(out->cause));
	db_col_copy(st, 5, out->solution, sizeof(out->solution));
	db_col_copy(st, 6, out->safety_notes, sizeof(out->safety_notes));
	out->author_id = col_int(st, 7);
	db_col_copy(st, 8, out->author, sizeof(out->author));
	out->created_at = col_int(st, 9);
}

static const char sql_version_get[] =
    "SELECT " VERSION_COLS " FROM kb_article_versions v LEFT JOIN users u ON u.id = v.author_id"
    " WHERE v.article_id = ?1 AND v.version = ?2";

enum err kb_store_version_get(struct db *db, int64_t article_id, int64_t version,
			      struct kb_version *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_version_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	db_bind_int(st, 2, version);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	version_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_versions[] =
    "SELECT " VERSION_COLS " FROM kb_article_versions v LEFT JOIN users u ON u.id = v.author_id"
    " WHERE v.article_id = ?1 AND (?2 = 0 OR v.version < ?2) ORDER BY v.version DESC LIMIT ?3";

enum err kb_store_versions(struct db *db, int64_t article_id, int64_t before, int limit,
			   kb_version_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_versions);
	struct kb_version *row = malloc(sizeof(*row));
	enum err e;
	int rc = SQLITE_DONE;

	if (!st || !row) {
		free(row);
		return st ? ERR_INTERNAL : ERR_DB;
	}
	db_bind_int(st, 1, article_id);
	db_bind_int(st, 2, before);
	db_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(row, 0, sizeof(*row));
		version_read(st, row);
		if (fn(row, ctx))
			break;
	}
	e = db_scan_end(db, st, rc);
	free(row);
	return e;
}

/* ---- links ----------------------------------------------------------------- */

static const char sql_lines_get[] = "SELECT product_line FROM kb_article_product_lines"
				    " WHERE article_id = ?1 ORDER BY product_line LIMIT 16";
static const char sql_models_get[] =
    "SELECT m.id, m.code FROM kb_article_models km JOIN models m ON m.id = km.model_id"
    " WHERE km.article_id = ?1 ORDER BY m.code LIMIT 16";
static const char sql_codes_get[] = "SELECT fault_code FROM kb_article_fault_codes"
				    " WHERE article_id = ?1 ORDER BY fault_code LIMIT 16";

enum err kb_store_links_get(struct db *db, int64_t article_id, struct kb_links *out)
{
	sqlite3_stmt *st;
	enum err e;
	int rc;

	memset(out, 0, sizeof(*out));
	st = db_stmt(db, sql_lines_get);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_lines < KB_LINKS_MAX)
		db_col_copy(st, 0, out->product_lines[out->n_lines++], KB_CODE_MAX + 1);
	e = db_scan_end(db, st, rc);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_models_get);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_models < KB_LINKS_MAX) {
		out->model_ids[out->n_models] = col_int(st, 0);
		db_col_copy(st, 1, out->models[out->n_models++], KB_CODE_MAX + 1);
	}
	e = db_scan_end(db, st, rc);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_codes_get);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_codes < KB_LINKS_MAX)
		db_col_copy(st, 0, out->fault_codes[out->n_codes++], KB_CODE_MAX + 1);
	return db_scan_end(db, st, rc);
}

static const char sql_lines_clear[] = "DELETE FROM kb_article_product_lines WHERE article_id = ?1";
static const char sql_models_clear[] = "DELETE FROM kb_article_models WHERE article_id = ?1";
static const char sql_codes_clear[] = "DELETE FROM kb_article_fault_codes WHERE article_id = ?1";
static const char sql_line_add[] = "INSERT OR IGNORE INTO kb_article_product_lines(article_id,"
				   " product_line) VALUES (?1, ?2)";
static const char sql_model_add[] =
    "INSERT OR IGNORE INTO kb_article_models(article_id, model_id) VALUES (?1, ?2)";
static const char sql_code_add[] = "INSERT OR IGNORE INTO kb_article_fault_codes(article_id,"
				   " fault_code) VALUES (?1, ?2)";

static enum err exec_id(struct db *db, const char *sql, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	return db_exec_stmt(db, st);
}

static enum err exec_id_text(struct db *db, const char *sql, int64_t id, const char *text)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, text);
	return db_exec_stmt(db, st);
}

enum err kb_store_links_put(struct db *db, int64_t article_id, const struct kb_links *l)
{
	sqlite3_stmt *st;
	enum err e = exec_id(db, sql_lines_clear, article_id);

	if (e == ERR_OK)
		e = exec_id(db, sql_models_clear, article_id);
	if (e == ERR_OK)
		e = exec_id(db, sql_codes_clear, article_id);
	for (size_t i = 0; e == ERR_OK && i < l->n_lines; i++)
		e = exec_id_text(db, sql_line_add, article_id, l->product_lines[i]);
	for (size_t i = 0; e == ERR_OK && i < l->n_models; i++) {
		st = db_stmt(db, sql_model_add);
		if (!st)
			return ERR_DB;
		db_bind_int(st, 1, article_id);
		db_bind_int(st, 2, l->model_ids[i]);
		e = db_exec_stmt(db, st);
	}
	for (size_t i = 0; e == ERR_OK && i < l->n_codes; i++)
		e = exec_id_text(db, sql_code_add, article_id, l->fault_codes[i]);
	return e;
}

/* ---- the search index ------------------------------------------------------ */

static const char sql_index_drop[] = "DELETE FROM kb_fts WHERE rowid = ?1";
static const char sql_index_put[] =
    "INSERT INTO kb_fts(rowid, title, symptoms, cause, solution, safety_notes, tags)"
    " SELECT a.id, v.title, v.symptoms, v.cause, v.solution, v.safety_notes,"
    " coalesce((SELECT group_concat(t, ' ') FROM ("
    "  SELECT fault_code AS t FROM kb_article_fault_codes WHERE article_id = a.id"
    "  UNION ALL SELECT m.code FROM kb_article_models km JOIN models m ON m.id = km.model_id"
    "   WHERE km.article_id = a.id"
    "  UNION ALL SELECT product_line FROM kb_article_product_lines WHERE article_id = a.id)),"
    " '')"
    " FROM kb_articles a"
    " JOIN kb_article_versions v ON v.article_id = a.id AND v.version = a.live_version"
    " WHERE a.id = ?1";

enum err kb_store_index_sync(struct db *db, int64_t article_id)
{
	enum err e = exec_id(db, sql_index_drop, article_id);

	return e == ERR_OK ? exec_id(db, sql_index_put, article_id) : e;
}

/* ---- lists and search ------------------------------------------------------ */

/* The filters of kb_filter at ?4 product_line, ?5 model_id, ?6 the model's
 * product line, ?7 fault code. */
#define FILTERS                                                                                    \
	" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM kb_article_product_lines l"                     \
	"  WHERE l.article_id = a.id AND l.product_line = ?4)"                                     \
	"  OR EXISTS (SELECT 1 FROM kb_article_models km JOIN models m ON m.id = km.model_id"      \
	"  WHERE km.article_id = a.id AND m.product_line = ?4))"                                   \
	" AND (?5 = 0 OR EXISTS (SELECT 1 FROM kb_article_models km"                               \
	"  WHERE km.article_id = a.id AND km.model_id = ?5)"                                       \
	"  OR EXISTS (SELECT 1 FROM kb_article_product_lines l"                                    \
	"  WHERE l.article_id = a.id AND l.product_line = ?6))"                                    \
	" AND (?7 IS NULL OR EXISTS (SELECT 1 FROM kb_article_fault_codes c"                       \
	"  WHERE c.article_id = a.id AND c.fault_code = ?7))"

static void bind_filter(sqlite3_stmt *st, const struct kb_filter *f)
{
	db_bind_text(st, 4, f->product_line);
	db_bind_int(st, 5, f->model_id);
	db_bind_text(st, 6, f->model_line);
	db_bind_text(st, 7, f->fault_code);
}

/* ?1 all, ?2 viewer, ?3 status (as the viewer sees it: see article_as_seen),
 * ?8 before id, ?9 limit. */
static const char sql_list[] =
    "SELECT " ARTICLE_COLS ", v.version, v.title FROM kb_articles a"
    " LEFT JOIN users u ON u.id = a.owner_id"
    " JOIN kb_article_versions v ON v.article_id = a.id AND v.version ="
    "  CASE WHEN ?1 = 1 OR a.owner_id = ?2 THEN a.current_version ELSE a.live_version END"
    " WHERE " VISIBLE("?1", "?2") " AND (?3 IS NULL OR ?3 = CASE WHEN ?1 = 1"
				  " OR a.owner_id = ?2 THEN a.status ELSE 'published' END)"
				  " AND (?8 = 0 OR a.id < ?8)" FILTERS
				  " ORDER BY a.id DESC LIMIT ?9";

enum err kb_store_list(struct db *db, const struct kb_viewer *v, const struct kb_filter *f,
		       int64_t before_id, int limit, kb_list_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct kb_list_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, v->all);
	db_bind_int(st, 2, v->user_id);
	db_bind_text(st, 3, f->status);
	bind_filter(st, f);
	db_bind_int(st, 8, before_id);
	db_bind_int(st, 9, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		article_read(st, 0, &row.a);
		article_as_seen(&row.a, v);
		row.shown_version = col_int(st, 13);
		db_col_copy(st, 14, row.title, sizeof(row.title));
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* Every search variant answers the same columns:
 *   0 id, 1 live version, 2 language, 3 relevance, 4 marked title,
 *   5 snippet, 6..10 text, 11 solved, 12 model exact, 13 code match, 14 tags
 * with ?1 the match, ?2 / ?3 the boosted fault codes, ?4..?7 FILTERS,
 * ?8 the boosted model and ?9 the limit. */
#define HIT_TAIL                                                                                   \
	" kb_fts.title, kb_fts.symptoms, kb_fts.cause, kb_fts.solution, kb_fts.safety_notes,"      \
	" (SELECT count(DISTINCT f.ticket_id) FROM kb_feedback f"                                  \
	"  WHERE f.article_id = a.id AND f.solved = 1),"                                           \
	" EXISTS (SELECT 1 FROM kb_article_models km"                                              \
	"  WHERE km.article_id = a.id AND km.model_id = ?8),"                                      \
	" EXISTS (SELECT 1 FROM kb_article_fault_codes c"                                          \
	"  WHERE c.article_id = a.id AND c.fault_code IN (?2, ?3)), kb_fts.tags"

/* bm25 weights: title 10, symptoms 4, cause 2, solution 2, safety 1, tags 3. */
#define BM25 "bm25(kb_fts, 10.0, 4.0, 2.0, 2.0, 1.0, 3.0)"

static const char sql_search_fts[] =
    "SELECT a.id, a.live_version, a.language, -" BM25 ","
    " highlight(kb_fts, 0, '«', '»'), snippet(kb_fts, -1, '«', '»', '…', 24)," HIT_TAIL
    " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid"
    " WHERE kb_fts MATCH ?1 AND a.live_version IS NOT NULL" FILTERS " ORDER BY " BM25 " LIMIT ?9";

/* Fewer than three characters: trigrams cannot answer, so the live text
 * (one row per published article) is scanned for the substring. */
static const char sql_search_scan[] =
    "SELECT a.id, a.live_version, a.language,"
    " CASE WHEN instr(lower(kb_fts.title), ?1) > 0 THEN 2.0 ELSE 1.0 END, NULL, NULL," HIT_TAIL
    " FROM kb_articles a JOIN kb_fts ON kb_fts.rowid = a.id"
    " WHERE a.live_version IS NOT NULL AND instr(lower(kb_fts.title || char(10) ||"
    " kb_fts.symptoms || char(10) || kb_fts.cause || char(10) || kb_fts.solution || char(10) ||"
    " kb_fts.safety_notes || char(10) || kb_fts.tags), ?1) > 0" FILTERS
    " ORDER BY a.id DESC LIMIT ?9";

static const char sql_search_facets[] =
    "SELECT a.id, a.live_version, a.language, 0.0, NULL, NULL," HIT_TAIL
    " FROM kb_articles a JOIN kb_fts ON kb_fts.rowid = a.id"
    " WHERE a.live_version IS NOT NULL " FILTERS " ORDER BY a.id DESC LIMIT ?9";

/* A ticket's suggestions: linked to its model, its product line or its
 * fault code (?5, ?6, ?2). Parameters a statement does not use are
 * bound all the same (harmless below the highest one, ?9). */
static const char sql_search_suggest[] =
    "SELECT a.id, a.live_version, a.language, 0.0, NULL, NULL," HIT_TAIL
    " FROM kb_articles a JOIN kb_fts ON kb_fts.rowid = a.id"
    " WHERE a.live_version IS NOT NULL"
    " AND (EXISTS (SELECT 1 FROM kb_article_models km"
    "  WHERE km.article_id = a.id AND km.model_id = ?5)"
    "  OR EXISTS (SELECT 1 FROM kb_article_product_lines l"
    "  WHERE l.article_id = a.id AND l.product_line = ?6)"
    "  OR (?2 IS NOT NULL AND EXISTS (SELECT 1 FROM kb_article_fault_codes c"
    "  WHERE c.article_id = a.id AND c.fault_code = ?2)))"
    " ORDER BY a.id DESC LIMIT ?9";

static const char *col_str(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

enum err kb_store_search(struct db *db, const struct kb_search_in *in, kb_hit_fn fn, void *ctx)
{
	const char *sql = in->mode == KB_SEARCH_FTS      ? sql_search_fts
			  : in->mode == KB_SEARCH_SCAN   ? sql_search_scan
			  : in->mode == KB_SEARCH_FACETS ? sql_search_facets
							 : sql_search_suggest;
	sqlite3_stmt *st = db_stmt(db, sql);
	struct kb_hit h;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, in->match);
	db_bind_text(st, 2, in->boost_code);
	db_bind_text(st, 3, in->boost_code2);
	bind_filter(st, &in->f);
	db_bind_int(st, 8, in->boost_model_id);
	db_bind_int(st, 9, KB_CANDIDATES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&h, 0, sizeof(h));
		h.id = col_int(st, 0);
		h.version = col_int(st, 1);
		h.language = db_col_text(st, 2);
		h.relevance = sqlite3_column_double(st, 3);
		h.title_marked = col_str(st, 4);
		h.snippet = col_str(st, 5);
		h.title = db_col_text(st, 6);
		h.symptoms = db_col_text(st, 7);
		h.cause = db_col_text(st, 8);
		h.solution = db_col_text(st, 9);
		h.safety_notes = db_col_text(st, 10);
		h.solved = col_int(st, 11);
		h.model_exact = sqlite3_column_int(st, 12);
		h.code_match = sqlite3_column_int(st, 13);
		h.tags = db_col_text(st, 14);
		if (fn(&h, ctx))
			break;
	}
	if (rc == SQLITE_ERROR && in->mode == KB_SEARCH_FTS) {
		db_done(st); /* an FTS5 syntax error: the caller's input */
		return ERR_INVALID;
	}
	return db_scan_end(db, st, rc);
}

/* ---- feedback -------------------------------------------------------------- */

static const char sql_feedback_get[] = "SELECT solved FROM kb_feedback"
				       " WHERE article_id = ?1 AND ticket_id = ?2 AND user_id = ?3";
static const char sql_feedback_put[] =
    "INSERT INTO kb_feedback(article_id, ticket_id, user_id, solved, at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (article_id, ticket_id, user_id)"
    " DO UPDATE SET solved = excluded.solved, at = excluded.at";

enum err kb_store_feedback_put(struct db *db, int64_t article_id, int64_t ticket_id,
			       int64_t user_id, int solved, int64_t at, int *changed)
{
	sqlite3_stmt *st = db_stmt(db, sql_feedback_get);
	enum err e;

	*changed = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	db_bind_int(st, 2, ticket_id);
	db_bind_int(st, 3, user_id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		int old = sqlite3_column_int(st, 0);

		db_done(st);
		if (old == solved)
			return ERR_OK;
	} else if (e != ERR_NOT_FOUND) {
		return e;
	}
	st = db_stmt(db, sql_feedback_put);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	db_bind_int(st, 2, ticket_id);
	db_bind_int(st, 3, user_id);
	db_bind_int(st, 4, solved ? 1 : 0);
	db_bind_int(st, 5, at);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*changed = 1;
	return e;
}

static const char sql_feedback_counts[] =
    "SELECT count(DISTINCT CASE WHEN solved = 1 THEN ticket_id END),"
    " count(DISTINCT CASE WHEN solved = 0 THEN ticket_id END)"
    " FROM kb_feedback WHERE article_id = ?1";

enum err kb_store_feedback_counts(struct db *db, int64_t article_id, int64_t *solved,
				  int64_t *unhelpful)
{
	sqlite3_stmt *st = db_stmt(db, sql_feedback_counts);
	enum err e;

	*solved = *unhelpful = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, article_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*solved = col_int(st, 0);
	*unhelpful = col_int(st, 1);
	db_done(st);
	return ERR_OK;
}
