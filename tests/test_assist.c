/* Remote expert assistance through the real stack: a request offers the
 * experts on call (in-app and on their channels), the first to accept
 * wins, declines and the accept window escalate to the next, then
 * unanswered; join links are single-use and expire; only the ticket's
 * technician, the expert and the region's supervisors join; the
 * signalling mailbox delivers in order to the others only; TURN
 * credentials verify against the shared secret; snapshots become ticket
 * attachments; the end leaves the record (history, the unit's timeline,
 * analytics). */
#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "core/clock.h"
#include "core/config.h"
#include "domain/assist.h"
#include "suites.h"

#define TURN_SECRET "test-turn-secret-0123456789"

static char *admin, *tech, *tech2, *disp, *sup, *sup_nj;
static char *eng[3];
static int64_t eng_id[3], tech_id, sup_id, ticket_id;
static char secret_path[400], channels_path[400];

static void tune(struct config *cfg)
{
	snprintf(cfg->turn_uris, sizeof(cfg->turn_uris),
		 "turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp");
	snprintf(cfg->stun_uris, sizeof(cfg->stun_uris), "stun:127.0.0.1:3478");
	snprintf(cfg->turn_secret_file, sizeof(cfg->turn_secret_file), "%s", secret_path);
	snprintf(cfg->channels_file, sizeof(cfg->channels_file), "%s", channels_path);
	cfg->turn_ttl_s = 600;
	cfg->turn_relay_only = 1;
	cfg->assist_accept_min = 5;
	cfg->delivery_interval_ms = 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The clock at T0 + offset (T0 = Monday 2026-12-07 02:00Z). */
static void at(int64_t offset)
{
	int64_t t0;

	ck_assert_int_eq(clock_parse("2026-12-07T02:00:00Z", &t0), 0);
	clock_set_offset(t0 + offset - (int64_t)time(NULL));
}

static void put_expert(int64_t id, int lead)
{
	char path[64], body[160];

	snprintf(path, sizeof(path), "/v1/experts/%lld", (long long)id);
	snprintf(
	    body, sizeof(body),
	    "{\"languages\":[\"zh\"],\"product_lines\":[{\"code\":\"switchgear\",\"lead\":%s}],"
	    "\"active\":true}",
	    lead ? "true" : "false");
	http_expect("PUT", path, admin, body, 200);
}

/* Experts eng.0..2 of switchgear: the rota has the first `on_rota` round
 * the clock; eng.(on_rota) is the line's lead. A ticket on unit 1 assigned
 * to tech.sz. */
static void world(int on_rota)
{
	char body[1024];
	size_t n;
	struct http_result r;

	snprintf(secret_path, sizeof(secret_path), "%s/turn.secret", H.dir);
	write_file(secret_path, TURN_SECRET "\n");
	snprintf(channels_path, sizeof(channels_path), "%s/channels.json", H.dir);
	write_file(channels_path,
		   "{\"smtp\": {\"url\": \"smtp://localhost:1\", \"username\": \"m@example.cn\","
		   " \"password\": \"s3cret-smtp-pass\", \"from\": \"noreply@example.cn\","
		   " \"from_name\": \"fieldtrace\"}}");
	at(0);
	harness_restart_with(tune);
	harness_seed_sz_unit();
	admin = harness_user_token("root", "admin", NULL, NULL);
	tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	tech_id = harness_user_id("tech.sz");
	tech2 = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	disp = harness_user_token("disp.sz", "dispatcher", "SZ", "C-SZ");
	sup = harness_user_token("sup.sz", "supervisor", "SZ", NULL);
	sup_id = harness_user_id("sup.sz");
	sup_nj = harness_user_token("sup.nj", "supervisor", "NJ", NULL);
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "eng.%d", i);
		eng[i] = harness_user_token(name, "technician", NULL, NULL);
		eng_id[i] = harness_user_id(name);
		put_expert(eng_id[i], i == on_rota);
	}
	exec_sql("UPDATE users SET email = username || '@example.cn'");
	n = (size_t)snprintf(body, sizeof(body), "{\"shifts\":[");
	for (int i = 0; i < on_rota; i++)
		n += (size_t)snprintf(
		    body + n, sizeof(body) - n,
		    "%s{\"user_id\":%lld,\"days\":[\"mon\",\"tue\",\"wed\",\"thu\","
		    "\"fri\",\"sat\",\"sun\"],\"start\":\"00:00\",\"end\":\"24:00\","
		    "\"time_zone\":\"Asia/Shanghai\"}",
		    i ? "," : "", (long long)eng_id[i]);
	snprintf(body + n, sizeof(body) - n, "]}");
	http_expect("PUT", "/v1/product-lines/switchgear/rota", admin, body, 200);
	ck_assert_int_eq(
	    http_send_json("POST", "/v1/tickets", admin,
			   json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s}}", "channel",
				     "hotline", "category", "repair", "title", "柜内放电声",
				     "asset_id", 1, "impact", "unit", "urgency", "medium",
				     "contact", "name", "陈工", "phone", "13800000001"),
			   &r),
	    201);
	ticket_id = jint(r.json, "id");
	http_result_free(&r);
	{
		char sql[160];

		snprintf(
		    sql, sizeof(sql),
		    "UPDATE tickets SET assignee_id = %lld, status = 'assigned' WHERE id = %lld",
		    (long long)tech_id, (long long)ticket_id);
		exec_sql(sql);
	}
}

