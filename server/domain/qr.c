/* Identification codes: formatting, verification from an in-memory key
 * table, label issue and key rotation.
 *
 * Code format, version 1
 * ----------------------
 *   code   = Crockford base32 ("0-9A-Z" without I L O U, uppercase, no
 *            padding) of the bytes
 *              varint(key_id) varint(asset_id) varint(generation) tag
 *   varint = unsigned LEB128 in its shortest form (7 bits a byte, low first)
 *   tag    = the first 8 bytes (64 bits) of
 *              HMAC-SHA256(secret of key_id, "fieldtrace-id-v1" ||
 *                          be16(key_id) || be64(asset_id) || be32(generation))
 *   key_id 1..1295 (the schema's range; larger values are reserved for a
 *   later format), asset_id >= 1, generation 1..2^31-1.
 * Only RFC 3986 unreserved characters, and only uppercase letters and
 * digits, so the code part fits the QR alphanumeric mode. The bits left in
 * the last character are zero. Exactly one string names a label: parsing
 * re-encodes the fields and compares, so lowercase, the Crockford aliases
 * (I, L, O), overlong varints or stray pad bits are all "no such code".
 * Length: 18 characters for asset ids below 128, 20 below 16,384, 21 below
 * 2^21 (two million), 23 below 2^28 (key ids below 128, fewer than 127
 * relabels); 39 at most.
 *
 * Verification order: parse -> key from the cache -> recompute the tag ->
 * CRYPTO_memcmp -> only then the labels row. A malformed, mistyped or
 * forged code never reaches the database.
 */
#include "domain/qr.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/timeline.h"
#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/log.h"
#include "domain/qr_code.h"
#include "db/qr_store.h"

#define TAG_LEN 8
#define TAG_DOMAIN "fieldtrace-id-v1"
#define GENERATION_MAX INT64_C(0x7fffffff)
#define CODE_BYTES_MAX (2 + 9 + 5 + TAG_LEN)
#define CODE_CHARS_MIN 18 /* 3 one-byte varints + the tag */

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct code_fields {
	int64_t key_id;
	int64_t asset_id;
	int64_t generation;
	unsigned char tag[TAG_LEN];
};

/* The key table: an HMAC context already keyed with each key's secret
 * (the secret itself is not kept), read by every resolve and replaced
 * whole by a reload. Keys are never deleted, so a reload only adds. */
static pthread_rwlock_t keys_lock = PTHREAD_RWLOCK_INITIALIZER;
static EVP_MAC_CTX *keys[QR_KEY_ID_MAX + 1];
static int64_t active_key;

/* Fetched once: an implicit fetch per HMAC would take a lock in OpenSSL's
 * provider store on every resolve. */
static EVP_MAC *hmac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static EVP_MAC_CTX *mac_new(const unsigned char *secret)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *c;

	pthread_once(&hmac_once, hmac_fetch);
	if (!hmac)
		return NULL;
	c = EVP_MAC_CTX_new(hmac);
	if (c && EVP_MAC_init(c, secret, QR_SECRET_LEN, params) != 1) {
		EVP_MAC_CTX_free(c);
		c = NULL;
	}
	return c;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* keyed is a context from the table, copied so it stays pristine. Called
 * with keys_lock held (read). */
static int tag_compute(const EVP_MAC_CTX *keyed, const struct code_fields *f,
		       unsigned char tag[TAG_LEN])
{
	unsigned char msg[sizeof(TAG_DOMAIN) - 1 + 2 + 8 + 4], mac[EVP_MAX_MD_SIZE];
	size_t n = sizeof(TAG_DOMAIN) - 1, len = 0;
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(keyed);
	int ok;

	if (!c)
		return -1;
	memcpy(msg, TAG_DOMAIN, n);
	put_be(msg + n, (uint64_t)f->key_id, 2);
	put_be(msg + n + 2, (uint64_t)f->asset_id, 8);
	put_be(msg + n + 10, (uint64_t)f->generation, 4);
	ok = EVP_MAC_update(c, msg, sizeof(msg)) == 1 &&
	     EVP_MAC_final(c, mac, &len, sizeof(mac)) == 1 && len >= TAG_LEN;
	EVP_MAC_CTX_free(c);
	if (ok)
		memcpy(tag, mac, TAG_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok ? 0 : -1;
}

static int fields_valid(const struct code_fields *f)
{
	return f->key_id >= 1 && f->key_id <= QR_KEY_ID_MAX && f->asset_id >= 1 &&
	       f->generation >= 1 && f->generation <= GENERATION_MAX;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	do {
		unsigned char b = (unsigned char)(v & 0x7f);

		v >>= 7;
		p[n++] = v ? (unsigned char)(b | 0x80) : b;
	} while (v);
	return n;
}

/* Reads one varint of at most max_bytes; -1 when truncated or too long. */
static int get_varint(const unsigned char *p, size_t n, size_t *off, size_t max_bytes,
		      uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < max_bytes && *off < n; i++) {
		unsigned char b = p[(*off)++];

		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static void b32_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31u];
		}
	}
	if (bits)
		out[o++] = alphabet[(acc << (5 - bits)) & 31u];
	out[o] = '\0';
}

