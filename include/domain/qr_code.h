/* Identification codes beyond the qr.h contract: formatting a code from
 * its fields (labels print codes for many assets at once), key rotation,
 * and the link buffer size. Implemented in server/domain/qr.c. */
#ifndef FT_QR_CODE_H
#define FT_QR_CODE_H

#include <stdint.h>

#include "core/err.h"
#include "domain/qr.h"

struct db;
struct audit_actor;

/* Key ids the schema allows (qr_keys.key_id CHECK). */
#define QR_KEY_ID_MAX 1295
/* Bytes a link needs: a 255-byte public URL + "/id/" + a code + NUL. */
#define QR_LINK_MAX 384

/* The code of label (key_id, asset_id, generation) into out, from the
 * cached key; ERR_NOT_FOUND when the key is not cached, ERR_INVALID when a
 * field is out of range. Touches no database. */
enum err qr_code_format(int64_t key_id, int64_t asset_id, int64_t generation,
			char out[QR_CODE_MAX]);

/* Creates a new active key (32 random bytes) in its own transaction, with
 * an audit entry by actor, and caches it. Older keys stay valid forever.
 * ERR_CONFLICT when every key id is used. */
enum err qr_key_rotate(struct db *db, const struct audit_actor *actor, int64_t now,
		       int64_t *key_id);

/* The key new labels are issued with; 0 when no key is loaded. */
int64_t qr_key_active(void);

#endif
