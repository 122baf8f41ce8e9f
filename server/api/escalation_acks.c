/* Acknowledging an escalation (issue 18): from the link in an e-mail, SMS
 * or chat message, or the push's reply action (both carry a token, no
 * login needed), or from the app or console by a signed-in person who can
 * see the ticket. The first acknowledgement of a level wins and stops that
 * level's deliveries not yet sent; later ones answer who was first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/tickets_store.h"
#include "domain/delivery.h"
#include "domain/tickets.h"

static json_t *ack_json(const struct ack_result *a)
{
	char number[24], at[32];

	tickets_number(a->ticket_id, number);
	clock_format(a->at, at, sizeof(at));
	return json_pack("{s:I, s:s, s:s, s:i, s:b, s:I, s:s, s:I}", "ticket_id",
			 (json_int_t)a->ticket_id, "number", number, "target", a->target, "level",
			 a->level, "first", a->first, "acknowledged_by", (json_int_t)a->by_user,
			 "acknowledged_at", at, "cancelled_deliveries", (json_int_t)a->cancelled);
}

static const char *const ack_channels[] = { "link", "push", "email", "sms", "chat", NULL };

static const struct json_field token_fields[] = {
	{ "token", JSON_STRING, JF_REQUIRED, 64 },
	{ "channel", JSON_STRING, 0, 16 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_ack_token(struct req *req, struct resp *resp)
{
	const char *channel = req_json_str(req, "channel");
	struct ack_result a;
	int known = !channel;
	enum err e = req_json_check(req, resp, token_fields);

	for (size_t i = 0; channel && ack_channels[i]; i++)
		known |= strcmp(ack_channels[i], channel) == 0;
	if (e == ERR_OK && !known)
		return http_invalid(resp, "/channel", "must be link, push, email, sms or chat");
	if (e != ERR_OK)
		return e;
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = delivery_ack_token(req->db, req_json_str(req, "token"),
				       channel ? channel : "link", clock_now(), &a);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, e, "this acknowledgement link is not known");
		if (e == ERR_GONE)
			return http_fail(resp, e, "this acknowledgement link has expired");
		return e;
	}
	resp_json(resp, 200, ack_json(&a));
	return ERR_OK;
}

/* The page a link opens says what it is for before anyone presses. */
static enum err get_ack_token(struct req *req, struct resp *resp)
{
	const char *token = req_query(req, "token");
	struct ack_result a;
	char number[24], at[32], expires[32];
	int64_t expires_at = 0;
	enum err e;

	if (!token || !*token)
		return http_invalid(resp, "token", "is required");
	e = delivery_ack_lookup(req->db, token, clock_now(), &a, &expires_at);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "this acknowledgement link is not known");
	if (e == ERR_GONE)
		return http_fail(resp, e, "this acknowledgement link has expired");
	if (e != ERR_OK)
		return e;
	tickets_number(a.ticket_id, number);
	clock_format(expires_at, expires, sizeof(expires));
	if (a.at)
		clock_format(a.at, at, sizeof(at));
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200,
		  json_pack("{s:I, s:s, s:s, s:i, s:b, s:o, s:o, s:s}", "ticket_id",
			    (json_int_t)a.ticket_id, "number", number, "target", a.target, "level",
			    a.level, "acknowledged", a.at != 0, "acknowledged_by",
			    a.at ? json_integer(a.by_user) : json_null(), "acknowledged_at",
			    a.at ? json_string(at) : json_null(), "expires_at", expires));
	return ERR_OK;
}

static enum err post_ack(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct ack_result a;
	struct scope sc = req->user.scope;
	int64_t id = 0;
	enum err e = t ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = tickets_store_get(req->db, id, &sc, t);
	free(t);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no ticket %lld", (long long)id);
	if (e != ERR_OK)
		return e;
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = delivery_ack(req->db, id, NULL, 0, req->user.user_id, "app", clock_now(), &a);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		if (e == ERR_NOT_FOUND)
			return http_fail(
			    resp, ERR_CONFLICT,
			    "ticket %lld has no escalation waiting for acknowledgement",
			    (long long)id);
		return e;
	}
	resp_json(resp, 200, ack_json(&a));
	return ERR_OK;
}

const struct route escalation_acks_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/escalations/ack",
	  .handler = get_ack_token,
	  .perm = PERM_PUBLIC,
	  .query = "token",
	  .rate = RL_SCAN_MISS },
	{ .method = "POST",
	  .pattern = "/v1/escalations/ack",
	  .handler = post_ack_token,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 1024,
	  .rate = RL_SCAN_MISS },
	{ .method = "POST",
	  .pattern = "/v1/tickets/{id}/acknowledge",
	  .handler = post_ack,
	  .perm = PERM_TICKETS_READ },
	{ 0 },
};
