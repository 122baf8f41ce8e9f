/* Identification codes as a scanner reads them off a label: the input is
 * the code part of an /id/ link, handed to qr_code_resolve (Crockford
 * base32, LEB128 varints, the canonical-form check, the HMAC tag, then the
 * labels table) against the demo data. Oracles: a code that resolves is
 * exactly the asset's current label code (one string per label), and a
 * code formatted from any fields is short, in the QR alphanumeric
 * alphabet, and parses back to the same label.
 * Input: the code text; its first 24 bytes are also read as three int64
 * fields (key id, asset id, generation) for qr_code_format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "domain/qr.h"
#include "domain/qr_code.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init(FZ_DB);
	return 0;
}

static void resolve_check(const char *code)
{
	int64_t asset = 0;
	enum err e = qr_code_resolve(fz_db(), code, &asset);

	if (e != ERR_OK && e != ERR_NOT_FOUND && e != ERR_GONE) {
		fprintf(stderr, "fuzz_qr: resolve answered %d for \"%s\"\n", (int)e, code);
		abort();
	}
	if (e == ERR_OK && strcmp(code, fz_asset_code(asset)) != 0) {
		fprintf(stderr, "fuzz_qr: \"%s\" resolved to asset %lld whose code is \"%s\"\n",
			code, (long long)asset, fz_asset_code(asset));
		abort();
	}
}

static void format_check(const uint8_t *data)
{
	int64_t f[3];
	char code[QR_CODE_MAX], link[QR_LINK_MAX];
	enum err e;

	memcpy(f, data, sizeof(f));
	/* Mostly small numbers, as real labels have. */
	f[0] = f[0] % 4;
	f[2] = f[2] % 4;
	e = qr_code_format(f[0], f[1], f[2], code);
	if (e != ERR_OK)
		return;
	if (strlen(code) > 39 || strspn(code, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != strlen(code)) {
		fprintf(stderr, "fuzz_qr: formatted a bad code \"%s\"\n", code);
		abort();
	}
	resolve_check(code);
	qr_link("https://fieldtrace.example.cn/", code, link, sizeof(link));
	if (strlen(link) != strlen("https://fieldtrace.example.cn/id/") + strlen(code)) {
		fprintf(stderr, "fuzz_qr: link \"%s\" lost part of the code\n", link);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *code = malloc(size + 1);

	if (!code)
		return 0;
	memcpy(code, data, size);
	code[size] = '\0';
	resolve_check(code);
	free(code);
	if (size >= 3 * sizeof(int64_t))
		format_check(data);
	return 0;
}
