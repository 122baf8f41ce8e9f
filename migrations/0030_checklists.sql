-- Checklists on the job and the customer's sign-off (issue 20 part 4).
--
-- A template is attached to a model, a request category, or both (the
-- most specific applies: model + category, then model, then category).
-- Its items live in versions; a published version never changes (the
-- trigger below refuses it), and a job keeps the version it started with
-- (ticket_checklists), however many are published after.
CREATE TABLE checklist_templates (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	model_id   INTEGER REFERENCES models(id),
	category   TEXT REFERENCES service_categories(code),
	created_by INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL,
	CHECK (model_id IS NOT NULL OR category IS NOT NULL)
) STRICT;
CREATE INDEX checklist_templates_model ON checklist_templates(model_id);
CREATE INDEX checklist_templates_category ON checklist_templates(category);

CREATE TABLE checklist_versions (
	id           INTEGER PRIMARY KEY,
	template_id  INTEGER NOT NULL REFERENCES checklist_templates(id),
	version      INTEGER NOT NULL CHECK (version >= 1),
	items        TEXT NOT NULL, -- JSON array, checked by domain/checklists.c
	published_by INTEGER REFERENCES users(id),
	published_at INTEGER NOT NULL,
	UNIQUE (template_id, version)
) STRICT;
CREATE TRIGGER checklist_versions_immutable BEFORE UPDATE ON checklist_versions
BEGIN
	SELECT RAISE(ABORT, 'a published checklist version is immutable');
END;

-- The version a job started with: pinned by its first answer.
CREATE TABLE ticket_checklists (
	ticket_id  INTEGER PRIMARY KEY REFERENCES tickets(id),
	version_id INTEGER NOT NULL REFERENCES checklist_versions(id),
	started_at INTEGER NOT NULL
) STRICT;

-- One answer per item of a job; answering again replaces it.
CREATE TABLE ticket_checklist_answers (
	ticket_id       INTEGER NOT NULL REFERENCES ticket_checklists(ticket_id),
	item_id         TEXT NOT NULL,
	value           TEXT NOT NULL, -- JSON: true/false, a number, a string, null (photo)
	note            TEXT NOT NULL DEFAULT '',
	attachment_uuid TEXT,          -- a photo item's photo (ticket_attachments.client_uuid)
	flagged         INTEGER NOT NULL CHECK (flagged IN (0, 1)),
	answered_by     INTEGER NOT NULL REFERENCES users(id),
	answered_at     INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, item_id)
) STRICT, WITHOUT ROWID;

-- The customer's sign-off, one per visit (a visit: the job until it is
-- reopened; visit = 1 + the reopens before it).
CREATE TABLE ticket_signoffs (
	id             INTEGER PRIMARY KEY,
	ticket_id      INTEGER NOT NULL REFERENCES tickets(id),
	visit          INTEGER NOT NULL CHECK (visit >= 1),
	signer_name    TEXT NOT NULL,
	signer_role    TEXT NOT NULL,
	signature_uuid TEXT NOT NULL, -- a PNG among the ticket's attachments
	signed_at      INTEGER NOT NULL,
	latitude       REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
	longitude      REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
	recorded_by    INTEGER NOT NULL REFERENCES users(id),
	created_at     INTEGER NOT NULL,
	UNIQUE (ticket_id, visit)
) STRICT;
