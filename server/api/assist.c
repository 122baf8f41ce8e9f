/* Remote expert assistance (issue 19): sessions, offers, join links, the
 * signalling mailbox the participants poll, TURN credentials, snapshots,
 * the record and its analytics. The rules are in domain/assist.c; these
 * handlers read input, authenticate participants and answer.
 *
 * Signalling is short HTTP polls on this origin, not a WebSocket or a long
 * poll: civetweb holds a worker thread per open connection, so a held
 * connection per participant would hold workers for the whole call, while
 * a poll holds one for a millisecond (docs/BENCHMARKS.md has the figures).
 * Calls by the phone page carry X-Assist-Key (a participant key, bound to
 * the session and the user, valid while the session is open); console
 * users may use their bearer token instead. */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/analytics.h"
#include "api/routes.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/utf8.h"
#include "db/assist_store.h"
#include "db/attachments_store.h"
#include "db/db.h"
#include "db/tickets_store.h"
#include "domain/assist.h"
#include "domain/tickets.h"
#include "domain/turn.h"
#include "lib/objects.h"

#define SIGNALS_PAGE 100
#define SNAPSHOT_MAX (5 * 1024 * 1024)
#define SIGNAL_ROUTE_MAX (ASSIST_SIGNAL_BODY_MAX + 4096)

/* A random token as 64 hex digits and its SHA-256 (hex). */
static enum err new_token(char token[65], char hash[65])
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return ERR_INTERNAL;
	digest_hex(raw, sizeof(raw), token);
	return digest_sha256_hex(token, hash) == 0 ? ERR_OK : ERR_INTERNAL;
}

static enum err answer_session(struct req *req, struct resp *resp, int64_t id, int status)
{
	struct assist_row *s = malloc(sizeof(*s));
	json_t *doc = NULL;
	enum err e = s ? assist_store_get(req->db, id, s) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = assist_session_json(req->db, s, &req->user, &doc);
	free(s);
	if (e != ERR_OK)
		return e;
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, status, doc);
	return ERR_OK;
}

/* Runs a domain step in one transaction, then answers the session. */
typedef enum err (*step_fn)(struct db *db, const struct principal *who, int64_t id, int64_t now,
			    struct problem *p);

static enum err run_step(struct req *req, struct resp *resp, step_fn fn)
{
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = fn(req->db, &req->user, id, clock_now(), &resp->problem);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	return answer_session(req, resp, id, 200);
}

/* The session when the caller may see it; 404 otherwise. */
static enum err visible_session(struct req *req, struct resp *resp, int64_t id,
				struct assist_row *s)
{
	int visible = 0;
	enum err e = assist_store_get(req->db, id, s);

	if (e == ERR_OK)
		e = assist_visible(req->db, s, &req->user, &visible);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && !visible))
		return http_fail(resp, ERR_NOT_FOUND, "no such assistance session");
	return e;
}

/* ---- asking, answering ---------------------------------------------------------------- */

