-- A scanned unit's trace, kept rendered, so the next scan reads one row
-- instead of eight tables (issue 3: rendering it on every scan held the
-- resolve to 0.4 of nginx's rate; a prototype reading it whole made 0.6).
--
-- A snapshot holds the trace's text up to the warranty's end date, without
-- what changes with time or with tickets; each scan still computes the
-- warranty's status and days left, the open service requests and the
-- label's link (from the configured public URL) from the columns here.
--
-- A snapshot is used only while it is current:
--   * its row exists: the triggers below delete it on every write to the
--     unit, its events, its components or its labels;
--   * its epoch is the counter trace_epoch: every write to what units share
--     (models, sites, customers, contacts, user names) moves the counter on,
--     which retires every snapshot at once; each unit is then rendered
--     afresh at its next scan.
-- The server writes snapshots in a write transaction from that
-- transaction's own data, so none is older than what it was rendered from.
CREATE TABLE trace_snapshots (
	asset_id         INTEGER PRIMARY KEY,
	epoch            INTEGER NOT NULL,
	body             BLOB NOT NULL,
	warranty_end     TEXT NOT NULL,   -- '' = none
	label_key_id     INTEGER NOT NULL,
	label_generation INTEGER NOT NULL -- 0 = no current label
) STRICT;
INSERT INTO counters(name, value) VALUES ('trace_epoch', 0);

CREATE TRIGGER trace_snapshot_asset_update AFTER UPDATE ON assets BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = OLD.id;
END;
CREATE TRIGGER trace_snapshot_asset_delete AFTER DELETE ON assets BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = OLD.id;
END;
CREATE TRIGGER trace_snapshot_event_insert AFTER INSERT ON asset_events BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = NEW.asset_id;
END;
CREATE TRIGGER trace_snapshot_event_update AFTER UPDATE ON asset_events BEGIN
	DELETE FROM trace_snapshots WHERE asset_id IN (OLD.asset_id, NEW.asset_id);
END;
CREATE TRIGGER trace_snapshot_event_delete AFTER DELETE ON asset_events BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = OLD.asset_id;
END;
CREATE TRIGGER trace_snapshot_component_insert AFTER INSERT ON asset_components BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = NEW.asset_id;
END;
CREATE TRIGGER trace_snapshot_component_update AFTER UPDATE ON asset_components BEGIN
	DELETE FROM trace_snapshots WHERE asset_id IN (OLD.asset_id, NEW.asset_id);
END;
CREATE TRIGGER trace_snapshot_component_delete AFTER DELETE ON asset_components BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = OLD.asset_id;
END;
CREATE TRIGGER trace_snapshot_label_insert AFTER INSERT ON labels BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = NEW.asset_id;
END;
CREATE TRIGGER trace_snapshot_label_update AFTER UPDATE ON labels BEGIN
	DELETE FROM trace_snapshots WHERE asset_id IN (OLD.asset_id, NEW.asset_id);
END;
CREATE TRIGGER trace_snapshot_label_delete AFTER DELETE ON labels BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = OLD.asset_id;
END;

CREATE TRIGGER trace_epoch_model_update AFTER UPDATE ON models BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_model_delete AFTER DELETE ON models BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_site_update AFTER UPDATE ON sites BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_site_delete AFTER DELETE ON sites BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_customer_update AFTER UPDATE ON customers BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_customer_delete AFTER DELETE ON customers BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_contact_insert AFTER INSERT ON customer_contacts BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_contact_update AFTER UPDATE ON customer_contacts BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_contact_delete AFTER DELETE ON customer_contacts BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_user_rename AFTER UPDATE OF username ON users
	WHEN OLD.username IS NOT NEW.username BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_user_delete AFTER DELETE ON users BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
