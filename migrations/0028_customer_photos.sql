-- Photos a customer sends with a nameplate report (issue 19 part 2) are
-- the ticket's attachments like any other, but no account uploaded them:
-- ticket_attachments.uploaded_by becomes nullable (NULL = the customer,
-- from the nameplate page). SQLite cannot drop a NOT NULL in place, so the
-- table is rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter);
-- no table references ticket_attachments and it has no trigger or view,
-- so the rebuild needs no foreign-keys-off run.
CREATE TABLE ticket_attachments_new (
	id            INTEGER PRIMARY KEY,
	ticket_id     INTEGER NOT NULL REFERENCES tickets(id),
	client_uuid   TEXT NOT NULL CHECK (length(client_uuid) = 36), -- lowercase
	sha256        TEXT NOT NULL CHECK (length(sha256) = 64),      -- lowercase hex
	media_type    TEXT NOT NULL,  -- what the bytes are (sniffed)
	declared_type TEXT NOT NULL,  -- the upload's Content-Type
	size          INTEGER NOT NULL CHECK (size > 0),
	kind          TEXT NOT NULL CHECK (kind IN ('photo', 'audio', 'video')),
	caption       TEXT NOT NULL DEFAULT '',
	work_record   INTEGER NOT NULL DEFAULT 0 CHECK (work_record IN (0, 1)), -- part of the work record
	uploaded_by   INTEGER REFERENCES users(id), -- NULL: the customer (nameplate report)
	created_at    INTEGER NOT NULL,
	UNIQUE (ticket_id, client_uuid)
) STRICT;
INSERT INTO ticket_attachments_new(id, ticket_id, client_uuid, sha256, media_type, declared_type,
                                   size, kind, caption, work_record, uploaded_by, created_at)
	SELECT id, ticket_id, client_uuid, sha256, media_type, declared_type,
	       size, kind, caption, work_record, uploaded_by, created_at
	FROM ticket_attachments;
DROP TABLE ticket_attachments;
ALTER TABLE ticket_attachments_new RENAME TO ticket_attachments;
CREATE INDEX ticket_attachments_sha256 ON ticket_attachments(sha256);
