/* loadgen: an open-loop HTTPS load generator for make bench-day.
 *
 *   loadgen --scenario FILE --base URL --rate R --seconds S [--cacert FILE]
 *           [--connections N] [--var NAME=VALUE ...] [--vars FILE] [--pid PID]
 *           [--db PATH] [--data-dir DIR]
 *           [--seed N] [--drain SECONDS]   (--vars: NAME=VALUE lines)
 *
 * Open loop: requests are sent at a fixed arrival rate (R per second,
 * evenly spaced, each given a route drawn by weight), whatever the server
 * does with them, and every latency is measured from the request's
 * *scheduled* send time. A server that falls behind makes requests wait
 * (in libcurl's queue for a free connection or in the server's), and that
 * wait is counted: a closed-loop tool with N connections sends only when an
 * answer arrives, so it slows down with the server and the queueing never
 * shows in its percentiles (coordinated omission; see wrk2's README).
 *
 * The scenario (JSON, see tools/busy_hour.json) names lists of values read
 * from files (one a line; drawn uniformly or Zipf-like), pools of ids that
 * routes fill and drain (a ticket created by intake is later accepted,
 * resolved...), and routes: weight, method, path and body templates,
 * headers, the statuses that count as a correct answer. Templates take
 *   {list:NAME}  a value of a list       {var:NAME}  a --var value
 *   {pool}       the id the route took   {uuid}      a fresh UUID v4
 *   {n}          the request's number
 *   {tagvar:P}   the var named P + the tag of the id the route took (the
 *                ticket's centre: that centre's technician and token)
 *   {list:NAME#k} field k (space-separated) of the line {list:NAME} drew
 *                for this request (one draw per list per request)
 *   {note}, {note#k}  the note (field k) of the id the route took (put_note: a template
 *                expanded when the id was created, e.g. the unit's part)
 * An answer with another status is an error, not a latency sample. A route
 * that takes from an empty pool is not sent (counted as "starved"). A
 * route may also require a string in the answer (expect_contains: a sync
 * push answers 200 with each queued action's own status inside).
 *
 * Prints a table per route (sent, ok, errors, starved, held rate, p50, p99,
 * p99.9 in ms) and, with --pid and --db, the server's CPU, RSS and database
 * growth over the run; then machine-readable lines:
 *   ROUTE name sent ok errors starved rps p50 p99 p999
 *   SUMMARY rate seconds sent ok errors max_p99 worst_route cpu_pct rss_kb db_growth_bytes held
 * Uses libcurl's multi interface (HTTP/1.1 keep-alive pool) and jansson. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUTES 64
#define MAX_LISTS 16
#define MAX_POOLS 16
#define MAX_VARS 4096
#define MAX_EXPECT 8
#define BODY_KEEP 65536

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* --- random numbers: xorshift64*, deterministic per --seed --- */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* UUIDs (client ids, idempotency keys, attachment ids) must differ from one
 * run to the next against the same database, or the server would rightly
 * answer them as repeats: their generator is seeded from the kernel. */
static uint64_t uuid_state;

static uint64_t uuid64(void)
{
	uuid_state ^= uuid_state >> 12;
	uuid_state ^= uuid_state << 25;
	uuid_state ^= uuid_state >> 27;
	return uuid_state * 0x2545F4914F6CDD1Dull;
}

