/* The request pipeline (server/api/pipeline.c) and the answer helpers it
 * shares with the HTTP layer that feeds it. */
#ifndef FT_API_PIPELINE_H
#define FT_API_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "api/handler.h"

#define HTTP_MAX_JSON_DEPTH 32

struct db_pool;

/* The routes to serve (api_route_tables()), set once before serving. */
void api_routes_use(const struct route *const *tables);
/* Route r's metrics index (its position + 1); METRICS_UNROUTED for NULL. */
size_t api_route_index(const struct route *r);

/* Runs req, whose transport fields (conn, io, method, path, query_string,
 * content_length, client_addr, limits) the caller filled, to a final answer
 * in resp (initialised with api_resp_init; not written). Database
 * connections come from pool and are back in it on return. *must_close =
 * 1 when the connection must close after the answer (a body left unread
 * or broken off). */
void api_run(struct req *req, struct resp *resp, struct db_pool *pool, int *must_close);
/* The request id: the caller's X-Request-Id when short and plain, else new. */
void api_request_id(struct req *req);
void api_request_cleanup(struct req *req); /* frees what the pipeline put in req */
void api_resp_init(struct resp *resp);

void api_request_id_new(char *out, size_t out_size);
/* Turns a failed handler's detail and errors into a problem+json body. */
void api_problem_render(const struct req *req, struct resp *resp, enum err e);
/* Closes a resp_file's file (no-op when none). */
void resp_file_close(struct resp *resp);
/* One JSON line on stdout per answered request (config access-log). */
void api_access_log(const struct req *req, const struct resp *resp, size_t bytes, uint64_t micros);

#endif
