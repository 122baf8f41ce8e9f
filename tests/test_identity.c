/* Identification codes and /id/ resolve: the code format and its round
 * trip, every single-character mistake refused without a database read,
 * key rotation, relabelling (410 that names nothing), GS1 Digital Link,
 * content negotiation with and without a token in and out of scope,
 * linksets, ETag / If-None-Match, HEAD and OPTIONS.
 *
 * Registry rows are inserted with SQL; the answers that come from the
 * registry module (assets_trace_json) are checked only for members any
 * trace has: id and serial. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/assets.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "harness.h"
#include "api/handler.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "suites.h"

#define GTIN "09506000134352" /* valid GS1 check digit */
#define SERIAL1 "FT-2025-000001"
#define CUSTOMER "保密客户 Secret Customer Ltd"
#define ADDRESS "深圳市南山区科技园秘密路 1 号"
#define UNRESERVED "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

/* A product line, a model with a GTIN (whose name needs escaping), one
 * without, and a customer with a site in Shenzhen. */
static void seed_registry(void)
{
	exec_sql(
	    "INSERT INTO product_lines(code, name, name_en) VALUES ('PD', '配电柜', 'Power');"
	    "INSERT INTO models(id, code, name, product_line, gtin, created_at, updated_at) VALUES"
	    " (1, 'PX-100', '智能配电柜 <PX&100>', 'PD', '" GTIN "', 0, 0),"
	    " (2, 'QX-200', 'Outdoor cabinet', 'PD', NULL, 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at)"
	    " VALUES (1, 'C1', '" CUSTOMER "', 'A', 'SZ', 0, 0);"
	    "INSERT INTO sites(id, customer_id, code, name, address, region_code, created_at,"
	    " updated_at) VALUES (1, 1, 'S1', '深圳机房', '" ADDRESS "', 'SZ', 0, 0);");
}

/* An installed asset at the Shenzhen site. */
static void seed_asset(int64_t id, const char *serial, int64_t model)
{
	sqlite3_stmt *st;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(H.db),
			       "INSERT INTO assets(id, serial, model_id, batch, site_id,"
			       " customer_id, region_path, created_at, updated_at)"
			       " VALUES (?1, ?2, ?3, 'B1', 1, 1, '/CN/GD/SZ/', 0, 0)",
			       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, serial);
	sqlite3_bind_int64(st, 3, model);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* Generation 1 of the asset's label, with the active key. */
static void seed_label(int64_t asset_id)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (%lld, 1, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0)",
		 (long long)asset_id);
	exec_sql(sql);
}

static void code_of(int64_t asset_id, char out[QR_CODE_MAX])
{
	ck_assert_int_eq(qr_label_code(H.db, asset_id, out), ERR_OK);
}

/* One asset with a label: the usual starting point. */
static void seed_one(char code[QR_CODE_MAX])
{
	seed_registry();
	seed_asset(1, SERIAL1, 1);
	seed_label(1);
	code_of(1, code);
}

static long get(const char *path, const char *token, const char *accept, const char *extra,
		struct http_result *r)
{
	const char *hdrs[3] = { NULL, NULL, NULL };
	char a[256];
	size_t n = 0;

	if (accept) {
		/* "Accept:" with nothing after it makes curl send no Accept. */
		snprintf(a, sizeof(a), "Accept:%s%s", *accept ? " " : "", accept);
		hdrs[n++] = a;
	}
	if (extra)
		hdrs[n++] = extra;
	return http_call("GET", path, token, NULL, NULL, 0, hdrs, r);
}

static void id_path(const char *code, char *out, size_t size)
{
	snprintf(out, size, "/id/%s", code);
}

static void assert_header(const struct http_result *r, const char *name, const char *want)
{
	char v[256];

	ck_assert_msg(http_header(r, name, v, sizeof(v)), "no %s header", name);
	ck_assert_str_eq(v, want);
}

/* --- the code itself ------------------------------------------------------ */

START_TEST(code_round_trip_and_length)
{
	/* Asset ids at the varint boundaries. */
	static const int64_t ids[] = {
		1, 127, 128, 16383, 16384, 2097151, 2097152, INT64_C(1) << 40
	};
	char code[QR_CODE_MAX], lower[QR_CODE_MAX];
	int64_t got;

	seed_registry();
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char serial[32];
		size_t len;

		snprintf(serial, sizeof(serial), "RT-%lld", (long long)ids[i]);
		seed_asset(ids[i], serial, 2);
		seed_label(ids[i]);
		code_of(ids[i], code);
		len = strlen(code);
		ck_assert_uint_eq(strspn(code, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), len);
		ck_assert_uint_ge(len, 18);
		ck_assert_uint_le(len, ids[i] < 128       ? 18
				       : ids[i] < 16384   ? 20
				       : ids[i] < 2097152 ? 21
							  : 26);
		got = 0;
		ck_assert_int_eq(qr_code_resolve(H.db, code, &got), ERR_OK);
		ck_assert_int_eq(got, ids[i]);
		/* One spelling only: the lowercase form is not the code. */
		for (size_t j = 0; j <= len; j++)
			lower[j] =
			    (char)(code[j] >= 'A' && code[j] <= 'Z' ? code[j] + 32 : code[j]);
		ck_assert_int_eq(qr_code_resolve(NULL, lower, &got), ERR_NOT_FOUND);
	}
	/* Loading again changes nothing: same key, same codes. */
	ck_assert_int_eq(qr_keys_load(H.db), ERR_OK);
	ck_assert_int_eq(qr_keys_load(H.db), ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM qr_keys"), 1);
	ck_assert_int_eq(qr_code_resolve(H.db, code, &got), ERR_OK);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'qr.key_create'"), 1);
}
END_TEST