static const struct json_field request_fields[] = {
	{ "problem", JSON_STRING, JF_NULLABLE, 4000 },
	{ "language", JSON_STRING, JF_NULLABLE, 16 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* A BCP-47 primary language tag: 2 or 3 lowercase letters ("zh", "en"). */
static int language_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static enum err post_request(struct req *req, struct resp *resp)
{
	struct assist_request in = { .problem = req_json_str(req, "problem"),
				     .language = req_json_str(req, "language") };
	char location[48];
	int64_t ticket_id, id = 0;
	enum err e = req_param_id(req, resp, 0, &ticket_id);

	if (e == ERR_OK)
		e = req_json_check(req, resp, request_fields);
	if (e != ERR_OK)
		return e;
	if (in.problem &&
	    (!utf8_valid(in.problem) || utf8_chars(in.problem) > ASSIST_PROBLEM_CHARS))
		http_invalid(resp, "/problem", "at most %d characters of text",
			     ASSIST_PROBLEM_CHARS);
	if (in.language && !language_ok(in.language))
		http_invalid(resp, "/language", "a language tag such as zh or en");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_request_locked(req->db, &req->user, ticket_id, &in, clock_now(),
					  &resp->problem, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	snprintf(location, sizeof(location), "/v1/assist/%lld", (long long)id);
	resp_header(resp, "Location", location);
	return answer_session(req, resp, id, 201);
}

static enum err post_accept(struct req *req, struct resp *resp)
{
	return run_step(req, resp, assist_accept_locked);
}

static enum err post_decline(struct req *req, struct resp *resp)
{
	return run_step(req, resp, assist_decline_locked);
}

static enum err post_cancel(struct req *req, struct resp *resp)
{
	return run_step(req, resp, assist_cancel_locked);
}

static enum err get_session(struct req *req, struct resp *resp)
{
	struct assist_row *s = malloc(sizeof(*s));
	int64_t id;
	enum err e = s ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = visible_session(req, resp, id, s);
	free(s);
	return e == ERR_OK ? answer_session(req, resp, id, 200) : e;
}

struct list_ctx {
	struct db *db;
	const struct principal *who;
	json_t *items;
	enum err e;
};

static int list_one(const struct assist_row *s, void *arg)
{
	struct list_ctx *c = arg;
	json_t *doc = NULL;

	c->e = assist_session_json(c->db, s, c->who, &doc);
	if (c->e == ERR_OK)
		json_array_append_new(c->items, doc);
	return c->e != ERR_OK;
}

static int state_known(const char *s)
{
	static const char *const states[] = { "ringing", "accepted",  "live",
					      "ended",   "cancelled", "unanswered" };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

static enum err get_sessions(struct req *req, struct resp *resp)
{
	const char *state = req_query(req, "state"), *mine = req_query(req, "mine");
	struct assist_filter f = { .state = state, .sc = &req->user.scope };
	struct list_ctx c = { .db = req->db, .who = &req->user, .items = json_array() };
	enum err e;

	if (state && !state_known(state))
		http_invalid(resp, "state",
			     "one of ringing, accepted, live, ended, cancelled, unanswered");
	if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0)
		http_invalid(resp, "mine", "true or false");
	if (problem_count(&resp->problem) || !c.items) {
		json_decref(c.items);
		return c.items ? ERR_INVALID : ERR_INTERNAL;
	}
	if (mine && strcmp(mine, "true") == 0) {
		f.mine_user = req->user.user_id;
		f.sc = NULL;
	}
	e = assist_store_list(req->db, &f, 200, list_one, &c);
	if (e == ERR_OK)
		e = c.e;
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200, json_pack("{s:o}", "items", c.items));
	return ERR_OK;
}

struct brief_ctx {
	json_t *items;
};

static int ticket_assist_one(const struct assist_row *s, void *arg)
{
	int64_t from = s->connected_at ? s->connected_at : s->accepted_at;

	return json_array_append_new(
		   arg, json_pack("{s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)s->id, "state",
				  s->state, "expert",
				  s->expert_id
				      ? json_pack("{s:I, s:s}", "user_id", (json_int_t)s->expert_id,
						  "display_name", s->expert_name)
				      : json_null(),
				  "outcome", s->outcome[0] ? json_string(s->outcome) : json_null(),
				  "duration_s",
				  s->ended_at && from ? json_integer(s->ended_at - from)
						      : json_null())) != 0;
}

static enum err get_ticket_assists(struct req *req, struct resp *resp)
{
	struct ticket_row *t = malloc(sizeof(*t));
	json_t *items = json_array();
	int64_t id;
	enum err e = t && items ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK) {
		e = tickets_store_get(req->db, id, &req->user.scope, t);
		if (e == ERR_NOT_FOUND)
			e = http_fail(resp, ERR_NOT_FOUND, "no such ticket");
	}
	if (e == ERR_OK)
		e = assist_store_list(req->db, &(struct assist_filter){ .ticket_id = id }, 200,
				      ticket_assist_one, items);
	free(t);
	if (e != ERR_OK) {
		json_decref(items);
		return e;
	}
	resp_json(resp, 200, json_pack("{s:o}", "items", items));
	return ERR_OK;
}

/* ---- joining ---------------------------------------------------------------------------- */

static const struct json_field link_fields[] = {
	{ "user_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_join_link(struct req *req, struct resp *resp)
{
	json_t *uid = json_object_get(req->json, "user_id");
	struct assist_row *s = malloc(sizeof(*s));
	struct principal who;
	const char *side = NULL;
	char token[65], hash[65], url[160], expires[32];
	int64_t id, user_id = req->user.user_id, now = clock_now();
	enum err e = s ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = req_json_check(req, resp, link_fields);
	if (e == ERR_OK && json_is_integer(uid)) {
		user_id = json_integer_value(uid);
		if (user_id <= 0)
			e = http_invalid(resp, "/user_id", "a user id");
	}
	if (e == ERR_OK) {
		e = assist_store_get(req->db, id, s);
		if (e == ERR_NOT_FOUND)
			e = http_fail(resp, ERR_NOT_FOUND, "no such assistance session");
	}
	if (e != ERR_OK)
		goto out;
	/* Links only for someone allowed to join; the caller must be one too
	 * (403 for anyone else, as joining is). */
	e = assist_side_of(req->db, s, &req->user, &side);
	if (e == ERR_OK && !side)
		e = http_fail(resp, ERR_FORBIDDEN, "you may not join this call");
	if (e == ERR_OK && user_id != req->user.user_id) {
		e = assist_store_principal(req->db, user_id, &who);
		if (e == ERR_NOT_FOUND)
			e = http_invalid(resp, "/user_id", "no such user");
		if (e == ERR_OK)
			e = assist_side_of(req->db, s, &who, &side);
		if (e == ERR_OK && !side)
			e = http_fail(resp, ERR_FORBIDDEN, "that user may not join this call");
	}
	if (e == ERR_OK && strcmp(s->state, "accepted") != 0 && strcmp(s->state, "live") != 0) {
		http_invalid(resp, "state", "the session is %s", s->state);
		e = ERR_CONFLICT;
	}
	if (e == ERR_OK)
		e = new_token(token, hash);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_store_link_add(req->db, hash, id, user_id, now + ASSIST_LINK_TTL_S);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		goto out;
	}
	snprintf(url, sizeof(url), "/console/assist/%lld/join?token=%s", (long long)id, token);
	clock_format(now + ASSIST_LINK_TTL_S, expires, sizeof(expires));
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 201,
		  json_pack("{s:s, s:s, s:s}", "token", token, "url", url, "expires_at", expires));
out:
	free(s);
	return e;
}

/* Makes a participant key for who on s and answers the Join document. */
static enum err join_as(struct req *req, struct resp *resp, struct assist_row *s,
			const struct principal *who, const char *side, const char *link_hash)
{
	char key[65], hash[65], ice_expires[32], name[128] = "";
	int64_t now = clock_now(), ice_until = 0;
	json_t *session = NULL, *ice;
	enum err e;

	if (strcmp(s->state, "accepted") != 0 && strcmp(s->state, "live") != 0) {
		http_invalid(resp, "state", "the session is %s", s->state);
		return ERR_CONFLICT;
	}
	e = new_token(key, hash);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e == ERR_OK && link_hash)
		e = assist_store_link_use(req->db, link_hash, now);
	if (e == ERR_GONE)
		http_fail(resp, ERR_GONE, "the join link was used already");
	if (e == ERR_OK)
		e = assist_store_participant_add(req->db, hash, s->id, who->user_id, side, now);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	e = assist_store_user_name(req->db, who->user_id, name, sizeof(name));
	if (e == ERR_OK)
		e = assist_session_json(req->db, s, who, &session);
	if (e != ERR_OK)
		return e;
	ice = turn_ice_servers(who->user_id, now, &ice_until);
	if (!ice) {
		json_decref(session);
		return ERR_INTERNAL;
	}
	clock_format(ice_until, ice_expires, sizeof(ice_expires));
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200,
		  json_pack("{s:I, s:s, s:s, s:{s:I, s:s}, s:o, s:s, s:s, s:i, s:o}", "session_id",
			    (json_int_t)s->id, "participant_key", key, "side", side, "user",
			    "user_id", (json_int_t)who->user_id, "display_name", name,
			    "ice_servers", ice, "ice_expires_at", ice_expires,
			    "ice_transport_policy", turn_relay_only() ? "relay" : "all", "poll_ms",
			    ASSIST_POLL_MS, "session", session));
	return ERR_OK;
}

