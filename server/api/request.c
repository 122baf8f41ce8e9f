/* Reading input: headers, query, path parameters, JSON bodies, cursors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "api/handler.h"

const char *req_header(const struct req *req, const char *name)
{
	const struct http_synthetic *in = req->synthetic;

	if (!in)
		return req->conn ? req->io->header(req->conn, name) : NULL;
	for (size_t i = 0; i < in->nheaders; i++)
		if (strcasecmp(in->headers[i].name, name) == 0)
			return in->headers[i].value;
	if (in->body && strcasecmp(name, "Content-Type") == 0)
		return "application/json";
	return NULL;
}

/* Does the entity-tag field (RFC 9110 8.8.3, 13.1.1-2: "*" alone, or a
 * comma-separated list of [W/]"opaque" with optional whitespace and empty
 * elements) name etag? weak: W/ tags count as their opaque part; else
 * they never match. A malformed field names nothing: for If-Match that is
 * 412, never a write let through. */
static int etag_list_names(const char *field, const char *etag, int weak)
{
	size_t n = strlen(etag);
	const char *p = field + strspn(field, " \t");
	int found = 0;

	if (p[0] == '*')
		return p[1 + strspn(p + 1, " \t")] == '\0';
	for (;;) {
		const char *close;
		int is_weak = 0;

		p += strspn(p, " \t,");
		if (!*p)
			return found;
		if (p[0] == 'W' && p[1] == '/') {
			is_weak = 1;
			p += 2;
		}
		if (*p != '"' || !(close = strchr(p + 1, '"')))
			return 0;
		if ((weak || !is_weak) && (size_t)(close - p + 1) == n && memcmp(p, etag, n) == 0)
			found = 1;
		p = close + 1;
		p += strspn(p, " \t");
		if (*p && *p != ',')
			return 0;
	}
}

int req_if_match(const struct req *req, const char *etag)
{
	const char *field = req_header(req, "If-Match");

	return !field || etag_list_names(field, etag, 0);
}

int req_if_match_version(const struct req *req, int64_t version)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"v%lld\"", (long long)version);
	return req_if_match(req, etag);
}

int req_if_none_match(const struct req *req, const char *etag)
{
	const char *field = req_header(req, "If-None-Match");

	return field && etag_list_names(field, etag, 1);
}

const char *req_query(const struct req *req, const char *key)
{
	for (size_t i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].key, key) == 0)
			return req->query[i].value;
	return NULL;
}

enum err req_param_id(const struct req *req, struct resp *resp, size_t i, int64_t *out)
{
	const char *s = i < req->nparams ? req->params[i] : NULL;
	char *end;
	long long v;

	if (!s || !*s || *s < '1' || *s > '9')
		return http_fail(resp, ERR_NOT_FOUND, "no such resource");
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return http_fail(resp, ERR_NOT_FOUND, "no such resource");
	*out = v;
	return ERR_OK;
}

static const char *json_type_name(json_type t)
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
		return 1; /* any */
	case JSON_TRUE:
	case JSON_FALSE:
		return json_is_boolean(v);
	case JSON_REAL:
		return json_is_number(v);
	default:
		return json_typeof(v) == want;
	}
}

enum err req_json_check(const struct req *req, struct resp *resp, const struct json_field *fields)
{
	const char *key;
	json_t *v;
	enum err e = ERR_OK;
	char ptr[160];

	json_object_foreach(req->json, key, v) {
		const struct json_field *f = fields;

		while (f->name && strcmp(f->name, key) != 0)
			f++;
		snprintf(ptr, sizeof(ptr), "/%s", key);
		if (!f->name) {
			e = http_invalid(resp, ptr, "unknown member");
			continue;
		}
		if (json_is_null(v)) {
			if (!(f->flags & JF_NULLABLE))
				e = http_invalid(resp, ptr, "must not be null");
			continue;
		}
		if (!type_ok(v, f->type)) {
			e = http_invalid(resp, ptr, "must be %s", json_type_name(f->type));
			continue;
		}
		if (json_is_string(v)) {
			size_t max = f->max_len ? f->max_len : 1024;

			if (json_string_length(v) > max)
				e = http_invalid(resp, ptr, "longer than %zu bytes", max);
			else if (memchr(json_string_value(v), '\0', json_string_length(v)))
				e = http_invalid(resp, ptr, "must not contain NUL");
		}
	}
	for (const struct json_field *f = fields; f->name; f++) {
		if ((f->flags & JF_REQUIRED) && !json_object_get(req->json, f->name)) {
			snprintf(ptr, sizeof(ptr), "/%s", f->name);
			e = http_invalid(resp, ptr, "is required");
		}
	}
	return e;
}

