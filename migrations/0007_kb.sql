-- The knowledge base: articles with immutable versions, linked to product
-- lines, models and fault codes; the review workflow; "solved it" feedback
-- from tickets; and a trigram full-text index over the live text.

-- An article. status is where its current (newest) version stands in the
-- workflow draft -> reviewed -> published -> retired (reopen: back to
-- draft). live_version is the version searchable by everyone; it stays
-- live while a reopened article's next version is drafted and reviewed,
-- and is NULL when nothing is published (never, or retired).
-- reviewed_version is the newest version that passed review: only that
-- version may be published.
CREATE TABLE kb_articles (
	id               INTEGER PRIMARY KEY,
	current_version  INTEGER NOT NULL DEFAULT 1 CHECK (current_version >= 1),
	status           TEXT NOT NULL CHECK (status IN ('draft', 'reviewed', 'published', 'retired')),
	language         TEXT NOT NULL CHECK (language IN ('zh', 'en', 'mixed')),
	owner_id         INTEGER REFERENCES users(id),
	live_version     INTEGER CHECK (live_version IS NULL OR live_version <= current_version),
	reviewed_version INTEGER,
	reviewed_by      INTEGER REFERENCES users(id),
	source_ticket_id INTEGER REFERENCES tickets(id),
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX kb_articles_status ON kb_articles(status, id);
CREATE INDEX kb_articles_owner ON kb_articles(owner_id, id);
CREATE INDEX kb_articles_live ON kb_articles(live_version) WHERE live_version IS NOT NULL;

-- Every version's text, written once and never changed.
CREATE TABLE kb_article_versions (
	article_id   INTEGER NOT NULL REFERENCES kb_articles(id),
	version      INTEGER NOT NULL CHECK (version >= 1),
	title        TEXT NOT NULL,
	symptoms     TEXT NOT NULL DEFAULT '',
	cause        TEXT NOT NULL DEFAULT '',
	solution     TEXT NOT NULL DEFAULT '',
	safety_notes TEXT NOT NULL DEFAULT '',
	author_id    INTEGER REFERENCES users(id),
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (article_id, version)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER kb_article_versions_immutable BEFORE UPDATE ON kb_article_versions
BEGIN
	SELECT RAISE(ABORT, 'kb article versions are immutable');
END;
CREATE TRIGGER kb_article_versions_kept BEFORE DELETE ON kb_article_versions
BEGIN
	SELECT RAISE(ABORT, 'kb article versions are immutable');
END;

-- What an article applies to. An article of a product line applies to
-- every model of it. Fault codes are free text as technicians record them
-- (ticket_work.fault_code), stored upper-case.
CREATE TABLE kb_article_product_lines (
	article_id   INTEGER NOT NULL REFERENCES kb_articles(id),
	product_line TEXT NOT NULL REFERENCES product_lines(code),
	PRIMARY KEY (article_id, product_line)
) STRICT, WITHOUT ROWID;
CREATE INDEX kb_article_product_lines_line ON kb_article_product_lines(product_line);

CREATE TABLE kb_article_models (
	article_id INTEGER NOT NULL REFERENCES kb_articles(id),
	model_id   INTEGER NOT NULL REFERENCES models(id),
	PRIMARY KEY (article_id, model_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX kb_article_models_model ON kb_article_models(model_id);

CREATE TABLE kb_article_fault_codes (
	article_id INTEGER NOT NULL REFERENCES kb_articles(id),
	fault_code TEXT NOT NULL,
	PRIMARY KEY (article_id, fault_code)
) STRICT, WITHOUT ROWID;
CREATE INDEX kb_article_fault_codes_code ON kb_article_fault_codes(fault_code);

-- "Solved it" (1) or "did not help" (0): one answer per user, ticket and
-- article; answering again replaces it.
CREATE TABLE kb_feedback (
	article_id INTEGER NOT NULL REFERENCES kb_articles(id),
	ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
	user_id    INTEGER NOT NULL REFERENCES users(id),
	solved     INTEGER NOT NULL CHECK (solved IN (0, 1)),
	at         INTEGER NOT NULL,
	PRIMARY KEY (article_id, ticket_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX kb_feedback_ticket ON kb_feedback(ticket_id);

-- The live text of every searchable article (rowid = article id), kept in
-- step by server/db/kb_store.c when an article is published, retired or
-- its links change. tags holds its fault codes, model codes and product
-- lines, so "E-21" or "KYN28" finds it. The trigram tokenizer matches any
-- substring of three or more characters, which is what Chinese needs
-- (no word boundaries); case-insensitive for Latin letters.
CREATE VIRTUAL TABLE kb_fts USING fts5(
	title, symptoms, cause, solution, safety_notes, tags,
	tokenize = 'trigram'
);
