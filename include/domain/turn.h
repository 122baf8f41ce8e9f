/* STUN/TURN servers for the assistance calls, with time-limited TURN
 * credentials in the TURN REST API's shared-secret scheme (coturn's
 * use-auth-secret / static-auth-secret): username "<unix-expiry>:<user_id>",
 * credential base64(HMAC-SHA1(secret, username)). The relay recomputes the
 * credential from the same secret, so fieldtrace stores nothing per call;
 * the secret itself is read from a file at start and never logged nor
 * stored in the database. */
#ifndef FT_TURN_H
#define FT_TURN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TURN_TTL_DEFAULT_S 3600
#define TURN_SECRET_MAX 512

/* Sets the servers once at start, before the first request: turn_uris and
 * stun_uris comma-separated ("" = none), secret_file the shared secret
 * (first line; required when there are TURN URIs), ttl_s the credentials'
 * lifetime, relay_only whether clients are told to send media through the
 * relay only. ERR_INVALID with the reason in why when a URI is not
 * turn:/turns:/stun:/stuns: or the secret cannot be read. */
enum err turn_configure(const char *turn_uris, const char *stun_uris, const char *secret_file,
			int ttl_s, int relay_only, char *why, size_t why_size);
/* Forgets the secret (wiped). */
void turn_unconfigure(void);
int turn_relay_only(void);

/* credential = base64(HMAC-SHA1(secret, username)) into out (NUL-terminated;
 * 29 bytes suffice). 0, or -1 when OpenSSL fails. */
int turn_credential(const void *secret, size_t secret_len, const char *username, char *out,
		    size_t out_size);

/* RTCIceServer[] for user_id at now (caller owns): one entry with every
 * TURN URI, username and credential valid until *expires_at, then one with
 * the STUN URIs; [] when neither is configured. */
json_t *turn_ice_servers(int64_t user_id, int64_t now, int64_t *expires_at);

#endif
