/* RFC 4180 reader and cell writer (see include/lib/csv.h). A byte-at-a-time state machine over
 * the buffer: no lookahead past one byte except for "" and CRLF, and every
 * byte that lands in a field has been checked for NUL and for well-formed
 * UTF-8 (RFC 3629, so no overlongs, surrogates or code points past
 * U+10FFFF). */
#include "lib/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct reader {
	const unsigned char *p;
	const unsigned char *end;
	size_t line;
	size_t field_max;
	size_t row_max;
	size_t fields_max;
	char *buf;          /* field bytes, each field NUL-terminated */
	size_t used;        /* bytes of buf in use, NULs included */
	size_t row_bytes;   /* field bytes of the record, NULs excluded */
	size_t field_start; /* offset in buf of the field being read */
	struct csv_field *fields;
	size_t nfields;
	struct csv_error err;
};

static enum csv_status fail(struct reader *r, enum csv_status status, size_t line)
{
	r->err.status = status;
	r->err.line = line;
	r->err.field = r->nfields + 1;
	return status;
}

/* Length of the well-formed UTF-8 sequence at p (1..4), 0 when it is not
 * one. p < end. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
	if ((size_t)(end - p) < n)
		return 0;
	/* The second byte's range is narrower for these leads. */
	if (c == 0xE0)
		lo = 0xA0; /* overlong */
	else if (c == 0xED)
		hi = 0x9F; /* surrogates */
	else if (c == 0xF0)
		lo = 0x90; /* overlong */
	else if (c == 0xF4)
		hi = 0x8F; /* past U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/* Appends n bytes at r->p to the current field and advances. */
static enum csv_status put(struct reader *r, size_t n)
{
	if (r->used - r->field_start + n > r->field_max)
		return fail(r, CSV_FIELD_TOO_LONG, r->line);
	if (r->row_bytes + n > r->row_max)
		return fail(r, CSV_ROW_TOO_LONG, r->line);
	for (size_t i = 0; i < n; i++)
		r->buf[r->used++] = (char)r->p[i];
	r->row_bytes += n;
	r->p += n;
	return CSV_OK;
}

/* Checks and appends one character (1..4 bytes) of field text. */
static enum csv_status put_char(struct reader *r)
{
	size_t n;

	if (*r->p == 0)
		return fail(r, CSV_NUL, r->line);
	n = utf8_len(r->p, r->end);
	if (n == 0)
		return fail(r, CSV_BAD_UTF8, r->line);
	return put(r, n);
}

static enum csv_status field_begin(struct reader *r)
{
	if (r->nfields == r->fields_max)
		return fail(r, CSV_TOO_MANY_FIELDS, r->line);
	r->field_start = r->used;
	return CSV_OK;
}

static void field_end(struct reader *r)
{
	r->buf[r->used] = '\0';
	r->fields[r->nfields].s = r->buf + r->field_start;
	r->fields[r->nfields].len = r->used - r->field_start;
	r->nfields++;
	r->used++;
}

static enum csv_status read_quoted(struct reader *r)
{
	size_t open_line = r->line;
	enum csv_status s;

	r->p++; /* the opening quote */
	for (;;) {
		if (r->p == r->end)
			return fail(r, CSV_UNTERMINATED, open_line);
		if (*r->p == '"') {
			if (r->p + 1 < r->end && r->p[1] == '"') {
				r->p++; /* keep one of the two */
				s = put(r, 1);
			} else {
				r->p++;
				break;
			}
		} else if (*r->p == '\n') {
			s = put(r, 1);
			r->line++;
		} else if (*r->p == '\r') {
			/* CR LF counts once, at the LF; a lone CR is a line too. */
			if (r->p + 1 == r->end || r->p[1] != '\n')
				r->line++;
			s = put(r, 1);
		} else {
			s = put_char(r);
		}
		if (s != CSV_OK)
			return s;
	}
	if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
		return fail(r, CSV_BAD_QUOTE, r->line);
	return CSV_OK;
}

static enum csv_status read_unquoted(struct reader *r)
{
	enum csv_status s;

	while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
		if (*r->p == '"')
			return fail(r, CSV_BAD_QUOTE, r->line);
		s = put_char(r);
		if (s != CSV_OK)
			return s;
	}
	return CSV_OK;
}

