/* Remote expert assistance, part 1 (issue 19): expert profiles (a profile
 * of a user, not a role), the lines they answer for, each line's on-call
 * rota in the shifts' own time zones, and who is on call at an instant. */
#ifndef FT_EXPERTS_H
#define FT_EXPERTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/problem.h"

struct db;
struct audit_actor;

#define EXPERT_LANGUAGES_MAX 8
#define EXPERT_LINES_MAX 32
#define ROTA_SHIFTS_MAX 100

struct expert_candidate {
	int64_t user_id;
	char display_name[128];
	char source[8];     /* rota | lead | line */
	char languages[64]; /* "zh,en" (an addition to the design's struct) */
};

/* The escalation order for product_line at instant `at`: experts whose
 * rota shift covers `at` in the shift's own zone, in rota order; then the
 * line's lead if not already listed; then the line's other active experts
 * by id. Within each group those speaking `language` come first. Inactive
 * experts and disabled accounts never appear. Returns how many were
 * written (<= cap), or -1 on a database error. language may be NULL. */
int experts_on_call(struct db *db, const char *product_line, int64_t at, const char *language,
		    struct expert_candidate *out, int cap);

/* 1 when tag is a BCP 47 primary language tag as stored: 2-3 lowercase
 * letters ("zh", "en", "yue"). */
int experts_language_valid(const char *tag);

/* The Expert answer for user_id (caller decrefs): ERR_NOT_FOUND when the
 * user has no profile. */
enum err experts_json(struct db *db, int64_t user_id, json_t **out);
/* The Rota answer {"product_line", "shifts"} of line (caller decrefs). */
enum err experts_rota_json(struct db *db, const char *line, json_t **out);

/* Creates or replaces user_id's profile from body {"languages",
 * "product_lines", "active"}, in the caller's transaction, audited.
 * ERR_NOT_FOUND: no such user; ERR_INVALID: p names each bad field
 * (a disabled user is named "user_id"); ERR_CONFLICT: a line already has
 * another lead (the detail names "/product_lines/N/lead"). *created = 1 when new. */
enum err experts_put(struct db *db, const struct audit_actor *actor, int64_t user_id,
		     const json_t *body, struct problem *p, int *created);
/* Removes user_id's profile, lines and shifts, audited; ERR_NOT_FOUND when
 * there is none. */
enum err experts_delete(struct db *db, const struct audit_actor *actor, int64_t user_id);
/* Replaces line's rota from body {"shifts": [...]}, in the caller's
 * transaction, audited. ERR_NOT_FOUND: no such line; ERR_INVALID: p names
 * each bad field ("/shifts/2/start"). */
enum err experts_rota_put(struct db *db, const struct audit_actor *actor, const char *line,
			  const json_t *body, struct problem *p);

#endif
