-- The console's bell polls GET /v1/notifications every 30 s and shows the
-- caller's unread total: counted in this partial index (only unread rows,
-- so the count reads the caller's unread entries and nothing else).
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
