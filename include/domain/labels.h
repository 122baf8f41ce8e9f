/* Sheets of identification labels (server/domain/labels.c), shared by
 * POST /v1/labels and `fieldtrace labels`. */
#ifndef FT_LABELS_H
#define FT_LABELS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/qr_store.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "lib/label_render.h"

/* "Q" or "H" into *out: 0, or -1 for anything else. */
int labels_ec_parse(const char *s, enum label_ec *out);

/* One label ready to draw. */
struct labels_printable {
	struct qr_label_facts facts;
	char code[QR_CODE_MAX];
	char link[QR_LINK_MAX];
};

/* Labels collected for a sheet, and what stopped them. */
struct labels_sheet {
	const char *base; /* public URL the links start with */
	struct labels_printable *items;
	size_t n, max;
	size_t more;       /* rows seen beyond max */
	size_t unlabelled; /* assets without a current label */
	char first_unlabelled[64];
	enum err e; /* a failure formatting a code */
};

/* An empty sheet for up to max labels whose links start with base
 * (borrowed for the sheet's life). ERR_INTERNAL when out of memory. */
enum err labels_sheet_init(struct labels_sheet *s, const char *base, size_t max);
/* Frees what the sheet holds. */
void labels_sheet_cleanup(struct labels_sheet *s);
/* A qr_store label-facts callback (arg: the sheet): adds a labelled
 * asset, counts an unlabelled one or one beyond max; 1 (stop) when a
 * code cannot be formatted, with s->e set. */
int labels_sheet_add(const struct qr_label_facts *f, void *arg);
/* Draws the sheet's labels as PDF (pdf 1) or SVG into out. */
enum err labels_sheet_render(const struct labels_sheet *s, int pdf, enum label_ec ec,
			     struct buf *out);

#endif
