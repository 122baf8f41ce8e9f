/* Command-line subcommands (server/cli/), on the domain layer. Each
 * returns the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef FT_CLI_H
#define FT_CLI_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct db;

/* fieldtrace import assets --db PATH FILE.csv        (server/cli/import.c) */
int cli_import(int argc, char **argv);
/* fieldtrace labels --db PATH --batch B --out FILE   (server/cli/labels.c) */
int cli_labels(int argc, char **argv);

/* fieldtrace report --db PATH --month YYYY-MM [--out FILE] (server/cli/report.c;
 * the report itself: include/domain/report.h) */
int cli_report(int argc, char **argv);

/* fieldtrace channels check FILE | test FILE --email ADDR ... (server/cli/channels.c):
 * a channels file checked as serve loads it, and one real message sent. */
int cli_channels(int argc, char **argv);

#endif
