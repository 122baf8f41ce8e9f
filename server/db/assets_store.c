/* SQL for assets, their components and their timeline. Scope fragments
 * bind ?1..?4 (db_bind_scope) over assets.region_path / sales_owner_id. */
#include "db/assets_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

static void bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id)
		db_bind_int(st, idx, id);
	else
		sqlite3_bind_null(st, idx);
}

/* The caller's scope, and published (not a unit of an import still being
 * written): every read of units by a caller goes through it. */
#define ASSET_SCOPE                                                                                \
	"((?1 = 1 OR (?2 IS NOT NULL AND a.region_path >= ?2 AND a.region_path < ?3)"              \
	" OR (?4 != 0 AND a.sales_owner_id = ?4)) AND" ASSET_PUBLISHED("a") ")"

/* ---- one asset ----------------------------------------------------------- */

#define ASSET_COLS                                                                                 \
	"a.id, a.serial, a.model_id, m.code, m.name, a.design_revision, a.plant, a.line,"          \
	" a.batch, coalesce(a.production_date, ''), a.factory_tests, coalesce(a.site_id, 0),"      \
	" coalesce(a.customer_id, 0), a.region_path, coalesce(a.installed_at, ''),"                \
	" coalesce(a.commissioned_at, ''), coalesce(a.accepted_at, ''),"                           \
	" coalesce(a.warranty_start, ''), a.warranty_months, coalesce(a.warranty_end, ''),"        \
	" coalesce(a.sales_owner_id, 0), a.version, a.created_at, a.updated_at"

static const char sql_asset_get[] =
    "SELECT " ASSET_COLS " FROM assets a JOIN models m ON m.id = a.model_id"
    " WHERE a.id = ?5 AND " ASSET_SCOPE;
static const char sql_asset_insert[] =
    "INSERT INTO assets(serial, model_id, design_revision, plant, line, batch,"
    " production_date, factory_tests, site_id, customer_id, region_path, installed_at,"
    " commissioned_at, accepted_at, warranty_start, warranty_months, warranty_end,"
    " sales_owner_id, version, created_at, updated_at, import_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, 1, ?19, ?20, ?21)";
static const char sql_asset_update[] =
    "UPDATE assets SET design_revision = ?3, plant = ?4, line = ?5, batch = ?6,"
    " production_date = ?7, factory_tests = ?8, site_id = ?9, customer_id = ?10,"
    " region_path = ?11, installed_at = ?12, commissioned_at = ?13, accepted_at = ?14,"
    " warranty_start = ?15, warranty_months = ?16, warranty_end = ?17, sales_owner_id = ?18,"
    " version = version + 1, updated_at = ?19 WHERE id = ?1 AND version = ?2";
static const char sql_asset_touch[] =
    "UPDATE assets SET version = version + 1, updated_at = ?2 WHERE id = ?1";
static const char sql_asset_site_moved[] =
    "UPDATE assets SET customer_id = ?2, region_path = ?3, version = version + 1,"
    " updated_at = ?4 WHERE site_id = ?1";

static void asset_read(sqlite3_stmt *st, struct asset_row *a)
{
	a->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, a->serial, sizeof(a->serial));
	a->model_id = sqlite3_column_int64(st, 2);
	db_col_copy(st, 3, a->model_code, sizeof(a->model_code));
	db_col_copy(st, 4, a->model_name, sizeof(a->model_name));
	db_col_copy(st, 5, a->design_revision, sizeof(a->design_revision));
	db_col_copy(st, 6, a->plant, sizeof(a->plant));
	db_col_copy(st, 7, a->line, sizeof(a->line));
	db_col_copy(st, 8, a->batch, sizeof(a->batch));
	db_col_copy(st, 9, a->production_date, sizeof(a->production_date));
	db_col_copy(st, 10, a->factory_tests, sizeof(a->factory_tests));
	a->site_id = sqlite3_column_int64(st, 11);
	a->customer_id = sqlite3_column_int64(st, 12);
	db_col_copy(st, 13, a->region_path, sizeof(a->region_path));
	db_col_copy(st, 14, a->installed_at, sizeof(a->installed_at));
	db_col_copy(st, 15, a->commissioned_at, sizeof(a->commissioned_at));
	db_col_copy(st, 16, a->accepted_at, sizeof(a->accepted_at));
	db_col_copy(st, 17, a->warranty_start, sizeof(a->warranty_start));
	a->warranty_months = sqlite3_column_int64(st, 18);
	db_col_copy(st, 19, a->warranty_end, sizeof(a->warranty_end));
	a->sales_owner_id = sqlite3_column_int64(st, 20);
	a->version = sqlite3_column_int64(st, 21);
	a->created_at = sqlite3_column_int64(st, 22);
	a->updated_at = sqlite3_column_int64(st, 23);
}

