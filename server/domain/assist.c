/* Remote expert assistance: the rules (include/domain/assist.h). Roles
 * never appear here: the policy's permissions and the ticket's scope say
 * who may do what. */
#include "domain/assist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "db/tickets_store.h"
#include "domain/experts.h"
#include "domain/notify.h"
#include "domain/tickets.h"
#include "domain/timeline.h"

#define CANDIDATES_MAX 32

static int accept_min = ASSIST_ACCEPT_MIN_DEFAULT;

void assist_configure(int minutes)
{
	accept_min = minutes > 0 ? minutes : ASSIST_ACCEPT_MIN_DEFAULT;
}

int assist_outcome_known(const char *outcome)
{
	static const char *const outcomes[] = { "fixed", "visit_needed", "escalated", "not_fixed" };

	for (size_t i = 0; outcome && i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strcmp(outcome, outcomes[i]) == 0)
			return 1;
	return 0;
}

static int is_open(const char *state)
{
	return strcmp(state, "ringing") == 0 || strcmp(state, "accepted") == 0 ||
	       strcmp(state, "live") == 0;
}

/* Whether the ticket is in who's ticket scope. */
static enum err ticket_in_scope(struct db *db, int64_t ticket_id, const struct principal *who,
				int *in)
{
	struct ticket_row *t = malloc(sizeof(*t));
	enum err e;

	if (!t)
		return ERR_INTERNAL;
	e = tickets_store_get(db, ticket_id, &who->scope, t);
	free(t);
	*in = e == ERR_OK;
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err assist_side_of(struct db *db, const struct assist_row *s, const struct principal *who,
			const char **side)
{
	struct assist_ticket_brief b;
	enum err e = assist_store_ticket_brief(db, s->ticket_id, &b);
	int in = 0;

	*side = NULL;
	if (e != ERR_OK)
		return e;
	if (b.assignee_id && b.assignee_id == who->user_id) {
		*side = "technician";
		return ERR_OK;
	}
	if (s->expert_id && s->expert_id == who->user_id) {
		*side = "expert";
		return ERR_OK;
	}
	if (!policy_allows(who->role, PERM_ASSIST_SUPERVISE))
		return ERR_OK;
	e = ticket_in_scope(db, s->ticket_id, who, &in);
	if (e == ERR_OK && in)
		*side = "supervisor";
	return e;
}

struct offered {
	int64_t user_id;
	int found, open, total, max_step;
};

static int find_offer(const struct assist_offer_row *o, void *ctx)
{
	struct offered *f = ctx;

	f->total++;
	if (o->step > f->max_step)
		f->max_step = o->step;
	if (!o->answer[0])
		f->open++;
	if (o->user_id == f->user_id)
		f->found = o->answer[0] ? 2 : 1; /* 1 open, 2 answered */
	return 0;
}

enum err assist_visible(struct db *db, const struct assist_row *s, const struct principal *who,
			int *visible)
{
	struct offered f = { .user_id = who->user_id };
	enum err e;

	*visible = s->requested_by == who->user_id || s->expert_id == who->user_id;
	if (*visible)
		return ERR_OK;
	e = assist_store_offers(db, s->id, find_offer, &f);
	if (e != ERR_OK)
		return e;
	if (f.found) {
		*visible = 1;
		return ERR_OK;
	}
	return ticket_in_scope(db, s->ticket_id, who, visible);
}

/* ---- notifications and the record ---------------------------------------------------------- */

static enum err tell(struct db *db, int64_t user_id, const struct assist_row *s, const char *kind,
		     const char *title)
{
	char number[24], dedupe[96];
	json_t *data;
	enum err e;

	tickets_number(s->ticket_id, number);
	data = json_pack("{s:I, s:s, s:I, s:s, s:s}", "ticket_id", (json_int_t)s->ticket_id,
			 "number", number, "session_id", (json_int_t)s->id, "product_line",
			 s->product_line, "url", "");
	if (!data)
		return ERR_INTERNAL;
	{
		char url[64];

		snprintf(url, sizeof(url), "/console/assist/%lld", (long long)s->id);
		json_object_set_new(data, "url", json_string(url));
	}
	snprintf(dedupe, sizeof(dedupe), "%s:%lld:%lld", kind, (long long)s->id,
		 (long long)user_id);
	e = notify_user(db, user_id, kind, title, data, dedupe);
	json_decref(data);
	return e;
}

static enum err history(struct db *db, const struct assist_row *s, const char *action,
			int64_t actor_id, int64_t now, json_t *detail)
{
	struct assist_ticket_brief b;
	enum err e = detail ? assist_store_ticket_brief(db, s->ticket_id, &b) : ERR_INTERNAL;

	if (e == ERR_OK) {
		json_object_set_new(detail, "session_id", json_integer(s->id));
		e = tickets_event_locked(db, s->ticket_id,
					 &(struct ticket_event_in){ .at = now,
								    .action = action,
								    .from = b.status,
								    .to = b.status,
								    .actor_id = actor_id,
								    .detail = detail });
	}
	json_decref(detail);
	return e;
}

/* ---- offers ----------------------------------------------------------------------------- */

static int already_offered(struct db *db, int64_t session_id, int64_t user_id, enum err *e)
{
	struct offered f = { .user_id = user_id };

	*e = assist_store_offers(db, session_id, find_offer, &f);
	return f.found != 0;
}

static enum err offer(struct db *db, const struct assist_row *s, int64_t user_id, int step,
		      int64_t now)
{
	enum err e = assist_store_offer_add(db, s->id, user_id, step, now);

	if (e == ERR_OK)
		e = tell(db, user_id, s, "assist.requested", "Remote assistance requested");
	return e;
}

struct supervisors_ctx {
	struct db *db;
	const struct assist_row *s;
	enum err e;
};

static int tell_supervisor(int64_t user_id, void *arg)
{
	struct supervisors_ctx *c = arg;
	struct principal who;

	c->e = assist_store_principal(c->db, user_id, &who);
	if (c->e == ERR_NOT_FOUND) {
		c->e = ERR_OK;
		return 0;
	}
	if (c->e == ERR_OK && policy_allows(who.role, PERM_ASSIST_SUPERVISE) &&
	    user_id != c->s->requested_by)
		c->e =
		    tell(c->db, user_id, c->s, "assist.unanswered", "Remote assistance unanswered");
	return c->e != ERR_OK;
}

/* Nobody left to ask: the requester and the region's supervisors hear. */
static enum err unanswered(struct db *db, struct assist_row *s, int64_t now)
{
	struct assist_ticket_brief b;
	struct supervisors_ctx c = { .db = db, .s = s };
	enum err e;

	strcpy(s->state, "unanswered");
	s->ended_at = now;
	e = assist_store_update(db, s, "ringing");
	if (e == ERR_OK)
		e = assist_store_offers_withdraw(db, s->id, now);
	if (e == ERR_OK)
		e = history(db, s, "assist_unanswered", 0, now, json_object());
	if (e == ERR_OK)
		e = tell(db, s->requested_by, s, "assist.unanswered",
			 "Remote assistance unanswered");
	if (e == ERR_OK)
		e = assist_store_ticket_brief(db, s->ticket_id, &b);
	if (e == ERR_OK)
		e = assist_store_region_users(db, b.region_path, tell_supervisor, &c);
	return e == ERR_OK ? c.e : e;
}

/* Offers the next candidate not yet offered (step + 1); unanswered when
 * none is left. */
static enum err offer_next(struct db *db, struct assist_row *s, int64_t now)
{
	struct expert_candidate *c = calloc(CANDIDATES_MAX, sizeof(*c));
	struct offered f = { .user_id = 0 };
	enum err e = c ? assist_store_offers(db, s->id, find_offer, &f) : ERR_INTERNAL;
	int n = 0;

	if (e == ERR_OK) {
		n = experts_on_call(db, s->product_line, now, s->language[0] ? s->language : NULL,
				    c, CANDIDATES_MAX);
		if (n < 0)
			e = ERR_DB;
	}
	for (int i = 0; e == ERR_OK && i < n; i++) {
		if (c[i].user_id == s->requested_by || already_offered(db, s->id, c[i].user_id, &e))
			continue;
		if (e == ERR_OK) {
			e = offer(db, s, c[i].user_id, f.max_step + 1, now);
			free(c);
			return e;
		}
	}
	free(c);
	return e == ERR_OK ? unanswered(db, s, now) : e;
}

enum err assist_request_locked(struct db *db, const struct principal *who, int64_t ticket_id,
			       const struct assist_request *in, int64_t now, struct problem *p,
			       int64_t *id)
{
	struct expert_candidate *c = NULL;
	struct assist_ticket_brief b;
	struct assist_row *s = NULL;
	int64_t open_id = 0;
	int in_scope = 0, n, offered = 0;
	enum err e;

	e = ticket_in_scope(db, ticket_id, who, &in_scope);
	if (e != ERR_OK)
		return e;
	if (!in_scope)
		return problem_fail(p, ERR_NOT_FOUND, "no such ticket");
	e = assist_store_ticket_brief(db, ticket_id, &b);
	if (e != ERR_OK)
		return e;
	/* Technicians ask on their own jobs; those who dispatch, on any in scope. */
	if (b.assignee_id != who->user_id && !policy_allows(who->role, PERM_TICKETS_DISPATCH))
		return problem_fail(
		    p, ERR_FORBIDDEN,
		    "only the ticket's assignee or its dispatchers ask for an expert");
	if (!b.asset_id || !b.product_line[0]) {
		problem_invalid(p, "ticket", "the ticket has no unit, so no product line");
		return ERR_CONFLICT;
	}
	e = assist_store_open_of_ticket(db, ticket_id, &open_id);
	if (e == ERR_OK) {
		problem_fail(p, ERR_CONFLICT, "the ticket has an open assistance session");
		json_decref(p->extra);
		p->extra = json_pack("{s:I}", "session_id", (json_int_t)open_id);
		return ERR_CONFLICT;
	}
	if (e != ERR_NOT_FOUND)
		return e;
	c = calloc(CANDIDATES_MAX, sizeof(*c));
	s = calloc(1, sizeof(*s));
	if (!c || !s) {
		e = ERR_INTERNAL;
		goto out;
	}
	n = experts_on_call(db, b.product_line, now, in->language, c, CANDIDATES_MAX);
	if (n < 0) {
		e = ERR_DB;
		goto out;
	}
	s->ticket_id = ticket_id;
	snprintf(s->product_line, sizeof(s->product_line), "%s", b.product_line);
	s->requested_by = who->user_id;
	snprintf(s->language, sizeof(s->language), "%s", in->language ? in->language : "");
	snprintf(s->problem, sizeof(s->problem), "%s", in->problem ? in->problem : "");
	s->requested_at = now;
	e = assist_store_insert(db, s);
	if (e != ERR_OK)
		goto out;
	/* Step 1: everyone the rota has on call now; else the first in line. */
	for (int i = 0; e == ERR_OK && i < n; i++)
		if (strcmp(c[i].source, "rota") == 0 && c[i].user_id != who->user_id) {
			e = offer(db, s, c[i].user_id, 1, now);
			offered++;
		}
	for (int i = 0; e == ERR_OK && !offered && i < n; i++)
		if (c[i].user_id != who->user_id) {
			e = offer(db, s, c[i].user_id, 1, now);
			offered++;
		}
	if (e == ERR_OK && !offered) {
		problem_invalid(p, "product_line", "product line %s has no expert to ask",
				b.product_line);
		e = ERR_CONFLICT;
		goto out;
	}
	if (e == ERR_OK)
		e = history(db, s, "assist_requested", who->user_id, now,
			    json_pack("{s:s, s:s, s:i}", "product_line", s->product_line,
				      "language", s->language, "offered", offered));
	if (e == ERR_OK)
		*id = s->id;
out:
	free(c);
	free(s);
	return e;
}

static enum err load(struct db *db, int64_t id, struct assist_row *s, struct problem *p)
{
	enum err e = assist_store_get(db, id, s);

	if (e == ERR_NOT_FOUND)
		return problem_fail(p, ERR_NOT_FOUND, "no such assistance session");
	return e;
}

static enum err state_conflict(struct problem *p, const char *state)
{
	problem_invalid(p, "state", "the session is %s", state);
	return ERR_CONFLICT;
}

enum err assist_accept_locked(struct db *db, const struct principal *who, int64_t id, int64_t now,
			      struct problem *p)
{
	struct assist_row *s = malloc(sizeof(*s));
	struct offered f = { .user_id = who->user_id };
	enum err e = s ? load(db, id, s, p) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = assist_store_offers(db, id, find_offer, &f);
	if (e != ERR_OK)
		goto out;
	if (!f.found) {
		e = problem_fail(p, ERR_FORBIDDEN, "the call was not offered to you");
		goto out;
	}
	if (strcmp(s->state, "ringing") != 0 || f.found != 1) {
		e = state_conflict(p,
				   strcmp(s->state, "ringing") != 0 ? s->state : "answered by you");
		goto out;
	}
	e = assist_store_offer_answer(db, id, who->user_id, "accepted", now);
	if (e == ERR_OK)
		e = assist_store_offers_withdraw(db, id, now);
	if (e == ERR_OK) {
		strcpy(s->state, "accepted");
		s->expert_id = who->user_id;
		s->accepted_at = now;
		e = assist_store_update(db, s, "ringing");
	}
	if (e == ERR_OK)
		e = history(db, s, "assist_accepted", who->user_id, now,
			    json_pack("{s:I, s:I}", "expert_id", (json_int_t)who->user_id,
				      "accept_s", (json_int_t)(now - s->requested_at)));
	if (e == ERR_OK)
		e = tell(db, s->requested_by, s, "assist.accepted", "An expert accepted the call");
out:
	free(s);
	return e;
}

enum err assist_decline_locked(struct db *db, const struct principal *who, int64_t id, int64_t now,
			       struct problem *p)
{
	struct assist_row *s = malloc(sizeof(*s));
	struct offered f = { .user_id = who->user_id };
	enum err e = s ? load(db, id, s, p) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = assist_store_offers(db, id, find_offer, &f);
	if (e != ERR_OK)
		goto out;
	if (!f.found) {
		e = problem_fail(p, ERR_FORBIDDEN, "the call was not offered to you");
		goto out;
	}
	if (strcmp(s->state, "ringing") != 0 || f.found != 1) {
		e = state_conflict(p,
				   strcmp(s->state, "ringing") != 0 ? s->state : "answered by you");
		goto out;
	}
	e = assist_store_offer_answer(db, id, who->user_id, "declined", now);
	/* Everyone asked said no: the next one is asked at once. */
	if (e == ERR_OK && f.open == 1)
		e = offer_next(db, s, now);
out:
	free(s);
	return e;
}

enum err assist_cancel_locked(struct db *db, const struct principal *who, int64_t id, int64_t now,
			      struct problem *p)
{
	struct assist_row *s = malloc(sizeof(*s));
	const char *side = NULL;
	char from[12];
	enum err e = s ? load(db, id, s, p) : ERR_INTERNAL;

	if (e == ERR_OK && s->requested_by != who->user_id)
		e = assist_side_of(db, s, who, &side);
	if (e != ERR_OK)
		goto out;
	if (s->requested_by != who->user_id && !(side && strcmp(side, "supervisor") == 0)) {
		e = problem_fail(p, ERR_FORBIDDEN, "only the requester or a supervisor cancels");
		goto out;
	}
	if (strcmp(s->state, "ringing") != 0 && strcmp(s->state, "accepted") != 0) {
		e = state_conflict(p, s->state);
		goto out;
	}
	snprintf(from, sizeof(from), "%s", s->state);
	strcpy(s->state, "cancelled");
	s->ended_at = now;
	s->ended_by = who->user_id;
	e = assist_store_update(db, s, from);
	if (e == ERR_OK)
		e = assist_store_offers_withdraw(db, id, now);
	if (e == ERR_OK)
		e = assist_store_signals_delete(db, id);
	if (e == ERR_OK)
		e = history(db, s, "assist_cancelled", who->user_id, now, json_object());
out:
	free(s);
	return e;
}

enum err assist_connected_locked(struct db *db, int64_t id, int64_t now, struct problem *p)
{
	struct assist_row *s = malloc(sizeof(*s));
	enum err e = s ? load(db, id, s, p) : ERR_INTERNAL;

	if (e == ERR_OK && strcmp(s->state, "accepted") == 0) {
		strcpy(s->state, "live");
		s->connected_at = now;
		e = assist_store_update(db, s, "accepted");
	} else if (e == ERR_OK && strcmp(s->state, "live") != 0) {
		e = state_conflict(p, s->state);
	}
	free(s);
	return e;
}

static int64_t duration_of(const struct assist_row *s)
{
	int64_t from = s->connected_at ? s->connected_at : s->accepted_at;

	return s->ended_at && from ? s->ended_at - from : -1;
}

enum err assist_end_locked(struct db *db, int64_t id, int64_t user_id, const char *outcome,
			   const char *notes, int64_t now, struct problem *p)
{
	struct assist_row *s = malloc(sizeof(*s));
	struct assist_ticket_brief b;
	char from[12], summary[256];
	enum err e = s ? load(db, id, s, p) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	if (strcmp(s->state, "accepted") != 0 && strcmp(s->state, "live") != 0) {
		e = state_conflict(p, s->state);
		goto out;
	}
	snprintf(from, sizeof(from), "%s", s->state);
	strcpy(s->state, "ended");
	s->ended_at = now;
	s->ended_by = user_id;
	snprintf(s->outcome, sizeof(s->outcome), "%s", outcome ? outcome : "");
	if (notes)
		snprintf(s->notes, sizeof(s->notes), "%s", notes);
	e = assist_store_update(db, s, from);
	if (e == ERR_OK)
		e = assist_store_signals_delete(db, id);
	if (e == ERR_OK)
		e = history(db, s, "assist_ended", user_id, now,
			    json_pack("{s:I, s:s?, s:I}", "expert_id", (json_int_t)s->expert_id,
				      "outcome", outcome, "duration_s",
				      (json_int_t)duration_of(s)));
	if (e == ERR_OK)
		e = assist_store_ticket_brief(db, s->ticket_id, &b);
	if (e == ERR_OK && b.asset_id) {
		json_t *detail =
		    json_pack("{s:I, s:I, s:s, s:I, s:s?}", "session_id", (json_int_t)s->id,
			      "ticket_id", (json_int_t)s->ticket_id, "expert", s->expert_name,
			      "duration_s", (json_int_t)duration_of(s), "outcome", outcome);

		snprintf(summary, sizeof(summary), "Remote assistance by %s, %lld min%s%s",
			 s->expert_name, (long long)((duration_of(s) + 59) / 60),
			 outcome ? ": " : "", outcome ? outcome : "");
		e = detail ? asset_timeline_append(db, b.asset_id, now, "assist", summary, detail,
						   user_id)
			   : ERR_INTERNAL;
		json_decref(detail);
	}
out:
	free(s);
	return e;
}

enum err assist_complete_locked(struct db *db, const struct principal *who, int64_t id,
				const char *outcome, const char *notes, int64_t now,
				struct problem *p)
{
	struct assist_row *s = malloc(sizeof(*s));
	enum err e = s ? load(db, id, s, p) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	if (s->expert_id != who->user_id) {
		e = problem_fail(p, ERR_FORBIDDEN, "only the call's expert completes its record");
		goto out;
	}
	if (strcmp(s->state, "ended") != 0) {
		e = state_conflict(p, s->state);
		goto out;
	}
	if (now > s->ended_at + ASSIST_RECORD_DAYS * 86400) {
		problem_invalid(p, "state", "the record closed %d days after the call",
				ASSIST_RECORD_DAYS);
		e = ERR_CONFLICT;
		goto out;
	}
	if (outcome)
		snprintf(s->outcome, sizeof(s->outcome), "%s", outcome);
	if (notes)
		snprintf(s->notes, sizeof(s->notes), "%s", notes);
	e = assist_store_update(db, s, "ended");
	if (e == ERR_OK)
		e = history(db, s, "assist_record", who->user_id, now,
			    json_pack("{s:s?}", "outcome", s->outcome[0] ? s->outcome : NULL));
out:
	free(s);
	return e;
}

/* ---- escalation ------------------------------------------------------------------------------ */

struct due_ctx {
	int64_t *ids;
	size_t n, cap;
};

static int take_due(const struct assist_row *s, void *arg)
{
	struct due_ctx *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		int64_t *ids = realloc(c->ids, cap * sizeof(*ids));

		if (!ids)
			return 1;
		c->ids = ids;
		c->cap = cap;
	}
	c->ids[c->n++] = s->id;
	return 0;
}

