/* Maintenance plans, running-hour readings and requested visits. Scoped
 * reads bind ?1..?4 (db_bind_scope) against the unit: its region, or the
 * caller owning it. */
#include "db/maintenance_store.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db/assets_store.h"
#include "db/db.h"

static const struct scope scope_all = { .all = 1 };

#define UNIT_SCOPE                                                                                 \
	"((?1 = 1 OR (?2 IS NOT NULL AND a.region_path >= ?2 AND a.region_path < ?3)"              \
	" OR (?4 != 0 AND a.sales_owner_id = ?4)) AND" ASSET_PUBLISHED("a") ")"

/* A centre's units: those in a region the centre covers (a province
 * covers its cities), or those whose request went to the centre. */
#define UNIT_CENTRE(CENTRE, TICKET_CENTRE)                                                         \
	"(" CENTRE " IS NULL OR " TICKET_CENTRE " = " CENTRE " OR EXISTS (SELECT 1 FROM"           \
	" centre_regions cr JOIN regions r ON r.code = cr.region_code WHERE cr.centre_code "       \
	"= " CENTRE " AND substr(a.region_path, 1, length(r.path)) = r.path))"

static void bind_opt(sqlite3_stmt *st, int idx, int64_t v)
{
	if (v)
		db_bind_int(st, idx, v);
	else
		sqlite3_bind_null(st, idx);
}

/* ---- plans ---------------------------------------------------------------- */

#define PLAN_COLS                                                                                  \
	"id, name, coalesce(model_id, 0), coalesce(contract_id, 0), coalesce(interval_months, 0)," \
	" coalesce(interval_hours, 0), lead_days, coalesce(checklist_template_id, 0),"             \
	" coalesce(skill_product_line, ''), coalesce(skill_level, 0), active,"                     \
	" coalesce(created_by, 0), created_at, updated_at, version"

static void read_plan(sqlite3_stmt *st, struct maintenance_plan *p)
{
	int i = 0;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, p->name, sizeof(p->name));
	p->model_id = sqlite3_column_int64(st, i++);
	p->contract_id = sqlite3_column_int64(st, i++);
	p->interval_months = sqlite3_column_int64(st, i++);
	p->interval_hours = sqlite3_column_int64(st, i++);
	p->lead_days = sqlite3_column_int64(st, i++);
	p->checklist_template_id = sqlite3_column_int64(st, i++);
	db_col_copy(st, i++, p->skill_product_line, sizeof(p->skill_product_line));
	p->skill_level = sqlite3_column_int64(st, i++);
	p->active = sqlite3_column_int(st, i++);
	p->created_by = sqlite3_column_int64(st, i++);
	p->created_at = sqlite3_column_int64(st, i++);
	p->updated_at = sqlite3_column_int64(st, i++);
	p->version = sqlite3_column_int64(st, i++);
}

/* ?1..?10: the mutable columns. */
static void bind_plan(sqlite3_stmt *st, const struct maintenance_plan *p)
{
	db_bind_text(st, 1, p->name);
	bind_opt(st, 2, p->model_id);
	bind_opt(st, 3, p->contract_id);
	bind_opt(st, 4, p->interval_months);
	bind_opt(st, 5, p->interval_hours);
	db_bind_int(st, 6, p->lead_days);
	bind_opt(st, 7, p->checklist_template_id);
	db_bind_text(st, 8, p->skill_product_line[0] ? p->skill_product_line : NULL);
	bind_opt(st, 9, p->skill_level);
	db_bind_int(st, 10, p->active);
}

static const char sql_plan_insert[] =
    "INSERT INTO maintenance_plans (name, model_id, contract_id, interval_months,"
    " interval_hours, lead_days, checklist_template_id, skill_product_line, skill_level, active,"
    " created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12, ?12)";

enum err maintenance_store_plan_insert(struct db *db, const struct maintenance_plan *p,
				       int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_plan_insert);

	if (!st)
		return ERR_INTERNAL;
	bind_plan(st, p);
	bind_opt(st, 11, p->created_by);
	db_bind_int(st, 12, p->created_at);
	return db_exec_insert(db, st, id_out);
}