enum err assets_store_get(struct db *db, int64_t id, const struct scope *sc, struct asset_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	asset_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_asset_in_scope[] = "SELECT 1 FROM assets a WHERE a.id = ?5 AND " ASSET_SCOPE;

enum err assets_store_in_scope(struct db *db, int64_t id, const struct scope *sc)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_in_scope);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, id);
	e = db_step_row(db, st);
	if (e == ERR_OK)
		db_done(st);
	return e;
}

/* ---- trace snapshots (migrations/0015) ----------------------------------- */

/* The scope is checked in the same statement: one probe per scan. */
static const char sql_snapshot_get[] =
    "SELECT s.body, s.warranty_end, s.label_key_id, s.label_generation"
    " FROM assets a JOIN trace_snapshots s ON s.asset_id = a.id"
    " WHERE a.id = ?5 AND " ASSET_SCOPE
    " AND s.format = ?6 AND s.epoch = (SELECT value FROM counters WHERE name = 'trace_epoch')";
static const char sql_snapshot_put[] =
    "INSERT OR REPLACE INTO trace_snapshots(asset_id, epoch, body, warranty_end, label_key_id,"
    " label_generation, format) SELECT ?1, value, ?2, ?3, ?4, ?5, ?6 FROM counters"
    " WHERE name = 'trace_epoch'";

enum err assets_store_snapshot_begin(struct db *db, int64_t asset_id, const struct scope *sc,
				     int64_t format, struct trace_snapshot *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_snapshot_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, asset_id);
	db_bind_int(st, 6, format);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->stmt = st;
	out->body = sqlite3_column_blob(st, 0);
	out->body_len = (size_t)sqlite3_column_bytes(st, 0);
	out->warranty_end = db_col_text(st, 1);
	out->label_key_id = sqlite3_column_int64(st, 2);
	out->label_generation = sqlite3_column_int64(st, 3);
	return ERR_OK;
}

void assets_store_snapshot_end(struct trace_snapshot *s)
{
	db_done(s->stmt);
	s->stmt = NULL;
}

enum err assets_store_snapshot_put(struct db *db, int64_t asset_id, int64_t format,
				   const struct trace_snapshot *s)
{
	sqlite3_stmt *st = db_stmt(db, sql_snapshot_put);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	sqlite3_bind_blob(st, 2, s->body, (int)s->body_len, SQLITE_STATIC);
	db_bind_text(st, 3, s->warranty_end);
	db_bind_int(st, 4, s->label_key_id);
	db_bind_int(st, 5, s->label_generation);
	db_bind_int(st, 6, format);
	return db_exec_one(db, st);
}

/* The trace's joined read. The newest label is found by max(generation)
 * on its primary key; the asset's site, customer and owner by theirs. */
static const char sql_asset_trace[] =
    "SELECT a.id, a.serial, a.design_revision, a.plant, a.line, a.batch,"
    " coalesce(a.production_date, ''), a.factory_tests, coalesce(a.installed_at, ''),"
    " coalesce(a.commissioned_at, ''), coalesce(a.accepted_at, ''),"
    " coalesce(a.warranty_start, ''), a.warranty_months, coalesce(a.warranty_end, ''),"
    " a.version, a.updated_at,"
    " m.id, m.code, m.name, m.product_line, coalesce(m.gtin, ''), m.specs, m.documents,"
    " coalesce(s.id, 0), s.code, s.name, s.address, s.region_code, s.latitude, s.longitude,"
    " coalesce(c.id, 0), c.code, c.name, c.tier, coalesce(c.region_code, ''),"
    " coalesce(c.sales_owner_id, 0), c.created_at, c.updated_at,"
    " coalesce(u.id, 0), u.username,"
    " coalesce(l.generation, 0), l.key_id, l.revoked_at IS NOT NULL"
    " FROM assets a JOIN models m ON m.id = a.model_id"
    " LEFT JOIN sites s ON s.id = a.site_id"
    " LEFT JOIN customers c ON c.id = a.customer_id"
    " LEFT JOIN users u ON u.id = a.sales_owner_id"
    " LEFT JOIN labels l ON l.asset_id = a.id"
    " AND l.generation = (SELECT max(generation) FROM labels WHERE asset_id = a.id)"
    " WHERE a.id = ?5 AND " ASSET_SCOPE;

