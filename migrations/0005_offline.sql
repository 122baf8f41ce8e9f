-- Working offline: safe replay of writes (Idempotency-Key), the identity
-- of records created on a device (client_id), the device's own clock on
-- field work, and the change feed a device syncs from.

-- The first answer to each (user, Idempotency-Key), replayed to a repeat
-- of the same request. A row is 'running' from just before the handler
-- runs until its answer is stored; answers that are not final (5xx, 401,
-- 429) delete the row so the client may retry.
CREATE TABLE idempotency_keys (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	key          TEXT NOT NULL,
	method       TEXT NOT NULL,
	path         TEXT NOT NULL,          -- with the query string
	body_sha256  BLOB NOT NULL CHECK (length(body_sha256) = 32),
	state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
	status       INTEGER,
	content_type TEXT,
	headers      TEXT NOT NULL DEFAULT '', -- "Name: value\r\n" lines kept for replay
	body         BLOB,                   -- NULL when too large to keep
	body_len     INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	UNIQUE (user_id, key)
) STRICT;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys(expires_at);

-- A ticket opened on a device keeps the device's UUID; the fingerprint
-- of the opening request tells a replay from a different request.
ALTER TABLE tickets ADD COLUMN client_id TEXT;
ALTER TABLE tickets ADD COLUMN client_fingerprint TEXT;
CREATE UNIQUE INDEX tickets_client_id ON tickets(client_id) WHERE client_id IS NOT NULL;

-- The device's clock for a transition recorded offline, as the device gave
-- it, next to the server's `at` (both are kept; the detail says which one
-- the SLA facts used and why).
ALTER TABLE ticket_events ADD COLUMN device_at INTEGER;

-- The change feed for GET /v1/sync. Triggers append one row per audience
-- that may need to hear about a change: a user (technician: assignee or
-- reporter), a centre (dispatchers) or everyone (reference data). Rows
-- are hints: the reader re-reads the entity and answers its current state
-- when the caller may still see it, else a tombstone. The cursor is seq.
CREATE TABLE sync_changes (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	entity      TEXT NOT NULL CHECK (entity IN
	              ('ticket', 'asset', 'category', 'product_line', 'model', 'centre')),
	entity_id   TEXT NOT NULL,
	audience    TEXT NOT NULL CHECK (audience IN ('all', 'user', 'centre')),
	audience_id TEXT NOT NULL DEFAULT '', -- user id or centre code; '' for all
	op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
	at          INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;
CREATE INDEX sync_changes_audience ON sync_changes(audience, audience_id, seq);
CREATE INDEX sync_changes_at ON sync_changes(at);

-- Cursors below the horizon point at pruned changes: such a device starts
-- again with a full sync. Closed and cancelled tickets leave the devices
-- some time after they end (sync_retire_run); sync_retired remembers which
-- tombstones went out.
CREATE TABLE sync_horizon (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL
) STRICT;
INSERT INTO sync_horizon VALUES (1, 0);

CREATE TABLE sync_retired (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	at        INTEGER NOT NULL
) STRICT;

-- Tickets: the assignee, the reporter and the centre hear of every change.
CREATE TRIGGER sync_tickets_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'ticket', NEW.id, 'user', NEW.assignee_id, 'upsert' WHERE NEW.assignee_id IS NOT NULL
	UNION ALL
	SELECT 'ticket', NEW.id, 'user', NEW.created_by, 'upsert'
	WHERE NEW.created_by IS NOT NULL AND NEW.created_by IS NOT NEW.assignee_id
	UNION ALL
	SELECT 'ticket', NEW.id, 'centre', NEW.centre_code, 'upsert' WHERE NEW.centre_code IS NOT NULL;
END;

-- An assignee or centre the ticket left hears of it once more, as a
-- tombstone (the reader checks they no longer see it). A reopened ticket
-- is no longer retired.
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

-- An asset's trace changed: whoever has one of its open tickets hears.
CREATE TRIGGER sync_assets_update AFTER UPDATE ON assets BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'asset', NEW.id, 'user', u, 'upsert' FROM (
		SELECT assignee_id AS u FROM tickets
		WHERE asset_id = NEW.id AND status NOT IN ('closed', 'cancelled')
		  AND assignee_id IS NOT NULL
		UNION
		SELECT created_by FROM tickets
		WHERE asset_id = NEW.id AND status NOT IN ('closed', 'cancelled')
		  AND created_by IS NOT NULL)
	UNION ALL
	SELECT DISTINCT 'asset', NEW.id, 'centre', centre_code, 'upsert' FROM tickets
	WHERE asset_id = NEW.id AND status NOT IN ('closed', 'cancelled')
	  AND centre_code IS NOT NULL;
END;

-- Reference data: everyone hears; the reader filters models by the
-- caller's product lines.
CREATE TRIGGER sync_categories_insert AFTER INSERT ON service_categories BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('category', NEW.code, 'all', 'upsert');
END;
CREATE TRIGGER sync_categories_update AFTER UPDATE ON service_categories BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('category', NEW.code, 'all', 'upsert');
END;
CREATE TRIGGER sync_categories_delete AFTER DELETE ON service_categories BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('category', OLD.code, 'all', 'delete');
END;
CREATE TRIGGER sync_product_lines_insert AFTER INSERT ON product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('product_line', NEW.code, 'all', 'upsert');
END;
CREATE TRIGGER sync_product_lines_update AFTER UPDATE ON product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('product_line', NEW.code, 'all', 'upsert');
END;
CREATE TRIGGER sync_product_lines_delete AFTER DELETE ON product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('product_line', OLD.code, 'all', 'delete');
END;
CREATE TRIGGER sync_models_insert AFTER INSERT ON models BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('model', NEW.id, 'all', 'upsert');
END;
CREATE TRIGGER sync_models_update AFTER UPDATE ON models BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('model', NEW.id, 'all', 'upsert');
END;
CREATE TRIGGER sync_models_delete AFTER DELETE ON models BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('model', OLD.id, 'all', 'delete');
END;
CREATE TRIGGER sync_centres_insert AFTER INSERT ON centres BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('centre', NEW.code, 'all', 'upsert');
END;
CREATE TRIGGER sync_centres_update AFTER UPDATE ON centres BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('centre', NEW.code, 'all', 'upsert');
END;
CREATE TRIGGER sync_centres_delete AFTER DELETE ON centres BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, op)
	VALUES ('centre', OLD.code, 'all', 'delete');
END;

-- Which models a technician or a centre's dispatchers see follows skills
-- and the centre's product lines: a change there re-sends that line's
-- models (the reader answers a tombstone for those no longer seen).
CREATE TRIGGER sync_skills_insert AFTER INSERT ON technician_skills BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'model', id, 'user', NEW.user_id, 'upsert' FROM models
	WHERE product_line = NEW.product_line;
END;
CREATE TRIGGER sync_skills_delete AFTER DELETE ON technician_skills BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'model', id, 'user', OLD.user_id, 'delete' FROM models
	WHERE product_line = OLD.product_line;
END;
CREATE TRIGGER sync_centre_lines_insert AFTER INSERT ON centre_product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'model', id, 'centre', NEW.centre_code, 'upsert' FROM models
	WHERE product_line = NEW.product_line;
END;
CREATE TRIGGER sync_centre_lines_delete AFTER DELETE ON centre_product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'model', id, 'centre', OLD.centre_code, 'delete' FROM models
	WHERE product_line = OLD.product_line;
END;
