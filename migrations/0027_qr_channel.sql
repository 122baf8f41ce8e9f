-- fieldtrace: foreign-keys-off
-- The channel `qr`: a fault reported from a unit's nameplate page (issue 19
-- part 2) is its own intake channel, not 'web' with a note beside it.
-- tickets.channel's CHECK (0003) gains 'qr'. SQLite cannot change a CHECK
-- in place, so tickets is rebuilt by the documented 12-step procedure
-- (https://www.sqlite.org/lang_altertable.html#otheralter): the first line
-- makes server/db/migrate.c run this with foreign keys off around the
-- transaction and legacy_alter_table on (the RENAME leaves the references
-- in other tables and triggers alone), check PRAGMA foreign_key_check and
-- that every index and trigger exists again before it commits.
--
-- The new table is the old one's stored definition (0003 and 0005's two
-- added columns) with only the CHECK widened; every index and trigger on
-- tickets is created again exactly as sqlite_master held it. Reports made
-- before this keep channel 'web' (ticket_tracking.source 'qr' still tells
-- them apart); new ones are 'qr'.
CREATE TABLE tickets_new (
	id               INTEGER PRIMARY KEY,
	channel          TEXT NOT NULL CHECK (channel IN
	                   ('app', 'hotline', 'wechat', 'web', 'email', 'internal', 'system', 'qr')),
	category         TEXT NOT NULL REFERENCES service_categories(code), -- top level
	subcategory      TEXT NOT NULL REFERENCES service_categories(code),
	status           TEXT NOT NULL CHECK (status IN ('new', 'routed', 'assigned', 'accepted',
	                   'declined', 'en_route', 'on_site', 'waiting_customer', 'resolved',
	                   'follow_up', 'closed', 'cancelled', 'reopened')),
	paused_status    TEXT,             -- status to return to from waiting_customer
	title            TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	impact           TEXT NOT NULL CHECK (impact IN ('unit', 'site', 'grid')),
	urgency          TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
	priority         TEXT NOT NULL REFERENCES priority_targets(priority),
	customer_tier    TEXT NOT NULL,
	asset_id         INTEGER REFERENCES assets(id),
	customer_id      INTEGER NOT NULL REFERENCES customers(id),
	site_id          INTEGER REFERENCES sites(id),
	region_path      TEXT NOT NULL,
	model_id         INTEGER REFERENCES models(id),
	product_line     TEXT,
	sales_owner_id   INTEGER REFERENCES users(id),
	warranty_status  TEXT NOT NULL CHECK (warranty_status IN ('in_warranty', 'expiring', 'expired', 'none')),
	billable         INTEGER NOT NULL CHECK (billable IN (0, 1)),
	contact_name     TEXT NOT NULL DEFAULT '', -- personal data: masked by role
	contact_phone    TEXT NOT NULL DEFAULT '',
	centre_code      TEXT REFERENCES centres(code),
	routing          TEXT NOT NULL DEFAULT '{}', -- {rule, candidates, reason}
	assignee_id      INTEGER REFERENCES users(id),
	parent_id        INTEGER REFERENCES tickets(id), -- the ticket a complaint follows up
	response_due     INTEGER NOT NULL,
	arrival_due      INTEGER NOT NULL,
	resolution_due   INTEGER NOT NULL,
	responded_at     INTEGER,
	arrived_at       INTEGER,
	resolved_at      INTEGER,
	closed_at        INTEGER,
	paused_at        INTEGER,          -- SLA clock stopped since
	paused_seconds   INTEGER NOT NULL DEFAULT 0,
	satisfaction     INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
	feedback         TEXT NOT NULL DEFAULT '',
	created_by       INTEGER REFERENCES users(id),
	version          INTEGER NOT NULL DEFAULT 1,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
, client_id TEXT, client_fingerprint TEXT) STRICT;
INSERT INTO tickets_new(id, channel, category, subcategory, status, paused_status, title, description, impact, urgency, priority, customer_tier, asset_id, customer_id, site_id, region_path, model_id, product_line, sales_owner_id, warranty_status, billable, contact_name, contact_phone, centre_code, routing, assignee_id, parent_id, response_due, arrival_due, resolution_due, responded_at, arrived_at, resolved_at, closed_at, paused_at, paused_seconds, satisfaction, feedback, created_by, version, created_at, updated_at, client_id, client_fingerprint)
	SELECT id, channel, category, subcategory, status, paused_status, title, description, impact, urgency, priority, customer_tier, asset_id, customer_id, site_id, region_path, model_id, product_line, sales_owner_id, warranty_status, billable, contact_name, contact_phone, centre_code, routing, assignee_id, parent_id, response_due, arrival_due, resolution_due, responded_at, arrived_at, resolved_at, closed_at, paused_at, paused_seconds, satisfaction, feedback, created_by, version, created_at, updated_at, client_id, client_fingerprint
	FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;

