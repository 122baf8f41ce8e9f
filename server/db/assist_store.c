/* SQL of remote-assistance sessions (include/db/assist_store.h). Ticket
 * scope fragments bind ?1..?6 as tickets_store.c's TICKET_SCOPE does. */
#include "db/assist_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

#define TICKET_SCOPE                                                                               \
	"(?1 = 1 OR (?2 IS NOT NULL AND t.region_path >= ?2 AND t.region_path < ?3)"               \
	" OR (?4 IS NOT NULL AND t.centre_code = ?4)"                                              \
	" OR (?5 != 0 AND (t.assignee_id = ?5 OR t.created_by = ?5))"                              \
	" OR (?6 != 0 AND t.sales_owner_id = ?6))"

static void bind_ticket_scope(sqlite3_stmt *st, const struct scope *sc)
{
	int region = sc->ops_region && sc->region_lo[0];

	sqlite3_bind_int(st, 1, sc->all);
	db_bind_text(st, 2, region ? sc->region_lo : NULL);
	db_bind_text(st, 3, region ? sc->region_hi : NULL);
	db_bind_text(st, 4, sc->centre[0] ? sc->centre : NULL);
	db_bind_int(st, 5, sc->user_id);
	db_bind_int(st, 6, sc->owner_id);
}

static void bind_opt_time(sqlite3_stmt *st, int idx, int64_t t)
{
	if (t > 0)
		db_bind_int(st, idx, t);
	else
		sqlite3_bind_null(st, idx);
}

/* ---- sessions ------------------------------------------------------------------ */

#define SESSION_COLS                                                                               \
	"s.id, s.ticket_id, s.product_line, s.requested_by, s.language, s.problem, s.state,"       \
	" coalesce(s.expert_id, 0), s.requested_at, coalesce(s.accepted_at, 0),"                   \
	" coalesce(s.connected_at, 0), coalesce(s.ended_at, 0), coalesce(s.outcome, ''),"          \
	" s.notes, coalesce(s.ended_by, 0),"                                                       \
	" coalesce(nullif(r.display_name, ''), r.username, ''),"                                   \
	" coalesce(nullif(x.display_name, ''), x.username, '')"
#define SESSION_FROM                                                                               \
	" FROM assist_sessions s JOIN users r ON r.id = s.requested_by"                            \
	" LEFT JOIN users x ON x.id = s.expert_id"

static void read_session(sqlite3_stmt *st, struct assist_row *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->ticket_id = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, s->product_line, sizeof(s->product_line));
	s->requested_by = sqlite3_column_int64(st, 3);
	db_col_copy(st, 4, s->language, sizeof(s->language));
	db_col_copy(st, 5, s->problem, sizeof(s->problem));
	db_col_copy(st, 6, s->state, sizeof(s->state));
	s->expert_id = sqlite3_column_int64(st, 7);
	s->requested_at = sqlite3_column_int64(st, 8);
	s->accepted_at = sqlite3_column_int64(st, 9);
	s->connected_at = sqlite3_column_int64(st, 10);
	s->ended_at = sqlite3_column_int64(st, 11);
	db_col_copy(st, 12, s->outcome, sizeof(s->outcome));
	db_col_copy(st, 13, s->notes, sizeof(s->notes));
	s->ended_by = sqlite3_column_int64(st, 14);
	db_col_copy(st, 15, s->requested_by_name, sizeof(s->requested_by_name));
	db_col_copy(st, 16, s->expert_name, sizeof(s->expert_name));
}

static const char sql_insert[] =
    "INSERT INTO assist_sessions(ticket_id, product_line, requested_by, language, problem,"
    " state, requested_at) VALUES (?1, ?2, ?3, ?4, ?5, 'ringing', ?6)";

enum err assist_store_insert(struct db *db, struct assist_row *s)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, s->ticket_id);
	db_bind_text(st, 2, s->product_line);
	db_bind_int(st, 3, s->requested_by);
	db_bind_text(st, 4, s->language);
	db_bind_text(st, 5, s->problem);
	db_bind_int(st, 6, s->requested_at);
	snprintf(s->state, sizeof(s->state), "ringing");
	return db_exec_insert(db, st, &s->id);
}

