/* Service contracts and entitlements: what covers a unit on a day, what a
 * request opened under it gets, consumption, and the expiry digest. The
 * rules are listed in include/domain/contracts.h. */
#include "domain/contracts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db.h"
#include "db/sla_store.h"
#include "domain/notify.h"
#include "domain/registry.h"

#define EXPIRED_DAYS 30 /* ended contracts stay in the digest's "ended" band this long */
#define DIGEST_BATCH 5000

/* ---- contract years and consumption -------------------------------------- */

void contracts_year_of(const struct contract_row *c, const char *day, char year_start[11],
		       char year_end[11])
{
	int64_t n = 0;
	char next[11];

	snprintf(year_start, 11, "%s", c->start_date);
	registry_date_add_months(c->start_date, 12, year_end);
	/* Contracts run a few years at most: a short walk. */
	while (strcmp(year_end, day) <= 0 && n < 200) {
		n++;
		snprintf(year_start, 11, "%s", year_end);
		if (registry_date_add_months(c->start_date, 12 * (n + 1), next) < 0)
			break;
		snprintf(year_end, 11, "%s", next);
	}
}

static enum err visits_used(struct db *db, const struct contract_row *c, const char *day,
			    int64_t *out)
{
	char ys[11], ye[11];

	contracts_year_of(c, day, ys, ye);
	return contracts_store_visits(db, c->id, registry_date_days(ys) * 86400,
				      registry_date_days(ye) * 86400, out);
}

/* ---- what covers a unit --------------------------------------------------- */

static int first_covering(const struct contract_row *c, const char *via, void *arg)
{
	struct entitlement *en = arg;

	(void)via;
	en->contract = *c;
	en->has_contract = 1;
	return 1;
}

enum err contracts_entitlement_at(struct db *db, int64_t asset_id, int64_t site_id,
				  const char *warranty_status, const char *day,
				  struct entitlement *out)
{
	int in_warranty = warranty_status && (strcmp(warranty_status, "in_warranty") == 0 ||
					      strcmp(warranty_status, "expiring") == 0);
	enum err e;

	memset(out, 0, sizeof(*out));
	e = contracts_store_covering(db, asset_id, site_id, day, first_covering, out);
	if (e == ERR_OK && out->has_contract)
		e = visits_used(db, &out->contract, day, &out->visits_used);
	if (e != ERR_OK)
		return e;
	if (in_warranty) {
		snprintf(out->source, sizeof(out->source), "warranty");
		snprintf(out->billing, sizeof(out->billing), "free");
		out->covers_parts = out->covers_labour = out->covers_travel = 1;
		snprintf(out->reason, sizeof(out->reason), "%s",
			 out->has_contract
			     ? "in factory warranty; the contract's response times apply"
			     : "in factory warranty");
	} else if (out->has_contract) {
		const struct contract_row *c = &out->contract;

		snprintf(out->source, sizeof(out->source), "contract");
		out->covers_parts = c->covers_parts;
		out->covers_labour = c->covers_labour;
		out->covers_travel = c->covers_travel;
		if (c->visits_per_year >= 0 && out->visits_used >= c->visits_per_year) {
			snprintf(out->billing, sizeof(out->billing), "billable");
			snprintf(out->reason, sizeof(out->reason),
				 "contract %s: the visit allowance (%lld a year) is used up",
				 c->number, (long long)c->visits_per_year);
		} else {
			snprintf(out->billing, sizeof(out->billing), "covered");
			snprintf(out->reason, sizeof(out->reason), "covered by contract %s",
				 c->number);
		}
	} else {
		snprintf(out->source, sizeof(out->source), "none");
		snprintf(out->billing, sizeof(out->billing), "billable");
		snprintf(out->reason, sizeof(out->reason),
			 "out of warranty and no active contract covers the unit");
	}
	return ERR_OK;
}

void contracts_apply_targets(const struct entitlement *en, struct sla_targets *t)
{
	if (!en->has_contract)
		return;
	if (en->contract.response_minutes > 0 &&
	    en->contract.response_minutes < t->response_minutes)
		t->response_minutes = en->contract.response_minutes;
	if (en->contract.resolution_minutes > 0 &&
	    en->contract.resolution_minutes < t->resolution_minutes)
		t->resolution_minutes = en->contract.resolution_minutes;
	if (t->arrival_minutes > t->resolution_minutes)
		t->arrival_minutes = t->resolution_minutes;
	if (t->response_minutes > t->arrival_minutes)
		t->response_minutes = t->arrival_minutes;
}

enum err contracts_ticket_record(struct db *db, int64_t ticket_id, const struct entitlement *en)
{
	struct ticket_entitlement te = { 0 };

	snprintf(te.source, sizeof(te.source), "%s", en->source);
	snprintf(te.billing, sizeof(te.billing), "%s", en->billing);
	te.contract_id = en->has_contract ? en->contract.id : 0;
	te.covers_parts = en->covers_parts;
	te.covers_labour = en->covers_labour;
	te.covers_travel = en->covers_travel;
	snprintf(te.reason, sizeof(te.reason), "%s", en->reason);
	return contracts_store_ticket_put(db, ticket_id, &te);
}

