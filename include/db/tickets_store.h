/* Store of service tickets: intake look-ups, the ticket row, its history,
 * work record and replaced parts. All SQL for tickets lives in
 * server/db/tickets_store.c; callers open the transaction. */
#ifndef FT_TICKETS_STORE_H
#define FT_TICKETS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

struct db;

#define TICKET_TITLE_SIZE 256
#define TICKET_TEXT_SIZE 4096 /* description, work cause / actions */
#define TICKET_NOTE_SIZE 1024
#define TICKET_ROUTING_SIZE 8192
#define TICKET_NAME_SIZE 256

/* What intake copies onto a new ticket from the asset, site or customer it
 * names. Zero / "" where unknown. */
struct ticket_facts {
	int64_t asset_id, customer_id, site_id, model_id, sales_owner_id;
	char region_path[256];
	char product_line[64];
	char tier[16];
	char warranty_end[11]; /* "" when none */
	int has_position;
	double latitude, longitude;
};

/* The asset / site / customer within the caller's registry scope; asset and
 * site facts include the customer's. ERR_NOT_FOUND when unknown or out of
 * scope. */
enum err tickets_store_asset_facts(struct db *db, int64_t asset_id, const struct scope *sc,
				   struct ticket_facts *out);
enum err tickets_store_site_facts(struct db *db, int64_t site_id, const struct scope *sc,
				  struct ticket_facts *out);
enum err tickets_store_customer_facts(struct db *db, int64_t customer_id, const struct scope *sc,
				      struct ticket_facts *out);

/* Every ticket status, in the order of the tickets.status CHECK list
 * (migrations/0003_service.sql), with what it means for the lists below:
 *   X(name, open, clock, final)
 *   open   work remains: boards, "open requests", a unit's open tickets
 *   clock  the SLA clock runs (open and not waiting for the customer)
 *   final  over for good: a device's sync may forget it (closed, cancelled)
 * Everything that names statuses derives from this list or is checked
 * against it: the SQL lists below, the transition table (include/domain/ticket_states.h), the
 * ?status= filter; the openapi suite checks Ticket.status's enum. */
#define TICKET_STATUSES(X)                                                                         \
	X(new, 1, 1, 0)                                                                            \
	X(routed, 1, 1, 0)                                                                         \
	X(assigned, 1, 1, 0)                                                                       \
	X(accepted, 1, 1, 0)                                                                       \
	X(declined, 1, 1, 0)                                                                       \
	X(en_route, 1, 1, 0)                                                                       \
	X(on_site, 1, 1, 0)                                                                        \
	X(waiting_customer, 1, 0, 0)                                                               \
	X(resolved, 0, 0, 0)                                                                       \
	X(follow_up, 0, 0, 0)                                                                      \
	X(closed, 0, 0, 1)                                                                         \
	X(cancelled, 0, 0, 1)                                                                      \
	X(reopened, 1, 1, 0)

/* The SQL lists of statuses, written out: SQLite uses a partial index only
 * when the query repeats its WHERE term exactly (tickets_asset_open and
 * tickets_open in migrations/0012_trace_indexes.sql and 0009), so a
 * generated list with a separator of its own would lose the index. The
 * db suite checks each against TICKET_STATUSES.
 *   OPEN   work remains                  CLOCK  the SLA clock runs
 *   DONE   no work remains (NOT IN it = open, one index range)
 *   FINAL  over for good */
#define TICKET_OPEN_SQL                                                                            \
	"('new', 'routed', 'assigned', 'accepted', 'declined', 'en_route', 'on_site',"             \
	" 'waiting_customer', 'reopened')"
#define TICKET_CLOCK_SQL                                                                           \
	"('new', 'routed', 'assigned', 'accepted', 'declined', 'en_route', 'on_site', 'reopened')"
#define TICKET_DONE_SQL "('resolved', 'follow_up', 'closed', 'cancelled')"
#define TICKET_FINAL_SQL "('closed', 'cancelled')"

