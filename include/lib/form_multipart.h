/* multipart/form-data request bodies (RFC 7578), parsed by GMime 3: the
 * request's Content-Type header is put in front of the body so that the
 * body is one MIME entity, g_mime_parser builds the multipart, and its
 * parts come back as named fields (text) and files (bytes). No
 * hand-written multipart parser, and never civetweb's
 * mg_handle_form_request (CVE-2025-9648).
 *
 * A file input left empty (a part with filename="" and no bytes, as
 * browsers send it) is no file and is left out. */
#ifndef FT_FORM_MULTIPART_H
#define FT_FORM_MULTIPART_H

#include <stddef.h>

/* Once at start, before any worker parses a form (g_mime_init). */
void form_multipart_init(void);
void form_multipart_shutdown(void);

struct form_limits {
	size_t max_parts; /* fields and files together */
	size_t max_field; /* bytes of one text field */
	size_t max_file;  /* bytes of one file */
	size_t max_total; /* bytes of every field and file together */
};

struct form_field {
	char *name;
	char *value; /* NUL-terminated; len bytes (it may hold a NUL); GLib's memory */
	size_t len;
};

struct form_file {
	char *name;
	char *filename;     /* as the client sent it; "" when none */
	char *content_type; /* declared, without parameters; "" when none */
	unsigned char *data; /* NUL-terminated too; GLib's memory (form_multipart_free) */
	size_t len;
};

enum form_status {
	FORM_OK,
	FORM_NOT_MULTIPART,   /* the Content-Type is not multipart/form-data */
	FORM_MALFORMED,       /* no boundary, no parts, or a part that is not form-data */
	FORM_TOO_MANY_PARTS,  /* over max_parts */
	FORM_FIELD_TOO_LARGE, /* bad_name: the field */
	FORM_FILE_TOO_LARGE,  /* bad_name: the file's field */
	FORM_TOO_LARGE,       /* over max_total */
	FORM_NO_MEMORY,
};

struct form_multipart {
	struct form_field *fields;
	size_t n_fields;
	struct form_file *files;
	size_t n_files;
	char bad_name[64]; /* the part a refusal names, "" when none */
};

/* Parses body (len bytes) sent with the Content-Type header content_type
 * into *out (form_multipart_free it, whatever the answer). */
enum form_status form_multipart_parse(const char *content_type, const void *body, size_t len,
				      const struct form_limits *limits,
				      struct form_multipart *out);
void form_multipart_free(struct form_multipart *form);

/* Whether content_type is multipart/form-data (any parameters). */
int form_multipart_is(const char *content_type);

#endif