static const char sql_get[] = "SELECT " SESSION_COLS SESSION_FROM " WHERE s.id = ?1";

enum err assist_store_get(struct db *db, int64_t id, struct assist_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	read_session(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_open_of_ticket[] = "SELECT id FROM assist_sessions WHERE ticket_id = ?1"
					 " AND state IN ('ringing', 'accepted', 'live')";

enum err assist_store_open_of_ticket(struct db *db, int64_t ticket_id, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_open_of_ticket);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*id = sqlite3_column_int64(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_update[] =
    "UPDATE assist_sessions SET state = ?2, expert_id = ?3, accepted_at = ?4,"
    " connected_at = ?5, ended_at = ?6, outcome = ?7, notes = ?8, ended_by = ?9"
    " WHERE id = ?1 AND state = ?10";

enum err assist_store_update(struct db *db, const struct assist_row *s, const char *from_state)
{
	sqlite3_stmt *st = db_stmt(db, sql_update);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, s->id);
	db_bind_text(st, 2, s->state);
	bind_opt_time(st, 3, s->expert_id);
	bind_opt_time(st, 4, s->accepted_at);
	bind_opt_time(st, 5, s->connected_at);
	bind_opt_time(st, 6, s->ended_at);
	db_bind_text(st, 7, s->outcome[0] ? s->outcome : NULL);
	db_bind_text(st, 8, s->notes);
	bind_opt_time(st, 9, s->ended_by);
	db_bind_text(st, 10, from_state);
	e = db_exec_one(db, st);
	return e == ERR_NOT_FOUND ? ERR_CONFLICT : e;
}

static const char sql_list[] =
    "SELECT " SESSION_COLS SESSION_FROM " JOIN tickets t ON t.id = s.ticket_id"
    " WHERE (?7 IS NULL OR s.state = ?7) AND (?10 = 0 OR s.ticket_id = ?10)"
    " AND (?8 = 0 OR s.requested_by = ?8 OR s.expert_id = ?8 OR EXISTS (SELECT 1 FROM"
    " assist_offers o WHERE o.session_id = s.id AND o.user_id = ?8))"
    " AND (?11 = 1 OR " TICKET_SCOPE ")"
    " ORDER BY s.id DESC LIMIT ?9";

enum err assist_store_list(struct db *db, const struct assist_filter *f, int limit,
			   assist_row_fn fn, void *ctx)
{
	static const struct scope none = { 0 };
	sqlite3_stmt *st = db_stmt(db, sql_list);
	struct assist_row *row;
	int rc;

	if (!st)
		return ERR_DB;
	row = malloc(sizeof(*row));
	if (!row)
		return ERR_INTERNAL;
	bind_ticket_scope(st, f->sc ? f->sc : &none);
	db_bind_text(st, 7, f->state);
	db_bind_int(st, 8, f->mine_user);
	db_bind_int(st, 9, limit);
	db_bind_int(st, 10, f->ticket_id);
	sqlite3_bind_int(st, 11, f->sc ? 0 : 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_session(st, row);
		if (fn(row, ctx))
			break;
	}
	free(row);
	return db_scan_end(db, st, rc);
}

static const char sql_ringing_due[] =
    "SELECT " SESSION_COLS SESSION_FROM " WHERE s.state = 'ringing'"
    " AND (SELECT max(offered_at) FROM assist_offers o WHERE o.session_id = s.id) < ?1"
    " ORDER BY s.id";

enum err assist_store_ringing_due(struct db *db, int64_t cutoff, assist_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_ringing_due);
	struct assist_row *row;
	int rc;

	if (!st)
		return ERR_DB;
	row = malloc(sizeof(*row));
	if (!row)
		return ERR_INTERNAL;
	db_bind_int(st, 1, cutoff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_session(st, row);
		if (fn(row, ctx))
			break;
	}
	free(row);
	return db_scan_end(db, st, rc);
}

/* ---- offers ---------------------------------------------------------------------- */

static const char sql_offer_add[] =
    "INSERT INTO assist_offers(session_id, user_id, step, offered_at) VALUES (?1, ?2, ?3, ?4)";

enum err assist_store_offer_add(struct db *db, int64_t session_id, int64_t user_id, int step,
				int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_offer_add);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, step);
	db_bind_int(st, 4, at);
	return db_exec_stmt(db, st);
}