/* db is NULL: a code that got as far as the database would crash the test. */
static void assert_refused_offline(const char *code)
{
	int64_t id = -1;

	ck_assert_msg(qr_code_resolve(NULL, code, &id) == ERR_NOT_FOUND, "accepted %s", code);
	ck_assert_int_eq(id, -1);
}

START_TEST(every_single_character_mistake_is_refused_without_the_database)
{
	char code[QR_CODE_MAX], m[QR_CODE_MAX + 2], big[200];
	size_t len, tried = 0;

	seed_one(code);
	len = strlen(code);
	for (size_t pos = 0; pos < len; pos++) {
		/* Substitutions by every unreserved character. */
		for (const char *c = UNRESERVED; *c; c++) {
			if (*c == code[pos])
				continue;
			memcpy(m, code, len + 1);
			m[pos] = *c;
			assert_refused_offline(m);
			tried++;
		}
		/* Deletions, insertions, swaps with the neighbour. */
		snprintf(m, sizeof(m), "%.*s%s", (int)pos, code, code + pos + 1);
		assert_refused_offline(m);
		snprintf(m, sizeof(m), "%.*s0%s", (int)pos, code, code + pos);
		assert_refused_offline(m);
		if (pos + 1 < len && code[pos] != code[pos + 1]) {
			memcpy(m, code, len + 1);
			m[pos] = code[pos + 1];
			m[pos + 1] = code[pos];
			assert_refused_offline(m);
		}
	}
	ck_assert_uint_gt(tried, 60 * len);
	snprintf(m, sizeof(m), "%sA", code);
	assert_refused_offline(m);
	assert_refused_offline("");
	assert_refused_offline("0");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_refused_offline(big);
	ck_assert_int_eq(qr_code_resolve(NULL, NULL, &(int64_t){ 0 }), ERR_NOT_FOUND);
}
END_TEST

static void assert_same_problem(const struct http_result *a, const struct http_result *b)
{
	ck_assert_str_eq(jstr(a->json, "type"), jstr(b->json, "type"));
	ck_assert_str_eq(jstr(a->json, "title"), jstr(b->json, "title"));
	ck_assert_str_eq(jstr(a->json, "detail"), jstr(b->json, "detail"));
}

START_TEST(forged_codes_answer_404_like_unknown_ones_without_reading)
{
	char code[QR_CODE_MAX], forged[QR_CODE_MAX], unissued[QR_CODE_MAX], path[128];
	struct http_result unknown, r;

	seed_one(code);
	memcpy(forged, code, sizeof(forged));
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
	/* Authentic (right tag) but never issued: the database says no. */
	ck_assert_int_eq(qr_code_format(qr_key_active(), 424242, 1, unissued), ERR_OK);

	ck_assert_int_eq(get("/id/NOT-A-CODE", NULL, "application/json", NULL, &unknown), 404);
	assert_problem(&unknown, 404, NULL);
	id_path(forged, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 404);
	assert_problem(&r, 404, NULL);
	assert_same_problem(&unknown, &r);
	http_result_free(&r);
	id_path(unissued, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "text/html", NULL, &r), 404);
	assert_problem(&r, 404, NULL);
	assert_same_problem(&unknown, &r);
	http_result_free(&r);

	/* With the labels table gone, an authentic code fails on the read,
	 * while a forged one still answers 404: it was never looked up. */
	exec_sql("ALTER TABLE labels RENAME TO labels_hidden");
	id_path(code, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 500);
	http_result_free(&r);
	id_path(forged, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 404);
	assert_same_problem(&unknown, &r);
	http_result_free(&r);
	http_result_free(&unknown);
}
END_TEST

/* --- keys, relabelling ---------------------------------------------------- */

