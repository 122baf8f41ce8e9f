/* What the registry's modules (customers, sites, models, assets) share, and
 * the create paths the demo data (and the importer) reuse so that every
 * record, whoever writes it, passes the same validation:
 *
 *   X_parse()          validates a JSON body into an input struct, naming
 *                      every bad member in the problem list pb (a JSON
 *                      pointer such as "/installation/site_id");
 *   X_create_locked()  writes it and its audit entry inside the caller's
 *                      open transaction (db_begin).
 *
 * Callers without an HTTP request (the demo, the CLI) pass a zeroed
 * struct problem and problem_cleanup() it. */
#ifndef FT_REGISTRY_H
#define FT_REGISTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db/assets_store.h"
#include "domain/audit.h"
#include "core/err.h"
#include "core/problem.h"
#include "core/policy.h"
#include "db/registry_store.h"

/* ---- validation helpers (server/domain/registry.c) ---------------------------- */

/* req_json_check() for a nested object at JSON pointer prefix ("" = the
 * body): unknown members, nulls, types, string lengths. ERR_INVALID when
 * anything was reported. A non-object is reported at prefix. */
enum err registry_json_check(struct problem *pb, const json_t *obj, const char *prefix,
			     const struct json_field *fields);

enum text_flags {
	TEXT_REQUIRED = 1u << 0,  /* must not be empty (or only white space) */
	TEXT_CODE = 1u << 1,      /* [A-Za-z0-9._-] only */
	TEXT_MULTILINE = 1u << 2, /* free text: line breaks and tabs allowed */
};
/* 1 when s is one of the NULL-terminated set (s NULL: 0). */
int registry_one_of(const char *s, const char *const *set);
/* 1 when s is empty or only white space (spaces, tabs, line breaks). */
int registry_blank(const char *s);
/* Copies string member key of obj (type already checked) into dst,
 * reporting prefix/key when required but empty, too long for dst, holding
 * control characters, or not a code. An absent / null / non-string member
 * leaves dst as it is. Returns 1 when the member was a string. */
int registry_take_text(struct problem *pb, const json_t *obj, const char *prefix, const char *key,
		       char *dst, size_t size, unsigned flags);

/* Positive integer member (an id) into *out; reports when it is not.
 * Returns 1 when the member was present and not null. */
int registry_take_id(struct problem *pb, const json_t *obj, const char *prefix, const char *key,
		     int64_t *out);

/* A positive decimal id (cursors, query parameters); 0 ok, -1 not one. */
int registry_parse_id(const char *s, int64_t *out);

/* 1 when s holds only what codes and serials may: A-Z a-z 0-9 . _ - */
int registry_code_chars_ok(const char *s);

/* Calendar dates "YYYY-MM-DD". */
int registry_date_ok(const char *s);
/* Days since 1970-01-01 of a valid date. */
int64_t registry_date_days(const char *s);
/* The UTC date of t into out (11 bytes). */
void registry_date_of(int64_t t, char out[11]);
/* start + months calendar months, the day clamped to the month's end
 * (2024-01-31 + 1 = 2024-02-29) into out (11 bytes). -1 when that is
 * after 9999-12-31 (out is then 9999-12-31): callers that take the date
 * from input refuse it. */
int registry_date_add_months(const char *start, int64_t months, char out[11]);
/* start + days into out (11 bytes); days may be negative. */
void registry_date_add_days(const char *start, int64_t days, char out[11]);

/* Is the region path inner equal to or below outer? */
int registry_path_within(const char *inner, const char *outer);

/* ---- personal data (server/domain/registry.c) ---------------------------------- */

/* Masking rules, applied to every role unless the caller reveals:
 *   name       first character (UTF-8) kept, each further one "*":
 *              "张伟" -> "张*", "Li Na" -> "L****"; a single character -> "*"
 *   phone      11+ characters: first 3 and last 4 kept ("138****8000");
 *              anything shorter is "****"
 *   id_number  8+ characters: first 3 and last 2 kept, the rest "*" one for
 *              one ("110105199001011234" -> "110*************34");
 *              anything shorter is all "*"
 *   title      not personal data: never masked */
void registry_mask_name(const char *in, char *out, size_t size);
void registry_mask_phone(const char *in, char *out, size_t size);
void registry_mask_id_number(const char *in, char *out, size_t size);

