/* Customer self-service from a unit's nameplate page (issue 19 part 2):
 *
 *   POST /id/{code}/report          a fault, as a form (no JavaScript) or JSON
 *   GET  /track/{token}             where it stands: HTML or JSON by Accept
 *   POST /track/{token}/rating      the customer's score once the job is done
 *
 * No account and nothing about the unit's owner: a forged or retired code
 * is a 404 like an unknown one, the answers never name the customer, a
 * contact or a technician, and whether a phone or customer is known never
 * shows. A bot that fills the hidden honeypot field gets the answer a real
 * report gets and nothing is stored. The rules are domain/selfservice.c. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/routes.h"
#include "api/selfservice.h"
#include "core/clock.h"
#include "db/assets_store.h"
#include "db/db.h"
#include "domain/assets.h"
#include "db/catalogue_store.h"
#include "domain/qr.h"
#include "domain/registry.h"
#include "domain/selfservice.h"
#include "lib/form_multipart.h"

/* A report with photos comes as multipart/form-data: up to 16 MiB on
 * this route only; as a urlencoded form or JSON (no photos) it stays
 * small. */
#define REPORT_BODY_MAX (16u * 1024u * 1024u)
#define REPORT_TEXT_MAX 8192
#define REPORT_PARTS_MAX 16 /* four fields, the honeypot, three photos and room */
#define RATING_BODY_MAX 4096
#define COMMENT_MAX 1000
#define HONEYPOT "website"
#define FORM_TYPE "application/x-www-form-urlencoded"
#define HTML_TYPE "text/html; charset=utf-8"

static const char no_code[] = "no such identification code";
static const char no_token[] = "no such tracking link";

/* overflow-wrap:anywhere breaks a long serial or name only where a line
 * would overflow, and (unlike break-word) lets the grid column shrink on a
 * phone; break-all split ordinary words mid-word. Inputs are full width
 * and buttons at least 44 px high: the pages are opened on phones. */
const char selfservice_css[] =
    "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1.25rem;max-width:34rem;"
    "color:#111;line-height:1.45}h1{font-size:1.35rem;margin:.2rem 0 1rem}"
    "h2{font-size:1.15rem}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem}"
    "@media (max-width:30rem){dl{grid-template-columns:1fr;gap:.1rem}dt{margin-top:.6rem}}"
    "dt{color:#555}dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
    ".fault{border:2px solid #111;padding:.25rem 1rem;margin-top:1.5rem}"
    "label,legend{display:block;font-weight:600;margin-top:.9rem}"
    "input,select,textarea{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;"
    "border:1px solid #555;border-radius:4px}textarea{min-height:6rem}"
    "fieldset{border:0;padding:0;margin:0}fieldset label{display:inline-block;"
    "margin:.4rem 1rem .4rem 0;font-weight:400}fieldset input{width:auto}"
    "button{font:inherit;font-weight:600;margin-top:1rem;padding:.7rem 1.4rem;"
    "border:0;border-radius:4px;background:#0645ad;color:#fff;min-height:44px}"
    ".err{color:#b00020;margin:.2rem 0 0}"
    ".hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}"
    "a{color:#0645ad}";

/* --- the public base of links --------------------------------------------- */

static void absolute(char *out, size_t size, const char *path)
{
	const char *base = qr_public_url();
	size_t n;

	if (!base || !*base)
		base = "https://localhost:8443";
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s%s", (int)n, base, path);
}

/* --- reading a form or a JSON body ---------------------------------------- */

