/* CSV import: the RFC 4180 reader on its own, then POST /v1/imports/assets
 * and `fieldtrace import assets` against a real database: a good file is
 * stored whole (assets, components, timeline, labels, one audit entry),
 * a file with bad rows lists every problem by line and column and stores
 * nothing, headers, dry runs, roles, scope and the command's exit codes. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "lib/csv.h"
#include "db/db.h"
#include "harness.h"
#include "suites.h"

/* --- the reader --- */

struct rec {
	size_t line;
	size_t n;
	char f[8][64];
};

struct recs {
	struct rec r[16];
	size_t n;
};

static int collect_rec(void *ctx, size_t line, const struct csv_field *f, size_t n)
{
	struct recs *rs = ctx;
	struct rec *r;

	ck_assert_uint_lt(rs->n, 16);
	r = &rs->r[rs->n++];
	r->line = line;
	r->n = n;
	for (size_t i = 0; i < n && i < 8; i++) {
		ck_assert_uint_eq(strlen(f[i].s), f[i].len); /* NUL-terminated, no NUL inside */
		snprintf(r->f[i], sizeof(r->f[i]), "%s", f[i].s);
	}
	return 0;
}

static enum csv_status parse(const char *text, size_t len, struct recs *rs, struct csv_error *err)
{
	memset(rs, 0, sizeof(*rs));
	return csv_read(text, len, NULL, collect_rec, rs, err);
}

START_TEST(csv_quotes_escapes_and_line_breaks)
{
	static const char text[] = "a,\"b,1\",\"say \"\"hi\"\"\"\r\n"
				   "\"two\nlines\",,x\n"
				   "\n"
				   "last,\"\",\"\r\n\"";
	struct recs rs;
	struct csv_error err;

	ck_assert_int_eq(parse(text, sizeof(text) - 1, &rs, &err), CSV_OK);
	ck_assert_uint_eq(rs.n, 3);
	ck_assert_uint_eq(rs.r[0].line, 1);
	ck_assert_uint_eq(rs.r[0].n, 3);
	ck_assert_str_eq(rs.r[0].f[1], "b,1");
	ck_assert_str_eq(rs.r[0].f[2], "say \"hi\"");
	ck_assert_uint_eq(rs.r[1].line, 2);
	ck_assert_str_eq(rs.r[1].f[0], "two\nlines");
	ck_assert_str_eq(rs.r[1].f[1], "");
	/* The record after a quoted line break and an empty line. */
	ck_assert_uint_eq(rs.r[2].line, 5);
	ck_assert_uint_eq(rs.r[2].n, 3);
	ck_assert_str_eq(rs.r[2].f[1], "");
	ck_assert_str_eq(rs.r[2].f[2], "\r\n");
}
END_TEST

START_TEST(csv_bom_trailing_comma_and_no_final_newline)
{
	static const char text[] = "\xEF\xBB\xBFserial,名称\n1,\"深圳\",\n2,广州";
	struct recs rs;

	ck_assert_int_eq(parse(text, sizeof(text) - 1, &rs, NULL), CSV_OK);
	ck_assert_uint_eq(rs.n, 3);
	ck_assert_str_eq(rs.r[0].f[0], "serial"); /* no BOM left on the first name */
	ck_assert_str_eq(rs.r[0].f[1], "名称");
	ck_assert_uint_eq(rs.r[1].n, 3); /* "1,深圳," has an empty third field */
	ck_assert_str_eq(rs.r[1].f[1], "深圳");
	ck_assert_str_eq(rs.r[2].f[1], "广州");
	ck_assert_uint_eq(rs.r[2].line, 3);
	/* A lone CR ends a line too. */
	ck_assert_int_eq(parse("a\rb\r\nc", 6, &rs, NULL), CSV_OK);
	ck_assert_uint_eq(rs.n, 3);
	ck_assert_uint_eq(rs.r[2].line, 3);
	/* Nothing at all is no record. */
	ck_assert_int_eq(parse("", 0, &rs, NULL), CSV_OK);
	ck_assert_uint_eq(rs.n, 0);
}
END_TEST

static void expect_error(const char *text, size_t len, enum csv_status want, size_t line,
			 size_t field)
{
	struct recs rs;
	struct csv_error err;

	ck_assert_int_eq(parse(text, len, &rs, &err), want);
	ck_assert_int_eq(err.status, want);
	ck_assert_uint_eq(err.line, line);
	if (field)
		ck_assert_uint_eq(err.field, field);
	ck_assert_str_ne(csv_strerror(want), "unknown error");
}

