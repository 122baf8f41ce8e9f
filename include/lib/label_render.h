/* Drawing identification labels: the QR symbol of the link (libqrencode)
 * with a 4-module quiet zone, serial and model code under it, and the IEC
 * 61406 frame with its filled corner triangle at the lower right. Pure
 * functions: no database, no HTTP. Implemented in server/lib/label_render.c. */
#ifndef FT_LABEL_RENDER_H
#define FT_LABEL_RENDER_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum label_ec {
	LABEL_EC_Q, /* ~25 % of the symbol may be damaged: the default */
	LABEL_EC_H, /* ~30 %: outdoor units */
};

/* One label; strings borrowed for the call. */
struct label_spec {
	const char *link;       /* encoded in the symbol */
	const char *serial;     /* printed, UTF-8 */
	const char *model_code; /* printed, UTF-8 */
};

#define LABEL_SCALE_MIN 2 /* PNG pixels per module */
#define LABEL_SCALE_MAX 32
#define LABEL_SCALE_DEFAULT 8
#define LABEL_SHEET_MAX 10000 /* labels in one sheet document */
#define LABEL_SHEET_COLS 4    /* labels per A4 page: COLS x ROWS */
#define LABEL_SHEET_ROWS 5

/* Each appends one document to out. ERR_INTERNAL when the link does not
 * fit a QR symbol or memory runs out (logged). */
/* A standalone SVG, 1 mm per module. */
enum err label_render_svg(const struct label_spec *label, enum label_ec ec, struct buf *out);
/* An 8-bit greyscale PNG, scale pixels per module (LABEL_SCALE_MIN..MAX);
 * text in a built-in 5x7 ASCII font, other characters as '?'. */
enum err label_render_png(const struct label_spec *label, enum label_ec ec, int scale,
			  struct buf *out);
/* A4 sheets, labels in a grid row by row, a page per COLS x ROWS labels:
 * SVG as one document with the pages stacked (each a <g class="page">,
 * each label a <g class="label">), PDF with one page per sheet (Helvetica
 * text, ASCII only). n is 1..LABEL_SHEET_MAX. */
enum err label_sheet_svg(const struct label_spec *labels, size_t n, enum label_ec ec,
			 struct buf *out);
enum err label_sheet_pdf(const struct label_spec *labels, size_t n, enum label_ec ec,
			 struct buf *out);

#endif
