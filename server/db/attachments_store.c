/* SQL for ticket attachments and GPS check-ins. Both are read per ticket:
 * the unique (ticket_id, ...) indexes answer every query here. */
#include "db/attachments_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

#define ATTACHMENT_COLS                                                                            \
	"a.id, a.ticket_id, a.client_uuid, a.sha256, a.media_type, a.declared_type, a.size,"       \
	" a.kind, a.caption, a.work_record, a.uploaded_by, coalesce(u.username, ''), a.created_at"

static const char sql_attachment_insert[] =
    "INSERT INTO ticket_attachments(ticket_id, client_uuid, sha256, media_type, declared_type,"
    " size, kind, caption, work_record, uploaded_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_attachment_get[] =
    "SELECT " ATTACHMENT_COLS " FROM ticket_attachments a LEFT JOIN users u ON u.id = a.uploaded_by"
    " WHERE a.ticket_id = ?1 AND a.client_uuid = ?2";
static const char sql_attachment_list[] =
    "SELECT " ATTACHMENT_COLS " FROM ticket_attachments a LEFT JOIN users u ON u.id = a.uploaded_by"
    " WHERE a.ticket_id = ?1 ORDER BY a.id";

static void attachment_read(sqlite3_stmt *st, struct attachment_row *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->ticket_id = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, a->client_uuid, sizeof(a->client_uuid));
	db_col_copy(st, 3, a->sha256, sizeof(a->sha256));
	db_col_copy(st, 4, a->media_type, sizeof(a->media_type));
	db_col_copy(st, 5, a->declared_type, sizeof(a->declared_type));
	a->size = sqlite3_column_int64(st, 6);
	db_col_copy(st, 7, a->kind, sizeof(a->kind));
	db_col_copy(st, 8, a->caption, sizeof(a->caption));
	a->work_record = sqlite3_column_int(st, 9);
	a->uploaded_by = sqlite3_column_int64(st, 10);
	db_col_copy(st, 11, a->uploaded_by_name, sizeof(a->uploaded_by_name));
	a->created_at = sqlite3_column_int64(st, 12);
}

enum err attachments_store_insert(struct db *db, struct attachment_row *a)
{
	sqlite3_stmt *st = db_stmt(db, sql_attachment_insert);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, a->ticket_id);
	db_bind_text(st, 2, a->client_uuid);
	db_bind_text(st, 3, a->sha256);
	db_bind_text(st, 4, a->media_type);
	db_bind_text(st, 5, a->declared_type);
	db_bind_int(st, 6, a->size);
	db_bind_text(st, 7, a->kind);
	db_bind_text(st, 8, a->caption);
	db_bind_int(st, 9, a->work_record ? 1 : 0);
	if (a->uploaded_by)
		db_bind_int(st, 10, a->uploaded_by);
	else
		sqlite3_bind_null(st, 10); /* the customer (nameplate report) */
	db_bind_int(st, 11, a->created_at);
	return db_exec_insert(db, st, &a->id);
}

enum err attachments_store_get(struct db *db, int64_t ticket_id, const char *client_uuid,
			       struct attachment_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_attachment_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_text(st, 2, client_uuid);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	attachment_read(st, out);
	db_done(st);
	return ERR_OK;
}

enum err attachments_store_list(struct db *db, int64_t ticket_id, attachment_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_attachment_list);
	struct attachment_row a;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		attachment_read(st, &a);
		if (fn(&a, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- GPS check-ins ------------------------------------------------------- */

#define CHECKIN_COLS                                                                               \
	"c.id, c.ticket_id, c.user_id, coalesce(u.username, ''), c.latitude, c.longitude,"         \
	" c.accuracy_m, c.device_at, c.server_at, c.distance_km, c.flagged, c.reasons"

static const char sql_checkin_insert[] =
    "INSERT INTO ticket_checkins(ticket_id, user_id, latitude, longitude, accuracy_m, device_at,"
    " server_at, distance_km, flagged, reasons) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_checkin_get[] =
    "SELECT " CHECKIN_COLS " FROM ticket_checkins c LEFT JOIN users u ON u.id = c.user_id"
    " WHERE c.ticket_id = ?1 AND c.user_id = ?2 AND c.device_at = ?3";
static const char sql_checkin_list[] =
    "SELECT " CHECKIN_COLS " FROM ticket_checkins c LEFT JOIN users u ON u.id = c.user_id"
    " WHERE c.ticket_id = ?1 ORDER BY c.id";

static void checkin_read(sqlite3_stmt *st, struct checkin_row *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->ticket_id = sqlite3_column_int64(st, 1);
	c->user_id = sqlite3_column_int64(st, 2);
	db_col_copy(st, 3, c->username, sizeof(c->username));
	c->latitude = sqlite3_column_double(st, 4);
	c->longitude = sqlite3_column_double(st, 5);
	c->accuracy_m = sqlite3_column_double(st, 6);
	c->device_at = sqlite3_column_int64(st, 7);
	c->server_at = sqlite3_column_int64(st, 8);
	c->has_distance = sqlite3_column_type(st, 9) != SQLITE_NULL;
	c->distance_km = c->has_distance ? sqlite3_column_double(st, 9) : 0;
	c->flagged = sqlite3_column_int(st, 10);
	db_col_copy(st, 11, c->reasons, sizeof(c->reasons));
}

enum err checkins_store_insert(struct db *db, struct checkin_row *c)
{
	sqlite3_stmt *st = db_stmt(db, sql_checkin_insert);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, c->ticket_id);
	db_bind_int(st, 2, c->user_id);
	sqlite3_bind_double(st, 3, c->latitude);
	sqlite3_bind_double(st, 4, c->longitude);
	sqlite3_bind_double(st, 5, c->accuracy_m);
	db_bind_int(st, 6, c->device_at);
	db_bind_int(st, 7, c->server_at);
	if (c->has_distance)
		sqlite3_bind_double(st, 8, c->distance_km);
	else
		sqlite3_bind_null(st, 8);
	db_bind_int(st, 9, c->flagged ? 1 : 0);
	db_bind_text(st, 10, c->reasons);
	return db_exec_insert(db, st, &c->id);
}

enum err checkins_store_get(struct db *db, int64_t ticket_id, int64_t user_id, int64_t device_at,
			    struct checkin_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_checkin_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, device_at);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	checkin_read(st, out);
	db_done(st);
	return ERR_OK;
}

enum err checkins_store_list(struct db *db, int64_t ticket_id, checkin_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_checkin_list);
	struct checkin_row c;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		checkin_read(st, &c);
		if (fn(&c, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
