/* ?reveal=pii and the audit of unmasked reads (include/api/reveal.h). */
#include "api/reveal.h"
#include "domain/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "db/db.h"

/* ---- validation ---------------------------------------------------------- */

enum err registry_reveal_param(const struct req *req, struct resp *resp, int *reveal)
{
	const char *v = req_query(req, "reveal");

	*reveal = 0;
	if (!v)
		return ERR_OK;
	if (strcmp(v, "pii") != 0)
		return http_invalid(resp, "reveal", "the only value is pii");
	if (!policy_allows(req->user.role, PERM_PII_REVEAL))
		return http_fail(resp, ERR_FORBIDDEN, "your role may not reveal personal data");
	/* HEAD sends no body, so nothing is revealed and nothing audited. */
	*reveal = strcmp(req->method, "HEAD") != 0;
	return ERR_OK;
}
enum err registry_audit_reveal(struct req *req, const int64_t *customer_ids, size_t n,
			       int64_t asset_id)
{
	struct audit_actor actor;
	json_t *what;
	char id[24];
	enum err e;

	if (n == 0)
		return ERR_OK;
	what = asset_id ? json_pack("{s:[s], s:I}", "fields", "contacts", "asset_id",
				    (json_int_t)asset_id)
			: json_pack("{s:[s]}", "fields", "contacts");
	if (!what)
		return ERR_INTERNAL;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		snprintf(id, sizeof(id), "%lld", (long long)customer_ids[i]);
		e = audit_append(req->db, &actor, "pii.reveal", "customer", id, NULL, what);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	json_decref(what);
	return e;
}
