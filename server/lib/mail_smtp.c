/* E-mail over SMTP with libcurl (include/lib/mail.h).
 *
 * libcurl speaks SMTP (STARTTLS, AUTH, dot-stuffing) and builds the MIME
 * body (boundaries, quoted-printable and base64 bodies); this file adds
 * what libcurl leaves to the caller: the message's own headers, with
 * RFC 2047 encoded words for UTF-8 subjects and names and RFC 2231 for
 * attachment names, and the mapping of SMTP replies onto send outcomes.
 * A handle per message: the delivery worker sends a few a minute. */
#include "lib/mail.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/utf8.h"
#include "lib/http_client.h"
#include "lib/secret.h"

#define MAIL_TIMEOUT_MS 60000L
#define MAIL_CONNECT_TIMEOUT_MS 10000L
#define MAIL_KEY_MAX 100
/* The text that fits one RFC 2047 encoded word of at most 75 characters:
 * "=?UTF-8?B?" + 60 base64 characters + "?=" holds 45 bytes. */
#define MAIL_WORD_BYTES 45
/* Past this an ASCII subject is still sent as encoded words, so that no
 * header line comes near SMTP's 998-octet limit. */
#define MAIL_RAW_SUBJECT_MAX 900

struct mail_client {
	char url[512];
	char username[256];
	char password[256];
	char from[256];
	char from_name[256];
	const char *from_domain; /* inside from */
	char ca_file[512];
};

/* Any byte that would end a header line and start another. */
static int has_line_break(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static int is_plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return 1;
}

/* An addr-spec we can put between angle brackets and in MAIL FROM / RCPT
 * TO: local@domain, printable ASCII, no spaces, brackets or quotes. */
static int is_address(const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL;

	if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p > '~' || strchr("<>()[]\\,;:\"", *p))
			return 0;
	return 1;
}

/* The Message-ID's left part: RFC 5322 dot-atom-text. */
static int is_message_key(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > MAIL_KEY_MAX || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("!#$%&'*+/=?^_`{|}~.-", *p)))
			return 0;
	return 1;
}