START_TEST(key_rotation_keeps_old_codes_valid)
{
	char code1[QR_CODE_MAX], code2[QR_CODE_MAX], path[128];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *sup = harness_user_token("sup1", "supervisor", "GD", NULL);
	struct http_result r;

	seed_one(code1);
	seed_asset(2, "FT-2025-000002", 2);
	ck_assert_int_eq(http_json("POST", "/v1/qr-keys/rotate", tech, NULL, &r), 403);
	http_result_free(&r);
	/* Key ids are finite: a regional supervisor may not burn them. */
	ck_assert_int_eq(http_json("POST", "/v1/qr-keys/rotate", sup, NULL, &r), 403);
	http_result_free(&r);
	free(sup);
	ck_assert_int_eq(http_json("POST", "/v1/qr-keys/rotate", NULL, NULL, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/qr-keys/rotate", admin, NULL, &r), 201);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "key_id")), 2);
	ck_assert_ptr_null(json_object_get(r.json, "secret"));
	http_result_free(&r);
	ck_assert_int_eq(qr_key_active(), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM qr_keys WHERE active = 1"), 1);
	ck_assert_int_eq(count_rows("SELECT key_id FROM qr_keys WHERE active = 1"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'qr.key_rotate'"
				    " AND object_id = '2'"),
			 1);

	/* New labels use the new key; the old label keeps answering. */
	ck_assert_int_eq(http_json("POST", "/v1/assets/2/relabel", admin, NULL, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT key_id FROM labels WHERE asset_id = 2"), 2);
	code_of(2, code2);
	for (int round = 0; round < 2; round++) {
		id_path(code1, path, sizeof(path));
		ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 200);
		ck_assert_str_eq(jstr(r.json, "serial"), SERIAL1);
		http_result_free(&r);
		id_path(code2, path, sizeof(path));
		ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 200);
		ck_assert_str_eq(jstr(r.json, "serial"), "FT-2025-000002");
		http_result_free(&r);
		harness_restart(); /* keys come back from the database */
	}
	free(admin);
	free(tech);
}
END_TEST

START_TEST(relabel_revokes_the_old_code_with_a_410_that_names_nothing)
{
	char old[QR_CODE_MAX], fresh[QR_CODE_MAX], path[128], link[QR_LINK_MAX], loc[QR_LINK_MAX];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *far = harness_user_token("sup-js", "supervisor", "JS", NULL);
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	struct http_result r;

	seed_one(old);
	ck_assert_int_eq(http_json("POST", "/v1/assets/1/relabel", far, NULL, &r), 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/assets/1/relabel", tech, NULL, &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/assets/999/relabel", admin, NULL, &r), 404);
	http_result_free(&r);
	/* The route takes no body: one sent is refused before anything is
	 * done (an oversized one with 413), and the label stays. */
	http_json("POST", "/v1/assets/1/relabel", admin, "{\"reason\":\"x\"}", &r);
	assert_problem(&r, 400, NULL);
	http_result_free(&r);
	{
		size_t big_len = (size_t)2 << 20;
		char *big = malloc(big_len);

		ck_assert_ptr_nonnull(big);
		memset(big, 'x', big_len);
		http_call("POST", "/v1/assets/1/relabel", admin, "text/plain", big, big_len, NULL,
			  &r);
		assert_problem(&r, 413, NULL);
		http_result_free(&r);
		free(big);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels WHERE asset_id = 1"), 1);

	ck_assert_int_eq(http_json("POST", "/v1/assets/1/relabel", admin, NULL, &r), 201);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "generation")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "replaces")), 1);
	code_of(1, fresh);
	ck_assert_str_eq(jstr(r.json, "code"), fresh);
	ck_assert_str_ne(fresh, old);
	qr_link(qr_public_url(), fresh, link, sizeof(link));
	ck_assert_str_eq(jstr(r.json, "link"), link);
	ck_assert_ptr_nonnull(http_header(&r, "Location", loc, sizeof(loc)));
	ck_assert_str_eq(loc, link);
	http_result_free(&r);

	/* Old code: 410 for everyone, in every variant, naming nothing. */
	id_path(old, path, sizeof(path));
	for (int i = 0; i < 3; i++) {
		static const char *const accepts[] = { "application/json", "text/html",
						       "application/linkset+json" };

		ck_assert_int_eq(get(path, i ? NULL : admin, accepts[i], NULL, &r), 410);
		assert_problem(&r, 410, NULL);
		ck_assert_ptr_null(strstr(r.body, SERIAL1));
		ck_assert_ptr_null(strstr(r.body, "PX-100"));
		ck_assert_ptr_null(strstr(r.body, "配电柜"));
		ck_assert_ptr_null(strstr(r.body, "Secret"));
		http_result_free(&r);
	}
	id_path(fresh, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 200);
	http_result_free(&r);

	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels WHERE asset_id = 1"
				    " AND revoked_at IS NULL"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'asset.relabel'"
				    " AND object_id = '1'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events WHERE asset_id = 1"
				    " AND kind = 'label'"),
			 1);
	free(admin);
	free(far);
	free(tech);
}
END_TEST

/* --- GS1 Digital Link ----------------------------------------------------- */