static void done(void)
{
	free(admin);
	free(tech);
	free(tech2);
	free(disp);
	free(sup);
	free(sup_nj);
	for (int i = 0; i < 3; i++)
		free(eng[i]);
	clock_set_offset(0);
}

/* A 409 problem whose detail names the field (errors are for 400s). */
static void conflict_names(const struct http_result *r, const char *field)
{
	assert_problem(r, 409, NULL);
	ck_assert_msg(strncmp(jstr(r->json, "detail"), field, strlen(field)) == 0, "%s", r->body);
}

static int64_t request(const char *token)
{
	char path[64];
	json_t *doc;
	int64_t id;

	snprintf(path, sizeof(path), "/v1/tickets/%lld/assist", (long long)ticket_id);
	doc = http_expect_json(
	    "POST", path, token,
	    json_pack("{s:s, s:s}", "problem", "母线室局部放电，读数异常", "language", "zh"), 201);
	ck_assert_str_eq(jstr(doc, "state"), "ringing");
	id = jint(doc, "id");
	json_decref(doc);
	return id;
}

static void step(int64_t id, const char *what, const char *token, long want)
{
	char path[96];

	snprintf(path, sizeof(path), "/v1/assist/%lld/%s", (long long)id, what);
	http_expect("POST", path, token, NULL, want);
}

static int64_t told(int64_t user_id, const char *kind)
{
	char sql[200];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM notifications WHERE user_id = %lld AND kind = '%s'",
		 (long long)user_id, kind);
	return count_rows(sql);
}

static json_t *session(int64_t id, const char *token)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/assist/%lld", (long long)id);
	return http_get_json(path, token, 200);
}

/* POST /v1/assist/{id}/join as token: the Join document. */
static json_t *join(int64_t id, const char *token, long want)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/assist/%lld/join", (long long)id);
	return http_expect_json("POST", path, token, NULL, want);
}

static long keyed(const char *method, const char *path, const char *key, const char *ct,
		  const char *body, size_t len, struct http_result *r)
{
	char header[128];
	const char *headers[] = { header, NULL };

	snprintf(header, sizeof(header), "X-Assist-Key: %s", key ? key : "");
	return http_call(method, path, NULL, ct, body, len, key ? headers : NULL, r);
}

