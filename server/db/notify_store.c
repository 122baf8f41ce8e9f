#include "db/notify_store.h"

#include <string.h>

#include "db/db.h"

/* ---- In-app notifications ---- */

#define NOTE_COLS "id, user_id, kind, title, data, created_at, coalesce(read_at, 0)"

static void note_read(sqlite3_stmt *st, struct notification_row *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	out->kind = db_col_text(st, 2);
	out->title = db_col_text(st, 3);
	out->data = db_col_text(st, 4);
	out->created_at = sqlite3_column_int64(st, 5);
	out->read_at = sqlite3_column_int64(st, 6);
}

static const char sql_note_insert[] =
    "INSERT INTO notifications(user_id, kind, title, data, dedupe_key, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(dedupe_key) DO NOTHING";

enum err notify_store_insert(struct db *db, int64_t user_id, const char *kind, const char *title,
			     const char *data, const char *dedupe_key, int64_t now, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_note_insert);
	enum err e;

	*id_out = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, title);
	db_bind_text(st, 4, data ? data : "{}");
	db_bind_text(st, 5, dedupe_key);
	db_bind_int(st, 6, now);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK && db_changes(db) == 1)
		*id_out = sqlite3_last_insert_rowid(db_handle(db));
	return e;
}

/* notifications_user(user_id, id) answers both the range and the order. */
static const char sql_note_list[] =
    "SELECT " NOTE_COLS " FROM notifications WHERE user_id = ?1"
    " AND (?2 = 0 OR id < ?2) AND (?3 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?4";

enum err notify_store_list(struct db *db, int64_t user_id, int unread_only, int64_t before_id,
			   int limit, notification_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_note_list);
	struct notification_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, before_id);
	db_bind_int(st, 3, unread_only ? 1 : 0);
	db_bind_int(st, 4, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		note_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_note_get[] =
    "SELECT " NOTE_COLS " FROM notifications WHERE id = ?1 AND user_id = ?2";

enum err notify_store_get(struct db *db, int64_t user_id, int64_t id, notification_row_fn fn,
			  void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_note_get);
	struct notification_row row;
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	note_read(st, &row);
	fn(&row, ctx);
	db_done(st);
	return ERR_OK;
}

static const char sql_note_read[] = "UPDATE notifications SET read_at = ?3"
				    " WHERE id = ?1 AND user_id = ?2 AND read_at IS NULL";

enum err notify_store_mark_read(struct db *db, int64_t user_id, int64_t id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_note_read);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, now);
	return db_exec_one(db, st);
}

static const char sql_note_read_all[] =
    "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL";

enum err notify_store_mark_all_read(struct db *db, int64_t user_id, int64_t now, int64_t *changed)
{
	sqlite3_stmt *st = db_stmt(db, sql_note_read_all);
	enum err e;

	*changed = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, now);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*changed = sqlite3_changes64(db_handle(db));
	return e;
}

/* max(id) walks notifications_user to its end; the count reads the
 * partial index notifications_unread (migration 0020). */
static const char sql_note_state[] =
    "SELECT (SELECT coalesce(max(id), 0) FROM notifications WHERE user_id = ?1),"
    " (SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL)";

enum err notify_store_inbox_state(struct db *db, int64_t user_id, int64_t *newest_id,
				  int64_t *unread)
{
	sqlite3_stmt *st = db_stmt(db, sql_note_state);
	enum err e;

	*newest_id = 0;
	*unread = 0;
	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, user_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*newest_id = sqlite3_column_int64(st, 0);
	*unread = sqlite3_column_int64(st, 1);
	db_done(st);
	return ERR_OK;
}

/* ---- Webhook endpoints ---- */

