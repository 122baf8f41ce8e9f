-- Remote expert assistance (issue 19, part 1): a technician asks the
-- product line's experts on call for a live video call about a ticket.
--
-- A session rings the experts it offered (assist_offers) until one accepts
-- or nobody is left (the scheduler offers the next candidate after
-- assist-accept-min); the accepted call is joined by the technician, the
-- expert and supervisors of the ticket's region, each with a participant
-- key (kept as its SHA-256 only). Signalling is a small mailbox per session
-- that the participants poll over HTTPS; it is deleted when the call ends,
-- so only the record stays: who, when, how long, the outcome, snapshots.
CREATE TABLE assist_sessions (
	id           INTEGER PRIMARY KEY,
	ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
	product_line TEXT NOT NULL REFERENCES product_lines(code),
	requested_by INTEGER NOT NULL REFERENCES users(id),
	language     TEXT NOT NULL DEFAULT '' CHECK (length(language) <= 8), -- "" = any
	problem      TEXT NOT NULL DEFAULT '' CHECK (length(problem) <= 4000), -- 1000 characters
	state        TEXT NOT NULL CHECK (state IN ('ringing', 'accepted', 'live', 'ended',
	               'cancelled', 'unanswered')),
	expert_id    INTEGER REFERENCES users(id),
	requested_at INTEGER NOT NULL,
	accepted_at  INTEGER,
	connected_at INTEGER, -- the first remote frame a participant reported
	ended_at     INTEGER,
	outcome      TEXT CHECK (outcome IN ('fixed', 'visit_needed', 'escalated', 'not_fixed')),
	notes        TEXT NOT NULL DEFAULT '' CHECK (length(notes) <= 16000),
	ended_by     INTEGER REFERENCES users(id),
	-- An accepted session has its expert; an ended one its end.
	CHECK (state = 'ringing' OR state IN ('cancelled', 'unanswered') OR expert_id IS NOT NULL),
	CHECK (state NOT IN ('ended', 'cancelled', 'unanswered') OR ended_at IS NOT NULL)
) STRICT;
-- One open call per ticket: a second request answers with the open one.
CREATE UNIQUE INDEX assist_sessions_open ON assist_sessions(ticket_id)
	WHERE state IN ('ringing', 'accepted', 'live');
-- The escalation job scans the ringing ones; analytics a period.
CREATE INDEX assist_sessions_state ON assist_sessions(state);
CREATE INDEX assist_sessions_requested ON assist_sessions(requested_at);

-- Who was asked, in which escalation step, and what they answered. An
-- offer stays valid after later steps: the first to accept wins, and the
-- others' open offers become 'withdrawn'.
CREATE TABLE assist_offers (
	session_id  INTEGER NOT NULL REFERENCES assist_sessions(id) ON DELETE CASCADE,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	step        INTEGER NOT NULL CHECK (step >= 1),
	offered_at  INTEGER NOT NULL,
	answer      TEXT CHECK (answer IN ('accepted', 'declined', 'withdrawn')),
	answered_at INTEGER,
	PRIMARY KEY (session_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX assist_offers_user ON assist_offers(user_id, answer);

-- Single-use join links (the technician's phone has no console login): the
-- link holds the only copy of the token.
CREATE TABLE assist_join_links (
	token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
	session_id INTEGER NOT NULL REFERENCES assist_sessions(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
) STRICT, WITHOUT ROWID;

-- A participant's key authenticates its signalling calls while the session
-- is open; a rejoin gets a new key, the old one stays valid (a reload).
CREATE TABLE assist_participants (
	key_hash     TEXT PRIMARY KEY CHECK (length(key_hash) = 64),
	session_id   INTEGER NOT NULL REFERENCES assist_sessions(id) ON DELETE CASCADE,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	side         TEXT NOT NULL CHECK (side IN ('technician', 'expert', 'supervisor')),
	joined_at    INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	left_at      INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX assist_participants_session ON assist_participants(session_id, user_id);

-- The signalling mailbox: SDP offers/answers, ICE candidates, hello/bye.
-- Read by id after a cursor; to_user NULL addresses everyone but the
-- sender. Deleted when the session ends.
CREATE TABLE assist_signals (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES assist_sessions(id) ON DELETE CASCADE,
	from_user  INTEGER NOT NULL REFERENCES users(id),
	from_side  TEXT NOT NULL CHECK (from_side IN ('technician', 'expert', 'supervisor')),
	to_user    INTEGER REFERENCES users(id),
	kind       TEXT NOT NULL CHECK (kind IN ('hello', 'offer', 'answer', 'candidate', 'bye')),
	body       TEXT NOT NULL CHECK (length(body) <= 65536), -- JSON
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX assist_signals_session ON assist_signals(session_id, id);

-- Frames captured during the call, kept as the ticket's attachments.
CREATE TABLE assist_snapshots (
	session_id    INTEGER NOT NULL REFERENCES assist_sessions(id) ON DELETE CASCADE,
	attachment_id INTEGER NOT NULL REFERENCES ticket_attachments(id),
	taken_by      INTEGER NOT NULL REFERENCES users(id),
	taken_at      INTEGER NOT NULL,
	PRIMARY KEY (session_id, attachment_id)
) STRICT, WITHOUT ROWID;

-- The unit's timeline gets one 'assist' entry per ended call. SQLite
-- cannot change a CHECK in place: asset_events is rebuilt with the kind
-- added (no table references it), and 0015's triggers, dropped with it,
-- are made again.
CREATE TABLE asset_events_new (
	asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
	at       INTEGER NOT NULL,
	id       INTEGER NOT NULL,
	kind     TEXT NOT NULL CHECK (kind IN ('production', 'test', 'shipment', 'installation',
	           'commissioning', 'acceptance', 'service', 'part_replacement', 'firmware',
	           'inspection', 'warranty_renewal', 'label', 'assist')),
	summary  TEXT NOT NULL,
	detail   TEXT NOT NULL DEFAULT '{}',
	actor_id INTEGER,
	PRIMARY KEY (asset_id, at, id)
) STRICT, WITHOUT ROWID;
INSERT INTO asset_events_new(asset_id, at, id, kind, summary, detail, actor_id)
	SELECT asset_id, at, id, kind, summary, detail, actor_id FROM asset_events;
DROP TABLE asset_events;
ALTER TABLE asset_events_new RENAME TO asset_events;
CREATE TRIGGER trace_snapshot_event_insert AFTER INSERT ON asset_events BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = NEW.asset_id;
END;
CREATE TRIGGER trace_snapshot_event_update AFTER UPDATE ON asset_events BEGIN
	DELETE FROM trace_snapshots WHERE asset_id IN (OLD.asset_id, NEW.asset_id);
END;
CREATE TRIGGER trace_snapshot_event_delete AFTER DELETE ON asset_events BEGIN
	DELETE FROM trace_snapshots WHERE asset_id = OLD.asset_id;
END;
