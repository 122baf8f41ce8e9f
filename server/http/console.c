/* Answers the web console's files (include/http/console.h) from the table
 * compiled into the binary. Hashed files (/console/static/...) are
 * immutable for a year, and one that is missing is 404; any other path is
 * the single-page app's own address and answers index.html, never cached
 * without asking again.
 * The build wrote a .br and a .gz beside every compressible file, so an
 * answer is chosen from what Accept-Encoding allows and never compressed
 * per request. */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/metrics.h"
#include "core/digest.h"
#include "http/console.h"
#include "http_internal.h"

const char http_console_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* What the access log and /metrics call every console answer: one label,
 * not one per file. */
const struct route http_console_route = { "GET", "/console/{path}", NULL, PERM_PUBLIC };

#define PREFIX "/console"
#define ASSETS "/static/" /* the build's hashed files (vite.config.ts assetsDir) */
#define IMMUTABLE "public, max-age=31536000, immutable"
#define ETAG_SIZE 36 /* a quoted 32-hex-digit tag + NUL */

int http_console_path(const char *path)
{
	return strncmp(path, PREFIX, sizeof(PREFIX) - 1) == 0 &&
	       (path[sizeof(PREFIX) - 1] == '\0' || path[sizeof(PREFIX) - 1] == '/');
}

/* Strong ETags, one per file (so one per representation: each encoded
 * sibling has its own), from the first 16 bytes of its SHA-256; made once,
 * kept for the process's life. */
static char (*etags)[ETAG_SIZE];
static pthread_once_t etags_once = PTHREAD_ONCE_INIT;

static void etags_make(void)
{
	unsigned char d[DIGEST_SHA256_LEN];

	etags = calloc(console_files_count + 1, sizeof(*etags));
	for (unsigned long i = 0; etags && i < console_files_count; i++) {
		char *t = etags[i];

		if (digest_sha256(console_files[i].bytes, console_files[i].len, d) != 0)
			continue; /* no tag: answered without one */
		t[0] = '"';
		for (int k = 0; k < 16; k++)
			snprintf(t + 1 + 2 * k, 3, "%02x", d[k]);
		t[33] = '"';
		t[34] = '\0';
	}
}

void http_console_init(void)
{
	pthread_once(&etags_once, etags_make);
	metrics_route_label(METRICS_CONSOLE, http_console_route.method, http_console_route.pattern);
}

static const struct embedded_file *find(const char *rel)
{
	unsigned long lo = 0, hi = console_files_count;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;
		int c = strcmp(console_files[mid].path, rel);

		if (c == 0)
			return &console_files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Everything under /static/ is a file of the build: one that is missing is
 * a 404, never index.html (a <script> would run the page as code). The
 * app's own addresses (/console/assets/7 is a unit's page) never start so. */
static int asset_file_wanted(const char *rel)
{
	return strncmp(rel, ASSETS, sizeof(ASSETS) - 1) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* f's precompressed sibling (".br", ".gz"), or NULL. */
static const struct embedded_file *sibling(const struct embedded_file *f, const char *ext)
{
	char path[512];

	if ((size_t)snprintf(path, sizeof(path), "%s%s", f->path, ext) >= sizeof(path))
		return NULL;
	return find(path);
}

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".map", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".webp", "image/webp" },
		{ ".avif", "image/avif" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".woff", "font/woff" },
		{ ".ttf", "font/ttf" },
		{ ".otf", "font/otf" },
		{ ".wasm", "application/wasm" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".webmanifest", "application/manifest+json" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* The weight Accept-Encoding gives coding (RFC 9110 12.5.3): its own
 * q, else that of "*", else 0 (not acceptable). A q that does not parse
 * counts as 0. */
static double coding_q(const char *ae, const char *coding)
{
	double named = -1, star = 0;
	const char *p = ae;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p), t = 0;
		const char *semi;
		double q = 1;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (t < len && p[t] != ';' && p[t] != ' ' && p[t] != '\t')
			t++;
		semi = memchr(p, ';', len);
		if (semi) {
			const char *v = semi + 1;
			char *stop;

			while (*v == ' ' || *v == '\t')
				v++;
			q = 0;
			if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=') {
				q = strtod(v + 2, &stop);
				if (stop == v + 2 || !(q >= 0 && q <= 1))
					q = 0;
			}
		}
		if ((t == strlen(coding) && strncasecmp(p, coding, t) == 0) ||
		    (strcmp(coding, "gzip") == 0 && t == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			named = q;
		else if (t == 1 && *p == '*')
			star = q;
		p = end ? end + 1 : NULL;
	}
	return named >= 0 ? named : star;
}

