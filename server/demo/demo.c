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
#include "domain/users.h"
#include "domain/qr.h"
#include "db/regions_store.h"
#include "db/users_store.h"
#include "db/kb_store.h"
#include "db/registry_store.h"

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
	/* R&D engineers who give remote assistance (issue 19): no centre. */
	{ "eng.relay", "Demo Expert (Relays, R&D)", ROLE_TECHNICIAN, "", "", "13800000008" },
	{ "eng.switchgear", "Demo Expert (Switchgear, R&D)", ROLE_TECHNICIAN, "", "",
	  "13800000009" },
	{ "eng.transformer", "Demo Expert (Transformers, R&D)", ROLE_TECHNICIAN, "", "",
	  "13800000010" },
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
	/* Made up, like the phones: set real ones before configuring SMTP. */
	snprintf(u->email, sizeof(u->email), "%s@example.cn", d->username);
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

/* The demo's domain rows are there: load nothing, list the demo accounts. */
static enum err print_existing(struct db *db, FILE *out, size_t found, size_t of)
{
	struct scope all = { .all = 1 };

	enum err e;

	fprintf(out,
		"demo data already loaded (%zu of its %zu customers are in this database):"
		" nothing loaded; demo accounts in this database:\n",
		found, of);
	print_header(out);
	e = users_store_list(db, &all, NULL, 0, 0, print_if_demo, out);
	if (e == ERR_OK)
		fprintf(out, "demo password, unless changed since: %s\n", DEMO_PASSWORD);
	return e;
}

/* What was loaded, plainly, then the accounts. */
static void print_loaded(FILE *out, const struct demo_loaded *got, const int taken[N_USERS])
{
	struct user_record u;
	size_t created = 0, listed = 0;

	fprintf(out,
		"demo data loaded: %zu product lines, %zu models, %zu customers, %zu sites, %zu"
		" units, %zu service requests, %zu knowledge-base articles\n",
		got->product_lines, got->models, got->customers, got->sites, got->units,
		got->tickets, got->articles);
	if (got->lines_kept || got->models_kept)
		fprintf(out,
			"kept as they were (their codes already existed): %zu product lines, %zu"
			" models\n",
			got->lines_kept, got->models_kept);
	for (size_t i = 0; i < N_USERS; i++)
		created += !taken[i];
	fprintf(out, "accounts: created %zu, kept %zu existing", created, N_USERS - created);
	for (size_t i = 0; i < N_USERS; i++)
		if (taken[i])
			fprintf(out, "%s%s", listed++ ? ", " : " (", demo_users[i].username);
	fputs(listed ? ": their own role and password, not the demo's)\n" : "\n", out);
	if (!created)
		return;
	print_header(out);
	for (size_t i = 0; i < N_USERS; i++) {
		if (taken[i])
			continue;
		demo_record(&demo_users[i], &u);
		print_account(out, &u);
	}
	fprintf(out,
		"password of every created demo account: %s (demo only: never use this data set"
		" where real people log in)\n",
		DEMO_PASSWORD);
}

enum err demo_load(struct db *db, FILE *out)
{
	char hashes[N_USERS][192];
	int taken[N_USERS] = { 0 };
	struct demo_loaded got;
	struct audit_actor actor;
	struct registry_user existing;
	struct user_record u;
	size_t found = 0, of = 0;
	int64_t id, articles_before = 0, articles_after = 0;
	size_t contracts = 0, plans = 0;
	enum err e;

	memset(&got, 0, sizeof(got));
	/* Accounts say nothing about the demo: an admin is often created
	 * first. The demo's own customers do. */
	e = demo_registry_present(db, &found, &of);
	if (e != ERR_OK)
		return e;
	if (found > 0)
		return print_existing(db, out, found, of);

	/* Usernames already taken keep their account; Argon2 only for the
	 * others, before the write lock: each hash takes tens of ms. */
	for (size_t i = 0; i < N_USERS; i++) {
		e = registry_user_by_name(db, demo_users[i].username, &existing);
		if (e == ERR_OK) {
			taken[i] = 1;
			continue;
		}
		if (e != ERR_NOT_FOUND)
			return e;
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
		if (taken[i])
			continue;
		demo_record(&demo_users[i], &u);
		e = users_create_locked(db, &actor, &u, hashes[i], &id);
	}
	if (e == ERR_OK)
		e = demo_load_registry(db, out, &got);
	if (e == ERR_OK)
		e = contracts_demo_seed(db, &got, &contracts);
	if (e == ERR_OK)
		e = maintenance_demo_seed(db, &got, &plans);
	if (e == ERR_OK)
		e = demo_load_tickets(db, out, &got);
	if (e == ERR_OK)
		e = checklists_demo_seed(db);
	if (e == ERR_OK)
		e = experts_demo_seed(db);
	if (e == ERR_OK)
		e = kb_store_article_count(db, &articles_before);
	if (e == ERR_OK)
		e = kb_demo_seed(db);
	if (e == ERR_OK)
		e = kb_store_article_count(db, &articles_after);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		fprintf(out, "demo data not loaded (%s): the database is as it was\n",
			err_title(e));
		return e;
	}
	got.articles = (size_t)(articles_after - articles_before);
	print_loaded(out, &got, taken);
	fprintf(out, "service contracts: %zu (active by site, expiring within 60 days, expired)\n",
		contracts);
	fprintf(out,
		"maintenance plans: %zu (running hours: one unit due within days, one overdue;"
		" the scheduler requests them at its first run)\n",
		plans);
	return ERR_OK;
}
