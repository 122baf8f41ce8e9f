#include "core/digest.h"

#include <pthread.h>
#include <string.h>

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

void digest_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int digest_sha256_hex(const char *s, char out[2 * DIGEST_SHA256_LEN + 1])
{
	unsigned char sum[DIGEST_SHA256_LEN];

	if (digest_sha256(s, strlen(s), sum) < 0)
		return -1;
	digest_hex(sum, sizeof(sum), out);
	return 0;
}
