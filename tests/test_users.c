/* Users, regions and centres through HTTPS against the real database:
 * creation and its validation, scope (404 outside it), pagination, phone
 * masking, changes and their audit, disabling, reference data, demo data. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"
#include "harness.h"
#include "suites.h"
#include "domain/users.h"

#define NEW_PASSWORD "a long enough password"

/* The item with this username in a listing's items, or NULL. */
static json_t *find_user(const json_t *doc, const char *username)
{
	json_t *items = json_object_get(doc, "items"), *u;
	size_t i;

	json_array_foreach(items, i, u) {
		if (strcmp(jstr(u, "username"), username) == 0)
			return u;
	}
	return NULL;
}

static void get_user(const char *token, int64_t id, struct http_result *r)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)id);
	http_json("GET", path, token, NULL, r);
}

START_TEST(admin_creates_a_user)
{
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char location[64], want[64], sql[256], *hash, *after;
	json_t *audit;
	int64_t id;

	ck_assert_int_eq(
	    http_json("POST", "/v1/users", admin,
		      "{\"username\":\"newbie\",\"password\":\"" NEW_PASSWORD "\","
		      "\"role\":\"technician\",\"display_name\":\"New Bie\","
		      "\"region\":\"SZ\",\"centre\":\"C-SZ\",\"phone\":\"13912345678\"}",
		      &r),
	    201);
	id = json_integer_value(json_object_get(r.json, "id"));
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(r.json, "username"), "newbie");
	ck_assert_str_eq(jstr(r.json, "display_name"), "New Bie");
	ck_assert_str_eq(jstr(r.json, "role"), "technician");
	ck_assert_str_eq(jstr(r.json, "region"), "SZ");
	ck_assert_str_eq(jstr(r.json, "centre"), "C-SZ");
	/* Write answers mask it even for admins: only an audited GET shows it. */
	ck_assert_str_eq(jstr(r.json, "phone"), "139****5678");
	ck_assert(json_is_false(json_object_get(r.json, "disabled")));
	ck_assert_uint_eq(strlen(jstr(r.json, "created_at")), 20);
	ck_assert_int_eq(jstr(r.json, "created_at")[19], 'Z');
	ck_assert_str_eq(jstr(r.json, "created_at"), jstr(r.json, "updated_at"));
	ck_assert_ptr_null(json_object_get(r.json, "password"));
	ck_assert_ptr_null(json_object_get(r.json, "password_hash"));
	ck_assert_ptr_nonnull(http_header(&r, "Location", location, sizeof(location)));
	snprintf(want, sizeof(want), "/v1/users/%lld", (long long)id);
	ck_assert_str_eq(location, want);
	http_result_free(&r);

	/* Stored as Argon2id, and the audit entry carries no secret. */
	snprintf(sql, sizeof(sql), "SELECT password_hash FROM users WHERE id = %lld",
		 (long long)id);
	hash = row_text(sql);
	ck_assert_ptr_nonnull(hash);
	ck_assert_int_eq(strncmp(hash, "$argon2id$", 10), 0);
	snprintf(
	    sql, sizeof(sql),
	    "SELECT count(*) FROM audit_log WHERE action = 'user.create' AND object_type = 'user'"
	    " AND object_id = '%lld' AND actor = 'root' AND before IS NULL",
	    (long long)id);
	ck_assert_int_eq(count_rows(sql), 1);
	after = row_text("SELECT after FROM audit_log WHERE action = 'user.create'");
	ck_assert_ptr_nonnull(after);
	audit = json_loads(after, 0, NULL);
	ck_assert_ptr_nonnull(audit);
	ck_assert_str_eq(jstr(audit, "username"), "newbie");
	ck_assert_str_eq(jstr(audit, "role"), "technician");
	ck_assert_ptr_null(strstr(after, "argon2"));
	ck_assert_ptr_null(strstr(after, hash));
	ck_assert_ptr_null(strstr(after, NEW_PASSWORD));
	ck_assert_ptr_null(strstr(after, "password"));
	ck_assert_ptr_null(strstr(after, "13912345678")); /* the audit log holds it masked */
	json_decref(audit);
	free(after);
	free(hash);

	/* The new account can log in with its password. */
	ck_assert_int_eq(http_login("newbie", NEW_PASSWORD, &r), 200);
	http_result_free(&r);

	/* Optional members may be left out: no region, no centre, empty phone,
	 * display name defaults to the username. */
	ck_assert_int_eq(http_json("POST", "/v1/users", admin,
				   "{\"username\":\"plain.one\",\"password\":\"" NEW_PASSWORD "\","
				   "\"role\":\"auditor\",\"region\":null}",
				   &r),
			 201);
	ck_assert(json_is_null(json_object_get(r.json, "region")));
	ck_assert(json_is_null(json_object_get(r.json, "centre")));
	ck_assert_str_eq(jstr(r.json, "phone"), "");
	ck_assert_str_eq(jstr(r.json, "display_name"), "plain.one");
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(duplicate_username_is_409)
{
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);

	ck_assert_int_eq(http_json("POST", "/v1/users", admin,
				   "{\"username\":\"twin\",\"password\":\"" NEW_PASSWORD "\","
				   "\"role\":\"sales\",\"region\":\"GD\"}",
				   &r),
			 201);
	http_result_free(&r);
	/* Usernames are unique case-insensitively. */
	http_json("POST", "/v1/users", admin,
		  "{\"username\":\"TWIN\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\"}",
		  &r);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	http_json("POST", "/v1/users", admin,
		  "{\"username\":\"root\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"admin\"}",
		  &r);
	assert_problem(&r, 409, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users WHERE lower(username) = 'twin'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.create'"),
			 1);
	free(admin);
}
END_TEST

