/* Reliability under faults (docs/RELIABILITY.md, "Full disk"): the
 * database and the data directory on a small tmpfs that a filler file
 * runs out of space. Writes answer 503 problem+json (never 500, never a
 * crash), reads go on, the database stays intact, and once the filler is
 * gone writes succeed again. Needs root (mount); skipped with the reason
 * printed otherwise. The crash part is `make crashtest`. */
#include <check.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "db/db.h"
#include "harness.h"
#include "app.h"
#include "suites.h"

#define DISK_SIZE "size=2m"

static char mnt[300];
static int mounted;

/* One Shenzhen unit that C-SZ covers, so an admin can open tickets. */
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
	    "INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-SZ', 'SZ');"
	    "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
	    " ('C-SZ', 'switchgear');");
}

/* Serves a copy of the test database from the tmpfs. 0 when mounted. */
static int move_to_small_disk(void)
{
	struct config cfg;
	char db[400];

	if (geteuid() != 0) {
		printf("reliability: full-disk test skipped: not root (mount needs it)\n");
		return -1;
	}
	snprintf(mnt, sizeof(mnt), "%s/disk", H.dir);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	/* A mount namespace of this test's own process: the tmpfs goes away
	 * with it even when a failed assertion skips the teardown. */
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, DISK_SIZE) != 0) {
		printf("reliability: full-disk test skipped: cannot mount a tmpfs: %s\n",
		       strerror(errno));
		return -1;
	}
	mounted = 1;
	app_stop(H.srv);
	H.srv = NULL;
	snprintf(db, sizeof(db), "%s/test.db", mnt);
	ck_assert_int_eq(db_backup(H.db, db), ERR_OK);
	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", db);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", mnt);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", harness_cert_file());
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", harness_key_file());
	cfg.threads = 8;
	cfg.scheduler_interval_ms = 0;
	cfg.access_log = 0;
	ck_assert_int_eq(app_start(&cfg, &H.srv), ERR_OK);
	H.port = app_port(H.srv);
	snprintf(H.base, sizeof(H.base), "https://127.0.0.1:%d", H.port);
	return 0;
}

