#ifndef FIELDTRACE_DIGEST_H
#define FIELDTRACE_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* SHA-256 of len bytes at data into out. OpenSSL's SHA-256 is fetched once
 * per process: EVP_sha256() and SHA256() look it up again on every call,
 * which showed in the resolve benchmark's profile. Returns 0, or -1 when
 * OpenSSL fails (out is then undefined). Thread-safe. */
int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void digest_hex(const unsigned char *in, size_t n, char *out);
/* The SHA-256 of the NUL-terminated s as 64 hex digits (out: 65 bytes).
 * 0, or -1 when OpenSSL fails. Tokens are kept in the database this way. */
int digest_sha256_hex(const char *s, char out[2 * DIGEST_SHA256_LEN + 1]);

#endif
