/* The region tree and the service centres as admins maintain them
 * (server/domain/regions.c): their JSON shapes, the validation of a
 * create or a change, and the writes with their audit entries. */
#ifndef FT_REGIONS_H
#define FT_REGIONS_H

#include <jansson.h>

#include "core/err.h"
#include "core/problem.h"
#include "db/regions_store.h"
#include "domain/audit.h"

struct db;

/* {code, parent, name, name_en, level} and {code, name, region, latitude,
 * longitude, capacity}, as GET /v1/regions and /v1/centres list them.
 * New references (caller decrefs). */
json_t *regions_json(const struct region_row *r);
json_t *centres_json(const struct centre_row *c);

/* Applies the members of body over in, naming every bad one in pb:
 * create = 1 for a new record (the required members, in zeroed), 0 for a
 * PATCH over the stored row. A region's parent is checked to exist (and,
 * in a change, to be the one it has: paths are copied onto assets and
 * tickets, so a region never moves); a centre's region to exist.
 * ERR_INVALID when anything was reported; other errors are the store's. */
enum err regions_apply(struct db *db, const json_t *body, int create, struct region_row *in,
		       struct problem *pb);
enum err centres_apply(struct db *db, const json_t *body, int create, struct centre_row *in,
		       struct problem *pb);

/* The writes and their audit entries ("region.create", "region.update",
 * "centre.create", "centre.update") inside the caller's transaction.
 * ERR_CONFLICT when the code is taken. old is the row before a change. */
enum err regions_create_locked(struct db *db, const struct audit_actor *actor,
			       const struct region_row *in);
enum err regions_update_locked(struct db *db, const struct audit_actor *actor,
			       const struct region_row *old, const struct region_row *in);
enum err centres_create_locked(struct db *db, const struct audit_actor *actor,
			       const struct centre_row *in);
enum err centres_update_locked(struct db *db, const struct audit_actor *actor,
			       const struct centre_row *old, const struct centre_row *in);

#endif
