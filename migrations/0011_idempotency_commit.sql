-- Idempotency-Key, exactly once across a crash: the claim is marked in the
-- same transaction that commits the request's work. A claim still
-- 'running' and unmarked did nothing (start-up gives it back); a marked
-- one did its work even if its answer was never stored, so a repeat is
-- told so instead of running the work again.
ALTER TABLE idempotency_keys ADD COLUMN work_committed INTEGER NOT NULL DEFAULT 0
	CHECK (work_committed IN (0, 1));
