/* Customer self-service from the nameplate page (include/domain/selfservice.h). */
#include <openssl/rand.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/digest.h"
#include "db/attachments_store.h"
#include "db/selfservice_store.h"
#include "domain/assets.h"
#include "domain/delivery.h"
#include "db/catalogue_store.h"
#include "domain/registry.h"
#include "domain/selfservice.h"
#include "domain/tickets.h"

#define LOW_SATISFACTION 2 /* as the follow-up's close: this or lower is a complaint */

const char *const selfservice_categories[] = { "fault_repair", "service_request", "other", NULL };
/* The subcategory each is filed under: a dispatcher refines it. */
static const char *const filed_under[] = { "repair", "maintenance", "consultation" };

const char *selfservice_subcategory(const char *category)
{
	for (size_t i = 0; category && selfservice_categories[i]; i++)
		if (strcmp(selfservice_categories[i], category) == 0)
			return filed_under[i];
	return NULL;
}

const char *selfservice_photo_type(const unsigned char *data, size_t len, const char **why)
{
	static const unsigned char png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	png_image image;

	*why = NULL;
	if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
		return "image/jpeg";
	if (len < 8 || memcmp(data, png_magic, 8) != 0) {
		*why = "must be a JPEG or PNG photo";
		return NULL;
	}
	/* libpng reads the header only: a cheap check that the PNG is one. */
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&image, data, len)) {
		*why = "is not a readable PNG image";
		return NULL;
	}
	png_image_free(&image);
	if (image.width == 0 || image.height == 0 || image.width > SELFSERVICE_PHOTO_SIDE_MAX ||
	    image.height > SELFSERVICE_PHOTO_SIDE_MAX) {
		*why = "has no sane size (at most 20000 pixels a side)";
		return NULL;
	}
	return "image/png";
}

static int token_shape_ok(const char *token)
{
	return token && strlen(token) == TRACK_TOKEN_LEN &&
	       strspn(token, "0123456789abcdef") == TRACK_TOKEN_LEN;
}

static enum err token_hash(const char *token, char out[TRACK_HASH_SIZE])
{
	return digest_sha256_hex(token, out) == 0 ? ERR_OK : ERR_INTERNAL;
}

static enum err random_uuid(char out[ATTACHMENT_UUID_SIZE])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return ERR_INTERNAL;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	digest_hex(b, 4, out);
	out[8] = '-';
	digest_hex(b + 4, 2, out + 9);
	out[13] = '-';
	digest_hex(b + 6, 2, out + 14);
	out[18] = '-';
	digest_hex(b + 8, 2, out + 19);
	out[23] = '-';
	digest_hex(b + 10, 6, out + 24);
	return ERR_OK;
}

/* One photo as the ticket's attachment, as PUT .../attachments stores one:
 * the object, the row, the ticket's history and the audit entry. */
static enum err attach_photo(struct db *db, const struct audit_actor *actor, int64_t ticket_id,
			     const char *status, struct selfservice_photo *p, size_t i, size_t n)
{
	struct attachment_row *a = calloc(1, sizeof(*a));
	char id_text[24];
	json_t *detail = NULL, *after = NULL;
	enum err e = a ? random_uuid(a->client_uuid) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = objects_upload_commit(&p->up, &p->created);
	if (e != ERR_OK)
		goto out;
	a->ticket_id = ticket_id;
	memcpy(a->sha256, p->up.sha256, sizeof(a->sha256));
	snprintf(a->media_type, sizeof(a->media_type), "%s", p->media_type);
	snprintf(a->declared_type, sizeof(a->declared_type), "%s",
		 p->declared_type[0] ? p->declared_type : p->media_type);
	a->size = p->up.size;
	snprintf(a->kind, sizeof(a->kind), "photo");
	snprintf(a->caption, sizeof(a->caption), "客户报修照片 %zu/%zu Customer's photo %zu/%zu", i + 1,
		 n, i + 1, n);
	a->created_at = clock_now();
	e = attachments_store_insert(db, a);
	if (e != ERR_OK)
		goto out;
	detail = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:s}", "uuid", a->client_uuid, "kind",
			   a->kind, "media_type", a->media_type, "size", (json_int_t)a->size,
			   "sha256", a->sha256, "work_record", 0, "by", "customer");
	e = detail ? tickets_event_locked(db, ticket_id,
					  &(struct ticket_event_in){ .at = a->created_at,
								     .action = "attachment",
								     .from = status,
								     .to = status,
								     .note = a->caption,
								     .detail = detail })
		   : ERR_INTERNAL;
	if (e != ERR_OK)
		goto out;
	after = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s}", "uuid", a->client_uuid,
			  "ticket_id", (json_int_t)ticket_id, "kind", a->kind, "media_type",
			  a->media_type, "size", (json_int_t)a->size, "sha256", a->sha256,
			  "uploaded_by", "customer");
	snprintf(id_text, sizeof(id_text), "%lld", (long long)ticket_id);
	e = after ? audit_append(db, actor, "ticket.attachment", "ticket", id_text, NULL, after)
		  : ERR_INTERNAL;
