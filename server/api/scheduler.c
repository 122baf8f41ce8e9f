/* GET /v1/scheduler: each background job's last run, for operators. */
#include <stdio.h>

#include "api/routes.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/scheduler_store.h"

static int job_row(const struct scheduler_job_row *r, void *arg)
{
	char at[32];

	clock_format(r->last_run_at, at, sizeof(at));
	json_array_append_new(
	    arg,
	    json_pack("{s:s, s:o, s:I, s:o}", "name", r->name, "last_run_at",
		      r->last_run_at ? json_string(at) : json_null(), "runs", (json_int_t)r->runs,
		      "last_error", r->last_error[0] ? json_string(r->last_error) : json_null()));
	return 0;
}
static enum err get_scheduler(struct req *req, struct resp *resp)
{
	json_t *items = json_array();
	enum err e = items ? scheduler_store_jobs(req->db, job_row, items) : ERR_INTERNAL;

	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	resp_json(resp, 200, json_pack("{s:o}", "jobs", items));
	return ERR_OK;
}
const struct route scheduler_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/scheduler",
	  .handler = get_scheduler,
	  .perm = PERM_AUDIT_READ },
	{ 0 },
};