static const char sql_offers[] =
    "SELECT o.user_id, coalesce(nullif(u.display_name, ''), u.username), o.step, o.offered_at,"
    " coalesce(o.answer, ''), coalesce(o.answered_at, 0)"
    " FROM assist_offers o JOIN users u ON u.id = o.user_id WHERE o.session_id = ?1"
    " ORDER BY o.step, o.user_id";

enum err assist_store_offers(struct db *db, int64_t session_id, assist_offer_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_offers);
	struct assist_offer_row o;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&o, 0, sizeof(o));
		o.session_id = session_id;
		o.user_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, o.display_name, sizeof(o.display_name));
		o.step = sqlite3_column_int(st, 2);
		o.offered_at = sqlite3_column_int64(st, 3);
		db_col_copy(st, 4, o.answer, sizeof(o.answer));
		o.answered_at = sqlite3_column_int64(st, 5);
		if (fn(&o, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_offer_answer[] = "UPDATE assist_offers SET answer = ?3, answered_at = ?4"
				       " WHERE session_id = ?1 AND user_id = ?2 AND answer IS NULL";

enum err assist_store_offer_answer(struct db *db, int64_t session_id, int64_t user_id,
				   const char *answer, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_offer_answer);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, user_id);
	db_bind_text(st, 3, answer);
	db_bind_int(st, 4, at);
	return db_exec_one(db, st);
}

static const char sql_offers_withdraw[] =
    "UPDATE assist_offers SET answer = 'withdrawn', answered_at = ?2"
    " WHERE session_id = ?1 AND answer IS NULL";

enum err assist_store_offers_withdraw(struct db *db, int64_t session_id, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_offers_withdraw);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, at);
	return db_exec_stmt(db, st);
}

/* ---- join links and participants ----------------------------------------------------- */

static const char sql_link_add[] =
    "INSERT INTO assist_join_links(token_hash, session_id, user_id, expires_at)"
    " VALUES (?1, ?2, ?3, ?4)";

enum err assist_store_link_add(struct db *db, const char *token_hash, int64_t session_id,
			       int64_t user_id, int64_t expires_at)
{
	sqlite3_stmt *st = db_stmt(db, sql_link_add);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	db_bind_int(st, 2, session_id);
	db_bind_int(st, 3, user_id);
	db_bind_int(st, 4, expires_at);
	return db_exec_stmt(db, st);
}

static const char sql_link_get[] =
    "SELECT session_id, user_id, expires_at, coalesce(used_at, 0) FROM assist_join_links"
    " WHERE token_hash = ?1";

enum err assist_store_link_get(struct db *db, const char *token_hash, struct assist_link_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_link_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->session_id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	out->expires_at = sqlite3_column_int64(st, 2);
	out->used_at = sqlite3_column_int64(st, 3);
	db_done(st);
	return ERR_OK;
}

static const char sql_link_use[] =
    "UPDATE assist_join_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL";

enum err assist_store_link_use(struct db *db, const char *token_hash, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_link_use);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	db_bind_int(st, 2, at);
	e = db_exec_one(db, st);
	return e == ERR_NOT_FOUND ? ERR_GONE : e;
}

static const char sql_participant_add[] =
    "INSERT INTO assist_participants(key_hash, session_id, user_id, side, joined_at,"
    " last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";

enum err assist_store_participant_add(struct db *db, const char *key_hash, int64_t session_id,
				      int64_t user_id, const char *side, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_participant_add);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key_hash);
	db_bind_int(st, 2, session_id);
	db_bind_int(st, 3, user_id);
	db_bind_text(st, 4, side);
	db_bind_int(st, 5, at);
	return db_exec_stmt(db, st);
}

#define PARTICIPANT_COLS                                                                           \
	"p.session_id, p.user_id, p.side, coalesce(nullif(u.display_name, ''), u.username),"       \
	" p.joined_at, p.last_seen_at, coalesce(p.left_at, 0)"

