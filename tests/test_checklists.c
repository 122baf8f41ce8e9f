/* Checklists and the customer's sign-off on the job, over HTTPS: a job
 * keeps the version it started with, the most specific template applies,
 * an out-of-limit reading is stored and flagged, bad answers are named and
 * store nothing, an offline replay with the same Idempotency-Key stores
 * once (directly and through the sync batch), resolve waits for the
 * required items, a contract that requires the sign-off refuses resolve
 * and close without it, and the service report PDF holds both languages,
 * the unit, the readings and the signature. */
#include <cairo.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <sqlite3.h>

#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "domain/channels.h"
#include "domain/delivery.h"
#include "harness.h"
#include "receiver.h"
#include "suites.h"

#define UUID_SIG "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define UUID_JPG "6b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
#define UUID_TINY "7c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f"

/* ---- the world ----------------------------------------------------------------- */

struct world {
	char *admin, *disp, *tech, *other;
	int64_t tech_id;
};

static void world_up(struct world *w)
{
	harness_seed_sz_unit();
	exec_sql("UPDATE assets SET serial = 'SN-SZ-0042' WHERE id = 1;"
		 "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
		 " (2, 'VS1-12', 'VS1 断路器', 'switchgear', 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " created_at, updated_at) VALUES (2, 'SN-SZ-0043', 2, 1, 1, '/CN/GD/SZ/', 0, 0);");
	w->admin = harness_user_token("admin.cn", "admin", NULL, NULL);
	w->disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	w->tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	w->other = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	w->tech_id = harness_user_id("tech.sz");
}

static void world_down(struct world *w)
{
	free(w->admin);
	free(w->disp);
	free(w->tech);
	free(w->other);
}

static json_t *act(const char *token, int64_t id, const char *action, json_t *extra, long want)
{
	char path[64];
	json_t *body = extra ? extra : json_object();

	json_object_set_new(body, "action", json_string(action));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	return http_expect_json("POST", path, token, body, want);
}

/* A repair request on the unit, with the technician on site. */
static int64_t job_on_site(const struct world *w, int64_t asset)
{
	json_t *doc =
	    http_expect_json("POST", "/v1/tickets", w->disp,
			     json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "channel", "app",
				       "category", "repair", "title", "断路器拒合", "asset_id",
				       (json_int_t)asset, "impact", "site", "urgency", "high"),
			     201);
	int64_t id = jint(doc, "id");

	json_decref(doc);
	json_decref(act(w->disp, id, "assign",
			json_pack("{s:I}", "assignee_id", (json_int_t)w->tech_id), 200));
	json_decref(act(w->tech, id, "accept", NULL, 200));
	json_decref(act(w->tech, id, "depart", NULL, 200));
	json_decref(act(w->tech, id, "arrive",
			json_pack("{s:f, s:f}", "latitude", 22.5001, "longitude", 113.9001), 200));
	return id;
}

static json_t *resolve_body(void)
{
	return json_pack("{s:{s:s, s:s, s:i}}", "work", "cause", "合闸线圈烧毁", "actions",
			 "更换合闸线圈", "minutes_spent", 90);
}

/* Every kind: a yes/no, a number with limits, free text, a photo. */
static json_t *items_v1(void)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:b}, {s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:i},"
			 " {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:b}]",
			 "id", "breaker_closes", "kind", "yes_no", "label", "断路器合闸正常",
			 "label_en", "Breaker closes", "required", 1, "id", "contact_resistance",
			 "kind", "number", "label", "回路电阻", "label_en", "Contact resistance",
			 "required", 1, "unit", "µΩ", "min", 0, "max", 100, "id", "remarks", "kind",
			 "text", "label", "备注", "label_en", "Remarks", "id", "cabinet_photo",
			 "kind", "photo", "label", "柜体照片", "label_en", "Cabinet photo",
			 "required", 0);
}

static int64_t template_for_model(const struct world *w, int64_t model, json_t *items)
{
	json_t *doc = http_expect_json("POST", "/v1/checklists", w->admin,
				       json_pack("{s:s, s:I, s:o}", "name", "开关柜检修检查表",
						 "model_id", (json_int_t)model, "items", items),
				       201);
	int64_t id = jint(doc, "id");

	ck_assert_int_eq(jint(doc, "version"), 1);
	json_decref(doc);
	return id;
}

static long answer(const char *token, int64_t ticket, const char *item, json_t *body,
		   const char *key, struct http_result *r)
{
	char path[128], header[300];
	const char *headers[] = { header, NULL };
	char *text = json_dumps(body, JSON_COMPACT);
	long status;

	snprintf(path, sizeof(path), "/v1/tickets/%lld/checklist/items/%s", (long long)ticket,
		 item);
	snprintf(header, sizeof(header), "Idempotency-Key: %s", key ? key : "");
	status = http_call("PUT", path, token, "application/json", text, strlen(text),
			   key ? headers : NULL, r);
	free(text);
	json_decref(body);
	return status;
}

