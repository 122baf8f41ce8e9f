/* The service part of the demo: centre coverage and technician skills,
 * the holiday calendar, and a handful of service requests from different
 * channels, opened through the same intake path as the API (priority,
 * deadlines, routing, history, timeline, audit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/assets.h"
#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/err.h"
#include "demo/demo.h"
#include "domain/registry.h"
#include "domain/routing.h"
#include "domain/sla.h"
#include "domain/tickets.h"

struct demo_ticket {
	size_t unit; /* index into the units the demo registry just loaded */
	const char *channel, *subcategory, *category, *impact, *urgency, *title;
	const char *contact_name, *contact_phone;
};

/* On the demo registry's own units (loaded just before; a database may hold
 * other units, so not by id). */
static const struct demo_ticket demo_tickets[] = {
	{ 0, "hotline", "repair", "fault_repair", "site", "high", "断路器拒合，10kV 母线失电",
	  "陈工", "13800000001" },
	{ 1, "app", "repair", "fault_repair", "unit", "medium", "综保装置告警 E-21", "", "" },
	{ 5, "wechat", "maintenance", "service_request", "unit", "low", "申请年度预防性试验",
	  "刘经理", "13900000002" },
	{ 10, "web", "product_complaint", "complaint", "unit", "medium",
	  "Cabinet door hinge broke after 3 months", "Mr. Zhou", "13700000003" },
	{ 15, "email", "consultation", "other", "unit", "low", "咨询备件价格与交期", "孙女士",
	  "13600000004" },
	{ 20, "internal", "repair", "fault_repair", "grid", "high", "变压器温升异常，需停电检查",
	  "", "" },
};
#define N_DEMO_TICKETS (sizeof(demo_tickets) / sizeof(demo_tickets[0]))

static enum err open_demo_ticket(struct db *db, const struct audit_actor *actor,
				 const struct demo_ticket *d, int64_t asset_id, int64_t *id)
{
	struct scope all = { .all = 1 };
	struct ticket_facts facts;
	struct ticket_row *t = calloc(1, sizeof(*t));
	int64_t days;
	enum err e = t ? tickets_store_asset_facts(db, asset_id, &all, &facts) : ERR_INTERNAL;

	if (e == ERR_OK && !facts.customer_id)
		e = ERR_NOT_FOUND; /* the demo registry changed: say so */
	if (e == ERR_OK) {
		snprintf(t->channel, sizeof(t->channel), "%s", d->channel);
		snprintf(t->category, sizeof(t->category), "%s", d->category);
		snprintf(t->subcategory, sizeof(t->subcategory), "%s", d->subcategory);
		snprintf(t->title, sizeof(t->title), "%s", d->title);
		snprintf(t->impact, sizeof(t->impact), "%s", d->impact);
		snprintf(t->urgency, sizeof(t->urgency), "%s", d->urgency);
		snprintf(t->contact_name, sizeof(t->contact_name), "%s", d->contact_name);
		snprintf(t->contact_phone, sizeof(t->contact_phone), "%s", d->contact_phone);
		snprintf(t->customer_tier, sizeof(t->customer_tier), "%s", facts.tier);
		snprintf(t->region_path, sizeof(t->region_path), "%s", facts.region_path);
		snprintf(t->product_line, sizeof(t->product_line), "%s", facts.product_line);
		snprintf(t->warranty_status, sizeof(t->warranty_status), "%s",
			 assets_warranty_status(facts.warranty_end[0] ? facts.warranty_end : NULL,
						clock_now(), &days));
		t->billable = strcmp(t->warranty_status, "expired") == 0 ||
			      strcmp(t->warranty_status, "none") == 0;
		t->asset_id = facts.asset_id;
		t->customer_id = facts.customer_id;
		t->site_id = facts.site_id;
		t->model_id = facts.model_id;
		t->sales_owner_id = facts.sales_owner_id;
		e = tickets_open_locked(db, actor, 0, t, &facts, NULL, NULL, id);
	}
	free(t);
	return e;
}

_Static_assert(sizeof(demo_tickets) / sizeof(demo_tickets[0]) <= DEMO_UNITS,
	       "more demo tickets than demo units");

enum err demo_load_tickets(struct db *db, FILE *out, struct demo_loaded *got)
{
	struct audit_actor actor;
	int64_t first = 0, id = 0;
	enum err e;

	audit_actor_cli(&actor, "demo");
	e = routing_demo_seed(db);
	if (e == ERR_OK)
		e = sla_demo_calendar(db);
	for (size_t i = 0; e == ERR_OK && i < N_DEMO_TICKETS; i++) {
		e = demo_tickets[i].unit < got->units
			? open_demo_ticket(db, &actor, &demo_tickets[i],
					   got->unit_ids[demo_tickets[i].unit], &id)
			: ERR_INTERNAL; /* the demo registry changed: say so */
		if (e == ERR_OK && !first)
			first = id;
	}
	if (e != ERR_OK) {
		fprintf(out, "demo: cannot open the demo tickets (%s)\n", err_title(e));
		return e;
	}
	fprintf(out,
		"demo tickets: %zu open service requests (GET /v1/tickets/%lld; dispatcher.sz"
		" assigns, tech.sz works them)\n",
		N_DEMO_TICKETS, (long long)first);
	got->tickets = N_DEMO_TICKETS;
	return ERR_OK;
}