static const char sql_plan_get[] = "SELECT " PLAN_COLS " FROM maintenance_plans WHERE id = ?1";

enum err maintenance_store_plan_get(struct db *db, int64_t id, struct maintenance_plan *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_plan_get);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		read_plan(st, out);
		db_done(st);
	}
	return e;
}

static const char sql_plan_update[] =
    "UPDATE maintenance_plans SET name = ?1, model_id = ?2, contract_id = ?3,"
    " interval_months = ?4, interval_hours = ?5, lead_days = ?6, checklist_template_id = ?7,"
    " skill_product_line = ?8, skill_level = ?9, active = ?10, updated_at = ?11,"
    " version = version + 1 WHERE id = ?12 AND version = ?13";

enum err maintenance_store_plan_update(struct db *db, const struct maintenance_plan *p)
{
	sqlite3_stmt *st = db_stmt(db, sql_plan_update);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	bind_plan(st, p);
	db_bind_int(st, 11, p->updated_at);
	db_bind_int(st, 12, p->id);
	db_bind_int(st, 13, p->version);
	e = db_exec_one(db, st);
	return e == ERR_NOT_FOUND ? ERR_CONFLICT : e;
}

static const char sql_plan_used[] = "SELECT 1 FROM maintenance_visits WHERE plan_id = ?1 LIMIT 1";
static const char sql_plan_delete[] = "DELETE FROM maintenance_plans WHERE id = ?1";

enum err maintenance_store_plan_delete(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql_plan_used);
	enum err e;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, id);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		db_done(st);
		return ERR_CONFLICT;
	}
	if (e != ERR_NOT_FOUND)
		return e;
	st = db_stmt(db, sql_plan_delete);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, id);
	return db_exec_one(db, st);
}

static const char sql_plan_list[] =
    "SELECT " PLAN_COLS " FROM maintenance_plans WHERE id > ?1 AND (?2 = 0 OR model_id = ?2)"
    " AND (?3 = 0 OR contract_id = ?3) ORDER BY id LIMIT ?4";