START_TEST(each_invalid_field_is_named_and_nothing_is_stored)
{
	static const struct {
		const char *body;
		const char *pointer;
	} cases[] = {
		{ "{\"username\":\"ab\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\"}",
		  "/username" },
		{ "{\"username\":\"bad name!\",\"password\":\"" NEW_PASSWORD
		  "\",\"role\":\"sales\"}",
		  "/username" },
		{ "{\"username\":"
		  "\"x1234567890123456789012345678901234567890123456789012345678901234\","
		  "\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\"}",
		  "/username" },
		{ "{\"username\":\"okname\",\"password\":\"short\",\"role\":\"sales\"}",
		  "/password" },
		{ "{\"username\":\"okname\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"king\"}",
		  "/role" },
		{ "{\"username\":\"okname\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\","
		  "\"region\":\"XX\"}",
		  "/region" },
		{ "{\"username\":\"okname\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\","
		  "\"centre\":\"C-XX\"}",
		  "/centre" },
		/* The centre must lie in the user's region or below it. */
		{ "{\"username\":\"okname\",\"password\":\"" NEW_PASSWORD
		  "\",\"role\":\"technician\","
		  "\"region\":\"GD\",\"centre\":\"C-NJ\"}",
		  "/centre" },
		{ "{\"username\":\"okname\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\","
		  "\"phone\":\"call me\"}",
		  "/phone" },
		{ "{\"username\":\"okname\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\","
		  "\"nickname\":\"x\"}",
		  "/nickname" },
		{ "{\"username\":7,\"password\":\"" NEW_PASSWORD "\",\"role\":\"sales\"}",
		  "/username" },
		{ "{\"username\":\"okname\",\"role\":\"sales\"}", "/password" },
	};
	static const char *const all_at_once[] = { "/username", "/password", "/role", "/region",
						   "/centre" };
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_json("POST", "/v1/users", admin, cases[i].body, &r);
		assert_problem(&r, 400, cases[i].pointer);
		http_result_free(&r);
	}
	/* Every problem of one body is reported at once. */
	http_json("POST", "/v1/users", admin,
		  "{\"username\":\"x\",\"password\":\"short\",\"role\":\"nope\",\"region\":\"XX\","
		  "\"centre\":\"C-XX\"}",
		  &r);
	for (size_t i = 0; i < sizeof(all_at_once) / sizeof(all_at_once[0]); i++)
		assert_problem(&r, 400, all_at_once[i]);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 5);
	http_result_free(&r);

	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 1); /* root only */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'user.%'"),
			 0);
	free(admin);
}
END_TEST

/* NIST SP 800-63B's blocklist: common and dictionary passwords
 * (cracklib), the username (any case, reversed, digits after it) and the
 * product's and demo data's names are refused under /password, without
 * the password in the answer; on create and on change alike. */
