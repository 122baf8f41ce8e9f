/* Photos, audio and video on tickets. An upload is the raw body of
 * PUT /v1/tickets/{id}/attachments/{uuid}: streamed to a temporary file
 * while it is hashed, checked by its first bytes (not only its
 * Content-Type), then kept content-addressed (objects.h) with one metadata
 * row. The client's UUID names the upload, so replaying it is harmless:
 * the same bytes answer 200 with the same metadata, other bytes 409.
 * Downloads stream the file back with single ranges and ETags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/attachments_store.h"
#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "core/log.h"
#include "lib/objects.h"
#include "api/routes.h"
#include "domain/tickets.h"
#include "core/utf8.h"

#define MIB (1024 * 1024)
#define UPLOAD_MAX (200 * MIB) /* the largest kind's limit */
#define CAPTION_MAX 500        /* bytes */
#define SNIFF_BYTES 64         /* enough for every signature and an ftyp box's brands */
#define CHUNK (64 * 1024)

/* ---- what the bytes are ---------------------------------------------------- */

enum format { F_NONE, F_JPEG, F_PNG, F_HEIF, F_MP4, F_M4A, F_QT, F_OGG, F_WAV, F_MP3 };

static const char *const format_names[] = {
	[F_NONE] = "unrecognised content",
	[F_JPEG] = "a JPEG image",
	[F_PNG] = "a PNG image",
	[F_HEIF] = "a HEIF image",
	[F_MP4] = "MPEG-4 media",
	[F_M4A] = "MPEG-4 audio",
	[F_QT] = "a QuickTime movie",
	[F_OGG] = "an Ogg stream",
	[F_WAV] = "WAV audio",
	[F_MP3] = "MP3 audio",
};

/* Declared types we take, the content that may carry each, and the
 * largest body of its kind. */
struct accepted {
	const char *type;
	const char *kind;
	int64_t limit;
	enum format formats[2];
};

static const struct accepted accepted_types[] = {
	{ "image/jpeg", "photo", 20 * MIB, { F_JPEG } },
	{ "image/png", "photo", 20 * MIB, { F_PNG } },
	{ "image/heic", "photo", 20 * MIB, { F_HEIF } },
	{ "image/heif", "photo", 20 * MIB, { F_HEIF } },
	{ "audio/mp4", "audio", 50 * MIB, { F_M4A, F_MP4 } },
	{ "audio/x-m4a", "audio", 50 * MIB, { F_M4A, F_MP4 } },
	{ "audio/mpeg", "audio", 50 * MIB, { F_MP3 } },
	{ "audio/ogg", "audio", 50 * MIB, { F_OGG } },
	{ "audio/wav", "audio", 50 * MIB, { F_WAV } },
	{ "audio/x-wav", "audio", 50 * MIB, { F_WAV } },
	{ "audio/wave", "audio", 50 * MIB, { F_WAV } },
	{ "video/mp4", "video", 200 * MIB, { F_MP4 } },
	{ "video/quicktime", "video", 200 * MIB, { F_QT } },
};
#define N_ACCEPTED (sizeof(accepted_types) / sizeof(accepted_types[0]))

/* The stored media type: what the bytes are (an MPEG-4 file says only
 * "ISO media"; the declared kind tells audio from video). */
static const char *media_type_of(enum format f, const struct accepted *acc)
{
	switch (f) {
	case F_JPEG:
		return "image/jpeg";
	case F_PNG:
		return "image/png";
	case F_HEIF:
		return "image/heic";
	case F_M4A:
		return "audio/mp4";
	case F_MP4:
		return strcmp(acc->kind, "audio") == 0 ? "audio/mp4" : "video/mp4";
	case F_QT:
		return "video/quicktime";
	case F_OGG:
		return "audio/ogg";
	case F_WAV:
		return "audio/wav";
	case F_MP3:
		return "audio/mpeg";
	default:
		return "application/octet-stream";
	}
}

/* The stored media type as the static string an answer's Content-Type
 * must be (struct resp keeps the pointer past the handler). */
static const char *media_type_static(const char *stored)
{
	static const char *const known[] = { "image/jpeg", "image/png", "image/heic",
					     "audio/mp4",  "audio/ogg", "audio/wav",
					     "audio/mpeg", "video/mp4", "video/quicktime" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(stored, known[i]) == 0)
			return known[i];
	return "application/octet-stream";
}

