#include "db/delivery_store.h"

#include <string.h>

#include "db/db.h"
#include "db/tickets_store.h"

/* ---- deliveries ------------------------------------------------------------ */

#define DLV_COLS                                                                                   \
	"id, coalesce(notification_id, 0), coalesce(user_id, 0), channel, provider, address,"      \
	" coalesce(device_id, 0), kind, message, idempotency_key, ack_key, status, attempts,"      \
	" next_attempt_at, provider_ref, coalesce(last_status, 0), last_error, created_at,"        \
	" coalesce(sent_at, 0), coalesce(latency_ms, 0)"

static const char *text_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : db_col_text(st, col);
}

static void dlv_read(sqlite3_stmt *st, struct delivery_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->notification_id = sqlite3_column_int64(st, 1);
	r->user_id = sqlite3_column_int64(st, 2);
	r->channel = db_col_text(st, 3);
	r->provider = db_col_text(st, 4);
	r->address = db_col_text(st, 5);
	r->device_id = sqlite3_column_int64(st, 6);
	r->kind = db_col_text(st, 7);
	r->message = db_col_text(st, 8);
	r->idempotency_key = db_col_text(st, 9);
	r->ack_key = text_or_null(st, 10);
	r->status = db_col_text(st, 11);
	r->attempts = sqlite3_column_int(st, 12);
	r->next_attempt_at = sqlite3_column_int64(st, 13);
	r->provider_ref = text_or_null(st, 14);
	r->last_status = sqlite3_column_int(st, 15);
	r->last_error = db_col_text(st, 16);
	r->created_at = sqlite3_column_int64(st, 17);
	r->sent_at = sqlite3_column_int64(st, 18);
	r->latency_ms = sqlite3_column_int64(st, 19);
}

static enum err scan(struct db *db, sqlite3_stmt *st, delivery_row_fn fn, void *ctx)
{
	struct delivery_row row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		dlv_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_insert[] =
    "INSERT INTO deliveries(notification_id, user_id, channel, provider, address, device_id,"
    " kind, message, idempotency_key, ack_key, next_attempt_at, created_at)"
    " VALUES (nullif(?1, 0), nullif(?2, 0), ?3, ?4, ?5, nullif(?6, 0), ?7, ?8, ?9, ?10, ?11, ?12)";

enum err delivery_store_insert(struct db *db, const struct delivery_row *in, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_insert);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, in->notification_id);
	db_bind_int(st, 2, in->user_id);
	db_bind_text(st, 3, in->channel);
	db_bind_text(st, 4, in->provider);
	db_bind_text(st, 5, in->address);
	db_bind_int(st, 6, in->device_id);
	db_bind_text(st, 7, in->kind);
	db_bind_text(st, 8, in->message);
	db_bind_text(st, 9, in->idempotency_key);
	db_bind_text(st, 10, in->ack_key);
	db_bind_int(st, 11, in->next_attempt_at);
	db_bind_int(st, 12, in->created_at);
	return db_exec_insert(db, st, id_out);
}

/* A claimed row's next_attempt_at is its lease's end: a sender that dies
 * leaves it due again then, through the same index range. */
static const char sql_claim[] =
    "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = ?3,"
    " next_attempt_at = ?3 WHERE id IN (SELECT id FROM deliveries WHERE provider = ?1"
    " AND status IN ('pending', 'sending') AND next_attempt_at <= ?2"
    " ORDER BY next_attempt_at, id LIMIT ?4) RETURNING " DLV_COLS;

enum err delivery_store_claim(struct db *db, const char *provider, int64_t now, int64_t lease_until,
			      int limit, delivery_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_claim);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, provider);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, lease_until);
	db_bind_int(st, 4, limit);
	return scan(db, st, fn, ctx);
}

static const char sql_sent[] =
    "UPDATE deliveries SET status = 'sent', provider_ref = ?2, last_status = nullif(?3, 0),"
    " last_error = '', sent_at = ?4, latency_ms = ?5, lease_until = NULL WHERE id = ?1";