static void read_participant(sqlite3_stmt *st, struct assist_participant_row *p)
{
	memset(p, 0, sizeof(*p));
	p->session_id = sqlite3_column_int64(st, 0);
	p->user_id = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, p->side, sizeof(p->side));
	db_col_copy(st, 3, p->display_name, sizeof(p->display_name));
	p->joined_at = sqlite3_column_int64(st, 4);
	p->last_seen_at = sqlite3_column_int64(st, 5);
	p->left_at = sqlite3_column_int64(st, 6);
}

static const char sql_participant_get[] =
    "SELECT " PARTICIPANT_COLS " FROM assist_participants p JOIN users u ON u.id = p.user_id"
    " WHERE p.key_hash = ?1 AND u.disabled = 0";

enum err assist_store_participant_get(struct db *db, const char *key_hash,
				      struct assist_participant_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_participant_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key_hash);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	read_participant(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_participant_of[] =
    "SELECT " PARTICIPANT_COLS " FROM assist_participants p JOIN users u ON u.id = p.user_id"
    " WHERE p.session_id = ?1 AND p.user_id = ?2 ORDER BY p.joined_at DESC LIMIT 1";

enum err assist_store_participant_of(struct db *db, int64_t session_id, int64_t user_id,
				     struct assist_participant_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_participant_of);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	read_participant(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_participant_seen[] =
    "UPDATE assist_participants SET last_seen_at = ?3, left_at = NULL"
    " WHERE session_id = ?1 AND user_id = ?2";

enum err assist_store_participant_seen(struct db *db, int64_t session_id, int64_t user_id,
				       int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_participant_seen);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, at);
	return db_exec_stmt(db, st);
}

static const char sql_participant_leave[] =
    "UPDATE assist_participants SET left_at = ?3 WHERE session_id = ?1 AND user_id = ?2";

enum err assist_store_participant_leave(struct db *db, int64_t session_id, int64_t user_id,
					int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_participant_leave);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, at);
	return db_exec_stmt(db, st);
}

/* The row with the latest last_seen_at per user (SQLite's bare columns
 * of a max() aggregate come from that row). */
static const char sql_participants[] =
    "SELECT p.session_id, p.user_id, p.side, coalesce(nullif(u.display_name, ''), u.username),"
    " min(p.joined_at), max(p.last_seen_at), coalesce(p.left_at, 0)"
    " FROM assist_participants p JOIN users u ON u.id = p.user_id WHERE p.session_id = ?1"
    " GROUP BY p.user_id ORDER BY min(p.joined_at), p.user_id";

enum err assist_store_participants(struct db *db, int64_t session_id, assist_participant_fn fn,
				   void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_participants);
	struct assist_participant_row p;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_participant(st, &p);
		if (fn(&p, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- the signalling mailbox ------------------------------------------------------------ */

static const char sql_signal_add[] =
    "INSERT INTO assist_signals(session_id, from_user, from_side, to_user, kind, body,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

enum err assist_store_signal_add(struct db *db, int64_t session_id, int64_t from_user,
				 const char *from_side, int64_t to_user, const char *kind,
				 const char *body, int64_t at, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, sql_signal_add);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, from_user);
	db_bind_text(st, 3, from_side);
	bind_opt_time(st, 4, to_user);
	db_bind_text(st, 5, kind);
	db_bind_text(st, 6, body);
	db_bind_int(st, 7, at);
	return db_exec_insert(db, st, id);
}

static const char sql_signals[] =
    "SELECT id, from_user, from_side, coalesce(to_user, 0), kind, body, created_at"
    " FROM assist_signals WHERE session_id = ?1 AND id > ?3 AND from_user != ?2"
    " AND (to_user IS NULL OR to_user = ?2) ORDER BY id LIMIT ?4";

