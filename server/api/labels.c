/* Printing identification labels: one label as SVG or PNG, A4 sheets of
 * labels (SVG or PDF) for a list of assets or a production batch, over
 * HTTP and as `fieldtrace labels`. Printing reads only: an asset without a
 * current label is refused (409), labels are issued by the registry and by
 * POST /v1/assets/{id}/relabel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/config.h"
#include "db/db.h"
#include "lib/label_render.h"
#include "core/log.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "db/qr_store.h"
#include "api/routes.h"

#define HTTP_SHEET_MAX 500 /* labels one request may print */

static int ec_parse(const char *s, enum label_ec *out)
{
	if (strcmp(s, "Q") == 0)
		*out = LABEL_EC_Q;
	else if (strcmp(s, "H") == 0)
		*out = LABEL_EC_H;
	else
		return -1;
	return 0;
}

/* One label ready to draw. */
struct printable {
	struct qr_label_facts facts;
	char code[QR_CODE_MAX];
	char link[QR_LINK_MAX];
};

/* Labels collected for a sheet, and what stopped them. */
struct sheet {
	const char *base; /* public URL the links start with */
	struct printable *items;
	size_t n, max;
	size_t more;       /* rows seen beyond max */
	size_t unlabelled; /* assets without a current label */
	char first_unlabelled[64];
	enum err e; /* a failure formatting a code */
};