enum err delivery_store_sent(struct db *db, int64_t id, const char *provider_ref, int http_status,
			     int64_t now, int64_t latency_ms)
{
	sqlite3_stmt *st = db_stmt(db, sql_sent);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, provider_ref);
	db_bind_int(st, 3, http_status);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, latency_ms);
	return db_exec_one(db, st);
}

static const char sql_retry[] =
    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, last_status = nullif(?3, 0),"
    " last_error = ?4, lease_until = NULL WHERE id = ?1 AND status = 'sending'";

enum err delivery_store_retry(struct db *db, int64_t id, int64_t next_at, int http_status,
			      const char *error)
{
	sqlite3_stmt *st = db_stmt(db, sql_retry);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, next_at);
	db_bind_int(st, 3, http_status);
	db_bind_text(st, 4, error ? error : "");
	return db_exec_one(db, st);
}

static const char sql_postpone[] =
    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, attempts = attempts - 1,"
    " lease_until = NULL WHERE id = ?1 AND status = 'sending'";

enum err delivery_store_postpone(struct db *db, int64_t id, int64_t next_at)
{
	sqlite3_stmt *st = db_stmt(db, sql_postpone);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, next_at);
	return db_exec_one(db, st);
}

static const char sql_dead[] =
    "UPDATE deliveries SET status = 'dead', last_status = nullif(?2, 0), last_error = ?3,"
    " lease_until = NULL WHERE id = ?1 AND status = 'sending'";

enum err delivery_store_dead(struct db *db, int64_t id, int http_status, const char *error)
{
	sqlite3_stmt *st = db_stmt(db, sql_dead);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, http_status);
	db_bind_text(st, 3, error ? error : "");
	return db_exec_one(db, st);
}

static const char sql_recover[] =
    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?1, lease_until = NULL"
    " WHERE status = 'sending'";

enum err delivery_store_recover(struct db *db, int64_t now, int64_t *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_recover);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, now);
	e = db_exec_stmt(db, st);
	*count = e == ERR_OK ? db_changes(db) : 0;
	return e;
}

static const char sql_cancel_ack[] =
    "UPDATE deliveries SET status = 'cancelled', last_error = 'acknowledged', lease_until = NULL"
    " WHERE ack_key = ?1 AND status = 'pending'";

enum err delivery_store_cancel_ack(struct db *db, const char *ack_key, int64_t *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_cancel_ack);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, ack_key);
	e = db_exec_stmt(db, st);
	*count = e == ERR_OK ? db_changes(db) : 0;
	return e;
}

static const char sql_requeue[] =
    "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2"
    " WHERE id = ?1 AND status = 'dead'";

enum err delivery_store_requeue(struct db *db, int64_t id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_requeue);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now);
	return db_exec_one(db, st);
}

static const char sql_get[] = "SELECT " DLV_COLS " FROM deliveries WHERE id = ?1";

enum err delivery_store_get(struct db *db, int64_t id, delivery_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_get);
	struct delivery_row row;
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	dlv_read(st, &row);
	fn(&row, ctx);
	db_done(st);
	return ERR_OK;
}

static const char sql_list[] =
    "SELECT " DLV_COLS " FROM deliveries WHERE (?1 = 0 OR user_id = ?1)"
    " AND (?2 = 0 OR notification_id = ?2) AND (?3 IS NULL OR channel = ?3)"
    " AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR kind = ?5)"
    " AND (?6 = 0 OR id < ?6) ORDER BY id DESC LIMIT ?7";

enum err delivery_store_list(struct db *db, const struct delivery_filter *f, delivery_row_fn fn,
			     void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_list);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, f->user_id);
	db_bind_int(st, 2, f->notification_id);
	db_bind_text(st, 3, f->channel);
	db_bind_text(st, 4, f->status);
	db_bind_text(st, 5, f->kind);
	db_bind_int(st, 6, f->before_id);
	db_bind_int(st, 7, f->limit > 0 ? f->limit : -1);
	return scan(db, st, fn, ctx);
}

static const char sql_counts[] =
    "SELECT channel, status, count(*) FROM deliveries GROUP BY channel, status";

