/* Label drawing. Geometry is in modules (one QR module = 1 unit):
 *
 *   +-----------------------------+  frame: 1 module wide, around all
 *   |  4-module quiet zone         |
 *   |    +------------------+      |
 *   |    |    QR symbol     |      |  libqrencode, error correction Q or H
 *   |    +------------------+      |
 *   |                              |
 *   | SN <serial>                  |  text band, 8 modules high
 *   | <model code>            /|   |
 *   +------------------------/-+---+  IEC 61406 corner mark: a filled right
 *                                     triangle, legs 1/5 of the label width
 *
 * Text never enters the quiet zone or the triangle: it is squeezed
 * (SVG textLength, PDF Tz) or, in the PNG's bitmap font, shrunk, then
 * wrapped, and cut (marked '~') only where the band has no more room. */
#include "lib/label_render.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define QUIET 4
#define FRAME 1
#define TEXT_H 8
/* Text lines, relative to the top of the text band (modules). */
#define L1_BASE 2.8
#define L1_SIZE 3.0
#define L2_BASE 6.0
#define L2_SIZE 2.4
#define TEXT_MAX 96

/* A4 in millimetres; labels sit centred in equal cells inside the margin. */
#define PAGE_W_MM 210.0
#define PAGE_H_MM 297.0
#define SHEET_MARGIN_MM 10.0
#define CELL_GAP_MM 4.0
#define MM_TO_PT (72.0 / 25.4)

struct geom {
	int qw;     /* symbol width in modules */
	int side;   /* symbol + quiet zone */
	int w, h;   /* whole label */
	int tri;    /* corner triangle legs */
	int text_x; /* text box left edge and width */
	int text_w;
};

static void geom_of(int qw, struct geom *g)
{
	g->qw = qw;
	g->side = qw + 2 * QUIET;
	g->w = g->side + 2 * FRAME;
	g->h = FRAME + g->side + TEXT_H + FRAME;
	g->tri = g->w / 5 < 4 ? 4 : g->w / 5;
	g->text_x = FRAME + 2;
	g->text_w = g->w - FRAME - g->tri - 1 - g->text_x;
}

static QRcode *encode(const char *link, enum label_ec ec)
{
	QRcode *qr = QRcode_encodeString(link, 0, ec == LABEL_EC_H ? QR_ECLEVEL_H : QR_ECLEVEL_Q,
					 QR_MODE_8, 1);

	if (!qr)
		log_error("labels: cannot encode a %zu-byte link: %s", strlen(link),
			  strerror(errno));
	return qr;
}

static int dark(const QRcode *qr, int x, int y)
{
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

/* One UTF-8 character at s: its length, *cp = -1 when malformed. */
static size_t utf8_next(const unsigned char *s, long *cp)
{
	size_t n;
	long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] < 0xe0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] < 0xf0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] < 0xf5) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c < 0xe000))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		c = -1;
	*cp = c;
	return n;
}

/* Helvetica advance widths (1/1000 em) for letters; close enough for
 * Arial, which SVG viewers substitute. */
static const unsigned short helv_upper[26] = { 667, 667, 722, 722, 667, 611, 778, 722, 278,
					       500, 667, 556, 833, 722, 778, 667, 778, 722,
					       667, 611, 722, 667, 944, 667, 667, 611 };
static const unsigned short helv_lower[26] = { 556, 556, 500, 556, 556, 278, 556, 556, 222,
					       222, 500, 222, 833, 556, 556, 556, 556, 333,
					       500, 278, 556, 500, 722, 500, 500, 500 };

static double char_em(long cp)
{
	if (cp >= '0' && cp <= '9')
		return 0.556;
	if (cp >= 'A' && cp <= 'Z')
		return helv_upper[cp - 'A'] / 1000.0;
	if (cp >= 'a' && cp <= 'z')
		return helv_lower[cp - 'a'] / 1000.0;
	switch (cp) {
	case ' ':
	case '.':
	case ',':
	case '/':
	case ':':
		return 0.278;
	case '-':
		return 0.333;
	case '_':
		return 0.556;
	default:
		return cp >= 0x1100 ? 1.0 : 0.6; /* CJK is square */
	}
}

