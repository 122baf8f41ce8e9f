/* Storage: migrations and their checksums, backup and restore, the audit
 * chain; and the command line (migrate, user add, backup, serve + SIGTERM). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "demo/demo.h"
#include "domain/audit.h"
#include "db/db.h"
#include "db/tickets_store.h"
#include "harness.h"
#include "app.h"
#include "suites.h"

static int64_t scalar(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(migrations_are_recorded_with_checksums)
{
	ck_assert_int_eq(scalar(H.db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)db_migration_count);
	ck_assert_int_eq(
	    scalar(H.db, "SELECT count(*) FROM schema_migrations WHERE length(sha256) = 64"),
	    (int64_t)db_migration_count);
	/* Migrating again is a no-op. */
	ck_assert_int_eq(db_migrate(H.db), ERR_OK);
	ck_assert_int_eq(scalar(H.db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)db_migration_count);
	ck_assert_int_eq(scalar(H.db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(db_quick_check(H.db), ERR_OK);
}
END_TEST

START_TEST(changed_migration_is_refused)
{
	struct app *srv = NULL;
	struct config cfg;

	exec_sql("UPDATE schema_migrations SET sha256 = 'ff' || substr(sha256, 3)"
		 " WHERE name = '0001_foundation.sql'");
	ck_assert_int_eq(db_migrate(H.db), ERR_CONFLICT);
	ck_assert_int_eq(db_check_schema(H.db), ERR_CONFLICT);
	/* The server refuses to start on it. */
	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", H.db_path);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", harness_cert_file());
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", harness_key_file());
	ck_assert_int_ne(app_start(&cfg, &srv), ERR_OK);
	ck_assert_ptr_null(srv);
}
END_TEST

START_TEST(unknown_migration_is_refused)
{
	exec_sql("INSERT INTO schema_migrations VALUES ('9999_from_the_future.sql', 'ab', 0)");
	ck_assert_int_eq(db_migrate(H.db), ERR_CONFLICT);
}
END_TEST

/* ---- the foreign-keys-off rebuild of tickets (0027: channel qr) ---------- */

/* Applies the migrations before name as db_migrate would and records them. */
static void migrate_before(struct db *db, const char *name)
{
	sqlite3 *h = db_handle(db);

	ck_assert_int_eq(sqlite3_exec(h,
				      "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY,"
				      " sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (unsigned i = 0; i < db_migration_count && strcmp(db_migrations[i].name, name) < 0;
	     i++) {
		unsigned char md[32];
		unsigned int n = 0;
		char hex[65], *sql;

		ck_assert_int_eq(sqlite3_exec(h, db_migrations[i].sql, NULL, NULL, NULL),
				 SQLITE_OK);
		EVP_Digest(db_migrations[i].sql, db_migrations[i].len, md, &n, EVP_sha256(), NULL);
		for (unsigned k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		sql = sqlite3_mprintf("INSERT INTO schema_migrations VALUES (%Q, %Q, 0)",
				      db_migrations[i].name, hex);
		ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_free(sql);
	}
}

/* One text: every table's row count, or the schema's objects (type, name,
 * table, SQL) with the rebuilt tables' own CREATE TABLE left out. */
static char *snapshot(struct db *db, int schema)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *st, *cnt;
	char *out = sqlite3_mprintf("%s", "");

	ck_assert_int_eq(
	    sqlite3_prepare_v2(h,
			       schema ? "SELECT type || '|' || name || '|' || tbl_name || '|' ||"
					" coalesce(sql, '') FROM sqlite_master WHERE NOT (type = 'table'"
					" AND name IN ('tickets', 'ticket_attachments')) ORDER BY 1"
				      : "SELECT name FROM sqlite_master WHERE type = 'table'"
					" AND name NOT IN ('schema_migrations', 'sqlite_sequence',"
					" 'sqlite_stat1') ORDER BY 1",
			       -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		char *next, *sql;
		long long n = 0;

		if (schema) {
			next = sqlite3_mprintf("%s%s\n", out, v);
		} else {
			sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", v);
			ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &cnt, NULL), SQLITE_OK);
			ck_assert_int_eq(sqlite3_step(cnt), SQLITE_ROW);
			n = sqlite3_column_int64(cnt, 0);
			sqlite3_finalize(cnt);
			sqlite3_free(sql);
			next = sqlite3_mprintf("%s%s %lld\n", out, v, n);
		}
		sqlite3_free(out);
		out = next;
	}
	sqlite3_finalize(st);
	return out;
}