START_TEST(csv_errors_name_line_and_field)
{
	char big[CSV_FIELD_MAX + 16];
	char many[CSV_FIELDS_MAX * 2 + 8];

	expect_error("a,b\nc,\xC3\x28\n", 9, CSV_BAD_UTF8, 2, 2);  /* bad continuation */
	expect_error("a\nb\n\xC0\x80\n", 7, CSV_BAD_UTF8, 3, 1);   /* overlong NUL */
	expect_error("x,\xED\xA0\x80", 5, CSV_BAD_UTF8, 1, 2);     /* a surrogate */
	expect_error("x,\xF4\x90\x80\x80", 6, CSV_BAD_UTF8, 1, 2); /* past U+10FFFF */
	expect_error("x,\xE4\xB8", 4, CSV_BAD_UTF8, 1, 2);         /* cut short */
	expect_error("a\n\"q\n\xFF\"", 7, CSV_BAD_UTF8, 3, 1);     /* inside quotes */
	expect_error("a,b\nc\0d\n", 8, CSV_NUL, 2, 1);
	expect_error("a\n\"open,\nstill", 14, CSV_UNTERMINATED, 2, 1); /* where it opened */
	expect_error("ab\"c\n", 5, CSV_BAD_QUOTE, 1, 1);
	expect_error("\"ab\"c\n", 6, CSV_BAD_QUOTE, 1, 1);
	memset(big, 'x', sizeof(big));
	expect_error(big, sizeof(big), CSV_FIELD_TOO_LONG, 1, 1);
	for (size_t i = 0; i < sizeof(many); i += 2) {
		many[i] = 'v';
		many[i + 1] = ',';
	}
	expect_error(many, sizeof(many), CSV_TOO_MANY_FIELDS, 1, CSV_FIELDS_MAX + 1);
	/* Well-formed multi-byte text passes: 2, 3 and 4 bytes. */
	ck_assert_int_eq(csv_read("\xC3\xA9,\xE4\xB8\xAD,\xF0\x9F\x98\x80", 11, NULL, collect_rec,
				  &(struct recs){ 0 }, NULL),
			 CSV_OK);
}
END_TEST

static int stop_at_second(void *ctx, size_t line, const struct csv_field *f, size_t n)
{
	(void)f;
	(void)n;
	*(size_t *)ctx = line;
	return line >= 2;
}

START_TEST(csv_callback_stops_and_random_bytes_are_safe)
{
	struct csv_limits lim = { .field_max = 16, .row_max = 40, .fields_max = 4 };
	size_t last = 0;
	unsigned seed = 12345;
	char text[512];

	ck_assert_int_eq(csv_read("a\nb\nc\n", 6, NULL, stop_at_second, &last, NULL), CSV_STOPPED);
	ck_assert_uint_eq(last, 2);
	ck_assert_int_eq(csv_read("a,b,c,d,e\n", 10, &lim, stop_at_second, &last, NULL),
			 CSV_TOO_MANY_FIELDS);
	ck_assert_int_eq(csv_read("aaaaaaaaaaaa,bbbbbbbbbbbb,cccccccccccc,dddddddddddd\n", 52, &lim,
				  stop_at_second, &last, NULL),
			 CSV_ROW_TOO_LONG);
	/* Whatever arrives, the reader answers without reading past the end
	 * (the ASan run makes this a real check). */
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(text));
		static const char alphabet[] = "ab,\"\r\n\xE4\xB8\xAD\xFF\x80 ";

		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[rand_r(&seed) % (int)(sizeof(alphabet) - 1)];
		char *copy = malloc(len ? len : 1); /* exact size: overreads trap */

		memcpy(copy, text, len);
		csv_read(copy, len, &lim, stop_at_second, &last, NULL);
		free(copy);
	}
}
END_TEST

/* --- the import --- */

static void assert_text(const char *sql, const char *want)
{
	char *got = row_text(sql);

	ck_assert_msg(got && strcmp(got, want) == 0, "%s: got %s, want %s", sql, got ? got : "NULL",
		      want);
	free(got);
}

static int64_t sales_li;

/* Models, customers and sites of the test region tree (harness.h). */
static void seed_registry(void)
{
	char sql[512];

	sales_li = harness_seed_user("sales.li", "sales", "SZ", NULL);
	exec_sql(
	    "INSERT INTO product_lines(code, name, name_en) VALUES ('UPS', '不间断电源', 'UPS');"
	    "INSERT INTO models(code, name, product_line, design_revision, created_at, updated_at)"
	    " VALUES ('UPS-3K', '3kVA 在线式', 'UPS', 'R2', 0, 0),"
	    " ('UPS-10K', '10kVA 塔式', 'UPS', 'R1', 0, 0);");
	snprintf(sql, sizeof(sql),
		 "INSERT INTO customers(code, name, tier, region_code, sales_owner_id, created_at,"
		 " updated_at) VALUES ('C-HQ', '深圳华强实业', 'A', 'SZ', %lld, 0, 0),"
		 " ('C-NM', 'Nanjing Metro', 'strategic', 'NJ', NULL, 0, 0);",
		 (long long)sales_li);
	exec_sql(sql);
	exec_sql("INSERT INTO sites(customer_id, code, name, region_code, created_at, updated_at)"
		 " VALUES (1, 'S-SZ-1', '华强北大厦', 'SZ', 0, 0), (2, 'S-NJ-1', 'Line 1 depot', "
		 "'NJ', 0, 0);");
}

#define HEADER                                                                                     \
	"serial,model_code,design_revision,plant,line,batch,production_date,site_code,"            \
	"installed_at,commissioned_at,accepted_at,warranty_months,warranty_start,sales_owner,"     \
	"components"