static enum err post_join(struct req *req, struct resp *resp)
{
	struct assist_row *s = malloc(sizeof(*s));
	const char *side = NULL;
	int64_t id;
	enum err e = s ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = assist_store_get(req->db, id, s);
	if (e == ERR_NOT_FOUND)
		e = http_fail(resp, ERR_NOT_FOUND, "no such assistance session");
	if (e == ERR_OK)
		e = assist_side_of(req->db, s, &req->user, &side);
	if (e == ERR_OK && !side)
		e = http_fail(resp, ERR_FORBIDDEN,
			      "only the ticket's technician, the expert and the region's "
			      "supervisors join this call");
	if (e == ERR_OK)
		e = join_as(req, resp, s, &req->user, side, NULL);
	free(s);
	return e;
}

static const struct json_field token_fields[] = {
	{ "token", JSON_STRING, JF_REQUIRED, 128 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_join_token(struct req *req, struct resp *resp)
{
	struct assist_row *s = malloc(sizeof(*s));
	struct assist_link_row link;
	struct principal who;
	const char *side = NULL;
	char hash[65];
	enum err e = s ? req_json_check(req, resp, token_fields) : ERR_INTERNAL;

	if (e == ERR_OK && digest_sha256_hex(req_json_str(req, "token"), hash) != 0)
		e = ERR_INTERNAL;
	if (e == ERR_OK) {
		e = assist_store_link_get(req->db, hash, &link);
		if (e == ERR_NOT_FOUND)
			e = http_fail(resp, ERR_NOT_FOUND, "no such join link");
	}
	if (e == ERR_OK && (link.used_at || link.expires_at <= clock_now()))
		e = http_fail(resp, ERR_GONE,
			      link.used_at ? "the join link was used already"
					   : "the join link expired");
	if (e == ERR_OK) {
		e = assist_store_principal(req->db, link.user_id, &who);
		if (e == ERR_NOT_FOUND)
			e = http_fail(resp, ERR_GONE, "the link's user is disabled");
	}
	if (e == ERR_OK)
		e = assist_store_get(req->db, link.session_id, s);
	/* Allowed when the link was made; checked again now (reassigned?). */
	if (e == ERR_OK)
		e = assist_side_of(req->db, s, &who, &side);
	if (e == ERR_OK && !side)
		e = http_fail(resp, ERR_GONE, "the link's user may not join this call any more");
	if (e == ERR_OK)
		e = join_as(req, resp, s, &who, side, hash);
	free(s);
	return e;
}

/* ---- participants' calls ------------------------------------------------------------------ */

struct participant {
	int64_t user_id;
	char side[12];
	int64_t last_seen_at;
	struct assist_row s;
};

/* The caller as a participant of session {id}: by X-Assist-Key, or by the
 * bearer token of someone allowed to join. 401 without either or with a
 * key of another session or a closed one. */
static enum err participant_auth(struct req *req, struct resp *resp, struct participant *p)
{
	const char *key = req_header(req, "X-Assist-Key");
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	if (key) {
		struct assist_participant_row row;
		char hash[65];

		if (strlen(key) != 64 || digest_sha256_hex(key, hash) != 0)
			return http_fail(resp, ERR_UNAUTHENTICATED,
					 "the participant key is invalid");
		e = assist_store_participant_get(req->db, hash, &row);
		if (e == ERR_NOT_FOUND || (e == ERR_OK && row.session_id != id))
			return http_fail(resp, ERR_UNAUTHENTICATED,
					 "the participant key is not one of this session");
		if (e != ERR_OK)
			return e;
		p->user_id = row.user_id;
		snprintf(p->side, sizeof(p->side), "%s", row.side);
		p->last_seen_at = row.last_seen_at;
		e = assist_store_get(req->db, id, &p->s);
	} else if (req->authenticated) {
		const char *side = NULL;

		e = assist_store_get(req->db, id, &p->s);
		if (e == ERR_NOT_FOUND)
			return http_fail(resp, ERR_NOT_FOUND, "no such assistance session");
		if (e == ERR_OK)
			e = assist_side_of(req->db, &p->s, &req->user, &side);
		if (e != ERR_OK)
			return e;
		if (!side) /* a public route: no 403, the token is no credential here */
			return http_fail(resp, ERR_UNAUTHENTICATED,
					 "you are not a participant of this call");
		p->user_id = req->user.user_id;
		snprintf(p->side, sizeof(p->side), "%s", side);
		{
			struct assist_participant_row row;

			e = assist_store_participant_of(req->db, id, p->user_id, &row);
			p->last_seen_at = e == ERR_OK ? row.last_seen_at : 0;
			e = e == ERR_NOT_FOUND ? ERR_OK : e;
		}
	} else {
		return http_fail(resp, ERR_UNAUTHENTICATED,
				 "send X-Assist-Key (the participant key) or a bearer token");
	}
	if (e != ERR_OK)
		return e;
	if (strcmp(p->s.state, "accepted") != 0 && strcmp(p->s.state, "live") != 0) {
		if (key)
			return http_fail(resp, ERR_UNAUTHENTICATED, "the session is %s",
					 p->s.state);
		http_invalid(resp, "state", "the session is %s", p->s.state);
		return ERR_CONFLICT;
	}
	return ERR_OK;
}

static enum err with_participant(struct req *req, struct resp *resp, struct participant **out)
{
	struct participant *p = calloc(1, sizeof(*p));
	enum err e = p ? participant_auth(req, resp, p) : ERR_INTERNAL;

	if (e != ERR_OK) {
		free(p);
		return e;
	}
	*out = p;
	return ERR_OK;
}

static enum err get_ice(struct req *req, struct resp *resp)
{
	struct participant *p;
	char expires[32];
	int64_t until = 0;
	json_t *ice;
	enum err e = with_participant(req, resp, &p);

	if (e != ERR_OK)
		return e;
	ice = turn_ice_servers(p->user_id, clock_now(), &until);
	free(p);
	if (!ice)
		return ERR_INTERNAL;
	clock_format(until, expires, sizeof(expires));
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200,
		  json_pack("{s:o, s:s, s:s}", "ice_servers", ice, "ice_expires_at", expires,
			    "ice_transport_policy", turn_relay_only() ? "relay" : "all"));
	return ERR_OK;
}

static const struct json_field signal_fields[] = {
	{ "kind", JSON_STRING, JF_REQUIRED, 16 },
	{ "to", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "body", JSON_NULL, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static int signal_kind_known(const char *k)
{
	static const char *const kinds[] = { "hello", "offer", "answer", "candidate", "bye" };

	for (size_t i = 0; k && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(k, kinds[i]) == 0)
			return 1;
	return 0;
}

static enum err post_signal(struct req *req, struct resp *resp)
{
	const char *kind = req_json_str(req, "kind");
	json_t *to = json_object_get(req->json, "to"), *body = json_object_get(req->json, "body");
	struct participant *p = NULL;
	int64_t to_user = 0, seq = 0;
	char *text = NULL;
	enum err e = req_json_check(req, resp, signal_fields);

	if (e != ERR_OK)
		return e;
	if (!signal_kind_known(kind))
		http_invalid(resp, "/kind", "one of hello, offer, answer, candidate, bye");
	if (!json_is_object(body))
		http_invalid(resp, "/body", "a JSON object (the SDP or candidate)");
	if (json_is_integer(to) && (to_user = json_integer_value(to)) <= 0)
		http_invalid(resp, "/to", "a participant's user id");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	text = json_dumps(body, JSON_COMPACT);
	if (!text)
		return ERR_INTERNAL;
	if (strlen(text) > ASSIST_SIGNAL_BODY_MAX) {
		free(text);
		return http_invalid(resp, "/body", "at most %d bytes of JSON",
				    ASSIST_SIGNAL_BODY_MAX);
	}
	e = with_participant(req, resp, &p);
	if (e == ERR_OK && to_user) {
		struct assist_participant_row row;

		e = assist_store_participant_of(req->db, p->s.id, to_user, &row);
		if (e == ERR_NOT_FOUND)
			e = http_invalid(resp, "/to", "user %lld has not joined this call",
					 (long long)to_user);
	}
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_store_signal_add(req->db, p->s.id, p->user_id, p->side, to_user, kind,
					    text, clock_now(), &seq);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	free(text);
	free(p);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 201, json_pack("{s:I}", "seq", (json_int_t)seq));
	return ERR_OK;
}

struct poll_ctx {
	json_t *signals;
	int64_t next;
};

static int signal_one(const struct assist_signal_row *s, void *arg)
{
	struct poll_ctx *c = arg;
	json_t *body = json_loads(s->body, 0, NULL);
	char at[32];

	clock_format(s->created_at, at, sizeof(at));
	c->next = s->id;
	return json_array_append_new(c->signals,
				     json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "seq",
					       (json_int_t)s->id, "from", (json_int_t)s->from_user,
					       "side", s->from_side, "kind", s->kind, "body",
					       body ? body : json_object(), "at", at)) != 0;
}

struct peers_ctx {
	json_t *peers;
	int64_t self, now;
};

static int peer_one(const struct assist_participant_row *p, void *arg)
{
	struct peers_ctx *c = arg;

	if (p->user_id == c->self)
		return 0;
	return json_array_append_new(
		   c->peers,
		   json_pack("{s:I, s:s, s:s, s:b}", "user_id", (json_int_t)p->user_id, "side",
			     p->side, "display_name", p->display_name, "present",
			     !p->left_at && p->last_seen_at >= c->now - ASSIST_PRESENT_S)) != 0;
}

static enum err get_signals(struct req *req, struct resp *resp)
{
	const char *after = req_query(req, "after");
	struct poll_ctx c = { .signals = json_array() };
	struct peers_ctx pc = { .peers = json_array(), .now = clock_now() };
	struct participant *p = NULL;
	enum err e = ERR_OK;

	if (!c.signals || !pc.peers)
		e = ERR_INTERNAL;
	if (e == ERR_OK && after) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(after, &end, 10);
		if (*after < '0' || *after > '9' || errno || *end || v < 0)
			e = http_invalid(resp, "after", "the last seq seen (0 or more)");
		c.next = v;
	}
	if (e == ERR_OK)
		e = with_participant(req, resp, &p);
	/* Presence costs a write (and its fsync): at most one per participant
	 * every half of the presence window, not one per poll. */
	if (e == ERR_OK && p->last_seen_at + ASSIST_PRESENT_S / 2 <= pc.now) {
		e = db_begin(req->db);
		if (e == ERR_OK)
			e = assist_store_participant_seen(req->db, p->s.id, p->user_id, pc.now);
		if (e == ERR_OK)
			e = db_commit(req->db);
		if (e != ERR_OK)
			db_rollback(req->db);
	}
	if (e == ERR_OK)
		e = assist_store_signals(req->db, p->s.id, p->user_id, c.next, SIGNALS_PAGE,
					 signal_one, &c);
	if (e == ERR_OK) {
		pc.self = p->user_id;
		e = assist_store_participants(req->db, p->s.id, peer_one, &pc);
	}
	if (e != ERR_OK) {
		json_decref(c.signals);
		json_decref(pc.peers);
		free(p);
		return e;
	}
	resp_header(resp, "Cache-Control", "no-store");
	resp_json(resp, 200,
		  json_pack("{s:o, s:I, s:s, s:o}", "signals", c.signals, "next",
			    (json_int_t)c.next, "state", p->s.state, "peers", pc.peers));
	free(p);
	return ERR_OK;
}