static int is_type(const char *header, const char *type)
{
	size_t n = strlen(type);

	return header && strncasecmp(header, type, n) == 0 &&
	       (header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

/* One urlencoded pair into obj; a name given twice or text that is not
 * UTF-8 is a problem naming it. */
static enum err form_pair(struct req *req, struct resp *resp, json_t *obj, const char *p,
			  size_t len)
{
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len, vlen = eq ? len - klen - 1 : 0;
	char *key = malloc(klen + 1), *val = malloc(vlen + 1);
	char pointer[80];
	json_t *s;
	int kn, vn;
	enum err e = ERR_OK;

	if (!key || !val) {
		e = ERR_INTERNAL;
		goto out;
	}
	kn = req->io->url_decode(p, (int)klen, key, (int)klen + 1, 1);
	vn = req->io->url_decode(eq ? eq + 1 : "", (int)vlen, val, (int)vlen + 1, 1);
	if (kn < 0 || vn < 0 || strlen(key) != (size_t)kn || strlen(val) != (size_t)vn) {
		e = http_invalid(resp, "", "malformed form body");
		goto out;
	}
	snprintf(pointer, sizeof(pointer), "/%.64s", key);
	if (json_object_get(obj, key)) {
		e = http_invalid(resp, pointer, "is given twice");
		goto out;
	}
	s = json_string(val);
	if (!s) {
		e = http_invalid(resp, pointer, "is not UTF-8 text");
		goto out;
	}
	if (json_object_set_new(obj, key, s) < 0)
		e = ERR_INTERNAL;
out:
	free(key);
	free(val);
	return e;
}

static int wants_json(const struct req *req);

/* A multipart body's text fields into obj, as form_pair does. */
static enum err multipart_fields(struct resp *resp, const struct form_multipart *mp, json_t *obj)
{
	for (size_t i = 0; i < mp->n_fields; i++) {
		const struct form_field *f = &mp->fields[i];
		char pointer[80];
		json_t *s;

		snprintf(pointer, sizeof(pointer), "/%.64s", f->name);
		if (json_object_get(obj, f->name))
			return http_invalid(resp, pointer, "is given twice");
		s = strlen(f->value) == f->len ? json_string(f->value) : NULL;
		if (!s)
			return http_invalid(resp, pointer, "is not UTF-8 text");
		if (json_object_set_new(obj, f->name, s) < 0)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

/* A multipart/form-data body (GMime, lib/form_multipart.c): its fields
 * into *out, its files left in *mp. A photo over its limit is a 413
 * naming it; the fields before it are kept for the form to show again. */
static enum err read_multipart(struct req *req, struct resp *resp, json_t *out,
			       struct form_multipart *mp)
{
	static const struct form_limits limits = { .max_parts = REPORT_PARTS_MAX,
						   .max_field = REPORT_TEXT_MAX,
						   .max_file = SELFSERVICE_PHOTO_MAX,
						   .max_total = REPORT_BODY_MAX };
	enum form_status st = form_multipart_parse(req_header(req, "Content-Type"), req->body,
						   req->body_len, &limits, mp);
	char pointer[80];
	enum err e;

	snprintf(pointer, sizeof(pointer), "/%.64s", mp->bad_name);
	switch (st) {
	case FORM_OK:
		return multipart_fields(resp, mp, out);
	case FORM_FILE_TOO_LARGE:
		e = multipart_fields(resp, mp, out);
		if (e != ERR_OK)
			return e;
		http_invalid(resp, pointer, "each photo may be at most %d MiB",
			     SELFSERVICE_PHOTO_MAX / (1024 * 1024));
		return ERR_TOO_LARGE;
	case FORM_FIELD_TOO_LARGE:
		return http_invalid(resp, pointer, "is longer than %d bytes", REPORT_TEXT_MAX);
	case FORM_TOO_MANY_PARTS:
		return http_invalid(resp, "", "a form of at most %d parts", REPORT_PARTS_MAX);
	case FORM_TOO_LARGE:
		return http_fail(resp, ERR_TOO_LARGE, "the body is larger than %u bytes",
				 REPORT_BODY_MAX);
	case FORM_NO_MEMORY:
		return ERR_INTERNAL;
	default:
		return http_invalid(resp, "", "malformed multipart/form-data body");
	}
}

/* The body as a JSON object (*out, caller decrefs) and whether it came as
 * a form (*form: answer with pages) or JSON. mp: where a multipart body's
 * files go (NULL: multipart is not taken here); text_max caps the other
 * kinds. */
static enum err read_body(struct req *req, struct resp *resp, json_t **out, int *form,
			  struct form_multipart *mp, size_t text_max)
{
	const char *type = req_header(req, "Content-Type");
	const char *p = req->body ? req->body : "", *end = p + req->body_len;
	json_error_t jerr;
	enum err e = ERR_OK;

	*out = NULL;
	if (mp && form_multipart_is(type)) {
		/* A browser's form gets pages; an app asking for JSON, JSON. */
		*form = !wants_json(req);
		*out = json_object();
		if (!*out)
			return ERR_INTERNAL;
		return read_multipart(req, resp, *out, mp);
	}
	if (req->body_len > text_max)
		return http_fail(resp, ERR_TOO_LARGE, "the body is larger than %zu bytes", text_max);
	*form = is_type(type, FORM_TYPE);
	if (!*form && !is_type(type, "application/json"))
		return http_fail(resp, ERR_MEDIA_TYPE,
				 mp ? "send the body as " FORM_TYPE ", multipart/form-data or "
				      "application/json"
				    : "send the body as " FORM_TYPE " or application/json");
	if (!*form) {
		*out = json_loadb(p, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!*out)
			return http_invalid(resp, "", "malformed JSON: %s", jerr.text);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			return http_invalid(resp, "", "the body must be a JSON object");
		}
		return ERR_OK;
	}
	*out = json_object();
	if (!*out)
		return ERR_INTERNAL;
	if (!req->io || !req->io->url_decode)
		return http_fail(resp, ERR_MEDIA_TYPE, "send the body as application/json");
	while (p < end && e == ERR_OK) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t len = (size_t)((amp ? amp : end) - p);

		if (len)
			e = form_pair(req, resp, *out, p, len);
		p += len + 1;
	}
	if (e != ERR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return e;
}

/* --- HTML ----------------------------------------------------------------- */

static void page_start(struct buf *b, const char *title)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"robots\" content=\"noindex\"><meta name=\"referrer\" "
		    "content=\"no-referrer\"><title>");
	buf_put_html(b, title);
	buf_puts(b, "</title><style>");
	buf_puts(b, selfservice_css);
	buf_puts(b, "</style></head><body><main>");
}

static void page_end(struct buf *b)
{
	buf_puts(b, "</main></body></html>\n");
}

/* The problem reported at pointer, or NULL. */
static const char *field_problem(const struct problem *pb, const char *pointer)
{
	size_t i;
	json_t *item;

	if (!pb || !pb->errors)
		return NULL;
	json_array_foreach(pb->errors, i, item)
	{
		const char *p = json_string_value(json_object_get(item, "pointer"));

		if (p && strcmp(p, pointer) == 0)
			return json_string_value(json_object_get(item, "detail"));
	}
	return NULL;
}

static void field_error(struct buf *b, const struct problem *pb, const char *name)
{
	char pointer[40];
	const char *msg;

	snprintf(pointer, sizeof(pointer), "/%s", name);
	msg = field_problem(pb, pointer);
	if (!msg)
		return;
	buf_printf(b, "<p class=\"err\" id=\"%s-err\" role=\"alert\">", name);
	buf_put_html(b, msg);
	buf_puts(b, "</p>");
}

static const char *value_of(const json_t *values, const char *name)
{
	const char *v = values ? json_string_value(json_object_get(values, name)) : NULL;

	return v ? v : "";
}

static void text_field(struct buf *b, const json_t *values, const struct problem *pb,
		       const char *name, const char *label, const char *type, int max,
		       const char *autocomplete)
{
	buf_printf(b, "<label for=\"%s\">", name);
	buf_puts(b, label);
	buf_printf(b,
		   "</label><input id=\"%s\" name=\"%s\" type=\"%s\" maxlength=\"%d\" "
		   "autocomplete=\"%s\" required value=\"",
		   name, name, type, max, autocomplete);
	buf_put_html(b, value_of(values, name));
	buf_puts(b, "\">");
	field_error(b, pb, name);
}

void selfservice_form_html(struct buf *b, struct db *db, const char *code, const json_t *values,
			   const struct problem *pb)
{
	const char *chosen = value_of(values, "category");
	struct catalogue_row cat;

	buf_puts(b, "<form method=\"post\" action=\"/id/");
	buf_put_html(b, code);
	buf_puts(b, "/report\" enctype=\"multipart/form-data\" accept-charset=\"utf-8\">"
		    "<h3>在线报修 Report online</h3>");
	if (pb && pb->detail[0] && !problem_count(pb)) {
		buf_puts(b, "<p class=\"err\" role=\"alert\">");
		buf_put_html(b, pb->detail);
		buf_puts(b, "</p>");
	}
	buf_puts(b, "<label for=\"category\">类别 Category</label>"
		    "<select id=\"category\" name=\"category\" required>");
	for (size_t i = 0; selfservice_categories[i]; i++) {
		if (catalogue_store_get(db, selfservice_categories[i], &cat) != ERR_OK || !cat.active)
			continue;
		buf_printf(b, "<option value=\"%s\"%s>", cat.code,
			   strcmp(chosen, cat.code) == 0 ? " selected" : "");
		buf_put_html(b, cat.name);
		buf_puts(b, " ");
		buf_put_html(b, cat.name_en);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select>");
	field_error(b, pb, "category");
	buf_printf(b,
		   "<label for=\"description\">故障描述 What is wrong</label>"
		   "<textarea id=\"description\" name=\"description\" maxlength=\"%d\" "
		   "required>",
		   SELFSERVICE_DESCRIPTION_MAX);
	buf_put_html(b, value_of(values, "description"));
	buf_puts(b, "</textarea>");
	field_error(b, pb, "description");
	text_field(b, values, pb, "contact_name", "联系人 Your name", "text", SELFSERVICE_NAME_MAX,
		   "name");
	text_field(b, values, pb, "contact_phone", "联系电话 Your phone", "tel",
		   SELFSERVICE_PHONE_MAX, "tel");
	/* Up to three photos; accept= lets a phone offer its camera. The
	 * files are not kept when the form comes back with an error. */
	buf_printf(b, "<label for=\"photo1\">照片（可选，最多 %d 张，每张不超过 %d MB） Photos "
		      "(optional, up to %d, %d MB each)</label>",
		   SELFSERVICE_PHOTOS_MAX, SELFSERVICE_PHOTO_MAX / (1024 * 1024),
		   SELFSERVICE_PHOTOS_MAX, SELFSERVICE_PHOTO_MAX / (1024 * 1024));
	for (int i = 1; i <= SELFSERVICE_PHOTOS_MAX; i++)
		buf_printf(b,
			   "<input id=\"photo%d\" name=\"photo\" type=\"file\" "
			   "accept=\"image/jpeg,image/png\" aria-label=\"照片 %d Photo %d\">",
			   i, i, i);
	field_error(b, pb, "photo");
	/* The honeypot: off screen, out of the tab order and hidden from
	 * screen readers; only a bot fills it. */
	buf_puts(b, "<div class=\"hp\" aria-hidden=\"true\"><label for=\"" HONEYPOT
		    "\">请勿填写 Leave empty</label><input id=\"" HONEYPOT "\" name=\"" HONEYPOT
		    "\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>"
		    "<button type=\"submit\">提交报修 Send report</button></form>");
}

/* The report form again with what was wrong next to each field (400). */
static enum err refused_form(struct req *req, struct resp *resp, int64_t asset_id,
			     const json_t *values, int status)
{
	struct asset_public pub;
	enum err e = assets_public_get(req->db, asset_id, &pub);

	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? http_fail(resp, ERR_NOT_FOUND, no_code) : e;
	resp->body.len = 0;
	page_start(&resp->body, "故障报修 Report a fault");
	buf_puts(&resp->body, "<h1>故障报修 Report a fault</h1><p>");
	buf_put_html(&resp->body, pub.model_name);
	buf_puts(&resp->body, " · ");
	buf_put_html(&resp->body, pub.serial);
	buf_puts(&resp->body, "</p><p class=\"err\">请修改以下内容后重新提交。"
			      "Please correct the fields below and send again.</p>");
	selfservice_form_html(&resp->body, req->db, req->params[0], values, &resp->problem);
	page_end(&resp->body);
	problem_cleanup(&resp->problem);
	if (resp->body.failed)
		return ERR_INTERNAL;
	resp->status = status;
	resp->content_type = HTML_TYPE;
	resp_header(resp, "Content-Security-Policy", SELFSERVICE_CSP);
	resp_header(resp, "Cache-Control", "no-store");
	return ERR_OK;
}

/* --- POST /id/{code}/report ------------------------------------------------ */

static const struct json_field report_fields[] = {
	{ "category", JSON_STRING, JF_REQUIRED, 32 },
	{ "description", JSON_STRING, JF_REQUIRED, SELFSERVICE_DESCRIPTION_MAX },
	{ "contact_name", JSON_STRING, JF_REQUIRED, SELFSERVICE_NAME_MAX },
	{ "contact_phone", JSON_STRING, JF_REQUIRED, SELFSERVICE_PHONE_MAX },
	{ HONEYPOT, JSON_STRING, 0, 200 },
	{ NULL, JSON_NULL, 0, 0 },
};

static int phone_ok(const char *s)
{
	size_t digits = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (!strchr("+- ()", *s))
			return 0;
	}
	return digits >= 5 && digits <= 20;
}

static void take_report(struct resp *resp, const json_t *body, struct selfservice_report *in)
{
	struct problem *pb = &resp->problem;

	if (registry_json_check(pb, body, "", report_fields) != ERR_OK)
		return;
	registry_take_text(pb, body, "", "category", in->category, sizeof(in->category),
			   TEXT_REQUIRED);
	registry_take_text(pb, body, "", "description", in->description, sizeof(in->description),
			   TEXT_REQUIRED | TEXT_MULTILINE);
	registry_take_text(pb, body, "", "contact_name", in->contact_name,
			   sizeof(in->contact_name), TEXT_REQUIRED);
	registry_take_text(pb, body, "", "contact_phone", in->contact_phone,
			   sizeof(in->contact_phone), TEXT_REQUIRED);
	if (in->category[0] && !problem_names(pb, "/category") &&
	    !selfservice_subcategory(in->category))
		http_invalid(resp, "/category", "must be one of fault_repair, service_request, other");
	if (in->contact_phone[0] && !problem_names(pb, "/contact_phone") &&
	    !phone_ok(in->contact_phone))
		http_invalid(resp, "/contact_phone", "is not a phone number");
}

/* Where the customer goes next: 303 to the tracking page for a form, 201
 * with the link for JSON. A honeypot hit gets the same with a token that
 * names nothing. */
static enum err answer_report(struct resp *resp, int form, const char *token)
{
	char path[TRACK_TOKEN_SIZE + 16], url[512];

	snprintf(path, sizeof(path), "/track/%s", token);
	absolute(url, sizeof(url), path);
	resp_header(resp, "Location", form ? path : url);
	resp_header(resp, "Cache-Control", "no-store");
	resp_header(resp, "Referrer-Policy", "no-referrer");
	if (form) {
		resp->status = 303;
		return ERR_OK;
	}
	resp_json(resp, 201, json_pack("{s:s, s:s}", "tracking_url", url, "token", token));
	return ERR_OK;
}

static enum err decoy_token(char token[TRACK_TOKEN_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char rnd[TRACK_TOKEN_LEN / 2];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return ERR_INTERNAL;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		token[2 * i] = digits[rnd[i] >> 4];
		token[2 * i + 1] = digits[rnd[i] & 15];
	}
	token[TRACK_TOKEN_LEN] = '\0';
	return ERR_OK;
}

/* The multipart body's files as checked photos: only "photo" parts, at
 * most SELFSERVICE_PHOTOS_MAX, each a JPEG or PNG by its bytes. */
static enum err take_photos(struct resp *resp, const struct form_multipart *mp,
			    struct selfservice_photo *photos, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < mp->n_files; i++) {
		const struct form_file *f = &mp->files[i];
		const char *why = NULL, *type;
		char pointer[80];

		if (strcmp(f->name, "photo") != 0) {
			snprintf(pointer, sizeof(pointer), "/%.64s", f->name);
			return http_invalid(resp, pointer, "is not a file this form takes");
		}
		if (*n == SELFSERVICE_PHOTOS_MAX)
			return http_invalid(resp, "/photo", "at most %d photos",
					    SELFSERVICE_PHOTOS_MAX);
		type = selfservice_photo_type(f->data, f->len, &why);
		if (!type)
			return http_invalid(resp, "/photo", "%s", why);
		photos[*n].media_type = type;
		snprintf(photos[*n].declared_type, sizeof(photos[*n].declared_type), "%s",
			 f->content_type);
		(*n)++;
	}
	return ERR_OK;
}