static void answer_ok(const char *token, int64_t ticket, const char *item, json_t *body)
{
	struct http_result r;

	ck_assert_int_eq(answer(token, ticket, item, body, NULL, &r), 200);
	http_result_free(&r);
}

static json_t *checklist_of(const char *token, int64_t ticket)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/tickets/%lld/checklist", (long long)ticket);
	return http_get_json(path, token, 200);
}

/* ---- images ------------------------------------------------------------------------- */

struct blob {
	unsigned char *data;
	size_t len;
};

static cairo_status_t blob_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct blob *b = closure;

	b->data = realloc(b->data, b->len + length);
	memcpy(b->data + b->len, data, length);
	b->len += length;
	return CAIRO_STATUS_SUCCESS;
}

/* A drawn signature: a stroke on a transparent w x h canvas. */
static struct blob signature_png(int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr = cairo_create(s);
	struct blob b = { 0 };

	cairo_set_line_width(cr, 3);
	cairo_move_to(cr, w * 0.1, h * 0.7);
	cairo_curve_to(cr, w * 0.3, h * 0.1, w * 0.6, h * 0.9, w * 0.9, h * 0.3);
	cairo_stroke(cr);
	cairo_destroy(cr);
	cairo_surface_write_to_png_stream(s, blob_write, &b);
	cairo_surface_destroy(s);
	return b;
}

/* A real JPEG photo (a gradient) from libjpeg. */
static struct blob photo_jpeg(int w, int h)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *out = NULL, *row = malloc((size_t)w * 3);
	unsigned long len = 0;
	struct blob b;

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &len);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW rows[1] = { row };

		for (int x = 0; x < w; x++) {
			row[3 * x] = (unsigned char)(x * 255 / w);
			row[3 * x + 1] = (unsigned char)(c.next_scanline * 255 / (unsigned)h);
			row[3 * x + 2] = 128;
		}
		jpeg_write_scanlines(&c, rows, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	b.data = malloc(len);
	memcpy(b.data, out, len);
	b.len = len;
	free(out);
	return b;
}

static void upload(const char *token, int64_t ticket, const char *uuid, const char *type,
		   struct blob b)
{
	struct http_result r;
	char path[128];

	snprintf(path, sizeof(path), "/v1/tickets/%lld/attachments/%s", (long long)ticket, uuid);
	ck_assert_int_eq(http_call("PUT", path, token, type, (const char *)b.data, b.len, NULL, &r),
			 201);
	http_result_free(&r);
	free(b.data);
}

/* Signed half an hour before the server's clock (harness_set_today:
 * 2026-06-01 12:00 UTC). */
static json_t *signoff_body(const char *uuid)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:f, s:f}", "signer_name", "王建国", "signer_role",
			 "变电站站长 Station manager", "signature_attachment_id", uuid, "signed_at",
			 "2026-06-01T11:30:00Z", "lat", 22.5002, "lon", 113.9002);
}

static void signoff_path(char *out, size_t size, int64_t ticket)
{
	snprintf(out, size, "/v1/tickets/%lld/signoff", (long long)ticket);
}

/* A service contract on unit 1 whose entitlement requires the sign-off
 * (the unit out of factory warranty, so the contract applies). */
static void contract_requiring_signoff(const struct world *w)
{
	json_t *doc;
	char path[64];

	exec_sql("UPDATE assets SET warranty_start = '2020-01-01', warranty_months = 24,"
		 " warranty_end = '2022-01-01' WHERE id = 1");
	doc =
	    http_expect_json("POST", "/v1/contracts", w->admin,
			     json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:[i], s:{s:b}}", "number",
				       "SC-2026-SIGN", "customer_id", 1, "start_date", "2026-01-01",
				       "end_date", "2027-12-31", "price_minor", 1000000, "currency",
				       "CNY", "units", 1, "entitlements", "signoff_required", 1),
			     201);
	snprintf(path, sizeof(path), "/v1/contracts/%lld/activate", (long long)jint(doc, "id"));
	json_decref(doc);
	json_decref(http_expect_json("POST", path, w->admin, NULL, 200));
}

