/* SQL for service tickets. Scope fragments bind ?1..?6 (bind_scope). */
#include "db/tickets_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/assets_store.h"
#include "db/db.h"

static void bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id)
		db_bind_int(st, idx, id);
	else
		sqlite3_bind_null(st, idx);
}

static void bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	db_bind_text(st, idx, s && s[0] ? s : NULL);
}

static int64_t col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

/* ---- intake facts -------------------------------------------------------- */

#define FACTS_READ_POSITION(st, col, out)                                                          \
	do {                                                                                       \
		(out)->has_position = sqlite3_column_type(st, col) != SQLITE_NULL &&               \
				      sqlite3_column_type(st, (col) + 1) != SQLITE_NULL;           \
		(out)->latitude = sqlite3_column_double(st, col);                                  \
		(out)->longitude = sqlite3_column_double(st, (col) + 1);                           \
	} while (0)

/* The asset's own scope columns (as assets_store's ASSET_SCOPE). */
static const char sql_asset_facts[] =
    "SELECT a.id, coalesce(a.customer_id, 0), coalesce(a.site_id, 0), a.model_id,"
    " coalesce(a.sales_owner_id, c.sales_owner_id, 0), a.region_path, m.product_line,"
    " coalesce(c.tier, ''), coalesce(a.warranty_end, ''), s.latitude, s.longitude"
    " FROM assets a JOIN models m ON m.id = a.model_id"
    " LEFT JOIN customers c ON c.id = a.customer_id LEFT JOIN sites s ON s.id = a.site_id"
    " WHERE a.id = ?5 AND (?1 = 1 OR (?2 IS NOT NULL AND a.region_path >= ?2"
    " AND a.region_path < ?3) OR (?4 != 0 AND a.sales_owner_id = ?4)) AND" ASSET_PUBLISHED("a");

enum err tickets_store_asset_facts(struct db *db, int64_t asset_id, const struct scope *sc,
				   struct ticket_facts *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_asset_facts);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, asset_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->asset_id = col_int(st, 0);
	out->customer_id = col_int(st, 1);
	out->site_id = col_int(st, 2);
	out->model_id = col_int(st, 3);
	out->sales_owner_id = col_int(st, 4);
	db_col_copy(st, 5, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 6, out->product_line, sizeof(out->product_line));
	db_col_copy(st, 7, out->tier, sizeof(out->tier));
	db_col_copy(st, 8, out->warranty_end, sizeof(out->warranty_end));
	FACTS_READ_POSITION(st, 9, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_site_facts[] =
    "SELECT s.id, s.customer_id, r.path, c.tier, coalesce(c.sales_owner_id, 0),"
    " s.latitude, s.longitude"
    " FROM sites s JOIN regions r ON r.code = s.region_code"
    " JOIN customers c ON c.id = s.customer_id"
    " WHERE s.id = ?5 AND (?1 = 1 OR (?2 IS NOT NULL AND r.path >= ?2 AND r.path < ?3)"
    " OR (?4 != 0 AND c.sales_owner_id = ?4))";

enum err tickets_store_site_facts(struct db *db, int64_t site_id, const struct scope *sc,
				  struct ticket_facts *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_site_facts);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, site_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->site_id = col_int(st, 0);
	out->customer_id = col_int(st, 1);
	db_col_copy(st, 2, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 3, out->tier, sizeof(out->tier));
	out->sales_owner_id = col_int(st, 4);
	FACTS_READ_POSITION(st, 5, out);
	db_done(st);
	return ERR_OK;
}

/* A customer is in a regional scope through its own region or one of its
 * sites' regions (as the registry's customer scope). */
static const char sql_customer_facts[] =
    "SELECT c.id, coalesce(r.path, ''), c.tier, coalesce(c.sales_owner_id, 0)"
    " FROM customers c LEFT JOIN regions r ON r.code = c.region_code"
    " WHERE c.id = ?5 AND (?1 = 1 OR (?4 != 0 AND c.sales_owner_id = ?4)"
    " OR (?2 IS NOT NULL AND ((r.path >= ?2 AND r.path < ?3)"
    " OR EXISTS (SELECT 1 FROM sites s JOIN regions sr ON sr.code = s.region_code"
    " WHERE s.customer_id = c.id AND sr.path >= ?2 AND sr.path < ?3))))";

