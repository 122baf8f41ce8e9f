/* Bulk import of assets from CSV: POST /v1/imports/assets. The format
 * and the engine are in server/domain/import.c. */
#include "domain/import.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/audit.h"
#include "api/routes.h"

#define IMPORT_BODY_MAX (64u * 1024u * 1024u)

static int content_type_csv(const char *ct)
{
	const char *cs;

	if (!ct || strncasecmp(ct, "text/csv", 8) != 0 ||
	    (ct[8] != '\0' && ct[8] != ';' && ct[8] != ' '))
		return 0;
	cs = strcasestr(ct, "charset=");
	if (!cs)
		return 1;
	cs += 8;
	if (*cs == '"')
		cs++;
	return strncasecmp(cs, "utf-8", 5) == 0;
}

/* 422 with the row errors: problem+json (RFC 9457) whose "errors" member
 * api_problem_render() keeps for 400s only, so it is written here. */
static enum err answer_unprocessable(struct req *req, struct resp *resp, struct import_report *rep)
{
	size_t listed = json_array_size(rep->errors);
	json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:s, s:O, s:I, s:I}", "type",
				err_type(ERR_UNPROCESSABLE), "title", err_title(ERR_UNPROCESSABLE),
				"status", err_http_status(ERR_UNPROCESSABLE), "detail", rep->detail,
				"request_id", req->request_id, "errors", rep->errors,
				"errors_total", (json_int_t)rep->errors_total, "errors_omitted",
				(json_int_t)(rep->errors_total - listed));

	if (!doc)
		return http_fail(resp, ERR_INTERNAL, "out of memory");
	resp_json(resp, err_http_status(ERR_UNPROCESSABLE), doc);
	resp->content_type = "application/problem+json";
	return ERR_OK;
}

static enum err post_import_assets(struct req *req, struct resp *resp)
{
	const char *dry = req_query(req, "dry_run");
	struct import_opts o;
	struct import_report rep;
	struct audit_actor actor;
	enum err e;

	memset(&o, 0, sizeof(o));
	o.slice_rows = import_slice_rows();
	if (dry && strcmp(dry, "true") == 0)
		o.dry_run = 1;
	else if (dry && strcmp(dry, "false") != 0)
		return http_invalid(resp, "dry_run", "must be true or false");
	if (!content_type_csv(req_header(req, "Content-Type")))
		return http_fail(resp, ERR_MEDIA_TYPE, "send the file as text/csv in UTF-8");
	if (!req->body || !req->body_len)
		return http_fail(resp, ERR_INVALID,
				 "the body must be a CSV file with a header row");
	audit_actor_from_req(req, &actor);
	o.actor = &actor;
	o.who = &req->user;
	e = import_run(req->db, &o, req->body, req->body_len, &rep);
	switch (e) {
	case ERR_OK:
		if (o.dry_run)
			resp_json(resp, 200, json_pack("{s:I}", "valid", (json_int_t)rep.rows));
		else
			resp_json(resp, 201, json_pack("{s:I}", "imported", (json_int_t)rep.rows));
		break;
	case ERR_UNPROCESSABLE:
		e = answer_unprocessable(req, resp, &rep);
		break;
	case ERR_INVALID:
		if (json_array_size(rep.errors)) {
			resp->problem.errors = rep.errors; /* rendered with the 400 */
			rep.errors = NULL;
		}
		http_fail(resp, e, "%s", rep.detail);
		break;
	case ERR_TOO_LARGE:
	case ERR_CONFLICT:
		http_fail(resp, e, "%s", rep.detail);
		break;
	default:
		break;
	}
	json_decref(rep.errors);
#ifdef __GLIBC__
	/* A file's caches were tens of MB in this worker's malloc arena; give
	 * them back rather than keep them for the life of the thread. */
	malloc_trim(0);
#endif
	return e;
}

const struct route imports_routes[] = {
	{ "POST", "/v1/imports/assets", post_import_assets, PERM_REGISTRY_WRITE, "dry_run",
	  ROUTE_RAW_BODY, IMPORT_BODY_MAX, RL_IMPORT },
	{ 0 },
};
