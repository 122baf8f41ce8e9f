#include "db/qr_store.h"

#include <stdio.h>
#include <string.h>

#include "db/assets_store.h"
#include "db/db.h"

/* Runs a statement that returns no rows; always resets it. */
static enum err step_done(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	db_done(st);
	return rc == SQLITE_DONE ? ERR_OK : db_err(db, rc);
}

static const char sql_keys_scan[] = "SELECT key_id, secret, active FROM qr_keys ORDER BY key_id";

enum err qr_store_keys_scan(struct db *db, qr_store_key_cb cb, void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_keys_scan);
	enum err e = ERR_OK;
	int rc;

	if (!st)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *secret = sqlite3_column_blob(st, 1);

		if (!secret || sqlite3_column_bytes(st, 1) != QR_SECRET_LEN) {
			e = ERR_DB; /* the schema's CHECK makes this impossible */
			break;
		}
		if (cb(sqlite3_column_int64(st, 0), secret, sqlite3_column_int(st, 2), arg))
			break;
	}
	if (e == ERR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_err(db, rc);
	db_done(st);
	return e;
}

static const char sql_key_max[] = "SELECT coalesce(max(key_id), 0) FROM qr_keys";

enum err qr_store_key_max(struct db *db, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_key_max);
	enum err e = ERR_OK;
	int rc;

	if (!st)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		e = db_err(db, rc);
	db_done(st);
	return e;
}

static const char sql_keys_deactivate[] = "UPDATE qr_keys SET active = 0 WHERE active = 1";
static const char sql_key_insert[] =
    "INSERT INTO qr_keys(key_id, secret, created_at, active) VALUES (?1, ?2, ?3, 1)";

enum err qr_store_key_activate_new(struct db *db, int64_t key_id,
				   const unsigned char secret[QR_SECRET_LEN], int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_keys_deactivate);
	enum err e;

	if (!st)
		return ERR_DB;
	e = step_done(db, st);
	if (e != ERR_OK)
		return e;
	st = db_stmt(db, sql_key_insert);
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, key_id);
	sqlite3_bind_blob(st, 2, secret, QR_SECRET_LEN, SQLITE_TRANSIENT);
	db_bind_int(st, 3, now);
	return step_done(db, st);
}

static enum err label_row(struct db *db, sqlite3_stmt *st, struct qr_label_row *out)
{
	enum err e;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		out->generation = sqlite3_column_int64(st, 0);
		out->key_id = sqlite3_column_int64(st, 1);
		out->revoked = sqlite3_column_int(st, 2);
		e = ERR_OK;
	} else {
		e = rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(db, rc);
	}
	db_done(st);
	return e;
}

static const char sql_label_get[] = "SELECT generation, key_id, revoked_at IS NOT NULL FROM labels"
				    " WHERE asset_id = ?1 AND generation = ?2";

enum err qr_store_label_get(struct db *db, int64_t asset_id, int64_t generation,
			    struct qr_label_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_label_get);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, generation);
	return label_row(db, st, out);
}

static const char sql_label_latest[] =
    "SELECT generation, key_id, revoked_at IS NOT NULL FROM labels"
    " WHERE asset_id = ?1 ORDER BY generation DESC LIMIT 1";

enum err qr_store_label_latest(struct db *db, int64_t asset_id, struct qr_label_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_label_latest);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	return label_row(db, st, out);
}

static const char sql_label_revoke[] =
    "UPDATE labels SET revoked_at = ?3 WHERE asset_id = ?1 AND generation = ?2"
    " AND revoked_at IS NULL";

enum err qr_store_label_revoke(struct db *db, int64_t asset_id, int64_t generation, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_label_revoke);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, generation);
	db_bind_int(st, 3, now);
	return step_done(db, st);
}

static const char sql_label_insert[] =
    "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES (?1, ?2, ?3, ?4)";

enum err qr_store_label_insert(struct db *db, int64_t asset_id, int64_t generation, int64_t key_id,
			       int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_label_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, generation);
	db_bind_int(st, 3, key_id);
	db_bind_int(st, 4, now);
	return step_done(db, st);
}

/* The caller's scope over assets aliased t, bound at ?2 .. ?5 (db.h). */
#define SCOPE_2_5                                                                                  \
	" ((?2 = 1 OR (?3 IS NOT NULL AND t.region_path >= ?3 AND t.region_path < ?4)"             \
	" OR (?5 != 0 AND t.sales_owner_id = ?5)) AND" ASSET_PUBLISHED("t") ")"

static const char sql_asset_in_scope[] = "SELECT 1 FROM assets t WHERE t.id = ?1 AND" SCOPE_2_5;

enum err qr_store_asset_in_scope(struct db *db, int64_t asset_id, const struct scope *scope)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_in_scope);
	enum err e;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_scope(st, 2, scope);
	rc = sqlite3_step(st);
	e = rc == SQLITE_ROW ? ERR_OK : rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(db, rc);
	db_done(st);
	return e;
}

/* The newest label joins only when it is not revoked. */
#define FACTS_SELECT                                                                               \
	"SELECT t.id, t.serial, m.code, coalesce(l.generation, 0), coalesce(l.key_id, 0)"          \
	" FROM assets t JOIN models m ON m.id = t.model_id"                                        \
	" LEFT JOIN labels l ON l.asset_id = t.id AND l.revoked_at IS NULL"                        \
	" AND l.generation = (SELECT max(x.generation) FROM labels x WHERE x.asset_id = t.id)"

static const char sql_label_facts[] = FACTS_SELECT " WHERE t.id = ?1 AND" SCOPE_2_5;
static const char sql_label_facts_batch[] =
    FACTS_SELECT " WHERE t.batch = ?1 AND" SCOPE_2_5 " ORDER BY t.serial LIMIT ?6";

static void facts_read(sqlite3_stmt *st, struct qr_label_facts *out)
{
	memset(out, 0, sizeof(*out));
	out->asset_id = sqlite3_column_int64(st, 0);
	snprintf(out->serial, sizeof(out->serial), "%s", db_col_text(st, 1));
	snprintf(out->model_code, sizeof(out->model_code), "%s", db_col_text(st, 2));
	out->generation = sqlite3_column_int64(st, 3);
	out->key_id = sqlite3_column_int64(st, 4);
}

enum err qr_store_label_facts(struct db *db, int64_t asset_id, const struct scope *scope,
			      struct qr_label_facts *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_label_facts);
	enum err e = ERR_OK;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, asset_id);
	db_bind_scope(st, 2, scope);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		facts_read(st, out);
	else
		e = rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(db, rc);
	db_done(st);
	return e;
}

enum err qr_store_label_facts_batch(struct db *db, const char *batch, const struct scope *scope,
				    int limit, qr_store_facts_cb cb, void *arg)
{
	sqlite3_stmt *st = db_stmt(db, sql_label_facts_batch);
	struct qr_label_facts facts;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, batch);
	db_bind_scope(st, 2, scope);
	db_bind_int(st, 6, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		facts_read(st, &facts);
		if (cb(&facts, arg))
			break;
	}
	return db_scan_end(db, st, rc);
}
