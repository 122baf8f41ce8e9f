/* Labels: PNGs decoded with zbarimg give exactly the asset's link (error
 * correction Q and H), SVGs are well-formed XML with the serial, sheets for
 * a batch hold one label per asset over as many A4 pages as needed (SVG and
 * PDF, over HTTP and from `fieldtrace labels`), and the route's input,
 * roles and scope are checked. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "harness.h"
#include "api/handler.h"
#include "lib/label_render.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "suites.h"

#define BATCH "B-2025-07"
#define BATCH_N 23 /* two pages of 4 x 5 */

static void seed_registry(void)
{
	exec_sql(
	    "INSERT INTO product_lines(code, name, name_en) VALUES ('PD', '配电柜', 'Power');"
	    "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
	    " (1, 'PX-100', '智能配电柜', 'PD', 0, 0),"
	    " (2, '泵&<X>', 'Pump', 'PD', 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at)"
	    " VALUES (1, 'C1', 'Customer', 'A', 'SZ', 0, 0);"
	    "INSERT INTO sites(id, customer_id, code, name, region_code, created_at, updated_at)"
	    " VALUES (1, 1, 'S1', 'Site', 'SZ', 0, 0);");
}

/* An asset in Shenzhen, with its first label when labelled. */
static void seed_asset(int64_t id, const char *serial, int64_t model, const char *batch,
		       int labelled)
{
	sqlite3_stmt *st;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(H.db),
			       "INSERT INTO assets(id, serial, model_id, batch, site_id,"
			       " customer_id, region_path, created_at, updated_at)"
			       " VALUES (?1, ?2, ?3, ?4, 1, 1, '/CN/GD/SZ/', 0, 0)",
			       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, serial);
	sqlite3_bind_int64(st, 3, model);
	db_bind_text(st, 4, batch);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	if (labelled) {
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
			 " (%lld, 1, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0)",
			 (long long)id);
		exec_sql(sql);
	}
}

static void batch_serial(int i, char *out, size_t size)
{
	snprintf(out, size, "FT-B7-%04d", i);
}

/* Asset 1 (PX-100), asset 2 (model code needing escaping), the batch as
 * assets 101..123, and asset 200 in another batch. */
static void seed_all(void)
{
	seed_registry();
	seed_asset(1, "FT-2025-000001", 1, "B1", 1);
	seed_asset(2, "FT-2025-000002", 2, "B1", 1);
	for (int i = 1; i <= BATCH_N; i++) {
		char serial[32];

		batch_serial(i, serial, sizeof(serial));
		seed_asset(100 + i, serial, 1, BATCH, 1);
	}
	seed_asset(200, "FT-OTHER-1", 1, "B-OTHER", 1);
}

static void link_of(int64_t asset_id, char link[QR_LINK_MAX])
{
	char code[QR_CODE_MAX];

	ck_assert_int_eq(qr_label_code(H.db, asset_id, code), ERR_OK);
	qr_link(qr_public_url(), code, link, QR_LINK_MAX);
}

static void save(const struct http_result *r, const char *name, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", H.dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(r->body, 1, r->body_len, f), r->body_len);
	ck_assert_int_eq(fclose(f), 0);
}

