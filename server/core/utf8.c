#include "core/utf8.h"

#include <string.h>

/* Length of the valid sequence at p (1..4), 0 when invalid, -1 when it is
 * a valid beginning cut off by the end of the string. */
static int sequence_length(const unsigned char *p)
{
	unsigned char c = p[0];
	int n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	/* Second-byte ranges that exclude overlongs, surrogates, > U+10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (int i = 1; i < n; i++) {
		unsigned b = p[i];

		if (b == 0)
			return -1;
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return n;
}

void utf8_repair(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		int n = sequence_length(p);

		if (n > 0) {
			p += n;
		} else if (n < 0) {
			*p = '\0';
			return;
		} else {
			*p++ = '?';
		}
	}
}

int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = sequence_length(p);

		if (n <= 0)
			return 0;
		p += n;
	}
	return 1;
}

const char *utf8_bidi_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (p[0] != 0xE2 || !p[1])
			continue;
		/* U+202A..U+202E = E2 80 AA..AE; U+2066..U+2069 = E2 81 A6..A9 */
		if ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
		    (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))
			return (const char *)p;
	}
	return NULL;
}
