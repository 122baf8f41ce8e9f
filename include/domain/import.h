/* Bulk asset import from CSV (server/domain/import.c): the engine behind
 * POST /v1/imports/assets (server/api/import.c) and `fieldtrace import
 * assets` (server/cli/import.c). */
#ifndef FT_IMPORT_H
#define FT_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/audit.h"
#include "core/err.h"
#include "core/policy.h"

struct db;

#define IMPORT_ROWS_MAX 1000000 /* data rows in one file */

/* How a run goes. */
struct import_opts {
	const struct audit_actor *actor; /* actor->user_id also marks the timeline */
	const struct principal *who;     /* scope of the sites; NULL = the system */
	int dry_run;
	int large_cache; /* a 256 MiB page cache while writing (the command line's) */
	int slice_rows;  /* rows per write transaction */
};

/* What a run found: rows, errors, and what it wrote. */
struct import_report {
	size_t rows; /* data rows read */
	size_t errors_total;
	json_t *errors;   /* [{line, column (null for a whole row), detail}]; owned */
	char detail[256]; /* what went wrong, for a failed run */
	char sha256[65];
	int64_t first_id, last_id;
	size_t slices;          /* write transactions, the last one publishing */
	double longest_hold_ms; /* the longest of them, BEGIN to COMMIT */
};

/* Sets the rows per write transaction (config import_slice_rows); call at
 * start, before serving. */
void import_slice_rows_use(int rows);
/* The rows per write transaction (IMPORT_SLICE_ROWS_DEFAULT until set). */
int import_slice_rows(void);

/* Validates the file and, unless dry_run, imports it. ERR_OK: every row
 * good (and stored); ERR_INVALID: not a CSV file, a bad header or no rows
 * (the errors say where); ERR_UNPROCESSABLE: bad rows, all listed;
 * ERR_TOO_LARGE; ERR_CONFLICT: the registry changed between the passes;
 * storage errors. rep->errors is new (caller decrefs). */
enum err import_run(struct db *db, const struct import_opts *o, const char *data, size_t len,
		    struct import_report *rep);

#endif