/* What zbarimg reads from the image, without the trailing newline. */
static void zbar(const char *path, char *out, size_t size)
{
	char cmd[600];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	ck_assert_msg(pclose(p) == 0, "zbarimg failed on %s: %s", path, out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* XML 1.0 well-formedness, enough for generated documents: one root,
 * balanced and properly nested tags, quoted attributes, only the
 * predefined or numeric entities, no '<' in text or attribute values. */
static int xml_name(const char **p)
{
	const char *s = *p;

	while (**p &&
	       (strchr("-_:.", **p) || (**p >= 'a' && **p <= 'z') || (**p >= 'A' && **p <= 'Z') ||
		(**p >= '0' && **p <= '9') || (unsigned char)**p >= 0x80))
		(*p)++;
	return *p > s;
}

static int xml_entity(const char **p)
{
	static const char *const named[] = { "amp;", "lt;", "gt;", "quot;", "apos;" };
	const char *s = *p + 1;

	for (size_t i = 0; i < 5; i++)
		if (strncmp(s, named[i], strlen(named[i])) == 0) {
			*p = s + strlen(named[i]);
			return 1;
		}
	if (*s == '#') {
		const char *d = s + 1;
		const char *digits = *d == 'x' ? "0123456789abcdefABCDEF" : "0123456789";
		size_t n;

		d += *d == 'x';
		n = strspn(d, digits);
		if (n && d[n] == ';') {
			*p = d + n + 1;
			return 1;
		}
	}
	return 0;
}

static const char *xml_check(const char *doc)
{
	const char *stack[64], *p = doc;
	size_t slen[64], depth = 0, roots = 0;

	if (strncmp(p, "<?xml", 5) == 0) {
		p = strstr(p, "?>");
		if (!p)
			return "unterminated declaration";
		p += 2;
	}
	while (*p) {
		if (*p == '&') {
			if (!xml_entity(&p))
				return "bad entity";
			continue;
		}
		if (*p != '<') {
			if (!depth && !strchr(" \t\r\n", *p))
				return "text outside the root";
			p++;
			continue;
		}
		if (strncmp(p, "<!--", 4) == 0) {
			p = strstr(p, "-->");
			if (!p)
				return "unterminated comment";
			p += 3;
		} else if (p[1] == '/') {
			const char *name = p += 2;

			if (!xml_name(&p) || !depth || (size_t)(p - name) != slen[depth - 1] ||
			    strncmp(name, stack[depth - 1], slen[depth - 1]) != 0)
				return "mismatched end tag";
			depth--;
			while (*p == ' ')
				p++;
			if (*p++ != '>')
				return "bad end tag";
		} else {
			const char *name = ++p;

			if (!xml_name(&p))
				return "bad tag name";
			if (!depth && roots++)
				return "two roots";
			if (depth == 64)
				return "too deep";
			stack[depth] = name;
			slen[depth] = (size_t)(p - name);
			for (;;) {
				char q;

				while (*p == ' ' || *p == '\n' || *p == '\t')
					p++;
				if (*p == '>' || (p[0] == '/' && p[1] == '>'))
					break;
				if (!xml_name(&p) || *p++ != '=' || (*p != '"' && *p != '\''))
					return "bad attribute";
				q = *p++;
				while (*p && *p != q) {
					if (*p == '<')
						return "'<' in an attribute";
					if (*p == '&') {
						if (!xml_entity(&p))
							return "bad entity in an attribute";
					} else {
						p++;
					}
				}
				if (*p++ != q)
					return "unterminated attribute";
			}
			if (*p == '/') {
				p += 2;
			} else {
				p++;
				depth++;
			}
		}
	}
	return depth ? "unclosed element" : roots == 1 ? NULL : "no root";
}

static void assert_xml(const char *doc)
{
	const char *why = xml_check(doc);

	ck_assert_msg(why == NULL, "not well-formed XML: %s", why);
}

/* A PDF whose cross-reference table points at each object it lists. */
static void assert_pdf(const char *doc, size_t len, size_t pages)
{
	const char *sx = doc + len;
	char want[32];
	size_t xref, n;

	ck_assert_uint_gt(len, 100);
	ck_assert_int_eq(memcmp(doc, "%PDF-1.", 7), 0);
	ck_assert_ptr_nonnull(strstr(doc + len - 7, "%%EOF"));
	while (sx > doc && strncmp(sx, "startxref", 9) != 0)
		sx--;
	ck_assert_int_eq(sscanf(sx, "startxref %zu", &xref), 1);
	ck_assert_int_eq(strncmp(doc + xref, "xref\n0 ", 7), 0);
	ck_assert_int_eq(sscanf(doc + xref + 7, "%zu", &n), 1);
	ck_assert_uint_eq(n, 3 + 2 * pages + 1);
	for (size_t i = 1; i < n; i++) {
		const char *entry = strchr(doc + xref + 5, '\n') + 1 + 20 * i;
		size_t off = strtoul(entry, NULL, 10);

		snprintf(want, sizeof(want), "%zu 0 obj", i);
		ck_assert_msg(strncmp(doc + off, want, strlen(want)) == 0, "xref of object %zu", i);
	}
	snprintf(want, sizeof(want), "/Count %zu ", pages);
	ck_assert_ptr_nonnull(strstr(doc, want));
	ck_assert_uint_eq(count_of(doc, "/Type /Page "), pages);
}

static const char *jstr_detail(const struct http_result *r)
{
	const char *d = json_string_value(json_object_get(r->json, "detail"));

	return d ? d : "";
}

/* --- single labels ---------------------------------------------------------- */

START_TEST(png_decodes_to_exactly_the_link)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char link[QR_LINK_MAX], path[512], read[600], ct[64], cd[128];
	struct http_result r;

	seed_all();
	link_of(1, link);
	ck_assert_int_eq(http_get("/v1/assets/1/label.png", admin, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "image/png");
	ck_assert_int_eq(memcmp(r.body, "\x89PNG\r\n\x1a\n", 8), 0);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Disposition", cd, sizeof(cd)));
	ck_assert_ptr_nonnull(strstr(cd, "label-1.png"));
	save(&r, "q.png", path, sizeof(path));
	zbar(path, read, sizeof(read));
	ck_assert_str_eq(read, link);
	http_result_free(&r);
	free(admin);
}
END_TEST

/* Dark pixels in the PNG's text band: the rows below the symbol. */
static size_t text_band_ink(const char *serial)
{
	const struct label_spec spec = { "https://fieldtrace.example/id/040G3ZSQCQZXBPS0E4", serial,
					 "KYN28-12" };
	png_image img;
	struct buf b;
	unsigned char *px;
	size_t ink = 0;

	buf_init(&b, 0);
	ck_assert_int_eq(label_render_png(&spec, LABEL_EC_Q, LABEL_SCALE_DEFAULT, &b), ERR_OK);
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	ck_assert(png_image_begin_read_from_memory(&img, b.data, b.len));
	img.format = PNG_FORMAT_GRAY;
	px = malloc(PNG_IMAGE_SIZE(img));
	ck_assert_ptr_nonnull(px);
	ck_assert(png_image_finish_read(&img, NULL, px, 0, NULL));
	/* The band is the last 8 + 1 modules; skip the frame at each side. */
	for (size_t y = img.height - 9 * LABEL_SCALE_DEFAULT; y < img.height - LABEL_SCALE_DEFAULT;
	     y++)
		for (size_t x = LABEL_SCALE_DEFAULT; x < img.width / 2; x++)
			ink += px[y * img.width + x] < 128;
	free(px);
	buf_cleanup(&b);
	return ink;
}

START_TEST(png_prints_a_long_serial_whole)
{
	/* 63 characters (the longest serial) do not fit one line of the
	 * label: they wrap rather than stop at the edge, so the whole serial
	 * puts more ink in the band than its first 37 characters do. */
	char serial[64], head[38];

	for (size_t i = 0; i < 63; i++)
		serial[i] = (char)('A' + i % 26);
	serial[63] = '\0';
	memcpy(head, serial, 37);
	head[37] = '\0';
	ck_assert_uint_gt(text_band_ink(serial), text_band_ink(head));
}
END_TEST

START_TEST(error_correction_h_and_scale)
{
	char *disp = harness_user_token("disp-gd", "dispatcher", "GD", NULL);
	char link[QR_LINK_MAX], path[512], read[600];
	struct http_result q, h, small;
	uint32_t wq, wh, ws;

	seed_all();
	link_of(2, link);
	ck_assert_int_eq(http_get("/v1/assets/2/label.png?ec=Q", disp, &q), 200);
	ck_assert_int_eq(http_get("/v1/assets/2/label.png?ec=H", disp, &h), 200);
	ck_assert_int_eq(http_get("/v1/assets/2/label.png?ec=H&scale=3", disp, &small), 200);
	save(&h, "h.png", path, sizeof(path));
	zbar(path, read, sizeof(read));
	ck_assert_str_eq(read, link);
	save(&small, "h3.png", path, sizeof(path));
	zbar(path, read, sizeof(read));
	ck_assert_str_eq(read, link);
	/* IHDR width: H needs at least as many modules as Q; scale 3 vs 8. */
	wq = (uint32_t)(unsigned char)q.body[16] << 24 | (uint32_t)(unsigned char)q.body[17] << 16 |
	     (uint32_t)(unsigned char)q.body[18] << 8 | (unsigned char)q.body[19];
	wh = (uint32_t)(unsigned char)h.body[16] << 24 | (uint32_t)(unsigned char)h.body[17] << 16 |
	     (uint32_t)(unsigned char)h.body[18] << 8 | (unsigned char)h.body[19];
	ws = (uint32_t)(unsigned char)small.body[16] << 24 |
	     (uint32_t)(unsigned char)small.body[17] << 16 |
	     (uint32_t)(unsigned char)small.body[18] << 8 | (unsigned char)small.body[19];
	ck_assert_uint_ge(wh, wq);
	ck_assert_uint_eq(wh % 8, 0);
	ck_assert_uint_eq(ws * 8, wh * 3);
	ck_assert(q.body_len != h.body_len || memcmp(q.body, h.body, q.body_len) != 0);
	http_result_free(&q);
	http_result_free(&h);
	http_result_free(&small);
	free(disp);
}
END_TEST

START_TEST(bad_query_parameters_are_named)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	static const struct {
		const char *path, *param;
	} cases[] = {
		{ "/v1/assets/1/label.png?ec=X", "ec" },
		{ "/v1/assets/1/label.png?ec=q", "ec" },
		{ "/v1/assets/1/label.svg?ec=", "ec" },
		{ "/v1/assets/1/label.png?scale=1", "scale" },
		{ "/v1/assets/1/label.png?scale=33", "scale" },
		{ "/v1/assets/1/label.png?scale=8px", "scale" },
		{ "/v1/assets/1/label.svg?scale=8", "scale" }, /* SVG has no scale */
		{ "/v1/assets/1/label.svg?size=9", "size" },
	};
	struct http_result r;

	seed_all();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(http_get(cases[i].path, admin, &r) == 400, "%s", cases[i].path);
		assert_problem(&r, 400, cases[i].param);
		http_result_free(&r);
	}
	free(admin);
}
END_TEST

