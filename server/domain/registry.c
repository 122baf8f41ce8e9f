/* Shared by the registry's modules: nested JSON validation, calendar
 * dates, personal data masking and the audited reveal of it. */
#include "domain/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "db/db.h"

/* ---- validation ---------------------------------------------------------- */

/* prefix + "/" + key as a JSON pointer (RFC 6901: '~' -> "~0", '/' -> "~1"). */
static void member_pointer(char *out, size_t size, const char *prefix, const char *key)
{
	size_t n = (size_t)snprintf(out, size, "%s/", prefix);

	for (const char *k = key; *k && n + 3 < size; k++) {
		if (*k == '~' || *k == '/') {
			out[n++] = '~';
			out[n++] = *k == '~' ? '0' : '1';
		} else {
			out[n++] = *k;
		}
	}
	out[n < size ? n : size - 1] = '\0';
}

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "a value";
	}
}

static int type_ok(const json_t *v, json_type want)
{
	switch (want) {
	case JSON_NULL:
		return 1;
	case JSON_TRUE:
	case JSON_FALSE:
		return json_is_boolean(v);
	case JSON_REAL:
		return json_is_number(v);
	default:
		return json_typeof(v) == want;
	}
}

enum err registry_json_check(struct problem *pb, const json_t *obj, const char *prefix,
			     const struct json_field *fields)
{
	const char *key;
	json_t *v;
	enum err e = ERR_OK;
	char ptr[192];

	if (!json_is_object(obj))
		return problem_invalid(pb, prefix, "must be an object");
	json_object_foreach((json_t *)obj, key, v) {
		const struct json_field *f = fields;

		while (f->name && strcmp(f->name, key) != 0)
			f++;
		member_pointer(ptr, sizeof(ptr), prefix, key);
		if (!f->name) {
			e = problem_invalid(pb, ptr, "unknown member");
		} else if (json_is_null(v)) {
			if (!(f->flags & JF_NULLABLE))
				e = problem_invalid(pb, ptr, "must not be null");
		} else if (!type_ok(v, f->type)) {
			e = problem_invalid(pb, ptr, "must be %s", type_name(f->type));
		} else if (json_is_string(v)) {
			size_t max = f->max_len ? f->max_len : 1024;

			if (json_string_length(v) > max)
				e = problem_invalid(pb, ptr, "longer than %zu bytes", max);
			else if (memchr(json_string_value(v), '\0', json_string_length(v)))
				e = problem_invalid(pb, ptr, "must not contain NUL");
		}
	}
	for (const struct json_field *f = fields; f->name; f++) {
		if ((f->flags & JF_REQUIRED) && !json_object_get(obj, f->name)) {
			member_pointer(ptr, sizeof(ptr), prefix, f->name);
			e = problem_invalid(pb, ptr, "is required");
		}
	}
	return e;
}

#define CODE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* Control characters, but line breaks and tabs in multiline text. */
static int has_control(const char *s, size_t n, int multiline)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (multiline && (c == '\n' || c == '\r' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

int registry_one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

int registry_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

int registry_take_text(struct problem *pb, const json_t *obj, const char *prefix, const char *key,
		       char *dst, size_t size, unsigned flags)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;
	char ptr[192];

	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	n = json_string_length(v);
	member_pointer(ptr, sizeof(ptr), prefix, key);
	if (problem_names(pb, ptr))
		return 1; /* the member check said what is wrong with it */
	if (n >= size)
		problem_invalid(pb, ptr, "longer than %zu bytes", size - 1);
	else if (memchr(s, '\0', n))
		problem_invalid(pb, ptr, "must not contain NUL");
	else if ((flags & TEXT_REQUIRED) && registry_blank(s))
		problem_invalid(pb, ptr, "must not be empty");
	else if (has_control(s, n, (flags & TEXT_MULTILINE) != 0))
		problem_invalid(pb, ptr, "must not contain control characters");
	else if ((flags & TEXT_CODE) && strspn(s, CODE_CHARS) != n)
		problem_invalid(pb, ptr, "may hold only A-Z a-z 0-9 . _ -");
	else
		memcpy(dst, s, n + 1);
	return 1;
}

int registry_code_chars_ok(const char *s)
{
	return s[strspn(s, CODE_CHARS)] == '\0';
}

int registry_take_id(struct problem *pb, const json_t *obj, const char *prefix, const char *key,
		     int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char ptr[192];

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_integer(v)) { /* other types were reported by the type check */
		member_pointer(ptr, sizeof(ptr), prefix, key);
		problem_invalid(pb, ptr, "must be a positive integer");
	}
	*out = 0;
	return 1;
}