START_TEST(a_request_rings_the_experts_on_call_and_the_first_to_accept_wins)
{
	struct http_result r;
	char path[96], *big;
	json_t *doc;
	int64_t id;

	world(2);
	/* Bad input: named, nothing stored. */
	snprintf(path, sizeof(path), "/v1/tickets/%lld/assist", (long long)ticket_id);
	big = malloc(1100);
	memset(big, 'a', 1001);
	big[1001] = '\0';
	ck_assert_int_eq(http_send_json("POST", path, tech, json_pack("{s:s}", "problem", big), &r),
			 400);
	assert_problem(&r, 400, "/problem");
	http_result_free(&r);
	free(big);
	http_expect_invalid("POST", path, tech, "{\"language\":\"Chinese!\"}", "/language");
	http_expect_invalid("POST", path, tech, "{\"urgent\":true}", "/urgent");
	/* Another technician's job is not theirs to ask about. */
	http_expect("POST", path, tech2, "{}", 404);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assist_sessions"), 0);

	id = request(tech);
	doc = session(id, tech);
	ck_assert_int_eq(asize(json_object_get(doc, "offers")), 2);
	ck_assert_int_eq(jint(json_array_get(json_object_get(doc, "offers"), 0), "step"), 1);
	ck_assert_str_eq(jstr(json_object_get(doc, "ticket"), "priority"),
			 jstr(json_object_get(doc, "ticket"), "priority"));
	ck_assert_str_eq(
	    jstr(json_object_get(json_object_get(doc, "ticket"), "unit"), "product_line"),
	    "switchgear");
	ck_assert(json_is_false(json_object_get(doc, "recording")));
	json_decref(doc);
	/* Both on call rang, in the app and by e-mail; the lead did not. */
	ck_assert_int_eq(told(eng_id[0], "assist.requested"), 1);
	ck_assert_int_eq(told(eng_id[1], "assist.requested"), 1);
	ck_assert_int_eq(told(eng_id[2], "assist.requested"), 0);
	ck_assert_int_eq(count_rows("SELECT count(DISTINCT user_id) FROM deliveries WHERE kind ="
				    " 'assist.requested' AND channel = 'email'"),
			 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action ="
				    " 'assist_requested'"),
			 1);
	/* The offered expert sees it as theirs. */
	doc = http_get_json("/v1/assist?mine=true&state=ringing", eng[1], 200);
	ck_assert_int_eq(asize(json_object_get(doc, "items")), 1);
	ck_assert(json_is_true(json_object_get(
	    json_object_get(json_array_get(json_object_get(doc, "items"), 0), "can"), "accept")));
	json_decref(doc);
	/* One open session per ticket. */
	ck_assert_int_eq(http_json("POST", path, tech, "{}", &r), 409);
	ck_assert_int_eq(jint(r.json, "session_id"), id);
	http_result_free(&r);
	/* Someone not offered cannot accept; the first expert wins. */
	step(id, "accept", eng[2], 403);
	step(id, "accept", eng[1], 200);
	snprintf(path, sizeof(path), "/v1/assist/%lld/accept", (long long)id);
	ck_assert_int_eq(http_json("POST", path, eng[0], NULL, &r), 409);
	conflict_names(&r, "state");
	http_result_free(&r);
	doc = session(id, tech);
	ck_assert_str_eq(jstr(doc, "state"), "accepted");
	ck_assert_int_eq(jint(json_object_get(doc, "expert"), "user_id"), eng_id[1]);
	json_decref(doc);
	ck_assert_int_eq(
	    count_rows("SELECT count(*) FROM assist_offers WHERE answer = 'withdrawn'"), 1);
	ck_assert_int_eq(told(tech_id, "assist.accepted"), 1);
	/* The requester cancels; a new request may follow. */
	step(id, "cancel", eng[0], 403);
	step(id, "cancel", tech, 200);
	request(tech);
	done();
}
END_TEST

