/* Sites (projects) of customers: where units are installed. A site's region
 * decides who sees it and the assets installed there; moving a site (new
 * region or customer) moves its assets' copied region path and customer. */
#include <stdio.h>
#include <string.h>

#include "db/assets_store.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "domain/registry.h"

#define Q_MAX 64

json_t *sites_json(const struct site_row *s)
{
	char created[32], updated[32];

	clock_format(s->created_at, created, sizeof(created));
	clock_format(s->updated_at, updated, sizeof(updated));
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id",
			 (json_int_t)s->id, "customer_id", (json_int_t)s->customer_id, "code",
			 s->code, "name", s->name, "address", s->address, "region", s->region,
			 "latitude", s->has_position ? json_real(s->latitude) : json_null(),
			 "longitude", s->has_position ? json_real(s->longitude) : json_null(),
			 "created_at", created, "updated_at", updated);
}

static const struct json_field create_fields[] = {
	{ "customer_id", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "code", JSON_STRING, JF_REQUIRED, REG_CODE_SIZE - 1 },
	{ "name", JSON_STRING, JF_REQUIRED, REG_NAME_SIZE - 1 },
	{ "address", JSON_STRING, 0, REG_ADDRESS_SIZE - 1 },
	{ "region", JSON_STRING, JF_REQUIRED, REG_REGION_SIZE - 1 },
	{ "latitude", JSON_REAL, JF_NULLABLE, 0 },
	{ "longitude", JSON_REAL, JF_NULLABLE, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field patch_fields[] = {
	{ "customer_id", JSON_INTEGER, 0, 0 },
	{ "code", JSON_STRING, 0, REG_CODE_SIZE - 1 },
	{ "name", JSON_STRING, 0, REG_NAME_SIZE - 1 },
	{ "address", JSON_STRING, 0, REG_ADDRESS_SIZE - 1 },
	{ "region", JSON_STRING, 0, REG_REGION_SIZE - 1 },
	{ "latitude", JSON_REAL, JF_NULLABLE, 0 },
	{ "longitude", JSON_REAL, JF_NULLABLE, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static void writer_scope(const struct principal *who, struct scope *sc)
{
	if (who) {
		*sc = who->scope;
	} else {
		memset(sc, 0, sizeof(*sc));
		sc->all = 1;
	}
}

/* One coordinate: *has / *value updated when the member is present. */
static void take_coordinate(struct problem *pb, const json_t *body, const char *key, double limit,
			    int *has, double *value)
{
	json_t *v = json_object_get(body, key);
	char ptr[32];

	if (json_is_null(v)) {
		*has = 0;
	} else if (json_is_number(v)) {
		double d = json_number_value(v);

		snprintf(ptr, sizeof(ptr), "/%s", key);
		if (!(d >= -limit && d <= limit)) {
			problem_invalid(pb, ptr, "must be from %g to %g", -limit, limit);
		} else {
			*has = 1;
			*value = d;
		}
	}
}

/* Applies the members present in body over in (all of them for a create),
 * then checks references and the writer's scope. */
enum err sites_apply(struct db *db, const struct principal *who, const json_t *body, int create,
		     struct site_row *in, struct problem *pb)
{
	size_t errors = problem_count(pb);
	int has_lat = in->has_position, has_lon = in->has_position;
	struct scope sc;
	json_t *v;
	enum err e;

	registry_json_check(pb, body, "", create ? create_fields : patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	writer_scope(who, &sc);
	if (registry_take_id(pb, body, "", "customer_id", &in->customer_id) &&
	    in->customer_id > 0) {
		struct customer_row c;

		e = registry_customer_get(db, in->customer_id, &sc, &c);
		if (e == ERR_NOT_FOUND)
			problem_invalid(pb, "/customer_id", "no such customer");
		else if (e != ERR_OK)
			return e;
	}
	registry_take_text(pb, body, "", "code", in->code, sizeof(in->code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(pb, body, "", "name", in->name, sizeof(in->name), TEXT_REQUIRED);
	registry_take_text(pb, body, "", "address", in->address, sizeof(in->address), 0);
	v = json_object_get(body, "region");
	if (json_is_string(v)) {
		struct region_row r;

		e = regions_store_get(db, json_string_value(v), &r);
		if (e == ERR_NOT_FOUND) {
			problem_invalid(pb, "/region", "no such region");
		} else if (e != ERR_OK) {
			return e;
		} else if (!sc.all &&
			   !(sc.region_lo[0] && registry_path_within(r.path, sc.region_lo))) {
			problem_invalid(pb, "/region", "must be a region within your scope");
		} else {
			snprintf(in->region, sizeof(in->region), "%s", r.code);
			snprintf(in->region_path, sizeof(in->region_path), "%s", r.path);
		}
	}
	take_coordinate(pb, body, "latitude", 90, &has_lat, &in->latitude);
	take_coordinate(pb, body, "longitude", 180, &has_lon, &in->longitude);
	if (has_lat != has_lon)
		problem_invalid(pb, has_lat ? "/longitude" : "/latitude",
				"give latitude and longitude together");
	in->has_position = has_lat && has_lon;
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}

enum err sites_parse(struct db *db, const struct principal *who, const json_t *body,
		     struct site_row *in, struct problem *pb)
{
	memset(in, 0, sizeof(*in));
	return sites_apply(db, who, body, 1, in, pb);
}

enum err sites_create_locked(struct db *db, const struct audit_actor *actor,
			     const struct site_row *in, int64_t *id_out)
{
	struct site_row row = *in;
	char id[24];
	json_t *after;
	enum err e;

	row.created_at = row.updated_at = clock_now();
	e = registry_site_insert(db, &row, &row.id);
	if (e != ERR_OK)
		return e;
	snprintf(id, sizeof(id), "%lld", (long long)row.id);
	after = sites_json(&row);
	e = after ? audit_append(db, actor, "site.create", "site", id, NULL, after) : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*id_out = row.id;
	return e;
}
