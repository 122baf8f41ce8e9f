/* Working offline: what a device syncs and how its queued work comes back.
 *
 * GET /v1/sync?cursor=&limit= answers, for the caller (a technician: jobs
 * assigned to or reported by them; a dispatcher: their centre's), what
 * changed since the cursor: tickets in full, the traces of their assets,
 * the service catalogue, product lines, centres, and the models and the
 * published knowledge articles of the caller's product lines; a ticket or
 * reference row the caller no longer sees (an article retired or no longer
 * of their lines) comes as a tombstone {"type", "id", "deleted": true}.
 * Without a cursor it is a full snapshot, then the changes since it began.
 *
 * POST /v1/sync replays a batch of queued actions, each through the same
 * dispatcher pipeline as a real request (server/http/dispatch.c), each
 * with its own Idempotency-Key, and answers each one's result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/assets.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "core/policy.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "db/sync_store.h"
#include "domain/tickets.h"

#define TRACE_EVENTS 10
#define BATCH_MAX 200
#define BATCH_BODY_MAX (8u * 1024u * 1024u)

/* ---- cursors ------------------------------------------------------------- */

/* A full sync walks these phases, then follows the change feed. */
enum phase {
	PH_CATEGORY,
	PH_PRODUCT_LINE,
	PH_CENTRE,
	PH_MODEL,
	PH_TICKET,
	PH_KB, /* published knowledge articles of the caller's lines */
	PH_CHANGES,
};

/* "s.<snapshot seq>.<phase>.<key>" during a full sync, "c.<seq>" after. */
struct cursor {
	enum phase phase;
	int64_t seq; /* the snapshot's seq, or the last change read */
	char key[64];
	int has_key;
};

static int cursor_parse(const char *text, struct cursor *c)
{
	long long seq;
	int phase, n = 0;

	memset(c, 0, sizeof(*c));
	if (sscanf(text, "c.%lld%n", &seq, &n) == 1 && text[n] == '\0' && seq >= 0) {
		c->phase = PH_CHANGES;
		c->seq = seq;
		return 0;
	}
	n = 0;
	if (sscanf(text, "s.%lld.%d.%n", &seq, &phase, &n) != 2 || n == 0 || seq < 0 ||
	    phase < PH_CATEGORY || phase >= PH_CHANGES || strlen(text + n) >= sizeof(c->key))
		return -1;
	c->phase = (enum phase)phase;
	c->seq = seq;
	snprintf(c->key, sizeof(c->key), "%s", text + n);
	c->has_key = c->key[0] != '\0';
	return 0;
}

static void cursor_text(const struct cursor *c, char *out, size_t size)
{
	if (c->phase == PH_CHANGES)
		snprintf(out, size, "c.%lld", (long long)c->seq);
	else
		snprintf(out, size, "s.%lld.%d.%s", (long long)c->seq, (int)c->phase,
			 c->has_key ? c->key : "");
}

/* ---- one page ------------------------------------------------------------ */

struct page_ctx {
	struct req *req;
	struct sync_audience aud;
	struct scope scope;
	int64_t retire_before;
	json_t *items;
	json_t *seen; /* "type:id" already in this page */
	int budget;   /* entries the page may still take */
	int more;
	struct cursor *cur;
};

static int seen_once(struct page_ctx *p, const char *type, const char *id)
{
	char k[96];

	snprintf(k, sizeof(k), "%s:%s", type, id);
	if (json_object_get(p->seen, k))
		return 0;
	json_object_set_new(p->seen, k, json_true());
	return 1;
}

static json_t *id_json(const char *type, const char *id)
{
	int64_t n;

	/* Tickets, assets, models and articles have numeric ids; the rest
	 * codes. */
	if ((strcmp(type, "ticket") == 0 || strcmp(type, "asset") == 0 ||
	     strcmp(type, "model") == 0 || strcmp(type, "kb_article") == 0) &&
	    registry_parse_id(id, &n) == 0)
		return json_integer(n);
	return json_string(id);
}

static void add_item(struct page_ctx *p, const char *type, const char *id, json_t *data)
{
	json_array_append_new(p->items, json_pack("{s:s, s:o, s:o}", "type", type, "id",
						  id_json(type, id), "data", data));
}

