/* The service part of the demo: centre coverage and technician skills,
 * the holiday calendar, and a handful of service requests from different
 * channels, opened through the same intake path as the API (priority,
 * deadlines, routing, history, timeline, audit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/assets.h"
#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "core/err.h"
#include "demo/demo.h"
#include "domain/registry.h"
#include "domain/routing.h"
#include "domain/sla.h"
#include "domain/ticket_states.h"
#include "domain/tickets.h"
#include "domain/timeline.h"
#include "db/users_store.h"

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

/* ---- History: three months of finished service ------------------------- *
 *
 * Without a past the analytics charts, the problems page and the monthly
 * report of a fresh demo are empty. The past is written as it happened:
 * the test clock (clock_set_offset) is moved to each moment, the ticket is
 * opened through the same intake as the open ones above (priority, SLA
 * deadlines, routing), then moved step by step along the state machine's
 * own table (ticket_transition_find / _from: a step it does not allow is a
 * bug here), each step written with its history entry, the asset's
 * timeline and the audit log, as POST /v1/tickets/{id}/transitions does.
 * Past steps notify no one (no bell rings for last month's jobs). Every
 * ticket ends closed or cancelled, so boards and queues show what they
 * showed without it. */

#define HISTORY_TICKETS 96
#define HISTORY_DAYS 90

struct fault {
	const char *code, *cause, *actions;
};
/* By product line; the first switchgear fault is the recurring one (see
 * history_fault): the knowledge base's E-CB-07 on KYN28-12. */
static const struct fault switchgear_faults[] = {
	{ "E-CB-07", "合闸线圈烧毁 Burnt closing coil", "更换合闸线圈，试分合 5 次正常 Coil replaced, 5 close/open tests passed" },
	{ "E-SF6-02", "SF6 气压低报警，密封圈老化 SF6 low pressure, aged seal", "更换密封圈并补气至 0.05 MPa Seal replaced, refilled" },
	{ "E-MECH-11", "储能电机碳刷磨损 Charging motor brushes worn", "更换碳刷，储能时间恢复 8 s Brushes replaced" },
};
static const struct fault relay_faults[] = {
	{ "E-21", "电流互感器二次端子松动 Loose CT secondary terminal", "紧固端子，三相采样恢复平衡 Terminals tightened" },
	{ "E-COM-05", "光纤通道衰耗超限 Fibre channel loss too high", "清洁并重新熔接光纤 Fibre cleaned and re-spliced" },
};
static const struct fault transformer_faults[] = {
	{ "T-OT-01", "冷却风机控制器故障 Fan controller failed", "更换温控器，温升恢复正常 Temperature controller replaced" },
	{ "T-FAN-03", "风机轴承异响 Fan bearing noise", "更换风机轴承 Fan bearing replaced" },
};

#define HISTORY_SEED 20261207u
static uint32_t history_rng = HISTORY_SEED;

static uint32_t history_rand(uint32_t n)
{
	history_rng = history_rng * 1103515245u + 12345u;
	return (history_rng >> 8) % n;
}

/* Faults other than the recurring one come at most twice each, so the
 * problem detection job (3 alike in 90 days) finds the recurring one only;
 * past that a job is a preventive visit, recorded without a fault code. */
static int fault_uses[2][3];

static const struct fault *history_fault(const char *line, int recurring)
{
	static const struct fault maintenance = {
		"", "年度预防性试验 Annual preventive test",
		"清扫、紧固、绝缘与回路电阻试验合格 Cleaned, tightened, insulation and contact"
		" resistance tests passed"
	};
	const struct fault *f;
	int *uses;
	uint32_t k = history_rand(2);

	if (strcmp(line, "switchgear") == 0) {
		if (recurring)
			return &switchgear_faults[0];
		f = &switchgear_faults[1 + k];
		uses = &fault_uses[0][k];
	} else if (strcmp(line, "relay") == 0) {
		f = &relay_faults[k];
		uses = &fault_uses[1][k];
	} else {
		f = &transformer_faults[k];
		uses = &fault_uses[k][2];
	}
	if (history_rand(2) || *uses >= 2)
		return &maintenance;
	*uses += 1;
	return f;
}

struct centre_user {
	const char *centre;
	enum role role;
	int64_t id;
};

