/* The demo data set: a small region tree, four service centres and one
 * account per role, so a newcomer can log in as anyone and try everything.
 * The shared password is for demos only: never load this into a database
 * that real people use. */
#include "demo/demo.h"

#include <stdio.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/auth.h"
#include "db/db.h"
#include "domain/kb.h"
#include "domain/users.h"
#include "domain/qr.h"
#include "db/regions_store.h"
#include "db/users_store.h"

#define DEMO_PASSWORD "fieldtrace-demo"

struct demo_region {
	const char *code, *parent, *name, *name_en, *level;
};

/* Parents before children. */
static const struct demo_region demo_regions[] = {
	{ "CN", NULL, "中国", "China", "country" },
	{ "GD", "CN", "广东", "Guangdong", "province" },
	{ "JS", "CN", "江苏", "Jiangsu", "province" },
	{ "BJ", "CN", "北京", "Beijing", "province" },
	{ "SZ", "GD", "深圳", "Shenzhen", "city" },
	{ "GZ", "GD", "广州", "Guangzhou", "city" },
	{ "NJ", "JS", "南京", "Nanjing", "city" },
	{ "SU", "JS", "苏州", "Suzhou", "city" },
	{ "BJC", "BJ", "北京市", "Beijing City", "city" },
};

struct demo_centre {
	const char *code, *name, *region;
	double latitude, longitude;
	int64_t capacity;
};

static const struct demo_centre demo_centres[] = {
	{ "C-SZ", "深圳服务中心", "SZ", 22.54, 114.06, 50 },
	{ "C-GZ", "广州服务中心", "GZ", 23.13, 113.26, 50 },
	{ "C-NJ", "南京服务中心", "NJ", 32.06, 118.80, 50 },
	{ "C-BJ", "北京服务中心", "BJC", 39.90, 116.40, 50 },
};

struct demo_user {
	const char *username, *display_name;
	enum role role;
	const char *region, *centre, *phone;
};

/* The phone numbers are made up. */
static const struct demo_user demo_users[] = {
	{ "admin", "Demo Admin", ROLE_ADMIN, "", "", "13800000001" },
	{ "supervisor.gd", "Demo Supervisor (Guangdong)", ROLE_SUPERVISOR, "GD", "",
	  "13800000002" },
	{ "dispatcher.sz", "Demo Dispatcher (Shenzhen)", ROLE_DISPATCHER, "SZ", "C-SZ",
	  "13800000003" },
	{ "tech.sz", "Demo Technician (Shenzhen)", ROLE_TECHNICIAN, "SZ", "C-SZ", "13800000004" },
	{ "tech.nj", "Demo Technician (Nanjing)", ROLE_TECHNICIAN, "NJ", "C-NJ", "13800000005" },
	{ "sales.gd", "Demo Sales (Guangdong)", ROLE_SALES, "GD", "", "13800000006" },
	{ "auditor", "Demo Auditor", ROLE_AUDITOR, "", "", "13800000007" },
};

#define N_REGIONS (sizeof(demo_regions) / sizeof(demo_regions[0]))
#define N_CENTRES (sizeof(demo_centres) / sizeof(demo_centres[0]))
#define N_USERS (sizeof(demo_users) / sizeof(demo_users[0]))

/* Reference data already present (a database seeded by hand or by an
 * earlier partial set-up) is kept as it is. */
static enum err ensure_region(struct db *db, const struct audit_actor *actor,
			      const struct demo_region *d)
{
	struct region_row row;
	json_t *after;
	enum err e = regions_store_get(db, d->code, &row);

	if (e != ERR_NOT_FOUND)
		return e;
	e = regions_store_insert(db, d->code, d->parent, d->name, d->name_en, d->level);
	if (e != ERR_OK)
		return e;
	after = json_pack("{s:s, s:s?, s:s, s:s, s:s}", "code", d->code, "parent", d->parent,
			  "name", d->name, "name_en", d->name_en, "level", d->level);
	e = after ? audit_append(db, actor, "region.create", "region", d->code, NULL, after)
		  : ERR_INTERNAL;
	json_decref(after);
	return e;
}