const char *req_json_str(const struct req *req, const char *name)
{
	return json_string_value(json_object_get(req->json, name));
}

/* Cursors are base64url of the last key seen: opaque to clients, and
 * decoded input is validated by the store that reads it. */
void http_cursor_encode(const char *key, char *out, size_t out_size)
{
	unsigned char tmp[448];
	size_t len = strlen(key);
	int n;

	if (len > 319 || out_size < 4 * ((len + 2) / 3) + 1) {
		out[0] = '\0';
		return;
	}
	n = EVP_EncodeBlock(tmp, (const unsigned char *)key, (int)len);
	for (int i = 0; i < n; i++) {
		char c = (char)tmp[i];

		if (c == '=') {
			n = i;
			break;
		}
		out[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[n] = '\0';
}

static int cursor_decode(const char *cur, char *out, size_t out_size)
{
	size_t len = strlen(cur), padded;
	unsigned char in[448], dec[448];
	char again[448];
	int n;

	if (len == 0 || len > 428 || len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = cur[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')))
			return -1;
		in[i] = (unsigned char)c;
	}
	padded = len;
	while (padded % 4)
		in[padded++] = '=';
	n = EVP_DecodeBlock(dec, in, (int)padded);
	if (n < 0)
		return -1;
	n -= (int)(padded - len); /* DecodeBlock counts the padding as zero bytes */
	if (n <= 0 || (size_t)n >= out_size || memchr(dec, '\0', (size_t)n))
		return -1;
	memcpy(out, dec, (size_t)n);
	out[n] = '\0';
	/* One spelling per key: the last character's unused bits are ours. */
	http_cursor_encode(out, again, sizeof(again));
	return strcmp(again, cur) == 0 ? 0 : -1;
}

enum err req_page(const struct req *req, struct resp *resp, struct page *page)
{
	const char *limit = req_query(req, "limit");
	const char *cursor = req_query(req, "cursor");
	enum err e = ERR_OK;

	memset(page, 0, sizeof(*page));
	page->limit = PAGE_LIMIT_DEFAULT;
	if (limit) {
		char *end;
		long v;

		errno = 0;
		v = strtol(limit, &end, 10);
		if (errno || !*limit || *end || v < 1 || v > PAGE_LIMIT_MAX)
			e = http_invalid(resp, "limit", "must be an integer from 1 to %d",
					 PAGE_LIMIT_MAX);
		else
			page->limit = (int)v;
	}
	if (cursor) {
		if (cursor_decode(cursor, page->after, sizeof(page->after)) < 0)
			e = http_invalid(resp, "cursor", "is not a cursor this server issued");
		else
			page->has_after = 1;
	}
	return e;
}

void resp_page(struct resp *resp, json_t *items, const char *next_key)
{
	char cur[448];
	json_t *doc;

	if (next_key)
		http_cursor_encode(next_key, cur, sizeof(cur));
	doc = json_pack("{s:o, s:s?}", "items", items ? items : json_array(), "next_cursor",
			next_key && cur[0] ? cur : NULL);
	if (doc && !json_object_get(doc, "next_cursor"))
		json_object_set_new(doc, "next_cursor", json_null());
	resp_json(resp, 200, doc);
}
void audit_actor_from_req(const struct req *req, struct audit_actor *out)
{
	out->user_id = req->authenticated ? req->user.user_id : 0;
	out->name = req->authenticated ? req->user.username : "";
	out->request_id = req->request_id;
	out->client_addr = req->client_addr;
}