enum err tickets_store_customer_facts(struct db *db, int64_t customer_id, const struct scope *sc,
				      struct ticket_facts *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_customer_facts);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc);
	db_bind_int(st, 5, customer_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->customer_id = col_int(st, 0);
	db_col_copy(st, 1, out->region_path, sizeof(out->region_path));
	db_col_copy(st, 2, out->tier, sizeof(out->tier));
	out->sales_owner_id = col_int(st, 3);
	db_done(st);
	return ERR_OK;
}

/* ---- tickets ------------------------------------------------------------- */

#define TICKET_COLS                                                                                \
	"t.id, t.channel, t.category, t.subcategory, t.status, coalesce(t.paused_status, ''),"     \
	" t.title, t.description, t.impact, t.urgency, t.priority, t.customer_tier,"               \
	" coalesce(t.asset_id, 0), t.customer_id, coalesce(t.site_id, 0),"                         \
	" coalesce(t.model_id, 0), coalesce(t.sales_owner_id, 0), t.region_path,"                  \
	" coalesce(t.product_line, ''), t.warranty_status, t.billable, t.contact_name,"            \
	" t.contact_phone, coalesce(t.centre_code, ''), t.routing, coalesce(t.assignee_id, 0),"    \
	" coalesce(t.parent_id, 0), t.response_due, t.arrival_due, t.resolution_due,"              \
	" coalesce(t.responded_at, 0), coalesce(t.arrived_at, 0), coalesce(t.resolved_at, 0),"     \
	" coalesce(t.closed_at, 0), coalesce(t.paused_at, 0), t.paused_seconds,"                   \
	" coalesce(t.satisfaction, 0), t.feedback, coalesce(t.created_by, 0), t.version,"          \
	" t.created_at, t.updated_at, c.name, coalesce(s.name, ''), coalesce(a.serial, ''),"       \
	" coalesce(m.code, ''), coalesce(u.username, ''), s.latitude, s.longitude,"                \
	" (SELECT coalesce(max(x.level), 0) FROM ticket_alerts x WHERE x.ticket_id = t.id"         \
	" AND x.kind = 'escalation'),"                                                             \
	" coalesce(t.client_id, ''), coalesce(t.client_fingerprint, ''),"                          \
	" EXISTS (SELECT 1 FROM ticket_alerts x WHERE x.ticket_id = t.id"                          \
	" AND x.kind = 'escalation' AND NOT EXISTS (SELECT 1 FROM escalation_acks k"               \
	" WHERE k.ticket_id = x.ticket_id AND k.target = x.target AND k.level = x.level))"
#define TICKET_FROM                                                                                \
	" FROM tickets t JOIN customers c ON c.id = t.customer_id"                                 \
	" LEFT JOIN sites s ON s.id = t.site_id LEFT JOIN assets a ON a.id = t.asset_id"           \
	" LEFT JOIN models m ON m.id = t.model_id LEFT JOIN users u ON u.id = t.assignee_id"
#define TICKET_SCOPE                                                                               \
	"(?1 = 1 OR (?2 IS NOT NULL AND t.region_path >= ?2 AND t.region_path < ?3)"               \
	" OR (?4 IS NOT NULL AND t.centre_code = ?4)"                                              \
	" OR (?5 != 0 AND (t.assignee_id = ?5 OR t.created_by = ?5))"                              \
	" OR (?6 != 0 AND t.sales_owner_id = ?6))"

static void bind_ticket_scope(sqlite3_stmt *st, const struct scope *sc)
{
	sqlite3_bind_int(st, 1, sc->all);
	bind_text_or_null(st, 2, sc->ops_region && sc->region_lo[0] ? sc->region_lo : NULL);
	bind_text_or_null(st, 3, sc->ops_region && sc->region_lo[0] ? sc->region_hi : NULL);
	bind_text_or_null(st, 4, sc->centre);
	db_bind_int(st, 5, sc->user_id);
	db_bind_int(st, 6, sc->owner_id);
}

