/* Personal data on request: the ?reveal=pii parameter and the audit entry
 * every unmasked answer leaves. */
#ifndef FT_API_REVEAL_H
#define FT_API_REVEAL_H

#include <stddef.h>
#include <stdint.h>

#include "api/handler.h"

/* ?reveal=pii. *reveal = 1 when asked for; ERR_INVALID for another value,
 * ERR_FORBIDDEN (answered) when the role lacks PERM_PII_REVEAL: an auditor
 * asking to reveal is refused, not silently masked. */
enum err registry_reveal_param(const struct req *req, struct resp *resp, int *reveal);

/* One "pii.reveal" audit entry per customer whose contacts are shown
 * unmasked, in its own short transaction; asset_id (0 = none) tells which
 * trace showed them. Call before answering. */
enum err registry_audit_reveal(struct req *req, const int64_t *customer_ids, size_t n,
			       int64_t asset_id);

#endif
