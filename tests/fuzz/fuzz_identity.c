/* Identification links as a scanner or a browser sends them: GET /id/{code}
 * and the GS1 Digital Link path /01/{gtin}/21/{serial} (GTIN check digit,
 * serial decoding), with whatever Accept (content negotiation, qvalues),
 * If-None-Match (ETag list parsing) and Authorization the input carries.
 * Input: the request format of fuzz.h; the method is always GET. */
#include "fuzz.h"

static const struct fz_policy policy = {
	.method = "GET",
	.prefix = "/id/|/01/",
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
