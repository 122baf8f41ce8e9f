/* Store of remote-assistance sessions: the session, its offers, join
 * links, participants, the signalling mailbox and snapshots. All their SQL
 * lives in server/db/assist_store.c; callers open the transaction. */
#ifndef FT_ASSIST_STORE_H
#define FT_ASSIST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define ASSIST_PROBLEM_SIZE 4001 /* 1000 characters of UTF-8 */
#define ASSIST_NOTES_SIZE 16001  /* 4000 characters of UTF-8 */
#define ASSIST_SIGNAL_BODY_MAX 65536

struct assist_row {
	int64_t id, ticket_id;
	char product_line[64];
	int64_t requested_by;
	char language[9];
	char problem[ASSIST_PROBLEM_SIZE];
	char state[12];
	int64_t expert_id;                                         /* 0 = none */
	int64_t requested_at, accepted_at, connected_at, ended_at; /* 0 = not yet */
	char outcome[16];                                          /* "" = none */
	char notes[ASSIST_NOTES_SIZE];
	int64_t ended_by;
	/* Read-only, joined for display. */
	char requested_by_name[128];
	char expert_name[128];
};

/* Inserts s (id ignored, then set): ERR_CONFLICT when the ticket has an
 * open session already. */
enum err assist_store_insert(struct db *db, struct assist_row *s);
enum err assist_store_get(struct db *db, int64_t id, struct assist_row *out);
/* The ticket's open (ringing, accepted, live) session's id; ERR_NOT_FOUND. */
enum err assist_store_open_of_ticket(struct db *db, int64_t ticket_id, int64_t *id);
/* Writes state, expert, times, outcome, notes, ended_by where the state is
 * still from_state: ERR_CONFLICT when it is not any more. */
enum err assist_store_update(struct db *db, const struct assist_row *s, const char *from_state);

typedef int (*assist_row_fn)(const struct assist_row *s, void *ctx); /* nonzero stops */
/* Sessions newest first (at most limit), narrowed by state (NULL any), by
 * mine_user (offered to, accepted by, or requested by this user; 0 = not
 * narrowed) and by the tickets scope sc reaches (NULL = all), or by
 * ticket_id (> 0). */
struct assist_filter {
	const char *state;
	int64_t mine_user;
	const struct scope *sc;
	int64_t ticket_id;
};
enum err assist_store_list(struct db *db, const struct assist_filter *f, int limit,
			   assist_row_fn fn, void *ctx);
/* Ringing sessions whose latest offer is older than cutoff, by id. */
enum err assist_store_ringing_due(struct db *db, int64_t cutoff, assist_row_fn fn, void *ctx);

/* ---- offers --------------------------------------------------------------- */

struct assist_offer_row {
	int64_t session_id, user_id;
	char display_name[128];
	int step;
	int64_t offered_at;
	char answer[12]; /* "" = open */
	int64_t answered_at;
};
enum err assist_store_offer_add(struct db *db, int64_t session_id, int64_t user_id, int step,
				int64_t at);
typedef int (*assist_offer_fn)(const struct assist_offer_row *o, void *ctx);
/* By step, then user id. */
enum err assist_store_offers(struct db *db, int64_t session_id, assist_offer_fn fn, void *ctx);
/* Answers user_id's open offer: ERR_NOT_FOUND when there is none. */
enum err assist_store_offer_answer(struct db *db, int64_t session_id, int64_t user_id,
				   const char *answer, int64_t at);
/* Every open offer of the session becomes 'withdrawn'. */
enum err assist_store_offers_withdraw(struct db *db, int64_t session_id, int64_t at);

/* ---- join links and participants -------------------------------------------- */

enum err assist_store_link_add(struct db *db, const char *token_hash, int64_t session_id,
			       int64_t user_id, int64_t expires_at);
struct assist_link_row {
	int64_t session_id, user_id, expires_at, used_at;
};
enum err assist_store_link_get(struct db *db, const char *token_hash, struct assist_link_row *out);
/* Marks an unused link used: ERR_GONE when it was used already. */
enum err assist_store_link_use(struct db *db, const char *token_hash, int64_t at);

struct assist_participant_row {
	int64_t session_id, user_id;
	char side[12];
	char display_name[128];
	int64_t joined_at, last_seen_at, left_at;
};
enum err assist_store_participant_add(struct db *db, const char *key_hash, int64_t session_id,
				      int64_t user_id, const char *side, int64_t at);
