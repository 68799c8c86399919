-- The catalog search read model's facet counts: active listings per (leaf category, condition),
-- kept by triggers on catalog_search in the same transaction as the rows they count, so a count
-- is never ahead of or behind its rows (a live event, a rebuild, a rollback alike). A browse
-- without words, price or seller (a category and a condition at most) reads its facets here: a
-- few hundred rows summed, instead of every matching listing counted (~20,000 for a root
-- category). Searches with words or other filters count their matches as before.
-- depends: 0120.catalog-search

CREATE TABLE catalog_search_counts (
    category_id   text NOT NULL,
    category_path text[] NOT NULL,   -- the listings' ancestry, root to leaf (as in catalog_search)
    condition     text NOT NULL,
    -- no CHECK (listings >= 0): an upsert's proposed row is checked before its conflict, and a
    -- move's -1 is proposed as such (the integration tests hold the counts to the rows)
    listings      bigint NOT NULL,
    PRIMARY KEY (category_id, category_path, condition)
);

-- One function for the four statement-level triggers (a trigger with transition tables has one
-- event; a TRUNCATE fires no DELETE trigger): the statement's changed rows, counted +1 as they are now and -1 as they were, netted
-- per key and applied in key order (two transactions never wait on each other's keys in turn).
CREATE FUNCTION catalog_search_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO catalog_search_counts AS c (category_id, category_path, condition, listings)
        SELECT category_id, category_path, condition, count(*) FROM added WHERE status = 'active'
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (category_id, category_path, condition)
        DO UPDATE SET listings = c.listings + EXCLUDED.listings;
    ELSIF TG_OP = 'UPDATE' THEN
        -- the net changes alone: most updates (a price, a title) move no count
        WITH delta AS (
            SELECT category_id, category_path, condition, sum(d) AS d FROM (
                SELECT category_id, category_path, condition, 1 AS d FROM added WHERE status = 'active'
                UNION ALL
                SELECT category_id, category_path, condition, -1 FROM removed WHERE status = 'active'
            ) changes GROUP BY 1, 2, 3 HAVING sum(d) <> 0
        )
        INSERT INTO catalog_search_counts AS c (category_id, category_path, condition, listings)
        SELECT category_id, category_path, condition, d FROM delta ORDER BY 1, 2, 3
        ON CONFLICT (category_id, category_path, condition)
        DO UPDATE SET listings = c.listings + EXCLUDED.listings;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE catalog_search_counts c SET listings = c.listings - gone.n
        FROM (
            SELECT category_id, category_path, condition, count(*) AS n FROM removed
            WHERE status = 'active' GROUP BY 1, 2, 3
        ) gone
        WHERE (c.category_id, c.category_path, c.condition)
            = (gone.category_id, gone.category_path, gone.condition);
    ELSE  -- TRUNCATE
        DELETE FROM catalog_search_counts;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_search_count_insert AFTER INSERT ON catalog_search
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_count();
CREATE TRIGGER catalog_search_count_update AFTER UPDATE ON catalog_search
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_count();
CREATE TRIGGER catalog_search_count_delete AFTER DELETE ON catalog_search
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_count();
CREATE TRIGGER catalog_search_count_truncate AFTER TRUNCATE ON catalog_search
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_count();

-- the rows already projected
INSERT INTO catalog_search_counts (category_id, category_path, condition, listings)
SELECT category_id, category_path, condition, count(*) FROM catalog_search WHERE status = 'active'
GROUP BY 1, 2, 3;
