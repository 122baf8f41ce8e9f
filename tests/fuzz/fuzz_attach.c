/* Attachment type sniffing (server/api/attachments.c): any bytes uploaded with
 * PUT /v1/tickets/1/attachments/{uuid} under each declared media type
 * (the first input byte picks it, among the types taken, spellings with
 * parameters and case, and types refused), so the content check that
 * decides 415 sees arbitrary signatures, ftyp boxes and brand lists.
 * Oracles, beside fz_request's: the answer is 201 exactly when the
 * declared type is taken and the first 64 bytes are of a kind it may
 * carry, by the reference sniffer below (written apart from the server's:
 * the signatures from the formats' specifications, the ISO brands as the
 * server's lists name them), and then the stored media_type is that
 * kind's; otherwise 415 (or 400 for an empty body).
 * Each upload is undone: the database is restored, its object removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/objects.h"

enum kind { K_NONE, K_JPEG, K_PNG, K_HEIF, K_M4A, K_MP4, K_QT, K_OGG, K_WAV, K_MP3 };

struct declared {
	const char *header;    /* Content-Type sent */
	enum kind takes[2];    /* kinds it may carry (K_NONE: none, refused) */
	const char *stored[2]; /* media_type stored for each */
};

static const struct declared types[] = {
	{ "image/jpeg", { K_JPEG }, { "image/jpeg" } },
	{ "image/png", { K_PNG }, { "image/png" } },
	{ "image/heic", { K_HEIF }, { "image/heic" } },
	{ "image/heif", { K_HEIF }, { "image/heic" } },
	{ "audio/mp4", { K_M4A, K_MP4 }, { "audio/mp4", "audio/mp4" } },
	{ "audio/x-m4a", { K_M4A, K_MP4 }, { "audio/mp4", "audio/mp4" } },
	{ "audio/mpeg", { K_MP3 }, { "audio/mpeg" } },
	{ "audio/ogg", { K_OGG }, { "audio/ogg" } },
	{ "audio/wav", { K_WAV }, { "audio/wav" } },
	{ "audio/x-wav", { K_WAV }, { "audio/wav" } },
	{ "audio/wave", { K_WAV }, { "audio/wav" } },
	{ "video/mp4", { K_MP4 }, { "video/mp4" } },
	{ "video/quicktime", { K_QT }, { "video/quicktime" } },
	{ "IMAGE/PNG; name=x.png", { K_PNG }, { "image/png" } },
	{ " video/MP4 ;codecs=avc1", { K_MP4 }, { "video/mp4" } },
	{ "image/gif", { K_NONE }, { NULL } },
	{ "application/octet-stream", { K_NONE }, { NULL } },
	{ "image/pngx", { K_NONE }, { NULL } },
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))
#define SNIFF 64

static int brand(const uint8_t *b, const char *list)
{
	/* list: 4-byte brands one after another */
	for (; *list; list += 4)
		if (memcmp(b, list, 4) == 0)
			return 1;
	return 0;
}

static enum kind brand_kind(const uint8_t *b)
{
	if (memcmp(b, "qt  ", 4) == 0)
		return K_QT;
	if (brand(b, "heicheixheimheishevchevxmif1msf1"))
		return K_HEIF;
	if (brand(b, "M4A M4B M4P F4A F4B "))
		return K_M4A;
	if (brand(b, "isomiso2iso3iso4iso5iso6iso7iso8iso9mp41mp42mp71avc1M4V M4VHM4VP3gp43gp5"
		     "3gp63g2adashf4v MSNVNDASmmp4"))
		return K_MP4;
	return K_NONE;
}

/* What the first n (<= 64) bytes are. */
static enum kind reference(const uint8_t *h, size_t n)
{
	if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
		return K_JPEG;
	if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
		return K_PNG;
	if (n >= 4 && memcmp(h, "OggS", 4) == 0)
		return K_OGG;
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVE", 4) == 0)
		return K_WAV;
	if (n >= 3 && memcmp(h, "ID3", 3) == 0)
		return K_MP3;
	if (n >= 4 && h[0] == 0xFF && (h[1] >> 5) == 7) {
		unsigned version = (h[1] >> 3) & 3, layer = (h[1] >> 1) & 3;
		unsigned rate = h[2] >> 4, freq = (h[2] >> 2) & 3;

		if (version != 1 && layer != 0 && rate != 0 && rate != 15 && freq != 3)
			return K_MP3;
	}
	if (n >= 16 && memcmp(h + 4, "ftyp", 4) == 0) {
		size_t box = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		enum kind k;

		if (box < 16)
			return K_NONE;
		/* major brand, then the compatible brands inside the box */
		k = brand_kind(h + 8);
		for (size_t i = 16; k == K_NONE && i + 4 <= box && i + 4 <= n; i += 4)
			k = brand_kind(h + i);
		return k;
	}
	return K_NONE;
}

static const struct fz_policy policy = { .default_auth = "admin" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP | FZ_RESTORE);
	return 0;
}

static void fail(const char *why, const struct declared *d, enum kind want, int status)
{
	size_t len;

	fprintf(stderr, "fuzz_attach: %s: Content-Type %s, reference kind %d, answer %d %.300s\n",
		why, d->header, (int)want, status, fz_last_body(&len));
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct declared *d;
	char head[160];
	const char *body, *sha;
	enum kind want;
	int status, ok = 0;
	size_t len;

	if (size == 0)
		return 0;
	d = &types[data[0] % N_TYPES];
	data++;
	size--;
	snprintf(head, sizeof(head),
		 "PUT /v1/tickets/1/attachments/4f9c2e1a-8b7d-4c3e-9a51-0d2f6b8e7c14\n"
		 "Content-Type: %s\n\n",
		 d->header);
	status = fz_request_with(&policy, head, data, size);
	want = reference(data, size < SNIFF ? size : SNIFF);
	for (size_t i = 0; i < 2; i++)
		if (d->takes[i] != K_NONE && d->takes[i] == want)
			ok = (int)i + 1;
	body = fz_last_body(&len);
	if (size == 0) {
		if (status != (d->takes[0] == K_NONE ? 415 : 400))
			fail("an empty body", d, want, status);
		return 0;
	}
	if (!ok) {
		if (status != 415)
			fail("expected 415", d, want, status);
		return 0;
	}
	if (status != 201)
		fail("expected 201", d, want, status);
	{
		char media[64];

		snprintf(media, sizeof(media), "\"media_type\":\"%s\"", d->stored[ok - 1]);
		if (!strstr(body, media))
			fail("stored another media type", d, want, status);
	}
	/* The database is put back by FZ_RESTORE; the object goes here. */
	sha = strstr(body, "\"sha256\":\"");
	if (sha && strlen(sha) > 10 + 64) {
		char hex[65];

		memcpy(hex, sha + 10, 64);
		hex[64] = '\0';
		objects_remove(hex);
	}
	return 0;
}