static char *text_of(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The demo's rows in a database migrated only up to some point: the demo
 * itself writes today's tables, so it is loaded into a fully migrated
 * database and each older table takes the columns it has (foreign keys off
 * while the tables fill in any order; a nameplate ticket entered as 'web'
 * then). */
static void demo_before(struct db *db, FILE *log)
{
	char full[600], *sql;
	struct db *f = NULL;
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *st;

	snprintf(full, sizeof(full), "%s/demo-full.db", H.dir);
	ck_assert_int_eq(db_open(full, &f), ERR_OK);
	ck_assert_int_eq(db_migrate(f), ERR_OK);
	ck_assert_int_eq(demo_load(f, log), ERR_OK);
	db_close(f);
	sql = sqlite3_mprintf("PRAGMA foreign_keys=OFF; ATTACH %Q AS f", full);
	ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(h,
			       "SELECT 'INSERT OR REPLACE INTO main.\"' || t.name || '\" ('"
			       " || group_concat('\"' || c.name || '\"', ', ') || ') SELECT '"
			       " || group_concat(CASE WHEN t.name = 'tickets' AND c.name = 'channel'"
			       " THEN 'replace(channel, ''qr'', ''web'')' ELSE '\"' || c.name || '\"'"
			       " END, ', ') || ' FROM f.\"' || t.name || '\"'"
			       " FROM pragma_table_list t, pragma_table_info(t.name, 'main') c"
			       " WHERE t.schema = 'main' AND t.type = 'table'"
			       " AND t.name NOT LIKE 'sqlite_%' AND t.name != 'schema_migrations'"
			       " GROUP BY t.name",
			       -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		ck_assert_msg(sqlite3_exec(h, (const char *)sqlite3_column_text(st, 0), NULL,
					   NULL, NULL) == SQLITE_OK,
			      "%s: %s", sqlite3_column_text(st, 0), sqlite3_errmsg(h));
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_exec(h, "DETACH f; PRAGMA foreign_keys=ON", NULL, NULL, NULL),
			 SQLITE_OK);
}

START_TEST(the_qr_channel_rebuild_keeps_every_row_index_and_trigger)
{
	char path[600];
	struct db *db = NULL;
	char *counts, *schema, *counts2, *schema2, *before_sql, *after_sql, *p;
	FILE *devnull = fopen("/dev/null", "w");
	int64_t changes;

	snprintf(path, sizeof(path), "%s/before-qr.db", H.dir);
	ck_assert_int_eq(db_open(path, &db), ERR_OK);
	migrate_before(db, "0027_qr_channel.sql");
	demo_before(db, devnull);
	fclose(devnull);
	/* Children of tickets of every kind the demo does not make. */
	ck_assert_int_eq(
	    sqlite3_exec(db_handle(db),
			 "INSERT INTO ticket_tracking VALUES (printf('%064d', 1),"
			 " (SELECT min(id) FROM tickets), 'qr', 1, NULL);"
			 "INSERT INTO ticket_attachments(ticket_id, client_uuid, sha256, media_type,"
			 " declared_type, size, kind, uploaded_by, created_at) VALUES"
			 " ((SELECT min(id) FROM tickets), '4f9c2e1a-8b7d-4c3e-9a51-0d2f6b8e7c14',"
			 " printf('%064d', 2), 'image/png', 'image/png', 10, 'photo',"
			 " (SELECT min(id) FROM users), 1)",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_gt(scalar(db, "SELECT count(*) FROM tickets"), 10);
	ck_assert_int_gt(scalar(db, "SELECT count(*) FROM ticket_events"), 10);
	counts = snapshot(db, 0);
	schema = snapshot(db, 1);
	before_sql = text_of(db, "SELECT sql FROM sqlite_master WHERE name = 'tickets'");

	/* 0027 alone: later migrations add tables of their own. */
	for (unsigned i = 0; i < db_migration_count; i++)
		if (strcmp(db_migrations[i].name, "0027_qr_channel.sql") == 0)
			ck_assert_int_eq(db_migration_apply(db, &db_migrations[i]), ERR_OK);

	counts2 = snapshot(db, 0);
	schema2 = snapshot(db, 1);
	ck_assert_str_eq(counts2, counts);
	/* Every index and trigger on tickets (and everything else) exactly. */
	ck_assert_str_eq(schema2, schema);
	/* The table's own text: only the CHECK (and the name's quotes) differ. */
	after_sql = text_of(db, "SELECT sql FROM sqlite_master WHERE name = 'tickets'");
	ck_assert_ptr_nonnull(strstr(after_sql, "'system', 'qr')"));
	p = strstr(after_sql, ", 'qr'");
	memmove(p, p + 6, strlen(p + 6) + 1);
	p = strstr(after_sql, "\"tickets\"");
	if (p) {
		memmove(p, p + 1, strlen(p + 1) + 1);
		p = strchr(p, '"');
		memmove(p, p + 1, strlen(p + 1) + 1);
	}
	ck_assert_str_eq(after_sql, before_sql);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	p = text_of(db, "PRAGMA integrity_check");
	ck_assert_str_eq(p, "ok");
	sqlite3_free(p);
	ck_assert_int_eq(scalar(db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(scalar(db, "PRAGMA legacy_alter_table"), 0);
	/* The CHECK takes qr, still refuses the unknown; triggers still fire;
	 * the children still reach their tickets. */
	changes = scalar(db, "SELECT count(*) FROM sync_changes");
	ck_assert_int_eq(sqlite3_exec(db_handle(db),
				      "UPDATE tickets SET channel = 'qr' WHERE id ="
				      " (SELECT min(id) FROM tickets)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_gt(scalar(db, "SELECT count(*) FROM sync_changes"), changes);
	ck_assert_int_ne(sqlite3_exec(db_handle(db), "UPDATE tickets SET channel = 'fax'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db_handle(db),
				      "INSERT INTO ticket_events(ticket_id, seq, at, action,"
				      " to_status) VALUES (999999, 1, 0, 'x', 'new')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM ticket_events e LEFT JOIN tickets t"
				    " ON t.id = e.ticket_id WHERE t.id IS NULL"),
			 0);
	/* And the migrations after it still apply on top. */
	ck_assert_int_eq(db_migrate(db), ERR_OK);
	ck_assert_int_eq(db_check_schema(db), ERR_OK);
	sqlite3_free(counts);
	sqlite3_free(counts2);
	sqlite3_free(schema);
	sqlite3_free(schema2);
	sqlite3_free(before_sql);
	sqlite3_free(after_sql);
	db_close(db);
}
END_TEST

static enum err apply_made_up(const char *name, const char *sql)
{
	struct migration m = { .name = name, .sql = sql, .len = strlen(sql) };

	return db_migration_apply(H.db, &m);
}

START_TEST(a_foreign_keys_off_migration_is_refused_unless_the_schema_holds)
{
	int64_t events = scalar(H.db, "SELECT count(*) FROM ticket_events");

	/* A row whose reference is broken: foreign_key_check finds it. */
	ck_assert_int_eq(apply_made_up("9001_broken.sql",
				       "-- fieldtrace: foreign-keys-off\n"
				       "INSERT INTO ticket_events(ticket_id, seq, at, action,"
				       " to_status) VALUES (424242, 1, 0, 'x', 'new');"),
			 ERR_CONFLICT);
	ck_assert_int_eq(scalar(H.db, "SELECT count(*) FROM ticket_events"), events);
	/* An index dropped and not made again. */
	ck_assert_int_eq(apply_made_up("9002_lost_index.sql",
				       "-- fieldtrace: foreign-keys-off\nDROP INDEX tickets_board;"),
			 ERR_CONFLICT);
	ck_assert_int_eq(
	    scalar(H.db, "SELECT count(*) FROM sqlite_master WHERE name = 'tickets_board'"), 1);
	/* A column left out of a rebuilt table. */
	ck_assert_int_eq(apply_made_up("9004_lost_column.sql",
				       "-- fieldtrace: foreign-keys-off\n"
				       "ALTER TABLE tickets DROP COLUMN client_fingerprint;"),
			 ERR_CONFLICT);
	ck_assert_int_eq(scalar(H.db, "SELECT count(*) FROM pragma_table_info('tickets')"
				      " WHERE name = 'client_fingerprint'"),
			 1);
	/* Foreign keys are back on after each; an unmarked migration keeps
	 * them on throughout. */
	ck_assert_int_eq(scalar(H.db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(scalar(H.db, "PRAGMA legacy_alter_table"), 0);
	ck_assert_int_eq(apply_made_up("9003_unmarked.sql",
				       "INSERT INTO ticket_events(ticket_id, seq, at, action,"
				       " to_status) VALUES (424242, 1, 0, 'x', 'new');"),
			 ERR_DB);
	ck_assert_int_eq(scalar(H.db, "SELECT count(*) FROM schema_migrations WHERE name > '9'"),
			 0);
	ck_assert_int_eq(db_migrate(H.db), ERR_OK);
}
END_TEST

START_TEST(server_refuses_missing_certificate)
{
	struct app *srv = NULL;
	struct config cfg;

	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", H.db_path);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s/missing.pem", H.dir);
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s/missing.key", H.dir);
	ck_assert_int_ne(app_start(&cfg, &srv), ERR_OK);
	ck_assert_ptr_null(srv);
}
END_TEST

START_TEST(backup_and_restore)
{
	char out[300];
	struct db *copy = NULL;

	harness_seed_user("lee", "admin", NULL, NULL);
	snprintf(out, sizeof(out), "%s/backup.db", H.dir);
	ck_assert_int_eq(db_backup(H.db, out), ERR_OK);
	/* Writes after the backup are not in it... */
	harness_seed_user("max", "admin", NULL, NULL);
	ck_assert_int_eq(db_open(out, &copy), ERR_OK);
	ck_assert_int_eq(db_check_schema(copy), ERR_OK);
	ck_assert_int_eq(scalar(copy, "SELECT count(*) FROM users WHERE username = 'lee'"), 1);
	ck_assert_int_eq(scalar(copy, "SELECT count(*) FROM users WHERE username = 'max'"), 0);
	db_close(copy);
	/* ...and the copy serves: restore = start the server on it. */
	app_stop(H.srv);
	H.srv = NULL;
	snprintf(H.db_path, sizeof(H.db_path), "%s", out);
	harness_restart();
	{
		char *token = harness_login("lee");
		struct http_result r;

		ck_assert_int_eq(http_json("GET", "/v1/me", token, NULL, &r), 200);
		ck_assert_str_eq(json_string_value(json_object_get(r.json, "username")), "lee");
		http_result_free(&r);
		free(token);
	}
}
END_TEST

START_TEST(audit_chain_verifies_and_shows_tampering)
{
	struct http_result r;
	char *auditor;
	int64_t checked = 0, broken = 0;

	int64_t before = scalar(H.db, "SELECT count(*) FROM audit_log");

	auditor = harness_user_token("ned", "auditor", NULL, NULL); /* audits a login */
	free(harness_login("ned"));
	free(harness_login("ned"));
	ck_assert_int_eq(audit_verify(H.db, &checked, &broken), ERR_OK);
	ck_assert_int_eq(checked, before + 3);
	ck_assert_int_eq(broken, 0);
	ck_assert_int_eq(http_json("GET", "/v1/audit/verify", auditor, NULL, &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "intact")));
	http_result_free(&r);

	/* The log refuses edits... */
	ck_assert_int_ne(sqlite3_exec(db_handle(H.db),
				      "UPDATE audit_log SET actor = 'x' WHERE id = 2", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	ck_assert_int_ne(
	    sqlite3_exec(db_handle(H.db), "DELETE FROM audit_log WHERE id = 2", NULL, NULL, NULL),
	    SQLITE_OK);
	/* ...and one who gets round the triggers is caught by the chain. */
	exec_sql("DROP TRIGGER audit_log_no_update");
	exec_sql("UPDATE audit_log SET client_addr = '10.9.9.9' WHERE id = 2");
	ck_assert_int_eq(audit_verify(H.db, &checked, &broken), ERR_OK);
	ck_assert_int_eq(broken, 2);
	ck_assert_int_eq(checked, 2); /* stops at the first broken entry */
	ck_assert_int_eq(http_json("GET", "/v1/audit/verify", auditor, NULL, &r), 200);
	ck_assert(json_is_false(json_object_get(r.json, "intact")));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "broken_at")), 2);
	http_result_free(&r);
	free(auditor);
}
END_TEST

START_TEST(audit_list_pages_and_filters)
{
	struct http_result r;
	char path[256], *admin;
	const char *cursor;
	int seen = 0;

	admin = harness_user_token("oli", "admin", NULL, NULL);
	for (int i = 0; i < 4; i++)
		free(harness_login("oli"));
	/* 5 logins: walk them two at a time. */
	snprintf(path, sizeof(path), "/v1/audit?limit=2&action=auth.login");
	for (;;) {
		ck_assert_int_eq(http_json("GET", path, admin, NULL, &r), 200);
		seen += (int)json_array_size(json_object_get(r.json, "items"));
		cursor = json_string_value(json_object_get(r.json, "next_cursor"));
		if (!cursor) {
			http_result_free(&r);
			break;
		}
		snprintf(path, sizeof(path), "/v1/audit?limit=2&action=auth.login&cursor=%s",
			 cursor);
		http_result_free(&r);
	}
	ck_assert_int_eq(seen, 5);
	http_json("GET", "/v1/audit?limit=500", admin, NULL, &r);
	assert_problem(&r, 400, "limit");
	http_result_free(&r);
	http_json("GET", "/v1/audit?cursor=%21%21", admin, NULL, &r);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	/* Found by tests/fuzz/fuzz_cursor.c: strtoll took " 5" (IDU), "+5"
	 * (KzU) and "05" (MDU); the server writes only "5" (NQ). */
	{
		static const char *const bad[] = { "IDU", "KzU", "MDU" };

		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "/v1/audit?cursor=%s", bad[i]);
			http_json("GET", path, admin, NULL, &r);
			assert_problem(&r, 400, "cursor");
			http_result_free(&r);
		}
		ck_assert_int_eq(http_json("GET", "/v1/audit?cursor=NQ", admin, NULL, &r), 200);
		http_result_free(&r);
	}
	http_json("GET", "/v1/audit?actor_id=abc", admin, NULL, &r);
	assert_problem(&r, 400, "actor_id");
	http_result_free(&r);
	free(admin);
}
END_TEST

/* --- the command line, run as a real process --- */

START_TEST(cli_migrate_user_add_backup)
{
	char cmd[1024], db[400], out[400];

	snprintf(db, sizeof(db), "%s/cli.db", H.dir);
	snprintf(out, sizeof(out), "%s/cli-backup.db", H.dir);
	snprintf(cmd, sizeof(cmd), "%s migrate --db %s >/dev/null 2>&1", harness_bin(), db);
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "echo 'a long enough password' | %s user add --db %s --username root.admin"
		 " --role admin --password-stdin >/dev/null 2>&1",
		 harness_bin(), db);
	ck_assert_int_eq(harness_run(cmd), 0);
	/* Same name again: refused. Unknown role: usage error. */
	ck_assert_int_eq(harness_run(cmd), 1);
	snprintf(cmd, sizeof(cmd),
		 "echo 'a long enough password' | %s user add --db %s --username x.y"
		 " --role king --password-stdin >/dev/null 2>&1",
		 harness_bin(), db);
	ck_assert_int_eq(harness_run(cmd), 2);
	snprintf(cmd, sizeof(cmd), "%s backup --db %s %s >/dev/null 2>&1", harness_bin(), db, out);
	ck_assert_int_eq(harness_run(cmd), 0);
	ck_assert_int_eq(access(out, F_OK), 0);
	/* Backup never overwrites. */
	ck_assert_int_eq(harness_run(cmd), 1);
	snprintf(cmd, sizeof(cmd), "%s help >/dev/null 2>&1", harness_bin());
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s frobnicate >/dev/null 2>&1", harness_bin());
	ck_assert_int_eq(harness_run(cmd), 2);
}
END_TEST

START_TEST(cli_serve_drains_on_sigterm)
{
	char db[400], listen[64], log[400];
	pid_t pid;
	int status = 0, port = 0;
	struct http_result r;

	snprintf(db, sizeof(db), "%s/serve.db", H.dir);
	snprintf(log, sizeof(log), "%s/serve.log", H.dir);
	/* A port next to the harness's own, free in practice. */
	port = H.port + 1;
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		freopen(log, "w", stdout);
		freopen(log, "a", stderr);
		execl(harness_bin(), harness_bin(), "serve", "--db", db, "--listen", listen,
		      "--tls-cert",
		      getenv("FIELDTRACE_TEST_CERT") ? getenv("FIELDTRACE_TEST_CERT")
						     : "certs/server.pem",
		      "--tls-key",
		      getenv("FIELDTRACE_TEST_KEY") ? getenv("FIELDTRACE_TEST_KEY")
						    : "certs/server.key",
		      (char *)NULL);
		_exit(127);
	}
	/* Point the client at the child and wait until it answers. */
	snprintf(H.base, sizeof(H.base), "https://127.0.0.1:%d", port);
	for (int i = 0; i < 100 && http_json("GET", "/readyz", NULL, NULL, &r) != 200; i++) {
		http_result_free(&r);
		usleep(50 * 1000);
	}
	ck_assert_int_eq(r.status, 200);
	http_result_free(&r);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	{
		/* The access log has one JSON line per request, without secrets. */
		FILE *f = fopen(log, "r");
		char line[2048];
		int found = 0;

		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "\"route\":\"/readyz\"") && strstr(line, "\"status\":200"))
				found = 1;
		fclose(f);
		ck_assert(found);
	}
}
END_TEST

