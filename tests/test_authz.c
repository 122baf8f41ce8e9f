/* The authorization matrix: every operation in the OpenAPI document, as
 * every role, on an object in the caller's scope, one outside it (another
 * region, centre, customer or technician) and an unknown one. A role
 * without the right gets 403 whatever the object; a role with it never
 * sees an out-of-scope object as anything but unknown. The table below is
 * the policy written out by hand, independent of the server's tables: an
 * operation without a row fails the test, so every new endpoint must say
 * who may call it. Personal data is checked masked where the role needs
 * it. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "core/policy.h"
#include "domain/qr.h"
#include "suites.h"

extern const char openapi_json[];
extern const unsigned long openapi_json_len;

/* What an {id} or {code} in the path names, and so whose scope decides. */
enum subject {
	GLOBAL,   /* no per-object scope: the path's object (if any) is shared */
	ASSET,    /* region subtree, or owner for sales */
	CUSTOMER, /* region of the customer or its sites, or owner */
	SITE,     /* region, or owner of its customer */
	TICKET,   /* region, centre, assignee/reporter, or owner */
	USER,     /* region subtree, or centre for dispatchers */
};

enum row_flags {
	MAY_404 = 1u << 0, /* an in-scope call may answer 404 (e.g. nothing marked) */
	LAST = 1u << 1,    /* ends the caller's session: run at the end, each after a new login */
};

struct row {
	const char *method;
	const char *path;  /* as in the OpenAPI document */
	const char *roles; /* who may call it: A admin, S supervisor, D dispatcher,
			    * T technician, L sales, U auditor; "*" public */
	enum subject subject;
	unsigned flags;
};

