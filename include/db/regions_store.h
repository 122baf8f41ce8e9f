/* SQL for the reference data: the region tree and the service centres.
 * A region's path is the chain of codes from the root ("/CN/GD/SZ/"), so
 * "is X within Y" is a prefix match of X's path on Y's path. */
#ifndef FT_REGIONS_STORE_H
#define FT_REGIONS_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

#define REGION_CODE_MAX 31 /* bytes; codes are [A-Za-z0-9_-] */

struct region_row {
	char code[32];
	char parent[32]; /* "" for a root (country) */
	char name[192];
	char name_en[192];
	char level[16]; /* country, province, city, district */
	char path[256]; /* "/CN/GD/" */
};

struct centre_row {
	char code[32];
	char name[192];
	char region[32];       /* code of the region the centre is in */
	char region_path[256]; /* that region's path; filled by reads only */
	int has_position;      /* 0: latitude/longitude are unknown (NULL) */
	double latitude;
	double longitude;
	int64_t capacity;
};

/* ERR_NOT_FOUND when no region / centre has that code. */
enum err regions_store_get(struct db *db, const char *code, struct region_row *out);
enum err regions_store_centre_get(struct db *db, const char *code, struct centre_row *out);

/* Inserts a region under parent (NULL or "" = a root) with its path built
 * from the parent's path. ERR_INVALID when the code is not
 * [A-Za-z0-9_-]{1,31}, the level is not one of the four, or the parent does
 * not exist; ERR_CONFLICT when the code is taken. Call inside a transaction
 * (db_begin) when more writes go with it. */
enum err regions_store_insert(struct db *db, const char *code, const char *parent, const char *name,
			      const char *name_en, const char *level);
/* Inserts c (region_path is ignored). ERR_INVALID when the code is not
 * [A-Za-z0-9_-]{1,31}, the region does not exist or capacity < 0;
 * ERR_CONFLICT when the code is taken. */
enum err regions_store_centre_insert(struct db *db, const struct centre_row *c);

/* Writes the region's names and level (its code, parent and path never
 * change: the path is copied onto assets and tickets). ERR_INVALID for a
 * level not one of the four; ERR_NOT_FOUND when no region has the code. */
enum err regions_store_update(struct db *db, const struct region_row *r);
/* Writes every column of the centre with c->code (region_path is ignored).
 * ERR_INVALID when the region does not exist or capacity < 0;
 * ERR_NOT_FOUND when no centre has the code. */
enum err regions_store_centre_update(struct db *db, const struct centre_row *c);

/* Listings call fn for each row (borrowed for the call) in key order after
 * the cursor key (NULL = from the start), at most limit rows (0 = all); fn
 * returns 0 to go on. Regions are ordered by path (tree order), centres by
 * code. region_path (NULL = any) keeps the centres of that region and of
 * every region below it. */
typedef int (*region_row_fn)(const struct region_row *row, void *ctx);
typedef int (*centre_row_fn)(const struct centre_row *row, void *ctx);
enum err regions_store_list(struct db *db, const char *after_path, int limit, region_row_fn fn,
			    void *ctx);
enum err regions_store_centre_list(struct db *db, const char *region_path, const char *after_code,
				   int limit, centre_row_fn fn, void *ctx);

#endif
