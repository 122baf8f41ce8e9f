/* JSON Web Tokens, signed with OpenSSL 3's EVP (include/lib/jwt.h). */
#include "lib/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

char *jwt_base64url(const unsigned char *data, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(len / 3 * 4 + 5), *p = out;
	size_t i = 0;

	if (!out)
		return NULL;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];

		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = alphabet[v >> 6 & 63];
		*p++ = alphabet[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)data[i] << 16;

		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8;

		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = alphabet[v >> 6 & 63];
	}
	*p = '\0';
	return out;
}

static char *base64url_json(const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT), *out;

	if (!text)
		return NULL;
	out = jwt_base64url((const unsigned char *)text, strlen(text));
	free(text);
	return out;
}

/* OpenSSL's ECDSA signature is DER (SEQUENCE of two INTEGERs); JOSE wants
 * both numbers as fixed 32-byte big-endian halves. */
static int der_to_jose(const unsigned char *der, size_t der_len, unsigned char raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	int ok;

	if (!sig)
		return -1;
	ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32) == 32 &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

static char *jwt_sign(const json_t *header, const json_t *claims, EVP_PKEY *key, int ec)
{
	char *h64 = base64url_json(header), *c64 = base64url_json(claims), *s64 = NULL;
	char *token = NULL;
	unsigned char *sig = NULL, raw[64];
	size_t sig_len = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct buf input;

	buf_init(&input, 0);
	if (!h64 || !c64 || !md || !key)
		goto out;
	if (ec ? !EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_bits(key) != 256
	       : !EVP_PKEY_is_a(key, "RSA"))
		goto out;
	if (buf_printf(&input, "%s.%s", h64, c64) < 0)
		goto out;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &sig_len, (const unsigned char *)input.data, input.len) != 1)
		goto out;
	sig = malloc(sig_len);
	if (!sig ||
	    EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)input.data, input.len) != 1)
		goto out;
	if (ec) {
		if (der_to_jose(sig, sig_len, raw) < 0)
			goto out;
		s64 = jwt_base64url(raw, sizeof(raw));
	} else {
		s64 = jwt_base64url(sig, sig_len);
	}
	if (!s64 || buf_printf(&input, ".%s", s64) < 0)
		goto out;
	token = buf_detach(&input, NULL);
out:
	buf_cleanup(&input);
	EVP_MD_CTX_free(md);
	free(sig);
	free(s64);
	free(c64);
	free(h64);
	return token;
}

char *jwt_sign_rs256(const json_t *header, const json_t *claims, EVP_PKEY *key)
{
	return jwt_sign(header, claims, key, 0);
}

char *jwt_sign_es256(const json_t *header, const json_t *claims, EVP_PKEY *key)
{
	return jwt_sign(header, claims, key, 1);
}

/* An encrypted key is refused rather than asked for on a terminal
 * (OpenSSL's default callback would prompt). */
static int no_passphrase(char *out, int size, int rwflag, void *arg)
{
	(void)out, (void)size, (void)rwflag, (void)arg;
	return 0;
}

EVP_PKEY *jwt_key_from_pem(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key;

	if (!bio)
		return NULL;
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	return key;
}