START_TEST(svg_is_well_formed_and_shows_serial_and_model)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char ct[64];
	struct http_result r;

	seed_all();
	ck_assert_int_eq(http_get("/v1/assets/1/label.svg", admin, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "image/svg+xml");
	assert_xml(r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "<svg"));
	ck_assert_ptr_nonnull(strstr(r.body, ">SN FT-2025-000001</text>"));
	ck_assert_ptr_nonnull(strstr(r.body, ">PX-100</text>"));
	ck_assert_uint_eq(count_of(r.body, "class=\"label\""), 1);
	http_result_free(&r);

	ck_assert_int_eq(http_get("/v1/assets/2/label.svg?ec=H", admin, &r), 200);
	assert_xml(r.body);
	ck_assert_ptr_nonnull(strstr(r.body, ">泵&amp;&lt;X&gt;</text>"));
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(unlabelled_assets_are_not_printed)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct http_result r;

	seed_all();
	seed_asset(300, "FT-NOLABEL", 1, "B-NL", 0);
	ck_assert_int_eq(http_get("/v1/assets/300/label.svg", admin, &r), 409);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/labels", admin, "{\"batch\":\"B-NL\"}", &r), 409);
	ck_assert_ptr_nonnull(strstr(jstr_detail(&r), "FT-NOLABEL"));
	http_result_free(&r);
	/* A relabelled asset prints its newest code. */
	exec_sql(
	    "UPDATE labels SET revoked_at = 1 WHERE asset_id = 1;"
	    "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES (1, 2, 1, 1);");
	{
		char link[QR_LINK_MAX], path[512], read[600];

		link_of(1, link);
		ck_assert_int_eq(http_get("/v1/assets/1/label.png?scale=4", admin, &r), 200);
		save(&r, "g2.png", path, sizeof(path));
		zbar(path, read, sizeof(read));
		ck_assert_str_eq(read, link);
		http_result_free(&r);
	}
	free(admin);
}
END_TEST

