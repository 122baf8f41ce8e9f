/* Attachments and GPS check-ins end to end over HTTPS: raw-body uploads of
 * each kind checked by their bytes, limits (413) and mislabelled files
 * (415), an upload that breaks off leaving nothing behind, replays that
 * answer the same (an offline day synced twice), byte-identical downloads
 * with ranges and ETags, scope, content-addressed dedupe, and check-ins
 * flagged when far from the site or too vague to tell. */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "suites.h"

#define UUID_A "0b6e4c1a-2f3d-4e5a-9b8c-7d6e5f4a3b21"
#define UUID_B "1c7f5d2b-3a4e-4f6b-8c9d-8e7f6a5b4c32"
#define UUID_C "2d8a6e3c-4b5f-4a7c-9dae-9f8a7b6c5d43"
#define UUID_D "3e9b7f4d-5c6a-4b8d-8ebf-a09b8c7d6e54"

/* ---- helpers ------------------------------------------------------------- */

/* A Shenzhen customer with a site at (22.52, 113.89) and a switchgear unit
 * there; C-SZ covers Shenzhen, C-NJ Nanjing. */
static void seed_world(void)
{
	exec_sql(
	    "INSERT INTO product_lines(code, name, name_en) VALUES"
	    " ('switchgear', '开关柜', 'Switchgear');"
	    "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
	    " (1, 'KYN28-12', 'KYN28-12 开关柜', 'switchgear', 0, 0);"
	    "INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at)"
	    " VALUES (1, 'C1', '南方电网深圳供电局', 'strategic', 'SZ', 0, 0);"
	    "INSERT INTO sites(id, customer_id, code, name, region_code, latitude, longitude,"
	    " created_at, updated_at) VALUES (1, 1, 'S1', '前湾变电站', 'SZ', 22.52, 113.89,"
	    " 0, 0);"
	    "INSERT INTO assets(id, serial, model_id, batch, site_id, customer_id, region_path,"
	    " warranty_end, created_at, updated_at) VALUES"
	    " (1, 'SN-SZ-1', 1, 'B1', 1, 1, '/CN/GD/SZ/', '2099-01-01', 0, 0);"
	    "INSERT INTO centre_regions(centre_code, region_code) VALUES"
	    " ('C-SZ', 'SZ'), ('C-NJ', 'JS');"
	    "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
	    " ('C-SZ', 'switchgear'), ('C-NJ', 'switchgear');");
}

struct world {
	char *disp;  /* dispatcher of C-SZ */
	char *tech;  /* the assigned technician */
	char *other; /* another technician of C-SZ */
	char *nj;    /* dispatcher of C-NJ */
	int64_t tech_id;
};

static void world_up(struct world *w)
{
	seed_world();
	w->disp = harness_user_token("dispatcher.sz", "dispatcher", "SZ", "C-SZ");
	w->tech = harness_user_token("tech.sz", "technician", "SZ", "C-SZ");
	w->other = harness_user_token("tech2.sz", "technician", "SZ", "C-SZ");
	w->nj = harness_user_token("dispatcher.nj", "dispatcher", "NJ", "C-NJ");
	w->tech_id = count_rows("SELECT id FROM users WHERE username = 'tech.sz'");
}

static void world_down(struct world *w)
{
	free(w->disp);
	free(w->tech);
	free(w->other);
	free(w->nj);
}

/* A job at the site, assigned to and accepted by tech.sz. */
static int64_t open_job(const struct world *w)
{
	struct http_result r;
	char path[64];
	int64_t id;

	ck_assert_int_eq(
	    http_send_json("POST", "/v1/tickets", w->disp,
			   json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "channel", "app", "category",
				     "repair", "title", "断路器拒合", "asset_id", 1, "impact",
				     "site", "urgency", "high"),
			   &r),
	    201);
	id = jint(r.json, "id");
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)id);
	ck_assert_int_eq(http_send_json("POST", path, w->disp,
					json_pack("{s:s, s:I}", "action", "assign", "assignee_id",
						  (json_int_t)w->tech_id),
					&r),
			 200);
	http_result_free(&r);
	ck_assert_int_eq(
	    http_send_json("POST", path, w->tech, json_pack("{s:s}", "action", "accept"), &r), 200);
	http_result_free(&r);
	return id;
}

/* Minimal files with the right magic, filled with a repeatable pattern. */
struct sample {
	unsigned char *data;
	size_t len;
};

