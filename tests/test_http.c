/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *http_suite(void)
{
	return suite_create("http");
}