out:
	json_decref(detail);
	json_decref(after);
	free(a);
	return e;
}

enum err selfservice_report_locked(struct db *db, const struct audit_actor *actor, int64_t asset_id,
				   const struct selfservice_report *in,
				   struct selfservice_photo *photos, size_t n_photos,
				   char token[TRACK_TOKEN_SIZE], int64_t *ticket_id)
{
	struct scope all = { .all = 1 };
	struct ticket_facts facts;
	struct catalogue_row cat;
	struct ticket_row *t;
	unsigned char rnd[TRACK_TOKEN_LEN / 2];
	char hash[TRACK_HASH_SIZE];
	const char *sub = selfservice_subcategory(in->category);
	int64_t days;
	enum err e;

	if (!sub)
		return ERR_INVALID;
	e = catalogue_store_get(db, in->category, &cat);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && !cat.active))
		return ERR_INVALID;
	if (e != ERR_OK)
		return e;
	e = tickets_store_asset_facts(db, asset_id, &all, &facts);
	if (e == ERR_OK && !facts.customer_id)
		e = ERR_NOT_FOUND;
	if (e != ERR_OK)
		return e;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return ERR_INTERNAL;
	digest_hex(rnd, sizeof(rnd), token);
	e = token_hash(token, hash);
	t = e == ERR_OK ? calloc(1, sizeof(*t)) : NULL;
	if (!t)
		return ERR_INTERNAL;
	snprintf(t->channel, sizeof(t->channel), "qr");
	snprintf(t->category, sizeof(t->category), "%s", in->category);
	snprintf(t->subcategory, sizeof(t->subcategory), "%s", sub);
	snprintf(t->title, sizeof(t->title), "%.100s · %.100s (reported from the nameplate page)",
		 cat.name, cat.name_en);
	snprintf(t->description, sizeof(t->description), "%s", in->description);
	snprintf(t->impact, sizeof(t->impact), "unit");
	snprintf(t->urgency, sizeof(t->urgency), "medium");
	snprintf(t->contact_name, sizeof(t->contact_name), "%s", in->contact_name);
	snprintf(t->contact_phone, sizeof(t->contact_phone), "%s", in->contact_phone);
	snprintf(t->customer_tier, sizeof(t->customer_tier), "%s", facts.tier);
	snprintf(t->region_path, sizeof(t->region_path), "%s", facts.region_path);
	snprintf(t->product_line, sizeof(t->product_line), "%s", facts.product_line);
	snprintf(t->warranty_status, sizeof(t->warranty_status), "%s",
		 assets_warranty_status(facts.warranty_end[0] ? facts.warranty_end : NULL,
					clock_now(), &days));
	t->billable =
	    strcmp(t->warranty_status, "expired") == 0 || strcmp(t->warranty_status, "none") == 0;
	t->asset_id = facts.asset_id;
	t->customer_id = facts.customer_id;
	t->site_id = facts.site_id;
	t->model_id = facts.model_id;
	t->sales_owner_id = facts.sales_owner_id;
	e = tickets_open_locked(db, actor, 0, t, &facts, NULL, NULL, ticket_id);
	free(t);
	if (e == ERR_OK)
		e = selfservice_store_insert(db, hash, *ticket_id, "qr", clock_now());
	if (e == ERR_OK && n_photos) {
		/* The photos' history entries at the status intake left it in. */
		t = calloc(1, sizeof(*t));
		e = t ? tickets_store_get(db, *ticket_id, &all, t) : ERR_INTERNAL;
		for (size_t i = 0; e == ERR_OK && i < n_photos; i++)
			e = attach_photo(db, actor, *ticket_id, t->status, &photos[i], i,
					 n_photos);
		free(t);
	}
	/* The tracking link by SMS too, when SMS is set up with a template
	 * for it (its parameters: the request's number and the link). */
	if (e == ERR_OK) {
		char number[24], link[320];
		json_t *params;

		tickets_number(*ticket_id, number);
		snprintf(link, sizeof(link), "%s/track/%s", channels_public_url(), token);
		params = json_pack("{s:s, s:s}", "number", number, "link", link);
		e = params ? delivery_sms_to(db, "request.received", in->contact_phone, params,
					     clock_now())
			   : ERR_INTERNAL;
		json_decref(params);
	}
	return e;
}