json_t *contracts_ticket_json(struct db *db, int64_t ticket_id, enum err *e)
{
	struct ticket_entitlement te;

	*e = contracts_store_ticket_get(db, ticket_id, &te);
	if (*e == ERR_NOT_FOUND) {
		*e = ERR_OK;
		return json_null();
	}
	if (*e != ERR_OK)
		return NULL;
	return json_pack("{s:s, s:o, s:o, s:s, s:{s:b, s:b, s:b}, s:s}", "source", te.source,
			 "contract_id", te.contract_id ? json_integer(te.contract_id) : json_null(),
			 "contract_number",
			 te.contract_id ? json_string(te.contract_number) : json_null(), "billing",
			 te.billing, "covers", "parts", te.covers_parts, "labour", te.covers_labour,
			 "travel", te.covers_travel, "reason", te.reason);
}

enum err contracts_ticket_signoff_required(struct db *db, int64_t ticket_id, int *required)
{
	return contracts_store_ticket_signoff(db, ticket_id, required);
}

/* ---- the contract as JSON -------------------------------------------------- */

static json_t *minutes_or_null(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer(v);
}

static int cover_add_unit(int64_t id, const char *label, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s}", "id", (json_int_t)id, "serial", label));
	return 0;
}

static int cover_add_site(int64_t id, const char *label, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s}", "id", (json_int_t)id, "name", label));
	return 0;
}

json_t *contracts_json(struct db *db, const struct contract_row *c, const char *today, int details,
		       enum err *e)
{
	char created[32], updated[32];
	const char *status = c->status;
	json_t *doc;

	*e = ERR_OK;
	if (strcmp(status, "active") == 0 && strcmp(c->end_date, today) < 0)
		status = "expired";
	clock_format(c->created_at, created, sizeof(created));
	clock_format(c->updated_at, updated, sizeof(updated));
	doc = json_pack(
	    "{s:I, s:s, s:{s:I, s:s}, s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:o, s:o,"
	    " s:{s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:b}, s:I, s:s, s:s}",
	    "id", (json_int_t)c->id, "number", c->number, "customer", "id",
	    (json_int_t)c->customer_id, "name", c->customer_name, "kind", c->kind, "start_date",
	    c->start_date, "end_date", c->end_date, "status", status, "sales_owner",
	    c->sales_owner_id ? json_pack("{s:I, s:s}", "id", (json_int_t)c->sales_owner_id,
					  "username", c->sales_owner)
			      : json_null(),
	    "price_minor", (json_int_t)c->price_minor, "currency", c->currency, "renews_id",
	    c->renews_id ? json_integer(c->renews_id) : json_null(), "renewed_by_id",
	    c->renewed_by_id ? json_integer(c->renewed_by_id) : json_null(), "entitlements",
	    "parts", c->covers_parts, "labour", c->covers_labour, "travel", c->covers_travel,
	    "response_minutes", minutes_or_null(c->response_minutes, 0), "resolution_minutes",
	    minutes_or_null(c->resolution_minutes, 0), "visits_per_year",
	    minutes_or_null(c->visits_per_year, -1), "assist_hours_per_year",
	    minutes_or_null(c->assist_hours_per_year, -1), "signoff_required", c->signoff_required,
	    "version", (json_int_t)c->version, "created_at", created, "updated_at", updated);
	if (!doc) {
		*e = ERR_INTERNAL;
		return NULL;
	}
	if (details) {
		json_t *units = json_array(), *sites = json_array();
		char ys[11], ye[11];
		int64_t used = 0, assist_s = 0;

		json_object_set_new(doc, "coverage",
				    json_pack("{s:o, s:o}", "units", units, "sites", sites));
		*e = contracts_store_units(db, c->id, cover_add_unit, units);
		if (*e == ERR_OK)
			*e = contracts_store_sites(db, c->id, cover_add_site, sites);
		contracts_year_of(c, strcmp(today, c->end_date) > 0 ? c->end_date : today, ys, ye);
		if (*e == ERR_OK)
			*e = contracts_store_visits(db, c->id, registry_date_days(ys) * 86400,
						    registry_date_days(ye) * 86400, &used);
		if (*e == ERR_OK)
			*e = contracts_store_assist_seconds(db, c->id, registry_date_days(ys) * 86400,
							    registry_date_days(ye) * 86400, &assist_s);
		if (*e != ERR_OK) {
			json_decref(doc);
			return NULL;
		}
		json_object_set_new(doc, "consumption",
				    json_pack("{s:s, s:s, s:I, s:o, s:f, s:o}", "year_start", ys,
					      "year_end", ye, "visits_used", (json_int_t)used,
					      "visits_allowed",
					      minutes_or_null(c->visits_per_year, -1),
					      "assist_hours_used",
					      (double)((assist_s + 180) / 360) / 10.0, /* tenths */
					      "assist_hours_allowed",
					      minutes_or_null(c->assist_hours_per_year, -1)));
	}
	return doc;
}