START_TEST(blocklisted_passwords_are_refused_without_echo)
{
	static const char *const refused[] = {
		"password123",      /* common */
		"qwertyuiop",       /* keyboard run */
		"Maria.Chen2024",   /* the username, any case, digits after */
		"nehc.airam-x9",    /* reversed */
		"my-MARIACHEN-key", /* inside */
		"FieldTrace-2026!", /* the product */
		"Yuehai-Energy-7",  /* a demo customer */
	};
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char body[256], path[64];
	int64_t id;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"username\":\"maria.chen\",\"password\":\"%s\",\"role\":\"sales\"}",
			 refused[i]);
		http_json("POST", "/v1/users", admin, body, &r);
		assert_problem(&r, 400, "/password");
		ck_assert_msg(!strstr(r.body, refused[i]), "%s echoed in %s", refused[i], r.body);
		http_result_free(&r);
	}
	/* A short username is refused only as the whole password. */
	http_json("POST", "/v1/users", admin,
		  "{\"username\":\"bob\",\"password\":\"Bob1234567\",\"role\":\"sales\"}", &r);
	assert_problem(&r, 400, "/password");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 1); /* root only */

	ck_assert_int_eq(http_json("POST", "/v1/users", admin,
				   "{\"username\":\"maria.chen\",\"password\":"
				   "\"orbit lantern pepper canyon\",\"role\":\"sales\"}",
				   &r),
			 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("POST", "/v1/users", admin,
				   "{\"username\":\"bob\",\"password\":"
				   "\"bobsled downhill winter\",\"role\":\"sales\"}",
				   &r),
			 201);
	http_result_free(&r);
	ck_assert_int_eq(http_login("maria.chen", "orbit lantern pepper canyon", &r), 200);
	http_result_free(&r);

	/* Changing it is held to the same list; the old password stands. */
	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)id);
	http_json("PATCH", path, admin, "{\"password\":\"mariachen!!!!\"}", &r);
	assert_problem(&r, 400, "/password");
	http_result_free(&r);
	http_json("PATCH", path, admin, "{\"password\":\"iloveyou12\"}", &r);
	assert_problem(&r, 400, "/password");
	http_result_free(&r);
	ck_assert_int_eq(http_login("maria.chen", "orbit lantern pepper canyon", &r), 200);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(only_admins_create_users)
{
	struct http_result r;
	char *sup = harness_user_token("sup", "supervisor", "GD", NULL);
	char *tech = harness_user_token("tec", "technician", "SZ", "C-SZ");
	const char *body =
	    "{\"username\":\"sneaky\",\"password\":\"" NEW_PASSWORD "\",\"role\":\"admin\"}";

	http_json("POST", "/v1/users", sup, body, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_json("POST", "/v1/users", NULL, body, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	http_json("GET", "/v1/users", tech, NULL, &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_json("PATCH", "/v1/users/1", sup, "{\"disabled\":true}", &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users WHERE username = 'sneaky'"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users WHERE disabled = 1"), 0);
	free(sup);
	free(tech);
}
END_TEST

START_TEST(supervisor_sees_only_their_region_subtree)
{
	struct http_result r, unknown;
	int64_t sz = harness_seed_user("sz.tech", "technician", "SZ", "C-SZ");
	int64_t nj = harness_seed_user("nj.tech", "technician", "NJ", "C-NJ");
	int64_t nowhere = harness_seed_user("nowhere", "sales", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);

	get_user(sup, sz, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(jstr(r.json, "username"), "sz.tech");
	http_result_free(&r);

	/* Out of scope answers exactly like an unknown id. */
	get_user(sup, 999999, &unknown);
	assert_problem(&unknown, 404, NULL);
	get_user(sup, nj, &r);
	assert_problem(&r, 404, NULL);
	ck_assert_str_eq(jstr(r.json, "detail"), jstr(unknown.json, "detail"));
	ck_assert_str_eq(jstr(r.json, "title"), jstr(unknown.json, "title"));
	http_result_free(&r);
	http_result_free(&unknown);
	get_user(sup, nowhere, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);

	ck_assert_int_eq(http_json("GET", "/v1/users", sup, NULL, &r), 200);
	ck_assert_ptr_nonnull(find_user(r.json, "sz.tech"));
	ck_assert_ptr_nonnull(find_user(r.json, "sup.gd"));
	ck_assert_ptr_null(find_user(r.json, "nj.tech"));
	ck_assert_ptr_null(find_user(r.json, "nowhere"));
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	http_result_free(&r);

	/* A filter never widens the scope. */
	ck_assert_int_eq(http_json("GET", "/v1/users?region=JS", sup, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
	http_result_free(&r);
	free(sup);
}
END_TEST

START_TEST(dispatcher_sees_only_their_centre)
{
	struct http_result r;
	int64_t same = harness_seed_user("tech.a", "technician", "SZ", "C-SZ");
	int64_t other = harness_seed_user("tech.b", "technician", "GZ", "C-GZ");
	char *disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	json_t *u;
	size_t i;

	ck_assert_int_eq(http_json("GET", "/v1/users", disp, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	json_array_foreach(json_object_get(r.json, "items"), i, u)
		ck_assert_str_eq(jstr(u, "centre"), "C-SZ");
	ck_assert_ptr_nonnull(find_user(r.json, "tech.a"));
	ck_assert_ptr_null(find_user(r.json, "tech.b"));
	http_result_free(&r);
	get_user(disp, same, &r);
	ck_assert_int_eq(r.status, 200);
	http_result_free(&r);
	get_user(disp, other, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	free(disp);
}
END_TEST

START_TEST(pagination_walks_every_page)
{
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char path[320], cursor[256] = "", name[32];
	int64_t last = 0;
	int pages = 0, seen = 0;

	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		harness_seed_user(name, "technician", "SZ", "C-SZ");
	}
	do {
		json_t *items, *u;
		size_t i;

		snprintf(path, sizeof(path), "/v1/users?limit=2%s%s", cursor[0] ? "&cursor=" : "",
			 cursor);
		ck_assert_int_eq(http_json("GET", path, admin, NULL, &r), 200);
		items = json_object_get(r.json, "items");
		ck_assert_uint_le(json_array_size(items), 2);
		json_array_foreach(items, i, u) {
			int64_t id = json_integer_value(json_object_get(u, "id"));

			ck_assert_int_gt(id, last); /* id order, no repeats */
			last = id;
			seen++;
		}
		pages++;
		if (json_is_string(json_object_get(r.json, "next_cursor")))
			snprintf(cursor, sizeof(cursor), "%s", jstr(r.json, "next_cursor"));
		else
			cursor[0] = '\0';
		ck_assert(json_object_get(r.json, "next_cursor") != NULL);
		http_result_free(&r);
	} while (cursor[0] && pages < 10);
	ck_assert_int_eq(seen, 5);
	ck_assert_int_eq(pages, 3);

	http_json("GET", "/v1/users?cursor=!!", admin, NULL, &r);
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	http_json("GET", "/v1/users?cursor=YWJj", admin, NULL, &r); /* "abc": not an id */
	assert_problem(&r, 400, "cursor");
	http_result_free(&r);
	http_json("GET", "/v1/users?limit=0", admin, NULL, &r);
	assert_problem(&r, 400, "limit");
	http_result_free(&r);
	http_json("GET", "/v1/users?limit=201", admin, NULL, &r);
	assert_problem(&r, 400, "limit");
	http_result_free(&r);
	http_json("GET", "/v1/users?sort=name", admin, NULL, &r);
	assert_problem(&r, 400, "sort");
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(list_filters)
{
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);

	harness_seed_user("Zhang.Wei", "technician", "SZ", "C-SZ");
	harness_seed_user("li.na", "technician", "NJ", "C-NJ");
	harness_seed_user("wang.fang", "sales", "GD", NULL);

	ck_assert_int_eq(http_json("GET", "/v1/users?role=technician", admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	ck_assert_ptr_null(find_user(r.json, "wang.fang"));
	http_result_free(&r);
	/* A region filter takes in its subtree. */
	ck_assert_int_eq(http_json("GET", "/v1/users?region=GD", admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
	ck_assert_ptr_nonnull(find_user(r.json, "Zhang.Wei"));
	ck_assert_ptr_nonnull(find_user(r.json, "wang.fang"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/users?centre=C-NJ", admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_ptr_nonnull(find_user(r.json, "li.na"));
	http_result_free(&r);
	/* q: case-insensitive substring; LIKE wildcards are plain text. */
	ck_assert_int_eq(http_json("GET", "/v1/users?q=zhang", admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_ptr_nonnull(find_user(r.json, "Zhang.Wei"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/users?q=%25", admin, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/users?role=technician&region=JS", admin, NULL, &r),
			 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	http_result_free(&r);

	http_json("GET", "/v1/users?role=king", admin, NULL, &r);
	assert_problem(&r, 400, "role");
	http_result_free(&r);
	http_json("GET", "/v1/users?region=XX&centre=C-XX", admin, NULL, &r);
	assert_problem(&r, 400, "region");
	assert_problem(&r, 400, "centre");
	http_result_free(&r);
	http_json("GET", "/v1/users?q=", admin, NULL, &r);
	assert_problem(&r, 400, "q");
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(phone_is_masked_for_everyone_but_admins)
{
	struct http_result r;
	int64_t id = harness_seed_user("sz.tech", "technician", "SZ", "C-SZ"); /* 13800138000 */
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup = harness_user_token("sup.gd", "supervisor", "GD", NULL);
	char *auditor = harness_user_token("aud", "auditor", NULL, NULL);
	char sql[256], path[64];

	get_user(sup, id, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(jstr(r.json, "phone"), "138****8000");
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/users", auditor, NULL, &r), 200);
	ck_assert_str_eq(jstr(find_user(r.json, "sz.tech"), "phone"), "138****8000");
	http_result_free(&r);
	/* Masked reads are not audited. */
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.read_personal'"), 0);

	get_user(admin, id, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(jstr(r.json, "phone"), "13800138000");
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/users", admin, NULL, &r), 200);
	ck_assert_str_eq(jstr(find_user(r.json, "sz.tech"), "phone"), "13800138000");
	http_result_free(&r);
	/* Each unmasked read is audited, per user shown. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM audit_log WHERE action = 'user.read_personal'"
		 " AND object_id = '%lld' AND actor = 'root'",
		 (long long)id);
	ck_assert_int_eq(count_rows(sql), 2);

	/* Short numbers are masked whole. */
	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)id);
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"phone\":\"12345\"}", &r), 200);
	ck_assert_str_eq(jstr(r.json, "phone"), "****");
	http_result_free(&r);
	get_user(admin, id, &r);
	ck_assert_str_eq(jstr(r.json, "phone"), "12345");
	http_result_free(&r);
	get_user(sup, id, &r);
	ck_assert_str_eq(jstr(r.json, "phone"), "****");
	http_result_free(&r);
	free(admin);
	free(sup);
	free(auditor);
}
END_TEST

START_TEST(patch_changes_and_audits_before_and_after)
{
	struct http_result r;
	int64_t id = harness_seed_user("target", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char path[64], sql[256], *before_text, *after_text, *role;
	json_t *before, *after;

	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)id);
	ck_assert_int_eq(http_json("PATCH", path, admin,
				   "{\"display_name\":\"Renamed\",\"role\":\"dispatcher\","
				   "\"phone\":\"13911112222\"}",
				   &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "display_name"), "Renamed");
	ck_assert_str_eq(jstr(r.json, "role"), "dispatcher");
	ck_assert_str_eq(jstr(r.json, "phone"), "139****2222"); /* write answers mask */
	ck_assert_str_eq(jstr(r.json, "region"), "SZ");         /* not sent: unchanged */
	ck_assert_str_ne(jstr(r.json, "updated_at"), jstr(r.json, "created_at"));
	http_result_free(&r);

	snprintf(sql, sizeof(sql), "SELECT role FROM users WHERE id = %lld", (long long)id);
	role = row_text(sql);
	ck_assert_str_eq(role, "dispatcher");
	free(role);
	snprintf(sql, sizeof(sql),
		 "SELECT before FROM audit_log WHERE action = 'user.update' AND object_id = '%lld'",
		 (long long)id);
	before_text = row_text(sql);
	snprintf(sql, sizeof(sql),
		 "SELECT after FROM audit_log WHERE action = 'user.update' AND object_id = '%lld'",
		 (long long)id);
	after_text = row_text(sql);
	ck_assert_ptr_nonnull(before_text);
	ck_assert_ptr_nonnull(after_text);
	before = json_loads(before_text, 0, NULL);
	after = json_loads(after_text, 0, NULL);
	ck_assert_str_eq(jstr(before, "role"), "technician");
	ck_assert_str_eq(jstr(before, "display_name"), "target");
	ck_assert_str_eq(jstr(after, "role"), "dispatcher");
	ck_assert_str_eq(jstr(after, "display_name"), "Renamed");
	ck_assert_str_eq(jstr(after, "phone"), "139****2222");
	json_decref(before);
	json_decref(after);
	free(before_text);
	free(after_text);

	/* Invalid changes store nothing. */
	http_json("PATCH", path, admin, "{\"region\":\"NJ\",\"role\":\"boss\"}", &r);
	assert_problem(&r, 400, "/centre"); /* C-SZ is not in NJ */
	assert_problem(&r, 400, "/role");
	http_result_free(&r);
	http_json("PATCH", path, admin, "{\"password\":\"short\"}", &r);
	assert_problem(&r, 400, "/password");
	http_result_free(&r);
	http_json("PATCH", path, admin, "{\"nickname\":\"x\"}", &r);
	assert_problem(&r, 400, "/nickname");
	http_result_free(&r);
	http_json("PATCH", path, admin, "{\"disabled\":\"yes\"}", &r);
	assert_problem(&r, 400, "/disabled");
	http_result_free(&r);
	http_json("PATCH", path, admin, "{}", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);
	http_json("PATCH", "/v1/users/999999", admin, "{\"display_name\":\"x\"}", &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	snprintf(sql, sizeof(sql), "SELECT region_code FROM users WHERE id = %lld", (long long)id);
	role = row_text(sql);
	ck_assert_str_eq(role, "SZ");
	free(role);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.update'"),
			 1);

	/* Moving region and centre together, and clearing them with null. */
	ck_assert_int_eq(
	    http_json("PATCH", path, admin, "{\"region\":\"NJ\",\"centre\":\"C-NJ\"}", &r), 200);
	ck_assert_str_eq(jstr(r.json, "centre"), "C-NJ");
	http_result_free(&r);
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"region\":null,\"centre\":null}", &r),
			 200);
	ck_assert(json_is_null(json_object_get(r.json, "region")));
	ck_assert(json_is_null(json_object_get(r.json, "centre")));
	http_result_free(&r);

	/* A new password works, and the audit entry only says it changed. */
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"password\":\"" NEW_PASSWORD "\"}", &r),
			 200);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.update'"
				    " AND json_extract(after, '$.password_changed') = 1"),
			 1);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM audit_log WHERE instr(after, 'argon2') > 0"
		       " OR instr(after, '" NEW_PASSWORD "') > 0"
		       " OR instr(before, 'argon2') > 0"),
	    0);
	ck_assert_int_eq(http_login("target", NEW_PASSWORD, &r), 200);
	http_result_free(&r);
	free(admin);
}
END_TEST

START_TEST(disabling_a_user_ends_their_tokens)
{
	struct http_result r;
	int64_t id = harness_seed_user("leaver", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char path[64], sql[256], *access, *refresh_token, body[256];

	ck_assert_int_eq(http_login("leaver", TEST_PASSWORD, &r), 200);
	access = strdup(jstr(r.json, "access_token"));
	refresh_token = strdup(jstr(r.json, "refresh_token"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/me", access, NULL, &r), 200);
	http_result_free(&r);

	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)id);
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"disabled\":true}", &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "disabled")));
	http_result_free(&r);

	http_json("GET", "/v1/me", access, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", refresh_token);
	http_json("POST", "/v1/auth/refresh", NULL, body, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM sessions WHERE user_id = %lld AND revoked_at IS NULL",
		 (long long)id);
	ck_assert_int_eq(count_rows(sql), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM access_tokens WHERE session_id IN"
		 " (SELECT id FROM sessions WHERE user_id = %lld)",
		 (long long)id);
	ck_assert_int_eq(count_rows(sql), 0);
	http_login("leaver", TEST_PASSWORD, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);

	/* Enabling again does not bring the old session back; a new login works. */
	ck_assert_int_eq(http_json("PATCH", path, admin, "{\"disabled\":false}", &r), 200);
	http_result_free(&r);
	http_json("GET", "/v1/me", access, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_login("leaver", TEST_PASSWORD, &r), 200);
	http_result_free(&r);
	/* The admin's own session is untouched. */
	ck_assert_int_eq(http_json("GET", "/v1/me", admin, NULL, &r), 200);
	http_result_free(&r);
	free(access);
	free(refresh_token);
	free(admin);
}
END_TEST

START_TEST(regions_and_centres)
{
	static const char *const tree_order[] = { "CN", "GD", "GZ", "SZ", "JS", "NJ" };
	struct http_result r;
	char *tech = harness_user_token("tec", "technician", "SZ", "C-SZ");
	char path[256];
	json_t *items, *c;

	ck_assert_int_eq(http_json("GET", "/v1/regions", tech, NULL, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_uint_eq(json_array_size(items), 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(jstr(json_array_get(items, i), "code"), tree_order[i]);
	ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "parent")));
	ck_assert_str_eq(jstr(json_array_get(items, 0), "name"), "中国");
	ck_assert_str_eq(jstr(json_array_get(items, 0), "name_en"), "China");
	ck_assert_str_eq(jstr(json_array_get(items, 0), "level"), "country");
	ck_assert_str_eq(jstr(json_array_get(items, 3), "parent"), "GD");
	ck_assert_str_eq(jstr(json_array_get(items, 3), "level"), "city");
	ck_assert(json_is_null(json_object_get(r.json, "next_cursor")));
	http_result_free(&r);

	ck_assert_int_eq(http_json("GET", "/v1/regions?limit=4", tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 4);
	ck_assert(json_is_string(json_object_get(r.json, "next_cursor")));
	snprintf(path, sizeof(path), "/v1/regions?limit=4&cursor=%s", jstr(r.json, "next_cursor"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", path, tech, NULL, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_uint_eq(json_array_size(items), 2);
	ck_assert_str_eq(jstr(json_array_get(items, 0), "code"), "JS");
	ck_assert(json_is_null(json_object_get(r.json, "next_cursor")));
	http_result_free(&r);

	ck_assert_int_eq(http_json("GET", "/v1/centres", tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3);
	http_result_free(&r);
	/* The region filter takes in the subtree: GD holds SZ and GZ. */
	ck_assert_int_eq(http_json("GET", "/v1/centres?region=GD", tech, NULL, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_uint_eq(json_array_size(items), 2);
	ck_assert_str_eq(jstr(json_array_get(items, 0), "code"), "C-GZ");
	c = json_array_get(items, 1);
	ck_assert_str_eq(jstr(c, "code"), "C-SZ");
	ck_assert_str_eq(jstr(c, "name"), "深圳服务中心");
	ck_assert_str_eq(jstr(c, "region"), "SZ");
	ck_assert_double_eq_tol(json_real_value(json_object_get(c, "latitude")), 22.54, 1e-9);
	ck_assert_double_eq_tol(json_real_value(json_object_get(c, "longitude")), 114.06, 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "capacity")), 40);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/centres?region=NJ", tech, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
	http_result_free(&r);

	http_json("GET", "/v1/centres?region=XX", tech, NULL, &r);
	assert_problem(&r, 400, "region");
	http_result_free(&r);
	http_json("GET", "/v1/regions?region=GD", tech, NULL, &r);
	assert_problem(&r, 400, "region");
	http_result_free(&r);
	http_json("GET", "/v1/regions", NULL, NULL, &r);
	assert_problem(&r, 401, NULL);
	http_result_free(&r);
	free(tech);
}
END_TEST

/* An audit entry's before or after, parsed (NULL when there is none). */
static json_t *audit_doc(const char *column, const char *action, const char *object_id)
{
	char sql[256], *text;
	json_t *doc;

	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM audit_log WHERE action = '%s' AND object_id = '%s'"
		 " ORDER BY id DESC LIMIT 1",
		 column, action, object_id);
	text = row_text(sql);
	doc = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return doc;
}

START_TEST(admins_create_and_change_regions)
{
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *sup = harness_user_token("sup", "supervisor", "GD", NULL);
	char location[64], *path;
	json_t *before, *after;

	ck_assert_int_eq(http_json("POST", "/v1/regions", admin,
				   "{\"code\":\"FS\",\"parent\":\"GD\",\"name\":\"佛山\","
				   "\"name_en\":\"Foshan\",\"level\":\"city\"}",
				   &r),
			 201);
	ck_assert_str_eq(http_header(&r, "Location", location, sizeof(location)), "/v1/regions/FS");
	ck_assert_str_eq(jstr(r.json, "code"), "FS");
	ck_assert_str_eq(jstr(r.json, "parent"), "GD");
	ck_assert_str_eq(jstr(r.json, "name"), "佛山");
	ck_assert_str_eq(jstr(r.json, "level"), "city");
	http_result_free(&r);
	path = row_text("SELECT path FROM regions WHERE code = 'FS'");
	ck_assert_str_eq(path, "/CN/GD/FS/");
	free(path);
	after = audit_doc("after", "region.create", "FS");
	ck_assert_str_eq(jstr(after, "name_en"), "Foshan");
	json_decref(after);
	ck_assert_int_eq(http_json("GET", "/v1/regions/FS", sup, NULL, &r), 200);
	ck_assert_str_eq(jstr(r.json, "name"), "佛山");
	http_result_free(&r);
	/* A new country: no parent, name_en optional. */
	ck_assert_int_eq(http_json("POST", "/v1/regions", admin,
				   "{\"code\":\"HK\",\"parent\":null,\"name\":\"香港\","
				   "\"level\":\"country\"}",
				   &r),
			 201);
	ck_assert(json_is_null(json_object_get(r.json, "parent")));
	ck_assert_str_eq(jstr(r.json, "name_en"), "");
	http_result_free(&r);

	/* Each bad member is named and nothing is stored. */
	http_json("POST", "/v1/regions", admin,
		  "{\"code\":\"FS\",\"parent\":\"GD\",\"name\":\"又一个\",\"level\":\"city\"}", &r);
	assert_problem(&r, 409, "/code");
	http_result_free(&r);
	http_json("POST", "/v1/regions", admin,
		  "{\"code\":\"ZH\",\"parent\":\"XX\",\"name\":\"珠海\",\"level\":\"city\"}", &r);
	assert_problem(&r, 400, "/parent");
	http_result_free(&r);
	http_json("POST", "/v1/regions", admin,
		  "{\"code\":\"Z/H\",\"parent\":\"GD\",\"name\":\" \",\"level\":\"town\","
		  "\"path\":\"/x/\"}",
		  &r);
	assert_problem(&r, 400, "/code");
	assert_problem(&r, 400, "/name");
	assert_problem(&r, 400, "/level");
	assert_problem(&r, 400, "/path");
	http_result_free(&r);
	http_json("POST", "/v1/regions", admin, "{\"parent\":\"GD\"}", &r);
	assert_problem(&r, 400, "/code");
	assert_problem(&r, 400, "/name");
	assert_problem(&r, 400, "/level");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM regions"), 8);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action LIKE 'region.%'"),
			 2);

	/* Names and level change; the parent stays. */
	ck_assert_int_eq(http_json("PATCH", "/v1/regions/FS", admin,
				   "{\"name\":\"佛山市\",\"level\":\"district\",\"parent\":\"GD\"}",
				   &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "name"), "佛山市");
	ck_assert_str_eq(jstr(r.json, "name_en"), "Foshan"); /* not sent: unchanged */
	ck_assert_str_eq(jstr(r.json, "level"), "district");
	http_result_free(&r);
	before = audit_doc("before", "region.update", "FS");
	after = audit_doc("after", "region.update", "FS");
	ck_assert_str_eq(jstr(before, "name"), "佛山");
	ck_assert_str_eq(jstr(after, "name"), "佛山市");
	json_decref(before);
	json_decref(after);
	http_json("PATCH", "/v1/regions/FS", admin, "{\"parent\":\"JS\"}", &r);
	assert_problem(&r, 400, "/parent");
	http_result_free(&r);
	http_json("PATCH", "/v1/regions/FS", admin, "{\"code\":\"FX\"}", &r);
	assert_problem(&r, 400, "/code");
	http_result_free(&r);
	http_json("PATCH", "/v1/regions/FS", admin, "{\"name\":\"\",\"level\":1}", &r);
	assert_problem(&r, 400, "/name");
	assert_problem(&r, 400, "/level");
	http_result_free(&r);
	http_json("PATCH", "/v1/regions/FS", admin, "{}", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);
	http_json("PATCH", "/v1/regions/XX", admin, "{\"name\":\"x\"}", &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	http_json("GET", "/v1/regions/XX", admin, NULL, &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	path =
	    row_text("SELECT name || ' ' || level || ' ' || path FROM regions WHERE code = 'FS'");
	ck_assert_str_eq(path, "佛山市 district /CN/GD/FS/");
	free(path);

	/* Only admins write the tree. */
	http_json("POST", "/v1/regions", sup,
		  "{\"code\":\"ZH\",\"parent\":\"GD\",\"name\":\"珠海\",\"level\":\"city\"}", &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_json("PATCH", "/v1/regions/GD", sup, "{\"name\":\"x\"}", &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	free(admin);
	free(sup);
}
END_TEST

START_TEST(admins_create_and_change_centres)
{
	struct http_result r;
	char *admin = harness_user_token("root", "admin", NULL, NULL);
	char *disp = harness_user_token("disp", "dispatcher", "SZ", "C-SZ");
	char location[64], *text;
	json_t *before, *after;
	int64_t changes;

	ck_assert_int_eq(http_json("POST", "/v1/centres", admin,
				   "{\"code\":\"C-SZ2\",\"name\":\"南山服务站\",\"region\":\"SZ\","
				   "\"latitude\":22.53,\"longitude\":113.93,\"capacity\":12}",
				   &r),
			 201);
	ck_assert_str_eq(http_header(&r, "Location", location, sizeof(location)),
			 "/v1/centres/C-SZ2");
	ck_assert_str_eq(jstr(r.json, "region"), "SZ");
	ck_assert_int_eq(jint(r.json, "capacity"), 12);
	ck_assert_double_eq_tol(json_real_value(json_object_get(r.json, "latitude")), 22.53, 1e-9);
	http_result_free(&r);
	after = audit_doc("after", "centre.create", "C-SZ2");
	ck_assert_str_eq(jstr(after, "name"), "南山服务站");
	json_decref(after);
	/* Without a position and a capacity: none, and the default 50. */
	ck_assert_int_eq(http_json("POST", "/v1/centres", admin,
				   "{\"code\":\"C-NJ2\",\"name\":\"江北服务站\",\"region\":\"NJ\"}",
				   &r),
			 201);
	ck_assert(json_is_null(json_object_get(r.json, "latitude")));
	ck_assert_int_eq(jint(r.json, "capacity"), 50);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/centres/C-SZ2", disp, NULL, &r), 200);
	ck_assert_str_eq(jstr(r.json, "name"), "南山服务站");
	http_result_free(&r);

	http_json("POST", "/v1/centres", admin,
		  "{\"code\":\"C-SZ\",\"name\":\"重复\",\"region\":\"SZ\"}", &r);
	assert_problem(&r, 409, "/code");
	http_result_free(&r);
	http_json("POST", "/v1/centres", admin,
		  "{\"code\":\"C X\",\"name\":\"\",\"region\":\"XX\",\"latitude\":91,"
		  "\"capacity\":-1}",
		  &r);
	assert_problem(&r, 400, "/code");
	assert_problem(&r, 400, "/name");
	assert_problem(&r, 400, "/region");
	assert_problem(&r, 400, "/latitude");
	assert_problem(&r, 400, "/capacity");
	http_result_free(&r);
	http_json("POST", "/v1/centres", admin,
		  "{\"code\":\"C-X\",\"name\":\"x\",\"region\":\"SZ\",\"latitude\":22.5}", &r);
	assert_problem(&r, 400, "/longitude");
	http_result_free(&r);
	http_json("POST", "/v1/centres", admin, "{\"name\":\"x\",\"capacity\":\"9\"}", &r);
	assert_problem(&r, 400, "/code");
	assert_problem(&r, 400, "/region");
	assert_problem(&r, 400, "/capacity");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centres"), 5);

	/* A change: another region, the position cleared; devices hear of it. */
	changes = count_rows("SELECT count(*) FROM sync_changes WHERE entity = 'centre'");
	ck_assert_int_eq(http_json("PATCH", "/v1/centres/C-SZ2", admin,
				   "{\"region\":\"GZ\",\"latitude\":null,\"longitude\":null,"
				   "\"capacity\":0}",
				   &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "region"), "GZ");
	ck_assert_str_eq(jstr(r.json, "name"), "南山服务站");
	ck_assert(json_is_null(json_object_get(r.json, "longitude")));
	ck_assert_int_eq(jint(r.json, "capacity"), 0);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM sync_changes WHERE entity = 'centre'"),
			 changes + 1);
	before = audit_doc("before", "centre.update", "C-SZ2");
	after = audit_doc("after", "centre.update", "C-SZ2");
	ck_assert_str_eq(jstr(before, "region"), "SZ");
	ck_assert_str_eq(jstr(after, "region"), "GZ");
	json_decref(before);
	json_decref(after);
	http_json("PATCH", "/v1/centres/C-SZ2", admin, "{\"region\":\"XX\",\"longitude\":1}", &r);
	assert_problem(&r, 400, "/region");
	assert_problem(&r, 400, "/latitude");
	http_result_free(&r);
	http_json("PATCH", "/v1/centres/C-SZ2", admin, "{\"code\":\"C-Y\"}", &r);
	assert_problem(&r, 400, "/code");
	http_result_free(&r);
	http_json("PATCH", "/v1/centres/C-SZ2", admin, "{}", &r);
	assert_problem(&r, 400, "");
	http_result_free(&r);
	http_json("PATCH", "/v1/centres/C-XX", admin, "{\"name\":\"x\"}", &r);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	text = row_text("SELECT region_code || ' ' || capacity || ' ' ||"
			" coalesce(latitude, 'none') FROM centres WHERE code = 'C-SZ2'");
	ck_assert_str_eq(text, "GZ 0 none");
	free(text);

	http_json("PATCH", "/v1/centres/C-SZ", disp, "{\"name\":\"x\"}", &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	http_json("POST", "/v1/centres", disp,
		  "{\"code\":\"C-Z\",\"name\":\"x\",\"region\":\"SZ\"}", &r);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	free(admin);
	free(disp);
}
END_TEST

START_TEST(users_create_reports_the_field)
{
	struct user_record u;
	struct audit_actor actor;
	const char *field = NULL;
	int64_t id = 0;

	audit_actor_cli(&actor, "user add");
	memset(&u, 0, sizeof(u));
	snprintf(u.username, sizeof(u.username), "cli.user");
	snprintf(u.region, sizeof(u.region), "GD");
	u.role = ROLE_NONE;
	ck_assert_int_eq(users_create(H.db, &actor, &u, NEW_PASSWORD, &id, &field), ERR_INVALID);
	ck_assert_str_eq(field, "role");
	u.role = ROLE_SUPERVISOR;
	ck_assert_int_eq(users_create(H.db, &actor, &u, "short", &id, &field), ERR_INVALID);
	ck_assert_str_eq(field, "password");
	snprintf(u.centre, sizeof(u.centre), "C-NJ");
	ck_assert_int_eq(users_create(H.db, &actor, &u, NEW_PASSWORD, &id, &field), ERR_INVALID);
	ck_assert_str_eq(field, "centre");
	u.centre[0] = '\0';
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 0);

	ck_assert_int_eq(users_create(H.db, &actor, &u, NEW_PASSWORD, &id, &field), ERR_OK);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(users_create(H.db, &actor, &u, NEW_PASSWORD, &id, &field), ERR_CONFLICT);
	ck_assert_str_eq(field, "username");
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.create'"
				    " AND actor = 'cli' AND request_id = 'user add'"),
			 1);
}
END_TEST

START_TEST(demo_data_loads_once)
{
	struct http_result r;
	char *out = NULL, *path, *sup;
	size_t len = 0;
	FILE *f;
	int64_t audit_rows;

	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(demo_load(H.db, f), ERR_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "fieldtrace-demo"));
	ck_assert_ptr_nonnull(strstr(out, "dispatcher.sz"));
	ck_assert_ptr_nonnull(strstr(out, "supervisor.gd"));
	free(out);

	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 10);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM users WHERE"
		       " (username = 'admin' AND role = 'admin' AND region_code IS NULL)"
		       " OR (username = 'supervisor.gd' AND role = 'supervisor'"
		       "     AND region_code = 'GD' AND centre_code IS NULL)"
		       " OR (username = 'dispatcher.sz' AND role = 'dispatcher'"
		       "     AND region_code = 'SZ' AND centre_code = 'C-SZ')"
		       " OR (username = 'tech.sz' AND role = 'technician' AND centre_code = 'C-SZ')"
		       " OR (username = 'tech.nj' AND role = 'technician' AND centre_code = 'C-NJ')"
		       " OR (username = 'sales.gd' AND role = 'sales' AND region_code = 'GD')"
		       " OR (username = 'auditor' AND role = 'auditor' AND region_code IS NULL)"),
	    7);
	/* The harness's regions are kept; the missing ones are added with paths. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM regions"), 9);
	path = row_text("SELECT path FROM regions WHERE code = 'BJC'");
	ck_assert_str_eq(path, "/CN/BJ/BJC/");
	free(path);
	path = row_text("SELECT path FROM regions WHERE code = 'SU'");
	ck_assert_str_eq(path, "/CN/JS/SU/");
	free(path);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centres"), 4);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM centres WHERE code = 'C-BJ'"
				    " AND region_code = 'BJC' AND abs(latitude - 39.90) < 1e-9"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'user.create'"
				    " AND actor = 'cli' AND request_id = 'demo'"),
			 10);
	audit_rows = count_rows("SELECT count(*) FROM audit_log");

	/* A second load changes nothing and says so. */
	out = NULL;
	f = open_memstream(&out, &len);
	ck_assert_int_eq(demo_load(H.db, f), ERR_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "demo data already loaded"));
	ck_assert_ptr_nonnull(strstr(out, "tech.nj"));
	free(out);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM users"), 10);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log"), audit_rows);

	/* The accounts work end to end: log in, scope applies. */
	ck_assert_int_eq(http_login("supervisor.gd", "fieldtrace-demo", &r), 200);
	sup = strdup(jstr(r.json, "access_token"));
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/users", sup, NULL, &r), 200);
	ck_assert_ptr_nonnull(find_user(r.json, "tech.sz"));
	ck_assert_ptr_nonnull(find_user(r.json, "sales.gd"));
	ck_assert_ptr_null(find_user(r.json, "tech.nj"));
	ck_assert_ptr_null(find_user(r.json, "admin"));
	http_result_free(&r);
	free(sup);
}
END_TEST

