/* SQL for installed units: the asset rows, their components, their
 * timeline and the list / search queries. Scope is applied inside each
 * query (policy_scope() + db_bind_scope() over assets.region_path and
 * assets.sales_owner_id), so an asset out of scope is never read. */
#ifndef FT_ASSETS_STORE_H
#define FT_ASSETS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"
#include "db/registry_store.h"

/* Facts anyone may see on the public nameplate page (no customer data). */
struct asset_public {
	int64_t id;
	char serial[64];      /* serials are at most 63 bytes */
	char model_code[65];  /* REG_CODE_SIZE */
	char model_name[256]; /* REG_NAME_SIZE */
	char product_line[64];
	char product_line_name[256];    /* REG_NAME_SIZE; what the nameplate shows */
	char product_line_name_en[256]; /* "" when the line has no English name */
	char gtin[16];                  /* "" when the model has none */
	int64_t updated_at;
};

struct db;

#define ASSET_SERIAL_SIZE 64
#define ASSET_FIELD_SIZE 65    /* plant, line, batch, part numbers, lots */
#define ASSET_DATE_SIZE 11     /* YYYY-MM-DD */
#define ASSET_TESTS_SIZE 16385 /* factory tests as JSON text */
#define ASSET_SUPPLIER_SIZE 129

/* SQL: the unit aliased A is published, not one of a CSV import still
 * being written in slices (migrations/0017_import_slices.sql). Every
 * statement that finds units (by id, serial, listing, scope, due dates)
 * adds it; writes reach a unit only through such a read. */
#define ASSET_PUBLISHED(A)                                                                         \
	" NOT EXISTS (SELECT 1 FROM imports_pending ip WHERE ip.id = " A ".import_id)"

struct asset_row {
	int64_t id;
	char serial[ASSET_SERIAL_SIZE];
	int64_t model_id;
	char model_code[REG_CODE_SIZE]; /* filled by reads only */
	char model_name[REG_NAME_SIZE]; /* filled by reads only */
	char design_revision[REG_REVISION_SIZE];
	char plant[ASSET_FIELD_SIZE];
	char line[ASSET_FIELD_SIZE];
	char batch[ASSET_FIELD_SIZE];
	char production_date[ASSET_DATE_SIZE]; /* "" = unknown */
	char factory_tests[ASSET_TESTS_SIZE];  /* JSON array text */
	int64_t site_id;                       /* 0 = not installed */
	int64_t customer_id;                   /* 0 = none; copied from the site */
	char region_path[REG_PATH_SIZE];       /* "" = none; copied from the site */
	char installed_at[ASSET_DATE_SIZE];    /* "" = not yet */
	char commissioned_at[ASSET_DATE_SIZE];
	char accepted_at[ASSET_DATE_SIZE];
	char warranty_start[ASSET_DATE_SIZE]; /* "" = none */
	int64_t warranty_months;
	char warranty_end[ASSET_DATE_SIZE]; /* "" = none */
	int64_t sales_owner_id;             /* 0 = none */
	int64_t version;
	int64_t created_at;
	int64_t updated_at;
};

/* ERR_NOT_FOUND when unknown or out of scope. */
enum err assets_store_get(struct db *db, int64_t id, const struct scope *sc, struct asset_row *out);
/* An asset's trace in one joined read: the asset with its model, its site,
 * its customer, its sales owner and its newest label. Text is borrowed
 * until assets_store_trace_end() ("" where the column is NULL); other
 * statements may run meanwhile. */
struct sqlite3_stmt;
struct asset_trace_row {
	int64_t id;
	const char *serial;
	const char *design_revision;
	const char *plant, *line, *batch;
	const char *production_date; /* "" = unknown */
	const char *factory_tests;   /* JSON array text, factory_tests_len bytes */
	size_t factory_tests_len;
	const char *installed_at, *commissioned_at, *accepted_at; /* "" = not yet */
	const char *warranty_start, *warranty_end;                /* "" = none */
	int64_t warranty_months;
	int64_t version;
	int64_t updated_at;

