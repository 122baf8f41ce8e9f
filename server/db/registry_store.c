/* SQL for customers, contacts, sites, product lines, models and the user
 * look-ups of the registry. Scope fragments bind ?1..?4 (db_bind_scope). */
#include "db/registry_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

/* Steps a statement that answers at most one row into read(); resets it. */
static enum err step_one(struct db *db, sqlite3_stmt *st, void (*read)(sqlite3_stmt *, void *),
			 void *out)
{
	enum err e = db_step_row(db, st);

	if (e != ERR_OK)
		return e;
	read(st, out);
	db_done(st);
	return ERR_OK;
}

/* NULL for "" so optional references store SQL NULL. */
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

/* LIMIT -1 is "no limit" in SQLite. */
static int64_t sql_limit(int limit)
{
	return limit > 0 ? limit : -1;
}

/* ---- customers ---------------------------------------------------------- */

#define CUSTOMER_COLS                                                                              \
	"c.id, c.code, c.name, c.tier, coalesce(c.region_code, ''),"                               \
	" coalesce(c.sales_owner_id, 0), c.created_at, c.updated_at"

/* Each branch is an indexed probe: the customer's own region by primary
 * key; its sites through sites_customer, each site's region by primary key. */
#define CUSTOMER_SCOPE                                                                             \
	"(?1 = 1 OR (?4 != 0 AND c.sales_owner_id = ?4) OR (?2 IS NOT NULL AND ("                  \
	" EXISTS (SELECT 1 FROM regions r WHERE r.code = c.region_code"                            \
	" AND r.path >= ?2 AND r.path < ?3)"                                                       \
	" OR EXISTS (SELECT 1 FROM sites s JOIN regions r ON r.code = s.region_code"               \
	" WHERE s.customer_id = c.id AND r.path >= ?2 AND r.path < ?3))))"

#define CUSTOMER_FILTERS                                                                           \
	" AND (?7 IS NULL OR c.tier = ?7)"                                                         \
	" AND (?8 IS NULL OR instr(lower(c.code), lower(?8)) > 0 OR instr(c.name, ?8) > 0)"

static const char sql_customer_get[] =
    "SELECT " CUSTOMER_COLS " FROM customers c WHERE c.id = ?5 AND " CUSTOMER_SCOPE;
static const char sql_customer_list[] =
    "SELECT " CUSTOMER_COLS " FROM customers c WHERE c.id > ?5" CUSTOMER_FILTERS
    " AND " CUSTOMER_SCOPE " ORDER BY c.id LIMIT ?9";
/* The code is unique: its index answers the exact match. */
static const char sql_customer_list_code[] =
    "SELECT " CUSTOMER_COLS " FROM customers c WHERE c.code = ?6 AND c.id > ?5" CUSTOMER_FILTERS
    " AND " CUSTOMER_SCOPE " ORDER BY c.id LIMIT ?9";
static const char sql_customer_insert[] =
    "INSERT INTO customers(code, name, tier, region_code, sales_owner_id, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_customer_update[] =
    "UPDATE customers SET code = ?2, name = ?3, tier = ?4, region_code = ?5,"
    " sales_owner_id = ?6, updated_at = ?7 WHERE id = ?1";
static const char sql_contacts_get[] =
    "SELECT name, phone, id_number, title, email FROM customer_contacts WHERE customer_id = ?1"
    " ORDER BY id LIMIT ?2";
static const char sql_contacts_delete[] = "DELETE FROM customer_contacts WHERE customer_id = ?1";
static const char sql_contact_insert[] =
    "INSERT INTO customer_contacts(customer_id, name, phone, id_number, title, email)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static void customer_read(sqlite3_stmt *st, void *arg)
{
	struct customer_row *c = arg;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, c->code, sizeof(c->code));
	db_col_copy(st, 2, c->name, sizeof(c->name));
	db_col_copy(st, 3, c->tier, sizeof(c->tier));
	db_col_copy(st, 4, c->region, sizeof(c->region));
	c->sales_owner_id = sqlite3_column_int64(st, 5);
	c->created_at = sqlite3_column_int64(st, 6);
	c->updated_at = sqlite3_column_int64(st, 7);
}

enum err registry_customer_get(struct db *db, int64_t id, const struct scope *sc,
			       struct customer_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_customer_get);

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, id);
	return step_one(db, st, customer_read, out);
}

