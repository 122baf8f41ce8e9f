#include "core/err.h"

static const struct {
	int status;
	const char *title;
	const char *type;
} err_table[ERR__COUNT] = {
	[ERR_OK] = { 200, "OK", "about:blank" },
	[ERR_INVALID] = { 400, "Invalid request", "/problems/invalid" },
	[ERR_UNAUTHENTICATED] = { 401, "Authentication required", "/problems/unauthenticated" },
	[ERR_FORBIDDEN] = { 403, "Forbidden", "/problems/forbidden" },
	[ERR_NOT_FOUND] = { 404, "Not found", "/problems/not-found" },
	[ERR_METHOD] = { 405, "Method not allowed", "/problems/method-not-allowed" },
	[ERR_NOT_ACCEPTABLE] = { 406, "Not acceptable", "/problems/not-acceptable" },
	[ERR_TIMEOUT] = { 408, "Request timeout", "/problems/timeout" },
	[ERR_CONFLICT] = { 409, "Conflict", "/problems/conflict" },
	[ERR_GONE] = { 410, "Gone", "/problems/gone" },
	[ERR_PRECONDITION] = { 412, "Precondition failed", "/problems/precondition-failed" },
	[ERR_TOO_LARGE] = { 413, "Content too large", "/problems/too-large" },
	[ERR_MEDIA_TYPE] = { 415, "Unsupported media type", "/problems/unsupported-media-type" },
	[ERR_RANGE] = { 416, "Range not satisfiable", "/problems/range-not-satisfiable" },
	[ERR_UNPROCESSABLE] = { 422, "Unprocessable content", "/problems/unprocessable" },
	[ERR_TOO_MANY] = { 429, "Too many requests", "/problems/too-many-requests" },
	[ERR_HEADERS_TOO_LARGE] = { 431, "Request header fields too large",
				    "/problems/headers-too-large" },
	[ERR_INTERNAL] = { 500, "Internal error", "/problems/internal" },
	[ERR_DB] = { 500, "Internal error", "/problems/internal" },
	[ERR_UNAVAILABLE] = { 503, "Service unavailable", "/problems/unavailable" },
};

static enum err err_clamp(enum err e)
{
	return (e >= ERR_OK && e < ERR__COUNT) ? e : ERR_INTERNAL;
}

int err_http_status(enum err e)
{
	return err_table[err_clamp(e)].status;
}
const char *err_title(enum err e)
{
	return err_table[err_clamp(e)].title;
}
const char *err_type(enum err e)
{
	return err_table[err_clamp(e)].type;
}