enum err maintenance_store_plan_list(struct db *db, int64_t model_id, int64_t contract_id,
				     int64_t after_id, int limit, maintenance_plan_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_plan_list);
	struct maintenance_plan p;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, after_id);
	db_bind_int(st, 2, model_id);
	db_bind_int(st, 3, contract_id);
	db_bind_int(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_plan(st, &p);
		if (fn(&p, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- running hours -------------------------------------------------------- */

/* A reading contradicts an earlier higher one or a later lower one. */
static const char sql_hours_contradicts[] =
    "SELECT read_at FROM asset_running_hours WHERE asset_id = ?1 AND ((read_at < ?2 AND hours >"
    " ?3) OR (read_at > ?2 AND hours < ?3) OR read_at = ?2) ORDER BY read_at LIMIT 1";
static const char sql_hours_add[] =
    "INSERT INTO asset_running_hours (asset_id, hours, read_at, recorded_by, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

enum err maintenance_store_hours_add(struct db *db, int64_t asset_id, int64_t hours,
				     int64_t read_at, int64_t recorded_by, int64_t now,
				     int64_t *contradicts_at)
{
	sqlite3_stmt *st = db_stmt(db, sql_hours_contradicts);
	int64_t id;
	enum err e;

	*contradicts_at = 0;
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, read_at);
	db_bind_int(st, 3, hours);
	e = db_step_row(db, st);
	if (e == ERR_OK) {
		*contradicts_at = sqlite3_column_int64(st, 0);
		db_done(st);
		return ERR_CONFLICT;
	}
	if (e != ERR_NOT_FOUND)
		return e;
	st = db_stmt(db, sql_hours_add);
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, hours);
	db_bind_int(st, 3, read_at);
	bind_opt(st, 4, recorded_by);
	db_bind_int(st, 5, now);
	return db_exec_insert(db, st, &id);
}

static const char sql_hours[] =
    "SELECT coalesce(b.hours, 0), coalesce(b.read_at, 0),"
    " (SELECT hours FROM asset_running_hours WHERE asset_id = ?1 AND read_at > ?2"
    "  ORDER BY read_at DESC LIMIT 1),"
    " (SELECT read_at FROM asset_running_hours WHERE asset_id = ?1 AND read_at > ?2"
    "  ORDER BY read_at DESC LIMIT 1),"
    " (SELECT hours FROM asset_running_hours WHERE asset_id = ?1 AND read_at > ?2"
    "  ORDER BY read_at LIMIT 1),"
    " (SELECT read_at FROM asset_running_hours WHERE asset_id = ?1 AND read_at > ?2"
    "  ORDER BY read_at LIMIT 1),"
    " (SELECT min(read_at) FROM asset_running_hours WHERE asset_id = ?1 AND read_at > ?2"
    "  AND hours >= coalesce(b.hours, 0) + ?3)"
    " FROM (SELECT 1) LEFT JOIN (SELECT hours, read_at FROM asset_running_hours"
    "  WHERE asset_id = ?1 AND read_at <= ?2 ORDER BY read_at DESC LIMIT 1) b";

enum err maintenance_store_hours(struct db *db, int64_t asset_id, int64_t since_at,
				 int64_t interval, struct maintenance_hours *out)
{
	sqlite3_stmt *st = db_stmt(db, sql_hours);
	int64_t base_at;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, asset_id);
	db_bind_int(st, 2, since_at);
	db_bind_int(st, 3, interval);
	e = db_step_row(db, st);
	if (e != ERR_OK)
		return e;
	out->base = sqlite3_column_int64(st, 0);
	base_at = sqlite3_column_int64(st, 1);
	out->latest = sqlite3_column_int64(st, 2);
	out->latest_at = sqlite3_column_int64(st, 3);
	if (base_at) { /* the rate counts from the reading at the service */
		out->first = out->base;
		out->first_at = base_at;
	} else {
		out->first = sqlite3_column_int64(st, 4);
		out->first_at = sqlite3_column_int64(st, 5);
	}
	out->crossed_at = sqlite3_column_int64(st, 6);
	db_done(st);
	return ERR_OK;
}

/* ---- units under plans ----------------------------------------------------- */

/* A visit is done when its request was resolved (resolved, follow_up,
 * closed); it is open otherwise, cancelled included (see
 * include/domain/maintenance.h). */
#define VISIT_DONE_AT                                                                              \
	"(CASE WHEN t.status IN ('resolved', 'follow_up', 'closed')"                               \
	" THEN coalesce(t.resolved_at, t.closed_at, t.updated_at) END)"

#define UNITS_REST                                                                                 \
	" SELECT p.id, a.id, a.site_id, coalesce(a.customer_id, 0), a.model_id, p.name, a.serial," \
	" a.region_path, CASE WHEN kc.id IS NULL THEN coalesce(a.commissioned_at, "                \
	"a.installed_at, '')"                                                                      \
	"  ELSE max(coalesce(a.commissioned_at, a.installed_at, ''), kc.start_date) END,"          \
	" coalesce(p.interval_months, 0), coalesce(p.interval_hours, 0), p.lead_days,"             \
	" coalesce(p.checklist_template_id, 0), coalesce(p.skill_product_line, ''),"               \
	" coalesce(p.skill_level, 0),"                                                             \
	" coalesce((SELECT max(" VISIT_DONE_AT ") FROM maintenance_visits v"                       \
	"  JOIN tickets t ON t.id = v.ticket_id WHERE v.plan_id = p.id AND v.asset_id = a.id), "   \
	"0),"                                                                                      \
	" o.id, coalesce(o.ticket_id, 0), o.due_date"                                              \
	" FROM pu JOIN maintenance_plans p ON p.id = pu.plan_id JOIN assets a ON a.id = "          \
	"pu.asset_id"                                                                              \
	" LEFT JOIN contracts kc ON kc.id = p.contract_id"                                         \
	" LEFT JOIN maintenance_visits o ON o.id = (SELECT v.id FROM maintenance_visits v"         \
	"  LEFT JOIN tickets t ON t.id = v.ticket_id WHERE v.plan_id = p.id AND v.asset_id = a.id" \
	"  AND " VISIT_DONE_AT " IS NULL ORDER BY v.due_date DESC LIMIT 1)"                        \
	" WHERE a.site_id IS NOT NULL AND a.customer_id IS NOT NULL AND " UNIT_SCOPE               \
	" AND " UNIT_CENTRE("?5", "(SELECT t.centre_code FROM tickets t WHERE t.id = "             \
				  "o.ticket_id)") " AND (?6 = 0 OR "                               \
						  "a.customer_id = ?6)"                            \
						  " ORDER BY a.site_id, "                          \
						  "a.id, p.id"

