/* docs/openapi.json against the router: every routed method + path is
 * documented, nothing undocumented is claimed, each operation says who may
 * call it, every $ref resolves, and the server hands the document out. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "api/routes.h"
#include "domain/ticket_states.h"
#include "suites.h"

/* Generated at build time from docs/openapi.json (tools/embed.c). */
extern const char openapi_json[];
extern const unsigned long openapi_json_len;

/* OpenAPI's operation keys of a path item; its other keys (parameters,
 * summary, ...) are not operations. */
static const char *const op_keys[] = { "get",     "put",  "post",  "delete",
				       "options", "head", "patch", "trace" };

/* The embedded document, parsed; caller json_decref()s. */
static json_t *load_doc(void)
{
	json_error_t err;
	json_t *doc = json_loadb(openapi_json, openapi_json_len, JSON_REJECT_DUPLICATES, &err);

	ck_assert_msg(doc != NULL, "docs/openapi.json line %d column %d: %s", err.line, err.column,
		      err.text);
	ck_assert_msg(json_is_object(json_object_get(doc, "paths")), "no paths object");
	return doc;
}

static void lower(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

static int is_op_key(const char *key)
{
	for (size_t i = 0; i < sizeof(op_keys) / sizeof(op_keys[0]); i++)
		if (strcmp(op_keys[i], key) == 0)
			return 1;
	return 0;
}

/* The routed entry for pattern + lowercase method, or NULL. */
static const struct route *find_routed(const char *pattern, const char *method)
{
	const struct route *const *tables = api_route_tables();
	char m[16];

	for (size_t t = 0; tables[t]; t++)
		for (const struct route *r = tables[t]; r->method; r++) {
			lower(r->method, m, sizeof(m));
			if (strcmp(r->pattern, pattern) == 0 && strcmp(m, method) == 0)
				return r;
		}
	return NULL;
}

/* Appends "what, " to a bounded message list for one failure report. */
static void note(char *list, size_t size, const char *a, const char *b)
{
	size_t n = strlen(list);

	snprintf(list + n, size - n, "%s%s %s", n ? ", " : "", a, b);
}

START_TEST(every_route_is_documented)
{
	const struct route *const *tables = api_route_tables();
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths");
	char missing[4096] = "", m[16];
	size_t routes = 0;

	for (size_t t = 0; tables[t]; t++)
		for (const struct route *r = tables[t]; r->method; r++) {
			lower(r->method, m, sizeof(m));
			routes++;
			if (!json_is_object(json_object_get(json_object_get(paths, r->pattern), m)))
				note(missing, sizeof(missing), r->method, r->pattern);
		}
	ck_assert_uint_gt(routes, 0);
	ck_assert_msg(!missing[0], "routed but missing from docs/openapi.json: %s", missing);
	json_decref(doc);
}
END_TEST

/* Ticket.status's enum is the state list (TICKET_STATUSES), in order: a
 * status added to one and not the other fails here. */
START_TEST(ticket_status_enum_is_the_state_list)
{
	json_t *doc = load_doc();
	json_t *e = json_object_get(
	    json_object_get(
		json_object_get(
		    json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
				    "Ticket"),
		    "properties"),
		"status"),
	    "enum");

	ck_assert_msg(json_is_array(e),
		      "components.schemas.Ticket.properties.status.enum is missing");
	ck_assert_uint_eq(json_array_size(e), TS__COUNT);
	for (unsigned s = 0; s < TS__COUNT; s++)
		ck_assert_str_eq(json_string_value(json_array_get(e, s)),
				 ticket_status_name((enum ticket_status)s));
	json_decref(doc);
}
END_TEST

START_TEST(every_documented_operation_is_routed)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths"), *item, *v;
	const char *path, *key;
	char extra[4096] = "";

	json_object_foreach(paths, path, item) {
		ck_assert_msg(json_is_object(item), "paths[%s] is not an object", path);
		json_object_foreach(item, key, v) {
			if (is_op_key(key) && !find_routed(path, key))
				note(extra, sizeof(extra), key, path);
		}
	}
	ck_assert_msg(!extra[0], "in docs/openapi.json but not routed: %s", extra);
	json_decref(doc);
}
END_TEST

/* Public routes say `security: []`; the others inherit the global bearer
 * requirement. Every operation has a unique operationId, a summary, a
 * description (naming the roles) and answers; a 401 is documented exactly
 * where the route needs a token, a 403 where it needs a particular role. */
/* A route the pipeline lets in without a bearer token (PERM_PUBLIC) is
 * documented with no security requirement, or with ones that name only
 * cookie schemes (the browser session's refresh cookie, which its handler
 * checks itself), or an empty one (the cookie is optional). */
static int cookie_or_none(json_t *doc, json_t *sec)
{
	json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
	json_t *req, *scopes;
	const char *name;
	size_t i;

	json_array_foreach(sec, i, req) {
		json_object_foreach(req, name, scopes) {
			const char *in = json_string_value(
			    json_object_get(json_object_get(schemes, name), "in"));

			(void)scopes;
			if (!in || strcmp(in, "cookie") != 0)
				return 0;
		}
	}
	return 1;
}

static int own_403(const char *path)
{
	static const char *const paths[] = { "/metrics", "/v1/auth/session",
					     "/v1/auth/session/refresh", "/v1/auth/session/logout",
					     "/v1/me/password" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strcmp(path, paths[i]) == 0)
			return 1;
	return 0;
}