static int brand_in(const unsigned char *b, const char *const *list)
{
	for (; *list; list++)
		if (memcmp(b, *list, 4) == 0)
			return 1;
	return 0;
}

static enum format brand_format(const unsigned char *b)
{
	static const char *const heif[] = { "heic", "heix", "heim", "heis", "hevc",
					    "hevx", "mif1", "msf1", NULL };
	static const char *const m4a[] = { "M4A ", "M4B ", "M4P ", "F4A ", "F4B ", NULL };
	static const char *const mp4[] = { "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7",
					   "iso8", "iso9", "mp41", "mp42", "mp71", "avc1", "M4V ",
					   "M4VH", "M4VP", "3gp4", "3gp5", "3gp6", "3g2a", "dash",
					   "f4v ", "MSNV", "NDAS", "mmp4", NULL };

	if (memcmp(b, "qt  ", 4) == 0)
		return F_QT;
	if (brand_in(b, heif))
		return F_HEIF;
	if (brand_in(b, m4a))
		return F_M4A;
	if (brand_in(b, mp4))
		return F_MP4;
	return F_NONE;
}

/* ISO base media (MP4, MOV, HEIF): an 'ftyp' box first; its major brand
 * decides, else the first compatible brand we know. */
static enum format sniff_ftyp(const unsigned char *h, size_t n)
{
	uint32_t box;
	size_t end;
	enum format f;

	if (n < 16 || memcmp(h + 4, "ftyp", 4) != 0)
		return F_NONE;
	box = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (box < 16)
		return F_NONE;
	f = brand_format(h + 8);
	end = box < n ? box : n;
	for (size_t i = 16; f == F_NONE && i + 4 <= end; i += 4)
		f = brand_format(h + i);
	return f;
}

/* An MPEG audio frame header: sync, a defined version and layer, a bit
 * rate that is neither free nor invalid, a defined sample rate. */
static int mp3_frame(const unsigned char *h, size_t n)
{
	return n >= 4 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 && ((h[1] >> 3) & 3) != 1 &&
	       ((h[1] >> 1) & 3) != 0 && (h[2] >> 4) != 0 && (h[2] >> 4) != 0xF &&
	       ((h[2] >> 2) & 3) != 3;
}

static enum format sniff(const unsigned char *h, size_t n)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

	if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
		return F_JPEG;
	if (n >= 8 && memcmp(h, png, 8) == 0)
		return F_PNG;
	if (n >= 4 && memcmp(h, "OggS", 4) == 0)
		return F_OGG;
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVE", 4) == 0)
		return F_WAV;
	if ((n >= 3 && memcmp(h, "ID3", 3) == 0) || mp3_frame(h, n))
		return F_MP3;
	return sniff_ftyp(h, n);
}

/* The declared Content-Type without parameters, lowercased, or NULL when
 * we do not take it. */
static const struct accepted *declared_type(const char *header)
{
	char t[128];
	size_t n = 0;

	if (!header)
		return NULL;
	while (*header == ' ')
		header++;
	for (; header[n] && header[n] != ';' && header[n] != ' ' && n + 1 < sizeof(t); n++)
		t[n] = (char)(header[n] >= 'A' && header[n] <= 'Z' ? header[n] + 32 : header[n]);
	t[n] = '\0';
	for (size_t i = 0; i < N_ACCEPTED; i++)
		if (strcmp(t, accepted_types[i].type) == 0)
			return &accepted_types[i];
	return NULL;
}

static enum err unsupported_type(struct resp *resp, const char *header)
{
	json_t *list = json_array();

	for (size_t i = 0; i < N_ACCEPTED; i++)
		json_array_append_new(list, json_string(accepted_types[i].type));
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:s, s:o}", "header", "Content-Type", "accepted", list);
	if (!header)
		return http_fail(resp, ERR_MEDIA_TYPE,
				 "Content-Type is required: declare the file's media type");
	return http_fail(resp, ERR_MEDIA_TYPE, "Content-Type %.64s is not taken for attachments",
			 header);
}

static enum err check_content(struct resp *resp, const struct accepted *acc,
			      const unsigned char *head, size_t n, enum format *out)
{
	enum format f = sniff(head, n);

	*out = f;
	for (size_t i = 0; i < 2; i++)
		if (acc->formats[i] != F_NONE && acc->formats[i] == f)
			return ERR_OK;
	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:s, s:s}", "header", "Content-Type", "declared", acc->type);
	return http_fail(resp, ERR_MEDIA_TYPE,
			 "Content-Type says %s but the body is %s: declare what the file is",
			 acc->type, format_names[f]);
}