/* ---- renewals of the warranty ---------------------------------------------- */

enum err contracts_from_renewal_locked(struct db *db, int64_t renewal_id, int64_t asset_id,
				       int64_t sales_owner_id, const char *number,
				       const char *start, const char *end, int64_t created_by,
				       int64_t now)
{
	struct contract_row c = { 0 };
	int64_t customer_id = 0, site_id = 0, id = 0;
	enum err e = contracts_store_asset_owner(db, asset_id, &customer_id, &site_id);

	if (e != ERR_OK || !customer_id)
		return e;
	snprintf(c.number, sizeof(c.number), "%s", number);
	c.customer_id = customer_id;
	snprintf(c.kind, sizeof(c.kind), "warranty_extension");
	snprintf(c.start_date, sizeof(c.start_date), "%s", strcmp(start, end) <= 0 ? start : end);
	snprintf(c.end_date, sizeof(c.end_date), "%s", end);
	snprintf(c.status, sizeof(c.status), "active");
	snprintf(c.currency, sizeof(c.currency), "CNY");
	c.covers_parts = c.covers_labour = c.covers_travel = 1;
	c.visits_per_year = c.assist_hours_per_year = -1;
	c.warranty_renewal_id = renewal_id;
	c.sales_owner_id = sales_owner_id;
	c.created_by = created_by;
	c.created_at = c.updated_at = c.activated_at = now;
	e = contracts_store_insert(db, &c, &id);
	if (e == ERR_OK)
		e = contracts_store_units_set(db, id, &asset_id, 1);
	return e;
}

/* ---- the expiry digest ------------------------------------------------------ */

struct due_list {
	struct contract_due *items;
	size_t n, cap;
};

static int due_add(const struct contract_due *d, void *arg)
{
	struct due_list *l = arg;

	if (l->n == DIGEST_BATCH)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct contract_due *p = realloc(l->items, cap * sizeof(*p));

		if (!p)
			return 1; /* the rest waits for the next run */
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *d;
	return 0;
}

static const char *band_title(int threshold)
{
	switch (threshold) {
	case 0:
		return "ended";
	case 30:
		return "ends within 30 days";
	case 60:
		return "ends within 60 days";
	default:
		return "ends within 90 days";
	}
}

static enum err send_digests(struct db *db, const struct due_list *l, const char *today,
			     int64_t now)
{
	enum err e = ERR_OK;
	size_t i = 0;

	while (e == ERR_OK && i < l->n) {
		int64_t owner = l->items[i].sales_owner_id;
		json_t *list = json_array(), *data;
		char title[96];
		size_t first = i;

		for (; e == ERR_OK && i < l->n && l->items[i].sales_owner_id == owner; i++) {
			const struct contract_due *d = &l->items[i];
			json_t *item = json_pack(
			    "{s:I, s:s, s:s, s:I, s:s, s:i, s:s, s:I, s:s}", "contract_id",
			    (json_int_t)d->contract_id, "number", d->number, "customer",
			    d->customer_name, "customer_id", (json_int_t)d->customer_id, "end_date",
			    d->end_date, "threshold", d->threshold, "status",
			    band_title(d->threshold), "price_minor", (json_int_t)d->price_minor,
			    "currency", d->currency);

			e = item ? contracts_store_notice_add(db, d->contract_id, d->end_date,
							      d->threshold, now)
				 : ERR_INTERNAL;
			if (e == ERR_OK)
				e = notify_event(db, "warranty.contract_expiring",
						 &(struct notify_scope){
						     .region_path = d->region_path, .registry = 1 },
						 item);
			json_array_append_new(list, item);
		}
		snprintf(title, sizeof(title), "Contract digest %s: %zu contract%s to renew", today,
			 i - first, i - first == 1 ? "" : "s");
		data = json_pack("{s:s, s:O}", "date", today, "contracts", list);
		if (e == ERR_OK)
			e = data ? notify_user(db, owner, "contract.digest", title, data, NULL)
				 : ERR_INTERNAL;
		json_decref(data);
		json_decref(list);
	}
	return e;
}

enum err contracts_digest_locked(struct db *db, int64_t now, size_t *sent)
{
	struct contract_bands b;
	struct due_list l = { 0 };
	int64_t expired = 0;
	enum err e;

	*sent = 0;
	registry_date_of(now, b.today);
	registry_date_add_days(b.today, -EXPIRED_DAYS, b.from);
	registry_date_add_days(b.today, 90, b.to);
	registry_date_add_days(b.today, 30, b.d30);
	registry_date_add_days(b.today, 60, b.d60);
	e = contracts_store_expire(db, b.today, &expired);
	if (e == ERR_OK)
		e = contracts_store_unnoticed(db, &b, due_add, &l);
	if (e == ERR_OK && l.n)
		e = send_digests(db, &l, b.today, now);
	if (e == ERR_OK)
		*sent = l.n;
	free(l.items);
	return e;
}
