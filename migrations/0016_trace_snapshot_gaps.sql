-- Gaps in 0015's kept traces, found in review:
--   * A kept trace carries the format of the binary that wrote it, and only
--     a trace of the reader's format is answered: during a rolling upgrade
--     old and new servers each answer only their own text.
--   * A user renamed by case alone ('alice' to 'Alice') kept the old name:
--     usernames compare without case, so the rename's WHEN saw no change.
--   * Rows written back under an id that kept traces name (INSERT OR
--     REPLACE, or a parent deleted and inserted again with foreign keys
--     off) fired no trigger: a REPLACE's delete does not fire delete
--     triggers. An inserted unit now retires its own kept trace, an
--     inserted model, site, customer or user retires them all when a kept
--     trace names it, and a component replacing another unit's row retires
--     that unit's kept trace too.
-- A migration that rebuilds one of these tables (create, copy, drop,
-- rename) drops its triggers with it and must create them again.
ALTER TABLE trace_snapshots ADD COLUMN format INTEGER NOT NULL DEFAULT 0;
DELETE FROM counters WHERE name = 'trace_format'; -- a start-time check this replaces

DROP TRIGGER trace_epoch_user_rename;
CREATE TRIGGER trace_epoch_user_rename AFTER UPDATE OF username ON users BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;

CREATE TRIGGER trace_snapshot_asset_insert AFTER INSERT ON assets BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = NEW.id;
END;
CREATE TRIGGER trace_snapshot_component_replace BEFORE INSERT ON asset_components BEGIN
	DELETE FROM trace_snapshots
	 WHERE asset_id = (SELECT asset_id FROM asset_components WHERE id = NEW.id);
END;
CREATE TRIGGER trace_epoch_model_insert AFTER INSERT ON models
	WHEN EXISTS (SELECT 1 FROM assets a JOIN trace_snapshots s ON s.asset_id = a.id
	              WHERE a.model_id = NEW.id) BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_site_insert AFTER INSERT ON sites
	WHEN EXISTS (SELECT 1 FROM assets a JOIN trace_snapshots s ON s.asset_id = a.id
	              WHERE a.site_id = NEW.id) BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_customer_insert AFTER INSERT ON customers
	WHEN EXISTS (SELECT 1 FROM assets a JOIN trace_snapshots s ON s.asset_id = a.id
	              WHERE a.customer_id = NEW.id) BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
CREATE TRIGGER trace_epoch_user_insert AFTER INSERT ON users
	WHEN EXISTS (SELECT 1 FROM assets a JOIN trace_snapshots s ON s.asset_id = a.id
	              WHERE a.sales_owner_id = NEW.id) BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'trace_epoch';
END;
