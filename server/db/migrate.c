/* Schema migrations: numbered SQL files compiled into the binary, applied
 * in order, each in one transaction, recorded with their SHA-256. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "core/log.h"

static const char sql_create_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				       " name TEXT PRIMARY KEY,"
				       " sha256 TEXT NOT NULL,"
				       " applied_at INTEGER NOT NULL) STRICT";
static const char sql_applied[] = "SELECT name, sha256 FROM schema_migrations ORDER BY name";
static const char sql_record[] =
    "INSERT INTO schema_migrations(name, sha256, applied_at) VALUES (?1, ?2, ?3)";

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const struct migration *find_migration(const char *name)
{
	for (unsigned i = 0; i < db_migration_count; i++)
		if (strcmp(db_migrations[i].name, name) == 0)
			return &db_migrations[i];
	return NULL;
}

/* Compares what the database has applied with the compiled-in files.
 * *applied_mask gets bit i set for each applied migration i. */
static enum err check_applied(struct db *db, unsigned char *applied)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *st = NULL;
	enum err e = ERR_OK;
	int rc;

	if (sqlite3_exec(h, sql_create_table, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, sqlite3_errcode(h));
	if (sqlite3_prepare_v2(h, sql_applied, -1, &st, NULL) != SQLITE_OK)
		return db_err(db, sqlite3_errcode(h));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sum = (const char *)sqlite3_column_text(st, 1);
		const struct migration *m = find_migration(name ? name : "");
		char want[65];

		if (!m) {
			log_error(
			    "migrate: database has migration %s that this binary does not know",
			    name ? name : "?");
			e = ERR_CONFLICT;
			break;
		}
		sha256_hex(m->sql, m->len, want);
		if (!sum || strcmp(sum, want) != 0) {
			log_error("migrate: %s was changed after it was applied "
				  "(recorded sha256 %s, file %s); refusing this database",
				  name, sum ? sum : "?", want);
			e = ERR_CONFLICT;
			break;
		}
		applied[m - db_migrations] = 1;
	}
	if (e == ERR_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = db_err(db, rc);
	sqlite3_finalize(st);
	return e;
}

/* A migration that rebuilds a table others reference (SQLite's 12-step
 * procedure, https://www.sqlite.org/lang_altertable.html#otheralter)
 * starts with this line: it runs with foreign keys off around its
 * transaction (PRAGMA foreign_keys cannot change inside one) and with
 * legacy_alter_table on, so the final RENAME leaves the references of
 * other tables', triggers' and views' to the old name alone. Before it
 * commits, PRAGMA foreign_key_check must find nothing and every index,
 * trigger, view and table column that existed must exist again; else it
 * is rolled back and the database refused. */
static const char fk_off_mark[] = "-- fieldtrace: foreign-keys-off";

static int wants_fk_off(const struct migration *m)
{
	size_t n = sizeof(fk_off_mark) - 1;

	return m->len > n && strncmp(m->sql, fk_off_mark, n) == 0 &&
	       (m->sql[n] == '\n' || m->sql[n] == '\r');
}

static const char sql_schema_objects[] =
    "SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('index', 'trigger', 'view')"
    " AND name NOT LIKE 'sqlite_autoindex_%'"
    " UNION ALL SELECT 'column ' || m.name || '.' || c.name"
    " FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table'"
    " ORDER BY 1";

/* The schema's indexes, triggers, views and every table's columns as one
 * "type name\n" list: a rebuild that forgot a column (one a later
 * migration added to the table) must not drop its data silently. */
