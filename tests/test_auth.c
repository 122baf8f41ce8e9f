/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *auth_suite(void)
{
	return suite_create("auth");
}
