/* Customer self-service from the nameplate page (issue 19 part 2): a fault
 * reported as a form and as JSON enters as a routed ticket with its
 * deadlines; the tracking link shows the allowed facts and nothing else;
 * the rating is taken once, after the work, and a low one opens the
 * complaint; and every abuse case: forged and retired codes, the
 * honeypot, over-long, missing and unknown fields, an unknown category,
 * the per-unit and per-address limits, unknown tokens. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "db/db.h"
#include "domain/qr.h"
#include "lib/objects.h"
#include "harness.h"
#include "suites.h"

#define FORM "application/x-www-form-urlencoded"
#define CONTACT_NAME "Wang Xiaoming"
#define CONTACT_PHONE "13912345678"
#define TECH_PHONE "13800000001"
#define CUSTOMER_NAME "深圳供电局"
#define SELFSERVICE_PHOTO_MAX_TEST (5 * 1024 * 1024)

static char code[QR_CODE_MAX];

/* The Shenzhen unit with a label, and a technician at its centre. */
static void seed(void)
{
	harness_seed_sz_unit();
	exec_sql("INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (1, 1, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0)");
	ck_assert_int_eq(qr_label_code(H.db, 1, code), ERR_OK);
}

static void report_path(const char *c, char *out, size_t size)
{
	snprintf(out, size, "/id/%s/report", c);
}

static long post_form(const char *path, const char *body, struct http_result *r)
{
	return http_call("POST", path, NULL, FORM, body, strlen(body), NULL, r);
}

static long post_json(const char *path, const char *body, struct http_result *r)
{
	return http_call("POST", path, NULL, "application/json", body, strlen(body), NULL, r);
}

static const char good_form[] = "category=fault_repair&description=%E6%8A%A5%E8%AD%A6+E-07"
				"&contact_name=Wang+Xiaoming&contact_phone=13912345678&website=";
static const char good_json[] = "{\"category\":\"fault_repair\",\"description\":\"Alarm E-07\","
				"\"contact_name\":\"" CONTACT_NAME "\",\"contact_phone\":\"" CONTACT_PHONE
				"\"}";

/* Reports through the form; the token from the 303's Location. */
static void report_by_form(char token[64])
{
	struct http_result r;
	char path[128], loc[256];

	report_path(code, path, sizeof(path));
	ck_assert_int_eq(post_form(path, good_form, &r), 303);
	ck_assert_ptr_nonnull(http_header(&r, "Location", loc, sizeof(loc)));
	ck_assert_int_eq(strncmp(loc, "/track/", 7), 0);
	ck_assert_uint_eq(strlen(loc + 7), 48);
	memcpy(token, loc + 7, 49); /* 48 hex digits and the NUL, checked above */
	http_result_free(&r);
}

static int64_t ticket_count(void)
{
	return count_rows("SELECT count(*) FROM tickets");
}