static const struct json_field no_fields[] = {
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_connected(struct req *req, struct resp *resp)
{
	struct participant *p = NULL;
	enum err e = req_json_check(req, resp, no_fields);

	if (e == ERR_OK)
		e = with_participant(req, resp, &p);
	if (e != ERR_OK)
		return e;

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_connected_locked(req->db, p->s.id, clock_now(), &resp->problem);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		free(p);
		return e;
	}
	{
		int64_t id = p->s.id;

		free(p);
		return answer_session(req, resp, id, 200);
	}
}

static enum err post_leave(struct req *req, struct resp *resp)
{
	struct participant *p = NULL;
	int64_t now = clock_now();
	char body[64];
	enum err e = with_participant(req, resp, &p);

	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_store_participant_leave(req->db, p->s.id, p->user_id, now);
	snprintf(body, sizeof(body), "{\"reason\":\"left\"}");
	if (e == ERR_OK) {
		int64_t seq;

		e = assist_store_signal_add(req->db, p->s.id, p->user_id, p->side, 0, "bye", body,
					    now, &seq);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	free(p);
	if (e != ERR_OK)
		return e;
	resp->status = 204;
	return ERR_OK;
}

/* ---- snapshots ------------------------------------------------------------------------------ */

static const char *image_type(const unsigned char *b, size_t n)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (n >= sizeof(png) && memcmp(b, png, sizeof(png)) == 0)
		return "image/png";
	return NULL;
}