/* BOM, CRLF, quoted fields with commas, escaped quotes and Chinese text. */
static const char good_csv[] =
    "\xEF\xBB\xBF" HEADER "\r\n"
    "SN-0001,UPS-3K,,\"苏州工厂, 一号车间\",L1,B2024-01,2024-01-10,S-SZ-1,2024-02-01,2024-02-03,"
    "2024-02-05,24,,,\"BAT-12V|BT-1|天能电池|L2401;FAN-80|F-9|\"\"Delta\"\", Inc.|L7\"\r\n"
    "SN-0002,UPS-10K,R9,\"Plant \"\"East\"\"\",L2,B2,2023-05-01,S-NJ-1,2023-06-01,,,12,"
    "2023-06-15,SALES.LI,\r\n"
    " SN-0003 "
    ",UPS-3K,,深圳工厂,L3,B3,2023-12-01,S-SZ-1,2024-01-20,2024-01-25,2024-01-31,1,,,PSU-1\r\n";

static long post_csv(const char *query, const char *token, const char *csv, size_t len,
		     struct http_result *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/imports/assets%s", query);
	return http_call("POST", path, token, "text/csv; charset=utf-8", csv, len, NULL, r);
}

/* The errors entry for (line, column); column NULL = a whole-row error. */
static const json_t *find_error(const json_t *doc, long line, const char *column)
{
	const json_t *errors = json_object_get(doc, "errors"), *e;
	size_t i;

	json_array_foreach(errors, i, e) {
		const char *c = json_string_value(json_object_get(e, "column"));

		if (json_integer_value(json_object_get(e, "line")) != line)
			continue;
		if ((!column && !c) || (column && c && strcmp(c, column) == 0))
			return e;
	}
	return NULL;
}

static void assert_error(const struct http_result *r, long line, const char *column)
{
	ck_assert_msg(find_error(r->json, line, column), "no error for line %ld column %s in %s",
		      line, column ? column : "(row)", r->body);
}

static void assert_problem_type(const struct http_result *r, long status)
{
	char ct[128];

	ck_assert_int_eq(r->status, status);
	ck_assert_ptr_nonnull(http_header(r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "application/problem+json");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), status);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "type")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "title")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "detail")));
}

static int64_t stored_rows(void)
{
	return count_rows("SELECT (SELECT count(*) FROM assets) + (SELECT count(*) FROM"
			  " asset_components) + (SELECT count(*) FROM asset_events) +"
			  " (SELECT count(*) FROM labels) + (SELECT count(*) FROM audit_log)");
}

/* The write path: the registry's stores and the identity module's
 * qr_label_issue (a 500 while either is a stub). */
START_TEST(good_file_imports_everything_in_one_go)
{
	char *admin;
	struct http_result r;
	char *after;
	json_t *audit;

	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	post_csv("", admin, good_csv, sizeof(good_csv) - 1, &r);
	ck_assert_msg(r.status == 201, "status %ld: %s", r.status, r.body);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "imported")), 3);
	http_result_free(&r);

	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 3);
	/* Copied from the site; revision from the model unless given. */
	assert_text("SELECT region_path || customer_id || design_revision || plant FROM assets"
		    " WHERE serial = 'SN-0001'",
		    "/CN/GD/SZ/1R2苏州工厂, 一号车间");
	assert_text("SELECT plant || design_revision || region_path FROM assets"
		    " WHERE serial = 'SN-0002'",
		    "Plant \"East\"R9/CN/JS/NJ/");
	/* Warranty: from acceptance unless given; month ends clamp. */
	assert_text(
	    "SELECT warranty_start || ' ' || warranty_end FROM assets WHERE serial = 'SN-0001'",
	    "2024-02-05 2026-02-05");
	assert_text(
	    "SELECT warranty_start || ' ' || warranty_end FROM assets WHERE serial = 'SN-0002'",
	    "2023-06-15 2024-06-15");
	assert_text(
	    "SELECT warranty_start || ' ' || warranty_end FROM assets WHERE serial = 'SN-0003'",
	    "2024-01-31 2024-02-29");
	/* Owner: given (in any case) for SN-0002 only; SN-0003's serial was
	 * trimmed of its spaces. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE sales_owner_id IS NOT NULL"
				    " AND serial = 'SN-0002'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE sales_owner_id IS NOT NULL"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE serial = 'SN-0003'"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_components"), 3);
	assert_text("SELECT supplier FROM asset_components WHERE part_number = 'FAN-80'",
		    "\"Delta\", Inc.");
	assert_text("SELECT supplier FROM asset_components WHERE part_number = 'BAT-12V'",
		    "天能电池");
	/* Production + installation each; commissioning + acceptance for 1 and 3. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events WHERE kind IN ('production',"
				    " 'installation', 'commissioning', 'acceptance')"),
			 10);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels WHERE revoked_at IS NULL"), 3);
	/* Components were fitted at production; events sit at 00:00Z of their day. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_components c JOIN assets a"
				    " ON a.id = c.asset_id WHERE c.installed_at ="
				    " unixepoch(a.production_date)"),
			 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events e JOIN assets a"
				    " ON a.id = e.asset_id WHERE e.kind = 'acceptance'"
				    " AND e.at = unixepoch(a.accepted_at)"),
			 2);
	/* Stored as POST /v1/assets stores them: version 1, bumped once by the label. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE version <= 2"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'asset.import'"
				    " AND object_type = 'import'"),
			 1);
	after = row_text("SELECT after FROM audit_log WHERE action = 'asset.import'");
	audit = json_loads(after, 0, NULL);
	ck_assert_ptr_nonnull(audit);
	ck_assert_int_eq(json_integer_value(json_object_get(audit, "rows")), 3);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(audit, "sha256"))), 64);
	json_decref(audit);
	free(after);

	/* The same file again: every serial is taken now, nothing changes. */
	int64_t before = stored_rows();
	post_csv("", admin, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem_type(&r, 422);
	assert_error(&r, 2, "serial");
	assert_error(&r, 3, "serial");
	assert_error(&r, 4, "serial");
	http_result_free(&r);
	ck_assert_int_eq(stored_rows(), before);
	free(admin);
}
END_TEST

