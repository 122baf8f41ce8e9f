/* multipart/form-data through GMime 3 (include/lib/form_multipart.h). */
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/form_multipart.h"

void form_multipart_init(void)
{
	g_mime_init();
}

void form_multipart_shutdown(void)
{
	g_mime_shutdown();
}

int form_multipart_is(const char *content_type)
{
	static const char type[] = "multipart/form-data";
	size_t n = sizeof(type) - 1;

	if (!content_type)
		return 0;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return strncasecmp(content_type, type, n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ' ||
		content_type[n] == '\t');
}

static void set_bad(struct form_multipart *out, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n >= sizeof(out->bad_name))
		n = sizeof(out->bad_name) - 1;
	if (n)
		memcpy(out->bad_name, name, n);
	out->bad_name[n] = '\0';
}

/* The decoded content of one part (Content-Transfer-Encoding undone). */
static GByteArray *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *sink;

	if (!content)
		return bytes; /* an empty part */
	sink = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(sink), FALSE);
	if (g_mime_data_wrapper_write_to_stream(content, sink) < 0) {
		g_byte_array_unref(bytes);
		bytes = NULL;
	}
	g_object_unref(sink);
	return bytes;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The bytes, NUL-terminated, taken out of the array without a copy
 * (g_free them): a 5 MiB photo is not held twice. */
static unsigned char *take_bytes(GByteArray *bytes, size_t *len)
{
	gsize n = 0;

	*len = bytes->len;
	g_byte_array_append(bytes, (const guint8 *)"", 1);
	return g_byte_array_steal(bytes, &n);
}

static enum form_status add_part(GMimeObject *obj, const struct form_limits *lim,
				  struct form_multipart *out, size_t *total)
{
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	const char *name, *filename, *kind;
	GMimeContentType *ct;
	GByteArray *bytes;
	enum form_status st = FORM_OK;

	if (!GMIME_IS_PART(obj) || !disp)
		return FORM_MALFORMED;
	kind = g_mime_content_disposition_get_disposition(disp);
	name = g_mime_content_disposition_get_parameter(disp, "name");
	filename = g_mime_content_disposition_get_parameter(disp, "filename");
	if (!kind || strcasecmp(kind, "form-data") != 0 || !name)
		return FORM_MALFORMED;
	bytes = part_bytes(GMIME_PART(obj));
	if (!bytes)
		return FORM_MALFORMED;
	*total += bytes->len;
	if (*total > lim->max_total) {
		st = FORM_TOO_LARGE;
	} else if (filename && !*filename && bytes->len == 0) {
		st = FORM_OK; /* a file input left empty */
	} else if (filename) {
		struct form_file *f;

		if (bytes->len > lim->max_file) {
			set_bad(out, name);
			st = FORM_FILE_TOO_LARGE;
			goto out;
		}
		f = realloc(out->files, (out->n_files + 1) * sizeof(*f));
		if (!f) {
			st = FORM_NO_MEMORY;
			goto out;
		}
		out->files = f;
		f = &out->files[out->n_files++];
		memset(f, 0, sizeof(*f));
		ct = g_mime_object_get_content_type(obj);
		f->name = strdup(name);
		f->filename = strdup(filename);
		f->content_type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
		if (f->content_type) { /* GLib's: our free must be free() */
			char *own = strdup(f->content_type);

			g_free(f->content_type);
			f->content_type = own;
		} else {
			f->content_type = dup_or_empty(NULL);
		}
		f->data = take_bytes(bytes, &f->len);
		if (!f->name || !f->filename || !f->content_type || !f->data)
			st = FORM_NO_MEMORY;
	} else {
		struct form_field *fl;

		if (bytes->len > lim->max_field) {
			set_bad(out, name);
			st = FORM_FIELD_TOO_LARGE;
			goto out;
		}
		fl = realloc(out->fields, (out->n_fields + 1) * sizeof(*fl));
		if (!fl) {
			st = FORM_NO_MEMORY;
			goto out;
		}
		out->fields = fl;
		fl = &out->fields[out->n_fields++];
		fl->name = strdup(name);
		fl->value = (char *)take_bytes(bytes, &fl->len);
		if (!fl->name || !fl->value)
			st = FORM_NO_MEMORY;
	}
out:
	g_byte_array_unref(bytes);
	return st;
}

enum form_status form_multipart_parse(const char *content_type, const void *body, size_t len,
				      const struct form_limits *limits,
				      struct form_multipart *out)
{
	static const char prefix[] = "Content-Type: ";
	GByteArray *entity;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *top;
	enum form_status st = FORM_OK;
	size_t total = 0;
	int count;

	memset(out, 0, sizeof(*out));
	if (!form_multipart_is(content_type))
		return FORM_NOT_MULTIPART;
	/* The header must stay one header line. */
	if (strpbrk(content_type, "\r\n"))
		return FORM_MALFORMED;
	if (len > limits->max_total)
		return FORM_TOO_LARGE;
	entity = g_byte_array_sized_new((guint)(sizeof(prefix) + strlen(content_type) + 4 + len));
	g_byte_array_append(entity, (const guint8 *)prefix, (guint)(sizeof(prefix) - 1));
	g_byte_array_append(entity, (const guint8 *)content_type, (guint)strlen(content_type));
	g_byte_array_append(entity, (const guint8 *)"\r\n\r\n", 4);
	if (len)
		g_byte_array_append(entity, body, (guint)len);
	stream = g_mime_stream_mem_new_with_byte_array(entity); /* owns entity */
	parser = g_mime_parser_new_with_stream(stream);
	top = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!top || !GMIME_IS_MULTIPART(top) ||
	    !g_mime_multipart_get_boundary(GMIME_MULTIPART(top))) {
		st = FORM_MALFORMED;
		goto out;
	}
	count = g_mime_multipart_get_count(GMIME_MULTIPART(top));
	if (count <= 0) {
		st = FORM_MALFORMED;
		goto out;
	}
	if ((size_t)count > limits->max_parts) {
		st = FORM_TOO_MANY_PARTS;
		goto out;
	}
	for (int i = 0; i < count && st == FORM_OK; i++)
		st = add_part(g_mime_multipart_get_part(GMIME_MULTIPART(top), i), limits, out,
			      &total);
out:
	if (top)
		g_object_unref(top);
	return st;
}

void form_multipart_free(struct form_multipart *form)
{
	for (size_t i = 0; i < form->n_fields; i++) {
		free(form->fields[i].name);
		g_free(form->fields[i].value);
	}
	for (size_t i = 0; i < form->n_files; i++) {
		free(form->files[i].name);
		free(form->files[i].filename);
		free(form->files[i].content_type);
		g_free(form->files[i].data);
	}
	free(form->fields);
	free(form->files);
	memset(form, 0, sizeof(*form));
}
