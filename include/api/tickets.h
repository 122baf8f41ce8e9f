/* What the ticket handlers share across files (server/api/tickets.c,
 * server/api/ticket_flow.c). */
#ifndef FT_API_TICKETS_H
#define FT_API_TICKETS_H

#include <stdint.h>

#include "api/handler.h"

/* Answers the ticket in full (history, work, parts) with its ETag, as
 * status (200, or 201 with Location). Contacts masked. */
enum err tickets_answer(struct req *req, struct resp *resp, int64_t id, int status);

#endif
