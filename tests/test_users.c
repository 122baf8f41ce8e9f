/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *users_suite(void)
{
	return suite_create("users");
}
