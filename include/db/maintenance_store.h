/* Store of maintenance plans, running-hour readings and the preventive
 * visits the scheduler requested. All SQL for them lives in
 * server/db/maintenance_store.c (migrations/0031_maintenance.sql); the
 * rules are in include/domain/maintenance.h. */
#ifndef FT_MAINTENANCE_STORE_H
#define FT_MAINTENANCE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define MAINTENANCE_NAME_SIZE 201

struct maintenance_plan {
	int64_t id;
	char name[MAINTENANCE_NAME_SIZE];
	int64_t model_id, contract_id;           /* exactly one is set; 0 = none */
	int64_t interval_months, interval_hours; /* exactly one is set; 0 = none */
	int64_t lead_days;
	int64_t checklist_template_id; /* 0 = none */
	char skill_product_line[64];   /* "" = none */
	int64_t skill_level;           /* 0 = none */
	int active;
	int64_t created_by, created_at, updated_at, version;
};

/* *id_out = the new plan's id. */
enum err maintenance_store_plan_insert(struct db *db, const struct maintenance_plan *p,
				       int64_t *id_out);
/* ERR_NOT_FOUND when unknown. */
enum err maintenance_store_plan_get(struct db *db, int64_t id, struct maintenance_plan *out);
/* Writes every mutable column where id and version match and bumps the
 * version; ERR_CONFLICT when the version moved. */
enum err maintenance_store_plan_update(struct db *db, const struct maintenance_plan *p);
/* ERR_CONFLICT when visits were requested under the plan (their history
 * stays: deactivate it instead). */
enum err maintenance_store_plan_delete(struct db *db, int64_t id);
typedef int (*maintenance_plan_fn)(const struct maintenance_plan *p, void *ctx); /* 1 stops */
/* Ids above after_id, ascending; model_id / contract_id 0 = any. */
enum err maintenance_store_plan_list(struct db *db, int64_t model_id, int64_t contract_id,
				     int64_t after_id, int limit, maintenance_plan_fn fn,
				     void *ctx);

/* A unit's reading. ERR_CONFLICT: one at that instant already;
 * *lower_at / *higher_at (0 = none) say which neighbouring reading the
 * value contradicts (readings never go down) and nothing is stored. */
enum err maintenance_store_hours_add(struct db *db, int64_t asset_id, int64_t hours,
				     int64_t read_at, int64_t recorded_by, int64_t now,
				     int64_t *contradicts_at);

/* The running hours of a unit relative to its last service. */
struct maintenance_hours {
	int64_t base;              /* reading at or before the last service, else 0 */
	int64_t latest, latest_at; /* latest reading after the service; latest_at 0 = none */
	int64_t first, first_at;   /* the rate's start: the base reading, else the first after */
	int64_t crossed_at;        /* first reading >= base + interval after it; 0 = none */
};
enum err maintenance_store_hours(struct db *db, int64_t asset_id, int64_t since_at,
				 int64_t interval, struct maintenance_hours *out);

/* One unit under one plan, with where its service stands. */
struct maintenance_unit {
	int64_t plan_id, asset_id, site_id, customer_id, model_id;
	char plan_name[MAINTENANCE_NAME_SIZE];
	char serial[64];
	char region_path[256];
	char base_date[11]; /* commissioning, else installation date; "" = neither */
	int64_t interval_months, interval_hours, lead_days;
	int64_t checklist_template_id;
	char skill_product_line[64];
	int64_t skill_level;
	int64_t last_done_at; /* when the last preventive visit was resolved; 0 = never */
	/* The requested visit not done yet (0 = none): due date, ticket. */
	int64_t open_visit_id, open_ticket_id;
	char open_due[11];
};
typedef int (*maintenance_unit_fn)(const struct maintenance_unit *u, void *ctx); /* 1 stops */
/* Every installed unit (a site) under every active plan (a contract plan
 * while its contract is active on today), ordered by site, unit, plan.
 * sc NULL = everything; centre NULL = any (else units in a region the
 * centre covers); customer_id 0 = any. */
enum err maintenance_store_units(struct db *db, const struct scope *sc, const char *centre,
				 int64_t customer_id, const char *today, maintenance_unit_fn fn,
				 void *ctx);

/* Records the visit of plan/unit/due (ticket not yet known); ERR_CONFLICT
 * when it exists (requested before, perhaps before a restart). */
enum err maintenance_store_visit_add(struct db *db, int64_t plan_id, int64_t asset_id,
				     const char *due_date, int64_t site_id, int projected,
				     int64_t now, int64_t *id_out);
enum err maintenance_store_visit_ticket(struct db *db, int64_t visit_id, int64_t ticket_id);

/* A requested visit as the calendar and the overdue alert read it. */
struct maintenance_visit {
	int64_t id, plan_id, asset_id, site_id, customer_id, ticket_id;
	char plan_name[MAINTENANCE_NAME_SIZE];
	char serial[64];
	char region_path[256];
	char due_date[11];
	int projected;
	char ticket_status[24]; /* "" without a ticket */
	char centre[32];        /* the ticket's centre; "" none */
	int64_t done_at;        /* the ticket's resolution; 0 = not done */
	int64_t overdue_noticed_at;
};
typedef int (*maintenance_visit_fn)(const struct maintenance_visit *v, void *ctx); /* 1 stops */
/* Visits due in [from, to], in scope (as maintenance_store_units), by
 * due date. */
enum err maintenance_store_visits(struct db *db, const struct scope *sc, const char *centre,
				  int64_t customer_id, const char *from, const char *to,
				  maintenance_visit_fn fn, void *ctx);
/* Visits due before today, not done, whose overdue alert has not gone
 * out, at most limit, by centre. */
enum err maintenance_store_overdue_unnoticed(struct db *db, const char *today, int limit,
					     maintenance_visit_fn fn, void *ctx);
enum err maintenance_store_visit_noticed(struct db *db, int64_t visit_id, int64_t now);

/* Who hears of a unit's overdue maintenance: the dispatchers of centre and
 * the supervisors whose region holds region_path (enabled users). */
typedef void (*maintenance_user_fn)(int64_t user_id, void *ctx);
enum err maintenance_store_alert_recipients(struct db *db, const char *centre,
					    const char *region_path, maintenance_user_fn fn,
					    void *ctx);

#endif