enum err delivery_store_counts(struct db *db, delivery_count_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_counts);
	int rc;

	if (!st)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(db_col_text(st, 0), db_col_text(st, 1), sqlite3_column_int64(st, 2), ctx);
	return db_scan_end(db, st, rc);
}

static const char sql_purge_messages[] =
    "UPDATE deliveries SET message = '{}' WHERE status IN ('sent', 'dead', 'cancelled')"
    " AND message != '{}' AND coalesce(sent_at, created_at) < ?1";
static const char sql_purge_tokens[] = "DELETE FROM escalation_ack_tokens WHERE expires_at < ?1";

enum err delivery_store_purge(struct db *db, int64_t before, int64_t *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_purge_messages);
	enum err e;

	*count = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, before);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*count += db_changes(db);
	st = e == ERR_OK ? db_stmt(db, sql_purge_tokens) : NULL;
	if (e == ERR_OK && !st)
		e = ERR_DB;
	if (e == ERR_OK) {
		db_bind_int(st, 1, before);
		e = db_exec_stmt(db, st);
	}
	if (e == ERR_OK)
		*count += db_changes(db);
	return e;
}

/* ---- people ---------------------------------------------------------------- */

static const char sql_person[] =
    "SELECT u.id, u.username, u.role, u.email, u.phone, coalesce(u.centre_code, ''),"
    " coalesce(s.language, 'zh'), coalesce(s.time_zone, 'Asia/Shanghai'),"
    " coalesce(s.quiet_start, -1), coalesce(s.quiet_end, -1), coalesce(s.digest, ''),"
    " u.disabled, coalesce(s.updated_at, 0)"
    " FROM users u LEFT JOIN notification_settings s ON s.user_id = u.id WHERE u.id = ?1";

enum err delivery_store_person(struct db *db, int64_t user_id, struct person *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_person);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, out->username, sizeof(out->username));
	db_col_copy(st, 2, out->role, sizeof(out->role));
	db_col_copy(st, 3, out->email, sizeof(out->email));
	db_col_copy(st, 4, out->phone, sizeof(out->phone));
	db_col_copy(st, 5, out->centre, sizeof(out->centre));
	db_col_copy(st, 6, out->language, sizeof(out->language));
	db_col_copy(st, 7, out->time_zone, sizeof(out->time_zone));
	out->quiet_start = sqlite3_column_int(st, 8);
	out->quiet_end = sqlite3_column_int(st, 9);
	db_col_copy(st, 10, out->digest, sizeof(out->digest));
	out->disabled = sqlite3_column_int(st, 11);
	out->updated_at = sqlite3_column_int64(st, 12);
	db_done(st);
	return ERR_OK;
}

static const char sql_settings_put[] =
    "INSERT INTO notification_settings(user_id, language, time_zone, quiet_start, quiet_end,"
    " digest, updated_at) VALUES (?1, ?2, ?3, nullif(?4, -1), nullif(?5, -1), nullif(?6, ''), ?7)"
    " ON CONFLICT(user_id) DO UPDATE SET language = excluded.language,"
    " time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,"
    " quiet_end = excluded.quiet_end, digest = excluded.digest, updated_at = excluded.updated_at";

enum err delivery_store_settings_put(struct db *db, const struct person *p, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_settings_put);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, p->id);
	db_bind_text(st, 2, p->language);
	db_bind_text(st, 3, p->time_zone);
	db_bind_int(st, 4, p->quiet_start);
	db_bind_int(st, 5, p->quiet_end);
	db_bind_text(st, 6, p->digest);
	db_bind_int(st, 7, now);
	return db_exec_stmt(db, st);
}

static const char sql_set_email[] = "UPDATE users SET email = ?2, updated_at = ?3 WHERE id = ?1";

enum err delivery_store_set_email(struct db *db, int64_t user_id, const char *email, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_set_email);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, email);
	db_bind_int(st, 3, now);
	return db_exec_one(db, st);
}

static const char sql_prefs[] = "SELECT kind, channel, enabled FROM notification_prefs WHERE "
				"user_id = ?1 ORDER BY kind, channel";

