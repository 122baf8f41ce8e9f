/* The dispatcher's board: every ticket in the caller's scope that is not
 * over yet (each non-final status of TICKET_STATUSES: a resolved or
 * follow-up ticket still waits for the dispatcher's follow-up and close),
 * as a compact row with its SLA clock, and what changed on it since a
 * cursor.
 *
 * Changes come from the ticket change feed (sync_changes, migrations 0005
 * and 0019), which every ticket write and every SLA alert adds to. A board
 * scoped to a centre or to one's own jobs reads the rows addressed to that
 * centre or user (a ticket re-routed or reassigned away is addressed there
 * once more, so it leaves the board); a board by region, of one's
 * customers, or of everything reads every ticket change and keeps those in
 * scope (a ticket's region and customer never change after intake). Rows
 * are hints: each changed ticket is read again as it is now. */
#include "domain/board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/digest.h"
#include "db/escalation_store.h"
#include "domain/escalation.h"
#include "domain/ticket_states.h"
#include "domain/tickets.h"

/* ---- cursors ------------------------------------------------------------------ */

void board_cursor_text(const struct board_cursor *c, char out[BOARD_CURSOR_SIZE])
{
	snprintf(out, BOARD_CURSOR_SIZE, "%lld.%lld.%s", (long long)c->mine, (long long)c->seen,
		 c->fp);
}

int board_cursor_parse(const char *text, struct board_cursor *out)
{
	long long mine, seen;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (!text || strlen(text) >= BOARD_CURSOR_SIZE || text[0] < '0' || text[0] > '9' ||
	    sscanf(text, "%lld.%lld.%n", &mine, &seen, &n) != 2 || n == 0 || mine < 0 ||
	    seen < mine || strlen(text + n) != BOARD_FINGERPRINT_SIZE - 1 ||
	    strspn(text + n, "0123456789abcdef") != BOARD_FINGERPRINT_SIZE - 1)
		return -1;
	out->mine = mine;
	out->seen = seen;
	memcpy(out->fp, text + n, BOARD_FINGERPRINT_SIZE);
	/* One spelling per cursor: no sign, no leading zeros. */
	{
		char again[BOARD_CURSOR_SIZE];

		board_cursor_text(out, again);
		return strcmp(again, text) == 0 ? 0 : -1;
	}
}

/* Whose board with which filters: a cursor is good for that board only.
 * The caller's region, centre and role are in it, so a move (which
 * changes what the scope reaches) makes the old cursors stale. */
static void fingerprint(const struct board_query *q, char fp[BOARD_FINGERPRINT_SIZE])
{
	unsigned char hash[DIGEST_SHA256_LEN];
	char text[768];
	int n = snprintf(text, sizeof(text), "%lld|%s|%s|%s|%s|%s", (long long)q->who->user_id,
			 role_name(q->who->role), q->who->region_path, q->who->centre,
			 q->f.centre ? q->f.centre : "", q->f.statuses ? q->f.statuses : "");

	if (n < 0 ||
	    digest_sha256(text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, hash) != 0)
		memset(hash, 0, sizeof(hash));
	for (int i = 0; i < (BOARD_FINGERPRINT_SIZE - 1) / 2; i++)
		snprintf(fp + 2 * i, 3, "%02x", hash[i]);
}

/* A scope reaching tickets by region, customer or everything follows every
 * ticket change; one reaching a centre's or a user's follows theirs. */
static void feed_of(const struct scope *sc, struct sync_ticket_feed *f)
{
	memset(f, 0, sizeof(*f));
	if (sc->all || (sc->ops_region && sc->region_lo[0]) || sc->owner_id) {
		f->all = 1;
		return;
	}
	snprintf(f->centre, sizeof(f->centre), "%s", sc->centre);
	f->user_id = sc->user_id;
}

enum err board_mark(struct db *db, const struct board_query *q, struct board_mark *out)
{
	memset(out, 0, sizeof(*out));
	feed_of(&q->who->scope, &out->feed);
	fingerprint(q, out->fp);
	return sync_store_ticket_feed_mark(db, &out->feed, &out->mine, &out->newest, &out->horizon);
}

const char *board_cursor_stale(const struct board_mark *m, const struct board_cursor *c)
{
	if (strcmp(c->fp, m->fp) != 0)
		return "this cursor is another board's (other filters, or your centre, region "
		       "or role changed since); take a new snapshot without since";
	if (c->seen > m->newest)
		return "this cursor is ahead of the server's changes (a restored database?); "
		       "take a new snapshot without since";
	if (c->seen < m->horizon)
		return "changes since this cursor were pruned; take a new snapshot without since";
	return "";
}

void board_current(const struct board_mark *m, const struct board_cursor *held,
		   struct board_cursor *out)
{
	if (held && held->mine == m->mine && !board_cursor_stale(m, held)[0]) {
		*out = *held;
		return;
	}
	out->mine = m->mine;
	out->seen = m->newest > m->mine ? m->newest : m->mine;
	memcpy(out->fp, m->fp, sizeof(out->fp));
}

/* ---- rows ---------------------------------------------------------------------- */

struct rows {
	const struct board_query *q;
	struct escalation_config levels;
	int64_t now;
	json_t *items;
	int failed;
};

/* created_at and updated_at are NOT NULL columns: always a time. */
static json_t *time_json(int64_t t)
{
	char s[32];

	clock_format(t, s, sizeof(s));
	return json_string(s);
}

static json_t *time_or_null(int64_t t)
{
	char s[32];

	if (!t)
		return json_null();
	clock_format(t, s, sizeof(s));
	return json_string(s);
}

