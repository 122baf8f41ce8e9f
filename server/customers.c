/* Customers and their contacts. Contacts are personal data: every answer
 * masks them (rules in include/registry.h) unless a caller with
 * PERM_PII_REVEAL asks ?reveal=pii, and each such read is audited as
 * "pii.reveal" on the customer before the answer leaves. Audit entries of
 * writes hold the masked form: auditors read them and may not reveal. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "customers.h"
#include "db.h"
#include "regions_store.h"
#include "registry.h"
#include "routes.h"

#define Q_MAX 64

static const char *const tiers[] = { "strategic", "A", "B", "C" };

static int tier_ok(const char *t)
{
	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		if (strcmp(t, tiers[i]) == 0)
			return 1;
	return 0;
}

/* A contact as answers show it: masked unless reveal. The shown fields
 * point into c or into out. */
struct contact_shown {
	const char *name, *phone, *id_number, *title;
	char name_buf[CONTACT_NAME_SIZE], phone_buf[CONTACT_PHONE_SIZE + 8];
	char id_buf[CONTACT_ID_SIZE];
};

static void contact_show(const struct contact_row *c, int reveal, struct contact_shown *out)
{
	out->title = c->title;
	if (reveal) {
		out->name = c->name;
		out->phone = c->phone;
		out->id_number = c->id_number;
		return;
	}
	registry_mask_name(c->name, out->name_buf, sizeof(out->name_buf));
	registry_mask_phone(c->phone, out->phone_buf, sizeof(out->phone_buf));
	registry_mask_id_number(c->id_number, out->id_buf, sizeof(out->id_buf));
	out->name = out->name_buf;
	out->phone = out->phone_buf;
	out->id_number = out->id_buf;
}

/* customer_doc() and customers_write() show the same members in the same
 * order: change them together. */
static json_t *contact_json(const struct contact_row *c, int reveal)
{
	struct contact_shown s;

	contact_show(c, reveal, &s);
	return json_pack("{s:s, s:s, s:s, s:s}", "name", s.name, "phone", s.phone, "id_number",
			 s.id_number, "title", s.title);
}

static json_t *customer_doc(const struct customer_row *c, const struct contact_row *contacts,
			    size_t n, int reveal)
{
	char created[32], updated[32];
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, contact_json(&contacts[i], reveal));
	clock_format(c->created_at, created, sizeof(created));
	clock_format(c->updated_at, updated, sizeof(updated));
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:o, s:o, s:b, s:s, s:s}", "id",
			 (json_int_t)c->id, "code", c->code, "name", c->name, "tier", c->tier,
			 "region", c->region[0] ? c->region : NULL, "sales_owner_id",
			 c->sales_owner_id ? json_integer(c->sales_owner_id) : json_null(),
			 "contacts", list ? list : json_array(), "pii_masked", !reveal,
			 "created_at", created, "updated_at", updated);
}

json_t *customers_json(struct db *db, const struct customer_row *c, int reveal, enum err *e)
{
	struct contact_row contacts[CONTACTS_MAX];
	size_t n = 0;
	json_t *doc;

	*e = registry_contacts_get(db, c->id, contacts, CONTACTS_MAX, &n);
	if (*e != ERR_OK)
		return NULL;
	doc = customer_doc(c, contacts, n, reveal);
	if (!doc)
		*e = ERR_INTERNAL;
	return doc;
}

