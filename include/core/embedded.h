/* Files compiled into the binary as a table: tools/embed.c's tree mode
 * writes one for a folder (build/gen/console.c: the built web console,
 * which server/http/console.c serves). */
#ifndef FT_EMBEDDED_H
#define FT_EMBEDDED_H

struct embedded_file {
	const char *path;           /* below the folder, with a leading '/': "/assets/x-1a2b.js" */
	const unsigned char *bytes; /* len bytes, then a NUL */
	unsigned long len;
};

#endif
