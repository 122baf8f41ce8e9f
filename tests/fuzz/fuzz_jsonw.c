/* The hand-written JSON code of include/core/jsonw.h against jansson, the
 * library whose behaviour it promises to match:
 *   - jsonw_valid(text) must accept exactly what json_loadb(text, 0)
 *     accepts, and name the same kind (object or array): it decides
 *     whether stored JSON is embedded as it is in the asset trace (text
 *     with a NUL byte: it must never accept what jansson refuses);
 *   - the writer's string, integer and real output must be byte for byte
 *     what json_dumps(..., JSON_COMPACT) makes of the same values, and
 *     always valid JSON (bad UTF-8 becomes U+FFFD).
 * Input: any bytes (the text; its first 16 bytes are also an int64 and a
 * double for the number writers). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "fuzz.h"
#include "core/jsonw.h"

static void fail(const char *why, const char *got, const char *want)
{
	fprintf(stderr, "fuzz_jsonw: %s\n  jsonw:   %s\n  jansson: %s\n", why, got ? got : "-",
		want ? want : "-");
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void valid_check(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	char kind = jsonw_valid(text, len);
	char want = json_is_object(doc) ? '{' : json_is_array(doc) ? '[' : 0;

	/* The contract is json_loads() on a C string, which ends at a NUL:
	 * text holding one is compared only for safety (never accept what
	 * jansson refuses); refusing it is the documented fallback. */
	if (memchr(text, '\0', len) ? kind && kind != want : kind != want) {
		char k[2] = { kind, 0 }, w[200];

		snprintf(w, sizeof(w), "%c (%s)", want ? want : '0', doc ? "ok" : jerr.text);
		fail("jsonw_valid disagrees with json_loadb", kind ? k : "0", w);
	}
	json_decref(doc);
}

static void writer_check(const char *text, size_t len)
{
	struct buf b;
	struct jsonw *w = malloc(sizeof(*w));
	int64_t i = 0;
	double d = 0;
	json_t *s = json_stringn(text, len), *arr;
	char *want;

	if (!w) {
		json_decref(s);
		return;
	}
	if (len >= 16) {
		memcpy(&i, text, sizeof(i));
		memcpy(&d, text + 8, sizeof(d));
	}
	buf_init(&b, 0);
	jsonw_init(w, &b);
	jsonw_array(w);
	jsonw_strn(w, text, len);
	jsonw_int(w, i);
	jsonw_real(w, d);
	jsonw_array_end(w);
	jsonw_finish(w);
	free(w);
	if (b.failed || !b.data)
		fail("the writer failed", NULL, NULL);
	/* jsonw_valid follows json_loads(), which refuses \u0000 by default. */
	if (!memchr(text, '\0', len) && jsonw_valid(b.data, b.len) != '[')
		fail("the writer's output is not valid JSON", b.data, NULL);
	if (s) { /* valid UTF-8: jansson takes it, so the bytes must match */
		arr = json_pack("[o, I, o]", s, (json_int_t)i,
				isfinite(d) ? json_real(d) : json_null());
		want = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
		if (!want)
			fail("jansson could not dump the values", b.data, NULL);
		if (strlen(want) != b.len || memcmp(want, b.data, b.len) != 0)
			fail("the writer's bytes differ from json_dumps", b.data, want);
		free(want);
		json_decref(arr);
	} else {
		json_t *doc = json_loadb(b.data, b.len, JSON_ALLOW_NUL, NULL);

		if (!doc)
			fail("jansson cannot read the writer's output", b.data, NULL);
		json_decref(doc);
	}
	buf_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	valid_check(text, size);
	writer_check(text, size);
	free(text);
	return 0;
}