static double text_em(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	double em = 0;
	long cp;

	while (*p) {
		p += utf8_next(p, &cp);
		em += char_em(cp);
	}
	return em;
}

/* s as printable ASCII: one '?' per other character. */
static void ascii_fold(const char *s, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	long cp;

	while (*p && n + 1 < size) {
		p += utf8_next(p, &cp);
		out[n++] = (cp >= 0x20 && cp < 0x7f) ? (char)cp : '?';
	}
	out[n] = '\0';
}

/* XML text/attribute escaping; malformed UTF-8 and control characters
 * (not allowed in XML 1.0) become '?'. */
static void put_xml(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long cp;

	while (*p) {
		size_t n = utf8_next(p, &cp);

		if (cp == '&')
			buf_puts(b, "&amp;");
		else if (cp == '<')
			buf_puts(b, "&lt;");
		else if (cp == '>')
			buf_puts(b, "&gt;");
		else if (cp == '"')
			buf_puts(b, "&quot;");
		else if (cp == '\'')
			buf_puts(b, "&apos;");
		else if (cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff)
			buf_puts(b, "?");
		else
			buf_append(b, p, n);
		p += n;
	}
}

/* A number with at most 3 decimals, no exponent, no trailing zeros. */
static const char *num(char s[32], double v)
{
	int n = snprintf(s, 32, "%.3f", v);

	while (n > 0 && s[n - 1] == '0')
		s[--n] = '\0';
	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	if (strcmp(s, "-0") == 0)
		strcpy(s, "0");
	return s;
}

static void label_lines(const struct label_spec *l, char l1[TEXT_MAX], char l2[TEXT_MAX])
{
	snprintf(l1, TEXT_MAX, "SN %s", l->serial);
	snprintf(l2, TEXT_MAX, "%s", l->model_code);
}

/* --- SVG ------------------------------------------------------------------ */

