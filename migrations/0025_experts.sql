-- Remote expert assistance (issue 19, part 1): who the experts are, for
-- which product lines and in which languages, and each line's on-call rota.
--
-- An expert is a profile of a user, not a role: an R&D engineer is usually
-- a technician without a centre, a senior technician keeps their centre.
-- Deleting the profile removes its lines and shifts (ON DELETE CASCADE).
CREATE TABLE experts (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	-- BCP 47 primary tags, comma separated, in the expert's order ("zh,en"):
	-- the on-call order puts those speaking the requester's language first.
	languages  TEXT NOT NULL CHECK (languages GLOB '[a-z][a-z]*' AND length(languages) <= 64),
	active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

-- The lines an expert answers for; a line has at most one lead, the
-- fallback when nobody on the rota covers the hour.
CREATE TABLE expert_product_lines (
	user_id      INTEGER NOT NULL REFERENCES experts(user_id) ON DELETE CASCADE,
	product_line TEXT NOT NULL REFERENCES product_lines(code),
	is_lead      INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
	PRIMARY KEY (user_id, product_line)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX expert_product_lines_one_lead ON expert_product_lines(product_line)
	WHERE is_lead = 1;
CREATE INDEX expert_product_lines_line ON expert_product_lines(product_line);

-- A line's rota: shifts in escalation order (position). days is a bitmask
-- Mon=1, Tue=2 .. Sun=64; start_min/end_min are minutes after midnight in
-- the shift's own IANA zone, so a Shanghai engineer's 09:00-18:00 stays
-- theirs whatever zone the server or the technician is in. A shift whose
-- end is not after its start runs over midnight into the next day and
-- belongs to the day it starts (Mon 22:00-06:00 covers Tue 05:00). The
-- foreign key on (user_id, product_line) drops an expert's shifts on a
-- line they no longer answer for.
CREATE TABLE expert_rota (
	id           INTEGER PRIMARY KEY,
	product_line TEXT NOT NULL REFERENCES product_lines(code),
	position     INTEGER NOT NULL CHECK (position >= 0),
	user_id      INTEGER NOT NULL,
	days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
	start_min    INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
	end_min      INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
	time_zone    TEXT NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
	UNIQUE (product_line, position),
	FOREIGN KEY (user_id, product_line)
		REFERENCES expert_product_lines(user_id, product_line) ON DELETE CASCADE
) STRICT;
CREATE INDEX expert_rota_user ON expert_rota(user_id, product_line);
