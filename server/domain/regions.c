/* The region tree and the service centres: what admins may create and
 * change, and the audit entry of each write.
 *
 * A region's code is its path segment ("/CN/GD/SZ/"), and that path is
 * copied onto every asset and ticket of the region (their scope is a
 * prefix match on it), so a region keeps its code and parent for good:
 * names and level change. A centre's code is named by users, tickets and
 * coverage rows, so it stays too: everything else changes. */
#include "domain/regions.h"

#include <stdio.h>
#include <string.h>

#include "domain/registry.h"

#define CAPACITY_MAX 100000

static const char code_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
static const char *const levels[] = { "country", "province", "city", "district", NULL };

json_t *regions_json(const struct region_row *r)
{
	return json_pack("{s:s, s:s?, s:s, s:s, s:s}", "code", r->code, "parent",
			 r->parent[0] ? r->parent : NULL, "name", r->name, "name_en", r->name_en,
			 "level", r->level);
}

json_t *centres_json(const struct centre_row *c)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "code", c->code, "name", c->name,
			 "region", c->region, "latitude",
			 c->has_position ? json_real(c->latitude) : json_null(), "longitude",
			 c->has_position ? json_real(c->longitude) : json_null(), "capacity",
			 (json_int_t)c->capacity);
}

/* code: required on a create, never accepted on a change (the path names
 * it). */
static void take_code(struct problem *pb, const json_t *body, int create, char *dst, size_t size)
{
	size_t n;

	if (!create)
		return;
	if (!registry_take_text(pb, body, "", "code", dst, size, TEXT_REQUIRED) || !dst[0])
		return;
	n = strlen(dst);
	if (strspn(dst, code_chars) != n)
		problem_invalid(pb, "/code",
				"may hold only A-Z, a-z, 0-9, _ and - (up to %zu bytes)", size - 1);
}

