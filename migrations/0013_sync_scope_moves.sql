-- A technician or dispatcher moved to another centre, or given another
-- role, sees other models, articles and (a dispatcher) tickets. The change
-- feed is addressed by audience, so a device would miss what the move
-- brings in and keep what it takes away. The move writes one change row
-- for the user (their new centre, so the counter moves past every cursor
-- issued before) and keeps its seq in users.scope_seq: the sync reader
-- answers a cursor from before it 410, and the device syncs again from a
-- snapshot, as after pruning. Supervisors, admins and other roles without
-- a centre get nothing in the feed by region, so their moves write nothing.
ALTER TABLE users ADD COLUMN scope_seq INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER sync_users_scope AFTER UPDATE OF centre_code, role ON users
WHEN OLD.centre_code IS NOT NEW.centre_code
  OR (OLD.role IS NOT NEW.role AND coalesce(NEW.centre_code, OLD.centre_code) IS NOT NULL)
BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	VALUES ('centre', coalesce(NEW.centre_code, OLD.centre_code), 'user', CAST(NEW.id AS TEXT),
	        'upsert');
	UPDATE users SET scope_seq = (SELECT max(seq) FROM sync_changes) WHERE id = NEW.id;
END;