START_TEST(declines_and_the_accept_window_escalate_then_nobody_is_left)
{
	json_t *doc;
	int64_t id;

	world(1); /* rota: eng.0; lead eng.1; line eng.2 */
	id = request(tech);
	ck_assert_int_eq(told(eng_id[0], "assist.requested"), 1);
	ck_assert_int_eq(told(eng_id[1], "assist.requested"), 0);
	/* Every offer declined: the lead is asked at once. */
	step(id, "decline", eng[0], 200);
	step(id, "decline", eng[0], 409);
	ck_assert_int_eq(told(eng_id[1], "assist.requested"), 1);
	/* Within the window nothing moves; after it, the next in line. */
	at(4 * 60 - 30);
	ck_assert_int_eq(assist_escalate_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(told(eng_id[2], "assist.requested"), 0);
	at(5 * 60 + 30);
	ck_assert_int_eq(assist_escalate_run(H.db, clock_now()), ERR_OK);
	ck_assert_int_eq(told(eng_id[2], "assist.requested"), 1);
	doc = session(id, tech);
	ck_assert_int_eq(asize(json_object_get(doc, "offers")), 3);
	ck_assert_int_eq(jint(json_array_get(json_object_get(doc, "offers"), 2), "step"), 3);
	json_decref(doc);
	/* Nobody left: unanswered, the requester and the region's supervisors hear. */
	at(11 * 60 + 30);
	ck_assert_int_eq(assist_escalate_run(H.db, clock_now()), ERR_OK);
	doc = session(id, tech);
	ck_assert_str_eq(jstr(doc, "state"), "unanswered");
	json_decref(doc);
	ck_assert_int_eq(told(tech_id, "assist.unanswered"), 1);
	ck_assert_int_eq(told(sup_id, "assist.unanswered"), 1);
	ck_assert_int_eq(told(harness_user_id("sup.nj"), "assist.unanswered"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assist_offers WHERE answer IS NULL"), 0);
	/* A late accept finds it over. */
	step(id, "accept", eng[2], 409);
	/* No expert left for the line at all: 409 naming the product line,
	 * nothing stored. */
	exec_sql("UPDATE experts SET active = 0");
	{
		struct http_result r;
		char path[64];

		snprintf(path, sizeof(path), "/v1/tickets/%lld/assist", (long long)ticket_id);
		ck_assert_int_eq(http_json("POST", path, sup, "{}", &r), 409);
		conflict_names(&r, "product_line");
		http_result_free(&r);
		/* A ticket without a unit has no product line to ask. */
		exec_sql("UPDATE tickets SET asset_id = NULL");
		ck_assert_int_eq(http_json("POST", path, sup, "{}", &r), 409);
		conflict_names(&r, "ticket");
		http_result_free(&r);
	}
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assist_sessions"), 1);
	done();
}
END_TEST

/* base64(HMAC-SHA1(secret, username)) as the relay computes it. */
static void expect_credential(const json_t *server, int64_t user_id)
{
	const char *username = jstr(server, "username");
	unsigned char mac[20];
	unsigned int len = 0;
	char b64[32], want_user[32];
	long long expiry = 0, uid = 0;

	ck_assert_ptr_nonnull(username);
	ck_assert_int_eq(sscanf(username, "%lld:%lld", &expiry, &uid), 2);
	ck_assert_int_eq(uid, user_id);
	ck_assert_int_le(expiry, clock_now() + 600);
	ck_assert_int_ge(expiry, clock_now() + 590);
	snprintf(want_user, sizeof(want_user), "%lld:%lld", expiry, uid);
	ck_assert_str_eq(username, want_user);
	HMAC(EVP_sha1(), TURN_SECRET, (int)strlen(TURN_SECRET), (const unsigned char *)username,
	     strlen(username), mac, &len);
	EVP_EncodeBlock((unsigned char *)b64, mac, (int)len);
	ck_assert_str_eq(jstr(server, "credential"), b64);
}

START_TEST(only_the_technician_the_expert_and_the_regions_supervisors_join)
{
	struct http_result r;
	char path[96], body[160], token[80];
	json_t *doc, *ice;
	int64_t id;

	world(1);
	id = request(tech);
	/* Ringing: nobody joins yet. */
	snprintf(path, sizeof(path), "/v1/assist/%lld/join", (long long)id);
	ck_assert_int_eq(http_json("POST", path, tech, NULL, &r), 409);
	conflict_names(&r, "state");
	http_result_free(&r);
	step(id, "accept", eng[0], 200);

	doc = join(id, eng[0], 200);
	ck_assert_str_eq(jstr(doc, "side"), "expert");
	ck_assert_uint_eq(strlen(jstr(doc, "participant_key")), 64);
	ck_assert_str_eq(jstr(doc, "ice_transport_policy"), "relay");
	ck_assert_int_eq(jint(doc, "poll_ms"), 500);
	ice = json_object_get(doc, "ice_servers");
	ck_assert_int_eq(asize(ice), 2);
	ck_assert_int_eq(asize(json_object_get(json_array_get(ice, 0), "urls")), 2);
	expect_credential(json_array_get(ice, 0), eng_id[0]);
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(json_array_get(ice, 1), "urls"), 0)),
	    "stun:127.0.0.1:3478");
	json_decref(doc);
	doc = join(id, tech, 200);
	ck_assert_str_eq(jstr(doc, "side"), "technician");
	json_decref(doc);
	doc = join(id, sup, 200);
	ck_assert_str_eq(jstr(doc, "side"), "supervisor");
	json_decref(doc);
	/* Nobody else: another technician, the dispatcher, an admin, a
	 * supervisor of another region, an expert not on the call. */
	snprintf(path, sizeof(path), "/v1/assist/%lld/join-links", (long long)id);
	{
		char *others[] = { tech2, disp, admin, sup_nj, eng[1] };

		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
			json_decref(join(id, others[i], 403));
			ck_assert_int_eq(http_json("POST", path, others[i], "{}", &r), 403);
			http_result_free(&r);
		}
	}
	/* Nor may a participant make a link for them. */
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)harness_user_id("sup.nj"));
	http_expect("POST", path, eng[0], body, 403);
	http_expect_invalid("POST", path, eng[0], "{\"user_id\":\"x\"}", "/user_id");

	/* The technician's phone: a single-use link. */
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)tech_id);
	doc = http_expect_json("POST", path, eng[0], json_loads(body, 0, NULL), 201);
	snprintf(token, sizeof(token), "%s", jstr(doc, "token"));
	ck_assert_ptr_nonnull(strstr(jstr(doc, "url"), token));
	json_decref(doc);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
	doc = http_expect_json("POST", "/v1/assist/join", NULL, json_loads(body, 0, NULL), 200);
	ck_assert_str_eq(jstr(doc, "side"), "technician");
	ck_assert_int_eq(jint(json_object_get(doc, "user"), "user_id"), tech_id);
	json_decref(doc);
	http_expect("POST", "/v1/assist/join", NULL, body, 410);
	http_expect(
	    "POST", "/v1/assist/join", NULL,
	    "{\"token\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	    404);
	http_expect_invalid("POST", "/v1/assist/join", NULL, "{}", "/token");
	/* Expired after ten minutes. */
	doc = http_expect_json("POST", path, tech, json_object(), 201);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", jstr(doc, "token"));
	json_decref(doc);
	at(700); /* the link was made a few real seconds after T0 */
	http_expect("POST", "/v1/assist/join", NULL, body, 410);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assist_participants"), 4);
	done();
}
END_TEST

