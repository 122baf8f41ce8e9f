/* SQL for the service catalogue (service_categories): four fixed top-level
 * categories and the subcategories under them. */
#ifndef FT_CATALOGUE_STORE_H
#define FT_CATALOGUE_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

#define CATALOGUE_CODE_SIZE 32
#define CATALOGUE_NAME_SIZE 128

struct catalogue_row {
	char code[CATALOGUE_CODE_SIZE];
	char parent[CATALOGUE_CODE_SIZE]; /* "" for a top-level category */
	char name[CATALOGUE_NAME_SIZE];
	char name_en[CATALOGUE_NAME_SIZE];
	int64_t sort;
	int active;
};

/* ERR_NOT_FOUND when no entry has that code. */
enum err catalogue_store_get(struct db *db, const char *code, struct catalogue_row *out);
/* Every entry: the top-level categories first, then the subcategories,
 * each group by sort then code. fn returns 0 to go on. */
typedef int (*catalogue_row_fn)(const struct catalogue_row *row, void *ctx);
enum err catalogue_store_list(struct db *db, catalogue_row_fn fn, void *ctx);
/* One past the largest sort of parent and its subcategories. */
enum err catalogue_store_next_sort(struct db *db, const char *parent, int64_t *out);
/* ERR_CONFLICT when the code is taken; ERR_INVALID when the parent does
 * not exist. */
enum err catalogue_store_insert(struct db *db, const struct catalogue_row *row);
/* Names, sort and active of row->code; ERR_NOT_FOUND when unknown. */
enum err catalogue_store_update(struct db *db, const struct catalogue_row *row);

#endif