static const struct json_field region_create_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, REGION_CODE_MAX },
	{ "parent", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "name", JSON_STRING, JF_REQUIRED, sizeof(((struct region_row *)0)->name) - 1 },
	{ "name_en", JSON_STRING, 0, sizeof(((struct region_row *)0)->name_en) - 1 },
	{ "level", JSON_STRING, JF_REQUIRED, 16 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field region_patch_fields[] = {
	{ "parent", JSON_STRING, JF_NULLABLE, REGION_CODE_MAX },
	{ "name", JSON_STRING, 0, sizeof(((struct region_row *)0)->name) - 1 },
	{ "name_en", JSON_STRING, 0, sizeof(((struct region_row *)0)->name_en) - 1 },
	{ "level", JSON_STRING, 0, 16 },
	{ NULL, JSON_NULL, 0, 0 },
};

enum err regions_apply(struct db *db, const json_t *body, int create, struct region_row *in,
		       struct problem *pb)
{
	size_t errors = problem_count(pb);
	json_t *parent = json_object_get(body, "parent");
	const char *level = json_string_value(json_object_get(body, "level"));
	struct region_row p;
	enum err e;

	registry_json_check(pb, body, "", create ? region_create_fields : region_patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	if (!create && json_object_size(body) == 0)
		problem_invalid(pb, "", "send at least one member to change");
	take_code(pb, body, create, in->code, sizeof(in->code));
	registry_take_text(pb, body, "", "name", in->name, sizeof(in->name), TEXT_REQUIRED);
	registry_take_text(pb, body, "", "name_en", in->name_en, sizeof(in->name_en), 0);
	if (level && !problem_names(pb, "/level")) {
		if (!registry_one_of(level, levels))
			problem_invalid(pb, "/level",
					"must be country, province, city or district");
		else
			snprintf(in->level, sizeof(in->level), "%s", level);
	}
	if (create && json_is_string(parent) && !problem_names(pb, "/parent")) {
		e = regions_store_get(db, json_string_value(parent), &p);
		if (e == ERR_NOT_FOUND)
			problem_invalid(pb, "/parent", "no region %s", json_string_value(parent));
		else if (e != ERR_OK)
			return e;
		else if (strlen(p.path) + strlen(in->code) + 1 >= sizeof(in->path))
			problem_invalid(pb, "/code", "the region would lie too deep in the tree");
		else
			snprintf(in->parent, sizeof(in->parent), "%s", p.code);
	} else if (!create && parent && !problem_names(pb, "/parent") &&
		   strcmp(json_is_string(parent) ? json_string_value(parent) : "", in->parent) !=
		       0) {
		problem_invalid(pb, "/parent",
				"a region keeps its parent: its path is stored on its assets and "
				"tickets; create a new region instead");
	}
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}

static const struct json_field centre_create_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, REGION_CODE_MAX },
	{ "name", JSON_STRING, JF_REQUIRED, sizeof(((struct centre_row *)0)->name) - 1 },
	{ "region", JSON_STRING, JF_REQUIRED, REGION_CODE_MAX },
	{ "latitude", JSON_REAL, JF_NULLABLE, 0 },
	{ "longitude", JSON_REAL, JF_NULLABLE, 0 },
	{ "capacity", JSON_INTEGER, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field centre_patch_fields[] = {
	{ "name", JSON_STRING, 0, sizeof(((struct centre_row *)0)->name) - 1 },
	{ "region", JSON_STRING, 0, REGION_CODE_MAX },
	{ "latitude", JSON_REAL, JF_NULLABLE, 0 },
	{ "longitude", JSON_REAL, JF_NULLABLE, 0 },
	{ "capacity", JSON_INTEGER, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* One coordinate: *has / *value updated when the member is present. */
static void take_coordinate(struct problem *pb, const json_t *body, const char *key, double limit,
			    int *has, double *value)
{
	json_t *v = json_object_get(body, key);
	char ptr[32];

	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (json_is_null(v)) {
		*has = 0;
	} else if (json_is_number(v) && !problem_names(pb, ptr)) {
		double d = json_number_value(v);

		if (!(d >= -limit && d <= limit)) {
			problem_invalid(pb, ptr, "must be from %g to %g", -limit, limit);
		} else {
			*has = 1;
			*value = d;
		}
	}
}

enum err centres_apply(struct db *db, const json_t *body, int create, struct centre_row *in,
		       struct problem *pb)
{
	size_t errors = problem_count(pb);
	int has_lat = in->has_position, has_lon = in->has_position;
	json_t *region = json_object_get(body, "region");
	json_t *capacity = json_object_get(body, "capacity");
	struct region_row r;
	enum err e;

	registry_json_check(pb, body, "", create ? centre_create_fields : centre_patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	if (!create && json_object_size(body) == 0)
		problem_invalid(pb, "", "send at least one member to change");
	if (create)
		in->capacity = 50; /* the column's default */
	take_code(pb, body, create, in->code, sizeof(in->code));
	registry_take_text(pb, body, "", "name", in->name, sizeof(in->name), TEXT_REQUIRED);
	if (json_is_string(region) && !problem_names(pb, "/region")) {
		e = regions_store_get(db, json_string_value(region), &r);
		if (e == ERR_NOT_FOUND) {
			problem_invalid(pb, "/region", "no region %s", json_string_value(region));
		} else if (e != ERR_OK) {
			return e;
		} else {
			snprintf(in->region, sizeof(in->region), "%s", r.code);
			snprintf(in->region_path, sizeof(in->region_path), "%s", r.path);
		}
	}
	take_coordinate(pb, body, "latitude", 90, &has_lat, &in->latitude);
	take_coordinate(pb, body, "longitude", 180, &has_lon, &in->longitude);
	if (has_lat != has_lon && !problem_names(pb, "/latitude") &&
	    !problem_names(pb, "/longitude"))
		problem_invalid(pb, has_lat ? "/longitude" : "/latitude",
				"give latitude and longitude together (or both null)");
	in->has_position = has_lat && has_lon;
	if (json_is_integer(capacity)) {
		if (json_integer_value(capacity) < 0 || json_integer_value(capacity) > CAPACITY_MAX)
			problem_invalid(pb, "/capacity", "must be from 0 to %d", CAPACITY_MAX);
		else
			in->capacity = json_integer_value(capacity);
	}
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}

/* ---- writes ----------------------------------------------------------------- */

/* Appends the entry and frees both documents; a change has a before
 * (NULL there, or no after, is an allocation that failed). */
static enum err audited(struct db *db, const struct audit_actor *actor, const char *action,
			const char *type, const char *code, int change, json_t *before,
			json_t *after)
{
	enum err e = after && (before || !change)
			 ? audit_append(db, actor, action, type, code, before, after)
			 : ERR_INTERNAL;

	json_decref(before);
	json_decref(after);
	return e;
}

enum err regions_create_locked(struct db *db, const struct audit_actor *actor,
			       const struct region_row *in)
{
	enum err e =
	    regions_store_insert(db, in->code, in->parent, in->name, in->name_en, in->level);

	return e == ERR_OK ? audited(db, actor, "region.create", "region", in->code, 0, NULL,
				     regions_json(in))
			   : e;
}

enum err regions_update_locked(struct db *db, const struct audit_actor *actor,
			       const struct region_row *old, const struct region_row *in)
{
	enum err e = regions_store_update(db, in);

	return e == ERR_OK ? audited(db, actor, "region.update", "region", in->code, 1,
				     regions_json(old), regions_json(in))
			   : e;
}

enum err centres_create_locked(struct db *db, const struct audit_actor *actor,
			       const struct centre_row *in)
{
	enum err e = regions_store_centre_insert(db, in);

	return e == ERR_OK ? audited(db, actor, "centre.create", "centre", in->code, 0, NULL,
				     centres_json(in))
			   : e;
}

enum err centres_update_locked(struct db *db, const struct audit_actor *actor,
			       const struct centre_row *old, const struct centre_row *in)
{
	enum err e = regions_store_centre_update(db, in);

	return e == ERR_OK ? audited(db, actor, "centre.update", "centre", in->code, 1,
				     centres_json(old), centres_json(in))
			   : e;
}
