/* Store of warranty alerts, renewals and expiry notices. All SQL for them
 * lives in server/db/warranty_store.c. */
#ifndef FT_WARRANTY_STORE_H
#define FT_WARRANTY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* Whose units an alert list covers; exactly one kind is used. */
enum warranty_owner {
	WARRANTY_ALL,    /* admin, auditor */
	WARRANTY_MINE,   /* sales_owner_id = user_id */
	WARRANTY_REGION, /* region_path in [region_lo, region_hi) */
	WARRANTY_CENTRE, /* the regions a centre covers */
};

struct warranty_query {
	enum warranty_owner owner;
	int64_t user_id;
	const char *region_lo, *region_hi;
	const char *centre;
	char from[11], to[11]; /* warranty_end in [from, to] */
	/* Resume after this (customer_id, site_id, asset_id); 0s = from the start. */
	int64_t after_customer, after_site, after_asset;
	int limit;
};

struct warranty_unit {
	int64_t asset_id;
	char serial[64];
	char model_code[65];
	char warranty_end[11];
	int64_t customer_id;
	char customer_name[256];
	char customer_tier[16];
	int64_t site_id; /* 0 = none */
	char site_name[256];
	int64_t sales_owner_id; /* 0 = none */
	char sales_owner[64];
};
typedef int (*warranty_unit_fn)(const struct warranty_unit *u, void *ctx); /* nonzero stops */

/* Units of q's owner whose warranty ends in [from, to], ordered by
 * customer, site, asset: one index range per owner kind. */
enum err warranty_store_alerts(struct db *db, const struct warranty_query *q, warranty_unit_fn fn,
			       void *ctx);

/* The query plan of warranty_store_alerts for an owner kind, one line per
 * step (tests assert it reads an index range, never the whole table). */
enum err warranty_store_alerts_plan(struct db *db, enum warranty_owner owner, char *out,
				    size_t size);

/* ---- contracts ending (issue 20) ---------------------------------------- */

/* Active or expired service contracts and warranty extensions of q's owner
 * (the contract's sales owner; the customer's region for region and
 * centre) ending in [from, to] that no draft or active contract renews,
 * ordered by customer, contract id, after (after_customer,
 * after_contract). */
struct warranty_contract {
	int64_t id;
	char number[64];
	char kind[24];
	char end_date[11];
	char status[12]; /* active or expired, for today */
	int64_t customer_id;
	char customer_name[256];
	char customer_tier[16];
	int64_t sales_owner_id; /* 0 = none */
	char sales_owner[64];
	int renewal_cancelled; /* a renewal was drafted and cancelled */
	int64_t price_minor;
	char currency[4];
};
typedef int (*warranty_contract_fn)(const struct warranty_contract *c, void *ctx);
enum err warranty_store_contracts(struct db *db, const struct warranty_query *q, const char *today,
				  int64_t after_customer, int64_t after_contract,
				  warranty_contract_fn fn, void *ctx);

/* ---- renewals ------------------------------------------------------------ */

struct warranty_renewal {
	int64_t id, asset_id, months;
	char contract_number[64];
	char previous_end[11];
	char new_end[11];
	int64_t created_by;
	char created_by_name[64];
	int64_t created_at;
};
/* Adds months to the asset's warranty (warranty_months, warranty_end) and
 * records the renewal, inside the caller's transaction. ERR_CONFLICT when
 * the contract number is already recorded. */
enum err warranty_store_renew(struct db *db, struct warranty_renewal *r, int64_t new_months_total);
typedef int (*warranty_renewal_fn)(const struct warranty_renewal *r, void *ctx);
enum err warranty_store_renewals(struct db *db, int64_t asset_id, warranty_renewal_fn fn,
				 void *ctx);
/* The asset's renewal that extended its warranty furthest (the latest
 * new_end) into *out; ERR_NOT_FOUND when it was never renewed. */
enum err warranty_store_renewal_furthest(struct db *db, int64_t asset_id,
					 struct warranty_renewal *out);

/* ---- expiry notices ------------------------------------------------------ */

/* Owned units whose warranty ends in [from, to] with no notice yet for
 * their band: 0 (ended by today), 30, 60 or 90 days left (the day bounds
 * are today, today + 30, today + 60). */
struct warranty_due {
	int64_t asset_id;
	char serial[64];
	char warranty_end[11];
	int threshold;
	int64_t sales_owner_id;
	int64_t customer_id;
	char customer_name[256];
	char region_path[256]; /* the unit's: whose webhooks hear of it */
};
struct warranty_bands {
	char from[11], to[11];
	char today[11], d30[11], d60[11];
};
typedef int (*warranty_due_fn)(const struct warranty_due *d, void *ctx);
enum err warranty_store_unnoticed(struct db *db, const struct warranty_bands *b, warranty_due_fn fn,
				  void *ctx);
/* Records the notice; ERR_CONFLICT when it was already sent. */
enum err warranty_store_notice_add(struct db *db, int64_t asset_id, const char *end, int threshold,
				   int64_t now);

#endif
