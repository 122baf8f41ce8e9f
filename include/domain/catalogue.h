/* The service catalogue as other modules use it: four categories and their
 * subcategories, data in service_categories (admins edit it). */
#ifndef FT_CATALOGUE_H
#define FT_CATALOGUE_H

#include "core/err.h"

struct db;

struct catalogue_entry {
	char code[32];
	char parent[32]; /* "" for a top-level category */
	char name[128];
	char name_en[128];
	int active;
};

/* One entry by code: ERR_NOT_FOUND when unknown. */
enum err catalogue_get(struct db *db, const char *code, struct catalogue_entry *out);

#endif
