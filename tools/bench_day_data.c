/* bench_day_data: the value files make bench-day's scenario draws from,
 * read out of a benchmark database (tools/bench_day.sh):
 *
 *   bench_day_data --db PATH --out DIR
 *
 * writes DIR/units.txt (every labelled unit, one a line: its identification
 * code - an HMAC of the unit's label, so computed with the server's own
 * qr_label_code, not guessed - then the part number and serial of a
 * component fitted to it, which a repair of that unit replaces), DIR/assets.txt (asset ids),
 * DIR/open_tickets.txt (ids of tickets in routed/assigned states, for
 * reads and board refreshes) and DIR/tickets.txt (a sample of any tickets).
 * Links the server's library (LIB_OBJ) for the code; it only reads (the
 * label keys exist: gen_bench_data made them). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "domain/qr.h"

static FILE *out_open(const char *dir, const char *name)
{
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench_day_data: cannot write %s\n", path);
		exit(1);
	}
	return f;
}

/* Writes the first column of every row of sql, one a line; returns rows. */
static long dump_ids(sqlite3 *h, const char *sql, FILE *f)
{
	sqlite3_stmt *st = NULL;
	long rows = 0;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_day_data: %s: %s\n", sql, sqlite3_errmsg(h));
		exit(1);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(f, "%lld\n", sqlite3_column_int64(st, 0));
		rows++;
	}
	sqlite3_finalize(st);
	return rows;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *dir = NULL;
	struct db *db = NULL;
	sqlite3_stmt *st = NULL, *part = NULL;
	sqlite3 *h;
	FILE *units, *assets, *f;
	long n_units = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--out") == 0)
			dir = argv[i + 1];
	}
	if (!path || !dir) {
		fputs("usage: bench_day_data --db PATH --out DIR\n", stderr);
		return 2;
	}
	db_global_init();
	if (db_open(path, &db) != ERR_OK || qr_keys_load(db) != ERR_OK) {
		fprintf(stderr, "bench_day_data: cannot open %s\n", path);
		return 1;
	}
	h = db_handle(db);
	units = out_open(dir, "units.txt");
	assets = out_open(dir, "assets.txt");
	if (sqlite3_prepare_v2(h, "SELECT id FROM assets ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "bench_day_data: %s\n", sqlite3_errmsg(h));
		return 1;
	}
	/* a component fitted to the unit: what its repair replaces */
	if (sqlite3_prepare_v2(
		h,
		"SELECT part_number, component_serial FROM asset_components"
		" WHERE asset_id = ?1 AND removed_at IS NULL AND component_serial <> ''"
		" ORDER BY id LIMIT 1",
		-1, &part, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_day_data: %s\n", sqlite3_errmsg(h));
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		char code[QR_CODE_MAX];

		fprintf(assets, "%lld\n", (long long)id);
		if (qr_label_code(db, id, code) == ERR_OK) {
			sqlite3_bind_int64(part, 1, id);
			if (sqlite3_step(part) == SQLITE_ROW)
				fprintf(units, "%s %s %s\n", code, sqlite3_column_text(part, 0),
					sqlite3_column_text(part, 1));
			else
				fprintf(units, "%s\n", code);
			sqlite3_reset(part);
			n_units++;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(part);
	fclose(units);
	fclose(assets);
	f = out_open(dir, "tickets.txt");
	/* every 50th ticket: a spread over the year without a million lines */
	dump_ids(h, "SELECT id FROM tickets WHERE id % 50 = 0 ORDER BY id", f);
	fclose(f);
	db_close(db);
	printf("%ld unit codes\n", n_units);
	return n_units > 0 ? 0 : 1;
}