static void read_ticket(sqlite3_stmt *st, struct ticket_row *t)
{
	int c = 0;

	t->id = col_int(st, c++);
	db_col_copy(st, c++, t->channel, sizeof(t->channel));
	db_col_copy(st, c++, t->category, sizeof(t->category));
	db_col_copy(st, c++, t->subcategory, sizeof(t->subcategory));
	db_col_copy(st, c++, t->status, sizeof(t->status));
	db_col_copy(st, c++, t->paused_status, sizeof(t->paused_status));
	db_col_copy(st, c++, t->title, sizeof(t->title));
	db_col_copy(st, c++, t->description, sizeof(t->description));
	db_col_copy(st, c++, t->impact, sizeof(t->impact));
	db_col_copy(st, c++, t->urgency, sizeof(t->urgency));
	db_col_copy(st, c++, t->priority, sizeof(t->priority));
	db_col_copy(st, c++, t->customer_tier, sizeof(t->customer_tier));
	t->asset_id = col_int(st, c++);
	t->customer_id = col_int(st, c++);
	t->site_id = col_int(st, c++);
	t->model_id = col_int(st, c++);
	t->sales_owner_id = col_int(st, c++);
	db_col_copy(st, c++, t->region_path, sizeof(t->region_path));
	db_col_copy(st, c++, t->product_line, sizeof(t->product_line));
	db_col_copy(st, c++, t->warranty_status, sizeof(t->warranty_status));
	t->billable = (int)col_int(st, c++);
	db_col_copy(st, c++, t->contact_name, sizeof(t->contact_name));
	db_col_copy(st, c++, t->contact_phone, sizeof(t->contact_phone));
	db_col_copy(st, c++, t->centre, sizeof(t->centre));
	db_col_copy(st, c++, t->routing, sizeof(t->routing));
	t->assignee_id = col_int(st, c++);
	t->parent_id = col_int(st, c++);
	t->response_due = col_int(st, c++);
	t->arrival_due = col_int(st, c++);
	t->resolution_due = col_int(st, c++);
	t->responded_at = col_int(st, c++);
	t->arrived_at = col_int(st, c++);
	t->resolved_at = col_int(st, c++);
	t->closed_at = col_int(st, c++);
	t->paused_at = col_int(st, c++);
	t->paused_seconds = col_int(st, c++);
	t->satisfaction = (int)col_int(st, c++);
	db_col_copy(st, c++, t->feedback, sizeof(t->feedback));
	t->created_by = col_int(st, c++);
	t->version = col_int(st, c++);
	t->created_at = col_int(st, c++);
	t->updated_at = col_int(st, c++);
	db_col_copy(st, c++, t->customer_name, sizeof(t->customer_name));
	db_col_copy(st, c++, t->site_name, sizeof(t->site_name));
	db_col_copy(st, c++, t->asset_serial, sizeof(t->asset_serial));
	db_col_copy(st, c++, t->model_code, sizeof(t->model_code));
	db_col_copy(st, c++, t->assignee_username, sizeof(t->assignee_username));
	t->has_position = sqlite3_column_type(st, c) != SQLITE_NULL &&
			  sqlite3_column_type(st, c + 1) != SQLITE_NULL;
	t->latitude = sqlite3_column_double(st, c);
	t->longitude = sqlite3_column_double(st, c + 1);
	t->escalation_level = sqlite3_column_int(st, c + 2);
	db_col_copy(st, c + 3, t->client_id, sizeof(t->client_id));
	db_col_copy(st, c + 4, t->client_fingerprint, sizeof(t->client_fingerprint));
	t->escalation_waiting = sqlite3_column_int(st, c + 5);
}

static const char sql_ticket_insert[] =
    "INSERT INTO tickets(channel, category, subcategory, status, title, description, impact,"
    " urgency, priority, customer_tier, asset_id, customer_id, site_id, region_path, model_id,"
    " product_line, sales_owner_id, warranty_status, billable, contact_name, contact_phone,"
    " centre_code, routing, parent_id, response_due, arrival_due, resolution_due, created_by,"
    " created_at, updated_at, client_id, client_fingerprint)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?29, ?30, ?31)";

enum err tickets_store_insert(struct db *db, const struct ticket_row *t, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_insert);

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, t->channel);
	db_bind_text(st, 2, t->category);
	db_bind_text(st, 3, t->subcategory);
	db_bind_text(st, 4, t->status);
	db_bind_text(st, 5, t->title);
	db_bind_text(st, 6, t->description);
	db_bind_text(st, 7, t->impact);
	db_bind_text(st, 8, t->urgency);
	db_bind_text(st, 9, t->priority);
	db_bind_text(st, 10, t->customer_tier);
	bind_id_or_null(st, 11, t->asset_id);
	db_bind_int(st, 12, t->customer_id);
	bind_id_or_null(st, 13, t->site_id);
	db_bind_text(st, 14, t->region_path);
	bind_id_or_null(st, 15, t->model_id);
	bind_text_or_null(st, 16, t->product_line);
	bind_id_or_null(st, 17, t->sales_owner_id);
	db_bind_text(st, 18, t->warranty_status);
	db_bind_int(st, 19, t->billable);
	db_bind_text(st, 20, t->contact_name);
	db_bind_text(st, 21, t->contact_phone);
	bind_text_or_null(st, 22, t->centre);
	db_bind_text(st, 23, t->routing[0] ? t->routing : "{}");
	bind_id_or_null(st, 24, t->parent_id);
	db_bind_int(st, 25, t->response_due);
	db_bind_int(st, 26, t->arrival_due);
	db_bind_int(st, 27, t->resolution_due);
	bind_id_or_null(st, 28, t->created_by);
	db_bind_int(st, 29, t->created_at);
	bind_text_or_null(st, 30, t->client_id);
	bind_text_or_null(st, 31, t->client_id[0] ? t->client_fingerprint : NULL);
	return db_exec_insert(db, st, id_out);
}

