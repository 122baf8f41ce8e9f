#ifndef FIELDTRACE_DIGEST_H
#define FIELDTRACE_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* SHA-256 of len bytes at data into out. OpenSSL's SHA-256 is fetched once
 * per process: EVP_sha256() and SHA256() look it up again on every call,
 * which showed in the resolve benchmark's profile. Returns 0, or -1 when
 * OpenSSL fails (out is then undefined). Thread-safe. */
int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);

#endif