enum err assist_store_participant_get(struct db *db, const char *key_hash,
				      struct assist_participant_row *out);
/* user_id's latest participation in the session. */
enum err assist_store_participant_of(struct db *db, int64_t session_id, int64_t user_id,
				     struct assist_participant_row *out);
/* Sets last_seen_at (and clears left_at) of every key of user_id in the
 * session. */
enum err assist_store_participant_seen(struct db *db, int64_t session_id, int64_t user_id,
				       int64_t at);
enum err assist_store_participant_leave(struct db *db, int64_t session_id, int64_t user_id,
					int64_t at);
typedef int (*assist_participant_fn)(const struct assist_participant_row *p, void *ctx);
/* One row per user who joined: the latest seen of their keys. */
enum err assist_store_participants(struct db *db, int64_t session_id, assist_participant_fn fn,
				   void *ctx);

/* ---- the signalling mailbox ----------------------------------------------------- */

struct assist_signal_row {
	int64_t id, from_user, to_user;
	char from_side[12];
	char kind[12];
	const char *body; /* borrowed for the callback */
	int64_t created_at;
};
enum err assist_store_signal_add(struct db *db, int64_t session_id, int64_t from_user,
				 const char *from_side, int64_t to_user, const char *kind,
				 const char *body, int64_t at, int64_t *id);
typedef int (*assist_signal_fn)(const struct assist_signal_row *s, void *ctx);
/* Signals after id `after` for user_id (addressed to them or to everyone,
 * not their own), oldest first, at most limit. */
enum err assist_store_signals(struct db *db, int64_t session_id, int64_t user_id, int64_t after,
			      int limit, assist_signal_fn fn, void *ctx);
enum err assist_store_signals_delete(struct db *db, int64_t session_id);

/* ---- snapshots ---------------------------------------------------------------- */

enum err assist_store_snapshot_add(struct db *db, int64_t session_id, int64_t attachment_id,
				   int64_t taken_by, int64_t at);
struct assist_snapshot_row {
	int64_t attachment_id, taken_by, taken_at;
	char client_uuid[37];
};
typedef int (*assist_snapshot_fn)(const struct assist_snapshot_row *s, void *ctx);
enum err assist_store_snapshots(struct db *db, int64_t session_id, assist_snapshot_fn fn,
				void *ctx);

/* ---- people and tickets ---------------------------------------------------------- */

/* user_id as a principal (role, home region, centre, scope) when enabled:
 * whose scope a join link's user has. ERR_NOT_FOUND when unknown or
 * disabled. */
enum err assist_store_principal(struct db *db, int64_t user_id, struct principal *out);
/* display_name, else username; ERR_NOT_FOUND. */
enum err assist_store_user_name(struct db *db, int64_t user_id, char *out, size_t size);

/* What a session shows of its ticket: never the customer's data. */
struct assist_ticket_brief {
	int64_t id, asset_id, assignee_id;
	char status[20];
	char title[256];
	char priority[4];
	char region_path[256];
	char centre[32];
	char serial[64];
	char model[65];
	char product_line[64];
	char site_city[128];
};
enum err assist_store_ticket_brief(struct db *db, int64_t ticket_id,
				   struct assist_ticket_brief *out);
/* Enabled users who may supervise a call on a ticket in region_path:
 * callback with their id (whose role the domain checks with the policy). */
typedef int (*assist_user_fn)(int64_t user_id, void *ctx);
enum err assist_store_region_users(struct db *db, const char *region_path, assist_user_fn fn,
				   void *ctx);

/* ---- analytics ---------------------------------------------------------------------- */

struct assist_stats_row {
	char product_line[64];
	int64_t requests, accepted, unanswered, fixed, visits_avoided;
	int64_t ended;                             /* with an outcome */
	double median_accept_s, median_duration_s; /* -1 = none */
};
typedef int (*assist_stats_fn)(const struct assist_stats_row *r, void *ctx);
/* Per product line, sessions requested in [from, to) on tickets sc
 * reaches (and of product_line when not NULL). */
enum err assist_store_stats(struct db *db, int64_t from, int64_t to, const char *product_line,
			    const struct scope *sc, assist_stats_fn fn, void *ctx);

#endif