static int first_of_role(const struct user_record *u, void *arg)
{
	struct centre_user *c = arg;

	if (u->role == c->role && !u->disabled && strcmp(u->centre, c->centre) == 0) {
		c->id = u->id;
		return 1;
	}
	return 0;
}

/* A user of role at centre (0 when it has none). */
static enum err centre_user(struct db *db, const char *centre, enum role role, int64_t *id)
{
	struct scope all = { .all = 1 };
	struct user_filter f = { .role = role, .centre = centre };
	struct centre_user c = { .centre = centre, .role = role, .id = 0 };
	enum err e = users_store_list(db, &all, &f, 0, 0, first_of_role, &c);

	*id = c.id;
	return e;
}

/* Moves the clock to at: clock_now() answers at from here on. */
static void history_clock(int64_t at)
{
	clock_set_offset(0);
	clock_set_offset(at - clock_now());
}

struct step {
	const char *action;
	int64_t at;
	int64_t actor_id; /* who took it; 0 = none (the demo) */
	int64_t assignee_id; /* assign */
	const char *note;
	const struct ticket_work *work; /* resolve */
	int satisfaction;               /* close */
	const char *comment;
};

/* One step along the state machine, as ticket_flow.c's apply() and
 * record() write it (without the notifications). */
static enum err history_step(struct db *db, const struct audit_actor *actor, struct ticket_row *t,
			     const struct step *s)
{
	const struct ticket_transition *tr = ticket_transition_find(s->action);
	char before[32], number[24], summary[192], object_id[24], action_id[40];
	int position = 0;
	json_t *detail, *timeline, *b, *a;
	enum err e;

	if (!tr || tr->to == TS__PAUSED || !ticket_transition_from(tr, t->status))
		return ERR_INTERNAL; /* the demo's history broke the state machine */
	history_clock(s->at);
	snprintf(before, sizeof(before), "%s", t->status);
	detail = json_object();
	if (!detail)
		return ERR_INTERNAL;
	switch (tr->id) {
	case TA_ASSIGN:
		t->assignee_id = s->assignee_id;
		break;
	case TA_ACCEPT:
		t->responded_at = s->at;
		break;
	case TA_ARRIVE:
		t->arrived_at = s->at;
		position = t->has_position;
		break;
	case TA_RESOLVE:
		e = tickets_store_work_put(db, t->id, s->work);
		if (e != ERR_OK) {
			json_decref(detail);
			return e;
		}
		json_object_set_new(detail, "fault_code", json_string(s->work->fault_code));
		json_object_set_new(detail, "minutes_spent", json_integer(s->work->minutes_spent));
		json_object_set_new(detail, "parts", json_array());
		t->resolved_at = s->at;
		position = t->has_position;
		break;
	case TA_CLOSE:
		t->satisfaction = s->satisfaction;
		snprintf(t->feedback, sizeof(t->feedback), "%s", s->comment ? s->comment : "");
		t->closed_at = s->at;
		json_object_set_new(detail, "satisfaction", json_integer(t->satisfaction));
		break;
	default:
		break;
	}
	snprintf(t->status, sizeof(t->status), "%s", ticket_status_name(tr->to));
	t->updated_at = s->at;
	e = tickets_store_update(db, t);
	if (e == ERR_OK)
		e = tickets_event_locked(db, t->id,
					 &(struct ticket_event_in){ .at = s->at,
								    .action = tr->action,
								    .from = before,
								    .to = t->status,
								    .actor_id = s->actor_id,
								    .note = s->note ? s->note : "",
								    .has_position = position,
								    .latitude = t->latitude,
								    .longitude = t->longitude,
								    .detail = detail });
	tickets_number(t->id, number);
	if (e == ERR_OK && t->asset_id) {
		snprintf(summary, sizeof(summary), "%s %s: %s", number, tr->action, t->status);
		timeline = json_pack("{s:I, s:s, s:s, s:s, s:s, s:O}", "ticket_id",
				     (json_int_t)t->id, "number", number, "action", tr->action,
				     "status", t->status, "note", s->note ? s->note : "", "detail",
				     detail);
		e = timeline ? asset_timeline_append(db, t->asset_id, s->at, "service", summary,
						     timeline, s->actor_id)
			     : ERR_INTERNAL;
		json_decref(timeline);
	}
	if (e == ERR_OK) {
		b = json_pack("{s:s}", "status", before);
		a = json_pack("{s:s, s:s}", "status", t->status, "centre", t->centre);
		snprintf(object_id, sizeof(object_id), "%lld", (long long)t->id);
		snprintf(action_id, sizeof(action_id), "ticket.%s", tr->action);
		e = b && a ? audit_append(db, actor, action_id, "ticket", object_id, b, a)
			   : ERR_INTERNAL;
		json_decref(b);
		json_decref(a);
	}
	json_decref(detail);
	return e;
}

