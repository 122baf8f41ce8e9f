/* What went wrong with an input, independent of how it is answered: a
 * detail line and the list of named field errors (RFC 9457's "errors").
 * Domain checks fill one; the API answers it as problem+json, the CLI and
 * the demo loader print it. */
#ifndef FT_PROBLEM_H
#define FT_PROBLEM_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

struct problem {
	char detail[256]; /* the problem's "detail"; "" until set */
	json_t *errors;   /* [{"pointer"|"parameter": ..., "detail": ...}]; owned */
	json_t *extra;    /* further members ("allowed": [...]); owned */
};

/* Sets the detail and returns e (`return problem_fail(p, ERR_NOT_FOUND,
 * "no such unit");`). */
enum err problem_fail(struct problem *p, enum err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds {"pointer": pointer, "detail": msg} and returns ERR_INVALID.
 * pointer is a JSON pointer into a body ("/username", "" for the whole
 * body) or a query parameter's name ("limit"), listed as "parameter". The
 * first error also becomes the detail. */
enum err problem_invalid(struct problem *p, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Field errors collected so far. */
size_t problem_count(const struct problem *p);
/* Has pointer an error already (a field is named once)? */
int problem_names(const struct problem *p, const char *pointer);
/* Frees what p owns and empties it. */
void problem_cleanup(struct problem *p);

/* The members a JSON object may have: unknown members and wrong types are
 * problems naming the member. type is a jansson json_type; JSON_NULL means
 * "any". */
enum json_field_flags {
	JF_REQUIRED = 1u << 0,
	JF_NULLABLE = 1u << 1,
};
struct json_field {
	const char *name;
	json_type type;
	unsigned flags;
	size_t max_len; /* strings: max bytes (0 = 1024) */
};
#endif
