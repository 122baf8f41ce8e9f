/* The audit log: appending chained entries, verifying the chain, and the
 * auditors' read API. */
#include "domain/audit.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_store.h"
#include "core/clock.h"
#include "db/db.h"

void audit_actor_cli(struct audit_actor *out, const char *what)
{
	out->user_id = 0;
	out->name = "cli";
	out->request_id = what;
	out->client_addr = "local";
}

/* Feeds one field as "<length>:<bytes>\n" so no two different entries
 * serialise alike; NULL is "-\n". */
static void hash_field(EVP_MD_CTX *md, const char *s)
{
	char len[24];

	if (!s) {
		EVP_DigestUpdate(md, "-\n", 2);
		return;
	}
	snprintf(len, sizeof(len), "%zu:", strlen(s));
	EVP_DigestUpdate(md, len, strlen(len));
	EVP_DigestUpdate(md, s, strlen(s));
	EVP_DigestUpdate(md, "\n", 1);
}

static int entry_hash(const struct audit_row *r, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	unsigned int len = 0;
	char num[48];
	int ok;

	if (!md)
		return -1;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	if (ok) {
		snprintf(num, sizeof(num), "%lld/%lld", (long long)r->at, (long long)r->actor_id);
		hash_field(md, r->prev_hash);
		hash_field(md, num);
		hash_field(md, r->actor);
		hash_field(md, r->action);
		hash_field(md, r->object_type);
		hash_field(md, r->object_id);
		hash_field(md, r->before);
		hash_field(md, r->after);
		hash_field(md, r->request_id);
		hash_field(md, r->client_addr);
		ok = EVP_DigestFinal_ex(md, digest, &len) == 1;
	}
	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

enum err audit_append(struct db *db, const struct audit_actor *actor, const char *action,
		      const char *object_type, const char *object_id, const json_t *before,
		      const json_t *after)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
	char prev[65], hash[65];
	char *before_text = before ? json_dumps(before, flags) : NULL;
	char *after_text = after ? json_dumps(after, flags) : NULL;
	struct audit_row row;
	enum err e;

	e = audit_store_last_hash(db, prev);
	if (e != ERR_OK)
		goto out;
	memset(&row, 0, sizeof(row));
	row.at = clock_now();
	row.actor_id = actor->user_id;
	row.actor = actor->name ? actor->name : "";
	row.action = action;
	row.object_type = object_type;
	row.object_id = object_id;
	row.before = before_text;
	row.after = after_text;
	row.request_id = actor->request_id ? actor->request_id : "";
	row.client_addr = actor->client_addr ? actor->client_addr : "";
	row.prev_hash = prev;
	if (entry_hash(&row, hash) < 0) {
		e = ERR_INTERNAL;
		goto out;
	}
	row.hash = hash;
	e = audit_store_insert(db, &row);
out:
	free(before_text);
	free(after_text);
	return e;
}

struct verify_ctx {
	char prev[65];
	int64_t checked;
	int64_t broken_at;
};

static int verify_row(const struct audit_row *row, void *arg)
{
	struct verify_ctx *v = arg;
	char want[65];

	v->checked++;
	if (strcmp(row->prev_hash, v->prev) != 0 || entry_hash(row, want) < 0 ||
	    strcmp(want, row->hash) != 0) {
		v->broken_at = row->id;
		return 1;
	}
	memcpy(v->prev, row->hash, 65);
	return 0;
}

enum err audit_verify(struct db *db, int64_t *checked, int64_t *broken_at)
{
	struct verify_ctx v;
	enum err e;

	memset(&v, 0, sizeof(v));
	e = audit_store_scan(db, NULL, 0, 0, verify_row, &v);
	*checked = v.checked;
	*broken_at = v.broken_at;
	return e;
}