static struct sample make_sample(const char *kind, size_t len, unsigned seed)
{
	static const unsigned char jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',
					      'I',  'F',  0x00, 0x01, 0x01, 0x00, 0x00, 0x01 };
	static const unsigned char png[] = { 0x89, 'P',  'N',  'G',  '\r', '\n', 0x1A, '\n',
					     0x00, 0x00, 0x00, 0x0D, 'I',  'H',  'D',  'R' };
	static const unsigned char mp4[] = { 0x00, 0x00, 0x00, 0x18, 'f', 't', 'y', 'p',
					     'i',  's',  'o',  'm',  0,   0,   2,   0,
					     'i',  's',  'o',  'm',  'm', 'p', '4', '1' };
	static const unsigned char m4a[] = { 0x00, 0x00, 0x00, 0x14, 'f', 't', 'y', 'p', 'M', '4',
					     'A',  ' ',  0,    0,    0,   0,   'i', 's', 'o', 'm' };
	static const unsigned char ogg[] = { 'O', 'g', 'g', 'S', 0x00, 0x02 };
	const unsigned char *magic = NULL;
	size_t mlen = 0;
	struct sample s;
	uint32_t x = seed * 2654435761u + 1;

	if (strcmp(kind, "jpeg") == 0)
		magic = jpeg, mlen = sizeof(jpeg);
	else if (strcmp(kind, "png") == 0)
		magic = png, mlen = sizeof(png);
	else if (strcmp(kind, "mp4") == 0)
		magic = mp4, mlen = sizeof(mp4);
	else if (strcmp(kind, "m4a") == 0)
		magic = m4a, mlen = sizeof(m4a);
	else if (strcmp(kind, "ogg") == 0)
		magic = ogg, mlen = sizeof(ogg);
	s.len = len;
	s.data = malloc(len);
	ck_assert_ptr_nonnull(s.data);
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		s.data[i] = (unsigned char)(x >> 16);
	}
	if (magic)
		memcpy(s.data, magic, mlen);
	else
		s.data[0] = 0x42; /* "random": no signature starts with B */
	return s;
}

static void sha_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	SHA256(data, len, d);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void att_path(char *out, size_t size, int64_t ticket, const char *uuid, const char *query)
{
	snprintf(out, size, "/v1/tickets/%lld/attachments%s%s%s%s", (long long)ticket,
		 uuid ? "/" : "", uuid ? uuid : "", query ? "?" : "", query ? query : "");
}

static long put(const char *token, int64_t ticket, const char *uuid, const char *query,
		const char *type, const struct sample *s, struct http_result *r)
{
	char path[160];

	att_path(path, sizeof(path), ticket, uuid, query);
	return http_call("PUT", path, token, type, (const char *)s->data, s->len, NULL, r);
}

static int files_under(const char *sub)
{
	char path[400];
	int n = 0;
	DIR *d, *d2;
	struct dirent *e, *e2;

	snprintf(path, sizeof(path), "%s/data/%s", H.dir, sub);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char inner[700];

		if (e->d_name[0] == '.')
			continue;
		if (strcmp(sub, "tmp") == 0) {
			n++;
			continue;
		}
		snprintf(inner, sizeof(inner), "%s/%s", path, e->d_name);
		d2 = opendir(inner);
		while (d2 && (e2 = readdir(d2)) != NULL)
			if (e2->d_name[0] != '.')
				n++;
		if (d2)
			closedir(d2);
	}
	closedir(d);
	return n;
}

/* The server finishes a broken-off request on its own thread: wait for
 * tmp/ to empty. */
static int tmp_files_settled(void)
{
	int n = files_under("tmp");

	for (int i = 0; i < 100 && n != 0; i++) {
		usleep(50 * 1000);
		n = files_under("tmp");
	}
	return n;
}

/* ---- uploads ----------------------------------------------------------------- */

