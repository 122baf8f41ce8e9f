/* Bulk asset import from CSV (server/api/import.c): POST /v1/imports/assets
 * and `fieldtrace import assets` (cli/cli.h). */
#ifndef FT_IMPORT_H
#define FT_IMPORT_H

/* Sets the rows per write transaction (config import_slice_rows); call at
 * start, before serving. */
void import_slice_rows_use(int rows);


#endif