static const char sql_units[] =
    "WITH pu(plan_id, asset_id) AS ("
    " SELECT p.id, a.id FROM maintenance_plans p JOIN assets a ON a.model_id = p.model_id"
    "  WHERE p.active = 1"
    " UNION SELECT p.id, cu.asset_id FROM maintenance_plans p"
    "  JOIN contracts k ON k.id = p.contract_id JOIN contract_units cu ON cu.contract_id = k.id"
    "  WHERE p.active = 1 AND k.status = 'active' AND k.start_date <= ?7 AND k.end_date >= ?7"
    " UNION SELECT p.id, a.id FROM maintenance_plans p"
    "  JOIN contracts k ON k.id = p.contract_id JOIN contract_sites cs ON cs.contract_id = k.id"
    "  JOIN assets a ON a.site_id = cs.site_id"
    "  WHERE p.active = 1 AND k.status = 'active' AND k.start_date <= ?7"
    "  AND k.end_date >= ?7)" UNITS_REST;

/* One customer's units (the customer 360 view, a customer's calendar):
 * the same answer from the customer's units and contracts first, instead
 * of every unit of every planned model in the country. */
static const char sql_units_customer[] =
    "WITH pu(plan_id, asset_id) AS ("
    " SELECT p.id, a.id FROM assets a JOIN maintenance_plans p ON p.model_id = a.model_id"
    "  WHERE a.customer_id = ?6 AND p.active = 1"
    " UNION SELECT p.id, cu.asset_id FROM contracts k"
    "  JOIN maintenance_plans p ON p.contract_id = k.id"
    "  JOIN contract_units cu ON cu.contract_id = k.id"
    "  WHERE k.customer_id = ?6 AND p.active = 1 AND k.status = 'active' AND k.start_date <= ?7"
    "  AND k.end_date >= ?7"
    " UNION SELECT p.id, a.id FROM contracts k"
    "  JOIN maintenance_plans p ON p.contract_id = k.id"
    "  JOIN contract_sites cs ON cs.contract_id = k.id"
    "  JOIN assets a ON a.site_id = cs.site_id"
    "  WHERE k.customer_id = ?6 AND p.active = 1 AND k.status = 'active' AND k.start_date <= ?7"
    "  AND k.end_date >= ?7)" UNITS_REST;

