/* SQL for the sync change feed (sync_changes, 0005 and 0010) and the
 * reference data devices carry, read as JSON text (SQLite's json_object):
 * including the published knowledge articles, read-only here (the
 * knowledge base writes them through server/db/kb_store.c). */
#include "db/sync_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/tickets_store.h"

/* One ordered merge of three indexed ranges (sync_changes_audience), so a
 * caller reads only the rows meant for them. */
static const char sql_changes[] = "SELECT seq, entity, entity_id, op FROM sync_changes"
				  " WHERE audience = 'user' AND audience_id = ?2 AND seq > ?1"
				  " UNION ALL SELECT seq, entity, entity_id, op FROM sync_changes"
				  " WHERE audience = 'centre' AND audience_id = ?3 AND seq > ?1"
				  " AND (?4 = 0 OR entity IN ('model', 'kb_article'))"
				  " UNION ALL SELECT seq, entity, entity_id, op FROM sync_changes"
				  " WHERE audience = 'all' AND audience_id = '' AND seq > ?1"
				  " ORDER BY 1 LIMIT ?5";

enum err sync_store_changes(struct db *db, const struct sync_audience *a, int64_t after_seq,
			    int limit, sync_change_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_changes);
	struct sync_change c;
	char user[24];
	int rc;

	if (!st)
		return ERR_DB;
	snprintf(user, sizeof(user), "%lld", (long long)a->user_id);
	db_bind_int(st, 1, after_seq);
	db_bind_text(st, 2, a->user_id ? user : "");
	db_bind_text(st, 3, a->centre[0] ? a->centre : "\x01"); /* no centre: matches nothing */
	db_bind_int(st, 4, a->centre_models_only);
	db_bind_int(st, 5, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.seq = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, c.entity, sizeof(c.entity));
		db_col_copy(st, 2, c.entity_id, sizeof(c.entity_id));
		db_col_copy(st, 3, c.op, sizeof(c.op));
		if (fn(&c, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static enum err one_int(struct db *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	enum err e;

	*out = 0;
	if (!st)
		return ERR_DB;
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	*out = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_max_seq[] = "SELECT coalesce(max(seq), 0) FROM sync_changes";
static const char sql_horizon[] = "SELECT seq FROM sync_horizon WHERE id = 1";

enum err sync_store_max_seq(struct db *db, int64_t *out)
{
	enum err e = one_int(db, sql_max_seq, out);
	int64_t horizon = 0;

	/* Everything pruned: the feed still stands at the horizon. */
	if (e == ERR_OK && *out == 0)
		e = one_int(db, sql_horizon, &horizon);
	if (e == ERR_OK && horizon > *out)
		*out = horizon;
	return e;
}

enum err sync_store_horizon(struct db *db, int64_t *out)
{
	return one_int(db, sql_horizon, out);
}

/* ---- a board's ticket feed -------------------------------------------------- */

/* Index ends only: max(seq) of the partial index sync_changes_ticket, or
 * of the two audience ranges of sync_changes_audience, and the rowid's. */
static const char sql_feed_mark_all[] =
    "SELECT (SELECT coalesce(max(seq), 0) FROM sync_changes WHERE entity = 'ticket'),"
    " (SELECT coalesce(max(seq), 0) FROM sync_changes),"
    " (SELECT seq FROM sync_horizon WHERE id = 1)";
static const char sql_feed_mark_audience[] =
    "SELECT max((SELECT coalesce(max(seq), 0) FROM sync_changes"
    " WHERE audience = 'centre' AND audience_id = ?1),"
    " (SELECT coalesce(max(seq), 0) FROM sync_changes"
    " WHERE audience = 'user' AND audience_id = ?2)),"
    " (SELECT coalesce(max(seq), 0) FROM sync_changes),"
    " (SELECT seq FROM sync_horizon WHERE id = 1)";

/* A feed's audiences as bind values: NULL matches nothing. */
static void bind_feed(sqlite3_stmt *st, const struct sync_ticket_feed *f, char user[24])
{
	snprintf(user, 24, "%lld", (long long)f->user_id);
	db_bind_text(st, 1, f->centre[0] ? f->centre : NULL);
	db_bind_text(st, 2, f->user_id ? user : NULL);
}

enum err sync_store_ticket_feed_mark(struct db *db, const struct sync_ticket_feed *f, int64_t *mine,
				     int64_t *newest, int64_t *horizon)
{
	sqlite3_stmt *st = db_stmt(db, f->all ? sql_feed_mark_all : sql_feed_mark_audience);
	char user[24];
	enum err e;

	*mine = *newest = *horizon = 0;
	if (!st)
		return ERR_DB;
	if (!f->all)
		bind_feed(st, f, user);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*mine = sqlite3_column_int64(st, 0);
	*newest = sqlite3_column_int64(st, 1);
	*horizon = sqlite3_column_int64(st, 2);
	db_done(st);
	if (*horizon > *newest) /* everything pruned: the feed stands at the horizon */
		*newest = *horizon;
	return ERR_OK;
}

/* One range of sync_changes_ticket, or two of sync_changes_audience
 * (MULTI-INDEX OR). */
static const char sql_feed_changes_all[] =
    "SELECT CAST(entity_id AS INTEGER), max(seq) AS last FROM sync_changes"
    " WHERE entity = 'ticket' AND seq > ?3 AND seq <= ?4 GROUP BY entity_id ORDER BY last";
static const char sql_feed_changes_audience[] =
    "SELECT CAST(entity_id AS INTEGER), max(seq) AS last FROM sync_changes"
    " WHERE entity = 'ticket' AND seq > ?3 AND seq <= ?4"
    " AND ((audience = 'centre' AND audience_id = ?1) OR (audience = 'user' AND audience_id = ?2))"
    " GROUP BY entity_id ORDER BY last";

enum err sync_store_ticket_feed_changes(struct db *db, const struct sync_ticket_feed *f,
					int64_t after, int64_t upto, sync_id_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, f->all ? sql_feed_changes_all : sql_feed_changes_audience);
	char user[24];
	int rc;

	if (!st)
		return ERR_DB;
	if (!f->all)
		bind_feed(st, f, user);
	db_bind_int(st, 3, after);
	db_bind_int(st, 4, upto);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), ctx))
			break;
	return db_scan_end(db, st, rc);
}

