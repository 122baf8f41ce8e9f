/* Customer self-service from a unit's nameplate page (issue 19 part 2):
 * a fault reported without an account, its tracking link, and the
 * customer's satisfaction score once the job is done. Nothing here knows
 * HTTP; server/api/selfservice.c is the pages and the JSON. */
#ifndef FT_SELFSERVICE_H
#define FT_SELFSERVICE_H

#include <stdint.h>

#include "core/err.h"
#include "db/tickets_store.h"
#include "domain/audit.h"
#include "lib/objects.h"

struct db;

/* 192 random bits as 48 lowercase hex digits, and the NUL. */
#define TRACK_TOKEN_LEN 48
#define TRACK_TOKEN_SIZE (TRACK_TOKEN_LEN + 1)
#define SELFSERVICE_DESCRIPTION_MAX 2000 /* bytes */
#define SELFSERVICE_NAME_MAX 100
#define SELFSERVICE_PHONE_MAX 32

/* The top-level categories a customer may pick, in the order the form
 * shows them (NULL-terminated), and the subcategory a report in each is
 * filed under (NULL when the customer may not pick that category). */
extern const char *const selfservice_categories[];
const char *selfservice_subcategory(const char *category);

struct selfservice_report {
	char category[32];
	char description[SELFSERVICE_DESCRIPTION_MAX + 1];
	char contact_name[SELFSERVICE_NAME_MAX + 1];
	char contact_phone[SELFSERVICE_PHONE_MAX + 1];
};

/* Photos with a report: at most this many, each at most this large,
 * JPEG or PNG by their first bytes. */
#define SELFSERVICE_PHOTOS_MAX 3
#define SELFSERVICE_PHOTO_MAX (5 * 1024 * 1024)
#define SELFSERVICE_PHOTO_SIDE_MAX 20000 /* pixels, a PNG's width or height */

/* The media type the bytes are ("image/jpeg", "image/png"), or NULL with
 * *why saying what is wrong: not a JPEG or PNG, or a PNG whose header
 * libpng refuses or whose size is not sane. */
const char *selfservice_photo_type(const unsigned char *data, size_t len, const char **why);

/* A photo checked and written to a temporary upload (objects_upload_*
 * finished); selfservice_report_locked moves it into place. */
struct selfservice_photo {
	struct object_upload up;
	const char *media_type;  /* selfservice_photo_type's */
	char declared_type[128]; /* the part's Content-Type, "" when none */
	int created;             /* set when moving it in created the object */
};

/* Opens the ticket of a report for the unit asset_id inside the caller's
 * transaction: channel "qr" (migration 0027; ticket_tracking.source "qr"
 * too, 0024), the unit,
 * customer, site and region from the registry, priority, deadlines and
 * routing as any intake; and a tracking link whose token goes to token
 * (only its hash is stored); and the photos as the ticket's attachments
 * (kind photo, uploaded_by NULL: the customer), their objects moved into
 * place: on any failure the caller objects_remove()s each photo with
 * created set before it rolls back, so nothing is left behind.
 * ERR_NOT_FOUND when the unit has no customer;
 * ERR_INVALID when the category is not one the customer may pick. */
enum err selfservice_report_locked(struct db *db, const struct audit_actor *actor,
				   int64_t asset_id, const struct selfservice_report *in,
				   struct selfservice_photo *photos, size_t n_photos,
				   char token[TRACK_TOKEN_SIZE], int64_t *ticket_id);

/* What a tracking link shows, and nothing else. */
struct track_view {
	int64_t ticket_id;
	char number[24];
	char status[20];
	char centre_name[128]; /* "" before routing */
	const char *promise;   /* "response", "arrival", "resolution" or NULL */
	int64_t promised_at;   /* the promise's SLA due; 0 with no promise */
	int can_rate;          /* done and not rated yet */
	int rated;
	int satisfaction; /* the customer's, when rated */
};
/* ERR_NOT_FOUND when token is not a tracking token. */
enum err selfservice_track(struct db *db, const char *token, struct track_view *out);

/* Records the customer's score (1..5) and comment on the ticket, once,
 * as the follow-up's close does, and opens the linked complaint for a low
 * score (tickets_open_complaint_locked): inside the caller's transaction.
 * ERR_NOT_FOUND: no such token; ERR_CONFLICT: *why says "not_done" (the
 * job is not resolved yet) or "rated" (a score was taken already). */
enum err selfservice_rate_locked(struct db *db, const struct audit_actor *actor,
				 const char *token, int score, const char *comment, int64_t now,
				 const char **why, int64_t *complaint_id);

#endif