START_TEST(roles_and_scope)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *sales = harness_user_token("sales1", "sales", NULL, NULL);
	char *far = harness_user_token("sup-js", "supervisor", "JS", NULL);
	char *near = harness_user_token("sup-gd", "supervisor", "GD", NULL);
	struct http_result r;

	seed_all();
	ck_assert_int_eq(http_get("/v1/assets/1/label.png", NULL, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/assets/1/label.png", tech, &r), 403);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/assets/1/label.svg", sales, &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/labels", tech, "{\"asset_ids\":[1]}", &r), 403);
	http_result_free(&r);

	/* Out of scope looks exactly like unknown. */
	ck_assert_int_eq(http_get("/v1/assets/1/label.svg", far, &r), 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/assets/999/label.svg", near, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/labels", far, "{\"asset_ids\":[1]}", &r), 400);
	assert_problem(&r, 400, "/asset_ids/0");
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/labels", far, "{\"batch\":\"" BATCH "\"}", &r),
			 400);
	assert_problem(&r, 400, "/batch");
	http_result_free(&r);

	ck_assert_int_eq(http_get("/v1/assets/1/label.svg", near, &r), 200);
	http_result_free(&r);
	free(tech);
	free(sales);
	free(far);
	free(near);
}
END_TEST

/* --- sheets ------------------------------------------------------------------- */

