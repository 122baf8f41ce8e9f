/* GS1 Digital Link paths /01/{gtin}/21/{serial} as a scanner sends them:
 * the input is the GTIN (up to the first '/') and the serial (the rest),
 * any bytes, each percent-encoded into the path, so the router's path
 * split and decoding, the GTIN-14 check digit and the serial checks see
 * arbitrary text (fuzz_identity reaches the same route with the target
 * spelled out, and its headers).
 * Oracle, beside fz_request's: the answer is 200 exactly when the decoded
 * pair is a demo asset's GTIN and serial (read from the database at
 * start), and 404 otherwise. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "fuzz.h"

#define PAIRS_MAX 256

static struct {
	char gtin[16];
	char serial[72];
} pairs[PAIRS_MAX];
static size_t npairs;

static const struct fz_policy policy = { .method = "GET" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sqlite3_stmt *st = NULL;

	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP);
	if (sqlite3_prepare_v2(db_handle(fz_db()),
			       "SELECT m.gtin, a.serial FROM assets a JOIN models m ON "
			       "m.id = a.model_id WHERE m.gtin IS NOT NULL",
			       -1, &st, NULL) != SQLITE_OK)
		abort();
	while (npairs < PAIRS_MAX && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(pairs[npairs].gtin, sizeof(pairs[npairs].gtin), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(pairs[npairs].serial, sizeof(pairs[npairs].serial), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		npairs++;
	}
	sqlite3_finalize(st);
	if (npairs == 0)
		abort();
	return 0;
}

static size_t encode(char *out, const uint8_t *in, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = in[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[k++] = (char)c;
		} else {
			out[k++] = '%';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *slash = memchr(data, '/', size);
	size_t glen = slash ? (size_t)(slash - data) : size;
	size_t slen = slash ? size - glen - 1 : 0;
	char *target = malloc(3 * size + 16);
	int status, known = 0;
	size_t k;

	if (!target || size > 400) {
		free(target);
		return 0;
	}
	memcpy(target, "/01/", 4);
	k = 4 + encode(target + 4, data, glen);
	memcpy(target + k, "/21/", 4);
	k += 4;
	k += encode(target + k, slash ? slash + 1 : data, slen);
	target[k] = '\0';
	status = fz_request_with(&policy, target, NULL, 0);
	for (size_t i = 0; i < npairs && !known; i++)
		known = strlen(pairs[i].gtin) == glen && memcmp(pairs[i].gtin, data, glen) == 0 &&
			strlen(pairs[i].serial) == slen && slen &&
			memcmp(pairs[i].serial, slash + 1, slen) == 0;
	if (status != (known ? 200 : 404)) {
		fprintf(stderr, "fuzz_gs1: %s answered %d for %s pair\n", target, status,
			known ? "a demo" : "an unknown");
		abort();
	}
	free(target);
	return 0;
}