static void add_tombstone(struct page_ctx *p, const char *type, const char *id)
{
	json_array_append_new(p->items, json_pack("{s:s, s:o, s:b}", "type", type, "id",
						  id_json(type, id), "deleted", 1));
}

/* The asset's trace as GET /v1/assets/{id} shows it (contacts masked):
 * one call site, so a change of assets_trace_json's signature is one line. */
static enum err asset_trace(struct db *db, int64_t asset_id, json_t **out)
{
	return assets_trace_json(db, NULL, asset_id, TRACE_EVENTS, 0, out);
}

static enum err add_asset(struct page_ctx *p, int64_t asset_id)
{
	char id[24];
	json_t *trace = NULL;
	enum err e;

	snprintf(id, sizeof(id), "%lld", (long long)asset_id);
	if (!seen_once(p, "asset", id))
		return ERR_OK;
	e = asset_trace(p->req->db, asset_id, &trace);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e == ERR_OK)
		add_item(p, "asset", id, trace);
	return e;
}

/* A ticket as the caller sees it now: in full with its asset's trace, or a
 * tombstone when they no longer see it (reassigned, re-routed, or ended
 * more than SYNC_RETIRE_AFTER ago). */
static enum err add_ticket(struct page_ctx *p, int64_t id)
{
	struct ticket_row *t = malloc(sizeof(*t));
	char key[24];
	json_t *doc = NULL;
	int retired = 0;
	enum err e = t ? ERR_OK : ERR_INTERNAL;

	snprintf(key, sizeof(key), "%lld", (long long)id);
	if (e == ERR_OK && !seen_once(p, "ticket", key))
		goto out;
	if (e == ERR_OK)
		e = tickets_store_get(p->req->db, id, &p->scope, t);
	if (e == ERR_OK)
		e = sync_store_ticket_retired(p->req->db, id, p->retire_before, &retired);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && retired)) {
		add_tombstone(p, "ticket", key);
		e = ERR_OK;
		goto out;
	}
	if (e == ERR_OK)
		e = tickets_full_json(p->req->db, id, &p->req->user, &doc);
	if (e == ERR_OK) {
		add_item(p, "ticket", key, doc);
		if (t->asset_id)
			e = add_asset(p, t->asset_id);
	}
out:
	free(t);
	return e;
}

/* ---- a full sync --------------------------------------------------------- */

struct collect {
	struct page_ctx *p;
	enum sync_ref kind;
	const char *type;
	int rows;
	char last[64];
};

static int ref_row(const char *key, const char *text, void *arg)
{
	struct collect *c = arg;
	json_t *doc;

	c->rows++;
	if (c->rows > c->p->budget) {
		c->p->more = 1;
		return 1;
	}
	doc = json_loads(text, 0, NULL);
	snprintf(c->last, sizeof(c->last), "%s", key);
	if (doc && seen_once(c->p, c->type, key))
		add_item(c->p, c->type, key, doc);
	else
		json_decref(doc);
	return 0;
}

static const char *ref_type(enum sync_ref kind)
{
	static const char *const types[SYNC_REF__COUNT] = {
		[SYNC_REF_CATEGORY] = "category",         /* codes */
		[SYNC_REF_PRODUCT_LINE] = "product_line", /* codes */
		[SYNC_REF_CENTRE] = "centre",             /* codes */
		[SYNC_REF_MODEL] = "model",               /* numeric ids */
		[SYNC_REF_KB_ARTICLE] = "kb_article",     /* numeric ids */
	};

	return kind < SYNC_REF__COUNT ? types[kind] : "";
}

static enum err ref_phase(struct page_ctx *p, enum sync_ref kind)
{
	struct collect c = { .p = p, .kind = kind, .type = ref_type(kind) };
	int64_t id;
	int taken;
	enum err e;

	/* Models and articles page by id: any other key was not issued here. */
	if (p->cur->has_key && (kind == SYNC_REF_MODEL || kind == SYNC_REF_KB_ARTICLE) &&
	    registry_parse_id(p->cur->key, &id) < 0)
		return ERR_INVALID;
	e = sync_store_ref_page(p->req->db, kind, &p->aud, p->cur->has_key ? p->cur->key : NULL,
				p->budget + 1, ref_row, &c);
	if (e != ERR_OK)
		return e;
	taken = c.rows > p->budget ? p->budget : c.rows;
	p->budget -= taken;
	if (p->more) {
		snprintf(p->cur->key, sizeof(p->cur->key), "%s", c.last);
		p->cur->has_key = 1;
	}
	return ERR_OK;
}