static enum err too_large(struct resp *resp, const struct accepted *acc)
{
	return http_fail(resp, ERR_TOO_LARGE, "a %s attachment may be at most %lld MiB", acc->kind,
			 (long long)(acc->limit / MIB));
}

/* ---- the request's target ---------------------------------------------------- */

/* Canonical UUID text (8-4-4-4-12 hex digits) lowercased into out. */
static int uuid_parse(const char *s, char out[ATTACHMENT_UUID_SIZE])
{
	if (strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return -1;
		} else if (c >= 'A' && c <= 'F') {
			c = (char)(c + 32);
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return -1;
		}
		out[i] = c;
	}
	out[36] = '\0';
	return 0;
}

/* The ticket of the path, within the caller's scope (404 otherwise). */
static enum err ticket_in_scope(struct req *req, struct resp *resp, struct ticket_row *t)
{
	struct scope sc;
	int64_t id;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	sc = req->user.scope;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, e, "no ticket %lld", (long long)id);
	return e;
}

static json_t *attachment_json(const struct attachment_row *a)
{
	char created[32], url[96];

	clock_format(a->created_at, created, sizeof(created));
	snprintf(url, sizeof(url), "/v1/tickets/%lld/attachments/%s", (long long)a->ticket_id,
		 a->client_uuid);
	/* No account uploaded a customer's photo (nameplate report): id null. */
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:{s:o, s:s}, s:s, s:s}",
			 "uuid", a->client_uuid, "ticket_id", (json_int_t)a->ticket_id, "kind",
			 a->kind, "media_type", a->media_type, "declared_type", a->declared_type,
			 "size", (json_int_t)a->size, "sha256", a->sha256, "caption", a->caption,
			 "work_record", a->work_record, "uploaded_by", "id",
			 a->uploaded_by ? json_integer(a->uploaded_by) : json_null(), "username",
			 a->uploaded_by_name, "created_at", created, "url", url);
}

/* ---- upload -------------------------------------------------------------------- */

/* Caption and work_record from the query (the body is the file). */
static enum err take_options(struct req *req, struct resp *resp, struct attachment_row *a)
{
	const char *caption = req_query(req, "caption");
	const char *work = req_query(req, "work_record");
	char repaired[ATTACHMENT_CAPTION_SIZE];

	if (caption) {
		size_t n = strlen(caption);

		if (n > CAPTION_MAX)
			return http_invalid(resp, "caption", "at most %d bytes", CAPTION_MAX);
		memcpy(repaired, caption, n + 1);
		utf8_repair(repaired);
		if (strcmp(repaired, caption) != 0)
			return http_invalid(resp, "caption", "must be UTF-8 text");
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)caption[i] < 0x20 || caption[i] == 0x7F)
				return http_invalid(resp, "caption",
						    "must not contain control characters");
		memcpy(a->caption, caption, n + 1);
	}
	if (work) {
		if (strcmp(work, "true") == 0)
			a->work_record = 1;
		else if (strcmp(work, "false") != 0)
			return http_invalid(resp, "work_record", "must be true or false");
	}
	return ERR_OK;
}

/* Streams the body into up, checking its size against the kind's limit
 * and its first bytes against the declared type as they arrive. */
static enum err receive(struct req *req, struct resp *resp, const struct accepted *acc,
			struct object_upload *up, enum format *fmt)
{
	unsigned char head[SNIFF_BYTES];
	size_t head_len = 0;
	int checked = 0;
	char *buf = malloc(CHUNK);
	enum err e;

	if (!buf)
		return ERR_INTERNAL;
	e = objects_upload_begin(up);
	if (e != ERR_OK)
		http_fail(resp, e, "the attachment cannot be stored now");
	while (e == ERR_OK) {
		size_t got;

		e = req_body_read(req, resp, buf, CHUNK, &got);
		if (e != ERR_OK || got == 0)
			break;
		if (up->size + (int64_t)got > acc->limit) {
			e = too_large(resp, acc); /* a chunked body over the limit */
			break;
		}
		if (head_len < SNIFF_BYTES) {
			size_t take = got < SNIFF_BYTES - head_len ? got : SNIFF_BYTES - head_len;

			memcpy(head + head_len, buf, take);
			head_len += take;
		}
		/* Refuse a mislabelled file before the rest of it arrives. */
		if (!checked && head_len == SNIFF_BYTES) {
			checked = 1;
			e = check_content(resp, acc, head, head_len, fmt);
			if (e != ERR_OK)
				break;
		}
		e = objects_upload_write(up, buf, got);
		if (e != ERR_OK)
			http_fail(resp, e, "the attachment cannot be stored now");
	}
	free(buf);
	if (e == ERR_OK && up->size == 0)
		e = http_invalid(resp, "", "the body is empty: send the file's bytes");
	if (e == ERR_OK && !checked)
		e = check_content(resp, acc, head, head_len, fmt);
	if (e == ERR_OK) {
		e = objects_upload_finish(up);
		if (e != ERR_OK)
			http_fail(resp, e, "the attachment cannot be stored now");
	}
	return e;
}

