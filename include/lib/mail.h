/* E-mail over SMTP with libcurl: STARTTLS (required) or implicit TLS,
 * AUTH, a multipart/alternative text + HTML body, attachments, and
 * RFC 2047 encoded UTF-8 headers (Chinese subjects and names). */
#ifndef FT_MAIL_H
#define FT_MAIL_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "lib/send.h"

struct mail_client;

struct mail_attachment {
	const char *filename;     /* UTF-8; encoded as RFC 2231 when not ASCII */
	const char *content_type; /* "text/csv; charset=utf-8" */
	const char *data;
	size_t len;
};

struct mail_message {
	const char *to;               /* "someone@example.com" */
	const char *to_name;          /* UTF-8 display name, may be NULL */
	const char *subject;          /* UTF-8 */
	const char *text;             /* text/plain body, UTF-8 */
	const char *html;             /* text/html body, UTF-8; NULL = text only */
	const char *list_unsubscribe; /* https URL for List-Unsubscribe (+ One-Click), or NULL */
	const struct mail_attachment *attachments;
	size_t n_attachments;
	/* Stable across retries of one delivery: the Message-ID is
	 * "<key@from-domain>", so a resend is recognisably the same mail. */
	const char *idempotency_key;
};

/* conf: {"url": "smtp://host:587" | "smtps://host:465", "username": "...",
 * "password" | "password_file": "...", "from": "addr", "from_name": "..."}.
 * smtp:// always demands STARTTLS (never plain text). */
enum err mail_client_new(const json_t *conf, const char *ca_file, struct mail_client **out,
			 char *why, size_t why_size);
void mail_client_free(struct mail_client *c);
void mail_send(struct mail_client *c, const struct mail_message *m, struct send_result *out);

#endif