START_TEST(operations_match_route_permissions)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths"), *item, *op;
	json_t *ids = json_object();
	const char *path, *key;
	char bad[4096] = "";

	ck_assert_ptr_nonnull(json_object_get(
	    json_object_get(json_object_get(doc, "components"), "securitySchemes"), "bearer"));
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "security")), 1);
	json_object_foreach(paths, path, item) {
		json_object_foreach(item, key, op) {
			const struct route *r = find_routed(path, key);
			json_t *sec = json_object_get(op, "security");
			json_t *responses = json_object_get(op, "responses");
			const char *id = json_string_value(json_object_get(op, "operationId"));
			int public_doc = json_is_array(sec) && cookie_or_none(doc, sec);

			if (!is_op_key(key) || !r)
				continue; /* unrouted ones fail the test above */
			if (!id || json_object_get(ids, id))
				note(bad, sizeof(bad), "operationId missing or repeated:", path);
			else
				json_object_set_new(ids, id, json_true());
			if (!json_string_value(json_object_get(op, "summary")) ||
			    !json_string_value(json_object_get(op, "description")))
				note(bad, sizeof(bad), "summary or description missing:", path);
			if (!json_is_object(responses) || json_object_size(responses) == 0)
				note(bad, sizeof(bad), "no responses:", path);
			if (public_doc != (r->perm == PERM_PUBLIC))
				note(bad, sizeof(bad), "security does not match the route:", path);
			if (r->perm != PERM_PUBLIC && !json_object_get(responses, "401"))
				note(bad, sizeof(bad), "401 not documented:", path);
			/* /metrics needs no account but has its own rule (loopback
			 * only without a metrics-token), the browser session's
			 * requests refuse cross-site callers and a password change
			 * a wrong current password, and listing another user's
			 * devices or deliveries needs an admin: their 403 is
			 * documented. */
			if ((r->perm > PERM_AUTHENTICATED || own_403(path) ||
			     ((strcmp(path, "/v1/devices") == 0 || strcmp(path, "/v1/deliveries") == 0) &&
			      strcmp(key, "get") == 0)) !=
			    (json_object_get(responses, "403") != NULL))
				note(bad, sizeof(bad),
				     "403 documented iff the route needs a role:", path);
		}
	}
	ck_assert_msg(!bad[0], "docs/openapi.json: %s", bad);
	json_decref(ids);
	json_decref(doc);
}
END_TEST

/* "#/a/b/c" resolved against doc (no ~ escapes are used in ours). */
static int ref_resolves(json_t *doc, const char *ref)
{
	char part[128];
	json_t *at = doc;
	const char *p;

	if (strncmp(ref, "#/", 2) != 0)
		return 0;
	for (p = ref + 2; at && *p;) {
		size_t len = strcspn(p, "/");

		if (len == 0 || len >= sizeof(part))
			return 0;
		memcpy(part, p, len);
		part[len] = '\0';
		at = json_object_get(at, part);
		p += len;
		if (*p == '/')
			p++;
	}
	return at != NULL;
}

static void check_refs(json_t *doc, json_t *node, char *bad, size_t size)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			check_refs(doc, v, bad, size);
		return;
	}
	if (!json_is_object(node))
		return;
	json_object_foreach(node, key, v) {
		if (strcmp(key, "$ref") == 0 && json_is_string(v)) {
			if (!ref_resolves(doc, json_string_value(v)))
				note(bad, size, "$ref", json_string_value(v));
		} else {
			check_refs(doc, v, bad, size);
		}
	}
}

START_TEST(every_ref_resolves)
{
	json_t *doc = load_doc();
	char bad[4096] = "";

	check_refs(doc, doc, bad, sizeof(bad));
	ck_assert_msg(!bad[0], "dangling in docs/openapi.json: %s", bad);
	json_decref(doc);
}
END_TEST

START_TEST(openapi_json_is_served)
{
	struct http_result r;
	char ct[128];
	json_t *doc;

	ck_assert_int_eq(http_json("GET", "/openapi.json", NULL, NULL, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "application/json");
	ck_assert_msg(r.json != NULL, "the answer is not JSON");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "openapi")), "3.1.0");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(r.json, "info"), "title")),
	    "fieldtrace");
	/* Byte for byte the document in the repository. */
	ck_assert_uint_eq(r.body_len, openapi_json_len);
	ck_assert_int_eq(memcmp(r.body, openapi_json, openapi_json_len), 0);
	doc = load_doc();
	ck_assert_int_eq(json_equal(doc, r.json), 1);
	json_decref(doc);
	http_result_free(&r);
}
END_TEST

Suite *openapi_suite(void)
{
	Suite *s = suite_create("openapi");
	TCase *doc = tcase_create("document");
	TCase *http = tcase_create("served");

	tcase_add_test(doc, every_route_is_documented);
	tcase_add_test(doc, every_documented_operation_is_routed);
	tcase_add_test(doc, ticket_status_enum_is_the_state_list);
	tcase_add_test(doc, operations_match_route_permissions);
	tcase_add_test(doc, every_ref_resolves);
	suite_add_tcase(s, doc);

	tcase_add_checked_fixture(http, harness_setup, harness_teardown);
	tcase_set_timeout(http, 30);
	tcase_add_test(http, openapi_json_is_served);
	suite_add_tcase(s, http);
	return s;
}
