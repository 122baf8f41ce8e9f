/* Installed units: registering them with their production, procurement,
 * installation and warranty facts; the whole trace a scan answers with;
 * their timeline; listing and search within the caller's scope.
 *
 * Derived facts are computed here, never taken from the client: the
 * customer and region path come from the site, the warranty starts on the
 * given date or else on acceptance, and ends `months` calendar months
 * later (the day clamped to the month's end), the first day without cover.
 *
 * version counts changes to what the trace shows of the asset itself: a
 * PATCH, a move of its site, and every event appended through
 * asset_timeline_append() bump it, so ETag "v<version>" changes with them. */
#include "domain/assets.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/assets_store.h"
#include "core/clock.h"
#include "domain/customers.h"
#include "db/db.h"
#include "core/jsonw.h"
#include "domain/qr.h"
#include "domain/qr_code.h"
#include "db/regions_store.h"
#include "domain/registry.h"
#include "domain/tickets.h"
#include "db/tickets_store.h"

/* The public nameplate copies these fields: it must never cut them. */
_Static_assert(sizeof(((struct asset_public *)0)->model_code) >= REG_CODE_SIZE,
	       "asset_public.model_code shorter than a model code");
_Static_assert(sizeof(((struct asset_public *)0)->model_name) >= REG_NAME_SIZE,
	       "asset_public.model_name shorter than a model name");
_Static_assert(sizeof(((struct asset_public *)0)->product_line_name) >= REG_NAME_SIZE &&
		   sizeof(((struct asset_public *)0)->product_line_name_en) >= REG_NAME_SIZE,
	       "asset_public.product_line_name shorter than a product line name");

#define TRACE_OPEN_REQUESTS 20
#define EXPIRING_DAYS 90
#define WARRANTY_MONTHS_MAX 600
#define DATE_FIELD_MAX 32 /* longer than a date, so a bad one is named as such */
#define TEST_NAME_MAX 64
#define TEST_UNIT_MAX 16

/* ---- warranty ------------------------------------------------------------ */

const char *assets_warranty_status(const char *end, int64_t now, int64_t *days_left)
{
	char today[11];
	int64_t left;

	*days_left = 0;
	if (!end || !registry_date_ok(end))
		return "none";
	registry_date_of(now, today);
	left = registry_date_days(end) - registry_date_days(today);
	if (left <= 0)
		return "expired";
	*days_left = left;
	return left <= EXPIRING_DAYS ? "expiring" : "in_warranty";
}

/* warranty_start = the explicit start, else the acceptance date;
 * warranty_end = start + months when both are known. An end after
 * 9999-12-31 is refused (pb NULL: not this change's doing, kept). */
