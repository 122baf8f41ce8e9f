/* The demo's business calendar: the Chinese public holidays and make-up
 * working days, written as an admin's PUT /v1/calendar/days/{date} would. */
#include <sqlite3.h>

#include "domain/audit.h"
#include "db/db.h"
#include "demo/demo.h"
#include "db/sla_store.h"

/* The State Council's arrangement for 2026 (国务院办公厅关于2026年部分节假日
 * 安排的通知): each holiday week, and the weekend days worked in exchange
 * (调休). For 2027 only the statutory days are certain until the next
 * announcement; admins add the rest through PUT /v1/calendar/days/{date}. */
static const struct sla_day demo_days[] = {
	{ "2026-01-01", "holiday", "元旦" },
	{ "2026-01-02", "holiday", "元旦" },
	{ "2026-01-03", "holiday", "元旦" },
	{ "2026-01-04", "workday", "元旦调休上班" },
	{ "2026-02-14", "workday", "春节调休上班" },
	{ "2026-02-15", "holiday", "春节" },
	{ "2026-02-16", "holiday", "春节" },
	{ "2026-02-17", "holiday", "春节" },
	{ "2026-02-18", "holiday", "春节" },
	{ "2026-02-19", "holiday", "春节" },
	{ "2026-02-20", "holiday", "春节" },
	{ "2026-02-21", "holiday", "春节" },
	{ "2026-02-22", "holiday", "春节" },
	{ "2026-02-23", "holiday", "春节" },
	{ "2026-02-28", "workday", "春节调休上班" },
	{ "2026-04-04", "holiday", "清明节" },
	{ "2026-04-05", "holiday", "清明节" },
	{ "2026-04-06", "holiday", "清明节" },
	{ "2026-05-01", "holiday", "劳动节" },
	{ "2026-05-02", "holiday", "劳动节" },
	{ "2026-05-03", "holiday", "劳动节" },
	{ "2026-05-04", "holiday", "劳动节" },
	{ "2026-05-05", "holiday", "劳动节" },
	{ "2026-05-09", "workday", "劳动节调休上班" },
	{ "2026-06-19", "holiday", "端午节" },
	{ "2026-06-20", "holiday", "端午节" },
	{ "2026-06-21", "holiday", "端午节" },
	{ "2026-09-20", "workday", "国庆节调休上班" },
	{ "2026-09-25", "holiday", "中秋节" },
	{ "2026-09-26", "holiday", "中秋节" },
	{ "2026-09-27", "holiday", "中秋节" },
	{ "2026-10-01", "holiday", "国庆节" },
	{ "2026-10-02", "holiday", "国庆节" },
	{ "2026-10-03", "holiday", "国庆节" },
	{ "2026-10-04", "holiday", "国庆节" },
	{ "2026-10-05", "holiday", "国庆节" },
	{ "2026-10-06", "holiday", "国庆节" },
	{ "2026-10-07", "holiday", "国庆节" },
	{ "2026-10-10", "workday", "国庆节调休上班" },
	{ "2027-01-01", "holiday", "元旦" },
	{ "2027-02-05", "holiday", "春节（除夕）" },
	{ "2027-02-06", "holiday", "春节" },
	{ "2027-02-07", "holiday", "春节" },
	{ "2027-02-08", "holiday", "春节" },
	{ "2027-10-01", "holiday", "国庆节" },
	{ "2027-10-02", "holiday", "国庆节" },
	{ "2027-10-03", "holiday", "国庆节" },
};

enum err sla_demo_calendar(struct db *db)
{
	int own = sqlite3_get_autocommit(db_handle(db)) != 0;
	struct audit_actor actor;
	enum err e = ERR_OK;

	audit_actor_cli(&actor, "demo");
	if (own)
		e = db_begin(db);
	for (size_t i = 0; e == ERR_OK && i < sizeof(demo_days) / sizeof(demo_days[0]); i++) {
		const struct sla_day *d = &demo_days[i];
		json_t *after;
		int inserted = 0;

		e = sla_store_day_insert_new(db, d, &inserted);
		if (e != ERR_OK || !inserted)
			continue;
		after =
		    json_pack("{s:s, s:s, s:s}", "date", d->date, "kind", d->kind, "name", d->name);
		e = after ? audit_append(db, &actor, "calendar.day.put", "calendar_day", d->date,
					 NULL, after)
			  : ERR_INTERNAL;
		json_decref(after);
	}
	if (own) {
		if (e == ERR_OK)
			e = db_commit(db);
		if (e != ERR_OK)
			db_rollback(db);
	}
	return e;
}
