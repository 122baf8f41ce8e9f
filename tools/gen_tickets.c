/* A year of service tickets for a national organisation, for timing the
 * analytics endpoints: a region tree (country, 31 provinces, 10 cities
 * each), a centre per province, 20 models, and N tickets (default one
 * million) spread over the 365 days before --end, with their history
 * (created ... arrive ... resolve ... close, some reopened and visited
 * twice), work records with fault codes, and closing scores. Writes into
 * a database `fieldtrace migrate` created. Standalone: links SQLite only.
 *
 *   gen_tickets --db PATH [--tickets N] [--end UNIX_SECONDS] */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROVINCES 31
#define CITIES 10
#define MODELS 20
#define FAULTS 200

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "gen_tickets: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static void exec(sqlite3 *db, const char *sql)
{
	check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), sql);
	return st;
}

static void run(sqlite3 *db, sqlite3_stmt *st)
{
	check(db, sqlite3_step(st), "step");
	sqlite3_reset(st);
}

static void seed_reference(sqlite3 *db)
{
	sqlite3_stmt *region = prep(db, "INSERT OR IGNORE INTO regions(code, parent_code, name,"
					" level, path) VALUES (?1, ?2, ?1, ?3, ?4)");
	sqlite3_stmt *centre = prep(db, "INSERT OR IGNORE INTO centres(code, name, region_code)"
					" VALUES (?1, ?1, ?2)");
	sqlite3_stmt *model = prep(db, "INSERT OR IGNORE INTO models(id, code, name, product_line,"
				       " design_revision, created_at, updated_at)"
				       " VALUES (?1, ?2, ?2, ?3, 'A', 0, 0)");
	char code[32], parent[32], path[96];

	exec(db, "INSERT OR IGNORE INTO regions(code, parent_code, name, level, path)"
		 " VALUES ('GCN', NULL, 'China', 'country', '/GCN/');"
		 "INSERT OR IGNORE INTO product_lines(code, name) VALUES ('switchgear', 'Switchgear'),"
		 " ('rmu', 'Ring main units'), ('transformer', 'Transformers');"
		 "INSERT OR IGNORE INTO customers(id, code, name, tier, created_at, updated_at)"
		 " VALUES (1, 'GEN-C1', 'Generated', 'A', 0, 0);");
	for (int p = 0; p < PROVINCES; p++) {
		snprintf(code, sizeof(code), "GP%02d", p);
		snprintf(path, sizeof(path), "/GCN/%s/", code);
		sqlite3_bind_text(region, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(region, 2, "GCN", -1, SQLITE_STATIC);
		sqlite3_bind_text(region, 3, "province", -1, SQLITE_STATIC);
		sqlite3_bind_text(region, 4, path, -1, SQLITE_TRANSIENT);
		run(db, region);
		snprintf(parent, sizeof(parent), "%s", code);
		snprintf(code, sizeof(code), "GC-%02d", p);
		sqlite3_bind_text(centre, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(centre, 2, parent, -1, SQLITE_TRANSIENT);
		run(db, centre);
		for (int c = 0; c < CITIES; c++) {
			snprintf(code, sizeof(code), "GP%02dC%d", p, c);
			snprintf(path, sizeof(path), "/GCN/%s/%s/", parent, code);
			sqlite3_bind_text(region, 1, code, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(region, 2, parent, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(region, 3, "city", -1, SQLITE_STATIC);
			sqlite3_bind_text(region, 4, path, -1, SQLITE_TRANSIENT);
			run(db, region);
		}
	}
	for (int m = 1; m <= MODELS; m++) {
		static const char *const lines[] = { "switchgear", "rmu", "transformer" };

		snprintf(code, sizeof(code), "GEN-M%02d", m);
		sqlite3_bind_int(model, 1, 1000 + m);
		sqlite3_bind_text(model, 2, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(model, 3, lines[m % 3], -1, SQLITE_STATIC);
		run(db, model);
	}
	sqlite3_finalize(region);
	sqlite3_finalize(centre);
	sqlite3_finalize(model);
}

static const char *const channels[] = { "app", "hotline", "wechat", "web", "email", "internal" };
static const char *const cats[][2] = { { "fault_repair", "repair" },
				       { "fault_repair", "repair" },
				       { "fault_repair", "repair" },
				       { "service_request", "maintenance" },
				       { "complaint", "service_complaint" },
				       { "other", "consultation" } };
/* response, arrival, resolution targets in minutes per priority */
static const int targets[4][3] = { { 30, 240, 1440 }, { 60, 480, 2160 }, { 120, 1080, 4320 },
				   { 240, 2160, 10800 } };

int main(int argc, char **argv)
{
	const char *path = NULL;
	long long n = 1000000, end = (long long)time(NULL);
	sqlite3 *db;
	sqlite3_stmt *ticket, *event, *work;
	long long first_id;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--tickets") == 0)
			n = atoll(argv[i + 1]);
		else if (strcmp(argv[i], "--end") == 0)
			end = atoll(argv[i + 1]);
	}
	if (!path || n <= 0) {
		fprintf(stderr, "usage: gen_tickets --db PATH [--tickets N] [--end UNIX_SECONDS]\n");
		return 2;
	}
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -400000; BEGIN");
	seed_reference(db);
	{
		sqlite3_stmt *st = prep(db, "SELECT coalesce(max(id), 0) + 1 FROM tickets");

		sqlite3_step(st);
		first_id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	ticket = prep(
	    db, "INSERT INTO tickets(id, channel, category, subcategory, status, title, impact,"
		" urgency, priority, customer_tier, customer_id, region_path, model_id, product_line,"
		" warranty_status, billable, centre_code, response_due, arrival_due, resolution_due,"
		" responded_at, arrived_at, resolved_at, closed_at, satisfaction, created_at,"
		" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'Generated', 'unit', 'medium', ?6, 'A', 1,"
		" ?7, ?8, ?9, 'in_warranty', 0, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
		" ?19)");
	event = prep(db, "INSERT INTO ticket_events(ticket_id, seq, at, action, to_status)"
			 " VALUES (?1, ?2, ?3, ?4, ?5)");
	work = prep(db, "INSERT INTO ticket_work(ticket_id, fault_code, cause, actions,"
			" minutes_spent, recorded_at) VALUES (?1, ?2, 'generated', 'generated', 60,"
			" ?3)");
	for (long long i = 0; i < n; i++) {
		long long id = first_id + i;
		long long created = end - 365LL * 86400 + (long long)i * 365 * 86400 / n;
		int prio = (int)rnd(100) < 5 ? 0 : 1 + (int)rnd(3), p = (int)rnd(PROVINCES);
		int c = (int)rnd(CITIES), m = 1 + (int)rnd(MODELS), k = (int)rnd(6);
		int roll = (int)rnd(100), reopened = (int)rnd(100) < 4;
		/* closed 70, follow_up 10, resolved 8, cancelled 5, open 7 */
		const char *status = roll < 70   ? "closed"
				     : roll < 80 ? "follow_up"
				     : roll < 88 ? "resolved"
				     : roll < 93 ? "cancelled"
						 : "en_route";
		int cancelled = roll >= 88 && roll < 93, open = roll >= 93;
		long long resp = created + 60 * (5 + rnd((uint32_t)targets[prio][0] * 2));
		long long arr = resp + 60 * (20 + rnd((uint32_t)targets[prio][1]));
		long long res = arr + 60 * (30 + rnd((uint32_t)targets[prio][2]));
		char region[64], centre[16], fault[16], prio_s[4];
		static const char *const lines[] = { "switchgear", "rmu", "transformer" };
		int seq = 1;

		snprintf(region, sizeof(region), "/GCN/GP%02d/GP%02dC%d/", p, p, c);
		snprintf(centre, sizeof(centre), "GC-%02d", p);
		snprintf(prio_s, sizeof(prio_s), "P%d", prio + 1);
		sqlite3_bind_int64(ticket, 1, id);
		sqlite3_bind_text(ticket, 2, channels[rnd(6)], -1, SQLITE_STATIC);
		sqlite3_bind_text(ticket, 3, cats[k][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(ticket, 4, cats[k][1], -1, SQLITE_STATIC);
		sqlite3_bind_text(ticket, 5, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(ticket, 6, prio_s, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ticket, 7, region, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ticket, 8, 1000 + m);
		sqlite3_bind_text(ticket, 9, lines[m % 3], -1, SQLITE_STATIC);
		sqlite3_bind_text(ticket, 10, centre, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ticket, 11, created + 60LL * targets[prio][0]);
		sqlite3_bind_int64(ticket, 12, created + 60LL * targets[prio][1]);
		sqlite3_bind_int64(ticket, 13, created + 60LL * targets[prio][2]);
		if (cancelled)
			sqlite3_bind_null(ticket, 14);
		else
			sqlite3_bind_int64(ticket, 14, resp);
		if (cancelled)
			sqlite3_bind_null(ticket, 15);
		else
			sqlite3_bind_int64(ticket, 15, arr);
		if (cancelled || open)
			sqlite3_bind_null(ticket, 16);
		else
			sqlite3_bind_int64(ticket, 16, res);
		if (roll < 70) {
			sqlite3_bind_int64(ticket, 17, res + 86400);
			sqlite3_bind_int(ticket, 18, 1 + (int)(rnd(10) < 6 ? 4 : rnd(5)));
		} else {
			sqlite3_bind_null(ticket, 17);
			sqlite3_bind_null(ticket, 18);
		}
		sqlite3_bind_int64(ticket, 19, created);
		run(db, ticket);
#define EVENT(at, action, to)                                                                      \
	do {                                                                                       \
		sqlite3_bind_int64(event, 1, id);                                                  \
		sqlite3_bind_int(event, 2, seq++);                                                 \
		sqlite3_bind_int64(event, 3, at);                                                  \
		sqlite3_bind_text(event, 4, action, -1, SQLITE_STATIC);                            \
		sqlite3_bind_text(event, 5, to, -1, SQLITE_STATIC);                                \
		run(db, event);                                                                    \
	} while (0)
		EVENT(created, "create", "new");
		EVENT(created, "route", "routed");
		EVENT(created + 60, "assign", "assigned");
		if (cancelled) {
			EVENT(created + 120, "cancel", "cancelled");
			continue;
		}
		EVENT(resp, "accept", "accepted");
		EVENT(resp + 60, "depart", "en_route");
		if (open)
			continue;
		EVENT(arr, "arrive", "on_site");
		if (reopened) {
			EVENT(arr + 600, "resolve", "resolved");
			EVENT(arr + 86400, "reopen", "reopened");
			EVENT(arr + 90000, "assign", "assigned");
			EVENT(arr + 90600, "accept", "accepted");
			EVENT(arr + 91200, "depart", "en_route");
			EVENT(arr + 93600, "arrive", "on_site");
		}
		EVENT(res, "resolve", "resolved");
		if (roll < 80)
			EVENT(res + 3600, "follow_up", "follow_up");
		if (roll < 70)
			EVENT(res + 86400, "close", "closed");
		snprintf(fault, sizeof(fault), "F%03u", rnd(10) < 5 ? rnd(10) : rnd(FAULTS));
		sqlite3_bind_int64(work, 1, id);
		sqlite3_bind_text(work, 2, fault, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(work, 3, res);
		run(db, work);
		if ((i + 1) % 100000 == 0) {
			exec(db, "COMMIT; BEGIN");
			fprintf(stderr, "gen_tickets: %lld tickets\n", i + 1);
		}
	}
	exec(db, "COMMIT");
	sqlite3_finalize(ticket);
	sqlite3_finalize(event);
	sqlite3_finalize(work);
	sqlite3_close(db);
	printf("%lld tickets from %lld to %lld\n", n, end - 365LL * 86400, end);
	return 0;
}
