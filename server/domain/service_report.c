/* The service report PDF of a visit: cairo's PDF surface, text laid out
 * by pango (wrapping, Chinese and Latin in one font family), PNG images
 * through cairo and JPEG photos decoded by libjpeg. Nothing here writes
 * PDF syntax by hand. See include/domain/service_report.h. */
#include "domain/service_report.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <jansson.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <openssl/evp.h>

#include "core/clock.h"
#include "db/attachments_store.h"
#include "db/registry_store.h"
#include "domain/channels.h"
#include "domain/delivery.h"
#include "db/checklists_store.h"
#include "db/tickets_store.h"
#include "domain/checklists.h"
#include "domain/tickets.h"
#include "lib/objects.h"

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 48.0
#define LABEL_W 150.0
#define FONT "Noto Sans CJK SC, Noto Serif CJK SC, sans-serif"
#define IMAGE_BYTES_MAX (20 * 1024 * 1024) /* the photo attachments' limit */
#define PNG_SIDE_MAX 4096                  /* a larger PNG is listed, not drawn (64 MiB decoded) */
#define DRAW_SIDE_MAX 1600                 /* pixels kept of a JPEG (libjpeg scales) */
#define SIGNATURE_SIDE_MIN 16
#define SIGNATURE_SIDE_MAX 4000

/* ---- the PDF's bytes ------------------------------------------------------- */

struct out_buf {
	unsigned char *data;
	size_t len, cap;
	int failed;
};

static cairo_status_t out_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct out_buf *b = closure;

	if (b->len + length > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		unsigned char *p;

		while (cap < b->len + length)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, length);
	b->len += length;
	return CAIRO_STATUS_SUCCESS;
}

/* ---- images ------------------------------------------------------------------ */

struct bytes {
	unsigned char *data;
	size_t len, off;
};

/* A stored object's bytes (at most IMAGE_BYTES_MAX). */
static enum err object_read(const char *sha256, struct bytes *out)
{
	int fd = -1;
	int64_t size = 0;
	enum err e = objects_open(sha256, &fd, &size);

	memset(out, 0, sizeof(*out));
	if (e != ERR_OK)
		return e;
	if (size <= 0 || size > IMAGE_BYTES_MAX) {
		close(fd);
		return ERR_TOO_LARGE;
	}
	out->data = malloc((size_t)size);
	while (out->data && out->len < (size_t)size) {
		ssize_t n = read(fd, out->data + out->len, (size_t)size - out->len);

		if (n <= 0)
			break;
		out->len += (size_t)n;
	}
	close(fd);
	if (!out->data || out->len != (size_t)size) {
		free(out->data);
		out->data = NULL;
		return ERR_UNAVAILABLE;
	}
	return ERR_OK;
}

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
	struct bytes *b = closure;

	if (b->len - b->off < length)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, b->data + b->off, length);
	b->off += length;
	return CAIRO_STATUS_SUCCESS;
}

/* The PNG's sides from its IHDR, checked before cairo decodes it all. */
static int png_sides(const struct bytes *b, uint32_t *w, uint32_t *h)
{
	const unsigned char *p = b->data;

	if (b->len < 24 || memcmp(p + 12, "IHDR", 4) != 0)
		return -1;
	*w = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	*h = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
	return 0;
}

static cairo_surface_t *png_surface(struct bytes *b)
{
	uint32_t w, h;
	cairo_surface_t *s;

	if (png_sides(b, &w, &h) < 0 || w == 0 || h == 0 || w > PNG_SIDE_MAX || h > PNG_SIDE_MAX)
		return NULL;
	b->off = 0;
	s = cairo_image_surface_create_from_png_stream(png_read, b);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
}

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_fail *)(void *)cinfo->err)->jump, 1);
}

static void jpeg_quiet(j_common_ptr cinfo, int level)
{
	(void)cinfo;
	(void)level;
}

/* Decodes a JPEG into an RGB24 surface, scaled down by libjpeg (1/2, 1/4,
 * 1/8) until its longer side is at most DRAW_SIDE_MAX. */
