/* Customers and their contacts. Contacts are personal data: every answer
 * masks them (rules in include/domain/registry.h) unless a caller with
 * PERM_PII_REVEAL asks ?reveal=pii, and each such read is audited as
 * "pii.reveal" on the customer before the answer leaves. Audit entries of
 * writes hold the masked form: auditors read them and may not reveal. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/email.h"
#include "domain/customers.h"
#include "db/db.h"
#include "db/regions_store.h"
#include "domain/registry.h"

#define Q_MAX 64

static const char *const tiers[] = { "strategic", "A", "B", "C" };

int customers_tier_ok(const char *t)
{
	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		if (strcmp(t, tiers[i]) == 0)
			return 1;
	return 0;
}

/* A contact as answers show it: masked unless reveal. The shown fields
 * point into c or into out. */
struct contact_shown {
	const char *name, *phone, *id_number, *title, *email;
	char name_buf[CONTACT_NAME_SIZE], phone_buf[CONTACT_PHONE_SIZE + 8];
	char email_buf[CONTACT_EMAIL_SIZE + 8];
	char id_buf[CONTACT_ID_SIZE];
};

/* "w***@example.cn": the first character of the local part and the
 * domain, like the phone keeps its ends; '' stays ''. */
static void mask_email(const char *in, char *out, size_t size)
{
	const char *at = strrchr(in, '@');

	if (!in[0] || !at || at == in)
		snprintf(out, size, "%s", in[0] ? "***" : "");
	else
		snprintf(out, size, "%c***%s", in[0], at);
}

static void contact_show(const struct contact_row *c, int reveal, struct contact_shown *out)
{
	out->title = c->title;
	if (reveal) {
		out->name = c->name;
		out->phone = c->phone;
		out->id_number = c->id_number;
		out->email = c->email;
		return;
	}
	mask_email(c->email, out->email_buf, sizeof(out->email_buf));
	out->email = out->email_buf;
	registry_mask_name(c->name, out->name_buf, sizeof(out->name_buf));
	registry_mask_phone(c->phone, out->phone_buf, sizeof(out->phone_buf));
	registry_mask_id_number(c->id_number, out->id_buf, sizeof(out->id_buf));
	out->name = out->name_buf;
	out->phone = out->phone_buf;
	out->id_number = out->id_buf;
}

/* customers_doc() and customers_write() show the same members in the same
 * order: change them together. */
static json_t *contact_json(const struct contact_row *c, int reveal)
{
	struct contact_shown s;

	contact_show(c, reveal, &s);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", s.name, "phone", s.phone, "id_number",
			 s.id_number, "title", s.title, "email", s.email);
}

json_t *customers_doc(const struct customer_row *c, const struct contact_row *contacts, size_t n,
		      int reveal)
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
	doc = customers_doc(c, contacts, n, reveal);
	if (!doc)
		*e = ERR_INTERNAL;
	return doc;
}

json_t *customers_primary_contact(struct db *db, int64_t customer_id, enum err *e)
{
	struct contact_row first;
	size_t n = 0;
	json_t *doc;

	*e = registry_contacts_get(db, customer_id, &first, 1, &n);
	if (*e != ERR_OK)
		return NULL;
	doc = n ? contact_json(&first, 0) : json_null();
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
		jsonw_member_str(w, "email", s.email);
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
	{ "email", JSON_STRING, 0, CONTACT_EMAIL_SIZE - 1 },
	{ NULL, JSON_NULL, 0, 0 },
};