/* Writes the photos' bytes to temporary uploads, before the transaction
 * (selfservice_report_locked moves them into place inside it). */
static enum err stage_photos(struct resp *resp, const struct form_multipart *mp,
			     struct selfservice_photo *photos, size_t n)
{
	enum err e = ERR_OK;

	for (size_t i = 0, k = 0; e == ERR_OK && i < mp->n_files && k < n; i++, k++) {
		e = objects_upload_begin(&photos[k].up);
		if (e == ERR_OK)
			e = objects_upload_write(&photos[k].up, mp->files[i].data, mp->files[i].len);
		if (e == ERR_OK)
			e = objects_upload_finish(&photos[k].up);
	}
	return e == ERR_OK ? e : http_fail(resp, e, "the photos cannot be stored now");
}

static enum err post_report(struct req *req, struct resp *resp)
{
	struct selfservice_report *in = calloc(1, sizeof(*in));
	struct selfservice_photo photos[SELFSERVICE_PHOTOS_MAX];
	struct form_multipart mp = { 0 };
	struct audit_actor actor;
	char who[64], token[TRACK_TOKEN_SIZE];
	const char *honey;
	json_t *body = NULL;
	int64_t asset_id = 0, ticket_id = 0;
	size_t n_photos = 0;
	int form = 0, wait;
	enum err e;