static void svg_text(struct buf *b, const struct geom *g, double base, double size,
		     const char *text)
{
	char n1[32], n2[32];
	double width = text_em(text) * size;

	buf_printf(b,
		   "<text x=\"%d\" y=\"%s\" font-family=\"Helvetica, Arial, sans-serif\""
		   " font-size=\"%s\"",
		   g->text_x, num(n1, FRAME + g->side + base), num(n2, size));
	if (width > g->text_w)
		buf_printf(b, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", g->text_w);
	buf_puts(b, ">");
	put_xml(b, text);
	buf_puts(b, "</text>");
}

/* The label in module units with its origin at the top left. */
static void svg_label(struct buf *b, const QRcode *qr, const struct geom *g,
		      const struct label_spec *l)
{
	const int off = FRAME + QUIET;
	char l1[TEXT_MAX], l2[TEXT_MAX];

	buf_puts(b, "<g class=\"label\" data-serial=\"");
	put_xml(b, l->serial);
	buf_printf(b, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		   g->w, g->h);
	for (int y = 0; y < qr->width; y++) {
		for (int x = 0; x < qr->width;) {
			int run = 0;

			while (x + run < qr->width && dark(qr, x + run, y))
				run++;
			if (run)
				buf_printf(b, "M%d %dh%dv1h-%dz", off + x, off + y, run, run);
			x += run ? run : 1;
		}
	}
	buf_printf(b,
		   "\"/><rect x=\"0.5\" y=\"0.5\" width=\"%d\" height=\"%d\" fill=\"none\""
		   " stroke=\"#000\" stroke-width=\"1\"/>"
		   "<path fill=\"#000\" d=\"M%d %dV%dH%dZ\"/>",
		   g->w - 1, g->h - 1, g->w, g->h - g->tri, g->h, g->w - g->tri);
	label_lines(l, l1, l2);
	svg_text(b, g, L1_BASE, L1_SIZE, l1);
	svg_text(b, g, L2_BASE, L2_SIZE, l2);
	buf_puts(b, "</g>");
}

static const char svg_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"";

enum err label_render_svg(const struct label_spec *label, enum label_ec ec, struct buf *out)
{
	QRcode *qr = encode(label->link, ec);
	struct geom g;

	if (!qr)
		return ERR_INTERNAL;
	geom_of(qr->width, &g);
	buf_printf(out, "%s width=\"%dmm\" height=\"%dmm\" viewBox=\"0 0 %d %d\"><title>", svg_head,
		   g.w, g.h, g.w, g.h);
	put_xml(out, label->serial);
	buf_puts(out, "</title>");
	svg_label(out, qr, &g, label);
	buf_puts(out, "</svg>\n");
	QRcode_free(qr);
	return out->failed ? ERR_INTERNAL : ERR_OK;
}

/* Where label i of a sheet goes: its page, and the top left corner (mm)
 * and millimetres per module that centre it in its cell. */
struct placement {
	size_t page;
	double x, y, mm;
};

static void place(size_t i, const struct geom *g, struct placement *p)
{
	const size_t per = LABEL_SHEET_COLS * LABEL_SHEET_ROWS;
	const double cw = (PAGE_W_MM - 2 * SHEET_MARGIN_MM) / LABEL_SHEET_COLS;
	const double ch = (PAGE_H_MM - 2 * SHEET_MARGIN_MM) / LABEL_SHEET_ROWS;
	size_t slot = i % per;
	double sx = (cw - CELL_GAP_MM) / g->w, sy = (ch - CELL_GAP_MM) / g->h;

	p->page = i / per;
	p->mm = sx < sy ? sx : sy;
	p->x = SHEET_MARGIN_MM + (double)(slot % LABEL_SHEET_COLS) * cw + (cw - p->mm * g->w) / 2;
	p->y = SHEET_MARGIN_MM + (double)(slot / LABEL_SHEET_COLS) * ch + (ch - p->mm * g->h) / 2;
}

enum err label_sheet_svg(const struct label_spec *labels, size_t n, enum label_ec ec,
			 struct buf *out)
{
	const size_t per = LABEL_SHEET_COLS * LABEL_SHEET_ROWS;
	size_t pages = (n + per - 1) / per;
	char a[32], b[32], c[32];

	if (n == 0 || n > LABEL_SHEET_MAX)
		return ERR_INVALID;
	buf_printf(out, "%s width=\"210mm\" height=\"%zumm\" viewBox=\"0 0 210 %zu\">", svg_head,
		   297 * pages, 297 * pages);
	for (size_t i = 0; i < n; i++) {
		QRcode *qr = encode(labels[i].link, ec);
		struct placement p;
		struct geom g;

		if (!qr)
			return ERR_INTERNAL;
		geom_of(qr->width, &g);
		place(i, &g, &p);
		if (i % per == 0)
			buf_printf(out,
				   "%s<g class=\"page\" transform=\"translate(0 %zu)\">"
				   "<rect width=\"210\" height=\"297\" fill=\"#fff\"/>",
				   i ? "</g>" : "", 297 * p.page);
		buf_printf(out, "<g transform=\"translate(%s %s) scale(%s)\">", num(a, p.x),
			   num(b, p.y), num(c, p.mm));
		svg_label(out, qr, &g, &labels[i]);
		buf_puts(out, "</g>");
		QRcode_free(qr);
	}
	buf_puts(out, "</g></svg>\n");
	return out->failed ? ERR_INTERNAL : ERR_OK;
}

/* --- PDF ------------------------------------------------------------------ */

static void pdf_string(struct buf *b, const char *text)
{
	char ascii[TEXT_MAX];

	ascii_fold(text, ascii, sizeof(ascii));
	buf_puts(b, "(");
	for (const char *p = ascii; *p; p++) {
		if (*p == '(' || *p == ')' || *p == '\\')
			buf_puts(b, "\\");
		buf_append(b, p, 1);
	}
	buf_puts(b, ")");
}

/* Text at a baseline given in module units of the label at p. */
static void pdf_text(struct buf *b, const struct geom *g, const struct placement *p, double base,
		     double size, const char *text)
{
	char ascii[TEXT_MAX], n1[32], n2[32], n3[32], n4[32];
	double pt = p->mm * MM_TO_PT, width;

	ascii_fold(text, ascii, sizeof(ascii));
	width = text_em(ascii) * size;
	buf_printf(b, "BT /F1 %s Tf %s Tz 1 0 0 1 %s %s Tm ", num(n1, size * pt),
		   num(n2, width > g->text_w ? 100.0 * g->text_w / width : 100.0),
		   num(n3, (p->x + g->text_x * p->mm) * MM_TO_PT),
		   num(n4, (PAGE_H_MM - p->y - (FRAME + g->side + base) * p->mm) * MM_TO_PT));
	pdf_string(b, ascii);
	buf_puts(b, " Tj ET\n");
}

static void pdf_label(struct buf *b, const QRcode *qr, const struct geom *g,
		      const struct placement *p, const struct label_spec *l)
{
	const int off = FRAME + QUIET;
	double pt = p->mm * MM_TO_PT;
	char n1[32], n2[32], n3[32], n4[32], l1[TEXT_MAX], l2[TEXT_MAX];

	/* Module units, y down, origin at the label's top left. */
	buf_printf(b, "q %s 0 0 %s %s %s cm\n1 g 0 0 %d %d re f\n0 g\n", num(n1, pt), num(n2, -pt),
		   num(n3, p->x * MM_TO_PT), num(n4, (PAGE_H_MM - p->y) * MM_TO_PT), g->w, g->h);
	for (int y = 0; y < qr->width; y++) {
		for (int x = 0; x < qr->width;) {
			int run = 0;

			while (x + run < qr->width && dark(qr, x + run, y))
				run++;
			if (run)
				buf_printf(b, "%d %d %d 1 re\n", off + x, off + y, run);
			x += run ? run : 1;
		}
	}
	buf_printf(b, "f\n1 w 0.5 0.5 %d %d re S\n%d %d m %d %d l %d %d l h f\nQ\n", g->w - 1,
		   g->h - 1, g->w, g->h - g->tri, g->w, g->h, g->w - g->tri, g->h);
	label_lines(l, l1, l2);
	pdf_text(b, g, p, L1_BASE, L1_SIZE, l1);
	pdf_text(b, g, p, L2_BASE, L2_SIZE, l2);
}

enum err label_sheet_pdf(const struct label_spec *labels, size_t n, enum label_ec ec,
			 struct buf *out)
{
	const size_t per = LABEL_SHEET_COLS * LABEL_SHEET_ROWS;
	size_t pages = (n + per - 1) / per, nobj = 3 + 2 * pages, start = out->len, xref;
	size_t *offs;
	struct buf content;
	enum err e = ERR_OK;
	char w[32], h[32];

	if (n == 0 || n > LABEL_SHEET_MAX)
		return ERR_INVALID;
	offs = calloc(nobj + 1, sizeof(*offs));
	if (!offs)
		return ERR_INTERNAL;
	buf_init(&content, 0);
	num(w, PAGE_W_MM * MM_TO_PT);
	num(h, PAGE_H_MM * MM_TO_PT);
	/* Objects: 1 catalog, 2 page tree, 3 font, then page k at 4 + 2k
	 * with its content stream at 5 + 2k. Offsets are from the header. */
	buf_puts(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	offs[1] = out->len - start;
	buf_puts(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	offs[3] = out->len - start;
	buf_puts(out, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
		      " /Encoding /WinAnsiEncoding >>\nendobj\n");
	for (size_t pg = 0; pg < pages && e == ERR_OK; pg++) {
		size_t page_obj = 4 + 2 * pg;

		content.len = 0;
		for (size_t i = pg * per; i < n && i < (pg + 1) * per; i++) {
			QRcode *qr = encode(labels[i].link, ec);
			struct placement p;
			struct geom g;

			if (!qr) {
				e = ERR_INTERNAL;
				break;
			}
			geom_of(qr->width, &g);
			place(i, &g, &p);
			pdf_label(&content, qr, &g, &p, &labels[i]);
			QRcode_free(qr);
		}
		offs[page_obj] = out->len - start;
		buf_printf(out,
			   "%zu 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s]"
			   " /Resources << /Font << /F1 3 0 R >> >> /Contents %zu 0 R >>\nendobj\n",
			   page_obj, w, h, page_obj + 1);
		offs[page_obj + 1] = out->len - start;
		buf_printf(out, "%zu 0 obj\n<< /Length %zu >>\nstream\n", page_obj + 1,
			   content.len);
		if (content.len)
			buf_append(out, content.data, content.len);
		buf_puts(out, "\nendstream\nendobj\n");
	}
	offs[2] = out->len - start;
	buf_puts(out, "2 0 obj\n<< /Type /Pages /Kids [");
	for (size_t pg = 0; pg < pages; pg++)
		buf_printf(out, "%s%zu 0 R", pg ? " " : "", 4 + 2 * pg);
	buf_printf(out, "] /Count %zu >>\nendobj\n", pages);
	xref = out->len - start;
	buf_printf(out, "xref\n0 %zu\n0000000000 65535 f \n", nobj + 1);
	for (size_t i = 1; i <= nobj; i++)
		buf_printf(out, "%010zu 00000 n \n", offs[i]);
	buf_printf(out, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", nobj + 1,
		   xref);
	buf_cleanup(&content);
	free(offs);
	if (e == ERR_OK && out->failed)
		e = ERR_INTERNAL;
	return e;
}

/* --- PNG ------------------------------------------------------------------ */

/* 5x7 glyphs for ASCII 0x20..0x7e, one byte per column, bit 0 at the top
 * (the classic public-domain HD44780-style table). */
static const unsigned char font5x7[95][5] = {
	{ 0x00, 0x00, 0x00, 0x00, 0x00 }, { 0x00, 0x00, 0x5f, 0x00, 0x00 }, /* space ! */
	{ 0x00, 0x07, 0x00, 0x07, 0x00 }, { 0x14, 0x7f, 0x14, 0x7f, 0x14 }, /* " # */
	{ 0x24, 0x2a, 0x7f, 0x2a, 0x12 }, { 0x23, 0x13, 0x08, 0x64, 0x62 }, /* $ % */
	{ 0x36, 0x49, 0x55, 0x22, 0x50 }, { 0x00, 0x05, 0x03, 0x00, 0x00 }, /* & ' */
	{ 0x00, 0x1c, 0x22, 0x41, 0x00 }, { 0x00, 0x41, 0x22, 0x1c, 0x00 }, /* ( ) */
	{ 0x14, 0x08, 0x3e, 0x08, 0x14 }, { 0x08, 0x08, 0x3e, 0x08, 0x08 }, /* * + */
	{ 0x00, 0x50, 0x30, 0x00, 0x00 }, { 0x08, 0x08, 0x08, 0x08, 0x08 }, /* , - */
	{ 0x00, 0x60, 0x60, 0x00, 0x00 }, { 0x20, 0x10, 0x08, 0x04, 0x02 }, /* . / */
	{ 0x3e, 0x51, 0x49, 0x45, 0x3e }, { 0x00, 0x42, 0x7f, 0x40, 0x00 }, /* 0 1 */
	{ 0x42, 0x61, 0x51, 0x49, 0x46 }, { 0x21, 0x41, 0x45, 0x4b, 0x31 }, /* 2 3 */
	{ 0x18, 0x14, 0x12, 0x7f, 0x10 }, { 0x27, 0x45, 0x45, 0x45, 0x39 }, /* 4 5 */
	{ 0x3c, 0x4a, 0x49, 0x49, 0x30 }, { 0x01, 0x71, 0x09, 0x05, 0x03 }, /* 6 7 */
	{ 0x36, 0x49, 0x49, 0x49, 0x36 }, { 0x06, 0x49, 0x49, 0x29, 0x1e }, /* 8 9 */
	{ 0x00, 0x36, 0x36, 0x00, 0x00 }, { 0x00, 0x56, 0x36, 0x00, 0x00 }, /* : ; */
	{ 0x08, 0x14, 0x22, 0x41, 0x00 }, { 0x14, 0x14, 0x14, 0x14, 0x14 }, /* < = */
	{ 0x00, 0x41, 0x22, 0x14, 0x08 }, { 0x02, 0x01, 0x51, 0x09, 0x06 }, /* > ? */
	{ 0x32, 0x49, 0x79, 0x41, 0x3e }, { 0x7e, 0x11, 0x11, 0x11, 0x7e }, /* @ A */
	{ 0x7f, 0x49, 0x49, 0x49, 0x36 }, { 0x3e, 0x41, 0x41, 0x41, 0x22 }, /* B C */
	{ 0x7f, 0x41, 0x41, 0x22, 0x1c }, { 0x7f, 0x49, 0x49, 0x49, 0x41 }, /* D E */
	{ 0x7f, 0x09, 0x09, 0x09, 0x01 }, { 0x3e, 0x41, 0x49, 0x49, 0x7a }, /* F G */
	{ 0x7f, 0x08, 0x08, 0x08, 0x7f }, { 0x00, 0x41, 0x7f, 0x41, 0x00 }, /* H I */
	{ 0x20, 0x40, 0x41, 0x3f, 0x01 }, { 0x7f, 0x08, 0x14, 0x22, 0x41 }, /* J K */
	{ 0x7f, 0x40, 0x40, 0x40, 0x40 }, { 0x7f, 0x02, 0x0c, 0x02, 0x7f }, /* L M */
	{ 0x7f, 0x04, 0x08, 0x10, 0x7f }, { 0x3e, 0x41, 0x41, 0x41, 0x3e }, /* N O */
	{ 0x7f, 0x09, 0x09, 0x09, 0x06 }, { 0x3e, 0x41, 0x51, 0x21, 0x5e }, /* P Q */
	{ 0x7f, 0x09, 0x19, 0x29, 0x46 }, { 0x46, 0x49, 0x49, 0x49, 0x31 }, /* R S */
	{ 0x01, 0x01, 0x7f, 0x01, 0x01 }, { 0x3f, 0x40, 0x40, 0x40, 0x3f }, /* T U */
	{ 0x1f, 0x20, 0x40, 0x20, 0x1f }, { 0x3f, 0x40, 0x38, 0x40, 0x3f }, /* V W */
	{ 0x63, 0x14, 0x08, 0x14, 0x63 }, { 0x07, 0x08, 0x70, 0x08, 0x07 }, /* X Y */
	{ 0x61, 0x51, 0x49, 0x45, 0x43 }, { 0x00, 0x7f, 0x41, 0x41, 0x00 }, /* Z [ */
	{ 0x02, 0x04, 0x08, 0x10, 0x20 }, { 0x00, 0x41, 0x41, 0x7f, 0x00 }, /* \ ] */
	{ 0x04, 0x02, 0x01, 0x02, 0x04 }, { 0x40, 0x40, 0x40, 0x40, 0x40 }, /* ^ _ */
	{ 0x00, 0x01, 0x02, 0x04, 0x00 }, { 0x20, 0x54, 0x54, 0x54, 0x78 }, /* ` a */
	{ 0x7f, 0x48, 0x44, 0x44, 0x38 }, { 0x38, 0x44, 0x44, 0x44, 0x20 }, /* b c */
	{ 0x38, 0x44, 0x44, 0x48, 0x7f }, { 0x38, 0x54, 0x54, 0x54, 0x18 }, /* d e */
	{ 0x08, 0x7e, 0x09, 0x01, 0x02 }, { 0x0c, 0x52, 0x52, 0x52, 0x3e }, /* f g */
	{ 0x7f, 0x08, 0x04, 0x04, 0x78 }, { 0x00, 0x44, 0x7d, 0x40, 0x00 }, /* h i */
	{ 0x20, 0x40, 0x44, 0x3d, 0x00 }, { 0x7f, 0x10, 0x28, 0x44, 0x00 }, /* j k */
	{ 0x00, 0x41, 0x7f, 0x40, 0x00 }, { 0x7c, 0x04, 0x18, 0x04, 0x78 }, /* l m */
	{ 0x7c, 0x08, 0x04, 0x04, 0x78 }, { 0x38, 0x44, 0x44, 0x44, 0x38 }, /* n o */
	{ 0x7c, 0x14, 0x14, 0x14, 0x08 }, { 0x08, 0x14, 0x14, 0x18, 0x7c }, /* p q */
	{ 0x7c, 0x08, 0x04, 0x04, 0x08 }, { 0x48, 0x54, 0x54, 0x54, 0x20 }, /* r s */
	{ 0x04, 0x3f, 0x44, 0x40, 0x20 }, { 0x3c, 0x40, 0x40, 0x20, 0x7c }, /* t u */
	{ 0x1c, 0x20, 0x40, 0x20, 0x1c }, { 0x3c, 0x40, 0x30, 0x40, 0x3c }, /* v w */
	{ 0x44, 0x28, 0x10, 0x28, 0x44 }, { 0x0c, 0x50, 0x50, 0x50, 0x3c }, /* x y */
	{ 0x44, 0x64, 0x54, 0x4c, 0x44 }, { 0x00, 0x08, 0x36, 0x41, 0x00 }, /* z { */
	{ 0x00, 0x00, 0x7f, 0x00, 0x00 }, { 0x00, 0x41, 0x36, 0x08, 0x00 }, /* | } */
	{ 0x08, 0x04, 0x08, 0x10, 0x08 },                                   /* ~ */
};

struct canvas {
	unsigned char *px; /* 0 black .. 255 white, row by row */
	size_t w, h;
};

/* Blackens [x0, x1) x [y0, y1), clipped to the canvas. */
static void fill(struct canvas *c, size_t x0, size_t y0, size_t x1, size_t y1)
{
	if (x1 > c->w)
		x1 = c->w;
	if (y1 > c->h)
		y1 = c->h;
	for (size_t y = y0; y < y1; y++)
		if (x0 < x1)
			memset(c->px + y * c->w + x0, 0, x1 - x0);
}

/* Draws text with glyph pixels f x f from (x, y), no wider than max_w and
 * no lower than max_y: shrinks f down to 1, then wraps onto more lines (a
 * serial is printed whole where the band has room); what still does not
 * fit is cut, its last character drawn as '~' so the cut shows. Returns
 * the y just below the last line's glyphs. */
static size_t draw_text(struct canvas *c, size_t x, size_t y, size_t f, size_t max_w, size_t max_y,
			const char *text)
{
	char ascii[TEXT_MAX];
	size_t n, per_line, lines, pos = 0, bottom = y;

	ascii_fold(text, ascii, sizeof(ascii));
	n = strlen(ascii);
	while (f > 1 && n * 6 * f > max_w + f)
		f--;
	/* k glyphs take 6fk - f pixels: no gap after the last. */
	per_line = (max_w + f) / (6 * f);
	/* Lines 8f apart, each 7f high; always at least one. */
	lines = max_y >= y + 7 * f ? (max_y - y - 7 * f) / (8 * f) + 1 : 1;
	for (; pos < n && per_line && lines; lines--, y += 8 * f) {
		size_t take = n - pos < per_line ? n - pos : per_line;
		int cut = lines == 1 && pos + take < n;

		for (size_t i = 0; i < take; i++) {
			char ch = cut && i == take - 1 ? '~' : ascii[pos + i];
			const unsigned char *glyph = font5x7[(unsigned char)ch - 0x20];
			size_t gx = x + i * 6 * f;

			for (size_t col = 0; col < 5; col++)
				for (size_t row = 0; row < 7; row++)
					if (glyph[col] >> row & 1)
						fill(c, gx + col * f, y + row * f,
						     gx + (col + 1) * f, y + (row + 1) * f);
		}
		pos += take;
		bottom = y + 7 * f;
	}
	return bottom;
}

static void png_write_cb(png_structp png, png_bytep data, size_t len)
{
	if (buf_append(png_get_io_ptr(png), data, len) < 0)
		png_error(png, "out of memory");
}

static void png_flush_cb(png_structp png)
{
	(void)png;
}

static void png_error_cb(png_structp png, png_const_charp msg)
{
	log_error("labels: libpng: %s", msg);
	png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static enum err png_encode(const struct canvas *c, struct buf *out)
{
	png_structp png =
	    png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_error_cb, png_warning_cb);
	png_infop info = png ? png_create_info_struct(png) : NULL;

	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return ERR_INTERNAL;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return ERR_INTERNAL;
	}
	png_set_write_fn(png, out, png_write_cb, png_flush_cb);
	png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (size_t y = 0; y < c->h; y++)
		png_write_row(png, c->px + y * c->w);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return ERR_OK;
}

enum err label_render_png(const struct label_spec *label, enum label_ec ec, int scale,
			  struct buf *out)
{
	QRcode *qr;
	struct canvas c;
	struct geom g;
	size_t s, off, band, tri, f1, f2, gap, y1, y2;
	char l1[TEXT_MAX], l2[TEXT_MAX];
	enum err e;

	if (scale < LABEL_SCALE_MIN || scale > LABEL_SCALE_MAX)
		return ERR_INVALID;
	qr = encode(label->link, ec);
	if (!qr)
		return ERR_INTERNAL;
	geom_of(qr->width, &g);
	s = (size_t)scale;
	c.w = (size_t)g.w * s;
	c.h = (size_t)g.h * s;
	c.px = malloc(c.w * c.h);
	if (!c.px) {
		QRcode_free(qr);
		return ERR_INTERNAL;
	}
	memset(c.px, 255, c.w * c.h);
	off = (size_t)(FRAME + QUIET) * s;
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (dark(qr, x, y))
				fill(&c, off + (size_t)x * s, off + (size_t)y * s,
				     off + (size_t)(x + 1) * s, off + (size_t)(y + 1) * s);
	/* The frame, then the corner triangle: pixel (u, v) of its box is
	 * inside when u + v >= legs - 1. */
	fill(&c, 0, 0, c.w, s);
	fill(&c, 0, c.h - s, c.w, c.h);
	fill(&c, 0, 0, s, c.h);
	fill(&c, c.w - s, 0, c.w, c.h);
	tri = (size_t)g.tri * s;
	for (size_t v = 0; v < tri; v++)
		fill(&c, c.w - v - 1, c.h - tri + v, c.w, c.h - tri + v + 1);
	/* Text: about 2.4 and 2 modules high, in the band under the symbol;
	 * a serial too long for one line wraps into the room above the model
	 * line. */
	band = (size_t)(FRAME + g.side) * s;
	f1 = s * 12 / 35 ? s * 12 / 35 : 1;
	f2 = s * 2 / 7 ? s * 2 / 7 : 1;
	gap = s / 2 ? s / 2 : 1;
	y1 = band + s / 2;
	label_lines(label, l1, l2);
	y2 = draw_text(&c, (size_t)g.text_x * s, y1, f1, (size_t)g.text_w * s,
		       c.h - s - 7 * f2 - gap, l1) +
	     gap;
	if (y2 + 7 * f2 <= c.h - s)
		draw_text(&c, (size_t)g.text_x * s, y2, f2, (size_t)g.text_w * s, c.h - s, l2);
	QRcode_free(qr);
	e = png_encode(&c, out);
	free(c.px);
	return e;
}
