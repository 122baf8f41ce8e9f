/* SQL for the registry's reference records: customers and their contacts,
 * sites, product lines, models, and the user look-ups the registry needs.
 *
 * Reads that take a scope apply it inside the query (policy_scope() bound
 * with db_bind_scope()), so a record outside the caller's scope is never
 * read at all and answers ERR_NOT_FOUND exactly like an unknown one.
 * Pass a scope with all = 1 for the system's own reads.
 *
 * Who sees what:
 *   customers: scope.all; or the customer's own region, or the region of
 *              any of its sites, lies in the caller's region range; or the
 *              caller is its sales owner.
 *   sites:     scope.all; or the site's region lies in the caller's range;
 *              or the caller is the sales owner of the site's customer.
 *   product lines and models are catalogue data: everyone may read them.
 *
 * Row structs are plain values (no pointers); listings hand each row to a
 * callback, borrowed for the call. */
#ifndef FT_REGISTRY_STORE_H
#define FT_REGISTRY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

/* Sizes of text columns, in bytes, NUL included; the handlers validate
 * input against them (one less) before anything is written. */
#define REG_CODE_SIZE 65  /* customer, site, model codes: [A-Za-z0-9._-] */
#define REG_LINE_SIZE 33  /* product line codes */
#define REG_NAME_SIZE 256 /* names (UTF-8) */
#define REG_ADDRESS_SIZE 512
#define REG_REGION_SIZE 32
#define REG_PATH_SIZE 256
#define REG_REVISION_SIZE 33
#define REG_JSON_SIZE 8193 /* model specs / documents as JSON text */
#define REG_GTIN_SIZE 15   /* GTIN-14 */

#define CONTACTS_MAX 20
#define CONTACT_NAME_SIZE 128
#define CONTACT_PHONE_SIZE 32
#define CONTACT_ID_SIZE 32
#define CONTACT_TITLE_SIZE 128
#define CONTACT_EMAIL_SIZE 255 /* 254 bytes, core/email.h */

struct customer_row {
	int64_t id;
	char code[REG_CODE_SIZE];
	char name[REG_NAME_SIZE];
	char tier[16];                /* strategic, A, B, C */
	char region[REG_REGION_SIZE]; /* "" = none */
	int64_t sales_owner_id;       /* 0 = none */
	int64_t created_at;
	int64_t updated_at;
};

/* Personal data: masked on the way out unless revealed (and audited). */
struct contact_row {
	char name[CONTACT_NAME_SIZE];
	char phone[CONTACT_PHONE_SIZE];
	char id_number[CONTACT_ID_SIZE];
	char title[CONTACT_TITLE_SIZE];
	char email[CONTACT_EMAIL_SIZE]; /* '' = none */
};

struct customer_filter {
	const char *code; /* exact; NULL = any */
	const char *tier; /* NULL = any */
	const char *q;    /* substring of code or name; NULL = any */
};

typedef int (*customer_row_fn)(const struct customer_row *row, void *ctx);

enum err registry_customer_get(struct db *db, int64_t id, const struct scope *sc,
			       struct customer_row *out);
/* Customers within scope matching filter with id > after_id, in id order,
 * at most limit (0 = all); fn returns 0 to go on. */
enum err registry_customer_list(struct db *db, const struct scope *sc,
				const struct customer_filter *f, int64_t after_id, int limit,
				customer_row_fn fn, void *ctx);
/* ERR_CONFLICT when the code is taken, ERR_INVALID when a reference is
 * gone. Sets created_at / updated_at from the row. */
enum err registry_customer_insert(struct db *db, const struct customer_row *c, int64_t *id_out);
/* Writes every member but id and created_at onto c->id. */
enum err registry_customer_update(struct db *db, const struct customer_row *c);
/* The customer's contacts in insertion order, at most max; *n = count. */
enum err registry_contacts_get(struct db *db, int64_t customer_id, struct contact_row *out,
			       size_t max, size_t *n);
/* Replaces the whole contact list. */
enum err registry_contacts_replace(struct db *db, int64_t customer_id,
				   const struct contact_row *rows, size_t n);

struct site_row {
	int64_t id;
	int64_t customer_id;
	char code[REG_CODE_SIZE];
	char name[REG_NAME_SIZE];
	char address[REG_ADDRESS_SIZE];
	char region[REG_REGION_SIZE];
	char region_path[REG_PATH_SIZE]; /* filled by reads and sites_parse() */
	int has_position;                /* 0: latitude / longitude are NULL */
	double latitude;
	double longitude;
	int64_t created_at;
	int64_t updated_at;
};

struct site_filter {
	int64_t customer_id;   /* 0 = any */
	const char *region_lo; /* region subtree [lo, hi); NULL = any */
	const char *region_hi;
	const char *q; /* substring of code or name; NULL = any */
};

typedef int (*site_row_fn)(const struct site_row *row, void *ctx);

enum err registry_site_get(struct db *db, int64_t id, const struct scope *sc, struct site_row *out);
enum err registry_site_list(struct db *db, const struct scope *sc, const struct site_filter *f,
			    int64_t after_id, int limit, site_row_fn fn, void *ctx);
enum err registry_site_insert(struct db *db, const struct site_row *s, int64_t *id_out);
enum err registry_site_update(struct db *db, const struct site_row *s);

struct product_line_row {
	char code[REG_LINE_SIZE];
	char name[REG_NAME_SIZE];
	char name_en[REG_NAME_SIZE];
};
typedef int (*product_line_row_fn)(const struct product_line_row *row, void *ctx);

enum err registry_product_line_get(struct db *db, const char *code, struct product_line_row *out);
/* In code order after after_code (NULL = from the start). */
enum err registry_product_line_list(struct db *db, const char *after_code, int limit,
				    product_line_row_fn fn, void *ctx);
enum err registry_product_line_insert(struct db *db, const struct product_line_row *p);

struct model_row {
	int64_t id;
	char code[REG_CODE_SIZE];
	char name[REG_NAME_SIZE];
	char product_line[REG_LINE_SIZE];
	char design_revision[REG_REVISION_SIZE];
	char specs[REG_JSON_SIZE];     /* JSON object text */
	char documents[REG_JSON_SIZE]; /* JSON array text */
	char gtin[REG_GTIN_SIZE];      /* "" = none */
	int64_t created_at;
	int64_t updated_at;
};

struct model_filter {
	const char *product_line; /* NULL = any */
	const char *q;            /* substring of code or name; NULL = any */
};

typedef int (*model_row_fn)(const struct model_row *row, void *ctx);

/* By id (code NULL) or by code (id 0). */
enum err registry_model_get(struct db *db, int64_t id, const char *code, struct model_row *out);
enum err registry_model_list(struct db *db, const struct model_filter *f, int64_t after_id,
			     int limit, model_row_fn fn, void *ctx);
enum err registry_model_insert(struct db *db, const struct model_row *m, int64_t *id_out);
enum err registry_model_update(struct db *db, const struct model_row *m);

/* Users as the registry refers to them (sales owners). ERR_NOT_FOUND when
 * no user has that id / username. role is the stored role name. */
struct registry_user {
	int64_t id;
	char username[64];
	char role[16];
	int disabled;
};
enum err registry_user_get(struct db *db, int64_t id, struct registry_user *out);
enum err registry_user_by_name(struct db *db, const char *username, struct registry_user *out);

#endif