START_TEST(each_kind_uploads_and_reads_back_byte_identical)
{
	static const struct {
		const char *uuid, *sample, *type, *kind, *media;
		size_t len;
	} cases[] = {
		{ UUID_A, "jpeg", "image/jpeg", "photo", "image/jpeg", 3000 },
		{ UUID_B, "png", "image/png", "photo", "image/png", 1200 },
		{ UUID_C, "mp4", "video/mp4", "video", "video/mp4", 300000 },
		{ UUID_D, "ogg", "audio/ogg; codecs=opus", "audio", "audio/ogg", 5000 },
	};
	struct world w;
	struct http_result r;
	char path[160], want[65], got[65], hdr[128];
	json_t *history;
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sample s = make_sample(cases[i].sample, cases[i].len, (unsigned)i);

		sha_hex(s.data, s.len, want);
		ck_assert_msg(put(w.tech, id, cases[i].uuid,
				  "caption=%E5%90%88%E9%97%B8%E7%BA%BF%E5%9C%88", cases[i].type, &s,
				  &r) == 201,
			      "%s: %ld %s", cases[i].type, r.status, r.body);
		ck_assert_str_eq(jstr(r.json, "kind"), cases[i].kind);
		ck_assert_str_eq(jstr(r.json, "media_type"), cases[i].media);
		ck_assert_str_eq(jstr(r.json, "sha256"), want);
		ck_assert_int_eq(jint(r.json, "size"), (json_int_t)s.len);
		ck_assert_str_eq(jstr(r.json, "caption"), "合闸线圈");
		ck_assert_str_eq(jstr(json_object_get(r.json, "uploaded_by"), "username"),
				 "tech.sz");
		att_path(path, sizeof(path), id, cases[i].uuid, NULL);
		ck_assert_str_eq(http_header(&r, "Location", hdr, sizeof(hdr)), path);
		http_result_free(&r);

		/* The dispatcher reads it back: the same bytes, labelled. */
		ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, NULL, &r), 200);
		ck_assert_uint_eq(r.body_len, s.len);
		sha_hex(r.body, r.body_len, got);
		ck_assert_str_eq(got, want);
		ck_assert_str_eq(http_header(&r, "Content-Type", hdr, sizeof(hdr)), cases[i].media);
		snprintf(path, sizeof(path), "\"%s\"", want);
		ck_assert_str_eq(http_header(&r, "ETag", hdr, sizeof(hdr)), path);
		ck_assert_str_eq(http_header(&r, "Accept-Ranges", hdr, sizeof(hdr)), "bytes");
		http_result_free(&r);
		free(s.data);
	}
	/* Listed with metadata, on the ticket's history and in the audit. */
	att_path(path, sizeof(path), id, NULL, NULL);
	ck_assert_int_eq(http_json("GET", path, w.disp, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 4);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(r.json, "items"), 2), "uuid"), UUID_C);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)id);
	ck_assert_int_eq(http_json("GET", path, w.disp, NULL, &r), 200);
	history = json_object_get(r.json, "history");
	ck_assert_str_eq(jstr(json_array_get(history, json_array_size(history) - 1), "action"),
			 "attachment");
	ck_assert_str_eq(jstr(json_array_get(history, json_array_size(history) - 1), "to"),
			 "accepted");
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'ticket.attachment'"),
			 4);
	ck_assert_int_eq(files_under("objects"), 4);
	ck_assert_int_eq(files_under("tmp"), 0);
	world_down(&w);
}
END_TEST

START_TEST(a_day_offline_replayed_twice_gives_identical_attachments)
{
	struct world w;
	struct http_result r;
	struct sample photo = make_sample("jpeg", 40000, 7), audio = make_sample("m4a", 9000, 8);
	struct sample other = make_sample("jpeg", 40000, 9);
	json_t *first[2];
	char path[160], a[65], b[65];
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	/* The phone's queue, sent once... */
	ck_assert_int_eq(put(w.tech, id, UUID_A, "work_record=true", "image/jpeg", &photo, &r),
			 201);
	first[0] = json_incref(r.json);
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_B, NULL, "audio/mp4", &audio, &r), 201);
	first[1] = json_incref(r.json);
	ck_assert_str_eq(jstr(r.json, "kind"), "audio");
	http_result_free(&r);
	/* ...and again: the same answers, nothing new stored. */
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(
		    put(w.tech, id, UUID_A, "work_record=true", "image/jpeg", &photo, &r), 200);
		ck_assert(json_equal(r.json, first[0]));
		http_result_free(&r);
		ck_assert_int_eq(put(w.tech, id, UUID_B, NULL, "audio/mp4", &audio, &r), 200);
		ck_assert(json_equal(r.json, first[1]));
		http_result_free(&r);
	}
	ck_assert(json_is_true(json_object_get(first[0], "work_record")));
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action ="
				    " 'attachment'"),
			 2);
	/* Other bytes, or other options, under a used UUID: 409, nothing changes. */
	ck_assert_int_eq(put(w.tech, id, UUID_A, "work_record=true", "image/jpeg", &other, &r),
			 409);
	assert_problem(&r, 409, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, UUID_A));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &photo, &r), 409);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 2);
	ck_assert_int_eq(files_under("objects"), 2); /* the refused bytes are not kept */
	/* Byte-identical downloads. */
	att_path(path, sizeof(path), id, UUID_A, NULL);
	ck_assert_int_eq(http_call("GET", path, w.tech, NULL, NULL, 0, NULL, &r), 200);
	sha_hex(r.body, r.body_len, a);
	sha_hex(photo.data, photo.len, b);
	ck_assert_str_eq(a, b);
	http_result_free(&r);
	json_decref(first[0]);
	json_decref(first[1]);
	free(photo.data);
	free(audio.data);
	free(other.data);
	world_down(&w);
}
END_TEST