/* Writes 64 KiB pieces until the file system says no. */
static void fill(const char *path)
{
	static char block[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	memset(block, 'x', sizeof(block));
	do
		n = write(fd, block, sizeof(block));
	while (n > 0);
	ck_assert_int_eq(errno, ENOSPC);
	/* The last partial page too. */
	while (write(fd, block, 512) > 0)
		;
	close(fd);
}

static void assert_intact(void)
{
	char db[400];
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(db, sizeof(db), "%s/test.db", mnt);
	ck_assert_int_eq(sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(c);
}

#define TICKET_BODY                                                                                  \
	"{\"channel\":\"app\",\"category\":\"repair\",\"title\":\"断路器拒合 breaker will not " \
	"close\",\"asset_id\":1,\"impact\":\"site\",\"urgency\":\"high\",\"description\":\"The "     \
	"unit on the full disk.\"}"

static long open_ticket(const char *token, struct http_result *r)
{
	return http_json("POST", "/v1/tickets", token, TICKET_BODY, r);
}

/* A write that cannot be stored: 503 problem+json, not a 500. */
static void assert_unavailable(long status, struct http_result *r)
{
	ck_assert_msg(status == 503, "write on a full disk: %ld %s", status, r->body);
	assert_problem(r, 503, NULL);
	http_result_free(r);
}

/* A PNG of n bytes (the signature, then filler). */
static char *png(size_t n)
{
	static const char sig[8] = { (char)0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	char *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	memset(p, 0x5a, n);
	memcpy(p, sig, sizeof(sig));
	return p;
}

START_TEST(full_disk_writes_answer_503_reads_go_on_and_writes_come_back)
{
	static const char *const idem[] = { "Idempotency-Key: full-disk-1", NULL };
	char *admin, *photo, filler[400], path[128];
	struct http_result r;
	int64_t ticket;
	int unavailable = 0;

	seed_world();
	admin = harness_user_token("admin", "admin", NULL, NULL);
	if (move_to_small_disk() != 0) {
		free(admin);
		return;
	}
	ck_assert_int_eq(open_ticket(admin, &r), 201);
	ticket = json_integer_value(json_object_get(r.json, "id"));
	http_result_free(&r);

	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	fill(filler);

	/* Writes: every answer is a 201 (SQLite reuses space it holds) or a
	 * 503 problem, never a 500; space this tight runs out quickly. */
	for (int i = 0; i < 40; i++) {
		long status = open_ticket(admin, &r);

		ck_assert_msg(status == 201 || status == 503, "write on a full disk: %ld %s",
			      status, r.body);
		if (status == 503) {
			assert_problem(&r, 503, NULL);
			unavailable++;
		}
		http_result_free(&r);
	}
	ck_assert_int_gt(unavailable, 0);
	printf("reliability: full disk: %d of 40 ticket creations answered 503, %d 201\n",
	       unavailable, 40 - unavailable);
	/* Other writes: a login (tokens), a transition, a write under an
	 * Idempotency-Key (claimed in a transaction of its own), a logout. */
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)ticket);
	assert_unavailable(http_json("POST", "/v1/auth/login", NULL,
				     "{\"username\":\"admin\",\"password\":\"" TEST_PASSWORD "\"}",
				     &r),
			   &r);
	assert_unavailable(
	    http_json("POST", path, admin, "{\"action\":\"cancel\",\"note\":\"duplicate\"}", &r),
	    &r);
	assert_unavailable(http_call("POST", "/v1/tickets", admin, NULL, TICKET_BODY,
				     strlen(TICKET_BODY), idem, &r),
			   &r);
	assert_unavailable(http_json("POST", "/v1/auth/logout", admin, NULL, &r), &r);
	/* An upload cannot be stored: 503, and nothing is recorded. */
	photo = png(256 * 1024);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/attachments/%s", (long long)ticket,
		 "0b6e4c1a-2f3d-4e5a-9b8c-7d6e5f4a3b21");
	ck_assert_int_eq(http_call("PUT", path, admin, "image/png", photo, 256 * 1024, NULL, &r),
			 503);
	assert_problem(&r, 503, NULL);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", path, admin, NULL, NULL, 0, NULL, &r), 404);
	http_result_free(&r);

	/* Reads go on. */
	ck_assert_int_eq(http_json("GET", "/v1/tickets?limit=5", admin, NULL, &r), 200);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)ticket);
	ck_assert_int_eq(http_json("GET", path, admin, NULL, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/healthz", NULL, NULL, &r), 200);
	http_result_free(&r);
	assert_intact();

	/* Space returns: writes succeed again, the upload too. */
	ck_assert_int_eq(unlink(filler), 0);
	ck_assert_int_eq(open_ticket(admin, &r), 201);
	http_result_free(&r);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/attachments/%s", (long long)ticket,
		 "0b6e4c1a-2f3d-4e5a-9b8c-7d6e5f4a3b21");
	ck_assert_int_eq(http_call("PUT", path, admin, "image/png", photo, 256 * 1024, NULL, &r),
			 201);
	http_result_free(&r);
	ck_assert_int_eq(http_json("GET", "/v1/audit/verify", admin, NULL, &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "intact")));
	http_result_free(&r);
	assert_intact();
	free(photo);
	free(admin);
}
END_TEST

static void setup(void)
{
	mounted = 0;
	harness_setup();
}

static void teardown(void)
{
	app_stop(H.srv);
	H.srv = NULL;
	if (mounted && umount2(mnt, MNT_DETACH) != 0)
		fprintf(stderr, "reliability: umount %s: %s\n", mnt, strerror(errno));
	mounted = 0;
	harness_teardown();
}

Suite *reliability_suite(void)
{
	Suite *s = suite_create("reliability");
	TCase *tc = tcase_create("full_disk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, full_disk_writes_answer_503_reads_go_on_and_writes_come_back);
	suite_add_tcase(s, tc);
	return s;
}
