/* Shared set-up of the fuzz harnesses: a temporary demo database, and the
 * dispatcher driven through a fake civetweb connection (see fuzz.h). */
#include <civetweb.h>
#include <ftw.h>
#include <jansson.h>
#include <netdb.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "domain/auth.h"
#include "core/buf.h"
#include "db/db.h"
#include "demo/demo.h"
#include "fuzz.h"
#include "api/routes.h"
#include "http_internal.h"
#include "core/log.h"
#include "lib/objects.h"
#include "domain/qr.h"
#include "domain/qr_code.h"

/* The linker's --wrap sends the server's calls here; __real_* are
 * civetweb's own, used for any connection that is not the fake one. */
const char *__wrap_mg_get_header(const struct mg_connection *conn, const char *name);
const char *__real_mg_get_header(const struct mg_connection *conn, const char *name);
const struct mg_request_info *__wrap_mg_get_request_info(const struct mg_connection *conn);
const struct mg_request_info *__real_mg_get_request_info(const struct mg_connection *conn);
int __wrap_mg_read(struct mg_connection *conn, void *buf, size_t len);
int __real_mg_read(struct mg_connection *conn, void *buf, size_t len);
int __wrap_mg_write(struct mg_connection *conn, const void *buf, size_t len);
int __real_mg_write(struct mg_connection *conn, const void *buf, size_t len);
void *__wrap_mg_get_thread_pointer(const struct mg_connection *conn);
void *__real_mg_get_thread_pointer(const struct mg_connection *conn);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);
int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);

#define TARGET_MAX 8192
#define ADMIN_MARK "@ADMIN@"
/* A fixed QR key secret: label codes in the seed corpora stay valid. */
#define FUZZ_QR_SECRET "X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'"

struct fake_conn {
	struct mg_request_info ri;
	const char *body;
	size_t body_len, body_off;
	struct buf out; /* everything the server wrote */
};

static struct {
	unsigned flags;
	char dir[128];
	char path[192];
	struct db_pool *pool;
	struct db *own;
	sqlite3 *pristine; /* in-memory copy to restore from (FZ_RESTORE) */
	char token[160];
	struct fake_conn *conn; /* the request in flight */
	char *last_body;
	size_t last_len;
	char *last_head; /* status line and header lines of the last answer */
	int verbose;     /* FUZZ_VERBOSE=1: each request and its answer to stderr */
	unsigned long requests, skipped;
} F;

static struct fake_conn *fake(const struct mg_connection *conn)
{
	return F.conn && (const void *)conn == (const void *)F.conn ? F.conn : NULL;
}

const char *__wrap_mg_get_header(const struct mg_connection *conn, const char *name)
{
	struct fake_conn *c = fake(conn);

	if (!c)
		return __real_mg_get_header(conn, name);
	for (int i = 0; i < c->ri.num_headers; i++) /* civetweb: the first match */
		if (strcasecmp(name, c->ri.http_headers[i].name) == 0)
			return c->ri.http_headers[i].value;
	return NULL;
}

const struct mg_request_info *__wrap_mg_get_request_info(const struct mg_connection *conn)
{
	struct fake_conn *c = fake(conn);

	return c ? &c->ri : __real_mg_get_request_info(conn);
}

int __wrap_mg_read(struct mg_connection *conn, void *buf, size_t len)
{
	struct fake_conn *c = fake(conn);
	size_t n;

	if (!c)
		return __real_mg_read(conn, buf, len);
	n = c->body_len - c->body_off;
	if (n > len)
		n = len;
	memcpy(buf, c->body + c->body_off, n);
	c->body_off += n;
	return (int)n;
}

int __wrap_mg_write(struct mg_connection *conn, const void *buf, size_t len)
{
	struct fake_conn *c = fake(conn);

	if (!c)
		return __real_mg_write(conn, buf, len);
	buf_append(&c->out, buf, len);
	return (int)len;
}

void *__wrap_mg_get_thread_pointer(const struct mg_connection *conn)
{
	return fake(conn) ? (void *)F.pool : __real_mg_get_thread_pointer(conn);
}

/* Webhook URLs are checked by resolving their host: the fuzzer's hosts
 * stay off the network (IP literals only; names do not resolve). */
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo h;

	if (hints)
		h = *hints;
	else
		memset(&h, 0, sizeof(h));
	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

/* --- the database ------------------------------------------------------- */

