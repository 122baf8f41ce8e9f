/* Store of Idempotency-Key answers: each (user, key) holds the request's
 * fingerprint and, once the first request finished, its answer. The rules
 * (what is stored, what is replayed) are the dispatcher's
 * (server/http/dispatch.c); this file only keeps rows. */
#ifndef FT_IDEMPOTENCY_STORE_H
#define FT_IDEMPOTENCY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;

#define IDEMPOTENCY_KEY_MAX 255
#define IDEMPOTENCY_PATH_MAX 2048
#define IDEMPOTENCY_CT_MAX 96

/* What identifies a request under its key. Strings borrowed for the call. */
struct idem_request {
	int64_t user_id;
	const char *key;
	const char *method;
	const char *path; /* with "?query" when there is one */
	unsigned char body_sha256[32];
};

enum idem_outcome {
	IDEM_NEW,             /* claimed: run the request, then finish or release */
	IDEM_REPLAY,          /* done before with this fingerprint: *ans holds the answer */
	IDEM_MISMATCH,        /* the key was used for another request (ans->method, path) */
	IDEM_RUNNING,         /* the first request with this key is still running */
	IDEM_DONE_UNANSWERED, /* its work committed, but the server stopped before
			       * its answer was stored */
};

/* A stored answer. */
struct idem_answer {
	int status;
	char content_type[IDEMPOTENCY_CT_MAX];
	char *headers; /* "Name: value\r\n" lines; owned, may be NULL */
	char *body;    /* owned; NULL when none or not kept */
	size_t body_len;
	int body_kept; /* 0: the answer was too large to keep */
	char method[16];
	char path[IDEMPOTENCY_PATH_MAX];
};
void idem_answer_cleanup(struct idem_answer *a); /* frees headers and body */

/* In its own short transaction: claims (user, key) for rq until now + ttl,
 * or says why not. A 'running' claim older than lease seconds was
 * abandoned (the server stopped mid-request) and is taken over. Also
 * deletes a few expired rows. *ans is filled for REPLAY and MISMATCH
 * (caller cleans it up). */
enum err idempotency_store_claim(struct db *db, const struct idem_request *rq, int64_t now,
				 int64_t ttl, int64_t lease, enum idem_outcome *outcome,
				 struct idem_answer *ans);
/* Stores the final answer of a claimed key (its own transaction); body
 * NULL with body_kept 0 records a done request whose answer is not kept. */
enum err idempotency_store_finish(struct db *db, int64_t user_id, const char *key,
				  const struct idem_answer *ans);
/* Inside the transaction that commits the claimed request's work (the
 * dispatcher runs it just before that COMMIT): from then on the key
 * stands for work done, whether or not its answer is ever stored. */
enum err idempotency_store_mark_committed(struct db *db, int64_t user_id, const char *key);
/* Gives a claimed key back (the answer was not final: the client may
 * retry), unless its work committed. */
enum err idempotency_store_release(struct db *db, int64_t user_id, const char *key);

/* At start-up, before any request: a claim still 'running' whose work
 * did not commit belongs to a process that died mid-request (one server
 * process serves a database), so it is given back at once rather than
 * after its lease; *released counts them. */
enum err idempotency_store_abandon_running(struct db *db, int64_t *released);

/* Background job: deletes every expired key. */
enum err idempotency_purge_run(struct db *db, int64_t now);

#endif