static int is_known_key(const char *key)
{
	static const char *const keys[] = { "url",  "username",  "password", "password_file",
					    "from", "from_name", NULL };

	for (const char *const *k = keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

static const char *conf_string(const json_t *conf, const char *key, int required, const char **bad)
{
	json_t *v = json_object_get(conf, key);

	if (!v) {
		if (required)
			*bad = "required";
		return NULL;
	}
	if (!json_is_string(v) || !*json_string_value(v)) {
		*bad = "must be a non-empty string";
		return NULL;
	}
	return json_string_value(v);
}

enum err mail_client_new(const json_t *conf, const char *ca_file, struct mail_client **out,
			 char *why, size_t why_size)
{
	struct mail_client *c;
	const char *url, *username, *from, *from_name, *bad = NULL, *key;
	json_t *value;

	*out = NULL;
	if (!json_is_object(conf)) {
		snprintf(why, why_size, "mail: must be an object");
		return ERR_INVALID;
	}
	json_object_foreach((json_t *)conf, key, value) {
		if (!is_known_key(key)) {
			snprintf(why, why_size, "%s: unknown key", key);
			return ERR_INVALID;
		}
	}
	url = conf_string(conf, "url", 1, &bad);
	if (bad) {
		snprintf(why, why_size, "url: %s", bad);
		return ERR_INVALID;
	}
	if ((strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) ||
	    !url[strncmp(url, "smtp://", 7) == 0 ? 7 : 8] || has_line_break(url) ||
	    strlen(url) >= sizeof(c->url)) {
		snprintf(why, why_size,
			 "url: must be smtp://host:port (STARTTLS) or smtps://host:port");
		return ERR_INVALID;
	}
	if (strchr(url, '@')) {
		/* libcurl would log in with it, and errors could show it. */
		snprintf(why, why_size, "url: no credentials in it; use username and password");
		return ERR_INVALID;
	}
	username = conf_string(conf, "username", 1, &bad);
	if (bad) {
		snprintf(why, why_size, "username: %s", bad);
		return ERR_INVALID;
	}
	from = conf_string(conf, "from", 1, &bad);
	if (bad) {
		snprintf(why, why_size, "from: %s", bad);
		return ERR_INVALID;
	}
	if (!is_address(from) || strlen(strchr(from, '@') + 1) > 100) {
		snprintf(why, why_size, "from: must be an e-mail address (someone@example.com)");
		return ERR_INVALID;
	}
	from_name = conf_string(conf, "from_name", 0, &bad);
	if (bad) {
		snprintf(why, why_size, "from_name: %s", bad);
		return ERR_INVALID;
	}
	if (from_name &&
	    (has_line_break(from_name) || !utf8_valid(from_name) || strlen(from_name) > 200)) {
		snprintf(why, why_size, "from_name: one line of UTF-8 text, at most 200 bytes");
		return ERR_INVALID;
	}
	if (strlen(username) >= sizeof(c->username)) {
		snprintf(why, why_size, "username: too long");
		return ERR_INVALID;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_INTERNAL;
	if (secret_get(conf, "password", c->password, sizeof(c->password), why, why_size) != 0) {
		mail_client_free(c);
		return ERR_INVALID;
	}
	snprintf(c->url, sizeof(c->url), "%s", url);
	snprintf(c->username, sizeof(c->username), "%s", username);
	snprintf(c->from, sizeof(c->from), "%s", from);
	snprintf(c->from_name, sizeof(c->from_name), "%s", from_name ? from_name : "");
	c->from_domain = strchr(c->from, '@') + 1;
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", ca_file ? ca_file : "");
	*out = c;
	return ERR_OK;
}

void mail_client_free(struct mail_client *c)
{
	if (!c)
		return;
	OPENSSL_cleanse(c->password, sizeof(c->password));
	free(c);
}

/* --- Headers ------------------------------------------------------------ */

/* Appends s as RFC 2047 "B" encoded words, each at most 75 characters and
 * cut only between UTF-8 characters, separated by a fold. */
static void put_encoded_words(struct buf *b, const char *s)
{
	size_t n = strlen(s), at = 0;
	unsigned char word[4 * MAIL_WORD_BYTES / 3 + 4];

	while (at < n) {
		size_t take = n - at < MAIL_WORD_BYTES ? n - at : MAIL_WORD_BYTES;

		/* Back off to the start of a character (never a continuation
		 * byte 10xxxxxx) so no word holds half of one. */
		while (at + take < n && take > 1 && ((unsigned char)s[at + take] & 0xC0) == 0x80)
			take--;
		EVP_EncodeBlock(word, (const unsigned char *)s + at, (int)take);
		buf_printf(b, "%s=?UTF-8?B?%s?=", at ? "\r\n " : "", (const char *)word);
		at += take;
	}
}

/* "Name" <addr>, =?UTF-8?B?...?= <addr>, or addr alone. */
static void put_mailbox(struct buf *b, const char *name, const char *addr)
{
	if (!name || !*name) {
		buf_puts(b, addr);
		return;
	}
	if (is_plain_ascii(name) && !strstr(name, "=?")) {
		buf_puts(b, "\"");
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_puts(b, "\\");
			buf_append(b, p, 1);
		}
		buf_puts(b, "\"");
	} else {
		put_encoded_words(b, name);
	}
	buf_printf(b, " <%s>", addr);
}

/* RFC 5322 date in UTC; names spelled out here, not by the locale. */
static void format_date(char *out, size_t size)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)clock_now();
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int add_header(struct curl_slist **list, struct buf *b)
{
	struct curl_slist *more;

	if (b->failed || !b->data)
		return -1;
	more = curl_slist_append(*list, b->data);
	buf_cleanup(b);
	buf_init(b, 0);
	if (!more)
		return -1;
	*list = more;
	return 0;
}

/* --- Body --------------------------------------------------------------- */

/* SMTP lines end in CRLF; libcurl's quoted-printable encoder breaks lines
 * only there, so bodies written with bare LF are normalised first. */
static char *crlf_lines(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (const char *p = s; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue; /* its LF writes the pair */
		if (*p == '\n' || *p == '\r')
			buf_puts(&b, "\r\n");
		else
			buf_append(&b, p, 1);
	}
	buf_puts(&b, "");
	if (b.failed) {
		buf_cleanup(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Quoted-printable reads well for mostly-ASCII text; Chinese text is a
 * third the size in base64. */
static const char *body_encoding(const char *s)
{
	size_t high = 0, n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		high += *p >= 0x80;
	return high * 4 > n ? "base64" : "quoted-printable";
}

static int add_text_part(curl_mime *mime, const char *type, const char *text)
{
	curl_mimepart *part = curl_mime_addpart(mime);
	char *lines = crlf_lines(text);
	int rc = -1;

	if (part && lines && curl_mime_data(part, lines, CURL_ZERO_TERMINATED) == CURLE_OK &&
	    curl_mime_type(part, type) == CURLE_OK &&
	    curl_mime_encoder(part, body_encoding(lines)) == CURLE_OK)
		rc = 0;
	free(lines);
	return rc;
}

static int add_attachment(curl_mime *mime, const struct mail_attachment *a)
{
	curl_mimepart *part = curl_mime_addpart(mime);
	struct curl_slist *headers = NULL;
	struct buf b;
	int rc = -1;

	buf_init(&b, 0);
	if (!part)
		goto done;
	if (is_plain_ascii(a->filename) && !strpbrk(a->filename, "\"\\")) {
		buf_printf(&b, "Content-Disposition: attachment; filename=\"%s\"", a->filename);
	} else {
		/* RFC 2231: libcurl would put the UTF-8 bytes in raw. */
		char *escaped = http_client_escape(a->filename);

		if (!escaped)
			goto done;
		buf_printf(&b, "Content-Disposition: attachment; filename*=UTF-8''%s", escaped);
		free(escaped);
	}
	if (add_header(&headers, &b) != 0)
		goto done;
	if (curl_mime_headers(part, headers, 1) != CURLE_OK)
		goto done;
	headers = NULL;
	if (curl_mime_data(part, a->data ? a->data : "", a->len) != CURLE_OK ||
	    curl_mime_type(part, a->content_type && *a->content_type
				     ? a->content_type
				     : "application/octet-stream") != CURLE_OK ||
	    curl_mime_encoder(part, "base64") != CURLE_OK)
		goto done;
	rc = 0;
done:
	curl_slist_free_all(headers);
	buf_cleanup(&b);
	return rc;
}

/* multipart/mixed [multipart/alternative [text, html], attachments...]
 * with attachments; without, the alternative is the message itself (its
 * type given as the top-level Content-Type header by the caller). */
static curl_mime *build_body(CURL *curl, const struct mail_message *m)
{
	curl_mime *root = curl_mime_init(curl), *alt = NULL;
	curl_mimepart *part;

	if (!root)
		return NULL;
	if (m->html && m->n_attachments) {
		alt = curl_mime_init(curl);
		part = curl_mime_addpart(root);
		if (!alt || !part || curl_mime_subparts(part, alt) != CURLE_OK) {
			curl_mime_free(alt);
			goto fail;
		}
		/* The part owns alt now. */
		if (curl_mime_type(part, "multipart/alternative") != CURLE_OK)
			goto fail;
	}
	if (add_text_part(alt ? alt : root, "text/plain; charset=utf-8", m->text) != 0)
		goto fail;
	if (m->html && add_text_part(alt ? alt : root, "text/html; charset=utf-8", m->html) != 0)
		goto fail;
	for (size_t i = 0; i < m->n_attachments; i++)
		if (add_attachment(root, &m->attachments[i]) != 0)
			goto fail;
	return root;
fail:
	curl_mime_free(root);
	return NULL;
}

/* --- Sending ------------------------------------------------------------ */

struct smtp_reply {
	char refusal[256]; /* the server's latest 4xx or 5xx line, CRLF dropped */
};

/* libcurl shows the SMTP conversation only through its debug hook; the
 * server's refusals (never our lines, which carry AUTH) are kept for
 * error[]. Only refusals: after one, libcurl still says QUIT, and the
 * "221 Bye" must not hide why. */
static int keep_reply(CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp_reply *r = arg;

	(void)curl;
	if (type != CURLINFO_HEADER_IN || size < 3 || (data[0] != '4' && data[0] != '5'))
		return 0;
	while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size >= sizeof(r->refusal))
		size = sizeof(r->refusal) - 1;
	memcpy(r->refusal, data, size);
	r->refusal[size] = '\0';
	return 0;
}

static void refuse(struct send_result *out, const char *what)
{
	out->outcome = SEND_REJECTED;
	snprintf(out->error, sizeof(out->error), "%s", what);
}

/* What no SMTP server should ever see: a field that would add header
 * lines, or a message without what every mail needs. */
static const char *invalid_field(const struct mail_message *m)
{
	if (!m->to || !is_address(m->to))
		return "to: must be an e-mail address on one line";
	if (has_line_break(m->to_name) || (m->to_name && !utf8_valid(m->to_name)))
		return "to_name: must be one line of UTF-8 text";
	if (!m->subject || has_line_break(m->subject) || !utf8_valid(m->subject))
		return "subject: must be one line of UTF-8 text";
	if (!m->text || !utf8_valid(m->text) || (m->html && !utf8_valid(m->html)))
		return "text: required, UTF-8 (html too)";
	if (m->list_unsubscribe &&
	    (strncmp(m->list_unsubscribe, "https://", 8) != 0 ||
	     has_line_break(m->list_unsubscribe) || strpbrk(m->list_unsubscribe, "<> \t") ||
	     strlen(m->list_unsubscribe) > 900))
		return "list_unsubscribe: must be an https URL";
	if (!is_message_key(m->idempotency_key))
		return "idempotency_key: 1-100 characters of letters, digits and .-_";
	for (size_t i = 0; i < m->n_attachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];

		if (!a->filename || !*a->filename || has_line_break(a->filename) ||
		    !utf8_valid(a->filename) || strlen(a->filename) > 200)
			return "attachments: filename must be one line of UTF-8 text";
		if (has_line_break(a->content_type))
			return "attachments: content_type must be one line";
		if (!a->data && a->len)
			return "attachments: data missing";
	}
	return NULL;
}

static int build_headers(const struct mail_client *c, const struct mail_message *m,
			 const char *message_id, struct curl_slist **list)
{
	char date[64];
	struct buf b;

	buf_init(&b, 0);
	format_date(date, sizeof(date));
	buf_printf(&b, "Date: %s", date);
	if (add_header(list, &b) != 0)
		return -1;
	buf_puts(&b, "From: ");
	put_mailbox(&b, c->from_name, c->from);
	if (add_header(list, &b) != 0)
		return -1;
	buf_puts(&b, "To: ");
	put_mailbox(&b, m->to_name, m->to);
	if (add_header(list, &b) != 0)
		return -1;
	buf_puts(&b, "Subject: ");
	if (is_plain_ascii(m->subject) && !strstr(m->subject, "=?") &&
	    strlen(m->subject) <= MAIL_RAW_SUBJECT_MAX)
		buf_puts(&b, m->subject);
	else
		put_encoded_words(&b, m->subject);
	if (add_header(list, &b) != 0)
		return -1;
	buf_printf(&b, "Message-ID: %s", message_id);
	if (add_header(list, &b) != 0)
		return -1;
	buf_puts(&b, "MIME-Version: 1.0");
	if (add_header(list, &b) != 0)
		return -1;
	/* RFC 3834: no vacation replies to a machine's mail. */
	buf_puts(&b, "Auto-Submitted: auto-generated");
	if (add_header(list, &b) != 0)
		return -1;
	if (m->list_unsubscribe) {
		/* RFC 8058 one-click: what Gmail and Yahoo ask of bulk senders. */
		buf_printf(&b, "List-Unsubscribe: <%s>", m->list_unsubscribe);
		if (add_header(list, &b) != 0)
			return -1;
		buf_puts(&b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
		if (add_header(list, &b) != 0)
			return -1;
	}
	if (m->html && !m->n_attachments) {
		/* libcurl adds the boundary to the type given here. */
		buf_puts(&b, "Content-Type: multipart/alternative");
		if (add_header(list, &b) != 0)
			return -1;
	}
	return 0;
}

void mail_send(struct mail_client *c, const struct mail_message *m, struct send_result *out)
{
	char curl_why[CURL_ERROR_SIZE] = "", message_id[sizeof(out->provider_ref)];
	struct curl_slist *headers = NULL, *rcpt = NULL;
	struct smtp_reply reply = { "" };
	curl_mime *body = NULL;
	const char *bad;
	CURLcode rc;
	long code = 0;
	CURL *curl;

	memset(out, 0, sizeof(*out));
	out->outcome = SEND_RETRY;
	bad = invalid_field(m);
	if (bad) {
		refuse(out, bad);
		return;
	}
	if ((size_t)snprintf(message_id, sizeof(message_id), "<%s@%s>", m->idempotency_key,
			     c->from_domain) >= sizeof(message_id)) {
		refuse(out, "idempotency_key: too long for a Message-ID");
		return;
	}
	curl = curl_easy_init();
	if (!curl) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		return;
	}
	body = build_body(curl, m);
	rcpt = curl_slist_append(NULL, m->to);
	if (!body || !rcpt || build_headers(c, m, message_id, &headers) != 0) {
		snprintf(out->error, sizeof(out->error), "out of memory building the message");
		goto done;
	}
	curl_easy_setopt(curl, CURLOPT_URL, c->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS or nothing: without it the password and the mail would
	 * cross the network in clear. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->ca_file[0])
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(curl, CURLOPT_USERNAME, c->username);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, c->from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_MIMEPOST, body);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_why);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, MAIL_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, MAIL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, keep_reply);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &reply);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	out->http_status = (int)code;
	if (rc == CURLE_OK) {
		out->outcome = SEND_OK;
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s", message_id);
		goto done;
	}
	/* 5xx is the server's final no (550 no such user, 535 bad login);
	 * 4xx, no answer, and TLS trouble may pass. */
	out->outcome = code >= 500 && code <= 599 ? SEND_REJECTED : SEND_RETRY;
	if (rc == CURLE_USE_SSL_FAILED)
		snprintf(out->error, sizeof(out->error),
			 "the server does not offer STARTTLS; nothing was sent");
	else if (code >= 400 && reply.refusal[0])
		snprintf(out->error, sizeof(out->error), "%s", reply.refusal);
	else
		snprintf(out->error, sizeof(out->error), "%s",
			 curl_why[0] ? curl_why : curl_easy_strerror(rc));
done:
	/* The handle may still say QUIT on cleanup: reply must outlive it. */
	curl_easy_cleanup(curl);
	curl_mime_free(body);
	curl_slist_free_all(headers);
	curl_slist_free_all(rcpt);
}
