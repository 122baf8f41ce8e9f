/* SQL for recurring problems. Detection reads the tickets resolved within
 * its window (tickets_resolved) that belong to no problem yet, grouped by
 * fault code and one factor; the records are small tables. */
#include "db/problems_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

static const char *const kind_names[PROBLEM__KINDS] = {
	[PROBLEM_LOT] = "lot",
	[PROBLEM_BATCH] = "batch",
	[PROBLEM_REVISION] = "revision",
	[PROBLEM_MODEL] = "model",
};

const char *problems_kind_name(enum problem_kind kind)
{
	return kind < PROBLEM__KINDS ? kind_names[kind] : "";
}

int problems_kind_parse(const char *name)
{
	for (int k = 0; k < PROBLEM__KINDS; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

/* ---- settings -------------------------------------------------------------- */

static const char sql_settings[] =
    "SELECT window_days, threshold, run_every_minutes, last_run_at FROM problem_settings"
    " WHERE id = 1";

enum err problems_store_settings(struct db *db, struct problem_settings *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_settings);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->window_days = sqlite3_column_int64(st, 0);
	out->threshold = sqlite3_column_int64(st, 1);
	out->run_every_minutes = sqlite3_column_int64(st, 2);
	out->last_run_at = sqlite3_column_int64(st, 3);
	db_done(st);
	return ERR_OK;
}

static const char sql_mark_run[] = "UPDATE problem_settings SET last_run_at = ?1 WHERE id = 1";

enum err problems_store_mark_run(struct db *db, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_mark_run);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, now);
	return db_exec_stmt(db, st);
}

/* ---- detection ------------------------------------------------------------- */

/* Every query yields fault_code, model_id, value, part_number, count. The
 * lot of a component counts when it was on the unit when the ticket was
 * opened (installed before, not removed before). */
#define FRESH                                                                                      \
	" t.resolved_at >= ?1 AND w.fault_code != ''"                                              \
	" AND NOT EXISTS (SELECT 1 FROM problem_tickets pt WHERE pt.ticket_id = t.id)"
#define BASE " FROM tickets t JOIN ticket_work w ON w.ticket_id = t.id"
#define WITH_ASSET BASE " JOIN assets a ON a.id = t.asset_id"
#define WITH_LOT                                                                                   \
	BASE " JOIN asset_components c ON c.asset_id = t.asset_id AND c.lot != ''"                 \
	     " AND c.installed_at <= t.created_at"                                                 \
	     " AND (c.removed_at IS NULL OR c.removed_at >= t.created_at)"

static const char sql_groups_lot[] =
    "SELECT w.fault_code, 0, c.lot, c.part_number, count(DISTINCT t.id)" WITH_LOT " WHERE" FRESH
    " GROUP BY w.fault_code, c.part_number, c.lot ORDER BY 5 DESC, 1, 4, 3";
static const char sql_groups_batch[] =
    "SELECT w.fault_code, 0, a.batch, '', count(*)" WITH_ASSET " WHERE" FRESH
    " AND a.batch != '' GROUP BY w.fault_code, a.batch ORDER BY 5 DESC, 1, 3";
static const char sql_groups_revision[] =
    "SELECT w.fault_code, a.model_id, a.design_revision, '', count(*)" WITH_ASSET " WHERE" FRESH
    " AND a.design_revision != ''"
    " GROUP BY w.fault_code, a.model_id, a.design_revision ORDER BY 5 DESC, 1, 2, 3";
static const char sql_groups_model[] =
    "SELECT w.fault_code, t.model_id, '', '', count(*)" BASE " WHERE" FRESH
    " AND t.model_id IS NOT NULL GROUP BY w.fault_code, t.model_id ORDER BY 5 DESC, 1, 2";

static const char *const sql_groups[PROBLEM__KINDS] = {
	[PROBLEM_LOT] = sql_groups_lot,
	[PROBLEM_BATCH] = sql_groups_batch,
	[PROBLEM_REVISION] = sql_groups_revision,
	[PROBLEM_MODEL] = sql_groups_model,
};