enum err maintenance_store_units(struct db *db, const struct scope *sc, const char *centre,
				 int64_t customer_id, const char *today, maintenance_unit_fn fn,
				 void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, customer_id ? sql_units_customer : sql_units);
	struct maintenance_unit u;
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc ? sc : &scope_all);
	db_bind_text(st, 5, centre);
	db_bind_int(st, 6, customer_id);
	db_bind_text(st, 7, today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = 0;

		memset(&u, 0, sizeof(u));
		u.plan_id = sqlite3_column_int64(st, i++);
		u.asset_id = sqlite3_column_int64(st, i++);
		u.site_id = sqlite3_column_int64(st, i++);
		u.customer_id = sqlite3_column_int64(st, i++);
		u.model_id = sqlite3_column_int64(st, i++);
		db_col_copy(st, i++, u.plan_name, sizeof(u.plan_name));
		db_col_copy(st, i++, u.serial, sizeof(u.serial));
		db_col_copy(st, i++, u.region_path, sizeof(u.region_path));
		db_col_copy(st, i++, u.base_date, sizeof(u.base_date));
		u.interval_months = sqlite3_column_int64(st, i++);
		u.interval_hours = sqlite3_column_int64(st, i++);
		u.lead_days = sqlite3_column_int64(st, i++);
		u.checklist_template_id = sqlite3_column_int64(st, i++);
		db_col_copy(st, i++, u.skill_product_line, sizeof(u.skill_product_line));
		u.skill_level = sqlite3_column_int64(st, i++);
		u.last_done_at = sqlite3_column_int64(st, i++);
		u.open_visit_id = sqlite3_column_int64(st, i++);
		u.open_ticket_id = sqlite3_column_int64(st, i++);
		db_col_copy(st, i++, u.open_due, sizeof(u.open_due));
		if (fn(&u, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

/* ---- visits ------------------------------------------------------------------ */

static const char sql_visit_add[] =
    "INSERT INTO maintenance_visits (plan_id, asset_id, due_date, site_id, projected,"
    " requested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

enum err maintenance_store_visit_add(struct db *db, int64_t plan_id, int64_t asset_id,
				     const char *due_date, int64_t site_id, int projected,
				     int64_t now, int64_t *id_out)
{
	sqlite3_stmt *st = db_stmt(db, sql_visit_add);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, plan_id);
	db_bind_int(st, 2, asset_id);
	db_bind_text(st, 3, due_date);
	bind_opt(st, 4, site_id);
	db_bind_int(st, 5, projected);
	db_bind_int(st, 6, now);
	return db_exec_insert(db, st, id_out);
}

static const char sql_visit_ticket[] = "UPDATE maintenance_visits SET ticket_id = ?2 WHERE id = ?1";

enum err maintenance_store_visit_ticket(struct db *db, int64_t visit_id, int64_t ticket_id)
{
	sqlite3_stmt *st = db_stmt(db, sql_visit_ticket);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, visit_id);
	db_bind_int(st, 2, ticket_id);
	return db_exec_one(db, st);
}

#define VISIT_COLS                                                                                 \
	"v.id, v.plan_id, v.asset_id, coalesce(v.site_id, 0), coalesce(a.customer_id, 0),"         \
	" coalesce(v.ticket_id, 0), p.name, a.serial, a.region_path, v.due_date, v.projected,"     \
	" coalesce(t.status, ''), coalesce(t.centre_code, ''), coalesce(" VISIT_DONE_AT ", 0),"    \
	" coalesce(v.overdue_noticed_at, 0)"
#define VISIT_FROM                                                                                 \
	" FROM maintenance_visits v JOIN maintenance_plans p ON p.id = v.plan_id"                  \
	" JOIN assets a ON a.id = v.asset_id LEFT JOIN tickets t ON t.id = v.ticket_id"

static enum err scan_visits(struct db *db, sqlite3_stmt *st, maintenance_visit_fn fn, void *ctx)
{
	struct maintenance_visit v;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = 0;

		memset(&v, 0, sizeof(v));
		v.id = sqlite3_column_int64(st, i++);
		v.plan_id = sqlite3_column_int64(st, i++);
		v.asset_id = sqlite3_column_int64(st, i++);
		v.site_id = sqlite3_column_int64(st, i++);
		v.customer_id = sqlite3_column_int64(st, i++);
		v.ticket_id = sqlite3_column_int64(st, i++);
		db_col_copy(st, i++, v.plan_name, sizeof(v.plan_name));
		db_col_copy(st, i++, v.serial, sizeof(v.serial));
		db_col_copy(st, i++, v.region_path, sizeof(v.region_path));
		db_col_copy(st, i++, v.due_date, sizeof(v.due_date));
		v.projected = sqlite3_column_int(st, i++);
		db_col_copy(st, i++, v.ticket_status, sizeof(v.ticket_status));
		db_col_copy(st, i++, v.centre, sizeof(v.centre));
		v.done_at = sqlite3_column_int64(st, i++);
		v.overdue_noticed_at = sqlite3_column_int64(st, i++);
		if (fn(&v, ctx))
			break;
	}
	return db_scan_end(db, st, rc);
}