/* Intake facts (customer, asset, site, tier, warranty) never change after
 * intake; everything a transition may touch is written back. */
static const char sql_ticket_update[] =
    "UPDATE tickets SET status = ?3, paused_status = ?4, centre_code = ?5, routing = ?6,"
    " assignee_id = ?7, response_due = ?8, arrival_due = ?9, resolution_due = ?10,"
    " responded_at = ?11, arrived_at = ?12, resolved_at = ?13, closed_at = ?14,"
    " paused_at = ?15, paused_seconds = ?16, satisfaction = ?17, feedback = ?18,"
    " updated_at = ?19, version = version + 1"
    " WHERE id = ?1 AND version = ?2";

static void bind_time_or_null(sqlite3_stmt *st, int idx, int64_t t)
{
	if (t)
		db_bind_int(st, idx, t);
	else
		sqlite3_bind_null(st, idx);
}

enum err tickets_store_update(struct db *db, struct ticket_row *t)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_update);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, t->id);
	db_bind_int(st, 2, t->version);
	db_bind_text(st, 3, t->status);
	bind_text_or_null(st, 4, t->paused_status);
	bind_text_or_null(st, 5, t->centre);
	db_bind_text(st, 6, t->routing[0] ? t->routing : "{}");
	bind_id_or_null(st, 7, t->assignee_id);
	db_bind_int(st, 8, t->response_due);
	db_bind_int(st, 9, t->arrival_due);
	db_bind_int(st, 10, t->resolution_due);
	bind_time_or_null(st, 11, t->responded_at);
	bind_time_or_null(st, 12, t->arrived_at);
	bind_time_or_null(st, 13, t->resolved_at);
	bind_time_or_null(st, 14, t->closed_at);
	bind_time_or_null(st, 15, t->paused_at);
	db_bind_int(st, 16, t->paused_seconds);
	if (t->satisfaction)
		db_bind_int(st, 17, t->satisfaction);
	else
		sqlite3_bind_null(st, 17);
	db_bind_text(st, 18, t->feedback);
	db_bind_int(st, 19, t->updated_at);
	e = db_exec_one(db, st);
	if (e == ERR_NOT_FOUND)
		return ERR_CONFLICT;
	if (e == ERR_OK)
		t->version++;
	return e;
}

static const char sql_ticket_by_client_id[] =
    "SELECT id, coalesce(client_fingerprint, ''), coalesce(created_by, 0) FROM tickets"
    " WHERE client_id = ?1";

enum err tickets_store_by_client_id(struct db *db, const char *client_id, int64_t *id,
				    char fingerprint[65], int64_t *created_by)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_by_client_id);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, client_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*id = col_int(st, 0);
	db_col_copy(st, 1, fingerprint, 65);
	*created_by = col_int(st, 2);
	db_done(st);
	return ERR_OK;
}

static const char sql_ticket_get[] =
    "SELECT " TICKET_COLS TICKET_FROM " WHERE t.id = ?7 AND " TICKET_SCOPE;