START_TEST(bad_rows_are_all_listed_and_nothing_is_stored)
{
	static const char csv[] =
	    HEADER "\n"
		   /* 2: fine */
		   "OK-1,UPS-3K,,P,L,B,2024-01-10,S-SZ-1,2024-02-01,,,24,,,\n"
		   /* 3: unknown model, bad date, months out of range */
		   "BAD-1,NOPE,,P,L,B,2024-13-01,S-SZ-1,2024-02-01,,,700,,,\n"
		   /* 4: installed before production, accepted before installation */
		   "BAD-2,UPS-3K,,P,L,B,2024-03-01,S-SZ-1,2024-02-01,,2024-01-10,12,,,\n"
		   /* 5: unknown site and owner; serial taken in the database */
		   "TAKEN-1,UPS-3K,,P,L,B,2024-01-01,S-XX,2024-02-01,,,12,,nobody,\n"
		   /* 6: the same serial as line 2; a component without part number */
		   "OK-1,UPS-3K,,P,L,B,2024-01-01,S-SZ-1,2024-02-01,,,12,,,|x|y|z\n"
		   /* 7: one field short */
		   "BAD-3,UPS-3K,,P,L,B,2024-01-01,S-SZ-1,2024-02-01,,,12,,\n"
		   /* 8-9: a line break inside a quoted plant; 10 is reported as 10 */
		   "BAD-4,UPS-3K,,\"two\nlines\",L,B,2024-01-01,S-SZ-1,2024-02-01,,,12,,,\n"
		   /* 10: serial and batch charset, empty line, installed without a site, months */
		   "bad serial!,UPS-3K,,P,,B 1,2024-01-01,,2024-02-01,,,x,,,\n"
		   /* 11: an owner who is not a sales account */
		   "OWN-1,UPS-3K,,P,L,B,2024-01-01,,,,,,,root,\n"
		   /* 12: a date in words, quoted back cut mid-character */
		   "CN-1,UPS-3K,,P,L,B,二零二四年一月一日二零二四年一月一日,,,,,,,,\n"
		   /* 13: a warranty that would end after 9999-12-31 */
		   "LATE-1,UPS-3K,,P,L,B,2024-01-01,,,,,600,9990-01-01,,\n";
	char *admin;
	struct http_result r;
	int64_t before;

	seed_registry();
	exec_sql("INSERT INTO assets(serial, model_id, created_at, updated_at)"
		 " VALUES ('TAKEN-1', 1, 0, 0)");
	admin = harness_user_token("root", "admin", NULL, NULL);
	before = stored_rows();
	post_csv("", admin, csv, sizeof(csv) - 1, &r);
	assert_problem_type(&r, 422);
	assert_error(&r, 3, "model_code");
	assert_error(&r, 3, "production_date");
	assert_error(&r, 3, "warranty_months");
	assert_error(&r, 4, "installed_at");
	assert_error(&r, 4, "accepted_at");
	assert_error(&r, 5, "site_code");
	assert_error(&r, 5, "sales_owner");
	assert_error(&r, 5, "serial");
	assert_error(&r, 6, "serial");
	assert_error(&r, 6, "components");
	assert_error(&r, 7, NULL);
	assert_error(&r, 8, "plant");
	assert_error(&r, 10, "serial");
	assert_error(&r, 10, "line");
	assert_error(&r, 10, "batch");
	assert_error(&r, 10, "site_code");
	assert_error(&r, 10, "warranty_months");
	assert_error(&r, 11, "sales_owner");
	assert_error(&r, 12, "production_date");
	assert_error(&r, 13, "warranty_months");
	ck_assert_ptr_null(find_error(r.json, 2, "serial"));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "errors_total")),
			 (json_int_t)json_array_size(json_object_get(r.json, "errors")));
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "errors_omitted")), 0);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r.json, "request_id")));
	http_result_free(&r);
	ck_assert_int_eq(stored_rows(), before);
	free(admin);
}
END_TEST

START_TEST(errors_are_capped_with_the_total)
{
	struct buf b;
	char *admin;
	struct http_result r;

	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	buf_init(&b, 0);
	buf_puts(&b, HEADER "\n");
	for (int i = 0; i < 1500; i++)
		buf_printf(&b, "X-%d,NOPE,,P,L,B,2024-01-10,S-SZ-1,2024-02-01,,,24,,,\n", i);
	post_csv("", admin, b.data, b.len, &r);
	assert_problem_type(&r, 422);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "errors_total")), 1500);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "errors_omitted")), 500);
	http_result_free(&r);
	buf_cleanup(&b);
	free(admin);
}
END_TEST

