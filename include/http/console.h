/* The web console (issue 17): the built single-page app, compiled into the
 * binary as a table (build/gen/console.c, from build/console/ by
 * tools/embed.c) and answered under /console/ by server/http/console.c
 * before the API pipeline sees the request. */
#ifndef FT_HTTP_CONSOLE_H
#define FT_HTTP_CONSOLE_H

#include "core/embedded.h"

/* Every built file, with its .gz and .br siblings: sorted by path (strcmp),
 * ended by an entry whose path is NULL. */
extern const struct embedded_file console_files[];
extern const unsigned long console_files_count;

/* The Content-Security-Policy every console answer carries: scripts,
 * styles and everything else from this origin only; no inline script or
 * style, no eval, no framing. */
extern const char http_console_csp[];

/* Is path (raw, without the query) the console's: "/console" or below
 * "/console/"? */
int http_console_path(const char *path);

#endif