static char *participant_key(int64_t id, const char *token)
{
	json_t *doc = join(id, token, 200);
	char *key = strdup(jstr(doc, "participant_key"));

	json_decref(doc);
	return key;
}

START_TEST(the_mailbox_delivers_in_order_to_the_others_only)
{
	struct http_result r;
	char path[96], body[256], *big, *kt, *ke, *ks;
	json_t *doc, *signals;
	int64_t id;
	size_t i;

	world(1);
	id = request(tech);
	step(id, "accept", eng[0], 200);
	ke = participant_key(id, eng[0]);
	kt = participant_key(id, tech);
	ks = participant_key(id, sup);
	snprintf(path, sizeof(path), "/v1/assist/%lld/signals", (long long)id);
	/* No key, a wrong key, another session's path: 401. */
	ck_assert_int_eq(keyed("GET", path, NULL, NULL, NULL, 0, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(keyed("GET", path,
			       "0123456789abcdef0123456789abcdef0123456789abcdef"
			       "0123456789abcdef",
			       NULL, NULL, 0, &r),
			 401);
	http_result_free(&r);
	ck_assert_int_eq(keyed("GET", "/v1/assist/999/signals", kt, NULL, NULL, 0, &r), 401);
	http_result_free(&r);
	/* In order, to everyone else. */
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
			 "{\"kind\":\"%s\",\"body\":{\"n\":%zu,\"sdp\":\"v=0\"}}",
			 i ? "candidate" : "offer", i);
		ck_assert_int_eq(
		    keyed("POST", path, kt, "application/json", body, strlen(body), &r), 201);
		ck_assert_int_gt(jint(r.json, "seq"), 0);
		http_result_free(&r);
	}
	/* One addressed to the supervisor only. */
	snprintf(body, sizeof(body), "{\"kind\":\"hello\",\"to\":%lld,\"body\":{}}",
		 (long long)sup_id);
	ck_assert_int_eq(keyed("POST", path, kt, "application/json", body, strlen(body), &r), 201);
	http_result_free(&r);
	snprintf(body, sizeof(body), "%s?after=0", path);
	ck_assert_int_eq(keyed("GET", body, ke, NULL, NULL, 0, &r), 200);
	signals = json_object_get(r.json, "signals");
	ck_assert_int_eq(asize(signals), 3);
	for (i = 0; i < 3; i++) {
		json_t *s = json_array_get(signals, i);

		ck_assert_int_eq(jint(json_object_get(s, "body"), "n"), (json_int_t)i);
		ck_assert_int_eq(jint(s, "from"), tech_id);
		ck_assert_str_eq(jstr(s, "side"), "technician");
	}
	ck_assert_str_eq(jstr(json_array_get(signals, 0), "kind"), "offer");
	ck_assert_int_eq(jint(r.json, "next"), jint(json_array_get(signals, 2), "seq"));
	ck_assert_str_eq(jstr(r.json, "state"), "accepted");
	ck_assert_int_eq(asize(json_object_get(r.json, "peers")), 2);
	{
		char after[128];

		snprintf(after, sizeof(after), "%s?after=%lld", path,
			 (long long)jint(r.json, "next"));
		http_result_free(&r);
		ck_assert_int_eq(keyed("GET", after, ke, NULL, NULL, 0, &r), 200);
		ck_assert_int_eq(asize(json_object_get(r.json, "signals")), 0);
		http_result_free(&r);
	}
	/* The supervisor also gets the one for them; the sender none of its own. */
	ck_assert_int_eq(keyed("GET", path, ks, NULL, NULL, 0, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "signals")), 4);
	http_result_free(&r);
	ck_assert_int_eq(keyed("GET", path, kt, NULL, NULL, 0, &r), 200);
	ck_assert_int_eq(asize(json_object_get(r.json, "signals")), 0);
	http_result_free(&r);
	/* A console user may poll with their token instead. */
	doc = http_get_json(path, eng[0], 200);
	ck_assert_int_eq(asize(json_object_get(doc, "signals")), 3);
	json_decref(doc);
	/* Bad input. */
	snprintf(body, sizeof(body), "%s?after=-1", path);
	ck_assert_int_eq(keyed("GET", body, ke, NULL, NULL, 0, &r), 400);
	assert_problem(&r, 400, "after");
	http_result_free(&r);
	{
		static const struct {
			const char *body, *pointer;
		} bad[] = {
			{ "{\"kind\":\"chat\",\"body\":{}}", "/kind" },
			{ "{\"kind\":\"offer\",\"body\":\"v=0\"}", "/body" },
			{ "{\"kind\":\"offer\"}", "/body" },
			{ "{\"kind\":\"offer\",\"body\":{},\"to\":-4}", "/to" },
			{ "{\"kind\":\"offer\",\"body\":{},\"to\":99999}", "/to" },
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ck_assert_int_eq(keyed("POST", path, kt, "application/json", bad[i].body,
					       strlen(bad[i].body), &r),
					 400);
			assert_problem(&r, 400, bad[i].pointer);
			http_result_free(&r);
		}
	}
	big = malloc(70000);
	i = (size_t)snprintf(big, 70000, "{\"kind\":\"offer\",\"body\":{\"sdp\":\"");
	memset(big + i, 'x', 66000);
	snprintf(big + i + 66000, 70000 - i - 66000, "\"}}");
	ck_assert_int_eq(keyed("POST", path, kt, "application/json", big, strlen(big), &r), 400);
	assert_problem(&r, 400, "/body");
	http_result_free(&r);
	free(big);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assist_signals"), 4);
	/* Fresh ICE credentials; the first frame makes the call live. */
	snprintf(path, sizeof(path), "/v1/assist/%lld/ice", (long long)id);
	ck_assert_int_eq(keyed("GET", path, kt, NULL, NULL, 0, &r), 200);
	expect_credential(json_array_get(json_object_get(r.json, "ice_servers"), 0), tech_id);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/assist/%lld/connected", (long long)id);
	ck_assert_int_eq(keyed("POST", path, kt, "application/json", "{}", 2, &r), 200);
	ck_assert_str_eq(jstr(r.json, "state"), "live");
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/assist/%lld/leave", (long long)id);
	ck_assert_int_eq(keyed("POST", path, ks, NULL, NULL, 0, &r), 204);
	http_result_free(&r);
	free(kt);
	free(ke);
	free(ks);
	done();
}
END_TEST