static void console_headers(struct resp *resp)
{
	resp_header(resp, "Content-Security-Policy", http_console_csp);
	resp_header(resp, "X-Frame-Options", "DENY");
	resp_header(resp, "Referrer-Policy", "same-origin");
	resp_header(resp, "Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self)");
}

/* Answers f (or a precompressed sibling the client accepts). */
static void serve(const struct req *req, struct resp *resp, const struct embedded_file *f,
		  const char *cache)
{
	const struct embedded_file *br = sibling(f, ".br"), *gz = sibling(f, ".gz"), *chosen = f;
	const char *encoding = NULL, *type = content_type(f->path);

	if (br || gz) {
		const char *ae = req_header(req, "Accept-Encoding");
		double qbr = ae && br ? coding_q(ae, "br") : 0,
		       qgz = ae && gz ? coding_q(ae, "gzip") : 0;

		/* br is smaller: chosen unless gzip is weighted higher. */
		if (qbr > 0 && qbr >= qgz) {
			chosen = br;
			encoding = "br";
		} else if (qgz > 0) {
			chosen = gz;
			encoding = "gzip";
		}
		resp_header(resp, "Vary", "Accept-Encoding");
	}
	if (encoding)
		resp_header(resp, "Content-Encoding", encoding);
	resp_header(resp, "Cache-Control", cache);
	if (etags && etags[chosen - console_files][0]) {
		const char *etag = etags[chosen - console_files];

		resp_header(resp, "ETag", etag);
		if (req_if_none_match(req, etag)) {
			resp->status = 304;
			resp->content_type = type;
			return;
		}
	}
	resp_text(resp, 200, type, (const char *)chosen->bytes, chosen->len);
}

static void fail(const struct req *req, struct resp *resp, enum err e, const char *detail)
{
	http_fail(resp, e, "%s", detail);
	api_problem_render(req, resp, e);
}

void http_console_answer(const struct req *req, struct resp *resp, int *must_close)
{
	const char *rel = req->path + sizeof(PREFIX) - 1; /* "" or "/..." */
	const struct embedded_file *f = NULL;

	pthread_once(&etags_once, etags_make);
	/* Nothing here reads a body: one left unread would follow on the
	 * connection as the next request. */
	if (req->content_length > 0 || req_header(req, "Transfer-Encoding"))
		*must_close = 1;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		resp_header(resp, "Allow", "GET, HEAD");
		fail(req, resp, ERR_METHOD, "the console answers GET and HEAD only");
	} else if (rel[0] == '\0') {
		char location[512];

		/* Relative links in index.html resolve against /console/. */
		snprintf(location, sizeof(location), PREFIX "/%s%s",
			 req->query_string && req->query_string[0] ? "?" : "",
			 req->query_string ? req->query_string : "");
		resp_header(resp, "Location", location);
		resp->status = 301;
	} else {
		/* The siblings are representations of their file, never
		 * addresses of their own. */
		if (!ends_with(rel, ".br") && !ends_with(rel, ".gz"))
			f = strcmp(rel, "/") == 0 ? NULL : find(rel);
		if (f)
			serve(req, resp, f,
			      strncmp(rel, ASSETS, sizeof(ASSETS) - 1) == 0 ? IMMUTABLE
									    : "no-cache");
		else if (asset_file_wanted(rel))
			/* A missing asset is not a page: index.html in its place
			 * would be run as a script or style and fail oddly. */
			fail(req, resp, ERR_NOT_FOUND, "no such console file");
		else if ((f = find("/index.html")) != NULL)
			serve(req, resp, f, "no-cache"); /* the app's own route */
		else
			fail(req, resp, ERR_NOT_FOUND, "the console is not built into this binary");
	}
	console_headers(resp);
}
