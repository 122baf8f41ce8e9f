#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain/auth.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "core/log.h"
#include "app.h"
#include "lib/http_client.h"

struct harness H;

static char seeded_hash[192];

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

const char *harness_ca_file(void)
{
	return env_or("FIELDTRACE_TEST_CA", "certs/ca.pem");
}

const char *harness_cert_file(void)
{
	return env_or("FIELDTRACE_TEST_CERT", "certs/server.pem");
}

const char *harness_key_file(void)
{
	return env_or("FIELDTRACE_TEST_KEY", "certs/server.key");
}

const char *harness_bin(void)
{
	return env_or("FIELDTRACE_BIN", "build/fieldtrace");
}

int harness_run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *harness_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	ck_assert_int_ge(n, 0);
	text = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (len)
		*len = (size_t)n;
	return text;
}

void harness_global_init(void)
{
	db_global_init();
	http_client_global_init();
	log_set_quiet(1);
	auth_init(4);
	if (auth_hash_password(TEST_PASSWORD, seeded_hash, sizeof(seeded_hash)) != ERR_OK) {
		fprintf(stderr, "harness: cannot hash the test password\n");
		exit(1);
	}
}

static const char seed_sql[] =
    "INSERT INTO regions(code, parent_code, name, name_en, level, path) VALUES"
    " ('CN', NULL, '中国', 'China', 'country', '/CN/'),"
    " ('GD', 'CN', '广东', 'Guangdong', 'province', '/CN/GD/'),"
    " ('SZ', 'GD', '深圳', 'Shenzhen', 'city', '/CN/GD/SZ/'),"
    " ('GZ', 'GD', '广州', 'Guangzhou', 'city', '/CN/GD/GZ/'),"
    " ('JS', 'CN', '江苏', 'Jiangsu', 'province', '/CN/JS/'),"
    " ('NJ', 'JS', '南京', 'Nanjing', 'city', '/CN/JS/NJ/');"
    "INSERT INTO centres(code, name, region_code, latitude, longitude, capacity) VALUES"
    " ('C-SZ', '深圳服务中心', 'SZ', 22.54, 114.06, 40),"
    " ('C-GZ', '广州服务中心', 'GZ', 23.13, 113.26, 40),"
    " ('C-NJ', '南京服务中心', 'NJ', 32.06, 118.80, 30);";

char harness_metrics_token[128];
const char *harness_unchecked_reason;
long harness_http_timeout_s = 20;

static void start_server(void (*tune)(struct config *))
{
	struct config cfg;

	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", H.db_path);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", H.dir);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", harness_cert_file());
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", harness_key_file());
	cfg.threads = 8;
	cfg.scheduler_interval_ms = 0; /* tests run the jobs themselves */
	cfg.access_log = 0;
	cfg.body_deadline_ms = 2000;
	cfg.request_timeout_ms = 2000;
	cfg.idle_timeout_ms = 700;
	snprintf(cfg.metrics_token, sizeof(cfg.metrics_token), "%s", harness_metrics_token);
	if (tune)
		tune(&cfg);
	ck_assert_int_eq(app_start(&cfg, &H.srv), ERR_OK);
	H.port = app_port(H.srv);
	snprintf(H.base, sizeof(H.base), "https://127.0.0.1:%d", H.port);
}

