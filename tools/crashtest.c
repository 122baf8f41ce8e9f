/* crashtest: write load against a real fieldtrace process, killed with
 * SIGKILL at random moments and restarted, checking after every restart
 * that each write the client saw acknowledged is there and that nothing
 * half-written is visible (docs/RELIABILITY.md, "Crash safety").
 *
 *   crashtest --bin build/fieldtrace [--cycles N] [--dir DIR] [--seed S]
 *             [--self-test CYCLE]
 *   crashtest --bin build/fieldtrace --soak SECONDS [--wrap "valgrind ..."]
 *
 * Crash mode: a fresh database (migrated with the demo data) in DIR (a new
 * temporary folder by default, removed on success), then CYCLES times:
 * start the server, run 4 client threads of writes (tickets created and
 * walked through their states, attachments PUT, warranty renewals) for a
 * random 0.2-1.5 s, SIGKILL the server, start it again and verify. Every
 * acknowledged write (a 2xx with its id, version or hash) is appended to
 * DIR/acked.log as it arrives. Writes that were in flight at the kill are
 * sent again after the restart, as the app's offline queue would (the same
 * client_id, upload UUID and bytes, Idempotency-Key), and must then exist
 * once. --self-test damages the data after one kill, so the run must fail.
 * The two users' tokens are renewed as the app renews them: a refresh a
 * minute before the access token runs out (--renew-after S: every S
 * seconds), and on a 401 one refresh and the request sent again.
 *
 * Soak mode (make valgrind): one server, started under the --wrap command
 * (split on spaces), mixed reads and writes for SECONDS, then SIGTERM; the
 * exit status is the server's (valgrind's --error-exitcode) unless the
 * verification failed.
 *
 * A standalone tool: it talks HTTPS with libcurl and reads the database
 * with its own SQLite connection; nothing of the server is linked in. */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define DEMO_ASSETS 30
#define TECH_ID 4 /* tech.sz in the demo data; asset 1 routes to C-SZ */
#define PASSWORD "fieldtrace-demo"

/* ---- options and shared state ------------------------------------------ */

static struct {
	const char *bin;
	const char *cacert, *cert, *key;
	const char *wrap;
	char dir[512];
	int keep_dir;
	int cycles;
	int soak_seconds;
	int self_test;
	int renew_after; /* seconds; 0: a minute before the access token expires */
	unsigned seed;
} opt = { .bin = "build/fieldtrace",
	  .cacert = "certs/ca.pem",
	  .cert = "certs/server.pem",
	  .key = "certs/server.key",
	  .cycles = 50 };

static char db_path[600], data_dir[600], log_path[600], acked_path[600];
static char base_url[64];
static pid_t server_pid = -1;
static volatile sig_atomic_t stop_load;
/* A user's login as the app keeps it: the access token it sends (15
 * minutes), the refresh token that renews it (single use: each refresh
 * answers a new pair, and a spent one presented again ends the session),
 * and when to renew. Shared by the client threads, so one mutex orders the
 * renewals: two threads must never spend the same refresh token. */
struct session {
	pthread_mutex_t mu;
	const char *user;
	char access[128], refresh[128];
	double renew_at;     /* now_s() from which the access token is renewed */
	unsigned generation; /* counts the pairs held, so a stale 401 renews none */
};
static struct session admin = { .mu = PTHREAD_MUTEX_INITIALIZER, .user = "admin" };
static struct session tech = { .mu = PTHREAD_MUTEX_INITIALIZER, .user = "tech.sz" };
static long long n_refreshed, n_relogin, n_auth_retried;
static FILE *acked_log;
static int failures;
static long long n_http_5xx, n_rejected, n_reads;
static int killed_starting;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "crashtest: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failures++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* xorshift: each thread its own state. */
static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x ? x : 0x9e3779b9u;
	return *s;
}

/* ---- the log of acknowledged writes ---------------------------------------- */

enum ack_kind {
	ACK_TICKET,
	ACK_ATTACHMENT,
	ACK_RENEWAL,
	PENDING_TRANSITION, /* only on the list of writes in flight at a kill */
};

struct ack {
	enum ack_kind kind;
	int cycle;
	int64_t id;              /* ticket id (ticket, attachment), asset id (renewal) */
	int64_t version;         /* ticket version seen */
	char status[24];         /* ticket status seen */
	char uuid[37];           /* attachment */
	char sha256[65];         /* attachment: of the bytes sent */
	uint32_t seed;           /* attachment: regenerates the bytes */
	size_t size;             /* attachment */
	char contract[48];       /* renewal */
	char new_end[16];        /* renewal */
	const char *body;        /* transition in flight: its body (static) */
	struct session *session; /* and whose */
};

static struct {
	pthread_mutex_t mu;
	struct ack *v;
	size_t n, cap;
} acks = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int cycle_no;

static void ack_add(const struct ack *a)
{
	pthread_mutex_lock(&acks.mu);
	if (acks.n == acks.cap) {
		size_t cap = acks.cap ? acks.cap * 2 : 1024;
		struct ack *v = realloc(acks.v, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "crashtest: out of memory\n");
			exit(2);
		}
		acks.v = v;
		acks.cap = cap;
	}
	acks.v[acks.n] = *a;
	acks.v[acks.n].cycle = cycle_no;
	acks.n++;
	if (acked_log) {
		switch (a->kind) {
		case ACK_TICKET:
			fprintf(acked_log, "%d ticket %lld v%lld %s\n", cycle_no, (long long)a->id,
				(long long)a->version, a->status);
			break;
		case ACK_ATTACHMENT:
			fprintf(acked_log, "%d attachment %lld %s %zu %s\n", cycle_no,
				(long long)a->id, a->uuid, a->size, a->sha256);
			break;
		case ACK_RENEWAL:
			fprintf(acked_log, "%d renewal %lld %s %s\n", cycle_no, (long long)a->id,
				a->contract, a->new_end);
			break;
		case PENDING_TRANSITION:
			break;
		}
		fflush(acked_log);
	}
	pthread_mutex_unlock(&acks.mu);
}

/* ---- HTTP ---------------------------------------------------------------- */

struct body {
	char *p;
	size_t n;
	int replayed; /* the answer carried Idempotent-Replayed: true */
};

/* The Idempotency-Key the calling thread's next requests carry, if any. */
static _Thread_local const char *tl_idem_key;