/* Decodes len characters; -1 on a character outside the alphabet. Pad
 * bits are not checked here: the caller re-encodes and compares. */
static int b32_decode(const char *s, size_t len, unsigned char *out, size_t max, size_t *n)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	*n = 0;
	for (size_t i = 0; i < len; i++) {
		const char *p = s[i] ? memchr(alphabet, s[i], 32) : NULL;

		if (!p)
			return -1;
		acc = (acc << 5) | (uint32_t)(p - alphabet);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (*n == max)
				return -1;
			out[(*n)++] = (unsigned char)((acc >> bits) & 0xffu);
		}
	}
	return 0;
}

static void code_encode(const struct code_fields *f, char out[QR_CODE_MAX])
{
	unsigned char raw[CODE_BYTES_MAX];
	size_t n = 0;

	n += put_varint(raw + n, (uint64_t)f->key_id);
	n += put_varint(raw + n, (uint64_t)f->asset_id);
	n += put_varint(raw + n, (uint64_t)f->generation);
	memcpy(raw + n, f->tag, TAG_LEN);
	b32_encode(raw, n + TAG_LEN, out);
}

static int code_parse(const char *code, struct code_fields *f)
{
	unsigned char raw[CODE_BYTES_MAX];
	char again[QR_CODE_MAX];
	size_t len = strnlen(code, QR_CODE_MAX), n, off = 0;
	uint64_t key, asset, gen;

	if (len < CODE_CHARS_MIN || len >= QR_CODE_MAX ||
	    b32_decode(code, len, raw, sizeof(raw), &n) < 0)
		return -1;
	if (get_varint(raw, n, &off, 2, &key) < 0 || get_varint(raw, n, &off, 9, &asset) < 0 ||
	    get_varint(raw, n, &off, 5, &gen) < 0 || n - off != TAG_LEN || key > QR_KEY_ID_MAX ||
	    asset > (uint64_t)INT64_MAX || gen > (uint64_t)GENERATION_MAX)
		return -1;
	f->key_id = (int64_t)key;
	f->asset_id = (int64_t)asset;
	f->generation = (int64_t)gen;
	memcpy(f->tag, raw + off, TAG_LEN);
	if (!fields_valid(f))
		return -1;
	code_encode(f, again);
	return strcmp(again, code) == 0 ? 0 : -1;
}

/* --- the key table ------------------------------------------------------ */

struct load_ctx {
	EVP_MAC_CTX *keys[QR_KEY_ID_MAX + 1];
	int64_t active, newest;
	int failed;
};

static int load_one(int64_t id, const unsigned char *secret, int active, void *arg)
{
	struct load_ctx *c = arg;

	if (id < 1 || id > QR_KEY_ID_MAX)
		return 0; /* the schema's CHECK rules it out */
	c->keys[id] = mac_new(secret);
	if (!c->keys[id]) {
		c->failed = 1;
		return 1;
	}
	if (active && id > c->active)
		c->active = id;
	if (id > c->newest)
		c->newest = id;
	return 0;
}

/* Reads every key and swaps the table in whole. */
static enum err keys_reload(struct db *db)
{
	struct load_ctx *c = calloc(1, sizeof(*c));
	enum err e;

