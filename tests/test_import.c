/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *import_suite(void)
{
	return suite_create("import");
}
