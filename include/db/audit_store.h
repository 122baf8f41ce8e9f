/* SQL for the audit log. */
#ifndef FT_AUDIT_STORE_H
#define FT_AUDIT_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

struct audit_row {
	int64_t id;
	int64_t at;
	int64_t actor_id; /* 0 = system / CLI */
	const char *actor;
	const char *action;
	const char *object_type;
	const char *object_id;
	const char *before; /* JSON text or NULL */
	const char *after;  /* JSON text or NULL */
	const char *request_id;
	const char *client_addr;
	const char *prev_hash;
	const char *hash;
};

/* The newest entry's hash ("" for an empty log) into out (65 bytes). */
enum err audit_store_last_hash(struct db *db, char *out);
enum err audit_store_insert(struct db *db, const struct audit_row *row);

/* Calls fn for each entry with id > after_id in id order, at most limit
 * (0 = all) entries; the row's strings are borrowed for the call. fn
 * returns 0 to go on. Filters (NULL = any) narrow the listing. */
struct audit_filter {
	const char *object_type;
	const char *object_id;
	const char *action;
	int64_t actor_id; /* 0 = any */
};
typedef int (*audit_row_fn)(const struct audit_row *row, void *ctx);
enum err audit_store_scan(struct db *db, const struct audit_filter *filter, int64_t after_id,
			  int limit, audit_row_fn fn, void *ctx);

#endif