static size_t header_seen(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;

	if (size * n >= 25 && strncasecmp(data, "Idempotent-Replayed: true", 25) == 0)
		b->replayed = 1;
	return size * n;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	char *p = realloc(b->p, b->n + size * n + 1);

	if (!p)
		return 0;
	memcpy(p + b->n, data, size * n);
	b->n += size * n;
	p[b->n] = '\0';
	b->p = p;
	return size * n;
}

/* One request on the thread's handle (keep-alive). Returns the status, 0
 * on a transport error; *out holds the body (caller frees). */
static long http_once(CURL *c, const char *method, const char *path, const char *token,
		      const char *ctype, const void *data, size_t len, struct body *out)
{
	struct curl_slist *h = NULL;
	char url[512], line[256];
	long status = 0;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, opt.cacert);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, opt.wrap ? 120L : 15L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_seen);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	if (tl_idem_key) {
		snprintf(line, sizeof(line), "Idempotency-Key: %s", tl_idem_key);
		h = curl_slist_append(h, line);
	}
	if (token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
	}
	if (data) {
		snprintf(line, sizeof(line), "Content-Type: %s",
			 ctype ? ctype : "application/json");
		h = curl_slist_append(h, line);
		h = curl_slist_append(h, "Expect:");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

static int session_renew_locked(struct session *s);

/* Copies the session's access token, renewing it first when it is due;
 * returns the generation of the pair copied. */
static unsigned session_token(struct session *s, char *token, size_t size)
{
	unsigned generation;

	pthread_mutex_lock(&s->mu);
	if (now_s() >= s->renew_at)
		session_renew_locked(s);
	snprintf(token, size, "%s", s->access);
	generation = s->generation;
	pthread_mutex_unlock(&s->mu);
	return generation;
}

/* After a 401 on the pair of that generation: renews it, unless another
 * thread already has. Returns 0 when a newer pair is held. */
static int session_renew(struct session *s, unsigned generation)
{
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	if (s->generation == generation)
		rc = session_renew_locked(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* A request as the session's user (NULL: none), as the app sends it: the
 * access token renewed before it runs out, and a 401 (nothing was done:
 * the caller is checked before anything else) renews it once and is sent
 * again. */
static long http(CURL *c, const char *method, const char *path, struct session *s,
		 const char *ctype, const void *data, size_t len, struct body *out)
{
	char token[128];
	unsigned generation;
	long status;

	if (!s)
		return http_once(c, method, path, NULL, ctype, data, len, out);
	generation = session_token(s, token, sizeof(token));
	status = http_once(c, method, path, token, ctype, data, len, out);
	if (status == 401 && session_renew(s, generation) == 0) {
		free(out->p);
		__atomic_add_fetch(&n_auth_retried, 1, __ATOMIC_RELAXED);
		session_token(s, token, sizeof(token));
		status = http_once(c, method, path, token, ctype, data, len, out);
	}
	return status;
}

static _Thread_local int last_replayed; /* of this thread's last http_doc */

static json_t *http_doc(CURL *c, const char *method, const char *path, struct session *s,
			const char *json_body, long *status)
{
	struct body b;
	json_t *doc = NULL;

	*status = http(c, method, path, s, NULL, json_body, json_body ? strlen(json_body) : 0, &b);
	last_replayed = b.replayed;
	if (b.p)
		doc = json_loadb(b.p, b.n, 0, NULL);
	free(b.p);
	return doc;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int64_t jint(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

/* Counts an answer that is not a 2xx: transport errors are the kill, 4xx
 * are the state machine saying no (a ticket moved by a write that was in
 * flight), 503 is the server shedding load; a 500 is a bug. */
static void note_status(long status, const char *what)
{
	if (status >= 500) {
		__atomic_add_fetch(&n_http_5xx, 1, __ATOMIC_RELAXED);
		if (status == 500 && !stop_load)
			fail("%s answered 500", what);
	} else if (status == 401 && !stop_load) {
		/* Sent again with a renewed token already: the session is lost. */
		fail("%s answered 401", what);
	} else if (status >= 400) {
		__atomic_add_fetch(&n_rejected, 1, __ATOMIC_RELAXED);
	}
	if (status >= 400 && getenv("CRASHTEST_VERBOSE"))
		fprintf(stderr, "crashtest: %s: %ld\n", what, status);
}

/* ---- the server process ---------------------------------------------------- */

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Runs argv with stdout and stderr appended to the log; returns the pid. */
static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int run_wait(char *const argv[])
{
	int st = 0;
	pid_t pid = spawn(argv);

	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t server_spawn(void);

/* Starts a server and does not wait for it. */
static void server_start_nowait(void)
{
	server_pid = server_spawn();
}

static int server_start(void)
{
	double deadline = now_s() + (opt.wrap ? 180 : 30);
	CURL *c = curl_easy_init();

	server_pid = server_spawn();
	if (server_pid < 0 || !c) {
		curl_easy_cleanup(c);
		return -1;
	}
	while (now_s() < deadline) {
		struct body b;
		long status = http(c, "GET", "/readyz", NULL, NULL, NULL, 0, &b);
		int st;

		free(b.p);
		if (status == 200) {
			curl_easy_cleanup(c);
			return 0;
		}
		if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
			server_pid = -1;
			break;
		}
		sleep_ms(50);
	}
	curl_easy_cleanup(c);
	fprintf(stderr, "crashtest: the server did not come up (see %s)\n", log_path);
	return -1;
}

static pid_t server_spawn(void)
{
	char listen[32], *argv[64];
	char wrap[512];
	int argc = 0, port = free_port();

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(base_url, sizeof(base_url), "https://127.0.0.1:%d", port);
	if (opt.wrap) {
		snprintf(wrap, sizeof(wrap), "%s", opt.wrap);
		for (char *t = strtok(wrap, " "); t && argc < 40; t = strtok(NULL, " "))
			argv[argc++] = t;
	}
	argv[argc++] = (char *)opt.bin;
	argv[argc++] = "serve";
	argv[argc++] = "--db";
	argv[argc++] = db_path;
	argv[argc++] = "--data-dir";
	argv[argc++] = data_dir;
	argv[argc++] = "--listen";
	argv[argc++] = listen;
	argv[argc++] = "--tls-cert";
	argv[argc++] = (char *)opt.cert;
	argv[argc++] = "--tls-key";
	argv[argc++] = (char *)opt.key;
	argv[argc++] = "--access-log=false";
	argv[argc++] = "--threads";
	argv[argc++] = "16";
	/* The scheduler's jobs write too: part of what a kill interrupts. */
	argv[argc++] = "--scheduler-interval-ms";
	argv[argc++] = "300";
	argv[argc] = NULL;
	return spawn(argv);
}

/* Signals the server and reaps it; returns its exit status (128+signal). */
static int server_stop(int sig)
{
	int st = 0;

	if (server_pid <= 0)
		return -1;
	kill(server_pid, sig);
	if (waitpid(server_pid, &st, 0) < 0)
		st = 0;
	server_pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Takes the pair from a login's or a refresh's answer. The access token is
 * renewed a minute before it runs out (--renew-after: sooner), counted
 * from before the request was sent. */
static int session_take(struct session *s, const json_t *doc, double sent)
{
	const char *access = jstr(doc, "access_token"), *refresh = jstr(doc, "refresh_token");
	double life = (double)jint(doc, "expires_in");

	if (!*access || !*refresh || life <= 60)
		return -1;
	snprintf(s->access, sizeof(s->access), "%s", access);
	snprintf(s->refresh, sizeof(s->refresh), "%s", refresh);
	s->renew_at = sent + (opt.renew_after > 0 ? opt.renew_after : life - 60);
	s->generation++;
	return 0;
}

static int session_login_locked(struct session *s)
{
	CURL *c = curl_easy_init();
	char body[128];
	double sent = now_s();
	long status;
	json_t *doc;
	int rc;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", s->user,
		 PASSWORD);
	doc = http_doc(c, "POST", "/v1/auth/login", NULL, body, &status);
	curl_easy_cleanup(c);
	rc = status == 200 && doc ? session_take(s, doc, sent) : -1;
	json_decref(doc);
	if (rc != 0)
		fprintf(stderr, "crashtest: login %s: %ld\n", s->user, status);
	return rc;
}

static int session_login(struct session *s)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	rc = session_login_locked(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* POST /v1/auth/refresh, keeping the new pair. A 401 is a refresh token
 * spent by a refresh whose answer a kill cut off (presenting it again has
 * ended the session): the user logs in again, as the app would send them
 * to its login screen. A transport error keeps the pair for the next try. */
static int session_renew_locked(struct session *s)
{
	CURL *c = curl_easy_init();
	char body[192];
	double sent = now_s();
	long status;
	json_t *doc;
	int rc = -1;

	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", s->refresh);
	doc = http_doc(c, "POST", "/v1/auth/refresh", NULL, body, &status);
	curl_easy_cleanup(c);
	if (status == 200 && doc && session_take(s, doc, sent) == 0) {
		__atomic_add_fetch(&n_refreshed, 1, __ATOMIC_RELAXED);
		rc = 0;
	} else if (status == 401) {
		__atomic_add_fetch(&n_relogin, 1, __ATOMIC_RELAXED);
		rc = session_login_locked(s);
	} else if (status != 0) {
		note_status(status, "POST /v1/auth/refresh");
	}
	json_decref(doc);
	return rc;
}

/* ---- the load ------------------------------------------------------------- */

struct ticket {
	int64_t id;
	int64_t version;
	char status[24];
};

struct worker {
	pthread_t th;
	int index;
	uint32_t rng;
	CURL *c;
	struct ticket *t;
	size_t nt, capt;
	long long writes, reads;
	int soak;
	char last_upload[128]; /* path of the last attachment stored */
};

static struct worker workers[WORKERS];

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[32];
	unsigned int len = 0;

	EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* A PNG signature, then bytes from the seed: the server sniffs the head. */
static unsigned char *attachment_bytes(uint32_t seed, size_t size)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char *p = malloc(size);
	uint32_t s = seed ? seed : 1;

	if (!p)
		return NULL;
	for (size_t i = 0; i < size; i++)
		p[i] = i < sizeof(png) ? png[i] : (unsigned char)rnd(&s);
	return p;
}

static void ticket_keep(struct worker *w, const json_t *doc)
{
	struct ticket *t = NULL;
	int64_t id = jint(doc, "id");

	for (size_t i = 0; i < w->nt; i++)
		if (w->t[i].id == id)
			t = &w->t[i];
	if (!t) {
		if (w->nt == w->capt) {
			size_t cap = w->capt ? w->capt * 2 : 64;
			struct ticket *v = realloc(w->t, cap * sizeof(*v));

			if (!v)
				return;
			w->t = v;
			w->capt = cap;
		}
		t = &w->t[w->nt++];
		t->id = id;
	}
	t->version = jint(doc, "version");
	snprintf(t->status, sizeof(t->status), "%s", jstr(doc, "status"));
}

static void ack_ticket(const json_t *doc, const char *client_id)
{
	struct ack a = { .kind = ACK_TICKET };

	if (client_id)
		snprintf(a.uuid, sizeof(a.uuid), "%s", client_id);
	a.id = jint(doc, "id");
	a.version = jint(doc, "version");
	snprintf(a.status, sizeof(a.status), "%s", jstr(doc, "status"));
	ack_add(&a);
}

/* A version-4 UUID. */
static void make_uuid(uint32_t *rng, char out[37])
{
	uint32_t r[4];

	for (int i = 0; i < 4; i++)
		r[i] = rnd(rng);
	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%04x%08x", r[0], r[1] & 0xffff,
		 (r[1] >> 16) & 0xfff, 0x8000 | (r[2] & 0x3fff), (r[2] >> 16) & 0xffff, r[3]);
}

/* ---- writes in flight at the kill ---------------------------------------- */

/* A creation or an upload that got no answer: it may or may not have
 * happened. After the restart it is sent again as a client would (the
 * same client_id, the same UUID and bytes), and must then exist once. */
static struct {
	struct ack *v;
	size_t n, cap;
} pending;
static long long n_retried, n_retried_done; /* done: had committed before the kill */
/* Transitions in flight at a kill, sent again under their Idempotency-Key:
 * answered from the store, run now, or refused while the claim's lease
 * (5 minutes) runs. */
static long long n_idem_replayed, n_idem_ran, n_idem_running, n_idem_unanswered;

static void pending_add(const struct ack *a)
{
	pthread_mutex_lock(&acks.mu);
	if (pending.n == pending.cap) {
		size_t cap = pending.cap ? pending.cap * 2 : 64;
		struct ack *v = realloc(pending.v, cap * sizeof(*v));

		if (!v) {
			pthread_mutex_unlock(&acks.mu);
			return;
		}
		pending.v = v;
		pending.cap = cap;
	}
	pending.v[pending.n++] = *a;
	pthread_mutex_unlock(&acks.mu);
}

static json_t *create_ticket(CURL *c, const char *client_id, long *status)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"channel\":\"hotline\",\"category\":\"repair\",\"title\":\"crashtest\","
		 "\"asset_id\":1,\"impact\":\"site\",\"urgency\":\"high\",\"contact\":{\"name\":"
		 "\"Li\",\"phone\":\"13800138000\"},\"client_id\":\"%s\"}",
		 client_id);
	return http_doc(c, "POST", "/v1/tickets", &admin, body, status);
}

static void op_create(struct worker *w)
{
	struct ack a = { .kind = ACK_TICKET };
	long status;
	json_t *doc;

	make_uuid(&w->rng, a.uuid);
	doc = create_ticket(w->c, a.uuid, &status);
	if (status == 201 && doc && jint(doc, "id") > 0) {
		ack_ticket(doc, a.uuid);
		ticket_keep(w, doc);
		w->writes++;
	} else {
		if (status == 0)
			pending_add(&a);
		note_status(status, "POST /v1/tickets");
	}
	json_decref(doc);
}

static void op_transition(struct worker *w)
{
	struct ticket *t = &w->t[rnd(&w->rng) % w->nt];
	const char *body = NULL;
	struct session *session = &tech;
	char path[96];
	long status;
	json_t *doc;

	if (strcmp(t->status, "routed") == 0) {
		body = "{\"action\":\"assign\",\"assignee_id\":4}";
		session = &admin;
	} else if (strcmp(t->status, "assigned") == 0) {
		body = "{\"action\":\"accept\"}";
	} else if (strcmp(t->status, "accepted") == 0) {
		body = "{\"action\":\"depart\"}";
	} else if (strcmp(t->status, "en_route") == 0) {
		body = "{\"action\":\"arrive\",\"latitude\":22.5,\"longitude\":113.9}";
	} else if (strcmp(t->status, "on_site") == 0) {
		body = "{\"action\":\"wait\",\"note\":\"customer away\"}";
	} else if (strcmp(t->status, "waiting_customer") == 0) {
		body = "{\"action\":\"resume\"}";
	} else {
		return;
	}
	/* Under an Idempotency-Key, as the app's offline queue sends it. */
	struct ack a = {
		.kind = PENDING_TRANSITION, .id = t->id, .body = body, .session = session
	};

	make_uuid(&w->rng, a.uuid);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions", (long long)t->id);
	tl_idem_key = a.uuid;
	doc = http_doc(w->c, "POST", path, session, body, &status);
	tl_idem_key = NULL;
	if (status == 200 && doc && jint(doc, "id") == t->id) {
		ack_ticket(doc, NULL);
		ticket_keep(w, doc);
		w->writes++;
	} else {
		if (status == 0)
			pending_add(&a);
		note_status(status, body);
	}
	json_decref(doc);
}

static void op_attachment(struct worker *w)
{
	struct ticket *t = &w->t[rnd(&w->rng) % w->nt];
	struct ack a = { .kind = ACK_ATTACHMENT };
	unsigned char *bytes;
	char path[128];
	struct body b;
	long status;

	make_uuid(&w->rng, a.uuid);
	a.seed = rnd(&w->rng);
	a.size = 512 + rnd(&w->rng) % (48 * 1024);
	a.id = t->id;
	bytes = attachment_bytes(a.seed, a.size);
	if (!bytes)
		return;
	sha256_hex(bytes, a.size, a.sha256);
	snprintf(path, sizeof(path), "/v1/tickets/%lld/attachments/%s", (long long)t->id, a.uuid);
	status = http(w->c, "PUT", path, &admin, "image/png", bytes, a.size, &b);
	free(bytes);
	if (status == 201) {
		json_t *doc = b.p ? json_loadb(b.p, b.n, 0, NULL) : NULL;

		if (!doc || strcmp(jstr(doc, "sha256"), a.sha256) != 0)
			fail("PUT %s answered 201 with another hash", path);
		else
			ack_add(&a);
		json_decref(doc);
		snprintf(w->last_upload, sizeof(w->last_upload), "%s", path);
		w->writes++;
	} else {
		if (status == 0)
			pending_add(&a);
		note_status(status, "PUT attachment");
	}
	free(b.p);
}

static void op_renewal(struct worker *w)
{
	struct ack a = { .kind = ACK_RENEWAL };
	char path[64], body[128];
	long status;
	json_t *doc;

	a.id = 1 + rnd(&w->rng) % DEMO_ASSETS;
	snprintf(a.contract, sizeof(a.contract), "CT-%u-%d-%u", opt.seed, w->index, rnd(&w->rng));
	snprintf(path, sizeof(path), "/v1/assets/%lld/warranty/renewals", (long long)a.id);
	snprintf(body, sizeof(body), "{\"months\":1,\"contract_number\":\"%s\"}", a.contract);
	doc = http_doc(w->c, "POST", path, &admin, body, &status);
	if (status == 201 && doc) {
		snprintf(a.new_end, sizeof(a.new_end), "%s", jstr(doc, "new_end"));
		ack_add(&a);
		w->writes++;
	} else {
		note_status(status, "POST renewal"); /* 4xx: a unit without a warranty yet */
	}
	json_decref(doc);
}

/* Soak mode's reads: traces, lists, search, a ticket, a download. */
static void op_read(struct worker *w)
{
	static const char *const paths[] = {
		"/v1/tickets?limit=20",
		"/v1/kb/search?q=breaker",
		"/v1/kb/search?q=%E6%96%AD%E8%B7%AF%E5%99%A8",
		"/v1/warranty/alerts",
		"/v1/audit/verify",
		"/v1/notifications",
		"/metrics",
		"/v1/tickets?status=routed&limit=5",
		"/v1/assets?limit=20",
		"/v1/analytics/volume",
		"/v1/analytics/sla",
		"/v1/analytics/times",
		"/v1/problems",
		"/v1/kb/articles",
		"/v1/audit?limit=20",
		"/v1/technicians",
	};
	const size_t np = sizeof(paths) / sizeof(paths[0]);
	struct session *session = &admin;
	char path[160];
	struct body b;
	long status;
	uint32_t r = rnd(&w->rng) % (uint32_t)(np + 6);

	if (r < np) {
		snprintf(path, sizeof(path), "%s", paths[r]);
	} else if (r < np + 2) {
		uint32_t id = 1 + rnd(&w->rng) % DEMO_ASSETS;

		snprintf(path, sizeof(path), r == np ? "/v1/assets/%u" : "/v1/assets/%u/timeline",
			 id);
	} else if (r == np + 2 && w->last_upload[0]) {
		snprintf(path, sizeof(path), "%s", w->last_upload);
	} else if (r == np + 3) {
		snprintf(path, sizeof(path), "/v1/sync?limit=20"); /* the technician's feed */
		session = &tech;
	} else if (w->nt) {
		int64_t id = w->t[rnd(&w->rng) % w->nt].id;

		snprintf(path, sizeof(path),
			 r == np + 4 ? "/v1/tickets/%lld" : "/v1/tickets/%lld/suggestions",
			 (long long)id);
	} else {
		snprintf(path, sizeof(path), "/v1/tickets/1");
	}
	status = http(w->c, "GET", path, session, NULL, NULL, 0, &b);
	free(b.p);
	if (status == 200)
		w->reads++;
	else
		note_status(status, path);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!stop_load) {
		uint32_t r = rnd(&w->rng) % 100;

		if (w->soak && r < 40)
			op_read(w);
		else if (w->nt == 0 || r < 55)
			op_create(w);
		else if (r < 75)
			op_transition(w);
		else if (r < 90)
			op_attachment(w);
		else
			op_renewal(w);
	}
	return NULL;
}

static void load_run(long ms, int soak)
{
	double until = now_s() + (double)ms / 1000.0;

	stop_load = 0;
	for (int i = 0; i < WORKERS; i++) {
		workers[i].index = i;
		workers[i].soak = soak;
		if (!workers[i].c)
			workers[i].c = curl_easy_init();
		if (!workers[i].rng)
			workers[i].rng = opt.seed * 2654435761u + (uint32_t)i * 40503u + 1;
		pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
	}
	while (now_s() < until)
		sleep_ms(10);
}

/* In crash mode the kill comes first, then the threads notice. */
static void load_join(void)
{
	stop_load = 1;
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i].th, NULL);
}

