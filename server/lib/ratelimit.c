/* Token buckets and per-address connection counts (include/lib/ratelimit.h);
 * which routes use which bucket is each route's rate (include/api/handler.h). */
#include "lib/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/clock.h"

/* ---- token buckets ------------------------------------------------------ */

#define BUCKETS 4096 /* power of two */
#define PROBE 8      /* slots looked at per key; the LRU one is evicted */
#define WHO_MAX 64

struct bucket {
	int used;
	enum rl_class cls;
	char who[WHO_MAX];
	double tokens;
	int64_t refilled; /* clock_now() of the last refill */
	uint64_t touched; /* LRU order */
};

static pthread_mutex_t bucket_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bucket buckets[BUCKETS];
static uint64_t bucket_tick;
static struct ratelimit_limits limits;

static uint32_t hash_key(enum rl_class cls, const char *who)
{
	uint32_t h = 2166136261u ^ (uint32_t)cls;

	for (const char *p = who; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	return h;
}

/* The bucket of (cls, who), created full when new; bucket_lock held. */
static struct bucket *bucket_find(enum rl_class cls, const char *who, double capacity, int64_t now)
{
	uint32_t h = hash_key(cls, who);
	struct bucket *victim = NULL;

	for (uint32_t i = 0; i < PROBE; i++) {
		struct bucket *b = &buckets[(h + i) & (BUCKETS - 1)];

		if (b->used && b->cls == cls && strncmp(b->who, who, WHO_MAX - 1) == 0)
			return b;
		if (!b->used) {
			if (!victim || victim->used)
				victim = b; /* a free slot beats any eviction */
		} else if (!victim || (victim->used && b->touched < victim->touched)) {
			victim = b; /* least recently used so far */
		}
	}
	victim->used = 1;
	victim->cls = cls;
	strncpy(victim->who, who, WHO_MAX - 1);
	victim->who[WHO_MAX - 1] = '\0';
	victim->tokens = capacity;
	victim->refilled = now;
	return victim;
}

/* Take (take = 1) or look (take = 0); see ratelimit_take. */
static int bucket_use(enum rl_class cls, const char *who, int scale, int take)
{
	double capacity, rate;
	struct bucket *b;
	int64_t now = clock_now();
	int wait = 0;

	pthread_mutex_lock(&bucket_lock);
	if (cls <= RL_NONE || cls >= RL__COUNT || limits.per_window[cls] <= 0 ||
	    limits.window_s <= 0) {
		pthread_mutex_unlock(&bucket_lock);
		return 0;
	}
	capacity = (double)limits.per_window[cls] * (scale > 1 ? scale : 1);
	rate = capacity / limits.window_s; /* tokens per second */
	b = bucket_find(cls, who, capacity, now);
	if (now > b->refilled) {
		b->tokens = fmin(capacity, b->tokens + (double)(now - b->refilled) * rate);
		b->refilled = now;
	} else if (now < b->refilled) {
		b->refilled = now; /* the clock went back: count from here */
	}
	b->touched = ++bucket_tick;
	if (b->tokens >= 1.0) {
		if (take)
			b->tokens -= 1.0;
	} else {
		wait = (int)ceil((1.0 - b->tokens) / rate);
		if (wait < 1)
			wait = 1;
	}
	pthread_mutex_unlock(&bucket_lock);
	return wait;
}

int ratelimit_take(enum rl_class cls, const char *who, int scale)
{
	return bucket_use(cls, who, scale, 1);
}

int ratelimit_peek(enum rl_class cls, const char *who, int scale)
{
	return bucket_use(cls, who, scale, 0);
}

/* ---- open connections per address --------------------------------------- */

/* Only addresses with open connections have a slot; with every slot taken
 * a new address is let in uncounted (fail open) rather than refused. */
#define CONN_SLOTS 1024
#define ADDR_MAX 48

struct conn_slot {
	char addr[ADDR_MAX];
	int open; /* 0: free slot */
};

static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_slot conn_slots[CONN_SLOTS];
static int conn_uncounted; /* opens that found no slot: their close is a no-op */

static struct conn_slot *conn_find(const char *addr)
{
	for (size_t i = 0; i < CONN_SLOTS; i++)
		if (conn_slots[i].open && strcmp(conn_slots[i].addr, addr) == 0)
			return &conn_slots[i];
	return NULL;
}

int ratelimit_conn_open(const char *addr)
{
	struct conn_slot *s;
	int rc = 0;

	pthread_mutex_lock(&conn_lock);
	if (limits.conns_per_address <= 0) {
		pthread_mutex_unlock(&conn_lock);
		return 0;
	}
	s = conn_find(addr);
	if (s) {
		if (s->open >= limits.conns_per_address)
			rc = -1;
		else
			s->open++;
	} else {
		for (size_t i = 0; i < CONN_SLOTS && !s; i++)
			if (!conn_slots[i].open)
				s = &conn_slots[i];
		if (s) {
			strncpy(s->addr, addr, ADDR_MAX - 1);
			s->addr[ADDR_MAX - 1] = '\0';
			s->open = 1;
		} else {
			conn_uncounted++;
		}
	}
	pthread_mutex_unlock(&conn_lock);
	return rc;
}

void ratelimit_conn_close(const char *addr)
{
	struct conn_slot *s;

	pthread_mutex_lock(&conn_lock);
	s = conn_find(addr);
	if (s)
		s->open--;
	else if (conn_uncounted > 0)
		conn_uncounted--;
	pthread_mutex_unlock(&conn_lock);
}

int ratelimit_conn_count(const char *addr)
{
	struct conn_slot *s;
	int n;

	pthread_mutex_lock(&conn_lock);
	s = conn_find(addr);
	n = s ? s->open : 0;
	pthread_mutex_unlock(&conn_lock);
	return n;
}

void ratelimit_configure(const struct ratelimit_limits *lim)
{
	pthread_mutex_lock(&bucket_lock);
	pthread_mutex_lock(&conn_lock);
	limits = *lim;
	memset(buckets, 0, sizeof(buckets));
	bucket_tick = 0;
	pthread_mutex_unlock(&conn_lock);
	pthread_mutex_unlock(&bucket_lock);
	/* Connection counts are left alone: connections still open from a
	 * previous server in this process close against them. */
}