static void die(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	exit(1);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void cleanup(void)
{
	if (F.flags & FZ_HTTP)
		fprintf(stderr, "fuzz: %lu requests dispatched, %lu inputs skipped\n", F.requests,
			F.skipped);
	db_close(F.own);
	db_pool_close(F.pool);
	if (F.pristine)
		sqlite3_close(F.pristine);
	/* The database, its -wal and -shm, and the attachments' data/. */
	nftw(F.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void db_prepare(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	FILE *devnull = fopen("/dev/null", "w");
	struct db *db = NULL;
	char *err = NULL;

	snprintf(F.dir, sizeof(F.dir), "%s/fieldtrace-fuzz-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(F.dir))
		die("cannot make a temporary directory");
	snprintf(F.path, sizeof(F.path), "%s/fuzz.db", F.dir);
	atexit(cleanup);
	if (db_open(F.path, &db) != ERR_OK || db_migrate(db) != ERR_OK)
		die("cannot open and migrate the database");
	if (!devnull || demo_load(db, devnull) != ERR_OK)
		die("cannot load the demo data");
	fclose(devnull);
	if (sqlite3_exec(db_handle(db),
			 "UPDATE qr_keys SET secret = " FUZZ_QR_SECRET " WHERE key_id = 1", NULL,
			 NULL, &err) != SQLITE_OK)
		die(err ? err : "cannot fix the QR key");
	if (qr_keys_load(db) != ERR_OK)
		die("cannot load the QR keys");
	db_close(db);
}

struct db *fz_db(void)
{
	if (!F.own && db_open(F.path, &F.own) != ERR_OK)
		die("cannot open the database");
	return F.own;
}

const char *fz_asset_code(int64_t asset_id)
{
	static char code[QR_CODE_MAX];

	if (qr_label_code(fz_db(), asset_id, code) != ERR_OK)
		code[0] = '\0';
	return code;
}

static sqlite3 *pool_handle(struct db **db)
{
	*db = db_pool_acquire(F.pool);
	return db_handle(*db);
}

static void snapshot(void)
{
	struct db *db;
	sqlite3 *live = pool_handle(&db);
	sqlite3_backup *b;

	if (sqlite3_open(":memory:", &F.pristine) != SQLITE_OK)
		die("cannot open the snapshot");
	b = sqlite3_backup_init(F.pristine, "main", live, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		die("cannot take the snapshot");
	sqlite3_backup_finish(b);
	db_pool_release(F.pool, db);
}

/* Puts the database back as it was after fz_init, and the caches that
 * mirror it (the QR keys). */
static void restore(struct db *db)
{
	sqlite3_backup *b = sqlite3_backup_init(db_handle(db), "main", F.pristine, "main");
	int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;

	if (b)
		sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "fuzz: restore failed: %s\n", sqlite3_errmsg(db_handle(db)));
		abort();
	}
	if (qr_keys_load(db) != ERR_OK)
		die("cannot reload the QR keys");
}

/* --- requests ------------------------------------------------------------ */

/* Logs username in with the demo password; its token (and any other)
 * then outlives runs of any length. */
static int demo_login(const char *username, char *token, size_t size)
{
	static const char req[] = "POST /v1/auth/login\nContent-Type: application/json\n\n";
	struct fz_policy pol = { 0 };
	char in[256];
	json_t *doc;
	size_t len;
	const char *text;
	struct db *db;
	char *err = NULL;

	snprintf(in, sizeof(in), "%s{\"username\":\"%s\",\"password\":\"fieldtrace-demo\"}", req,
		 username);
	if (fz_request(&pol, (const uint8_t *)in, strlen(in)) != 200)
		return -1;
	text = fz_last_body(&len);
	doc = json_loadb(text, len, 0, NULL);
	snprintf(token, size, "%s",
		 json_string_value(json_object_get(doc, "access_token"))
		     ? json_string_value(json_object_get(doc, "access_token"))
		     : "");
	json_decref(doc);
	if (sqlite3_exec(pool_handle(&db),
			 "UPDATE access_tokens SET expires_at = expires_at + 315360000;"
			 "UPDATE sessions SET expires_at = expires_at + 315360000",
			 NULL, NULL, &err) != SQLITE_OK)
		die(err ? err : "cannot extend the token");
	db_pool_release(F.pool, db);
	return token[0] ? 0 : -1;
}

const char *fz_token(const char *username, char *token, size_t size)
{
	if (demo_login(username, token, size) < 0)
		die("cannot log a demo user in");
	return token;
}

void fz_init(unsigned flags)
{
	char data[256];

	F.flags = flags;
	F.verbose = getenv("FUZZ_VERBOSE") && *getenv("FUZZ_VERBOSE") == '1';
	db_global_init();
	log_set_quiet(1);
	auth_init(1);
	if (!(flags & (FZ_DB | FZ_HTTP)))
		return;
	db_prepare();
	if (!(flags & FZ_HTTP))
		return;
	if (db_pool_open(F.path, 1, &F.pool) != ERR_OK)
		die("cannot open the connection pool");
	api_routes_use(api_route_tables());
	snprintf(data, sizeof(data), "%s/data", F.dir);
	if (objects_init(data) != ERR_OK)
		die("cannot make the attachments' data directory");
	if (demo_login("admin", F.token, sizeof(F.token)) < 0)
		die("cannot log in as the demo admin");
	if (flags & FZ_RESTORE)
		snapshot();
}

void fz_snapshot(void)
{
	if (F.pristine)
		sqlite3_close(F.pristine);
	F.pristine = NULL;
	snapshot();
}

const char *fz_last_body(size_t *len)
{
	*len = F.last_len;
	return F.last_body ? F.last_body : "";
}

const char *fz_last_header(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);

	for (const char *p = F.last_head ? strstr(F.last_head, "\r\n") : NULL; p;
	     p = strstr(p + 2, "\r\n")) {
		const char *v = p + 2, *eol;

		if (strncasecmp(v, name, n) != 0 || v[n] != ':')
			continue;
		v += n + 1;
		while (*v == ' ')
			v++;
		eol = strstr(v, "\r\n");
		if (!eol || size == 0)
			return NULL;
		snprintf(out, size, "%.*s", (int)(eol - v), v);
		return out;
	}
	return NULL;
}

int fz_request_with(const struct fz_policy *pol, const char *head, const uint8_t *data, size_t size)
{
	size_t hlen = strlen(head);
	uint8_t *in = malloc(hlen + size + 1);
	int status;

	if (!in)
		return 0;
	memcpy(in, head, hlen);
	if (size)
		memcpy(in + hlen, data, size);
	status = fz_request(pol, in, hlen + size);
	free(in);
	return status;
}

static int civetweb_method(const char *m)
{
	static const char *const known[] = { "GET",     "POST",      "PUT",      "DELETE",  "HEAD",
					     "OPTIONS", "PATCH",     "PROPFIND", "MKCOL",   "LOCK",
					     "UNLOCK",  "PROPPATCH", "REPORT",   "CONNECT", NULL };

	for (size_t i = 0; known[i]; i++)
		if (strcmp(known[i], m) == 0)
			return 1;
	return 0;
}

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int has_prefix_of(const char *alternatives, const char *s)
{
	const char *p = alternatives;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (strncmp(s, p, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* Bytes civetweb lets through in the request head: printable ASCII and
 * anything from 0x80 (get_http_header_len). */
static int head_byte_ok(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c >= 0x80;
}

struct parsed {
	char method[16];
	char *target;
	char *lines; /* header lines, NUL-separated, in one allocation */
	char *names[MG_MAX_HEADERS];
	char *values[MG_MAX_HEADERS];
	int nheaders;
	const char *body;
	size_t body_len;
};

/* Splits the input; 0 when it is not a request civetweb would route. */
static int parse_input(const uint8_t *data, size_t size, struct parsed *p)
{
	const uint8_t *nl = memchr(data, '\n', size), *end = data + size;
	const uint8_t *sp, *line;
	size_t tlen;

	memset(p, 0, sizeof(*p));
	if (!nl)
		nl = end;
	sp = memchr(data, ' ', (size_t)(nl - data));
	if (sp) {
		size_t mlen = (size_t)(sp - data);

		if (mlen == 0 || mlen >= sizeof(p->method))
			return 0;
		memcpy(p->method, data, mlen);
		p->method[mlen] = '\0';
		if (!civetweb_method(p->method))
			return 0;
		data = sp + 1;
	}
	tlen = (size_t)(nl - data);
	if (tlen && data[tlen - 1] == '\r')
		tlen--;
	if (tlen == 0 || tlen > TARGET_MAX)
		return 0;
	for (size_t i = 0; i < tlen; i++)
		if (!head_byte_ok(data[i]) || data[i] == ' ')
			return 0;
	p->target = strndup((const char *)data, tlen);
	p->lines = calloc(1, (size_t)(end - nl) + 1);
	if (!p->target || !p->lines)
		return 0;
	/* Header lines up to an empty line; the rest is the body. */
	line = nl < end ? nl + 1 : end;
	{
		char *w = p->lines;

		while (line < end) {
			const uint8_t *eol = memchr(line, '\n', (size_t)(end - line));
			size_t len = (size_t)((eol ? eol : end) - line);
			char *name = w, *colon;

			if (len && line[len - 1] == '\r')
				len--;
			if (len == 0) {
				line = eol ? eol + 1 : end;
				break;
			}
			if (p->nheaders == MG_MAX_HEADERS)
				return 0;
			for (size_t i = 0; i < len; i++)
				if (!head_byte_ok(line[i]))
					return 0;
			memcpy(w, line, len);
			w[len] = '\0';
			w += len + 1;
			/* civetweb: a name of visible characters, spaces, ':' */
			colon = name;
			while (*colon > 32 && *colon < 127 && *colon != ':')
				colon++;
			if (colon == name)
				return 0;
			{
				char *after = colon;

				while (*after == ' ')
					*after++ = '\0';
				if (*after != ':')
					return 0;
				*after++ = '\0';
				while (*after == ' ')
					after++;
				p->names[p->nheaders] = name;
				p->values[p->nheaders] = after;
				p->nheaders++;
			}
			line = eol ? eol + 1 : end;
		}
	}
	p->body = (const char *)line;
	p->body_len = (size_t)(end - line);
	return 1;
}

static void parsed_free(struct parsed *p)
{
	free(p->target);
	free(p->lines);
}

static void report(const char *why, const struct fake_conn *c)
{
	fprintf(stderr, "fuzz: %s\n--- request: %s %s?%s\n", why, c->ri.request_method,
		c->ri.local_uri_raw, c->ri.query_string ? c->ri.query_string : "");
	for (int i = 0; i < c->ri.num_headers; i++)
		fprintf(stderr, "%s: %s\n", c->ri.http_headers[i].name,
			c->ri.http_headers[i].value);
	fprintf(stderr, "--- body (%zu bytes): %.*s\n--- answer:\n%.*s\n", c->body_len,
		(int)(c->body_len > 2000 ? 2000 : c->body_len), c->body,
		(int)(c->out.len > 4000 ? 4000 : c->out.len), c->out.data ? c->out.data : "");
	abort();
}

/* The oracles: a status below 500, and JSON bodies that parse. */
static int check_answer(struct fake_conn *c)
{
	const char *text = c->out.data ? c->out.data : "";
	const char *head_end = strstr(text, "\r\n\r\n");
	const char *ct;
	int status = 0;
	size_t body_len;

	if (c->out.failed || !head_end || sscanf(text, "HTTP/1.1 %d ", &status) != 1)
		report("no well-formed answer", c);
	if (status >= 500)
		report("a 5xx answer", c);
	body_len = c->out.len - (size_t)(head_end + 4 - text);
	free(F.last_head);
	F.last_head = strndup(text, (size_t)(head_end + 2 - text));
	free(F.last_body);
	F.last_body = malloc(body_len + 1);
	if (F.last_body) {
		memcpy(F.last_body, head_end + 4, body_len);
		F.last_body[body_len] = '\0';
	}
	F.last_len = F.last_body ? body_len : 0;
	ct = strcasestr(text, "\r\nContent-Type: ");
	if (ct && ct < head_end && body_len && strstr(ct, "json\r\n") &&
	    strstr(ct, "json\r\n") < head_end) {
		json_error_t jerr;
		json_t *doc = json_loadb(head_end + 4, body_len, 0, &jerr);

		if (!doc) {
			fprintf(stderr, "fuzz: JSON answer does not parse: %s\n", jerr.text);
			report("an invalid JSON body", c);
		}
		json_decref(doc);
	}
	return status;
}

int fz_request(const struct fz_policy *pol, const uint8_t *data, size_t size)
{
	struct req_limits lim = { .body_deadline_ms = 60000, .access_log = 0 };
	struct fake_conn c;
	struct parsed p;
	char *query, auth_line[256], ctype_line[128], clen[32], *extra = NULL;
	const char *method;
	int status = 0, has_auth = 0, has_ctype = 0, changes = 0;
	struct db *db = NULL;

	F.skipped++; /* until the request is really made */
	if (!parse_input(data, size, &p))
		goto out;
	method = pol->method   ? pol->method
		 : p.method[0] ? p.method
		 : pol->allow  ? pol->allow[0]
			       : "GET";
	if (!pol->method && pol->allow && !in_list(pol->allow, method))
		goto out;
	if (p.target[0] != '/' || (pol->prefix && !has_prefix_of(pol->prefix, p.target)))
		goto out;
	for (size_t i = 0; pol->deny && pol->deny[i]; i++)
		if (strncmp(p.target, pol->deny[i], strlen(pol->deny[i])) == 0)
			goto out;

	memset(&c, 0, sizeof(c));
	buf_init(&c.out, 0);
	c.ri.request_method = method;
	c.ri.request_uri = p.target;
	c.ri.local_uri_raw = p.target;
	c.ri.local_uri = p.target;
	c.ri.http_version = "1.1";
	query = strchr(p.target, '?');
	if (query) {
		*query++ = '\0';
		c.ri.query_string = query;
	}
	snprintf(c.ri.remote_addr, sizeof(c.ri.remote_addr), "127.0.0.1");
	c.ri.is_ssl = 1;
	c.ri.content_length = p.body_len ? (long long)p.body_len : -1;
	/* Transfer framing is civetweb's business, not the server's: the
	 * harness sets Content-Length itself and drops what the input says. */
	for (int i = 0; i < p.nheaders; i++) {
		char *mark;

		if (strcasecmp(p.names[i], "Content-Length") == 0 ||
		    strcasecmp(p.names[i], "Transfer-Encoding") == 0)
			continue;
		if (strcasecmp(p.names[i], "Authorization") == 0)
			has_auth = 1;
		if (strcasecmp(p.names[i], "Content-Type") == 0)
			has_ctype = 1;
		mark = strstr(p.values[i], ADMIN_MARK);
		if (mark && !extra) {
			size_t n = strlen(p.values[i]) + strlen(F.token) + 1;

			extra = malloc(n);
			if (extra) {
				snprintf(extra, n, "%.*s%s%s", (int)(mark - p.values[i]),
					 p.values[i], F.token, mark + strlen(ADMIN_MARK));
				p.values[i] = extra;
			}
		}
		c.ri.http_headers[c.ri.num_headers].name = p.names[i];
		c.ri.http_headers[c.ri.num_headers].value = p.values[i];
		c.ri.num_headers++;
	}
	if (!has_auth && pol->default_auth && c.ri.num_headers < MG_MAX_HEADERS) {
		snprintf(auth_line, sizeof(auth_line), "Bearer %s", F.token);
		c.ri.http_headers[c.ri.num_headers].name = "Authorization";
		c.ri.http_headers[c.ri.num_headers].value = auth_line;
		c.ri.num_headers++;
	}
	if (!has_ctype && pol->default_ctype && c.ri.num_headers < MG_MAX_HEADERS) {
		snprintf(ctype_line, sizeof(ctype_line), "%s", pol->default_ctype);
		c.ri.http_headers[c.ri.num_headers].name = "Content-Type";
		c.ri.http_headers[c.ri.num_headers].value = ctype_line;
		c.ri.num_headers++;
	}
	if (p.body_len && c.ri.num_headers < MG_MAX_HEADERS) {
		snprintf(clen, sizeof(clen), "%zu", p.body_len);
		c.ri.http_headers[c.ri.num_headers].name = "Content-Length";
		c.ri.http_headers[c.ri.num_headers].value = clen;
		c.ri.num_headers++;
	}
	c.body = p.body;
	c.body_len = p.body_len;

	if (F.pristine) {
		changes = sqlite3_total_changes(pool_handle(&db));
		db_pool_release(F.pool, db);
	}
	F.skipped--;
	F.requests++;
	F.conn = &c;
	http_dispatch((struct mg_connection *)(void *)&c, &lim);
	F.conn = NULL;
	status = check_answer(&c);
	if (F.verbose)
		fprintf(stderr, "fuzz: %s %s%s%s -> %d %.300s\n", method, p.target,
			query ? "?" : "", query ? query : "", status,
			F.last_body ? F.last_body : "");
	if (F.pristine) {
		if (sqlite3_total_changes(pool_handle(&db)) != changes)
			restore(db);
		db_pool_release(F.pool, db);
	}
	buf_cleanup(&c.out);
out:
	free(extra);
	parsed_free(&p);
	return status;
}
