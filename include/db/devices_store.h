/* SQL of the push-device registry (migration 0021). Rows handed to
 * callbacks are borrowed for the call. */
#ifndef FT_DEVICES_STORE_H
#define FT_DEVICES_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

struct device_row {
	int64_t id;
	int64_t user_id;
	const char *platform;    /* borrowed */
	const char *provider;    /* borrowed */
	const char *token;       /* the secret address; borrowed */
	const char *app_version; /* borrowed; NULL = not given */
	const char *locale;      /* borrowed */
	int64_t created_at;
	int64_t last_seen_at;
	int64_t retired_at; /* 0 = live */
};
typedef int (*device_row_fn)(const struct device_row *row, void *ctx);

/* Calls fn with the row of (provider, token), live or retired;
 * ERR_NOT_FOUND when there is none. */
enum err devices_store_find(struct db *db, const char *provider, const char *token,
			    device_row_fn fn, void *ctx);
/* Calls fn with device id; ERR_NOT_FOUND when there is none. */
enum err devices_store_get(struct db *db, int64_t id, device_row_fn fn, void *ctx);
/* A new live row (id, retired_at ignored); *id_out = its id. */
enum err devices_store_insert(struct db *db, const struct device_row *in, int64_t *id_out);
/* Gives device id to in->user_id with in's platform, app_version and
 * locale, seen at now, live again. */
enum err devices_store_claim(struct db *db, int64_t id, const struct device_row *in, int64_t now);
/* Retires user_id's live device id: ERR_NOT_FOUND when it is not one. */
enum err devices_store_retire(struct db *db, int64_t user_id, int64_t id, const char *reason,
			      int64_t now);
/* Retires user_id's live device (provider, token), if any; *changed = 0 or 1. */
enum err devices_store_retire_token(struct db *db, int64_t user_id, const char *provider,
				    const char *token, const char *reason, int64_t now,
				    int64_t *changed);
/* user_id's live devices, oldest first; fn returns 0 to go on. */
enum err devices_store_list(struct db *db, int64_t user_id, device_row_fn fn, void *ctx);

#endif