START_TEST(batch_sheet_svg_has_one_label_per_asset)
{
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char ct[64], serial[32];
	struct http_result r;

	seed_all();
	ck_assert_int_eq(http_json("POST", "/v1/labels", admin, "{\"batch\":\"" BATCH "\"}", &r),
			 200);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "image/svg+xml");
	assert_xml(r.body);
	ck_assert_uint_eq(count_of(r.body, "class=\"label\""), BATCH_N);
	ck_assert_uint_eq(count_of(r.body, "class=\"page\""), 2);
	ck_assert_ptr_nonnull(strstr(r.body, "height=\"594mm\""));
	for (int i = 1; i <= BATCH_N; i++) {
		char text[48];

		batch_serial(i, serial, sizeof(serial));
		snprintf(text, sizeof(text), ">SN %s</text>", serial);
		ck_assert_uint_eq(count_of(r.body, text), 1);
	}
	ck_assert_ptr_null(strstr(r.body, "FT-OTHER-1"));
	http_result_free(&r);

	ck_assert_int_eq(
	    http_json("POST", "/v1/labels", admin, "{\"asset_ids\":[1,2,1],\"ec\":\"H\"}", &r),
	    200);
	assert_xml(r.body);
	ck_assert_uint_eq(count_of(r.body, "class=\"label\""), 3);
	ck_assert_uint_eq(count_of(r.body, "class=\"page\""), 1);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(batch_sheet_pdf_pages)
{
	char *disp = harness_user_token("disp-gd", "dispatcher", "GD", NULL);
	char ct[64], serial[32], text[48];
	struct http_result r;

	seed_all();
	ck_assert_int_eq(http_json("POST", "/v1/labels", disp,
				   "{\"batch\":\"" BATCH "\",\"format\":\"pdf\"}", &r),
			 200);
	ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "application/pdf");
	assert_pdf(r.body, r.body_len, 2);
	for (int i = 1; i <= BATCH_N; i++) {
		batch_serial(i, serial, sizeof(serial));
		snprintf(text, sizeof(text), "(SN %s) Tj", serial);
		ck_assert_uint_eq(count_of(r.body, text), 1);
	}
	http_result_free(&r);
	free(disp);
}
END_TEST

START_TEST(sheet_requests_are_validated)
{
	static const struct {
		const char *body, *pointer;
	} cases[] = {
		{ "{}", "/asset_ids" },
		{ "{\"asset_ids\":[1],\"batch\":\"B1\"}", "/batch" },
		{ "{\"asset_ids\":[]}", "/asset_ids" },
		{ "{\"asset_ids\":[1,0]}", "/asset_ids/1" },
		{ "{\"asset_ids\":[\"1\"]}", "/asset_ids/0" },
		{ "{\"asset_ids\":[9999]}", "/asset_ids/0" },
		{ "{\"asset_ids\":7}", "/asset_ids" },
		{ "{\"batch\":\"\"}", "/batch" },
		{ "{\"batch\":\"NO-SUCH-BATCH\"}", "/batch" },
		{ "{\"batch\":\"B1\",\"format\":\"docx\"}", "/format" },
		{ "{\"batch\":\"B1\",\"ec\":\"L\"}", "/ec" },
		{ "{\"batch\":\"B1\",\"copies\":2}", "/copies" },
	};
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	struct buf many;
	struct http_result r;

	seed_all();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(http_json("POST", "/v1/labels", admin, cases[i].body, &r) == 400,
			      "%s", cases[i].body);
		assert_problem(&r, 400, cases[i].pointer);
		http_result_free(&r);
	}
	buf_init(&many, 0);
	buf_puts(&many, "{\"asset_ids\":[1");
	for (int i = 0; i < 500; i++)
		buf_puts(&many, ",1");
	buf_puts(&many, "]}");
	ck_assert_int_eq(http_json("POST", "/v1/labels", admin, many.data, &r), 400);
	assert_problem(&r, 400, "/asset_ids");
	http_result_free(&r);
	buf_cleanup(&many);
	free(admin);
}
END_TEST