/* A replay of an upload: the same bytes and options are the same upload;
 * anything else under its UUID is a conflict. */
static enum err compare_replay(struct resp *resp, const struct attachment_row *old,
			       const struct attachment_row *in)
{
	const char *what = NULL;

	if (strcmp(old->sha256, in->sha256) != 0 || old->size != in->size)
		what = "other bytes";
	else if (strcmp(old->declared_type, in->declared_type) != 0)
		what = "another Content-Type";
	else if (strcmp(old->caption, in->caption) != 0)
		what = "another caption";
	else if (old->work_record != in->work_record)
		what = "another work_record";
	if (!what)
		return ERR_OK;
	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:s, s:s}", "uuid", old->client_uuid, "sha256", old->sha256);
	return http_fail(resp, ERR_CONFLICT,
			 "attachment %s of this ticket was uploaded with %s: use a new UUID for a "
			 "new file",
			 old->client_uuid, what);
}

/* The row, the ticket's history and the audit entry, in the caller's
 * transaction. */
static enum err record(struct req *req, const struct ticket_row *t, struct attachment_row *a)
{
	struct audit_actor actor;
	char id_text[24];
	json_t *detail, *after;
	enum err e;

	e = attachments_store_insert(req->db, a);
	if (e != ERR_OK)
		return e;
	detail = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}", "uuid", a->client_uuid, "kind",
			   a->kind, "media_type", a->media_type, "size", (json_int_t)a->size,
			   "sha256", a->sha256, "work_record", a->work_record);
	e = detail ? tickets_event_locked(req->db, t->id,
					  &(struct ticket_event_in){ .at = a->created_at,
								     .action = "attachment",
								     .from = t->status,
								     .to = t->status,
								     .actor_id = req->user.user_id,
								     .note = a->caption,
								     .detail = detail })
		   : ERR_INTERNAL;
	json_decref(detail);
	if (e != ERR_OK)
		return e;
	snprintf(a->uploaded_by_name, sizeof(a->uploaded_by_name), "%s", req->user.username);
	after = attachment_json(a);
	audit_actor_from_req(req, &actor);
	snprintf(id_text, sizeof(id_text), "%lld", (long long)t->id);
	e = after
		? audit_append(req->db, &actor, "ticket.attachment", "ticket", id_text, NULL, after)
		: ERR_INTERNAL;
	json_decref(after);
	return e;
}

/* Commits a received upload: 201 for a new one, 200 for a replay. */
static enum err store(struct req *req, struct resp *resp, struct object_upload *up,
		      struct attachment_row *in, int *status)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct scope all = { .all = 1 };
	struct attachment_row *old = calloc(1, sizeof(*old));
	int created = 0;
	enum err e = t && old ? db_begin(req->db) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = tickets_store_get(req->db, in->ticket_id, &all, t);
	if (e == ERR_OK) {
		e = attachments_store_get(req->db, in->ticket_id, in->client_uuid, old);
		if (e == ERR_OK) {
			e = compare_replay(resp, old, in);
			if (e == ERR_OK) {
				/* Puts the bytes back should the object have gone. */
				e = objects_upload_commit(up, &created);
				*in = *old;
				*status = 200;
				db_rollback(req->db);
				goto out;
			}
		} else if (e == ERR_NOT_FOUND) {
			*status = 201;
			e = objects_upload_commit(up, &created);
			if (e == ERR_OK)
				e = record(req, t, in);
			if (e == ERR_OK)
				e = db_commit(req->db);
			if (e != ERR_OK && created)
				objects_remove(up->sha256); /* still under the write lock */
		}
	}
	if (e != ERR_OK)
		db_rollback(req->db);
out:
	free(t);
	free(old);
	return e;
}