struct ticket_ids {
	int64_t *ids;
	int n, max;
	int more;
	struct page_ctx *p;
};

static int ticket_id_row(const struct ticket_row *t, void *arg)
{
	struct ticket_ids *c = arg;
	int retired = 0;

	if (c->n == c->max) {
		c->more = 1;
		return 1;
	}
	c->ids[c->n++] = t->id;
	/* Tickets that ended long ago are not sent (their id still moves the
	 * cursor). */
	if (sync_store_ticket_retired(c->p->req->db, t->id, c->p->retire_before, &retired) ==
		ERR_OK &&
	    retired)
		c->ids[c->n - 1] = -t->id;
	return 0;
}

/* The caller's tickets, newest first, by id below the cursor key. */
static enum err ticket_phase(struct page_ctx *p)
{
	struct ticket_filter none = { 0 };
	struct ticket_ids c = { .max = p->budget, .p = p };
	int64_t before = 0;
	enum err e;

	if (p->budget <= 0) {
		p->more = 1;
		return ERR_OK;
	}
	if (p->cur->has_key && registry_parse_id(p->cur->key, &before) < 0)
		return ERR_INVALID;
	c.ids = malloc(sizeof(*c.ids) * (size_t)p->budget);
	if (!c.ids)
		return ERR_INTERNAL;
	e = tickets_store_list(p->req->db, &p->scope, &none, before, p->budget + 1, ticket_id_row,
			       &c);
	/* Built after the scan: the list statement is not stepped meanwhile. */
	for (int i = 0; e == ERR_OK && i < c.n; i++)
		if (c.ids[i] > 0)
			e = add_ticket(p, c.ids[i]);
	p->budget -= c.n;
	if (e == ERR_OK && c.more) {
		p->more = 1;
		snprintf(p->cur->key, sizeof(p->cur->key), "%lld",
			 (long long)(c.ids[c.n - 1] > 0 ? c.ids[c.n - 1] : -c.ids[c.n - 1]));
		p->cur->has_key = 1;
	}
	free(c.ids);
	return e;
}

/* ---- the change feed ------------------------------------------------------ */

struct change_list {
	struct sync_change *rows;
	int n, max;
	int more;
};

static int change_row(const struct sync_change *c, void *arg)
{
	struct change_list *l = arg;

	if (l->n == l->max) {
		l->more = 1;
		return 1;
	}
	l->rows[l->n++] = *c;
	return 0;
}

static int ref_item(const char *key, const char *text, void *arg)
{
	struct collect *c = arg;
	json_t *doc = json_loads(text, 0, NULL);

	if (doc)
		add_item(c->p, c->type, key, doc);
	return 0;
}

static enum err change_ref(struct page_ctx *p, enum sync_ref kind, const char *id)
{
	struct collect c = { .p = p, .kind = kind, .type = ref_type(kind) };
	enum err e;

	if (!seen_once(p, c.type, id))
		return ERR_OK;
	e = sync_store_ref_get(p->req->db, kind, &p->aud, id, ref_item, &c);
	if (e == ERR_NOT_FOUND) {
		add_tombstone(p, c.type, id);
		e = ERR_OK;
	}
	return e;
}

struct asset_seen {
	int found;
};

static int any_row(const struct ticket_row *t, void *arg)
{
	(void)t;
	((struct asset_seen *)arg)->found = 1;
	return 1;
}

/* An asset's trace goes to callers holding one of its tickets. */
static enum err change_asset(struct page_ctx *p, int64_t asset_id)
{
	struct ticket_filter f = { .asset_id = asset_id };
	struct asset_seen s = { 0 };
	enum err e = tickets_store_list(p->req->db, &p->scope, &f, 0, 1, any_row, &s);

	return e == ERR_OK && s.found ? add_asset(p, asset_id) : e;
}

static enum err change_item(struct page_ctx *p, const struct sync_change *c)
{
	int64_t id = 0;

