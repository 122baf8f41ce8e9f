/* Store of SLA warning levels, escalation chains and ticket alerts. */
#ifndef FT_ESCALATION_STORE_H
#define FT_ESCALATION_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

#define ESCALATION_LEVELS 3

/* Warning percents and escalation after-percents, by level 1..3 (index
 * level - 1); names of the escalation levels. */
struct escalation_config {
	int warning_percent[ESCALATION_LEVELS];
	int escalation_after[ESCALATION_LEVELS];
	char escalation_name[ESCALATION_LEVELS][64];
};
enum err escalation_store_config(struct db *db, struct escalation_config *out);
enum err escalation_store_config_put(struct db *db, const struct escalation_config *c);

/* An open, running ticket with at least one unmet target whose first
 * warning is due by now. */
struct watched_ticket {
	int64_t id;
	char status[20];
	char centre[32];
	int64_t assignee_id;
	int64_t created_at;
	int64_t due[3];        /* response, arrival, resolution */
	int64_t met[3];        /* 0 = not yet */
	char region_path[256]; /* where the ticket is: whose webhooks hear of it */
};
/* Up to max tickets, oldest first, after after_id. *n receives how many. */
enum err escalation_store_watched(struct db *db, int64_t now, int first_percent, int64_t after_id,
				  struct watched_ticket *out, size_t max, size_t *n);

/* Records one alert; *added = 1 when it is new (0: recorded before). */
enum err escalation_store_alert_add(struct db *db, int64_t ticket_id, const char *target,
				    const char *kind, int level, int64_t at, int *added);
/* The highest escalation level recorded for a target (0 = none). */
enum err escalation_store_level(struct db *db, int64_t ticket_id, const char *target, int *level);

struct ticket_alert {
	char target[16];
	char kind[16];
	int level;
	int64_t at;
};
typedef int (*ticket_alert_fn)(const struct ticket_alert *a, void *ctx);
enum err escalation_store_alerts(struct db *db, int64_t ticket_id, ticket_alert_fn fn, void *ctx);

/* People to tell. A recipient callback gets each user id and username. */
typedef int (*recipient_fn)(int64_t user_id, const char *username, void *ctx);
/* Configured contacts of centre at level (none: nothing called). */
enum err escalation_store_contacts(struct db *db, const char *centre, int level, recipient_fn fn,
				   void *ctx);
/* Active supervisors whose region contains the centre's region, nearest
 * (longest path) first, with the depth of their region's path. */
typedef int (*supervisor_fn)(int64_t user_id, const char *username, size_t path_len, void *ctx);
enum err escalation_store_supervisors(struct db *db, const char *centre, supervisor_fn fn,
				      void *ctx);
/* Active admins; active dispatchers of a centre. */
enum err escalation_store_admins(struct db *db, recipient_fn fn, void *ctx);
enum err escalation_store_dispatchers(struct db *db, const char *centre, recipient_fn fn,
				      void *ctx);
enum err escalation_store_username(struct db *db, int64_t user_id, char out[64]);

/* The configured chain of a centre (level, user) and its replacement. */
struct chain_entry {
	int level;
	int64_t user_id;
};
typedef int (*chain_fn)(int level, int64_t user_id, const char *username, void *ctx);
enum err escalation_store_chain(struct db *db, const char *centre, chain_fn fn, void *ctx);
enum err escalation_store_chain_put(struct db *db, const char *centre,
				    const struct chain_entry *entries, size_t n);
/* An active user (not disabled): ERR_NOT_FOUND otherwise. */
enum err escalation_store_user_active(struct db *db, int64_t user_id);

#endif