#define EP_COLS                                                                                    \
	"e.id, e.url, e.secret, e.event_types, e.allow_private, e.active,"                         \
	" coalesce(e.created_by, 0), e.created_at, e.updated_at, coalesce(e.owner_id, 0),"         \
	" coalesce(e.owner_role, ''), e.scope_ops_region, e.scope_ops_centre,"                     \
	" e.scope_registry_region, coalesce(r.path, ''), coalesce(u.centre_code, ''),"             \
	" coalesce(u.disabled = 0 AND u.role = e.owner_role, 0)"
/* The owner's home region and centre as they are now. */
#define EP_FROM                                                                                    \
	" FROM webhook_endpoints e LEFT JOIN users u ON u.id = e.owner_id"                         \
	" LEFT JOIN regions r ON r.code = u.region_code"

static void endpoint_read(sqlite3_stmt *st, struct webhook_endpoint_row *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->url = db_col_text(st, 1);
	out->secret = db_col_text(st, 2);
	out->event_types = db_col_text(st, 3);
	out->allow_private = sqlite3_column_int(st, 4);
	out->active = sqlite3_column_int(st, 5);
	out->created_by = sqlite3_column_int64(st, 6);
	out->created_at = sqlite3_column_int64(st, 7);
	out->updated_at = sqlite3_column_int64(st, 8);
	out->owner_id = sqlite3_column_int64(st, 9);
	out->owner_role = db_col_text(st, 10);
	out->scope_ops_region = sqlite3_column_int(st, 11);
	out->scope_ops_centre = sqlite3_column_int(st, 12);
	out->scope_registry_region = sqlite3_column_int(st, 13);
	out->owner_region_path = db_col_text(st, 14);
	out->owner_centre = db_col_text(st, 15);
	out->owner_current = sqlite3_column_int(st, 16);
}

static const char sql_ep_insert[] =
    "INSERT INTO webhook_endpoints(url, secret, event_types, allow_private, active,"
    " created_by, created_at, updated_at, owner_id, owner_role, scope_ops_region,"
    " scope_ops_centre, scope_registry_region)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12)";

enum err webhook_store_endpoint_insert(struct db *db, const struct webhook_endpoint_row *in,
				       int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_ep_insert);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, in->url);
	db_bind_text(st, 2, in->secret);
	db_bind_text(st, 3, in->event_types);
	db_bind_int(st, 4, in->allow_private ? 1 : 0);
	db_bind_int(st, 5, in->active ? 1 : 0);
	if (in->created_by > 0)
		db_bind_int(st, 6, in->created_by);
	db_bind_int(st, 7, in->created_at);
	if (in->owner_id > 0) {
		db_bind_int(st, 8, in->owner_id);
		db_bind_text(st, 9, in->owner_role);
	}
	db_bind_int(st, 10, in->scope_ops_region ? 1 : 0);
	db_bind_int(st, 11, in->scope_ops_centre ? 1 : 0);
	db_bind_int(st, 12, in->scope_registry_region ? 1 : 0);
	return db_exec_insert(db, st, id_out);
}

static const char sql_ep_get[] = "SELECT " EP_COLS EP_FROM " WHERE e.id = ?1";

enum err webhook_store_endpoint_get(struct db *db, int64_t id, webhook_endpoint_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_ep_get);
	struct webhook_endpoint_row row;
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	endpoint_read(st, &row);
	fn(&row, ctx);
	db_done(st);
	return ERR_OK;
}

/* An owner's list reads webhook_endpoints_owner (migration 0022). */
static const char sql_ep_list[] = "SELECT " EP_COLS EP_FROM " WHERE e.id > ?1"
				  " AND (?3 = 0 OR e.owner_id = ?3) ORDER BY e.id LIMIT ?2";

enum err webhook_store_endpoint_list(struct db *db, int64_t owner_id, int64_t after_id, int limit,
				     webhook_endpoint_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_ep_list);
	struct webhook_endpoint_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, after_id);
	db_bind_int(st, 2, limit > 0 ? limit : -1);
	db_bind_int(st, 3, owner_id > 0 ? owner_id : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		endpoint_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_ep_update[] =
    "UPDATE webhook_endpoints SET active = ?2, event_types = ?3, updated_at = ?4 WHERE id = ?1";

enum err webhook_store_endpoint_update(struct db *db, int64_t id, int active,
				       const char *event_types, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_ep_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, active ? 1 : 0);
	db_bind_text(st, 3, event_types);
	db_bind_int(st, 4, now);
	return db_exec_one(db, st);
}