static void derive_warranty(struct asset_row *a, const char *explicit_start, struct problem *pb)
{
	const char *start = explicit_start[0] ? explicit_start : a->accepted_at;

	snprintf(a->warranty_start, sizeof(a->warranty_start), "%s", start);
	a->warranty_end[0] = '\0';
	if (a->warranty_start[0] && a->warranty_months > 0 &&
	    registry_date_add_months(a->warranty_start, a->warranty_months, a->warranty_end) < 0 &&
	    pb)
		problem_invalid(pb, "/warranty",
				"a warranty of %lld months from %s would end after 9999-12-31",
				(long long)a->warranty_months, a->warranty_start);
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *date_or_null(const char *d)
{
	return d[0] ? json_string(d) : json_null();
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

/* The last code of a region path ("/CN/GD/SZ/" -> "SZ") into out. */
static void path_region(const char *path, char *out, size_t size)
{
	size_t n = strlen(path), start;

	out[0] = '\0';
	if (n < 2)
		return;
	start = n - 1;
	while (start > 0 && path[start - 1] != '/')
		start--;
	snprintf(out, size, "%.*s", (int)(n - 1 - start), path + start);
}

static json_t *tests_json(const char *text)
{
	json_t *t = json_loads(text, 0, NULL);

	return json_is_array(t) ? t : (json_decref(t), json_array());
}

/* The asset's own facts, as audit entries record them. */
json_t *assets_facts_json(const struct asset_row *a)
{
	return json_pack(
	    "{s:I, s:s, s:I, s:s, s:{s:s, s:s, s:s, s:o, s:o},"
	    " s:{s:o, s:o, s:s, s:o, s:o, s:o}, s:{s:o, s:I, s:o}, s:o, s:I}",
	    "id", (json_int_t)a->id, "serial", a->serial, "model_id", (json_int_t)a->model_id,
	    "design_revision", a->design_revision, "production", "plant", a->plant, "line", a->line,
	    "batch", a->batch, "date", date_or_null(a->production_date), "tests",
	    tests_json(a->factory_tests), "installation", "site_id", id_or_null(a->site_id),
	    "customer_id", id_or_null(a->customer_id), "region_path", a->region_path,
	    "installed_at", date_or_null(a->installed_at), "commissioned_at",
	    date_or_null(a->commissioned_at), "accepted_at", date_or_null(a->accepted_at),
	    "warranty", "start", date_or_null(a->warranty_start), "months",
	    (json_int_t)a->warranty_months, "end", date_or_null(a->warranty_end), "sales_owner_id",
	    id_or_null(a->sales_owner_id), "version", (json_int_t)a->version);
}

/* ---- timeline pages ------------------------------------------------------ */

/* ---- the trace ----------------------------------------------------------- */

/* The trace is written straight into the answer's buffer: one joined read
 * for the asset, its model, site, customer, owner and label, one scan each
 * for contacts, components and the latest events. Stored JSON (model specs
 * and documents, factory tests, event details) was validated and written
 * by json_dumps, so it is embedded as it is after a cheap syntax check
 * (jsonw_valid) instead of being parsed and dumped again; text that fails
 * the check shows as {} or [], as it did when it was parsed.
 *
 * Members come in the order the jansson version of this document had, and
 * values are written as json_dumps wrote them, so the bytes (and the
 * /id/ ETags over them) are those of before. */

static void write_component(struct jsonw *w, const struct component_row *c)
{
	jsonw_object(w);
	jsonw_member_int(w, "id", c->id);
	jsonw_member_str(w, "part_number", c->part_number);
	jsonw_member_str(w, "component_serial", c->component_serial);
	jsonw_member_str(w, "supplier", c->supplier);
	jsonw_member_str(w, "lot", c->lot);
	jsonw_member_time(w, "installed_at", c->installed_at);
	if (c->removed_at)
		jsonw_member_time(w, "removed_at", c->removed_at);
	else
		jsonw_member_null(w, "removed_at");
	jsonw_object_end(w);
}

/* Components still fitted go straight out; replaced ones wait in their own
 * buffer, started by the first one (most assets have none). */
struct components_w {
	struct jsonw *fitted;
	struct jsonw replaced;
	int nreplaced;
};

static int component_write(const struct component_row *c, void *arg)
{
	struct components_w *ctx = arg;

	if (c->removed_at && ctx->nreplaced++ == 0)
		jsonw_array(&ctx->replaced);
	write_component(c->removed_at ? &ctx->replaced : ctx->fitted, c);
	return 0;
}

static enum err trace_components(struct db *db, int64_t asset_id, struct jsonw *w)
{
	struct buf replaced;
	struct components_w ctx = { .fitted = w };
	enum err e;

	buf_init(&replaced, 0);
	jsonw_init(&ctx.replaced, &replaced);
	jsonw_key(w, "components");
	jsonw_array(w);
	e = assets_store_components(db, asset_id, component_write, &ctx);
	jsonw_array_end(w);
	jsonw_key(w, "replaced");
	if (ctx.nreplaced) {
		jsonw_array_end(&ctx.replaced);
		jsonw_finish(&ctx.replaced);
		if (replaced.failed)
			w->b->failed = 1;
		jsonw_raw(w, replaced.data, replaced.len, '[', "[]");
	} else {
		jsonw_array(w);
		jsonw_array_end(w);
	}
	buf_cleanup(&replaced);
	return e;
}

static int event_write(const struct asset_event *ev, void *arg)
{
	struct jsonw *w = arg;

	jsonw_object(w);
	jsonw_member_int(w, "id", ev->id);
	jsonw_member_time(w, "at", ev->at);
	jsonw_member_str(w, "kind", ev->kind);
	jsonw_member_str(w, "summary", ev->summary);
	jsonw_key(w, "detail");
	jsonw_raw(w, ev->detail, strlen(ev->detail), 0, "{}");
	jsonw_member_id_or_null(w, "actor_id", ev->actor_id);
	jsonw_object_end(w);
	return 0;
}

/* The open service requests on the asset: none until service tickets
 * exist; the tickets module will write them here. */
/* Open service requests on the unit: what a technician on site must know
 * first. One indexed probe (tickets_asset); none is the usual answer. */
static int open_request_write(const struct ticket_row *t, void *arg)
{
	struct jsonw *w = arg;
	char number[24];

	tickets_number(t->id, number);
	jsonw_object(w);
	jsonw_member_int(w, "id", t->id);
	jsonw_member_str(w, "number", number);
	jsonw_member_str(w, "status", t->status);
	jsonw_member_str(w, "priority", t->priority);
	jsonw_member_str(w, "category", t->category);
	jsonw_member_str(w, "subcategory", t->subcategory);
	jsonw_member_str(w, "title", t->title);
	jsonw_member_str_or_null(w, "centre", t->centre[0] ? t->centre : NULL);
	jsonw_member_str_or_null(w, "assignee",
				 t->assignee_username[0] ? t->assignee_username : NULL);
	jsonw_member_time(w, "created_at", t->created_at);
	jsonw_member_time(w, "resolution_due", t->resolution_due);
	jsonw_object_end(w);
	return 0;
}

static enum err trace_open_requests(struct db *db, int64_t asset_id, struct jsonw *w)
{
	enum err e;

	jsonw_key(w, "open_service_requests");
	jsonw_array(w);
	e = tickets_store_open_of_asset(db, asset_id, TRACE_OPEN_REQUESTS, open_request_write, w);
	jsonw_array_end(w);
	return e;
}

/* The current identification label, what the app prints or shares; null
 * when the asset has none (never labelled, or the last one revoked). */
static enum err trace_label(struct db *db, int64_t asset_id, int64_t key_id, int64_t generation,
			    struct jsonw *w)
{
	char code[QR_CODE_MAX], link[QR_LINK_MAX];
	enum err e;

	jsonw_key(w, "label");
	if (!generation) {
		jsonw_null(w);
		return ERR_OK;
	}
	e = qr_code_format(key_id, asset_id, generation, code);
	if (e == ERR_NOT_FOUND) /* a key another process made: qr.c reloads them */
		e = qr_label_code(db, asset_id, code);
	if (e != ERR_OK)
		return e;
	qr_link(qr_public_url(), code, link, sizeof(link));
	jsonw_object(w);
	jsonw_member_str(w, "code", code);
	jsonw_member_str(w, "link", link);
	jsonw_object_end(w);
	return ERR_OK;
}

static void trace_model(const struct asset_trace_row *t, struct jsonw *w)
{
	jsonw_key(w, "model");
	jsonw_object(w);
	jsonw_member_int(w, "id", t->model_id);
	jsonw_member_str(w, "code", t->model_code);
	jsonw_member_str(w, "name", t->model_name);
	jsonw_member_str(w, "product_line", t->product_line);
	/* The design revision is the one this unit was built to. */
	jsonw_member_str(w, "design_revision", t->design_revision);
	jsonw_key(w, "specs");
	jsonw_raw(w, t->specs, t->specs_len, 0, "{}");
	jsonw_key(w, "documents");
	jsonw_raw(w, t->documents, t->documents_len, 0, "[]");
	jsonw_member_str_or_null(w, "gtin", t->gtin);
	jsonw_object_end(w);
}

static void trace_site(const struct asset_trace_row *t, struct jsonw *w)
{
	jsonw_key(w, "site");
	if (!t->site_id) {
		jsonw_null(w);
		return;
	}
	jsonw_object(w);
	jsonw_member_int(w, "id", t->site_id);
	jsonw_member_str(w, "code", t->site_code);
	jsonw_member_str(w, "name", t->site_name);
	jsonw_member_str(w, "address", t->site_address);
	jsonw_member_str(w, "region", t->site_region);
	jsonw_key(w, "latitude");
	if (t->site_has_position)
		jsonw_real(w, t->latitude);
	else
		jsonw_null(w);
	jsonw_key(w, "longitude");
	if (t->site_has_position)
		jsonw_real(w, t->longitude);
	else
		jsonw_null(w);
	jsonw_object_end(w);
}

/* The trace in two parts. The first depends only on stored facts, so a
 * snapshot keeps it (migrations/0015): it ends inside the warranty object,
 * after the end date, two containers deep. The second is what each answer
 * computes: the warranty's status and days left (they move with the
 * clock), the open service requests (tickets do not retire snapshots) and
 * the label (its link carries the configured public URL). */
static enum err trace_write_stored(struct db *db, const struct asset_trace_row *t,
				   int latest_events, int reveal_pii, struct jsonw *w,
				   struct asset_trace_info *info)
{
	enum err e;

	jsonw_object(w);
	jsonw_member_int(w, "id", t->id);
	jsonw_member_str(w, "serial", t->serial);
	trace_model(t, w);

	jsonw_key(w, "production");
	jsonw_object(w);
	jsonw_member_str(w, "plant", t->plant);
	jsonw_member_str(w, "line", t->line);
	jsonw_member_str(w, "batch", t->batch);
	jsonw_member_str_or_null(w, "date", t->production_date);
	jsonw_key(w, "tests");
	jsonw_raw(w, t->factory_tests, t->factory_tests_len, '[', "[]");
	jsonw_object_end(w);

	jsonw_key(w, "procurement");
	jsonw_object(w);
	e = trace_components(db, t->id, w);
	if (e != ERR_OK)
		return e;
	jsonw_object_end(w);

	/* The asset is visible, so its site and customer are shown with it
	 * whatever the caller's scope over them. */
	jsonw_key(w, "installation");
	jsonw_object(w);
	jsonw_key(w, "customer");
	if (t->customer.id) {
		e = customers_write(w, db, &t->customer, reveal_pii, &info->contacts);
		if (e != ERR_OK)
			return e;
	} else {
		jsonw_null(w);
	}
	trace_site(t, w);
	jsonw_member_str_or_null(w, "installed_at", t->installed_at);
	jsonw_member_str_or_null(w, "commissioned_at", t->commissioned_at);
	jsonw_member_str_or_null(w, "accepted_at", t->accepted_at);
	jsonw_object_end(w);

	jsonw_key(w, "sales_owner");
	if (t->owner_id) {
		jsonw_object(w);
		jsonw_member_int(w, "id", t->owner_id);
		jsonw_member_str(w, "username", t->owner_username);
		jsonw_object_end(w);
	} else {
		jsonw_null(w);
	}

	jsonw_key(w, "latest_events");
	jsonw_array(w);
	if (latest_events > 0) {
		e = assets_store_events(db, t->id, 0, 0, 0, latest_events, event_write, w);
		if (e != ERR_OK)
			return e;
	}
	jsonw_array_end(w);
	jsonw_member_int(w, "version", t->version);
	jsonw_member_time(w, "updated_at", t->updated_at);

	jsonw_key(w, "warranty");
	jsonw_object(w);
	jsonw_member_str_or_null(w, "start", t->warranty_start);
	jsonw_member_int(w, "months", t->warranty_months);
	jsonw_member_str_or_null(w, "end", t->warranty_end);
	return ERR_OK;
}

#define TRACE_STORED_DEPTH 2 /* the trace and its warranty object are open */

static enum err trace_write_computed(struct db *db, int64_t asset_id, const char *warranty_end,
				     int64_t label_key_id, int64_t label_generation,
				     struct jsonw *w)
{
	int64_t left;
	const char *status = assets_warranty_status(warranty_end, clock_now(), &left);
	enum err e;

	jsonw_member_str(w, "status", status);
	jsonw_member_int(w, "days_left", left);
	jsonw_object_end(w);
	e = trace_open_requests(db, asset_id, w);
	if (e == ERR_OK)
		e = trace_label(db, asset_id, label_key_id, label_generation, w);
	jsonw_object_end(w);
	return e;
}

/* Ends a trace written by w into out from byte start: ERR_INTERNAL when
 * out failed (no memory); on any error out is put back as it was. */
static enum err trace_end(struct jsonw *w, struct buf *out, size_t start, enum err e)
{
	jsonw_finish(w);
	if (e == ERR_OK && out->failed)
		e = ERR_INTERNAL;
	if (e != ERR_OK && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return e;
}

/* The trace of asset_id within scope sc appended to out; on failure out
 * is left as it was. */
enum err assets_trace_write_in(struct db *db, const struct scope *sc, int64_t asset_id,
			       int latest_events, int reveal_pii, struct buf *out,
			       struct asset_trace_info *info)
{
	struct asset_trace_row t;
	struct jsonw w;
	size_t start = out->len;
	enum err e;

	memset(info, 0, sizeof(*info));
	e = assets_store_trace_begin(db, asset_id, sc, &t);
	if (e != ERR_OK)
		return e;
	info->version = t.version;
	info->customer_id = t.customer.id;
	jsonw_init(&w, out);
	e = trace_write_stored(db, &t, latest_events, reveal_pii, &w, info);
	if (e == ERR_OK)
		e = trace_write_computed(db, t.id, t.warranty_end, t.label_key_id,
					 t.label_generation, &w);
	e = trace_end(&w, out, start, e);
	assets_store_trace_end(&t);
	return e;
}

/* ---- trace snapshots (migrations/0015_trace_snapshots.sql) ---------------
 *
 * A scan of a unit without a current snapshot renders the trace as above
 * and asks for one; the scheduler's job writes the snapshots asked for
 * (assets_snapshots_run), each in a write transaction from that
 * transaction's data. Later scans append the stored text and compute the
 * rest. The asks live in this process only: lost on a restart, the next
 * scan asks again. */

/* The kept traces' format: a trace kept by a binary that writes it
 * otherwise is not answered (servers of two versions may share the
 * database during an upgrade), so change this with any change to the
 * stored part's text (members, order, formatting, masking); a test holds
 * the text of one kept trace to remind of it. */
#define SNAPSHOT_FORMAT 2 /* 2: contacts carry their e-mail (issue 20) */

#define SNAPSHOT_ASKS_MAX 4096 /* asks beyond this wait for a later scan */
#define SNAPSHOT_SLOTS 8192    /* a power of two, twice the asks: short probes */
#define SNAPSHOT_BATCH 256     /* snapshots written per transaction */

/* The units asked for, each once however often it is scanned meanwhile
 * (after a model edit every scan asks): an open-addressing set of asset
 * ids, 0 = free slot. */
static _Atomic int snapshots_on = 1;
static pthread_mutex_t snapshot_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t snapshot_slots[SNAPSHOT_SLOTS];
static size_t snapshot_nasks;

void assets_snapshots_use(int on)
{
	snapshots_on = on;
}

static void snapshot_ask(int64_t asset_id)
{
	size_t i =
	    (size_t)(((uint64_t)asset_id * 0x9E3779B97F4A7C15u) >> 51) & (SNAPSHOT_SLOTS - 1);

	pthread_mutex_lock(&snapshot_mu);
	while (snapshot_slots[i] && snapshot_slots[i] != asset_id)
		i = (i + 1) & (SNAPSHOT_SLOTS - 1);
	if (!snapshot_slots[i] && snapshot_nasks < SNAPSHOT_ASKS_MAX) {
		snapshot_slots[i] = asset_id;
		snapshot_nasks++;
	}
	pthread_mutex_unlock(&snapshot_mu);
}

/* Moves every ask into asks (SNAPSHOT_ASKS_MAX long); returns how many. */
static size_t snapshot_take(int64_t *asks)
{
	size_t n = 0;

	pthread_mutex_lock(&snapshot_mu);
	for (size_t i = 0; i < SNAPSHOT_SLOTS && n < snapshot_nasks; i++)
		if (snapshot_slots[i]) {
			asks[n++] = snapshot_slots[i];
			snapshot_slots[i] = 0;
		}
	snapshot_nasks = 0;
	pthread_mutex_unlock(&snapshot_mu);
	return n;
}

/* Appends the trace from asset_id's current snapshot: ERR_NOT_FOUND when
 * it has none (or is out of scope), out unchanged. */
static enum err snapshot_write(struct db *db, const struct scope *sc, int64_t asset_id,
			       struct buf *out)
{
	struct trace_snapshot s;
	struct jsonw w;
	size_t start = out->len;
	enum err e = assets_store_snapshot_begin(db, asset_id, sc, SNAPSHOT_FORMAT, &s);

	if (e != ERR_OK)
		return e;
	buf_append(out, s.body, s.body_len);
	jsonw_init(&w, out);
	jsonw_continue(&w, TRACE_STORED_DEPTH);
	e = trace_write_computed(db, asset_id, s.warranty_end, s.label_key_id, s.label_generation,
				 &w);
	e = trace_end(&w, out, start, e);
	assets_store_snapshot_end(&s);
	return e;
}

/* Renders and stores asset_id's snapshot; inside a write transaction.
 * ERR_NOT_FOUND when the asset is gone. */
static enum err snapshot_store(struct db *db, int64_t asset_id)
{
	struct scope all = { .all = 1 };
	struct asset_trace_info info;
	struct asset_trace_row t;
	struct trace_snapshot s;
	struct buf text;
	struct jsonw w;
	enum err e;

	if (assets_store_snapshot_begin(db, asset_id, &all, SNAPSHOT_FORMAT, &s) == ERR_OK) {
		assets_store_snapshot_end(&s); /* asked twice: already written */
		return ERR_OK;
	}
	e = assets_store_trace_begin(db, asset_id, &all, &t);
	if (e != ERR_OK)
		return e;
	buf_init(&text, 0);
	jsonw_init(&w, &text);
	e = trace_write_stored(db, &t, ASSETS_SNAPSHOT_EVENTS, 0, &w, &info);
	jsonw_finish(&w);
	if (e == ERR_OK && text.failed)
		e = ERR_INTERNAL;
	if (e == ERR_OK) {
		memset(&s, 0, sizeof(s));
		s.body = text.data;
		s.body_len = text.len;
		s.warranty_end = t.warranty_end;
		s.label_key_id = t.label_key_id;
		s.label_generation = t.label_generation;
		e = assets_store_snapshot_put(db, asset_id, SNAPSHOT_FORMAT, &s);
	}
	assets_store_trace_end(&t);
	buf_cleanup(&text);
	return e;
}

enum err assets_snapshots_run(struct db *db, int64_t now)
{
	int64_t *asks = malloc(SNAPSHOT_ASKS_MAX * sizeof(*asks));
	size_t n, done = 0;
	enum err e = ERR_OK;

	(void)now;
	if (!asks)
		return ERR_INTERNAL;
	n = snapshot_take(asks);
	while (e == ERR_OK && done < n) {
		size_t end = n - done > SNAPSHOT_BATCH ? done + SNAPSHOT_BATCH : n;

		e = db_begin(db);
		for (; e == ERR_OK && done < end; done++) {
			e = snapshot_store(db, asks[done]);
			if (e == ERR_NOT_FOUND) /* deleted since the scan */
				e = ERR_OK;
		}
		if (e == ERR_OK)
			e = db_commit(db);
		if (e != ERR_OK)
			db_rollback(db); /* the asks left are dropped: later scans ask again */
	}
	free(asks);
	return e;
}

enum err assets_trace_write(struct db *db, const struct principal *who, int64_t asset_id,
			    int latest_events, int reveal_pii, struct buf *out,
			    struct asset_trace_info *info)
{
	struct asset_trace_info unused;
	struct scope sc;
	int snapshot =
	    snapshots_on && !info && !reveal_pii && latest_events == ASSETS_SNAPSHOT_EVENTS;
	enum err e;

	if (who) {
		sc = who->scope;
	} else {
		memset(&sc, 0, sizeof(sc));
		sc.all = 1;
	}
	if (snapshot) {
		e = snapshot_write(db, &sc, asset_id, out);
		if (e != ERR_NOT_FOUND)
			return e;
	}
	e = assets_trace_write_in(db, &sc, asset_id, latest_events, reveal_pii, out,
				  info ? info : &unused);
	if (e == ERR_OK && snapshot)
		snapshot_ask(asset_id);
	return e;
}

enum err assets_trace_json(struct db *db, const struct principal *who, int64_t asset_id,
			   int latest_events, int reveal_pii, json_t **out)
{
	struct buf b;
	enum err e;

	*out = NULL;
	buf_init(&b, 0);
	e = assets_trace_write(db, who, asset_id, latest_events, reveal_pii, &b, NULL);
	if (e == ERR_OK && !(*out = json_loadb(b.data, b.len, 0, NULL)))
		e = ERR_INTERNAL;
	buf_cleanup(&b);
	return e;
}

/* ---- look-ups and the timeline for other modules ------------------------- */

enum err assets_public_get(struct db *db, int64_t asset_id, struct asset_public *out)
{
	return assets_store_public(db, asset_id, out);
}

enum err assets_find_by_gtin_serial(struct db *db, const char *gtin14, const char *serial,
				    int64_t *asset_id)
{
	if (!gtin14 || strlen(gtin14) != 14 || !serial || !serial[0])
		return ERR_NOT_FOUND;
	return assets_store_by_gtin_serial(db, gtin14, serial, asset_id);
}

/* ---- validation ---------------------------------------------------------- */

static const struct json_field create_fields[] = {
	{ "serial", JSON_STRING, JF_REQUIRED, ASSET_SERIAL_SIZE - 1 },
	{ "model", JSON_STRING, 0, REG_CODE_SIZE - 1 },
	{ "model_id", JSON_INTEGER, 0, 0 },
	{ "design_revision", JSON_STRING, 0, REG_REVISION_SIZE - 1 },
	{ "production", JSON_OBJECT, JF_REQUIRED, 0 },
	{ "components", JSON_ARRAY, 0, 0 },
	{ "installation", JSON_OBJECT, 0, 0 },
	{ "warranty", JSON_OBJECT, 0, 0 },
	{ "sales_owner_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* components is listed so that it gets its own answer below. */
static const struct json_field patch_fields[] = {
	{ "design_revision", JSON_STRING, 0, REG_REVISION_SIZE - 1 },
	{ "production", JSON_OBJECT, 0, 0 },
	{ "components", JSON_NULL, JF_NULLABLE, 0 },
	{ "installation", JSON_OBJECT, 0, 0 },
	{ "warranty", JSON_OBJECT, 0, 0 },
	{ "sales_owner_id", JSON_INTEGER, JF_NULLABLE, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field production_create[] = {
	{ "plant", JSON_STRING, JF_REQUIRED, ASSET_FIELD_SIZE - 1 },
	{ "line", JSON_STRING, JF_REQUIRED, ASSET_FIELD_SIZE - 1 },
	{ "batch", JSON_STRING, JF_REQUIRED, ASSET_FIELD_SIZE - 1 },
	{ "date", JSON_STRING, JF_REQUIRED, DATE_FIELD_MAX },
	{ "tests", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field production_patch[] = {
	{ "plant", JSON_STRING, 0, ASSET_FIELD_SIZE - 1 },
	{ "line", JSON_STRING, 0, ASSET_FIELD_SIZE - 1 },
	{ "batch", JSON_STRING, 0, ASSET_FIELD_SIZE - 1 },
	{ "date", JSON_STRING, 0, DATE_FIELD_MAX },
	{ "tests", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field test_fields[] = {
	{ "name", JSON_STRING, JF_REQUIRED, TEST_NAME_MAX },
	{ "result", JSON_STRING, JF_REQUIRED, 8 },
	{ "value", JSON_REAL, JF_NULLABLE, 0 },
	{ "unit", JSON_STRING, 0, TEST_UNIT_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field component_fields[] = {
	{ "part_number", JSON_STRING, JF_REQUIRED, ASSET_FIELD_SIZE - 1 },
	{ "component_serial", JSON_STRING, 0, ASSET_FIELD_SIZE - 1 },
	{ "supplier", JSON_STRING, 0, ASSET_SUPPLIER_SIZE - 1 },
	{ "lot", JSON_STRING, 0, ASSET_FIELD_SIZE - 1 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field installation_create[] = {
	{ "site_id", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "installed_at", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ "commissioned_at", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ "accepted_at", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field installation_patch[] = {
	{ "site_id", JSON_INTEGER, 0, 0 },
	{ "installed_at", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ "commissioned_at", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ "accepted_at", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field warranty_create[] = {
	{ "start", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ "months", JSON_INTEGER, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field warranty_patch[] = {
	{ "start", JSON_STRING, JF_NULLABLE, DATE_FIELD_MAX },
	{ "months", JSON_INTEGER, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* A date member: null clears dst (when nullable), a string must be a
 * calendar date. */
static void take_date(struct problem *pb, const json_t *obj, const char *prefix, const char *key,
		      char dst[ASSET_DATE_SIZE])
{
	json_t *v = json_object_get(obj, key);
	char ptr[64];

	if (json_is_null(v)) {
		dst[0] = '\0';
	} else if (json_is_string(v)) {
		if (registry_date_ok(json_string_value(v))) {
			memcpy(dst, json_string_value(v), ASSET_DATE_SIZE);
		} else {
			snprintf(ptr, sizeof(ptr), "%s/%s", prefix, key);
			problem_invalid(pb, ptr, "must be a date YYYY-MM-DD");
		}
	}
}

/* Factory tests, normalised to {name, result[, value][, unit]}. */
static void take_tests(struct problem *pb, const json_t *tests, struct asset_row *a)
{
	json_t *out = json_array(), *t;
	char prefix[48], ptr[64];
	size_t i;
	char *text;

	if (json_array_size(tests) > ASSET_TESTS_MAX) {
		problem_invalid(pb, "/production/tests", "at most %d tests", ASSET_TESTS_MAX);
		json_decref(out);
		return;
	}
	json_array_foreach(tests, i, t) {
		char name[TEST_NAME_MAX + 1] = "", unit[TEST_UNIT_MAX + 1] = "";
		const char *result;
		json_t *v, *item;

		snprintf(prefix, sizeof(prefix), "/production/tests/%zu", i);
		if (registry_json_check(pb, t, prefix, test_fields) != ERR_OK && !json_is_object(t))
			continue;
		registry_take_text(pb, t, prefix, "name", name, sizeof(name), TEXT_REQUIRED);
		registry_take_text(pb, t, prefix, "unit", unit, sizeof(unit), 0);
		result = json_string_value(json_object_get(t, "result"));
		if (result && strcmp(result, "pass") != 0 && strcmp(result, "fail") != 0) {
			snprintf(ptr, sizeof(ptr), "%s/result", prefix);
			problem_invalid(pb, ptr, "must be pass or fail");
		}
		item = json_pack("{s:s, s:s}", "name", name, "result", result ? result : "");
		v = json_object_get(t, "value");
		if (item && json_is_number(v))
			json_object_set(item, "value", v);
		if (item && unit[0])
			json_object_set_new(item, "unit", json_string(unit));
		json_array_append_new(out, item);
	}
	text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text || strlen(text) >= sizeof(a->factory_tests))
		problem_invalid(pb, "/production/tests", "larger than %zu bytes as JSON",
				sizeof(a->factory_tests) - 1);
	else
		memcpy(a->factory_tests, text, strlen(text) + 1);
	free(text);
	json_decref(out);
}

static void take_components(struct problem *pb, const json_t *list, struct asset_input *in)
{
	char prefix[48];
	json_t *c;
	size_t i;

	if (json_array_size(list) > ASSET_COMPONENTS_MAX) {
		problem_invalid(pb, "/components", "at most %d components", ASSET_COMPONENTS_MAX);
		return;
	}
	json_array_foreach(list, i, c) {
		struct component_row *row = &in->components[in->ncomponents++];

		memset(row, 0, sizeof(*row));
		snprintf(prefix, sizeof(prefix), "/components/%zu", i);
		if (registry_json_check(pb, c, prefix, component_fields) != ERR_OK &&
		    !json_is_object(c))
			continue;
		registry_take_text(pb, c, prefix, "part_number", row->part_number,
				   sizeof(row->part_number), TEXT_REQUIRED);
		registry_take_text(pb, c, prefix, "component_serial", row->component_serial,
				   sizeof(row->component_serial), 0);
		registry_take_text(pb, c, prefix, "supplier", row->supplier, sizeof(row->supplier),
				   0);
		registry_take_text(pb, c, prefix, "lot", row->lot, sizeof(row->lot), 0);
	}
}

static void writer_scope(const struct principal *who, struct scope *sc)
{
	if (who) {
		*sc = who->scope;
	} else {
		memset(sc, 0, sizeof(*sc));
		sc->all = 1;
	}
}

static enum err take_model(struct db *db, const json_t *body, struct asset_input *in,
			   struct problem *pb)
{
	json_t *code = json_object_get(body, "model"), *id = json_object_get(body, "model_id");
	struct model_row *m;
	enum err e;

	if (!code && !id) {
		problem_invalid(pb, "/model", "is required (a model code, or model_id)");
		return ERR_OK;
	}
	if (code && id) {
		problem_invalid(pb, "/model_id", "give model or model_id, not both");
		return ERR_OK;
	}
	if ((code && !json_is_string(code)) || (id && !json_is_integer(id)))
		return ERR_OK; /* reported by the type check */
	m = malloc(sizeof(*m));
	if (!m)
		return ERR_INTERNAL;
	e = registry_model_get(db, id ? json_integer_value(id) : 0,
			       code ? json_string_value(code) : NULL, m);
	if (e == ERR_NOT_FOUND) {
		problem_invalid(pb, code ? "/model" : "/model_id", "no such model");
		e = ERR_OK;
	} else if (e == ERR_OK) {
		in->row.model_id = m->id;
		snprintf(in->row.model_code, sizeof(in->row.model_code), "%s", m->code);
		snprintf(in->row.model_name, sizeof(in->row.model_name), "%s", m->name);
		if (!json_is_string(json_object_get(body, "design_revision")))
			snprintf(in->row.design_revision, sizeof(in->row.design_revision), "%s",
				 m->design_revision);
	}
	free(m);
	return e;
}

/* Installation: the site (within the writer's scope) gives the customer
 * and region path; dates are merged over the current ones. */
static enum err take_installation(struct db *db, const struct principal *who, const json_t *inst,
				  int create, struct asset_input *in, struct problem *pb)
{
	struct scope sc;
	int64_t site_id = 0;
	enum err e;

	registry_json_check(pb, inst, "/installation",
			    create ? installation_create : installation_patch);
	writer_scope(who, &sc);
	if (registry_take_id(pb, inst, "/installation", "site_id", &site_id) && site_id > 0) {
		struct site_row s;

		e = registry_site_get(db, site_id, &sc, &s);
		if (e == ERR_NOT_FOUND) {
			problem_invalid(pb, "/installation/site_id", "no such site");
		} else if (e != ERR_OK) {
			return e;
		} else {
			in->row.site_id = s.id;
			in->row.customer_id = s.customer_id;
			snprintf(in->row.region_path, sizeof(in->row.region_path), "%s",
				 s.region_path);
			snprintf(in->site_code, sizeof(in->site_code), "%s", s.code);
			snprintf(in->site_name, sizeof(in->site_name), "%s", s.name);
		}
	}
	take_date(pb, inst, "/installation", "installed_at", in->row.installed_at);
	take_date(pb, inst, "/installation", "commissioned_at", in->row.commissioned_at);
	take_date(pb, inst, "/installation", "accepted_at", in->row.accepted_at);
	return ERR_OK;
}

/* Dates in the order things happen: produced <= installed <= commissioned
 * <= accepted, comparing the ones known; the later one is named. */
static void check_order(const struct asset_row *a, struct problem *pb)
{
	const struct {
		const char *date, *pointer, *name;
	} seq[] = {
		{ a->production_date, "/production/date", "the production date" },
		{ a->installed_at, "/installation/installed_at", "installed_at" },
		{ a->commissioned_at, "/installation/commissioned_at", "commissioned_at" },
		{ a->accepted_at, "/installation/accepted_at", "accepted_at" },
	};
	size_t n = sizeof(seq) / sizeof(seq[0]);

	for (size_t i = 1; i < n; i++) {
		if (!seq[i].date[0])
			continue;
		for (size_t j = i; j-- > 0;) {
			if (!seq[j].date[0])
				continue;
			if (strcmp(seq[i].date, seq[j].date) < 0)
				problem_invalid(pb, seq[i].pointer, "must not be before %s",
						seq[j].name);
			break;
		}
	}
}

/* Applies body over in->row (every member for a create; for a change the
 * row holds the current facts), checks references, scope and order, and
 * recomputes the derived facts. */
static enum err asset_apply(struct db *db, const struct principal *who, const json_t *body,
			    int create, struct asset_input *in, struct problem *pb)
{
	size_t errors = problem_count(pb);
	struct asset_row *a = &in->row;
	char explicit_start[ASSET_DATE_SIZE] = "";
	json_t *v, *given_site;
	int sets_warranty;
	enum err e;

	registry_json_check(pb, body, "", create ? create_fields : patch_fields);
	if (!json_is_object(body))
		return ERR_INVALID;
	/* A start equal to the acceptance date is taken as following it. */
	if (a->warranty_start[0] && strcmp(a->warranty_start, a->accepted_at) != 0)
		snprintf(explicit_start, sizeof(explicit_start), "%s", a->warranty_start);
	if (create) {
		registry_take_text(pb, body, "", "serial", a->serial, sizeof(a->serial),
				   TEXT_REQUIRED | TEXT_CODE);
		e = take_model(db, body, in, pb);
		if (e != ERR_OK)
			return e;
	} else if (json_object_get(body, "components")) {
		problem_invalid(pb, "/components",
				"components change by part replacement, not by PATCH");
	}
	/* Empty is refused: leaving it out is how to say "the model's current
	 * revision" (the CSV import's empty cell). */
	registry_take_text(pb, body, "", "design_revision", a->design_revision,
			   sizeof(a->design_revision), TEXT_REQUIRED);

	v = json_object_get(body, "production");
	if (json_is_object(v)) {
		registry_json_check(pb, v, "/production",
				    create ? production_create : production_patch);
		registry_take_text(pb, v, "/production", "plant", a->plant, sizeof(a->plant),
				   TEXT_REQUIRED);
		registry_take_text(pb, v, "/production", "line", a->line, sizeof(a->line),
				   TEXT_REQUIRED);
		registry_take_text(pb, v, "/production", "batch", a->batch, sizeof(a->batch),
				   TEXT_REQUIRED | TEXT_CODE);
		take_date(pb, v, "/production", "date", a->production_date);
		if (json_is_array(json_object_get(v, "tests")))
			take_tests(pb, json_object_get(v, "tests"), a);
	}

	if (create && json_is_array(json_object_get(body, "components")))
		take_components(pb, json_object_get(body, "components"), in);

	v = json_object_get(body, "installation");
	if (json_is_object(v)) {
		e = take_installation(db, who, v, create, in, pb);
		if (e != ERR_OK)
			return e;
	}
	if (who && (create || v)) {
		struct scope sc;

		sc = who->scope;
		if (!sc.all && !a->site_id && !json_object_get(v, "site_id"))
			problem_invalid(
			    pb, "/installation",
			    "is required: your assets are installed at a site in your scope");
	}
	/* A site_id that was sent but refused has its own error already. */
	given_site = json_is_object(v) ? json_object_get(v, "site_id") : NULL;
	if (!a->site_id && (a->installed_at[0] || a->commissioned_at[0] || a->accepted_at[0]) &&
	    (!given_site || json_is_null(given_site)))
		problem_invalid(pb, "/installation/site_id",
				"is required to record an installation");

	v = json_object_get(body, "warranty");
	if (json_is_object(v)) {
		json_t *months = json_object_get(v, "months");

		registry_json_check(pb, v, "/warranty", create ? warranty_create : warranty_patch);

		if (json_is_integer(months)) {
			json_int_t m = json_integer_value(months);

			if (m < 0 || m > WARRANTY_MONTHS_MAX)
				problem_invalid(pb, "/warranty/months", "must be from 0 to %d",
						WARRANTY_MONTHS_MAX);
			else
				a->warranty_months = m;
		}
		take_date(pb, v, "/warranty", "start", explicit_start);
	}

	v = json_object_get(body, "sales_owner_id");
	if (json_is_null(v)) {
		a->sales_owner_id = 0;
	} else if (registry_take_id(pb, body, "", "sales_owner_id", &a->sales_owner_id) &&
		   a->sales_owner_id > 0) {
		struct registry_user u;

		e = registry_user_get(db, a->sales_owner_id, &u);
		if (e == ERR_NOT_FOUND ||
		    (e == ERR_OK && (strcmp(u.role, "sales") != 0 || u.disabled)))
			problem_invalid(pb, "/sales_owner_id", "no such sales user");
		else if (e != ERR_OK)
			return e;
	}

	check_order(a, pb);
	/* Only a change that sets the warranty's start or length can be
	 * refused for its end: a unit stored before ends were checked must
	 * stay editable. */
	v = json_object_get(body, "installation");
	sets_warranty = create || json_object_get(body, "warranty") ||
			(json_is_object(v) && json_object_get(v, "accepted_at"));
	derive_warranty(a, explicit_start, sets_warranty ? pb : NULL);
	return problem_count(pb) > errors ? ERR_INVALID : ERR_OK;
}

enum err assets_parse(struct db *db, const struct principal *who, const json_t *body,
		      struct asset_input *in, struct problem *pb)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->row.factory_tests, sizeof(in->row.factory_tests), "[]");
	return asset_apply(db, who, body, 1, in, pb);
}

/* ---- writing ------------------------------------------------------------- */

/* 00:00Z of a date. */
static int64_t date_at(const char *date)
{
	int64_t t = 0;

	clock_parse(date, &t);
	return t;
}

/* One timeline event inside the open transaction; steals detail. */
static enum err add_event(struct db *db, int64_t asset_id, const char *date, const char *kind,
			  const char *summary, json_t *detail, int64_t actor_id)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	enum err e = (detail && !text) ? ERR_INTERNAL
				       : assets_store_event_insert(db, asset_id, date_at(date),
								   kind, summary, text, actor_id);

	free(text);
	json_decref(detail);
	return e;
}

static enum err add_test_events(struct db *db, const struct asset_row *a, int64_t actor_id)
{
	json_t *tests = tests_json(a->factory_tests), *t;
	char summary[160];
	size_t i;
	enum err e = ERR_OK;

	json_array_foreach(tests, i, t) {
		const char *unit = json_string_value(json_object_get(t, "unit"));
		json_t *value = json_object_get(t, "value");
		int n = snprintf(summary, sizeof(summary), "Factory test %s: %s",
				 json_string_value(json_object_get(t, "name")),
				 json_string_value(json_object_get(t, "result")));

		if (value && n > 0 && (size_t)n < sizeof(summary))
			snprintf(summary + n, sizeof(summary) - (size_t)n, " (%g%s%s)",
				 json_number_value(value), unit ? " " : "", unit ? unit : "");
		e = add_event(db, a->id, a->production_date, "test", summary, json_incref(t),
			      actor_id);
		if (e != ERR_OK)
			break;
	}
	json_decref(tests);
	return e;
}

static enum err add_installation_event(struct db *db, const struct asset_input *in,
				       int64_t actor_id)
{
	const struct asset_row *a = &in->row;
	char summary[REG_NAME_SIZE + REG_CODE_SIZE + 32];

	snprintf(summary, sizeof(summary), "Installed at %s (%s)", in->site_name, in->site_code);
	return add_event(
	    db, a->id, a->installed_at, "installation", summary,
	    json_pack("{s:I, s:s}", "site_id", (json_int_t)a->site_id, "site_code", in->site_code),
	    actor_id);
}

static enum err add_acceptance_event(struct db *db, const struct asset_row *a, int64_t actor_id)
{
	return add_event(db, a->id, a->accepted_at, "acceptance", "Accepted by the customer",
			 json_pack("{s:o, s:o}", "warranty_start", date_or_null(a->warranty_start),
				   "warranty_end", date_or_null(a->warranty_end)),
			 actor_id);
}

static enum err add_commissioning_event(struct db *db, const struct asset_row *a, int64_t actor_id)
{
	return add_event(db, a->id, a->commissioned_at, "commissioning", "Commissioned", NULL,
			 actor_id);
}

/* Re-reads the site under the write lock: the customer and region path
 * copied at validation may have moved since. */
static enum err refresh_site(struct db *db, struct asset_input *in)
{
	struct scope all = { .all = 1 };
	struct site_row s;
	enum err e;

	if (!in->row.site_id)
		return ERR_OK;
	e = registry_site_get(db, in->row.site_id, &all, &s);
	if (e == ERR_NOT_FOUND)
		return ERR_INVALID; /* sites are not deleted; a foreign key would say so too */
	if (e == ERR_OK) {
		in->row.customer_id = s.customer_id;
		snprintf(in->row.region_path, sizeof(in->row.region_path), "%s", s.region_path);
	}
	return e;
}

enum err assets_create_locked(struct db *db, const struct audit_actor *actor,
			      const struct asset_input *in, int64_t *id_out)
{
	struct asset_input *rec = malloc(sizeof(*rec));
	struct asset_row *a;
	int64_t now = clock_now(), fitted;
	char summary[256], id[24];
	json_t *after = NULL, *comps;
	enum err e;

	if (!rec)
		return ERR_INTERNAL;
	memcpy(rec, in, sizeof(*rec));
	a = &rec->row;

	a->created_at = a->updated_at = now;
	a->version = 1;
	e = refresh_site(db, rec);
	if (e == ERR_OK)
		e = assets_store_insert(db, a, &a->id);
	/* Components were fitted when the unit was built. */
	fitted = a->production_date[0] ? date_at(a->production_date) : now;
	for (size_t i = 0; e == ERR_OK && i < rec->ncomponents; i++) {
		rec->components[i].installed_at = fitted;
		e = assets_store_component_insert(db, a->id, &rec->components[i]);
	}
	if (e == ERR_OK && a->production_date[0]) {
		snprintf(summary, sizeof(summary), "Produced at plant %s, line %s, batch %s",
			 a->plant, a->line, a->batch);
		e = add_event(db, a->id, a->production_date, "production", summary,
			      json_pack("{s:s, s:s, s:s}", "plant", a->plant, "line", a->line,
					"batch", a->batch),
			      actor->user_id);
		if (e == ERR_OK)
			e = add_test_events(db, a, actor->user_id);
	}
	if (e == ERR_OK && a->installed_at[0])
		e = add_installation_event(db, rec, actor->user_id);
	if (e == ERR_OK && a->commissioned_at[0])
		e = add_commissioning_event(db, a, actor->user_id);
	if (e == ERR_OK && a->accepted_at[0])
		e = add_acceptance_event(db, a, actor->user_id);
	if (e == ERR_OK)
		e = qr_label_issue(db, a->id, now);
	if (e == ERR_OK) {
		after = assets_facts_json(a);
		comps = json_array();
		for (size_t i = 0; after && comps && i < rec->ncomponents; i++)
			json_array_append_new(
			    comps,
			    json_pack("{s:s, s:s, s:s, s:s}", "part_number",
				      rec->components[i].part_number, "component_serial",
				      rec->components[i].component_serial, "supplier",
				      rec->components[i].supplier, "lot", rec->components[i].lot));
		if (after && comps)
			json_object_set_new(after, "components", comps);
		else
			json_decref(comps);
		snprintf(id, sizeof(id), "%lld", (long long)a->id);
		e = after ? audit_append(db, actor, "asset.create", "asset", id, NULL, after)
			  : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		*id_out = a->id;
	json_decref(after);
	free(rec);
	return e;
}

/* ---- handlers ------------------------------------------------------------ */

/* A PATCH of asset old (read under the caller's write transaction) with
 * body: the new facts into in (caller allocates), the site refreshed, the
 * timeline events the change records, the audit entry; the caller commits. */
enum err assets_update_locked(struct db *db, const struct audit_actor *actor,
			      const struct principal *who, const json_t *body,
			      const struct asset_row *old, struct asset_input *in,
			      struct problem *pb)
{
	int64_t uid = actor->user_id;
	json_t *before = NULL, *after = NULL;
	char id[24];
	enum err e;

	memset(in, 0, sizeof(*in));
	in->row = *old;
	if (old->site_id) {
		struct scope all = { .all = 1 };
		struct site_row s;

		e = registry_site_get(db, old->site_id, &all, &s);
		if (e != ERR_OK)
			goto out;
		snprintf(in->site_code, sizeof(in->site_code), "%s", s.code);
		snprintf(in->site_name, sizeof(in->site_name), "%s", s.name);
	}
	e = asset_apply(db, who, body, 0, in, pb);
	if (e != ERR_OK)
		goto out;
	in->row.updated_at = clock_now();

	e = refresh_site(db, in);
	if (e == ERR_OK)
		e = assets_store_update(db, &in->row);
	/* The timeline gets the installation facts this change records. */
	if (e == ERR_OK && in->row.installed_at[0] &&
	    (!old->installed_at[0] || old->site_id != in->row.site_id))
		e = add_installation_event(db, in, uid);
	if (e == ERR_OK && in->row.commissioned_at[0] && !old->commissioned_at[0])
		e = add_commissioning_event(db, &in->row, uid);
	if (e == ERR_OK && in->row.accepted_at[0] && !old->accepted_at[0])
		e = add_acceptance_event(db, &in->row, uid);
	if (e == ERR_OK) {
		in->row.version = old->version + 1;
		snprintf(id, sizeof(id), "%lld", (long long)old->id);
		before = assets_facts_json(old);
		after = assets_facts_json(&in->row);
		e = before && after
			? audit_append(db, actor, "asset.update", "asset", id, before, after)
			: ERR_INTERNAL;
	}
out:
	json_decref(before);
	json_decref(after);
	return e;
}

json_t *assets_summary_json(const struct asset_summary *s, int64_t now)
{
	char updated[32], region[REG_REGION_SIZE];
	int64_t left;
	const char *status = assets_warranty_status(s->warranty_end, now, &left);

	clock_format(s->updated_at, updated, sizeof(updated));
	path_region(s->region_path, region, sizeof(region));
	return json_pack(
	    "{s:I, s:s, s:{s:s, s:s}, s:s, s:o, s:o, s:o, s:s?, s:{s:o, s:s, s:I},"
	    " s:o, s:I, s:s}",
	    "id", (json_int_t)s->id, "serial", s->serial, "model", "code", s->model_code, "name",
	    s->model_name, "batch", s->batch, "production_date", date_or_null(s->production_date),
	    "site_id", id_or_null(s->site_id), "customer_id", id_or_null(s->customer_id), "region",
	    region[0] ? region : NULL, "warranty", "end", date_or_null(s->warranty_end), "status",
	    status, "days_left", (json_int_t)left, "sales_owner_id", id_or_null(s->sales_owner_id),
	    "version", (json_int_t)s->version, "updated_at", updated);
}