START_TEST(limits_and_mislabelled_files_are_refused_and_nothing_is_kept)
{
	struct world w;
	struct http_result r;
	struct sample png = make_sample("png", 2000, 1), noise = make_sample("random", 2000, 2);
	struct sample jpeg = make_sample("jpeg", 2000, 3);
	struct sample empty = { jpeg.data, 0 };
	char req[1024], resp[4096], path[160];
	int closed, n;
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	/* Over the photo limit by Content-Length: 413 before a byte is read. */
	att_path(path, sizeof(path), id, UUID_A, NULL);
	n = snprintf(req, sizeof(req),
		     "PUT %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
		     path, w.tech, 20 * 1024 * 1024 + 1);
	harness_raw(req, (size_t)n, (size_t)n, 0, 3000, resp, sizeof(resp), &closed);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 413", 12) == 0, "got: %.200s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "20 MiB"));
	ck_assert_int_eq(closed, 1);
	/* A video may be larger, but not past its own limit. */
	n = snprintf(req, sizeof(req),
		     "PUT %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: video/mp4\r\nContent-Length: %d\r\n\r\n",
		     path, w.tech, 200 * 1024 * 1024 + 1);
	harness_raw(req, (size_t)n, (size_t)n, 0, 3000, resp, sizeof(resp), &closed);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 413", 12) == 0, "got: %.200s", resp);

	/* Content that is not what the header says: 415 naming the header. */
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "video/mp4", &png, &r), 415);
	assert_problem(&r, 415, NULL);
	ck_assert_str_eq(jstr(r.json, "header"), "Content-Type");
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "detail"), "PNG"));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &noise, &r), 415);
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "detail"), "Content-Type"));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/gif", &jpeg, &r), 415);
	ck_assert(json_is_array(json_object_get(r.json, "accepted")));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "application/octet-stream", &jpeg, &r), 415);
	http_result_free(&r);

	/* Bad names and options: 400 naming them. */
	ck_assert_int_eq(put(w.tech, id, "not-a-uuid", NULL, "image/jpeg", &jpeg, &r), 400);
	assert_problem(&r, 400, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"parameter\":\"uuid\""));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, "work_record=maybe", "image/jpeg", &jpeg, &r),
			 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"parameter\":\"work_record\""));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, "caption=%FF%FE", "image/jpeg", &jpeg, &r), 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"parameter\":\"caption\""));
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, "colour=red", "image/jpeg", &jpeg, &r), 400);
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &empty, &r), 400);
	assert_problem(&r, 400, "");
	http_result_free(&r);

	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 0);
	ck_assert_int_eq(files_under("objects"), 0);
	ck_assert_int_eq(tmp_files_settled(), 0);
	/* And the upload itself still goes through. */
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	free(png.data);
	free(noise.data);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

/* Headers announcing 100000 bytes of a photo, then only `send` of them. */
static size_t partial_upload(char *out, size_t size, const char *token, int64_t id,
			     const struct sample *s, size_t send)
{
	char path[160];
	int n;

	att_path(path, sizeof(path), id, UUID_A, NULL);
	n = snprintf(out, size,
		     "PUT %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: image/jpeg\r\nContent-Length: %zu\r\n\r\n",
		     path, token, s->len);
	ck_assert(n > 0 && (size_t)n + send <= size);
	memcpy(out + n, s->data, send);
	return (size_t)n + send;
}

struct raw_call {
	const char *req;
	size_t len;
	int read_timeout_ms;
	char resp[4096];
	int closed;
};

static void *raw_thread(void *arg)
{
	struct raw_call *c = arg;

	harness_raw(c->req, c->len, c->len, 0, c->read_timeout_ms, c->resp, sizeof(c->resp),
		    &c->closed);
	return NULL;
}

START_TEST(an_upload_that_breaks_off_leaves_nothing_and_can_be_retried)
{
	struct world w;
	struct http_result r;
	struct sample jpeg = make_sample("jpeg", 100000, 5);
	char *req = malloc(200000), resp[4096], path[160], a[65], b[65];
	struct raw_call call;
	pthread_t thread;
	size_t len;
	int closed;
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	/* The phone loses its signal: the connection closes mid-body. While
	 * the body arrives it is in a temporary file... */
	call.req = req;
	call.len = partial_upload(req, 200000, w.tech, id, &jpeg, 30000);
	call.read_timeout_ms = 800;
	ck_assert_int_eq(pthread_create(&thread, NULL, raw_thread, &call), 0);
	for (int i = 0; i < 40 && files_under("tmp") != 1; i++)
		usleep(20 * 1000);
	ck_assert_int_eq(files_under("tmp"), 1);
	pthread_join(thread, NULL);
	/* ...which goes with the connection. */
	ck_assert_int_eq(tmp_files_settled(), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 0);
	ck_assert_int_eq(files_under("objects"), 0);
	/* The phone goes quiet but keeps the connection: 408 once the
	 * per-read timeout passes, and nothing kept either. */
	len = partial_upload(req, 200000, w.tech, id, &jpeg, 70000);
	harness_raw(req, len, len, 0, 6000, resp, sizeof(resp), &closed);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 408", 12) == 0, "got: %.200s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "stopped after 70000 of 100000 bytes"));
	ck_assert_int_eq(closed, 1);
	ck_assert_int_eq(tmp_files_settled(), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action ="
				    " 'attachment'"),
			 0);
	/* The retry goes through whole. */
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	att_path(path, sizeof(path), id, UUID_A, NULL);
	ck_assert_int_eq(http_call("GET", path, w.tech, NULL, NULL, 0, NULL, &r), 200);
	sha_hex(r.body, r.body_len, a);
	sha_hex(jpeg.data, jpeg.len, b);
	ck_assert_str_eq(a, b);
	http_result_free(&r);
	ck_assert_int_eq(files_under("objects"), 1);
	free(req);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

