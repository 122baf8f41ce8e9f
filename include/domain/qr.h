/* Identification codes printed in QR labels (IEC 61406 style): permanent,
 * unique, never reused. A code carries the key id, the asset id, the label
 * generation and a truncated HMAC-SHA256 tag, so a forged or mistyped code
 * is refused before any database read. */
#ifndef FT_QR_H
#define FT_QR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

#define QR_CODE_MAX 64

/* Loads every key into the process-wide cache (creating the first key in
 * an empty database). Called once by server_start and by commands that
 * issue labels; safe to call again. */
enum err qr_keys_load(struct db *db);

/* Issues the asset's next label with the active key, revoking the current
 * one if any (relabelling). Runs inside the caller's open transaction. */
enum err qr_label_issue(struct db *db, int64_t asset_id, int64_t now);

/* The code of the asset's current (unrevoked) label into out;
 * ERR_NOT_FOUND when it has none. */
enum err qr_label_code(struct db *db, int64_t asset_id, char out[QR_CODE_MAX]);

/* Resolves a code: ERR_NOT_FOUND when malformed, forged or unknown (the tag
 * is checked against the cached key first), ERR_GONE when the label was
 * revoked. Sets *asset_id on ERR_OK. */
enum err qr_code_resolve(struct db *db, const char *code, int64_t *asset_id);

/* public_url + "/id/" + code into out. */
/* The public base URL ("https://host:port") that labels print and links
 * name; set once at start (config public-url) before any request. */
void qr_public_url_set(const char *url);
const char *qr_public_url(void); /* borrowed; "" until set */
void qr_link(const char *public_url, const char *code, char *out, size_t size);

#endif