enum err assist_store_signals(struct db *db, int64_t session_id, int64_t user_id, int64_t after,
			      int limit, assist_signal_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_signals);
	struct assist_signal_row s;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, after);
	db_bind_int(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&s, 0, sizeof(s));
		s.id = sqlite3_column_int64(st, 0);
		s.from_user = sqlite3_column_int64(st, 1);
		db_col_copy(st, 2, s.from_side, sizeof(s.from_side));
		s.to_user = sqlite3_column_int64(st, 3);
		db_col_copy(st, 4, s.kind, sizeof(s.kind));
		s.body = db_col_text(st, 5);
		s.created_at = sqlite3_column_int64(st, 6);
		if (fn(&s, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_signals_delete[] = "DELETE FROM assist_signals WHERE session_id = ?1";

enum err assist_store_signals_delete(struct db *db, int64_t session_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_signals_delete);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	return db_exec_stmt(db, st);
}

/* ---- snapshots ------------------------------------------------------------------------- */

static const char sql_snapshot_add[] =
    "INSERT INTO assist_snapshots(session_id, attachment_id, taken_by, taken_at)"
    " VALUES (?1, ?2, ?3, ?4)";

enum err assist_store_snapshot_add(struct db *db, int64_t session_id, int64_t attachment_id,
				   int64_t taken_by, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, sql_snapshot_add);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	db_bind_int(st, 2, attachment_id);
	db_bind_int(st, 3, taken_by);
	db_bind_int(st, 4, at);
	return db_exec_stmt(db, st);
}

static const char sql_snapshots[] =
    "SELECT n.attachment_id, n.taken_by, n.taken_at, a.client_uuid FROM assist_snapshots n"
    " JOIN ticket_attachments a ON a.id = n.attachment_id WHERE n.session_id = ?1"
    " ORDER BY n.taken_at, n.attachment_id";

enum err assist_store_snapshots(struct db *db, int64_t session_id, assist_snapshot_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_snapshots);
	struct assist_snapshot_row s;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, session_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&s, 0, sizeof(s));
		s.attachment_id = sqlite3_column_int64(st, 0);
		s.taken_by = sqlite3_column_int64(st, 1);
		s.taken_at = sqlite3_column_int64(st, 2);
		db_col_copy(st, 3, s.client_uuid, sizeof(s.client_uuid));
		if (fn(&s, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- people and tickets ---------------------------------------------------------------- */

static const char sql_principal[] =
    "SELECT u.id, u.role, u.username, coalesce(u.region_code, ''), coalesce(r.path, ''),"
    " coalesce(u.centre_code, '') FROM users u LEFT JOIN regions r ON r.code = u.region_code"
    " WHERE u.id = ?1 AND u.disabled = 0";

enum err assist_store_principal(struct db *db, int64_t user_id, struct principal *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_principal);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	memset(out, 0, sizeof(*out));
	out->user_id = sqlite3_column_int64(st, 0);
	out->role = role_parse(db_col_text(st, 1));
	db_col_copy(st, 2, out->username, sizeof(out->username));
	db_col_copy(st, 3, out->region, sizeof(out->region));
	db_col_copy(st, 4, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 5, out->centre, sizeof(out->centre));
	db_done(st);
	policy_scope(out, &out->scope);
	return ERR_OK;
}

static const char sql_user_name[] =
    "SELECT coalesce(nullif(display_name, ''), username) FROM users WHERE id = ?1";

enum err assist_store_user_name(struct db *db, int64_t user_id, char *out, size_t size)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_name);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, out, size);
	db_done(st);
	return ERR_OK;
}

static const char sql_ticket_brief[] =
    "SELECT t.id, coalesce(t.asset_id, 0), t.title, t.priority, t.region_path,"
    " coalesce(t.centre_code, ''), coalesce(a.serial, ''), coalesce(m.code, ''),"
    " coalesce(m.product_line, ''), coalesce(nullif(g.name_en, ''), g.name, ''),"
    " coalesce(t.assignee_id, 0), t.status FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id"
    " LEFT JOIN models m ON m.id = a.model_id LEFT JOIN sites s ON s.id = t.site_id"
    " LEFT JOIN regions g ON g.code = s.region_code WHERE t.id = ?1";

enum err assist_store_ticket_brief(struct db *db, int64_t ticket_id,
				   struct assist_ticket_brief *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_brief);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->asset_id = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, out->title, sizeof(out->title));
	db_col_copy(st, 3, out->priority, sizeof(out->priority));
	db_col_copy(st, 4, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 5, out->centre, sizeof(out->centre));
	db_col_copy(st, 6, out->serial, sizeof(out->serial));
	db_col_copy(st, 7, out->model, sizeof(out->model));
	db_col_copy(st, 8, out->product_line, sizeof(out->product_line));
	db_col_copy(st, 9, out->site_city, sizeof(out->site_city));
	out->assignee_id = sqlite3_column_int64(st, 10);
	db_col_copy(st, 11, out->status, sizeof(out->status));
	db_done(st);
	return ERR_OK;
}

