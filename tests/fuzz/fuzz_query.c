/* Query strings and pagination cursors: any GET the admin may make, with
 * the query the input carries, through the dispatcher's parser (percent
 * decoding, allowed and repeated parameters), req_page (limit, base64url
 * cursors) and each list handler's own filters. Input: the request format
 * of fuzz.h; the method is always GET, the admin's token is sent unless
 * the input has its own Authorization. */
#include "fuzz.h"

static const struct fz_policy policy = {
	.method = "GET",
	.prefix = "/v1/",
	.default_auth = "admin",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init(FZ_HTTP);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_request(&policy, data, size);
	return 0;
}