START_TEST(a_form_report_is_a_routed_ticket_with_deadlines)
{
	char token[64], sql[256];

	seed();
	report_by_form(token);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets t JOIN ticket_tracking k"
				    " ON k.ticket_id = t.id WHERE k.source = 'qr'"
				    " AND t.channel = 'qr' AND t.category = 'fault_repair'"
				    " AND t.subcategory = 'repair' AND t.status = 'routed'"
				    " AND t.centre_code = 'C-SZ' AND t.asset_id = 1"
				    " AND t.customer_id = 1 AND t.site_id = 1"
				    " AND t.region_path = '/CN/GD/SZ/' AND t.response_due > 0"
				    " AND t.arrival_due > 0 AND t.resolution_due > 0"
				    " AND t.contact_phone = '" CONTACT_PHONE "'"
				    " AND t.description = '报警 E-07'"),
			 1);
	/* Only the hash is kept. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM ticket_tracking WHERE token_hash = '%s'",
		 token);
	ck_assert_int_eq(count_rows(sql), 0);
}
END_TEST

START_TEST(a_json_report_answers_201_with_the_link)
{
	struct http_result r;
	char path[128];

	seed();
	report_path(code, path, sizeof(path));
	ck_assert_int_eq(post_json(path, good_json, &r), 201);
	ck_assert_uint_eq(strlen(jstr(r.json, "token")), 48);
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "tracking_url"), jstr(r.json, "token")));
	ck_assert_uint_eq(json_object_size(r.json), 2);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE channel = 'qr'"
				    " AND status = 'routed' AND centre_code = 'C-SZ'"),
			 1);
}
END_TEST

START_TEST(the_nameplate_carries_the_form_under_a_strict_csp)
{
	struct http_result r;
	char path[128], csp[256];
	const char *hdrs[] = { "Accept: text/html", NULL };

	seed();
	snprintf(path, sizeof(path), "/id/%s", code);
	ck_assert_int_eq(http_call("GET", path, NULL, NULL, NULL, 0, hdrs, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "method=\"post\""));
	ck_assert_ptr_nonnull(strstr(r.body, "/report\""));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"fault_repair\""));
	ck_assert_ptr_null(strstr(r.body, "value=\"complaint\""));
	ck_assert_ptr_nonnull(strstr(r.body, "aria-hidden=\"true\""));
	ck_assert_ptr_null(strstr(r.body, "<script"));
	ck_assert_ptr_nonnull(http_header(&r, "Content-Security-Policy", csp, sizeof(csp)));
	ck_assert_ptr_nonnull(strstr(csp, "default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(csp, "form-action 'self'"));
	ck_assert_ptr_null(strstr(csp, "script-src"));
	http_result_free(&r);
}
END_TEST

/* The tracking page and its JSON: number, state, centre, next step,
 * promise; never the technician, the customer or the contact. */
START_TEST(tracking_shows_only_the_allowed_facts)
{
	static const char *const members[] = { "number",    "status",  "state", "centre",
						"next_step", "promise", "rating" };
	struct http_result r;
	char token[64], path[128];
	const char *json_accept[] = { "Accept: application/json", NULL };
	const char *html_accept[] = { "Accept: text/html", NULL };

	seed();
	report_by_form(token);
	harness_seed_user("tech.one", "technician", "SZ", "C-SZ");
	exec_sql("UPDATE users SET phone = '" TECH_PHONE "', display_name = '李工程师'"
		 " WHERE username = 'tech.one';"
		 "UPDATE tickets SET status = 'assigned', assignee_id ="
		 " (SELECT id FROM users WHERE username = 'tech.one')");
	snprintf(path, sizeof(path), "/track/%s", token);
	ck_assert_int_eq(http_call("GET", path, NULL, NULL, NULL, 0, json_accept, &r), 200);
	ck_assert_uint_eq(json_object_size(r.json), 7);
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		ck_assert_msg(json_object_get(r.json, members[i]), "no %s", members[i]);
	ck_assert_str_eq(jstr(r.json, "status"), "assigned");
	ck_assert_str_eq(jstr(jpath(r.json, "promise", NULL), "kind"), "arrival");
	ck_assert_ptr_nonnull(jstr(r.json, "centre"));
	ck_assert(!json_is_true(jpath(r.json, "rating", "open", NULL)));
	for (int pass = 0; pass < 2; pass++) {
		ck_assert_ptr_null(strstr(r.body, "tech.one"));
		ck_assert_ptr_null(strstr(r.body, "李工程师"));
		ck_assert_ptr_null(strstr(r.body, TECH_PHONE));
		ck_assert_ptr_null(strstr(r.body, CUSTOMER_NAME));
		ck_assert_ptr_null(strstr(r.body, CONTACT_NAME));
		ck_assert_ptr_null(strstr(r.body, CONTACT_PHONE));
		ck_assert_ptr_null(strstr(r.body, "前湾站"));
		if (pass)
			break;
		http_result_free(&r);
		ck_assert_int_eq(http_call("GET", path, NULL, NULL, NULL, 0, html_accept, &r), 200);
		ck_assert_ptr_nonnull(strstr(r.body, "FT-"));
		ck_assert_ptr_null(strstr(r.body, "<script"));
	}
	http_result_free(&r);
	/* An unknown token, of the right shape or not. */
	ck_assert_int_eq(http_get("/track/000000000000000000000000000000000000000000000000", NULL,
				  &r),
			 404);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/track/nope", NULL, &r), 404);
	http_result_free(&r);
}
END_TEST

