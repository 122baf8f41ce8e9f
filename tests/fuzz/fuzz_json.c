/* JSON request bodies through validation: POST, PATCH, PUT and DELETE on
 * any route with the body the input carries, as the admin unless the input
 * has its own Authorization: jansson parsing and the depth limit in the
 * dispatcher, req_json_check / registry_json_check tables, and each
 * module's parser (assets_parse, ticket intake, coverage, webhooks, ...)
 * down to the store. A request that wrote to the database is undone
 * (FZ_RESTORE), so every input runs against the same demo data.
 * Input: the request format of fuzz.h. Login is left out: every attempt
 * runs Argon2id (19 MiB, slow under ASan) and the throttle then answers
 * 429 to everything; its body table is the same req_json_check. */
#include <stddef.h>

#include "fuzz.h"

static const char *const methods[] = { "POST", "PATCH", "PUT", "DELETE", NULL };
static const char *const slow[] = { "/v1/auth/login", NULL };

static const struct fz_policy policy = {
	.allow = methods,
	.prefix = "/v1/",
	.default_auth = "admin",
	.default_ctype = "application/json",
	.deny = slow,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP | FZ_RESTORE);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_request(&policy, data, size);
	return 0;
}
