-- Foundation: the region tree, service centres, accounts, sessions,
-- login throttling and the hash-chained audit log.

-- Regions form a tree (country > province > city). path is the chain of
-- codes ("/CN/GD/SZ/") so a scope check is one indexed prefix match.
CREATE TABLE regions (
	code        TEXT PRIMARY KEY,
	parent_code TEXT REFERENCES regions(code),
	name        TEXT NOT NULL,
	name_en     TEXT NOT NULL DEFAULT '',
	level       TEXT NOT NULL CHECK (level IN ('country', 'province', 'city', 'district')),
	path        TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE centres (
	code        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES regions(code),
	latitude    REAL,
	longitude   REAL,
	capacity    INTEGER NOT NULL DEFAULT 50 CHECK (capacity >= 0)
) STRICT;
CREATE INDEX centres_region ON centres(region_code);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	display_name  TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL CHECK (role IN
	                ('admin', 'supervisor', 'dispatcher', 'technician', 'sales', 'auditor')),
	region_code   TEXT REFERENCES regions(code),
	centre_code   TEXT REFERENCES centres(code),
	phone         TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX users_region ON users(region_code);
CREATE INDEX users_centre ON users(centre_code);

-- A session is one login: the family of refresh tokens it rotates through.
-- Reusing a spent refresh token revokes the whole family.
CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	revoked_at  INTEGER,
	client_addr TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

-- Tokens are stored only as SHA-256 of the value handed to the client.
CREATE TABLE refresh_tokens (
	token_hash BLOB PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	issued_at  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE access_tokens (
	token_hash BLOB PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX access_tokens_session ON access_tokens(session_id);

-- Failed-login counters, keyed "user:<name>" or "addr:<ip>".
CREATE TABLE auth_throttle (
	key           TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL,
	window_start  INTEGER NOT NULL,
	blocked_until INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Append-only audit log. hash = SHA-256 over prev_hash and the entry's
-- fields, so any edit or deletion breaks the chain from that row on.
CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	actor_id    INTEGER,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	before      TEXT,
	after       TEXT,
	request_id  TEXT NOT NULL,
	client_addr TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
