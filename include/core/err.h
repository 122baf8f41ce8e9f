/* One error vocabulary for the whole server, mapped once onto HTTP. */
#ifndef FT_ERR_H
#define FT_ERR_H

enum err {
	ERR_OK = 0,
	ERR_INVALID,           /* 400: bad input; see the problem's errors list */
	ERR_UNAUTHENTICATED,   /* 401 */
	ERR_FORBIDDEN,         /* 403: role may not do this at all */
	ERR_NOT_FOUND,         /* 404: unknown, or outside the caller's scope */
	ERR_METHOD,            /* 405 */
	ERR_NOT_ACCEPTABLE,    /* 406 */
	ERR_TIMEOUT,           /* 408 */
	ERR_CONFLICT,          /* 409 */
	ERR_GONE,              /* 410 */
	ERR_PRECONDITION,      /* 412 */
	ERR_TOO_LARGE,         /* 413 */
	ERR_MEDIA_TYPE,        /* 415 */
	ERR_RANGE,             /* 416: a Range the representation cannot satisfy */
	ERR_UNPROCESSABLE,     /* 422 */
	ERR_TOO_MANY,          /* 429 */
	ERR_HEADERS_TOO_LARGE, /* 431 */
	ERR_INTERNAL,          /* 500 */
	ERR_DB,                /* 500: storage failed; details only in the log */
	ERR_UNAVAILABLE,       /* 503: busy, disk full, shutting down */
	ERR__COUNT
};

/* Static strings; never NULL. */
int err_http_status(enum err e);
const char *err_title(enum err e);
const char *err_type(enum err e); /* problem+json "type" URI */

#endif