static cairo_surface_t *jpeg_surface(const struct bytes *b)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_fail fail;
	cairo_surface_t *volatile s = NULL;
	unsigned char *volatile row = NULL;

	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.emit_message = jpeg_quiet;
	if (setjmp(fail.jump)) {
		jpeg_destroy_decompress(&cinfo);
		free(row);
		if (s)
			cairo_surface_destroy(s);
		return NULL;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, b->data, (unsigned long)b->len);
	jpeg_read_header(&cinfo, TRUE);
	/* At most 1/8 scaling: a larger JPEG is listed, not drawn. */
	if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
	    cinfo.image_width > DRAW_SIDE_MAX * 8 || cinfo.image_height > DRAW_SIDE_MAX * 8) {
		jpeg_destroy_decompress(&cinfo);
		return NULL;
	}
	cinfo.out_color_space = JCS_RGB;
	cinfo.scale_num = 1;
	cinfo.scale_denom = 1;
	while (cinfo.scale_denom < 8 && (cinfo.image_width > DRAW_SIDE_MAX * cinfo.scale_denom ||
					 cinfo.image_height > DRAW_SIDE_MAX * cinfo.scale_denom))
		cinfo.scale_denom *= 2;
	jpeg_start_decompress(&cinfo);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)cinfo.output_width,
				       (int)cinfo.output_height);
	row = malloc((size_t)cinfo.output_width * 3);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || !row || cinfo.output_components != 3)
		longjmp(fail.jump, 1);
	{
		unsigned char *pixels = cairo_image_surface_get_data(s);
		int stride = cairo_image_surface_get_stride(s);

		cairo_surface_flush(s);
		while (cinfo.output_scanline < cinfo.output_height) {
			JSAMPROW rows[1] = { row };
			uint32_t *px =
			    (uint32_t *)(void *)(pixels + (size_t)stride * cinfo.output_scanline);

			jpeg_read_scanlines(&cinfo, rows, 1);
			for (JDIMENSION x = 0; x < cinfo.output_width; x++)
				px[x] = (uint32_t)row[3 * x] << 16 | (uint32_t)row[3 * x + 1] << 8 |
					row[3 * x + 2];
		}
		cairo_surface_mark_dirty(s);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(row);
	return s;
}

/* ---- layout ------------------------------------------------------------------- */

/* One font map for the process, made once and kept: pango's default is one
 * per thread, and every civetweb worker that drew a report would load the
 * fonts again and drop them (with fontconfig's caches) when it ends. A font
 * map is not safe across threads, so reports are drawn one at a time; they
 * are rare and take milliseconds. */
static pthread_once_t font_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t font_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *font_map;

static void font_map_make(void)
{
	font_map = pango_cairo_font_map_new();
}

struct doc {
	cairo_t *cr;
	PangoContext *pc;
	double y;
};

static void need(struct doc *d, double h)
{
	if (d->y + h > PAGE_H - MARGIN && d->y > MARGIN) {
		cairo_show_page(d->cr);
		d->y = MARGIN;
	}
}

static PangoLayout *layout_of(struct doc *d, const char *s, double size, int bold, double width)
{
	PangoLayout *l = pango_layout_new(d->pc);
	PangoFontDescription *fd = pango_font_description_from_string(FONT);

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, s, -1);
	return l;
}

static double layout_height(PangoLayout *l)
{
	int w, h;

	pango_layout_get_pixel_size(l, &w, &h);
	return h;
}

/* A paragraph across the page. */
static void para(struct doc *d, const char *s, double size, int bold)
{
	PangoLayout *l = layout_of(d, s, size, bold, PAGE_W - 2 * MARGIN);
	double h = layout_height(l);

	need(d, h);
	cairo_move_to(d->cr, MARGIN, d->y);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	d->y += h + 2;
}

static void heading(struct doc *d, const char *s)
{
	d->y += 8;
	need(d, 40);
	para(d, s, 13, 1);
	cairo_set_line_width(d->cr, 0.6);
	cairo_move_to(d->cr, MARGIN, d->y);
	cairo_line_to(d->cr, PAGE_W - MARGIN, d->y);
	cairo_stroke(d->cr);
	d->y += 4;
}

