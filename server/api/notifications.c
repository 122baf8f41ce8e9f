/* In-app notifications: each caller reads and marks only their own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "db/notify_store.h"
#include "api/routes.h"

static json_t *notification_json(const struct notification_row *n)
{
	char created[32], read_at[32];
	json_t *data = json_loads(n->data, 0, NULL);

	clock_format(n->created_at, created, sizeof(created));
	if (n->read_at)
		clock_format(n->read_at, read_at, sizeof(read_at));
	return json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:b}", "id", (json_int_t)n->id, "kind",
			 n->kind, "title", n->title, "data", data ? data : json_object(),
			 "created_at", created, "read_at",
			 n->read_at ? json_string(read_at) : json_null(), "read", n->read_at != 0);
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	/* The cursor's spelling: no sign, space or leading zero. */
	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

struct list_ctx {
	json_t *items;
	int limit;
	int more;
	int64_t last_id;
};

static int list_row(const struct notification_row *n, void *arg)
{
	struct list_ctx *c = arg;

	if ((int)json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	json_array_append_new(c->items, notification_json(n));
	c->last_id = n->id;
	return 0;
}

/* The answer depends on the caller's newest notification id and unread
 * total (notifications are only added, and only go from unread to read, so
 * any change moves one of the two) and on the query: the ETag names them
 * all, and the bell's 30 s poll with If-None-Match costs two index look-ups.
 * The state is read before the page: a notification added in between
 * shows in this page and changes the next ETag, never the reverse. */
static void inbox_etag(int64_t newest_id, int64_t unread, int unread_only, int limit,
		       int64_t before, char *out, size_t size)
{
	snprintf(out, size, "\"n%lld.u%lld.%c%d.%lld\"", (long long)newest_id, (long long)unread,
		 unread_only ? 'u' : 'a', limit, (long long)before);
}

static enum err get_notifications(struct req *req, struct resp *resp)
{
	const char *unread = req_query(req, "unread");
	struct list_ctx c = { 0 };
	struct page page;
	int64_t before = 0, newest_id, unread_count;
	int unread_only = 0;
	char next[24], cur[448], etag[96];
	json_t *doc;
	enum err e;

	e = req_page(req, resp, &page);
	if (page.has_after && parse_id(page.after, &before) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (unread) {
		if (strcmp(unread, "true") == 0)
			unread_only = 1;
		else if (strcmp(unread, "false") != 0)
			e = http_invalid(resp, "unread", "must be true or false");
	}
	if (e != ERR_OK)
		return e;
	e = notify_store_inbox_state(req->db, req->user.user_id, &newest_id, &unread_count);
	if (e != ERR_OK)
		return e;
	inbox_etag(newest_id, unread_count, unread_only, page.limit, before, etag, sizeof(etag));
	if (req_if_none_match(req, etag)) {
		resp_header(resp, "ETag", etag);
		resp->status = 304;
		return ERR_OK;
	}
	c.items = json_array();
	c.limit = page.limit;
	e = notify_store_list(req->db, req->user.user_id, unread_only, before, page.limit + 1,
			      list_row, &c);
	if (e != ERR_OK) {
		json_decref(c.items);
		return e;
	}
	cur[0] = 0;
	if (c.more) {
		snprintf(next, sizeof(next), "%lld", (long long)c.last_id);
		http_cursor_encode(next, cur, sizeof(cur));
	}
	doc = json_pack("{s:o, s:o, s:I}", "items", c.items, "next_cursor",
			cur[0] ? json_string(cur) : json_null(), "unread_count",
			(json_int_t)unread_count);
	if (!doc)
		return ERR_INTERNAL;
	resp_header(resp, "ETag", etag);
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static int keep_json(const struct notification_row *n, void *arg)
{
	*(json_t **)arg = notification_json(n);
	return 0;
}

/* Idempotent: marking a read notification again changes nothing and
 * answers it as it is. Someone else's is 404, as if it did not exist. */
static enum err post_read(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	json_t *doc = NULL;
	char id_s[24];
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = notify_store_mark_read(req->db, req->user.user_id, id, clock_now());
	if (e == ERR_OK)
		e = audit_append(req->db, &actor, "notification.read", "notification", id_s, NULL,
				 NULL);
	if (e == ERR_NOT_FOUND)
		e = ERR_OK; /* already read, or not the caller's: told apart below */
	if (e == ERR_OK)
		e = notify_store_get(req->db, req->user.user_id, id, keep_json, &doc);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	if (e == ERR_NOT_FOUND) {
		json_decref(doc);
		return http_fail(resp, ERR_NOT_FOUND, "no such notification");
	}
	if (e != ERR_OK) {
		json_decref(doc);
		return e;
	}
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static enum err post_read_all(struct req *req, struct resp *resp)
{
	struct audit_actor actor;
	int64_t changed = 0;
	char user_s[24];
	json_t *after;
	enum err e;

	audit_actor_from_req(req, &actor);
	snprintf(user_s, sizeof(user_s), "%lld", (long long)req->user.user_id);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = notify_store_mark_all_read(req->db, req->user.user_id, clock_now(), &changed);
	if (e == ERR_OK && changed > 0) {
		after = json_pack("{s:I}", "marked_read", (json_int_t)changed);
		e = audit_append(req->db, &actor, "notification.read_all", "user", user_s, NULL,
				 after);
		json_decref(after);
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e != ERR_OK)
		db_rollback(req->db);
	if (e != ERR_OK)
		return e;
	resp_json(resp, 200, json_pack("{s:I}", "marked_read", (json_int_t)changed));
	return ERR_OK;
}

const struct route notifications_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/notifications",
	  .handler = get_notifications,
	  .perm = PERM_AUTHENTICATED,
	  .query = "limit,cursor,unread" },
	{ .method = "POST",
	  .pattern = "/v1/notifications/read-all",
	  .handler = post_read_all,
	  .perm = PERM_AUTHENTICATED },
	{ .method = "POST",
	  .pattern = "/v1/notifications/{id}/read",
	  .handler = post_read,
	  .perm = PERM_AUTHENTICATED },
	{ 0 },
};