START_TEST(header_problems_are_400_naming_each_column)
{
	static const char csv[] = "model_code,Production_Date , colour,installed_at,"
				  "warranty_months,installed_at\nX,2024-01-01,red,2024-01-02,1,x\n";
	char *admin;
	struct http_result r;

	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	post_csv("", admin, csv, sizeof(csv) - 1, &r);
	assert_problem_type(&r, 400);
	assert_error(&r, 1, "serial");                                /* missing */
	assert_error(&r, 1, "plant");                                 /* missing */
	ck_assert_ptr_null(find_error(r.json, 1, "site_code"));       /* optional */
	assert_error(&r, 1, "colour");                                /* unknown */
	assert_error(&r, 1, "installed_at");                          /* twice */
	ck_assert_ptr_null(find_error(r.json, 1, "production_date")); /* case and spaces */
	http_result_free(&r);

	/* Not CSV at all, an empty body, a header alone. */
	post_csv("", admin, HEADER "\n\"open", sizeof(HEADER "\n\"open") - 1, &r);
	assert_problem_type(&r, 400);
	assert_error(&r, 2, "serial");
	http_result_free(&r);
	post_csv("", admin, HEADER "\nA,\xff\n", sizeof(HEADER "\nA,\xff\n") - 1, &r);
	assert_problem_type(&r, 400);
	assert_error(&r, 2, "model_code");
	http_result_free(&r);
	post_csv("", admin, "", 0, &r);
	assert_problem_type(&r, 400);
	http_result_free(&r);
	post_csv("", admin, HEADER "\r\n", sizeof(HEADER "\r\n") - 1, &r);
	assert_problem_type(&r, 400);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 0);
	free(admin);
}
END_TEST

START_TEST(dry_run_validates_and_writes_nothing)
{
	char *admin;
	struct http_result r;
	int64_t before;

	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	before = stored_rows();
	post_csv("?dry_run=true", admin, good_csv, sizeof(good_csv) - 1, &r);
	ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "valid")), 3);
	http_result_free(&r);
	ck_assert_int_eq(stored_rows(), before);

	post_csv("?dry_run=maybe", admin, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem(&r, 400, "dry_run");
	http_result_free(&r);
	post_csv("?force=true", admin, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem(&r, 400, "force");
	http_result_free(&r);
	http_call("POST", "/v1/imports/assets", admin, "application/json", "{}", 2, NULL, &r);
	assert_problem(&r, 415, NULL);
	http_result_free(&r);
	http_call("POST", "/v1/imports/assets", admin, "text/csv; charset=gbk", good_csv,
		  sizeof(good_csv) - 1, NULL, &r);
	assert_problem(&r, 415, NULL);
	http_result_free(&r);
	ck_assert_int_eq(stored_rows(), before);
	free(admin);
}
END_TEST

START_TEST(files_past_one_mebibyte_are_accepted)
{
	struct buf b;
	char *admin;
	struct http_result r;
	int rows = 0;

	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	buf_init(&b, 0);
	buf_puts(&b, HEADER "\n");
	while (b.len < 1536u * 1024u) {
		buf_printf(&b,
			   "BIG-%07d,UPS-3K,,苏州工厂,L1,B1,2024-01-10,S-SZ-1,2024-02-01,"
			   "2024-02-02,2024-02-03,24,,sales.li,BAT|S%d|天能|L1;FAN|F%d||\n",
			   rows, rows, rows);
		rows++;
	}
	post_csv("?dry_run=true", admin, b.data, b.len, &r);
	ck_assert_msg(r.status == 200, "status %ld: %.300s", r.status, r.body);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "valid")), rows);
	http_result_free(&r);
	buf_cleanup(&b);
	free(admin);
}
END_TEST

START_TEST(only_registry_writers_import_and_within_scope)
{
	char *tech, *sales, *sup;
	struct http_result r;

	seed_registry();
	tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	sales = harness_login("sales.li");
	sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	post_csv("", tech, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	post_csv("", sales, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	post_csv("", NULL, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	/* A Guangdong supervisor: the Nanjing site reads as unknown. */
	post_csv("?dry_run=true", sup, good_csv, sizeof(good_csv) - 1, &r);
	assert_problem_type(&r, 422);
	assert_error(&r, 3, "site_code");
	ck_assert_ptr_null(find_error(r.json, 2, "site_code"));
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 0);
	free(tech);
	free(sales);
	free(sup);
}
END_TEST

/* --- big imports and everyone else --- */

/* Rows of the big files: with the whole write pass in one transaction
 * (before migration 0018) this held the write lock for several seconds,
 * past the 5 s busy timeout on the test machine. */
#define BIG_ROWS 40000
#define BIG_SLICE_ROWS 500

/* The import's request lasts a while under the sanitizers. */
#define BIG_HTTP_TIMEOUT_S 240

static void tune_big_import(struct config *cfg)
{
	cfg->import_slice_rows = BIG_SLICE_ROWS;
	cfg->rate_login = 0; /* this test logs in as often as it can */
}

/* A file of rows like the benchmark's: installed, commissioned, accepted,
 * a warranty, an owner, two components; serials BIG-0000000... */
static void big_file(struct buf *b, int rows)
{
	buf_init(b, 0);
	buf_puts(b, HEADER "\n");
	for (int i = 0; i < rows; i++)
		buf_printf(b,
			   "BIG-%07d,UPS-3K,,苏州工厂,L1,B1,2024-01-10,S-SZ-1,2024-02-01,"
			   "2024-02-02,2024-02-03,24,,sales.li,BAT|S%d|天能|L1;FAN|F%d||\n",
			   i, i, i);
}

struct big_post {
	const struct buf *file;
	const char *token;
	long status;
	char body[512];
	atomic_int done;
};

static void *big_post_run(void *arg)
{
	struct big_post *p = arg;
	struct http_result r;

	p->status = post_csv("", p->token, p->file->data, p->file->len, &r);
	snprintf(p->body, sizeof(p->body), "%s", r.body ? r.body : "");
	http_result_free(&r);
	atomic_store(&p->done, 1);
	return NULL;
}

/* What the other clients saw while the import ran. */
struct others {
	const struct big_post *import;
	const char *token;
	int64_t ticket_id;
	int answered; /* while the import was still running */
	int not_2xx;
	int unavailable; /* 503 */
	long last_bad;   /* the last status that was not 2xx */
};

static void others_count(struct others *o, long status)
{
	if (status < 200 || status > 299) {
		o->not_2xx++;
		o->last_bad = status;
	}
	if (status == 503)
		o->unavailable++;
	if (!atomic_load(&o->import->done))
		o->answered++;
}

static void *logins_run(void *arg)
{
	struct others *o = arg;

	while (!atomic_load(&o->import->done)) {
		struct http_result r;

		others_count(o, http_login("root", TEST_PASSWORD, &r));
		http_result_free(&r);
	}
	return NULL;
}

/* Moves the ticket to waiting_customer and back until the import ends. */
static void transitions_run(struct others *o)
{
	static const char *const actions[] = { "wait", "resume" };
	char path[64];

	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)o->ticket_id);
	for (int i = 0; !atomic_load(&o->import->done); i++) {
		struct http_result r;

		others_count(o, http_send_body("POST", path, o->token,
					       json_pack("{s:s, s:s}", "action", actions[i % 2],
							 "note", "客户不在 customer away"),
					       &r));
		http_result_free(&r);
	}
}