/* "label: value" in two columns; the value red when flagged. */
static void row(struct doc *d, const char *label, const char *value, int flagged)
{
	PangoLayout *l = layout_of(d, label, 9.5, 1, LABEL_W - 8);
	PangoLayout *v = layout_of(d, value && value[0] ? value : "—", 9.5, flagged,
				   PAGE_W - 2 * MARGIN - LABEL_W);
	double h = layout_height(l) > layout_height(v) ? layout_height(l) : layout_height(v);

	need(d, h);
	cairo_set_source_rgb(d->cr, 0.3, 0.3, 0.3);
	cairo_move_to(d->cr, MARGIN, d->y);
	pango_cairo_show_layout(d->cr, l);
	if (flagged)
		cairo_set_source_rgb(d->cr, 0.75, 0, 0);
	else
		cairo_set_source_rgb(d->cr, 0, 0, 0);
	cairo_move_to(d->cr, MARGIN + LABEL_W, d->y);
	pango_cairo_show_layout(d->cr, v);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	g_object_unref(l);
	g_object_unref(v);
	d->y += h + 3;
}

/* An image scaled into max_w x max_h points. */
static void image(struct doc *d, cairo_surface_t *s, double max_w, double max_h)
{
	double w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
	double k = max_w / w < max_h / h ? max_w / w : max_h / h;

	if (k > 1)
		k = 1;
	need(d, h * k + 6);
	cairo_save(d->cr);
	cairo_translate(d->cr, MARGIN, d->y);
	cairo_scale(d->cr, k, k);
	cairo_set_source_surface(d->cr, s, 0, 0);
	cairo_paint(d->cr);
	cairo_restore(d->cr);
	d->y += h * k + 6;
}

/* ---- the sections ------------------------------------------------------------------ */

static void unit_section(struct doc *d, const struct ticket_row *t)
{
	heading(d, "设备 Unit");
	row(d, "客户 Customer", t->customer_name, 0);
	row(d, "站点 Site", t->site_name, 0);
	row(d, "序列号 Serial", t->asset_serial, 0);
	row(d, "型号 Model", t->model_code, 0);
	row(d, "产品线 Product line", t->product_line, 0);
	row(d, "请求 Request", t->title, 0);
}

static int part_row(const struct ticket_part *p, void *ctx)
{
	char text[400];

	snprintf(text, sizeof(text), "%s → %s%s%s", p->old_serial[0] ? p->old_serial : "—",
		 p->new_serial, p->lot[0] ? "  批次 lot " : "", p->lot);
	row(ctx, p->part_number, text, 0);
	return 0;
}

static enum err work_section(struct doc *d, struct db *db, const struct ticket_row *t)
{
	struct ticket_work *w = calloc(1, sizeof(*w));
	char minutes[32];
	enum err e = w ? tickets_store_work_get(db, t->id, w) : ERR_INTERNAL;

	heading(d, "工作内容 Work done");
	if (e == ERR_OK) {
		snprintf(minutes, sizeof(minutes), "%lld 分钟 min", (long long)w->minutes_spent);
		row(d, "故障代码 Fault code", w->fault_code, 0);
		row(d, "原因 Cause", w->cause, 0);
		row(d, "处理 Actions", w->actions, 0);
		row(d, "用时 Time spent", minutes, 0);
	} else if (e == ERR_NOT_FOUND) {
		para(d, "尚未记录 Not recorded yet", 9.5, 0);
		e = ERR_OK;
	}
	free(w);
	if (e != ERR_OK)
		return e;
	heading(d, "更换部件 Parts replaced");
	{
		double before = d->y;

		e = tickets_store_parts(db, t->id, part_row, d);
		if (e == ERR_OK && d->y == before)
			para(d, "无 None", 9.5, 0);
	}
	return e;
}

static void number_text(const json_t *v, char *out, size_t size)
{
	double x = json_number_value(v);

	if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, size, "%g", x);
}

