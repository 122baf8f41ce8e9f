/* GET /v1/board: the dispatcher's live board (server/domain/board.c) for
 * the caller's ticket scope, as GET /v1/tickets reaches it.
 *
 * Without since: the whole board and its cursor. With since=<cursor>: the
 * rows that changed since and the ids that left, and the next cursor. The
 * cursor is also the answer's ETag, so a client polls with
 * If-None-Match: "<cursor>" and an unchanged board answers 304 after one
 * indexed read of the change feed: no ticket is loaded. Clients poll
 * (civetweb holds a thread per open connection, so no long-lived
 * streams); every field of a row but the clock's seconds_left and percent
 * changes only with a change in the feed, and those two the client counts
 * down itself from due_at and server_time. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "db/regions_store.h"
#include "domain/board.h"
#include "domain/ticket_states.h"

/* ?status=: a comma-separated list of statuses a board shows (not the
 * final ones). */
static void take_statuses(struct req *req, struct resp *resp, const char **out)
{
	const char *v = req_query(req, "status");
	enum ticket_status s;
	char one[24];

	*out = v;
	for (const char *p = v; p && *p;) {
		size_t n = strcspn(p, ",");

		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), p);
		if (n >= sizeof(one) || ticket_status_parse(one, &s) < 0) {
			http_invalid(resp, "status", "unknown status in the list");
			return;
		}
		if (ticket_status_final(s)) {
			http_invalid(resp, "status", "%s tickets are over and never on the board",
				     one);
			return;
		}
		p += n + (p[n] == ',');
	}
	if (v && !*v)
		http_invalid(resp, "status", "must name at least one status");
}

/* The cursor a client holds by If-None-Match alone (a poll of the whole
 * board without since): its first entity tag. */
static int held_by_tag(struct req *req, struct board_cursor *out)
{
	const char *v = req_header(req, "If-None-Match");
	char tag[BOARD_CURSOR_SIZE];
	size_t n;

	if (!v)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncmp(v, "W/", 2) == 0)
		v += 2;
	if (*v++ != '"')
		return 0;
	n = strcspn(v, "\"");
	if (v[n] != '"' || n >= sizeof(tag))
		return 0;
	memcpy(tag, v, n);
	tag[n] = '\0';
	return board_cursor_parse(tag, out) == 0;
}

static enum err get_board(struct req *req, struct resp *resp)
{
	const char *since_text = req_query(req, "since");
	struct board_query q = { .who = &req->user };
	struct board_cursor since, held, cur;
	struct board_mark m;
	struct centre_row centre;
	char cursor[BOARD_CURSOR_SIZE], etag[BOARD_CURSOR_SIZE + 2], now_text[32];
	const char *stale;
	int64_t now = clock_now();
	json_t *items = NULL, *removed = NULL;
	int have_held = 0;
	enum err e;

	q.f.centre = req_query(req, "centre");
	if (q.f.centre && (!q.f.centre[0] || strlen(q.f.centre) > REGION_CODE_MAX))
		http_invalid(resp, "centre", "must be a centre's code");
	take_statuses(req, resp, &q.f.statuses);
	if (since_text && board_cursor_parse(since_text, &since) < 0)
		http_invalid(resp, "since", "is not a board cursor this server issued");
	if (problem_count(&resp->problem))
		return ERR_INVALID;

	e = board_mark(req->db, &q, &m);
	if (e != ERR_OK)
		return e;
	if (since_text) {
		stale = board_cursor_stale(&m, &since);
		if (stale[0])
			return http_fail(resp, ERR_GONE, "%s", stale);
		held = since;
		have_held = 1;
	} else {
		have_held = held_by_tag(req, &held);
	}
	board_current(&m, have_held ? &held : NULL, &cur);
	board_cursor_text(&cur, cursor);
	snprintf(etag, sizeof(etag), "\"%s\"", cursor);
	if (req_if_none_match(req, etag)) {
		resp_header(resp, "ETag", etag);
		resp->status = 304;
		return ERR_OK;
	}

	/* A snapshot names a centre that exists (polls since one carry its
	 * filters in the cursor). */
	if (!since_text && q.f.centre) {
		e = regions_store_centre_get(req->db, q.f.centre, &centre);
		if (e == ERR_NOT_FOUND)
			return http_invalid(resp, "centre", "no centre %s", q.f.centre);
		if (e != ERR_OK)
			return e;
	}
	items = json_array();
	removed = json_array();
	if (!items || !removed)
		e = ERR_INTERNAL;
	else if (since_text)
		e = board_changes(req->db, &q, &m, &since, now, items, removed);
	else
		e = board_snapshot(req->db, &q, now, items);
	if (e == ERR_OK) {
		clock_format(now, now_text, sizeof(now_text));
		resp_header(resp, "ETag", etag);
		resp_json(resp, 200,
			  json_pack("{s:b, s:s, s:s, s:o, s:o}", "full", !since_text, "cursor",
				    cursor, "server_time", now_text, "items", items, "removed",
				    removed));
		return ERR_OK;
	}
	json_decref(items);
	json_decref(removed);
	return e;
}

const struct route board_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/board",
	  .handler = get_board,
	  .perm = PERM_TICKETS_READ,
	  .query = "since,centre,status" },
	{ 0 },
};