/* ---- verification ------------------------------------------------------------ */

static sqlite3 *vdb;

static int64_t q_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(vdb, sql, -1, &st, NULL) != SQLITE_OK) {
		fail("%s: %s", sql, sqlite3_errmsg(vdb));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int file_sha(const char *sha, int64_t size, char out[65])
{
	char path[800];
	unsigned char *p;
	struct stat sb;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", data_dir, sha, sha + 2);
	if (stat(path, &sb) != 0 || sb.st_size != size)
		return 0;
	p = malloc((size_t)size);
	f = fopen(path, "rb");
	if (p && f && fread(p, 1, (size_t)size, f) == (size_t)size) {
		sha256_hex(p, (size_t)size, out);
		ok = 1;
	}
	if (f)
		fclose(f);
	free(p);
	return ok;
}

/* Nothing half-written: checks on the whole database and data dir. */
static void verify_invariants(long long *orphans)
{
	sqlite3_stmt *st;
	DIR *d;
	struct dirent *ent;
	char path[700];
	int64_t n;

	if (sqlite3_prepare_v2(vdb, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
			fail("integrity_check: %s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	n = q_int("SELECT count(*) FROM pragma_foreign_key_check");
	if (n != 0)
		fail("%lld foreign key violations", (long long)n);
	n = q_int("SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e"
		  " WHERE e.ticket_id = t.id AND e.seq = 1 AND e.action = 'create')");
	if (n != 0)
		fail("%lld tickets without their creation in the history", (long long)n);
	n = q_int("SELECT count(*) FROM tickets t WHERE t.status IS NOT (SELECT e.to_status"
		  " FROM ticket_events e WHERE e.ticket_id = t.id ORDER BY e.seq DESC LIMIT 1)");
	if (n != 0)
		fail("%lld tickets whose status is not their last history entry's", (long long)n);
	n = q_int("SELECT count(*) FROM ticket_attachments a WHERE NOT EXISTS (SELECT 1 FROM"
		  " ticket_events e WHERE e.ticket_id = a.ticket_id AND e.action = 'attachment'"
		  " AND json_extract(e.detail, '$.uuid') = a.client_uuid)");
	if (n != 0)
		fail("%lld attachments without their history entry", (long long)n);
	n = q_int("SELECT (SELECT count(*) FROM warranty_renewals) - (SELECT count(*) FROM"
		  " asset_events WHERE kind = 'warranty_renewal')");
	if (n != 0)
		fail("renewals and their timeline entries differ by %lld", (long long)n);
	n = q_int("SELECT count(*) FROM assets a WHERE EXISTS (SELECT 1 FROM warranty_renewals r"
		  " WHERE r.asset_id = a.id) AND a.warranty_end IS NOT (SELECT r.new_end FROM"
		  " warranty_renewals r WHERE r.asset_id = a.id ORDER BY r.id DESC LIMIT 1)");
	if (n != 0)
		fail("%lld assets whose warranty end is not their last renewal's", (long long)n);

	/* Every attachment row has its object, byte for byte. */
	if (sqlite3_prepare_v2(vdb, "SELECT sha256, size FROM ticket_attachments", -1, &st, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *sha = (const char *)sqlite3_column_text(st, 0);
			char got[65];

			if (!file_sha(sha, sqlite3_column_int64(st, 1), got) ||
			    strcmp(got, sha) != 0)
				fail("attachment object %s missing or not its bytes", sha);
		}
		sqlite3_finalize(st);
	}
	/* No upload left in tmp/ after the restart. */
	snprintf(path, sizeof(path), "%s/tmp", data_dir);
	d = opendir(path);
	while (d && (ent = readdir(d)) != NULL)
		if (ent->d_name[0] != '.')
			fail("tmp/%s survived the restart", ent->d_name);
	if (d)
		closedir(d);
	/* Objects without a row: a kill between the rename and the COMMIT
	 * leaves one. Unreachable (rows name objects), so only counted. */
	*orphans = 0;
	snprintf(path, sizeof(path), "%s/objects", data_dir);
	d = opendir(path);
	while (d && (ent = readdir(d)) != NULL) {
		char sub[1100];
		DIR *d2;
		struct dirent *e2;

		if (ent->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, ent->d_name);
		d2 = opendir(sub);
		while (d2 && (e2 = readdir(d2)) != NULL) {
			char sha[520];

			if (e2->d_name[0] == '.')
				continue;
			snprintf(sha, sizeof(sha), "%s%s", ent->d_name, e2->d_name);
			if (sqlite3_prepare_v2(
				vdb, "SELECT count(*) FROM ticket_attachments WHERE sha256 = ?", -1,
				&st, NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
				if (sqlite3_step(st) == SQLITE_ROW &&
				    sqlite3_column_int(st, 0) == 0)
					(*orphans)++;
				sqlite3_finalize(st);
			}
		}
		if (d2)
			closedir(d2);
	}
	if (d)
		closedir(d);
}

/* Every acknowledged write, from the database; this cycle's also over HTTP. */
static long long verify_acks(CURL *c)
{
	sqlite3_stmt *tk = NULL, *at = NULL, *rn = NULL;
	long long checked = 0;

	sqlite3_prepare_v2(
	    vdb, "SELECT version, status, coalesce(client_id, '') FROM tickets WHERE id = ?", -1,
	    &tk, NULL);
	sqlite3_prepare_v2(vdb,
			   "SELECT sha256, size FROM ticket_attachments WHERE ticket_id = ? AND "
			   "client_uuid = ?",
			   -1, &at, NULL);
	sqlite3_prepare_v2(
	    vdb, "SELECT asset_id, new_end FROM warranty_renewals WHERE contract_number = ?", -1,
	    &rn, NULL);
	if (!tk || !at || !rn) {
		fail("verify: %s", sqlite3_errmsg(vdb));
		goto out;
	}
	for (size_t i = 0; i < acks.n; i++) {
		const struct ack *a = &acks.v[i];
		int recent = a->cycle == cycle_no;
		char path[160];
		long status;

		checked++;
		switch (a->kind) {
		case ACK_TICKET:
			sqlite3_bind_int64(tk, 1, a->id);
			if (sqlite3_step(tk) != SQLITE_ROW)
				fail("acknowledged ticket %lld is gone", (long long)a->id);
			else if (a->uuid[0] &&
				 strcmp((const char *)sqlite3_column_text(tk, 2), a->uuid) != 0)
				fail("ticket %lld: client_id %s, %s was acknowledged",
				     (long long)a->id, sqlite3_column_text(tk, 2), a->uuid);
			else if (sqlite3_column_int64(tk, 0) < a->version)
				fail("ticket %lld is at v%lld, v%lld (%s) was acknowledged",
				     (long long)a->id, (long long)sqlite3_column_int64(tk, 0),
				     (long long)a->version, a->status);
			else if (sqlite3_column_int64(tk, 0) == a->version &&
				 strcmp((const char *)sqlite3_column_text(tk, 1), a->status) != 0)
				fail("ticket %lld v%lld is %s, %s was acknowledged",
				     (long long)a->id, (long long)a->version,
				     sqlite3_column_text(tk, 1), a->status);
			sqlite3_reset(tk);
			if (recent) {
				json_t *doc;

				snprintf(path, sizeof(path), "/v1/tickets/%lld", (long long)a->id);
				doc = http_doc(c, "GET", path, &admin, NULL, &status);
				if (status != 200 || jint(doc, "version") < a->version)
					fail("GET %s: %ld, v%lld", path, status,
					     (long long)jint(doc, "version"));
				json_decref(doc);
			}
			break;
		case ACK_ATTACHMENT:
			sqlite3_bind_int64(at, 1, a->id);
			sqlite3_bind_text(at, 2, a->uuid, -1, SQLITE_STATIC);
			if (sqlite3_step(at) != SQLITE_ROW)
				fail("acknowledged attachment %s of ticket %lld is gone", a->uuid,
				     (long long)a->id);
			else if (strcmp((const char *)sqlite3_column_text(at, 0), a->sha256) != 0 ||
				 (size_t)sqlite3_column_int64(at, 1) != a->size)
				fail("attachment %s: another hash or size", a->uuid);
			sqlite3_reset(at);
			if (recent) {
				struct body b;
				char got[65] = "";

				snprintf(path, sizeof(path), "/v1/tickets/%lld/attachments/%s",
					 (long long)a->id, a->uuid);
				status = http(c, "GET", path, &admin, NULL, NULL, 0, &b);
				if (b.p)
					sha256_hex(b.p, b.n, got);
				if (status != 200 || b.n != a->size || strcmp(got, a->sha256) != 0)
					fail("GET %s: %ld, %zu bytes, not the bytes sent", path,
					     status, b.n);
				free(b.p);
			}
			break;
		case ACK_RENEWAL:
			sqlite3_bind_text(rn, 1, a->contract, -1, SQLITE_STATIC);
			if (sqlite3_step(rn) != SQLITE_ROW)
				fail("acknowledged renewal %s is gone", a->contract);
			else if (sqlite3_column_int64(rn, 0) != a->id ||
				 strcmp((const char *)sqlite3_column_text(rn, 1), a->new_end) != 0)
				fail("renewal %s: another asset or end", a->contract);
			sqlite3_reset(rn);
			if (recent) {
				json_t *doc;
				const char *end;

				snprintf(path, sizeof(path), "/v1/assets/%lld", (long long)a->id);
				doc = http_doc(c, "GET", path, &admin, NULL, &status);
				end = jstr(json_object_get(doc, "warranty"), "end");
				if (status != 200 || strcmp(end, a->new_end) < 0)
					fail("GET %s: %ld, warranty end %s before %s", path, status,
					     end, a->new_end);
				json_decref(doc);
			}
			break;
		case PENDING_TRANSITION:
			break;
		}
	}
out:
	sqlite3_finalize(tk);
	sqlite3_finalize(at);
	sqlite3_finalize(rn);
	return checked;
}

/* The workers' tickets as they are now (an unacknowledged transition may
 * have committed). */
static void refresh_tickets(void)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(vdb, "SELECT version, status FROM tickets WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	for (int i = 0; i < WORKERS; i++)
		for (size_t j = 0; j < workers[i].nt; j++) {
			struct ticket *t = &workers[i].t[j];

			sqlite3_bind_int64(st, 1, t->id);
			if (sqlite3_step(st) == SQLITE_ROW) {
				t->version = sqlite3_column_int64(st, 0);
				snprintf(t->status, sizeof(t->status), "%s",
					 sqlite3_column_text(st, 1));
			}
			sqlite3_reset(st);
		}
	sqlite3_finalize(st);
}

static long long verify(long long *orphans)
{
	CURL *c = curl_easy_init();
	long long checked;
	long status;
	json_t *doc;

	if (sqlite3_open_v2(db_path, &vdb, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fail("open %s: %s", db_path, sqlite3_errmsg(vdb));
		sqlite3_close(vdb);
		curl_easy_cleanup(c);
		return 0;
	}
	sqlite3_busy_timeout(vdb, 5000);
	verify_invariants(orphans);
	checked = verify_acks(c);
	refresh_tickets();
	doc = http_doc(c, "GET", "/v1/audit/verify", &admin, NULL, &status);
	if (status != 200 || !json_is_true(json_object_get(doc, "intact")))
		fail("audit chain: %ld, intact %s", status,
		     json_is_true(json_object_get(doc, "intact")) ? "true" : "false");
	json_decref(doc);
	sqlite3_close(vdb);
	vdb = NULL;
	curl_easy_cleanup(c);
	return checked;
}

/* Sends again what was in flight at the kill, as a client retrying would:
 * a creation with its client_id answers 201 (it had not happened) or 200
 * (it had: the same ticket), an upload with its UUID and bytes 201 or 200;
 * either way it is then acknowledged, and checked from the next cycle on. */
static void retry_pending(void)
{
	CURL *c = curl_easy_init();

	for (size_t i = 0; i < pending.n; i++) {
		struct ack *a = &pending.v[i];
		long status;

		if (a->kind == ACK_TICKET) {
			json_t *doc = create_ticket(c, a->uuid, &status);

			if ((status == 200 || status == 201) && doc && jint(doc, "id") > 0) {
				ack_ticket(doc, a->uuid);
				ticket_keep(&workers[0], doc);
				n_retried_done += status == 200;
			} else {
				fail("retried creation %s: %ld", a->uuid, status);
			}
			json_decref(doc);
		} else if (a->kind == PENDING_TRANSITION) {
			char path[96];
			json_t *doc;

			snprintf(path, sizeof(path), "/v1/tickets/%lld/transitions",
				 (long long)a->id);
			tl_idem_key = a->uuid;
			doc = http_doc(c, "POST", path, a->session, a->body, &status);
			tl_idem_key = NULL;
			if (status == 200 && doc && last_replayed) {
				n_idem_replayed++; /* it had run, and its answer was stored */
				ack_ticket(doc, NULL);
			} else if (status == 200 && doc) {
				n_idem_ran++; /* it had not run: it runs now */
				ack_ticket(doc, NULL);
			} else if (status == 409 && last_replayed &&
				   strstr(jstr(doc, "detail"), "was done")) {
				/* Its work committed with the mark on its key; the kill
				 * came before its answer was kept. The checks after the
				 * restart find the transition's effect like any other. */
				n_idem_unanswered++;
			} else if (status == 409 && strstr(jstr(doc, "detail"), "still running")) {
				n_idem_running++; /* claimed before the kill: held for the lease */
			} else {
				fail("retried %s %s under its Idempotency-Key: %ld %s", path,
				     a->body, status, jstr(doc, "detail"));
			}
			json_decref(doc);
		} else if (a->kind == ACK_ATTACHMENT) {
			unsigned char *bytes = attachment_bytes(a->seed, a->size);
			char path[128];
			struct body b;

			snprintf(path, sizeof(path), "/v1/tickets/%lld/attachments/%s",
				 (long long)a->id, a->uuid);
			status = bytes
				     ? http(c, "PUT", path, &admin, "image/png", bytes, a->size, &b)
				     : 0;
			if (bytes && (status == 200 || status == 201)) {
				json_t *doc = b.p ? json_loadb(b.p, b.n, 0, NULL) : NULL;

				if (doc && strcmp(jstr(doc, "sha256"), a->sha256) == 0)
					ack_add(a);
				else
					fail("retried PUT %s: another hash", path);
				n_retried_done += status == 200;
				json_decref(doc);
			} else {
				fail("retried PUT %s: %ld %s", path, status, b.p ? b.p : "");
			}
			if (bytes)
				free(b.p);
			free(bytes);
		}
		n_retried++;
	}
	pending.n = 0;
	curl_easy_cleanup(c);
}

/* --self-test N: after the kill of cycle N, damages what the checks look
 * at (an acknowledged upload's object file, the last history entry of an
 * acknowledged ticket, an acknowledged renewal), so the run must fail:
 * proof that the checks can. */
static void inject_faults(void)
{
	sqlite3 *c = NULL;
	char path[800];

	for (size_t i = acks.n; i-- > 0;) {
		if (acks.v[i].kind == ACK_ATTACHMENT) {
			snprintf(path, sizeof(path), "%s/objects/%.2s/%s", data_dir,
				 acks.v[i].sha256, acks.v[i].sha256 + 2);
			printf("crashtest: self-test: removing %s\n", path);
			unlink(path);
			break;
		}
	}
	if (sqlite3_open(db_path, &c) != SQLITE_OK)
		return;
	for (size_t i = acks.n; i-- > 0;) {
		char sql[256];

		if (acks.v[i].kind == ACK_TICKET) {
			snprintf(
			    sql, sizeof(sql),
			    "DELETE FROM ticket_events WHERE ticket_id = %lld AND seq = (SELECT "
			    "max(seq) FROM ticket_events WHERE ticket_id = %lld)",
			    (long long)acks.v[i].id, (long long)acks.v[i].id);
			printf("crashtest: self-test: ticket %lld loses its last history entry\n",
			       (long long)acks.v[i].id);
			sqlite3_exec(c, sql, NULL, NULL, NULL);
			break;
		}
	}
	for (size_t i = acks.n; i-- > 0;) {
		sqlite3_stmt *st;

		if (acks.v[i].kind == ACK_RENEWAL &&
		    sqlite3_prepare_v2(c, "DELETE FROM warranty_renewals WHERE contract_number = ?",
				       -1, &st, NULL) == SQLITE_OK) {
			printf("crashtest: self-test: renewal %s deleted\n", acks.v[i].contract);
			sqlite3_bind_text(st, 1, acks.v[i].contract, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
			break;
		}
	}
	sqlite3_close(c);
}

/* ---- main ----------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: crashtest [--bin PATH] [--cycles N] [--soak SECONDS] [--wrap CMD]\n"
		"                 [--dir DIR] [--seed N] [--self-test CYCLE] [--cacert PEM]\n"
		"                 [--cert PEM] [--key PEM] [--renew-after SECONDS]\n");
	exit(2);
}

static int remove_tree(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid ? 0 : -1;
}

int main(int argc, char **argv)
{
	double t0 = now_s();
	long long checked = 0, orphans = 0, writes;
	int rc = 0;

	opt.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		i++;
		if (strcmp(a, "--bin") == 0)
			opt.bin = v;
		else if (strcmp(a, "--cycles") == 0)
			opt.cycles = atoi(v);
		else if (strcmp(a, "--soak") == 0)
			opt.soak_seconds = atoi(v);
		else if (strcmp(a, "--wrap") == 0)
			opt.wrap = *v ? v : NULL;
		else if (strcmp(a, "--dir") == 0) {
			snprintf(opt.dir, sizeof(opt.dir), "%s", v);
			opt.keep_dir = 1;
		} else if (strcmp(a, "--seed") == 0)
			opt.seed = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--self-test") == 0)
			opt.self_test = atoi(v);
		else if (strcmp(a, "--renew-after") == 0)
			opt.renew_after = atoi(v);
		else if (strcmp(a, "--cacert") == 0)
			opt.cacert = v;
		else if (strcmp(a, "--cert") == 0)
			opt.cert = v;
		else if (strcmp(a, "--key") == 0)
			opt.key = v;
		else
			usage();
	}
	if (opt.cycles < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!opt.dir[0]) {
		snprintf(opt.dir, sizeof(opt.dir), "/tmp/fieldtrace-crashtest-XXXXXX");
		if (!mkdtemp(opt.dir)) {
			perror("mkdtemp");
			return 2;
		}
	} else {
		mkdir(opt.dir, 0755);
	}
	snprintf(db_path, sizeof(db_path), "%s/fieldtrace.db", opt.dir);
	snprintf(data_dir, sizeof(data_dir), "%s/data", opt.dir);
	snprintf(log_path, sizeof(log_path), "%s/server.log", opt.dir);
	snprintf(acked_path, sizeof(acked_path), "%s/acked.log", opt.dir);
	acked_log = fopen(acked_path, "w");
	printf("crashtest: seed %u, directory %s\n", opt.seed, opt.dir);
	fflush(stdout);
	{
		char *mig[] = { (char *)opt.bin, "migrate", "--db", db_path, "--demo", NULL };

		if (run_wait(mig) != 0) {
			fprintf(stderr, "crashtest: migrate failed (see %s)\n", log_path);
			return 2;
		}
	}
	if (server_start() != 0 || session_login(&admin) != 0 || session_login(&tech) != 0) {
		server_stop(SIGKILL);
		return 2;
	}

	if (opt.soak_seconds > 0) {
		int status;

		cycle_no = 1;
		load_run((long)opt.soak_seconds * 1000, 1);
		load_join();
		checked = verify(&orphans);
		status = server_stop(SIGTERM);
		for (int i = 0; i < WORKERS; i++)
			n_reads += workers[i].reads;
		printf("crashtest: soak %d s: %zu writes, %lld reads, %lld rejected (4xx), %lld "
		       "5xx; %lld writes checked; server exit %d; %.1f s: %s\n",
		       opt.soak_seconds, acks.n, n_reads, n_rejected, n_http_5xx, checked, status,
		       now_s() - t0, failures || status ? "FAILED" : "ok");
		rc = failures ? 1 : status;
		goto done;
	}

	for (cycle_no = 1; cycle_no <= opt.cycles; cycle_no++) {
		uint32_t s = opt.seed + (uint32_t)cycle_no * 7919u;
		long ms = 200 + (long)(rnd(&s) % 1300);
		size_t before = acks.n;
		long long c;
		int st;

		load_run(ms, 0);
		/* No new requests from here: those in flight meet the kill. */
		stop_load = 1;
		st = server_stop(SIGKILL); /* mid-request, by design */
		load_join();
		if (st != 128 + SIGKILL)
			fail("the server had exited (%d) before the kill", st);
		if (cycle_no == opt.self_test)
			inject_faults();
		/* Every fourth restart is itself killed while it starts: the sweep
		 * of tmp/, the schema check, quick_check, the first scheduler run. */
		if (cycle_no % 4 == 0) {
			server_start_nowait();
			sleep_ms((long)(rnd(&s) % 120));
			server_stop(SIGKILL);
			killed_starting++;
		}
		if (server_start() != 0) {
			fail("the server did not restart after the kill");
			break;
		}
		c = verify(&orphans);
		checked += c;
		retry_pending();
		printf("crashtest: cycle %d/%d: killed after %ld ms, %zu writes acknowledged, "
		       "%lld checked, %lld orphan objects, %s\n",
		       cycle_no, opt.cycles, ms, acks.n - before, c, orphans,
		       failures ? "FAILED" : "ok");
		fflush(stdout);
		if (failures)
			break;
	}
	server_stop(SIGTERM);
	rc = failures ? 1 : 0;
done:
	writes = (long long)acks.n;
	if (opt.soak_seconds <= 0)
		printf(
		    "crashtest: %d cycles (%d more kills during start-up), %lld acknowledged writes"
		    " (%lld in flight at a kill and retried, %lld of those had committed), %lld"
		    " write checks, %lld rejected (4xx), %lld 5xx, %.1f s: %s\n",
		    failures ? cycle_no : cycle_no - 1, killed_starting, writes, n_retried,
		    n_retried_done, checked, n_rejected, n_http_5xx, now_s() - t0,
		    rc == 0 ? "ok" : "FAILED");
	if (opt.soak_seconds <= 0)
		printf("crashtest: transitions in flight at a kill, sent again under their "
		       "Idempotency-Key: %lld replayed, %lld ran then, %lld done but unanswered, "
		       "%lld refused as still running\n",
		       n_idem_replayed, n_idem_ran, n_idem_unanswered, n_idem_running);
	printf("crashtest: tokens: %lld refreshed, %lld logins again (a refresh's answer lost to a "
	       "kill), %lld requests sent again after a 401\n",
	       n_refreshed, n_relogin, n_auth_retried);
	if (acked_log)
		fclose(acked_log);
	for (int i = 0; i < WORKERS; i++) {
		curl_easy_cleanup(workers[i].c);
		free(workers[i].t);
	}
	free(acks.v);
	free(pending.v);
	curl_global_cleanup();
	if (rc == 0 && !opt.keep_dir)
		remove_tree(opt.dir);
	else
		printf("crashtest: kept %s (server.log, acked.log)\n", opt.dir);
	return rc;
}