/* One checklist item's answer in words. */
static void answer_text(const json_t *item, const json_t *answer, char *out, size_t size)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const json_t *v = json_object_get(answer, "value");
	const json_t *unit = json_object_get(item, "unit");
	const char *note = json_string_value(json_object_get(answer, "note"));
	char num[64], lim[160] = "";
	size_t n;

	if (!answer || json_is_null(answer)) {
		snprintf(out, size, "未填 Not answered");
		return;
	}
	if (strcmp(kind, "yes_no") == 0) {
		snprintf(out, size, "%s", json_is_true(v) ? "是 Yes" : "否 No");
	} else if (strcmp(kind, "number") == 0) {
		number_text(v, num, sizeof(num));
		if (json_is_true(json_object_get(answer, "flagged"))) {
			char lo[64] = "", hi[64] = "";

			if (json_is_number(json_object_get(item, "min")))
				number_text(json_object_get(item, "min"), lo, sizeof(lo));
			if (json_is_number(json_object_get(item, "max")))
				number_text(json_object_get(item, "max"), hi, sizeof(hi));
			snprintf(lim, sizeof(lim), "  ⚠ 超限 OUT OF LIMIT [%s – %s]", lo, hi);
		}
		snprintf(out, size, "%s%s%s%s", num, json_is_string(unit) ? " " : "",
			 json_is_string(unit) ? json_string_value(unit) : "", lim);
	} else if (strcmp(kind, "text") == 0) {
		snprintf(out, size, "%s", json_string_value(v));
	} else {
		snprintf(out, size, "照片 Photo %s",
			 json_string_value(json_object_get(answer, "attachment_id")));
	}
	n = strlen(out);
	if (note && note[0] && n < size)
		snprintf(out + n, size - n, "\n备注 Note: %s", note);
}

static enum err checklist_section(struct doc *d, struct db *db, const struct ticket_row *t,
				  json_t **signoff)
{
	json_t *doc = NULL, *items, *tpl, *item;
	char label[512], text[1400];
	size_t i;
	enum err e = checklists_ticket_json(db, t, &doc);

	if (e != ERR_OK)
		return e;
	heading(d, "检查表 Checklist");
	tpl = json_object_get(doc, "template");
	items = json_object_get(doc, "items");
	if (json_is_null(tpl)) {
		para(d, "无 None", 9.5, 0);
	} else {
		snprintf(text, sizeof(text), "%s  (v%lld)",
			 json_string_value(json_object_get(tpl, "name")),
			 (long long)json_integer_value(json_object_get(tpl, "version")));
		para(d, text, 9.5, 0);
	}
	json_array_foreach(items, i, item) {
		const char *en = json_string_value(json_object_get(item, "label_en"));
		const json_t *answer = json_object_get(item, "answer");

		snprintf(label, sizeof(label), "%s%s%s",
			 json_string_value(json_object_get(item, "label")), en && en[0] ? "\n" : "",
			 en ? en : "");
		answer_text(item, answer, text, sizeof(text));
		row(d, label, text, json_is_true(json_object_get(answer, "flagged")));
	}
	*signoff = json_incref(json_object_get(doc, "signoff"));
	json_decref(doc);
	return ERR_OK;
}

struct photos {
	struct doc *d;
	const char *signature_uuid;
	int drawn, listed;
};

static int photo_one(const struct attachment_row *a, void *ctx)
{
	struct photos *p = ctx;
	struct bytes b;
	cairo_surface_t *s = NULL;
	char caption[700];

	if (strcmp(a->kind, "photo") != 0 || strcmp(a->client_uuid, p->signature_uuid) == 0)
		return 0;
	p->listed++;
	if (p->drawn < REPORT_PHOTOS_MAX && object_read(a->sha256, &b) == ERR_OK) {
		if (strcmp(a->media_type, "image/png") == 0)
			s = png_surface(&b);
		else if (strcmp(a->media_type, "image/jpeg") == 0)
			s = jpeg_surface(&b);
		free(b.data);
	}
	snprintf(caption, sizeof(caption), "%s%s%s", a->client_uuid, a->caption[0] ? "  " : "",
		 a->caption);
	para(p->d, caption, 8, 0);
	if (s) {
		image(p->d, s, 240, 180);
		cairo_surface_destroy(s);
		p->drawn++;
	}
	return 0;
}

