/* Field errors and the detail line of a problem (include/core/problem.h). */
#include "core/problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

/* Appends as much of src as fits (dst stays NUL-terminated). */
static void append(char *dst, size_t size, const char *src)
{
	size_t n = strlen(dst), m = strlen(src);

	if (n + 1 >= size)
		return;
	if (m > size - n - 1)
		m = size - n - 1;
	memcpy(dst + n, src, m);
	dst[n + m] = '\0';
}

enum err problem_fail(struct problem *p, enum err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	utf8_repair(p->detail);
	return e;
}

enum err problem_invalid(struct problem *p, const char *pointer, const char *fmt, ...)
{
	char msg[256], where[192];
	json_t *entry;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Member names come from the client and may be cut mid-character. */
	snprintf(where, sizeof(where), "%s", pointer);
	utf8_repair(where);
	utf8_repair(msg);
	if (!p->errors)
		p->errors = json_array();
	/* RFC 9457: body members are named by JSON pointer, query
	 * parameters by name. */
	entry =
	    json_pack("{s:s, s:s}", (where[0] == '/' || where[0] == '\0') ? "pointer" : "parameter",
		      where, "detail", msg);
	json_array_append_new(p->errors, entry ? entry : json_pack("{s:s}", "detail", msg));
	if (!p->detail[0]) {
		append(p->detail, sizeof(p->detail), where);
		append(p->detail, sizeof(p->detail), where[0] ? ": " : "");
		append(p->detail, sizeof(p->detail), msg);
		utf8_repair(p->detail);
	}
	return ERR_INVALID;
}

size_t problem_count(const struct problem *p)
{
	return p->errors ? json_array_size(p->errors) : 0;
}

int problem_names(const struct problem *p, const char *pointer)
{
	json_t *e;
	size_t i;

	json_array_foreach(p->errors, i, e) {
		const char *named = json_string_value(json_object_get(e, "pointer"));

		if (named && strcmp(named, pointer) == 0)
			return 1;
	}
	return 0;
}

void problem_cleanup(struct problem *p)
{
	json_decref(p->errors);
	json_decref(p->extra);
	p->errors = p->extra = NULL;
	p->detail[0] = '\0';
}