enum err registry_customer_list(struct db *db, const struct scope *sc,
				const struct customer_filter *f, int64_t after_id, int limit,
				customer_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, f->code ? sql_customer_list_code : sql_customer_list);
	struct customer_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, after_id);
	db_bind_text(st, 6, f->code);
	db_bind_text(st, 7, f->tier);
	db_bind_text(st, 8, f->q);
	db_bind_int(st, 9, sql_limit(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		customer_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static void customer_bind(sqlite3_stmt *st, int first, const struct customer_row *c)
{
	db_bind_text(st, first, c->code);
	db_bind_text(st, first + 1, c->name);
	db_bind_text(st, first + 2, c->tier);
	db_bind_text(st, first + 3, or_null(c->region));
	bind_id_or_null(st, first + 4, c->sales_owner_id);
}

enum err registry_customer_insert(struct db *db, const struct customer_row *c, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_customer_insert);

	if (!st)
		return ERR_DB;
	customer_bind(st, 1, c);
	db_bind_int(st, 6, c->created_at);
	db_bind_int(st, 7, c->updated_at);
	return db_exec_insert(db, st, id_out);
}

enum err registry_customer_update(struct db *db, const struct customer_row *c)
{
	sqlite3_stmt *st = db_stmt(db, sql_customer_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, c->id);
	customer_bind(st, 2, c);
	db_bind_int(st, 7, c->updated_at);
	return db_exec_one(db, st);
}

enum err registry_contacts_get(struct db *db, int64_t customer_id, struct contact_row *out,
			       size_t max, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, sql_contacts_get);
	int rc;

	*n = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, customer_id);
	db_bind_int(st, 2, (int64_t)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct contact_row *c = &out[(*n)++];

		db_col_copy(st, 0, c->name, sizeof(c->name));
		db_col_copy(st, 1, c->phone, sizeof(c->phone));
		db_col_copy(st, 2, c->id_number, sizeof(c->id_number));
		db_col_copy(st, 3, c->title, sizeof(c->title));
		db_col_copy(st, 4, c->email, sizeof(c->email));
	}
	return db_scan_end(db, st, rc);
}

enum err registry_contacts_replace(struct db *db, int64_t customer_id,
				   const struct contact_row *rows, size_t n)
{
	sqlite3_stmt *st = db_stmt(db, sql_contacts_delete);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, customer_id);
	e = db_exec_stmt(db, st);
	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		st = db_stmt(db, sql_contact_insert);
		if (!st)
			return ERR_DB;
		db_bind_int(st, 1, customer_id);
		db_bind_text(st, 2, rows[i].name);
		db_bind_text(st, 3, rows[i].phone);
		db_bind_text(st, 4, rows[i].id_number);
		db_bind_text(st, 5, rows[i].title);
		db_bind_text(st, 6, rows[i].email);
		e = db_exec_stmt(db, st);
	}
	return e;
}

/* ---- sites --------------------------------------------------------------- */

#define SITE_COLS                                                                                  \
	"s.id, s.customer_id, s.code, s.name, s.address, s.region_code, r.path, s.latitude,"       \
	" s.longitude, s.created_at, s.updated_at"
#define SITE_FROM                                                                                  \
	" FROM sites s JOIN regions r ON r.code = s.region_code"                                   \
	" JOIN customers c ON c.id = s.customer_id"
#define SITE_SCOPE                                                                                 \
	"(?1 = 1 OR (?2 IS NOT NULL AND r.path >= ?2 AND r.path < ?3)"                             \
	" OR (?4 != 0 AND c.sales_owner_id = ?4))"
#define SITE_FILTERS                                                                               \
	" AND (?7 IS NULL OR (r.path >= ?7 AND r.path < ?8))"                                      \
	" AND (?9 IS NULL OR instr(lower(s.code), lower(?9)) > 0 OR instr(s.name, ?9) > 0)"

static const char sql_site_get[] = "SELECT " SITE_COLS SITE_FROM " WHERE s.id = ?5 AND " SITE_SCOPE;
static const char sql_site_list[] = "SELECT " SITE_COLS SITE_FROM " WHERE s.id > ?5" SITE_FILTERS
				    " AND " SITE_SCOPE " ORDER BY s.id LIMIT ?10";
/* A customer's sites through sites_customer. */
static const char sql_site_list_customer[] =
    "SELECT " SITE_COLS SITE_FROM " WHERE s.customer_id = ?6 AND s.id > ?5" SITE_FILTERS
    " AND " SITE_SCOPE " ORDER BY s.id LIMIT ?10";
