-- JSON columns are validated by the server before writing: json_valid() in
-- a CHECK is refused under trusted_schema=OFF in SQLite 3.40.

-- Asset lifecycle registry: customers and their sites, product lines and
-- models, installed units with production, procurement, installation and
-- warranty facts, each unit's timeline, and the keys and labels behind the
-- QR identification links.

CREATE TABLE customers (
	id             INTEGER PRIMARY KEY,
	code           TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	tier           TEXT NOT NULL CHECK (tier IN ('strategic', 'A', 'B', 'C')),
	region_code    TEXT REFERENCES regions(code),
	sales_owner_id INTEGER REFERENCES users(id),
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_owner ON customers(sales_owner_id);

-- Personal data: names, phones, ID numbers are masked by role on the way out.
CREATE TABLE customer_contacts (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	phone       TEXT NOT NULL DEFAULT '',
	id_number   TEXT NOT NULL DEFAULT '',
	title       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX customer_contacts_customer ON customer_contacts(customer_id);

CREATE TABLE sites (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	code        TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	address     TEXT NOT NULL DEFAULT '',
	region_code TEXT NOT NULL REFERENCES regions(code),
	latitude    REAL CHECK (latitude BETWEEN -90 AND 90),
	longitude   REAL CHECK (longitude BETWEEN -180 AND 180),
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sites_customer ON sites(customer_id);
CREATE INDEX sites_region ON sites(region_code);

CREATE TABLE product_lines (
	code    TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE models (
	id              INTEGER PRIMARY KEY,
	code            TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	product_line    TEXT NOT NULL REFERENCES product_lines(code),
	design_revision TEXT NOT NULL DEFAULT '',
	specs           TEXT NOT NULL DEFAULT '{}',
	documents       TEXT NOT NULL DEFAULT '[]',
	gtin            TEXT UNIQUE CHECK (gtin IS NULL OR length(gtin) = 14),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

-- Installed units. region_path, customer_id are copied from the site so
-- that scope filters and searches are single indexed lookups.
CREATE TABLE assets (
	id               INTEGER PRIMARY KEY,
	serial           TEXT NOT NULL UNIQUE,
	model_id         INTEGER NOT NULL REFERENCES models(id),
	design_revision  TEXT NOT NULL DEFAULT '',
	plant            TEXT NOT NULL DEFAULT '',
	line             TEXT NOT NULL DEFAULT '',
	batch            TEXT NOT NULL DEFAULT '',
	production_date  TEXT,             -- YYYY-MM-DD
	factory_tests    TEXT NOT NULL DEFAULT '[]',
	site_id          INTEGER REFERENCES sites(id),
	customer_id      INTEGER REFERENCES customers(id),
	region_path      TEXT NOT NULL DEFAULT '',
	installed_at     TEXT,             -- YYYY-MM-DD
	commissioned_at  TEXT,
	accepted_at      TEXT,
	warranty_start   TEXT,             -- acceptance date unless set
	warranty_months  INTEGER NOT NULL DEFAULT 0 CHECK (warranty_months BETWEEN 0 AND 600),
	warranty_end     TEXT,             -- start + months, extended by renewals
	sales_owner_id   INTEGER REFERENCES users(id),
	version          INTEGER NOT NULL DEFAULT 1,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX assets_model ON assets(model_id);
CREATE INDEX assets_batch ON assets(batch);
CREATE INDEX assets_site ON assets(site_id);
CREATE INDEX assets_customer ON assets(customer_id);
CREATE INDEX assets_region ON assets(region_path, id);
CREATE INDEX assets_owner ON assets(sales_owner_id);
CREATE INDEX assets_warranty_end ON assets(warranty_end);

-- Procurement: the component list. A replaced component keeps its row
-- with removed_at set, so history stays.
CREATE TABLE asset_components (
	id               INTEGER PRIMARY KEY,
	asset_id         INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
	part_number      TEXT NOT NULL,
	component_serial TEXT NOT NULL DEFAULT '',
	supplier         TEXT NOT NULL DEFAULT '',
	lot              TEXT NOT NULL DEFAULT '',
	installed_at     INTEGER NOT NULL,
	removed_at       INTEGER
) STRICT;
CREATE INDEX asset_components_asset ON asset_components(asset_id);
CREATE INDEX asset_components_lot ON asset_components(lot);

-- The timeline, clustered by asset: one asset's events sit together on
-- disk, so a scan reads a page or two instead of a page per event.
CREATE TABLE asset_events (
	asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
	at       INTEGER NOT NULL,
	id       INTEGER NOT NULL,
	kind     TEXT NOT NULL CHECK (kind IN ('production', 'test', 'shipment', 'installation',
	           'commissioning', 'acceptance', 'service', 'part_replacement', 'firmware',
	           'inspection', 'warranty_renewal', 'label')),
	summary  TEXT NOT NULL,
	detail   TEXT NOT NULL DEFAULT '{}',
	actor_id INTEGER,
	PRIMARY KEY (asset_id, at, id)
) STRICT, WITHOUT ROWID;

-- Event ids come from one counter so (asset_id, at, id) is unique even for
-- events recorded in the same second.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES ('asset_event', 0);

-- HMAC keys for identification codes. A key is never deleted: printed
-- labels are permanent, so every key id must keep verifying.
CREATE TABLE qr_keys (
	key_id     INTEGER PRIMARY KEY CHECK (key_id BETWEEN 1 AND 1295),
	secret     BLOB NOT NULL CHECK (length(secret) = 32),
	created_at INTEGER NOT NULL,
	active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

-- One row per printed identity. The code is derived from (key_id,
-- asset_id, generation) and never stored in clear elsewhere; relabelling
-- revokes the old row and issues generation + 1.
CREATE TABLE labels (
	asset_id   INTEGER NOT NULL REFERENCES assets(id),
	generation INTEGER NOT NULL,
	key_id     INTEGER NOT NULL REFERENCES qr_keys(key_id),
	issued_at  INTEGER NOT NULL,
	revoked_at INTEGER,
	PRIMARY KEY (asset_id, generation)
) STRICT, WITHOUT ROWID;
