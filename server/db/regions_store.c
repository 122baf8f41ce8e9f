#include "db/regions_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

/* Codes become path segments, so '/' and anything odd is refused. */
static int code_ok(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	return n >= 1 && n <= REGION_CODE_MAX &&
	       strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
		   n;
}

static int level_ok(const char *level)
{
	static const char *const levels[] = { "country", "province", "city", "district" };

	for (size_t i = 0; level && i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(level, levels[i]) == 0)
			return 1;
	return 0;
}

#define REGION_COLS "code, coalesce(parent_code, ''), name, name_en, level, path"

static void region_read(sqlite3_stmt *st, struct region_row *out)
{
	db_col_copy(st, 0, out->code, sizeof(out->code));
	db_col_copy(st, 1, out->parent, sizeof(out->parent));
	db_col_copy(st, 2, out->name, sizeof(out->name));
	db_col_copy(st, 3, out->name_en, sizeof(out->name_en));
	db_col_copy(st, 4, out->level, sizeof(out->level));
	db_col_copy(st, 5, out->path, sizeof(out->path));
}

static const char sql_region_get[] = "SELECT " REGION_COLS " FROM regions WHERE code = ?1";

enum err regions_store_get(struct db *db, const char *code, struct region_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_region_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	region_read(st, out);
	db_done(st);
	return ERR_OK;
}

#define CENTRE_COLS                                                                                \
	"c.code, c.name, c.region_code, r.path, c.latitude IS NOT NULL AND c.longitude IS NOT "    \
	"NULL,"                                                                                    \
	" coalesce(c.latitude, 0), coalesce(c.longitude, 0), c.capacity"

static void centre_read(sqlite3_stmt *st, struct centre_row *out)
{
	db_col_copy(st, 0, out->code, sizeof(out->code));
	db_col_copy(st, 1, out->name, sizeof(out->name));
	db_col_copy(st, 2, out->region, sizeof(out->region));
	db_col_copy(st, 3, out->region_path, sizeof(out->region_path));
	out->has_position = sqlite3_column_int(st, 4);
	out->latitude = sqlite3_column_double(st, 5);
	out->longitude = sqlite3_column_double(st, 6);
	out->capacity = sqlite3_column_int64(st, 7);
}

static const char sql_centre_get[] =
    "SELECT " CENTRE_COLS " FROM centres c JOIN regions r ON r.code = c.region_code"
    " WHERE c.code = ?1";

enum err regions_store_centre_get(struct db *db, const char *code, struct centre_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_centre_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	centre_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_region_insert[] =
    "INSERT INTO regions(code, parent_code, name, name_en, level, path)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err regions_store_insert(struct db *db, const char *code, const char *parent, const char *name,
			      const char *name_en, const char *level)
{
	struct region_row p;
	char path[sizeof(p.path)];
	sqlite3_stmt *st;
	enum err e;
	int n;

	if (!code_ok(code) || !level_ok(level) || !name)
		return ERR_INVALID;
	if (parent && !parent[0])
		parent = NULL;
	if (parent) {
		e = regions_store_get(db, parent, &p);
		if (e != ERR_OK)
			return e == ERR_NOT_FOUND ? ERR_INVALID : e;
		n = snprintf(path, sizeof(path), "%s%s/", p.path, code);
	} else {
		n = snprintf(path, sizeof(path), "/%s/", code);
	}
	if (n < 0 || (size_t)n >= sizeof(path))
		return ERR_INVALID; /* too deep to hold its path */
	st = db_stmt(db, sql_region_insert);
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, parent);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, name_en ? name_en : "");
	db_bind_text(st, 5, level);
	db_bind_text(st, 6, path);
	return db_exec_stmt(db, st);
}

static const char sql_centre_insert[] =
    "INSERT INTO centres(code, name, region_code, latitude, longitude, capacity)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err regions_store_centre_insert(struct db *db, const struct centre_row *c)
{
	struct region_row r;
	sqlite3_stmt *st;
	enum err e;

	if (!code_ok(c->code) || c->capacity < 0)
		return ERR_INVALID;
	e = regions_store_get(db, c->region, &r);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_INVALID : e;
	st = db_stmt(db, sql_centre_insert);
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, c->code);
	db_bind_text(st, 2, c->name);
	db_bind_text(st, 3, c->region);
	if (c->has_position) {
		sqlite3_bind_double(st, 4, c->latitude);
		sqlite3_bind_double(st, 5, c->longitude);
	}
	db_bind_int(st, 6, c->capacity);
	return db_exec_stmt(db, st);
}

static const char sql_region_update[] =
    "UPDATE regions SET name = ?2, name_en = ?3, level = ?4 WHERE code = ?1";

enum err regions_store_update(struct db *db, const struct region_row *r)
{
	sqlite3_stmt *st;

	if (!level_ok(r->level))
		return ERR_INVALID;
	st = db_stmt(db, sql_region_update);
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, r->code);
	db_bind_text(st, 2, r->name);
	db_bind_text(st, 3, r->name_en);
	db_bind_text(st, 4, r->level);
	return db_exec_one(db, st);
}

static const char sql_centre_update[] =
    "UPDATE centres SET name = ?2, region_code = ?3, latitude = ?4, longitude = ?5,"
    " capacity = ?6 WHERE code = ?1";

enum err regions_store_centre_update(struct db *db, const struct centre_row *c)
{
	struct region_row r;
	sqlite3_stmt *st;
	enum err e;

	if (c->capacity < 0)
		return ERR_INVALID;
	e = regions_store_get(db, c->region, &r);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_INVALID : e;
	st = db_stmt(db, sql_centre_update);
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, c->code);
	db_bind_text(st, 2, c->name);
	db_bind_text(st, 3, c->region);
	if (c->has_position) {
		sqlite3_bind_double(st, 4, c->latitude);
		sqlite3_bind_double(st, 5, c->longitude);
	}
	db_bind_int(st, 6, c->capacity);
	return db_exec_one(db, st);
}

static const char sql_region_list[] = "SELECT " REGION_COLS " FROM regions"
				      " WHERE (?1 IS NULL OR path > ?1) ORDER BY path LIMIT ?2";

enum err regions_store_list(struct db *db, const char *after_path, int limit, region_row_fn fn,
			    void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_region_list);
	struct region_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, after_path);
	db_bind_int(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		region_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* The region filter is a prefix match of the centre's region path on the
 * filter's path: the region itself and its whole subtree. */
static const char sql_centre_list[] =
    "SELECT " CENTRE_COLS " FROM centres c JOIN regions r ON r.code = c.region_code"
    " WHERE (?1 IS NULL OR substr(r.path, 1, length(?1)) = ?1)"
    " AND (?2 IS NULL OR c.code > ?2) ORDER BY c.code LIMIT ?3";

enum err regions_store_centre_list(struct db *db, const char *region_path, const char *after_code,
				   int limit, centre_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_centre_list);
	struct centre_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, region_path);
	db_bind_text(st, 2, after_code);
	db_bind_int(st, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		centre_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
