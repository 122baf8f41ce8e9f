-- Recurring problems (the same fault on the same model, design revision,
-- production batch or component lot) and the indexes behind operations
-- analytics.

-- Detection settings: a problem opens when `threshold` resolved tickets
-- within `window_days` share a fault code and a factor. The job does the
-- work at most once per `run_every_minutes` (0 = every scheduler run).
CREATE TABLE problem_settings (
	id                INTEGER PRIMARY KEY CHECK (id = 1),
	window_days       INTEGER NOT NULL CHECK (window_days BETWEEN 1 AND 3650),
	threshold         INTEGER NOT NULL CHECK (threshold BETWEEN 2 AND 10000),
	run_every_minutes INTEGER NOT NULL CHECK (run_every_minutes BETWEEN 0 AND 10080),
	last_run_at       INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO problem_settings(id, window_days, threshold, run_every_minutes) VALUES (1, 90, 3, 60);

-- Who is told of a new problem. Empty: the admins and the supervisors of
-- the top-level (national) regions.
CREATE TABLE quality_owners (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
) STRICT;

-- One problem per factor: kind says which, fault_code and the columns the
-- kind uses name it (model: model_id; revision: model_id + value; batch:
-- value; lot: part_number + value).
CREATE TABLE problems (
	id                INTEGER PRIMARY KEY,
	kind              TEXT NOT NULL CHECK (kind IN ('model', 'revision', 'batch', 'lot')),
	fault_code        TEXT NOT NULL CHECK (fault_code != ''),
	model_id          INTEGER REFERENCES models(id),
	value             TEXT NOT NULL DEFAULT '',
	part_number       TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN
	                    ('open', 'investigating', 'corrective_action', 'closed')),
	owner_id          INTEGER REFERENCES users(id),
	corrective_action TEXT NOT NULL DEFAULT '',
	window_days       INTEGER NOT NULL,
	threshold         INTEGER NOT NULL,
	ticket_count      INTEGER NOT NULL DEFAULT 0,
	opened_at         INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	closed_at         INTEGER,
	version           INTEGER NOT NULL DEFAULT 1
) STRICT;
-- At most one problem not yet closed per factor: the no-duplicates
-- guarantee, across restarts too.
CREATE UNIQUE INDEX problems_open_factor
	ON problems(kind, fault_code, ifnull(model_id, 0), value, part_number)
	WHERE status != 'closed';
CREATE INDEX problems_status ON problems(status, id);

-- The tickets behind a problem. A ticket belongs to at most one problem:
-- a closed problem's tickets do not open it again.
CREATE TABLE problem_tickets (
	problem_id INTEGER NOT NULL REFERENCES problems(id),
	ticket_id  INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
	asset_id   INTEGER REFERENCES assets(id),
	added_at   INTEGER NOT NULL,
	PRIMARY KEY (problem_id, ticket_id)
) STRICT, WITHOUT ROWID;

-- Detection reads the tickets resolved within its window.
CREATE INDEX tickets_resolved ON tickets(resolved_at) WHERE resolved_at IS NOT NULL;

-- First-time fix counts visits and reopenings per ticket from this small
-- index instead of every event.
CREATE INDEX ticket_events_visits ON ticket_events(ticket_id, action)
	WHERE action IN ('arrive', 'reopen');

-- Renewal rate: renewals of warranties that ended in a period.
CREATE INDEX warranty_renewals_previous_end ON warranty_renewals(previous_end, asset_id);

-- Analytics read a range of creation times and every figure they report
-- from this index alone, never the ticket rows (with their texts).
CREATE INDEX tickets_analytics ON tickets(created_at, status, category, channel, region_path,
	centre_code, product_line, model_id, priority, responded_at, arrived_at, resolved_at,
	closed_at, response_due, arrival_due, resolution_due, satisfaction);