static const char *const history_titles[] = {
	"断路器拒合 Breaker will not close", "综保装置告警 Relay alarm", "变压器温升高 Transformer running hot",
	"柜内异响 Noise in the cabinet", "SF6 气压低报警 SF6 low-pressure alarm",
	"通信中断 Communication lost",
};

/* One past ticket on unit asset_id, opened at opened; *closed counts it
 * when it was closed (not cancelled), *late when it missed its deadline. */
static enum err history_ticket(struct db *db, const struct audit_actor *actor, int64_t asset_id,
			       const char *line, int64_t now, int64_t opened, int recurring,
			       int *closed, int *late)
{
	static const char *const channels[] = { "hotline", "app", "wechat", "web", "email" };
	static const char *const urgencies[] = { "low", "medium", "high" };
	struct demo_ticket d = { 0, channels[history_rand(5)], "repair", "fault_repair", "unit",
				 urgencies[history_rand(3)], NULL, "", "" };
	struct scope all = { .all = 1 };
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct ticket_work w = { 0 };
	const struct fault *f;
	int64_t id = 0, tech = 0, dispatcher = 0, at, slow;
	enum err e = t ? ERR_OK : ERR_INTERNAL;

	f = history_fault(line, recurring);
	if (!f->code[0]) {
		d.subcategory = "maintenance";
		d.category = "service_request";
		d.urgency = "low";
		d.title = "预防性试验 Preventive maintenance";
	} else {
		d.title = recurring ? history_titles[0] : history_titles[history_rand(6)];
	}
	history_clock(opened);
	if (e == ERR_OK)
		e = open_demo_ticket(db, actor, &d, asset_id, &id);
	if (e == ERR_OK)
		e = tickets_store_get(db, id, &all, t);
	if (e == ERR_OK)
		e = centre_user(db, t->centre, ROLE_TECHNICIAN, &tech);
	if (e == ERR_OK)
		e = centre_user(db, t->centre, ROLE_DISPATCHER, &dispatcher);
	if (e != ERR_OK)
		goto done;
	at = opened + 600 + history_rand(3000);
	if (!tech) {
		/* No technician at this centre: the customer's own electrician
		 * fixed it before anyone went. */
		e = history_step(db, actor, t,
				 &(struct step){ .action = "cancel", .at = at,
						 .note = "客户已自行处理 Fixed by the customer's own staff" });
		goto done;
	}
	/* A quarter of the jobs older than three weeks ran late (parts,
	 * access): on site days after the arrival deadline, and a few resolved
	 * past the resolution deadline too. Recent ones are all finished
	 * before now. */
	slow = opened < now - 21 * 86400 && history_rand(4) == 0
		   ? 86400 * (2 + (int64_t)history_rand(3))
		   : 0;
	snprintf(w.fault_code, sizeof(w.fault_code), "%s", f->code);
	snprintf(w.cause, sizeof(w.cause), "%s", f->cause);
	snprintf(w.actions, sizeof(w.actions), "%s", f->actions);
	w.minutes_spent = 45 + history_rand(200);
	w.recorded_by = tech;
	e = history_step(db, actor, t, &(struct step){ .action = "assign", .at = at, .actor_id = dispatcher,
						 .assignee_id = tech });
	at += 300 + history_rand(1800);
	if (e == ERR_OK)
		e = history_step(db, actor, t, &(struct step){ .action = "accept", .at = at, .actor_id = tech });
	at += 600 + history_rand(3600);
	if (e == ERR_OK)
		e = history_step(db, actor, t, &(struct step){ .action = "depart", .at = at, .actor_id = tech });
	at += 1800 + history_rand(5400) + slow;
	if (e == ERR_OK)
		e = history_step(db, actor, t, &(struct step){ .action = "arrive", .at = at, .actor_id = tech });
	at += w.minutes_spent * 60;
	if (slow && history_rand(2) == 0 && t->resolution_due > at &&
	    t->resolution_due < opened + 15 * 86400)
		at = t->resolution_due + 3600 * (2 + (int64_t)history_rand(30));
	w.recorded_at = at;
	if (e == ERR_OK)
		e = history_step(db, actor, t,
				 &(struct step){ .action = "resolve", .at = at, .actor_id = tech,
						 .work = &w });
	at += 3600 * (4 + (int64_t)history_rand(20));
	if (e == ERR_OK)
		e = history_step(db, actor, t,
				 &(struct step){ .action = "follow_up", .at = at, .actor_id = dispatcher,
						 .note = "电话回访 Called the customer back" });
	at += 3600 * (1 + (int64_t)history_rand(24));
	if (e == ERR_OK)
		e = history_step(db, actor, t,
				 &(struct step){ .action = "close", .at = at, .actor_id = dispatcher,
						 .satisfaction = slow ? 3 + (int)history_rand(2)
								      : 4 + (int)history_rand(2),
						 .comment = slow ? "等了几天 Took a few days"
								 : "处理及时 Quick and tidy" });
	if (e == ERR_OK) {
		*closed += 1;
		*late += (t->arrival_due && t->arrived_at > t->arrival_due) ||
			 (t->resolution_due && t->resolved_at > t->resolution_due);
	}
done:
	free(t);
	return e;
}