/* The promise a customer is waiting for at each stage. */
static void promise_of(const struct ticket_row *t, struct track_view *v)
{
	const char *s = t->status;

	if (!strcmp(s, "new") || !strcmp(s, "routed") || !strcmp(s, "declined") ||
	    !strcmp(s, "reopened")) {
		v->promise = t->responded_at ? "arrival" : "response";
		v->promised_at = t->responded_at ? t->arrival_due : t->response_due;
	} else if (!strcmp(s, "assigned") || !strcmp(s, "accepted") || !strcmp(s, "en_route")) {
		v->promise = "arrival";
		v->promised_at = t->arrival_due;
	} else if (!strcmp(s, "on_site")) {
		v->promise = "resolution";
		v->promised_at = t->resolution_due;
	}
}

static int done(const char *status)
{
	return !strcmp(status, "resolved") || !strcmp(status, "follow_up") ||
	       !strcmp(status, "closed");
}

enum err selfservice_track(struct db *db, const char *token, struct track_view *out)
{
	struct scope all = { .all = 1 };
	struct tracking_row row;
	struct ticket_row *t;
	char hash[TRACK_HASH_SIZE];
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!token_shape_ok(token))
		return ERR_NOT_FOUND;
	e = token_hash(token, hash);
	if (e == ERR_OK)
		e = selfservice_store_find(db, hash, &row);
	if (e != ERR_OK)
		return e;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	e = tickets_store_get(db, row.ticket_id, &all, t);
	if (e == ERR_OK && t->centre[0])
		e = selfservice_store_centre_name(db, t->centre, out->centre_name,
						  sizeof(out->centre_name));
	if (e == ERR_OK) {
		out->ticket_id = t->id;
		tickets_number(t->id, out->number);
		snprintf(out->status, sizeof(out->status), "%s", t->status);
		promise_of(t, out);
		out->rated = row.rated_at != 0;
		out->satisfaction = out->rated ? t->satisfaction : 0;
		out->can_rate = !out->rated && done(t->status);
	}
	free(t);
	return e;
}

enum err selfservice_rate_locked(struct db *db, const struct audit_actor *actor, const char *token,
				 int score, const char *comment, int64_t now, const char **why,
				 int64_t *complaint_id)
{
	struct scope all = { .all = 1 };
	struct tracking_row row;
	struct ticket_row *t;
	char hash[TRACK_HASH_SIZE];
	json_t *detail;
	enum err e;

	*why = NULL;
	*complaint_id = 0;
	if (!token_shape_ok(token))
		return ERR_NOT_FOUND;
	e = token_hash(token, hash);
	if (e == ERR_OK)
		e = selfservice_store_find(db, hash, &row);
	if (e != ERR_OK)
		return e;
	if (row.rated_at) {
		*why = "rated";
		return ERR_CONFLICT;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR_INTERNAL;
	e = tickets_store_get(db, row.ticket_id, &all, t);
	if (e == ERR_OK && !done(t->status)) {
		*why = "not_done";
		e = ERR_CONFLICT;
	}
	if (e == ERR_OK)
		e = selfservice_store_mark_rated(db, t->id, now);
	if (e == ERR_CONFLICT && !*why)
		*why = "rated";
	if (e == ERR_OK) {
		t->satisfaction = score;
		snprintf(t->feedback, sizeof(t->feedback), "%s", comment);
		t->updated_at = now;
		e = tickets_store_update(db, t);
	}
	if (e == ERR_OK) {
		detail = json_pack("{s:i, s:s}", "satisfaction", score, "by", "customer");
		e = detail ? tickets_event_locked(db, t->id,
						  &(struct ticket_event_in){ .at = now,
									     .action = "rate",
									     .from = t->status,
									     .to = t->status,
									     .note = comment,
									     .detail = detail })
			   : ERR_INTERNAL;
		json_decref(detail);
	}
	if (e == ERR_OK && score <= LOW_SATISFACTION)
		e = tickets_open_complaint_locked(db, actor, 0, t, score, comment, complaint_id);
	free(t);
	return e;
}