static void signoff_section(struct doc *d, const json_t *s)
{
	char where[96];

	heading(d, "客户签字 Customer sign-off");
	if (!s || json_is_null(s)) {
		para(d, "未签字 Not signed", 9.5, 0);
		return;
	}
	snprintf(where, sizeof(where), "%.6f, %.6f", json_number_value(json_object_get(s, "lat")),
		 json_number_value(json_object_get(s, "lon")));
	row(d, "签字人 Signer", json_string_value(json_object_get(s, "signer_name")), 0);
	row(d, "职务 Role", json_string_value(json_object_get(s, "signer_role")), 0);
	row(d, "时间 Signed at", json_string_value(json_object_get(s, "signed_at")), 0);
	row(d, "位置 Location", where, 0);
}

static void signature_image(struct doc *d, struct db *db, const struct ticket_row *t,
			    const char *uuid)
{
	struct attachment_row *a = calloc(1, sizeof(*a));
	struct bytes b;
	cairo_surface_t *s;

	if (a && attachments_store_get(db, t->id, uuid, a) == ERR_OK &&
	    object_read(a->sha256, &b) == ERR_OK) {
		s = png_surface(&b);
		free(b.data);
		if (s) {
			image(d, s, 220, 90);
			cairo_surface_destroy(s);
		}
	}
	free(a);
}

enum err service_report_pdf(struct db *db, const struct ticket_row *t, char **pdf, size_t *len)
{
	struct out_buf out = { 0 };
	cairo_surface_t *surface =
	    cairo_pdf_surface_create_for_stream(out_write, &out, PAGE_W, PAGE_H);
	struct doc d = { .cr = NULL, .y = MARGIN };
	json_t *signoff = NULL;
	const char *sig_uuid = "";
	struct photos ph = { .d = &d };
	char number[24], line[160], now[32];
	enum err e;

	*pdf = NULL;
	*len = 0;
	pthread_once(&font_once, font_map_make);
	pthread_mutex_lock(&font_lock);
	d.cr = cairo_create(surface);
	d.pc = pango_font_map_create_context(font_map);
	pango_cairo_update_context(d.cr, d.pc);
	tickets_number(t->id, number);
	clock_format(clock_now(), now, sizeof(now));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
				       "服务报告 Service Report");
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "fieldtrace");
	para(&d, "服务报告 Service Report", 18, 1);
	snprintf(line, sizeof(line), "%s · %s", number, now);
	para(&d, line, 9, 0);
	unit_section(&d, t);
	e = work_section(&d, db, t);
	if (e == ERR_OK)
		e = checklist_section(&d, db, t, &signoff);
	if (e == ERR_OK) {
		if (json_is_object(signoff))
			sig_uuid =
			    json_string_value(json_object_get(signoff, "signature_attachment_id"));
		ph.signature_uuid = sig_uuid;
		heading(&d, "照片 Photos");
		e = attachments_store_list(db, t->id, photo_one, &ph);
		if (e == ERR_OK && ph.listed == 0)
			para(&d, "无 None", 9.5, 0);
	}
	if (e == ERR_OK) {
		signoff_section(&d, signoff);
		if (sig_uuid[0])
			signature_image(&d, db, t, sig_uuid);
	}
	g_object_unref(d.pc);
	cairo_destroy(d.cr);
	cairo_surface_finish(surface);
	pthread_mutex_unlock(&font_lock);
	if (e == ERR_OK && (out.failed || cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS))
		e = ERR_INTERNAL;
	cairo_surface_destroy(surface);
	json_decref(signoff);
	if (e != ERR_OK) {
		free(out.data);
		return e;
	}
	*pdf = (char *)out.data;
	*len = out.len;
	return ERR_OK;
}

