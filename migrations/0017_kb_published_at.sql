-- When an article's live version was published. A reopened article keeps
-- its published version live while the next one is drafted: readers who
-- see only published versions are shown the article as it stood when that
-- version was published (status, versions, this date), not the draft's
-- workflow state. NULL while nothing is live.
ALTER TABLE kb_articles ADD COLUMN published_at INTEGER;
-- Existing articles: a published one was last changed by its publication;
-- for a reopened one the publication is no longer recorded on the row, and
-- its live version's writing is the closest date known.
UPDATE kb_articles SET published_at = CASE WHEN status = 'published' THEN updated_at
	ELSE (SELECT v.created_at FROM kb_article_versions v
	      WHERE v.article_id = kb_articles.id AND v.version = kb_articles.live_version) END
WHERE live_version IS NOT NULL;
