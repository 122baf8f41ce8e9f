/* Text that goes into JSON must be valid UTF-8 (jansson refuses anything
 * else). Messages built with snprintf from client input can cut a
 * multibyte character at the buffer's end: repair them before packing. */
#ifndef FT_UTF8_H
#define FT_UTF8_H

/* Makes s valid UTF-8 in place: a sequence cut off at the end is dropped,
 * any other invalid byte becomes '?'. */
void utf8_repair(char *s);
/* 1 when s is valid UTF-8 throughout, else 0. */
int utf8_valid(const char *s);
/* The first bidirectional embedding or override (U+202A..U+202E) or
 * isolate (U+2066..U+2069) in s, or NULL. They make text display in an
 * order other than the one stored ("Trojan Source", CVE-2021-42574), so
 * free text from clients must not hold them. */
const char *utf8_bidi_control(const char *s);

#endif
