-- Technicians' phones (and browsers) registered for push (issue 18). The
-- token is the provider's address for one app install: a (provider, token)
-- names one device whoever holds it, so it is unique per provider and a
-- phone that changes hands moves its row to the new holder. Retired rows
-- (removed, rotated away, reported gone by the provider) are kept for the
-- record and never pushed to.
CREATE TABLE devices (
	id             INTEGER PRIMARY KEY,
	user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	platform       TEXT NOT NULL CHECK (platform IN ('ios', 'android', 'harmony', 'web')),
	provider       TEXT NOT NULL CHECK (provider IN ('fcm', 'apns', 'jpush')),
	token          TEXT NOT NULL,
	app_version    TEXT,
	locale         TEXT NOT NULL DEFAULT 'zh' CHECK (locale IN ('zh', 'en')),
	created_at     INTEGER NOT NULL,
	last_seen_at   INTEGER NOT NULL,
	retired_at     INTEGER,
	retired_reason TEXT,
	CHECK ((retired_at IS NULL) = (retired_reason IS NULL))
) STRICT;
-- The caller's live devices, and the pusher's look-up by user.
CREATE INDEX devices_user ON devices(user_id, id) WHERE retired_at IS NULL;
-- One row per provider's token; registration and retirement find it here.
CREATE UNIQUE INDEX devices_provider_token ON devices(provider, token);
