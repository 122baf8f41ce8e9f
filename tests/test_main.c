/* Runs every suite. Check forks each test (CK_FORK=no for gdb), so a crash,
 * an ASan report or a hang fails that test and the run goes on. */
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

int main(void)
{
	SRunner *sr;
	int failed;

	harness_global_init();
	sr = srunner_create(http_suite());
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, session_suite());
	srunner_add_suite(sr, db_suite());
	srunner_add_suite(sr, users_suite());
	srunner_add_suite(sr, openapi_suite());
	srunner_add_suite(sr, registry_suite());
	srunner_add_suite(sr, identity_suite());
	srunner_add_suite(sr, selfservice_suite());
	srunner_add_suite(sr, labels_suite());
	srunner_add_suite(sr, import_suite());
	srunner_add_suite(sr, tickets_suite());
	srunner_add_suite(sr, board_suite());
	srunner_add_suite(sr, warranty_suite());
	srunner_add_suite(sr, contracts_suite());
	srunner_add_suite(sr, overview_suite());
	srunner_add_suite(sr, maintenance_suite());
	srunner_add_suite(sr, checklists_suite());
	srunner_add_suite(sr, escalation_suite());
	srunner_add_suite(sr, authz_suite());
	srunner_add_suite(sr, routing_suite());
	srunner_add_suite(sr, sla_suite());
	srunner_add_suite(sr, notify_suite());
	srunner_add_suite(sr, devices_suite());
	srunner_add_suite(sr, experts_suite());
	srunner_add_suite(sr, assist_suite());
	srunner_add_suite(sr, mail_suite());
	srunner_add_suite(sr, sms_suite());
	srunner_add_suite(sr, robots_suite());
	srunner_add_suite(sr, delivery_suite());
	srunner_add_suite(sr, push_suite());
	srunner_add_suite(sr, kb_suite());
	srunner_add_suite(sr, analytics_suite());
	srunner_add_suite(sr, attachments_suite());
	srunner_add_suite(sr, offline_suite());
	srunner_add_suite(sr, console_suite());
	srunner_add_suite(sr, reliability_suite());
	srunner_add_suite(sr, hostile_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