enum err assist_escalate_run(struct db *db, int64_t now)
{
	struct due_ctx due = { 0 };
	struct assist_row *s = malloc(sizeof(*s));
	enum err e =
	    s ? assist_store_ringing_due(db, now - (int64_t)accept_min * 60, take_due, &due)
	      : ERR_INTERNAL;

	/* One short transaction per session. */
	for (size_t i = 0; e == ERR_OK && i < due.n; i++) {
		e = db_begin(db);
		if (e == ERR_OK)
			e = assist_store_get(db, due.ids[i], s);
		if (e == ERR_OK && strcmp(s->state, "ringing") == 0)
			e = offer_next(db, s, now);
		if (e == ERR_OK)
			e = db_commit(db);
		if (e != ERR_OK) {
			db_rollback(db);
			log_error("assist: escalating session %lld failed", (long long)due.ids[i]);
		}
	}
	free(due.ids);
	free(s);
	return e;
}

/* ---- the Session document ---------------------------------------------------------------------- */

static json_t *person(int64_t user_id, const char *name)
{
	return user_id
		   ? json_pack("{s:I, s:s}", "user_id", (json_int_t)user_id, "display_name", name)
		   : json_null();
}

static json_t *time_or_null(int64_t t)
{
	char text[32];

	if (!t)
		return json_null();
	clock_format(t, text, sizeof(text));
	return json_string(text);
}