static enum err put_attachment(struct req *req, struct resp *resp)
{
	struct attachment_row *a = calloc(1, sizeof(*a));
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct object_upload up = { .fd = -1 };
	const char *ct = req_header(req, "Content-Type");
	const struct accepted *acc;
	enum format fmt = F_NONE;
	char location[128];
	int status = 201;
	enum err e = a && t ? ERR_OK : ERR_INTERNAL;

	if (e == ERR_OK)
		e = ticket_in_scope(req, resp, t);
	if (e == ERR_OK && uuid_parse(req->params[1], a->client_uuid) < 0)
		e = http_invalid(resp, "uuid",
				 "name the upload with a UUID such as "
				 "4f9c2e1a-8b7d-4c3e-9a51-0d2f6b8e7c14");
	if (e == ERR_OK)
		e = take_options(req, resp, a);
	if (e != ERR_OK)
		goto out;
	acc = declared_type(ct);
	if (!acc) {
		e = unsupported_type(resp, ct);
		goto out;
	}
	/* Refused before a byte of the body is read. */
	if (req_body_length(req) > acc->limit) {
		e = too_large(resp, acc);
		goto out;
	}
	if (req_body_length(req) == 0) {
		e = http_invalid(resp, "", "the body is empty: send the file's bytes");
		goto out;
	}
	e = receive(req, resp, acc, &up, &fmt);
	if (e != ERR_OK)
		goto out;
	a->ticket_id = t->id;
	memcpy(a->sha256, up.sha256, sizeof(a->sha256));
	snprintf(a->media_type, sizeof(a->media_type), "%s", media_type_of(fmt, acc));
	snprintf(a->declared_type, sizeof(a->declared_type), "%s", acc->type);
	a->size = up.size;
	snprintf(a->kind, sizeof(a->kind), "%s", acc->kind);
	a->uploaded_by = req->user.user_id;
	a->created_at = clock_now();
	e = store(req, resp, &up, a, &status);
	if (e == ERR_OK) {
		snprintf(location, sizeof(location), "/v1/tickets/%lld/attachments/%s",
			 (long long)t->id, a->client_uuid);
		resp_header(resp, "Location", location);
		snprintf(location, sizeof(location), "\"%s\"", a->sha256);
		resp_header(resp, "ETag", location);
		resp_json(resp, status, attachment_json(a));
	}
out:
	objects_upload_abort(&up);
	free(a);
	free(t);
	return e;
}

/* ---- reading --------------------------------------------------------------------- */

static int list_one(const struct attachment_row *a, void *ctx)
{
	return json_array_append_new(ctx, attachment_json(a)) != 0;
}

static enum err get_attachments(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	json_t *items = json_array();
	enum err e = t && items ? ticket_in_scope(req, resp, t) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = attachments_store_list(req->db, t->id, list_one, items);
	if (e == ERR_OK) {
		resp_page(resp, items, NULL);
		items = NULL;
	}
	json_decref(items);
	free(t);
	return e;
}

enum range { RANGE_NONE, RANGE_ONE, RANGE_UNSATISFIABLE };

/* A position: any number of digits (RFC 9110 allows them), one too large
 * for int64_t read as INT64_MAX, which is past the end of any file. */
static int parse_pos(const char **p, int64_t *out)
{
	int64_t v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9') {
		int d = **p - '0';

		v = v > (INT64_MAX - d) / 10 ? INT64_MAX : v * 10 + d;
		(*p)++;
		digits++;
	}
	*out = v;
	return digits ? 0 : -1;
}

/* One byte range of a size-byte representation (RFC 9110 14.1.2). A
 * header we do not understand, or several ranges, is ignored: the answer
 * is the whole file, which RFC 9110 allows. */
static enum range parse_range(const char *h, int64_t size, int64_t *first, int64_t *last)
{
	const char *p = h;
	int64_t a, b;