static long rate(const char *token, const char *body, struct http_result *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/track/%s/rating", token);
	return post_json(path, body, r);
}

START_TEST(rating_comes_after_the_work_once_and_a_low_score_opens_the_complaint)
{
	struct http_result r;
	char token[64], low[64], path[128];

	seed();
	report_by_form(token);
	/* Not done yet. */
	ck_assert_int_eq(rate(token, "{\"satisfaction\":5}", &r), 409);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	exec_sql("UPDATE tickets SET status = 'closed', closed_at = 1, resolved_at = 1");
	/* Bad scores are 400 and take nothing. */
	ck_assert_int_eq(rate(token, "{\"satisfaction\":6}", &r), 400);
	assert_problem(&r, 400, "/satisfaction");
	http_result_free(&r);
	ck_assert_int_eq(rate(token, "{\"satisfaction\":5,\"extra\":1}", &r), 400);
	assert_problem(&r, 400, "/extra");
	http_result_free(&r);
	ck_assert_int_eq(rate(token, "{\"satisfaction\":5,\"comment\":\"很好 great\"}", &r), 200);
	ck_assert_int_eq(jint(jpath(r.json, "rating", NULL), "satisfaction"), 5);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE satisfaction = 5"
				    " AND feedback = '很好 great'"),
			 1);
	ck_assert_int_eq(rate(token, "{\"satisfaction\":4}", &r), 409);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE parent_id IS NOT NULL"), 0);

	/* A second report, resolved, rated 1 through the form: the complaint. */
	report_by_form(low);
	exec_sql("UPDATE tickets SET status = 'resolved', resolved_at = 1 WHERE status = 'routed'");
	snprintf(path, sizeof(path), "/track/%s/rating", low);
	ck_assert_int_eq(post_form(path, "satisfaction=1&comment=too+slow", &r), 303);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets c JOIN ticket_tracking k"
				    " ON k.ticket_id = c.parent_id WHERE c.category = 'complaint'"
				    " AND c.subcategory = 'service_complaint'"
				    " AND c.description = 'too slow'"),
			 1);
	ck_assert_int_eq(post_form(path, "satisfaction=1", &r), 409);
	http_result_free(&r);
	ck_assert_int_eq(rate("000000000000000000000000000000000000000000000000",
			      "{\"satisfaction\":5}", &r),
			 404);
	http_result_free(&r);
}
END_TEST

START_TEST(forged_and_retired_codes_cannot_report)
{
	struct http_result r;
	char path[128], forged[QR_CODE_MAX];
	size_t n;

	seed();
	snprintf(forged, sizeof(forged), "%s", code);
	n = strlen(forged);
	forged[n - 1] = forged[n - 1] == 'A' ? 'B' : 'A';
	report_path(forged, path, sizeof(path));
	ck_assert_int_eq(post_json(path, good_json, &r), 404);
	http_result_free(&r);
	/* Relabelled: the old code is retired. */
	exec_sql("UPDATE labels SET revoked_at = 1 WHERE asset_id = 1 AND generation = 1;"
		 "INSERT INTO labels(asset_id, generation, key_id, issued_at) VALUES"
		 " (1, 2, (SELECT max(key_id) FROM qr_keys WHERE active = 1), 0)");
	report_path(code, path, sizeof(path));
	ck_assert_int_eq(post_json(path, good_json, &r), 404);
	ck_assert_ptr_null(strstr(r.body, CUSTOMER_NAME));
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 0);
}
END_TEST

