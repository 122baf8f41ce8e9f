/* SQL for checklist templates and versions, a job's answers and the
 * customer's sign-offs. Templates are few (one per model or category);
 * answers and sign-offs are read per ticket by their primary keys. */
#include "db/checklists_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

void checklist_version_cleanup(struct checklist_version_row *v)
{
	if (!v)
		return;
	free(v->items);
	v->items = NULL;
}

/* ---- templates --------------------------------------------------------------- */

#define TEMPLATE_COLS                                                                              \
	"t.id, t.name, coalesce(t.model_id, 0), coalesce(m.code, ''), coalesce(t.category, ''),"   \
	" coalesce(t.created_by, 0), t.created_at,"                                                \
	" coalesce((SELECT max(v.version) FROM checklist_versions v WHERE v.template_id = t.id), " \
	"0)"

static const char sql_template_insert[] =
    "INSERT INTO checklist_templates(name, model_id, category, created_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_template_get[] =
    "SELECT " TEMPLATE_COLS " FROM checklist_templates t LEFT JOIN models m ON m.id = t.model_id"
    " WHERE t.id = ?1";
static const char sql_template_list[] =
    "SELECT " TEMPLATE_COLS " FROM checklist_templates t LEFT JOIN models m ON m.id = t.model_id"
    " ORDER BY t.id";

static void template_read(sqlite3_stmt *st, struct checklist_template_row *t)
{
	t->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, t->name, sizeof(t->name));
	t->model_id = sqlite3_column_int64(st, 2);
	db_col_copy(st, 3, t->model_code, sizeof(t->model_code));
	db_col_copy(st, 4, t->category, sizeof(t->category));
	t->created_by = sqlite3_column_int64(st, 5);
	t->created_at = sqlite3_column_int64(st, 6);
	t->latest_version = sqlite3_column_int64(st, 7);
}

static void bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id)
		db_bind_int(st, idx, id);
	else
		sqlite3_bind_null(st, idx);
}

enum err checklists_store_template_insert(struct db *db, const struct checklist_template_row *t,
					  int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_template_insert);

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, t->name);
	bind_id_or_null(st, 2, t->model_id);
	db_bind_text(st, 3, t->category[0] ? t->category : NULL);
	bind_id_or_null(st, 4, t->created_by);
	db_bind_int(st, 5, t->created_at);
	return db_exec_insert(db, st, id);
}

enum err checklists_store_template_get(struct db *db, int64_t id,
				       struct checklist_template_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_template_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	template_read(st, out);
	db_done(st);
	return ERR_OK;
}

enum err checklists_store_templates(struct db *db, checklist_template_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_template_list);
	struct checklist_template_row t;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		template_read(st, &t);
		if (fn(&t, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* The model + category template wins over the model's, which wins over
 * the category's; a subcategory's template over its parent category's. */
static const char sql_template_for[] =
    "SELECT t.id FROM checklist_templates t"
    " WHERE EXISTS (SELECT 1 FROM checklist_versions v WHERE v.template_id = t.id)"
    " AND (t.model_id IS NULL OR t.model_id = ?1)"
    " AND (t.category IS NULL OR t.category = ?2 OR t.category = ?3)"
    " ORDER BY (t.model_id IS NOT NULL) * 4 + (t.category IS NOT NULL) * 2"
    " + (t.category IS NOT NULL AND t.category = ?3) DESC, t.id DESC LIMIT 1";

enum err checklists_store_template_for(struct db *db, int64_t model_id, const char *category,
				       const char *subcategory, int64_t *template_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_template_for);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, model_id);
	db_bind_text(st, 2, category);
	db_bind_text(st, 3, subcategory && subcategory[0] ? subcategory : NULL);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*template_id = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

/* ---- versions ------------------------------------------------------------------- */

#define VERSION_COLS "id, template_id, version, items, coalesce(published_by, 0), published_at"

static const char sql_version_insert[] =
    "INSERT INTO checklist_versions(template_id, version, items, published_by, published_at)"
    " VALUES (?1, 1 + coalesce((SELECT max(version) FROM checklist_versions"
    " WHERE template_id = ?1), 0), ?2, ?3, ?4) RETURNING id, version";
static const char sql_version_latest[] = "SELECT " VERSION_COLS " FROM checklist_versions"
					 " WHERE template_id = ?1 ORDER BY version DESC LIMIT 1";
static const char sql_version_get[] =
    "SELECT " VERSION_COLS " FROM checklist_versions WHERE id = ?1";

static enum err version_read(struct db *db, sqlite3_stmt *st, struct checklist_version_row *v)
{
	enum err e = db_step_row(db, st);

	if (e != ERR_OK)
		return e;
	v->id = sqlite3_column_int64(st, 0);
	v->template_id = sqlite3_column_int64(st, 1);
	v->version = sqlite3_column_int64(st, 2);
	v->items = strdup(db_col_text(st, 3));
	v->published_by = sqlite3_column_int64(st, 4);
	v->published_at = sqlite3_column_int64(st, 5);
	db_done(st);
	return v->items ? ERR_OK : ERR_INTERNAL;
}

enum err checklists_store_version_insert(struct db *db, int64_t template_id, const char *items,
					 int64_t by, int64_t at, struct checklist_version_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_version_insert);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, template_id);
	db_bind_text(st, 2, items);
	bind_id_or_null(st, 3, by);
	db_bind_int(st, 4, at);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->id = sqlite3_column_int64(st, 0);
	out->version = sqlite3_column_int64(st, 1);
	/* RETURNING: the insert is done only once the statement has run out. */
	e = db_scan_end(db, st, sqlite3_step(st));
	out->template_id = template_id;
	out->published_by = by;
	out->published_at = at;
	out->items = NULL;
	return e;
}

