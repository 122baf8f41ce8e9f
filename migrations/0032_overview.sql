-- The customer 360 view (issue 20): GET /v1/customers/{id}/overview reads
-- a customer's requests by part, each from its own index and with a LIMIT
-- (include/db/overview_store.h), instead of every request the customer
-- ever had (tickets_customer holds customer_id alone).

-- Recent requests and SLA breaches: opened since a day, newest first. It
-- carries what the breach test reads, so counting a customer's breaches of
-- 90 days reads the index alone, not every request's row.
CREATE INDEX tickets_customer_created ON tickets(customer_id, created_at, status, response_due,
	responded_at, arrival_due, arrived_at, resolution_due, resolved_at, paused_at);

-- Open requests: exactly the rows with work left (TICKET_OPEN_SQL).
CREATE INDEX tickets_customer_open ON tickets(customer_id, id)
	WHERE status IN ('new', 'routed', 'assigned', 'accepted', 'declined', 'en_route', 'on_site',
	'waiting_customer', 'reopened');

-- Satisfaction by month and low scores: closed requests with a score.
CREATE INDEX tickets_customer_scored ON tickets(customer_id, closed_at, satisfaction)
	WHERE satisfaction IS NOT NULL;

-- Totals of a customer's units by warranty and cover from the index alone
-- (assets_customer holds customer_id alone: every unit's row was read).
CREATE INDEX assets_customer_cover ON assets(customer_id, warranty_end, site_id);