enum err customers_write(struct jsonw *w, struct db *db, const struct customer_row *c, int reveal,
			 size_t *ncontacts)
{
	struct contact_row contacts[CONTACTS_MAX];
	struct contact_shown s;
	size_t n = 0;
	enum err e;

	*ncontacts = 0;
	e = registry_contacts_get(db, c->id, contacts, CONTACTS_MAX, &n);
	if (e != ERR_OK)
		return e;
	jsonw_object(w);
	jsonw_member_int(w, "id", c->id);
	jsonw_member_str(w, "code", c->code);
	jsonw_member_str(w, "name", c->name);
	jsonw_member_str(w, "tier", c->tier);
	jsonw_member_str_or_null(w, "region", c->region);
	jsonw_member_id_or_null(w, "sales_owner_id", c->sales_owner_id);
	jsonw_key(w, "contacts");
	jsonw_array(w);
	for (size_t i = 0; i < n; i++) {
		contact_show(&contacts[i], reveal, &s);
		jsonw_object(w);
		jsonw_member_str(w, "name", s.name);
		jsonw_member_str(w, "phone", s.phone);
		jsonw_member_str(w, "id_number", s.id_number);
		jsonw_member_str(w, "title", s.title);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	jsonw_key(w, "pii_masked");
	jsonw_bool(w, !reveal);
	jsonw_member_time(w, "created_at", c->created_at);
	jsonw_member_time(w, "updated_at", c->updated_at);
	jsonw_object_end(w);
	*ncontacts = n;
	return ERR_OK;
}

/* ---- validation ---------------------------------------------------------- */

static const struct json_field create_fields[] = {
	{ "code", JSON_STRING, JF_REQUIRED, REG_CODE_SIZE - 1 },
	{ "name", JSON_STRING, JF_REQUIRED, REG_NAME_SIZE - 1 },
	{ "tier", JSON_STRING, JF_REQUIRED, 16 },
	{ "region", JSON_STRING, JF_NULLABLE, REG_REGION_SIZE - 1 },
	{ "sales_owner_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "contacts", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field patch_fields[] = {
	{ "code", JSON_STRING, 0, REG_CODE_SIZE - 1 },
	{ "name", JSON_STRING, 0, REG_NAME_SIZE - 1 },
	{ "tier", JSON_STRING, 0, 16 },
	{ "region", JSON_STRING, JF_NULLABLE, REG_REGION_SIZE - 1 },
	{ "sales_owner_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ "contacts", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field contact_fields[] = {
	{ "name", JSON_STRING, JF_REQUIRED, CONTACT_NAME_SIZE - 1 },
	{ "phone", JSON_STRING, 0, CONTACT_PHONE_SIZE - 1 },
	{ "id_number", JSON_STRING, 0, CONTACT_ID_SIZE - 1 },
	{ "title", JSON_STRING, 0, CONTACT_TITLE_SIZE - 1 },
	{ NULL, JSON_NULL, 0, 0 },
};

#define PHONE_CHARS "0123456789+-() "
#define ID_CHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static void parse_contacts(const json_t *list, struct customer_input *in, struct resp *resp)
{
	char prefix[32], ptr[48];
	json_t *c;
	size_t i;

	in->ncontacts = 0;
	if (json_array_size(list) > CONTACTS_MAX) {
		http_invalid(resp, "/contacts", "at most %d contacts", CONTACTS_MAX);
		return;
	}
	json_array_foreach(list, i, c) {
		struct contact_row *row = &in->contacts[in->ncontacts++];

		memset(row, 0, sizeof(*row));
		snprintf(prefix, sizeof(prefix), "/contacts/%zu", i);
		if (registry_json_check(resp, c, prefix, contact_fields) != ERR_OK &&
		    !json_is_object(c))
			continue;
		registry_take_text(resp, c, prefix, "name", row->name, sizeof(row->name),
				   TEXT_REQUIRED);
		if (registry_take_text(resp, c, prefix, "phone", row->phone, sizeof(row->phone),
				       0) &&
		    strspn(row->phone, PHONE_CHARS) != strlen(row->phone)) {
			snprintf(ptr, sizeof(ptr), "%s/phone", prefix);
			http_invalid(resp, ptr, "may hold only digits, spaces and + - ( )");
		}
		if (registry_take_text(resp, c, prefix, "id_number", row->id_number,
				       sizeof(row->id_number), 0) &&
		    strspn(row->id_number, ID_CHARS) != strlen(row->id_number)) {
			snprintf(ptr, sizeof(ptr), "%s/id_number", prefix);
			http_invalid(resp, ptr, "may hold only letters and digits");
		}
		registry_take_text(resp, c, prefix, "title", row->title, sizeof(row->title), 0);
	}
}

/* A sales owner is an enabled account with the sales role. */
static enum err check_sales_owner(struct db *db, int64_t id, const char *ptr, struct resp *resp)
{
	struct registry_user u;
	enum err e;

	if (id <= 0)
		return ERR_OK; /* reported by registry_take_id */
	e = registry_user_get(db, id, &u);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && (strcmp(u.role, "sales") != 0 || u.disabled))) {
		http_invalid(resp, ptr, "no such sales user");
		return ERR_OK;
	}
	return e;
}

/* May who write a customer in the region at path (NULL = no region)?
 * The system (who NULL) and unscoped writers may write anywhere. */
static int within_writer_scope(const struct principal *who, const char *path)
{
	struct scope sc;

	if (!who)
		return 1;
	policy_scope(who, &sc);
	if (sc.all)
		return 1;
	return path && sc.region_lo[0] && registry_path_within(path, sc.region_lo);
}

/* Applies the members present in body over in (all of them for a create),
 * then checks references and the writer's scope. */
static enum err customer_apply(struct db *db, const struct principal *who, const json_t *body,
			       int create, struct customer_input *in, struct resp *resp)
{
	size_t errors = registry_errors(resp);
	json_t *v;
	enum err e;

	registry_json_check(resp, body, "", create ? create_fields : patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	registry_take_text(resp, body, "", "code", in->row.code, sizeof(in->row.code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(resp, body, "", "name", in->row.name, sizeof(in->row.name),
			   TEXT_REQUIRED);
	v = json_object_get(body, "tier");
	if (json_is_string(v)) {
		if (tier_ok(json_string_value(v)))
			snprintf(in->row.tier, sizeof(in->row.tier), "%s", json_string_value(v));
		else
			http_invalid(resp, "/tier", "must be one of strategic, A, B, C");
	}
	v = json_object_get(body, "region");
	if (json_is_null(v))
		in->row.region[0] = '\0';
	if (json_is_string(v)) {
		struct region_row r;

		e = regions_store_get(db, json_string_value(v), &r);
		if (e == ERR_NOT_FOUND)
			http_invalid(resp, "/region", "no such region");
		else if (e != ERR_OK)
			return e;
		else if (!within_writer_scope(who, r.path))
			http_invalid(resp, "/region", "must be a region within your scope");
		else
			snprintf(in->row.region, sizeof(in->row.region), "%s", r.code);
	} else if ((json_is_null(v) || (create && !v)) && !within_writer_scope(who, NULL)) {
		http_invalid(resp, "/region", "is required: a region within your scope");
	}
	v = json_object_get(body, "sales_owner_id");
	if (json_is_null(v))
		in->row.sales_owner_id = 0;
	else if (registry_take_id(resp, body, "", "sales_owner_id", &in->row.sales_owner_id) &&
		 (e = check_sales_owner(db, in->row.sales_owner_id, "/sales_owner_id", resp)) !=
		     ERR_OK)
		return e;
	v = json_object_get(body, "contacts");
	if (json_is_array(v))
		parse_contacts(v, in, resp);
	return registry_errors(resp) > errors ? ERR_INVALID : ERR_OK;
}

enum err customers_parse(struct db *db, const struct principal *who, const json_t *body,
			 struct customer_input *in, struct resp *resp)
{
	memset(in, 0, sizeof(*in));
	return customer_apply(db, who, body, 1, in, resp);
}

enum err customers_create_locked(struct db *db, const struct audit_actor *actor,
				 const struct customer_input *in, int64_t *id_out)
{
	struct customer_row row = in->row;
	char id[24];
	json_t *after;
	enum err e;

	row.created_at = row.updated_at = clock_now();
	e = registry_customer_insert(db, &row, &row.id);
	if (e == ERR_OK)
		e = registry_contacts_replace(db, row.id, in->contacts, in->ncontacts);
	if (e != ERR_OK)
		return e;
	snprintf(id, sizeof(id), "%lld", (long long)row.id);
	after = customer_doc(&row, in->contacts, in->ncontacts, 0);
	e = after ? audit_append(db, actor, "customer.create", "customer", id, NULL, after)
		  : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*id_out = row.id;
	return e;
}

/* ---- handlers ------------------------------------------------------------ */

static enum err post_customer(struct req *req, struct resp *resp)
{
	struct customer_input in;
	struct audit_actor actor;
	struct customer_row row;
	struct scope all = { .all = 1 };
	char location[48];
	int64_t id = 0;
	json_t *doc;
	enum err e;

	e = customers_parse(req->db, &req->user, req->json, &in, resp);
	if (e != ERR_OK)
		return e;
	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = customers_create_locked(req->db, &actor, &in, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a customer with code %s already exists", in.row.code);
	if (e != ERR_OK)
		return e;
	e = registry_customer_get(req->db, id, &all, &row);
	if (e != ERR_OK)
		return e;
	doc = customers_json(req->db, &row, 0, &e);
	if (!doc)
		return e;
	snprintf(location, sizeof(location), "/v1/customers/%lld", (long long)id);
	resp_header(resp, "Location", location);
	resp_json(resp, 201, doc);
	return ERR_OK;
}

struct list_ctx {
	struct db *db;
	json_t *items;
	int limit;
	int more;
	int reveal;
	int64_t last_id;
	int64_t shown[PAGE_LIMIT_MAX]; /* customers whose contacts are unmasked */
	size_t nshown;
	enum err e;
};

static int list_row(const struct customer_row *c, void *arg)
{
	struct list_ctx *ctx = arg;
	json_t *doc;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	doc = customers_json(ctx->db, c, ctx->reveal, &ctx->e);
	if (!doc)
		return 1;
	if (ctx->reveal && json_array_size(json_object_get(doc, "contacts")) > 0 &&
	    ctx->nshown < PAGE_LIMIT_MAX)
		ctx->shown[ctx->nshown++] = c->id;
	json_array_append_new(ctx->items, doc);
	ctx->last_id = c->id;
	return 0;
}

static enum err get_customers(struct req *req, struct resp *resp)
{
	struct customer_filter f = { 0 };
	struct list_ctx ctx = { 0 };
	struct page page;
	struct scope sc;
	int64_t after = 0;
	int reveal = 0;
	char next[24];
	enum err e, e2;

	e = req_page(req, resp, &page);
	if (page.has_after && registry_parse_id(page.after, &after) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	f.tier = req_query(req, "tier");
	if (f.tier && !tier_ok(f.tier))
		e = http_invalid(resp, "tier", "must be one of strategic, A, B, C");
	f.code = req_query(req, "code");
	if (f.code && (!f.code[0] || strlen(f.code) >= REG_CODE_SIZE))
		e = http_invalid(resp, "code", "must be 1 to %d bytes", REG_CODE_SIZE - 1);
	f.q = req_query(req, "q");
	if (f.q && (!f.q[0] || strlen(f.q) > Q_MAX))
		e = http_invalid(resp, "q", "must be 1 to %d bytes", Q_MAX);
	e2 = registry_reveal_param(req, resp, &reveal);
	if (e2 == ERR_FORBIDDEN)
		return e2;
	if (e != ERR_OK || e2 != ERR_OK)
		return ERR_INVALID;

	policy_scope(&req->user, &sc);
	ctx.db = req->db;
	ctx.items = json_array();
	ctx.limit = page.limit;
	ctx.reveal = reveal;
	/* One more than asked tells whether another page follows. */
	e = registry_customer_list(req->db, &sc, &f, after, page.limit + 1, list_row, &ctx);
	if (e == ERR_OK)
		e = ctx.e;
	if (e == ERR_OK)
		e = registry_audit_reveal(req, ctx.shown, ctx.nshown, 0);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last_id);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* The path's customer within the caller's scope; 404 for unknown and
 * out-of-scope alike. */
static enum err load_customer(struct req *req, struct resp *resp, struct customer_row *out)
{
	struct scope sc;
	int64_t id;
	enum err e;

	e = req_param_id(req, resp, 0, &id);
	if (e != ERR_OK)
		return e;
	policy_scope(&req->user, &sc);
	e = registry_customer_get(req->db, id, &sc, out);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such customer");
	return e;
}

static enum err get_customer(struct req *req, struct resp *resp)
{
	struct customer_row c;
	int reveal = 0;
	json_t *doc;
	enum err e;

	e = load_customer(req, resp, &c);
	if (e == ERR_OK)
		e = registry_reveal_param(req, resp, &reveal);
	if (e != ERR_OK)
		return e;
	doc = customers_json(req->db, &c, reveal, &e);
	if (!doc)
		return e;
	if (reveal && json_array_size(json_object_get(doc, "contacts")) > 0)
		e = registry_audit_reveal(req, &c.id, 1, 0);
	if (e != ERR_OK) {
		json_decref(doc);
		return e;
	}
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static enum err patch_customer(struct req *req, struct resp *resp)
{
	struct customer_input in;
	struct customer_row old;
	struct contact_row old_contacts[CONTACTS_MAX];
	struct audit_actor actor;
	size_t nold = 0;
	char id[24];
	json_t *before = NULL, *after = NULL, *doc;
	enum err e;

	/* Read, check and write under the write lock, so concurrent changes
	 * apply one after the other, each to the state the last one left
	 * (comparing updated_at after the lock missed two changes within one
	 * second, and the later one undid the earlier). A failure rolls back
	 * in the dispatcher. */
	e = db_begin(req->db);
	if (e != ERR_OK)
		return e;
	e = load_customer(req, resp, &old);
	if (e != ERR_OK)
		return e;
	if (json_object_size(req->json) == 0)
		return http_invalid(resp, "", "send at least one member to change");
	e = registry_contacts_get(req->db, old.id, old_contacts, CONTACTS_MAX, &nold);
	if (e != ERR_OK)
		return e;
	memset(&in, 0, sizeof(in));
	in.row = old;
	memcpy(in.contacts, old_contacts, nold * sizeof(old_contacts[0]));
	in.ncontacts = nold;
	e = customer_apply(req->db, &req->user, req->json, 0, &in, resp);
	if (e != ERR_OK)
		return e;
	in.row.updated_at = clock_now();

	audit_actor_from_req(req, &actor);
	e = registry_customer_update(req->db, &in.row);
	if (e == ERR_OK && json_object_get(req->json, "contacts"))
		e = registry_contacts_replace(req->db, in.row.id, in.contacts, in.ncontacts);
	if (e == ERR_OK) {
		snprintf(id, sizeof(id), "%lld", (long long)old.id);
		before = customer_doc(&old, old_contacts, nold, 0);
		after = customer_doc(&in.row, in.contacts, in.ncontacts, 0);
		e = before && after ? audit_append(req->db, &actor, "customer.update", "customer",
						   id, before, after)
				    : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	json_decref(before);
	json_decref(after);
	if (e == ERR_CONFLICT)
		return http_fail(resp, e, "a customer with code %s already exists", in.row.code);
	if (e != ERR_OK)
		return e;
	doc = customers_json(req->db, &in.row, 0, &e);
	if (!doc)
		return e;
	resp_json(resp, 200, doc);
	return ERR_OK;
}

const struct route customers_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/customers",
	  .handler = get_customers,
	  .perm = PERM_REGISTRY_READ,
	  .query = "limit,cursor,tier,code,q,reveal" },
	{ .method = "POST",
	  .pattern = "/v1/customers",
	  .handler = post_customer,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/customers/{id}",
	  .handler = get_customer,
	  .perm = PERM_REGISTRY_READ,
	  .query = "reveal" },
	{ .method = "PATCH",
	  .pattern = "/v1/customers/{id}",
	  .handler = patch_customer,
	  .perm = PERM_REGISTRY_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ 0 },
};