enum err checklists_store_version_latest(struct db *db, int64_t template_id,
					 struct checklist_version_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_version_latest);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, template_id);
	return version_read(db, st, out);
}

enum err checklists_store_version_get(struct db *db, int64_t version_id,
				      struct checklist_version_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_version_get);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, version_id);
	return version_read(db, st, out);
}

/* ---- a job's checklist ------------------------------------------------------------- */

static const char sql_ticket_version[] =
    "SELECT version_id FROM ticket_checklists WHERE ticket_id = ?1";
static const char sql_ticket_pin[] =
    "INSERT INTO ticket_checklists(ticket_id, version_id, started_at) VALUES (?1, ?2, ?3)";

enum err checklists_store_ticket_version(struct db *db, int64_t ticket_id, int64_t *version_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_version);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*version_id = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

enum err checklists_store_ticket_pin(struct db *db, int64_t ticket_id, int64_t version_id,
				     int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_pin);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_int(st, 2, version_id);
	db_bind_int(st, 3, at);
	return db_exec_stmt(db, st);
}

static const char sql_answer_put[] =
    "INSERT INTO ticket_checklist_answers(ticket_id, item_id, value, note, attachment_uuid,"
    " flagged, answered_by, answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (ticket_id, item_id) DO UPDATE SET value = excluded.value,"
    " note = excluded.note, attachment_uuid = excluded.attachment_uuid,"
    " flagged = excluded.flagged, answered_by = excluded.answered_by,"
    " answered_at = excluded.answered_at";
static const char sql_answers[] =
    "SELECT a.ticket_id, a.item_id, a.value, a.note, coalesce(a.attachment_uuid, ''), a.flagged,"
    " a.answered_by, coalesce(u.username, ''), a.answered_at FROM ticket_checklist_answers a"
    " LEFT JOIN users u ON u.id = a.answered_by WHERE a.ticket_id = ?1 ORDER BY a.item_id";

enum err checklists_store_answer_put(struct db *db, const struct checklist_answer_row *a)
{
	sqlite3_stmt *st = db_stmt(db, sql_answer_put);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, a->ticket_id);
	db_bind_text(st, 2, a->item_id);
	db_bind_text(st, 3, a->value);
	db_bind_text(st, 4, a->note);
	db_bind_text(st, 5, a->attachment_uuid[0] ? a->attachment_uuid : NULL);
	db_bind_int(st, 6, a->flagged);
	db_bind_int(st, 7, a->answered_by);
	db_bind_int(st, 8, a->answered_at);
	return db_exec_stmt(db, st);
}

