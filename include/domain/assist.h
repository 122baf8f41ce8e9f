/* Remote expert assistance: the rules of a session (server/domain/assist.c).
 * Who may ask (the ticket's assignee; those who dispatch, on tickets in
 * their scope), who is offered the call (the product line's experts on
 * call, escalating to the next after assist-accept-min), who may join (the
 * ticket's technician, the accepting expert, supervisors whose scope holds
 * the ticket: nobody else), and the record a call leaves (ticket history,
 * the unit's timeline). Every function runs inside the caller's
 * transaction; refusals fill p and name the field. */
#ifndef FT_ASSIST_H
#define FT_ASSIST_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"
#include "core/problem.h"
#include "db/assist_store.h"

struct db;

#define ASSIST_ACCEPT_MIN_DEFAULT 5
#define ASSIST_LINK_TTL_S 600 /* join links: 10 minutes */
#define ASSIST_PRESENT_S 10   /* polled this recently: present */
#define ASSIST_RECORD_DAYS 7  /* the expert completes the record this long after */
#define ASSIST_POLL_MS 500    /* clients poll this often until connected */
#define ASSIST_PROBLEM_CHARS 1000
#define ASSIST_NOTES_CHARS 4000

/* Set once at start: an unanswered offer escalates after this long. */
void assist_configure(int accept_min);

/* The side user `who` joins s on ("technician", "expert", "supervisor"),
 * or NULL when they may not join. */
enum err assist_side_of(struct db *db, const struct assist_row *s, const struct principal *who,
			const char **side);
/* Whether who may see s: offered, expert, requester, or the ticket in
 * their scope. */
enum err assist_visible(struct db *db, const struct assist_row *s, const struct principal *who,
			int *visible);

struct assist_request {
	const char *problem;  /* NULL = "" */
	const char *language; /* NULL = any */
};
/* Opens a ringing session on ticket_id and offers it. ERR_CONFLICT with
 * p->extra {"session_id"} when the ticket has one open already. */
enum err assist_request_locked(struct db *db, const struct principal *who, int64_t ticket_id,
			       const struct assist_request *in, int64_t now, struct problem *p,
			       int64_t *id);
enum err assist_accept_locked(struct db *db, const struct principal *who, int64_t id, int64_t now,
			      struct problem *p);
enum err assist_decline_locked(struct db *db, const struct principal *who, int64_t id, int64_t now,
			       struct problem *p);
enum err assist_cancel_locked(struct db *db, const struct principal *who, int64_t id, int64_t now,
			      struct problem *p);
/* First call: connected_at and state live. */
enum err assist_connected_locked(struct db *db, int64_t id, int64_t now, struct problem *p);
/* outcome may be NULL (completed later), notes NULL = "". */
enum err assist_end_locked(struct db *db, int64_t id, int64_t user_id, const char *outcome,
			   const char *notes, int64_t now, struct problem *p);
/* The expert's completion of an ended session's record. */
enum err assist_complete_locked(struct db *db, const struct principal *who, int64_t id,
				const char *outcome, const char *notes, int64_t now,
				struct problem *p);
/* 1 when outcome is one the schema knows. */
int assist_outcome_known(const char *outcome);

/* The scheduler job: offers the next expert of every ringing session whose
 * latest offer is older than the accept window; unanswered when none is
 * left. */
enum err assist_escalate_run(struct db *db, int64_t now);

/* The Session document for who (caller decrefs). */
enum err assist_session_json(struct db *db, const struct assist_row *s, const struct principal *who,
			     json_t **out);

#endif