	if (strcmp(c->entity, "ticket") == 0 || strcmp(c->entity, "asset") == 0) {
		if (registry_parse_id(c->entity_id, &id) < 0)
			return ERR_OK;
		return c->entity[0] == 't' ? add_ticket(p, id) : change_asset(p, id);
	}
	if (strcmp(c->entity, "category") == 0)
		return change_ref(p, SYNC_REF_CATEGORY, c->entity_id);
	if (strcmp(c->entity, "product_line") == 0)
		return change_ref(p, SYNC_REF_PRODUCT_LINE, c->entity_id);
	if (strcmp(c->entity, "centre") == 0)
		return change_ref(p, SYNC_REF_CENTRE, c->entity_id);
	if (strcmp(c->entity, "model") == 0)
		return change_ref(p, SYNC_REF_MODEL, c->entity_id);
	if (strcmp(c->entity, "kb_article") == 0)
		return change_ref(p, SYNC_REF_KB_ARTICLE, c->entity_id);
	return ERR_OK; /* an entity this server does not send */
}

static enum err changes_phase(struct page_ctx *p)
{
	struct change_list l = { .max = p->budget };
	enum err e;

	if (p->budget <= 0) {
		p->more = 1;
		return ERR_OK;
	}
	l.rows = malloc(sizeof(*l.rows) * (size_t)p->budget);
	if (!l.rows)
		return ERR_INTERNAL;
	e = sync_store_changes(p->req->db, &p->aud, p->cur->seq, p->budget + 1, change_row, &l);
	for (int i = 0; e == ERR_OK && i < l.n; i++) {
		e = change_item(p, &l.rows[i]);
		p->cur->seq = l.rows[i].seq;
	}
	p->more = l.more;
	free(l.rows);
	return e;
}

/* ---- GET /v1/sync -------------------------------------------------------- */

static void audience_of(const struct principal *who, struct sync_audience *a)
{
	memset(a, 0, sizeof(*a));
	a->user_id = who->user_id;
	snprintf(a->centre, sizeof(a->centre), "%s", who->centre);
	/* A technician's centre matters for which models they carry, not for
	 * the centre's other jobs. */
	a->centre_models_only = !policy_allows(who->role, PERM_SCOPE_OPS_CENTRE);
}

static enum err run_page(struct page_ctx *p)
{
	enum err e = ERR_OK;

	while (e == ERR_OK && !p->more && p->cur->phase != PH_CHANGES) {
		switch (p->cur->phase) {
		case PH_CATEGORY:
			e = ref_phase(p, SYNC_REF_CATEGORY);
			break;
		case PH_PRODUCT_LINE:
			e = ref_phase(p, SYNC_REF_PRODUCT_LINE);
			break;
		case PH_CENTRE:
			e = ref_phase(p, SYNC_REF_CENTRE);
			break;
		case PH_MODEL:
			e = ref_phase(p, SYNC_REF_MODEL);
			break;
		case PH_TICKET:
			e = ticket_phase(p);
			break;
		case PH_KB:
			e = ref_phase(p, SYNC_REF_KB_ARTICLE);
			break;
		case PH_CHANGES:
			break;
		}
		if (e == ERR_OK && !p->more) {
			p->cur->phase = (enum phase)(p->cur->phase + 1);
			p->cur->key[0] = '\0';
			p->cur->has_key = 0;
		}
	}
	if (e == ERR_OK && !p->more)
		e = changes_phase(p);
	return e;
}

static enum err get_sync(struct req *req, struct resp *resp)
{
	struct page page;
	struct cursor cur;
	struct page_ctx p = { .req = req };
	int64_t horizon = 0, moved = 0;
	char text[128], encoded[200];
	int full;
	enum err e = req_page(req, resp, &page);

