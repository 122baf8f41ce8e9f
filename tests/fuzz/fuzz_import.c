/* CSV asset import through the real route: the input is the file a user
 * uploads to POST /v1/imports/assets?dry_run=true as the admin, so it runs
 * the CSV reader (server/lib/csv.c), the header mapping and every row check
 * of server/domain/import.c (models, sites, owners, dates, warranty, components,
 * duplicate serials, Chinese text) without writing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char head[] = "POST /v1/imports/assets?dry_run=true\n"
			   "Content-Type: text/csv; charset=utf-8\n\n";

static const struct fz_policy policy = {
	.prefix = "/v1/imports/assets",
	.default_auth = "admin",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP | FZ_RESTORE); /* in case a dry run ever writes */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *req;

	if (size == 0)
		return 0;
	req = malloc(sizeof(head) - 1 + size);
	if (!req)
		return 0;
	memcpy(req, head, sizeof(head) - 1);
	memcpy(req + sizeof(head) - 1, data, size);
	fz_request(&policy, req, sizeof(head) - 1 + size);
	free(req);
	return 0;
}