	if (!c)
		return ERR_INTERNAL;
	e = qr_store_keys_scan(db, load_one, c);
	if (e == ERR_OK && c->failed) {
		log_error("qr: cannot set up HMAC-SHA256");
		e = ERR_INTERNAL;
	}
	if (e == ERR_OK && !c->newest)
		e = ERR_NOT_FOUND;
	if (e == ERR_OK) {
		pthread_rwlock_wrlock(&keys_lock);
		for (size_t i = 0; i <= QR_KEY_ID_MAX; i++) {
			EVP_MAC_CTX *old = keys[i];

			keys[i] = c->keys[i];
			c->keys[i] = old;
		}
		/* Normally exactly one key is active; fall back to the newest. */
		active_key = c->active ? c->active : c->newest;
		pthread_rwlock_unlock(&keys_lock);
	}
	for (size_t i = 0; i <= QR_KEY_ID_MAX; i++)
		EVP_MAC_CTX_free(c->keys[i]);
	free(c);
	return e;
}

/* Inserts key_id with a fresh secret, audited, inside an open transaction. */
static enum err key_insert(struct db *db, const struct audit_actor *actor, const char *action,
			   int64_t key_id, int64_t previous, int64_t now)
{
	unsigned char secret[QR_SECRET_LEN];
	char id[24];
	json_t *before = NULL, *after;
	enum err e;

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		return ERR_INTERNAL;
	e = qr_store_key_activate_new(db, key_id, secret, now);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (e != ERR_OK)
		return e;
	snprintf(id, sizeof(id), "%lld", (long long)key_id);
	if (previous)
		before = json_pack("{s:I}", "active_key_id", (json_int_t)previous);
	after = json_pack("{s:I}", "active_key_id", (json_int_t)key_id);
	e = audit_append(db, actor, action, "qr_key", id, before, after);
	json_decref(before);
	json_decref(after);
	return e;
}

static enum err key_create_first(struct db *db)
{
	const struct audit_actor system = { 0, "system", "qr-keys-load", "local" };
	int64_t max = 0;
	enum err e = db_begin(db);

	/* Checked again under the write lock: another process may have won. */
	if (e == ERR_OK)
		e = qr_store_key_max(db, &max);
	if (e == ERR_OK && max == 0)
		e = key_insert(db, &system, "qr.key_create", 1, 0, clock_now());
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

enum err qr_keys_load(struct db *db)
{
	int64_t max = 0;
	enum err e = qr_store_key_max(db, &max);

	if (e == ERR_OK && max == 0)
		e = key_create_first(db);
	if (e == ERR_OK)
		e = keys_reload(db);
	if (e != ERR_OK)
		log_error("qr: cannot load the identification keys");
	return e;
}

int64_t qr_key_active(void)
{
	int64_t k;

	pthread_rwlock_rdlock(&keys_lock);
	k = active_key;
	pthread_rwlock_unlock(&keys_lock);
	return k;
}

enum err qr_key_rotate(struct db *db, const struct audit_actor *actor, int64_t now, int64_t *key_id)
{
	int64_t max = 0, previous = qr_key_active();
	enum err e = db_begin(db);

	if (e == ERR_OK)
		e = qr_store_key_max(db, &max);
	if (e == ERR_OK && max >= QR_KEY_ID_MAX)
		e = ERR_CONFLICT;
	if (e == ERR_OK)
		e = key_insert(db, actor, "qr.key_rotate", max + 1, previous, now);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		return e;
	}
	*key_id = max + 1;
	return keys_reload(db);
}

/* --- codes ---------------------------------------------------------------- */

/* The last code this thread verified or formatted. A code is a function
 * of its fields alone (a key id's secret is never altered or deleted), so
 * the trace that follows a resolve, naming the same label, reuses the code
 * instead of computing the HMAC again. */
static _Thread_local struct {
	int64_t key_id, asset_id, generation; /* 0: none yet */
	char code[QR_CODE_MAX];
} last_code;

static void remember(const struct code_fields *f, const char *code)
{
	last_code.key_id = f->key_id;
	last_code.asset_id = f->asset_id;
	last_code.generation = f->generation;
	memcpy(last_code.code, code, strnlen(code, QR_CODE_MAX - 1) + 1);
}

static int recalled(const struct code_fields *f, char out[QR_CODE_MAX])
{
	if (last_code.key_id != f->key_id || last_code.asset_id != f->asset_id ||
	    last_code.generation != f->generation)
		return 0;
	memcpy(out, last_code.code, sizeof(last_code.code));
	return 1;
}

/* The tag of f with its key from the table: ERR_NOT_FOUND when the key is
 * unknown, ERR_INTERNAL when OpenSSL fails. */
