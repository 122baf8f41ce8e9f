/* utf8_repair (server/core/utf8.c), which makes client text safe to put in
 * problem details. Oracles: the result is valid UTF-8 by jansson's own
 * check; it is the input with bad bytes turned into '?' and at most a cut
 * sequence dropped from the end (never longer, never another byte);
 * repairing again changes nothing; valid input is left alone.
 * Input: any bytes, read as a C string (up to the first NUL). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/utf8.h"

static void fail(const char *why, const char *s)
{
	fprintf(stderr, "fuzz_utf8: %s (%zu bytes)\n", why, strlen(s));
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *s, *again;
	size_t n, m;
	json_t *check;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	n = strlen(in);
	s = strdup(in);
	if (!s) {
		free(in);
		return 0;
	}
	utf8_repair(s);
	m = strlen(s);
	if (m > n || n - m > 3)
		fail("the repair did more than drop a cut sequence at the end", in);
	for (size_t i = 0; i < m; i++)
		if (s[i] != in[i] && s[i] != '?')
			fail("the repair changed a byte into something other than '?'", in);
	check = json_string(s);
	if (!check)
		fail("the result is not valid UTF-8", in);
	json_decref(check);
	check = json_string(in);
	if (check && strcmp(s, in) != 0)
		fail("valid text was changed", in);
	json_decref(check);
	again = strdup(s);
	if (again) {
		utf8_repair(again);
		if (strcmp(again, s) != 0)
			fail("a second repair changed the text", in);
		free(again);
	}
	free(s);
	free(in);
	return 0;
}
