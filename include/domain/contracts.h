/* Service contracts and entitlements (server/domain/contracts.c): which
 * entitlement covers a unit on a day, what a request opened under it gets
 * (billing, deadlines), what a contract's year has used, the expiry
 * notices. The HTTP resource is server/api/contracts.c; the SQL is
 * server/db/contracts_store.c (migrations/0029_contracts.sql).
 *
 * Rules, in one place:
 * - Status: draft -> active (POST .../activate), active -> cancelled
 *   (POST .../cancel). "expired" is computed: an active contract whose
 *   end_date is before today reads as expired everywhere; the daily
 *   warranty_digest job writes it back (contracts_digest_locked).
 * - Coverage on day D: status active, start_date <= D <= end_date, and the
 *   unit is listed or stands on a listed site (units added to the site
 *   later are covered too). When several cover it, a service contract wins
 *   over a warranty_extension, then the later end date, then the lower id.
 * - Intake (contracts_entitlement_at for today): the factory warranty
 *   (the unit's warranty_end, renewals included: warranty status
 *   in_warranty or expiring) -> source "warranty", billing "free"; else a
 *   covering contract -> source "contract", billing "covered", unless its
 *   visit allowance for the contract year is used up -> "billable"; else
 *   source "none", billing "billable". A covering contract's response and
 *   resolution minutes apply whichever the source (the shorter of tier and
 *   contract wins, counted on the priority's own clock).
 * - Consumption: a contract year runs from start_date + n years. A visit
 *   is a request billed "covered" under the contract, opened in that year,
 *   that reached on_site (arrived_at) or was resolved. Assist hours: not
 *   counted yet (no assist-session table on main); shown as null.
 */
#ifndef FT_CONTRACTS_H
#define FT_CONTRACTS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "db/contracts_store.h"

struct db;
struct ticket_row;
struct sla_targets;

/* What covers a unit on a day, and what a request opened then gets. */
struct entitlement {
	char source[12];  /* "warranty", "contract", "none" */
	char billing[12]; /* "free", "covered", "billable" */
	int has_contract; /* a contract covers the unit (its deadlines apply) */
	struct contract_row contract;
	int covers_parts, covers_labour, covers_travel;
	int64_t visits_used; /* in the contract year containing the day */
	char reason[160];    /* why, in words */
};

/* The entitlement of asset_id on day (YYYY-MM-DD); warranty_status is the
 * unit's status that day (assets_warranty_status: in_warranty, expiring,
 * expired, none). */
enum err contracts_entitlement_at(struct db *db, int64_t asset_id, int64_t site_id,
				  const char *warranty_status, const char *day,
				  struct entitlement *out);

/* Shortens targets' response and resolution minutes to the contract's
 * where those are shorter (and arrival to at most resolution). */
void contracts_apply_targets(const struct entitlement *en, struct sla_targets *targets);

/* Records on ticket_id which entitlement applied, inside the caller's
 * transaction. */
enum err contracts_ticket_record(struct db *db, int64_t ticket_id, const struct entitlement *en);

/* {source, contract_id, contract_number, billing, covers{parts, labour,
 * travel}, reason} of a ticket, or JSON null when it has none (a request
 * without a unit). New reference. */
json_t *contracts_ticket_json(struct db *db, int64_t ticket_id, enum err *e);

/* 1 in *required when the contract recorded on the ticket (its
 * entitlement's contract_id) requires the customer's sign-off to close;
 * 0 when it has none or no entitlement (for the checklists part). */
enum err contracts_ticket_signoff_required(struct db *db, int64_t ticket_id, int *required);

/* The contract year containing day: [*year_start, *year_end) as dates. */
void contracts_year_of(const struct contract_row *c, const char *day, char year_start[11],
		       char year_end[11]);

/* A contract as the API shows it (status computed for today); with
 * details, its coverage and consumption too. New reference; NULL on error
 * (*e says which). */
json_t *contracts_json(struct db *db, const struct contract_row *c, const char *today, int details,
		       enum err *e);

/* A warranty renewal also becomes an active warranty_extension contract of
 * the unit's customer covering that unit (POST .../warranty/renewals),
 * inside the caller's transaction. ERR_CONFLICT: the number is taken.
 * A unit without a customer gets none (ERR_OK). */
enum err contracts_from_renewal_locked(struct db *db, int64_t renewal_id, int64_t asset_id,
				       int64_t sales_owner_id, const char *number,
				       const char *start, const char *end, int64_t created_by,
				       int64_t now);

/* The expiry digest, inside the warranty digest's transaction: marks
 * active contracts past their end as expired, then for every contract of
 * an owner ending within 90 days (or ended within the last 30) and not
 * renewed (no draft or active renewal), whose band (90, 60, 30, 0 = ended)
 * has no notice yet, records the notice and sends each owner one
 * "contract.digest" notification. *sent = notices recorded. */
enum err contracts_digest_locked(struct db *db, int64_t now, size_t *sent);

#endif