START_TEST(the_honeypot_pretends_and_stores_nothing)
{
	struct http_result r;
	char path[128];

	seed();
	report_path(code, path, sizeof(path));
	ck_assert_int_eq(post_form(path,
				   "category=fault_repair&description=x&contact_name=a"
				   "&contact_phone=13912345678&website=http%3A%2F%2Fspam",
				   &r),
			 303);
	http_result_free(&r);
	ck_assert_int_eq(post_json(path,
				   "{\"category\":\"fault_repair\",\"description\":\"x\","
				   "\"contact_name\":\"a\",\"contact_phone\":\"1\",\"website\":\"x\"}",
				   &r),
			 201);
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_tracking"), 0);
}
END_TEST

START_TEST(bad_fields_are_400_naming_them_and_store_nothing)
{
	struct http_result r;
	char path[128], *big;
	size_t n = 2100;
	json_t *body;

	seed();
	report_path(code, path, sizeof(path));
	ck_assert_int_eq(post_json(path, "{\"category\":\"fault_repair\",\"description\":\"x\","
					 "\"contact_name\":\"a\"}",
				   &r),
			 400);
	assert_problem(&r, 400, "/contact_phone");
	http_result_free(&r);
	ck_assert_int_eq(post_json(path, "{\"category\":\"complaint\",\"description\":\"x\","
					 "\"contact_name\":\"a\",\"contact_phone\":\"13912345678\"}",
				   &r),
			 400);
	assert_problem(&r, 400, "/category");
	http_result_free(&r);
	ck_assert_int_eq(post_json(path, "{\"category\":\"nonsense\",\"description\":\"x\","
					 "\"contact_name\":\"a\",\"contact_phone\":\"13912345678\"}",
				   &r),
			 400);
	assert_problem(&r, 400, "/category");
	http_result_free(&r);
	ck_assert_int_eq(post_json(path, "{\"category\":\"fault_repair\",\"description\":\"x\","
					 "\"contact_name\":\"a\",\"contact_phone\":\"13912345678\","
					 "\"customer_id\":2}",
				   &r),
			 400);
	assert_problem(&r, 400, "/customer_id");
	http_result_free(&r);
	ck_assert_int_eq(post_json(path, "{\"category\":\"fault_repair\",\"description\":\"  \","
					 "\"contact_name\":\"a\",\"contact_phone\":\"call me\"}",
				   &r),
			 400);
	assert_problem(&r, 400, "/description");
	assert_problem(&r, 400, "/contact_phone");
	http_result_free(&r);
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	big[n] = '\0';
	body = json_pack("{s:s, s:s, s:s, s:s}", "category", "fault_repair", "description", big,
			 "contact_name", "a", "contact_phone", "13912345678");
	free(big);
	ck_assert_int_eq(http_send_body("POST", path, NULL, body, &r), 400);
	assert_problem(&r, 400, "/description");
	http_result_free(&r);
	ck_assert_int_eq(http_call("POST", path, NULL, "text/plain", "x", 1, NULL, &r), 415);
	http_result_free(&r);
	/* The form answers the page again, the message next to the field. */
	ck_assert_int_eq(post_form(path, "category=fault_repair&description=x&contact_name=a",
				   &r),
			 400);
	ck_assert_ptr_nonnull(strstr(r.body, "id=\"contact_phone-err\""));
	ck_assert_ptr_nonnull(strstr(r.body, "<form"));
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 0);
}
END_TEST

START_TEST(an_oversized_body_is_413)
{
	struct http_result r;
	char path[128];
	size_t n = 9000;
	char *big = malloc(n + 1);

	seed();
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	memcpy(big, "description=", 12);
	big[n] = '\0';
	report_path(code, path, sizeof(path));
	ck_assert_int_eq(post_form(path, big, &r), 413);
	free(big);
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 0);
}
END_TEST