START_TEST(a_chunked_upload_streams_and_expect_continue_is_answered)
{
	struct world w;
	struct sample jpeg = make_sample("jpeg", 50000, 11);
	char *req = malloc(120000), resp[8192], path[160];
	size_t len, off = 0;
	int closed, n;
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	att_path(path, sizeof(path), id, UUID_B, NULL);
	n = snprintf(req, 120000,
		     "PUT %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n"
		     "Expect: 100-continue\r\nConnection: close\r\n\r\n",
		     path, w.tech);
	len = (size_t)n;
	while (off < jpeg.len) {
		size_t piece = jpeg.len - off < 7000 ? jpeg.len - off : 7000;

		len += (size_t)snprintf(req + len, 120000 - len, "%zx\r\n", piece);
		memcpy(req + len, jpeg.data + off, piece);
		len += piece;
		memcpy(req + len, "\r\n", 2);
		len += 2;
		off += piece;
	}
	memcpy(req + len, "0\r\n\r\n", 5);
	len += 5;
	harness_raw(req, len, 4096, 0, 3000, resp, sizeof(resp), &closed);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 ", 38) == 0,
		      "got: %.200s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "\"size\":50000"));
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 1);
	free(req);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

/* ---- downloads ---------------------------------------------------------------- */

START_TEST(ranges_etags_and_head)
{
	struct world w;
	struct http_result r;
	struct sample mp4 = make_sample("mp4", 200000, 4);
	const char *h[3] = { NULL, NULL, NULL };
	char path[160], hdr[160], etag[80];
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	ck_assert_int_eq(put(w.tech, id, UUID_C, NULL, "video/mp4", &mp4, &r), 201);
	snprintf(etag, sizeof(etag), "\"%s\"", jstr(r.json, "sha256"));
	http_result_free(&r);
	att_path(path, sizeof(path), id, UUID_C, NULL);

	h[0] = "Range: bytes=100-199";
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 206);
	ck_assert_uint_eq(r.body_len, 100);
	ck_assert(memcmp(r.body, mp4.data + 100, 100) == 0);
	ck_assert_str_eq(http_header(&r, "Content-Range", hdr, sizeof(hdr)),
			 "bytes 100-199/200000");
	http_result_free(&r);

	h[0] = "Range: bytes=150000-"; /* open-ended, across read pieces */
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 206);
	ck_assert_uint_eq(r.body_len, 50000);
	ck_assert(memcmp(r.body, mp4.data + 150000, 50000) == 0);
	http_result_free(&r);

	h[0] = "Range: bytes=-500"; /* the last 500 bytes */
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 206);
	ck_assert_uint_eq(r.body_len, 500);
	ck_assert(memcmp(r.body, mp4.data + 199500, 500) == 0);
	ck_assert_str_eq(http_header(&r, "Content-Range", hdr, sizeof(hdr)),
			 "bytes 199500-199999/200000");
	http_result_free(&r);

	h[0] = "Range: bytes=190000-999999"; /* the end is clamped */
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 206);
	ck_assert_uint_eq(r.body_len, 10000);
	http_result_free(&r);

	h[0] = "Range: bytes=200000-";
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 416);
	assert_problem(&r, 416, NULL);
	ck_assert_str_eq(http_header(&r, "Content-Range", hdr, sizeof(hdr)), "bytes */200000");
	ck_assert_str_eq(http_header(&r, "Cache-Control", hdr, sizeof(hdr)), "no-store");
	http_result_free(&r);
	/* A start too large for 64 bits is still past the end. */
	h[0] = "Range: bytes=99999999999999999999999-";
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 416);
	http_result_free(&r);
	h[0] = "Range: bytes=190000-99999999999999999999999"; /* the end is clamped */
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 206);
	ck_assert_uint_eq(r.body_len, 10000);
	http_result_free(&r);

	h[0] = "Range: bytes=0-9, 20-29"; /* several: the whole file */
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 200);
	ck_assert_uint_eq(r.body_len, 200000);
	ck_assert(memcmp(r.body, mp4.data, 200000) == 0);
	ck_assert_str_eq(http_header(&r, "Cache-Control", hdr, sizeof(hdr)), "no-store");
	http_result_free(&r);

	h[0] = "Range: bytes=0-9";
	h[1] = "If-Range: \"stale\""; /* changed since: the whole file */
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 200);
	http_result_free(&r);
	h[1] = NULL;

	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
	h[0] = hdr;
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 304);
	ck_assert_uint_eq(r.body_len, 0);
	http_result_free(&r);

	ck_assert_int_eq(http_call("HEAD", path, w.disp, NULL, NULL, 0, NULL, &r), 200);
	ck_assert_str_eq(http_header(&r, "Content-Length", hdr, sizeof(hdr)), "200000");
	ck_assert_str_eq(http_header(&r, "Content-Type", hdr, sizeof(hdr)), "video/mp4");
	http_result_free(&r);

	att_path(path, sizeof(path), id, UUID_D, NULL);
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, NULL, &r), 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	free(mp4.data);
	world_down(&w);
}
END_TEST