	memset(photos, 0, sizeof(photos));
	for (size_t i = 0; i < SELFSERVICE_PHOTOS_MAX; i++)
		photos[i].up.fd = -1;
	if (!in)
		return ERR_INTERNAL;
	/* Forged codes count as misses against the address, as a scan's do. */
	snprintf(who, sizeof(who), "a:%s", req->client_addr);
	wait = ratelimit_peek(RL_SCAN_MISS, who, 1);
	if (wait > 0) {
		e = resp_rate_limited(resp, wait, "for unknown codes from this address");
		goto out;
	}
	e = qr_code_resolve(req->db, req->params[0], &asset_id);
	if (e == ERR_NOT_FOUND || e == ERR_GONE) {
		(void)ratelimit_take(RL_SCAN_MISS, who, 1);
		e = http_fail(resp, ERR_NOT_FOUND, no_code);
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	snprintf(who, sizeof(who), "c:%lld", (long long)asset_id);
	wait = ratelimit_peek(RL_REPORT_CODE, who, 1);
	if (wait > 0) {
		e = resp_rate_limited(resp, wait, "for this unit");
		goto out;
	}
	e = read_body(req, resp, &body, &form, &mp, REPORT_TEXT_MAX);
	/* A browser gets the form again, with what it typed, for what a
	 * multipart body's parts got wrong. */
	if (e == ERR_TOO_LARGE && form && problem_names(&resp->problem, "/photo")) {
		e = refused_form(req, resp, asset_id, body, 413);
		goto out;
	}
	if (e == ERR_INVALID && form && body && problem_count(&resp->problem)) {
		e = refused_form(req, resp, asset_id, body, 400);
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	honey = json_string_value(json_object_get(body, HONEYPOT));
	if (honey && *honey) {
		e = decoy_token(token);
		if (e == ERR_OK)
			e = answer_report(resp, form, token);
		goto out;
	}
	take_report(resp, body, in);
	if (!problem_count(&resp->problem))
		(void)take_photos(resp, &mp, photos, &n_photos);
	if (problem_count(&resp->problem)) {
		e = form ? refused_form(req, resp, asset_id, body, 400) : ERR_INVALID;
		goto out;
	}
	wait = ratelimit_take(RL_REPORT_CODE, who, 1);
	if (wait > 0) {
		e = resp_rate_limited(resp, wait, "for this unit");
		goto out;
	}
	e = stage_photos(resp, &mp, photos, n_photos);
	if (e != ERR_OK)
		goto out;
	audit_actor_from_req(req, &actor);
	actor.name = "customer (nameplate page)";
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = selfservice_report_locked(req->db, &actor, asset_id, in, photos, n_photos,
					      token, &ticket_id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		/* Objects this report created go while the write lock holds:
		 * no other transaction can have come to share them. */
		for (size_t i = 0; i < n_photos; i++)
			if (photos[i].created)
				objects_remove(photos[i].up.sha256);
		db_rollback(req->db);
		if (e == ERR_INVALID) {
			http_invalid(resp, "/category",
				     "must be one of fault_repair, service_request, other");
			e = form ? refused_form(req, resp, asset_id, body, 400) : ERR_INVALID;
		} else if (e == ERR_NOT_FOUND) {
			/* A unit with no customer: nothing to say about whose it is. */
			e = http_fail(resp, ERR_NOT_FOUND, no_code);
		}
		goto out;
	}
	e = answer_report(resp, form, token);
out:
	for (size_t i = 0; i < SELFSERVICE_PHOTOS_MAX; i++)
		objects_upload_abort(&photos[i].up);
	form_multipart_free(&mp);
	json_decref(body);
	free(in);
	return e;
}

/* --- GET /track/{token} ------------------------------------------------------ */

struct words {
	const char *zh, *en;
};

static struct words state_words(const char *s)
{
	if (!strcmp(s, "new") || !strcmp(s, "routed") || !strcmp(s, "declined") ||
	    !strcmp(s, "reopened"))
		return (struct words){ "已受理，正在安排", "Received; a service team is being arranged" };
	if (!strcmp(s, "assigned") || !strcmp(s, "accepted"))
		return (struct words){ "已派工程师", "An engineer has been assigned" };
	if (!strcmp(s, "en_route"))
		return (struct words){ "工程师正在前往", "The engineer is on the way" };
	if (!strcmp(s, "on_site"))
		return (struct words){ "工程师正在现场处理", "The engineer is working on site" };
	if (!strcmp(s, "waiting_customer"))
		return (struct words){ "等待您的回复", "Waiting for your reply" };
	if (!strcmp(s, "resolved") || !strcmp(s, "follow_up"))
		return (struct words){ "已处理完毕", "The fault has been fixed" };
	if (!strcmp(s, "closed"))
		return (struct words){ "已完成", "Completed" };
	return (struct words){ "已取消", "Cancelled" };
}

static struct words next_words(const struct track_view *v)
{
	const char *s = v->status;

	if (!strcmp(s, "new") || !strcmp(s, "routed") || !strcmp(s, "declined") ||
	    !strcmp(s, "reopened"))
		return (struct words){ "服务中心将致电与您确认", "The service centre will call you" };
	if (!strcmp(s, "assigned") || !strcmp(s, "accepted"))
		return (struct words){ "工程师将与您约定上门时间",
				       "The engineer will call to arrange the visit" };
	if (!strcmp(s, "en_route") || !strcmp(s, "on_site"))
		return (struct words){ "请为工程师提供设备现场通道",
				       "Please give the engineer access to the unit" };
	if (!strcmp(s, "waiting_customer"))
		return (struct words){ "请回复服务中心或拨打服务热线",
				       "Please answer the service centre or call the hotline" };
	if (v->can_rate)
		return (struct words){ "请为本次服务评分", "Please rate the service" };
	return (struct words){ "无需进一步操作", "Nothing more to do" };
}

static struct words promise_words(const char *promise)
{
	if (promise && !strcmp(promise, "response"))
		return (struct words){ "最迟联系时间", "We will call you by" };
	if (promise && !strcmp(promise, "arrival"))
		return (struct words){ "最迟到场时间", "An engineer will be there by" };
	return (struct words){ "最迟修复时间", "Fixed by" };
}

static json_t *track_json(const struct track_view *v)
{
	struct words st = state_words(v->status), nx = next_words(v);
	char at[32];
	json_t *promise = json_null();

	if (v->promise) {
		clock_format(v->promised_at, at, sizeof(at));
		promise = json_pack("{s:s, s:s}", "kind", v->promise, "due", at);
	}
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:{s:s, s:s}, s:o, s:{s:b, s:b, s:o}}",
			 "number", v->number, "status", v->status, "state", "zh", st.zh, "en",
			 st.en, "centre", v->centre_name[0] ? json_string(v->centre_name) : json_null(),
			 "next_step", "zh", nx.zh, "en", nx.en, "promise", promise, "rating", "open",
			 v->can_rate, "rated", v->rated, "satisfaction",
			 v->rated ? json_integer(v->satisfaction) : json_null());
}

