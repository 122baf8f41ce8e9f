-- Service contracts and entitlements (issue 20, part 1): what a customer
-- is owed beyond the factory warranty, which units it covers, what each
-- request under it used, and which entitlement a request was opened under.
--
-- Dates are calendar dates "YYYY-MM-DD" (UTC), both ends inclusive.
-- Status is stored as draft, active or cancelled by the API; "expired" is
-- what an active contract past its end_date reads as everywhere (computed
-- from the date), and the daily warranty digest job also writes it back
-- (include/domain/contracts.h). Coverage never trusts the stored status
-- alone: it also checks start_date <= day <= end_date.
CREATE TABLE contracts (
	id                    INTEGER PRIMARY KEY,
	number                TEXT NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 63),
	customer_id           INTEGER NOT NULL REFERENCES customers(id),
	kind                  TEXT NOT NULL CHECK (kind IN ('service', 'warranty_extension')),
	start_date            TEXT NOT NULL CHECK (length(start_date) = 10),
	end_date              TEXT NOT NULL CHECK (length(end_date) = 10 AND end_date >= start_date),
	status                TEXT NOT NULL DEFAULT 'draft'
	                      CHECK (status IN ('draft', 'active', 'expired', 'cancelled')),
	sales_owner_id        INTEGER REFERENCES users(id),
	-- Price in the currency's smallest unit (CNY: fen), ISO 4217 code.
	price_minor           INTEGER NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
	currency              TEXT NOT NULL DEFAULT 'CNY' CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
	-- The contract this one renews (the renewal chain); a contract is
	-- renewed by at most one contract that is not cancelled (checked by
	-- the API, not here: a cancelled renewal may be redone).
	renews_id             INTEGER REFERENCES contracts(id),
	-- Entitlements. Minutes NULL: the tier's service level alone; set, the
	-- shorter of the two wins at intake. Allowances NULL: not limited.
	covers_parts          INTEGER NOT NULL DEFAULT 1 CHECK (covers_parts IN (0, 1)),
	covers_labour         INTEGER NOT NULL DEFAULT 1 CHECK (covers_labour IN (0, 1)),
	covers_travel         INTEGER NOT NULL DEFAULT 1 CHECK (covers_travel IN (0, 1)),
	response_minutes      INTEGER CHECK (response_minutes BETWEEN 1 AND 525600),
	resolution_minutes    INTEGER CHECK (resolution_minutes BETWEEN 1 AND 525600),
	visits_per_year       INTEGER CHECK (visits_per_year BETWEEN 0 AND 1000),
	assist_hours_per_year INTEGER CHECK (assist_hours_per_year BETWEEN 0 AND 8760),
	-- Closing a request under this contract needs the customer's sign-off
	-- (the checklists part reads it).
	signoff_required      INTEGER NOT NULL DEFAULT 0 CHECK (signoff_required IN (0, 1)),
	-- A warranty_extension migrated from, or written with, a renewal.
	warranty_renewal_id   INTEGER UNIQUE REFERENCES warranty_renewals(id),
	created_by            INTEGER REFERENCES users(id),
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL,
	activated_at          INTEGER,
	cancelled_at          INTEGER,
	version               INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX contracts_customer ON contracts(customer_id, id);
CREATE INDEX contracts_owner_end ON contracts(sales_owner_id, end_date);
CREATE INDEX contracts_end ON contracts(end_date);
CREATE INDEX contracts_renews ON contracts(renews_id);

-- Coverage: chosen units, and all units of chosen sites (those installed
-- later too: a site row covers whatever stands on the site on the day).
CREATE TABLE contract_units (
	contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
	asset_id    INTEGER NOT NULL REFERENCES assets(id),
	PRIMARY KEY (contract_id, asset_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contract_units_asset ON contract_units(asset_id);

CREATE TABLE contract_sites (
	contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
	site_id     INTEGER NOT NULL REFERENCES sites(id),
	PRIMARY KEY (contract_id, site_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contract_sites_site ON contract_sites(site_id);

-- Which expiry notices went out, like warranty_notices: one per contract,
-- end date and threshold (90, 60, 30 days; 0 = ended).
CREATE TABLE contract_notices (
	contract_id INTEGER NOT NULL REFERENCES contracts(id),
	end_date    TEXT NOT NULL,
	threshold   INTEGER NOT NULL CHECK (threshold IN (90, 60, 30, 0)),
	sent_at     INTEGER NOT NULL,
	PRIMARY KEY (contract_id, end_date, threshold)
) STRICT, WITHOUT ROWID;

-- The entitlement a request was opened under (tickets with a unit only):
-- source warranty (the unit's factory warranty, renewals included), contract
-- or none; billing free, covered or billable. contract_id is the contract
-- whose deadlines applied (also under warranty when one covers the unit).
-- A request billed "covered" that reached on_site (arrived_at) or was
-- resolved uses one visit of its contract's year.
CREATE TABLE ticket_entitlements (
	ticket_id     INTEGER PRIMARY KEY REFERENCES tickets(id),
	source        TEXT NOT NULL CHECK (source IN ('warranty', 'contract', 'none')),
	contract_id   INTEGER REFERENCES contracts(id),
	billing       TEXT NOT NULL CHECK (billing IN ('free', 'covered', 'billable')),
	covers_parts  INTEGER NOT NULL CHECK (covers_parts IN (0, 1)),
	covers_labour INTEGER NOT NULL CHECK (covers_labour IN (0, 1)),
	covers_travel INTEGER NOT NULL CHECK (covers_travel IN (0, 1)),
	reason        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX ticket_entitlements_contract ON ticket_entitlements(contract_id, billing);

-- Every recorded warranty renewal becomes a warranty_extension contract of
-- its unit's customer: same number, unit, creator and creation time, the
-- period from the day after the previous end (the warranty's start when
-- there was none) to the new end, price unknown (0 CNY). warranty_renewals
-- stays as it was (the unit's renewal history); POST .../warranty/renewals
-- now writes both. A renewal of a unit without a customer has no contract.
INSERT INTO contracts (number, customer_id, kind, start_date, end_date, status, sales_owner_id,
	price_minor, currency, warranty_renewal_id, created_by, created_at, updated_at,
	activated_at)
SELECT r.contract_number, a.customer_id, 'warranty_extension',
	coalesce(date(r.previous_end, '+1 day'), a.warranty_start, date(r.created_at, 'unixepoch')),
	r.new_end,
	'active', coalesce(a.sales_owner_id, c.sales_owner_id), 0, 'CNY', r.id, r.created_by,
	r.created_at, r.created_at, r.created_at
FROM warranty_renewals r
JOIN assets a ON a.id = r.asset_id
JOIN customers c ON c.id = a.customer_id
WHERE coalesce(date(r.previous_end, '+1 day'), a.warranty_start,
	date(r.created_at, 'unixepoch')) <= r.new_end
ORDER BY r.id;

INSERT INTO contract_units (contract_id, asset_id)
SELECT k.id, r.asset_id FROM contracts k JOIN warranty_renewals r ON r.id = k.warranty_renewal_id;

-- A unit's later renewal renews its earlier one.
UPDATE contracts SET renews_id = (
	SELECT p.id FROM contracts p
	JOIN warranty_renewals pr ON pr.id = p.warranty_renewal_id
	JOIN warranty_renewals r ON r.id = contracts.warranty_renewal_id
	WHERE pr.asset_id = r.asset_id AND pr.id < r.id
	ORDER BY pr.id DESC LIMIT 1)
WHERE warranty_renewal_id IS NOT NULL;
