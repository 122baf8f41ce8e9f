/* Credentials from configuration (include/lib/secret.h). */
#include "lib/secret.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int secret_get(const json_t *conf, const char *key, char *out, size_t size, char *why,
	       size_t why_size)
{
	char file_key[96];
	const char *inline_value = json_string_value(json_object_get(conf, key)), *path;
	size_t n;
	FILE *f;

	if (inline_value) {
		if (strlen(inline_value) >= size) {
			snprintf(why, why_size, "%s: too long", key);
			return -1;
		}
		snprintf(out, size, "%s", inline_value);
		return 0;
	}
	snprintf(file_key, sizeof(file_key), "%s_file", key);
	path = json_string_value(json_object_get(conf, file_key));
	if (!path) {
		snprintf(why, why_size, "%s or %s: required", key, file_key);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, why_size, "%s: cannot read %s: %s", file_key, path, strerror(errno));
		return -1;
	}
	n = fread(out, 1, size, f);
	fclose(f);
	if (n == size) {
		snprintf(why, why_size, "%s: %s is too long", file_key, path);
		return -1;
	}
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		n--;
	out[n] = '\0';
	if (!n) {
		snprintf(why, why_size, "%s: %s is empty", file_key, path);
		return -1;
	}
	return 0;
}
