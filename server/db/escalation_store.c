/* SQL of SLA warnings and escalation. */
#include "db/escalation_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/tickets_store.h"

/* ---- configuration -------------------------------------------------------- */

static const char sql_warning_levels[] = "SELECT level, percent FROM sla_warning_levels";
static const char sql_escalation_levels[] =
    "SELECT level, after_percent, name FROM escalation_levels";

enum err escalation_store_config(struct db *db, struct escalation_config *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_warning_levels);
	enum err e;
	int rc, level;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		level = sqlite3_column_int(st, 0);
		if (level >= 1 && level <= ESCALATION_LEVELS)
			out->warning_percent[level - 1] = sqlite3_column_int(st, 1);
	}
	e = db_scan_end(db, st, rc);
	st = e == ERR_OK ? db_stmt(db, sql_escalation_levels) : NULL;
	if (!st)
		return e == ERR_OK ? ERR_INTERNAL : e;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		level = sqlite3_column_int(st, 0);
		if (level < 1 || level > ESCALATION_LEVELS)
			continue;
		out->escalation_after[level - 1] = sqlite3_column_int(st, 1);
		db_col_copy(st, 2, out->escalation_name[level - 1],
			    sizeof(out->escalation_name[0]));
	}
	return db_scan_end(db, st, rc);
}

static const char sql_warning_put[] = "UPDATE sla_warning_levels SET percent = ?2 WHERE level = ?1";
static const char sql_escalation_put[] =
    "UPDATE escalation_levels SET after_percent = ?2, name = ?3 WHERE level = ?1";

enum err escalation_store_config_put(struct db *db, const struct escalation_config *c)
{
	enum err e = ERR_OK;

	for (int i = 0; e == ERR_OK && i < ESCALATION_LEVELS; i++) {
		sqlite3_stmt *st = db_stmt(db, sql_warning_put);

		if (!st)
			return ERR_INTERNAL;
		db_bind_int(st, 1, i + 1);
		db_bind_int(st, 2, c->warning_percent[i]);
		e = db_exec_stmt(db, st);
		if (e != ERR_OK)
			break;
		st = db_stmt(db, sql_escalation_put);
		if (!st)
			return ERR_INTERNAL;
		db_bind_int(st, 1, i + 1);
		db_bind_int(st, 2, c->escalation_after[i]);
		db_bind_text(st, 3, c->escalation_name[i]);
		e = db_exec_stmt(db, st);
	}
	return e;
}

/* ---- watched tickets ------------------------------------------------------- */

/* The WHERE matches the partial index tickets_open (migration 0009). A
 * target is due for its first warning once first_percent of the time
 * allowed (due - created_at) has passed. */
static const char sql_watched[] =
    "SELECT t.id, t.status, coalesce(t.centre_code, ''), coalesce(t.assignee_id, 0),"
    " t.created_at, t.response_due, t.arrival_due, t.resolution_due,"
    " coalesce(t.responded_at, 0), coalesce(t.arrived_at, 0), coalesce(t.resolved_at, 0),"
    " t.region_path FROM tickets t"
    " WHERE t.status IN " TICKET_CLOCK_SQL " AND t.paused_at IS NULL AND t.id > ?3"
    " AND ((t.responded_at IS NULL"
    "       AND t.created_at + (t.response_due - t.created_at) * ?2 / 100 <= ?1)"
    "   OR (t.arrived_at IS NULL"
    "       AND t.created_at + (t.arrival_due - t.created_at) * ?2 / 100 <= ?1)"
    "   OR (t.resolved_at IS NULL"
    "       AND t.created_at + (t.resolution_due - t.created_at) * ?2 / 100 <= ?1))"
    " ORDER BY t.id LIMIT ?4";

enum err escalation_store_watched(struct db *db, int64_t now, int first_percent, int64_t after_id,
				  struct watched_ticket *out, size_t max, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, sql_watched);
	int rc;

	*n = 0;
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, first_percent);
	db_bind_int(st, 3, after_id);
	db_bind_int(st, 4, (int64_t)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct watched_ticket *w = &out[(*n)++];

		w->id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, w->status, sizeof(w->status));
		db_col_copy(st, 2, w->centre, sizeof(w->centre));
		w->assignee_id = sqlite3_column_int64(st, 3);
		w->created_at = sqlite3_column_int64(st, 4);
		for (int i = 0; i < 3; i++) {
			w->due[i] = sqlite3_column_int64(st, 5 + i);
			w->met[i] = sqlite3_column_int64(st, 8 + i);
		}
		db_col_copy(st, 11, w->region_path, sizeof(w->region_path));
	}
	return db_scan_end(db, st, rc);
}

/* ---- alerts ---------------------------------------------------------------- */

static const char sql_alert_add[] =
    "INSERT INTO ticket_alerts(ticket_id, target, kind, level, at) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT DO NOTHING";

enum err escalation_store_alert_add(struct db *db, int64_t ticket_id, const char *target,
				    const char *kind, int level, int64_t at, int *added)
{
	sqlite3_stmt *st = db_stmt(db, sql_alert_add);
	enum err e;

	*added = 0;
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_text(st, 2, target);
	db_bind_text(st, 3, kind);
	db_bind_int(st, 4, level);
	db_bind_int(st, 5, at);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*added = sqlite3_changes(db_handle(db)) == 1;
	return e;
}

