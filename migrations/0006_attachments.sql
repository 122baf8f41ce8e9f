-- Evidence from the field: photos, audio and video on tickets, and GPS
-- check-ins on arrival.

-- One row per upload. The bytes live content-addressed under the data
-- directory (objects/ab/cdef… by SHA-256), so two uploads of the same
-- file share one object. The client names each upload with a UUID: a
-- replay of the same upload is the same row.
CREATE TABLE ticket_attachments (
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
	uploaded_by   INTEGER NOT NULL REFERENCES users(id),
	created_at    INTEGER NOT NULL,
	UNIQUE (ticket_id, client_uuid)
) STRICT;
CREATE INDEX ticket_attachments_sha256 ON ticket_attachments(sha256);

-- Where the technician was when they said they arrived. A device time is
-- one check-in: replaying it is the same row.
CREATE TABLE ticket_checkins (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
	user_id     INTEGER NOT NULL REFERENCES users(id),
	latitude    REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
	longitude   REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
	accuracy_m  REAL NOT NULL CHECK (accuracy_m >= 0),
	device_at   INTEGER NOT NULL,
	server_at   INTEGER NOT NULL,
	distance_km REAL,             -- to the ticket's site; NULL when the site has no position
	flagged     INTEGER NOT NULL CHECK (flagged IN (0, 1)),
	reasons     TEXT NOT NULL DEFAULT '[]', -- JSON array of reason codes
	UNIQUE (ticket_id, user_id, device_at)
) STRICT;