static enum csv_status read_all(struct reader *r, csv_record_fn fn, void *ctx)
{
	enum csv_status s;

	while (r->p < r->end) {
		size_t line = r->line;

		if (*r->p == '\n' || *r->p == '\r') {
			/* An empty line (CR LF, LF or a lone CR) is no record. */
			if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
				r->p++;
			r->p++;
			r->line++;
			continue;
		}
		r->nfields = 0;
		r->used = 0;
		r->row_bytes = 0;
		for (;;) {
			s = field_begin(r);
			if (s == CSV_OK)
				s = *r->p == '"' ? read_quoted(r) : read_unquoted(r);
			if (s != CSV_OK)
				return s;
			field_end(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				if (r->p == r->end) {
					/* "a," at the very end: a last, empty field. */
					s = field_begin(r);
					if (s != CSV_OK)
						return s;
					field_end(r);
					break;
				}
				continue;
			}
			break;
		}
		if (r->p < r->end) {
			if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
				r->p++;
			r->p++; /* the LF or lone CR that ended the record */
			r->line++;
		}
		if (fn(ctx, line, r->fields, r->nfields) != 0) {
			r->err.status = CSV_STOPPED;
			r->err.line = line;
			r->err.field = 0;
			return CSV_STOPPED;
		}
	}
	return CSV_OK;
}

enum csv_status csv_read(const char *data, size_t len, const struct csv_limits *lim,
			 csv_record_fn fn, void *ctx, struct csv_error *err)
{
	struct reader r = { 0 };
	enum csv_status s;

	r.p = (const unsigned char *)data;
	r.end = r.p + len;
	r.line = 1;
	r.field_max = lim && lim->field_max ? lim->field_max : CSV_FIELD_MAX;
	r.row_max = lim && lim->row_max ? lim->row_max : CSV_ROW_MAX;
	r.fields_max = lim && lim->fields_max ? lim->fields_max : CSV_FIELDS_MAX;
	if (len >= 3 && r.p[0] == 0xEF && r.p[1] == 0xBB && r.p[2] == 0xBF)
		r.p += 3;
	/* Every field byte plus one NUL per field fits without a check. */
	r.buf = malloc(r.row_max + r.fields_max);
	r.fields = malloc(r.fields_max * sizeof(*r.fields));
	if (!r.buf || !r.fields)
		s = fail(&r, CSV_NOMEM, 0);
	else
		s = read_all(&r, fn, ctx);
	free(r.buf);
	free(r.fields);
	if (s == CSV_OK)
		r.err.line = r.line;
	r.err.status = s;
	if (err)
		*err = r.err;
	return s;
}

const char *csv_strerror(enum csv_status status)
{
	switch (status) {
	case CSV_OK:
		return "ok";
	case CSV_STOPPED:
		return "stopped";
	case CSV_BAD_QUOTE:
		return "a quote inside an unquoted field or after a closing quote";
	case CSV_UNTERMINATED:
		return "a quoted field is never closed";
	case CSV_BAD_UTF8:
		return "the text is not valid UTF-8";
	case CSV_NUL:
		return "the text holds a NUL byte";
	case CSV_FIELD_TOO_LONG:
		return "a field is too long";
	case CSV_ROW_TOO_LONG:
		return "a row is too long";
	case CSV_TOO_MANY_FIELDS:
		return "a row has too many fields";
	case CSV_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* Spreadsheets (Excel, LibreOffice, Google Sheets) start a formula at any of
 * these; TAB and CR because some strip them first and read what follows. */
static int formula_lead(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void csv_cell_write(struct buf *out, const char *text)
{
	int neutralise = formula_lead(text[0]);

	if (!neutralise && !strpbrk(text, ",\"\r\n")) {
		buf_puts(out, text);
		return;
	}
	/* Quoted as well: the quote keeps a spreadsheet from reading the cell
	 * as anything but text, and a TAB or CR inside stays in the cell. */
	buf_puts(out, neutralise ? "\"'" : "\"");
	for (; *text; text++) {
		if (*text == '"')
			buf_puts(out, "\"");
		buf_append(out, text, 1);
	}
	buf_puts(out, "\"");
}
