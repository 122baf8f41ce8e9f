/* Store of ticket attachments' metadata and GPS check-ins. All their SQL
 * lives in server/db/attachments_store.c; the bytes are files (see
 * objects.h). Callers open the transaction. */
#ifndef FT_ATTACHMENTS_STORE_H
#define FT_ATTACHMENTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

#define ATTACHMENT_UUID_SIZE 37
#define ATTACHMENT_CAPTION_SIZE 512 /* bytes, with the NUL */

struct attachment_row {
	int64_t id, ticket_id;
	char client_uuid[ATTACHMENT_UUID_SIZE]; /* lowercase */
	char sha256[65];                        /* lowercase hex */
	char media_type[48];                    /* sniffed */
	char declared_type[128];
	int64_t size;
	char kind[8]; /* photo, audio, video */
	char caption[ATTACHMENT_CAPTION_SIZE];
	int work_record;
	int64_t uploaded_by;       /* 0 (NULL): the customer, sent with a nameplate report */
	char uploaded_by_name[64]; /* joined; ignored on insert */
	int64_t created_at;
};

/* Inserts a (its id ignored, then set): ERR_CONFLICT when the ticket
 * already has an attachment with this client UUID. */
enum err attachments_store_insert(struct db *db, struct attachment_row *a);
/* ERR_NOT_FOUND when the ticket has no attachment with this UUID. */
enum err attachments_store_get(struct db *db, int64_t ticket_id, const char *client_uuid,
			       struct attachment_row *out);
typedef int (*attachment_row_fn)(const struct attachment_row *a, void *ctx); /* nonzero stops */
/* The ticket's attachments, oldest first. */
enum err attachments_store_list(struct db *db, int64_t ticket_id, attachment_row_fn fn, void *ctx);

/* ---- GPS check-ins ------------------------------------------------------- */

#define CHECKIN_REASONS_SIZE 256

struct checkin_row {
	int64_t id, ticket_id, user_id;
	char username[64]; /* joined; ignored on insert */
	double latitude, longitude, accuracy_m;
	int64_t device_at, server_at;
	int has_distance; /* 0 when the site has no position */
	double distance_km;
	int flagged;
	char reasons[CHECKIN_REASONS_SIZE]; /* JSON array text */
};

/* Inserts c (its id ignored, then set): ERR_CONFLICT when this user
 * already checked in on the ticket at this device time. */
enum err checkins_store_insert(struct db *db, struct checkin_row *c);
/* The check-in of this user on the ticket at this device time. */
enum err checkins_store_get(struct db *db, int64_t ticket_id, int64_t user_id, int64_t device_at,
			    struct checkin_row *out);
typedef int (*checkin_row_fn)(const struct checkin_row *c, void *ctx); /* nonzero stops */
/* The ticket's check-ins, oldest first. */
enum err checkins_store_list(struct db *db, int64_t ticket_id, checkin_row_fn fn, void *ctx);

#endif