static void assert_limited(const struct http_result *r)
{
	char v[32];

	ck_assert_ptr_nonnull(http_header(r, "Retry-After", v, sizeof(v)));
	ck_assert_int_ge(atoi(v), 1);
	assert_problem(r, 429, NULL);
}

START_TEST(each_unit_has_its_own_limit)
{
	struct http_result r;
	char path[128];

	seed();
	report_path(code, path, sizeof(path));
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(post_json(path, good_json, &r), 201);
		http_result_free(&r);
	}
	ck_assert_int_eq(post_json(path, good_json, &r), 429);
	assert_limited(&r);
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 3);
}
END_TEST

static void tune_address(struct config *cfg)
{
	cfg->rate_window_s = 60;
	cfg->rate_report = 2;
	cfg->rate_report_code = 100;
}

START_TEST(each_address_has_its_limit)
{
	struct http_result r;
	char path[128];

	harness_restart_with(tune_address);
	seed();
	report_path(code, path, sizeof(path));
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(post_json(path, good_json, &r), 201);
		http_result_free(&r);
	}
	ck_assert_int_eq(post_json(path, good_json, &r), 429);
	assert_limited(&r);
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 2);
}
END_TEST

/* --- photos with the report (multipart/form-data) ------------------------- */

/* A real 2x2 PNG (libpng reads its header) with CR LF and NUL bytes in it. */
static const unsigned char png_2x2[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
	0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd,
	0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x13, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
	0xcf, 0xc0, 0x00, 0x44, 0x0c, 0x0c, 0xbc, 0x5c, 0x40, 0x04, 0x00, 0x17, 0x84, 0x02, 0x2d,
	0xa9, 0x2b, 0x16, 0x20, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60,
	0x82
};
/* JPEG by its first bytes, with a would-be boundary line inside. */
static const unsigned char jpeg_ish[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F',
					  0x00, '\r', '\n', '-', '-', 'x', '\r', '\n', 0x00, 0xff,
					  0xd9 };

#define N_TEXT 5
static const struct form_part text_parts[N_TEXT] = {
	{ .name = "category", .value = "fault_repair" },
	{ .name = "description", .value = "报警 E-07" },
	{ .name = "contact_name", .value = CONTACT_NAME },
	{ .name = "contact_phone", .value = CONTACT_PHONE },
	{ .name = "website", .value = "" },
};

/* The text fields and then the photos (data, len, type) in parts. */
static size_t with_photos(struct form_part *parts, const struct form_part *photos, size_t n)
{
	memcpy(parts, text_parts, sizeof(text_parts));
	for (size_t i = 0; i < n; i++)
		parts[N_TEXT + i] = photos[i];
	return N_TEXT + n;
}

static struct form_part photo(const void *data, size_t len, const char *type)
{
	return (struct form_part){ .name = "photo", .data = data, .len = len,
				   .filename = "IMG_0001.jpg", .type = type };
}

static const char *const accept_json[] = { "Accept: application/json", NULL };

/* Files under the data directory's objects/ (two levels: ab/cdef…). */
static int object_files(void)
{
	char dir[600], sub[900];
	struct dirent *d, *f;
	DIR *top, *inner;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/data/objects", H.dir);
	top = opendir(dir);
	if (!top)
		return 0;
	while ((d = readdir(top))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		inner = opendir(sub);
		while (inner && (f = readdir(inner)))
			n += f->d_name[0] != '.';
		if (inner)
			closedir(inner);
	}
	closedir(top);
	return n;
}

static void assert_nothing_stored(void)
{
	ck_assert_int_eq(ticket_count(), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_tracking"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 0);
	ck_assert_int_eq(object_files(), 0);
}

/* The object's bytes are exactly data. */
static void assert_object(const char *sha256, const void *data, size_t len)
{
	char path[1024];
	unsigned char *got = malloc(len + 1);
	FILE *f;

	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(objects_path(sha256, path, sizeof(path)), 0);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(got, 1, len + 1, f), len);
	fclose(f);
	ck_assert_int_eq(memcmp(got, data, len), 0);
	free(got);
}

