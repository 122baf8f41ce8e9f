/* The demo's coverage and skills: each demo centre covers its regions and
 * product lines, and its technicians are skilled and on duty there. */
#include <sqlite3.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "demo/demo.h"
#include "db/routing_store.h"

enum err routing_demo_seed(struct db *db)
{
	int own = sqlite3_get_autocommit(db_handle(db));
	struct audit_actor actor;
	int64_t changed = 0;
	json_t *after = NULL;
	enum err e = own ? db_begin(db) : ERR_OK;

	if (e == ERR_OK)
		e = routing_store_demo_seed(db, clock_now(), &changed);
	if (e == ERR_OK && changed > 0) {
		audit_actor_cli(&actor, "demo");
		after = json_pack("{s:I}", "rows", (json_int_t)changed);
		e = after ? audit_append(db, &actor, "routing.demo_seed", "routing", "demo", NULL,
					 after)
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