enum err assets_store_trace_begin(struct db *db, int64_t id, const struct scope *sc,
				  struct asset_trace_row *t)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_trace);
	struct customer_row *c = &t->customer;
	enum err e;

	memset(t, 0, sizeof(*t));
	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	t->stmt = st;
	t->id = sqlite3_column_int64(st, 0);
	t->serial = db_col_text(st, 1);
	t->design_revision = db_col_text(st, 2);
	t->plant = db_col_text(st, 3);
	t->line = db_col_text(st, 4);
	t->batch = db_col_text(st, 5);
	t->production_date = db_col_text(st, 6);
	t->factory_tests = db_col_text(st, 7);
	t->factory_tests_len = (size_t)sqlite3_column_bytes(st, 7);
	t->installed_at = db_col_text(st, 8);
	t->commissioned_at = db_col_text(st, 9);
	t->accepted_at = db_col_text(st, 10);
	t->warranty_start = db_col_text(st, 11);
	t->warranty_months = sqlite3_column_int64(st, 12);
	t->warranty_end = db_col_text(st, 13);
	t->version = sqlite3_column_int64(st, 14);
	t->updated_at = sqlite3_column_int64(st, 15);

	t->model_id = sqlite3_column_int64(st, 16);
	t->model_code = db_col_text(st, 17);
	t->model_name = db_col_text(st, 18);
	t->product_line = db_col_text(st, 19);
	t->gtin = db_col_text(st, 20);
	t->specs = db_col_text(st, 21);
	t->specs_len = (size_t)sqlite3_column_bytes(st, 21);
	t->documents = db_col_text(st, 22);
	t->documents_len = (size_t)sqlite3_column_bytes(st, 22);

	t->site_id = sqlite3_column_int64(st, 23);
	t->site_code = db_col_text(st, 24);
	t->site_name = db_col_text(st, 25);
	t->site_address = db_col_text(st, 26);
	t->site_region = db_col_text(st, 27);
	t->site_has_position = sqlite3_column_type(st, 28) != SQLITE_NULL &&
			       sqlite3_column_type(st, 29) != SQLITE_NULL;
	if (t->site_has_position) {
		t->latitude = sqlite3_column_double(st, 28);
		t->longitude = sqlite3_column_double(st, 29);
	}

	c->id = sqlite3_column_int64(st, 30);
	db_col_copy(st, 31, c->code, sizeof(c->code));
	db_col_copy(st, 32, c->name, sizeof(c->name));
	db_col_copy(st, 33, c->tier, sizeof(c->tier));
	db_col_copy(st, 34, c->region, sizeof(c->region));
	c->sales_owner_id = sqlite3_column_int64(st, 35);
	c->created_at = sqlite3_column_int64(st, 36);
	c->updated_at = sqlite3_column_int64(st, 37);

	t->owner_id = sqlite3_column_int64(st, 38);
	t->owner_username = db_col_text(st, 39);

	if (!sqlite3_column_int(st, 42)) {
		t->label_generation = sqlite3_column_int64(st, 40);
		t->label_key_id = sqlite3_column_int64(st, 41);
	}
	return ERR_OK;
}

void assets_store_trace_end(struct asset_trace_row *t)
{
	db_done(t->stmt);
	t->stmt = NULL;
}

/* Binds the facts shared by insert and update, from ?first on: design
 * revision .. sales owner (16 values). */
