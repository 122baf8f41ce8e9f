/* `fieldtrace import assets --db PATH FILE.csv [--dry-run] [--slice-rows N]`:
 * the CSV import from the command line, with a large page cache while
 * writing. The format and the engine are in server/domain/import.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/audit.h"
#include "core/buf.h"
#include "cli/cli.h"
#include "db/db.h"
#include "domain/import.h"
#include "domain/qr.h"

#define IMPORT_FILE_MAX (1024u * 1024u * 1024u) /* the command line's cap */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Reads the whole file (caller frees); NULL with errno on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;
	int failed;

	if (!f)
		return NULL;
	buf_init(&b, IMPORT_FILE_MAX);
	buf_append(&b, "", 0); /* an empty file is an empty string */
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	failed = ferror(f) || b.failed;
	if (b.failed)
		errno = EFBIG;
	fclose(f);
	if (failed) {
		buf_cleanup(&b);
		return NULL;
	}
	return buf_detach(&b, len);
}

static void print_errors(const char *file, const struct import_report *rep)
{
	size_t i;
	json_t *e;

	json_array_foreach(rep->errors, i, e) {
		const char *col = json_string_value(json_object_get(e, "column"));

		fprintf(stderr, "%s:%lld: %s%s%s\n", file,
			(long long)json_integer_value(json_object_get(e, "line")), col ? col : "",
			col ? ": " : "", json_string_value(json_object_get(e, "detail")));
	}
	if (rep->errors_total > json_array_size(rep->errors))
		fprintf(stderr, "%s: ... and %zu more errors\n", file,
			rep->errors_total - json_array_size(rep->errors));
}

/* 10..IMPORT_ROWS_MAX rows per write transaction. */
static int parse_slice_rows(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 10 || v > IMPORT_ROWS_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

static int import_usage(void)
{
	fputs("usage: fieldtrace import assets --db PATH FILE.csv [--dry-run] [--slice-rows N]\n",
	      stderr);
	return 2;
}

int cli_import(int argc, char **argv)
{
	const char *db_path = NULL, *file = NULL;
	struct import_opts o;
	struct import_report rep;
	struct audit_actor actor;
	struct timespec t0;
	struct db *db = NULL;
	char *data = NULL;
	size_t len = 0;
	int rc = 1;
	enum err e;

	memset(&o, 0, sizeof(o));
	o.slice_rows = import_slice_rows();
	if (argc < 3 || strcmp(argv[2], "assets") != 0)
		return import_usage();
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			o.dry_run = 1;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db_path = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			db_path = argv[i] + 5;
		else if (strcmp(argv[i], "--slice-rows") == 0 && i + 1 < argc) {
			if (parse_slice_rows(argv[++i], &o.slice_rows) < 0)
				return import_usage();
		} else if (argv[i][0] == '-' || file)
			return import_usage();
		else
			file = argv[i];
	}
	if (!db_path || !file)
		return import_usage();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (access(db_path, F_OK) != 0) {
		fprintf(stderr, "fieldtrace: no database at %s; run `fieldtrace migrate --db %s`\n",
			db_path, db_path);
		return 1;
	}
	data = read_file(file, &len);
	if (!data) {
		fprintf(stderr, "fieldtrace: cannot read %s: %s\n", file, strerror(errno));
		return 1;
	}
	if (db_open(db_path, &db) != ERR_OK)
		goto out;
	if (db_check_schema(db) != ERR_OK) {
		fprintf(stderr,
			"fieldtrace: %s is not migrated to this version; run "
			"`fieldtrace migrate --db %s` first\n",
			db_path, db_path);
		goto out;
	}
	if (qr_keys_load(db) != ERR_OK) {
		fprintf(stderr, "fieldtrace: cannot load the label keys\n");
		goto out;
	}
	audit_actor_cli(&actor, "import assets");
	o.actor = &actor;
	o.large_cache = 1;
	e = import_run(db, &o, data, len, &rep);
	if (e == ERR_OK) {
		if (o.dry_run)
			printf("%zu rows are valid (dry run, nothing written) in %.2f s\n",
			       rep.rows, seconds_since(&t0));
		else
			printf("imported %zu assets in %.2f s (%zu write transactions, the longest "
			       "%.0f ms)\n",
			       rep.rows, seconds_since(&t0), rep.slices, rep.longest_hold_ms);
		rc = 0;
	} else {
		print_errors(file, &rep);
		fprintf(stderr, "fieldtrace: %s: %s\n", file,
			rep.detail[0] ? rep.detail : "the import failed (see the log above)");
	}
	json_decref(rep.errors);
out:
	db_close(db);
	free(data);
	return rc;
}
