-- Watching the clock: the scheduler's state, SLA warnings and escalation,
-- warranty alerts and renewals, and notifications (in-app and webhooks)
-- written through a transactional outbox.

-- One row per background job: when it last finished a run. The jobs'
-- own once-only records (ticket_alerts, warranty_notices, deliveries)
-- make a restart neither skip nor repeat anything; this row is for
-- operators (GET /v1/scheduler) and for pacing.
CREATE TABLE scheduler_jobs (
	name        TEXT PRIMARY KEY,
	last_run_at INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	runs        INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Warning levels: a warning when this share of the time allowed for a
-- target has passed (100 = the deadline itself).
CREATE TABLE sla_warning_levels (
	level   INTEGER PRIMARY KEY CHECK (level BETWEEN 1 AND 3),
	percent INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100)
) STRICT;
INSERT INTO sla_warning_levels VALUES (1, 50), (2, 80), (3, 100);

-- Escalation after a missed deadline climbs one level each time this
-- share of the time allowed passes again (level 1 at the deadline).
CREATE TABLE escalation_levels (
	level         INTEGER PRIMARY KEY CHECK (level BETWEEN 1 AND 3),
	after_percent INTEGER NOT NULL CHECK (after_percent >= 0),
	name          TEXT NOT NULL
) STRICT;
INSERT INTO escalation_levels VALUES
	(1,   0, 'centre supervisor'),
	(2,  50, 'regional manager'),
	(3, 100, 'service director');

-- Who is told at each level, per centre. A centre without rows uses the
-- default chain: level 1 the supervisors of the centre's region, level 2
-- the supervisors of its parent region, level 3 the admins.
CREATE TABLE escalation_contacts (
	centre_code TEXT NOT NULL REFERENCES centres(code) ON DELETE CASCADE,
	level       INTEGER NOT NULL REFERENCES escalation_levels(level),
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (centre_code, level, user_id)
) STRICT, WITHOUT ROWID;

-- Each warning and escalation of a ticket, at most once (the primary key
-- is the once-only guarantee across restarts).
CREATE TABLE ticket_alerts (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	target    TEXT NOT NULL CHECK (target IN ('response', 'arrival', 'resolution')),
	kind      TEXT NOT NULL CHECK (kind IN ('warning', 'escalation')),
	level     INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
	at        INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, target, kind, level)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_alerts_at ON ticket_alerts(at);

-- Warranty renewals: each extends the end date; history is kept.
CREATE TABLE warranty_renewals (
	id              INTEGER PRIMARY KEY,
	asset_id        INTEGER NOT NULL REFERENCES assets(id),
	months          INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
	contract_number TEXT NOT NULL,
	previous_end    TEXT,
	new_end         TEXT NOT NULL,
	created_by      INTEGER REFERENCES users(id),
	created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX warranty_renewals_asset ON warranty_renewals(asset_id);
CREATE UNIQUE INDEX warranty_renewals_contract ON warranty_renewals(contract_number);

-- Which expiry notices went out: one per asset, end date and threshold
-- (90, 60, 30 days; 0 = expired). A renewal makes a new end date, so its
-- notices start afresh.
CREATE TABLE warranty_notices (
	asset_id     INTEGER NOT NULL REFERENCES assets(id),
	warranty_end TEXT NOT NULL,
	threshold    INTEGER NOT NULL CHECK (threshold IN (90, 60, 30, 0)),
	sent_at      INTEGER NOT NULL,
	PRIMARY KEY (asset_id, warranty_end, threshold)
) STRICT, WITHOUT ROWID;

-- In-app notifications: the outbox for people. dedupe_key makes a
-- notification idempotent for its producer.
CREATE TABLE notifications (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	title      TEXT NOT NULL,
	data       TEXT NOT NULL DEFAULT '{}',
	dedupe_key TEXT UNIQUE,
	created_at INTEGER NOT NULL,
	read_at    INTEGER
) STRICT;
CREATE INDEX notifications_user ON notifications(user_id, id);

-- Webhooks: endpoints admins register, and the deliveries (the outbox for
-- machines), retried with backoff until delivered or dead.
CREATE TABLE webhook_endpoints (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL,
	secret        TEXT NOT NULL,
	event_types   TEXT NOT NULL, -- JSON array of event type names, or ["*"]
	allow_private INTEGER NOT NULL DEFAULT 0 CHECK (allow_private IN (0, 1)),
	active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_by    INTEGER REFERENCES users(id),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY,
	endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
	event_type      TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_status     INTEGER,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	delivered_at    INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);

-- Warranty alerts per sales owner and per region read an index range,
-- not the table.
CREATE INDEX assets_owner_warranty ON assets(sales_owner_id, warranty_end);
CREATE INDEX assets_region_warranty ON assets(region_path, warranty_end);