START_TEST(photos_are_stored_as_the_tickets_attachments)
{
	struct form_part parts[N_TEXT + 3], photos[2];
	struct http_result r;
	char path[128], url[160], loc[256];
	char *disp;
	json_t *list;
	size_t n;

	seed();
	report_path(code, path, sizeof(path));
	photos[0] = photo(jpeg_ish, sizeof(jpeg_ish), "image/jpeg");
	photos[1] = photo(png_2x2, sizeof(png_2x2), "image/png");
	n = with_photos(parts, photos, 2);
	/* A browser's form: 303 to the tracking page. */
	ck_assert_int_eq(http_post_multipart(path, parts, n, NULL, &r), 303);
	ck_assert_ptr_nonnull(http_header(&r, "Location", loc, sizeof(loc)));
	ck_assert_int_eq(strncmp(loc, "/track/", 7), 0);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE description = '报警 E-07'"
				    " AND channel = 'qr'"
				    " AND contact_phone = '" CONTACT_PHONE "'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments WHERE kind = 'photo'"
				    " AND uploaded_by IS NULL AND work_record = 0"),
			 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events"
				    " WHERE action = 'attachment'"),
			 2);
	/* Staff see them on the ticket, with the right bytes and types. */
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	snprintf(url, sizeof(url), "/v1/tickets/%lld/attachments",
		 (long long)count_rows("SELECT max(id) FROM tickets"));
	ck_assert_int_eq(http_json("GET", url, disp, NULL, &r), 200);
	list = json_object_get(r.json, "items");
	ck_assert_uint_eq(json_array_size(list), 2);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "media_type"), "image/jpeg");
	ck_assert_str_eq(jstr(json_array_get(list, 1), "media_type"), "image/png");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(list, 1), "size")),
			 (json_int_t)sizeof(png_2x2));
	ck_assert(json_is_null(
	    json_object_get(json_object_get(json_array_get(list, 0), "uploaded_by"), "id")));
	assert_object(jstr(json_array_get(list, 0), "sha256"), jpeg_ish, sizeof(jpeg_ish));
	assert_object(jstr(json_array_get(list, 1), "sha256"), png_2x2, sizeof(png_2x2));
	http_result_free(&r);
	free(disp);
	/* The tracking page does not show them back. */
	ck_assert_int_eq(http_call("GET", loc, NULL, NULL, NULL, 0, NULL, &r), 200);
	ck_assert_ptr_null(strstr(r.body, "<img"));
	ck_assert_ptr_null(strstr(r.body, "attachments"));
	http_result_free(&r);
}
END_TEST

START_TEST(an_app_sends_multipart_and_gets_json)
{
	struct form_part parts[N_TEXT + 3], photos[3];
	struct http_result r;
	char path[128];
	size_t n;

	seed();
	report_path(code, path, sizeof(path));
	for (int i = 0; i < 3; i++)
		photos[i] = photo(png_2x2, sizeof(png_2x2), "image/png");
	n = with_photos(parts, photos, 3);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 201);
	ck_assert_uint_eq(strlen(jstr(r.json, "token")), 48);
	http_result_free(&r);
	/* Three rows, one object: the same bytes are kept once. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 3);
	ck_assert_int_eq(object_files(), 1);
	/* No photos at all is a report too. */
	ck_assert_int_eq(http_post_multipart(path, text_parts, N_TEXT, accept_json, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 2);
}
END_TEST