static const struct row matrix[] = {
	{ "GET", "/healthz", "*", GLOBAL, 0 },
	{ "GET", "/readyz", "*", GLOBAL, 0 },
	{ "GET", "/metrics", "*", GLOBAL, 0 },
	{ "GET", "/openapi.json", "*", GLOBAL, 0 },
	{ "POST", "/v1/auth/login", "*", GLOBAL, 0 },
	{ "POST", "/v1/auth/refresh", "*", GLOBAL, 0 },
	{ "POST", "/v1/auth/logout", "ASDTLU", GLOBAL, LAST },
	{ "POST", "/v1/auth/logout-all", "ASDTLU", GLOBAL, LAST },
	/* The browser's session: its cookie and CSRF token are its credentials. */
	{ "POST", "/v1/auth/session", "*", GLOBAL, 0 },
	{ "POST", "/v1/auth/session/refresh", "*", GLOBAL, 0 },
	{ "POST", "/v1/auth/session/logout", "*", GLOBAL, 0 },
	{ "GET", "/v1/me", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/me/password", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/users", "ASDU", GLOBAL, 0 },
	{ "POST", "/v1/users", "A", GLOBAL, 0 },
	{ "GET", "/v1/users/{id}", "ASDU", USER, 0 },
	{ "PATCH", "/v1/users/{id}", "A", USER, 0 },
	{ "GET", "/v1/regions", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/regions", "A", GLOBAL, 0 },
	{ "GET", "/v1/regions/{code}", "ASDTLU", GLOBAL, 0 },
	{ "PATCH", "/v1/regions/{code}", "A", GLOBAL, 0 },
	{ "GET", "/v1/centres", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/centres", "A", GLOBAL, 0 },
	{ "GET", "/v1/centres/{code}", "ASDTLU", GLOBAL, 0 },
	{ "PATCH", "/v1/centres/{code}", "A", GLOBAL, 0 },
	{ "GET", "/v1/audit", "AU", GLOBAL, 0 },
	{ "GET", "/v1/audit/verify", "AU", GLOBAL, 0 },
	{ "GET", "/v1/customers", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/customers", "AS", GLOBAL, 0 },
	{ "GET", "/v1/customers/{id}", "ASDTLU", CUSTOMER, 0 },
	{ "PATCH", "/v1/customers/{id}", "AS", CUSTOMER, 0 },
	{ "GET", "/v1/customers/{id}/overview", "ASDTLU", CUSTOMER, 0 },
	{ "GET", "/v1/sites", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/sites", "AS", GLOBAL, 0 },
	{ "GET", "/v1/sites/{id}", "ASDTLU", SITE, 0 },
	{ "PATCH", "/v1/sites/{id}", "AS", SITE, 0 },
	{ "GET", "/v1/product-lines", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/product-lines", "AS", GLOBAL, 0 },
	/* Experts and rotas: read by the staff who ask for help, written by
	 * admins; tech.sz has no expert profile (404). */
	{ "GET", "/v1/experts", "ASDT", GLOBAL, 0 },
	{ "GET", "/v1/experts/{user_id}", "ASDT", GLOBAL, MAY_404 },
	{ "PUT", "/v1/experts/{user_id}", "A", GLOBAL, 0 },
	{ "DELETE", "/v1/experts/{user_id}", "A", GLOBAL, MAY_404 },
	{ "GET", "/v1/product-lines/{code}/rota", "ASDT", GLOBAL, 0 },
	{ "PUT", "/v1/product-lines/{code}/rota", "A", GLOBAL, 0 },
	{ "GET", "/v1/product-lines/{code}/on-call", "ASDT", GLOBAL, 0 },
	{ "GET", "/v1/models", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/models", "AS", GLOBAL, 0 },
	{ "GET", "/v1/models/{id}", "ASDTLU", GLOBAL, 0 },
	{ "PATCH", "/v1/models/{id}", "AS", GLOBAL, 0 },
	{ "GET", "/v1/assets", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/assets", "AS", GLOBAL, 0 },
	{ "GET", "/v1/assets/{id}", "ASDTLU", ASSET, 0 },
	{ "PATCH", "/v1/assets/{id}", "AS", ASSET, 0 },
	{ "GET", "/v1/assets/{id}/timeline", "ASDTLU", ASSET, 0 },
	{ "GET", "/id/{code}", "*", GLOBAL, 0 },
	{ "POST", "/id/{code}/report", "*", GLOBAL, 0 },
	{ "GET", "/track/{token}", "*", GLOBAL, MAY_404 },
	{ "POST", "/track/{token}/rating", "*", GLOBAL, MAY_404 },
	{ "GET", "/01/{gtin}/21/{serial}", "*", GLOBAL, MAY_404 },
	{ "GET", "/v1/assets/{id}/label.svg", "ASD", ASSET, 0 },
	{ "GET", "/v1/assets/{id}/label.png", "ASD", ASSET, 0 },
	{ "POST", "/v1/assets/{id}/relabel", "AS", ASSET, 0 },
	{ "POST", "/v1/qr-keys/rotate", "A", GLOBAL, 0 },
	{ "POST", "/v1/labels", "ASD", GLOBAL, 0 },
	{ "POST", "/v1/imports/assets", "AS", GLOBAL, 0 },
	{ "GET", "/v1/tickets", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/tickets", "ASDTL", GLOBAL, 0 },
	{ "GET", "/v1/tickets/{id}", "ASDTLU", TICKET, 0 },
	{ "GET", "/v1/board", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/tickets/{id}/transitions", "ASDT", TICKET, 0 },
	{ "GET", "/v1/tickets/{id}/candidates", "ASD", TICKET, 0 },
	{ "PUT", "/v1/tickets/{id}/attachments/{uuid}", "ASDT", TICKET, 0 },
	{ "GET", "/v1/tickets/{id}/attachments", "ASDTLU", TICKET, 0 },
	{ "GET", "/v1/tickets/{id}/attachments/{uuid}", "ASDTLU", TICKET, MAY_404 },
	{ "POST", "/v1/tickets/{id}/checkins", "T", TICKET, 0 },
	{ "GET", "/v1/tickets/{id}/checkins", "ASDTLU", TICKET, 0 },
	{ "GET", "/v1/warranty/alerts", "ASDLU", GLOBAL, 0 },
	{ "GET", "/v1/assets/{id}/warranty/renewals", "ASDTLU", ASSET, 0 },
	/* Contracts carry prices: technicians read none. The world has no
	 * contract (MAY_404); their scope is proven in tests/test_contracts.c. */
	{ "GET", "/v1/assets/{id}/entitlement", "ASDLU", ASSET, 0 },
	{ "GET", "/v1/contracts", "ASDLU", GLOBAL, 0 },
	{ "POST", "/v1/contracts", "ASL", GLOBAL, 0 },
	{ "GET", "/v1/contracts/{id}", "ASDLU", GLOBAL, MAY_404 },
	{ "PATCH", "/v1/contracts/{id}", "ASL", GLOBAL, MAY_404 },
	{ "POST", "/v1/contracts/{id}/activate", "ASL", GLOBAL, MAY_404 },
	{ "POST", "/v1/contracts/{id}/cancel", "ASL", GLOBAL, MAY_404 },
	{ "POST", "/v1/contracts/{id}/renew", "ASL", GLOBAL, MAY_404 },
	/* Checklists: templates are the maker's (admins); a job's checklist and
	 * sign-off are its assignee's (403 for anyone else, 409 while the job
	 * is only assigned). */
	{ "GET", "/v1/checklists", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/checklists", "A", GLOBAL, 0 },
	{ "GET", "/v1/checklists/{id}", "ASDTLU", GLOBAL, MAY_404 },
	{ "POST", "/v1/checklists/{id}/versions", "A", GLOBAL, MAY_404 },
	{ "GET", "/v1/tickets/{id}/checklist", "ASDTLU", TICKET, 0 },
	{ "PUT", "/v1/tickets/{id}/checklist/items/{item_id}", "T", TICKET, 0 },
	{ "POST", "/v1/tickets/{id}/signoff", "T", TICKET, 0 },
	{ "GET", "/v1/tickets/{id}/report.pdf", "ASDTLU", TICKET, 0 },
	{ "GET", "/v1/analytics/revenue-at-risk", "ASDLU", GLOBAL, 0 },
	{ "POST", "/v1/assets/{id}/warranty/renewals", "ASL", ASSET, 0 },
	/* Maintenance: plans are organisation-wide (the world has none:
	 * MAY_404); the calendar's scope is proven in tests/test_maintenance.c. */
	{ "GET", "/v1/maintenance-plans", "ASDLU", GLOBAL, 0 },
	{ "POST", "/v1/maintenance-plans", "AS", GLOBAL, 0 },
	{ "GET", "/v1/maintenance-plans/{id}", "ASDLU", GLOBAL, MAY_404 },
	{ "PATCH", "/v1/maintenance-plans/{id}", "AS", GLOBAL, MAY_404 },
	{ "DELETE", "/v1/maintenance-plans/{id}", "AS", GLOBAL, MAY_404 },
	{ "GET", "/v1/maintenance/calendar", "ASDLU", GLOBAL, 0 },
	{ "POST", "/v1/assets/{id}/running-hours", "ASDT", ASSET, 0 },
	{ "GET", "/v1/escalation/levels", "ASDTLU", GLOBAL, 0 },
	{ "PUT", "/v1/escalation/levels", "A", GLOBAL, 0 },
	{ "GET", "/v1/centres/{code}/escalation", "ASD", GLOBAL, 0 },
	{ "PUT", "/v1/centres/{code}/escalation", "AS", GLOBAL, 0 },
	{ "GET", "/v1/scheduler", "AU", GLOBAL, 0 },
	{ "GET", "/v1/catalogue", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/catalogue", "A", GLOBAL, 0 },
	{ "GET", "/v1/catalogue/{code}", "ASDTLU", GLOBAL, 0 },
	{ "PATCH", "/v1/catalogue/{code}", "A", GLOBAL, 0 },
	{ "GET", "/v1/service-levels", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/service-levels/quote", "ASDTLU", GLOBAL, 0 },
	{ "PUT", "/v1/service-levels/targets/{priority}", "A", GLOBAL, 0 },
	{ "PUT", "/v1/service-levels/rules", "A", GLOBAL, 0 },
	{ "GET", "/v1/calendar", "ASDTLU", GLOBAL, 0 },
	{ "PATCH", "/v1/calendar", "A", GLOBAL, 0 },
	{ "PUT", "/v1/calendar/days/{date}", "A", GLOBAL, 0 },
	{ "DELETE", "/v1/calendar/days/{date}", "A", GLOBAL, MAY_404 },
	{ "GET", "/v1/centres/{code}/coverage", "ASDTLU", GLOBAL, 0 },
	{ "PUT", "/v1/centres/{code}/coverage", "AS", GLOBAL, 0 },
	{ "GET", "/v1/technicians", "ASDU", GLOBAL, 0 },
	{ "PUT", "/v1/technicians/{id}/skills", "ASD", USER, 0 },
	{ "PUT", "/v1/me/duty", "T", GLOBAL, 0 },
	{ "GET", "/v1/routing/preview", "ASD", GLOBAL, 0 },
	/* A device syncs its own jobs; a queued batch runs each action with the
	 * caller's own permissions, so any role may send one. */
	{ "GET", "/v1/sync", "DT", GLOBAL, 0 },
	{ "POST", "/v1/sync", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/notifications", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/notifications/read-all", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/notifications/{id}/read", "ASDTLU", GLOBAL, MAY_404 },
	{ "POST", "/v1/devices", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/devices", "ASDTLU", GLOBAL, 0 },
	/* One's own only: the world has none of the caller's, hence MAY_404. */
	{ "DELETE", "/v1/devices/{id}", "ASDTLU", GLOBAL, MAY_404 },
	/* Deliveries: everyone their own (the world has none of theirs:
	 * MAY_404), admins anyone's; the providers' state is admins'. */
	{ "GET", "/v1/me/notification-settings", "ASDTLU", GLOBAL, 0 },
	{ "PATCH", "/v1/me/notification-settings", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/deliveries", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/deliveries/{id}", "ASDTLU", GLOBAL, MAY_404 },
	{ "GET", "/v1/notifications/{id}/deliveries", "ASDTLU", GLOBAL, MAY_404 },
	{ "POST", "/v1/deliveries/{id}/retry", "A", GLOBAL, MAY_404 },
	{ "GET", "/v1/notification-channels", "A", GLOBAL, 0 },
	/* The token is the credential; an unknown one is 404. */
	{ "POST", "/v1/escalations/ack", "*", GLOBAL, MAY_404 },
	{ "GET", "/v1/escalations/ack", "*", GLOBAL, MAY_404 },
	/* Whoever sees the ticket (no escalation waiting: 409). */
	{ "POST", "/v1/tickets/{id}/acknowledge", "ASDTLU", TICKET, 0 },
	/* Webhooks: admins all endpoints; supervisors' and dispatchers'
	 * integrations their own (the world has none of theirs: MAY_404). */
	{ "POST", "/v1/webhooks", "ASD", GLOBAL, 0 },
	{ "GET", "/v1/webhooks", "ASD", GLOBAL, 0 },
	{ "PATCH", "/v1/webhooks/{id}", "ASD", GLOBAL, MAY_404 },
	{ "DELETE", "/v1/webhooks/{id}", "ASD", GLOBAL, MAY_404 },
	{ "GET", "/v1/webhooks/{id}/deliveries", "ASD", GLOBAL, MAY_404 },
	{ "POST", "/v1/webhooks/deliveries/{id}/retry", "ASD", GLOBAL, MAY_404 },
	/* Knowledge base: articles are shared (no per-object scope; drafts are
	 * their owner's and reviewers'); the world has none, hence MAY_404. */
	{ "GET", "/v1/kb/search", "ASDTLU", GLOBAL, 0 },
	{ "GET", "/v1/kb/articles", "ASDTLU", GLOBAL, 0 },
	{ "POST", "/v1/kb/articles", "AST", GLOBAL, 0 },
	{ "POST", "/v1/kb/articles/from-ticket/{id}", "AST", TICKET, 0 },
	{ "GET", "/v1/kb/articles/{id}", "ASDTLU", GLOBAL, MAY_404 },
	{ "PATCH", "/v1/kb/articles/{id}", "AST", GLOBAL, MAY_404 },
	{ "GET", "/v1/kb/articles/{id}/versions", "ASDTLU", GLOBAL, MAY_404 },
	{ "POST", "/v1/kb/articles/{id}/transitions", "AST", GLOBAL, MAY_404 },
	{ "POST", "/v1/kb/articles/{id}/feedback", "ASDT", GLOBAL, MAY_404 },
	{ "GET", "/v1/tickets/{id}/suggestions", "ASDTLU", TICKET, 0 },
	{ "GET", "/v1/problems", "ASU", GLOBAL, 0 },
	{ "GET", "/v1/problems/{id}", "ASU", GLOBAL, MAY_404 },
	{ "PATCH", "/v1/problems/{id}", "AS", GLOBAL, MAY_404 },
	/* Remote assistance (issue 19). Asking: the assignee, dispatchers and
	 * supervisors on tickets in scope (the world's in-scope ticket has a
	 * unit but its line no expert: 409, not a refusal). Sessions are
	 * GLOBAL: the world has none, hence MAY_404. The participants' calls
	 * are public routes whose credential is X-Assist-Key (or a token of
	 * someone allowed to join, checked by the handler). */
	{ "POST", "/v1/tickets/{id}/assist", "SDT", TICKET, 0 },
	{ "GET", "/v1/tickets/{id}/assists", "ASDTLU", TICKET, 0 },
	{ "GET", "/v1/assist", "ASDT", GLOBAL, 0 },
	{ "GET", "/v1/assist/{id}", "ASDT", GLOBAL, MAY_404 },
	{ "PATCH", "/v1/assist/{id}", "ASDT", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/accept", "ASDT", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/decline", "ASDT", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/cancel", "ASDT", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/join-links", "ASDT", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/join", "ASDT", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/join", "*", GLOBAL, MAY_404 },
	{ "GET", "/v1/assist/{id}/ice", "*", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/signals", "*", GLOBAL, MAY_404 },
	{ "GET", "/v1/assist/{id}/signals", "*", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/connected", "*", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/snapshots", "*", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/leave", "*", GLOBAL, MAY_404 },
	{ "POST", "/v1/assist/{id}/end", "*", GLOBAL, MAY_404 },
	{ "GET", "/v1/analytics/assists", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/volume", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/times", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/sla", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/first-time-fix", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/satisfaction", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/warranty-renewals", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/analytics/fault-codes", "ASDU", GLOBAL, 0 },
	{ "GET", "/v1/reports/monthly", "ASDU", GLOBAL, 0 },
};
#define N_ROWS (sizeof(matrix) / sizeof(matrix[0]))

/* ---- the world ------------------------------------------------------------ */

/* "A" objects are in Shenzhen (GD), owned by sales.gd, their ticket at
 * C-SZ assigned to tech.sz; "B" objects are in Nanjing (JS), owned by
 * sales.js, their ticket at C-NJ assigned to tech.nj. */
static char code_a[QR_CODE_MAX];

static void seed_world(void)
{
	char sql[4096];

	harness_seed_user("tech.sz", "technician", "SZ", "C-SZ");
	harness_seed_user("tech.nj", "technician", "NJ", "C-NJ");
	harness_seed_user("sales.gd", "sales", "GD", NULL);
	harness_seed_user("sales.js", "sales", "JS", NULL);
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜');"
	    "INSERT INTO models(id, code, name, product_line, gtin, created_at, updated_at) VALUES"
	    " (1, 'KYN28-12', 'KYN28', 'switchgear', '06901234567892', 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, sales_owner_id, created_at,"
	    " updated_at) VALUES (1, 'CA', '深圳供电局', 'A', 'SZ', %lld, 0, 0),"
	    " (2, 'CB', '南京钢铁', 'B', 'NJ', %lld, 0, 0);"
	    "INSERT INTO customer_contacts(customer_id, name, phone, id_number) VALUES"
	    " (1, '张伟', '13912341234', '110105199001011234'),"
	    " (2, '李娜', '13800138000', '320102199202021234');"
	    "INSERT INTO sites(id, customer_id, code, name, region_code, latitude, longitude,"
	    " created_at, updated_at) VALUES (1, 1, 'SA', '前湾站', 'SZ', 22.5, 113.9, 0, 0),"
	    " (2, 2, 'SB', '南钢', 'NJ', 32.1, 118.7, 0, 0);"
	    "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
	    " warranty_start, warranty_months, warranty_end, sales_owner_id, created_at,"
	    " updated_at) VALUES"
	    " (1, 'SN-A', 1, 1, 1, '/CN/GD/SZ/', '2025-01-01', 24, '2027-01-01', %lld, 0, 0),"
	    " (2, 'SN-B', 1, 2, 2, '/CN/JS/NJ/', '2025-01-01', 24, '2027-01-01', %lld, 0, 0);"
	    "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
	    " (1, 1, (SELECT max(key_id) FROM qr_keys), 0),"
	    " (2, 1, (SELECT max(key_id) FROM qr_keys), 0);"
	    "INSERT INTO tickets(id, channel, category, subcategory, status, title, impact, "
	    "urgency,"
	    " priority, customer_tier, asset_id, customer_id, site_id, region_path, model_id,"
	    " product_line, sales_owner_id, warranty_status, billable, contact_name, contact_phone,"
	    " centre_code, assignee_id, response_due, arrival_due, resolution_due, created_by,"
	    " created_at, updated_at) VALUES"
	    " (1, 'app', 'fault_repair', 'repair', 'assigned', 'A', 'unit', 'low', 'P4', 'A', 1, 1,"
	    " 1, '/CN/GD/SZ/', 1, 'switchgear', %lld, 'in_warranty', 0, '陈工', '13800000001',"
	    " 'C-SZ', %lld, 4102444800, 4102444800, 4102444800, NULL, 0, 0),"
	    " (2, 'app', 'fault_repair', 'repair', 'assigned', 'B', 'unit', 'low', 'P4', 'B', 2, 2,"
	    " 2, '/CN/JS/NJ/', 1, 'switchgear', %lld, 'in_warranty', 0, '王强', '13800000002',"
	    " 'C-NJ', %lld, 4102444800, 4102444800, 4102444800, NULL, 0, 0);",
	    (long long)harness_user_id("sales.gd"), (long long)harness_user_id("sales.js"),
	    (long long)harness_user_id("sales.gd"), (long long)harness_user_id("sales.js"),
	    (long long)harness_user_id("sales.gd"), (long long)harness_user_id("tech.sz"),
	    (long long)harness_user_id("sales.js"), (long long)harness_user_id("tech.nj"));
	exec_sql(sql);
	ck_assert_int_eq(qr_label_code(H.db, 1, code_a), ERR_OK);
}

/* The id (or code) a path parameter takes for an object: which = 'A' in
 * scope, 'B' out of scope, 'X' unknown. */
static void object_id(enum subject s, char which, char *out, size_t size)
{
	const char *a = "1", *b = "2";

	if (s == USER) {
		snprintf(out, size, "%lld",
			 which == 'A'   ? (long long)harness_user_id("tech.sz")
			 : which == 'B' ? (long long)harness_user_id("tech.nj")
					: 999999LL);
		return;
	}
	snprintf(out, size, "%s", which == 'A' ? a : which == 'B' ? b : "999999");
}

/* The path with its parameters filled in. */
static void fill_path(const struct row *r, char which, char *out, size_t size)
{
	const char *p = r->path;
	size_t n = 0;
	char id[32];

	object_id(r->subject, which, id, sizeof(id));
	while (*p && n + 1 < size) {
		if (*p != '{') {
			out[n++] = *p++;
			continue;
		}
		const char *end = strchr(p, '}');
		char name[32], value[128];

		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		if (strcmp(name, "id") == 0)
			snprintf(value, sizeof(value), "%s", r->subject == GLOBAL ? "1" : id);
		else if (strcmp(name, "code") == 0)
			snprintf(value, sizeof(value), "%s",
				 strncmp(r->path, "/id/", 4) == 0                 ? code_a
				 : strncmp(r->path, "/v1/catalogue", 13) == 0     ? "repair"
				 : strncmp(r->path, "/v1/regions", 11) == 0       ? "SZ"
				 : strncmp(r->path, "/v1/product-lines", 17) == 0 ? "switchgear"
										  : "C-SZ");
		else if (strcmp(name, "user_id") == 0)
			snprintf(value, sizeof(value), "%lld",
				 (long long)harness_user_id("tech.sz"));
		else if (strcmp(name, "gtin") == 0)
			snprintf(value, sizeof(value), "06901234567892");
		else if (strcmp(name, "serial") == 0)
			snprintf(value, sizeof(value), "SN-A");
		else if (strcmp(name, "priority") == 0)
			snprintf(value, sizeof(value), "P3");
		else if (strcmp(name, "date") == 0)
			snprintf(value, sizeof(value), "2026-10-01");
		else if (strcmp(name, "token") == 0)
			snprintf(value, sizeof(value), "%048d", 0);
		else if (strcmp(name, "item_id") == 0)
			snprintf(value, sizeof(value), "breaker_closes");
		else if (strcmp(name, "uuid") == 0)
			snprintf(value, sizeof(value), "0b6e4c1a-2f3d-4e5a-9b8c-7d6e5f4a3b21");
		else
			ck_abort_msg("%s: no value for {%s}", r->path, name);
		n += (size_t)snprintf(out + n, size - n, "%s", value);
		p = end + 1;
	}
	out[n < size ? n : size - 1] = '\0';
}

static long call(const struct row *r, const char *path, const char *token)
{
	struct http_result res;
	int write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "DELETE") != 0;
	long status = http_json(r->method, path, token, write ? "{}" : NULL, &res);

	ck_assert_msg(status < 500, "%s %s: %ld %s", r->method, path, status, res.body);
	http_result_free(&res);
	return status;
}

/* ---- the matrix ------------------------------------------------------------- */

static void check_role(char letter, const char *username, const char *role, const char *region,
		       const char *centre)
{
	char *token;
	char path[256], failures[4096] = "";
	size_t nf = 0;

	seed_world();
	token = strcmp(username, "tech.sz") == 0 || strcmp(username, "sales.gd") == 0
		    ? harness_login(username)
		    : harness_user_token(username, role, region, centre);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < N_ROWS; i++) {
			const struct row *r = &matrix[i];
			int allowed = strchr(r->roles, letter) || r->roles[0] == '*';
			long in, out, unknown;

			if (!!(r->flags & LAST) != pass)
				continue;
			if (pass) { /* the LAST row before ended the session */
				free(token);
				token = harness_login(username);
			}
			fill_path(r, 'A', path, sizeof(path));
			in = call(r, path, token);
			if (r->roles[0] == '*')
				continue;
			if (!allowed) {
				if (in != 403)
					nf += (size_t)snprintf(failures + nf, sizeof(failures) - nf,
							       "%s %s: %ld, want 403\n", r->method,
							       path, in);
				continue;
			}
			if (in == 401 || in == 403 || (in == 404 && !(r->flags & MAY_404)))
				nf +=
				    (size_t)snprintf(failures + nf, sizeof(failures) - nf,
						     "%s %s in scope: %ld\n", r->method, path, in);
			if (r->subject == GLOBAL || letter == 'A' || letter == 'U')
				continue;
			fill_path(r, 'B', path, sizeof(path));
			out = call(r, path, token);
			fill_path(r, 'X', path, sizeof(path));
			unknown = call(r, path, token);
			if (out != unknown || out == 403)
				nf += (size_t)snprintf(failures + nf, sizeof(failures) - nf,
						       "%s %s out of scope: %ld, unknown: %ld\n",
						       r->method, r->path, out, unknown);
		}
	}
	ck_assert_msg(nf == 0, "%s:\n%s", username, failures);
	free(token);
}

START_TEST(every_operation_has_a_row)
{
	json_error_t err;
	json_t *doc = json_loadb(openapi_json, openapi_json_len, 0, &err), *ops;
	const char *path, *method;
	char missing[4096] = "";
	size_t n = 0;

	ck_assert_ptr_nonnull(doc);
	json_object_foreach(json_object_get(doc, "paths"), path, ops) {
		json_t *op;

		json_object_foreach(ops, method, op) {
			char upper[8];
			size_t i, k;

			if (strcmp(method, "parameters") == 0)
				continue;
			for (k = 0; method[k] && k < sizeof(upper) - 1; k++)
				upper[k] = (char)(method[k] - 'a' + 'A');
			upper[k] = '\0';
			for (i = 0; i < N_ROWS; i++)
				if (strcmp(matrix[i].method, upper) == 0 &&
				    strcmp(matrix[i].path, path) == 0)
					break;
			if (i == N_ROWS)
				n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s %s\n",
						      upper, path);
		}
	}
	json_decref(doc);
	ck_assert_msg(n == 0, "operations without a row in the authorization matrix:\n%s", missing);
}
END_TEST

START_TEST(admin)
{
	check_role('A', "root", "admin", NULL, NULL);
}
END_TEST

START_TEST(supervisor)
{
	check_role('S', "supervisor.gd", "supervisor", "GD", NULL);
}
END_TEST

START_TEST(dispatcher)
{
	check_role('D', "dispatcher.sz", "dispatcher", "SZ", "C-SZ");
}
END_TEST

START_TEST(technician)
{
	check_role('T', "tech.sz", "technician", "SZ", "C-SZ");
}
END_TEST

START_TEST(sales)
{
	check_role('L', "sales.gd", "sales", "GD", NULL);
}
END_TEST

START_TEST(auditor)
{
	check_role('U', "auditor", "auditor", NULL, NULL);
}
END_TEST

/* Personal data: masked for every role unless revealed (and audited). */
START_TEST(personal_data_is_masked_for_every_role)
{
	static const char *const who[][4] = {
		{ "root", "admin", NULL, NULL },
		{ "supervisor.gd", "supervisor", "GD", NULL },
		{ "dispatcher.sz", "dispatcher", "SZ", "C-SZ" },
		{ "tech.sz", NULL, NULL, NULL },
		{ "sales.gd", NULL, NULL, NULL },
		{ "auditor", "auditor", NULL, NULL },
	};
	struct http_result r;

	seed_world();
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		char *token = who[i][1]
				  ? harness_user_token(who[i][0], who[i][1], who[i][2], who[i][3])
				  : harness_login(who[i][0]);

		ck_assert_int_eq(http_json("GET", "/v1/customers/1", token, NULL, &r), 200);
		ck_assert_msg(!strstr(r.body, "13912341234") &&
				  !strstr(r.body, "110105199001011234"),
			      "%s sees a contact unmasked: %s", who[i][0], r.body);
		http_result_free(&r);
		ck_assert_int_eq(http_json("GET", "/v1/tickets/1", token, NULL, &r), 200);
		ck_assert_msg(!strstr(r.body, "13800000001"), "%s sees a ticket contact unmasked",
			      who[i][0]);
		http_result_free(&r);
		free(token);
	}
}
END_TEST

/* A role added to enum role without a name, a row in the permission table
 * or a letter in the matrix above fails here rather than seeing nothing. */
START_TEST(every_role_has_a_name_a_row_and_a_letter)
{
	static const char *const letters[ROLE__COUNT] = {
		[ROLE_ADMIN] = "A",      [ROLE_SUPERVISOR] = "S", [ROLE_DISPATCHER] = "D",
		[ROLE_TECHNICIAN] = "T", [ROLE_SALES] = "L",      [ROLE_AUDITOR] = "U",
	};

	ck_assert(policy_allows(ROLE_NONE, PERM_PUBLIC));
	ck_assert(!policy_allows(ROLE_NONE, PERM_AUTHENTICATED));
	ck_assert(!policy_allows(ROLE__COUNT, PERM_PUBLIC));
	ck_assert(!policy_allows(ROLE_ADMIN, PERM__COUNT));
	for (int r = ROLE_NONE + 1; r < ROLE__COUNT; r++) {
		ck_assert_msg(role_name((enum role)r)[0], "role %d has no name", r);
		ck_assert_int_eq(role_parse(role_name((enum role)r)), r);
		ck_assert_msg(policy_allows((enum role)r, PERM_AUTHENTICATED),
			      "role %s has no row in role_perms[]", role_name((enum role)r));
		ck_assert_msg(letters[r], "role %s has no letter in the matrix",
			      role_name((enum role)r));
	}
}
END_TEST

/* What each role's resolved scope reaches (the stores apply it): registry
 * by region_lo..hi and owner_id; tickets, users and technicians by the
 * region when ops_region, centre, user_id and owner_id. */
START_TEST(each_role_resolves_its_scope)
{
	struct principal p = { .user_id = 7, .region_path = "/CN/GD/", .centre = "C-SZ" };
	struct scope sc;

	p.role = ROLE_ADMIN;
	policy_scope(&p, &sc);
	ck_assert(sc.all && !sc.region_lo[0] && !sc.centre[0] && !sc.user_id && !sc.owner_id);
	p.role = ROLE_AUDITOR;
	policy_scope(&p, &sc);
	ck_assert(sc.all && !sc.region_lo[0] && !sc.centre[0] && !sc.user_id && !sc.owner_id);
	p.role = ROLE_SUPERVISOR;
	policy_scope(&p, &sc);
	ck_assert(!sc.all && sc.ops_region && !sc.centre[0] && !sc.user_id && !sc.owner_id);
	ck_assert_str_eq(sc.region_lo, "/CN/GD/");
	ck_assert_str_eq(sc.region_hi, "/CN/GD0");
	p.role = ROLE_DISPATCHER;
	policy_scope(&p, &sc);
	ck_assert(!sc.all && !sc.ops_region && !sc.user_id && !sc.owner_id);
	ck_assert_str_eq(sc.region_lo, "/CN/GD/");
	ck_assert_str_eq(sc.centre, "C-SZ");
	p.role = ROLE_TECHNICIAN;
	policy_scope(&p, &sc);
	ck_assert(!sc.all && !sc.ops_region && !sc.centre[0] && sc.user_id == 7 && !sc.owner_id);
	ck_assert_str_eq(sc.region_lo, "/CN/GD/");
	p.role = ROLE_SALES;
	policy_scope(&p, &sc);
	ck_assert(!sc.all && !sc.region_lo[0] && !sc.centre[0] && !sc.user_id && sc.owner_id == 7);
	p.role = ROLE_NONE;
	policy_scope(&p, &sc);
	ck_assert(!sc.all && !sc.region_lo[0] && !sc.centre[0] && !sc.user_id && !sc.owner_id);
	/* No home region: no region reach at all. */
	p.role = ROLE_SUPERVISOR;
	p.region_path[0] = '\0';
	policy_scope(&p, &sc);
	ck_assert(!sc.all && !sc.region_lo[0]);
}
END_TEST

Suite *authz_suite(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("authz");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_operation_has_a_row);
	tcase_add_test(tc, admin);
	tcase_add_test(tc, supervisor);
	tcase_add_test(tc, dispatcher);
	tcase_add_test(tc, technician);
	tcase_add_test(tc, sales);
	tcase_add_test(tc, auditor);
	tcase_add_test(tc, personal_data_is_masked_for_every_role);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_add_test(tc, every_role_has_a_name_a_row_and_a_letter);
	tcase_add_test(tc, each_role_resolves_its_scope);
	suite_add_tcase(s, tc);
	return s;
}
