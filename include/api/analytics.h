/* What the analytics endpoints (server/api/analytics.c) share with the
 * monthly report's (server/api/reports.c): one rule for whose tickets a
 * caller's figures count. */
#ifndef FT_API_ANALYTICS_H
#define FT_API_ANALYTICS_H

#include "api/handler.h"
#include "db/regions_store.h"
#include "domain/analytics.h"

/* The caller's scope narrowed by ?region=, ?centre= and ?product_line=
 * into q->f: admin and auditor all; supervisor their region subtree;
 * dispatcher their centre; any other role 403. A filter outside the
 * caller's scope is 403 naming the parameter, never a quietly empty 200;
 * an unknown region or centre is 400 naming it. The filter's region bounds
 * live in sc's buffers and region receives the ?region= row: both must
 * outlive q. */
enum err analytics_req_scope(struct req *req, struct resp *resp, struct analytics_query *q,
			     struct scope *sc, struct region_row *region);

#endif