enum err delivery_store_prefs(struct db *db, int64_t user_id, pref_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_prefs);
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(db_col_text(st, 0), db_col_text(st, 1), sqlite3_column_int(st, 2), ctx);
	return db_scan_end(db, st, rc);
}

static const char sql_prefs_clear[] = "DELETE FROM notification_prefs WHERE user_id = ?1";

enum err delivery_store_prefs_clear(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_prefs_clear);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	return db_exec_stmt(db, st);
}

static const char sql_pref_put[] =
    "INSERT INTO notification_prefs(user_id, kind, channel, enabled) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(user_id, kind, channel) DO UPDATE SET enabled = excluded.enabled";

enum err delivery_store_pref_put(struct db *db, int64_t user_id, const char *kind,
				 const char *channel, int enabled)
{
	sqlite3_stmt *st = db_stmt(db, sql_pref_put);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, channel);
	db_bind_int(st, 4, enabled ? 1 : 0);
	return db_exec_stmt(db, st);
}

/* Sales people with an address: the digest is theirs unless turned off;
 * anyone else who turned it on. */
static const char sql_digest_people[] =
    "SELECT u.id FROM users u LEFT JOIN notification_settings s ON s.user_id = u.id"
    " WHERE u.disabled = 0 AND u.email != '' AND u.role IN ('sales', 'supervisor', 'admin')"
    " AND coalesce(s.digest, CASE u.role WHEN 'sales' THEN 'weekly' ELSE 'off' END) != 'off'"
    " ORDER BY u.id";

enum err delivery_store_digest_people(struct db *db, person_id_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_digest_people);
	int rc;

	if (!st)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), ctx))
			break;
	return db_scan_end(db, st, rc);
}

static const char sql_digest_mark[] =
    "INSERT INTO digest_runs(user_id, period, sent_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT DO NOTHING";

enum err delivery_store_digest_mark(struct db *db, int64_t user_id, const char *period, int64_t now,
				    int *added)
{
	sqlite3_stmt *st = db_stmt(db, sql_digest_mark);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, period);
	db_bind_int(st, 3, now);
	e = db_exec_stmt(db, st);
	*added = e == ERR_OK && db_changes(db) == 1;
	return e;
}

static const char sql_ticket_brief[] =
    "SELECT priority, coalesce(centre_code, ''), region_path, status FROM tickets WHERE id = ?1";

enum err delivery_store_ticket_brief(struct db *db, int64_t ticket_id, struct ticket_brief *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_brief);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, out->priority, sizeof(out->priority));
	db_col_copy(st, 1, out->centre, sizeof(out->centre));
	db_col_copy(st, 2, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 3, out->status, sizeof(out->status));
	db_done(st);
	return ERR_OK;
}

static const char sql_board_counts[] =
    "SELECT count(*), coalesce(sum(assignee_id IS NULL), 0), coalesce(sum(priority = 'P1'), 0),"
    " coalesce(sum((responded_at IS NULL AND response_due < ?3) OR (arrived_at IS NULL AND"
    " arrival_due < ?3) OR (resolved_at IS NULL AND resolution_due < ?3)), 0),"
    " coalesce(sum(EXISTS (SELECT 1 FROM ticket_alerts a WHERE a.ticket_id = t.id"
    " AND a.kind = 'escalation')), 0)"
    " FROM tickets t WHERE t.status IN " TICKET_OPEN_SQL
    " AND (?1 = '' OR t.centre_code = ?1) AND (?2 = '' OR instr(t.region_path, '/' || ?2 || '/') > "
    "0)";

enum err delivery_store_board_counts(struct db *db, const char *centre, const char *region,
				     int64_t now, struct board_counts *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_board_counts);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, region);
	db_bind_int(st, 3, now);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->open = sqlite3_column_int64(st, 0);
	out->unassigned = sqlite3_column_int64(st, 1);
	out->p1 = sqlite3_column_int64(st, 2);
	out->overdue = sqlite3_column_int64(st, 3);
	out->escalated = sqlite3_column_int64(st, 4);
	db_done(st);
	return ERR_OK;
}

static const char sql_summary_mark[] =
    "INSERT INTO robot_summaries(robot, day, sent_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";