static char *schema_objects(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	char *list = sqlite3_mprintf("%s", "");

	if (!list || sqlite3_prepare_v2(h, sql_schema_objects, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_free(list);
		return NULL;
	}
	while (list && sqlite3_step(st) == SQLITE_ROW) {
		char *more = sqlite3_mprintf("%s%s\n", list, (const char *)sqlite3_column_text(st, 0));

		sqlite3_free(list);
		list = more;
	}
	sqlite3_finalize(st);
	return list;
}

/* Every line of before is a line of after (both "type name\n" lists). */
static int objects_kept(const struct migration *m, const char *before, const char *after)
{
	char *haystack = sqlite3_mprintf("\n%s", after);
	int ok = haystack != NULL;

	for (const char *line = before; ok && *line;) {
		size_t n = strcspn(line, "\n");
		char *needle = sqlite3_mprintf("\n%.*s\n", (int)n, line);

		ok = needle && strstr(haystack, needle);
		if (needle && !ok)
			log_error("migrate: %s dropped %.*s and did not create it again", m->name,
				  (int)n, line);
		sqlite3_free(needle);
		line += n + (line[n] == '\n');
	}
	sqlite3_free(haystack);
	return ok;
}

/* PRAGMA foreign_key_check finds nothing. */
static int foreign_keys_hold(sqlite3 *h, const struct migration *m)
{
	sqlite3_stmt *st = NULL;
	int rc, ok;

	if (sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return 0;
	rc = sqlite3_step(st);
	ok = rc == SQLITE_DONE;
	if (rc == SQLITE_ROW)
		log_error("migrate: %s leaves a row of %s whose reference to %s is broken "
			  "(rowid %lld); refusing it",
			  m->name, (const char *)sqlite3_column_text(st, 0),
			  (const char *)sqlite3_column_text(st, 2),
			  (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return ok;
}

static enum err apply_one(struct db *db, const struct migration *m)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *st = NULL;
	char *errmsg = NULL, *before = NULL, *after = NULL;
	int fk_off = wants_fk_off(m);
	char sum[65];
	enum err e;

	if (fk_off) {
		if (sqlite3_exec(h, "PRAGMA foreign_keys=OFF; PRAGMA legacy_alter_table=ON", NULL,
				 NULL, NULL) != SQLITE_OK)
			return db_err(db, sqlite3_errcode(h));
		before = schema_objects(h);
		if (!before) {
			e = ERR_INTERNAL;
			goto restore;
		}
	}
	e = db_begin(db);
	if (e != ERR_OK)
		goto restore;
	if (sqlite3_exec(h, m->sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		log_error("migrate: %s failed: %s", m->name, errmsg ? errmsg : "?");
		sqlite3_free(errmsg);
		e = ERR_DB;
		goto fail;
	}
	if (fk_off) {
		after = schema_objects(h);
		if (!after || !objects_kept(m, before, after) || !foreign_keys_hold(h, m)) {
			e = ERR_CONFLICT;
			goto fail;
		}
	}
	sha256_hex(m->sql, m->len, sum);
	if (sqlite3_prepare_v2(h, sql_record, -1, &st, NULL) != SQLITE_OK) {
		e = db_err(db, sqlite3_errcode(h));
		goto fail;
	}
	db_bind_text(st, 1, m->name);
	db_bind_text(st, 2, sum);
	db_bind_int(st, 3, clock_now());
	if (sqlite3_step(st) != SQLITE_DONE) {
		e = db_err(db, sqlite3_errcode(h));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	e = db_commit(db);
	if (e == ERR_OK)
		log_info("migrate: applied %s", m->name);
	else
		db_rollback(db);
	goto restore;
fail:
	sqlite3_finalize(st);
	db_rollback(db);
restore:
	if (fk_off)
		(void)sqlite3_exec(h, "PRAGMA legacy_alter_table=OFF; PRAGMA foreign_keys=ON", NULL,
				   NULL, NULL);
	sqlite3_free(before);
	sqlite3_free(after);
	return e;
}

enum err db_migration_apply(struct db *db, const struct migration *m)
{
	return apply_one(db, m);
}

enum err db_migrate(struct db *db)
{
	unsigned char applied[256] = { 0 };
	enum err e;

	if (db_migration_count > sizeof(applied))
		return ERR_INTERNAL;
	e = check_applied(db, applied);
	for (unsigned i = 0; e == ERR_OK && i < db_migration_count; i++)
		if (!applied[i])
			e = apply_one(db, &db_migrations[i]);
	return e;
}

enum err db_check_schema(struct db *db)
{
	unsigned char applied[256] = { 0 };
	enum err e = check_applied(db, applied);

	for (unsigned i = 0; e == ERR_OK && i < db_migration_count; i++) {
		if (!applied[i]) {
			log_error("migrate: %s is not applied; run `fieldtrace migrate`",
				  db_migrations[i].name);
			e = ERR_CONFLICT;
		}
	}
	return e;
}