enum err problems_store_groups(struct db *db, enum problem_kind kind, int64_t since,
			       problem_group_fn fn, void *ctx)
{
	sqlite3_stmt *st = kind < PROBLEM__KINDS ? db_stmt(db, sql_groups[kind]) : NULL;
	struct problem_factor f;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&f, 0, sizeof(f));
		f.kind = kind;
		db_col_copy(st, 0, f.fault_code, sizeof(f.fault_code));
		f.model_id = sqlite3_column_int64(st, 1);
		db_col_copy(st, 2, f.value, sizeof(f.value));
		db_col_copy(st, 3, f.part_number, sizeof(f.part_number));
		if (fn(&f, sqlite3_column_int64(st, 4), ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* The tickets of one group: ?2 fault code, ?3 model, ?4 value, ?5 part. */
static const char sql_tickets_lot[] =
    "SELECT DISTINCT t.id, coalesce(t.asset_id, 0)" WITH_LOT " WHERE" FRESH
    " AND w.fault_code = ?2 AND c.lot = ?4 AND c.part_number = ?5 ORDER BY t.id";
static const char sql_tickets_batch[] =
    "SELECT t.id, coalesce(t.asset_id, 0)" WITH_ASSET " WHERE" FRESH
    " AND w.fault_code = ?2 AND a.batch = ?4 ORDER BY t.id";
static const char sql_tickets_revision[] =
    "SELECT t.id, coalesce(t.asset_id, 0)" WITH_ASSET " WHERE" FRESH
    " AND w.fault_code = ?2 AND a.model_id = ?3 AND a.design_revision = ?4 ORDER BY t.id";
static const char sql_tickets_model[] = "SELECT t.id, coalesce(t.asset_id, 0)" BASE " WHERE" FRESH
					" AND w.fault_code = ?2 AND t.model_id = ?3 ORDER BY t.id";

static const char *const sql_tickets[PROBLEM__KINDS] = {
	[PROBLEM_LOT] = sql_tickets_lot,
	[PROBLEM_BATCH] = sql_tickets_batch,
	[PROBLEM_REVISION] = sql_tickets_revision,
	[PROBLEM_MODEL] = sql_tickets_model,
};

enum err problems_store_group_tickets(struct db *db, const struct problem_factor *f, int64_t since,
				      problem_ticket_fn fn, void *ctx)
{
	sqlite3_stmt *st = f->kind < PROBLEM__KINDS ? db_stmt(db, sql_tickets[f->kind]) : NULL;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, since);
	db_bind_text(st, 2, f->fault_code);
	db_bind_int(st, 3, f->model_id);
	db_bind_text(st, 4, f->value);
	db_bind_text(st, 5, f->part_number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), ctx))
			break;
	return db_scan_end(db, st, rc);
}

static void bind_factor(sqlite3_stmt *st, const struct problem_factor *f)
{
	db_bind_text(st, 1, problems_kind_name(f->kind));
	db_bind_text(st, 2, f->fault_code);
	if (f->model_id)
		db_bind_int(st, 3, f->model_id);
	else
		sqlite3_bind_null(st, 3);
	db_bind_text(st, 4, f->value);
	db_bind_text(st, 5, f->part_number);
}

/* Matches problems_open_factor, so it is one index probe. */
static const char sql_find_open[] =
    "SELECT id FROM problems WHERE kind = ?1 AND fault_code = ?2"
    " AND ifnull(model_id, 0) = ifnull(?3, 0) AND value = ?4 AND part_number = ?5"
    " AND status != 'closed'";

enum err problems_store_find_open(struct db *db, const struct problem_factor *f, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_find_open);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	bind_factor(st, f);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*id_out = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_insert[] =
    "INSERT INTO problems(kind, fault_code, model_id, value, part_number, window_days,"
    " threshold, opened_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";

enum err problems_store_insert(struct db *db, const struct problem_factor *f,
			       const struct problem_settings *s, int64_t now, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_INTERNAL;
	bind_factor(st, f);
	db_bind_int(st, 6, s->window_days);
	db_bind_int(st, 7, s->threshold);
	db_bind_int(st, 8, now);
	return db_exec_insert(db, st, id_out);
}

static const char sql_attach[] =
    "INSERT INTO problem_tickets(problem_id, ticket_id, asset_id, added_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_count[] =
    "UPDATE problems SET ticket_count = ticket_count + 1, updated_at = ?2 WHERE id = ?1";

enum err problems_store_attach(struct db *db, int64_t problem_id, int64_t ticket_id,
			       int64_t asset_id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_attach);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, problem_id);
	db_bind_int(st, 2, ticket_id);
	if (asset_id)
		db_bind_int(st, 3, asset_id);
	else
		sqlite3_bind_null(st, 3);
	db_bind_int(st, 4, now);
	e = db_exec_stmt(db, st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_count);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, problem_id);
	db_bind_int(st, 2, now);
	return db_exec_one(db, st);
}

static const char sql_owners[] =
    "SELECT q.user_id FROM quality_owners q JOIN users u ON u.id = q.user_id"
    " WHERE u.disabled = 0"
    " UNION SELECT u.id FROM users u LEFT JOIN regions r ON r.code = u.region_code"
    " WHERE u.disabled = 0 AND NOT EXISTS (SELECT 1 FROM quality_owners)"
    " AND (u.role = 'admin' OR (u.role = 'supervisor' AND r.parent_code IS NULL"
    " AND r.code IS NOT NULL))"
    " ORDER BY 1";

enum err problems_store_owners(struct db *db, problem_user_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_owners);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), ctx))
			break;
	return db_scan_end(db, st, rc);
}

/* ---- records ----------------------------------------------------------------- */