START_TEST(gs1_digital_link_resolves_and_checks_the_gtin)
{
	char code[QR_CODE_MAX], want[256];
	struct http_result r;

	seed_one(code);
	seed_asset(2, "SN 2025/7", 1); /* needs percent-encoding */
	ck_assert_int_eq(get("/01/" GTIN "/21/" SERIAL1, NULL, "application/json", NULL, &r), 200);
	ck_assert_str_eq(jstr(r.json, "serial"), SERIAL1);
	ck_assert_str_eq(jstr(r.json, "gtin"), GTIN);
	snprintf(want, sizeof(want), "%s/01/%s/21/%s", qr_public_url(), GTIN, SERIAL1);
	ck_assert_str_eq(jstr(json_object_get(r.json, "links"), "self"), want);
	http_result_free(&r);

	ck_assert_int_eq(get("/01/" GTIN "/21/SN%202025%2F7", NULL, "application/json", NULL, &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "serial"), "SN 2025/7");
	snprintf(want, sizeof(want), "%s/01/%s/21/SN%%202025%%2F7", qr_public_url(), GTIN);
	ck_assert_str_eq(jstr(json_object_get(r.json, "links"), "self"), want);
	http_result_free(&r);

	ck_assert_int_eq(get("/01/" GTIN "/21/" SERIAL1, NULL, "text/html", NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, SERIAL1));
	http_result_free(&r);

	/* Wrong check digit, wrong length, unknown serial: 404. */
	ck_assert_int_eq(get("/01/09506000134353/21/" SERIAL1, NULL, "application/json", NULL, &r),
			 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(get("/01/9506000134352/21/" SERIAL1, NULL, "application/json", NULL, &r),
			 404);
	http_result_free(&r);
	ck_assert_int_eq(get("/01/" GTIN "/21/NOPE", NULL, "application/json", NULL, &r), 404);
	http_result_free(&r);
}
END_TEST

/* --- negotiation ---------------------------------------------------------- */

START_TEST(browsers_get_the_public_nameplate)
{
	static const char *const accepts[] = {
		"", /* no Accept at all */
		"*/*",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"text/*",
	};
	char code[QR_CODE_MAX], path[128], ct[128], v[256];
	struct http_result r;

	seed_one(code);
	id_path(code, path, sizeof(path));
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		ck_assert_int_eq(get(path, NULL, accepts[i], NULL, &r), 200);
		ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
		ck_assert_str_eq(ct, "text/html; charset=utf-8");
		ck_assert_ptr_nonnull(strstr(r.body, SERIAL1));
		ck_assert_ptr_nonnull(strstr(r.body, "PX-100"));
		ck_assert_ptr_nonnull(strstr(r.body, "智能配电柜 &lt;PX&amp;100&gt;"));
		ck_assert_ptr_null(strstr(r.body, "<PX&100>"));
		ck_assert_ptr_nonnull(strstr(r.body, "fieldtrace demo manufacturer"));
		ck_assert_ptr_nonnull(strstr(r.body, "400-800-1234"));
		ck_assert_ptr_null(strstr(r.body, "Secret Customer"));
		ck_assert_ptr_null(strstr(r.body, "保密客户"));
		ck_assert_ptr_null(strstr(r.body, "秘密路"));
		assert_header(&r, "Vary", "Accept");
		ck_assert_ptr_nonnull(http_header(&r, "Cache-Control", v, sizeof(v)));
		ck_assert_ptr_nonnull(strstr(v, "public"));
		ck_assert_ptr_nonnull(http_header(&r, "Content-Security-Policy", v, sizeof(v)));
		http_result_free(&r);
	}
}
END_TEST

/* The nameplate shows the product line's names (Chinese, then English when
 * there is one), never its code, and wraps long text without splitting
 * every word mid-word on a phone. */
START_TEST(the_nameplate_names_the_product_line)
{
	char code[QR_CODE_MAX], path[128];
	struct http_result r;

	seed_one(code);
	exec_sql("INSERT INTO product_lines(code, name) VALUES ('rmu', '环网柜');"
		 "INSERT INTO models(id, code, name, product_line, created_at, updated_at)"
		 " VALUES (3, 'XGN15', 'XGN15 环网柜', 'rmu', 0, 0)");
	seed_asset(2, "FT-2025-000002", 3);
	seed_label(2);

	id_path(code, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "text/html", NULL, &r), 200);
	ck_assert_msg(strstr(r.body, "<dd>配电柜 Power</dd>") != NULL, "%s", r.body);
	ck_assert_ptr_null(strstr(r.body, "<dd>PD</dd>"));
	ck_assert_ptr_null(strstr(r.body, "break-all"));
	ck_assert_ptr_nonnull(strstr(r.body, "overflow-wrap:anywhere"));
	http_result_free(&r);

	code_of(2, code);
	id_path(code, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "text/html", NULL, &r), 200);
	ck_assert_msg(strstr(r.body, "<dd>环网柜</dd>") != NULL, "%s", r.body);
	ck_assert_ptr_null(strstr(r.body, "<dd>rmu</dd>"));
	http_result_free(&r);
}
END_TEST

START_TEST(json_is_full_in_scope_and_public_otherwise)
{
	char code[QR_CODE_MAX], path[128], v[256];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *near = harness_user_token("disp-gd", "dispatcher", "GD", NULL);
	char *far = harness_user_token("sup-js", "supervisor", "JS", NULL);
	const char *publics[] = { NULL, far, "fta_not_a_real_token" };
	struct http_result r;

	seed_one(code);
	id_path(code, path, sizeof(path));
	/* Anonymous, out of scope, or a token that does not authenticate:
	 * the public facts, and nothing else. */
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(get(path, publics[i], "application/json", NULL, &r), 200);
		assert_header(&r, "Content-Type", "application/json");
		ck_assert_str_eq(jstr(r.json, "serial"), SERIAL1);
		ck_assert_str_eq(jstr(json_object_get(r.json, "model"), "code"), "PX-100");
		ck_assert_ptr_nonnull(jstr(r.json, "product_line"));
		ck_assert_str_eq(jstr(r.json, "manufacturer"), "fieldtrace demo manufacturer");
		ck_assert_str_eq(jstr(r.json, "hotline"), "400-800-1234");
		ck_assert_ptr_null(json_object_get(r.json, "id"));
		ck_assert_ptr_null(strstr(r.body, "Secret"));
		ck_assert_ptr_null(strstr(r.body, "customer"));
		assert_header(&r, "Vary", "Accept, Authorization");
		ck_assert_ptr_nonnull(http_header(&r, "Cache-Control", v, sizeof(v)));
		ck_assert_ptr_nonnull(strstr(v, "public"));
		http_result_free(&r);
	}
	/* In scope: the trace (id and serial are in every trace). */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(get(path, i ? near : admin, "application/json", NULL, &r), 200);
		ck_assert_int_eq(json_integer_value(json_object_get(r.json, "id")), 1);
		ck_assert_str_eq(jstr(r.json, "serial"), SERIAL1);
		assert_header(&r, "Vary", "Accept, Authorization");
		ck_assert_ptr_nonnull(http_header(&r, "Cache-Control", v, sizeof(v)));
		ck_assert_ptr_nonnull(strstr(v, "private"));
		ck_assert_ptr_nonnull(strstr(v, "no-store"));
		http_result_free(&r);
	}
	free(admin);
	free(near);
	free(far);
}
END_TEST