enum err checklists_store_answers(struct db *db, int64_t ticket_id, checklist_answer_fn fn,
				  void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_answers);
	struct checklist_answer_row a;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.ticket_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, a.item_id, sizeof(a.item_id));
		a.value = (char *)db_col_text(st, 2);
		db_col_copy(st, 3, a.note, sizeof(a.note));
		db_col_copy(st, 4, a.attachment_uuid, sizeof(a.attachment_uuid));
		a.flagged = sqlite3_column_int(st, 5);
		a.answered_by = sqlite3_column_int64(st, 6);
		db_col_copy(st, 7, a.answered_by_name, sizeof(a.answered_by_name));
		a.answered_at = sqlite3_column_int64(st, 8);
		if (fn(&a, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- sign-off ------------------------------------------------------------------------ */

static const char sql_visit[] =
    "SELECT 1 + count(*) FROM ticket_events WHERE ticket_id = ?1 AND action = 'reopen'";
static const char sql_signoff_insert[] =
    "INSERT INTO ticket_signoffs(ticket_id, visit, signer_name, signer_role, signature_uuid,"
    " signed_at, latitude, longitude, recorded_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_signoff_get[] =
    "SELECT s.id, s.ticket_id, s.visit, s.signer_name, s.signer_role, s.signature_uuid,"
    " s.signed_at, s.latitude, s.longitude, s.recorded_by, coalesce(u.username, ''),"
    " s.created_at FROM ticket_signoffs s LEFT JOIN users u ON u.id = s.recorded_by"
    " WHERE s.ticket_id = ?1 AND s.visit = ?2";

enum err checklists_store_visit(struct db *db, int64_t ticket_id, int64_t *visit)
{
	sqlite3_stmt *st = db_stmt(db, sql_visit);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*visit = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

enum err checklists_store_signoff_insert(struct db *db, struct signoff_row *s)
{
	sqlite3_stmt *st = db_stmt(db, sql_signoff_insert);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, s->ticket_id);
	db_bind_int(st, 2, s->visit);
	db_bind_text(st, 3, s->signer_name);
	db_bind_text(st, 4, s->signer_role);
	db_bind_text(st, 5, s->signature_uuid);
	db_bind_int(st, 6, s->signed_at);
	sqlite3_bind_double(st, 7, s->latitude);
	sqlite3_bind_double(st, 8, s->longitude);
	db_bind_int(st, 9, s->recorded_by);
	db_bind_int(st, 10, s->created_at);
	return db_exec_insert(db, st, &s->id);
}

enum err checklists_store_signoff_get(struct db *db, int64_t ticket_id, int64_t visit,
				      struct signoff_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_signoff_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_int(st, 2, visit);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->id = sqlite3_column_int64(st, 0);
	out->ticket_id = sqlite3_column_int64(st, 1);
	out->visit = sqlite3_column_int64(st, 2);
	db_col_copy(st, 3, out->signer_name, sizeof(out->signer_name));
	db_col_copy(st, 4, out->signer_role, sizeof(out->signer_role));
	db_col_copy(st, 5, out->signature_uuid, sizeof(out->signature_uuid));
	out->signed_at = sqlite3_column_int64(st, 6);
	out->latitude = sqlite3_column_double(st, 7);
	out->longitude = sqlite3_column_double(st, 8);
	out->recorded_by = sqlite3_column_int64(st, 9);
	db_col_copy(st, 10, out->recorded_by_name, sizeof(out->recorded_by_name));
	out->created_at = sqlite3_column_int64(st, 11);
	db_done(st);
	return ERR_OK;
}

static const char sql_demo_job[] =
    "SELECT id, assignee_id FROM tickets WHERE model_id = ?1 AND assignee_id IS NOT NULL"
    " AND status IN ('on_site', 'resolved', 'follow_up', 'closed')"
    " ORDER BY status = 'on_site' DESC, status = 'resolved' DESC, id DESC LIMIT 1";

enum err checklists_store_demo_job(struct db *db, int64_t model_id, int64_t *ticket_id,
				   int64_t *assignee_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_demo_job);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, model_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*ticket_id = sqlite3_column_int64(st, 0);
	*assignee_id = sqlite3_column_int64(st, 1);
	db_done(st);
	return ERR_OK;
}
