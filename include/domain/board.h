/* The dispatcher's board (server/domain/board.c): the tickets in a caller's
 * scope that are not over yet, each with its SLA clock, and what changed
 * on that board since a cursor, read from the ticket change feed
 * (sync_changes) so that an unchanged board costs one indexed read.
 * GET /v1/board (server/api/board.c) answers it. */
#ifndef FT_BOARD_H
#define FT_BOARD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"
#include "db/sync_store.h"
#include "db/tickets_store.h"

struct db;

/* Whose board, narrowed how (strings borrowed for the call). */
struct board_query {
	const struct principal *who;
	struct ticket_board_filter f; /* centre, statuses: NULL = all */
};

/* A board's cursor, "<mine>.<seen>.<fingerprint>" as text: mine is the last
 * change of the board's feed the client holds, seen the newest change of
 * any kind when it was read (every change up to it was judged, so a
 * cursor stays good while the feed is quiet, until the horizon passes
 * seen), the fingerprint says whose board with which filters. */
#define BOARD_FINGERPRINT_SIZE 13 /* 12 hex digits */
struct board_cursor {
	int64_t mine, seen;
	char fp[BOARD_FINGERPRINT_SIZE];
};
#define BOARD_CURSOR_SIZE 64
void board_cursor_text(const struct board_cursor *c, char out[BOARD_CURSOR_SIZE]);
/* 0, or -1 when text is not a cursor this server writes. */
int board_cursor_parse(const char *text, struct board_cursor *out);

/* Where q's board stands now (one indexed statement) and its cursor for a
 * client that holds nothing (or holds held, when held is the same board
 * and nothing came since: its cursor stays, so its ETag does too). */
struct board_mark {
	struct sync_ticket_feed feed;
	int64_t mine, newest, horizon;
	char fp[BOARD_FINGERPRINT_SIZE];
};
enum err board_mark(struct db *db, const struct board_query *q, struct board_mark *out);
void board_current(const struct board_mark *m, const struct board_cursor *held,
		   struct board_cursor *out);
/* Why a cursor cannot be followed from here ("" when it can): another
 * board's (other filters, or the caller's centre, region or role
 * changed), changes since it pruned, or ahead of the feed (a database
 * restored from a backup). The client takes a new snapshot. */
const char *board_cursor_stale(const struct board_mark *m, const struct board_cursor *c);

/* Board rows (BoardTicket in docs/openapi.json) appended to items: the
 * whole board, oldest first; or the tickets changed in (c->mine,
 * m->mine], in the order of their last change, with the ids of those that
 * left the board (over, narrowed out, or out of the caller's scope: a
 * ticket re-routed or reassigned away) appended to removed. now: the
 * clocks' time. */
enum err board_snapshot(struct db *db, const struct board_query *q, int64_t now, json_t *items);
enum err board_changes(struct db *db, const struct board_query *q, const struct board_mark *m,
		       const struct board_cursor *c, int64_t now, json_t *items, json_t *removed);

#endif
