/* SQL of experts, their product lines and the lines' on-call rotas
 * (migration 0025). Rows handed to callbacks are borrowed for the call. */
#ifndef FT_EXPERTS_STORE_H
#define FT_EXPERTS_STORE_H

#include <stdint.h>

#include "core/err.h"

struct db;

struct expert_row {
	int64_t user_id;
	const char *username;     /* borrowed */
	const char *display_name; /* borrowed */
	const char *role;         /* borrowed */
	const char *languages;    /* "zh,en"; borrowed */
	int active;
	int disabled; /* the user's account */
};
typedef int (*expert_row_fn)(const struct expert_row *row, void *ctx);

/* One of an expert's lines. */
typedef int (*expert_line_fn)(const char *code, int lead, void *ctx);

struct shift_row {
	int64_t user_id;
	const char *display_name; /* borrowed */
	const char *languages;    /* borrowed */
	int days;                 /* Mon=1 .. Sun=64 */
	int start_min, end_min;
	const char *time_zone; /* borrowed */
};
typedef int (*shift_row_fn)(const struct shift_row *row, void *ctx);

/* Listing filters; NULL / -1 = any. */
struct expert_filter {
	const char *product_line;
	const char *language; /* one primary tag */
	int active;
};

/* Calls fn with expert user_id; ERR_NOT_FOUND when the user has no profile. */
enum err experts_store_get(struct db *db, int64_t user_id, expert_row_fn fn, void *ctx);
/* Experts matching f, by user id; fn returns 0 to go on. */
enum err experts_store_list(struct db *db, const struct expert_filter *f, expert_row_fn fn,
			    void *ctx);
/* user_id's lines by code. */
enum err experts_store_lines(struct db *db, int64_t user_id, expert_line_fn fn, void *ctx);
/* ERR_OK with *disabled when the user exists, else ERR_NOT_FOUND. */
enum err experts_store_user_state(struct db *db, int64_t user_id, int *disabled);
/* ERR_OK when the product line exists, else ERR_NOT_FOUND. */
enum err experts_store_line_exists(struct db *db, const char *code);
/* The lead of line other than user_id into *lead_id (0 = none). */
enum err experts_store_other_lead(struct db *db, const char *line, int64_t user_id,
				  int64_t *lead_id);
/* Creates or replaces the profile of user_id; *created = 1 when new. */
enum err experts_store_put(struct db *db, int64_t user_id, const char *languages, int active,
			   int64_t now, int *created);
/* Makes user_id's lines exactly lines_json (a JSON array of
 * {"code":..,"lead":0|1}); dropped lines take their rota shifts along. */
enum err experts_store_lines_put(struct db *db, int64_t user_id, const char *lines_json);
/* Removes the profile, its lines and shifts: ERR_NOT_FOUND when none. */
enum err experts_store_delete(struct db *db, int64_t user_id);
/* 1 in *ok when user_id is an active expert of line with an enabled account. */
enum err experts_store_serves(struct db *db, int64_t user_id, const char *line, int *ok);

/* The rota of line in escalation order (every shift, whoever it names). */
enum err experts_store_rota(struct db *db, const char *line, shift_row_fn fn, void *ctx);
/* Only the shifts of active experts with enabled accounts, in order. */
enum err experts_store_rota_live(struct db *db, const char *line, shift_row_fn fn, void *ctx);
/* Replaces the rota of line with shifts_json (a JSON array of {"user_id",
 * "days", "start_min", "end_min", "time_zone"}), positions in array order. */
enum err experts_store_rota_put(struct db *db, const char *line, const char *shifts_json);
/* The line's active experts with enabled accounts, lead first then by id;
 * *row's role field carries "lead" or "line". */
enum err experts_store_line_experts(struct db *db, const char *line, expert_row_fn fn, void *ctx);

#endif