/* ---- JSON shapes (server/domain/customers.c, sites.c, models.c) --------------- */

/* The customer with its contacts, masked unless reveal. New (caller
 * decrefs); NULL with *e set on failure. */
json_t *customers_json(struct db *db, const struct customer_row *c, int reveal, enum err *e);
json_t *sites_json(const struct site_row *s);
json_t *models_json(const struct model_row *m);

/* ---- create paths ------------------------------------------------------- */

/* who: the writing principal, whose scope the new record must fall in;
 * NULL = the system (no scope limit). */

struct customer_input {
	struct customer_row row;
	struct contact_row contacts[CONTACTS_MAX];
	size_t ncontacts;
};
enum err customers_parse(struct db *db, const struct principal *who, const json_t *body,
			 struct customer_input *in, struct problem *pb);
enum err customers_create_locked(struct db *db, const struct audit_actor *actor,
				 const struct customer_input *in, int64_t *id_out);

enum err sites_parse(struct db *db, const struct principal *who, const json_t *body,
		     struct site_row *in, struct problem *pb);
enum err sites_create_locked(struct db *db, const struct audit_actor *actor,
			     const struct site_row *in, int64_t *id_out);

json_t *product_lines_json(const struct product_line_row *p); /* new */
enum err product_lines_parse(const json_t *body, struct product_line_row *in, struct problem *pb);
enum err product_lines_create_locked(struct db *db, const struct audit_actor *actor,
				     const struct product_line_row *in);

/* A model body applied onto in: create = 1 for a new model (required
 * members), 0 for a PATCH onto the stored row. */
enum err models_apply(struct db *db, const json_t *body, int create, struct model_row *in,
		      struct problem *pb);
enum err models_parse(struct db *db, const json_t *body, struct model_row *in, struct problem *pb);
enum err models_create_locked(struct db *db, const struct audit_actor *actor,
			      const struct model_row *in, int64_t *id_out);

#define ASSET_TESTS_MAX 100
#define ASSET_COMPONENTS_MAX 100

/* A validated asset: the row with its derived fields (customer, region
 * path, warranty start / end) already computed, its components, and what
 * the timeline events need. Large: allocate it (calloc). */
struct asset_input {
	struct asset_row row;
	struct component_row components[ASSET_COMPONENTS_MAX];
	size_t ncomponents;
	char site_code[REG_CODE_SIZE];
	char site_name[REG_NAME_SIZE];
};
enum err assets_parse(struct db *db, const struct principal *who, const json_t *body,
		      struct asset_input *in, struct problem *pb);
/* Inserts the asset and its components, appends the timeline events of
 * the facts given (production, one per factory test, installation,
 * commissioning, acceptance, each at that date 00:00Z), issues the first
 * QR label and audits "asset.create". */
enum err assets_create_locked(struct db *db, const struct audit_actor *actor,
			      const struct asset_input *in, int64_t *id_out);

/* A PATCH of the stored asset old with body, inside the caller's write
 * transaction: validated into in (caller allocates), the site refreshed,
 * the timeline events of the facts it records, and the audit entry. */
enum err assets_update_locked(struct db *db, const struct audit_actor *actor,
			      const struct principal *who, const json_t *body,
			      const struct asset_row *old, struct asset_input *in,
			      struct problem *pb);

/* Warranty status of an end date ("" = none) on the day of now: "none",
 * "in_warranty", "expiring" (90 days or fewer left) or "expired";
 * *days_left = days from today to the end (0 once expired). The end date
 * is the first day without cover. */
const char *assets_warranty_status(const char *end, int64_t now, int64_t *days_left);

/* For the API handlers (server/api/customers.c). */
int customers_tier_ok(const char *t);
json_t *customers_doc(const struct customer_row *c, const struct contact_row *contacts, size_t n,
		      int reveal);
enum err customers_apply(struct db *db, const struct principal *who, const json_t *body, int create,
			 struct customer_input *in, struct problem *pb);

/* For the API handlers (server/api/sites.c). */
enum err sites_apply(struct db *db, const struct principal *who, const json_t *body, int create,
		     struct site_row *in, struct problem *pb);

#endif
