-- Customer self-service from the nameplate page (issue 19, part 2).
--
-- A fault reported from the public page enters as channel 'web' with
-- source 'qr' here: tickets.channel's CHECK (0003) has no 'qr', and SQLite
-- cannot change a CHECK without rebuilding tickets, which a dozen tables
-- reference. The tracking token is kept only as its SHA-256 (hex): the
-- link the customer holds is the only copy of the token itself.
CREATE TABLE ticket_tracking (
	token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
	ticket_id  INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
	source     TEXT NOT NULL CHECK (source IN ('qr')),
	created_at INTEGER NOT NULL,
	rated_at   INTEGER -- the customer's score was taken (once)
) STRICT, WITHOUT ROWID;
