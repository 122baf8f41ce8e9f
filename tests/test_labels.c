/* STUB: to be written. */
#include "harness.h"
#include "suites.h"

Suite *labels_suite(void)
{
	return suite_create("labels");
}