/* A customer's photo must not stay in a shared device's cache: every
 * answer of a download is no-store, and the app still revalidates its own
 * copy with the ETag (304). */
START_TEST(downloads_are_never_stored_but_revalidate)
{
	struct world w;
	struct http_result r;
	struct sample jpeg = make_sample("jpeg", 4000, 7);
	const char *h[2] = { NULL, NULL };
	char path[160], hdr[160], etag[80], cond[120];
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &jpeg, &r), 201);
	snprintf(etag, sizeof(etag), "\"%s\"", jstr(r.json, "sha256"));
	http_result_free(&r);
	att_path(path, sizeof(path), id, UUID_A, NULL);

	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, NULL, &r), 200);
	ck_assert_str_eq(http_header(&r, "Cache-Control", hdr, sizeof(hdr)), "no-store");
	ck_assert_str_eq(http_header(&r, "ETag", hdr, sizeof(hdr)), etag);
	http_result_free(&r);

	h[0] = "Range: bytes=0-99";
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 206);
	ck_assert_str_eq(http_header(&r, "Cache-Control", hdr, sizeof(hdr)), "no-store");
	http_result_free(&r);

	snprintf(cond, sizeof(cond), "If-None-Match: %s", etag);
	h[0] = cond;
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, h, &r), 304);
	ck_assert_str_eq(http_header(&r, "Cache-Control", hdr, sizeof(hdr)), "no-store");
	ck_assert_str_eq(http_header(&r, "ETag", hdr, sizeof(hdr)), etag);
	http_result_free(&r);

	ck_assert_int_eq(http_call("HEAD", path, w.disp, NULL, NULL, 0, NULL, &r), 200);
	ck_assert_str_eq(http_header(&r, "Cache-Control", hdr, sizeof(hdr)), "no-store");
	http_result_free(&r);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

