#include "core/digest.h"

#include <pthread.h>

#include <openssl/evp.h>

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Never freed: it lives as long as the process and OpenSSL's own tables. */
static void sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned int n = 0;

	pthread_once(&sha256_once, sha256_fetch);
	if (!sha256 || EVP_Digest(data, len, out, &n, sha256, NULL) != 1 || n != DIGEST_SHA256_LEN)
		return -1;
	return 0;
}