static void rating_form(struct buf *b, const char *token, const struct problem *pb)
{
	buf_printf(b,
		   "<form method=\"post\" action=\"/track/%s/rating\" accept-charset=\"utf-8\">"
		   "<h2>服务评价 Rate the service</h2><fieldset><legend>满意度 "
		   "Satisfaction (1 = 很不满意 very poor, 5 = 非常满意 excellent)</legend>",
		   token);
	for (int i = 1; i <= 5; i++)
		buf_printf(b,
			   "<label><input type=\"radio\" name=\"satisfaction\" value=\"%d\" "
			   "required> %d</label>",
			   i, i);
	buf_puts(b, "</fieldset>");
	field_error(b, pb, "satisfaction");
	buf_printf(b,
		   "<label for=\"comment\">意见 Comment</label><textarea id=\"comment\" "
		   "name=\"comment\" maxlength=\"%d\"></textarea>",
		   COMMENT_MAX);
	field_error(b, pb, "comment");
	buf_puts(b, "<button type=\"submit\">提交评价 Send rating</button></form>");
}

static void track_html(struct buf *b, const struct track_view *v, const char *token,
		       const struct problem *pb)
{
	struct words st = state_words(v->status), nx = next_words(v), pr;
	char at[32], day[11], local[64];
	int minute, wday;

	page_start(b, "报修进度 Service request");
	buf_puts(b, "<h1>报修进度 Service request ");
	buf_put_html(b, v->number);
	buf_puts(b, "</h1><dl><dt>状态 Status</dt><dd>");
	buf_printf(b, "%s %s</dd>", st.zh, st.en);
	if (v->centre_name[0]) {
		buf_puts(b, "<dt>服务中心 Service centre</dt><dd>");
		buf_put_html(b, v->centre_name);
		buf_puts(b, "</dd>");
	}
	buf_printf(b, "<dt>下一步 Next step</dt><dd>%s %s</dd>", nx.zh, nx.en);
	if (v->promise) {
		pr = promise_words(v->promise);
		clock_format(v->promised_at, at, sizeof(at));
		/* Customers read China time, not UTC; the machine-readable
		 * instant stays in datetime. */
		if (clock_local(v->promised_at, "Asia/Shanghai", &minute, &wday, day) == 0)
			snprintf(local, sizeof(local), "%s %02u:%02u 北京时间 (UTC+8)", day,
				 (unsigned)minute / 60u % 24u, (unsigned)minute % 60u);
		else
			snprintf(local, sizeof(local), "%s", at);
		buf_printf(b, "<dt>%s %s</dt><dd><time datetime=\"%s\">%s</time></dd>", pr.zh, pr.en,
			   at, local);
	}
	buf_puts(b, "</dl>");
	if (v->can_rate)
		rating_form(b, token, pb);
	else if (v->rated)
		buf_printf(b, "<p>感谢您的评价（%d/5）。Thank you for your rating (%d/5).</p>",
			   v->satisfaction, v->satisfaction);
	buf_puts(b, "<p>服务热线 Service hotline <a href=\"tel:+86-400-800-1234\">400-800-1234"
		    "</a></p>");
	page_end(b);
}

