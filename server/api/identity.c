/* Resolving identification links: /id/{code} and GS1 Digital Link
 * /01/{gtin}/21/{serial}, negotiated between a public nameplate page, the
 * public facts or the caller's full trace as JSON, and an RFC 9264 linkset;
 * relabelling and key rotation.
 *
 * Caching: every 200 carries a strong ETag over the bytes it sends (SHA-256
 * of the body, prefixed by the variant), because what a resolve shows moves
 * without the asset's updated_at (a model renamed, warranty days left, a new
 * service request), and If-None-Match answers 304. The public variants are
 * `public, max-age=300`; anything that depends on the token is
 * `private, no-store` and says `Vary: Accept, Authorization`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/assets.h"
#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/digest.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "db/qr_store.h"
#include "api/routes.h"
#include "api/selfservice.h"

#define MANUFACTURER "fieldtrace demo manufacturer"
#define HOTLINE "400-800-1234"
#define HOTLINE_TEL "tel:+86-400-800-1234"
#define REPORT_FAULT                                                                               \
	"Call the service hotline " HOTLINE " and quote the serial number. Describe what "         \
	"you see (alarms, codes on the display); do not open the unit yourself."
#define TRACE_EVENTS ASSETS_SNAPSHOT_EVENTS
#define PUBLIC_CACHE "public, max-age=300"
#define PRIVATE_CACHE "private, no-store"
#define ANCHOR_MAX (QR_LINK_MAX + 256)

static const char not_found[] = "no such identification code";

enum variant { V_HTML, V_JSON, V_LINKSET, V__COUNT };

static const char *const variant_type[V__COUNT] = {
	"text/html",
	"application/json",
	"application/linkset+json",
};

/* --- content negotiation (RFC 9110 12.5.1) -------------------------------- */

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A qvalue ("0", "0.5", "1.000") as 0..1000; -1 when malformed. */
static int parse_qvalue(const char *p, size_t len)
{
	int q, scale = 100;

	if (len == 0 || (p[0] != '0' && p[0] != '1'))
		return -1;
	q = (p[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (p[1] != '.' || len > 5)
		return -1;
	for (size_t i = 2; i < len; i++, scale /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* How specifically range ("type/subtype", len bytes) names type: 3 exactly,
 * 2 as type/x, 1 as x/x, 0 not at all. */
static int range_match(const char *range, size_t len, const char *type)
{
	const char *slash = strchr(type, '/');
	size_t major = (size_t)(slash - type);

	if (len == 3 && memcmp(range, "*/*", 3) == 0)
		return 1;
	if (len == major + 2 && strncasecmp(range, type, major + 1) == 0 && range[len - 1] == '*')
		return 2;
	if (len == strlen(type) && strncasecmp(range, type, len) == 0)
		return 3;
	return 0;
}

/* Picks the variant the Accept field prefers: the highest q, then the most
 * specific range, then HTML > JSON > linkset. No field (or an empty one)
 * means a browser's anything: HTML. -1 when nothing offered is acceptable. */
static int negotiate(const char *accept, enum variant *out)
{
	int q[V__COUNT] = { 0 }, spec[V__COUNT] = { 0 }, best = -1;
	const char *p = accept ? skip_ows(accept) : "";

	if (!*p) {
		*out = V_HTML;
		return 0;
	}
	while (*p) {
		const char *end = strchr(p, ','), *semi, *r;
		size_t len = end ? (size_t)(end - p) : strlen(p), rlen;
		int qv = 1000;

		semi = memchr(p, ';', len);
		r = skip_ows(p);
		rlen = (size_t)((semi ? semi : p + len) - r);
		while (rlen && (r[rlen - 1] == ' ' || r[rlen - 1] == '\t'))
			rlen--;
		/* Parameters: only q matters; the others do not narrow our types. */
		while (semi && qv >= 0) {
			const char *param = skip_ows(semi + 1), *stop = p + len;
			const char *next = memchr(param, ';', (size_t)(stop - param));
			size_t plen = (size_t)((next ? next : stop) - param);

			while (plen && (param[plen - 1] == ' ' || param[plen - 1] == '\t'))
				plen--;
			if (plen >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
				qv = parse_qvalue(param + 2, plen - 2);
			semi = next;
		}
		if (qv >= 0 && memchr(r, '/', rlen)) {
			for (int v = 0; v < V__COUNT; v++) {
				int s = range_match(r, rlen, variant_type[v]);

				if (s > spec[v]) {
					spec[v] = s;
					q[v] = qv;
				}
			}
		}
		p = end ? skip_ows(end + 1) : p + len;
	}
	for (int v = 0; v < V__COUNT; v++)
		if (q[v] > 0 &&
		    (best < 0 || q[v] > q[best] || (q[v] == q[best] && spec[v] > spec[best])))
			best = v;
	if (best < 0)
		return -1;
	*out = (enum variant)best;
	return 0;
}

/* --- conditional requests (RFC 9110 13.1.2) -------------------------------- */

/* --- building the answers ----------------------------------------------- */

struct target {
	int64_t asset_id;
	char anchor[ANCHOR_MAX]; /* the URL that was resolved, absolute */
	char gs1[ANCHOR_MAX];    /* its GS1 Digital Link URI; "" without a GTIN */
	struct asset_public pub;
};

static const char *public_base(void)
{
	static const char fallback[] = "https://localhost:8443";
	const char *u = qr_public_url();

	return u && *u ? u : fallback;
}

/* public base without trailing slashes, then printf-style path. */
static void absolute(char *out, size_t size, const char *path)
{
	const char *base = public_base();
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s%s", (int)n, base, path);
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static void pct_encode(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && n + 4 < size; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
}

static void gs1_uri(const char *gtin, const char *serial, char *out, size_t size)
{
	char enc[3 * 64 + 1], path[256];

	pct_encode(serial, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/01/%s/21/%s", gtin, enc);
	absolute(out, size, path);
}

/* The public nameplate: model, serial, manufacturer, hotline, how to report
 * a fault, and the form to report one online (for a unit whose current
 * label is known). Customer data never reaches this function. */
static void nameplate_html(struct buf *b, struct db *db, const struct target *t)
{
	const struct asset_public *a = &t->pub;
	char code[QR_CODE_MAX];

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"robots\" content=\"noindex\"><title>");
	buf_put_html(b, a->model_name);
	buf_puts(b, " · ");
	buf_put_html(b, a->serial);
	/* The style is shared with the self-service pages (selfservice_css). */
	buf_puts(b, "</title><style>");
	buf_puts(b, selfservice_css);
	buf_puts(b, "</style></head><body><main><p>" MANUFACTURER "</p><h1>");
	buf_put_html(b, a->model_name);
	buf_puts(b, "</h1><dl><dt>型号 Model</dt><dd>");
	buf_put_html(b, a->model_code);
	buf_puts(b, "</dd><dt>序列号 Serial number</dt><dd>");
	buf_put_html(b, a->serial);
	/* The line's names, not its code: the page is in Chinese and English,
	 * as its labels are. */
	buf_puts(b, "</dd><dt>产品线 Product line</dt><dd>");
	buf_put_html(b, a->product_line_name);
	if (a->product_line_name_en[0] && strcmp(a->product_line_name_en, a->product_line_name)) {
		buf_puts(b, " ");
		buf_put_html(b, a->product_line_name_en);
	}
	buf_puts(b, "</dd>");
	if (a->gtin[0]) {
		buf_puts(b, "<dt>GTIN</dt><dd>");
		buf_put_html(b, a->gtin);
		buf_puts(b, "</dd>");
	}
	buf_puts(b, "<dt>制造商 Manufacturer</dt><dd>" MANUFACTURER "</dd></dl>"
		    "<section class=\"fault\"><h2>故障报修 Report a fault</h2>"
		    "<p>请拨打服务热线 <a href=\"" HOTLINE_TEL "\">" HOTLINE "</a>，"
		    "并告知序列号 <strong>");
	buf_put_html(b, a->serial);
	buf_puts(b, "</strong>。请描述故障现象（报警、显示屏上的代码），请勿自行拆开设备。</p>"
		    "<p>Call the service hotline <a href=\"" HOTLINE_TEL "\">" HOTLINE "</a> "
		    "and quote serial number <strong>");
	buf_put_html(b, a->serial);
	buf_puts(b, "</strong>. Describe what you see (alarms, codes on the display); "
		    "do not open the unit yourself.</p>");
	if (qr_label_code(db, t->asset_id, code) == ERR_OK)
		selfservice_form_html(b, db, code, NULL, NULL);
	buf_puts(b, "</section></main></body></html>\n");
}

static json_t *public_json(const struct target *t)
{
	const struct asset_public *a = &t->pub;
	json_t *links = json_pack("{s:s}", "self", t->anchor);
	json_t *doc;

	if (links && t->gs1[0])
		json_object_set_new(links, "gs1_digital_link", json_string(t->gs1));
	doc = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:o}", "serial", a->serial,
			"model", "code", a->model_code, "name", a->model_name, "product_line",
			a->product_line, "manufacturer", MANUFACTURER, "hotline", HOTLINE,
			"report_fault", REPORT_FAULT, "links", links);
	if (doc && a->gtin[0])
		json_object_set_new(doc, "gtin", json_string(a->gtin));
	return doc;
}

/* RFC 9264 linkset; item (the API resource) only for callers who may see it. */
static json_t *linkset_json(const struct target *t, int authorised)
{
	char api[ANCHOR_MAX], path[64];
	json_t *ctx =
	    json_pack("{s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s}], s:[{s:s, s:s}]}", "anchor",
		      t->anchor, "describedby", "href", t->anchor, "type", "text/html", "title",
		      "Nameplate", "alternate", "href", t->anchor, "type", "application/json",
		      "help", "href", HOTLINE_TEL, "title", "Service hotline " HOTLINE);

	if (ctx && authorised) {
		snprintf(path, sizeof(path), "/v1/assets/%lld", (long long)t->asset_id);
		absolute(api, sizeof(api), path);
		json_object_set_new(
		    ctx, "item",
		    json_pack("[{s:s, s:s}]", "href", api, "type", "application/json"));
	}
	return ctx ? json_pack("{s:[o]}", "linkset", ctx) : NULL;
}

static int may_read_registry(const struct req *req)
{
	return req->authenticated && policy_allows(req->user.role, PERM_REGISTRY_READ);
}

static enum err body_json(struct resp *resp, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	if (!text)
		return ERR_INTERNAL;
	buf_puts(&resp->body, text);
	free(text);
	return ERR_OK;
}

/* The nameplate facts (only the public variants need them). */
static enum err load_public(struct req *req, struct resp *resp, struct target *t)
{
	enum err e = assets_public_get(req->db, t->asset_id, &t->pub);

	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, not_found);
	if (e == ERR_OK && t->pub.gtin[0])
		gs1_uri(t->pub.gtin, t->pub.serial, t->gs1, sizeof(t->gs1));
	return e;
}

/* Builds the chosen variant into resp->body; sets *tag, *cache, *vary. */
static enum err build(struct req *req, struct resp *resp, struct target *t, enum variant v,
		      char *tag, const char **cache, const char **vary)
{
	struct scope scope;
	int authorised = 0;
	enum err e;

	*vary = "Accept, Authorization";
	*cache = PUBLIC_CACHE;
	switch (v) {
	case V_HTML:
		*tag = 'h';
		*vary = "Accept";
		resp->content_type = "text/html; charset=utf-8";
		e = load_public(req, resp, t);
		if (e == ERR_OK)
			nameplate_html(&resp->body, req->db, t);
		return e;
	case V_JSON:
		resp->content_type = "application/json";
		if (may_read_registry(req)) {
			/* Written straight into the body; nothing is when it fails. */
			e = assets_trace_write(req->db, &req->user, t->asset_id, TRACE_EVENTS, 0,
					       &resp->body, NULL);
			if (e == ERR_OK) {
				*tag = 'f';
				*cache = PRIVATE_CACHE;
				return ERR_OK;
			}
			if (e != ERR_NOT_FOUND)
				return e; /* out of scope falls through to the public view */
		}
		*tag = 'p';
		e = load_public(req, resp, t);
		return e == ERR_OK ? body_json(resp, public_json(t)) : e;
	case V_LINKSET:
	default:
		resp->content_type = "application/linkset+json";
		if (may_read_registry(req)) {
			scope = req->user.scope;
			e = qr_store_asset_in_scope(req->db, t->asset_id, &scope);
			if (e != ERR_OK && e != ERR_NOT_FOUND)
				return e;
			authorised = e == ERR_OK;
		}
		*tag = authorised ? 'L' : 'l';
		if (authorised)
			*cache = PRIVATE_CACHE;
		return body_json(resp, linkset_json(t, authorised));
	}
}

/* "\"<tag><16 hex digits>\"": the variant and the first 8 bytes of the
 * digest (by hand: snprintf's 9 conversions showed in the profile). */
static void etag_format(char tag, const unsigned char digest[8], char out[20])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '"';
	out[1] = tag;
	for (int i = 0; i < 8; i++) {
		out[2 + 2 * i] = hex[digest[i] >> 4];
		out[3 + 2 * i] = hex[digest[i] & 15];
	}
	out[18] = '"';
	out[19] = '\0';
}

/* Answers the negotiated representation of t, or 304. */
static enum err answer(struct req *req, struct resp *resp, struct target *t)
{
	unsigned char digest[DIGEST_SHA256_LEN];
	char etag[24], link[ANCHOR_MAX + 80], tag = 'x';
	const char *cache, *vary;
	enum variant v;
	enum err e;

	if (negotiate(req_header(req, "Accept"), &v) < 0)
		return http_fail(resp, ERR_NOT_ACCEPTABLE,
				 "available as text/html, application/json and "
				 "application/linkset+json");
	resp->body.len = 0;
	e = build(req, resp, t, v, &tag, &cache, &vary);
	if (e == ERR_OK && resp->body.failed)
		e = ERR_INTERNAL;
	if (e != ERR_OK) {
		resp->body.len = 0;
		return e;
	}
	if (digest_sha256(resp->body.data, resp->body.len, digest) != 0) {
		resp->body.len = 0;
		return ERR_INTERNAL;
	}
	etag_format(tag, digest, etag);
	snprintf(link, sizeof(link), "<%s>; rel=\"linkset\"; type=\"application/linkset+json\"",
		 t->anchor);
	resp_header(resp, "ETag", etag);
	resp_header(resp, "Vary", vary);
	resp_header(resp, "Cache-Control", cache);
	resp_header(resp, "Link", link);
	if (v == V_HTML)
		resp_header(resp, "Content-Security-Policy", SELFSERVICE_CSP);
	resp->status = req_if_none_match(req, etag) ? 304 : 200;
	return ERR_OK;
}

static enum err resolve_id(struct req *req, struct resp *resp)
{
	struct target t;
	enum err e;

	memset(&t, 0, sizeof(t));
	e = qr_code_resolve(req->db, req->params[0], &t.asset_id);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, not_found);
	if (e == ERR_GONE)
		return http_fail(resp, ERR_GONE, "this identification label has been withdrawn");
	if (e != ERR_OK)
		return e;
	qr_link(public_base(), req->params[0], t.anchor, sizeof(t.anchor));
	return answer(req, resp, &t);
}

/* GTIN-14 with its GS1 mod-10 check digit. */
static int gtin14_valid(const char *g)
{
	int sum = 0;

	if (strlen(g) != 14 || strspn(g, "0123456789") != 14)
		return 0;
	for (int i = 0; i < 13; i++)
		sum += (g[i] - '0') * (i % 2 == 0 ? 3 : 1);
	return (10 - sum % 10) % 10 == g[13] - '0';
}

static enum err resolve_gs1(struct req *req, struct resp *resp)
{
	const char *gtin = req->params[0], *serial = req->params[1];
	struct target t;
	size_t slen = strlen(serial);
	enum err e;

	memset(&t, 0, sizeof(t));
	if (!gtin14_valid(gtin) || slen == 0 || slen >= sizeof(t.pub.serial))
		return http_fail(resp, ERR_NOT_FOUND, "no such item");
	for (size_t i = 0; i < slen; i++)
		if ((unsigned char)serial[i] < 0x20 || serial[i] == 0x7f)
			return http_fail(resp, ERR_NOT_FOUND, "no such item");
	e = assets_find_by_gtin_serial(req->db, gtin, serial, &t.asset_id);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such item");
	if (e != ERR_OK)
		return e;
	gs1_uri(gtin, serial, t.anchor, sizeof(t.anchor));
	return answer(req, resp, &t);
}

static json_t *label_json(const struct qr_label_row *row)
{
	return json_pack("{s:I, s:I}", "generation", (json_int_t)row->generation, "key_id",
			 (json_int_t)row->key_id);
}

static enum err post_relabel(struct req *req, struct resp *resp)
{
	struct qr_label_row before, after;
	struct audit_actor actor;
	struct scope scope;
	char code[QR_CODE_MAX], link[QR_LINK_MAX], id[24];
	int64_t asset_id, now = clock_now();
	json_t *jb = NULL, *ja = NULL;
	int had;
	enum err e;

	e = req_param_id(req, resp, 0, &asset_id);
	if (e != ERR_OK)
		return e;
	scope = req->user.scope;
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = qr_store_asset_in_scope(req->db, asset_id, &scope);
	if (e == ERR_NOT_FOUND) {
		db_rollback(req->db);
		return http_fail(resp, ERR_NOT_FOUND, "no such asset");
	}
	if (e == ERR_OK)
		e = qr_store_label_latest(req->db, asset_id, &before);
	had = e == ERR_OK;
	if (e == ERR_NOT_FOUND)
		e = ERR_OK;
	if (e == ERR_OK)
		e = qr_label_issue(req->db, asset_id, now);
	if (e == ERR_OK)
		e = qr_store_label_latest(req->db, asset_id, &after);
	if (e == ERR_OK) {
		audit_actor_from_req(req, &actor);
		snprintf(id, sizeof(id), "%lld", (long long)asset_id);
		jb = had ? label_json(&before) : NULL;
		ja = label_json(&after);
		e = audit_append(req->db, &actor, "asset.relabel", "asset", id, jb, ja);
		json_decref(jb);
		json_decref(ja);
	}
	/* The new code is read before the commit, so an answer of 201 and a
	 * committed relabel always go together. */
	if (e == ERR_OK)
		e = qr_label_code(req->db, asset_id, code);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		return e;
	qr_link(public_base(), code, link, sizeof(link));
	resp_header(resp, "Location", link);
	resp_json(resp, 201,
		  json_pack("{s:I, s:I, s:o, s:s, s:s}", "asset_id", (json_int_t)asset_id,
			    "generation", (json_int_t)after.generation, "replaces",
			    had ? json_integer(before.generation) : json_null(), "code", code,
			    "link", link));
	return ERR_OK;
}

static enum err post_rotate(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	int64_t key_id = 0, now = clock_now();
	char at[32];
	enum err e;

	audit_actor_from_req(req, &actor);
	e = qr_key_rotate(req->db, &actor, now, &key_id);
	if (e == ERR_CONFLICT)
		return http_fail(resp, ERR_CONFLICT, "every key id is in use");
	if (e != ERR_OK)
		return e;
	clock_format(now, at, sizeof(at));
	resp_json(resp, 201,
		  json_pack("{s:I, s:b, s:s}", "key_id", (json_int_t)key_id, "active", 1,
			    "created_at", at));
	return ERR_OK;
}

/* Codes are signed, so a run of unknown or malformed ones from one address
 * is someone guessing: each miss counts against the address, and an
 * address out of misses is refused before any lookup. */
static enum err scan(struct req *req, struct resp *resp,
		     enum err (*resolve)(struct req *, struct resp *))
{
	char who[64];
	int wait;
	enum err e;

	snprintf(who, sizeof(who), "a:%s", req->client_addr);
	wait = ratelimit_peek(RL_SCAN_MISS, who, 1);
	if (wait > 0)
		return resp_rate_limited(resp, wait, "for unknown codes from this address");
	e = resolve(req, resp);
	if (e == ERR_NOT_FOUND || e == ERR_INVALID)
		(void)ratelimit_take(RL_SCAN_MISS, who, 1);
	return e;
}

static enum err get_id(struct req *req, struct resp *resp)
{
	return scan(req, resp, resolve_id);
}

static enum err get_gs1(struct req *req, struct resp *resp)
{
	return scan(req, resp, resolve_gs1);
}

const struct route identity_routes[] = {
	{ "GET", "/id/{code}", get_id, PERM_PUBLIC, NULL, 0, 0, RL_SCAN },
	{ "GET", "/01/{gtin}/21/{serial}", get_gs1, PERM_PUBLIC, NULL, 0, 0, RL_SCAN },
	{ "POST", "/v1/assets/{id}/relabel", post_relabel, PERM_REGISTRY_WRITE, NULL, 0 },
	{ "POST", "/v1/qr-keys/rotate", post_rotate, PERM_KEYS_ADMIN, NULL, 0 },
	{ 0 },
};
