-- Undo 0121.catalog-search-counts.

DROP TRIGGER catalog_search_count_truncate ON catalog_search;
DROP TRIGGER catalog_search_count_delete ON catalog_search;
DROP TRIGGER catalog_search_count_update ON catalog_search;
DROP TRIGGER catalog_search_count_insert ON catalog_search;
DROP FUNCTION catalog_search_count();
DROP TABLE catalog_search_counts;
