/* Sheets of identification labels: the assets' current labels collected
 * with their signed links, then drawn as an A4 sheet (SVG or PDF). Shared
 * by POST /v1/labels (server/api/labels.c) and `fieldtrace labels`
 * (server/cli/labels.c). */
#include "domain/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "domain/qr.h"
#include "domain/qr_code.h"

int labels_ec_parse(const char *s, enum label_ec *out)
{
	if (strcmp(s, "Q") == 0)
		*out = LABEL_EC_Q;
	else if (strcmp(s, "H") == 0)
		*out = LABEL_EC_H;
	else
		return -1;
	return 0;
}

int labels_sheet_add(const struct qr_label_facts *f, void *arg)
{
	struct labels_sheet *s = arg;
	struct labels_printable *p;
	enum err e;

	if (s->n == s->max) {
		s->more++;
		return 0;
	}
	if (!f->generation) {
		if (!s->unlabelled++)
			snprintf(s->first_unlabelled, sizeof(s->first_unlabelled), "%s", f->serial);
		return 0;
	}
	p = &s->items[s->n];
	p->facts = *f;
	e = qr_code_format(f->key_id, f->asset_id, f->generation, p->code);
	if (e != ERR_OK) {
		log_error("labels: no cached key %lld for asset %lld", (long long)f->key_id,
			  (long long)f->asset_id);
		s->e = ERR_INTERNAL;
		return 1;
	}
	qr_link(s->base, p->code, p->link, sizeof(p->link));
	s->n++;
	return 0;
}

enum err labels_sheet_init(struct labels_sheet *s, const char *base, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->max = max;
	s->items = calloc(max, sizeof(*s->items));
	return s->items ? ERR_OK : ERR_INTERNAL;
}

void labels_sheet_cleanup(struct labels_sheet *s)
{
	free(s->items);
}

enum err labels_sheet_render(const struct labels_sheet *s, int pdf, enum label_ec ec,
			     struct buf *out)
{
	struct label_spec *specs = calloc(s->n ? s->n : 1, sizeof(*specs));
	enum err e;

	if (!specs)
		return ERR_INTERNAL;
	for (size_t i = 0; i < s->n; i++) {
		specs[i].link = s->items[i].link;
		specs[i].serial = s->items[i].facts.serial;
		specs[i].model_code = s->items[i].facts.model_code;
	}
	e = pdf ? label_sheet_pdf(specs, s->n, ec, out) : label_sheet_svg(specs, s->n, ec, out);
	free(specs);
	return e;
}