-- The indexes (0003, 0005, 0008, 0009, 0012, 0019).
CREATE INDEX tickets_centre ON tickets(centre_code, status);
CREATE INDEX tickets_assignee ON tickets(assignee_id, status);
CREATE INDEX tickets_region ON tickets(region_path, id);
CREATE INDEX tickets_owner ON tickets(sales_owner_id);
CREATE INDEX tickets_asset ON tickets(asset_id, status);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_parent ON tickets(parent_id);
CREATE UNIQUE INDEX tickets_client_id ON tickets(client_id) WHERE client_id IS NOT NULL;
CREATE INDEX tickets_resolved ON tickets(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_analytics ON tickets(created_at, status, category, channel, region_path,
	centre_code, product_line, model_id, priority, responded_at, arrived_at, resolved_at,
	closed_at, response_due, arrival_due, resolution_due, satisfaction);
CREATE INDEX tickets_open ON tickets(id)
	WHERE status IN ('new', 'routed', 'assigned', 'accepted', 'declined', 'en_route',
	                 'on_site', 'reopened')
	  AND paused_at IS NULL;
CREATE INDEX tickets_asset_open ON tickets(asset_id)
	WHERE status NOT IN ('resolved', 'follow_up', 'closed', 'cancelled');
CREATE INDEX tickets_board ON tickets(id) WHERE status NOT IN ('closed', 'cancelled');

-- The triggers (0005).
CREATE TRIGGER sync_tickets_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'ticket', NEW.id, 'user', NEW.assignee_id, 'upsert' WHERE NEW.assignee_id IS NOT NULL
	UNION ALL
	SELECT 'ticket', NEW.id, 'user', NEW.created_by, 'upsert'
	WHERE NEW.created_by IS NOT NULL AND NEW.created_by IS NOT NEW.assignee_id
	UNION ALL
	SELECT 'ticket', NEW.id, 'centre', NEW.centre_code, 'upsert' WHERE NEW.centre_code IS NOT NULL;
END;
CREATE TRIGGER sync_tickets_update AFTER UPDATE ON tickets BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'ticket', NEW.id, 'user', NEW.assignee_id, 'upsert' WHERE NEW.assignee_id IS NOT NULL
	UNION ALL
	SELECT 'ticket', NEW.id, 'user', NEW.created_by, 'upsert'
	WHERE NEW.created_by IS NOT NULL AND NEW.created_by IS NOT NEW.assignee_id
	UNION ALL
	SELECT 'ticket', NEW.id, 'centre', NEW.centre_code, 'upsert' WHERE NEW.centre_code IS NOT NULL
	UNION ALL
	SELECT 'ticket', NEW.id, 'user', OLD.assignee_id, 'delete'
	WHERE OLD.assignee_id IS NOT NULL AND OLD.assignee_id IS NOT NEW.assignee_id
	  AND OLD.assignee_id IS NOT NEW.created_by
	UNION ALL
	SELECT 'ticket', NEW.id, 'centre', OLD.centre_code, 'delete'
	WHERE OLD.centre_code IS NOT NULL AND OLD.centre_code IS NOT NEW.centre_code;
	DELETE FROM sync_retired
	WHERE ticket_id = NEW.id AND NEW.status NOT IN ('closed', 'cancelled');
END;
