/* Store of recurring problems: detection's groups and tickets, the
 * problem records, their tickets and the people told. All SQL for them
 * lives in server/db/problems_store.c. */
#ifndef FT_PROBLEMS_STORE_H
#define FT_PROBLEMS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

enum problem_kind {
	PROBLEM_LOT = 0, /* most specific first: detection's order */
	PROBLEM_BATCH,
	PROBLEM_REVISION,
	PROBLEM_MODEL,
	PROBLEM__KINDS
};

/* A factor: which columns a kind uses (others 0 / ""). */
struct problem_factor {
	enum problem_kind kind;
	char fault_code[64];
	int64_t model_id;     /* model, revision */
	char value[128];      /* revision, batch or lot */
	char part_number[64]; /* lot */
};

struct problem_settings {
	int64_t window_days, threshold, run_every_minutes, last_run_at;
};
enum err problems_store_settings(struct db *db, struct problem_settings *out);
enum err problems_store_mark_run(struct db *db, int64_t now);

/* Groups of one kind among tickets resolved since `since` that belong to
 * no problem yet, with how many such tickets each has, biggest first. */
typedef int (*problem_group_fn)(const struct problem_factor *f, int64_t count, void *ctx);
enum err problems_store_groups(struct db *db, enum problem_kind kind, int64_t since,
			       problem_group_fn fn, void *ctx);

/* The unattached tickets of a factor resolved since `since`, in id order. */
typedef int (*problem_ticket_fn)(int64_t ticket_id, int64_t asset_id, void *ctx);
enum err problems_store_group_tickets(struct db *db, const struct problem_factor *f, int64_t since,
				      problem_ticket_fn fn, void *ctx);

/* The problem of this factor that is not closed: its id, or ERR_NOT_FOUND. */
enum err problems_store_find_open(struct db *db, const struct problem_factor *f, int64_t *id_out);

enum err problems_store_insert(struct db *db, const struct problem_factor *f,
			       const struct problem_settings *s, int64_t now, int64_t *id_out);
/* Attaches a ticket and counts it; ERR_CONFLICT when it belongs to a
 * problem already. */
enum err problems_store_attach(struct db *db, int64_t problem_id, int64_t ticket_id,
			       int64_t asset_id, int64_t now);

/* Who hears of a new problem: quality_owners, or when none, the admins and
 * the supervisors of top-level regions (enabled accounts only). */
typedef int (*problem_user_fn)(int64_t user_id, void *ctx);
enum err problems_store_owners(struct db *db, problem_user_fn fn, void *ctx);

/* ---- records -------------------------------------------------------------- */

struct problem_row {
	int64_t id;
	struct problem_factor factor;
	char model_code[65]; /* "" when none */
	char status[24];
	int64_t owner_id; /* 0 = none */
	char owner[64];
	char corrective_action[2048];
	int64_t window_days, threshold, ticket_count;
	int64_t opened_at, updated_at, closed_at; /* closed_at 0 = open */
	int64_t version;
};

const char *problems_kind_name(enum problem_kind kind); /* "lot", ... */
int problems_kind_parse(const char *name);              /* -1 unknown */

enum err problems_store_get(struct db *db, int64_t id, struct problem_row *out);

/* Newest first, ids below before_id (0 = from the newest); status NULL = any. */
typedef int (*problem_row_fn)(const struct problem_row *p, void *ctx);
enum err problems_store_list(struct db *db, const char *status, int64_t before_id, int limit,
			     problem_row_fn fn, void *ctx);

/* Writes owner_id (0 = none), status, corrective_action, closed_at and
 * updated_at, bumping version. */
enum err problems_store_update(struct db *db, const struct problem_row *p);

struct problem_ticket {
	int64_t ticket_id, asset_id; /* asset 0 = none */
	char serial[64];
	char status[20];
	char region_path[256];
	char centre[32];
	int64_t created_at, resolved_at;
	int64_t added_at;
};
typedef int (*problem_ticket_row_fn)(const struct problem_ticket *t, void *ctx);
enum err problems_store_tickets(struct db *db, int64_t problem_id, problem_ticket_row_fn fn,
				void *ctx);

/* Is user_id an enabled account? ERR_NOT_FOUND when not. */
enum err problems_store_user_ok(struct db *db, int64_t user_id);

#endif
