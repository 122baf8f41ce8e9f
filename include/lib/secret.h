/* Credentials in configuration: given inline or, better, as a file only
 * the service can read. Never logged, never stored in the database. */
#ifndef FT_SECRET_H
#define FT_SECRET_H

#include <jansson.h>
#include <stddef.h>

/* Reads conf[key] or the file named by conf[key + "_file"] (trailing
 * newlines dropped) into out. 0 ok; -1 with why naming the key when
 * neither is there, the file cannot be read, or it does not fit. */
int secret_get(const json_t *conf, const char *key, char *out, size_t size, char *why,
	       size_t why_size);

#endif