static int sheet_add(const struct qr_label_facts *f, void *arg)
{
	struct sheet *s = arg;
	struct printable *p;
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

static enum err sheet_init(struct sheet *s, const char *base, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->max = max;
	s->items = calloc(max, sizeof(*s->items));
	return s->items ? ERR_OK : ERR_INTERNAL;
}

static void sheet_cleanup(struct sheet *s)
{
	free(s->items);
}

static enum err sheet_render(const struct sheet *s, int pdf, enum label_ec ec, struct buf *out)
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

/* --- HTTP ------------------------------------------------------------------ */

static enum err unlabelled_fail(struct resp *resp, size_t n, const char *serial)
{
	return http_fail(resp, ERR_CONFLICT,
			 "%zu asset%s no identification label yet (serial %s%s); issue one with "
			 "POST /v1/assets/{id}/relabel",
			 n, n == 1 ? " has" : "s have", serial, n > 1 ? ", ..." : "");
}

static enum err get_label(struct req *req, struct resp *resp, int png)
{
	const char *ec_s = req_query(req, "ec"), *scale_s = req_query(req, "scale");
	enum label_ec ec = LABEL_EC_Q;
	struct qr_label_facts facts;
	struct printable p;
	struct scope scope;
	struct label_spec spec;
	long scale = LABEL_SCALE_DEFAULT;
	char disposition[80];
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	if (ec_s && ec_parse(ec_s, &ec) < 0)
		e = http_invalid(resp, "ec", "must be Q (default) or H (outdoor)");
	if (scale_s) {
		char *end;

		scale = strtol(scale_s, &end, 10);
		if (!*scale_s || *end || scale < LABEL_SCALE_MIN || scale > LABEL_SCALE_MAX)
			e = http_invalid(resp, "scale", "must be an integer from %d to %d",
					 LABEL_SCALE_MIN, LABEL_SCALE_MAX);
	}
	if (e != ERR_OK)
		return e;
	scope = req->user.scope;
	e = qr_store_label_facts(req->db, id, &scope, &facts);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such asset");
	if (e != ERR_OK)
		return e;
	if (!facts.generation)
		return unlabelled_fail(resp, 1, facts.serial);
	e = qr_label_code(req->db, id, p.code);
	if (e != ERR_OK)
		return e;
	qr_link(qr_public_url(), p.code, p.link, sizeof(p.link));
	spec.link = p.link;
	spec.serial = facts.serial;
	spec.model_code = facts.model_code;
	resp->body.len = 0;
	e = png ? label_render_png(&spec, ec, (int)scale, &resp->body)
		: label_render_svg(&spec, ec, &resp->body);
	if (e != ERR_OK)
		return e;
	resp->status = 200;
	resp->content_type = png ? "image/png" : "image/svg+xml";
	snprintf(disposition, sizeof(disposition), "inline; filename=\"label-%lld.%s\"",
		 (long long)id, png ? "png" : "svg");
	resp_header(resp, "Content-Disposition", disposition);
	return ERR_OK;
}

static enum err get_label_svg(struct req *req, struct resp *resp)
{
	return get_label(req, resp, 0);
}

static enum err get_label_png(struct req *req, struct resp *resp)
{
	return get_label(req, resp, 1);
}

static const struct json_field sheet_fields[] = {
	{ "asset_ids", JSON_ARRAY, 0, 0 }, { "batch", JSON_STRING, 0, 64 },
	{ "format", JSON_STRING, 0, 16 },  { "ec", JSON_STRING, 0, 16 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* Checks the body beyond its members' types; collects every problem. */
static enum err sheet_request(const struct req *req, struct resp *resp, int *pdf, enum label_ec *ec)
{
	json_t *ids = json_object_get(req->json, "asset_ids"), *v;
	const char *batch = req_json_str(req, "batch"), *format = req_json_str(req, "format");
	const char *ec_s = req_json_str(req, "ec");
	enum err e = ERR_OK;
	size_t i;

	if (ids && batch)
		e = http_invalid(resp, "/batch", "give asset_ids or batch, not both");
	else if (!ids && !batch)
		e = http_invalid(resp, "/asset_ids", "asset_ids or batch is required");
	if (batch && !*batch)
		e = http_invalid(resp, "/batch", "must not be empty");
	if (ids && (json_array_size(ids) == 0 || json_array_size(ids) > HTTP_SHEET_MAX))
		e = http_invalid(resp, "/asset_ids", "must list 1 to %d asset ids", HTTP_SHEET_MAX);
	else if (ids) {
		json_array_foreach(ids, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) <= 0) {
				char ptr[32];

				snprintf(ptr, sizeof(ptr), "/asset_ids/%zu", i);
				e = http_invalid(resp, ptr, "must be a positive integer");
			}
		}
	}
	*pdf = 0;
	if (format && strcmp(format, "pdf") == 0)
		*pdf = 1;
	else if (format && strcmp(format, "svg") != 0)
		e = http_invalid(resp, "/format", "must be svg (default) or pdf");
	*ec = LABEL_EC_Q;
	if (ec_s && ec_parse(ec_s, ec) < 0)
		e = http_invalid(resp, "/ec", "must be Q (default) or H (outdoor)");
	return e;
}

static enum err post_labels(struct req *req, struct resp *resp)
{
	json_t *ids = json_object_get(req->json, "asset_ids"), *v;
	const char *batch = req_json_str(req, "batch");
	struct sheet s;
	struct scope scope;
	enum label_ec ec;
	int pdf;
	size_t i;
	enum err e;

	e = req_json_check(req, resp, sheet_fields);
	if (e == ERR_OK)
		e = sheet_request(req, resp, &pdf, &ec);
	if (e != ERR_OK)
		return e;
	scope = req->user.scope;
	e = sheet_init(&s, qr_public_url(), HTTP_SHEET_MAX);
	if (e != ERR_OK)
		return e;
	if (batch) {
		e = qr_store_label_facts_batch(req->db, batch, &scope, HTTP_SHEET_MAX + 1,
					       sheet_add, &s);
		if (e == ERR_OK && s.more)
			e = http_invalid(
			    resp, "/batch",
			    "has more than %d assets; print it in parts with asset_ids",
			    HTTP_SHEET_MAX);
		else if (e == ERR_OK && !s.n && !s.unlabelled)
			e = http_invalid(resp, "/batch", "no asset of this batch is in your scope");
	} else {
		json_array_foreach(ids, i, v) {
			struct qr_label_facts facts;
			enum err fe =
			    qr_store_label_facts(req->db, json_integer_value(v), &scope, &facts);

			if (fe == ERR_NOT_FOUND) {
				char ptr[32];

				snprintf(ptr, sizeof(ptr), "/asset_ids/%zu", i);
				e = http_invalid(resp, ptr, "no such asset");
			} else if (fe != ERR_OK) {
				e = fe;
				break;
			} else if (e == ERR_OK) {
				sheet_add(&facts, &s);
			}
		}
	}
	if (e == ERR_OK)
		e = s.e;
	if (e == ERR_OK && s.unlabelled)
		e = unlabelled_fail(resp, s.unlabelled, s.first_unlabelled);
	if (e == ERR_OK) {
		resp->body.len = 0;
		e = sheet_render(&s, pdf, ec, &resp->body);
	}
	sheet_cleanup(&s);
	if (e != ERR_OK)
		return e;
	resp->status = 200;
	resp->content_type = pdf ? "application/pdf" : "image/svg+xml";
	resp_header(resp, "Content-Disposition",
		    pdf ? "inline; filename=\"labels.pdf\"" : "inline; filename=\"labels.svg\"");
	return ERR_OK;
}

const struct route labels_routes[] = {
	{ "GET", "/v1/assets/{id}/label.svg", get_label_svg, PERM_LABELS, "ec", 0 },
	{ "GET", "/v1/assets/{id}/label.png", get_label_png, PERM_LABELS, "ec,scale", 0 },
	{ "POST", "/v1/labels", post_labels, PERM_LABELS, NULL, ROUTE_JSON_BODY, 16 * 1024,
	  RL_LABELS },
	{ 0 },
};

/* --- fieldtrace labels ------------------------------------------------------ */

static int usage(void)
{
	fputs("usage: fieldtrace labels --db PATH --batch B --out FILE.svg|FILE.pdf\n"
	      "                         [--ec Q|H] [--public-url URL]\n",
	      stderr);
	return 2;
}

/* 1 for .pdf, 0 for .svg, -1 otherwise. */
static int out_format(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && strcasecmp(dot, ".pdf") == 0)
		return 1;
	if (dot && strcasecmp(dot, ".svg") == 0)
		return 0;
	return -1;
}

