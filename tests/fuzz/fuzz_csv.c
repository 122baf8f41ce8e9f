/* The RFC 4180 reader (server/lib/csv.c) on any bytes, with the default limits
 * or small ones (the first byte chooses), so the field, row and
 * field-count caps are hit as often as the quoting rules.
 * Oracles: every field handed out is NUL-terminated at len, holds no NUL,
 * is valid UTF-8 (jansson's check, an independent implementation) and
 * keeps to the limits; line numbers never go back; and the records read
 * are a fixed point: written back as fully quoted CSV and read again they
 * come out byte for byte the same. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "lib/csv.h"
#include "fuzz.h"

struct ctx {
	struct csv_limits lim;
	size_t last_line;
	struct buf out; /* the records as quoted CSV */
};

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_csv: %s\n", why);
	abort();
}

static int on_record(void *arg, size_t line, const struct csv_field *f, size_t n)
{
	struct ctx *c = arg;
	size_t row = 0;

	if (n == 0 || n > c->lim.fields_max)
		fail("record field count out of range");
	if (line < c->last_line || line == 0)
		fail("line numbers went back");
	c->last_line = line;
	for (size_t i = 0; i < n; i++) {
		json_t *check;

		if (f[i].s[f[i].len] != '\0' || strlen(f[i].s) != f[i].len)
			fail("field not NUL-terminated at len, or holding a NUL");
		if (f[i].len > c->lim.field_max)
			fail("field longer than field_max");
		row += f[i].len;
		check = json_stringn(f[i].s, f[i].len);
		if (!check)
			fail("field is not valid UTF-8");
		json_decref(check);
		buf_puts(&c->out, i ? ",\"" : "\"");
		for (size_t k = 0; k < f[i].len; k++) {
			if (f[i].s[k] == '"')
				buf_puts(&c->out, "\"\"");
			else
				buf_append(&c->out, &f[i].s[k], 1);
		}
		buf_puts(&c->out, "\"");
	}
	if (row > c->lim.row_max)
		fail("record longer than row_max");
	buf_puts(&c->out, "\r\n");
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx a, b;
	struct csv_error err;
	enum csv_status s;

	if (size == 0)
		return 0;
	memset(&a, 0, sizeof(a));
	if (data[0] & 1) {
		a.lim.field_max = 1 + (data[0] >> 1) % 16;
		a.lim.row_max = 1 + (data[0] >> 1) % 40;
		a.lim.fields_max = 1 + (data[0] >> 4) % 5;
	} else {
		a.lim.field_max = CSV_FIELD_MAX;
		a.lim.row_max = CSV_ROW_MAX;
		a.lim.fields_max = CSV_FIELDS_MAX;
	}
	buf_init(&a.out, 0);
	s = csv_read((const char *)data + 1, size - 1, &a.lim, on_record, &a, &err);
	if (err.status != s || (s != CSV_OK && err.line == 0) || !csv_strerror(s))
		fail("inconsistent error report");
	if (a.out.failed)
		fail("out of memory");

	memset(&b, 0, sizeof(b));
	b.lim = a.lim;
	buf_init(&b.out, 0);
	s = csv_read(a.out.data ? a.out.data : "", a.out.len, &b.lim, on_record, &b, &err);
	if (s != CSV_OK) {
		fprintf(stderr, "fuzz_csv: re-reading the quoted records: %s at line %zu\n",
			csv_strerror(s), err.line);
		abort();
	}
	if (a.out.len != b.out.len || (a.out.len && memcmp(a.out.data, b.out.data, a.out.len)))
		fail("quoted records read back differently");
	buf_cleanup(&a.out);
	buf_cleanup(&b.out);
	return 0;
}
