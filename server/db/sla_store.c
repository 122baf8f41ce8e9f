#include "db/sla_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

/* ---- calendar ------------------------------------------------------------ */

static const char sql_calendar_get[] =
    "SELECT utc_offset_minutes, day_start_minute, day_end_minute, workdays"
    " FROM business_calendar WHERE id = 1";

enum err sla_store_calendar_get(struct db *db, struct sla_calendar *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_calendar_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->utc_offset_minutes = sqlite3_column_int(st, 0);
	out->day_start_minute = sqlite3_column_int(st, 1);
	out->day_end_minute = sqlite3_column_int(st, 2);
	out->workdays = sqlite3_column_int(st, 3);
	db_done(st);
	return ERR_OK;
}

static const char sql_calendar_update[] =
    "UPDATE business_calendar SET utc_offset_minutes = ?1, day_start_minute = ?2,"
    " day_end_minute = ?3, workdays = ?4 WHERE id = 1";

enum err sla_store_calendar_update(struct db *db, const struct sla_calendar *c)
{
	sqlite3_stmt *st = db_stmt(db, sql_calendar_update);

	if (!st)
		return ERR_DB;
	db_bind_int(st, 1, c->utc_offset_minutes);
	db_bind_int(st, 2, c->day_start_minute);
	db_bind_int(st, 3, c->day_end_minute);
	db_bind_int(st, 4, c->workdays);
	return db_exec_one(db, st);
}

static void day_read(sqlite3_stmt *st, struct sla_day *out)
{
	db_col_copy(st, 0, out->date, sizeof(out->date));
	db_col_copy(st, 1, out->kind, sizeof(out->kind));
	db_col_copy(st, 2, out->name, sizeof(out->name));
}

static const char sql_days_list[] =
    "SELECT date, kind, name FROM calendar_days"
    " WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2)"
    " ORDER BY date";

enum err sla_store_days_list(struct db *db, const char *from, const char *to, sla_day_fn fn,
			     void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_days_list);
	struct sla_day row;
	int rc;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		day_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_day_get[] = "SELECT date, kind, name FROM calendar_days WHERE date = ?1";

enum err sla_store_day_get(struct db *db, const char *date, struct sla_day *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_day_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, date);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	day_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_day_put[] = "INSERT INTO calendar_days(date, kind, name) VALUES (?1, ?2, ?3)"
				  " ON CONFLICT(date) DO UPDATE SET kind = excluded.kind,"
				  " name = excluded.name";

enum err sla_store_day_put(struct db *db, const struct sla_day *d)
{
	sqlite3_stmt *st = db_stmt(db, sql_day_put);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, d->date);
	db_bind_text(st, 2, d->kind);
	db_bind_text(st, 3, d->name);
	return db_exec_stmt(db, st);
}

static const char sql_day_insert_new[] =
    "INSERT OR IGNORE INTO calendar_days(date, kind, name) VALUES (?1, ?2, ?3)";

enum err sla_store_day_insert_new(struct db *db, const struct sla_day *d, int *inserted)
{
	sqlite3_stmt *st = db_stmt(db, sql_day_insert_new);
	enum err e;

	*inserted = 0;
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, d->date);
	db_bind_text(st, 2, d->kind);
	db_bind_text(st, 3, d->name);
	e = db_exec_one(db, st);
	if (e == ERR_OK)
		*inserted = 1;
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static const char sql_day_delete[] = "DELETE FROM calendar_days WHERE date = ?1";

enum err sla_store_day_delete(struct db *db, const char *date)
{
	sqlite3_stmt *st = db_stmt(db, sql_day_delete);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, date);
	return db_exec_one(db, st);
}

/* ---- targets --------------------------------------------------------------- */

#define TARGET_COLS                                                                                \
	"priority, response_minutes, arrival_minutes, resolution_minutes, round_the_clock"

static void targets_read(sqlite3_stmt *st, struct sla_targets *out)
{
	db_col_copy(st, 0, out->priority, sizeof(out->priority));
	out->response_minutes = sqlite3_column_int64(st, 1);
	out->arrival_minutes = sqlite3_column_int64(st, 2);
	out->resolution_minutes = sqlite3_column_int64(st, 3);
	out->round_the_clock = sqlite3_column_int(st, 4);
}

static const char sql_targets_get[] =
    "SELECT " TARGET_COLS " FROM priority_targets WHERE priority = ?1";