/* A routed ticket on a unit registered before the import. */
static int64_t seed_ticket(const char *admin)
{
	json_t *doc;
	int64_t id;

	exec_sql(
	    "INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-SZ', 'SZ');"
	    "INSERT INTO centre_product_lines(centre_code, product_line) VALUES ('C-SZ', 'UPS');"
	    "INSERT INTO assets(serial, model_id, site_id, customer_id, region_path,"
	    " created_at, updated_at) VALUES ('T-1', 1, 1, 1, '/CN/GD/SZ/', 0, 0);");
	doc = http_expect_json(
	    "POST", "/v1/tickets", admin,
	    json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s}}", "channel", "hotline",
		      "category", "repair", "title", "UPS 报警 alarm", "asset_id",
		      (json_int_t)count_rows("SELECT id FROM assets WHERE serial = 'T-1'"),
		      "impact", "site", "urgency", "high", "contact", "name", "李娜", "phone",
		      "13800138000"),
	    201);
	ck_assert_str_eq(jstr(doc, "status"), "routed");
	id = jint(doc, "id");
	json_decref(doc);
	return id;
}

START_TEST(big_import_leaves_logins_and_tickets_answering)
{
	struct buf file;
	struct big_post post = { 0 };
	struct others logins = { 0 }, moves = { 0 };
	pthread_t importer, login_thread;
	char *admin;

	harness_restart_with(tune_big_import);
	harness_http_timeout_s = BIG_HTTP_TIMEOUT_S;
	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	logins.ticket_id = moves.ticket_id = seed_ticket(admin);
	big_file(&file, BIG_ROWS);
	post.file = &file;
	post.token = admin;
	logins.import = moves.import = &post;
	logins.token = moves.token = admin;

	ck_assert_int_eq(pthread_create(&importer, NULL, big_post_run, &post), 0);
	ck_assert_int_eq(pthread_create(&login_thread, NULL, logins_run, &logins), 0);
	transitions_run(&moves);
	pthread_join(importer, NULL);
	pthread_join(login_thread, NULL);

	ck_assert_msg(post.status == 201, "import: %ld %s", post.status, post.body);
	/* Everyone else was answered, and not only after the import. */
	ck_assert_msg(logins.not_2xx == 0 && logins.unavailable == 0,
		      "logins: %d not 2xx (%d 503), last %ld", logins.not_2xx, logins.unavailable,
		      logins.last_bad);
	ck_assert_msg(moves.not_2xx == 0 && moves.unavailable == 0,
		      "transitions: %d not 2xx (%d 503), last %ld", moves.not_2xx,
		      moves.unavailable, moves.last_bad);
	ck_assert_msg(logins.answered >= 3 && moves.answered >= 3,
		      "answered during the import: %d logins, %d transitions", logins.answered,
		      moves.answered);
	/* Complete: every unit with its label, one audit entry, published. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE serial LIKE 'BIG-%'"),
			 BIG_ROWS);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels l JOIN assets a"
				    " ON a.id = l.asset_id WHERE a.serial LIKE 'BIG-%'"),
			 BIG_ROWS);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_components"), 2 * BIG_ROWS);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'asset.import'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM imports_pending"), 0);
	{
		json_t *doc = http_get_json("/v1/assets?serial=BIG-0039999", admin, 200);

		ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
		json_decref(doc);
	}
	buf_cleanup(&file);
	free(admin);
}
END_TEST

/* A big import that fails in its write pass, after slices were written:
 * until then nobody sees its units, and afterwards nothing is left. */
START_TEST(failing_big_import_is_invisible_and_leaves_nothing)
{
	struct buf file;
	struct big_post post = { 0 };
	pthread_t importer;
	int64_t before, pending_id;
	char *admin, path[64];
	json_t *doc;

	harness_restart_with(tune_big_import);
	harness_http_timeout_s = BIG_HTTP_TIMEOUT_S;
	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	big_file(&file, BIG_ROWS);
	post.file = &file;
	post.token = admin;
	before = stored_rows();

	ck_assert_int_eq(pthread_create(&importer, NULL, big_post_run, &post), 0);
	/* Wait for the first slices (the check before them is quick). */
	for (int i = 0; i < 6000 && count_rows("SELECT count(*) FROM assets WHERE import_id IS NOT"
					       " NULL") < BIG_SLICE_ROWS;
	     i++)
		usleep(10000);
	pending_id = count_rows("SELECT min(id) FROM assets WHERE import_id IS NOT NULL");
	ck_assert_int_gt(pending_id, 0);
	ck_assert(!atomic_load(&post.done));
	/* Written but not published: not listed, not found, not in scans. */
	doc = http_get_json("/v1/assets?serial=BIG-0000000", admin, 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 0);
	json_decref(doc);
	snprintf(path, sizeof(path), "/v1/assets/%lld", (long long)pending_id);
	http_expect("GET", path, admin, NULL, 404);
	/* Meanwhile someone registers the file's last serial: the import's
	 * write pass meets it and fails. */
	doc = http_expect_json("POST", "/v1/assets", admin,
			       json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "serial",
					 "BIG-0039999", "model", "UPS-3K", "production", "plant",
					 "P", "line", "L", "batch", "B", "date", "2024-01-10"),
			       201);
	json_decref(doc);
	pthread_join(importer, NULL);
	ck_assert_msg(post.status == 409, "import: %ld %s", post.status, post.body);
	ck_assert_msg(strstr(post.body, "BIG-0039999"), "%s", post.body);

	/* Nothing of the import is left: only the unit registered meanwhile. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE serial LIKE 'BIG-%'"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE import_id IS NOT NULL"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_components"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events e JOIN assets a"
				    " ON a.id = e.asset_id WHERE a.serial != 'BIG-0039999'"),
			 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'asset.import'"),
			 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM imports_pending"), 0);
	ck_assert_int_gt(stored_rows(), before);
	buf_cleanup(&file);
	free(admin);
}
END_TEST

/* An import whose process died mid-way (its heartbeat stopped) is swept by
 * the next one: its units go, and their serials are free again. */
START_TEST(an_abandoned_import_is_swept_by_the_next)
{
	char *admin;
	struct http_result r;

	seed_registry();
	admin = harness_user_token("root", "admin", NULL, NULL);
	exec_sql("INSERT INTO imports_pending(id, sha256, started_at, heartbeat_at)"
		 " VALUES (7, 'x', 0, 0);"
		 "INSERT INTO assets(serial, model_id, created_at, updated_at, import_id)"
		 " VALUES ('SN-0001', 1, 0, 0, 7);"
		 "INSERT INTO labels(asset_id, generation, key_id, issued_at)"
		 " SELECT id, 1, (SELECT max(key_id) FROM qr_keys), 0 FROM assets"
		 " WHERE serial = 'SN-0001';");
	post_csv("", admin, good_csv, sizeof(good_csv) - 1, &r);
	ck_assert_msg(r.status == 201, "status %ld: %s", r.status, r.body);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets WHERE import_id = 7"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM imports_pending"), 0);
	free(admin);
}
END_TEST

