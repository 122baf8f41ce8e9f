/* Every test suite; one file per area, mirroring server/. */
#ifndef FT_TEST_SUITES_H
#define FT_TEST_SUITES_H

#include <check.h>

Suite *http_suite(void);    /* tests/test_http.c: limits, errors, TLS, health */
Suite *auth_suite(void);    /* tests/test_auth.c: login, refresh, throttling */
Suite *session_suite(void); /* tests/test_session.c: browser session, password, sign-out */
Suite *db_suite(void);      /* tests/test_db.c: migrations, backup, audit chain */
Suite *users_suite(void);   /* tests/test_users.c: user management and scope */
Suite *openapi_suite(void); /* tests/test_openapi.c: every route documented */
Suite *registry_suite(void); /* tests/test_registry.c: customers, sites, models, assets */
Suite *identity_suite(void); /* tests/test_identity.c: QR codes, /id/ resolve */
Suite *labels_suite(void);   /* tests/test_labels.c: SVG/PNG labels, sheets */
Suite *import_suite(void);   /* tests/test_import.c: CSV import */
Suite *authz_suite(void); /* tests/test_authz.c: every operation x every role x scope */
Suite *escalation_suite(void); /* tests/test_escalation.c: SLA warnings, escalation, scheduler */
Suite *warranty_suite(void); /* tests/test_warranty.c: alerts, renewals, digest */
Suite *contracts_suite(void); /* tests/test_contracts.c: contracts and entitlements */
Suite *overview_suite(void);  /* tests/test_overview.c: the customer 360 view */
Suite *maintenance_suite(void); /* tests/test_maintenance.c: plans, preventive requests, calendar */
Suite *checklists_suite(void); /* tests/test_checklists.c: checklists, sign-off, service report */
Suite *tickets_suite(void);  /* tests/test_tickets.c: intake, routing, state machine */
Suite *board_suite(void);    /* tests/test_board.c: the dispatcher's board, its changes, clocks */
Suite *routing_suite(void);  /* tests/test_routing.c: coverage, skills, duty, routing */
Suite *sla_suite(void);      /* tests/test_sla.c: catalogue, service levels, calendar */
Suite *notify_suite(void);   /* tests/test_notify.c: notifications, webhooks, outbox */
Suite *devices_suite(void);  /* tests/test_devices.c: push devices' registry */
Suite *experts_suite(void);  /* tests/test_experts.c: experts, rotas, who is on call */
Suite *assist_suite(void);   /* tests/test_assist.c: assistance sessions, signalling, TURN */
Suite *mail_suite(void);     /* tests/test_mail.c: e-mail over SMTP against a real SMTP server */
Suite *sms_suite(void);      /* tests/test_sms.c: Aliyun SMS against a local receiver */
Suite *robots_suite(void);   /* tests/test_robots.c: WeCom, DingTalk, Feishu robots */
Suite *delivery_suite(void); /* tests/test_delivery.c: notifications reach people */
Suite *push_suite(void);     /* tests/test_push.c: FCM, APNs, JPush clients vs receivers */
Suite *kb_suite(void);       /* tests/test_kb.c: knowledge base, search, suggestions */

Suite *analytics_suite(void); /* tests/test_analytics.c: problems, analytics, report */
Suite *attachments_suite(void); /* tests/test_attachments.c: uploads, downloads, check-ins */
Suite *reliability_suite(void); /* tests/test_reliability.c: a full disk */
Suite *hostile_suite(void); /* tests/test_hostile.c: slow clients, connection and rate limits */
Suite *offline_suite(void);  /* tests/test_offline.c: idempotent replay, sync, device time */
Suite *selfservice_suite(void); /* tests/test_selfservice.c: report, track, rate from a nameplate */
Suite *console_suite(void);  /* tests/test_console.c: the web console's files and headers */

#endif