	if (e != ERR_OK)
		return e;
	if (page.has_after && cursor_parse(page.after, &cur) < 0)
		return http_invalid(resp, "cursor", "is not a cursor this server issued");
	full = !page.has_after || cur.phase != PH_CHANGES;
	if (!page.has_after) {
		memset(&cur, 0, sizeof(cur));
		cur.phase = PH_CATEGORY;
		e = sync_store_max_seq(req->db, &cur.seq);
	} else {
		int64_t newest = 0;

		/* A cursor past the newest change (the database restored from a
		 * backup, or the cursor edited) would wait for that change
		 * forever: 410, as for a pruned one, so the device starts over. */
		e = sync_store_max_seq(req->db, &newest);
		if (e == ERR_OK && cur.seq > newest)
			return http_fail(resp, ERR_GONE,
					 "this cursor is ahead of the server's changes (a restored "
					 "database?); sync again without a cursor");
		if (e == ERR_OK)
			e = sync_store_horizon(req->db, &horizon);
		if (e == ERR_OK && cur.phase == PH_CHANGES && cur.seq < horizon)
			return http_fail(resp, ERR_GONE,
					 "changes since this cursor were pruned; sync again "
					 "without a cursor");
		if (e == ERR_OK)
			e = sync_store_scope_seq(req->db, req->user.user_id, &moved);
		if (e == ERR_OK && cur.seq < moved)
			return http_fail(
			    resp, ERR_GONE,
			    "your centre or role changed since this cursor; sync again "
			    "without a cursor");
	}
	if (e != ERR_OK)
		return e;
	audience_of(&req->user, &p.aud);
	p.scope = req->user.scope;
	p.retire_before = clock_now() - SYNC_RETIRE_AFTER;
	p.items = json_array();
	p.seen = json_object();
	p.budget = page.limit;
	p.cur = &cur;
	e = p.items && p.seen ? run_page(&p) : ERR_INTERNAL;
	if (e == ERR_INVALID)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (e == ERR_OK) {
		cursor_text(&cur, text, sizeof(text));
		http_cursor_encode(text, encoded, sizeof(encoded));
		resp_json(resp, 200,
			  json_pack("{s:O, s:s, s:b, s:b}", "items", p.items, "next_cursor",
				    encoded, "more", p.more, "full", full));
	}
	json_decref(p.items);
	json_decref(p.seen);
	return e;
}

/* ---- POST /v1/sync ------------------------------------------------------- */

static const struct json_field batch_fields[] = {
	{ "actions", JSON_ARRAY, JF_REQUIRED, 0 },
	{ NULL, 0, 0, 0 },
};

/* A problem for one action, as a request of its own would answer it. */
static json_t *action_problem(size_t i, const char *member, const char *msg)
{
	char pointer[64], detail[256];

	snprintf(pointer, sizeof(pointer), "/actions/%zu%s%s", i, member[0] ? "/" : "", member);
	snprintf(detail, sizeof(detail), "%s: %s", pointer, msg);
	return json_pack("{s:s, s:s, s:i, s:s, s:[{s:s, s:s}]}", "type", err_type(ERR_INVALID),
			 "title", err_title(ERR_INVALID), "status", 400, "detail", detail, "errors",
			 "pointer", pointer, "detail", msg);
}

static int write_method(const char *m)
{
	return m && (strcmp(m, "POST") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "PUT") == 0 ||
		     strcmp(m, "DELETE") == 0);
}

/* Checks one action's shape; NULL when fine, else the problem. */
static json_t *action_check(size_t i, const json_t *a)
{
	static const char *const members[] = { "idempotency_key", "method", "path", "body",
					       "if_match",        NULL };
	const char *key, *path;
	const char *k;
	json_t *v;

	if (!json_is_object(a))
		return action_problem(i, "", "must be an object");
	json_object_foreach((json_t *)a, k, v) {
		size_t j = 0;

		while (members[j] && strcmp(members[j], k) != 0)
			j++;
		if (!members[j])
			return action_problem(i, k, "unknown member");
	}
	key = json_string_value(json_object_get(a, "idempotency_key"));
	if (!key || !key[0] || strlen(key) > 255)
		return action_problem(i, "idempotency_key",
				      "is required: 1 to 255 printable ASCII characters");
	for (const char *p = key; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return action_problem(i, "idempotency_key",
					      "must be printable ASCII characters");
	if (!write_method(json_string_value(json_object_get(a, "method"))))
		return action_problem(i, "method", "must be POST, PATCH, PUT or DELETE");
	path = json_string_value(json_object_get(a, "path"));
	if (!path || strncmp(path, "/v1/", 4) != 0 || strlen(path) > 1024 ||
	    strpbrk(path, "\r\n #"))
		return action_problem(i, "path", "must be a /v1/ path");
	if (strncmp(path, "/v1/sync", 8) == 0 && (path[8] == '\0' || strchr("/?", path[8])))
		return action_problem(i, "path", "a batch cannot hold another batch");
	v = json_object_get(a, "body");
	if (v && !json_is_object(v) && !json_is_null(v))
		return action_problem(i, "body", "must be an object or null");
	v = json_object_get(a, "if_match");
	if (v && (!json_is_string(v) || json_string_length(v) > 64 ||
		  strpbrk(json_string_value(v), "\r\n")))
		return action_problem(i, "if_match", "must be an entity tag such as \"v3\"");
	return NULL;
}

static json_t *header_value(const struct resp *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = r->headers.data; p && *p;) {
		const char *end = strstr(p, "\r\n");
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > n + 1 && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			return json_stringn(v, len - (size_t)(v - p));
		}
		p += len + (end ? 2 : 0);
	}
	return json_null();
}

