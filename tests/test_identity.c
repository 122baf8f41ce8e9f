/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *identity_suite(void)
{
	return suite_create("identity");
}