START_TEST(attachments_are_scoped_like_their_ticket)
{
	struct world w;
	struct http_result r;
	struct sample jpeg = make_sample("jpeg", 4000, 6);
	char *sup = harness_user_token("supervisor.gd", "supervisor", "GD", NULL);
	char path[160];
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	ck_assert_int_eq(put(w.tech, id, UUID_A, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	/* Another centre's dispatcher and a technician not on the job: 404. */
	ck_assert_int_eq(put(w.nj, id, UUID_B, NULL, "image/jpeg", &jpeg, &r), 404);
	assert_problem(&r, 404, NULL);
	http_result_free(&r);
	ck_assert_int_eq(put(w.other, id, UUID_B, NULL, "image/jpeg", &jpeg, &r), 404);
	http_result_free(&r);
	att_path(path, sizeof(path), id, NULL, NULL);
	ck_assert_int_eq(http_json("GET", path, w.nj, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", path, w.other, NULL, &r), 404);
	http_result_free(&r);
	att_path(path, sizeof(path), id, UUID_A, NULL);
	ck_assert_int_eq(http_call("GET", path, w.nj, NULL, NULL, 0, NULL, &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", path, w.other, NULL, NULL, 0, NULL, &r), 404);
	http_result_free(&r);
	/* The region's supervisor sees it and may add one; no token: 401. */
	ck_assert_int_eq(http_call("GET", path, sup, NULL, NULL, 0, NULL, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(put(sup, id, UUID_B, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", path, NULL, NULL, NULL, 0, NULL, &r), 401);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 2);
	free(sup);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

START_TEST(the_same_bytes_on_two_tickets_are_one_object)
{
	struct world w;
	struct http_result r;
	struct sample jpeg = make_sample("jpeg", 8000, 12);
	char path[400], a[65], b[65];
	int64_t one, two;

	world_up(&w);
	one = open_job(&w);
	two = open_job(&w);
	ck_assert_int_eq(put(w.tech, one, UUID_A, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(put(w.tech, two, UUID_A, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 2);
	ck_assert_int_eq(files_under("objects"), 1);
	sha_hex(jpeg.data, jpeg.len, b);
	snprintf(path, sizeof(path), "%s/data/objects/%.2s/%s", H.dir, b, b + 2);
	ck_assert_int_eq(access(path, R_OK), 0);
	att_path(path, sizeof(path), two, UUID_A, NULL);
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, NULL, &r), 200);
	sha_hex(r.body, r.body_len, a);
	ck_assert_str_eq(a, b);
	http_result_free(&r);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

/* A row whose bytes have gone (a backup restored without its objects
 * folder) answers a 404 that says how to mend it, never a 500; the same
 * PUT from the device puts the bytes back. */
START_TEST(a_lost_object_is_named_and_mended_by_uploading_again)
{
	struct world w;
	struct http_result r;
	struct sample jpeg = make_sample("jpeg", 6000, 7);
	char path[400], object[400], sha[65];
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	ck_assert_int_eq(put(w.tech, id, UUID_B, NULL, "image/jpeg", &jpeg, &r), 201);
	http_result_free(&r);
	sha_hex(jpeg.data, jpeg.len, sha);
	snprintf(object, sizeof(object), "%s/data/objects/%.2s/%s", H.dir, sha, sha + 2);
	ck_assert_int_eq(unlink(object), 0);

	att_path(path, sizeof(path), id, UUID_B, NULL);
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, NULL, &r), 404);
	assert_problem(&r, 404, NULL);
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "detail"), UUID_B));
	ck_assert_ptr_nonnull(strstr(jstr(r.json, "detail"), "upload the same file again"));
	ck_assert_ptr_null(http_header(&r, "ETag", object, sizeof(object)));
	http_result_free(&r);
	snprintf(object, sizeof(object), "%s/data/objects/%.2s/%s", H.dir, sha, sha + 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 1);

	ck_assert_int_eq(put(w.tech, id, UUID_B, NULL, "image/jpeg", &jpeg, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(access(object, R_OK), 0);
	ck_assert_int_eq(http_call("GET", path, w.disp, NULL, NULL, 0, NULL, &r), 200);
	ck_assert_uint_eq(r.body_len, jpeg.len);
	ck_assert(memcmp(r.body, jpeg.data, jpeg.len) == 0);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_attachments"), 1);
	free(jpeg.data);
	world_down(&w);
}
END_TEST

/* ---- check-ins ------------------------------------------------------------------ */

static long checkin(const char *token, int64_t id, double lat, double lon, double acc,
		    const char *when, struct http_result *r)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/tickets/%lld/checkins", (long long)id);
	return http_send_json("POST", path, token,
			      json_pack("{s:f, s:f, s:f, s:s}", "latitude", lat, "longitude", lon,
					"accuracy_m", acc, "device_time", when),
			      r);
}

static int has_reason(const json_t *doc, const char *reason)
{
	json_t *list = json_object_get(doc, "reasons");
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), reason) == 0)
			return 1;
	return 0;
}

START_TEST(check_ins_are_flagged_far_from_the_site_or_when_vague)
{
	struct world w;
	struct http_result r;
	char path[64], when[3][32];
	json_t *first;
	time_t now = time(NULL);
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	for (int i = 0; i < 3; i++)
		strftime(when[i], sizeof(when[i]), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime(&(time_t){ now - 600 + i * 60 }));
	/* At the site (about 110 m away) with a good fix. */
	ck_assert_msg(checkin(w.tech, id, 22.521, 113.8905, 15, when[0], &r) == 201, "%s", r.body);
	ck_assert(json_is_false(json_object_get(r.json, "flagged")));
	ck_assert(json_real_value(json_object_get(r.json, "distance_km")) < 0.2);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "reasons")), 0);
	first = json_incref(r.json);
	http_result_free(&r);
	/* Replayed by the phone: the same record. */
	ck_assert_int_eq(checkin(w.tech, id, 22.521, 113.8905, 15, when[0], &r), 200);
	ck_assert(json_equal(r.json, first));
	http_result_free(&r);
	/* Another position at the same device time: 409. */
	ck_assert_int_eq(checkin(w.tech, id, 22.6, 113.9, 15, when[0], &r), 409);
	http_result_free(&r);
	/* Five kilometres off: flagged. */
	ck_assert_int_eq(checkin(w.tech, id, 22.565, 113.89, 20, when[1], &r), 201);
	ck_assert(json_is_true(json_object_get(r.json, "flagged")));
	ck_assert(has_reason(r.json, "far_from_site"));
	http_result_free(&r);
	/* At the site, but the fix is too vague to tell. */
	ck_assert_int_eq(checkin(w.tech, id, 22.5201, 113.8901, 350, when[2], &r), 201);
	ck_assert(json_is_true(json_object_get(r.json, "flagged")));
	ck_assert(has_reason(r.json, "poor_accuracy"));
	ck_assert(!has_reason(r.json, "far_from_site"));
	http_result_free(&r);
	/* A device clock far ahead of the server's. */
	ck_assert_int_eq(checkin(w.tech, id, 22.5201, 113.8901, 10, "2999-01-01T00:00:00Z", &r),
			 201);
	ck_assert(has_reason(r.json, "device_clock_ahead"));
	http_result_free(&r);

	snprintf(path, sizeof(path), "/v1/tickets/%lld/checkins", (long long)id);
	ck_assert_int_eq(http_json("GET", path, w.disp, NULL, &r), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 4);
	ck_assert(json_equal(json_array_get(json_object_get(r.json, "items"), 0), first));
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_events WHERE action = 'checkin'"
				    " AND latitude IS NOT NULL"),
			 4);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit_log WHERE action ="
				    " 'ticket.checkin'"),
			 4);
	json_decref(first);
	world_down(&w);
}
END_TEST