static const char sql_scope_seq[] = "SELECT scope_seq FROM users WHERE id = ?1";

enum err sync_store_scope_seq(struct db *db, int64_t user_id, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_scope_seq);
	enum err e;

	*out = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	*out = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

/* ---- reference data ---------------------------------------------------- */

#define CATEGORY_JSON                                                                              \
	"code, json_object('code', code, 'parent', parent_code, 'name', name, 'name_en', name_en," \
	" 'sort', sort, 'active', json(CASE active WHEN 1 THEN 'true' ELSE 'false' END))"
#define PRODUCT_LINE_JSON "code, json_object('code', code, 'name', name, 'name_en', name_en)"
#define CENTRE_JSON                                                                                \
	"code, json_object('code', code, 'name', name, 'region', region_code, 'latitude',"         \
	" latitude, 'longitude', longitude)"
#define MODEL_JSON                                                                                 \
	"id, json_object('id', id, 'code', code, 'name', name, 'product_line', product_line,"      \
	" 'design_revision', design_revision, 'specs', CASE WHEN json_valid(specs) THEN"           \
	" json(specs) END, 'documents', CASE WHEN json_valid(documents) THEN json(documents) END," \
	" 'gtin', gtin)"
/* The product lines of the audience: the user's skills and the centre's. */
#define AUDIENCE_LINES                                                                             \
	"(SELECT product_line FROM technician_skills WHERE user_id = ?3"                           \
	" UNION SELECT product_line FROM centre_product_lines WHERE centre_code = ?4)"
#define MODEL_SEEN " AND product_line IN " AUDIENCE_LINES
/* A published article: its published (live) version's text, never a
 * draft's, and its links as GET /v1/kb/articles/{id} shows them. */
#define KB_LINKS(col, from)                                                                        \
	"json((SELECT json_group_array(x) FROM (SELECT " col " AS x FROM " from " ORDER BY 1)))"
#define KB_LINES KB_LINKS("product_line", "kb_article_product_lines WHERE article_id = a.id")
#define KB_MODELS                                                                                  \
	KB_LINKS("m.code", "kb_article_models km JOIN models m ON m.id = km.model_id"              \
			   " WHERE km.article_id = a.id")
