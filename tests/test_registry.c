/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *registry_suite(void)
{
	return suite_create("registry");
}