static void asset_bind_facts(sqlite3_stmt *st, int first, const struct asset_row *a)
{
	db_bind_text(st, first, a->design_revision);
	db_bind_text(st, first + 1, a->plant);
	db_bind_text(st, first + 2, a->line);
	db_bind_text(st, first + 3, a->batch);
	db_bind_text(st, first + 4, or_null(a->production_date));
	db_bind_text(st, first + 5, a->factory_tests[0] ? a->factory_tests : "[]");
	bind_id_or_null(st, first + 6, a->site_id);
	bind_id_or_null(st, first + 7, a->customer_id);
	db_bind_text(st, first + 8, a->region_path);
	db_bind_text(st, first + 9, or_null(a->installed_at));
	db_bind_text(st, first + 10, or_null(a->commissioned_at));
	db_bind_text(st, first + 11, or_null(a->accepted_at));
	db_bind_text(st, first + 12, or_null(a->warranty_start));
	db_bind_int(st, first + 13, a->warranty_months);
	db_bind_text(st, first + 14, or_null(a->warranty_end));
	bind_id_or_null(st, first + 15, a->sales_owner_id);
}

enum err assets_store_insert_pending(struct db *db, const struct asset_row *a, int64_t import_id,
				     int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, a->serial);
	db_bind_int(st, 2, a->model_id);
	asset_bind_facts(st, 3, a);
	db_bind_int(st, 19, a->created_at);
	db_bind_int(st, 20, a->updated_at);
	bind_id_or_null(st, 21, import_id);
	return db_exec_insert(db, st, id_out);
}

enum err assets_store_insert(struct db *db, const struct asset_row *a, int64_t *id_out)
{
	return assets_store_insert_pending(db, a, 0, id_out);
}

enum err assets_store_update(struct db *db, const struct asset_row *a)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_update);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, a->id);
	db_bind_int(st, 2, a->version);
	asset_bind_facts(st, 3, a);
	db_bind_int(st, 19, a->updated_at);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK && sqlite3_changes(db_handle(db)) != 1)
		e = ERR_CONFLICT;
	return e;
}

enum err assets_store_touch(struct db *db, int64_t asset_id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_touch);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, now);
	return db_exec_one(db, st);
}

enum err assets_store_site_moved(struct db *db, int64_t site_id, int64_t customer_id,
				 const char *region_path, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_site_moved);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, site_id);
	db_bind_int(st, 2, customer_id);
	db_bind_text(st, 3, region_path);
	db_bind_int(st, 4, now);
	return db_exec_stmt(db, st);
}

/* ---- listing ------------------------------------------------------------- */

/* ?5 serial, ?6 site, ?7 customer, ?8 model, ?9 batch, ?10..?11 region
 * range, ?12 after id, ?13 after region path, ?14 limit, ?15..?16 serial
 * prefix range. */
#define LIST_COLS                                                                                  \
	"SELECT a.id, a.serial, m.code, m.name, a.batch, coalesce(a.production_date, ''),"         \
	" coalesce(a.site_id, 0), coalesce(a.customer_id, 0), a.region_path,"                      \
	" coalesce(a.warranty_end, ''), coalesce(a.sales_owner_id, 0), a.version, a.updated_at"    \
	" FROM assets a JOIN models m ON m.id = a.model_id"
#define LIST_FILTERS                                                                               \
	" AND (?5 IS NULL OR a.serial = ?5) AND (?6 IS NULL OR a.site_id = ?6)"                    \
	" AND (?7 IS NULL OR a.customer_id = ?7) AND (?8 IS NULL OR a.model_id = ?8)"              \
	" AND (?9 IS NULL OR a.batch = ?9)"                                                        \
	" AND (?15 IS NULL OR (a.serial >= ?15 AND a.serial < ?16))"                               \
	" AND (?10 IS NULL OR (a.region_path >= ?10 AND a.region_path < ?11))"                     \
	" AND " ASSET_SCOPE
#define LIST_BY_ID " ORDER BY a.id LIMIT ?14"

/* One statement per driving index; the optional filters above are
 * checked on the rows the driving index yields. */
static const char sql_list_serial[] =
    LIST_COLS " WHERE a.serial = ?5 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
