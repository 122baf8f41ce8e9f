/* Outgoing HTTPS over libcurl (include/lib/http_client.h). A handle per
 * call: providers are called from the delivery worker only, a few times a
 * second at most, so connection reuse is not worth shared state here. */
#include "lib/http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_client_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t keep_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_answer *a = arg;

	/* Past the cap the rest is dropped: errors are read from the start. */
	if (!a->body.failed)
		buf_append(&a->body, data, size * n);
	return size * n;
}

static void copy_trimmed(char *out, size_t size, const char *v, size_t len)
{
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static size_t keep_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_answer *a = arg;
	size_t len = size * n;
	char value[64];

	if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
		copy_trimmed(value, sizeof(value), data + 12, len - 12);
		a->retry_after_s = atoi(value) > 0 ? atoi(value) : 0;
	} else if (len > 19 && strncasecmp(data, "x-rate-limit-reset:", 19) == 0 &&
		   !a->retry_after_s) {
		/* JPush's: the seconds until its rate window reopens */
		copy_trimmed(value, sizeof(value), data + 19, len - 19);
		a->retry_after_s = atoi(value) > 0 ? atoi(value) : 0;
	} else if (len > 8 && strncasecmp(data, "apns-id:", 8) == 0) {
		copy_trimmed(a->apns_id, sizeof(a->apns_id), data + 8, len - 8);
	}
	return len;
}

enum err http_client_send(const struct http_request *rq, struct http_answer *out, char *why,
			  size_t why_size)
{
	struct curl_slist *headers = NULL;
	char curl_why[CURL_ERROR_SIZE] = "";
	enum err e = ERR_UNAVAILABLE;
	CURLcode rc;
	long status = 0;
	CURL *c;

	memset(out, 0, sizeof(*out));
	buf_init(&out->body, HTTP_CLIENT_ANSWER_MAX);
	snprintf(why, why_size, "no answer");
	c = curl_easy_init();
	if (!c)
		return ERR_INTERNAL;
	for (const char *const *h = rq->headers; h && *h; h++) {
		struct curl_slist *more = curl_slist_append(headers, *h);

		if (!more) {
			e = ERR_INTERNAL;
			goto done;
		}
		headers = more;
	}
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_why);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 (long)(rq->timeout_ms > 0 ? rq->timeout_ms : HTTP_CLIENT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method ? rq->method : "POST");
	if (rq->body || !rq->method || strcmp(rq->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(rq->body ? rq->body_len : 0));
	}
	if (headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (rq->ca_file && *rq->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	if (rq->basic_user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, rq->basic_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, rq->basic_password ? rq->basic_password : "");
	}
	/* HTTP/2 is negotiated by ALPN; APNs answers nothing else, and the
	 * answer's version is checked below. */
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
			 rq->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(why, why_size, "%s", curl_why[0] ? curl_why : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	out->status = (int)status;
	if (rq->http2) {
		long version = 0;

		curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
		if (version != CURL_HTTP_VERSION_2_0) {
			snprintf(why, why_size, "the server did not speak HTTP/2");
			goto done;
		}
	}
	why[0] = '\0';
	e = ERR_OK;
done:
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return e;
}

void http_answer_free(struct http_answer *a)
{
	buf_cleanup(&a->body);
}

char *http_client_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *p = out;

	if (!out)
		return NULL;
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
		    (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.' || *q == '~') {
			*p++ = (char)*q;
		} else {
			*p++ = '%';
			*p++ = hex[*q >> 4];
			*p++ = hex[*q & 15];
		}
	}
	*p = '\0';
	return out;
}
