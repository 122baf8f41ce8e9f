-- Indexes for the trace, which every QR scan reads.
--
-- It lists the unit's components. With an index on
-- asset_id alone each component was one more table lookup; this index holds
-- every column the trace reads, in its order, so the list is one range of
-- one index. It replaces asset_components_asset (its prefix).
CREATE INDEX asset_components_trace ON asset_components(asset_id, id, part_number,
	component_serial, supplier, lot, installed_at, removed_at);
DROP INDEX asset_components_asset;

-- It also lists the unit's open service requests, newest first. The
-- (asset_id, status) index orders them by status, so every scan sorted them
-- in a temporary b-tree, even when there were none. This partial index holds
-- only open tickets, in id order; its condition is TICKET_OPEN
-- (server/db/tickets_store.c) word for word, as the planner needs.
CREATE INDEX tickets_asset_open ON tickets(asset_id)
	WHERE status NOT IN ('resolved', 'follow_up', 'closed', 'cancelled');