	if (!h || strncasecmp(p, "bytes=", 6) != 0)
		return RANGE_NONE;
	p += 6;
	while (*p == ' ')
		p++;
	if (strchr(p, ','))
		return RANGE_NONE;
	if (*p == '-') { /* the last n bytes */
		p++;
		if (parse_pos(&p, &b) < 0 || *p != '\0')
			return RANGE_NONE;
		if (b == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return RANGE_ONE;
	}
	if (parse_pos(&p, &a) < 0 || *p++ != '-')
		return RANGE_NONE;
	if (*p == '\0') {
		b = size - 1;
	} else if (parse_pos(&p, &b) < 0 || *p != '\0' || b < a) {
		return RANGE_NONE;
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = b < size ? b : size - 1;
	return RANGE_ONE;
}

static void cache_headers(struct resp *resp)
{
	/* Customer photos must not stay in a shared device's cache: no-store,
	 * as every authenticated answer. The bytes under this URL never change,
	 * so an app that keeps its own copy revalidates with If-None-Match
	 * against the ETag and gets a 304. */
	resp_header(resp, "Cache-Control", "no-store");
	/* Uploaded content: never let a browser run it as a page. */
	resp_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
}

static enum err get_attachment(struct req *req, struct resp *resp)
{
	struct ticket_row *t = calloc(1, sizeof(*t));
	struct attachment_row *a = calloc(1, sizeof(*a));
	const char *if_range;
	char uuid[ATTACHMENT_UUID_SIZE], etag[72], text[96];
	int64_t size = 0, first = 0, last = 0;
	enum range r;
	int fd = -1;
	enum err e = t && a ? ticket_in_scope(req, resp, t) : ERR_INTERNAL;

	if (e == ERR_OK) {
		e = uuid_parse(req->params[1], uuid) < 0
			? ERR_NOT_FOUND
			: attachments_store_get(req->db, t->id, uuid, a);
		if (e == ERR_NOT_FOUND)
			http_fail(resp, e, "ticket %lld has no attachment %.40s", (long long)t->id,
				  req->params[1]);
	}
	if (e != ERR_OK)
		goto out;
	snprintf(etag, sizeof(etag), "\"%s\"", a->sha256);
	if (req_if_none_match(req, etag)) {
		resp_header(resp, "ETag", etag);
		cache_headers(resp);
		resp->status = 304;
		goto out;
	}
	e = objects_open(a->sha256, &fd, &size);
	if (e == ERR_NOT_FOUND) {
		/* The row is there, its bytes are not (a backup restored without
		 * the objects folder). Not the client's fault, but the client can
		 * mend it: the device that took the file still has it, and the
		 * same PUT puts the bytes back (store()). */
		log_error("attachments: object %s of ticket %lld is missing", a->sha256,
			  (long long)t->id);
		e = http_fail(resp, ERR_NOT_FOUND,
			      "the content of attachment %s is missing on the server: upload the "
			      "same file again with PUT to this address, with the same "
			      "Content-Type, caption and work_record, to restore it",
			      a->client_uuid);
		goto out;
	}
	if (e != ERR_OK) {
		log_error("attachments: object %s of ticket %lld cannot be opened now", a->sha256,
			  (long long)t->id);
		e = http_fail(resp, e, "attachment %s cannot be read now; try again",
			      a->client_uuid);
		goto out;
	}
	resp_header(resp, "ETag", etag);
	resp_header(resp, "Accept-Ranges", "bytes");
	if_range = req_header(req, "If-Range");
	r = if_range && strcmp(if_range, etag) != 0
		? RANGE_NONE
		: parse_range(req_header(req, "Range"), size, &first, &last);
	if (r == RANGE_UNSATISFIABLE) {
		close(fd);
		snprintf(text, sizeof(text), "bytes */%lld", (long long)size);
		resp_header(resp, "Content-Range", text);
		e = http_fail(resp, ERR_RANGE, "the attachment has %lld bytes", (long long)size);
		goto out;
	}
	cache_headers(resp);
	if (r == RANGE_ONE) {
		snprintf(text, sizeof(text), "bytes %lld-%lld/%lld", (long long)first,
			 (long long)last, (long long)size);
		resp_header(resp, "Content-Range", text);
		resp_file(resp, 206, media_type_static(a->media_type), fd, first, last - first + 1);
	} else {
		resp_file(resp, 200, media_type_static(a->media_type), fd, 0, size);
	}
out:
	free(t);
	free(a);
	return e;
}

const struct route attachments_routes[] = {
	{ .method = "PUT",
	  .pattern = "/v1/tickets/{id}/attachments/{uuid}",
	  .handler = put_attachment,
	  .perm = PERM_TICKETS_WORK,
	  .query = "caption,work_record",
	  .flags = ROUTE_STREAM_BODY,
	  .body_max = UPLOAD_MAX },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/attachments",
	  .handler = get_attachments,
	  .perm = PERM_TICKETS_READ },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/attachments/{uuid}",
	  .handler = get_attachment,
	  .perm = PERM_TICKETS_READ },
	{ 0 },
};