/* --- the command line --- */

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *out = calloc(1, 65536);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(out);
	if (fread(out, 1, 65535, f) == 0)
		out[0] = '\0';
	fclose(f);
	return out;
}

/* The exit codes without the write path: dry runs, bad files, usage. */
START_TEST(cli_validates_and_reports_exit_codes)
{
	static const char bad[] = HEADER "\n"
					 "C-1,UPS-3K,,P,L,B,2024-01-10,S-SZ-1,2024-02-01,,,24,,,\n"
					 "C-1,UPS-3K,,P,L,B,2024-01-10,S-NOPE,2024-02-01,,,24,,,\n";
	char good_path[400], bad_path[400], err_path[400], cmd[2048];
	char *err;

	seed_registry();
	snprintf(good_path, sizeof(good_path), "%s/good.csv", H.dir);
	snprintf(bad_path, sizeof(bad_path), "%s/bad.csv", H.dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr.txt", H.dir);
	write_file(good_path, good_csv, sizeof(good_csv) - 1);
	write_file(bad_path, bad, sizeof(bad) - 1);

	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s --dry-run >/dev/null 2>%s",
		 harness_bin(), H.db_path, good_path, err_path);
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s >/dev/null 2>%s", harness_bin(),
		 H.db_path, bad_path, err_path);
	ck_assert_int_eq(harness_run(cmd), 1);
	err = slurp(err_path);
	ck_assert_msg(strstr(err, "bad.csv:3: serial: C-1 is also on line 2"), "%s", err);
	ck_assert_msg(strstr(err, "bad.csv:3: site_code: no such site S-NOPE"), "%s", err);
	free(err);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 0);

	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s/missing.csv >/dev/null 2>&1",
		 harness_bin(), H.db_path, H.dir);
	ck_assert_int_eq(harness_run(cmd), 1);
	snprintf(cmd, sizeof(cmd), "%s import assets %s >/dev/null 2>&1", harness_bin(), good_path);
	ck_assert_int_eq(harness_run(cmd), 2);
	snprintf(cmd, sizeof(cmd), "%s import widgets --db %s %s >/dev/null 2>&1", harness_bin(),
		 H.db_path, good_path);
	ck_assert_int_eq(harness_run(cmd), 2);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s --force >/dev/null 2>&1",
		 harness_bin(), H.db_path, good_path);
	ck_assert_int_eq(harness_run(cmd), 2);
	/* A missing database is refused, not created. */
	snprintf(err_path, sizeof(err_path), "%s/none.db", H.dir);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s >/dev/null 2>&1", harness_bin(),
		 err_path, good_path);
	ck_assert_int_eq(harness_run(cmd), 1);
	ck_assert_int_ne(access(err_path, F_OK), 0);
}
END_TEST