static const char sql_level[] = "SELECT coalesce(max(level), 0) FROM ticket_alerts"
				" WHERE ticket_id = ?1 AND target = ?2 AND kind = 'escalation'";

enum err escalation_store_level(struct db *db, int64_t ticket_id, const char *target, int *level)
{
	sqlite3_stmt *st = db_stmt(db, sql_level);
	enum err e;

	*level = 0;
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_text(st, 2, target);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*level = sqlite3_column_int(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_alerts[] = "SELECT target, kind, level, at FROM ticket_alerts"
				 " WHERE ticket_id = ?1 ORDER BY at, kind DESC, level";

enum err escalation_store_alerts(struct db *db, int64_t ticket_id, ticket_alert_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_alerts);
	struct ticket_alert a;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_col_copy(st, 0, a.target, sizeof(a.target));
		db_col_copy(st, 1, a.kind, sizeof(a.kind));
		a.level = sqlite3_column_int(st, 2);
		a.at = sqlite3_column_int64(st, 3);
		if (fn(&a, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- recipients ------------------------------------------------------------ */

static enum err scan_users(struct db *db, sqlite3_stmt *st, recipient_fn fn, void *ctx)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), db_col_text(st, 1), ctx))
			break;
	return db_scan_end(db, st, rc);
}

static const char sql_contacts[] =
    "SELECT u.id, u.username FROM escalation_contacts c JOIN users u ON u.id = c.user_id"
    " WHERE c.centre_code = ?1 AND c.level = ?2 AND u.disabled = 0 ORDER BY u.id";

enum err escalation_store_contacts(struct db *db, const char *centre, int level, recipient_fn fn,
				   void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_contacts);

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, centre);
	db_bind_int(st, 2, level);
	return scan_users(db, st, fn, ctx);
}

/* Supervisors whose home region is the centre's region or one above it. */
static const char sql_supervisors[] =
    "SELECT u.id, u.username, length(r.path) FROM centres c"
    " JOIN regions cr ON cr.code = c.region_code"
    " JOIN users u ON u.role = 'supervisor' AND u.disabled = 0"
    " JOIN regions r ON r.code = u.region_code"
    " WHERE c.code = ?1 AND substr(cr.path, 1, length(r.path)) = r.path"
    " ORDER BY length(r.path) DESC, u.id";

enum err escalation_store_supervisors(struct db *db, const char *centre, supervisor_fn fn,
				      void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_supervisors);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, centre);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), db_col_text(st, 1),
		       (size_t)sqlite3_column_int64(st, 2), ctx))
			break;
	return db_scan_end(db, st, rc);
}

static const char sql_admins[] =
    "SELECT id, username FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id";

enum err escalation_store_admins(struct db *db, recipient_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_admins);

	return st ? scan_users(db, st, fn, ctx) : ERR_INTERNAL;
}

static const char sql_dispatchers[] =
    "SELECT id, username FROM users WHERE role = 'dispatcher' AND disabled = 0"
    " AND centre_code = ?1 ORDER BY id";

enum err escalation_store_dispatchers(struct db *db, const char *centre, recipient_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_dispatchers);

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, centre);
	return scan_users(db, st, fn, ctx);
}

static const char sql_username[] = "SELECT username FROM users WHERE id = ?1";

enum err escalation_store_username(struct db *db, int64_t user_id, char out[64])
{
	sqlite3_stmt *st = db_stmt(db, sql_username);
	enum err e;

	out[0] = '\0';
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, out, 64);
	db_done(st);
	return ERR_OK;
}

/* ---- chains ------------------------------------------------------------ */

static const char sql_chain[] =
    "SELECT c.level, u.id, u.username FROM escalation_contacts c JOIN users u ON u.id = c.user_id"
    " WHERE c.centre_code = ?1 ORDER BY c.level, u.id";

enum err escalation_store_chain(struct db *db, const char *centre, chain_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_chain);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, centre);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1), db_col_text(st, 2),
		       ctx))
			break;
	return db_scan_end(db, st, rc);
}

static const char sql_chain_clear[] = "DELETE FROM escalation_contacts WHERE centre_code = ?1";
static const char sql_chain_add[] =
    "INSERT OR IGNORE INTO escalation_contacts(centre_code, level, user_id) VALUES (?1, ?2, ?3)";

enum err escalation_store_chain_put(struct db *db, const char *centre,
				    const struct chain_entry *entries, size_t n)
{
	sqlite3_stmt *st = db_stmt(db, sql_chain_clear);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, centre);
	e = db_exec_stmt(db, st);
	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		st = db_stmt(db, sql_chain_add);
		if (!st)
			return ERR_INTERNAL;
		db_bind_text(st, 1, centre);
		db_bind_int(st, 2, entries[i].level);
		db_bind_int(st, 3, entries[i].user_id);
		e = db_exec_stmt(db, st);
	}
	return e;
}

static const char sql_user_active[] = "SELECT 1 FROM users WHERE id = ?1 AND disabled = 0";

enum err escalation_store_user_active(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_user_active);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e == ERR_OK)
		db_done(st);
	return e;
}
