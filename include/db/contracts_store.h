/* Store of service contracts, their coverage, expiry notices and the
 * entitlement each request was opened under. All SQL for them lives in
 * server/db/contracts_store.c (migrations/0029_contracts.sql). */
#ifndef FT_CONTRACTS_STORE_H
#define FT_CONTRACTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define CONTRACT_NUMBER_SIZE 64

struct contract_row {
	int64_t id;
	char number[CONTRACT_NUMBER_SIZE];
	int64_t customer_id;
	char customer_name[256];
	char kind[24];
	char start_date[11], end_date[11];
	char status[12];        /* stored; "expired" computed by the reader for a day */
	int64_t sales_owner_id; /* 0 = none */
	char sales_owner[64];
	int64_t price_minor;
	char currency[4];
	int64_t renews_id;     /* 0 = none */
	int64_t renewed_by_id; /* a draft or active contract renewing this one; 0 = none */
	int covers_parts, covers_labour, covers_travel;
	int64_t response_minutes, resolution_minutes;   /* 0 = not set */
	int64_t visits_per_year, assist_hours_per_year; /* -1 = not limited */
	int signoff_required;
	int64_t warranty_renewal_id; /* 0 = none */
	char region_path[256];       /* the customer's region (notifications) */
	int64_t created_by, created_at, updated_at, activated_at, cancelled_at, version;
};

/* Read in scope (customer scope, or the contract's own sales owner). */
enum err contracts_store_get(struct db *db, int64_t id, const struct scope *sc,
			     struct contract_row *out);

struct contract_filter {
	int64_t customer_id; /* 0 = any */
	const char *status;  /* effective status for today, NULL = any */
	const char *kind;    /* NULL = any */
	const char *today;
	const char *ending_from, *ending_to; /* end_date in [from, to]; NULL = open */
};
typedef int (*contract_row_fn)(const struct contract_row *c, void *ctx); /* nonzero stops */
/* Ids above after_id, ascending. */
enum err contracts_store_list(struct db *db, const struct scope *sc,
			      const struct contract_filter *f, int64_t after_id, int limit,
			      contract_row_fn fn, void *ctx);

/* Inserts c (id, names ignored); *id_out = its id. ERR_CONFLICT when the
 * number is taken. */
enum err contracts_store_insert(struct db *db, const struct contract_row *c, int64_t *id_out);
/* Writes every mutable column where id and version match, bumps version:
 * ERR_CONFLICT when it changed meanwhile or the number is taken. */
enum err contracts_store_update(struct db *db, struct contract_row *c);

/* Coverage lists. */
enum err contracts_store_units_set(struct db *db, int64_t contract_id, const int64_t *ids,
				   size_t n);
enum err contracts_store_sites_set(struct db *db, int64_t contract_id, const int64_t *ids,
				   size_t n);
typedef int (*contract_cover_fn)(int64_t id, const char *label, void *ctx);
enum err contracts_store_units(struct db *db, int64_t contract_id, contract_cover_fn fn, void *ctx);
enum err contracts_store_sites(struct db *db, int64_t contract_id, contract_cover_fn fn, void *ctx);

/* Active contracts covering the unit (listed, or on listed site site_id)
 * on day, best first (service before warranty_extension, later end, lower
 * id). via: "unit" or "site". */
typedef int (*contract_covering_fn)(const struct contract_row *c, const char *via, void *ctx);
enum err contracts_store_covering(struct db *db, int64_t asset_id, int64_t site_id, const char *day,
				  contract_covering_fn fn, void *ctx);

/* Visits used under the contract by requests opened in [from, to) (Unix
 * seconds): billed covered, and reached on_site or resolved. */
enum err contracts_store_visits(struct db *db, int64_t contract_id, int64_t from, int64_t to,
				int64_t *out);
/* Seconds of remote assistance used under the contract by calls on its
 * requests that ended in [from, to): from the first remote frame (or the
 * acceptance when no frame was reported) to the end. */
enum err contracts_store_assist_seconds(struct db *db, int64_t contract_id, int64_t from,
					int64_t to, int64_t *out);

/* The owner and customer a unit belongs to (for checks); ERR_NOT_FOUND. */
enum err contracts_store_asset_owner(struct db *db, int64_t asset_id, int64_t *customer_id,
				     int64_t *site_id);
enum err contracts_store_site_customer(struct db *db, int64_t site_id, int64_t *customer_id);
/* The user's role ("sales", ...) into role (16 bytes); ERR_NOT_FOUND. */
enum err contracts_store_user_role(struct db *db, int64_t user_id, char role[16]);

/* ---- tickets -------------------------------------------------------------- */

struct ticket_entitlement {
	char source[12], billing[12];
	int64_t contract_id; /* 0 = none */
	char contract_number[CONTRACT_NUMBER_SIZE];
	int covers_parts, covers_labour, covers_travel;
	char reason[160];
};
enum err contracts_store_ticket_put(struct db *db, int64_t ticket_id,
				    const struct ticket_entitlement *en);
/* signoff_required of the ticket's recorded contract; 0 when none. */
enum err contracts_store_ticket_signoff(struct db *db, int64_t ticket_id, int *required);
/* ERR_NOT_FOUND when the ticket has none. */
enum err contracts_store_ticket_get(struct db *db, int64_t ticket_id,
				    struct ticket_entitlement *out);

/* ---- expiry and revenue --------------------------------------------------- */

/* Active contracts that ended before today become expired; *changed. */
enum err contracts_store_expire(struct db *db, const char *today, int64_t *changed);

struct contract_due {
	int64_t contract_id;
	char number[CONTRACT_NUMBER_SIZE];
	char end_date[11];
	int threshold;
	int64_t sales_owner_id;
	int64_t customer_id;
	char customer_name[256];
	char region_path[256];
	int64_t price_minor;
	char currency[4];
};
struct contract_bands {
	char from[11], to[11];
	char today[11], d30[11], d60[11];
};
typedef int (*contract_due_fn)(const struct contract_due *d, void *ctx);
/* Owned, not renewed, active or expired contracts ending in [from, to]
 * without a notice for their band, ordered by owner. */
enum err contracts_store_unnoticed(struct db *db, const struct contract_bands *b,
				   contract_due_fn fn, void *ctx);
/* ERR_CONFLICT when already recorded. */
enum err contracts_store_notice_add(struct db *db, int64_t contract_id, const char *end,
				    int threshold, int64_t now);

/* Revenue at risk: price of active or expired (never cancelled or draft)
 * contracts ending in [from, to] with no active renewal, summed per month
 * ("YYYY-MM") and currency, in scope. */
typedef int (*contract_risk_fn)(const char *month, const char *currency, int64_t amount_minor,
				int64_t contracts, void *ctx);
enum err contracts_store_revenue_at_risk(struct db *db, const struct scope *sc, const char *from,
					 const char *to, contract_risk_fn fn, void *ctx);

#endif
