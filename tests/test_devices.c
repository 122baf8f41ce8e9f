/* Push devices through the real stack: a caller registers their phone,
 * registers it again (200), rotates its token, lists and removes their
 * own; another's device is 404; admins list anyone's; a token held by
 * another user moves to the caller; every bad field is a 400 naming it and
 * stores nothing; tokens never show but for their tail, nor in the audit
 * log. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suites.h"

#define FCM_TOKEN "fcm-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:APA91bHUNTERtail01"
#define FCM_TOKEN2 "fcm-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb:APA91bHUNTERtail02"
#define APNS_TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_t *device(const char *platform, const char *provider, const char *token)
{
	return json_pack("{s:s, s:s, s:s}", "platform", platform, "provider", provider, "token",
			 token);
}

START_TEST(register_again_rotate_list_and_remove)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *other = harness_user_token("tech2", "technician", "SZ", "C-SZ");
	int64_t tech_id = harness_user_id("tech1");
	struct http_result r;
	char location[64], path[64];
	json_t *body, *items;
	int64_t id, id2;

	/* New: 201 with Location, only the token's tail. */
	body = device("android", "fcm", FCM_TOKEN);
	json_object_set_new(body, "app_version", json_string("2.3.1"));
	json_object_set_new(body, "locale", json_string("en"));
	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech, body, &r), 201);
	id = jint(r.json, "id");
	snprintf(path, sizeof(path), "/v1/devices/%lld", (long long)id);
	ck_assert_str_eq(http_header(&r, "Location", location, sizeof(location)), path);
	ck_assert_str_eq(jstr(r.json, "token_tail"), "tail01");
	ck_assert_str_eq(jstr(r.json, "platform"), "android");
	ck_assert_str_eq(jstr(r.json, "provider"), "fcm");
	ck_assert_str_eq(jstr(r.json, "app_version"), "2.3.1");
	ck_assert_str_eq(jstr(r.json, "locale"), "en");
	ck_assert_int_eq(jint(r.json, "user_id"), tech_id);
	ck_assert_ptr_null(strstr(r.body, FCM_TOKEN));
	ck_assert_ptr_null(json_object_get(r.json, "token"));
	http_result_free(&r);

	/* Again by the same user: 200, the same row, updated. */
	body = device("android", "fcm", FCM_TOKEN);
	json_object_set_new(body, "app_version", json_string("2.4.0"));
	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech, body, &r), 200);
	ck_assert_int_eq(jint(r.json, "id"), id);
	ck_assert_str_eq(jstr(r.json, "app_version"), "2.4.0");
	ck_assert_str_eq(jstr(r.json, "locale"), "zh");
	ck_assert_ptr_null(http_header(&r, "Location", location, sizeof(location)));
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM devices"), 1);

	/* Rotation: the new token registers, the old one retires. */
	body = device("android", "fcm", FCM_TOKEN2);
	json_object_set_new(body, "replaces", json_string(FCM_TOKEN));
	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech, body, &r), 201);
	id2 = jint(r.json, "id");
	ck_assert_int_ne(id2, id);
	ck_assert_str_eq(jstr(r.json, "token_tail"), "tail02");
	http_result_free(&r);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM devices WHERE retired_reason = 'rotated'"), 1);

	/* A second device, then the list: live ones, own only. */
	body = device("ios", "apns", APNS_TOKEN);
	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech, body, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/devices", tech, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_int_eq(asize(items), 2);
	ck_assert_int_eq(jint(json_array_get(items, 0), "id"), id2);
	ck_assert_ptr_null(strstr(r.body, FCM_TOKEN2));
	ck_assert_ptr_null(strstr(r.body, APNS_TOKEN));
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/devices", other, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 0);
	http_result_free(&r);

	/* Another's device is 404 to delete; one's own 204, then 404. */
	snprintf(path, sizeof(path), "/v1/devices/%lld", (long long)id2);
	http_expect("DELETE", path, other, NULL, 404);
	http_expect("DELETE", path, tech, NULL, 204);
	http_expect("DELETE", path, tech, NULL, 404);
	ck_assert_int_eq(http_get("/v1/devices", tech, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 1);
	http_result_free(&r);

	/* The audit log names devices, never their tokens. */
	ck_assert_int_ge(count_rows("SELECT count(*) FROM audit_log WHERE object_type = 'device'"),
			 4);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE instr(coalesce(after, "
				    "'') || coalesce(before, ''), 'APA91b') > 0"),
			 0);
	free(tech);
	free(other);
}
END_TEST

