/* The customer's pages from a unit's nameplate (server/api/selfservice.c):
 * the fault report form, the tracking page and its rating form. */
#ifndef FT_API_SELFSERVICE_H
#define FT_API_SELFSERVICE_H

#include <jansson.h>

#include "core/buf.h"
#include "core/problem.h"

struct db;

/* The CSP of the public nameplate and self-service pages: no script at
 * all, the pages' own <style>, forms posting to this origin only. */
#define SELFSERVICE_CSP                                                                            \
	"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "                         \
	"form-action 'self'; frame-ancestors 'none'"

/* The pages' shared <style> (phone first: one column, large targets). */
extern const char selfservice_css[];

/* The "report a fault" form for the unit of code, as the nameplate page
 * and a refused report show it: values (may be NULL) refill the fields,
 * pb (may be NULL) puts each field's problem next to it. */
void selfservice_form_html(struct buf *b, struct db *db, const char *code, const json_t *values,
			   const struct problem *pb);

#endif
