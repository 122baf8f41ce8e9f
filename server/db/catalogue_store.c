#include "db/catalogue_store.h"

#include <string.h>

#include "db/db.h"

#define COLS "code, coalesce(parent_code, ''), name, name_en, sort, active"

static void row_read(sqlite3_stmt *st, struct catalogue_row *out)
{
	db_col_copy(st, 0, out->code, sizeof(out->code));
	db_col_copy(st, 1, out->parent, sizeof(out->parent));
	db_col_copy(st, 2, out->name, sizeof(out->name));
	db_col_copy(st, 3, out->name_en, sizeof(out->name_en));
	out->sort = sqlite3_column_int64(st, 4);
	out->active = sqlite3_column_int(st, 5);
}

static const char sql_get[] = "SELECT " COLS " FROM service_categories WHERE code = ?1";

enum err catalogue_store_get(struct db *db, const char *code, struct catalogue_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	row_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_list[] = "SELECT " COLS " FROM service_categories"
			       " ORDER BY parent_code IS NOT NULL, sort, code";

enum err catalogue_store_list(struct db *db, catalogue_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct catalogue_row row;
	int rc;

	if (!st)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_next_sort[] = "SELECT coalesce(max(sort), 0) + 1 FROM service_categories"
				    " WHERE code = ?1 OR parent_code = ?1";

enum err catalogue_store_next_sort(struct db *db, const char *parent, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_next_sort);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, parent);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*out = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_insert[] =
    "INSERT INTO service_categories(code, parent_code, name, name_en, sort, active)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err catalogue_store_insert(struct db *db, const struct catalogue_row *row)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, row->code);
	db_bind_text(st, 2, row->parent[0] ? row->parent : NULL);
	db_bind_text(st, 3, row->name);
	db_bind_text(st, 4, row->name_en);
	db_bind_int(st, 5, row->sort);
	db_bind_int(st, 6, row->active ? 1 : 0);
	return db_exec_stmt(db, st);
}

static const char sql_update[] = "UPDATE service_categories SET name = ?2, name_en = ?3,"
				 " sort = ?4, active = ?5 WHERE code = ?1";

enum err catalogue_store_update(struct db *db, const struct catalogue_row *row)
{
	sqlite3_stmt *st = db_stmt(db, sql_update);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, row->code);
	db_bind_text(st, 2, row->name);
	db_bind_text(st, 3, row->name_en);
	db_bind_int(st, 4, row->sort);
	db_bind_int(st, 5, row->active ? 1 : 0);
	return db_exec_one(db, st);
}