enum err tickets_store_get(struct db *db, int64_t id, const struct scope *sc,
			   struct ticket_row *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	bind_ticket_scope(st, sc);
	db_bind_int(st, 7, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	read_ticket(st, out);
	db_done(st);
	return ERR_OK;
}

/* Migration 0012 repeats this condition word for word in the partial index
 * tickets_asset_open, which the trace's open-requests query needs. */
#define TICKET_OPEN "t.status NOT IN " TICKET_DONE_SQL

/* Optional filters bind NULL / 0 when unused. Overdue: a target missed by
 * ?18 and not met, the clock running (not paused) and the job open. */
static const char sql_ticket_list[] =
    "SELECT " TICKET_COLS TICKET_FROM " WHERE t.id < ?7 AND " TICKET_SCOPE
    " AND (?8 IS NULL OR instr(',' || ?8 || ',', ',' || t.status || ',') > 0)"
    " AND (?9 IS NULL OR t.centre_code = ?9)"
    " AND (?10 = 0 OR t.assignee_id = ?10)"
    " AND (?11 IS NULL OR t.priority = ?11)"
    " AND (?12 IS NULL OR t.category = ?12 OR t.subcategory = ?12)"
    " AND (?13 IS NULL OR t.channel = ?13)"
    " AND (?14 = 0 OR t.asset_id = ?14)"
    " AND (?15 = 0 OR t.customer_id = ?15)"
    " AND (?16 = 0 OR t.created_at >= ?16)"
    " AND (?17 = 0 OR t.created_at < ?17)"
    " AND (?18 = 0 OR (" TICKET_OPEN " AND t.paused_at IS NULL"
    " AND ((t.responded_at IS NULL AND t.response_due < ?18)"
    " OR (t.arrived_at IS NULL AND t.arrival_due < ?18)"
    " OR t.resolution_due < ?18)))"
    " AND (?20 = 0 OR EXISTS (SELECT 1 FROM ticket_alerts a WHERE a.ticket_id = t.id"
    " AND a.kind = 'escalation'))"
    " ORDER BY t.id DESC LIMIT ?19";

enum err tickets_store_list(struct db *db, const struct scope *sc, const struct ticket_filter *f,
			    int64_t before_id, int limit, ticket_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_ticket_list);
	struct ticket_row *t;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	t = malloc(sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	bind_ticket_scope(st, sc);
	db_bind_int(st, 7, before_id > 0 ? before_id : INT64_MAX);
	bind_text_or_null(st, 8, f->statuses);
	bind_text_or_null(st, 9, f->centre);
	db_bind_int(st, 10, f->assignee_id);
	bind_text_or_null(st, 11, f->priority);
	bind_text_or_null(st, 12, f->category);
	bind_text_or_null(st, 13, f->channel);
	db_bind_int(st, 14, f->asset_id);
	db_bind_int(st, 15, f->customer_id);
	db_bind_int(st, 16, f->created_from);
	db_bind_int(st, 17, f->created_to);
	db_bind_int(st, 18, f->overdue_at);
	db_bind_int(st, 19, limit > 0 ? limit : -1);
	db_bind_int(st, 20, f->escalated);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_ticket(st, t);
		if (fn(t, ctx))
			break;
	}
	free(t);
	return db_scan_end(db, st, rc);
}

/* ---- the dispatcher's board ------------------------------------------- */

#define BOARD_COLS                                                                                 \
	"t.id, t.status, t.priority, t.channel, t.category, t.subcategory, t.title,"               \
	" t.customer_id, c.name, t.customer_tier, coalesce(t.site_id, 0), coalesce(s.name, ''),"   \
	" coalesce(t.asset_id, 0), coalesce(a.serial, ''), coalesce(m.code, ''),"                  \
	" coalesce(t.centre_code, ''), coalesce(t.assignee_id, 0), coalesce(u.username, ''),"      \
	" t.response_due, t.arrival_due, t.resolution_due, coalesce(t.responded_at, 0),"           \
	" coalesce(t.arrived_at, 0), coalesce(t.resolved_at, 0), coalesce(t.paused_at, 0),"        \
	" (SELECT coalesce(max(x.level), 0) FROM ticket_alerts x WHERE x.ticket_id = t.id"         \
	" AND x.kind = 'escalation'), t.version, t.created_at, t.updated_at"
/* Migration 0019 repeats this condition word for word in the partial
 * index tickets_board. */
#define BOARD_NOT_FINAL "t.status NOT IN " TICKET_FINAL_SQL
#define BOARD_FILTER                                                                               \
	"(?7 IS NULL OR t.centre_code = ?7)"                                                       \
	" AND (?8 IS NULL OR instr(',' || ?8 || ',', ',' || t.status || ',') > 0)"

