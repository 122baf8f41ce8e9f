/* E-mail addresses as fieldtrace accepts them: a plain addr-spec of
 * printable ASCII (no display name, no quoting, no comments), so one can
 * go into an SMTP envelope and a To header as it is. */
#ifndef FT_EMAIL_H
#define FT_EMAIL_H

/* 1 when s is such an address of at most 254 bytes. */
int email_address_valid(const char *s);

#endif
