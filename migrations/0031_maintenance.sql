-- Planned maintenance (issue 20, part 3): plans, units' running-hour
-- readings, and the preventive visits the scheduler requested.
-- Rules: include/domain/maintenance.h.
--
-- The catalogue already has the category: 'maintenance' (维护保养,
-- "Maintenance", under 'service_request', migrations/0003_service.sql).
-- Preventive requests are filed there with channel 'system'.

-- A plan applies to every installed unit of a model, or to every unit a
-- contract covers (its listed units and the units on its listed sites)
-- while the contract is active. The interval is calendar months or running
-- hours, never both. checklist_template_id names a checklist template of
-- the checklists part (built in parallel, migration 0030): an integer
-- without a foreign key, so this migration does not depend on that table.
-- The skill needed is a product line and a minimum level, as
-- technician_skills keeps them.
CREATE TABLE maintenance_plans (
	id                    INTEGER PRIMARY KEY,
	name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	model_id              INTEGER REFERENCES models(id),
	contract_id           INTEGER REFERENCES contracts(id),
	interval_months       INTEGER CHECK (interval_months BETWEEN 1 AND 120),
	interval_hours        INTEGER CHECK (interval_hours BETWEEN 1 AND 1000000),
	lead_days             INTEGER NOT NULL DEFAULT 14 CHECK (lead_days BETWEEN 0 AND 365),
	checklist_template_id INTEGER CHECK (checklist_template_id > 0),
	skill_product_line    TEXT REFERENCES product_lines(code),
	skill_level           INTEGER CHECK (skill_level BETWEEN 1 AND 5),
	active                INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_by            INTEGER REFERENCES users(id),
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL,
	version               INTEGER NOT NULL DEFAULT 1,
	CHECK ((model_id IS NULL) != (contract_id IS NULL)),
	CHECK ((interval_months IS NULL) != (interval_hours IS NULL)),
	CHECK ((skill_product_line IS NULL) = (skill_level IS NULL))
) STRICT;
CREATE INDEX maintenance_plans_model ON maintenance_plans(model_id);
CREATE INDEX maintenance_plans_contract ON maintenance_plans(contract_id);

-- What a unit's hour meter read, and when (read_at: Unix seconds). A unit
-- reads one value per instant; readings never go down (checked by the API).
CREATE TABLE asset_running_hours (
	id          INTEGER PRIMARY KEY,
	asset_id    INTEGER NOT NULL REFERENCES assets(id),
	hours       INTEGER NOT NULL CHECK (hours BETWEEN 0 AND 10000000),
	read_at     INTEGER NOT NULL,
	recorded_by INTEGER REFERENCES users(id),
	created_at  INTEGER NOT NULL,
	UNIQUE (asset_id, read_at)
) STRICT;

-- One row per plan, unit and due date: the scheduler's once-only record
-- that the preventive request went out (ticket_id), and that the overdue
-- alert went out (overdue_noticed_at). The UNIQUE key, not memory, is what
-- makes a restart neither repeat nor skip a request. Several units of one
-- site share the ticket of one visit. Done is read from the ticket
-- (resolved_at, else closed_at), so a reopened request is not done again.
CREATE TABLE maintenance_visits (
	id                 INTEGER PRIMARY KEY,
	plan_id            INTEGER NOT NULL REFERENCES maintenance_plans(id),
	asset_id           INTEGER NOT NULL REFERENCES assets(id),
	due_date           TEXT NOT NULL CHECK (length(due_date) = 10),
	site_id            INTEGER REFERENCES sites(id),
	ticket_id          INTEGER REFERENCES tickets(id),
	projected          INTEGER NOT NULL DEFAULT 0 CHECK (projected IN (0, 1)),
	requested_at       INTEGER NOT NULL,
	overdue_noticed_at INTEGER,
	UNIQUE (plan_id, asset_id, due_date)
) STRICT;
CREATE INDEX maintenance_visits_asset ON maintenance_visits(asset_id, plan_id);
CREATE INDEX maintenance_visits_ticket ON maintenance_visits(ticket_id);
CREATE INDEX maintenance_visits_due ON maintenance_visits(due_date);
