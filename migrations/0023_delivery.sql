-- Notifications reach people (issue 18): each person's settings, the
-- delivery outbox per channel, and acknowledgements of escalations.

-- Staff e-mail addresses (not customer data): where e-mail and digests go.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- A person's notification settings. No row: the defaults (zh, Asia/Shanghai,
-- no quiet hours, weekly digest for sales).
CREATE TABLE notification_settings (
	user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	language    TEXT NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
	time_zone   TEXT NOT NULL DEFAULT 'Asia/Shanghai',
	quiet_start INTEGER CHECK (quiet_start BETWEEN 0 AND 1439), -- minutes after midnight
	quiet_end   INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
	digest      TEXT CHECK (digest IN ('off', 'daily', 'weekly')), -- NULL: the role's default
	updated_at  INTEGER NOT NULL,
	CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
) STRICT, WITHOUT ROWID;

-- Overrides of the role's defaults: which kinds on which channels.
CREATE TABLE notification_prefs (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind    TEXT NOT NULL,
	channel TEXT NOT NULL CHECK (channel IN ('push', 'email', 'sms')),
	enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
	PRIMARY KEY (user_id, kind, channel)
) STRICT, WITHOUT ROWID;

-- The outbox of deliveries: one row per notification, channel and
-- address, written in the transaction of the notification. message is
-- what will be sent, rendered in the person's language when it was
-- written (push: title/body/link; e-mail: subject/text/html/attachments;
-- SMS: template parameters; robots: title/text/link). The idempotency key
-- is the one the provider sees on every attempt.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	notification_id INTEGER REFERENCES notifications(id) ON DELETE CASCADE,
	user_id         INTEGER REFERENCES users(id) ON DELETE CASCADE, -- NULL: a group robot
	channel         TEXT NOT NULL CHECK (channel IN ('push', 'email', 'sms', 'chat')),
	provider        TEXT NOT NULL CHECK (provider IN
	                  ('fcm', 'apns', 'jpush', 'smtp', 'aliyun', 'wecom', 'dingtalk', 'feishu')),
	address         TEXT NOT NULL, -- device id, e-mail, phone, or robot name
	device_id       INTEGER REFERENCES devices(id),
	kind            TEXT NOT NULL,
	message         TEXT NOT NULL,
	idempotency_key TEXT NOT NULL UNIQUE,
	ack_key         TEXT,          -- escalations: "ticket:target:level", cancelled by an ack
	status          TEXT NOT NULL DEFAULT 'pending'
	                  CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER,
	provider_ref    TEXT,
	last_status     INTEGER,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER,
	latency_ms      INTEGER
) STRICT;
-- Each provider's lane claims its due rows from here.
CREATE INDEX deliveries_due ON deliveries(provider, next_attempt_at)
	WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_user ON deliveries(user_id, id);
CREATE INDEX deliveries_notification ON deliveries(notification_id);
CREATE INDEX deliveries_status ON deliveries(status, id);
CREATE INDEX deliveries_ack ON deliveries(ack_key) WHERE ack_key IS NOT NULL;

-- Escalations acknowledged: one row per (ticket, target, level), the first
-- acknowledgement wins; it stops that level's deliveries not yet sent.
CREATE TABLE escalation_acks (
	ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
	target          TEXT NOT NULL,
	level           INTEGER NOT NULL,
	user_id         INTEGER NOT NULL REFERENCES users(id),
	channel         TEXT NOT NULL, -- 'app', 'link', 'push', 'email', 'sms', 'chat'
	acknowledged_at INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, target, level)
) STRICT, WITHOUT ROWID;

-- The links in escalation messages: a token per recipient and level, kept
-- as its SHA-256 only.
CREATE TABLE escalation_ack_tokens (
	token_hash TEXT PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
	target     TEXT NOT NULL,
	level      INTEGER NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Once-only e-mail digests: one per person and period.
CREATE TABLE digest_runs (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	period  TEXT NOT NULL, -- "2026-12-07" (daily) or "2026-W50" (weekly)
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, period)
) STRICT, WITHOUT ROWID;

-- Once-only daily board summaries: one per group robot and day.
CREATE TABLE robot_summaries (
	robot   TEXT NOT NULL,
	day     TEXT NOT NULL, -- "2026-12-07" in Asia/Shanghai
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (robot, day)
) STRICT, WITHOUT ROWID;
