/* A JSON writer over struct buf (see include/core/jsonw.h), and a validator for
 * stored JSON text that is embedded without being parsed into a tree. */
#include "core/jsonw.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

/* jansson's JSON_PARSER_MAX_DEPTH. */
#define VALID_DEPTH_MAX 2048
/* Number lexemes up to this length are checked with strtod in a stack
 * buffer; longer ones (jansson reads any length) in a heap copy. */
#define NUMBER_MAX 63

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at p (2..4) before end, else 0:
 * no overlongs, no surrogates, nothing above U+10FFFF. p[0] >= 0x80. */
static int utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	unsigned lo = 0x80, hi = 0xBF;
	int n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (end - p < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/* ---- writing ------------------------------------------------------------- */

void jsonw_init(struct jsonw *w, struct buf *b)
{
	w->b = b;
	w->staged = 0;
	w->depth = 0;
	w->after_key = 0;
}

void jsonw_finish(struct jsonw *w)
{
	if (w->staged)
		buf_append(w->b, w->stage, w->staged);
	w->staged = 0;
}

void jsonw_continue(struct jsonw *w, int depth)
{
	if (depth < 0 || depth > JSONW_DEPTH_MAX) {
		w->b->failed = 1;
		return;
	}
	w->depth = depth;
	w->after_key = 0;
	memset(w->more, 1, (size_t)depth);
}

static void put(struct jsonw *w, const void *data, size_t len)
{
	if (len > sizeof(w->stage) - w->staged) {
		jsonw_finish(w);
		if (len > sizeof(w->stage) / 2) {
			buf_append(w->b, data, len);
			return;
		}
	}
	memcpy(w->stage + w->staged, data, len);
	w->staged += len;
}

static void put_char(struct jsonw *w, char c)
{
	if (w->staged == sizeof(w->stage))
		jsonw_finish(w);
	w->stage[w->staged++] = c;
}

/* The comma before an item, unless it is a member's value or the first. */
static void item_begin(struct jsonw *w)
{
	unsigned char *more;

	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	more = &w->more[w->depth - 1];
	if (*more)
		put_char(w, ',');
	*more = 1;
}

static void container_open(struct jsonw *w, char bracket)
{
	item_begin(w);
	if (w->depth == JSONW_DEPTH_MAX) {
		w->b->failed = 1;
		return;
	}
	w->more[w->depth++] = 0;
	put_char(w, bracket);
}

static void container_close(struct jsonw *w, char bracket)
{
	if (w->depth == 0) {
		w->b->failed = 1;
		return;
	}
	w->depth--;
	put_char(w, bracket);
}

void jsonw_object(struct jsonw *w)
{
	container_open(w, '{');
}

void jsonw_object_end(struct jsonw *w)
{
	container_close(w, '}');
}

void jsonw_array(struct jsonw *w)
{
	container_open(w, '[');
}

void jsonw_array_end(struct jsonw *w)
{
	container_close(w, ']');
}

/* Bytes a string may hold as they are: printable ASCII but " and \. */
static const unsigned char plain[256] = {
	['\x20'] = 1,
	1,
	0,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1, /* 0x20..0x2f */
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1, /* 0x30 */
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1, /* 0x40 */
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	0,
	1,
	1,
	1, /* 0x50 */
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1, /* 0x60 */
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1,
	1, /* 0x70 */
};

/* The quoted, escaped string, as jansson's dump_string() writes it. */
static void put_string(struct jsonw *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	put_char(w, '"');
	while (p < end) {
		const unsigned char *run = p;
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t elen = 2;
		unsigned char c;
		int n;

		/* A run of what goes out as it is: plain ASCII and valid UTF-8. */
		while (p < end) {
			if (plain[*p])
				p++;
			else if (*p >= 0x80 && (n = utf8_seq(p, end)) > 0)
				p += n;
			else
				break;
		}
		put(w, run, (size_t)(p - run));
		if (p == end)
			break;
		c = *p;
		if (c >= 0x80) { /* not UTF-8 */
			put(w, replacement, sizeof(replacement) - 1);
			p++;
			continue;
		}
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		put(w, esc, elen);
		p++;
	}
	put_char(w, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	size_t len = 0;

	item_begin(w);
	/* Keys are the code's own names, plain ASCII: copied as they are in
	 * one step (escaping them a byte at a time was a tenth of the trace's
	 * writing). Any other key is escaped like a value. */
	while (plain[(unsigned char)key[len]])
		len++;
	if (key[len] == '\0' && len + 3 <= sizeof(w->stage) - w->staged) {
		char *d = w->stage + w->staged;

		d[0] = '"';
		memcpy(d + 1, key, len);
		d[len + 1] = '"';
		d[len + 2] = ':';
		w->staged += len + 3;
	} else {
		put_string(w, key, len + strlen(key + len));
		put_char(w, ':');
	}
	w->after_key = 1;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t len)
{
	item_begin(w);
	put_string(w, s, len);
}

void jsonw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	jsonw_strn(w, s, strlen(s));
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	char num[24], *p = num + sizeof(num);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	item_begin(w);
	put(w, p, (size_t)(num + sizeof(num) - p));
}

/* jansson's jsonp_dtostr(): "%.17g", ".0" when it reads as an integer,
 * the exponent without '+' and leading zeros. */
void jsonw_real(struct jsonw *w, double v)
{
	char num[40], *e;
	int n;

	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	n = snprintf(num, sizeof(num), "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof(num) - 3) {
		w->b->failed = 1;
		return;
	}
	if (!strchr(num, '.') && !strchr(num, 'e')) {
		memcpy(num + n, ".0", 3);
		n += 2;
	}
	e = strchr(num, 'e');
	if (e) {
		char *start = e + 1, *digits = e + 2;

		if (*start == '-')
			start++;
		while (*digits == '0')
			digits++;
		if (digits != start) {
			memmove(start, digits, strlen(digits) + 1);
			n = (int)strlen(num);
		}
	}
	item_begin(w);
	put(w, num, (size_t)n);
}

void jsonw_bool(struct jsonw *w, int v)
{
	item_begin(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	item_begin(w);
	put(w, "null", 4);
}

static void two_digits(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil
 * inverse), then the fields clock_format()'s strftime writes. Years
 * outside 1000..9999 go through clock_format() itself. */
void jsonw_time(struct jsonw *w, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
	char out[32] = "\"0000-00-00T00:00:00Z\"";

	if (y < 1000 || y > 9999) { /* strftime does not pad %Y */
		clock_format(t, out + 1, sizeof(out) - 2);
		jsonw_str(w, out + 1);
		return;
	}
	two_digits(out + 1, (unsigned)(y / 100));
	two_digits(out + 3, (unsigned)(y % 100));
	two_digits(out + 6, m);
	two_digits(out + 9, d);
	two_digits(out + 12, (unsigned)(secs / 3600));
	two_digits(out + 15, (unsigned)(secs / 60 % 60));
	two_digits(out + 18, (unsigned)(secs % 60));
	item_begin(w);
	put(w, out, 22);
}

void jsonw_raw(struct jsonw *w, const char *text, size_t len, char kind, const char *fallback)
{
	char got;

	/* Most stored details are empty: "{}" needs no validator. */
	if (text && len == 2 && (text[0] == '{' || text[0] == '[') && text[1] == text[0] + 2)
		got = text[0];
	else
		got = text ? jsonw_valid(text, len) : 0;

	item_begin(w);
	if (got && (!kind || got == kind))
		put(w, text, len);
	else
		put(w, fallback, strlen(fallback));
}

void jsonw_member_str(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_member_int(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_int(w, v);
}

void jsonw_member_null(struct jsonw *w, const char *key)
{
	jsonw_key(w, key);
	jsonw_null(w);
}

void jsonw_member_time(struct jsonw *w, const char *key, int64_t t)
{
	jsonw_key(w, key);
	jsonw_time(w, t);
}

void jsonw_member_str_or_null(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	if (s && s[0])
		jsonw_str(w, s);
	else
		jsonw_null(w);
}

void jsonw_member_id_or_null(struct jsonw *w, const char *key, int64_t id)
{
	jsonw_key(w, key);
	if (id)
		jsonw_int(w, id);
	else
		jsonw_null(w);
}

/* ---- validating ---------------------------------------------------------- */

typedef const unsigned char *pos;

static pos skip_ws(pos p, pos end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Four hex digits at p as a number; -1 when they are not. */
static long hex4(pos p, pos end)
{
	long v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* The string starting at p ('"'): past its end, or NULL. */
static pos scan_string(pos p, pos end)
{
	p++;
	while (p < end) {
		unsigned char c = *p;
		long u, lo;
		int n;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c >= 0x80) {
			n = utf8_seq(p, end);
			if (!n)
				return NULL;
			p += n;
			continue;
		}
		if (c != '\\') {
			p++;
			continue;
		}
		if (++p == end)
			return NULL;
		if (*p && strchr("\"\\/bfnrt", *p)) {
			p++;
			continue;
		}
		if (*p != 'u' || (u = hex4(p + 1, end)) < 0 || u == 0)
			return NULL;
		p += 5;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return NULL; /* a low surrogate first */
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
				return NULL;
			lo = hex4(p + 2, end);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return NULL;
			p += 6;
		}
	}
	return NULL;
}

/* The number starting at p: past its end, or NULL when it is malformed or
 * jansson would refuse it (an integer outside int64_t, a real that
 * overflows). */
static pos scan_number(pos p, pos end)
{
	pos start = p;
	int is_real = 0;
	uint64_t v = 0, limit = INT64_MAX;
	char num[NUMBER_MAX + 1], *copy;
	size_t len;
	double d;
	int overflow;

	if (*p == '-') {
		limit = (uint64_t)INT64_MAX + 1;
		p++;
	}
	if (p == end || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0') {
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned digit = (unsigned)(*p - '0');

			if (v > (limit - digit) / 10)
				is_real = -1; /* too big for an integer */
			else
				v = v * 10 + digit;
			p++;
		}
	}
	if (p < end && *p == '.') {
		pos digits = ++p;

		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return NULL;
		is_real = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		pos digits;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		digits = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return NULL;
		is_real = 1;
	}
	if (is_real == 0)
		return p;
	if (is_real < 0)
		return NULL;
	len = (size_t)(p - start);
	copy = len > NUMBER_MAX ? malloc(len + 1) : num;
	if (!copy)
		return NULL;
	memcpy(copy, start, len);
	copy[len] = '\0';
	errno = 0;
	d = strtod(copy, NULL);
	overflow = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
	if (copy != num)
		free(copy);
	return overflow ? NULL : p;
}

static pos scan_literal(pos p, pos end, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
		return NULL;
	return p + n;
}

/* A member's name and its colon, at p: past the colon and any space. */
static pos scan_name(pos p, pos end)
{
	if (p == end || *p != '"')
		return NULL;
	p = scan_string(p, end);
	if (!p)
		return NULL;
	p = skip_ws(p, end);
	if (p == end || *p != ':')
		return NULL;
	return skip_ws(p + 1, end);
}

char jsonw_valid(const char *text, size_t len)
{
	pos p = (pos)text, end = p + len;
	unsigned char stack[VALID_DEPTH_MAX];
	int depth = 0;
	char kind;

	p = skip_ws(p, end);
	if (p == end || (*p != '{' && *p != '['))
		return 0;
	kind = (char)*p;
	for (;;) {
		/* p is at a value. */
		if (p == end)
			return 0;
		switch (*p) {
		case '{':
		case '[':
			if (depth == VALID_DEPTH_MAX)
				return 0;
			stack[depth++] = *p == '{' ? '}' : ']';
			p = skip_ws(p + 1, end);
			if (p < end && *p == stack[depth - 1]) {
				p++;
				depth--;
				break;
			}
			if (stack[depth - 1] == '}' && !(p = scan_name(p, end)))
				return 0;
			continue;
		case '"':
			p = scan_string(p, end);
			break;
		case 't':
			p = scan_literal(p, end, "true");
			break;
		case 'f':
			p = scan_literal(p, end, "false");
			break;
		case 'n':
			p = scan_literal(p, end, "null");
			break;
		default:
			p = scan_number(p, end);
		}
		if (!p)
			return 0;
		/* After a value: a comma, or closing brackets. */
		for (;;) {
			p = skip_ws(p, end);
			if (depth == 0)
				return p == end ? kind : 0;
			if (p == end)
				return 0;
			if (*p == stack[depth - 1]) {
				p++;
				depth--;
				continue;
			}
			if (*p != ',')
				return 0;
			p = skip_ws(p + 1, end);
			if (stack[depth - 1] == '}' && !(p = scan_name(p, end)))
				return 0;
			break;
		}
	}
}
