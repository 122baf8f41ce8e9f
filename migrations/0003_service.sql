-- Service requests: the catalogue, service levels and the business
-- calendar, centre coverage and technician skills for routing and
-- dispatch, and the tickets themselves with their history, work record
-- and replaced parts.

-- The catalogue is data: four categories and their subcategories. A ticket
-- names a subcategory; its category is the parent.
CREATE TABLE service_categories (
	code        TEXT PRIMARY KEY,
	parent_code TEXT REFERENCES service_categories(code),
	name        TEXT NOT NULL,
	name_en     TEXT NOT NULL,
	sort        INTEGER NOT NULL DEFAULT 0,
	active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
INSERT INTO service_categories(code, parent_code, name, name_en, sort) VALUES
	('complaint',         NULL,              '投诉',     'Complaint',         10),
	('fault_repair',      NULL,              '故障报修', 'Fault repair',      20),
	('service_request',   NULL,              '服务请求', 'Service request',   30),
	('other',             NULL,              '其他',     'Other',             40),
	('product_complaint', 'complaint',       '产品投诉', 'Product complaint', 11),
	('service_complaint', 'complaint',       '服务投诉', 'Service complaint', 12),
	('repair',            'fault_repair',    '故障维修', 'Repair',            21),
	('maintenance',       'service_request', '维护保养', 'Maintenance',       31),
	('consultation',      'other',           '咨询',     'Consultation',      41),
	('suggestion',        'other',           '建议',     'Suggestion',        42),
	('opinion',           'other',           '意见',     'Opinion',           43),
	('praise',            'other',           '表扬',     'Praise',            44);

-- Targets per priority, in minutes. P1 runs round the clock; the others
-- count business minutes only (see business_calendar).
CREATE TABLE priority_targets (
	priority           TEXT PRIMARY KEY CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
	response_minutes   INTEGER NOT NULL CHECK (response_minutes > 0),
	arrival_minutes    INTEGER NOT NULL CHECK (arrival_minutes > 0),
	resolution_minutes INTEGER NOT NULL CHECK (resolution_minutes > 0),
	round_the_clock    INTEGER NOT NULL CHECK (round_the_clock IN (0, 1))
) STRICT;
INSERT INTO priority_targets VALUES
	('P1',  30,  240,  1440, 1),
	('P2',  60,  480,  2160, 0),
	('P3', 120, 1080,  4320, 0),
	('P4', 240, 2160, 10800, 0);

-- Customer tier x impact x urgency (x category where it matters) ->
-- priority. category '' matches any; a row naming the ticket's category
-- (top level) wins over the '' row.
CREATE TABLE service_levels (
	tier     TEXT NOT NULL CHECK (tier IN ('strategic', 'A', 'B', 'C')),
	impact   TEXT NOT NULL CHECK (impact IN ('unit', 'site', 'grid')),
	urgency  TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
	category TEXT NOT NULL DEFAULT '',
	priority TEXT NOT NULL REFERENCES priority_targets(priority),
	PRIMARY KEY (tier, impact, urgency, category)
) STRICT, WITHOUT ROWID;
-- Base: grid-wide or urgent work for strategic customers is P1; the rest
-- steps down with tier, impact and urgency.
WITH t(tier, tw) AS (VALUES ('strategic', 0), ('A', 1), ('B', 2), ('C', 3)),
     i(impact, iw) AS (VALUES ('grid', 0), ('site', 1), ('unit', 2)),
     u(urgency, uw) AS (VALUES ('high', 0), ('medium', 1), ('low', 2))
INSERT INTO service_levels(tier, impact, urgency, category, priority)
SELECT tier, impact, urgency, '',
       'P' || (1 + min(3, (tw + iw + uw) / 2))
FROM t, i, u;
-- Consultation, suggestion, opinion and praise never need a truck roll
-- in a hurry: "other" is P4 whatever the tier.
WITH t(tier) AS (VALUES ('strategic'), ('A'), ('B'), ('C')),
     i(impact) AS (VALUES ('grid'), ('site'), ('unit')),
     u(urgency) AS (VALUES ('high'), ('medium'), ('low'))
INSERT INTO service_levels(tier, impact, urgency, category, priority)
SELECT tier, impact, urgency, 'other', 'P4' FROM t, i, u;

-- The business calendar: working hours on working weekdays in one
-- time zone (China Standard Time, no daylight saving), minus holidays,
-- plus make-up working days (调休) that fall on weekends.
CREATE TABLE business_calendar (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	utc_offset_minutes INTEGER NOT NULL CHECK (utc_offset_minutes BETWEEN -720 AND 840),
	day_start_minute   INTEGER NOT NULL CHECK (day_start_minute BETWEEN 0 AND 1439),
	day_end_minute     INTEGER NOT NULL CHECK (day_end_minute BETWEEN 1 AND 1440),
	workdays      INTEGER NOT NULL CHECK (workdays BETWEEN 1 AND 127), -- bit 0 = Monday
	CHECK (day_end_minute > day_start_minute)
) STRICT;
INSERT INTO business_calendar VALUES (1, 480, 510, 1050, 31); -- 08:30-17:30 Mon-Fri

CREATE TABLE calendar_days (
	date TEXT PRIMARY KEY CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
	kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
	name TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

-- Which centre covers what: regions (a centre covering a province covers
-- its cities; the most specific wins) and product lines.
CREATE TABLE centre_regions (
	centre_code TEXT NOT NULL REFERENCES centres(code) ON DELETE CASCADE,
	region_code TEXT NOT NULL REFERENCES regions(code),
	PRIMARY KEY (centre_code, region_code)
) STRICT, WITHOUT ROWID;
CREATE INDEX centre_regions_region ON centre_regions(region_code);

CREATE TABLE centre_product_lines (
	centre_code  TEXT NOT NULL REFERENCES centres(code) ON DELETE CASCADE,
	product_line TEXT NOT NULL REFERENCES product_lines(code),
	PRIMARY KEY (centre_code, product_line)
) STRICT, WITHOUT ROWID;

-- Technicians: product-line skills (1 basic .. 5 expert), duty and last
-- known position for dispatch ranking.
CREATE TABLE technician_skills (
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	product_line TEXT NOT NULL REFERENCES product_lines(code),
	level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	PRIMARY KEY (user_id, product_line)
) STRICT, WITHOUT ROWID;

CREATE TABLE technician_status (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	on_duty    INTEGER NOT NULL DEFAULT 0 CHECK (on_duty IN (0, 1)),
	latitude   REAL CHECK (latitude BETWEEN -90 AND 90),
	longitude  REAL CHECK (longitude BETWEEN -180 AND 180),
	updated_at INTEGER NOT NULL
) STRICT;

-- Tickets. Customer, site, region, model, product line, tier and warranty
-- are copied at intake: they describe the unit as it was when reported,
-- and make scope filters single indexed lookups.
CREATE TABLE tickets (
	id               INTEGER PRIMARY KEY,
	channel          TEXT NOT NULL CHECK (channel IN
	                   ('app', 'hotline', 'wechat', 'web', 'email', 'internal', 'system')),
	category         TEXT NOT NULL REFERENCES service_categories(code), -- top level
	subcategory      TEXT NOT NULL REFERENCES service_categories(code),
	status           TEXT NOT NULL CHECK (status IN ('new', 'routed', 'assigned', 'accepted',
	                   'declined', 'en_route', 'on_site', 'waiting_customer', 'resolved',
	                   'follow_up', 'closed', 'cancelled', 'reopened')),
	paused_status    TEXT,             -- status to return to from waiting_customer
	title            TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	impact           TEXT NOT NULL CHECK (impact IN ('unit', 'site', 'grid')),
	urgency          TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
	priority         TEXT NOT NULL REFERENCES priority_targets(priority),
	customer_tier    TEXT NOT NULL,
	asset_id         INTEGER REFERENCES assets(id),
	customer_id      INTEGER NOT NULL REFERENCES customers(id),
	site_id          INTEGER REFERENCES sites(id),
	region_path      TEXT NOT NULL,
	model_id         INTEGER REFERENCES models(id),
	product_line     TEXT,
	sales_owner_id   INTEGER REFERENCES users(id),
	warranty_status  TEXT NOT NULL CHECK (warranty_status IN ('in_warranty', 'expiring', 'expired', 'none')),
	billable         INTEGER NOT NULL CHECK (billable IN (0, 1)),
	contact_name     TEXT NOT NULL DEFAULT '', -- personal data: masked by role
	contact_phone    TEXT NOT NULL DEFAULT '',
	centre_code      TEXT REFERENCES centres(code),
	routing          TEXT NOT NULL DEFAULT '{}', -- {rule, candidates, reason}
	assignee_id      INTEGER REFERENCES users(id),
	parent_id        INTEGER REFERENCES tickets(id), -- the ticket a complaint follows up
	response_due     INTEGER NOT NULL,
	arrival_due      INTEGER NOT NULL,
	resolution_due   INTEGER NOT NULL,
	responded_at     INTEGER,
	arrived_at       INTEGER,
	resolved_at      INTEGER,
	closed_at        INTEGER,
	paused_at        INTEGER,          -- SLA clock stopped since
	paused_seconds   INTEGER NOT NULL DEFAULT 0,
	satisfaction     INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
	feedback         TEXT NOT NULL DEFAULT '',
	created_by       INTEGER REFERENCES users(id),
	version          INTEGER NOT NULL DEFAULT 1,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX tickets_centre ON tickets(centre_code, status);
CREATE INDEX tickets_assignee ON tickets(assignee_id, status);
CREATE INDEX tickets_region ON tickets(region_path, id);
CREATE INDEX tickets_owner ON tickets(sales_owner_id);
CREATE INDEX tickets_asset ON tickets(asset_id, status);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_parent ON tickets(parent_id);

-- Every transition: who, when, where, from which status to which.
CREATE TABLE ticket_events (
	ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
	seq         INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	action      TEXT NOT NULL,
	from_status TEXT,
	to_status   TEXT NOT NULL,
	actor_id    INTEGER REFERENCES users(id),
	note        TEXT NOT NULL DEFAULT '',
	latitude    REAL,
	longitude   REAL,
	detail      TEXT NOT NULL DEFAULT '{}',
	PRIMARY KEY (ticket_id, seq)
) STRICT, WITHOUT ROWID;

-- The work record, written when the technician resolves the job.
CREATE TABLE ticket_work (
	ticket_id     INTEGER PRIMARY KEY REFERENCES tickets(id),
	fault_code    TEXT NOT NULL DEFAULT '',
	cause         TEXT NOT NULL,
	actions       TEXT NOT NULL,
	minutes_spent INTEGER NOT NULL CHECK (minutes_spent BETWEEN 0 AND 100000),
	recorded_by   INTEGER REFERENCES users(id),
	recorded_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX ticket_work_fault ON ticket_work(fault_code);

CREATE TABLE ticket_parts (
	id               INTEGER PRIMARY KEY,
	ticket_id        INTEGER NOT NULL REFERENCES tickets(id),
	part_number      TEXT NOT NULL,
	old_serial       TEXT NOT NULL DEFAULT '',
	new_serial       TEXT NOT NULL,
	old_component_id INTEGER REFERENCES asset_components(id),
	new_component_id INTEGER REFERENCES asset_components(id)
) STRICT;
CREATE INDEX ticket_parts_ticket ON ticket_parts(ticket_id);
