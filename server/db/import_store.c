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