void harness_setup(void)
{
	char *err = NULL;

	memset(&H, 0, sizeof(H));
	harness_metrics_token[0] = '\0';
	harness_unchecked_reason = NULL;
	harness_http_timeout_s = 20;
	clock_set_offset(0);
	snprintf(H.dir, sizeof(H.dir), "/tmp/fieldtrace-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(H.dir));
	snprintf(H.db_path, sizeof(H.db_path), "%s/test.db", H.dir);
	ck_assert_int_eq(db_open(H.db_path, &H.db), ERR_OK);
	ck_assert_int_eq(db_migrate(H.db), ERR_OK);
	if (sqlite3_exec(db_handle(H.db), seed_sql, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("seed failed: %s", err);
	start_server(NULL);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void harness_teardown(void)
{
	app_stop(H.srv);
	H.srv = NULL;
	db_close(H.db);
	H.db = NULL;
	if (H.dir[0])
		nftw(H.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void harness_restart(void)
{
	harness_restart_with(NULL);
}

void harness_restart_with(void (*tune)(struct config *))
{
	app_stop(H.srv);
	H.srv = NULL;
	start_server(tune);
}

int64_t harness_seed_user(const char *username, const char *role, const char *region,
			  const char *centre)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(
	    db_handle(H.db),
	    "INSERT INTO users(username, display_name, role, region_code, centre_code,"
	    " phone, password_hash, created_at, updated_at)"
	    " VALUES (?1, ?1, ?2, ?3, ?4, '13800138000', ?5, 0, 0)",
	    -1, &st, NULL);
	ck_assert_int_eq(rc, SQLITE_OK);
	db_bind_text(st, 1, username);
	db_bind_text(st, 2, role);
	db_bind_text(st, 3, region);
	db_bind_text(st, 4, centre);
	db_bind_text(st, 5, seeded_hash);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	ck_assert_msg(rc == SQLITE_DONE, "seeding %s: %s", username,
		      sqlite3_errmsg(db_handle(H.db)));
	return sqlite3_last_insert_rowid(db_handle(H.db));
}

char *harness_login(const char *username)
{
	struct http_result r;
	char *token;

	ck_assert_int_eq(http_login(username, TEST_PASSWORD, &r), 200);
	token = strdup(json_string_value(json_object_get(r.json, "access_token")));
	http_result_free(&r);
	return token;
}

char *harness_user_token(const char *username, const char *role, const char *region,
			 const char *centre)
{
	harness_seed_user(username, role, region, centre);
	return harness_login(username);
}

int64_t harness_user_id(const char *username)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(H.db),
					    "SELECT id FROM users WHERE username = ?1", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	ck_assert_int_gt(id, 0);
	return id;
}

void harness_set_today(const char *date)
{
	int64_t t;

	ck_assert_int_eq(clock_parse(date, &t), 0);
	clock_set_offset(t + 12 * 3600 - (int64_t)time(NULL));
}

void exec_sql(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db_handle(H.db), sql, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, err);
}

int64_t count_rows(const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(H.db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

char *row_text(const char *sql)
{
	sqlite3_stmt *st;
	char *out = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(H.db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

json_int_t jint(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

json_t *jpath(json_t *obj, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, obj);
	while (obj && (k = va_arg(ap, const char *)))
		obj = json_object_get(obj, k);
	va_end(ap);
	return obj;
}

long asize(const json_t *list)
{
	return (long)json_array_size(list);
}

int has_string(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, data, size * n);
	return size * n;
}

/* With $FIELDTRACE_RESPONSE_LOG set, every answer http_call receives is
 * appended to that file as one JSON line {method, path, status,
 * content_type, body, unchecked} for tools/openapi/validate-responses.mjs to
 * check against docs/openapi.json. body is null when it is not UTF-8 (a
 * PNG, a ZIP); unchecked is harness_unchecked_reason. One write() on an
 * O_APPEND descriptor per line, so the lines of tests that call from several
 * threads, or of successive forked tests, do not interleave. */
static void log_response(const char *method, const char *path, const struct http_result *r)
{
	const char *log_path = getenv("FIELDTRACE_RESPONSE_LOG");
	char ct[256];
	json_t *line;
	char *text;
	int fd;

	if (!log_path || !*log_path || r->status == 0)
		return;
	/* json_stringn answers NULL for bytes that are not UTF-8: "body": null
	 * (and "path": null for a hostile test's path; the validator says so). */
	line = json_pack("{s:s, s:o?, s:I, s:s?, s:o?, s:s?}", "method", method, "path",
			 json_stringn(path, strlen(path)), "status", (json_int_t)r->status,
			 "content_type",
			 http_header(r, "Content-Type", ct, sizeof(ct)), "body",
			 json_stringn(r->body ? r->body : "", r->body_len), "unchecked",
			 harness_unchecked_reason);
	ck_assert_msg(line != NULL, "cannot log the answer to %s", method);
	text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(line);
	fd = text ? open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
	if (fd >= 0) {
		size_t len = strlen(text);

		text[len] = '\n'; /* replaces the NUL: written with its length */
		ck_assert_msg(write(fd, text, len + 1) == (ssize_t)(len + 1),
			      "cannot append to %s: %s", log_path, strerror(errno));
		close(fd);
	}
	free(text);
}

long http_call(const char *method, const char *path, const char *token, const char *content_type,
	       const char *body, size_t body_len, const char *const *extra_headers,
	       struct http_result *out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct buf b, h;
	char url[2048], line[1024];
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	buf_init(&b, 0);
	buf_init(&h, 0);
	snprintf(url, sizeof(url), "%s%s", H.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, harness_ca_file());
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, harness_http_timeout_s);
	if (token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (body) {
		snprintf(line, sizeof(line), "Content-Type: %s",
			 content_type ? content_type : "application/json");
		hdrs = curl_slist_append(hdrs, line);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (size_t i = 0; extra_headers && extra_headers[i]; i++)
		hdrs = curl_slist_append(hdrs, extra_headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	out->body = buf_detach(&b, &out->body_len);
	out->headers = buf_detach(&h, NULL);
	if (out->body_len)
		out->json = json_loadb(out->body, out->body_len, 0, NULL);
	log_response(method, path, out);
	return out->status;
}

long http_post_multipart(const char *path, const struct form_part *parts, size_t n,
			 const char *const *extra_headers, struct http_result *out)
{
	CURL *c = curl_easy_init();
	curl_mime *mime = curl_mime_init(c);
	struct curl_slist *hdrs = NULL;
	struct buf b, h;
	char url[2048];
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	buf_init(&b, 0);
	buf_init(&h, 0);
	for (size_t i = 0; i < n; i++) {
		curl_mimepart *part = curl_mime_addpart(mime);

		curl_mime_name(part, parts[i].name);
		if (parts[i].data)
			curl_mime_data(part, parts[i].data, parts[i].len);
		else
			curl_mime_data(part, parts[i].value ? parts[i].value : "",
				       CURL_ZERO_TERMINATED);
		if (parts[i].filename)
			curl_mime_filename(part, parts[i].filename);
		if (parts[i].type)
			curl_mime_type(part, parts[i].type);
	}
	snprintf(url, sizeof(url), "%s%s", H.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, harness_ca_file());
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, harness_http_timeout_s);
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (size_t i = 0; extra_headers && extra_headers[i]; i++)
		hdrs = curl_slist_append(hdrs, extra_headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hdrs);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	out->body = buf_detach(&b, &out->body_len);
	out->headers = buf_detach(&h, NULL);
	if (out->body_len)
		out->json = json_loadb(out->body, out->body_len, 0, NULL);
	log_response("POST", path, out);
	return out->status;
}

long http_json(const char *method, const char *path, const char *token, const char *body_json,
	       struct http_result *out)
{
	return http_call(method, path, token, NULL, body_json, body_json ? strlen(body_json) : 0,
			 NULL, out);
}

long http_send_json(const char *method, const char *path, const char *token, json_t *body,
		    struct http_result *out)
{
	char *text = NULL;
	long status;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	status = http_json(method, path, token, text, out);
	free(text);
	return status;
}

long http_send_body(const char *method, const char *path, const char *token, json_t *body,
		    struct http_result *out)
{
	ck_assert_ptr_nonnull(body);
	return http_send_json(method, path, token, body, out);
}

long http_get(const char *path, const char *token, struct http_result *out)
{
	return http_json("GET", path, token, NULL, out);
}

long http_login(const char *username, const char *password, struct http_result *out)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", username,
		 password);
	return http_json("POST", "/v1/auth/login", NULL, body, out);
}

json_t *http_expect_json(const char *method, const char *path, const char *token, json_t *body,
			 long want)
{
	struct http_result r;
	json_t *doc;

	http_send_json(method, path, token, body, &r);
	ck_assert_msg(r.status == want, "%s %s: %ld %s", method, path, r.status, r.body);
	doc = json_incref(r.json);
	http_result_free(&r);
	return doc;
}

json_t *http_get_json(const char *path, const char *token, long want)
{
	return http_expect_json("GET", path, token, NULL, want);
}

void http_expect(const char *method, const char *path, const char *token, const char *body_json,
		 long want)
{
	struct http_result r;

	http_json(method, path, token, body_json, &r);
	ck_assert_msg(r.status == want, "%s %s: %ld, not %ld: %s", method, path, r.status, want,
		      r.body);
	http_result_free(&r);
}

void http_expect_invalid(const char *method, const char *path, const char *token,
			 const char *body_json, const char *pointer)
{
	struct http_result r;

	http_json(method, path, token, body_json, &r);
	ck_assert_msg(r.status == 400, "%s %s %s: %ld %s", method, path, body_json ? body_json : "",
		      r.status, r.body);
	assert_problem(&r, 400, pointer);
	http_result_free(&r);
}

const char *http_header(const struct http_result *r, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			size_t vlen;

			while (*v == ' ')
				v++;
			vlen = len - (size_t)(v - p);
			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return out;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

void http_result_free(struct http_result *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

long harness_raw(const char *request, size_t len, size_t chunk, int pause_ms, int read_timeout_ms,
		 char *resp, size_t resp_size, int *closed)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct sockaddr_in sa;
	SSL *ssl = NULL;
	long got = -1;
	int fd, one = 1;

	*closed = 0;
	resp[0] = '\0';
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)H.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	SSL_CTX_load_verify_locations(ctx, harness_ca_file(), NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) != 1)
		goto out;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (SSL_write(ssl, request + off, (int)n) <= 0)
			break; /* the server may close while we still send */
		off += n;
		if (pause_ms && off < len)
			sleep_ms(pause_ms);
	}
	got = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n;

		if (SSL_pending(ssl) == 0 && poll(&p, 1, read_timeout_ms) <= 0)
			break;
		n = SSL_read(ssl, resp + got, (int)(resp_size - 1 - (size_t)got));
		if (n <= 0) {
			*closed = 1;
			break;
		}
		got += n;
		if ((size_t)got >= resp_size - 1)
			break;
	}
	resp[got] = '\0';
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return got;
}

void assert_problem(const struct http_result *r, long status, const char *pointer)
{
	char ct[128];
	json_t *errors;
	size_t i;
	json_t *e;
	int found = 0;

	ck_assert_int_eq(r->status, status);
	ck_assert_ptr_nonnull(http_header(r, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "application/problem+json");
	ck_assert_ptr_nonnull(r->json);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), status);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "type")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "title")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "detail")));
	if (!pointer)
		return;
	errors = json_object_get(r->json, "errors");
	json_array_foreach(errors, i, e) {
		const char *p = json_string_value(json_object_get(e, "pointer"));

		if (!p)
			p = json_string_value(json_object_get(e, "parameter"));
		if (p && strcmp(p, pointer) == 0)
			found = 1;
	}
	ck_assert_msg(found, "no error names %s in %s", pointer, r->body);
}

void harness_seed_sz_unit(void)
{
	exec_sql("INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜');"
		 "INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES"
		 " (1, 'KYN28-12', 'KYN28', 'switchgear', 0, 0);"
		 "INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at)"
		 " VALUES (1, 'C1', '深圳供电局', 'strategic', 'SZ', 0, 0);"
		 "INSERT INTO sites(id, customer_id, code, name, region_code, latitude, longitude,"
		 " created_at, updated_at) VALUES (1, 1, 'S1', '前湾站', 'SZ', 22.5, 113.9, 0, 0);"
		 "INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path,"
		 " created_at, updated_at) VALUES (1, 'SN1', 1, 1, 1, '/CN/GD/SZ/', 0, 0);"
		 "INSERT INTO centre_regions(centre_code, region_code) VALUES ('C-SZ', 'SZ');"
		 "INSERT INTO centre_product_lines(centre_code, product_line) VALUES"
		 " ('C-SZ', 'switchgear');");
}
