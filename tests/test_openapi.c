/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *openapi_suite(void)
{
	return suite_create("openapi");
}
