/* STUB: replaced by the import module. */
#include <stdio.h>

#include "cli.h"
#include "routes.h"

int cli_import(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "fieldtrace: import is not built yet\n");
	return 1;
}

const struct route imports_routes[] = {
	{0},
};
