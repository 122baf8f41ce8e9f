/* STUB: replaced by the labels module. */
#include <stdio.h>

#include "cli.h"
#include "routes.h"

int cli_labels(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "fieldtrace: labels is not built yet\n");
	return 1;
}

const struct route labels_routes[] = {
	{0},
};