static void read_board_row(sqlite3_stmt *st, struct ticket_board_row *t)
{
	int c = 0;

	t->id = col_int(st, c++);
	db_col_copy(st, c++, t->status, sizeof(t->status));
	db_col_copy(st, c++, t->priority, sizeof(t->priority));
	db_col_copy(st, c++, t->channel, sizeof(t->channel));
	db_col_copy(st, c++, t->category, sizeof(t->category));
	db_col_copy(st, c++, t->subcategory, sizeof(t->subcategory));
	db_col_copy(st, c++, t->title, sizeof(t->title));
	t->customer_id = col_int(st, c++);
	db_col_copy(st, c++, t->customer_name, sizeof(t->customer_name));
	db_col_copy(st, c++, t->customer_tier, sizeof(t->customer_tier));
	t->site_id = col_int(st, c++);
	db_col_copy(st, c++, t->site_name, sizeof(t->site_name));
	t->asset_id = col_int(st, c++);
	db_col_copy(st, c++, t->asset_serial, sizeof(t->asset_serial));
	db_col_copy(st, c++, t->model_code, sizeof(t->model_code));
	db_col_copy(st, c++, t->centre, sizeof(t->centre));
	t->assignee_id = col_int(st, c++);
	db_col_copy(st, c++, t->assignee_username, sizeof(t->assignee_username));
	for (int i = 0; i < 3; i++)
		t->due[i] = col_int(st, c++);
	for (int i = 0; i < 3; i++)
		t->met[i] = col_int(st, c++);
	t->paused_at = col_int(st, c++);
	t->escalation_level = (int)col_int(st, c++);
	t->version = col_int(st, c++);
	t->created_at = col_int(st, c++);
	t->updated_at = col_int(st, c++);
}

static void bind_board_filter(sqlite3_stmt *st, const struct ticket_board_filter *f)
{
	bind_text_or_null(st, 7, f ? f->centre : NULL);
	bind_text_or_null(st, 8, f ? f->statuses : NULL);
}

static const char sql_board[] = "SELECT " BOARD_COLS TICKET_FROM " WHERE " BOARD_NOT_FINAL
				" AND " TICKET_SCOPE " AND " BOARD_FILTER " ORDER BY t.id";

enum err tickets_store_board(struct db *db, const struct scope *sc,
			     const struct ticket_board_filter *f, ticket_board_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_board);
	struct ticket_board_row *t;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	t = malloc(sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	bind_ticket_scope(st, sc);
	bind_board_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_board_row(st, t);
		if (fn(t, ctx))
			break;
	}
	free(t);
	return db_scan_end(db, st, rc);
}

static const char sql_board_get[] =
    "SELECT " BOARD_COLS ", " BOARD_NOT_FINAL " AND " BOARD_FILTER TICKET_FROM
    " WHERE t.id = ?9 AND " TICKET_SCOPE;

enum err tickets_store_board_get(struct db *db, int64_t id, const struct scope *sc,
				 const struct ticket_board_filter *f, struct ticket_board_row *out,
				 int *on_board)
{
	sqlite3_stmt *st = db_stmt(db, sql_board_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	bind_ticket_scope(st, sc);
	bind_board_filter(st, f);
	db_bind_int(st, 9, id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	read_board_row(st, out);
	*on_board = sqlite3_column_int(st, 29);
	db_done(st);
	return ERR_OK;
}

static const char sql_open_of_asset[] =
    "SELECT " TICKET_COLS TICKET_FROM " WHERE t.asset_id = ?1 AND " TICKET_OPEN
    " ORDER BY t.id DESC LIMIT ?2";

enum err tickets_store_open_of_asset(struct db *db, int64_t asset_id, int limit, ticket_row_fn fn,
				     void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_open_of_asset);
	struct ticket_row *t;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	t = malloc(sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_ticket(st, t);
		if (fn(t, ctx))
			break;
	}
	free(t);
	return db_scan_end(db, st, rc);
}

/* ---- history ------------------------------------------------------------ */

static const char sql_event_add[] =
    "INSERT INTO ticket_events(ticket_id, seq, at, action, from_status, to_status, actor_id,"
    " note, latitude, longitude, detail, device_at)"
    " SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11"
    " FROM ticket_events WHERE ticket_id = ?1 RETURNING seq";

enum err tickets_store_event_add(struct db *db, int64_t ticket_id, struct ticket_event *ev)
{
	sqlite3_stmt *st = db_stmt(db, sql_event_add);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_int(st, 2, ev->at);
	db_bind_text(st, 3, ev->action);
	bind_text_or_null(st, 4, ev->from_status);
	db_bind_text(st, 5, ev->to_status);
	bind_id_or_null(st, 6, ev->actor_id);
	db_bind_text(st, 7, ev->note);
	if (ev->has_position) {
		sqlite3_bind_double(st, 8, ev->latitude);
		sqlite3_bind_double(st, 9, ev->longitude);
	}
	db_bind_text(st, 10, ev->detail[0] ? ev->detail : "{}");
	if (ev->has_device_at)
		db_bind_int(st, 11, ev->device_at);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	ev->seq = col_int(st, 0);
	db_done(st);
	return ERR_OK;
}

static const char sql_events[] =
    "SELECT e.seq, e.at, e.action, coalesce(e.from_status, ''), e.to_status,"
    " coalesce(e.actor_id, 0), coalesce(u.username, ''), e.note, e.latitude, e.longitude,"
    " e.detail, e.device_at FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id"
    " WHERE e.ticket_id = ?1 ORDER BY e.seq";

enum err tickets_store_events(struct db *db, int64_t ticket_id, ticket_event_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_events);
	struct ticket_event *ev;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	ev = malloc(sizeof(*ev));
	if (!ev)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev->seq = col_int(st, 0);
		ev->at = col_int(st, 1);
		db_col_copy(st, 2, ev->action, sizeof(ev->action));
		db_col_copy(st, 3, ev->from_status, sizeof(ev->from_status));
		db_col_copy(st, 4, ev->to_status, sizeof(ev->to_status));
		ev->actor_id = col_int(st, 5);
		db_col_copy(st, 6, ev->actor, sizeof(ev->actor));
		db_col_copy(st, 7, ev->note, sizeof(ev->note));
		ev->has_position = sqlite3_column_type(st, 8) != SQLITE_NULL;
		ev->latitude = sqlite3_column_double(st, 8);
		ev->longitude = sqlite3_column_double(st, 9);
		db_col_copy(st, 10, ev->detail, sizeof(ev->detail));
		ev->has_device_at = sqlite3_column_type(st, 11) != SQLITE_NULL;
		ev->device_at = col_int(st, 11);
		if (fn(ev, ctx))
			break;
	}
	free(ev);
	return db_scan_end(db, st, rc);
}