struct ticket_row {
	int64_t id;
	char channel[16];
	char category[32];
	char subcategory[32];
	char status[20];
	char paused_status[20];
	char title[TICKET_TITLE_SIZE];
	char description[TICKET_TEXT_SIZE];
	char impact[8];
	char urgency[8];
	char priority[4];
	char customer_tier[16];
	int64_t asset_id, customer_id, site_id, model_id, sales_owner_id;
	char region_path[256];
	char product_line[64];
	char warranty_status[16];
	int billable;
	char contact_name[128];
	char contact_phone[40];
	char centre[32];
	char routing[TICKET_ROUTING_SIZE]; /* JSON text */
	int64_t assignee_id, parent_id;
	int64_t response_due, arrival_due, resolution_due;
	int64_t responded_at, arrived_at, resolved_at, closed_at, paused_at; /* 0 = not yet */
	int64_t paused_seconds;
	int satisfaction; /* 0 = none */
	char feedback[TICKET_NOTE_SIZE];
	int64_t created_by, version, created_at, updated_at;
	/* Read-only names joined in for display. */
	char customer_name[TICKET_NAME_SIZE];
	char site_name[TICKET_NAME_SIZE];
	char asset_serial[64];
	char model_code[65];
	char assignee_username[64];
	int has_position; /* the site's */
	double latitude, longitude;
	int escalation_level;        /* highest SLA escalation recorded, 0 = none */
	int escalation_waiting;      /* an escalation level nobody has acknowledged yet */
	char client_id[40];          /* UUID the device gave it; "" when none */
	char client_fingerprint[65]; /* SHA-256 (hex) of the opening request */
};

/* Inserts t (id, version, display names ignored); *id_out = its id. */
enum err tickets_store_insert(struct db *db, const struct ticket_row *t, int64_t *id_out);
/* Writes every mutable column of t where id = t->id and version =
 * t->version, then bumps the version: ERR_CONFLICT when someone else
 * changed it first. */
enum err tickets_store_update(struct db *db, struct ticket_row *t);
enum err tickets_store_get(struct db *db, int64_t id, const struct scope *sc,
			   struct ticket_row *out);
/* The ticket a device opened as client_id (any scope): its id, the opening
 * request's fingerprint and who opened it. ERR_NOT_FOUND when none. */
enum err tickets_store_by_client_id(struct db *db, const char *client_id, int64_t *id,
				    char fingerprint[65], int64_t *created_by);

/* Filters of the list; NULL / 0 = not filtered. */
struct ticket_filter {
	const char *statuses; /* comma-separated list */
	const char *centre;
	int64_t assignee_id;
	const char *priority;
	const char *category; /* top level or subcategory */
	const char *channel;
	int64_t asset_id;
	int64_t customer_id;
	int64_t created_from, created_to; /* [from, to); 0 = open-ended */
	int64_t overdue_at;               /* > 0: only tickets with a target missed by then */
	int escalated;                    /* 1: only tickets escalated at least once */
};
typedef int (*ticket_row_fn)(const struct ticket_row *t, void *ctx); /* nonzero stops */
/* Newest first, ids below before_id (0 = from the newest). */
enum err tickets_store_list(struct db *db, const struct scope *sc, const struct ticket_filter *f,
			    int64_t before_id, int limit, ticket_row_fn fn, void *ctx);

/* ---- the dispatcher's board ------------------------------------------- */

/* A ticket as a board shows it: what a dispatcher scans, the SLA targets
 * and the escalation level; no texts, history or routing. */
struct ticket_board_row {
	int64_t id;
	char status[20];
	char priority[4];
	char channel[16];
	char category[32];
	char subcategory[32];
	char title[TICKET_TITLE_SIZE];
	int64_t customer_id, site_id, asset_id, assignee_id;
	char customer_name[TICKET_NAME_SIZE];
	char customer_tier[16];
	char site_name[TICKET_NAME_SIZE];
	char asset_serial[64];
	char model_code[65];
	char centre[32];
	char assignee_username[64];
	int64_t due[3]; /* response, arrival, resolution */
	int64_t met[3]; /* responded, arrived, resolved at; 0 = not yet */
	int64_t paused_at;
	int escalation_level; /* highest recorded, 0 = none */
	int64_t version, created_at, updated_at;
};
/* What a board narrows to; NULL = not narrowed. */
struct ticket_board_filter {
	const char *centre;
	const char *statuses; /* comma-separated list */
};
typedef int (*ticket_board_fn)(const struct ticket_board_row *t, void *ctx); /* nonzero stops */
/* Every ticket in scope and f that is not final (closed, cancelled), by id
 * (the partial index tickets_board, migration 0019). */