static enum err ensure_centre(struct db *db, const struct audit_actor *actor,
			      const struct demo_centre *d)
{
	struct centre_row row;
	json_t *after;
	enum err e = regions_store_centre_get(db, d->code, &row);

	if (e != ERR_NOT_FOUND)
		return e;
	memset(&row, 0, sizeof(row));
	snprintf(row.code, sizeof(row.code), "%s", d->code);
	snprintf(row.name, sizeof(row.name), "%s", d->name);
	snprintf(row.region, sizeof(row.region), "%s", d->region);
	row.has_position = 1;
	row.latitude = d->latitude;
	row.longitude = d->longitude;
	row.capacity = d->capacity;
	e = regions_store_centre_insert(db, &row);
	if (e != ERR_OK)
		return e;
	after = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I}", "code", d->code, "name", d->name,
			  "region", d->region, "latitude", d->latitude, "longitude", d->longitude,
			  "capacity", (json_int_t)d->capacity);
	e = after ? audit_append(db, actor, "centre.create", "centre", d->code, NULL, after)
		  : ERR_INTERNAL;
	json_decref(after);
	return e;
}

static void demo_record(const struct demo_user *d, struct user_record *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->username, sizeof(u->username), "%s", d->username);
	snprintf(u->display_name, sizeof(u->display_name), "%s", d->display_name);
	u->role = d->role;
	snprintf(u->region, sizeof(u->region), "%s", d->region);
	snprintf(u->centre, sizeof(u->centre), "%s", d->centre);
	snprintf(u->phone, sizeof(u->phone), "%s", d->phone);
}

static void print_header(FILE *out)
{
	fprintf(out, "  %-16s %-12s %-8s %s\n", "username", "role", "region", "centre");
}

static void print_account(FILE *out, const struct user_record *u)
{
	fprintf(out, "  %-16s %-12s %-8s %s\n", u->username, role_name(u->role),
		u->region[0] ? u->region : "-", u->centre[0] ? u->centre : "-");
}

static int is_demo_username(const char *username)
{
	for (size_t i = 0; i < N_USERS; i++)
		if (strcmp(demo_users[i].username, username) == 0)
			return 1;
	return 0;
}

static int print_if_demo(const struct user_record *u, void *arg)
{
	if (is_demo_username(u->username))
		print_account(arg, u);
	return 0;
}

/* The database already has accounts: list the demo ones it holds. */
static enum err print_existing(struct db *db, FILE *out)
{
	struct user_scope all = { .kind = USER_SCOPE_ALL };

	enum err e;

	fprintf(out, "demo data already loaded; demo accounts in this database:\n");
	print_header(out);
	e = users_store_list(db, &all, NULL, 0, 0, print_if_demo, out);
	if (e == ERR_OK)
		fprintf(out, "demo password, unless changed since: %s\n", DEMO_PASSWORD);
	return e;
}

enum err demo_load(struct db *db, FILE *out)
{
	char hashes[N_USERS][192];
	struct audit_actor actor;
	struct user_record u;
	int64_t users = 0, id;
	enum err e;

	e = users_store_count(db, &users);
	if (e != ERR_OK)
		return e;
	if (users > 0)
		return print_existing(db, out);

	/* Argon2 before the write lock: each hash takes tens of ms. */
	for (size_t i = 0; i < N_USERS; i++) {
		e = auth_hash_password(DEMO_PASSWORD, hashes[i], sizeof(hashes[i]));
		if (e != ERR_OK)
			return e;
	}
	/* The registry's assets get labels, issued with the active key. */
	e = qr_keys_load(db);
	if (e != ERR_OK)
		return e;
	audit_actor_cli(&actor, "demo");
	e = db_begin(db);
	for (size_t i = 0; e == ERR_OK && i < N_REGIONS; i++)
		e = ensure_region(db, &actor, &demo_regions[i]);
	for (size_t i = 0; e == ERR_OK && i < N_CENTRES; i++)
		e = ensure_centre(db, &actor, &demo_centres[i]);
	for (size_t i = 0; e == ERR_OK && i < N_USERS; i++) {
		demo_record(&demo_users[i], &u);
		e = users_create_locked(db, &actor, &u, hashes[i], &id);
	}
	if (e == ERR_OK)
		e = demo_load_registry(db, out);
	if (e == ERR_OK)
		e = demo_load_tickets(db, out);
	if (e == ERR_OK)
		e = kb_demo_seed(db);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		return e;
	}

	fprintf(out, "demo data loaded: regions, centres and these accounts:\n");
	print_header(out);
	for (size_t i = 0; i < N_USERS; i++) {
		demo_record(&demo_users[i], &u);
		print_account(out, &u);
	}
	fprintf(out,
		"password of every demo account: %s (demo only: never use this data set"
		" where real people log in)\n",
		DEMO_PASSWORD);
	return ERR_OK;
}
