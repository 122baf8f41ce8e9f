/* The delivery lanes' threads: one per configured provider, each on its
 * own database connection, so a provider that hangs holds up nobody else
 * (include/domain/delivery.h has what a lane does). */
#ifndef FT_LANES_H
#define FT_LANES_H

#include "core/err.h"

struct lanes;

/* Requeues deliveries a dead process left sending, then starts a thread
 * per configured lane that sends what is due every interval_ms (and
 * straight on while a batch was full). *out is freed by lanes_stop. */
enum err lanes_start(const char *db_path, int interval_ms, struct lanes **out);
/* Stops after each lane's current send and joins them. NULL ok. */
void lanes_stop(struct lanes *l);

#endif
