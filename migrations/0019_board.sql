-- The dispatcher's board (GET /v1/board) follows the ticket change feed of
-- migration 0005 (sync_changes): a board polls "what changed since my
-- cursor", and an unchanged board must cost next to nothing.

-- An SLA warning or escalation (ticket_alerts, written by the scheduler's
-- sla_escalation job) changes what a board shows of the ticket -- its
-- warning and escalation level -- without writing the ticket row, so the
-- triggers of 0005 never heard of it. Its audiences hear now, as of any
-- other change to the ticket (devices re-read the ticket too: its
-- sla.alerts changed).
CREATE TRIGGER sync_ticket_alerts_insert AFTER INSERT ON ticket_alerts BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'ticket', t.id, 'user', t.assignee_id, 'upsert' FROM tickets t
	WHERE t.id = NEW.ticket_id AND t.assignee_id IS NOT NULL
	UNION ALL
	SELECT 'ticket', t.id, 'user', t.created_by, 'upsert' FROM tickets t
	WHERE t.id = NEW.ticket_id AND t.created_by IS NOT NULL
	  AND t.created_by IS NOT t.assignee_id
	UNION ALL
	SELECT 'ticket', t.id, 'centre', t.centre_code, 'upsert' FROM tickets t
	WHERE t.id = NEW.ticket_id AND t.centre_code IS NOT NULL;
END;

-- A board by region or of everything reads every ticket change, and its
-- cursor (the ETag a poll sends back in If-None-Match) is the last one.
-- Without this index "max(seq) WHERE entity = 'ticket'" walks back over
-- the table's newest rows (EXPLAIN QUERY PLAN: SEARCH sync_changes, no
-- index) past every model, article and centre change since; with it the
-- 304 answer reads one index entry (SEARCH sync_changes USING INDEX
-- sync_changes_ticket), and the changes since a cursor are one range of
-- it. Boards of a centre or of one's own jobs read sync_changes_audience.
CREATE INDEX sync_changes_ticket ON sync_changes(seq) WHERE entity = 'ticket';

-- The board's snapshot: every ticket in scope not yet over. Without it
-- the query scans every ticket ever opened (SCAN t); with it only those
-- not closed or cancelled (SCAN t USING INDEX tickets_board). The status
-- list repeats TICKET_FINAL_SQL (include/db/tickets_store.h) word for
-- word, or SQLite would not use the index.
CREATE INDEX tickets_board ON tickets(id) WHERE status NOT IN ('closed', 'cancelled');