static const char sql_site_insert[] =
    "INSERT INTO sites(customer_id, code, name, address, region_code, latitude, longitude,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_site_update[] =
    "UPDATE sites SET customer_id = ?2, code = ?3, name = ?4, address = ?5, region_code = ?6,"
    " latitude = ?7, longitude = ?8, updated_at = ?9 WHERE id = ?1";

static void site_read(sqlite3_stmt *st, void *arg)
{
	struct site_row *s = arg;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->customer_id = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, s->code, sizeof(s->code));
	db_col_copy(st, 3, s->name, sizeof(s->name));
	db_col_copy(st, 4, s->address, sizeof(s->address));
	db_col_copy(st, 5, s->region, sizeof(s->region));
	db_col_copy(st, 6, s->region_path, sizeof(s->region_path));
	s->has_position =
	    sqlite3_column_type(st, 7) != SQLITE_NULL && sqlite3_column_type(st, 8) != SQLITE_NULL;
	if (s->has_position) {
		s->latitude = sqlite3_column_double(st, 7);
		s->longitude = sqlite3_column_double(st, 8);
	}
	s->created_at = sqlite3_column_int64(st, 9);
	s->updated_at = sqlite3_column_int64(st, 10);
}

enum err registry_site_get(struct db *db, int64_t id, const struct scope *sc, struct site_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_site_get);

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, id);
	return step_one(db, st, site_read, out);
}

enum err registry_site_list(struct db *db, const struct scope *sc, const struct site_filter *f,
			    int64_t after_id, int limit, site_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, f->customer_id ? sql_site_list_customer : sql_site_list);
	struct site_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, after_id);
	db_bind_int(st, 6, f->customer_id);
	db_bind_text(st, 7, f->region_lo);
	db_bind_text(st, 8, f->region_lo ? f->region_hi : NULL);
	db_bind_text(st, 9, f->q);
	db_bind_int(st, 10, sql_limit(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		site_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static void site_bind(sqlite3_stmt *st, int first, const struct site_row *s)
{
	db_bind_int(st, first, s->customer_id);
	db_bind_text(st, first + 1, s->code);
	db_bind_text(st, first + 2, s->name);
	db_bind_text(st, first + 3, s->address);
	db_bind_text(st, first + 4, s->region);
	if (s->has_position) {
		sqlite3_bind_double(st, first + 5, s->latitude);
		sqlite3_bind_double(st, first + 6, s->longitude);
	} else {
		sqlite3_bind_null(st, first + 5);
		sqlite3_bind_null(st, first + 6);
	}
}

enum err registry_site_insert(struct db *db, const struct site_row *s, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_site_insert);

	if (!st)
		return ERR_DB;
	site_bind(st, 1, s);
	db_bind_int(st, 8, s->created_at);
	db_bind_int(st, 9, s->updated_at);
	return db_exec_insert(db, st, id_out);
}

enum err registry_site_update(struct db *db, const struct site_row *s)
{
	sqlite3_stmt *st = db_stmt(db, sql_site_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, s->id);
	site_bind(st, 2, s);
	db_bind_int(st, 9, s->updated_at);
	return db_exec_one(db, st);
}

/* ---- product lines ------------------------------------------------------- */

static const char sql_line_get[] = "SELECT code, name, name_en FROM product_lines WHERE code = ?1";
static const char sql_line_list[] =
    "SELECT code, name, name_en FROM product_lines WHERE code > ?1 ORDER BY code LIMIT ?2";
static const char sql_line_insert[] =
    "INSERT INTO product_lines(code, name, name_en) VALUES (?1, ?2, ?3)";

static void line_read(sqlite3_stmt *st, void *arg)
{
	struct product_line_row *p = arg;

	db_col_copy(st, 0, p->code, sizeof(p->code));
	db_col_copy(st, 1, p->name, sizeof(p->name));
	db_col_copy(st, 2, p->name_en, sizeof(p->name_en));
}

enum err registry_product_line_get(struct db *db, const char *code, struct product_line_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_line_get);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, code);
	return step_one(db, st, line_read, out);
}