	int64_t model_id;
	const char *model_code, *model_name, *product_line, *gtin; /* gtin "" = none */
	const char *specs, *documents;                             /* JSON object / array text */
	size_t specs_len, documents_len;

	int64_t site_id; /* 0 = not installed */
	const char *site_code, *site_name, *site_address, *site_region;
	int site_has_position; /* 0: latitude / longitude unknown */
	double latitude, longitude;

	struct customer_row customer; /* id 0 = none */

	int64_t owner_id; /* 0 = no sales owner */
	const char *owner_username;

	int64_t label_generation; /* 0 = no current label (none, or revoked) */
	int64_t label_key_id;

	struct sqlite3_stmt *stmt; /* on its row until assets_store_trace_end */
};
/* ERR_NOT_FOUND when unknown or out of scope (nothing to end then). */
enum err assets_store_trace_begin(struct db *db, int64_t id, const struct scope *sc,
				  struct asset_trace_row *out);
/* Releases the row; the borrowed text is gone. */
void assets_store_trace_end(struct asset_trace_row *t);
/* A unit's rendered trace (migrations/0015_trace_snapshots.sql): the text
 * up to the warranty's end date, and what a scan computes the rest from.
 * Text is borrowed until assets_store_snapshot_end(). */
struct trace_snapshot {
	const char *body;
	size_t body_len;
	const char *warranty_end; /* "" = none */
	int64_t label_key_id;
	int64_t label_generation; /* 0 = no current label */
	struct sqlite3_stmt *stmt;
};
/* The unit's snapshot if it is current, of this format, and the unit
 * within scope sc (ERR_NOT_FOUND when it has none, one of an earlier epoch
 * or another format, or is out of scope: nothing to end then). */
enum err assets_store_snapshot_begin(struct db *db, int64_t asset_id, const struct scope *sc,
				     int64_t format, struct trace_snapshot *out);
void assets_store_snapshot_end(struct trace_snapshot *s);
/* Stores s (its stmt unused) as the unit's snapshot of this format at the
 * current epoch. Only inside a write transaction whose own data s was
 * rendered from. */
enum err assets_store_snapshot_put(struct db *db, int64_t asset_id, int64_t format,
				   const struct trace_snapshot *s);
/* ERR_OK when the asset exists within scope, else ERR_NOT_FOUND. */
enum err assets_store_in_scope(struct db *db, int64_t id, const struct scope *sc);
/* Inserts a (its id, version, model_code / model_name ignored; version 1).
 * ERR_CONFLICT when the serial is taken. */
enum err assets_store_insert(struct db *db, const struct asset_row *a, int64_t *id_out);
/* The same for a unit of the pending CSV import import_id: no read finds it
 * until that import is published (migrations/0017_import_slices.sql). */
enum err assets_store_insert_pending(struct db *db, const struct asset_row *a, int64_t import_id,
				     int64_t *id_out);
/* Writes every fact of a but serial and model onto a->id, with version + 1
 * and updated_at, where the stored version is still a->version;
 * ERR_CONFLICT when it is not (changed meanwhile, or gone). */
enum err assets_store_update(struct db *db, const struct asset_row *a);
/* version + 1, updated_at = now (the trace changed: a new event). */
enum err assets_store_touch(struct db *db, int64_t asset_id, int64_t now);
/* Moves every asset at a site to its (new) customer and region path,
 * bumping their version. */
enum err assets_store_site_moved(struct db *db, int64_t site_id, int64_t customer_id,
				 const char *region_path, int64_t now);

/* Listing filters; 0 / NULL = any. region_lo/hi is a region subtree
 * range like the scope's. */
