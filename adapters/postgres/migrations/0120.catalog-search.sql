-- The catalog's search read model: one row per listing (any status), projected from MongoDB (the
-- source of truth) by the catalog-search consumer on the catalog's events, rebuilt from the
-- listings by `make rebuild-read-models`. A row is replaced only by a newer listing version, so
-- duplicate and reordered events leave the newest. Search, browse, facets and the deals list
-- read their keys here; a page's cards are read from MongoDB by id.
-- depends: 0116.offers
--
-- `document` uses the 'simple' configuration (lowercased words, no stemming, no stop words):
-- listings are in several languages and full of brand and model names, and a saved search's
-- alert matches words exactly (workflows/catalog/search.py `matches`), so search must too.

CREATE TABLE catalog_search (
    listing_id      text PRIMARY KEY,
    version         integer NOT NULL CHECK (version >= 1),
    seller_id       text NOT NULL,
    category_id     text NOT NULL,
    category_path   text[] NOT NULL,   -- ancestry, root to leaf: browse by any ancestor
    condition       text NOT NULL,
    price_minor     bigint NOT NULL CHECK (price_minor >= 0),
    currency        char(3) NOT NULL,
    format          text NOT NULL,
    status          text NOT NULL,
    created_at      timestamptz NOT NULL,
    promo_starts_at timestamptz,       -- a promotion's window: sponsored first while in it
    promo_ends_at   timestamptz,
    deal_priority   integer,           -- a deal's priority and window: GET /deals
    deal_starts_at  timestamptz,
    deal_ends_at    timestamptz,
    -- title A, item specifics B, description C
    document        tsvector NOT NULL,
    projected_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX catalog_search_document ON catalog_search USING gin (document) WHERE status = 'active';
CREATE INDEX catalog_search_category_path ON catalog_search USING gin (category_path)
    WHERE status = 'active';
-- keyset sorts: price (asc, and desc walking it backwards), newest; each with the id last
CREATE INDEX catalog_search_price ON catalog_search (price_minor, listing_id) WHERE status = 'active';
CREATE INDEX catalog_search_newest ON catalog_search (created_at, listing_id) WHERE status = 'active';
CREATE INDEX catalog_search_seller_newest ON catalog_search (seller_id, created_at, listing_id)
    WHERE status = 'active';
-- the few listings with a promotion (sponsored) or a deal
CREATE INDEX catalog_search_promoted ON catalog_search (promo_ends_at)
    WHERE status = 'active' AND promo_ends_at IS NOT NULL;
CREATE INDEX catalog_search_deals ON catalog_search (deal_priority DESC, listing_id)
    WHERE status = 'active' AND deal_priority IS NOT NULL;
-- facets over an unfiltered browse: counted from the index alone
CREATE INDEX catalog_search_facets ON catalog_search (category_id, condition) WHERE status = 'active';