START_TEST(linkset_follows_rfc_9264)
{
	char code[QR_CODE_MAX], path[128], link[QR_LINK_MAX], want[256];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct http_result r;
	json_t *ctx;

	seed_one(code);
	id_path(code, path, sizeof(path));
	qr_link(qr_public_url(), code, link, sizeof(link));
	ck_assert_int_eq(get(path, NULL, "application/linkset+json", NULL, &r), 200);
	assert_header(&r, "Content-Type", "application/linkset+json");
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "linkset")), 1);
	ctx = json_array_get(json_object_get(r.json, "linkset"), 0);
	ck_assert_str_eq(jstr(ctx, "anchor"), link);
	/* Every relation is an array of target objects with an href. */
	{
		const char *rel;
		json_t *targets, *t;
		size_t i;

		json_object_foreach(ctx, rel, targets) {
			if (strcmp(rel, "anchor") == 0)
				continue;
			ck_assert_msg(json_is_array(targets) && json_array_size(targets) > 0, "%s",
				      rel);
			json_array_foreach(targets, i, t)
				ck_assert_ptr_nonnull(jstr(t, "href"));
		}
	}
	ck_assert_str_eq(jstr(json_array_get(json_object_get(ctx, "describedby"), 0), "type"),
			 "text/html");
	ck_assert_ptr_null(json_object_get(ctx, "item"));
	http_result_free(&r);

	ck_assert_int_eq(get(path, admin, "application/linkset+json", NULL, &r), 200);
	ctx = json_array_get(json_object_get(r.json, "linkset"), 0);
	snprintf(want, sizeof(want), "%s/v1/assets/1", qr_public_url());
	ck_assert_str_eq(jstr(json_array_get(json_object_get(ctx, "item"), 0), "href"), want);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(accept_is_parsed_with_q_values)
{
	static const struct {
		const char *accept;
		long status;
		const char *type; /* Content-Type prefix on 200 */
	} cases[] = {
		{ "application/json", 200, "application/json" },
		{ "application/json;q=0.5, text/html;q=0.4", 200, "application/json" },
		{ "text/html;q=0.1, application/linkset+json", 200, "application/linkset+json" },
		{ "application/*", 200, "application/json" },
		{ "application/json, text/plain, */*", 200, "application/json" },
		{ "APPLICATION/JSON ; Q=1", 200, "application/json" },
		{ "application/json;q=2, text/html", 200, "text/html" }, /* bad q: ignored */
		{ "*/*;q=0.1, application/linkset+json;q=0.2", 200, "application/linkset+json" },
		{ "image/png", 406, NULL },
		{ "text/html;q=0, application/json;q=0.000", 406, NULL },
		{ "*/*;q=0", 406, NULL },
	};
	char code[QR_CODE_MAX], path[128], ct[128];
	struct http_result r;

	seed_one(code);
	id_path(code, path, sizeof(path));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long st = get(path, NULL, cases[i].accept, NULL, &r);

		ck_assert_msg(st == cases[i].status, "Accept: %s -> %ld", cases[i].accept, st);
		if (st == 406) {
			assert_problem(&r, 406, NULL);
		} else {
			ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
			ck_assert_msg(strncmp(ct, cases[i].type, strlen(cases[i].type)) == 0,
				      "Accept: %s -> %s", cases[i].accept, ct);
		}
		http_result_free(&r);
	}
}
END_TEST

/* --- caching, HEAD, OPTIONS ----------------------------------------------- */