#define KB_CODES KB_LINKS("fault_code", "kb_article_fault_codes WHERE article_id = a.id")
#define KB_ARTICLE_JSON                                                                            \
	"a.id, json_object('id', a.id, 'language', a.language, 'version', v.version,"              \
	" 'published_version', v.version, 'title', v.title, 'symptoms', v.symptoms,"               \
	" 'cause', v.cause, 'solution', v.solution, 'safety_notes', v.safety_notes,"               \
	" 'product_lines', " KB_LINES ", 'models', " KB_MODELS ", 'fault_codes', " KB_CODES        \
	", 'version_created_at', strftime('%Y-%m-%dT%H:%M:%SZ', v.created_at, 'unixepoch'))"
#define KB_ARTICLE_FROM                                                                            \
	" FROM kb_articles a JOIN kb_article_versions v"                                           \
	" ON v.article_id = a.id AND v.version = a.live_version"
/* Live, and of the audience's lines: linked to one or to one of its models. */
#define KB_ARTICLE_SEEN                                                                            \
	" AND a.live_version IS NOT NULL AND a.id IN (SELECT article_id"                           \
	" FROM kb_article_product_lines WHERE product_line IN " AUDIENCE_LINES                     \
	" UNION SELECT km.article_id FROM kb_article_models km"                                    \
	" JOIN models m ON m.id = km.model_id WHERE m.product_line IN " AUDIENCE_LINES ")"

static const char *const sql_ref_page[SYNC_REF__COUNT] = {
	[SYNC_REF_CATEGORY] = "SELECT " CATEGORY_JSON " FROM service_categories"
			      " WHERE code > ?1 ORDER BY code LIMIT ?2",
	[SYNC_REF_PRODUCT_LINE] = "SELECT " PRODUCT_LINE_JSON " FROM product_lines"
				  " WHERE code > ?1 ORDER BY code LIMIT ?2",
	[SYNC_REF_CENTRE] = "SELECT " CENTRE_JSON " FROM centres"
			    " WHERE code > ?1 ORDER BY code LIMIT ?2",
	[SYNC_REF_MODEL] = "SELECT " MODEL_JSON " FROM models"
			   " WHERE id > CAST(?1 AS INTEGER)" MODEL_SEEN " ORDER BY id LIMIT ?2",
	[SYNC_REF_KB_ARTICLE] =
	    "SELECT " KB_ARTICLE_JSON KB_ARTICLE_FROM
	    " WHERE a.id > CAST(?1 AS INTEGER)" KB_ARTICLE_SEEN " ORDER BY a.id LIMIT ?2",
};

static const char *const sql_ref_get[SYNC_REF__COUNT] = {
	[SYNC_REF_CATEGORY] = "SELECT " CATEGORY_JSON " FROM service_categories WHERE code = ?1"
			      " AND ?2 IS NOT NULL",
	[SYNC_REF_PRODUCT_LINE] = "SELECT " PRODUCT_LINE_JSON " FROM product_lines"
				  " WHERE code = ?1 AND ?2 IS NOT NULL",
	[SYNC_REF_CENTRE] = "SELECT " CENTRE_JSON " FROM centres WHERE code = ?1"
			    " AND ?2 IS NOT NULL",
	[SYNC_REF_MODEL] = "SELECT " MODEL_JSON " FROM models WHERE id = CAST(?1 AS INTEGER)"
			   " AND ?2 IS NOT NULL" MODEL_SEEN,
	[SYNC_REF_KB_ARTICLE] =
	    "SELECT " KB_ARTICLE_JSON KB_ARTICLE_FROM
	    " WHERE a.id = CAST(?1 AS INTEGER) AND ?2 IS NOT NULL" KB_ARTICLE_SEEN,
};

/* Models and articles: keyed by number, filtered by the audience's lines. */
static int of_audience(enum sync_ref kind)
{
	return kind == SYNC_REF_MODEL || kind == SYNC_REF_KB_ARTICLE;
}

static enum err ref_scan(struct db *db, const char *sql, enum sync_ref kind,
			 const struct sync_audience *a, const char *key, int limit, sync_ref_fn fn,
			 void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key ? key : (of_audience(kind) ? "0" : ""));
	db_bind_int(st, 2, limit > 0 ? limit : -1);
	if (of_audience(kind)) {
		db_bind_int(st, 3, a->user_id);
		db_bind_text(st, 4, a->centre);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(db_col_text(st, 0), db_col_text(st, 1), ctx))
			break;
	return db_scan_end(db, st, rc);
}