START_TEST(snapshots_and_the_end_leave_the_record)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
					     0,    0,   0,   13,  'I',  'H',  'D',  'R' };
	struct http_result r;
	char path[96], *kt, *ke, *huge;
	json_t *doc, *item;
	int64_t id;

	world(1);
	id = request(tech);
	at(30);
	step(id, "accept", eng[0], 200);
	ke = participant_key(id, eng[0]);
	kt = participant_key(id, tech);
	snprintf(path, sizeof(path), "/v1/assist/%lld/connected", (long long)id);
	ck_assert_int_eq(keyed("POST", path, kt, "application/json", "{}", 2, &r), 200);
	http_result_free(&r);
	/* Snapshots: a ticket attachment, magic bytes checked, 5 MiB at most. */
	snprintf(path, sizeof(path), "/v1/assist/%lld/snapshots", (long long)id);
	ck_assert_int_eq(keyed("POST", path, ke, "image/png", (const char *)png, sizeof(png), &r),
			 201);
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "url"), "/attachments/"));
	http_result_free(&r);
	ck_assert_int_eq(keyed("POST", path, ke, "image/jpeg", (const char *)png, sizeof(png), &r),
			 400);
	assert_problem(&r, 400, "body");
	http_result_free(&r);
	ck_assert_int_eq(keyed("POST", path, ke, "image/gif", "GIF89a", 6, &r), 415);
	http_result_free(&r);
	huge = calloc(1, 5 * 1024 * 1024 + 16);
	memcpy(huge, png, sizeof(png));
	ck_assert_int_eq(keyed("POST", path, ke, "image/png", huge, 5 * 1024 * 1024 + 16, &r), 413);
	http_result_free(&r);
	free(huge);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 1);
	doc = session(id, eng[0]);
	ck_assert_int_eq(asize(json_object_get(doc, "snapshots")), 1);
	json_decref(doc);
	/* A bad outcome changes nothing. */
	at(30 + 600);
	snprintf(path, sizeof(path), "/v1/assist/%lld/end", (long long)id);
	ck_assert_int_eq(
	    keyed("POST", path, ke, "application/json", "{\"outcome\":\"great\"}", 19, &r), 400);
	assert_problem(&r, 400, "/outcome");
	http_result_free(&r);
	doc = session(id, eng[0]);
	ck_assert_str_eq(jstr(doc, "state"), "live");
	json_decref(doc);
	ck_assert_int_eq(keyed("POST", path, ke, "application/json",
			       "{\"outcome\":\"fixed\",\"notes\":\"重新整定保护定值\"}",
			       strlen("{\"outcome\":\"fixed\",\"notes\":\"重新整定保护定值\"}"),
			       &r),
			 200);
	ck_assert_str_eq(jstr(r.json, "state"), "ended");
	ck_assert_int_le(jint(r.json, "duration_s"), 600);
	ck_assert_int_ge(jint(r.json, "duration_s"), 590);
	ck_assert_str_eq(jstr(r.json, "outcome"), "fixed");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM assist_signals"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action ="
				    " 'assist_ended' AND detail LIKE '%\"fixed\"%'"),
			 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM asset_events WHERE asset_id = 1 AND kind"
				    " = 'assist' AND detail LIKE '%\"outcome\":\"fixed\"%'"),
			 1);
	/* The keys closed with the call. */
	snprintf(path, sizeof(path), "/v1/assist/%lld/signals", (long long)id);
	ck_assert_int_eq(keyed("GET", path, kt, NULL, NULL, 0, &r), 401);
	http_result_free(&r);
	/* The expert completes the record; nobody else. */
	snprintf(path, sizeof(path), "/v1/assist/%lld", (long long)id);
	http_expect("PATCH", path, tech, "{\"notes\":\"x\"}", 403);
	http_expect_invalid("PATCH", path, eng[0], "{\"outcome\":\"maybe\"}", "/outcome");
	doc = http_expect_json("PATCH", path, eng[0], json_pack("{s:s}", "notes", "定值单已更新"),
			       200);
	ck_assert_str_eq(jstr(doc, "notes"), "定值单已更新");
	json_decref(doc);
	/* On the ticket and in the figures. */
	snprintf(path, sizeof(path), "/v1/tickets/%lld/assists", (long long)ticket_id);
	doc = http_get_json(path, tech, 200);
	item = json_array_get(json_object_get(doc, "items"), 0);
	ck_assert_str_eq(jstr(item, "outcome"), "fixed");
	ck_assert_int_ge(jint(item, "duration_s"), 590);
	json_decref(doc);
	doc = http_get_json("/v1/analytics/assists?from=2026-12-01&to=2026-12-31", admin, 200);
	item = json_array_get(json_object_get(doc, "product_lines"), 0);
	ck_assert_str_eq(jstr(item, "product_line"), "switchgear");
	ck_assert_int_eq(jint(item, "requests"), 1);
	ck_assert_int_eq(jint(item, "accepted"), 1);
	ck_assert_int_eq(jint(item, "fixed"), 1);
	ck_assert(json_real_value(json_object_get(item, "median_accept_s")) > 0);
	ck_assert(json_real_value(json_object_get(item, "median_duration_s")) >= 590.0);
	json_decref(doc);
	http_expect_invalid("GET", "/v1/analytics/assists?from=yesterday", admin, NULL, "from");
	/* Under a contract, the call counts against its remote-assist hours:
	 * about 600 s from the first frame to the end, two tenths of an hour. */
	exec_sql(
	    "INSERT INTO contracts (id, number, customer_id, kind, start_date, end_date,"
	    " status, assist_hours_per_year, created_at, updated_at)"
	    " SELECT 900, 'SC-ASSIST', customer_id, 'service', '2026-01-01', '2027-12-31',"
	    " 'active', 10, 0, 0 FROM tickets WHERE id = (SELECT ticket_id FROM assist_sessions)");
	exec_sql(
	    "INSERT OR REPLACE INTO ticket_entitlements (ticket_id, source, contract_id, billing,"
	    " covers_parts, covers_labour, covers_travel)"
	    " SELECT ticket_id, 'contract', 900, 'covered', 1, 1, 1 FROM assist_sessions");
	doc = http_get_json("/v1/contracts/900", admin, 200);
	item = json_object_get(doc, "consumption");
	ck_assert(json_real_value(json_object_get(item, "assist_hours_used")) == 0.2);
	ck_assert_int_eq(jint(item, "assist_hours_allowed"), 10);
	json_decref(doc);
	http_expect("GET", "/v1/analytics/assists", tech, NULL, 403);
	free(kt);
	free(ke);
	done();
}
END_TEST

Suite *assist_suite(void)
{
	Suite *s = suite_create("assist");
	TCase *tc = tcase_create("assist");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_request_rings_the_experts_on_call_and_the_first_to_accept_wins);
	tcase_add_test(tc, declines_and_the_accept_window_escalate_then_nobody_is_left);
	tcase_add_test(tc, only_the_technician_the_expert_and_the_regions_supervisors_join);
	tcase_add_test(tc, the_mailbox_delivers_in_order_to_the_others_only);
	tcase_add_test(tc, snapshots_and_the_end_leave_the_record);
	suite_add_tcase(s, tc);
	return s;
}