START_TEST(photo_abuse_is_refused_and_stores_nothing)
{
	struct form_part parts[N_TEXT + 4], photos[4];
	struct http_result r;
	char path[128];
	unsigned char *big = calloc(1, SELFSERVICE_PHOTO_MAX_TEST + 1);
	size_t n;

	seed();
	ck_assert_ptr_nonnull(big);
	report_path(code, path, sizeof(path));
	/* Four photos: 400 naming photo. */
	for (int i = 0; i < 4; i++)
		photos[i] = photo(jpeg_ish, sizeof(jpeg_ish), "image/jpeg");
	n = with_photos(parts, photos, 4);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 400);
	assert_problem(&r, 400, "/photo");
	http_result_free(&r);
	assert_nothing_stored();
	/* Not a JPEG or PNG by its bytes, whatever it says it is. */
	photos[0] = photo("GIF89a\x01\x00\x01\x00", 10, "image/jpeg");
	n = with_photos(parts, photos, 1);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 400);
	assert_problem(&r, 400, "/photo");
	http_result_free(&r);
	/* A PNG signature on a broken header. */
	photos[0] = photo(png_2x2, 20, "image/png");
	n = with_photos(parts, photos, 1);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 400);
	assert_problem(&r, 400, "/photo");
	http_result_free(&r);
	/* The form's page names the field and keeps what was typed. */
	photos[0] = photo("GIF89a\x01\x00\x01\x00", 10, "image/gif");
	n = with_photos(parts, photos, 1);
	ck_assert_int_eq(http_post_multipart(path, parts, n, NULL, &r), 400);
	ck_assert_ptr_nonnull(strstr(r.body, "id=\"photo-err\""));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"" CONTACT_NAME "\""));
	ck_assert_ptr_nonnull(strstr(r.body, "报警 E-07</textarea>"));
	ck_assert_ptr_nonnull(strstr(r.body, "enctype=\"multipart/form-data\""));
	http_result_free(&r);
	/* A file under another name. */
	photos[0] = photo(png_2x2, sizeof(png_2x2), "image/png");
	photos[0].name = "avatar";
	n = with_photos(parts, photos, 1);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 400);
	assert_problem(&r, 400, "/avatar");
	http_result_free(&r);
	/* Over 5 MiB: 413 naming photo, as JSON and as the form again. */
	memcpy(big, png_2x2, sizeof(png_2x2));
	photos[0] = photo(big, SELFSERVICE_PHOTO_MAX_TEST + 1, "image/png");
	n = with_photos(parts, photos, 1);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 413);
	assert_problem(&r, 413, "/photo");
	http_result_free(&r);
	ck_assert_int_eq(http_post_multipart(path, parts, n, NULL, &r), 413);
	ck_assert_ptr_nonnull(strstr(r.body, "id=\"photo-err\""));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"" CONTACT_PHONE "\""));
	http_result_free(&r);
	/* Over 16 MiB in all: 413 before the body is taken apart. */
	for (int i = 0; i < 4; i++)
		photos[i] = photo(big, SELFSERVICE_PHOTO_MAX_TEST - 1000 * 1000, "image/jpeg");
	n = with_photos(parts, photos, 4);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 413);
	http_result_free(&r);
	assert_nothing_stored();
	free(big);
}
END_TEST

START_TEST(a_broken_multipart_body_is_400)
{
	struct form_part parts[2];
	struct http_result r;
	char path[128];

	seed();
	report_path(code, path, sizeof(path));
	/* Not multipart inside: no boundary, no parts. */
	ck_assert_int_eq(http_call("POST", path, NULL, "multipart/form-data", "x", 1, accept_json,
				   &r),
			 400);
	assert_problem(&r, 400, "");
	http_result_free(&r);
	ck_assert_int_eq(http_call("POST", path, NULL, "multipart/form-data; boundary=zz",
				   "garbage\r\n", 9, accept_json, &r),
			 400);
	assert_problem(&r, 400, "");
	http_result_free(&r);
	/* A field given twice. */
	parts[0] = text_parts[0];
	parts[1] = text_parts[0];
	ck_assert_int_eq(http_post_multipart(path, parts, 2, accept_json, &r), 400);
	assert_problem(&r, 400, "/category");
	http_result_free(&r);
	assert_nothing_stored();
}
END_TEST