/* The SQL status lists are written out (partial indexes match only an
 * identical term): each must be exactly the statuses TICKET_STATUSES
 * marks, in its order. */
enum status_set { SET_OPEN, SET_CLOCK, SET_DONE, SET_FINAL };

static void status_list(enum status_set set, char *out, size_t size)
{
	static const struct {
		const char *name;
		int open, clock, final;
	} all[] = {
#define STATUS_ROW(name, open, clock, final) { #name, open, clock, final },
		TICKET_STATUSES(STATUS_ROW)
#undef STATUS_ROW
	};
	size_t n = 0;

	n += (size_t)snprintf(out + n, size - n, "(");
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int in = set == SET_OPEN    ? all[i].open
			 : set == SET_CLOCK ? all[i].clock
			 : set == SET_DONE  ? !all[i].open
					    : all[i].final;

		if (in)
			n += (size_t)snprintf(out + n, size - n, "%s'%s'", n > 1 ? ", " : "",
					      all[i].name);
	}
	snprintf(out + n, size - n, ")");
}

START_TEST(status_lists_follow_the_state_list)
{
	char want[512];

	status_list(SET_OPEN, want, sizeof(want));
	ck_assert_str_eq(TICKET_OPEN_SQL, want);
	status_list(SET_CLOCK, want, sizeof(want));
	ck_assert_str_eq(TICKET_CLOCK_SQL, want);
	status_list(SET_DONE, want, sizeof(want));
	ck_assert_str_eq(TICKET_DONE_SQL, want);
	status_list(SET_FINAL, want, sizeof(want));
	ck_assert_str_eq(TICKET_FINAL_SQL, want);
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("store");
	TCase *cli = tcase_create("cli");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, migrations_are_recorded_with_checksums);
	tcase_add_test(tc, changed_migration_is_refused);
	tcase_add_test(tc, unknown_migration_is_refused);
	tcase_add_test(tc, the_qr_channel_rebuild_keeps_every_row_index_and_trigger);
	tcase_add_test(tc, a_foreign_keys_off_migration_is_refused_unless_the_schema_holds);
	tcase_add_test(tc, server_refuses_missing_certificate);
	tcase_add_test(tc, backup_and_restore);
	tcase_add_test(tc, audit_chain_verifies_and_shows_tampering);
	tcase_add_test(tc, audit_list_pages_and_filters);
	tcase_add_test(tc, status_lists_follow_the_state_list);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(cli, harness_setup, harness_teardown);
	tcase_set_timeout(cli, 120);
	tcase_add_test(cli, cli_migrate_user_add_backup);
	tcase_add_test(cli, cli_serve_drains_on_sigterm);
	suite_add_tcase(s, cli);
	return s;
}
