/* The warranty expiry digest (server/domain/warranty.c); the alerts and
 * renewals are answered by server/api/warranty.c. */
#ifndef FT_WARRANTY_H
#define FT_WARRANTY_H

#include <stdint.h>

#include "core/err.h"

struct db;

/* Units whose warranty ended within this many days still count: on the
 * alerts list and in the digest's "expired" band. */
#define WARRANTY_EXPIRED_DAYS 30

/* The scheduler job: for every owned unit whose warranty ends within 90
 * days (or ended within the last 30) and whose current band (90, 60, 30
 * days, expired) has not been noticed, records the notice and tells its
 * sales owner in one digest per owner, all in one transaction: a restart
 * neither repeats nor skips a notice. */
enum err warranty_digest_run(struct db *db, int64_t now);

#endif
