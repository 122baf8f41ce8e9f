/* fieldtrace report --db PATH --month YYYY-MM [--out FILE]: the monthly
 * operations report (built by server/domain/report.c) for the whole
 * organisation, written as Markdown to a file or standard output. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "domain/report.h"

/* ---- the command ---------------------------------------------------------------- */

static int usage(void)
{
	fputs("usage: fieldtrace report --db PATH --month YYYY-MM [--out FILE.md]\n", stderr);
	return 2;
}

int cli_report(int argc, char **argv)
{
	const char *month = NULL, *out_path = NULL;
	struct config cfg;
	struct db *db = NULL;
	struct buf doc;
	char err[256];
	enum err e;
	FILE *f;
	int rc = 1;

	config_defaults(&cfg);
	if (config_load_env(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fieldtrace: %s\n", err);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *value;
		char key[32];

		if (strncmp(arg, "--", 2) != 0)
			return usage();
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - arg - 2), arg + 2);
			value = eq + 1;
		} else if (i + 1 < argc) {
			snprintf(key, sizeof(key), "%s", arg + 2);
			value = argv[++i];
		} else {
			return usage();
		}
		if (strcmp(key, "month") == 0) {
			month = value;
		} else if (strcmp(key, "out") == 0) {
			out_path = value;
		} else if (strcmp(key, "db") == 0) {
			if (config_set(&cfg, key, value, err, sizeof(err)) < 0) {
				fprintf(stderr, "fieldtrace: %s\n", err);
				return 2;
			}
		} else {
			return usage();
		}
	}
	if (!month)
		return usage();
	if (db_open(cfg.db_path, &db) != ERR_OK)
		return 1;
	if (db_check_schema(db) != ERR_OK) {
		fprintf(stderr,
			"fieldtrace: %s is not migrated to this version; run fieldtrace "
			"migrate first\n",
			cfg.db_path);
		db_close(db);
		return 1;
	}
	buf_init(&doc, 0);
	e = report_monthly(
	    db, &(struct report_query){ .month = month, .now = clock_now(), .with_problems = 1 },
	    &doc, NULL);
	db_close(db);
	if (e == ERR_INVALID) {
		fprintf(stderr, "fieldtrace: --month must be YYYY-MM\n");
		rc = 2;
	} else if (e != ERR_OK) {
		fprintf(stderr, "fieldtrace: the report could not be built\n");
	} else if (!out_path) {
		rc = fwrite(doc.data, 1, doc.len, stdout) == doc.len ? 0 : 1;
	} else if (!(f = fopen(out_path, "w"))) {
		fprintf(stderr, "fieldtrace: cannot write %s\n", out_path);
	} else {
		rc = fwrite(doc.data, 1, doc.len, f) == doc.len ? 0 : 1;
		if (fclose(f) != 0)
			rc = 1;
		if (rc == 0)
			fprintf(stderr, "report for %s written to %s\n", month, out_path);
	}
	buf_cleanup(&doc);
	return rc;
}
