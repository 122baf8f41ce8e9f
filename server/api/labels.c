/* Printing identification labels over HTTP: one label as SVG or PNG, A4
 * sheets of labels (SVG or PDF) for a list of assets or a production
 * batch. Printing reads only: an asset without a current label is refused
 * (409), labels are issued by the registry and by
 * POST /v1/assets/{id}/relabel. The sheet is drawn by
 * server/domain/labels.c. */
#include "domain/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "db/db.h"
#include "lib/label_render.h"
#include "core/log.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "db/qr_store.h"
#include "api/routes.h"

#define HTTP_SHEET_MAX 500 /* labels one request may print */

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
	struct labels_printable p;
	struct scope scope;
	struct label_spec spec;
	long scale = LABEL_SCALE_DEFAULT;
	char disposition[80];
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	if (ec_s && labels_ec_parse(ec_s, &ec) < 0)
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
	if (ec_s && labels_ec_parse(ec_s, ec) < 0)
		e = http_invalid(resp, "/ec", "must be Q (default) or H (outdoor)");
	return e;
}

static enum err post_labels(struct req *req, struct resp *resp)
{
	json_t *ids = json_object_get(req->json, "asset_ids"), *v;
	const char *batch = req_json_str(req, "batch");
	struct labels_sheet s;
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
	e = labels_sheet_init(&s, qr_public_url(), HTTP_SHEET_MAX);
	if (e != ERR_OK)
		return e;
	if (batch) {
		e = qr_store_label_facts_batch(req->db, batch, &scope, HTTP_SHEET_MAX + 1,
					       labels_sheet_add, &s);
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
				labels_sheet_add(&facts, &s);
			}
		}
	}
	if (e == ERR_OK)
		e = s.e;
	if (e == ERR_OK && s.unlabelled)
		e = unlabelled_fail(resp, s.unlabelled, s.first_unlabelled);
	if (e == ERR_OK) {
		resp->body.len = 0;
		e = labels_sheet_render(&s, pdf, ec, &resp->body);
	}
	labels_sheet_cleanup(&s);
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