START_TEST(cli_writes_the_same_sheet)
{
	char out[400], *argv[12];
	char *doc;
	size_t len;
	int argc = 0;

	seed_all();
	snprintf(out, sizeof(out), "%s/sheet.pdf", H.dir);
	argv[argc++] = "fieldtrace";
	argv[argc++] = "labels";
	argv[argc++] = "--db";
	argv[argc++] = H.db_path;
	argv[argc++] = "--batch";
	argv[argc++] = BATCH;
	argv[argc++] = "--out";
	argv[argc++] = out;
	argv[argc] = NULL;
	ck_assert_int_eq(cli_labels(argc, argv), 0);
	doc = harness_read_file(out, &len);
	assert_pdf(doc, len, 2);
	free(doc);

	snprintf(out, sizeof(out), "%s/sheet.svg", H.dir);
	argv[argc++] = "--ec=H";
	ck_assert_int_eq(cli_labels(argc, argv), 0);
	doc = harness_read_file(out, &len);
	assert_xml(doc);
	ck_assert_uint_eq(count_of(doc, "class=\"label\""), BATCH_N);
	free(doc);
	ck_assert_int_ne(access(out, F_OK), -1);

	/* Usage errors are 2, failures 1, and nothing is left behind. */
	snprintf(out, sizeof(out), "%s/sheet.txt", H.dir);
	ck_assert_int_eq(cli_labels(argc, argv), 2);
	argv[5] = "NO-SUCH-BATCH";
	snprintf(out, sizeof(out), "%s/none.svg", H.dir);
	ck_assert_int_eq(cli_labels(argc, argv), 1);
	ck_assert_int_eq(access(out, F_OK), -1);
	argv[argc - 1] = "--ec=Z";
	ck_assert_int_eq(cli_labels(argc, argv), 2);
	ck_assert_int_eq(cli_labels(4, argv), 2); /* no --batch, no --out */

	/* Labels are permanent: a base URL that is not an absolute http(s)
	 * URL of plain URL characters prints nothing. */
	argv[5] = BATCH;
	snprintf(out, sizeof(out), "%s/bad-url.svg", H.dir);
	argv[argc - 1] = "--public-url=javascript:alert(1)";
	ck_assert_int_eq(cli_labels(argc, argv), 2);
	argv[argc - 1] = "--public-url=https://x.example/a\"b<c>";
	ck_assert_int_eq(cli_labels(argc, argv), 2);
	ck_assert_int_eq(access(out, F_OK), -1);
	argv[argc - 1] = "--public-url=https://scan.example.com/t%C3%A9";
	ck_assert_int_eq(cli_labels(argc, argv), 0);
	ck_assert_int_ne(access(out, F_OK), -1);
	argv[argc - 1] = "--public-url=HTTPS://[2001:db8::1]:8443"; /* any case, an IPv6 host */
	ck_assert_int_eq(cli_labels(argc, argv), 0);
}
END_TEST

Suite *labels_suite(void)
{
	Suite *s = suite_create("labels");
	TCase *one = tcase_create("label");
	TCase *sheet = tcase_create("sheet");

	tcase_add_checked_fixture(one, harness_setup, harness_teardown);
	tcase_add_test(one, png_decodes_to_exactly_the_link);
	tcase_add_test(one, png_prints_a_long_serial_whole);
	tcase_add_test(one, error_correction_h_and_scale);
	tcase_add_test(one, bad_query_parameters_are_named);
	tcase_add_test(one, svg_is_well_formed_and_shows_serial_and_model);
	tcase_add_test(one, unlabelled_assets_are_not_printed);
	tcase_add_test(one, roles_and_scope);
	suite_add_tcase(s, one);

	tcase_add_checked_fixture(sheet, harness_setup, harness_teardown);
	tcase_add_test(sheet, batch_sheet_svg_has_one_label_per_asset);
	tcase_add_test(sheet, batch_sheet_pdf_pages);
	tcase_add_test(sheet, sheet_requests_are_validated);
	tcase_add_test(sheet, cli_writes_the_same_sheet);
	suite_add_tcase(s, sheet);
	return s;
}