enum err service_report_signature_check(const char *sha256, char *why, size_t size)
{
	struct bytes b;
	cairo_surface_t *s;
	uint32_t w = 0, h = 0;
	enum err e = object_read(sha256, &b);

	if (e == ERR_TOO_LARGE) {
		snprintf(why, size, "the signature is too large");
		return ERR_INVALID;
	}
	if (e != ERR_OK)
		return e;
	if (png_sides(&b, &w, &h) < 0 || w < SIGNATURE_SIDE_MIN || h < SIGNATURE_SIDE_MIN ||
	    w > SIGNATURE_SIDE_MAX || h > SIGNATURE_SIDE_MAX) {
		free(b.data);
		snprintf(why, size, "a signature is a PNG of %d to %d pixels a side",
			 SIGNATURE_SIDE_MIN, SIGNATURE_SIDE_MAX);
		return ERR_INVALID;
	}
	s = png_surface(&b);
	free(b.data);
	if (!s) {
		snprintf(why, size, "the signature PNG cannot be decoded");
		return ERR_INVALID;
	}
	cairo_surface_destroy(s);
	return ERR_OK;
}

/* ---- the report e-mailed on close ------------------------------------------------------ */

/* The contact the report goes to: the ticket's own (a customer contact of
 * the same name or phone) when it has an e-mail, else the first contact's
 * e-mail; NULL when there is none. */
static const struct contact_row *report_contact(const struct ticket_row *t,
						const struct contact_row *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].email[0] &&
		    ((t->contact_name[0] && strcmp(list[i].name, t->contact_name) == 0) ||
		     (t->contact_phone[0] && strcmp(list[i].phone, t->contact_phone) == 0)))
			return &list[i];
	return n && list[0].email[0] ? &list[0] : NULL;
}

enum err service_report_mail_locked(struct db *db, const struct ticket_row *t, int64_t now)
{
	struct contact_row *contacts = NULL;
	const struct contact_row *to;
	char *pdf = NULL, *b64 = NULL, number[24], key[48], subject[96], text[512], filename[64];
	size_t n = 0, len = 0;
	int64_t visit = 1;
	json_t *message;
	enum err e = ERR_OK;

	if (!channels_lane_on(LANE_SMTP) || !t->customer_id)
		return ERR_OK;
	contacts = calloc(CONTACTS_MAX, sizeof(*contacts));
	if (!contacts)
		return ERR_INTERNAL;
	e = registry_contacts_get(db, t->customer_id, contacts, CONTACTS_MAX, &n);
	to = e == ERR_OK ? report_contact(t, contacts, n) : NULL;
	if (!to)
		goto out;
	e = checklists_store_visit(db, t->id, &visit);
	if (e == ERR_OK)
		e = service_report_pdf(db, t, &pdf, &len);
	if (e != ERR_OK)
		goto out;
	if (len > (size_t)INT32_MAX / 2) {
		e = ERR_INTERNAL;
		goto out;
	}
	b64 = malloc((len + 2) / 3 * 4 + 1);
	if (!b64) {
		e = ERR_INTERNAL;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)pdf, (int)len);
	tickets_number(t->id, number);
	snprintf(key, sizeof(key), "report_%lld_%lld", (long long)t->id, (long long)visit);
	snprintf(subject, sizeof(subject), "服务报告 Service Report %s", number);
	snprintf(text, sizeof(text),
		 "您好，附件是服务单 %s 的服务报告。\n\n"
		 "Hello, attached is the service report of request %s.\n\n— fieldtrace\n",
		 number, number);
	snprintf(filename, sizeof(filename), "service-report-%s.pdf", number);
	message =
	    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:[{s:s, s:s, s:s}]}", "to_name", to->name,
		      "subject", subject, "text", text, "number", number, "ticket_id",
		      (json_int_t)t->id, "visit", (json_int_t)visit, "attachments", "filename",
		      filename, "content_type", "application/pdf", "data_base64", b64);
	e = message ? delivery_mail_to(db, "service.report", to->email, key, message, now)
		    : ERR_INTERNAL;
out:
	free(b64);
	free(pdf);
	free(contacts);
	return e;
}