enum err registry_product_line_list(struct db *db, const char *after_code, int limit,
				    product_line_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_line_list);
	struct product_line_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, after_code ? after_code : "");
	db_bind_int(st, 2, sql_limit(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		line_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

enum err registry_product_line_insert(struct db *db, const struct product_line_row *p)
{
	sqlite3_stmt *st = db_stmt(db, sql_line_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, p->code);
	db_bind_text(st, 2, p->name);
	db_bind_text(st, 3, p->name_en);
	return db_exec_stmt(db, st);
}

/* ---- models -------------------------------------------------------------- */

#define MODEL_COLS                                                                                 \
	"id, code, name, product_line, design_revision, specs, documents, coalesce(gtin, ''),"     \
	" created_at, updated_at"

static const char sql_model_get[] = "SELECT " MODEL_COLS " FROM models WHERE id = ?1";
static const char sql_model_get_code[] = "SELECT " MODEL_COLS " FROM models WHERE code = ?1";
static const char sql_model_list[] =
    "SELECT " MODEL_COLS " FROM models WHERE id > ?1 AND (?2 IS NULL OR product_line = ?2)"
    " AND (?3 IS NULL OR instr(lower(code), lower(?3)) > 0 OR instr(name, ?3) > 0)"
    " ORDER BY id LIMIT ?4";
static const char sql_model_insert[] =
    "INSERT INTO models(code, name, product_line, design_revision, specs, documents, gtin,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_model_update[] =
    "UPDATE models SET code = ?2, name = ?3, product_line = ?4, design_revision = ?5,"
    " specs = ?6, documents = ?7, gtin = ?8, updated_at = ?9 WHERE id = ?1";

static void model_read(sqlite3_stmt *st, void *arg)
{
	struct model_row *m = arg;

	m->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, m->code, sizeof(m->code));
	db_col_copy(st, 2, m->name, sizeof(m->name));
	db_col_copy(st, 3, m->product_line, sizeof(m->product_line));
	db_col_copy(st, 4, m->design_revision, sizeof(m->design_revision));
	db_col_copy(st, 5, m->specs, sizeof(m->specs));
	db_col_copy(st, 6, m->documents, sizeof(m->documents));
	db_col_copy(st, 7, m->gtin, sizeof(m->gtin));
	m->created_at = sqlite3_column_int64(st, 8);
	m->updated_at = sqlite3_column_int64(st, 9);
}

enum err registry_model_get(struct db *db, int64_t id, const char *code, struct model_row *out)
{
	sqlite3_stmt *st = db_stmt(db, code ? sql_model_get_code : sql_model_get);

	if (!st)
		return ERR_DB;
	if (code)
		db_bind_text(st, 1, code);
	else
		db_bind_int(st, 1, id);
	return step_one(db, st, model_read, out);
}

enum err registry_model_list(struct db *db, const struct model_filter *f, int64_t after_id,
			     int limit, model_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_model_list);
	struct model_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, after_id);
	db_bind_text(st, 2, f->product_line);
	db_bind_text(st, 3, f->q);
	db_bind_int(st, 4, sql_limit(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		model_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static void model_bind(sqlite3_stmt *st, int first, const struct model_row *m)
{
	db_bind_text(st, first, m->code);
	db_bind_text(st, first + 1, m->name);
	db_bind_text(st, first + 2, m->product_line);
	db_bind_text(st, first + 3, m->design_revision);
	db_bind_text(st, first + 4, m->specs[0] ? m->specs : "{}");
	db_bind_text(st, first + 5, m->documents[0] ? m->documents : "[]");
	db_bind_text(st, first + 6, or_null(m->gtin));
}

enum err registry_model_insert(struct db *db, const struct model_row *m, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_model_insert);

	if (!st)
		return ERR_DB;
	model_bind(st, 1, m);
	db_bind_int(st, 8, m->created_at);
	db_bind_int(st, 9, m->updated_at);
	return db_exec_insert(db, st, id_out);
}

enum err registry_model_update(struct db *db, const struct model_row *m)
{
	sqlite3_stmt *st = db_stmt(db, sql_model_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, m->id);
	model_bind(st, 2, m);
	db_bind_int(st, 9, m->updated_at);
	return db_exec_one(db, st);
}

/* ---- users --------------------------------------------------------------- */

static const char sql_user_get[] = "SELECT id, username, role, disabled FROM users WHERE id = ?1";
static const char sql_user_by_name[] =
    "SELECT id, username, role, disabled FROM users WHERE username = ?1";

static void user_read(sqlite3_stmt *st, void *arg)
{
	struct registry_user *u = arg;

	u->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, u->username, sizeof(u->username));
	db_col_copy(st, 2, u->role, sizeof(u->role));
	u->disabled = sqlite3_column_int(st, 3);
}

enum err registry_user_get(struct db *db, int64_t id, struct registry_user *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_get);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	return step_one(db, st, user_read, out);
}

enum err registry_user_by_name(struct db *db, const char *username, struct registry_user *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_by_name);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, username);
	return step_one(db, st, user_read, out);
}
