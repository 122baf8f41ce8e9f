/* Bulk asset import from CSV (server/import.c): POST /v1/imports/assets
 * and `fieldtrace import assets` (cli.h). */
#ifndef FT_IMPORT_H
#define FT_IMPORT_H

/* Rows per write transaction: other writers wait at most one of these. */
#define IMPORT_SLICE_ROWS_DEFAULT 1000

/* Sets the rows per write transaction (config import_slice_rows); call at
 * start, before serving. */
void import_slice_rows_use(int rows);

#endif
