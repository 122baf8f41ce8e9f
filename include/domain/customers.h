/* Customers as other modules' answers embed them. (customers_json() in
 * registry.h builds the same document as a jansson tree.) */
#ifndef FT_CUSTOMERS_H
#define FT_CUSTOMERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "core/jsonw.h"
#include "db/registry_store.h"

struct db;

/* Writes c with its contacts as every customer answer shows it: contacts
 * masked unless reveal (the caller audits a reveal). *ncontacts = how many
 * contacts were written. */
enum err customers_write(struct jsonw *w, struct db *db, const struct customer_row *c, int reveal,
			 size_t *ncontacts);

/* The customer's primary contact (its first) as GET /v1/customers/{id}
 * shows it without a reveal: masked. JSON null when it has none; NULL
 * with *e set on failure. */
json_t *customers_primary_contact(struct db *db, int64_t customer_id, enum err *e);

#endif
