/* Writing JSON text straight into a struct buf, without building a jansson
 * tree first: for large answers on hot paths (the asset trace).
 *
 * The text is what json_dumps(..., JSON_COMPACT) would make of the same
 * values, byte for byte: no whitespace, members in the order written,
 * strings escaped as jansson escapes them (\" \\ \b \f \n \r \t, other
 * control characters as \u00XX, everything else as is), reals as "%.17g"
 * with ".0" added to whole numbers. Text that is not valid UTF-8 has each
 * bad byte replaced by U+FFFD, so the output is always valid JSON.
 *
 * Commas are the writer's business: open a container, write members
 * (jsonw_key then one value, or a jsonw_member_* call) or elements, close
 * it. The text is staged in the writer and reaches the buf in large
 * pieces: call jsonw_finish() before reading the buf. Errors (nesting
 * deeper than JSONW_DEPTH_MAX, out of memory) are sticky in the buf's
 * `failed`. */
#ifndef FT_JSONW_H
#define FT_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JSONW_DEPTH_MAX 32
#define JSONW_STAGE_SIZE 2048

struct jsonw {
	struct buf *b; /* borrowed; the text is appended to it */
	size_t staged; /* bytes in stage not yet in b */
	int depth;
	int after_key;                       /* the next value is a member's */
	unsigned char more[JSONW_DEPTH_MAX]; /* the container at depth i has an item */
	char stage[JSONW_STAGE_SIZE];
};

void jsonw_init(struct jsonw *w, struct buf *b);
/* Moves the staged text into the buf. The writer may go on afterwards. */
void jsonw_finish(struct jsonw *w);

/* Goes on with text an earlier writer left open, depth containers deep
 * (objects or arrays, each already holding an item, so the next item
 * starts with a comma): for kept text that answers append to (the trace
 * snapshots). Call after jsonw_init. */
void jsonw_continue(struct jsonw *w, int depth);

void jsonw_object(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
/* The next member's name. */
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_strn(struct jsonw *w, const char *s, size_t len);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_real(struct jsonw *w, double v); /* NaN and infinities write null */
void jsonw_bool(struct jsonw *w, int v);
void jsonw_null(struct jsonw *w);
/* A Unix time as the string clock_format() makes of it:
 * "YYYY-MM-DDThh:mm:ssZ". */
void jsonw_time(struct jsonw *w, int64_t t);

/* Stored JSON text embedded as it is: text (len bytes) when it is one
 * valid JSON object or array (what json_loads() would accept, see
 * jsonw_valid), of the given kind when kind is '{' or '[' (0 = either),
 * else fallback, which the caller guarantees is valid ("{}", "[]"). */
void jsonw_raw(struct jsonw *w, const char *text, size_t len, char kind, const char *fallback);

/* Member shortcuts: jsonw_key(w, key) then the value. */
void jsonw_member_str(struct jsonw *w, const char *key, const char *s);
void jsonw_member_int(struct jsonw *w, const char *key, int64_t v);
void jsonw_member_null(struct jsonw *w, const char *key);
void jsonw_member_time(struct jsonw *w, const char *key, int64_t t);
/* "" writes null: optional text such as an unknown date. */
void jsonw_member_str_or_null(struct jsonw *w, const char *key, const char *s);
/* 0 writes null: optional references. */
void jsonw_member_id_or_null(struct jsonw *w, const char *key, int64_t id);

/* '{' or '[' when text (len bytes) is exactly one JSON object or array,
 * surrounded by whitespace at most, as jansson's json_loads(text, 0)
 * accepts it: valid UTF-8, no control characters or \u0000 in strings,
 * paired surrogate escapes, integers within int64_t, finite reals, depth
 * at most 2048; 0 when it is not. Allocates nothing, except a copy of a
 * number longer than 63 characters for strtod. */
char jsonw_valid(const char *text, size_t len);

#endif