/* The clock a dispatcher watches: the target now due (response until the
 * technician accepts, then arrival, then resolution), read as the SLA
 * watcher reads it (escalation_clock), standing still while paused. */
static json_t *clock_json(const struct rows *r, const struct ticket_board_row *t)
{
	struct sla_clock c = { .target = -1 };
	enum ticket_status s;
	int paused = t->paused_at != 0;
	int64_t at = paused ? t->paused_at : r->now;

	/* A resolved ticket's clock has stopped: nothing is due any more. */
	if (paused || (ticket_status_parse(t->status, &s) == 0 && ticket_status_clock(s)))
		escalation_clock(&r->levels, t->created_at, t->due, t->met, at, &c);
	if (c.target < 0)
		return json_pack("{s:n, s:n, s:n, s:n, s:i, s:n, s:i, s:b}", "target", "due_at",
				 "seconds_left", "percent", "warning_percent", 0, "next_warning_at",
				 "escalation_level", t->escalation_level, "paused", paused);
	return json_pack("{s:s, s:o, s:I, s:i, s:i, s:o, s:i, s:b}", "target",
			 escalation_target_name(c.target), "due_at", time_or_null(c.due),
			 "seconds_left", (json_int_t)(c.due - at), "percent", c.percent,
			 "warning_percent", c.warning_percent, "next_warning_at",
			 time_or_null(paused ? 0 : c.next_warning_at), "escalation_level",
			 t->escalation_level, "paused", paused);
}

static json_t *row_json(const struct rows *r, const struct ticket_board_row *t)
{
	char number[24];

	tickets_number(t->id, number);
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:o, s:I,"
	    " s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)t->id, "number", number, "status", t->status, "priority", t->priority,
	    "channel", t->channel, "category", t->category, "subcategory", t->subcategory, "title",
	    t->title, "customer", "id", (json_int_t)t->customer_id, "name", t->customer_name,
	    "tier", t->customer_tier, "site",
	    t->site_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->site_id, "name", t->site_name)
		       : json_null(),
	    "asset",
	    t->asset_id ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)t->asset_id, "serial",
				    t->asset_serial, "model", t->model_code)
			: json_null(),
	    "centre", t->centre[0] ? json_string(t->centre) : json_null(), "assignee",
	    t->assignee_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->assignee_id, "username",
				       t->assignee_username)
			   : json_null(),
	    "version", (json_int_t)t->version, "created_at", time_json(t->created_at), "updated_at",
	    time_json(t->updated_at), "clock", clock_json(r, t), "allowed_actions",
	    ticket_flow_allowed_on(t->status, t->assignee_id, r->q->who));
}

static int add_row(struct rows *r, const struct ticket_board_row *t)
{
	json_t *row = row_json(r, t);

	if (!row || json_array_append_new(r->items, row) < 0) {
		r->failed = 1;
		return 1;
	}
	return 0;
}

static int snapshot_row(const struct ticket_board_row *t, void *arg)
{
	return add_row(arg, t);
}

enum err board_snapshot(struct db *db, const struct board_query *q, int64_t now, json_t *items)
{
	struct rows r = { .q = q, .now = now, .items = items };
	enum err e = escalation_store_config(db, &r.levels);

	if (e == ERR_OK)
		e = tickets_store_board(db, &q->who->scope, &q->f, snapshot_row, &r);
	return e == ERR_OK && r.failed ? ERR_INTERNAL : e;
}

/* ---- changes ------------------------------------------------------------------- */

struct changed {
	int64_t *ids;
	size_t n, cap;
	int failed;
};

static int collect_id(int64_t id, void *arg)
{
	struct changed *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		int64_t *more = realloc(c->ids, cap * sizeof(*more));

		if (!more) {
			c->failed = 1;
			return 1;
		}
		c->ids = more;
		c->cap = cap;
	}
	c->ids[c->n++] = id;
	return 0;
}

enum err board_changes(struct db *db, const struct board_query *q, const struct board_mark *m,
		       const struct board_cursor *c, int64_t now, json_t *items, json_t *removed)
{
	struct rows r = { .q = q, .now = now, .items = items };
	struct changed ids = { 0 };
	struct ticket_board_row *t = NULL;
	enum err e = ERR_OK;
	int on_board;

	if (m->mine > c->mine)
		e = sync_store_ticket_feed_changes(db, &m->feed, c->mine, m->mine, collect_id,
						   &ids);
	if (e == ERR_OK && ids.failed)
		e = ERR_INTERNAL;
	if (e == ERR_OK && ids.n)
		e = escalation_store_config(db, &r.levels);
	if (e == ERR_OK && ids.n && !(t = malloc(sizeof(*t))))
		e = ERR_INTERNAL;
	for (size_t i = 0; e == ERR_OK && i < ids.n; i++) {
		e = tickets_store_board_get(db, ids.ids[i], &q->who->scope, &q->f, t, &on_board);
		if (e == ERR_NOT_FOUND) {
			/* Out of scope now: it left this board if the board's own
			 * feed named it (a centre's or a user's); a board of
			 * everything in a region never held it. */
			e = ERR_OK;
			if (!m->feed.all &&
			    json_array_append_new(removed, json_integer(ids.ids[i])) < 0)
				e = ERR_INTERNAL;
		} else if (e == ERR_OK && on_board) {
			if (add_row(&r, t))
				e = ERR_INTERNAL;
		} else if (e == ERR_OK &&
			   json_array_append_new(removed, json_integer(ids.ids[i])) < 0) {
			e = ERR_INTERNAL;
		}
	}
	free(t);
	free(ids.ids);
	return e;
}