#define PHONE_CHARS "0123456789+-() "
#define ID_CHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static void parse_contacts(const json_t *list, struct customer_input *in, struct problem *pb)
{
	char prefix[32], ptr[48];
	json_t *c;
	size_t i;

	in->ncontacts = 0;
	if (json_array_size(list) > CONTACTS_MAX) {
		problem_invalid(pb, "/contacts", "at most %d contacts", CONTACTS_MAX);
		return;
	}
	json_array_foreach(list, i, c) {
		struct contact_row *row = &in->contacts[in->ncontacts++];

		memset(row, 0, sizeof(*row));
		snprintf(prefix, sizeof(prefix), "/contacts/%zu", i);
		if (registry_json_check(pb, c, prefix, contact_fields) != ERR_OK &&
		    !json_is_object(c))
			continue;
		registry_take_text(pb, c, prefix, "name", row->name, sizeof(row->name),
				   TEXT_REQUIRED);
		if (registry_take_text(pb, c, prefix, "phone", row->phone, sizeof(row->phone), 0) &&
		    strspn(row->phone, PHONE_CHARS) != strlen(row->phone)) {
			snprintf(ptr, sizeof(ptr), "%s/phone", prefix);
			problem_invalid(pb, ptr, "may hold only digits, spaces and + - ( )");
		}
		if (registry_take_text(pb, c, prefix, "id_number", row->id_number,
				       sizeof(row->id_number), 0) &&
		    strspn(row->id_number, ID_CHARS) != strlen(row->id_number)) {
			snprintf(ptr, sizeof(ptr), "%s/id_number", prefix);
			problem_invalid(pb, ptr, "may hold only letters and digits");
		}
		registry_take_text(pb, c, prefix, "title", row->title, sizeof(row->title), 0);
		if (registry_take_text(pb, c, prefix, "email", row->email, sizeof(row->email), 0) &&
		    row->email[0] && !email_address_valid(row->email)) {
			snprintf(ptr, sizeof(ptr), "%s/email", prefix);
			problem_invalid(pb, ptr, "is not an e-mail address like name@example.com");
		}
	}
}

/* A sales owner is an enabled account with the sales role. */
static enum err check_sales_owner(struct db *db, int64_t id, const char *ptr, struct problem *pb)
{
	struct registry_user u;
	enum err e;

	if (id <= 0)
		return ERR_OK; /* reported by registry_take_id */
	e = registry_user_get(db, id, &u);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && (strcmp(u.role, "sales") != 0 || u.disabled))) {
		problem_invalid(pb, ptr, "no such sales user");
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
	sc = who->scope;
	if (sc.all)
		return 1;
	return path && sc.region_lo[0] && registry_path_within(path, sc.region_lo);
}

/* Applies the members present in body over in (all of them for a create),
 * then checks references and the writer's scope. */
enum err customers_apply(struct db *db, const struct principal *who, const json_t *body, int create,
			 struct customer_input *in, struct problem *pb)
{
	size_t errors = problem_count(pb);
	json_t *v;
	enum err e;

	registry_json_check(pb, body, "", create ? create_fields : patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	registry_take_text(pb, body, "", "code", in->row.code, sizeof(in->row.code),
			   TEXT_REQUIRED | TEXT_CODE);
	registry_take_text(pb, body, "", "name", in->row.name, sizeof(in->row.name), TEXT_REQUIRED);
	v = json_object_get(body, "tier");
	if (json_is_string(v)) {
		if (customers_tier_ok(json_string_value(v)))
			snprintf(in->row.tier, sizeof(in->row.tier), "%s", json_string_value(v));
		else
			problem_invalid(pb, "/tier", "must be one of strategic, A, B, C");
	}
	v = json_object_get(body, "region");
	if (json_is_null(v))
		in->row.region[0] = '\0';
	if (json_is_string(v)) {
		struct region_row r;

		e = regions_store_get(db, json_string_value(v), &r);
		if (e == ERR_NOT_FOUND)
			problem_invalid(pb, "/region", "no such region");
		else if (e != ERR_OK)
			return e;
		else if (!within_writer_scope(who, r.path))
			problem_invalid(pb, "/region", "must be a region within your scope");
		else
			snprintf(in->row.region, sizeof(in->row.region), "%s", r.code);
	} else if ((json_is_null(v) || (create && !v)) && !within_writer_scope(who, NULL)) {
		problem_invalid(pb, "/region", "is required: a region within your scope");
	}
	v = json_object_get(body, "sales_owner_id");
	if (json_is_null(v))
		in->row.sales_owner_id = 0;
	else if (registry_take_id(pb, body, "", "sales_owner_id", &in->row.sales_owner_id) &&
		 (e = check_sales_owner(db, in->row.sales_owner_id, "/sales_owner_id", pb)) !=
		     ERR_OK)
		return e;
	v = json_object_get(body, "contacts");
	if (json_is_array(v))
		parse_contacts(v, in, pb);
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}

enum err customers_parse(struct db *db, const struct principal *who, const json_t *body,
			 struct customer_input *in, struct problem *pb)
{
	memset(in, 0, sizeof(*in));
	return customers_apply(db, who, body, 1, in, pb);
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
	after = customers_doc(&row, in->contacts, in->ncontacts, 0);
	e = after ? audit_append(db, actor, "customer.create", "customer", id, NULL, after)
		  : ERR_INTERNAL;
	json_decref(after);
	if (e == ERR_OK)
		*id_out = row.id;
	return e;
}

/* ---- handlers ------------------------------------------------------------ */