enum err sync_store_ref_page(struct db *db, enum sync_ref kind, const struct sync_audience *a,
			     const char *after, int limit, sync_ref_fn fn, void *ctx)
{
	if (kind < 0 || kind >= SYNC_REF__COUNT)
		return ERR_INTERNAL;
	return ref_scan(db, sql_ref_page[kind], kind, a, after, limit, fn, ctx);
}

struct found {
	sync_ref_fn fn;
	void *ctx;
	int seen;
};

static int found_row(const char *key, const char *json, void *arg)
{
	struct found *f = arg;

	f->seen = 1;
	return f->fn(key, json, f->ctx);
}

enum err sync_store_ref_get(struct db *db, enum sync_ref kind, const struct sync_audience *a,
			    const char *key, sync_ref_fn fn, void *ctx)
{
	struct found f = { .fn = fn, .ctx = ctx };
	enum err e;

	if (kind < 0 || kind >= SYNC_REF__COUNT || !key)
		return ERR_INTERNAL;
	e = ref_scan(db, sql_ref_get[kind], kind, a, key, 1, found_row, &f);
	if (e == ERR_OK && !f.seen)
		e = ERR_NOT_FOUND;
	return e;
}

/* ---- retiring tickets and pruning --------------------------------------- */

#define TICKET_ENDED "status IN " TICKET_FINAL_SQL " AND coalesce(closed_at, updated_at) < ?1"

static const char sql_retired[] = "SELECT count(*) FROM tickets WHERE id = ?2 AND " TICKET_ENDED;

enum err sync_store_ticket_retired(struct db *db, int64_t ticket_id, int64_t before, int *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_retired);
	enum err e;

	*out = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, before);
	db_bind_int(st, 2, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*out = sqlite3_column_int(st, 0) > 0;
	db_done(st);
	return ERR_OK;
}

static const char sql_retire_changes[] =
    "WITH ended AS (SELECT id, assignee_id, created_by, centre_code FROM tickets"
    " WHERE " TICKET_ENDED " AND id NOT IN (SELECT ticket_id FROM sync_retired))"
    " INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)"
    " SELECT 'ticket', id, 'user', assignee_id, 'delete' FROM ended WHERE assignee_id IS NOT NULL"
    " UNION ALL SELECT 'ticket', id, 'user', created_by, 'delete' FROM ended"
    " WHERE created_by IS NOT NULL AND created_by IS NOT assignee_id"
    " UNION ALL SELECT 'ticket', id, 'centre', centre_code, 'delete' FROM ended"
    " WHERE centre_code IS NOT NULL";

static const char sql_retire_mark[] =
    "INSERT INTO sync_retired(ticket_id, at) SELECT id, ?2 FROM tickets"
    " WHERE " TICKET_ENDED " AND id NOT IN (SELECT ticket_id FROM sync_retired)";

static const char sql_horizon_move[] =
    "UPDATE sync_horizon SET seq = max(seq, (SELECT coalesce(max(seq), 0) FROM sync_changes"
    " WHERE at < ?1)) WHERE id = 1";

static const char sql_prune[] =
    "DELETE FROM sync_changes WHERE seq <= (SELECT seq FROM sync_horizon WHERE id = 1)";

static enum err exec_bound(struct db *db, const char *sql, int64_t a, int64_t b, int nbind)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return ERR_DB;
	if (nbind >= 1)
		db_bind_int(st, 1, a);
	if (nbind >= 2)
		db_bind_int(st, 2, b);
	return db_exec_stmt(db, st);
}

enum err sync_retire_run(struct db *db, int64_t now)
{
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = exec_bound(db, sql_retire_changes, now - SYNC_RETIRE_AFTER, 0, 1);
	if (e == ERR_OK)
		e = exec_bound(db, sql_retire_mark, now - SYNC_RETIRE_AFTER, now, 2);
	if (e == ERR_OK)
		e = exec_bound(db, sql_horizon_move, now - SYNC_CHANGES_KEEP, 0, 1);
	if (e == ERR_OK)
		e = exec_bound(db, sql_prune, 0, 0, 0);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}
