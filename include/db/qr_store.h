/* SQL for identification codes: the HMAC keys, the label rows behind each
 * printed code, and the few asset facts a printed label needs (scoped). */
#ifndef FT_QR_STORE_H
#define FT_QR_STORE_H

#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define QR_SECRET_LEN 32

/* Calls cb for every key, in key id order; cb returns nonzero to stop.
 * secret is borrowed for the call only. */
typedef int (*qr_store_key_cb)(int64_t key_id, const unsigned char *secret, int active, void *arg);
enum err qr_store_keys_scan(struct db *db, qr_store_key_cb cb, void *arg);
/* Highest key id in use; 0 when there is none. */
enum err qr_store_key_max(struct db *db, int64_t *out);
/* Inside the caller's transaction: every key stops being the active one,
 * then key_id is inserted as the active key. */
enum err qr_store_key_activate_new(struct db *db, int64_t key_id,
				   const unsigned char secret[QR_SECRET_LEN], int64_t now);

struct qr_label_row {
	int64_t generation;
	int64_t key_id;
	int revoked; /* 1 when revoked_at is set */
};
/* The label (asset_id, generation); ERR_NOT_FOUND when there is none. */
enum err qr_store_label_get(struct db *db, int64_t asset_id, int64_t generation,
			    struct qr_label_row *out);
/* The asset's newest label, revoked or not; ERR_NOT_FOUND when none. */
enum err qr_store_label_latest(struct db *db, int64_t asset_id, struct qr_label_row *out);
enum err qr_store_label_revoke(struct db *db, int64_t asset_id, int64_t generation, int64_t now);
enum err qr_store_label_insert(struct db *db, int64_t asset_id, int64_t generation, int64_t key_id,
			       int64_t now);

/* ERR_OK when the asset exists and lies in scope, else ERR_NOT_FOUND. */
enum err qr_store_asset_in_scope(struct db *db, int64_t asset_id, const struct scope *scope);

/* What a printed label shows and encodes. generation is 0 when the asset
 * has no current (unrevoked) label. */
struct qr_label_facts {
	int64_t asset_id;
	char serial[64];
	char model_code[64];
	int64_t generation;
	int64_t key_id;
};
/* ERR_NOT_FOUND when unknown or out of scope. */
enum err qr_store_label_facts(struct db *db, int64_t asset_id, const struct scope *scope,
			      struct qr_label_facts *out);
/* The batch's assets in scope, by serial, at most limit of them; cb
 * returns nonzero to stop. facts is borrowed for the call only. */
typedef int (*qr_store_facts_cb)(const struct qr_label_facts *facts, void *arg);
enum err qr_store_label_facts_batch(struct db *db, const char *batch, const struct scope *scope,
				    int limit, qr_store_facts_cb cb, void *arg);

#endif