static const char sql_ep_rescope[] =
    "UPDATE webhook_endpoints SET owner_role = ?2, scope_ops_region = ?3,"
    " scope_ops_centre = ?4, scope_registry_region = ?5 WHERE id = ?1 AND owner_id IS NOT NULL";

enum err webhook_store_endpoint_rescope(struct db *db, int64_t id,
					const struct webhook_endpoint_row *in)
{
	sqlite3_stmt *st = db_stmt(db, sql_ep_rescope);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, in->owner_role);
	db_bind_int(st, 3, in->scope_ops_region ? 1 : 0);
	db_bind_int(st, 4, in->scope_ops_centre ? 1 : 0);
	db_bind_int(st, 5, in->scope_registry_region ? 1 : 0);
	return db_exec_one(db, st);
}

static const char sql_ep_delete[] = "DELETE FROM webhook_endpoints WHERE id = ?1";

enum err webhook_store_endpoint_delete(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql_ep_delete);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	return db_exec_one(db, st);
}

/* ---- Webhook deliveries ---- */

#define DEL_COLS                                                                                   \
	"d.id, d.endpoint_id, d.event_type, d.payload, d.status, d.attempts,"                      \
	" d.next_attempt_at, coalesce(d.last_status, 0), d.last_error, d.created_at,"              \
	" coalesce(d.delivered_at, 0),"                                                            \
	" (SELECT coalesce(x.owner_id, 0) FROM webhook_endpoints x WHERE x.id = d.endpoint_id)"

static void delivery_read(sqlite3_stmt *st, struct webhook_delivery_row *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->endpoint_id = sqlite3_column_int64(st, 1);
	out->event_type = db_col_text(st, 2);
	out->payload = db_col_text(st, 3);
	out->status = db_col_text(st, 4);
	out->attempts = sqlite3_column_int(st, 5);
	out->next_attempt_at = sqlite3_column_int64(st, 6);
	out->last_status = sqlite3_column_int(st, 7);
	out->last_error = db_col_text(st, 8);
	out->created_at = sqlite3_column_int64(st, 9);
	out->delivered_at = sqlite3_column_int64(st, 10);
	out->owner_id = sqlite3_column_int64(st, 11);
}

/* One statement: the subscribed endpoints are read and their deliveries
 * written together, inside the producer's transaction. An owner's
 * endpoint: the owner enabled with the role it was saved with, and the
 * object in the owner's region subtree ([path, path with its last '/' as
 * '0'), as policy_scope() builds it) or centre now, as the flags say. */
static const char sql_fanout[] =
    "INSERT INTO webhook_deliveries(endpoint_id, event_type, payload, next_attempt_at,"
    " created_at)"
    " SELECT e.id, ?1, ?2, ?3, ?3 FROM webhook_endpoints e"
    " LEFT JOIN users u ON u.id = e.owner_id LEFT JOIN regions r ON r.code = u.region_code"
    " WHERE e.active = 1"
    " AND EXISTS (SELECT 1 FROM json_each(e.event_types) j WHERE j.value IN (?1, '*'))"
    " AND (e.owner_id IS NULL OR (u.disabled = 0 AND u.role = e.owner_role AND (?4 = 1"
    "  OR (?7 = 0 AND e.scope_ops_centre = 1 AND ?6 IS NOT NULL AND ?6 = u.centre_code)"
    "  OR (((?7 = 0 AND e.scope_ops_region = 1) OR (?7 = 1 AND e.scope_registry_region = 1))"
    "   AND ?5 IS NOT NULL AND length(r.path) >= 2 AND ?5 >= r.path"
    "   AND ?5 < substr(r.path, 1, length(r.path) - 1) || '0'))))"
    " ORDER BY e.id";

