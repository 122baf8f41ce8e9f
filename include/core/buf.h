/* Growable byte buffer with a sticky error and an optional size cap.
 * Always NUL-terminated once anything was appended. */
#ifndef FT_BUF_H
#define FT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until first append */
	size_t len;
	size_t cap;
	size_t max; /* 0 = unlimited */
	int failed; /* set when an append hit max or malloc failed */
};

void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b); /* frees data; b may be reused after init */
int buf_append(struct buf *b, const void *data, size_t len); /* 0 ok, -1 failed */
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s escaped for HTML text and attribute values (& < > " '), control
 * characters as '?'. */
void buf_put_html(struct buf *b, const char *s);
/* Hands the NUL-terminated data to the caller (caller frees) and resets b. */
char *buf_detach(struct buf *b, size_t *len);

#endif
