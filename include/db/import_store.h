/* SQL for the bulk asset import (server/import.c): the look-ups a row
 * needs that the registry's stores do not offer (a site by code within a
 * scope, "is this serial taken"), and the page cache for the write pass.
 * The rows themselves are written with the registry's own store calls
 * (include/assets_store.h), so an imported asset is stored exactly like
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

#endif