/* Runs one checked action through the dispatcher; its result entry. */
static json_t *action_run(struct req *req, const json_t *a)
{
	struct http_header headers[2];
	struct http_synthetic in = { 0 };
	struct resp r;
	const json_t *body = json_object_get(a, "body");
	const char *if_match = json_string_value(json_object_get(a, "if_match"));
	char *text = NULL;
	json_t *answer = NULL, *result;
	json_t *replayed;

	headers[in.nheaders++] =
	    (struct http_header){ "Idempotency-Key",
				  json_string_value(json_object_get(a, "idempotency_key")) };
	if (if_match)
		headers[in.nheaders++] = (struct http_header){ "If-Match", if_match };
	in.method = json_string_value(json_object_get(a, "method"));
	in.path = json_string_value(json_object_get(a, "path"));
	in.headers = headers;
	if (json_is_object(body)) {
		text = json_dumps(body, JSON_COMPACT);
		in.body = text ? text : "";
		in.body_len = text ? strlen(text) : 0;
	}
	api_dispatch_internal(req, &in, &r);
	if (r.body.len && r.content_type && strstr(r.content_type, "json"))
		answer = json_loadb(r.body.data, r.body.len, 0, NULL);
	replayed = header_value(&r, "Idempotent-Replayed");
	result =
	    json_pack("{s:O, s:i, s:o, s:o, s:o, s:b}", "idempotency_key",
		      json_object_get(a, "idempotency_key"), "status", r.status, "body",
		      answer ? answer : json_null(), "etag", header_value(&r, "ETag"), "location",
		      header_value(&r, "Location"), "replayed", json_is_string(replayed));
	json_decref(replayed);
	api_resp_cleanup(&r);
	free(text);
	return result;
}

static enum err post_sync(struct req *req, struct resp *resp)
{
	const json_t *actions = json_object_get(req->json, "actions");
	json_t *results;
	size_t i;
	json_t *a;
	enum err e = req_json_check(req, resp, batch_fields);

	if (e != ERR_OK)
		return e;
	if (json_array_size(actions) > BATCH_MAX)
		return http_invalid(resp, "/actions", "at most %d actions per batch", BATCH_MAX);
	results = json_array();
	if (!results)
		return ERR_INTERNAL;
	/* In order; one action's failure is its own result, not the batch's. */
	json_array_foreach(actions, i, a) {
		json_t *problem = action_check(i, a);

		if (problem)
			json_array_append_new(
			    results, json_pack("{s:O, s:i, s:o, s:n, s:n, s:b}", "idempotency_key",
					       json_is_string(json_object_get(a, "idempotency_key"))
						   ? json_object_get(a, "idempotency_key")
						   : json_null(),
					       "status", 400, "body", problem, "etag", "location",
					       "replayed", 0));
		else
			json_array_append_new(results, action_run(req, a));
	}
	resp_json(resp, 200, json_pack("{s:o}", "results", results));
	return ERR_OK;
}

const struct route sync_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/sync",
	  .handler = get_sync,
	  .perm = PERM_SYNC,
	  .query = "cursor,limit" },
	{ .method = "POST",
	  .pattern = "/v1/sync",
	  .handler = post_sync,
	  .perm = PERM_AUTHENTICATED,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = BATCH_BODY_MAX },
	{ 0 },
};