START_TEST(bad_check_ins_are_named_and_only_the_assignee_checks_in)
{
	struct world w;
	struct http_result r;
	char path[64];
	int64_t id;

	world_up(&w);
	id = open_job(&w);
	ck_assert_int_eq(checkin(w.tech, id, 95, 113.89, 10, "2026-11-23T10:00:00+08:00", &r), 400);
	assert_problem(&r, 400, "/latitude");
	http_result_free(&r);
	ck_assert_int_eq(checkin(w.tech, id, 22.52, 190, -1, "yesterday", &r), 400);
	assert_problem(&r, 400, "/longitude");
	assert_problem(&r, 400, "/accuracy_m");
	assert_problem(&r, 400, "/device_time");
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/checkins", (long long)id);
	ck_assert_int_eq(http_send_json("POST", path, w.tech,
					json_pack("{s:f, s:f, s:s}", "latitude", 22.52, "longitude",
						  113.89, "device_time", "2026-11-23T10:00:00Z"),
					&r),
			 400);
	assert_problem(&r, 400, "/accuracy_m");
	http_result_free(&r);
	ck_assert_int_eq(http_send_json("POST", path, w.tech,
					json_pack("{s:s, s:f, s:f, s:s}", "latitude", "north",
						  "longitude", 113.89, "accuracy_m", 5.0,
						  "device_time", "2026-11-23T10:00:00Z"),
					&r),
			 400);
	assert_problem(&r, 400, "/latitude");
	http_result_free(&r);
	/* A role that never checks in: 403; out of scope: 404. */
	ck_assert_int_eq(checkin(w.disp, id, 22.52, 113.89, 10, "2026-11-23T10:00:00Z", &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(checkin(w.other, id, 22.52, 113.89, 10, "2026-11-23T10:00:00Z", &r), 404);
	http_result_free(&r);
	ck_assert_int_eq(checkin(w.nj, id, 22.52, 113.89, 10, "2026-11-23T10:00:00Z", &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", path, w.other, NULL, &r), 404);
	http_result_free(&r);
	/* The technician who reported the job sees it, but did not go: 403. */
	exec_sql("UPDATE tickets SET created_by = (SELECT id FROM users WHERE username ="
		 " 'tech2.sz')");
	ck_assert_int_eq(http_json("GET", path, w.other, NULL, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(checkin(w.other, id, 22.52, 113.89, 10, "2026-11-23T10:00:00Z", &r), 403);
	assert_problem(&r, 403, NULL);
	http_result_free(&r);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_checkins"), 0);
	world_down(&w);
}
END_TEST

Suite *attachments_suite(void)
{
	Suite *s = suite_create("attachments");
	TCase *tc = tcase_create("attachments");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, each_kind_uploads_and_reads_back_byte_identical);
	tcase_add_test(tc, a_day_offline_replayed_twice_gives_identical_attachments);
	tcase_add_test(tc, limits_and_mislabelled_files_are_refused_and_nothing_is_kept);
	tcase_add_test(tc, an_upload_that_breaks_off_leaves_nothing_and_can_be_retried);
	tcase_add_test(tc, a_chunked_upload_streams_and_expect_continue_is_answered);
	tcase_add_test(tc, ranges_etags_and_head);
	tcase_add_test(tc, downloads_are_never_stored_but_revalidate);
	tcase_add_test(tc, attachments_are_scoped_like_their_ticket);
	tcase_add_test(tc, the_same_bytes_on_two_tickets_are_one_object);
	tcase_add_test(tc, a_lost_object_is_named_and_mended_by_uploading_again);
	tcase_add_test(tc, check_ins_are_flagged_far_from_the_site_or_when_vague);
	tcase_add_test(tc, bad_check_ins_are_named_and_only_the_assignee_checks_in);
	suite_add_tcase(s, tc);
	return s;
}
