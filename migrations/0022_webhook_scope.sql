-- Webhook endpoints of non-admin integrations (issue 18): a supervisor's or
-- dispatcher's account registers its own endpoints, which receive only the
-- events inside that account's scope. owner_id NULL: an admin's endpoint,
-- unscoped as before (every endpoint registered until now).
--
-- The owner's scope is kept as what it is made of, not as copied values:
-- which of the owner's home region subtree and centre it reaches, for
-- operations events (tickets) and registry events (warranties), as
-- core/policy.c resolved it for owner_role. The fan-out reads the owner's
-- home region and centre at the time, so an owner moved elsewhere receives
-- the new place's events as their ticket list would show; an owner disabled,
-- deleted or given another role (owner_role no longer matches) receives
-- nothing until they save the endpoint again.
ALTER TABLE webhook_endpoints ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE webhook_endpoints ADD COLUMN owner_role TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN scope_ops_region INTEGER NOT NULL DEFAULT 0
	CHECK (scope_ops_region IN (0, 1));
ALTER TABLE webhook_endpoints ADD COLUMN scope_ops_centre INTEGER NOT NULL DEFAULT 0
	CHECK (scope_ops_centre IN (0, 1));
ALTER TABLE webhook_endpoints ADD COLUMN scope_registry_region INTEGER NOT NULL DEFAULT 0
	CHECK (scope_registry_region IN (0, 1));
-- An owner's list, and the cascade when a user is deleted.
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(owner_id, id);
