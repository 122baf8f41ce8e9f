/* The service report of a visit (server/domain/service_report.c): a
 * bilingual (zh + en) PDF drawn with cairo's PDF surface and pango (Noto
 * CJK for the Chinese glyphs): the unit, the work done, the parts, the
 * checklist results (flagged items marked), the photos and the customer's
 * signature. PNG images go in through cairo, JPEG photos are decoded with
 * libjpeg and embedded as the original JPEG bytes (cairo's mime data). */
#ifndef FT_SERVICE_REPORT_H
#define FT_SERVICE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct ticket_row;

#define REPORT_PHOTOS_MAX 8 /* the first photos of the job; the rest are listed */

/* The report of t's current visit into *pdf (malloc'd, caller frees). */
enum err service_report_pdf(struct db *db, const struct ticket_row *t, char **pdf, size_t *len);

/* On close (the ticket flow, inside its transaction): when e-mail is
 * configured and t's customer has a contact with an e-mail (the ticket's
 * contact when a customer contact matches its name or phone, else the
 * customer's first contact), queues one e-mail to it with the report of
 * the current visit attached (a PDF, base64 in the outbox row). Once per
 * ticket and visit: the delivery's key is "report_<ticket>_<visit>". */
enum err service_report_mail_locked(struct db *db, const struct ticket_row *t, int64_t now);

/* Whether the stored object sha256 (a PNG, by its sniffed type) is a drawn
 * signature we keep: it decodes, and each side is 16 to 4000 pixels.
 * ERR_INVALID with why (for the client) otherwise. */
enum err service_report_signature_check(const char *sha256, char *why, size_t size);

#endif
