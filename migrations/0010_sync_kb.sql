-- Knowledge articles in the sync feed: a device carries the published
-- articles of its product lines (the technician's skills and the centre's
-- lines; an article is of a line when it is linked to the line or to one
-- of its models). Triggers append a 'kb_article' change for the users and
-- centres of the article's lines whenever what they should carry may have
-- changed: an article is published, a newer version is published, it is
-- retired, its links change while it is live, a model moves to another
-- line, a skill or a centre's line is added or removed. As in 0005 the
-- rows are hints: the reader sends the published version when the caller
-- should carry it, else a tombstone. Drafts, reviews and reopening (the
-- published version stays live) write nothing.

-- sync_changes learns the entity 'kb_article'. SQLite cannot change a
-- CHECK in place, so the table is rebuilt with its rows, its indexes and
-- its AUTOINCREMENT counter (a device's cursor must never see a seq used
-- twice). The triggers of 0005 name the table, not its definition, and
-- write to the new one; nothing references it by foreign key.
CREATE TABLE sync_changes_0010 AS SELECT * FROM sync_changes;
CREATE TABLE sync_sequence_0010 AS SELECT seq FROM sqlite_sequence WHERE name = 'sync_changes';
DROP TABLE sync_changes;
CREATE TABLE sync_changes (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	entity      TEXT NOT NULL CHECK (entity IN
	              ('ticket', 'asset', 'category', 'product_line', 'model', 'centre',
	               'kb_article')),
	entity_id   TEXT NOT NULL,
	audience    TEXT NOT NULL CHECK (audience IN ('all', 'user', 'centre')),
	audience_id TEXT NOT NULL DEFAULT '', -- user id or centre code; '' for all
	op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
	at          INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;
INSERT INTO sync_changes(seq, entity, entity_id, audience, audience_id, op, at)
SELECT seq, entity, entity_id, audience, audience_id, op, at FROM sync_changes_0010 ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'sync_changes';
INSERT INTO sqlite_sequence(name, seq) SELECT 'sync_changes', seq FROM sync_sequence_0010;
DROP TABLE sync_changes_0010;
DROP TABLE sync_sequence_0010;
CREATE INDEX sync_changes_audience ON sync_changes(audience, audience_id, seq);
CREATE INDEX sync_changes_at ON sync_changes(at);

-- The product lines an article is of: its own, and its models' lines.
CREATE VIEW kb_article_lines(article_id, product_line) AS
	SELECT article_id, product_line FROM kb_article_product_lines
	UNION
	SELECT km.article_id, m.product_line FROM kb_article_models km
	JOIN models m ON m.id = km.model_id;

-- Who carries a product line's articles: the technicians skilled in it
-- (audience 'user') and the centres that serve it (audience 'centre': its
-- dispatchers and technicians).
CREATE VIEW sync_line_audiences(product_line, audience, audience_id) AS
	SELECT product_line, 'user', CAST(user_id AS TEXT) FROM technician_skills
	UNION ALL
	SELECT product_line, 'centre', centre_code FROM centre_product_lines;

-- Published, a newer version published, retired (live_version: the
-- published version, NULL when none).
CREATE TRIGGER sync_kb_articles_live AFTER UPDATE OF live_version ON kb_articles
WHEN OLD.live_version IS NOT NEW.live_version BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', NEW.id, audience, audience_id,
	       CASE WHEN NEW.live_version IS NULL THEN 'delete' ELSE 'upsert' END
	FROM sync_line_audiences
	WHERE product_line IN (SELECT product_line FROM kb_article_lines WHERE article_id = NEW.id);
END;
-- Published at creation (the demo data).
CREATE TRIGGER sync_kb_articles_insert AFTER INSERT ON kb_articles
WHEN NEW.live_version IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', NEW.id, audience, audience_id, 'upsert'
	FROM sync_line_audiences
	WHERE product_line IN (SELECT product_line FROM kb_article_lines WHERE article_id = NEW.id);
END;

-- The links of a live article: the audiences of the line gained hear of
-- it, and those of the line lost (the reader answers a tombstone to those
-- who no longer carry it).
CREATE TRIGGER sync_kb_lines_insert AFTER INSERT ON kb_article_product_lines
WHEN (SELECT live_version FROM kb_articles WHERE id = NEW.article_id) IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'kb_article', NEW.article_id, audience, audience_id, 'upsert'
	FROM sync_line_audiences WHERE product_line = NEW.product_line;
END;
CREATE TRIGGER sync_kb_lines_delete AFTER DELETE ON kb_article_product_lines
WHEN (SELECT live_version FROM kb_articles WHERE id = OLD.article_id) IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'kb_article', OLD.article_id, audience, audience_id, 'delete'
	FROM sync_line_audiences WHERE product_line = OLD.product_line;
END;
CREATE TRIGGER sync_kb_models_insert AFTER INSERT ON kb_article_models
WHEN (SELECT live_version FROM kb_articles WHERE id = NEW.article_id) IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'kb_article', NEW.article_id, audience, audience_id, 'upsert'
	FROM sync_line_audiences
	WHERE product_line = (SELECT product_line FROM models WHERE id = NEW.model_id);
END;
CREATE TRIGGER sync_kb_models_delete AFTER DELETE ON kb_article_models
WHEN (SELECT live_version FROM kb_articles WHERE id = OLD.article_id) IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT 'kb_article', OLD.article_id, audience, audience_id, 'delete'
	FROM sync_line_audiences
	WHERE product_line = (SELECT product_line FROM models WHERE id = OLD.model_id);
END;
-- Fault codes are part of what a device carries.
CREATE TRIGGER sync_kb_codes_insert AFTER INSERT ON kb_article_fault_codes
WHEN (SELECT live_version FROM kb_articles WHERE id = NEW.article_id) IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', NEW.article_id, audience, audience_id, 'upsert'
	FROM sync_line_audiences
	WHERE product_line IN (SELECT product_line FROM kb_article_lines
	                       WHERE article_id = NEW.article_id);
END;
CREATE TRIGGER sync_kb_codes_delete AFTER DELETE ON kb_article_fault_codes
WHEN (SELECT live_version FROM kb_articles WHERE id = OLD.article_id) IS NOT NULL BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', OLD.article_id, audience, audience_id, 'upsert'
	FROM sync_line_audiences
	WHERE product_line IN (SELECT product_line FROM kb_article_lines
	                       WHERE article_id = OLD.article_id);
END;

-- A model moved to another line: its live articles go to the new line's
-- audiences and, as tombstones where no longer carried, the old line's.
CREATE TRIGGER sync_kb_model_line AFTER UPDATE OF product_line ON models
WHEN OLD.product_line IS NOT NEW.product_line BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', km.article_id, s.audience, s.audience_id, 'upsert'
	FROM kb_article_models km
	JOIN kb_articles a ON a.id = km.article_id AND a.live_version IS NOT NULL
	JOIN sync_line_audiences s ON s.product_line IN (OLD.product_line, NEW.product_line)
	WHERE km.model_id = NEW.id;
END;

-- A technician gains or loses a skill, a centre a line: that line's live
-- articles (as 0005 does for models).
CREATE TRIGGER sync_kb_skills_insert AFTER INSERT ON technician_skills BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', l.article_id, 'user', NEW.user_id, 'upsert'
	FROM kb_article_lines l JOIN kb_articles a ON a.id = l.article_id
	WHERE l.product_line = NEW.product_line AND a.live_version IS NOT NULL;
END;
CREATE TRIGGER sync_kb_skills_delete AFTER DELETE ON technician_skills BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', l.article_id, 'user', OLD.user_id, 'delete'
	FROM kb_article_lines l JOIN kb_articles a ON a.id = l.article_id
	WHERE l.product_line = OLD.product_line AND a.live_version IS NOT NULL;
END;
CREATE TRIGGER sync_kb_centre_lines_insert AFTER INSERT ON centre_product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', l.article_id, 'centre', NEW.centre_code, 'upsert'
	FROM kb_article_lines l JOIN kb_articles a ON a.id = l.article_id
	WHERE l.product_line = NEW.product_line AND a.live_version IS NOT NULL;
END;
CREATE TRIGGER sync_kb_centre_lines_delete AFTER DELETE ON centre_product_lines BEGIN
	INSERT INTO sync_changes(entity, entity_id, audience, audience_id, op)
	SELECT DISTINCT 'kb_article', l.article_id, 'centre', OLD.centre_code, 'delete'
	FROM kb_article_lines l JOIN kb_articles a ON a.id = l.article_id
	WHERE l.product_line = OLD.product_line AND a.live_version IS NOT NULL;
END;