static void uuid_v4(const unsigned char rnd[16], char out[37])
{
	unsigned char b[16];
	char hex[33];

	memcpy(b, rnd, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	digest_hex(b, sizeof(b), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static enum err post_snapshot(struct req *req, struct resp *resp)
{
	const char *ct = req_header(req, "Content-Type");
	struct object_upload up = { .fd = -1 };
	struct attachment_row *a = calloc(1, sizeof(*a));
	struct participant *p = NULL;
	const char *sniffed;
	unsigned char rnd[16];
	char url[128];
	int created = 0;
	int64_t now = clock_now();
	enum err e = a ? with_participant(req, resp, &p) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	if (!ct || (strncmp(ct, "image/jpeg", 10) != 0 && strncmp(ct, "image/png", 9) != 0)) {
		e = http_fail(resp, ERR_MEDIA_TYPE, "send image/jpeg or image/png");
		goto out;
	}
	sniffed = image_type((const unsigned char *)req->body, req->body ? req->body_len : 0);
	if (!sniffed || strncmp(ct, sniffed, strlen(sniffed)) != 0) {
		e = http_invalid(resp, "body", "the bytes are not the %s the Content-Type says",
				 strncmp(ct, "image/png", 9) == 0 ? "PNG" : "JPEG");
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		e = ERR_INTERNAL;
		goto out;
	}
	e = objects_upload_begin(&up);
	if (e == ERR_OK)
		e = objects_upload_write(&up, req->body, req->body_len);
	if (e == ERR_OK)
		e = objects_upload_finish(&up);
	if (e != ERR_OK)
		goto out;
	a->ticket_id = p->s.ticket_id;
	uuid_v4(rnd, a->client_uuid);
	memcpy(a->sha256, up.sha256, sizeof(a->sha256));
	snprintf(a->media_type, sizeof(a->media_type), "%s", sniffed);
	snprintf(a->declared_type, sizeof(a->declared_type), "%s", sniffed);
	a->size = up.size;
	snprintf(a->kind, sizeof(a->kind), "photo");
	snprintf(a->caption, sizeof(a->caption), "Snapshot, remote assistance #%lld",
		 (long long)p->s.id);
	a->uploaded_by = p->user_id;
	a->created_at = now;
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = objects_upload_commit(&up, &created);
	if (e == ERR_OK)
		e = attachments_store_insert(req->db, a);
	if (e == ERR_OK)
		e = assist_store_snapshot_add(req->db, p->s.id, a->id, p->user_id, now);
	if (e == ERR_OK) {
		json_t *detail =
		    json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "uuid", a->client_uuid, "kind",
			      a->kind, "media_type", a->media_type, "size", (json_int_t)a->size,
			      "sha256", a->sha256, "session_id", (json_int_t)p->s.id);

		e = detail ? tickets_event_locked(req->db, p->s.ticket_id,
						  &(struct ticket_event_in){
						      .at = now,
						      .action = "attachment",
						      .actor_id = p->user_id,
						      .note = a->caption,
						      .detail = detail,
						  })
			   : ERR_INTERNAL;
		json_decref(detail);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		if (created)
			objects_remove(up.sha256);
		goto out;
	}
	snprintf(url, sizeof(url), "/v1/tickets/%lld/attachments/%s", (long long)a->ticket_id,
		 a->client_uuid);
	resp_header(resp, "Location", url);
	resp_json(resp, 201,
		  json_pack("{s:I, s:s}", "attachment_id", (json_int_t)a->id, "url", url));
out:
	objects_upload_abort(&up);
	free(a);
	free(p);
	return e;
}

/* ---- the end and the record ------------------------------------------------------------------- */

static const struct json_field end_fields[] = {
	{ "outcome", JSON_STRING, JF_NULLABLE, 16 },
	{ "notes", JSON_STRING, JF_NULLABLE, 16000 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err take_record(struct req *req, struct resp *resp, const char **outcome,
			    const char **notes)
{
	enum err e = req_json_check(req, resp, end_fields);

	if (e != ERR_OK)
		return e;
	*outcome = req_json_str(req, "outcome");
	*notes = req_json_str(req, "notes");
	if (*outcome && !assist_outcome_known(*outcome))
		http_invalid(resp, "/outcome", "one of fixed, visit_needed, escalated, not_fixed");
	if (*notes && (!utf8_valid(*notes) || utf8_chars(*notes) > ASSIST_NOTES_CHARS))
		http_invalid(resp, "/notes", "at most %d characters of text", ASSIST_NOTES_CHARS);
	return problem_count(&resp->problem) ? ERR_INVALID : ERR_OK;
}

static enum err post_end(struct req *req, struct resp *resp)
{
	const char *outcome = NULL, *notes = NULL;
	struct participant *p = NULL;
	int64_t id;
	enum err e = take_record(req, resp, &outcome, &notes);

	if (e == ERR_OK)
		e = with_participant(req, resp, &p);
	if (e != ERR_OK)
		return e;
	id = p->s.id;
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_end_locked(req->db, id, p->user_id, outcome, notes, clock_now(),
				      &resp->problem);
	if (e == ERR_OK)
		e = db_commit(req->db);
	free(p);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	return answer_session(req, resp, id, 200);
}

static enum err patch_session(struct req *req, struct resp *resp)
{
	const char *outcome = NULL, *notes = NULL;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e == ERR_OK)
		e = take_record(req, resp, &outcome, &notes);
	if (e == ERR_OK)
		e = db_begin(req->db);
	if (e == ERR_OK)
		e = assist_complete_locked(req->db, &req->user, id, outcome, notes, clock_now(),
					   &resp->problem);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK) {
		db_rollback(req->db);
		return e;
	}
	return answer_session(req, resp, id, 200);
}

/* ---- analytics -------------------------------------------------------------------------------- */

static int stats_one(const struct assist_stats_row *r, void *arg)
{
	json_t *o =
	    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "product_line", r->product_line, "requests",
		      (json_int_t)r->requests, "accepted", (json_int_t)r->accepted, "unanswered",
		      (json_int_t)r->unanswered, "fixed", (json_int_t)r->fixed, "visits_avoided",
		      (json_int_t)r->visits_avoided);

	if (!o)
		return 1;
	json_object_set_new(o, "median_accept_s",
			    r->median_accept_s >= 0 ? json_real(r->median_accept_s) : json_null());
	json_object_set_new(o, "median_duration_s",
			    r->median_duration_s >= 0 ? json_real(r->median_duration_s)
						      : json_null());
	json_object_set_new(o, "fixed_rate",
			    r->ended ? json_real((double)(r->fixed * 10000 / r->ended) / 10000.0)
				     : json_null());
	return json_array_append_new(arg, o) != 0;
}

static enum err get_analytics(struct req *req, struct resp *resp)
{
	struct analytics_query q = { 0 };
	struct region_row region;
	struct scope sc, store_sc = { 0 };
	const char *from = req_query(req, "from"), *to = req_query(req, "to");
	char from_text[32], to_text[32];
	json_t *lines;
	enum err e;

	q.f.to = clock_now();
	if (to && clock_parse(to, &q.f.to) != 0)
		http_invalid(resp, "to", "an RFC 3339 time or a date");
	q.f.from = q.f.to - 30 * 86400;
	if (from && clock_parse(from, &q.f.from) != 0)
		http_invalid(resp, "from", "an RFC 3339 time or a date");
	if (!problem_count(&resp->problem) && q.f.to <= q.f.from)
		http_invalid(resp, "to", "must be after from");
	if (problem_count(&resp->problem))
		return ERR_INVALID;
	e = analytics_req_scope(req, resp, &q, &sc, &region);
	if (e != ERR_OK)
		return e;
	if (q.f.region_lo) {
		store_sc.ops_region = 1;
		snprintf(store_sc.region_lo, sizeof(store_sc.region_lo), "%s", q.f.region_lo);
		snprintf(store_sc.region_hi, sizeof(store_sc.region_hi), "%s", q.f.region_hi);
	}
	if (q.f.centre)
		snprintf(store_sc.centre, sizeof(store_sc.centre), "%s", q.f.centre);
	if (!q.f.region_lo && !q.f.centre)
		store_sc.all = 1;
	lines = json_array();
	e = lines ? assist_store_stats(req->db, q.f.from, q.f.to, q.f.product_line, &store_sc,
				       stats_one, lines)
		  : ERR_INTERNAL;
	if (e != ERR_OK) {
		json_decref(lines);
		return e;
	}
	clock_format(q.f.from, from_text, sizeof(from_text));
	clock_format(q.f.to, to_text, sizeof(to_text));
	resp_json(
	    resp, 200,
	    json_pack("{s:s, s:s, s:o}", "from", from_text, "to", to_text, "product_lines", lines));
	return ERR_OK;
}

const struct route assist_routes[] = {
	{ .method = "POST",
	  .pattern = "/v1/tickets/{id}/assist",
	  .handler = post_request,
	  .perm = PERM_ASSIST_REQUEST,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 16384 },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/assists",
	  .handler = get_ticket_assists,
	  .perm = PERM_TICKETS_READ },
	{ .method = "GET",
	  .pattern = "/v1/assist",
	  .handler = get_sessions,
	  .perm = PERM_ASSIST_ANSWER,
	  .query = "state,mine",
	  .flags = ROUTE_POLLED },
	{ .method = "POST",
	  .pattern = "/v1/assist/join",
	  .handler = post_join_token,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 4096,
	  .rate = RL_SCAN_MISS },
	{ .method = "GET",
	  .pattern = "/v1/assist/{id}",
	  .handler = get_session,
	  .perm = PERM_ASSIST_ANSWER,
	  .flags = ROUTE_POLLED },
	{ .method = "PATCH",
	  .pattern = "/v1/assist/{id}",
	  .handler = patch_session,
	  .perm = PERM_ASSIST_ANSWER,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 65536 },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/accept",
	  .handler = post_accept,
	  .perm = PERM_ASSIST_ANSWER },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/decline",
	  .handler = post_decline,
	  .perm = PERM_ASSIST_ANSWER },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/cancel",
	  .handler = post_cancel,
	  .perm = PERM_ASSIST_ANSWER },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/join-links",
	  .handler = post_join_link,
	  .perm = PERM_ASSIST_ANSWER,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 4096 },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/join",
	  .handler = post_join,
	  .perm = PERM_ASSIST_ANSWER },
	/* Participants' calls: X-Assist-Key or a console token (checked by the
	 * handler, so the phone page needs no login). */
	{ .method = "GET",
	  .pattern = "/v1/assist/{id}/ice",
	  .handler = get_ice,
	  .perm = PERM_PUBLIC },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/signals",
	  .handler = post_signal,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = SIGNAL_ROUTE_MAX },
	{ .method = "GET",
	  .pattern = "/v1/assist/{id}/signals",
	  .handler = get_signals,
	  .perm = PERM_PUBLIC,
	  .query = "after",
	  .flags = ROUTE_POLLED },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/connected",
	  .handler = post_connected,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 1024 },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/snapshots",
	  .handler = post_snapshot,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_RAW_BODY,
	  .body_max = SNAPSHOT_MAX },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/leave",
	  .handler = post_leave,
	  .perm = PERM_PUBLIC },
	{ .method = "POST",
	  .pattern = "/v1/assist/{id}/end",
	  .handler = post_end,
	  .perm = PERM_PUBLIC,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = 65536 },
	{ .method = "GET",
	  .pattern = "/v1/analytics/assists",
	  .handler = get_analytics,
	  .perm = PERM_ANALYTICS,
	  .query = "from,to,product_line,region,centre" },
	{ 0 },
};
