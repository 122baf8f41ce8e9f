/* The opaque cursors of every list endpoint and of GET /v1/sync: the
 * first input byte picks the endpoint (low 7 bits) and what the rest is:
 * the cursor itself (any bytes, percent-encoded into ?cursor=), or, with
 * the high bit set, the key inside it (encoded with http_cursor_encode,
 * so the endpoints' own key parsers see arbitrary keys). Asked for as the
 * admin with limit=2.
 * Oracle, beside fz_request's: a cursor is taken (the answer is 200) only
 * when the server could have issued it: its text is exactly what
 * http_cursor_encode makes of the key it decodes to (one spelling per
 * key), and that key has the form the endpoint writes (below: numbers
 * in canonical decimal, the separators in place). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "api/handler.h"

enum key {
	K_ID,     /* a positive row id: 1..INT64_MAX in canonical decimal */
	K_NUM,    /* 0 or a positive id */
	K_TEXT,   /* a code or a region path: any text */
	K_ASSET,  /* id|region path */
	K_EVENT,  /* at:id, at a signed number */
	K_TRIPLE, /* customer:site:asset, each 0 or a positive id */
	K_SYNC,   /* c.seq or s.seq.phase.key */
};

static const struct {
	const char *path;
	enum key key;
} endpoints[] = {
	{ "/v1/users", K_ID },
	{ "/v1/regions", K_TEXT },
	{ "/v1/centres", K_TEXT },
	{ "/v1/audit", K_NUM },
	{ "/v1/customers", K_ID },
	{ "/v1/sites", K_ID },
	{ "/v1/product-lines", K_TEXT },
	{ "/v1/models", K_ID },
	{ "/v1/assets", K_ASSET },
	{ "/v1/assets/1/timeline", K_EVENT },
	{ "/v1/tickets", K_ID },
	{ "/v1/technicians", K_ID },
	{ "/v1/warranty/alerts", K_TRIPLE },
	{ "/v1/notifications", K_ID },
	{ "/v1/webhooks", K_ID },
	{ "/v1/kb/articles", K_ID },
	{ "/v1/kb/articles/3/versions", K_ID },
	{ "/v1/problems", K_ID },
	{ "/v1/sync", K_SYNC },
	{ "/v1/webhooks/1/deliveries", K_ID },
};
#define N_ENDPOINTS (sizeof(endpoints) / sizeof(endpoints[0]))

static const struct fz_policy policy = {
	.method = "GET",
	.default_auth = "admin",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct fz_policy post = { .default_auth = "admin",
					       .default_ctype = "application/json" };
	static const char hook[] = "{\"url\": \"https://127.0.0.1:1/x\", \"event_types\": [\"*\"], "
				   "\"allow_private\": true}";

	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP);
	/* A webhook, for its deliveries' list (the demo data has none). */
	if (fz_request_with(&post, "POST /v1/webhooks\n\n", (const uint8_t *)hook, strlen(hook)) !=
	    201) {
		fprintf(stderr, "fuzz_cursor: cannot add webhook 1\n");
		abort();
	}
	return 0;
}

/* Canonical decimal: "0" or [1-9][0-9]* of at most 19 digits; returns
 * the characters taken (0: none). */
static size_t number(const char *s, int zero_ok)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 19 || (s[0] == '0' && (n > 1 || !zero_ok)))
		return 0;
	if (n == 19 && strncmp(s, "9223372036854775807", 19) > 0)
		return 0;
	return n;
}

static int whole(const char *s, int zero_ok)
{
	size_t n = number(s, zero_ok);

	return n && s[n] == '\0';
}

/* Does key have the form the endpoint's answers write? */
static int key_ok(enum key k, const char *s)
{
	size_t n;

	switch (k) {
	case K_ID:
		return whole(s, 0);
	case K_NUM:
		return whole(s, 1);
	case K_TEXT:
		return 1;
	case K_ASSET:
		n = number(s, 0);
		return n && s[n] == '|';
	case K_EVENT: {
		int minus = *s == '-';

		s += minus;
		n = number(s, !minus);
		return n && s[n] == ':' && whole(s + n + 1, 0);
	}
	case K_TRIPLE:
		for (int i = 0; i < 3; i++) {
			n = number(s, 1);
			if (!n || s[n] != (i < 2 ? ':' : '\0'))
				return 0;
			s += n + 1;
		}
		return 1;
	case K_SYNC:
		if (strncmp(s, "c.", 2) == 0)
			return whole(s + 2, 1);
		if (strncmp(s, "s.", 2) != 0)
			return 0;
		s += 2;
		n = number(s, 1);
		if (!n || s[n] != '.')
			return 0;
		s += n + 1;
		n = number(s, 1);
		return n && s[n] == '.';
	}
	return 0;
}

/* base64url without padding, any trailing bits; -1 when not that. */
static int decode(const char *in, char *out, size_t size)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in; in++) {
		const char *p = strchr(alphabet, *in);

		if (!p)
			return -1;
		acc = (acc << 6 | (unsigned)(p - alphabet)) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= size)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xFF);
		}
	}
	out[n] = '\0';
	return (int)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	char *target, *cursor, key[512], again[1024];
	size_t n, k = 0;
	int i, status;

	if (size == 0 || size > 600)
		return 0;
	i = (data[0] & 0x7F) % (int)N_ENDPOINTS;
	if (data[0] & 0x80) { /* the key: its cursor is what is sent */
		char *text = strndup((const char *)data + 1, size - 1);
		int sent = 0;

		if (text && text[0] && strlen(text) < 320) {
			http_cursor_encode(text, again, sizeof(again));
			sent = again[0] != '\0';
		}
		free(text);
		if (!sent)
			return 0;
		data = (const uint8_t *)again;
		size = strlen(again);
	} else {
		data++;
		size--;
	}
	n = strlen(endpoints[i].path) + 24 + 3 * size + 2;
	target = malloc(n);
	cursor = malloc(size + 1);
	if (!target || !cursor)
		goto out;
	k = (size_t)snprintf(target, n, "%s?limit=2&cursor=", endpoints[i].path);
	for (size_t j = 0; j < size; j++) {
		unsigned char c = data[j];

		cursor[j] = (char)c;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			target[k++] = (char)c;
		} else {
			target[k++] = '%';
			target[k++] = hex[c >> 4];
			target[k++] = hex[c & 15];
		}
	}
	target[k] = '\0';
	cursor[size] = '\0';
	status = fz_request_with(&policy, target, NULL, 0);
	if (status != 200)
		goto out;
	/* Taken: it must be a cursor the server could have written. */
	if (strlen(cursor) != size || decode(cursor, key, sizeof(key)) <= 0 ||
	    strlen(key) != (size_t)decode(cursor, key, sizeof(key))) {
		fprintf(stderr, "fuzz_cursor: %s took \"%s\", which is not base64url of a key\n",
			endpoints[i].path, cursor);
		abort();
	}
	http_cursor_encode(key, again, sizeof(again));
	if (strcmp(again, cursor) != 0) {
		fprintf(stderr, "fuzz_cursor: %s took \"%s\", but the key's cursor is \"%s\"\n",
			endpoints[i].path, cursor, again);
		abort();
	}
	if (!key_ok(endpoints[i].key, key)) {
		fprintf(stderr, "fuzz_cursor: %s took the key \"%s\" (cursor \"%s\")\n",
			endpoints[i].path, key, cursor);
		abort();
	}
out:
	free(target);
	free(cursor);
	return 0;
}