static const char sql_visits[] =
    "SELECT " VISIT_COLS VISIT_FROM " WHERE v.due_date >= ?7 AND v.due_date <= ?8 AND " UNIT_SCOPE
    " AND " UNIT_CENTRE("?5", "t.centre_code") " AND (?6 = 0 OR a.customer_id = ?6)"
					       " ORDER BY v.due_date, v.site_id, v.asset_id, v.id";

/* One customer's visits: from the customer's units (CROSS JOIN keeps that
 * order), not every visit of the window in the country. */
static const char sql_visits_customer[] =
    "SELECT " VISIT_COLS " FROM assets a CROSS JOIN maintenance_visits v"
    " JOIN maintenance_plans p ON p.id = v.plan_id LEFT JOIN tickets t ON t.id = v.ticket_id"
    " WHERE a.customer_id = ?6 AND v.asset_id = a.id AND v.due_date >= ?7 AND v.due_date <= ?8"
    " AND " UNIT_SCOPE
    " AND " UNIT_CENTRE("?5", "t.centre_code") " ORDER BY v.due_date, v.site_id, v.asset_id, v.id";

enum err maintenance_store_visits(struct db *db, const struct scope *sc, const char *centre,
				  int64_t customer_id, const char *from, const char *to,
				  maintenance_visit_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, customer_id ? sql_visits_customer : sql_visits);

	if (!st)
		return ERR_INTERNAL;
	db_bind_scope(st, 1, sc ? sc : &scope_all);
	db_bind_text(st, 5, centre);
	db_bind_int(st, 6, customer_id);
	db_bind_text(st, 7, from);
	db_bind_text(st, 8, to);
	return scan_visits(db, st, fn, ctx);
}

static const char sql_overdue[] =
    "SELECT " VISIT_COLS VISIT_FROM " WHERE v.due_date < ?1 AND v.overdue_noticed_at IS NULL"
    " AND " VISIT_DONE_AT " IS NULL ORDER BY coalesce(t.centre_code, ''), v.id LIMIT ?2";

enum err maintenance_store_overdue_unnoticed(struct db *db, const char *today, int limit,
					     maintenance_visit_fn fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_overdue);

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, today);
	db_bind_int(st, 2, limit);
	return scan_visits(db, st, fn, ctx);
}

static const char sql_noticed[] =
    "UPDATE maintenance_visits SET overdue_noticed_at = ?2 WHERE id = ?1"
    " AND overdue_noticed_at IS NULL";

enum err maintenance_store_visit_noticed(struct db *db, int64_t visit_id, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db, sql_noticed);

	if (!st)
		return ERR_INTERNAL;
	db_bind_int(st, 1, visit_id);
	db_bind_int(st, 2, now);
	return db_exec_one(db, st);
}

static const char sql_recipients[] =
    "SELECT u.id FROM users u WHERE u.disabled = 0 AND ((u.role = 'dispatcher'"
    " AND u.centre_code = ?1) OR (u.role = 'supervisor' AND EXISTS (SELECT 1 FROM regions r"
    " WHERE r.code = u.region_code AND substr(?2, 1, length(r.path)) = r.path)))"
    " ORDER BY u.id";

enum err maintenance_store_alert_recipients(struct db *db, const char *centre,
					    const char *region_path, maintenance_user_fn fn,
					    void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, sql_recipients);
	int rc;

	if (!st)
		return ERR_INTERNAL;
	db_bind_text(st, 1, centre && centre[0] ? centre : NULL);
	db_bind_text(st, 2, region_path);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(sqlite3_column_int64(st, 0), ctx);
	return db_scan_end(db, st, rc);
}