static void answer_required(const struct world *w, int64_t id, int resistance)
{
	answer_ok(w->tech, id, "breaker_closes", json_pack("{s:b}", "value", 1));
	answer_ok(w->tech, id, "contact_resistance",
		  json_pack("{s:i, s:s}", "value", resistance, "note", "B 相偏高"));
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(a_job_keeps_the_version_it_started_with)
{
	struct world w;
	int64_t tpl, first, second;
	json_t *doc, *items;
	char path[64];

	world_up(&w);
	tpl = template_for_model(&w, 1, items_v1());
	first = job_on_site(&w, 1);
	doc = checklist_of(w.tech, first);
	ck_assert_int_eq(jint(json_object_get(doc, "template"), "version"), 1);
	ck_assert(json_is_false(jpath(doc, "template", "pinned", NULL)));
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 4);
	ck_assert(has_string(json_object_get(doc, "missing_items"), "breaker_closes"));
	json_decref(doc);
	answer_ok(w.tech, first, "breaker_closes", json_pack("{s:b}", "value", 1));
	/* Version 2 adds a torque reading; the started job keeps version 1. */
	items = items_v1();
	json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:b, s:s, s:i, s:i}", "id",
					       "bolt_torque", "kind", "number", "label", "螺栓力矩",
					       "required", 1, "unit", "N·m", "min", 40, "max", 60));
	snprintf(path, sizeof(path), "/v1/checklists/%lld/versions", (long long)tpl);
	doc = http_expect_json("POST", path, w.admin, json_pack("{s:o}", "items", items), 201);
	ck_assert_int_eq(jint(doc, "version"), 2);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 5);
	json_decref(doc);
	doc = checklist_of(w.tech, first);
	ck_assert_int_eq(jint(json_object_get(doc, "template"), "version"), 1);
	ck_assert(json_is_true(jpath(doc, "template", "pinned", NULL)));
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 4);
	json_decref(doc);
	{ /* an item of version 2 only is unknown to the started job */
		struct http_result r;

		ck_assert_int_eq(
		    answer(w.tech, first, "bolt_torque", json_pack("{s:i}", "value", 50), NULL, &r),
		    400);
		assert_problem(&r, 400, "item_id");
		http_result_free(&r);
	}
	second = job_on_site(&w, 1);
	doc = checklist_of(w.tech, second);
	ck_assert_int_eq(jint(json_object_get(doc, "template"), "version"), 2);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 5);
	json_decref(doc);
	/* A published version never changes, even by SQL. */
	ck_assert_int_ne(sqlite3_exec(db_handle(H.db), "UPDATE checklist_versions SET items = '[]'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	doc = http_get_json("/v1/checklists", w.tech, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	json_decref(doc);
	world_down(&w);
}
END_TEST

START_TEST(the_most_specific_template_applies)
{
	struct world w;
	int64_t by_category, by_model, both, id;
	json_t *doc;

	world_up(&w);
	doc = http_expect_json("POST", "/v1/checklists", w.admin,
			       json_pack("{s:s, s:s, s:o}", "name", "维修通用", "category",
					 "repair", "items", items_v1()),
			       201);
	by_category = jint(doc, "id");
	ck_assert(json_is_null(json_object_get(doc, "model")));
	json_decref(doc);
	id = job_on_site(&w, 2); /* model 2 has no template of its own */
	doc = checklist_of(w.tech, id);
	ck_assert_int_eq(jint(json_object_get(doc, "template"), "id"), by_category);
	json_decref(doc);
	by_model = template_for_model(&w, 1, items_v1());
	id = job_on_site(&w, 1);
	doc = checklist_of(w.tech, id);
	ck_assert_int_eq(jint(json_object_get(doc, "template"), "id"), by_model);
	json_decref(doc);
	doc = http_expect_json("POST", "/v1/checklists", w.admin,
			       json_pack("{s:s, s:i, s:s, s:o}", "name", "KYN28 维修", "model_id",
					 1, "category", "repair", "items", items_v1()),
			       201);
	both = jint(doc, "id");
	json_decref(doc);
	doc = checklist_of(w.tech, id);
	ck_assert_int_eq(jint(json_object_get(doc, "template"), "id"), both);
	json_decref(doc);
	/* Bad templates are named and store nothing. */
	http_expect_invalid("POST", "/v1/checklists", w.admin,
			    "{\"name\": \"x\", \"items\": [{\"id\": \"a\", \"kind\": \"yes_no\","
			    " \"label\": \"A\"}]}",
			    "/model_id");
	http_expect_invalid("POST", "/v1/checklists", w.admin,
			    "{\"name\": \"x\", \"model_id\": 1, \"items\": [{\"id\": \"a\","
			    " \"kind\": \"dial\", \"label\": \"A\"}]}",
			    "/items/0/kind");
	http_expect_invalid("POST", "/v1/checklists", w.admin,
			    "{\"name\": \"x\", \"model_id\": 1, \"items\": [{\"id\": \"a\","
			    " \"kind\": \"number\", \"label\": \"A\", \"min\": 5, \"max\": 1}]}",
			    "/items/0/min");
	http_expect_invalid("POST", "/v1/checklists", w.admin,
			    "{\"name\": \"x\", \"model_id\": 1, \"items\": [{\"id\": \"a\","
			    " \"kind\": \"text\", \"label\": \"A\"}, {\"id\": \"a\","
			    " \"kind\": \"text\", \"label\": \"B\"}]}",
			    "/items/1/id");
	http_expect_invalid("POST", "/v1/checklists", w.admin,
			    "{\"name\": \"x\", \"model_id\": 99, \"items\": [{\"id\": \"a\","
			    " \"kind\": \"text\", \"label\": \"A\"}]}",
			    "/model_id");
	http_expect_invalid("POST", "/v1/checklists/1/versions", w.admin,
			    "{\"items\": [{\"id\": \"a b\", \"kind\": \"text\","
			    " \"label\": \"A\"}]}",
			    "/items/0/id");
	http_expect_invalid("POST", "/v1/checklists/1/versions", w.admin,
			    "{\"items\": [{\"id\": \"a\", \"kind\": \"yes_no\","
			    " \"label\": \"A\", \"unit\": \"V\"}]}",
			    "/items/0/unit");
	http_expect_invalid("POST", "/v1/checklists/1/versions", w.admin, "{\"items\": []}",
			    "/items");
	http_expect("POST", "/v1/checklists/999/versions", w.admin,
		    "{\"items\": [{\"id\": \"a\", \"kind\": \"text\", \"label\": \"A\"}]}", 404);
	http_expect("GET", "/v1/checklists/999", w.tech, NULL, 404);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM checklist_templates"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM checklist_versions"), 3);
	http_expect("POST", "/v1/checklists", w.disp,
		    "{\"name\": \"x\", \"model_id\": 1, \"items\": []}", 403);
	(void)by_category;
	world_down(&w);
}
END_TEST