START_TEST(a_phone_that_changes_hands_moves_to_the_new_holder)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *other = harness_user_token("tech2", "technician", "SZ", "C-SZ");
	int64_t other_id = harness_user_id("tech2");
	struct http_result r;
	int64_t id;

	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech,
					device("harmony", "jpush", "1a0018970aa1b2c3"), &r),
			 201);
	id = jint(r.json, "id");
	http_result_free(&r);
	ck_assert_int_eq(http_send_body("POST", "/v1/devices", other,
					device("harmony", "jpush", "1a0018970aa1b2c3"), &r),
			 201);
	ck_assert_int_eq(jint(r.json, "id"), id);
	ck_assert_int_eq(jint(r.json, "user_id"), other_id);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/devices", tech, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 0);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/devices", other, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 1);
	http_result_free(&r);
	free(tech);
	free(other);
}
END_TEST

START_TEST(admins_list_anyones_devices_others_only_their_own)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	char *admin = harness_user_token("admin1", "admin", NULL, NULL);
	char *super = harness_user_token("super1", "supervisor", "SZ", NULL);
	int64_t tech_id = harness_user_id("tech1");
	struct http_result r;
	char path[64];

	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech,
					device("web", "fcm", "web-push-token-123456"), &r),
			 201);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/devices?user_id=%lld", (long long)tech_id);
	ck_assert_int_eq(http_get(path, admin, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "items")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 0), "token_tail"),
			 "123456");
	http_result_free(&r);
	ck_assert_int_eq(http_get(path, tech, &r), 200); /* one's own id is fine */
	http_result_free(&r);
	ck_assert_int_eq(http_get(path, super, &r), 403);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_get("/v1/devices?user_id=abc", admin, &r), 400);
	assert_problem(&r, 400, "user_id");
	http_result_free(&r);
	free(tech);
	free(admin);
	free(super);
}
END_TEST

START_TEST(every_bad_field_is_a_400_naming_it_and_stores_nothing)
{
	char *tech = harness_user_token("tech1", "technician", "SZ", "C-SZ");
	static const struct {
		const char *body;
		const char *pointer;
	} bad[] = {
		{ "{\"provider\":\"fcm\",\"token\":\"abcdefgh12\"}", "/platform" },
		{ "{\"platform\":\"android\",\"token\":\"abcdefgh12\"}", "/provider" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\"}", "/token" },
		{ "{\"platform\":\"symbian\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\"}",
		  "/platform" },
		{ "{\"platform\":\"android\",\"provider\":\"gcm\",\"token\":\"abcdefgh12\"}",
		  "/provider" },
		{ "{\"platform\":\"android\",\"provider\":\"apns\",\"token\":\"" APNS_TOKEN "\"}",
		  "/provider" },
		{ "{\"platform\":\"ios\",\"provider\":\"jpush\",\"token\":\"abcdefgh12\"}",
		  "/provider" },
		{ "{\"platform\":\"harmony\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\"}",
		  "/provider" },
		{ "{\"platform\":\"web\",\"provider\":\"jpush\",\"token\":\"abcdefgh12\"}",
		  "/provider" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"short\"}", "/token" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"has a space\"}",
		  "/token" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":12345678}", "/token" },
		{ "{\"platform\":\"ios\",\"provider\":\"apns\",\"token\":\"not-hex-at-all\"}",
		  "/token" },
		{ "{\"platform\":\"ios\",\"provider\":\"apns\",\"token\":\"abcdef0123\"}",
		  "/token" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\","
		  "\"locale\":\"fr\"}",
		  "/locale" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\","
		  "\"app_version\":\"\"}",
		  "/app_version" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\","
		  "\"replaces\":\"abcdefgh12\"}",
		  "/replaces" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\","
		  "\"replaces\":\"x\"}",
		  "/replaces" },
		{ "{\"platform\":\"android\",\"provider\":\"fcm\",\"token\":\"abcdefgh12\","
		  "\"colour\":\"red\"}",
		  "/colour" },
	};
	char *long_token = malloc(4097 + 1);
	json_t *body;
	struct http_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		http_expect_invalid("POST", "/v1/devices", tech, bad[i].body, bad[i].pointer);
	memset(long_token, 'a', 4097);
	long_token[4097] = 0;
	body = device("android", "fcm", long_token);
	ck_assert_int_eq(http_send_body("POST", "/v1/devices", tech, body, &r), 400);
	assert_problem(&r, 400, "/token");
	http_result_free(&r);
	free(long_token);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM devices"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE object_type = 'device'"),
			 0);
	free(tech);
}
END_TEST

Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("devices");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, register_again_rotate_list_and_remove);
	tcase_add_test(tc, a_phone_that_changes_hands_moves_to_the_new_holder);
	tcase_add_test(tc, admins_list_anyones_devices_others_only_their_own);
	tcase_add_test(tc, every_bad_field_is_a_400_naming_it_and_stores_nothing);
	suite_add_tcase(s, tc);
	return s;
}
