/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *db_suite(void)
{
	return suite_create("db");
}