/* A prefix is a range on the serial's unique index: [prefix, prefix 0xFF),
 * 0xFF being a byte no UTF-8 text holds (LIKE would need escapes for % and
 * _ and case_sensitive_like before SQLite used the index for it). */
static const char sql_list_serial_prefix[] =
    LIST_COLS " WHERE a.serial >= ?15 AND a.serial < ?16 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
static const char sql_list_site[] =
    LIST_COLS " WHERE a.site_id = ?6 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
static const char sql_list_customer[] =
    LIST_COLS " WHERE a.customer_id = ?7 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
static const char sql_list_batch[] =
    LIST_COLS " WHERE a.batch = ?9 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
static const char sql_list_model[] =
    LIST_COLS " WHERE a.model_id = ?8 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
static const char sql_list_owner[] =
    LIST_COLS " WHERE a.sales_owner_id = ?4 AND a.id > ?12" LIST_FILTERS LIST_BY_ID;
/* Walks assets_region(region_path, id) in index order from the cursor:
 * the rest of the cursor's path, then the paths after it up to the range's
 * end, merged in order. (A row-value seek "(region_path, id) > (?, ?)" is
 * only used on its first column here, which rescans the cursor's whole
 * path on every page; the two arms each seek exactly.) INDEXED BY keeps
 * the plan whatever statistics say. */
#define LIST_COLS_REGION                                                                           \
	"SELECT a.id, a.serial, m.code, m.name, a.batch, coalesce(a.production_date, ''),"         \
	" coalesce(a.site_id, 0), coalesce(a.customer_id, 0), a.region_path,"                      \
	" coalesce(a.warranty_end, ''), coalesce(a.sales_owner_id, 0), a.version, a.updated_at"    \
	" FROM assets a INDEXED BY assets_region JOIN models m ON m.id = a.model_id"
static const char sql_list_region[] = LIST_COLS_REGION
    " WHERE a.region_path = ?13 AND a.id > ?12" LIST_FILTERS " UNION ALL " LIST_COLS_REGION
    " WHERE a.region_path > ?13 AND a.region_path < ?11" LIST_FILTERS " ORDER BY 9, 1 LIMIT ?14";
static const char sql_list_all[] = LIST_COLS " WHERE a.id > ?12" LIST_FILTERS LIST_BY_ID;

enum err assets_store_serial_prefix_plan(struct db *db, char *out, size_t size)
{
	char sql[sizeof(sql_list_serial_prefix) + 32];
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc;