static int wants_json(const struct req *req)
{
	const char *accept = req_header(req, "Accept");

	return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

static void private_headers(struct resp *resp)
{
	resp_header(resp, "Cache-Control", "private, no-store");
	resp_header(resp, "Referrer-Policy", "no-referrer");
	resp_header(resp, "X-Robots-Tag", "noindex");
	resp_header(resp, "Vary", "Accept");
}

/* JSON when asked for by Accept, or (json) when the request came as JSON. */
static enum err answer_track(struct req *req, struct resp *resp, const struct track_view *v,
			     int status, const struct problem *pb, int json)
{
	private_headers(resp);
	if (json || wants_json(req)) {
		resp_json(resp, status, track_json(v));
		return ERR_OK;
	}
	resp->body.len = 0;
	track_html(&resp->body, v, req->params[0], pb);
	if (resp->body.failed)
		return ERR_INTERNAL;
	resp->status = status;
	resp->content_type = HTML_TYPE;
	resp_header(resp, "Content-Security-Policy", SELFSERVICE_CSP);
	return ERR_OK;
}

/* A token that names nothing counts against the address like a forged
 * code: guessing is refused before any lookup once it runs out. */
static enum err token_miss_check(struct req *req, struct resp *resp, char who[64])
{
	int wait;

	snprintf(who, 64, "a:%s", req->client_addr);
	wait = ratelimit_peek(RL_SCAN_MISS, who, 1);
	return wait > 0 ? resp_rate_limited(resp, wait, "for unknown links from this address")
			: ERR_OK;
}

static enum err get_track(struct req *req, struct resp *resp)
{
	struct track_view v;
	char who[64];
	enum err e = token_miss_check(req, resp, who);

	if (e != ERR_OK)
		return e;
	e = selfservice_track(req->db, req->params[0], &v);
	if (e == ERR_NOT_FOUND) {
		(void)ratelimit_take(RL_SCAN_MISS, who, 1);
		return http_fail(resp, ERR_NOT_FOUND, no_token);
	}
	if (e != ERR_OK)
		return e;
	return answer_track(req, resp, &v, 200, NULL, 0);
}

/* --- POST /track/{token}/rating ---------------------------------------------- */

static const struct json_field rating_fields[] = {
	{ "satisfaction", JSON_NULL, JF_REQUIRED, 0 },
	{ "comment", JSON_STRING, 0, COMMENT_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

/* 1..5 as a JSON integer, or as the form's text. */
static int take_score(struct resp *resp, const json_t *body, int form)
{
	const json_t *s = json_object_get(body, "satisfaction");
	const char *text = json_string_value(s);
	json_int_t n = 0;

	if (!form && json_is_integer(s))
		n = json_integer_value(s);
	else if (form && text && strlen(text) == 1 && text[0] >= '1' && text[0] <= '5')
		n = text[0] - '0';
	if (n < 1 || n > 5) {
		http_invalid(resp, "/satisfaction", "must be a whole number from 1 to 5");
		return 0;
	}
	return (int)n;
}

static enum err post_rating(struct req *req, struct resp *resp)
{
	struct track_view v;
	struct audit_actor actor;
	char who[64], comment[COMMENT_MAX + 1] = "";
	const char *why = NULL;
	json_t *body = NULL;
	int64_t complaint = 0;
	int form = 0, score = 0;
	enum err e = token_miss_check(req, resp, who);

	if (e != ERR_OK)
		return e;
	e = selfservice_track(req->db, req->params[0], &v);
	if (e == ERR_NOT_FOUND) {
		(void)ratelimit_take(RL_SCAN_MISS, who, 1);
		return http_fail(resp, ERR_NOT_FOUND, no_token);
	}
	if (e == ERR_OK)
		e = read_body(req, resp, &body, &form, NULL, RATING_BODY_MAX);
	if (e != ERR_OK) {
		json_decref(body);
		return e;
	}
	if (registry_json_check(&resp->problem, body, "", rating_fields) == ERR_OK) {
		score = take_score(resp, body, form);
		registry_take_text(&resp->problem, body, "", "comment", comment, sizeof(comment),
				   TEXT_MULTILINE);
	}
	if (problem_count(&resp->problem)) {
		json_decref(body);
		if (!form || !v.can_rate)
			return ERR_INVALID;
		e = answer_track(req, resp, &v, 400, &resp->problem, 0);
		problem_cleanup(&resp->problem);
		return e;
	}
	json_decref(body);
	audit_actor_from_req(req, &actor);
	actor.name = "customer (tracking link)";
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = selfservice_rate_locked(req->db, &actor, req->params[0], score, comment,
					    clock_now(), &why, &complaint);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		if (e == ERR_CONFLICT)
			return http_fail(resp, ERR_CONFLICT, "%s",
					 why && !strcmp(why, "not_done")
					     ? "the request can be rated once the work is done"
					     : "this request has been rated already");
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, ERR_NOT_FOUND, no_token);
		return e;
	}
	if (form) {
		char path[TRACK_TOKEN_SIZE + 16];

		snprintf(path, sizeof(path), "/track/%s", req->params[0]);
		resp_header(resp, "Location", path);
		private_headers(resp);
		resp->status = 303;
		return ERR_OK;
	}
	e = selfservice_track(req->db, req->params[0], &v);
	return e == ERR_OK ? answer_track(req, resp, &v, 200, NULL, 1) : e;
}

const struct route selfservice_routes[] = {
	{ .method = "POST",
	  .pattern = "/id/{code}/report",
	  .handler = post_report,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_RAW_BODY,
	  .body_max = REPORT_BODY_MAX, /* multipart with photos; text bodies: REPORT_TEXT_MAX */
	  .rate = RL_REPORT },
	{ .method = "GET",
	  .pattern = "/track/{token}",
	  .handler = get_track,
	  .perm = PERM_PUBLIC,
	  .rate = RL_SCAN },
	{ .method = "POST",
	  .pattern = "/track/{token}/rating",
	  .handler = post_rating,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_RAW_BODY,
	  .body_max = RATING_BODY_MAX,
	  .rate = RL_REPORT },
	{ 0 },
};
