-- Undo 0120.catalog-search.

DROP TABLE catalog_search;
