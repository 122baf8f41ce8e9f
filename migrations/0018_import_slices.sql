-- A CSV import writes its rows in short transactions (server/import.c), so
-- that no write waits behind it for more than one of them. Until its last
-- transaction commits the import is pending: its row here exists, and every
-- read of assets skips the units whose import_id names it (ASSET_PUBLISHED
-- in include/assets_store.h). The last transaction deletes the row, which
-- publishes the whole file at once; a failed import deletes its units, and
-- an import whose heartbeat stopped (the process died) is swept by the next.
-- AUTOINCREMENT: an id is never reused, as published units keep theirs.
CREATE TABLE imports_pending (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	sha256       TEXT NOT NULL,
	started_at   INTEGER NOT NULL,
	heartbeat_at INTEGER NOT NULL
) STRICT;

ALTER TABLE assets ADD COLUMN import_id INTEGER;
CREATE INDEX assets_import ON assets(import_id) WHERE import_id IS NOT NULL;
