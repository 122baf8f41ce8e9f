/* Store of the change feed devices sync from (sync_changes, written by the
 * triggers of migrations 0005 and 0010) and of the reference data they
 * carry. The rules (who hears what, cursors, tombstones) are
 * server/api/sync.c's. */
#ifndef FT_SYNC_STORE_H
#define FT_SYNC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

/* Closed and cancelled tickets leave the devices this long after they end;
 * changes older than this are pruned (a cursor before them starts again). */
#define SYNC_RETIRE_AFTER (30 * 86400)
#define SYNC_CHANGES_KEEP (30 * 86400)

/* Whose changes a caller reads: rows for the user, for the centre (all
 * entities, or models only), and for everyone. */
struct sync_audience {
	int64_t user_id;
	char centre[32]; /* "" = none */
	int centre_models_only;
};

struct sync_change {
	int64_t seq;
	char entity[16]; /* ticket, asset, category, product_line, model, centre,
			    kb_article */
	char entity_id[64];
	char op[8]; /* upsert, delete */
};
typedef int (*sync_change_fn)(const struct sync_change *c, void *ctx); /* nonzero stops */

/* Changes after after_seq in seq order, at most limit. */
enum err sync_store_changes(struct db *db, const struct sync_audience *a, int64_t after_seq,
			    int limit, sync_change_fn fn, void *ctx);
/* The last seq written (0 when none), and the horizon: cursors before it
 * point at pruned changes. */
enum err sync_store_max_seq(struct db *db, int64_t *out);
enum err sync_store_horizon(struct db *db, int64_t *out);
/* The seq of the user's last move to another centre or role (0: none,
 * migration 0013): their cursors before it are stale. */
enum err sync_store_scope_seq(struct db *db, int64_t user_id, int64_t *out);

/* ---- a board's ticket feed (GET /v1/board) ------------------------------ */

/* Whose ticket changes a board follows: every one (all), or those addressed
 * to a centre and to a user (their audience rows: a ticket re-routed or
 * reassigned away is addressed there once more). */
struct sync_ticket_feed {
	int all;
	char centre[32]; /* "" none */
	int64_t user_id; /* 0 none */
};
/* Where the feed stands, in one statement reading index ends only: *mine
 * the last seq the feed holds (0 none), *newest the last seq written (or
 * the horizon when all are pruned), *horizon (changes up to it pruned). */
enum err sync_store_ticket_feed_mark(struct db *db, const struct sync_ticket_feed *f, int64_t *mine,
				     int64_t *newest, int64_t *horizon);
/* The ids of the tickets the feed holds changes of in (after, upto], each
 * once, in the order of their last change. */
typedef int (*sync_id_fn)(int64_t id, void *ctx); /* nonzero stops */
enum err sync_store_ticket_feed_changes(struct db *db, const struct sync_ticket_feed *f,
					int64_t after, int64_t upto, sync_id_fn fn, void *ctx);

/* Reference data, as JSON object text. */
enum sync_ref {
	SYNC_REF_CATEGORY,     /* key: code */
	SYNC_REF_PRODUCT_LINE, /* key: code */
	SYNC_REF_CENTRE,       /* key: code */
	SYNC_REF_MODEL,        /* key: id; only the audience's product lines */
	SYNC_REF_KB_ARTICLE,   /* key: id; published, of the audience's lines */
	SYNC_REF__COUNT
};
typedef int (*sync_ref_fn)(const char *key, const char *json, void *ctx); /* nonzero stops */
/* Rows after key (NULL = from the start) in key order, at most limit.
 * Models are those of a's product lines: the user's skills and the
 * centre's lines. Knowledge articles are those with a published version
 * linked to one of those lines or to a model of one, with the published
 * version's text and the article's links (json and key are borrowed for
 * the callback). */
enum err sync_store_ref_page(struct db *db, enum sync_ref kind, const struct sync_audience *a,
			     const char *after, int limit, sync_ref_fn fn, void *ctx);
/* One row as the audience may see it; ERR_NOT_FOUND when gone or unseen. */
enum err sync_store_ref_get(struct db *db, enum sync_ref kind, const struct sync_audience *a,
			    const char *key, sync_ref_fn fn, void *ctx);

/* Whether a closed or cancelled ticket ended before `before` (retired). */
enum err sync_store_ticket_retired(struct db *db, int64_t ticket_id, int64_t before, int *out);

/* Background job: tombstones for tickets closed or cancelled more than
 * SYNC_RETIRE_AFTER ago (once each), and pruning of changes older than
 * SYNC_CHANGES_KEEP (moving the horizon). */
enum err sync_retire_run(struct db *db, int64_t now);

#endif