enum err delivery_store_summary_mark(struct db *db, const char *robot, const char *day, int64_t now,
				     int *added)
{
	sqlite3_stmt *st = db_stmt(db, sql_summary_mark);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, robot);
	db_bind_text(st, 2, day);
	db_bind_int(st, 3, now);
	e = db_exec_stmt(db, st);
	*added = e == ERR_OK && db_changes(db) == 1;
	return e;
}

/* ---- escalation acknowledgements ----------------------------------------- */

static const char sql_token_add[] =
    "INSERT INTO escalation_ack_tokens(token_hash, ticket_id, target, level, user_id, expires_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err delivery_store_ack_token_add(struct db *db, const char *token_hash,
				      const struct ack_ref *ref)
{
	sqlite3_stmt *st = db_stmt(db, sql_token_add);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	db_bind_int(st, 2, ref->ticket_id);
	db_bind_text(st, 3, ref->target);
	db_bind_int(st, 4, ref->level);
	db_bind_int(st, 5, ref->user_id);
	db_bind_int(st, 6, ref->expires_at);
	return db_exec_stmt(db, st);
}

static const char sql_token_find[] =
    "SELECT ticket_id, target, level, user_id, expires_at FROM escalation_ack_tokens"
    " WHERE token_hash = ?1";

enum err delivery_store_ack_token_find(struct db *db, const char *token_hash, struct ack_ref *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_token_find);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, token_hash);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->ticket_id = sqlite3_column_int64(st, 0);
	db_col_copy(st, 1, out->target, sizeof(out->target));
	out->level = sqlite3_column_int(st, 2);
	out->user_id = sqlite3_column_int64(st, 3);
	out->expires_at = sqlite3_column_int64(st, 4);
	db_done(st);
	return ERR_OK;
}

static const char sql_ack_add[] =
    "INSERT INTO escalation_acks(ticket_id, target, level, user_id, channel, acknowledged_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";
static const char sql_ack_get[] =
    "SELECT user_id, acknowledged_at FROM escalation_acks WHERE ticket_id = ?1 AND target = ?2"
    " AND level = ?3";

enum err delivery_store_ack_add(struct db *db, const struct ack_ref *ref, const char *channel,
				int64_t now, int *added, int64_t *by_user, int64_t *at)
{
	sqlite3_stmt *st = db_stmt(db, sql_ack_add);
	enum err e;

	*added = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ref->ticket_id);
	db_bind_text(st, 2, ref->target);
	db_bind_int(st, 3, ref->level);
	db_bind_int(st, 4, ref->user_id);
	db_bind_text(st, 5, channel);
	db_bind_int(st, 6, now);
	e = db_exec_stmt(db, st);
	if (e != ERR_OK)
		return e;
	*added = db_changes(db) == 1;
	return delivery_store_ack_get(db, ref, by_user, at);
}

enum err delivery_store_ack_get(struct db *db, const struct ack_ref *ref, int64_t *by_user,
				int64_t *at)
{
	sqlite3_stmt *st = db_stmt(db, sql_ack_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ref->ticket_id);
	db_bind_text(st, 2, ref->target);
	db_bind_int(st, 3, ref->level);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*by_user = sqlite3_column_int64(st, 0);
	*at = sqlite3_column_int64(st, 1);
	db_done(st);
	return ERR_OK;
}

static const char sql_open_escalation[] =
    "SELECT a.target, a.level FROM ticket_alerts a WHERE a.ticket_id = ?1"
    " AND a.kind = 'escalation' AND NOT EXISTS (SELECT 1 FROM escalation_acks k"
    " WHERE k.ticket_id = a.ticket_id AND k.target = a.target AND k.level = a.level)"
    " ORDER BY a.level DESC, a.at DESC LIMIT 1";

enum err delivery_store_open_escalation(struct db *db, int64_t ticket_id, char target[16],
					int *level)
{
	sqlite3_stmt *st = db_stmt(db, sql_open_escalation);
	enum err e;

	*level = 0;
	target[0] = '\0';
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, target, 16);
	*level = sqlite3_column_int(st, 1);
	db_done(st);
	return ERR_OK;
}
