/* SQL for the bulk asset import (server/domain/import.c): the look-ups a row
 * needs that the registry's stores do not offer (a site by code within a
 * scope, "is this serial taken"), and the page cache for the write pass.
 * The rows themselves are written with the registry's own store calls
 * (include/db/assets_store.h), so an imported asset is stored exactly like
 * one made through POST /v1/assets. */
#ifndef FT_IMPORT_STORE_H
#define FT_IMPORT_STORE_H

#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"
#include "db/registry_store.h"

struct db;

struct import_site {
	int64_t id;
	int64_t customer_id;
	char code[REG_CODE_SIZE];
	char name[REG_NAME_SIZE];
	char region_path[REG_PATH_SIZE]; /* the site's region path ("/CN/GD/SZ/") */
};

/* The site with this code if it lies in scope (the registry's rule for
 * sites: all, the site's region within the caller's range, or the caller
 * owns the site's customer); ERR_NOT_FOUND when unknown or out of scope. */
enum err import_store_site(struct db *db, const char *code, const struct scope *sc,
			   struct import_site *out);
/* *taken = 1 when an asset already has this serial. */
enum err import_store_serial_taken(struct db *db, const char *serial, int *taken);

/* A CSV import writes in slices while pending (migrations/0017): its units
 * carry its id and no read finds them until the row is removed. */
enum err import_store_pending_add(struct db *db, const char *sha256, int64_t now, int64_t *id);
/* ERR_NOT_FOUND when the row is gone (swept as stale). */
enum err import_store_pending_heartbeat(struct db *db, int64_t id, int64_t now);
/* Publishes the import's units (or forgets a discarded import). */
enum err import_store_pending_remove(struct db *db, int64_t id);
/* A pending import whose heartbeat is older than before: ERR_NOT_FOUND if none. */
enum err import_store_pending_stale(struct db *db, int64_t before, int64_t *id);
/* Deletes up to limit units of pending import id with their labels,
 * components and timeline; *deleted = how many (0: none left). */
enum err import_store_discard(struct db *db, int64_t id, int64_t limit, int64_t *deleted);

#endif