START_TEST(an_out_of_limit_reading_is_stored_and_flagged)
{
	struct world w;
	struct http_result r;
	int64_t id;
	json_t *doc, *item;

	world_up(&w);
	template_for_model(&w, 1, items_v1());
	id = job_on_site(&w, 1);
	ck_assert_int_eq(answer(w.tech, id, "contact_resistance",
				json_pack("{s:i, s:s}", "value", 150, "note", "B 相偏高"), NULL,
				&r),
			 200);
	ck_assert(json_is_true(jpath(r.json, "answer", "flagged", NULL)));
	ck_assert_int_eq(json_integer_value(jpath(r.json, "answer", "value", NULL)), 150);
	ck_assert_str_eq(jstr(r.json, "unit"), "µΩ");
	http_result_free(&r);
	doc = checklist_of(w.disp, id);
	ck_assert_int_eq(asize(json_object_get(doc, "flagged")), 1);
	ck_assert(has_string(json_object_get(doc, "flagged"), "contact_resistance"));
	json_decref(doc);
	/* The ticket shows it too. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)id);
		doc = http_get_json(path, w.disp, 200);
		ck_assert(
		    has_string(jpath(doc, "checklist", "flagged", NULL), "contact_resistance"));
		json_decref(doc);
	}
	/* Within limits: not flagged any more. */
	answer_ok(w.tech, id, "contact_resistance", json_pack("{s:f}", "value", 42.5));
	doc = checklist_of(w.disp, id);
	ck_assert_int_eq(asize(json_object_get(doc, "flagged")), 0);
	item = json_array_get(json_object_get(doc, "items"), 1);
	ck_assert(json_is_false(jpath(item, "answer", "flagged", NULL)));
	json_decref(doc);
	/* Wrong types, unknown items, another technician: named, nothing stored. */
	ck_assert_int_eq(
	    answer(w.tech, id, "contact_resistance", json_pack("{s:s}", "value", "high"), NULL, &r),
	    400);
	assert_problem(&r, 400, "/value");
	http_result_free(&r);
	ck_assert_int_eq(
	    answer(w.tech, id, "breaker_closes", json_pack("{s:i}", "value", 1), NULL, &r), 400);
	assert_problem(&r, 400, "/value");
	http_result_free(&r);
	ck_assert_int_eq(answer(w.tech, id, "cabinet_photo", json_object(), NULL, &r), 400);
	assert_problem(&r, 400, "/attachment_id");
	http_result_free(&r);
	ck_assert_int_eq(answer(w.tech, id, "cabinet_photo",
				json_pack("{s:s}", "attachment_id", UUID_JPG), NULL, &r),
			 400);
	assert_problem(&r, 400, "/attachment_id");
	http_result_free(&r);
	ck_assert_int_eq(
	    answer(w.tech, id, "no_such_item", json_pack("{s:b}", "value", 1), NULL, &r), 400);
	assert_problem(&r, 400, "item_id");
	http_result_free(&r);
	ck_assert_int_eq(answer(w.tech, id, "breaker_closes",
				json_pack("{s:b, s:i}", "value", 1, "colour", 3), NULL, &r),
			 400);
	assert_problem(&r, 400, "/colour");
	http_result_free(&r);
	ck_assert_int_eq(
	    answer(w.other, id, "breaker_closes", json_pack("{s:b}", "value", 1), NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(
	    answer(w.disp, id, "breaker_closes", json_pack("{s:b}", "value", 1), NULL, &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_checklist_answers"), 1);
	/* A photo item takes a photo of the job. */
	upload(w.tech, id, UUID_JPG, "image/jpeg", photo_jpeg(320, 240));
	answer_ok(w.tech, id, "cabinet_photo",
		  json_pack("{s:s, s:s}", "attachment_id", UUID_JPG, "note", "柜门已关"));
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_checklist_answers"), 2);
	world_down(&w);
}
END_TEST

START_TEST(an_offline_replay_with_the_same_key_stores_once)
{
	struct world w;
	struct http_result r;
	char hdr[64], path[96];
	int64_t id;
	json_t *batch, *doc;

	world_up(&w);
	template_for_model(&w, 1, items_v1());
	id = job_on_site(&w, 1);
	/* The phone takes the job's checklist with the job when it syncs. */
	{
		json_t *page = http_get_json("/v1/sync", w.tech, 200), *it, *mine = NULL;
		size_t n;

		json_array_foreach(json_object_get(page, "items"), n, it)
			if (strcmp(jstr(it, "type"), "ticket") == 0 && jint(it, "id") == id)
				mine = json_object_get(it, "data");
		ck_assert_ptr_nonnull(mine);
		ck_assert_int_eq(jint(jpath(mine, "checklist", "template", NULL), "version"), 1);
		ck_assert_int_eq(asize(jpath(mine, "checklist", "items", NULL)), 4);
		json_decref(page);
	}
	ck_assert_int_eq(answer(w.tech, id, "breaker_closes", json_pack("{s:b}", "value", 1),
				"offline-answer-1", &r),
			 200);
	http_result_free(&r);
	ck_assert_int_eq(answer(w.tech, id, "breaker_closes", json_pack("{s:b}", "value", 1),
				"offline-answer-1", &r),
			 200);
	ck_assert_ptr_nonnull(http_header(&r, "Idempotent-Replayed", hdr, sizeof(hdr)));
	http_result_free(&r);
	/* The phone's queue comes back through the sync batch, twice. */
	snprintf(path, sizeof(path), "/v1/tickets/%lld/checklist/items/contact_resistance",
		 (long long)id);
	for (int round = 0; round < 2; round++) {
		batch = json_pack("{s:[{s:s, s:s, s:s, s:{s:i}}]}", "actions", "idempotency_key",
				  "offline-answer-2", "method", "PUT", "path", path, "body",
				  "value", 180);
		doc = http_expect_json("POST", "/v1/sync", w.tech, batch, 200);
		ck_assert_int_eq(jint(json_array_get(json_object_get(doc, "results"), 0), "status"),
				 200);
		ck_assert(json_is_true(jpath(json_array_get(json_object_get(doc, "results"), 0),
					     "body", "answer", "flagged", NULL)));
		ck_assert_int_eq(
		    json_is_true(json_object_get(json_array_get(json_object_get(doc, "results"), 0),
						 "replayed")),
		    round);
		json_decref(doc);
	}
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM ticket_events WHERE action = 'checklist'"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_checklist_answers"), 2);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'ticket.checklist'"), 2);
	world_down(&w);
}
END_TEST

START_TEST(resolve_waits_for_the_required_items)
{
	struct world w;
	struct http_result r;
	char path[64];
	int64_t id;
	json_t *doc;

	world_up(&w);
	template_for_model(&w, 1, items_v1());
	id = job_on_site(&w, 1);
	answer_ok(w.tech, id, "breaker_closes", json_pack("{s:b}", "value", 0));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	doc = resolve_body();
	json_object_set_new(doc, "action", json_string("resolve"));
	ck_assert_int_eq(http_send_json("POST", path, w.tech, doc, &r), 409);
	ck_assert(has_string(json_object_get(r.json, "missing"), "checklist"));
	ck_assert_int_eq(asize(json_object_get(r.json, "missing_items")), 1);
	ck_assert(has_string(json_object_get(r.json, "missing_items"), "contact_resistance"));
	http_result_free(&r);
	answer_ok(w.tech, id, "contact_resistance", json_pack("{s:i}", "value", 30));
	doc = act(w.tech, id, "resolve", resolve_body(), 200);
	ck_assert_str_eq(jstr(doc, "status"), "resolved");
	json_decref(doc);
	/* A resolved job's checklist is closed to answers. */
	ck_assert_int_eq(
	    answer(w.tech, id, "remarks", json_pack("{s:s}", "value", "补充"), NULL, &r), 409);
	http_result_free(&r);
	world_down(&w);
}
END_TEST

START_TEST(a_close_without_the_required_signature_is_409)
{
	struct world w;
	struct http_result r;
	char path[64];
	int64_t id;
	json_t *doc;

	world_up(&w);
	harness_set_today("2026-06-01");
	contract_requiring_signoff(&w);
	template_for_model(&w, 1, items_v1());
	id = job_on_site(&w, 1);
	answer_required(&w, id, 150);
	/* Resolve needs the customer's sign-off under this contract. */
	doc = act(w.tech, id, "resolve", resolve_body(), 409);
	ck_assert(has_string(json_object_get(doc, "missing"), "signoff"));
	ck_assert_int_eq(asize(json_object_get(doc, "missing_items")), 0);
	json_decref(doc);
	doc = checklist_of(w.tech, id);
	ck_assert(json_is_true(json_object_get(doc, "signoff_required")));
	ck_assert(json_is_null(json_object_get(doc, "signoff")));
	json_decref(doc);
	/* A signature is a PNG of sane size, among the job's attachments. */
	signoff_path(path, sizeof(path), id);
	ck_assert_int_eq(http_send_json("POST", path, w.tech, signoff_body(UUID_SIG), &r), 400);
	assert_problem(&r, 400, "/signature_attachment_id");
	http_result_free(&r);
	upload(w.tech, id, UUID_JPG, "image/jpeg", photo_jpeg(640, 480));
	ck_assert_int_eq(http_send_json("POST", path, w.tech, signoff_body(UUID_JPG), &r), 400);
	assert_problem(&r, 400, "/signature_attachment_id");
	http_result_free(&r);
	upload(w.tech, id, UUID_TINY, "image/png", signature_png(8, 8));
	ck_assert_int_eq(http_send_json("POST", path, w.tech, signoff_body(UUID_TINY), &r), 400);
	assert_problem(&r, 400, "/signature_attachment_id");
	http_result_free(&r);
	doc = signoff_body(UUID_SIG);
	json_object_set_new(doc, "lat", json_real(91));
	ck_assert_int_eq(http_send_json("POST", path, w.tech, doc, &r), 400);
	assert_problem(&r, 400, "/lat");
	http_result_free(&r);
	doc = signoff_body(UUID_SIG);
	json_object_set_new(doc, "signed_at", json_string("yesterday"));
	ck_assert_int_eq(http_send_json("POST", path, w.tech, doc, &r), 400);
	assert_problem(&r, 400, "/signed_at");
	http_result_free(&r);
	doc = signoff_body(UUID_SIG);
	json_object_del(doc, "signer_name");
	ck_assert_int_eq(http_send_json("POST", path, w.tech, doc, &r), 400);
	assert_problem(&r, 400, "/signer_name");
	http_result_free(&r);
	ck_assert_int_eq(http_send_json("POST", path, w.disp, signoff_body(UUID_SIG), &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_signoffs"), 0);
	upload(w.tech, id, UUID_SIG, "image/png", signature_png(400, 160));
	doc = http_expect_json("POST", path, w.tech, signoff_body(UUID_SIG), 201);
	ck_assert_int_eq(jint(doc, "visit"), 1);
	ck_assert_str_eq(jstr(doc, "signer_name"), "王建国");
	json_decref(doc);
	/* One per visit. */
	ck_assert_int_eq(http_send_json("POST", path, w.tech, signoff_body(UUID_SIG), &r), 409);
	http_result_free(&r);
	json_decref(act(w.tech, id, "resolve", resolve_body(), 200));
	json_decref(act(w.disp, id, "follow_up", NULL, 200));
	doc = act(w.disp, id, "close", json_pack("{s:i}", "satisfaction", 5), 200);
	ck_assert_str_eq(jstr(doc, "status"), "closed");
	json_decref(doc);
	/* A job resolved before its contract required the sign-off (the
	 * contract's terms changed by the data team, not the API) still
	 * cannot close without it. */
	exec_sql("UPDATE contracts SET signoff_required = 0");
	id = job_on_site(&w, 1);
	answer_required(&w, id, 30);
	json_decref(act(w.tech, id, "resolve", resolve_body(), 200));
	exec_sql("UPDATE contracts SET signoff_required = 1");
	json_decref(act(w.disp, id, "follow_up", NULL, 200));
	doc = act(w.disp, id, "close", json_pack("{s:i}", "satisfaction", 4), 409);
	ck_assert(has_string(json_object_get(doc, "missing"), "signoff"));
	json_decref(doc);
	signoff_path(path, sizeof(path), id);
	upload(w.tech, id, UUID_SIG, "image/png", signature_png(300, 120));
	json_decref(http_expect_json("POST", path, w.tech, signoff_body(UUID_SIG), 201));
	doc = act(w.disp, id, "close", json_pack("{s:i}", "satisfaction", 4), 200);
	ck_assert_str_eq(jstr(doc, "status"), "closed");
	json_decref(doc);
	world_down(&w);
}
END_TEST

/* The PDF's text through pdftotext, its images through pdfimages -list. */
static char *run_tool(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = calloc(1, 1 << 20);
	size_t n = 0;

	ck_assert_ptr_nonnull(p);
	while (n + 1 < (1 << 20)) {
		size_t got = fread(out + n, 1, (1 << 20) - 1 - n, p);

		if (got == 0)
			break;
		n += got;
	}
	ck_assert_int_eq(pclose(p), 0);
	return out;
}

START_TEST(the_service_report_pdf_holds_the_visit)
{
	struct world w;
	struct http_result r;
	char path[64], file[] = "/tmp/ft-report-XXXXXX", cmd[160], type[64];
	int64_t id;
	int fd, images = 0;
	char *text, *list, *line;

	world_up(&w);
	harness_set_today("2026-06-01");
	contract_requiring_signoff(&w);
	template_for_model(&w, 1, items_v1());
	id = job_on_site(&w, 1);
	answer_required(&w, id, 150);
	answer_ok(w.tech, id, "remarks", json_pack("{s:s}", "value", "柜内清洁, cabinet cleaned"));
	upload(w.tech, id, UUID_JPG, "image/jpeg", photo_jpeg(640, 480));
	answer_ok(w.tech, id, "cabinet_photo", json_pack("{s:s}", "attachment_id", UUID_JPG));
	upload(w.tech, id, UUID_SIG, "image/png", signature_png(400, 160));
	signoff_path(path, sizeof(path), id);
	json_decref(http_expect_json("POST", path, w.tech, signoff_body(UUID_SIG), 201));
	json_decref(act(w.tech, id, "resolve", resolve_body(), 200));
	snprintf(path, sizeof(path), "/v1/tickets/%lld/report.pdf", (long long)id);
	ck_assert_int_eq(http_get(path, w.disp, &r), 200);
	ck_assert_str_eq(http_header(&r, "Content-Type", type, sizeof(type)), "application/pdf");
	ck_assert_int_eq(memcmp(r.body, "%PDF-", 5), 0);
	fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, r.body, r.body_len), (ssize_t)r.body_len);
	close(fd);
	http_result_free(&r);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s -", file);
	text = run_tool(cmd);
	ck_assert_msg(strstr(text, "服务报告") && strstr(text, "Service Report"), "%s", text);
	ck_assert_msg(strstr(text, "检查表") && strstr(text, "Checklist"), "%s", text);
	ck_assert_msg(strstr(text, "SN-SZ-0042"), "%s", text);
	ck_assert_msg(strstr(text, "150 µΩ") && strstr(text, "OUT OF LIMIT"), "%s", text);
	ck_assert_msg(strstr(text, "王建国") && strstr(text, "更换合闸线圈"), "%s", text);
	free(text);
	snprintf(cmd, sizeof(cmd), "pdfimages -list %s", file);
	list = run_tool(cmd);
	/* Two header lines, then one per image: the photo and the signature. */
	for (line = strchr(list, '\n'); line && line[1]; line = strchr(line + 1, '\n'))
		if (strstr(line + 1, " image ") || strstr(line + 1, " smask "))
			images += !!strstr(line + 1, " image ");
	ck_assert_msg(images >= 2, "%s", list);
	ck_assert_msg(strstr(list, "400   160") || strstr(list, " 400 "), "%s", list);
	free(list);
	unlink(file);
	/* Out of scope: as unknown. */
	{
		char *nj = harness_user_token("dispatcher.nj", "dispatcher", "NJ", "C-NJ");

		ck_assert_int_eq(http_get(path, nj, &r), 404);
		http_result_free(&r);
		free(nj);
	}
	world_down(&w);
}
END_TEST

/* ---- the report e-mailed on close (issue 20) ------------------------------------ */

static char smtp_channels[300];

static void use_smtp(struct config *cfg)
{
	snprintf(cfg->channels_file, sizeof(cfg->channels_file), "%s", smtp_channels);
	cfg->delivery_interval_ms = 0; /* the test drives the lane */
}

static int send_due_mail(void)
{
	struct lane_state lane;
	int total = 0, n;

	memset(&lane, 0, sizeof(lane));
	do {
		lane.tokens = 100;
		ck_assert_int_eq(delivery_lane_run(H.db, LANE_SMTP, &lane, clock_now(), &n),
				 ERR_OK);
		total += n;
	} while (n > 0 && total < 100);
	return total;
}

static int64_t job_closed(const struct world *w)
{
	int64_t id = job_on_site(w, 1);

	json_decref(act(w->tech, id, "resolve", resolve_body(), 200));
	json_decref(act(w->disp, id, "follow_up", NULL, 200));
	json_decref(act(w->disp, id, "close", json_pack("{s:i}", "satisfaction", 5), 200));
	return id;
}

START_TEST(closing_mails_the_report_to_the_customers_contact)
{
	struct receiver smtp;
	struct world w;
	json_t *mails, *mail, *att;
	char sql[512];
	int64_t id;
	FILE *f;

	receiver_start(&smtp, "smtp.py", NULL);
	snprintf(smtp_channels, sizeof(smtp_channels), "%s/channels.json", H.dir);
	f = fopen(smtp_channels, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"ca_file\": \"%s\", \"smtp\": {\"url\": \"smtp://localhost:%d\","
		" \"username\": \"mailer@fieldtrace.example\", \"password\": \"s3cret-smtp-pass\","
		" \"from\": \"noreply@fieldtrace.example\", \"from_name\": \"现场服务\"}}\n",
		harness_ca_file(), smtp.port);
	ck_assert_int_eq(fclose(f), 0);
	harness_restart_with(use_smtp);
	world_up(&w);
	harness_set_today("2026-06-01");
	/* The first contact has no e-mail: the ticket's contact (by name)
	 * gets it when it has one. */
	exec_sql("INSERT INTO customer_contacts(customer_id, name, phone, email) VALUES"
		 " (1, '陈志远', '13912341234', ''), (1, '王建国', '13800001111',"
		 " 'wang.jg@example.cn')");
	exec_sql("UPDATE customer_contacts SET email = 'chen.zy@example.cn' WHERE name = '陈志远'");
	id = job_on_site(&w, 1);
	snprintf(sql, sizeof(sql), "UPDATE tickets SET contact_name = '王建国' WHERE id = %lld",
		 (long long)id);
	exec_sql(sql);
	json_decref(act(w.tech, id, "resolve", resolve_body(), 200));
	json_decref(act(w.disp, id, "follow_up", NULL, 200));
	ck_assert_int_eq(count_rows("SELECT count(*) FROM deliveries"), 0);
	json_decref(act(w.disp, id, "close", json_pack("{s:i}", "satisfaction", 5), 200));
	snprintf(
	    sql, sizeof(sql),
	    "SELECT count(*) FROM deliveries WHERE kind = 'service.report' AND channel ="
	    " 'email' AND address = 'wang.jg@example.cn' AND idempotency_key = 'report_%lld_1'",
	    (long long)id);
	ck_assert_int_eq(count_rows(sql), 1);
	/* Once per ticket and visit: the same key again queues nothing. */
	snprintf(sql, sizeof(sql), "report_%lld_1", (long long)id);
	ck_assert_int_eq(delivery_mail_to(H.db, "service.report", "wang.jg@example.cn", sql,
					  json_pack("{s:s}", "subject", "again"), clock_now()),
			 ERR_OK);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM deliveries"), 1);
	ck_assert_int_eq(send_due_mail(), 1);
	ck_assert_int_eq((long)receiver_wait(&smtp, 1, 5000), 1);
	mails = receiver_requests(&smtp);
	mail = json_array_get(mails, 0);
	ck_assert(json_is_true(json_object_get(mail, "ok")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(mail, "rcpt_tos"), 0)),
			 "wang.jg@example.cn");
	ck_assert_int_eq(asize(json_object_get(mail, "attachments")), 1);
	att = json_array_get(json_object_get(mail, "attachments"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(att, "content_type")),
			 "application/pdf");
	/* "JVBERi0" is base64 of "%PDF-". */
	ck_assert_int_eq(
	    strncmp(json_string_value(json_object_get(att, "data_base64")), "JVBERi0", 7), 0);
	ck_assert_int_gt((long)strlen(json_string_value(json_object_get(att, "data_base64"))),
			 1000);
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(att, "filename")), "service-report-"));
	json_decref(mails);

	/* The ticket's contact without a match: the first contact's e-mail. */
	id = job_closed(&w);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM deliveries WHERE address = 'chen.zy@example.cn'"
		 " AND idempotency_key = 'report_%lld_1'",
		 (long long)id);
	ck_assert_int_eq(count_rows(sql), 1);
	/* No contact e-mail: nothing queued. */
	exec_sql("UPDATE customer_contacts SET email = ''");
	job_closed(&w);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM deliveries"), 2);
	world_down(&w);
	receiver_stop(&smtp);
	clock_set_offset(0);
}
END_TEST

Suite *checklists_suite(void)
{
	Suite *s = suite_create("checklists");
	TCase *tc = tcase_create("checklists");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_job_keeps_the_version_it_started_with);
	tcase_add_test(tc, the_most_specific_template_applies);
	tcase_add_test(tc, an_out_of_limit_reading_is_stored_and_flagged);
	tcase_add_test(tc, an_offline_replay_with_the_same_key_stores_once);
	tcase_add_test(tc, resolve_waits_for_the_required_items);
	tcase_add_test(tc, a_close_without_the_required_signature_is_409);
	tcase_add_test(tc, closing_mails_the_report_to_the_customers_contact);
	tcase_add_test(tc, the_service_report_pdf_holds_the_visit);
	suite_add_tcase(s, tc);
	return s;
}
