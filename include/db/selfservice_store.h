/* SQL for the customer's tracking links (ticket_tracking, migration 0024):
 * a ticket reported from a nameplate page and the SHA-256 of its token. */
#ifndef FT_SELFSERVICE_STORE_H
#define FT_SELFSERVICE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

#define TRACK_HASH_SIZE 65 /* SHA-256 as 64 hex digits */

struct tracking_row {
	int64_t ticket_id;
	int64_t created_at;
	int64_t rated_at; /* 0 = not yet */
};

/* ERR_CONFLICT when the hash or the ticket already has a row. */
enum err selfservice_store_insert(struct db *db, const char *token_hash, int64_t ticket_id,
				  const char *source, int64_t now);
/* ERR_NOT_FOUND when no link has this hash. */
enum err selfservice_store_find(struct db *db, const char *token_hash, struct tracking_row *out);
/* Marks the ticket rated: ERR_CONFLICT when it already was. */
enum err selfservice_store_mark_rated(struct db *db, int64_t ticket_id, int64_t now);
/* A centre's display name ("" when the code is unknown). */
enum err selfservice_store_centre_name(struct db *db, const char *code, char *out, size_t size);

#endif