static double rnd_unit(void)
{
	return (double)(rnd64() >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- lists: values from a file, drawn uniformly or Zipf-like --- */
struct list {
	char name[32];
	char **values;
	size_t n;
	double *cdf; /* Zipf: cumulative weights of ranks 1..n; NULL: uniform */
};

static struct list lists[MAX_LISTS];
static size_t n_lists;

static void list_load(struct list *l, const char *path, double zipf_s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;

	if (!f)
		die("cannot read %s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (l->n == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			l->values = realloc(l->values, alloc * sizeof(*l->values));
			if (!l->values)
				die("out of memory");
		}
		l->values[l->n++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (l->n == 0)
		die("%s: no values", path);
	/* The file's order says nothing about popularity: rank i is a random
	 * value, so the hot few are not the first ones generated. The same
	 * ranking every run (its own fixed seed); --seed changes the draws. */
	uint64_t shuffle = 0x2545F4914F6CDD1Dull;

	for (size_t i = l->n - 1; i > 0; i--) {
		size_t j;

		shuffle ^= shuffle >> 12;
		shuffle ^= shuffle << 25;
		shuffle ^= shuffle >> 27;
		j = (size_t)((shuffle * 0x2545F4914F6CDD1Dull) % (i + 1));
		char *t = l->values[i];

		l->values[i] = l->values[j];
		l->values[j] = t;
	}
	if (zipf_s > 0) {
		double sum = 0;

		l->cdf = malloc(l->n * sizeof(*l->cdf));
		if (!l->cdf)
			die("out of memory");
		for (size_t i = 0; i < l->n; i++) {
			sum += 1.0 / pow((double)(i + 1), zipf_s);
			l->cdf[i] = sum;
		}
		for (size_t i = 0; i < l->n; i++)
			l->cdf[i] /= sum;
	}
}

/* One request's draws: every {list:NAME} in a request is the same line,
 * and {list:NAME#k} its k-th space-separated field (a unit's code and a
 * part fitted to it stay together). Reset before each request. */
static const char *drawn[MAX_LISTS];

static const char *list_draw(const struct list *l)
{
	size_t lo = 0, hi;
	double u;

	if (!l->cdf)
		return l->values[rnd64() % l->n];
	u = rnd_unit();
	hi = l->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return l->values[lo];
}

/* --- pools: ids one route hands to another (FIFO ring) --- */
struct pool_entry {
	long long id;
	char tag[32];   /* from the answer, e.g. the ticket's centre: {tagvar:...} */
	char note[128]; /* from the request, e.g. the unit's fitted part: {note} */
};

struct pool {
	char name[32];
	struct pool_entry *ids;
	size_t head, count, cap;
};

static struct pool pools[MAX_POOLS];
static size_t n_pools;

static struct pool *pool_find(const char *name)
{
	for (size_t i = 0; i < n_pools; i++)
		if (strcmp(pools[i].name, name) == 0)
			return &pools[i];
	if (n_pools == MAX_POOLS)
		die("too many pools");
	snprintf(pools[n_pools].name, sizeof(pools[n_pools].name), "%s", name);
	return &pools[n_pools++];
}

static void pool_put(struct pool *p, const struct pool_entry *e)
{
	if (p->count == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 1024;
		struct pool_entry *n = malloc(ncap * sizeof(*n));

		if (!n)
			die("out of memory");
		for (size_t i = 0; i < p->count; i++)
			n[i] = p->ids[(p->head + i) % p->cap];
		free(p->ids);
		p->ids = n;
		p->cap = ncap;
		p->head = 0;
	}
	p->ids[(p->head + p->count) % p->cap] = *e;
	p->count++;
}

static int pool_take(struct pool *p, struct pool_entry *e)
{
	if (p->count == 0)
		return -1;
	*e = p->ids[p->head];
	p->head = (p->head + 1) % p->cap;
	p->count--;
	return 0;
}

/* --- vars --- */
static char *var_names[MAX_VARS], *var_values[MAX_VARS];
static size_t n_vars;

static const char *var_get(const char *name, size_t len)
{
	for (size_t i = 0; i < n_vars; i++)
		if (strlen(var_names[i]) == len && strncmp(var_names[i], name, len) == 0)
			return var_values[i];
	die("scenario uses {var:%.*s}, not given (--var %.*s=...)", (int)len, name, (int)len, name);
	return NULL;
}

/* --- routes --- */
struct route {
	char name[64];
	double weight;
	char method[8];
	char *path, *body, *body_file_data;
	size_t body_file_len;
	char *headers[8];
	size_t n_headers;
	long expect[MAX_EXPECT];
	size_t n_expect;
	struct pool *take, *put;
	char capture[32];      /* JSON field of the answer put into `put` */
	char capture_tag[32];  /* JSON field (string) kept as the entry's tag */
	char *put_note;        /* template kept as the entry's note */
	char *expect_contains; /* the answer must contain this too */
	/* results */
	long sent, ok, errors, starved, inflight;
	uint32_t *lat_us;
	size_t n_lat, cap_lat;
	long status_seen[8][2]; /* wrong statuses: status, count */
	int error_samples;
};

static struct route routes[MAX_ROUTES];
static size_t n_routes;
static double weight_total;

struct request {
	struct route *route;
	CURL *easy;
	struct curl_slist *headers;
	double scheduled;
	struct pool_entry taken;
	char *body;
	size_t body_len;
	struct request *next_free;
};

static struct request *free_requests;
static double last_answer; /* when the latest answer came: the held rate's clock */

static void buf_append(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*out = realloc(*out, *cap);
		if (!*out)
			die("out of memory");
	}
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

static size_t list_find(const char *name, size_t len)
{
	for (size_t i = 0; i < n_lists; i++)
		if (strlen(lists[i].name) == len && strncmp(lists[i].name, name, len) == 0)
			return i;
	die("scenario uses {list:%.*s}, not defined", (int)len, name);
	return 0;
}

/* Appends field k (1-based; 0: the whole line) of line. */
static void append_field(char **out, size_t *len, size_t *cap, const char *line, int k)
{
	const char *p = line, *end;

	if (k == 0) {
		buf_append(out, len, cap, line, strlen(line));
		return;
	}
	for (int i = 1; i < k && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return;
	end = strchr(p, ' ');
	buf_append(out, len, cap, p, end ? (size_t)(end - p) : strlen(p));
}

/* Fills a template; the result is malloc'd. */
static char *expand(const char *tpl, const struct pool_entry *taken, long n)
{
	char *out = NULL, tmp[64];
	size_t len = 0, cap = 0;

	buf_append(&out, &len, &cap, "", 0);
	while (*tpl) {
		const char *open = strchr(tpl, '{'), *close;

		if (!open) {
			buf_append(&out, &len, &cap, tpl, strlen(tpl));
			break;
		}
		close = strchr(open, '}');
		buf_append(&out, &len, &cap, tpl, (size_t)(open - tpl));
		if (!close) {
			buf_append(&out, &len, &cap, open, strlen(open));
			break;
		}
		const char *name = open + 1;
		size_t nlen = (size_t)(close - name);

		if (nlen > 5 && strncmp(name, "list:", 5) == 0) {
			const char *hash = memchr(name, '#', nlen);
			size_t li = list_find(name + 5, (size_t)((hash ? hash : close) - name - 5));

			if (!drawn[li])
				drawn[li] = list_draw(&lists[li]);
			append_field(&out, &len, &cap, drawn[li], hash ? atoi(hash + 1) : 0);
		} else if (nlen >= 4 && strncmp(name, "note", 4) == 0 &&
			   (nlen == 4 || name[4] == '#')) {
			append_field(&out, &len, &cap, taken->note, nlen > 5 ? atoi(name + 5) : 0);
		} else if (nlen > 4 && strncmp(name, "var:", 4) == 0) {
			const char *v = var_get(name + 4, nlen - 4);

			buf_append(&out, &len, &cap, v, strlen(v));
		} else if (nlen > 7 && strncmp(name, "tagvar:", 7) == 0) {
			char full[128];
			int flen = snprintf(full, sizeof(full), "%.*s%s", (int)(nlen - 7), name + 7,
					    taken->tag);
			const char *v;

			if (flen < 0 || (size_t)flen >= sizeof(full))
				die("{tagvar:%.*s}: name too long", (int)(nlen - 7), name + 7);
			v = var_get(full, (size_t)flen);

			buf_append(&out, &len, &cap, v, strlen(v));
		} else if (nlen == 4 && strncmp(name, "pool", 4) == 0) {
			snprintf(tmp, sizeof(tmp), "%lld", taken->id);
			buf_append(&out, &len, &cap, tmp, strlen(tmp));
		} else if (nlen == 1 && name[0] == 'n') {
			snprintf(tmp, sizeof(tmp), "%ld", n);
			buf_append(&out, &len, &cap, tmp, strlen(tmp));
		} else if (nlen == 4 && strncmp(name, "uuid", 4) == 0) {
			uint64_t a = uuid64(), b = uuid64();

			snprintf(tmp, sizeof(tmp), "%08x-%04x-4%03x-%04x-%012llx",
				 (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
				 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
				 (unsigned long long)(b & 0xffffffffffffull));
			buf_append(&out, &len, &cap, tmp, strlen(tmp));
		} else {
			/* not a placeholder (JSON braces): copy the brace, go on */
			buf_append(&out, &len, &cap, open, 1);
			tpl = open + 1;
			continue;
		}
		tpl = close + 1;
	}
	return out;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	if (!f)
		die("cannot read %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size)
		die("cannot read %s", path);
	fclose(f);
	*len = (size_t)size;
	return data;
}

static const char *str_field(json_t *o, const char *key, int required)
{
	json_t *v = json_object_get(o, key);

	if (!v && !required)
		return NULL;
	if (!json_is_string(v))
		die("scenario: \"%s\" must be a string", key);
	return json_string_value(v);
}

/* Paths in the scenario are relative to --data-dir. */
static char data_dir[1024] = ".";

static void scenario_load(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *v, *r;
	const char *key;
	size_t i;

	if (!root)
		die("%s:%d: %s", path, jerr.line, jerr.text);
	json_object_foreach(json_object_get(root, "lists"), key, v) {
		char file[2048];
		struct list *l;

		if (n_lists == MAX_LISTS)
			die("too many lists");
		l = &lists[n_lists++];
		snprintf(l->name, sizeof(l->name), "%s", key);
		snprintf(file, sizeof(file), "%s/%s", data_dir, str_field(v, "file", 1));
		list_load(l, file, json_number_value(json_object_get(v, "zipf")));
	}
	json_array_foreach(json_object_get(root, "routes"), i, r) {
		struct route *rt;
		json_t *h, *e;
		size_t j;
		const char *s;

		if (n_routes == MAX_ROUTES)
			die("too many routes");
		rt = &routes[n_routes++];
		snprintf(rt->name, sizeof(rt->name), "%s", str_field(r, "name", 1));
		rt->weight = json_number_value(json_object_get(r, "weight"));
		if (rt->weight <= 0)
			die("route %s: weight must be > 0", rt->name);
		weight_total += rt->weight;
		snprintf(rt->method, sizeof(rt->method), "%s", str_field(r, "method", 1));
		rt->path = strdup(str_field(r, "path", 1));
		v = json_object_get(r, "body");
		if (json_is_string(v))
			rt->body = strdup(json_string_value(v));
		else if (v)
			rt->body = json_dumps(v, JSON_COMPACT);
		if ((s = str_field(r, "body_file", 0))) {
			char file[2048];

			snprintf(file, sizeof(file), "%s/%s", data_dir, s);
			rt->body_file_data = read_file(file, &rt->body_file_len);
		}
		json_array_foreach(json_object_get(r, "headers"), j, h) {
			if (rt->n_headers < 8 && json_is_string(h))
				rt->headers[rt->n_headers++] = strdup(json_string_value(h));
		}
		json_array_foreach(json_object_get(r, "expect"), j, e) {
			if (rt->n_expect < MAX_EXPECT)
				rt->expect[rt->n_expect++] = (long)json_integer_value(e);
		}
		if (rt->n_expect == 0)
			die("route %s: no expected status", rt->name);
		if ((s = str_field(r, "take", 0)))
			rt->take = pool_find(s);
		if ((s = str_field(r, "put", 0)))
			rt->put = pool_find(s);
		if ((s = str_field(r, "capture", 0)))
			snprintf(rt->capture, sizeof(rt->capture), "%s", s);
		if ((s = str_field(r, "put_note", 0)))
			rt->put_note = strdup(s);
		if ((s = str_field(r, "capture_tag", 0)))
			snprintf(rt->capture_tag, sizeof(rt->capture_tag), "%s", s);
		if ((s = str_field(r, "expect_contains", 0)))
			rt->expect_contains = strdup(s);
	}
	if (n_routes == 0)
		die("%s: no routes", path);
	json_decref(root);
}

static struct route *route_draw(void)
{
	double u = rnd_unit() * weight_total;

	for (size_t i = 0; i < n_routes; i++) {
		if (u < routes[i].weight)
			return &routes[i];
		u -= routes[i].weight;
	}
	return &routes[n_routes - 1];
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct request *rq = user;
	size_t n = size * nmemb;

	if (rq->route->capture[0] || rq->route->expect_contains || rq->route->error_samples < 3) {
		size_t room = BODY_KEEP - rq->body_len;
		size_t take = n < room ? n : room;

		if (take) {
			memcpy(rq->body + rq->body_len, data, take);
			rq->body_len += take;
		}
	}
	return n;
}

static const char *opt_cacert, *opt_base;
static long opt_connections = 256;

static void request_send(CURLM *multi, struct route *rt, double scheduled, long n)
{
	struct request *rq = free_requests;
	struct pool_entry taken = { 0, "", "" };
	char *url, *path, *body = NULL;

	if (rt->take && pool_take(rt->take, &taken) < 0) {
		rt->starved++;
		return;
	}
	if (rq) {
		free_requests = rq->next_free;
		curl_easy_reset(rq->easy);
	} else {
		rq = calloc(1, sizeof(*rq));
		if (!rq || !(rq->easy = curl_easy_init()) || !(rq->body = malloc(BODY_KEEP)))
			die("out of memory");
	}
	rq->route = rt;
	rq->scheduled = scheduled;
	memset(drawn, 0, sizeof(drawn));
	rq->taken = taken;
	if (rt->put_note) {
		char *note = expand(rt->put_note, &taken, n);

		snprintf(rq->taken.note, sizeof(rq->taken.note), "%s", note);
		free(note);
	}
	rq->body_len = 0;
	rq->headers = NULL;
	path = expand(rt->path, &taken, n);
	url = malloc(strlen(opt_base) + strlen(path) + 1);
	if (!url)
		die("out of memory");
	strcpy(url, opt_base);
	strcat(url, path);
	free(path);
	for (size_t i = 0; i < rt->n_headers; i++) {
		char *h = expand(rt->headers[i], &taken, n);

		rq->headers = curl_slist_append(rq->headers, h);
		free(h);
	}
	/* no 100-continue round trip for uploads */
	rq->headers = curl_slist_append(rq->headers, "Expect:");
	curl_easy_setopt(rq->easy, CURLOPT_URL, url);
	curl_easy_setopt(rq->easy, CURLOPT_HTTPHEADER, rq->headers);
	curl_easy_setopt(rq->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(rq->easy, CURLOPT_PRIVATE, rq);
	curl_easy_setopt(rq->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(rq->easy, CURLOPT_WRITEDATA, rq);
	curl_easy_setopt(rq->easy, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(rq->easy, CURLOPT_NOSIGNAL, 1L);
	if (opt_cacert)
		curl_easy_setopt(rq->easy, CURLOPT_CAINFO, opt_cacert);
	if (rt->body_file_data) {
		curl_easy_setopt(rq->easy, CURLOPT_POSTFIELDS, rt->body_file_data);
		curl_easy_setopt(rq->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)rt->body_file_len);
	} else if (rt->body) {
		body = expand(rt->body, &taken, n);
		curl_easy_setopt(rq->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		curl_easy_setopt(rq->easy, CURLOPT_COPYPOSTFIELDS, body);
		free(body);
	}
	if (strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "POST") != 0)
		curl_easy_setopt(rq->easy, CURLOPT_CUSTOMREQUEST, rt->method);
	else if (strcmp(rt->method, "POST") == 0 && !rt->body && !rt->body_file_data)
		curl_easy_setopt(rq->easy, CURLOPT_POSTFIELDS, "");
	free(url);
	rt->sent++;
	rt->inflight++;
	curl_multi_add_handle(multi, rq->easy);
}

static void lat_add(struct route *rt, double seconds)
{
	double us = seconds * 1e6;

	if (rt->n_lat == rt->cap_lat) {
		rt->cap_lat = rt->cap_lat ? rt->cap_lat * 2 : 4096;
		rt->lat_us = realloc(rt->lat_us, rt->cap_lat * sizeof(*rt->lat_us));
		if (!rt->lat_us)
			die("out of memory");
	}
	rt->lat_us[rt->n_lat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

static void note_status(struct route *rt, long status)
{
	for (int i = 0; i < 8; i++) {
		if (rt->status_seen[i][1] == 0)
			rt->status_seen[i][0] = status;
		if (rt->status_seen[i][0] == status) {
			rt->status_seen[i][1]++;
			return;
		}
	}
}

static void request_done(CURLM *multi, CURLMsg *msg)
{
	struct request *rq = NULL;
	struct route *rt;
	long status = 0;
	int expected = 0;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&rq);
	rt = rq->route;
	rt->inflight--;
	last_answer = now_s();
	curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
	if (msg->data.result == CURLE_OK)
		for (size_t i = 0; i < rt->n_expect; i++)
			expected |= rt->expect[i] == status;
	if (expected && rt->expect_contains &&
	    !memmem(rq->body, rq->body_len, rt->expect_contains, strlen(rt->expect_contains)))
		expected = 0;
	if (expected) {
		lat_add(rt, now_s() - rq->scheduled);
		rt->ok++;
		if (rt->put) {
			struct pool_entry e = rq->taken;

			if (rt->capture[0]) {
				json_t *doc = json_loadb(rq->body, rq->body_len, 0, NULL);
				json_t *v = json_object_get(doc, rt->capture);
				json_t *tag = json_object_get(doc, rt->capture_tag);

				e.id = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
				if (rt->capture_tag[0])
					snprintf(e.tag, sizeof(e.tag), "%s",
						 json_is_string(tag) ? json_string_value(tag) : "");
				json_decref(doc);
			}
			if (e.id > 0)
				pool_put(rt->put, &e);
		}
	} else {
		rt->errors++;
		note_status(rt, msg->data.result == CURLE_OK ? status : -(long)msg->data.result);
		if (rt->error_samples < 3) {
			rt->error_samples++;
			fprintf(stderr, "loadgen: %s: %s %ld: %.*s\n", rt->name,
				msg->data.result == CURLE_OK ? "status"
							     : curl_easy_strerror(msg->data.result),
				status, (int)(rq->body_len > 300 ? 300 : rq->body_len), rq->body);
		}
	}
	curl_multi_remove_handle(multi, rq->easy);
	curl_slist_free_all(rq->headers);
	rq->headers = NULL;
	rq->next_free = free_requests;
	free_requests = rq;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(const struct route *rt, double p)
{
	size_t i;

	if (rt->n_lat == 0)
		return 0;
	i = (size_t)ceil(p * (double)rt->n_lat) - 1;
	if (i >= rt->n_lat)
		i = rt->n_lat - 1;
	return rt->lat_us[i] / 1000.0;
}

/* --- the server's side: CPU ticks, RSS, database size --- */
static long long proc_cpu_ticks(long pid)
{
	char path[64], buf[4096], *p;
	unsigned long long utime = 0, stime = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command's closing parenthesis: state is field 3,
	 * utime 14 and stime 15 */
	if (!(p = strrchr(buf, ')')))
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
		   &stime) != 2)
		return -1;
	return (long long)(utime + stime);
}

static long proc_rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static long long db_bytes(const char *db)
{
	static const char *const suffix[] = { "", "-wal" };
	long long total = 0;
	char path[2048];
	struct stat st;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", db, suffix[i]);
		if (stat(path, &st) == 0)
			total += (long long)st.st_size;
	}
	return total;
}

int main(int argc, char **argv)
{
	const char *scenario = NULL, *opt_db = NULL;
	double rate = 0, seconds = 0, drain = 10, start, next, end;
	long pid = 0, n = 0, rss_max = 0;
	long long cpu0 = 0, cpu1 = 0, db0 = 0, db1 = 0;
	CURLM *multi;
	int running = 0;
	double last_sample;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			die("%s needs a value", a);
		i++;
		if (strcmp(a, "--scenario") == 0)
			scenario = v;
		else if (strcmp(a, "--base") == 0)
			opt_base = v;
		else if (strcmp(a, "--rate") == 0)
			rate = atof(v);
		else if (strcmp(a, "--seconds") == 0)
			seconds = atof(v);
		else if (strcmp(a, "--cacert") == 0)
			opt_cacert = v;
		else if (strcmp(a, "--connections") == 0)
			opt_connections = atol(v);
		else if (strcmp(a, "--pid") == 0)
			pid = atol(v);
		else if (strcmp(a, "--db") == 0)
			opt_db = v;
		else if (strcmp(a, "--drain") == 0)
			drain = atof(v);
		else if (strcmp(a, "--data-dir") == 0)
			snprintf(data_dir, sizeof(data_dir), "%s", v);
		else if (strcmp(a, "--seed") == 0) {
			/* splitmix64 of the seed: never the all-zero state xorshift
			 * cannot leave */
			uint64_t z = strtoull(v, NULL, 10) + 0x9E3779B97F4A7C15ull;

			z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
			z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
			z ^= z >> 31;
			rng_state = z ? z : 0x9E3779B97F4A7C15ull;
		} else if (strcmp(a, "--vars") == 0) {
			FILE *f = fopen(v, "r");
			char line[4096];

			if (!f)
				die("cannot read %s", v);
			while (fgets(line, sizeof(line), f)) {
				char *eq = strchr(line, '=');

				line[strcspn(line, "\r\n")] = '\0';
				if (!eq || n_vars == MAX_VARS)
					continue;
				var_names[n_vars] = strndup(line, (size_t)(eq - line));
				var_values[n_vars++] = strdup(eq + 1);
			}
			fclose(f);
		} else if (strcmp(a, "--var") == 0) {
			const char *eq = strchr(v, '=');

			if (!eq || n_vars == MAX_VARS)
				die("--var NAME=VALUE");
			var_names[n_vars] = strndup(v, (size_t)(eq - v));
			var_values[n_vars++] = strdup(eq + 1);
		} else
			die("unknown option %s", a);
	}
	if (!scenario || !opt_base || rate <= 0 || seconds <= 0)
		die("usage: loadgen --scenario FILE --base URL --rate R --seconds S [--cacert FILE]"
		    " [--connections N] [--var NAME=VALUE]... [--vars FILE] [--pid PID] [--db PATH]"
		    " [--data-dir DIR] [--seed N] [--drain S]");
	if (getrandom(&uuid_state, sizeof(uuid_state), 0) != sizeof(uuid_state) || !uuid_state)
		uuid_state = (uint64_t)time(NULL) | 1;
	scenario_load(scenario);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	/* the keep-alive pool: at most this many connections, requests beyond
	 * it wait in libcurl's queue (and that wait is in their latency) */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, opt_connections);
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, opt_connections);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, opt_connections);
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);

	if (pid) {
		cpu0 = proc_cpu_ticks(pid);
		rss_max = proc_rss_kb(pid);
	}
	if (opt_db)
		db0 = db_bytes(opt_db);
	start = now_s();
	next = start;
	end = start + seconds;
	last_sample = start;
	for (;;) {
		double t = now_s();
		CURLMsg *msg;
		int left, timeout_ms;

		while (next <= t && next < end) {
			request_send(multi, route_draw(), next, n++);
			next = start + (double)n / rate;
		}
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				request_done(multi, msg);
		if (pid && t - last_sample >= 1) {
			long rss = proc_rss_kb(pid);

			if (rss > rss_max)
				rss_max = rss;
			last_sample = t;
		}
		if (next >= end && (running == 0 || t > end + drain))
			break;
		timeout_ms = next < end ? (int)((next - now_s()) * 1000) : 50;
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (timeout_ms > 50)
			timeout_ms = 50;
		curl_multi_poll(multi, NULL, 0, timeout_ms, NULL);
	}
	end = now_s();
	if (pid)
		cpu1 = proc_cpu_ticks(pid);
	if (opt_db)
		db1 = db_bytes(opt_db);

	/* requests still unanswered after the drain are errors (timeouts) */
	for (size_t i = 0; i < n_routes; i++)
		if (routes[i].inflight > 0) {
			routes[i].errors += routes[i].inflight;
			for (long k = 0; k < routes[i].inflight; k++)
				note_status(&routes[i], -(long)CURLE_OPERATION_TIMEDOUT);
		}

	long sent = 0, ok = 0, errors = 0;
	/* a server that fell behind answers after the schedule ended: the
	 * rate it held is over the time it took */
	double max_p99 = 0, elapsed = last_answer - start > seconds ? last_answer - start : seconds;
	const char *worst = "-";
	double cpu_pct =
	    pid && cpu0 >= 0 && cpu1 >= 0
		? 100.0 * (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK) / (end - start)
		: -1;

	printf("| route | weight | sent | ok | errors | starved | held/s | p50 ms | p99 ms | p99.9 "
	       "ms | wrong statuses |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < n_routes; i++) {
		struct route *rt = &routes[i];
		char wrong[256] = "";
		size_t w = 0;

		qsort(rt->lat_us, rt->n_lat, sizeof(*rt->lat_us), cmp_u32);
		for (int k = 0; k < 8 && rt->status_seen[k][1]; k++)
			w += (size_t)snprintf(wrong + w, sizeof(wrong) - w, "%s%ld×%ld",
					      w ? " " : "", rt->status_seen[k][0],
					      rt->status_seen[k][1]);
		printf("| %s | %g | %ld | %ld | %ld | %ld | %.1f | %.2f | %.2f | %.2f | %s |\n",
		       rt->name, rt->weight, rt->sent, rt->ok, rt->errors, rt->starved,
		       (double)rt->ok / elapsed, pct_ms(rt, 0.50), pct_ms(rt, 0.99),
		       pct_ms(rt, 0.999), wrong);
		sent += rt->sent;
		ok += rt->ok;
		errors += rt->errors;
		if (rt->n_lat && pct_ms(rt, 0.99) > max_p99) {
			max_p99 = pct_ms(rt, 0.99);
			worst = rt->name;
		}
	}
	printf("\nasked %.1f/s for %.0f s: sent %ld, ok %ld, errors %ld; held %.1f/s\n", rate,
	       seconds, sent, ok, errors, (double)ok / elapsed);
	if (pid)
		printf("server: CPU %.0f%% of one core, RSS max %ld kB\n", cpu_pct, rss_max);
	{
		/* the generator shares the machine: what it took is not the server's */
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("loadgen: CPU %.0f%% of one core\n",
		       100.0 *
			   ((double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6) /
			   (end - start));
	}
	if (opt_db)
		printf("database: %lld -> %lld bytes (+%lld, %.1f MB per hour at this rate)\n", db0,
		       db1, db1 - db0, (double)(db1 - db0) * 3600.0 / elapsed / 1e6);
	for (size_t i = 0; i < n_routes; i++) {
		struct route *rt = &routes[i];

		printf("ROUTE %s %ld %ld %ld %ld %.1f %.2f %.2f %.2f\n", rt->name, rt->sent, rt->ok,
		       rt->errors, rt->starved, (double)rt->ok / elapsed, pct_ms(rt, 0.50),
		       pct_ms(rt, 0.99), pct_ms(rt, 0.999));
	}
	printf("SUMMARY %.1f %.0f %ld %ld %ld %.2f %s %.0f %ld %lld %.1f\n", rate, seconds, sent,
	       ok, errors, max_p99, worst, cpu_pct, rss_max, db1 - db0, (double)ok / elapsed);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return 0;
}
