#include "db/import_store.h"

#include "db/db.h"

static const char sql_site[] = "SELECT s.id, s.customer_id, s.code, s.name, r.path"
			       " FROM sites s JOIN customers c ON c.id = s.customer_id"
			       " JOIN regions r ON r.code = s.region_code WHERE s.code = ?5"
			       " AND (?1 = 1 OR (?2 IS NOT NULL AND r.path >= ?2 AND r.path < ?3)"
			       " OR (?4 != 0 AND c.sales_owner_id = ?4))";

enum err import_store_site(struct db *db, const char *code, const struct scope *sc,
			   struct import_site *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_site);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_text(st, 5, code);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->id = sqlite3_column_int64(st, 0);
	out->customer_id = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, out->code, sizeof(out->code));
	db_col_copy(st, 3, out->name, sizeof(out->name));
	db_col_copy(st, 4, out->region_path, sizeof(out->region_path));
	db_done(st);
	return ERR_OK;
}

static const char sql_serial_taken[] = "SELECT 1 FROM assets WHERE serial = ?1";

enum err import_store_serial_taken(struct db *db, const char *serial, int *taken)
{
	sqlite3_stmt *st = db_stmt(db, sql_serial_taken);
	enum err e;

	*taken = 0;
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, serial);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		db_done(st);
		*taken = 1;
	}
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

/* ---- slices and publication (migrations/0018_import_slices.sql) ---- */

static const char sql_pending_insert[] =
    "INSERT INTO imports_pending(sha256, started_at, heartbeat_at) VALUES (?1, ?2, ?2)";
static const char sql_pending_heartbeat[] =
    "UPDATE imports_pending SET heartbeat_at = ?2 WHERE id = ?1";
static const char sql_pending_delete[] = "DELETE FROM imports_pending WHERE id = ?1";
static const char sql_pending_stale[] =
    "SELECT id FROM imports_pending WHERE heartbeat_at < ?1 ORDER BY id LIMIT 1";
/* Labels do not cascade; events and components do. */
static const char sql_discard_labels[] =
    "DELETE FROM labels WHERE asset_id IN"
    " (SELECT id FROM assets WHERE import_id = ?1 ORDER BY id LIMIT ?2)";
static const char sql_discard_assets[] =
    "DELETE FROM assets WHERE id IN"
    " (SELECT id FROM assets WHERE import_id = ?1 ORDER BY id LIMIT ?2)";

enum err import_store_pending_add(struct db *db, const char *sha256, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_pending_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, sha256);
	db_bind_int(st, 2, now);
	return db_exec_insert(db, st, id);
}

enum err import_store_pending_heartbeat(struct db *db, int64_t id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_pending_heartbeat);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now);
	return db_exec_one(db, st);
}

enum err import_store_pending_remove(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql_pending_delete);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	return db_exec_one(db, st);
}

enum err import_store_pending_stale(struct db *db, int64_t before, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_pending_stale);
	enum err e;

	*id = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, before);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*id = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

enum err import_store_discard(struct db *db, int64_t id, int64_t limit, int64_t *deleted)
{
	sqlite3_stmt *labels = db_stmt(db, sql_discard_labels);
	sqlite3_stmt *assets = db_stmt(db, sql_discard_assets);
	enum err e;

	*deleted = 0;
	if (!labels || !assets)
		return ERR_DB;
	db_bind_int(labels, 1, id);
	db_bind_int(labels, 2, limit);
	e = db_exec_stmt(db, labels);
	if (e != ERR_OK) {
		db_done(assets);
		return e;
	}
	db_bind_int(assets, 1, id);
	db_bind_int(assets, 2, limit);
	e = db_exec_stmt(db, assets);
	if (e == ERR_OK)
		*deleted = db_changes(db);
	return e;
}