START_TEST(etag_and_if_none_match)
{
	char code[QR_CODE_MAX], path[128], etag[128], other[128], h[300], v[128];
	struct http_result r;

	seed_one(code);
	id_path(code, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "text/html", NULL, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert_int_eq(etag[0], '"'); /* strong */
	http_result_free(&r);
	ck_assert_int_eq(get(path, NULL, "text/html", NULL, &r), 200);
	assert_header(&r, "ETag", etag);
	http_result_free(&r);

	{
		/* The tag alone, in a list, weak, between spaces and commas. */
		static const char *const around[][2] = {
			{ "", "" }, { "\"nope\", ", "" }, { "W/", "" }, { "\"a\",W/", " , \"b\"" }
		};

		for (size_t i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
			snprintf(h, sizeof(h), "If-None-Match: %s%s%s", around[i][0], etag,
				 around[i][1]);
			ck_assert_msg(get(path, NULL, "text/html", h, &r) == 304, "%s", h);
			ck_assert_uint_eq(r.body_len, 0);
			assert_header(&r, "ETag", etag);
			assert_header(&r, "Vary", "Accept");
			ck_assert_ptr_nonnull(http_header(&r, "Cache-Control", v, sizeof(v)));
			http_result_free(&r);
		}
	}
	ck_assert_int_eq(get(path, NULL, "text/html", "If-None-Match: *", &r), 304);
	http_result_free(&r);
	ck_assert_int_eq(get(path, NULL, "text/html", "If-None-Match: \"nope\"", &r), 200);
	http_result_free(&r);

	/* Each variant has its own tag; a tag of one is no match for another. */
	snprintf(h, sizeof(h), "If-None-Match: %s", etag);
	ck_assert_int_eq(get(path, NULL, "application/json", h, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", other, sizeof(other)));
	ck_assert_str_ne(other, etag);
	http_result_free(&r);

	/* What the page shows changed, so the tag changes. */
	exec_sql("UPDATE models SET name = 'Renamed cabinet', updated_at = 1 WHERE id = 1");
	ck_assert_int_eq(get(path, NULL, "text/html", h, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", other, sizeof(other)));
	ck_assert_str_ne(other, etag);
	http_result_free(&r);
}
END_TEST

START_TEST(head_and_options)
{
	char code[QR_CODE_MAX], path[128], etag[128], len[32], allow[128];
	struct http_result r;
	size_t body_len;

	seed_one(code);
	id_path(code, path, sizeof(path));
	ck_assert_int_eq(get(path, NULL, "application/json", NULL, &r), 200);
	body_len = r.body_len;
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	http_result_free(&r);
	ck_assert_int_eq(http_call("HEAD", path, NULL, NULL, NULL, 0,
				   (const char *const[]){ "Accept: application/json", NULL }, &r),
			 200);
	ck_assert_uint_eq(r.body_len, 0);
	assert_header(&r, "ETag", etag);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Length", len, sizeof(len)));
	ck_assert_uint_eq(strtoul(len, NULL, 10), body_len);
	http_result_free(&r);

	ck_assert_int_eq(http_call("OPTIONS", path, NULL, NULL, NULL, 0, NULL, &r), 204);
	ck_assert_ptr_nonnull(http_header(&r, "Allow", allow, sizeof(allow)));
	ck_assert_ptr_nonnull(strstr(allow, "GET"));
	ck_assert_ptr_nonnull(strstr(allow, "HEAD"));
	http_result_free(&r);
	ck_assert_int_eq(http_call("DELETE", path, NULL, NULL, NULL, 0, NULL, &r), 405);
	http_result_free(&r);
}
END_TEST

/* --- trace snapshots (migrations/0015_trace_snapshots.sql) ---------------- */

/* The /id/ trace's body as admin sees it (caller frees). */
static char *scan_body(const char *path, const char *token)
{
	struct http_result r;
	char *body;

	ck_assert_int_eq(get(path, token, "application/json", NULL, &r), 200);
	body = strdup(r.body);
	http_result_free(&r);
	return body;
}

static int64_t snapshots(void)
{
	return count_rows("SELECT count(*) FROM trace_snapshots");
}

/* Scans, lets the scheduler's job keep the trace, scans again: the kept
 * trace answers byte for byte what was rendered. Returns the body. */
static char *scan_and_keep(const char *path, const char *token)
{
	char *live = scan_body(path, token), *kept;

	ck_assert_int_eq(assets_snapshots_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(snapshots(), 1);
	kept = scan_body(path, token);
	ck_assert_str_eq(kept, live);
	free(kept);
	return live;
}

START_TEST(scans_read_the_kept_trace_until_anything_it_shows_changes)
{
	/* Each write changes something the trace shows; after it, the next
	 * scan must show it (the kept trace is retired), whoever wrote it:
	 * these are plain SQL, so the schema's triggers alone must retire it. */
	static const struct {
		const char *sql, *shown;
	} changes[] = {
		{ "UPDATE assets SET batch = 'B-CHANGED' WHERE id = 1", "\"batch\":\"B-CHANGED\"" },
		{ "INSERT INTO asset_events(asset_id, at, id, kind, summary) VALUES"
		  " (1, 86400, 99, 'inspection', '年度巡检 yearly inspection')",
		  "年度巡检 yearly inspection" },
		{ "INSERT INTO asset_components(asset_id, part_number, installed_at) VALUES"
		  " (1, 'PN-CHANGED', 0)",
		  "\"part_number\":\"PN-CHANGED\"" },
		{ "UPDATE models SET name = 'Model renamed' WHERE id = 1", "Model renamed" },
		{ "UPDATE sites SET name = 'Site renamed' WHERE id = 1", "Site renamed" },
		{ "UPDATE customers SET tier = 'strategic' WHERE id = 1",
		  "\"tier\":\"strategic\"" },
		{ "INSERT INTO customer_contacts(customer_id, name, phone) VALUES"
		  " (1, '王工', '13800138000')",
		  "\"contacts\":[{" },
		{ "UPDATE users SET username = 'owner.renamed' WHERE username = 'owner1'",
		  "\"username\":\"owner.renamed\"" },
		/* usernames compare without case; a rename by case is one */
		{ "UPDATE users SET username = 'Owner.Renamed' WHERE username = 'owner.renamed'",
		  "\"username\":\"Owner.Renamed\"" },
		/* a REPLACE fires no delete trigger: the insert must retire it */
		{ "INSERT OR REPLACE INTO models(id, code, name, product_line, created_at,"
		  " updated_at) VALUES (1, 'PX-100', 'Model replaced', 'PD', 0, 0)",
		  "Model replaced" },
		{ "INSERT OR REPLACE INTO assets(id, serial, model_id, batch, site_id, customer_id,"
		  " sales_owner_id, region_path, created_at, updated_at) SELECT id, serial,"
		  " model_id, 'B-REPLACED', site_id, customer_id, sales_owner_id, region_path,"
		  " created_at, updated_at FROM assets WHERE id = 1",
		  "\"batch\":\"B-REPLACED\"" },
	};
	char code[QR_CODE_MAX], path[128], sql[256];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *far = harness_user_token("sup-js", "supervisor", "JS", NULL);
	char *body;

	seed_one(code);
	snprintf(sql, sizeof(sql), "UPDATE assets SET sales_owner_id = %lld WHERE id = 1",
		 (long long)harness_seed_user("owner1", "sales", "SZ", NULL));
	exec_sql(sql);
	id_path(code, path, sizeof(path));
	free(scan_and_keep(path, admin));

	/* The answer is the kept text: altered in place, the scan shows it. */
	exec_sql("UPDATE trace_snapshots SET body = CAST(replace(CAST(body AS TEXT),"
		 " '\"batch\":\"B1\"', '\"batch\":\"KEPT\"') AS BLOB)");
	body = scan_body(path, admin);
	ck_assert_ptr_nonnull(strstr(body, "\"batch\":\"KEPT\""));
	free(body);
	/* Out of scope, a kept trace is still not shown. */
	body = scan_body(path, far);
	ck_assert_ptr_null(strstr(body, "Secret"));
	ck_assert_ptr_null(strstr(body, "KEPT"));
	free(body);
	/* Kept by a binary that writes the trace otherwise: not answered. */
	exec_sql("UPDATE trace_snapshots SET format = format + 100");
	body = scan_body(path, admin);
	ck_assert_ptr_null(strstr(body, "KEPT"));
	free(body);
	exec_sql("DELETE FROM trace_snapshots");
	free(scan_and_keep(path, admin));

	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		exec_sql(changes[i].sql);
		body = scan_body(path, admin);
		ck_assert_msg(strstr(body, changes[i].shown), "after %s: %s not shown in %s",
			      changes[i].sql, changes[i].shown, body);
		free(body);
		exec_sql("DELETE FROM trace_snapshots"); /* as the job finds it */
		free(scan_and_keep(path, admin));
	}

	/* A new label: the kept trace shows the new code, not the revoked one. */
	exec_sql("UPDATE labels SET revoked_at = 1 WHERE asset_id = 1;"
		 "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (1, 2, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 1)");
	code_of(1, code);
	id_path(code, path, sizeof(path));
	body = scan_body(path, admin);
	snprintf(sql, sizeof(sql), "\"label\":{\"code\":\"%s\"", code);
	ck_assert_ptr_nonnull(strstr(body, sql));
	free(body);
	free(admin);
	free(far);
}
END_TEST

START_TEST(kept_traces_still_compute_the_warranty_and_open_requests_per_scan)
{
	char code[QR_CODE_MAX], path[128];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	json_t *doc;
	char *body;

	seed_one(code);
	exec_sql("UPDATE assets SET warranty_start = '2026-01-01', warranty_months = 12,"
		 " warranty_end = '2027-01-01' WHERE id = 1");
	id_path(code, path, sizeof(path));
	harness_set_today("2026-06-01");
	free(scan_and_keep(path, admin));

	/* The clock moves: status and days left follow it (a new token: the
	 * old one has expired by then). */
	harness_set_today("2026-12-01");
	free(admin);
	admin = harness_login("admin1");
	body = scan_body(path, admin);
	doc = json_loads(body, 0, NULL);
	ck_assert_msg(doc, "not JSON: %s", body);
	ck_assert_str_eq(jstr(jpath(doc, "warranty", NULL), "status"), "expiring");
	ck_assert_int_eq(jint(jpath(doc, "warranty", NULL), "days_left"), 31);
	ck_assert_int_eq(asize(json_object_get(doc, "open_service_requests")), 0);
	json_decref(doc);
	free(body);

	/* A ticket opens on the unit: shown at once, and the trace kept. */
	exec_sql("INSERT INTO tickets(id, channel, category, subcategory, status, title, impact,"
		 " urgency, priority, customer_tier, customer_id, asset_id, region_path,"
		 " warranty_status, billable, response_due, arrival_due, resolution_due,"
		 " created_at, updated_at) VALUES (7, 'app', 'fault_repair', 'fault_repair',"
		 " 'new', 'Breaker trips', 'unit', 'high', 'P2', 'A', 1, 1, '/CN/GD/SZ/',"
		 " 'expiring', 0, 0, 0, 0, 0, 0)");
	harness_set_today("2027-02-01");
	free(admin);
	admin = harness_login("admin1");
	body = scan_body(path, admin);
	doc = json_loads(body, 0, NULL);
	ck_assert_str_eq(jstr(jpath(doc, "warranty", NULL), "status"), "expired");
	ck_assert_int_eq(asize(json_object_get(doc, "open_service_requests")), 1);
	ck_assert_int_eq(snapshots(), 1);
	json_decref(doc);
	free(body);
	free(admin);
}
END_TEST

/* The stored text of one kept trace, byte for byte. When this test fails
 * because the trace is written otherwise, change SNAPSHOT_FORMAT in
 * server/domain/assets.c (kept traces of the old format must not be answered),
 * then this text. */
START_TEST(kept_trace_text_matches_its_format)
{
	static const char want[] =
	    "{\"id\":1,\"serial\":\"FT-2025-000001\",\"model\":{\"id\":1,\"code\":\"PX-100\","
	    "\"name\":\"智能配电柜 <PX&100>\",\"product_line\":\"PD\",\"design_revision"
	    "\":\"\",\"specs\":{},\"documents\":[],\"gtin\":\"09506000134352\"},\"production"
	    "\":{\"plant\":\"\",\"line\":\"\",\"batch\":\"B1\",\"date\":null,\"tests\":[]},\""
	    "procurement\":{\"components\":[{\"id\":1,\"part_number\":\"PN-1\",\"component_se"
	    "rial\":\"CS-1\",\"supplier\":\"供应商\",\"lot\":\"L1\",\"installed_at\":\"197"
	    "0-01-01T00:00:00Z\",\"removed_at\":null}],\"replaced\":[]},\"installation\":{\"c"
	    "ustomer\":{\"id\":1,\"code\":\"C1\",\"name\":\"保密客户 Secret Customer Ltd"
	    "\",\"tier\":\"A\",\"region\":\"SZ\",\"sales_owner_id\":null,\"contacts\":[{\"nam"
	    "e\":\"王*\",\"phone\":\"138****8000\",\"id_number\":\"110*************34\",\"ti"
	    "tle\":\"Engineer\",\"email\":\"\"}],\"pii_masked\":true,\"created_at\":\"1970-01-"
	    "01T00:00:00Z\""
	    ",\"updated_at\":\"1970-01-01T00:00:00Z\"},\"site\":{\"id\":1,\"code\":\"S1\",\"n"
	    "ame\":\"深圳机房\",\"address\":\"深圳市南山区科技园秘密路 1 号"
	    "\",\"region\":\"SZ\",\"latitude\":22.539999999999999,\"longitude\":114.05},\"ins"
	    "talled_at\":null,\"commissioned_at\":null,\"accepted_at\":null},\"sales_owner\":"
	    "null,\"latest_events\":[{\"id\":1,\"at\":\"1970-01-02T00:00:00Z\",\"kind\":\"ins"
	    "pection\",\"summary\":\"巡检 \\\"ok\\\"\\tdone\",\"detail\":{\"ohm\":741},\"ac"
	    "tor_id\":null}],\"version\":1,\"updated_at\":\"1970-01-01T00:00:00Z\",\"warranty"
	    "\":{\"start\":null,\"months\":0,\"end\":null";
	char code[QR_CODE_MAX], path[128];
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *kept;

	seed_one(code);
	exec_sql("INSERT INTO asset_events(asset_id, at, id, kind, summary, detail) VALUES"
		 " (1, 86400, 1, 'inspection', '巡检 \"ok\"\tdone', '{\"ohm\":741}');"
		 "INSERT INTO asset_components(asset_id, part_number, component_serial, supplier,"
		 " lot, installed_at) VALUES (1, 'PN-1', 'CS-1', '供应商', 'L1', 0);"
		 "INSERT INTO customer_contacts(customer_id, name, phone, id_number, title) VALUES"
		 " (1, '王工', '13800138000', '110101199001011234', 'Engineer');"
		 "UPDATE sites SET latitude = 22.54, longitude = 114.05 WHERE id = 1");
	id_path(code, path, sizeof(path));
	free(scan_and_keep(path, admin));
	kept = row_text("SELECT CAST(body AS TEXT) FROM trace_snapshots WHERE format = 2");
	ck_assert_str_eq(kept, want);
	free(kept);
	free(admin);
}
END_TEST

static void snapshots_off(struct config *cfg)
{
	cfg->trace_snapshots = 0;
}

START_TEST(trace_snapshots_off_renders_every_scan)
{
	char code[QR_CODE_MAX], path[128];
	char *admin, *body;

	harness_restart_with(snapshots_off);
	admin = harness_user_token("admin1", "admin", NULL, NULL);
	seed_one(code);
	id_path(code, path, sizeof(path));
	body = scan_body(path, admin);
	ck_assert_int_eq(assets_snapshots_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(snapshots(), 0);
	free(body);
	free(admin);
	harness_restart_with(NULL); /* the process-wide switch back on */
}
END_TEST

Suite *identity_suite(void)
{
	Suite *s = suite_create("identity");
	TCase *codes = tcase_create("codes");
	TCase *resolve = tcase_create("resolve");

	tcase_add_checked_fixture(codes, harness_setup, harness_teardown);
	tcase_add_test(codes, code_round_trip_and_length);
	tcase_add_test(codes, every_single_character_mistake_is_refused_without_the_database);
	tcase_add_test(codes, forged_codes_answer_404_like_unknown_ones_without_reading);
	tcase_add_test(codes, key_rotation_keeps_old_codes_valid);
	tcase_add_test(codes, relabel_revokes_the_old_code_with_a_410_that_names_nothing);
	suite_add_tcase(s, codes);

	tcase_add_checked_fixture(resolve, harness_setup, harness_teardown);
	tcase_add_test(resolve, gs1_digital_link_resolves_and_checks_the_gtin);
	tcase_add_test(resolve, browsers_get_the_public_nameplate);
	tcase_add_test(resolve, the_nameplate_names_the_product_line);
	tcase_add_test(resolve, json_is_full_in_scope_and_public_otherwise);
	tcase_add_test(resolve, linkset_follows_rfc_9264);
	tcase_add_test(resolve, accept_is_parsed_with_q_values);
	tcase_add_test(resolve, etag_and_if_none_match);
	tcase_add_test(resolve, head_and_options);
	tcase_add_test(resolve, scans_read_the_kept_trace_until_anything_it_shows_changes);
	tcase_add_test(resolve, kept_traces_still_compute_the_warranty_and_open_requests_per_scan);
	tcase_add_test(resolve, kept_trace_text_matches_its_format);
	tcase_add_test(resolve, trace_snapshots_off_renders_every_scan);
	suite_add_tcase(s, resolve);
	return s;
}
