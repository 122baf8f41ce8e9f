/* What the three push providers share (include/lib/push_provider.h). */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/push_provider.h"

void push_result(struct send_result *out, enum send_outcome outcome, int http_status,
		 const char *fmt, ...)
{
	va_list ap;

	out->outcome = outcome;
	out->http_status = http_status;
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof(out->error), fmt, ap);
	va_end(ap);
}

const char *push_conf_string(const json_t *conf, const char *key, const char *default_value,
			     char *why, size_t why_size)
{
	json_t *v = json_object_get(conf, key);

	if (!v) {
		if (!default_value)
			snprintf(why, why_size, "%s: required", key);
		return default_value;
	}
	if (!json_is_string(v) || !*json_string_value(v)) {
		snprintf(why, why_size, "%s: must be a non-empty string", key);
		return NULL;
	}
	return json_string_value(v);
}

void push_key_digest(const char *idempotency_key, unsigned char digest[16])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	const char *k = idempotency_key ? idempotency_key : "";

	EVP_Digest(k, strlen(k), full, &n, EVP_sha256(), NULL);
	memcpy(digest, full, 16);
}

char *push_endpoint(const char *s)
{
	char *out = strdup(s);
	size_t n = out ? strlen(out) : 0;

	while (n && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}
