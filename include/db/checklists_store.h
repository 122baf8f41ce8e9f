/* Store of checklist templates, their versions, a job's answers and the
 * customer's sign-offs (migrations/0030_checklists.sql). All their SQL is
 * in server/db/checklists_store.c; the rules are domain/checklists.h.
 * Callers open the transaction. */
#ifndef FT_CHECKLISTS_STORE_H
#define FT_CHECKLISTS_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

#define CHECKLIST_NAME_SIZE 201
#define CHECKLIST_ITEM_ID_SIZE 33
#define CHECKLIST_NOTE_SIZE 1001

struct checklist_template_row {
	int64_t id;
	char name[CHECKLIST_NAME_SIZE];
	int64_t model_id;    /* 0: any model */
	char model_code[65]; /* joined */
	char category[32];   /* "": any category */
	int64_t created_by, created_at;
	int64_t latest_version; /* joined: 0 before the first is published */
};

/* A published version; items is JSON text (caller frees). */
struct checklist_version_row {
	int64_t id, template_id, version;
	char *items;
	int64_t published_by, published_at;
};
void checklist_version_cleanup(struct checklist_version_row *v); /* NULL ok */

struct checklist_answer_row {
	int64_t ticket_id;
	char item_id[CHECKLIST_ITEM_ID_SIZE];
	char *value; /* JSON text; caller frees */
	char note[CHECKLIST_NOTE_SIZE];
	char attachment_uuid[37]; /* "" none */
	int flagged;
	int64_t answered_by, answered_at;
	char answered_by_name[64]; /* joined */
};

struct signoff_row {
	int64_t id, ticket_id, visit;
	char signer_name[101], signer_role[101];
	char signature_uuid[37];
	int64_t signed_at;
	double latitude, longitude;
	int64_t recorded_by, created_at;
	char recorded_by_name[64]; /* joined */
};

enum err checklists_store_template_insert(struct db *db, const struct checklist_template_row *t,
					  int64_t *id);
/* ERR_NOT_FOUND when there is none. */
enum err checklists_store_template_get(struct db *db, int64_t id,
				       struct checklist_template_row *out);
typedef int (*checklist_template_fn)(const struct checklist_template_row *t, void *ctx);
enum err checklists_store_templates(struct db *db, checklist_template_fn fn, void *ctx);

/* Publishes the next version (1 + the latest) of template_id; its row
 * into *out (out->items borrowed from items, not copied). */
enum err checklists_store_version_insert(struct db *db, int64_t template_id, const char *items,
					 int64_t by, int64_t at, struct checklist_version_row *out);
/* The latest version of a template, or a version by id (ERR_NOT_FOUND). */
enum err checklists_store_version_latest(struct db *db, int64_t template_id,
					 struct checklist_version_row *out);
enum err checklists_store_version_get(struct db *db, int64_t version_id,
				      struct checklist_version_row *out);

/* The most specific template with a published version for a job on
 * model_id of category / subcategory: model + category, then model, then
 * category; the newest template among equals. ERR_NOT_FOUND when none. */
enum err checklists_store_template_for(struct db *db, int64_t model_id, const char *category,
				       const char *subcategory, int64_t *template_id);

/* The version a job is pinned to (ERR_NOT_FOUND before its first answer);
 * pinning it. */
enum err checklists_store_ticket_version(struct db *db, int64_t ticket_id, int64_t *version_id);
enum err checklists_store_ticket_pin(struct db *db, int64_t ticket_id, int64_t version_id,
				     int64_t at);

/* Inserts or replaces one answer. */
enum err checklists_store_answer_put(struct db *db, const struct checklist_answer_row *a);
typedef int (*checklist_answer_fn)(const struct checklist_answer_row *a, void *ctx);
/* A job's answers; a->value borrowed for the call. */
enum err checklists_store_answers(struct db *db, int64_t ticket_id, checklist_answer_fn fn,
				  void *ctx);

/* The job's current visit: 1 + its reopens. */
enum err checklists_store_visit(struct db *db, int64_t ticket_id, int64_t *visit);
/* ERR_CONFLICT when the visit is signed already. */
enum err checklists_store_signoff_insert(struct db *db, struct signoff_row *s);
/* ERR_NOT_FOUND when the visit has no sign-off. */
enum err checklists_store_signoff_get(struct db *db, int64_t ticket_id, int64_t visit,
				      struct signoff_row *out);

/* For the demo: a job on a unit of model_id with an assignee, on site,
 * else resolved, else the latest done. ERR_NOT_FOUND when none. */
enum err checklists_store_demo_job(struct db *db, int64_t model_id, int64_t *ticket_id,
				   int64_t *assignee_id);

#endif