/* The time the last transition took effect: the device's when the entry
 * says its SLA facts used it, else the server's. */
static const char sql_last_event_time[] =
    "SELECT CASE WHEN device_at IS NOT NULL"
    " AND json_extract(detail, '$.time_source') = 'device' THEN device_at ELSE at END"
    " FROM ticket_events WHERE ticket_id = ?1 ORDER BY seq DESC LIMIT 1";

enum err tickets_store_last_event_time(struct db *db, int64_t ticket_id, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_last_event_time);
	enum err e;

	*out = 0;
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	*out = col_int(st, 0);
	db_done(st);
	return ERR_OK;
}

/* ---- work record and parts ----------------------------------------------- */

static const char sql_work_put[] =
    "INSERT INTO ticket_work(ticket_id, fault_code, cause, actions, minutes_spent, recorded_by,"
    " recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT(ticket_id) DO UPDATE SET fault_code = excluded.fault_code,"
    " cause = excluded.cause, actions = excluded.actions,"
    " minutes_spent = excluded.minutes_spent, recorded_by = excluded.recorded_by,"
    " recorded_at = excluded.recorded_at";

enum err tickets_store_work_put(struct db *db, int64_t ticket_id, const struct ticket_work *w)
{
	sqlite3_stmt *st = db_stmt(db, sql_work_put);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_text(st, 2, w->fault_code);
	db_bind_text(st, 3, w->cause);
	db_bind_text(st, 4, w->actions);
	db_bind_int(st, 5, w->minutes_spent);
	bind_id_or_null(st, 6, w->recorded_by);
	db_bind_int(st, 7, w->recorded_at);
	return db_exec_stmt(db, st);
}

static const char sql_work_get[] =
    "SELECT fault_code, cause, actions, minutes_spent, coalesce(recorded_by, 0), recorded_at"
    " FROM ticket_work WHERE ticket_id = ?1";

enum err tickets_store_work_get(struct db *db, int64_t ticket_id, struct ticket_work *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_work_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, out->fault_code, sizeof(out->fault_code));
	db_col_copy(st, 1, out->cause, sizeof(out->cause));
	db_col_copy(st, 2, out->actions, sizeof(out->actions));
	out->minutes_spent = col_int(st, 3);
	out->recorded_by = col_int(st, 4);
	out->recorded_at = col_int(st, 5);
	db_done(st);
	return ERR_OK;
}

static const char sql_component_find[] =
    "SELECT id, component_serial FROM asset_components"
    " WHERE asset_id = ?1 AND part_number = ?2 AND removed_at IS NULL"
    " AND (?3 IS NULL OR component_serial = ?3) ORDER BY id LIMIT 1";