enum err webhook_store_fanout(struct db *db, const char *event_type, const char *payload,
			      const struct webhook_event_scope *sc, int64_t now, int64_t *count)
{
	sqlite3_stmt *st = db_stmt(db, sql_fanout);
	enum err e;

	*count = 0;
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, event_type);
	db_bind_text(st, 2, payload);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, sc->national ? 1 : 0);
	if (sc->region_path && sc->region_path[0])
		db_bind_text(st, 5, sc->region_path);
	if (sc->centre && sc->centre[0])
		db_bind_text(st, 6, sc->centre);
	db_bind_int(st, 7, sc->registry ? 1 : 0);
	e = db_exec_stmt(db, st);
	if (e == ERR_OK)
		*count = sqlite3_changes64(db_handle(db));
	return e;
}

static const char sql_del_list[] =
    "SELECT " DEL_COLS " FROM webhook_deliveries d WHERE d.endpoint_id = ?1"
    " AND (?2 IS NULL OR d.status = ?2) AND (?3 = 0 OR d.id < ?3) ORDER BY d.id DESC LIMIT ?4";

enum err webhook_store_delivery_list(struct db *db, int64_t endpoint_id, const char *status,
				     int64_t before_id, int limit, webhook_delivery_fn fn,
				     void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_del_list);
	struct webhook_delivery_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, endpoint_id);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, before_id);
	db_bind_int(st, 4, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		delivery_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_del_get[] = "SELECT " DEL_COLS " FROM webhook_deliveries d WHERE d.id = ?1";

enum err webhook_store_delivery_get(struct db *db, int64_t id, webhook_delivery_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_del_get);
	struct webhook_delivery_row row;
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	delivery_read(st, &row);
	fn(&row, ctx);
	db_done(st);
	return ERR_OK;
}

static const char sql_del_retry[] =
    "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2"
    " WHERE id = ?1 AND status = 'dead'";

enum err webhook_store_delivery_retry(struct db *db, int64_t id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_del_retry);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now);
	return db_exec_one(db, st);
}

/* webhook_deliveries_due(status, next_attempt_at) answers the range. */
static const char sql_due[] =
    "SELECT " DEL_COLS ", e.url, e.secret, e.allow_private"
    " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
    " WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND e.active = 1"
    " ORDER BY d.next_attempt_at, d.id LIMIT ?2";

enum err webhook_store_due(struct db *db, int64_t now, int limit, webhook_delivery_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_due);
	struct webhook_delivery_row row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		delivery_read(st, &row);
		row.url = db_col_text(st, 12);
		row.secret = db_col_text(st, 13);
		row.allow_private = sqlite3_column_int(st, 14);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_del_lease[] = "UPDATE webhook_deliveries SET next_attempt_at = ?2"
				    " WHERE id = ?1 AND status = 'pending'";

enum err webhook_store_delivery_lease(struct db *db, int64_t id, int64_t until)
{
	sqlite3_stmt *st = db_stmt(db, sql_del_lease);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, until);
	return db_exec_one(db, st);
}

static const char sql_del_record[] =
    "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4,"
    " last_status = ?5, last_error = ?6,"
    " delivered_at = CASE WHEN ?2 = 'delivered' THEN ?7 ELSE delivered_at END"
    " WHERE id = ?1 AND status = 'pending'";

enum err webhook_store_delivery_record(struct db *db, int64_t id, const char *status, int attempts,
				       int64_t next_attempt_at, int last_status,
				       const char *last_error, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_del_record);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, attempts);
	db_bind_int(st, 4, next_attempt_at);
	if (last_status > 0)
		db_bind_int(st, 5, last_status);
	db_bind_text(st, 6, last_error ? last_error : "");
	db_bind_int(st, 7, now);
	return db_exec_one(db, st);
}
