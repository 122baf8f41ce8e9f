/* Local provider receivers for the tests: real HTTPS (or SMTP) servers in
 * their own process (tests/receivers/<name>.py), which check requests the
 * way a provider does. See tests/receivers/common.py for the files a
 * receiver is steered and read through. */
#ifndef FT_TEST_RECEIVER_H
#define FT_TEST_RECEIVER_H

#include <jansson.h>
#include <sys/types.h>

struct receiver {
	pid_t pid;
	int port;
	char dir[256];
	char url[128]; /* "https://localhost:<port>" */
};

/* Starts python3 tests/receivers/<script> --dir D --cert C --key K plus
 * extra (NULL-terminated, may be NULL), and waits for its port. Fails the
 * test when it does not come up within 10 s. */
void receiver_start(struct receiver *r, const char *script, const char *const *extra);
/* SIGTERM, wait, and remove its directory. */
void receiver_stop(struct receiver *r);
/* Queues answers (a JSON array text) given to the next requests in order. */
void receiver_script(struct receiver *r, const char *answers_json);
/* Every request so far, oldest first (caller decrefs). */
json_t *receiver_requests(const struct receiver *r);
/* Waits up to ms for at least n requests; returns how many there are. */
size_t receiver_wait(const struct receiver *r, size_t n, int ms);

#endif