/* HISTORY_TICKETS over the HISTORY_DAYS before now, oldest first, on the
 * demo units; every twelfth on a KYN28-12 unit with the same closing-coil
 * fault (E-CB-07), so the problem detection job finds a recurring fault. */
static enum err demo_load_history(struct db *db, const struct audit_actor *actor,
				  const struct demo_loaded *got, FILE *out)
{
	int64_t now = clock_now(), offset = now - (int64_t)time(NULL), opened;
	int closed = 0, late = 0, cancelled;
	size_t unit;
	enum err e = ERR_OK;

	/* The same history on every load. */
	history_rng = HISTORY_SEED;
	memset(fault_uses, 0, sizeof(fault_uses));
	for (int i = 0; e == ERR_OK && i < HISTORY_TICKETS; i++) {
		int recurring = i % 12 == 11;

		opened = now - (int64_t)(HISTORY_DAYS - 1) * 86400 +
			 (int64_t)i * (HISTORY_DAYS - 4) * 86400 / HISTORY_TICKETS +
			 (int64_t)history_rand(8 * 3600);
		/* Unit n has model n % 5 (demo_registry.c): 0, 5, 15 and 25 are
		 * KYN28-12s. */
		unit = recurring ? (size_t[]){ 0, 5, 15, 25 }[i / 12 % 4] : history_rand(DEMO_UNITS);
		/* Units at Guangzhou and Beijing sites (site n % 7 = 2, 3, 6)
		 * less often: those centres have no demo technician, so their
		 * requests end cancelled. */
		if (!recurring && (unit % 7 == 2 || unit % 7 == 3 || unit % 7 == 6) &&
		    history_rand(3) != 0)
			unit = (size_t[]){ 0, 1, 4, 5, 7, 8, 11, 12 }[history_rand(8)];
		if (unit >= got->units)
			e = ERR_INTERNAL;
		else
			e = history_ticket(db, actor, got->unit_ids[unit],
					   (const char *[]){ "switchgear", "switchgear", "relay", "relay",
							     "transformer" }[unit % 5],
					   now, opened, recurring, &closed, &late);
	}
	clock_set_offset(offset);
	if (e != ERR_OK) {
		fprintf(out, "demo: cannot write the demo history (%s)\n", err_title(e));
		return e;
	}
	cancelled = HISTORY_TICKETS - closed;
	fprintf(out,
		"demo history: %d past service requests over %d days (%d closed with work"
		" records and scores, %d past an SLA deadline, %d cancelled)\n",
		HISTORY_TICKETS, HISTORY_DAYS, closed, late, cancelled);
	return ERR_OK;
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
	/* After the open ones: those keep their numbers (FT-000001 ...). */
	if (demo_load_history(db, &actor, got, out) != ERR_OK)
		return ERR_INTERNAL;
	fprintf(out,
		"demo tickets: %zu open service requests (GET /v1/tickets/%lld; dispatcher.sz"
		" assigns, tech.sz works them)\n",
		N_DEMO_TICKETS, (long long)first);
	got->tickets = N_DEMO_TICKETS;
	return ERR_OK;
}