int registry_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* ---- dates --------------------------------------------------------------- */

/* Howard Hinnant's civil-from-days algorithms (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28u + (unsigned)leap : days[m - 1];
}

/* Dates past 9999-12-31 are written as that day: the column is 10 bytes. */
static void date_format(int64_t y, unsigned m, unsigned d, char out[11])
{
	unsigned yy;

	if (y > 9999) {
		y = 9999;
		m = 12;
		d = 31;
	} else if (y < 0) {
		y = 0;
	}
	yy = (unsigned)y;
	out[0] = (char)('0' + yy / 1000 % 10);
	out[1] = (char)('0' + yy / 100 % 10);
	out[2] = (char)('0' + yy / 10 % 10);
	out[3] = (char)('0' + yy % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10 % 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10 % 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

static void date_split(const char *s, int64_t *y, unsigned *m, unsigned *d)
{
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	*d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
}

int registry_date_ok(const char *s)
{
	int64_t t;

	return s && strlen(s) == 10 && clock_parse(s, &t) == 0;
}

int64_t registry_date_days(const char *s)
{
	int64_t y;
	unsigned m, d;

	date_split(s, &y, &m, &d);
	return days_from_civil(y, m, d);
}

void registry_date_of(int64_t t, char out[11])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	date_format(y, m, d, out);
}

int registry_date_add_months(const char *start, int64_t months, char out[11])
{
	int64_t y, total;
	unsigned m, d, dim;

	date_split(start, &y, &m, &d);
	total = y * 12 + (int64_t)(m - 1) + months;
	y = total / 12;
	m = (unsigned)(total % 12) + 1;
	dim = month_days(y, m);
	date_format(y, m, d > dim ? dim : d, out); /* clamps to 9999-12-31 */
	return y > 9999 ? -1 : 0;
}

void registry_date_add_days(const char *start, int64_t days, char out[11])
{
	int64_t y;
	unsigned m, d;

	civil_from_days(registry_date_days(start) + days, &y, &m, &d);
	date_format(y, m, d, out);
}

int registry_path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	return n > 0 && strncmp(inner, outer, n) == 0;
}

/* ---- personal data ------------------------------------------------------- */

static int utf8_continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

void registry_mask_name(const char *in, char *out, size_t size)
{
	size_t first = 1, n = 0;

	if (size == 0)
		return;
	if (!in[0]) {
		out[0] = '\0';
		return;
	}
	while (in[first] && utf8_continuation(in[first]))
		first++;
	if (!in[first]) { /* a one-character name is hidden whole */
		snprintf(out, size, "*");
		return;
	}
	if (first < size) {
		memcpy(out, in, first);
		n = first;
	}
	for (size_t i = first; in[i]; i++)
		if (!utf8_continuation(in[i]) && n + 1 < size)
			out[n++] = '*';
	out[n] = '\0';
}

void registry_mask_phone(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (n == 0)
		snprintf(out, size, "%s", "");
	else if (n < 11)
		snprintf(out, size, "%s", "****");
	else
		snprintf(out, size, "%.3s****%s", in, in + n - 4);
}

void registry_mask_id_number(const char *in, char *out, size_t size)
{
	size_t n = strlen(in), keep_head = n >= 8 ? 3 : 0, keep_tail = n >= 8 ? 2 : 0;

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (i < keep_head || i >= n - keep_tail) ? in[i] : '*';
	out[n] = '\0';
}