enum err tickets_store_board(struct db *db, const struct scope *sc,
			     const struct ticket_board_filter *f, ticket_board_fn fn, void *ctx);
/* One ticket in scope, whatever its status; *on_board: not final and
 * within f. ERR_NOT_FOUND when unknown or out of scope. */
enum err tickets_store_board_get(struct db *db, int64_t id, const struct scope *sc,
				 const struct ticket_board_filter *f, struct ticket_board_row *out,
				 int *on_board);

/* Open tickets of an asset (for the scan), newest first. */
enum err tickets_store_open_of_asset(struct db *db, int64_t asset_id, int limit, ticket_row_fn fn,
				     void *ctx);

/* ---- history ------------------------------------------------------------ */

struct ticket_event {
	int64_t seq, at;
	char action[24];
	char from_status[20]; /* "" for the first */
	char to_status[20];
	int64_t actor_id;
	char actor[64]; /* username, joined */
	char note[TICKET_NOTE_SIZE];
	int has_position;
	double latitude, longitude;
	char detail[TICKET_TEXT_SIZE]; /* JSON object text */
	int has_device_at;
	int64_t device_at; /* the device's clock, as given (work recorded offline) */
};
/* Appends ev (seq is assigned: one more than the last). */
enum err tickets_store_event_add(struct db *db, int64_t ticket_id, struct ticket_event *ev);
typedef int (*ticket_event_fn)(const struct ticket_event *ev, void *ctx);
enum err tickets_store_events(struct db *db, int64_t ticket_id, ticket_event_fn fn, void *ctx);
/* When the last transition took effect: its device time when the entry's
 * detail says time_source "device", else its server time; 0 when none. */
enum err tickets_store_last_event_time(struct db *db, int64_t ticket_id, int64_t *out);

/* ---- work record and parts ------------------------------------------- */

struct ticket_work {
	char fault_code[64];
	char cause[TICKET_TEXT_SIZE];
	char actions[TICKET_TEXT_SIZE];
	int64_t minutes_spent;
	int64_t recorded_by, recorded_at;
};
/* Inserts or replaces the ticket's work record (a reopened job is resolved
 * again with a new one). */
enum err tickets_store_work_put(struct db *db, int64_t ticket_id, const struct ticket_work *w);
enum err tickets_store_work_get(struct db *db, int64_t ticket_id, struct ticket_work *out);

struct ticket_part {
	int64_t id;
	char part_number[64];
	char old_serial[64];
	char new_serial[64];
	char supplier[128];
	char lot[64];
	int64_t old_component_id, new_component_id;
};
/* The asset's fitted component to replace: part_number, and old_serial
 * when not "". ERR_NOT_FOUND when none is fitted. */
enum err tickets_store_component_find(struct db *db, int64_t asset_id, const char *part_number,
				      const char *old_serial, int64_t *component_id,
				      char serial_out[64]);
/* Marks the old component removed and fits the new one. */
enum err tickets_store_component_swap(struct db *db, int64_t asset_id, int64_t old_component_id,
				      const struct ticket_part *p, int64_t now,
				      int64_t *new_component_id);
enum err tickets_store_part_add(struct db *db, int64_t ticket_id, const struct ticket_part *p);
typedef int (*ticket_part_fn)(const struct ticket_part *p, void *ctx);
enum err tickets_store_parts(struct db *db, int64_t ticket_id, ticket_part_fn fn, void *ctx);

/* Whether a priority's clock runs round the clock (P1) or on business
 * time; ERR_NOT_FOUND for an unknown priority. */
enum err tickets_store_round_the_clock(struct db *db, const char *priority, int *out);

/* ---- dispatch ------------------------------------------------------------ */

/* An active technician of the centre: ERR_NOT_FOUND when the user is not
 * one (or disabled). username receives their name. */
enum err tickets_store_technician_of(struct db *db, int64_t user_id, const char *centre,
				     char username[64]);

#endif
