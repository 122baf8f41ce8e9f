/* Signed JSON Web Tokens for providers' credentials (FCM's OAuth2
 * assertion, RS256; APNs' provider token, ES256) and the base64url they
 * are written in. The one place this is done: push_fcm and push_apns both
 * call here. */
#ifndef FT_JWT_H
#define FT_JWT_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>

/* base64url without padding (RFC 7515 §2) of len bytes. Returns a malloc'd
 * string (caller frees) or NULL. */
char *jwt_base64url(const unsigned char *data, size_t len);

/* header.claims.signature with RSASSA-PKCS1-v1_5 SHA-256 (key: RSA) or
 * ECDSA P-256 SHA-256 in JOSE form, r||s of 32 bytes each (key: EC P-256).
 * header and claims are serialised compactly as given. Returns a malloc'd
 * token (caller frees) or NULL when the key does not fit or signing failed. */
char *jwt_sign_rs256(const json_t *header, const json_t *claims, EVP_PKEY *key);
char *jwt_sign_es256(const json_t *header, const json_t *claims, EVP_PKEY *key);

/* A PEM private key (PKCS#8 or traditional) from memory; NULL when it is
 * not one. Caller frees with EVP_PKEY_free. */
EVP_PKEY *jwt_key_from_pem(const char *pem, size_t len);

#endif