static int offer_json(const struct assist_offer_row *o, void *ctx)
{
	return json_array_append_new(
		   ctx, json_pack("{s:I, s:s, s:i, s:o, s:o}", "user_id", (json_int_t)o->user_id,
				  "display_name", o->display_name, "step", o->step, "offered_at",
				  time_or_null(o->offered_at), "answer",
				  o->answer[0] ? json_string(o->answer) : json_null())) != 0;
}

struct snap_ctx {
	json_t *items;
	int64_t ticket_id;
};

static int snapshot_json(const struct assist_snapshot_row *n, void *arg)
{
	struct snap_ctx *c = arg;
	char url[128];

	snprintf(url, sizeof(url), "/v1/tickets/%lld/attachments/%s", (long long)c->ticket_id,
		 n->client_uuid);
	return json_array_append_new(c->items, json_pack("{s:I, s:s, s:o}", "attachment_id",
							 (json_int_t)n->attachment_id, "url", url,
							 "taken_at", time_or_null(n->taken_at))) !=
	       0;
}

enum err assist_session_json(struct db *db, const struct assist_row *s, const struct principal *who,
			     json_t **out)
{
	struct offered f = { .user_id = who->user_id };
	struct assist_ticket_brief b;
	struct snap_ctx snaps = { .items = json_array(), .ticket_id = s->ticket_id };
	json_t *offers = json_array(), *doc;
	const char *side = NULL;
	char number[24];
	int64_t dur = duration_of(s);
	enum err e = offers && snaps.items ? ERR_OK : ERR_INTERNAL;

	*out = NULL;
	if (e == ERR_OK)
		e = assist_store_ticket_brief(db, s->ticket_id, &b);
	if (e == ERR_OK)
		e = assist_store_offers(db, s->id, offer_json, offers);
	if (e == ERR_OK)
		e = assist_store_offers(db, s->id, find_offer, &f);
	if (e == ERR_OK)
		e = assist_store_snapshots(db, s->id, snapshot_json, &snaps);
	if (e == ERR_OK && is_open(s->state))
		e = assist_side_of(db, s, who, &side);
	if (e != ERR_OK) {
		json_decref(offers);
		json_decref(snaps.items);
		return e;
	}
	tickets_number(s->ticket_id, number);
	doc = json_pack(
	    "{s:I, s:{s:I, s:s, s:s, s:s, s:o, s:s}, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:o, s:s, s:o, s:b, s:{s:b, s:b, s:b}}",
	    "id", (json_int_t)s->id, "ticket", "id", (json_int_t)s->ticket_id, "number", number,
	    "title", b.title, "priority", b.priority, "unit",
	    b.asset_id ? json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)b.asset_id, "serial",
				   b.serial, "model", b.model, "product_line", b.product_line)
		       : json_null(),
	    "site_city", b.site_city, "state", s->state, "problem", s->problem, "language",
	    s->language, "requested_by", person(s->requested_by, s->requested_by_name), "expert",
	    person(s->expert_id, s->expert_name), "offers", offers, "requested_at",
	    time_or_null(s->requested_at), "accepted_at", time_or_null(s->accepted_at),
	    "connected_at", time_or_null(s->connected_at), "ended_at", time_or_null(s->ended_at),
	    "duration_s", dur >= 0 ? json_integer(dur) : json_null(), "outcome",
	    s->outcome[0] ? json_string(s->outcome) : json_null(), "notes", s->notes, "snapshots",
	    snaps.items, "recording", 0, "can", "accept",
	    strcmp(s->state, "ringing") == 0 && f.found == 1, "join",
	    side && strcmp(s->state, "ringing") != 0, "end",
	    side && strcmp(s->state, "ringing") != 0);
	if (!doc)
		return ERR_INTERNAL;
	*out = doc;
	return ERR_OK;
}
