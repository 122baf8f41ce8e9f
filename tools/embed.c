/* Build tool: turns files into C arrays so the binary carries its
 * migrations and OpenAPI document.
 *   embed migrations OUT.c FILE...   -> const struct migration db_migrations[]
 *   embed blob NAME OUT.c FILE       -> const char NAME[]; const unsigned long NAME_len; */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int emit_bytes(FILE *out, const char *path, unsigned long *len)
{
	FILE *in = fopen(path, "rb");
	int c;
	unsigned long n = 0;

	if (!in) {
		perror(path);
		return -1;
	}
	fputs("{", out);
	while ((c = fgetc(in)) != EOF) {
		fprintf(out, "%s%d", n == 0 ? "" : (n % 24) ? "," : ",\n", c);
		n++;
	}
	fputs(n ? ",0}" : "0}", out);
	fclose(in);
	*len = n;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
	FILE *out;
	unsigned long len;

	if (argc < 3)
		goto usage;
	if (strcmp(argv[1], "migrations") == 0) {
		out = fopen(argv[2], "w");
		if (!out)
			return 1;
		fputs("#include \"db/db.h\"\n", out);
		for (int i = 3; i < argc; i++) {
			fprintf(out, "static const char m%d[] = ", i);
			if (emit_bytes(out, argv[i], &len))
				return 1;
			fputs(";\n", out);
		}
		fputs("const struct migration db_migrations[] = {\n", out);
		for (int i = 3; i < argc; i++)
			fprintf(out, "\t{\"%s\", m%d, sizeof(m%d) - 1},\n", base_name(argv[i]), i, i);
		fputs("\t{0, 0, 0}\n};\n", out);
		fprintf(out, "const unsigned db_migration_count = %d;\n", argc - 3);
		fclose(out);
		return 0;
	}
	if (strcmp(argv[1], "blob") == 0 && argc == 5) {
		out = fopen(argv[3], "w");
		if (!out)
			return 1;
		fprintf(out, "const char %s[] = ", argv[2]);
		if (emit_bytes(out, argv[4], &len))
			return 1;
		fprintf(out, ";\nconst unsigned long %s_len = %luUL;\n", argv[2], len);
		fclose(out);
		return 0;
	}
usage:
	fprintf(stderr, "usage: embed migrations OUT.c FILE... | embed blob NAME OUT.c FILE\n");
	return 2;
}