/* Users whose home region contains region_path (their region or one above). */
static const char sql_region_users[] =
    "SELECT u.id FROM users u JOIN regions r ON r.code = u.region_code"
    " WHERE u.disabled = 0 AND substr(?1, 1, length(r.path)) = r.path ORDER BY u.id";

enum err assist_store_region_users(struct db *db, const char *region_path, assist_user_fn fn,
				   void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_region_users);
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, region_path);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), ctx))
			break;
	return db_scan_end(db, st, rc);
}

/* ---- analytics -------------------------------------------------------------------------- */

static const char sql_stats[] =
    "SELECT s.product_line, s.state, coalesce(s.outcome, ''),"
    " CASE WHEN s.accepted_at IS NULL THEN -1 ELSE s.accepted_at - s.requested_at END,"
    " CASE WHEN s.state = 'ended' THEN s.ended_at - coalesce(s.connected_at, s.accepted_at)"
    " ELSE -1 END"
    " FROM assist_sessions s JOIN tickets t ON t.id = s.ticket_id"
    " WHERE s.requested_at >= ?7 AND s.requested_at < ?8 AND (?9 IS NULL OR s.product_line = ?9)"
    " AND " TICKET_SCOPE " ORDER BY s.product_line";

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double median(int64_t *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_i64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
}

struct stats_acc {
	struct assist_stats_row row;
	int64_t *acc, *dur;
	size_t nacc, ndur, cap;
};

static int stats_flush(struct stats_acc *a, assist_stats_fn fn, void *ctx)
{
	if (!a->row.product_line[0])
		return 0;
	a->row.median_accept_s = median(a->acc, a->nacc);
	a->row.median_duration_s = median(a->dur, a->ndur);
	return fn(&a->row, ctx);
}

enum err assist_store_stats(struct db *db, int64_t from, int64_t to, const char *product_line,
			    const struct scope *sc, assist_stats_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_stats);
	struct stats_acc a = { 0 };
	enum err e = ERR_OK;
	int rc, stop = 0;

	if (!st)
		return ERR_DB;
	bind_ticket_scope(st, sc);
	db_bind_int(st, 7, from);
	db_bind_int(st, 8, to);
	db_bind_text(st, 9, product_line);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = db_col_text(st, 0), *state = db_col_text(st, 1),
			   *outcome = db_col_text(st, 2);
		int64_t accept_s = sqlite3_column_int64(st, 3), dur_s = sqlite3_column_int64(st, 4);

		if (strcmp(line, a.row.product_line) != 0) {
			if ((stop = stats_flush(&a, fn, ctx)) != 0)
				break;
			memset(&a.row, 0, sizeof(a.row));
			snprintf(a.row.product_line, sizeof(a.row.product_line), "%s", line);
			a.nacc = a.ndur = 0;
		}
		if (a.nacc == a.cap) {
			size_t cap = a.cap ? a.cap * 2 : 64;
			int64_t *x = realloc(a.acc, cap * sizeof(*x)), *y;

			if (x)
				a.acc = x;
			y = x ? realloc(a.dur, cap * sizeof(*y)) : NULL;
			if (!y) {
				e = ERR_INTERNAL;
				break;
			}
			a.dur = y;
			a.cap = cap;
		}
		a.row.requests++;
		if (accept_s >= 0) {
			a.row.accepted++;
			a.acc[a.nacc++] = accept_s;
		}
		if (strcmp(state, "unanswered") == 0)
			a.row.unanswered++;
		if (dur_s >= 0)
			a.dur[a.ndur++] = dur_s;
		if (*outcome)
			a.row.ended++;
		if (strcmp(outcome, "fixed") == 0) {
			a.row.fixed++;
			a.row.visits_avoided++; /* fixed remotely: nobody had to go */
		}
	}
	if (e == ERR_OK && rc == SQLITE_DONE && !stop)
		stop = stats_flush(&a, fn, ctx);
	free(a.acc);
	free(a.dur);
	if (e != ERR_OK) {
		db_done(st);
		return e;
	}
	return db_scan_end(db, st, rc);
}