	/* EXPLAIN text is built from the static statement: no input in it. */
	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", sql_list_serial_prefix);
	rc = sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_err(db, rc);
	out[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n + 1 < size)
		n += (size_t)snprintf(out + n, size - n, "%s\n", db_col_text(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

static void summary_read(sqlite3_stmt *st, struct asset_summary *s)
{
	s->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, s->serial, sizeof(s->serial));
	db_col_copy(st, 2, s->model_code, sizeof(s->model_code));
	db_col_copy(st, 3, s->model_name, sizeof(s->model_name));
	db_col_copy(st, 4, s->batch, sizeof(s->batch));
	db_col_copy(st, 5, s->production_date, sizeof(s->production_date));
	s->site_id = sqlite3_column_int64(st, 6);
	s->customer_id = sqlite3_column_int64(st, 7);
	db_col_copy(st, 8, s->region_path, sizeof(s->region_path));
	db_col_copy(st, 9, s->warranty_end, sizeof(s->warranty_end));
	s->sales_owner_id = sqlite3_column_int64(st, 10);
	s->version = sqlite3_column_int64(st, 11);
	s->updated_at = sqlite3_column_int64(st, 12);
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum err assets_store_list(struct db *db, const struct scope *sc, const struct asset_filter *f,
			   const struct asset_pos *pos, int limit, asset_summary_fn fn, void *ctx)
{
	const char *lo = f->region_lo, *hi = f->region_hi, *sql;
	char prefix_end[ASSET_SERIAL_SIZE + 1];
	struct asset_summary row;
	sqlite3_stmt *st;
	int rc;

	if (f->serial_prefix) {
		if (strlen(f->serial_prefix) >= ASSET_SERIAL_SIZE)
			return ERR_INVALID;
		snprintf(prefix_end, sizeof(prefix_end), "%s\xff", f->serial_prefix);
	}
	/* A region-scoped caller (no sales ownership) reads through the region
	 * index: the range is the filter's subtree within the caller's, or the
	 * caller's within the filter's; disjoint subtrees hold nothing. */
	if (!sc->all && !sc->owner_id) {
		if (!sc->region_lo[0])
			return ERR_OK; /* sees nothing */
		if (!lo || has_prefix(sc->region_lo, lo)) {
			lo = sc->region_lo;
			hi = sc->region_hi;
		} else if (!has_prefix(lo, sc->region_lo)) {
			return ERR_OK;
		}
	}
	if (f->serial)
		sql = sql_list_serial;
	else if (f->site_id)
		sql = sql_list_site;
	else if (f->customer_id)
		sql = sql_list_customer;
	else if (f->serial_prefix)
		sql = sql_list_serial_prefix;
	else if (f->batch)
		sql = sql_list_batch;
	else if (f->model_id)
		sql = sql_list_model;
	else if (!sc->all && sc->owner_id)
		sql = sql_list_owner;
	else if (lo)
		sql = sql_list_region;
	else
		sql = sql_list_all;
	st = db_stmt(db, sql);
	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_text(st, 5, f->serial);
	bind_id_or_null(st, 6, f->site_id);
	bind_id_or_null(st, 7, f->customer_id);
	bind_id_or_null(st, 8, f->model_id);
	db_bind_text(st, 9, f->batch);
	db_bind_text(st, 10, lo);
	db_bind_text(st, 11, lo ? hi : NULL);
	if (sql == sql_list_region) {
		/* Resume inside the range: a cursor before it starts at its
		 * beginning, one past it finds nothing. */
		if (pos && strcmp(pos->after_path, lo) >= 0) {
			db_bind_int(st, 12, pos->after_id);
			db_bind_text(st, 13, pos->after_path);
		} else {
			db_bind_int(st, 12, 0);
			db_bind_text(st, 13, lo);
		}
	} else {
		db_bind_int(st, 12, pos ? pos->after_id : 0);
	}
	db_bind_int(st, 14, limit > 0 ? limit : -1);
	db_bind_text(st, 15, f->serial_prefix);
	db_bind_text(st, 16, f->serial_prefix ? prefix_end : NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		summary_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- components ---------------------------------------------------------- */

static const char sql_component_insert[] =
    "INSERT INTO asset_components(asset_id, part_number, component_serial, supplier, lot,"
    " installed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_components[] =
    "SELECT id, part_number, component_serial, supplier, lot, installed_at,"
    " coalesce(removed_at, 0) FROM asset_components WHERE asset_id = ?1 ORDER BY id";

enum err assets_store_component_insert(struct db *db, int64_t asset_id,
				       const struct component_row *c)
{
	sqlite3_stmt *st = db_stmt(db, sql_component_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_text(st, 2, c->part_number);
	db_bind_text(st, 3, c->component_serial);
	db_bind_text(st, 4, c->supplier);
	db_bind_text(st, 5, c->lot);
	db_bind_int(st, 6, c->installed_at);
	return db_exec_stmt(db, st);
}

enum err assets_store_components(struct db *db, int64_t asset_id, component_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_components);
	struct component_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, row.part_number, sizeof(row.part_number));
		db_col_copy(st, 2, row.component_serial, sizeof(row.component_serial));
		db_col_copy(st, 3, row.supplier, sizeof(row.supplier));
		db_col_copy(st, 4, row.lot, sizeof(row.lot));
		row.installed_at = sqlite3_column_int64(st, 5);
		row.removed_at = sqlite3_column_int64(st, 6);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- timeline ------------------------------------------------------------ */

static const char sql_event_next_id[] =
    "UPDATE counters SET value = value + 1 WHERE name = 'asset_event' RETURNING value";
static const char sql_event_insert[] =
    "INSERT INTO asset_events(asset_id, at, id, kind, summary, detail, actor_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/* Both read the clustered primary key (asset_id, at, id) backwards. A NULL
 * actor_id (no actor) reads as 0 through sqlite3_column_int64. */
static const char sql_events_first[] =
    "SELECT at, id, kind, summary, detail, actor_id FROM asset_events"
    " WHERE asset_id = ?1 ORDER BY at DESC, id DESC LIMIT ?4";
static const char sql_events_before[] =
    "SELECT at, id, kind, summary, detail, actor_id FROM asset_events"
    " WHERE asset_id = ?1 AND (at, id) < (?2, ?3) ORDER BY at DESC, id DESC LIMIT ?4";

static const char *const event_kinds[] = {
	"production",    "test",       "shipment",         "installation",
	"commissioning", "acceptance", "service",          "part_replacement",
	"firmware",      "inspection", "warranty_renewal", "label",
	"assist",
};

static int event_kind_ok(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(event_kinds) / sizeof(event_kinds[0]); i++)
		if (strcmp(kind, event_kinds[i]) == 0)
			return 1;
	return 0;
}

enum err assets_store_event_insert(struct db *db, int64_t asset_id, int64_t at, const char *kind,
				   const char *summary, const char *detail, int64_t actor_id)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	enum err e = ERR_OK;
	int rc;

	if (!event_kind_ok(kind) || !summary)
		return ERR_INVALID;
	st = db_stmt(db, sql_event_next_id);
	if (!st)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		e = rc == SQLITE_DONE ? ERR_DB : db_err(db, rc); /* the counter row is missing */
	db_done(st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_event_insert);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, at);
	db_bind_int(st, 3, id);
	db_bind_text(st, 4, kind);
	db_bind_text(st, 5, summary);
	db_bind_text(st, 6, detail ? detail : "{}");
	bind_id_or_null(st, 7, actor_id);
	return db_exec_stmt(db, st);
}

enum err assets_store_events(struct db *db, int64_t asset_id, int has_before, int64_t before_at,
			     int64_t before_id, int limit, asset_event_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, has_before ? sql_events_before : sql_events_first);
	struct asset_event ev;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	if (has_before) {
		db_bind_int(st, 2, before_at);
		db_bind_int(st, 3, before_id);
	}
	db_bind_int(st, 4, limit > 0 ? limit : -1);
	ev.asset_id = asset_id;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev.at = sqlite3_column_int64(st, 0);
		ev.id = sqlite3_column_int64(st, 1);
		ev.kind = db_col_text(st, 2);
		ev.summary = db_col_text(st, 3);
		ev.detail = db_col_text(st, 4);
		ev.actor_id = sqlite3_column_int64(st, 5);
		if (fn(&ev, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- look-ups for the identity module ------------------------------------ */

static const char sql_public[] =
    "SELECT a.id, a.serial, m.code, m.name, m.product_line, coalesce(m.gtin, ''), a.updated_at,"
    " p.name, p.name_en"
    " FROM assets a JOIN models m ON m.id = a.model_id"
    " JOIN product_lines p ON p.code = m.product_line WHERE a.id = ?1 AND" ASSET_PUBLISHED("a");
static const char sql_by_gtin_serial[] =
    "SELECT a.id FROM assets a JOIN models m ON m.id = a.model_id"
    " WHERE a.serial = ?2 AND m.gtin = ?1 AND" ASSET_PUBLISHED("a");

enum err assets_store_public(struct db *db, int64_t asset_id, struct asset_public *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_public);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, out->serial, sizeof(out->serial));
		db_col_copy(st, 2, out->model_code, sizeof(out->model_code));
		db_col_copy(st, 3, out->model_name, sizeof(out->model_name));
		db_col_copy(st, 4, out->product_line, sizeof(out->product_line));
		db_col_copy(st, 5, out->gtin, sizeof(out->gtin));
		out->updated_at = sqlite3_column_int64(st, 6);
		db_col_copy(st, 7, out->product_line_name, sizeof(out->product_line_name));
		db_col_copy(st, 8, out->product_line_name_en, sizeof(out->product_line_name_en));
		db_done(st);
	}
	return e;
}

enum err assets_store_by_gtin_serial(struct db *db, const char *gtin14, const char *serial,
				     int64_t *asset_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_by_gtin_serial);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, gtin14);
	db_bind_text(st, 2, serial);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		*asset_id = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	return e;
}
