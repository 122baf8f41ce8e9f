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

#endif