/* The write path again (see above), from the command line. */
START_TEST(cli_imports_a_good_file)
{
	char path[400], out_path[400], cmd[2048];
	char *out;

	seed_registry();
	snprintf(path, sizeof(path), "%s/good.csv", H.dir);
	snprintf(out_path, sizeof(out_path), "%s/stdout.txt", H.dir);
	write_file(path, good_csv, sizeof(good_csv) - 1);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s >%s 2>&1", harness_bin(), H.db_path,
		 path, out_path);
	ck_assert_int_eq(harness_run(cmd), 0);
	out = slurp(out_path);
	ck_assert_msg(strstr(out, "imported 3 assets in "), "%s", out);
	free(out);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels"), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'asset.import'"
				    " AND actor = 'cli'"),
			 1);
	/* Again: every serial is taken. */
	ck_assert_int_eq(harness_run(cmd), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 3);
}
END_TEST

/* The command writes in slices too: 25 rows in slices of 10 are three
 * write transactions and the one that publishes; a slice size out of
 * range is a usage error. */
START_TEST(cli_imports_in_slices)
{
	char path[400], out_path[400], cmd[2048];
	struct buf file;
	char *out;

	seed_registry();
	snprintf(path, sizeof(path), "%s/big.csv", H.dir);
	snprintf(out_path, sizeof(out_path), "%s/stdout.txt", H.dir);
	big_file(&file, 25);
	write_file(path, file.data, file.len);
	buf_cleanup(&file);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s --slice-rows 9 >/dev/null 2>&1",
		 harness_bin(), H.db_path, path);
	ck_assert_int_eq(harness_run(cmd), 2);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s --slice-rows ten >/dev/null 2>&1",
		 harness_bin(), H.db_path, path);
	ck_assert_int_eq(harness_run(cmd), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 0);
	snprintf(cmd, sizeof(cmd), "%s import assets --db %s %s --slice-rows 10 >%s 2>&1",
		 harness_bin(), H.db_path, path, out_path);
	ck_assert_int_eq(harness_run(cmd), 0);
	out = slurp(out_path);
	ck_assert_msg(strstr(out, "imported 25 assets in ") && strstr(out, "(4 write transactions"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assets"), 25);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM labels"), 25);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM imports_pending"), 0);
	ck_assert_int_eq(count_rows("SELECT count(DISTINCT import_id) FROM assets"), 1);
}
END_TEST

Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *csv = tcase_create("csv");
	TCase *http = tcase_create("http");
	TCase *cli = tcase_create("cli");
	TCase *big = tcase_create("big");

	tcase_add_test(csv, csv_quotes_escapes_and_line_breaks);
	tcase_add_test(csv, csv_bom_trailing_comma_and_no_final_newline);
	tcase_add_test(csv, csv_errors_name_line_and_field);
	tcase_add_test(csv, csv_callback_stops_and_random_bytes_are_safe);
	suite_add_tcase(s, csv);

	tcase_add_checked_fixture(http, harness_setup, harness_teardown);
	tcase_set_timeout(http, 60);
	tcase_add_test(http, good_file_imports_everything_in_one_go);
	tcase_add_test(http, bad_rows_are_all_listed_and_nothing_is_stored);
	tcase_add_test(http, errors_are_capped_with_the_total);
	tcase_add_test(http, header_problems_are_400_naming_each_column);
	tcase_add_test(http, dry_run_validates_and_writes_nothing);
	tcase_add_test(http, files_past_one_mebibyte_are_accepted);
	tcase_add_test(http, only_registry_writers_import_and_within_scope);
	suite_add_tcase(s, http);

	tcase_add_checked_fixture(big, harness_setup, harness_teardown);
	tcase_set_timeout(big, 300);
	tcase_add_test(big, big_import_leaves_logins_and_tickets_answering);
	tcase_add_test(big, failing_big_import_is_invisible_and_leaves_nothing);
	tcase_add_test(big, an_abandoned_import_is_swept_by_the_next);
	suite_add_tcase(s, big);

	tcase_add_checked_fixture(cli, harness_setup, harness_teardown);
	tcase_set_timeout(cli, 120);
	tcase_add_test(cli, cli_validates_and_reports_exit_codes);
	tcase_add_test(cli, cli_imports_a_good_file);
	tcase_add_test(cli, cli_imports_in_slices);
	suite_add_tcase(s, cli);
	return s;
}