struct asset_filter {
	const char *serial;
	const char *serial_prefix; /* serials starting with these bytes */
	int64_t site_id;
	int64_t customer_id;
	int64_t model_id;
	const char *batch;
	const char *region_lo;
	const char *region_hi;
};

/* One listed asset (a subset of asset_row). */
struct asset_summary {
	int64_t id;
	char serial[ASSET_SERIAL_SIZE];
	char model_code[REG_CODE_SIZE];
	char model_name[REG_NAME_SIZE];
	char batch[ASSET_FIELD_SIZE];
	char production_date[ASSET_DATE_SIZE];
	int64_t site_id;
	int64_t customer_id;
	char region_path[REG_PATH_SIZE];
	char warranty_end[ASSET_DATE_SIZE];
	int64_t sales_owner_id;
	int64_t version;
	int64_t updated_at;
};

/* Where a listing resumes: after the asset (after_path, after_id) in the
 * listing's order. Listings driven by a region range are ordered by
 * (region_path, id), every other one by id; a position carries both so a
 * cursor works for either. Zeroed = from the start. */
struct asset_pos {
	int64_t after_id;
	char after_path[REG_PATH_SIZE];
};

typedef int (*asset_summary_fn)(const struct asset_summary *row, void *ctx);

/* Assets within scope matching f after pos, at most limit. Each filter
 * and each scope kind is answered from an index: the most selective given
 * filter drives the query (serial, site, customer, batch, model, the sales
 * owner, the region range, else the primary key), the rest are checked on
 * the rows it yields. */
enum err assets_store_list(struct db *db, const struct scope *sc, const struct asset_filter *f,
			   const struct asset_pos *pos, int limit, asset_summary_fn fn, void *ctx);
/* The EXPLAIN QUERY PLAN of the serial prefix listing, one detail a line
 * (tests prove it reads a range of the serial index). */
enum err assets_store_serial_prefix_plan(struct db *db, char *out, size_t size);

struct component_row {
	int64_t id;
	char part_number[ASSET_FIELD_SIZE];
	char component_serial[ASSET_FIELD_SIZE];
	char supplier[ASSET_SUPPLIER_SIZE];
	char lot[ASSET_FIELD_SIZE];
	int64_t installed_at;
	int64_t removed_at; /* 0 = still fitted */
};
typedef int (*component_row_fn)(const struct component_row *row, void *ctx);

enum err assets_store_component_insert(struct db *db, int64_t asset_id,
				       const struct component_row *c);
/* Every component the asset ever had, in id order; removed_at tells the
 * replaced ones from those still fitted. */
enum err assets_store_components(struct db *db, int64_t asset_id, component_row_fn fn, void *ctx);

/* One timeline event; strings borrowed for the callback. */
struct asset_event {
	int64_t asset_id;
	int64_t at;
	int64_t id;
	const char *kind;
	const char *summary;
	const char *detail; /* JSON object text */
	int64_t actor_id;   /* 0 = system */
};
typedef int (*asset_event_fn)(const struct asset_event *ev, void *ctx);

/* Takes the next event id from the 'asset_event' counter and inserts the
 * event. ERR_INVALID when the kind is not one the schema knows. Inside the
 * caller's transaction. */
enum err assets_store_event_insert(struct db *db, int64_t asset_id, int64_t at, const char *kind,
				   const char *summary, const char *detail, int64_t actor_id);
/* Newest first: events ordered by (at, id) descending that come before
 * (before_at, before_id); has_before 0 = from the newest. */
enum err assets_store_events(struct db *db, int64_t asset_id, int has_before, int64_t before_at,
			     int64_t before_id, int limit, asset_event_fn fn, void *ctx);

/* The public nameplate facts; ERR_NOT_FOUND when unknown. */
enum err assets_store_public(struct db *db, int64_t asset_id, struct asset_public *out);
enum err assets_store_by_gtin_serial(struct db *db, const char *gtin14, const char *serial,
				     int64_t *asset_id);

#endif