START_TEST(the_honeypot_and_forged_codes_with_photos_store_nothing)
{
	struct form_part parts[N_TEXT + 1], photos[1];
	struct http_result r;
	char path[128], forged[QR_CODE_MAX];
	size_t n;

	seed();
	report_path(code, path, sizeof(path));
	/* The honeypot with photos: the answer a report gets, nothing kept. */
	photos[0] = photo(png_2x2, sizeof(png_2x2), "image/png");
	n = with_photos(parts, photos, 1);
	parts[4].value = "http://spam.example";
	ck_assert_int_eq(http_post_multipart(path, parts, n, NULL, &r), 303);
	http_result_free(&r);
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 201);
	http_result_free(&r);
	assert_nothing_stored();
	/* A forged code with photos: 404, nothing kept. */
	n = with_photos(parts, photos, 1);
	snprintf(forged, sizeof(forged), "%s", code);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
	report_path(forged, path, sizeof(path));
	ck_assert_int_eq(http_post_multipart(path, parts, n, accept_json, &r), 404);
	http_result_free(&r);
	assert_nothing_stored();
}
END_TEST

START_TEST(only_the_nameplate_report_enters_as_qr)
{
	struct http_result r;
	char *disp;

	seed();
	disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	/* Staff and apps may not claim the channel. */
	ck_assert_int_eq(http_json("POST", "/v1/tickets", disp,
				   "{\"channel\":\"qr\",\"category\":\"repair\",\"title\":\"x\","
				   "\"impact\":\"unit\",\"urgency\":\"low\",\"asset_id\":1}",
				   &r),
			 400);
	assert_problem(&r, 400, "/channel");
	http_result_free(&r);
	ck_assert_int_eq(ticket_count(), 0);
	/* A report is qr, and the list filters by it. */
	ck_assert_int_eq(post_json("/id/x/report", good_json, &r), 404);
	http_result_free(&r);
	{
		char path[128];

		report_path(code, path, sizeof(path));
		ck_assert_int_eq(post_json(path, good_json, &r), 201);
		http_result_free(&r);
	}
	ck_assert_int_eq(http_json("GET", "/v1/tickets?channel=qr", disp, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 0), "channel"),
			 "qr");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_tracking WHERE source = 'qr'"), 1);
	free(disp);
}
END_TEST

Suite *selfservice_suite(void)
{
	Suite *s = suite_create("selfservice");
	TCase *tc = tcase_create("selfservice");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, a_form_report_is_a_routed_ticket_with_deadlines);
	tcase_add_test(tc, a_json_report_answers_201_with_the_link);
	tcase_add_test(tc, the_nameplate_carries_the_form_under_a_strict_csp);
	tcase_add_test(tc, tracking_shows_only_the_allowed_facts);
	tcase_add_test(tc, rating_comes_after_the_work_once_and_a_low_score_opens_the_complaint);
	tcase_add_test(tc, forged_and_retired_codes_cannot_report);
	tcase_add_test(tc, the_honeypot_pretends_and_stores_nothing);
	tcase_add_test(tc, bad_fields_are_400_naming_them_and_store_nothing);
	tcase_add_test(tc, an_oversized_body_is_413);
	tcase_add_test(tc, each_unit_has_its_own_limit);
	tcase_add_test(tc, each_address_has_its_limit);
	tcase_add_test(tc, photos_are_stored_as_the_tickets_attachments);
	tcase_add_test(tc, an_app_sends_multipart_and_gets_json);
	tcase_add_test(tc, photo_abuse_is_refused_and_stores_nothing);
	tcase_add_test(tc, a_broken_multipart_body_is_400);
	tcase_add_test(tc, the_honeypot_and_forged_codes_with_photos_store_nothing);
	tcase_add_test(tc, only_the_nameplate_report_enters_as_qr);
	suite_add_tcase(s, tc);
	return s;
}