/* One value of a query on the database at path (not the harness's). */
static char *query_at(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void assert_query_at(const char *path, const char *sql, const char *want)
{
	char *v = query_at(path, sql);

	ck_assert_msg(strcmp(v, want) == 0, "%s: %s, not %s", sql, v, want);
	free(v);
}

static char *run_output(const char *cmd, const char *out_path, int want_rc)
{
	ck_assert_int_eq(harness_run(cmd), want_rc);
	return harness_read_file(out_path, NULL);
}

/* An admin created first used to make `migrate --demo` say "already
 * loaded" and load nothing: the demo's own customers decide, taken demo
 * usernames are kept, and the output says what was done. */
START_TEST(migrate_demo_loads_when_only_accounts_exist)
{
	char db[400], out[400], cmd[1600], *text, *hash, *audit;

	snprintf(db, sizeof(db), "%s/demo.db", H.dir);
	snprintf(out, sizeof(out), "%s/demo.out", H.dir);
	snprintf(cmd, sizeof(cmd), "%s migrate --db %s >/dev/null 2>&1", harness_bin(), db);
	ck_assert_int_eq(harness_run(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "printf '%%s\\n' '" NEW_PASSWORD "' | %s user add --db %s --username admin"
		 " --role admin --password-stdin >/dev/null 2>&1",
		 harness_bin(), db);
	ck_assert_int_eq(harness_run(cmd), 0);
	hash = query_at(db, "SELECT password_hash FROM users WHERE username = 'admin'");

	snprintf(cmd, sizeof(cmd), "%s migrate --db %s --demo >%s 2>/dev/null", harness_bin(), db,
		 out);
	text = run_output(cmd, out, 0);
	ck_assert_msg(strstr(text, "demo data loaded: 3 product lines, 5 models, 6 customers, 7"
				   " sites, 30 units, 6 service requests") != NULL,
		      "%s", text);
	ck_assert_msg(strstr(text, "accounts: created 9, kept 1 existing (admin: their own role"
				   " and password, not the demo's)") != NULL,
		      "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "tech.sz"));
	ck_assert_ptr_nonnull(strstr(text, "fieldtrace-demo"));
	ck_assert_ptr_null(strstr(text, "already loaded"));
	free(text);
	assert_query_at(db, "SELECT count(*) FROM customers", "6");
	assert_query_at(db, "SELECT count(*) FROM assets", "30");
	/* Six open requests, and 96 of history, every one finished. */
	assert_query_at(db, "SELECT count(*) FROM tickets", "102");
	assert_query_at(db,
			"SELECT count(*) FROM tickets WHERE status NOT IN ('closed', 'cancelled')",
			"6");
	assert_query_at(db, "SELECT count(*) FROM tickets WHERE closed_at > strftime('%s', 'now')",
			"0");
	assert_query_at(db, "SELECT count(*) FROM users", "10");
	/* The admin is theirs: not re-created, same role and password. */
	assert_query_at(db, "SELECT role || ' ' || id FROM users WHERE username = 'admin'",
			"admin 1");
	text = query_at(db, "SELECT password_hash FROM users WHERE username = 'admin'");
	ck_assert_str_eq(text, hash);
	free(text);
	free(hash);

	/* Again: the demo's customers are there, so nothing more. */
	audit = query_at(db, "SELECT count(*) FROM audit_log");
	text = run_output(cmd, out, 0);
	ck_assert_msg(strstr(text, "demo data already loaded (6 of its 6 customers are in this"
				   " database): nothing loaded") != NULL,
		      "%s", text);
	free(text);
	assert_query_at(db, "SELECT count(*) FROM audit_log", audit);
	assert_query_at(db, "SELECT count(*) FROM customers", "6");
	assert_query_at(db, "SELECT count(*) FROM tickets", "102");
	free(audit);
}
END_TEST

Suite *users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("users");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, admin_creates_a_user);
	tcase_add_test(tc, duplicate_username_is_409);
	tcase_add_test(tc, each_invalid_field_is_named_and_nothing_is_stored);
	tcase_add_test(tc, blocklisted_passwords_are_refused_without_echo);
	tcase_add_test(tc, only_admins_create_users);
	tcase_add_test(tc, supervisor_sees_only_their_region_subtree);
	tcase_add_test(tc, dispatcher_sees_only_their_centre);
	tcase_add_test(tc, pagination_walks_every_page);
	tcase_add_test(tc, list_filters);
	tcase_add_test(tc, phone_is_masked_for_everyone_but_admins);
	tcase_add_test(tc, patch_changes_and_audits_before_and_after);
	tcase_add_test(tc, disabling_a_user_ends_their_tokens);
	tcase_add_test(tc, regions_and_centres);
	tcase_add_test(tc, admins_create_and_change_regions);
	tcase_add_test(tc, admins_create_and_change_centres);
	tcase_add_test(tc, users_create_reports_the_field);
	tcase_add_test(tc, demo_data_loads_once);
	tcase_add_test(tc, migrate_demo_loads_when_only_accounts_exist);
	suite_add_tcase(s, tc);
	return s;
}