enum err tickets_store_component_find(struct db *db, int64_t asset_id, const char *part_number,
				      const char *old_serial, int64_t *component_id,
				      char serial_out[64])
{
	sqlite3_stmt *st = db_stmt(db, sql_component_find);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_text(st, 2, part_number);
	bind_text_or_null(st, 3, old_serial);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*component_id = col_int(st, 0);
	db_col_copy(st, 1, serial_out, 64);
	db_done(st);
	return ERR_OK;
}

static const char sql_component_remove[] =
    "UPDATE asset_components SET removed_at = ?3"
    " WHERE id = ?1 AND asset_id = ?2 AND removed_at IS NULL";
static const char sql_component_fit[] =
    "INSERT INTO asset_components(asset_id, part_number, component_serial, supplier, lot,"
    " installed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err tickets_store_component_swap(struct db *db, int64_t asset_id, int64_t old_component_id,
				      const struct ticket_part *p, int64_t now,
				      int64_t *new_component_id)
{
	sqlite3_stmt *st;
	enum err e = ERR_OK;

	if (old_component_id) {
		st = db_stmt(db, sql_component_remove);
		if (!st)
			return ERR_INTERNAL;
		db_bind_int(st, 1, old_component_id);
		db_bind_int(st, 2, asset_id);
		db_bind_int(st, 3, now);
		e = db_exec_one(db, st);
		if (e != ERR_OK)
			return e;
	}
	st = db_stmt(db, sql_component_fit);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_text(st, 2, p->part_number);
	db_bind_text(st, 3, p->new_serial);
	db_bind_text(st, 4, p->supplier);
	db_bind_text(st, 5, p->lot);
	db_bind_int(st, 6, now);
	return db_exec_insert(db, st, new_component_id);
}

static const char sql_part_add[] =
    "INSERT INTO ticket_parts(ticket_id, part_number, old_serial, new_serial,"
    " old_component_id, new_component_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err tickets_store_part_add(struct db *db, int64_t ticket_id, const struct ticket_part *p)
{
	sqlite3_stmt *st = db_stmt(db, sql_part_add);
	int64_t id;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	db_bind_text(st, 2, p->part_number);
	db_bind_text(st, 3, p->old_serial);
	db_bind_text(st, 4, p->new_serial);
	bind_id_or_null(st, 5, p->old_component_id);
	bind_id_or_null(st, 6, p->new_component_id);
	return db_exec_insert(db, st, &id);
}

static const char sql_parts[] =
    "SELECT p.id, p.part_number, p.old_serial, p.new_serial, coalesce(n.supplier, ''),"
    " coalesce(n.lot, ''), coalesce(p.old_component_id, 0), coalesce(p.new_component_id, 0)"
    " FROM ticket_parts p LEFT JOIN asset_components n ON n.id = p.new_component_id"
    " WHERE p.ticket_id = ?1 ORDER BY p.id";

enum err tickets_store_parts(struct db *db, int64_t ticket_id, ticket_part_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_parts);
	struct ticket_part p;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, ticket_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p.id = col_int(st, 0);
		db_col_copy(st, 1, p.part_number, sizeof(p.part_number));
		db_col_copy(st, 2, p.old_serial, sizeof(p.old_serial));
		db_col_copy(st, 3, p.new_serial, sizeof(p.new_serial));
		db_col_copy(st, 4, p.supplier, sizeof(p.supplier));
		db_col_copy(st, 5, p.lot, sizeof(p.lot));
		p.old_component_id = col_int(st, 6);
		p.new_component_id = col_int(st, 7);
		if (fn(&p, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_round_the_clock[] =
    "SELECT round_the_clock FROM priority_targets WHERE priority = ?1";

enum err tickets_store_round_the_clock(struct db *db, const char *priority, int *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_round_the_clock);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, priority);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	*out = sqlite3_column_int(st, 0);
	db_done(st);
	return ERR_OK;
}

/* ---- dispatch ------------------------------------------------------------ */

static const char sql_technician_of[] =
    "SELECT username FROM users WHERE id = ?1 AND role = 'technician' AND disabled = 0"
    " AND centre_code = ?2";

enum err tickets_store_technician_of(struct db *db, int64_t user_id, const char *centre,
				     char username[64])
{
	sqlite3_stmt *st = db_stmt(db, sql_technician_of);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, centre);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, username, 64);
	db_done(st);
	return ERR_OK;
}
