-- The SLA watcher reads open, running tickets every tick: a partial index
-- holds just those, however many closed tickets pile up behind them. The
-- status list must match the watcher's query exactly for SQLite to use it.
CREATE INDEX tickets_open ON tickets(id)
	WHERE status IN ('new', 'routed', 'assigned', 'accepted', 'declined', 'en_route',
	                 'on_site', 'reopened')
	  AND paused_at IS NULL;