enum err sla_store_targets_get(struct db *db, const char *priority, struct sla_targets *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_targets_get);
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, priority);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	targets_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_targets_list[] =
    "SELECT " TARGET_COLS " FROM priority_targets ORDER BY priority";

enum err sla_store_targets_list(struct db *db, sla_targets_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_targets_list);
	struct sla_targets row;
	int rc;

	if (!st)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		targets_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_targets_update[] =
    "UPDATE priority_targets SET response_minutes = ?2, arrival_minutes = ?3,"
    " resolution_minutes = ?4, round_the_clock = ?5 WHERE priority = ?1";

enum err sla_store_targets_update(struct db *db, const struct sla_targets *t)
{
	sqlite3_stmt *st = db_stmt(db, sql_targets_update);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, t->priority);
	db_bind_int(st, 2, t->response_minutes);
	db_bind_int(st, 3, t->arrival_minutes);
	db_bind_int(st, 4, t->resolution_minutes);
	db_bind_int(st, 5, t->round_the_clock ? 1 : 0);
	return db_exec_one(db, st);
}

/* ---- rules ------------------------------------------------------------------ */

static void rule_read(sqlite3_stmt *st, struct sla_rule *out)
{
	db_col_copy(st, 0, out->tier, sizeof(out->tier));
	db_col_copy(st, 1, out->impact, sizeof(out->impact));
	db_col_copy(st, 2, out->urgency, sizeof(out->urgency));
	db_col_copy(st, 3, out->category, sizeof(out->category));
	db_col_copy(st, 4, out->priority, sizeof(out->priority));
}

/* The row naming the category sorts first ('' sorts before any code, so
 * order by "is it the '' row"). */
static const char sql_rule_match[] =
    "SELECT priority FROM service_levels"
    " WHERE tier = ?1 AND impact = ?2 AND urgency = ?3 AND category IN (?4, '')"
    " ORDER BY category = '' LIMIT 1";

enum err sla_store_rule_match(struct db *db, const char *tier, const char *impact,
			      const char *urgency, const char *category, char priority[4])
{
	sqlite3_stmt *st = db_stmt(db, sql_rule_match);
	enum err e;

	priority[0] = '\0';
	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, tier);
	db_bind_text(st, 2, impact);
	db_bind_text(st, 3, urgency);
	db_bind_text(st, 4, category ? category : "");
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	db_col_copy(st, 0, priority, 4);
	db_done(st);
	return ERR_OK;
}

#define RULE_COLS "tier, impact, urgency, category, priority"

static const char sql_rule_get[] = "SELECT " RULE_COLS " FROM service_levels"
				   " WHERE tier = ?1 AND impact = ?2 AND urgency = ?3"
				   " AND category = ?4";

enum err sla_store_rule_get(struct db *db, const struct sla_rule *key, struct sla_rule *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_rule_get);
	enum err e;

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, key->tier);
	db_bind_text(st, 2, key->impact);
	db_bind_text(st, 3, key->urgency);
	db_bind_text(st, 4, key->category);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	memset(out, 0, sizeof(*out));
	rule_read(st, out);
	db_done(st);
	return ERR_OK;
}

static const char sql_rule_put[] =
    "INSERT INTO service_levels(tier, impact, urgency, category, priority)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(tier, impact, urgency, category) DO UPDATE SET priority = excluded.priority";

enum err sla_store_rule_put(struct db *db, const struct sla_rule *r)
{
	sqlite3_stmt *st = db_stmt(db, sql_rule_put);

	if (!st)
		return ERR_DB;
	db_bind_text(st, 1, r->tier);
	db_bind_text(st, 2, r->impact);
	db_bind_text(st, 3, r->urgency);
	db_bind_text(st, 4, r->category);
	db_bind_text(st, 5, r->priority);
	return db_exec_stmt(db, st);
}

static const char sql_rules_list[] =
    "SELECT " RULE_COLS " FROM service_levels ORDER BY"
    " CASE tier WHEN 'strategic' THEN 0 WHEN 'A' THEN 1 WHEN 'B' THEN 2 ELSE 3 END,"
    " CASE impact WHEN 'grid' THEN 0 WHEN 'site' THEN 1 ELSE 2 END,"
    " CASE urgency WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, category";

enum err sla_store_rules_list(struct db *db, sla_rule_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_rules_list);
	struct sla_rule row;
	int rc;

	if (!st)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		rule_read(st, &row);
		if (fn(&row, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}