static enum err tag_of(const struct code_fields *f, unsigned char tag[TAG_LEN])
{
	enum err e = ERR_OK;

	pthread_rwlock_rdlock(&keys_lock);
	if (!keys[f->key_id])
		e = ERR_NOT_FOUND;
	else if (tag_compute(keys[f->key_id], f, tag) < 0)
		e = ERR_INTERNAL;
	pthread_rwlock_unlock(&keys_lock);
	return e;
}

enum err qr_code_format(int64_t key_id, int64_t asset_id, int64_t generation, char out[QR_CODE_MAX])
{
	struct code_fields f = { key_id, asset_id, generation, { 0 } };
	enum err e;

	out[0] = '\0';
	if (!fields_valid(&f))
		return ERR_INVALID;
	if (recalled(&f, out))
		return ERR_OK;
	e = tag_of(&f, f.tag);
	if (e == ERR_OK) {
		code_encode(&f, out);
		remember(&f, out);
	}
	return e;
}

enum err qr_code_resolve(struct db *db, const char *code, int64_t *asset_id)
{
	struct code_fields f;
	struct qr_label_row row;
	unsigned char want[TAG_LEN];
	enum err e;

	if (!code || code_parse(code, &f) < 0)
		return ERR_NOT_FOUND;
	e = tag_of(&f, want);
	if (e != ERR_OK)
		return e;
	if (CRYPTO_memcmp(want, f.tag, TAG_LEN) != 0)
		return ERR_NOT_FOUND;
	remember(&f, code); /* parsing proved it is the canonical form */
	/* Authentic: only now is the database asked. */
	e = qr_store_label_get(db, f.asset_id, f.generation, &row);
	if (e != ERR_OK)
		return e;
	if (row.key_id != f.key_id)
		return ERR_NOT_FOUND; /* not the key this label was issued with */
	if (row.revoked)
		return ERR_GONE;
	*asset_id = f.asset_id;
	return ERR_OK;
}

enum err qr_label_code(struct db *db, int64_t asset_id, char out[QR_CODE_MAX])
{
	struct qr_label_row row;
	enum err e;

	out[0] = '\0';
	e = qr_store_label_latest(db, asset_id, &row);
	if (e != ERR_OK)
		return e;
	if (row.revoked)
		return ERR_NOT_FOUND;
	e = qr_code_format(row.key_id, asset_id, row.generation, out);
	if (e == ERR_NOT_FOUND) {
		/* A key another process created since this one loaded. */
		e = keys_reload(db);
		if (e == ERR_OK)
			e = qr_code_format(row.key_id, asset_id, row.generation, out);
		if (e == ERR_NOT_FOUND)
			e = ERR_INTERNAL;
	}
	return e;
}

enum err qr_label_issue(struct db *db, int64_t asset_id, int64_t now)
{
	int64_t key = qr_key_active(), generation = 1;
	struct qr_label_row prev;
	json_t *detail;
	int had;
	enum err e;

	if (!key) {
		log_error("qr: no identification key loaded (qr_keys_load was not called)");
		return ERR_INTERNAL;
	}
	e = qr_store_label_latest(db, asset_id, &prev);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	had = e == ERR_OK;
	if (had)
		generation = prev.generation + 1;
	if (generation > GENERATION_MAX)
		return ERR_CONFLICT;
	e = had && !prev.revoked ? qr_store_label_revoke(db, asset_id, prev.generation, now)
				 : ERR_OK;
	if (e == ERR_OK)
		e = qr_store_label_insert(db, asset_id, generation, key, now);
	if (e != ERR_OK)
		return e;
	detail = json_pack("{s:I, s:I, s:o}", "generation", (json_int_t)generation, "key_id",
			   (json_int_t)key, "replaces",
			   had ? json_integer(prev.generation) : json_null());
	e = asset_timeline_append(db, asset_id, now, "label",
				  had ? "identification label replaced; earlier labels answer 410"
				      : "identification label issued",
				  detail, 0);
	json_decref(detail);
	return e;
}

static char public_base[256];

void qr_public_url_set(const char *url)
{
	snprintf(public_base, sizeof(public_base), "%s", url ? url : "");
}

const char *qr_public_url(void)
{
	return public_base;
}

void qr_link(const char *public_url, const char *code, char *out, size_t size)
{
	size_t n = strlen(public_url);

	while (n && public_url[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s/id/%s", (int)n, public_url, code);
}