#define PROBLEM_COLS                                                                               \
	"p.id, p.kind, p.fault_code, coalesce(p.model_id, 0), p.value, p.part_number,"             \
	" coalesce(m.code, ''), p.status, coalesce(p.owner_id, 0), coalesce(u.username, ''),"      \
	" p.corrective_action, p.window_days, p.threshold, p.ticket_count, p.opened_at,"           \
	" p.updated_at, coalesce(p.closed_at, 0), p.version"
#define PROBLEM_JOINS                                                                              \
	" FROM problems p LEFT JOIN models m ON m.id = p.model_id"                                 \
	" LEFT JOIN users u ON u.id = p.owner_id"

static void read_problem(sqlite3_stmt *st, struct problem_row *p)
{
	int c = 0, kind;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, c++);
	kind = problems_kind_parse(db_col_text(st, c++));
	p->factor.kind = kind < 0 ? PROBLEM_MODEL : (enum problem_kind)kind;
	db_col_copy(st, c++, p->factor.fault_code, sizeof(p->factor.fault_code));
	p->factor.model_id = sqlite3_column_int64(st, c++);
	db_col_copy(st, c++, p->factor.value, sizeof(p->factor.value));
	db_col_copy(st, c++, p->factor.part_number, sizeof(p->factor.part_number));
	db_col_copy(st, c++, p->model_code, sizeof(p->model_code));
	db_col_copy(st, c++, p->status, sizeof(p->status));
	p->owner_id = sqlite3_column_int64(st, c++);
	db_col_copy(st, c++, p->owner, sizeof(p->owner));
	db_col_copy(st, c++, p->corrective_action, sizeof(p->corrective_action));
	p->window_days = sqlite3_column_int64(st, c++);
	p->threshold = sqlite3_column_int64(st, c++);
	p->ticket_count = sqlite3_column_int64(st, c++);
	p->opened_at = sqlite3_column_int64(st, c++);
	p->updated_at = sqlite3_column_int64(st, c++);
	p->closed_at = sqlite3_column_int64(st, c++);
	p->version = sqlite3_column_int64(st, c++);
}

static const char sql_get[] = "SELECT " PROBLEM_COLS PROBLEM_JOINS " WHERE p.id = ?1";

enum err problems_store_get(struct db *db, int64_t id, struct problem_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	read_problem(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_list[] =
    "SELECT " PROBLEM_COLS PROBLEM_JOINS " WHERE (?1 IS NULL OR p.status = ?1) AND p.id < ?2"
    " ORDER BY p.id DESC LIMIT ?3";

enum err problems_store_list(struct db *db, const char *status, int64_t before_id, int limit,
			     problem_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct problem_row p;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, status);
	db_bind_int(st, 2, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int(st, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_problem(st, &p);
		if (fn(&p, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_update[] =
    "UPDATE problems SET owner_id = ?2, status = ?3, corrective_action = ?4, closed_at = ?5,"
    " updated_at = ?6, version = version + 1 WHERE id = ?1";

enum err problems_store_update(struct db *db, const struct problem_row *p)
{
	sqlite3_stmt *st = db_stmt(db, sql_update);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, p->id);
	if (p->owner_id)
		db_bind_int(st, 2, p->owner_id);
	else
		sqlite3_bind_null(st, 2);
	db_bind_text(st, 3, p->status);
	db_bind_text(st, 4, p->corrective_action);
	if (p->closed_at)
		db_bind_int(st, 5, p->closed_at);
	else
		sqlite3_bind_null(st, 5);
	db_bind_int(st, 6, p->updated_at);
	return db_exec_one(db, st);
}

static const char sql_tickets_of[] =
    "SELECT pt.ticket_id, coalesce(pt.asset_id, 0), coalesce(a.serial, ''), t.status,"
    " t.region_path, coalesce(t.centre_code, ''), t.created_at, coalesce(t.resolved_at, 0),"
    " pt.added_at FROM problem_tickets pt JOIN tickets t ON t.id = pt.ticket_id"
    " LEFT JOIN assets a ON a.id = pt.asset_id WHERE pt.problem_id = ?1 ORDER BY pt.ticket_id";

enum err problems_store_tickets(struct db *db, int64_t problem_id, problem_ticket_row_fn fn,
				void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_tickets_of);
	struct problem_ticket t;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, problem_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.ticket_id = sqlite3_column_int64(st, 0);
		t.asset_id = sqlite3_column_int64(st, 1);
		db_col_copy(st, 2, t.serial, sizeof(t.serial));
		db_col_copy(st, 3, t.status, sizeof(t.status));
		db_col_copy(st, 4, t.region_path, sizeof(t.region_path));
		db_col_copy(st, 5, t.centre, sizeof(t.centre));
		t.created_at = sqlite3_column_int64(st, 6);
		t.resolved_at = sqlite3_column_int64(st, 7);
		t.added_at = sqlite3_column_int64(st, 8);
		if (fn(&t, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_user_ok[] = "SELECT 1 FROM users WHERE id = ?1 AND disabled = 0";

enum err problems_store_user_ok(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_ok);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e == ERR_OK)
		db_done(st);
	return e;
}