/* Writes data to path through a temporary file, so a failed run leaves no
 * half-written sheet behind. */
static int write_file(const char *path, const struct buf *data)
{
	char tmp[1100];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f) {
		perror(tmp);
		return -1;
	}
	ok = fwrite(data->data, 1, data->len, f) == data->len;
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) != 0) {
		perror(path);
		ok = 0;
	}
	if (!ok)
		remove(tmp);
	return ok ? 0 : -1;
}

static int labels_run(const struct config *cfg, const char *batch, const char *out_path, int pdf,
		      enum label_ec ec)
{
	struct scope all = { .all = 1 };
	struct db *db = NULL;
	struct sheet s;
	struct buf doc;
	int rc = 1;
	enum err e;

	buf_init(&doc, 0);
	if (sheet_init(&s, cfg->public_url, LABEL_SHEET_MAX) != ERR_OK)
		return 1;
	e = db_open(cfg->db_path, &db);
	if (e == ERR_OK && (e = db_check_schema(db)) != ERR_OK)
		fprintf(stderr, "fieldtrace: %s is not migrated to this version; run migrate\n",
			cfg->db_path);
	if (e == ERR_OK)
		e = qr_keys_load(db);
	if (e == ERR_OK)
		e = qr_store_label_facts_batch(db, batch, &all, LABEL_SHEET_MAX + 1, sheet_add, &s);
	if (e == ERR_OK)
		e = s.e;
	if (e != ERR_OK)
		goto out;
	if (s.more) {
		fprintf(stderr, "fieldtrace: batch %s has more than %d assets\n", batch,
			LABEL_SHEET_MAX);
	} else if (s.unlabelled) {
		fprintf(stderr,
			"fieldtrace: %zu assets of batch %s have no identification label"
			" (first: serial %s)\n",
			s.unlabelled, batch, s.first_unlabelled);
	} else if (!s.n) {
		fprintf(stderr, "fieldtrace: no assets in batch %s\n", batch);
	} else if (sheet_render(&s, pdf, ec, &doc) == ERR_OK && write_file(out_path, &doc) == 0) {
		const size_t per = LABEL_SHEET_COLS * LABEL_SHEET_ROWS;

		printf("%zu labels on %zu A4 pages written to %s\n", s.n, (s.n + per - 1) / per,
		       out_path);
		rc = 0;
	}
out:
	if (e != ERR_OK)
		fprintf(stderr, "fieldtrace: labels failed (%s)\n", err_title(e));
	db_close(db);
	buf_cleanup(&doc);
	sheet_cleanup(&s);
	return rc;
}

int cli_labels(int argc, char **argv)
{
	const char *batch = NULL, *out_path = NULL;
	enum label_ec ec = LABEL_EC_Q;
	struct config cfg;
	char err[256];
	int pdf;

	config_defaults(&cfg);
	if (config_load_env(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fieldtrace: %s\n", err);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *value;
		char key[32];

		if (strncmp(arg, "--", 2) != 0)
			return usage();
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - arg - 2), arg + 2);
			value = eq + 1;
		} else if (i + 1 < argc) {
			snprintf(key, sizeof(key), "%s", arg + 2);
			value = argv[++i];
		} else {
			return usage();
		}
		if (strcmp(key, "batch") == 0) {
			batch = value;
		} else if (strcmp(key, "out") == 0) {
			out_path = value;
		} else if (strcmp(key, "ec") == 0) {
			if (ec_parse(value, &ec) < 0) {
				fprintf(stderr, "fieldtrace: --ec must be Q or H\n");
				return 2;
			}
		} else if (strcmp(key, "db") == 0 || strcmp(key, "public-url") == 0) {
			if (config_set(&cfg, key, value, err, sizeof(err)) < 0) {
				fprintf(stderr, "fieldtrace: %s\n", err);
				return 2;
			}
		} else {
			return usage();
		}
	}
	if (!batch || !*batch || !out_path)
		return usage();
	pdf = out_format(out_path);
	if (pdf < 0) {
		fprintf(stderr, "fieldtrace: --out must end in .svg or .pdf\n");
		return 2;
	}
	{
		struct config defaults;

		/* Printed links are permanent: say so before printing localhost. */
		config_defaults(&defaults);
		if (strcmp(cfg.public_url, defaults.public_url) == 0)
			fprintf(stderr,
				"fieldtrace: warning: the links use the default public URL %s;"
				" set --public-url or FIELDTRACE_PUBLIC_URL for labels that leave"
				" this machine\n",
				cfg.public_url);
	}
	return labels_run(&cfg, batch, out_path, pdf, ec);
}
