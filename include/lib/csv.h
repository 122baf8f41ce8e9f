/* A small RFC 4180 reader: one pure function over a buffer that hands each
 * record to a callback; and the one cell writer every CSV the server sends
 * goes through. Quoted fields ("a,b", "say ""hi""", embedded line
 * breaks), CRLF or LF (a lone CR also ends a line), a leading UTF-8 byte
 * order mark is skipped, empty lines are skipped. Invalid UTF-8, NUL bytes
 * and stray quotes are errors reported with their line and field; fields,
 * records and field counts are capped. No allocation per record: one
 * scratch area sized from the limits is allocated per call. */
#ifndef FT_CSV_H
#define FT_CSV_H

#include <stddef.h>

struct csv_limits {
	size_t field_max;  /* bytes in one field once unquoted; 0 = CSV_FIELD_MAX */
	size_t row_max;    /* bytes of all of one record's fields; 0 = CSV_ROW_MAX */
	size_t fields_max; /* fields in one record; 0 = CSV_FIELDS_MAX */
};

#define CSV_FIELD_MAX 4096
#define CSV_ROW_MAX 65536
#define CSV_FIELDS_MAX 64

/* One field, unquoted and NUL-terminated (it holds no NUL itself).
 * Borrowed until the callback returns. */
struct csv_field {
	const char *s;
	size_t len;
};

/* Called once per record. line is the line the record starts on (1 = the
 * first line of the buffer); a record with quoted line breaks spans more.
 * Return 0 to go on; anything else stops the read with CSV_STOPPED. */
typedef int (*csv_record_fn)(void *ctx, size_t line, const struct csv_field *fields,
			     size_t nfields);

enum csv_status {
	CSV_OK = 0,
	CSV_STOPPED,      /* the callback asked to stop */
	CSV_BAD_QUOTE,    /* '"' inside an unquoted field, or text after a closing quote */
	CSV_UNTERMINATED, /* a quoted field still open at the end */
	CSV_BAD_UTF8,
	CSV_NUL,
	CSV_FIELD_TOO_LONG,
	CSV_ROW_TOO_LONG,
	CSV_TOO_MANY_FIELDS,
	CSV_NOMEM,
};

/* Where a read failed: line (1-based; for CSV_UNTERMINATED the line the
 * quote opened on) and field (1-based index within the record; 0 when not
 * known). */
struct csv_error {
	enum csv_status status;
	size_t line;
	size_t field;
};

/* Reads data[0..len) record by record. lim may be NULL (defaults); err may
 * be NULL. Returns CSV_OK when every record was delivered. */
enum csv_status csv_read(const char *data, size_t len, const struct csv_limits *lim,
			 csv_record_fn fn, void *ctx, struct csv_error *err);

/* A short English description of a status; static, never NULL. */
const char *csv_strerror(enum csv_status status);

struct buf;

/* Appends one text cell to out, quoted where RFC 4180 needs it. A cell
 * beginning with = + - @, TAB or CR is written as "'..." (OWASP CSV
 * injection): a spreadsheet opening the file shows the text instead of
 * running it as a formula. Only for text: numbers the server computed are
 * written with printf, unchanged (a negative count stays a number). */
void csv_cell_write(struct buf *out, const char *text);

#endif
