/* The append-only, hash-chained audit log of every write and every
 * unmasked read of personal data. */
#ifndef FT_AUDIT_H
#define FT_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* Who did it; strings borrowed for the call. user_id 0 = the system/CLI. */
struct audit_actor {
	int64_t user_id;
	const char *name;
	const char *request_id;
	const char *client_addr;
};

/* The command line's actor ("cli"). */
void audit_actor_cli(struct audit_actor *out, const char *what);

/* Appends one entry chained to the previous one. Call inside the write's
 * own transaction (db_begin), so the entry and the write commit together.
 * before/after may be NULL and are not stolen. */
enum err audit_append(struct db *db, const struct audit_actor *actor, const char *action,
		      const char *object_type, const char *object_id, const json_t *before,
		      const json_t *after);

/* Recomputes the chain. *checked = entries read; *broken_at = id of the
 * first entry whose hash or link is wrong, 0 when the chain is intact. */
enum err audit_verify(struct db *db, int64_t *checked, int64_t *broken_at);

#endif
