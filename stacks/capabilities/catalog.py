"""Catalog: categories, listings, images, search, promotions, deals, watchlist, saved searches."""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV
from stacks.model import (
    Capability,
    Function,
    FunctionTarget,
    Grant,
    Key,
    Kind,
    Ref,
    Route,
    Rule,
    RuleTarget,
    Table,
)

_IMAGES = {"IMAGES_BUCKET": Ref(Kind.BUCKET, "images")}
_WATCH = {
    "WATCHLISTS_TABLE": Ref(Kind.TABLE, "watchlists"),
    "SAVED_SEARCHES_TABLE": Ref(Kind.TABLE, "saved-searches"),
}
_NOTIFY = NOTIFY_ENV
_PUBLISH_EVENTS = Grant(Kind.BUS, "domain", "publish")
_WATCH_GRANTS = (
    Grant(Kind.TABLE, "watchlists", "read_write"),
    Grant(Kind.TABLE, "saved-searches", "read_write"),
)


def _api(path: str) -> FunctionTarget:
    return FunctionTarget(path)


CATALOG = Capability(
    "catalog",
    tables=(
        Table(
            "saved-searches",
            partition_key=Key("user_id"),
            sort_key=Key("search_id"),
            description="A member's saved searches; last_notified_on caps alerts at one a day.",
        ),
    ),
    functions=(
        Function(
            "api-catalog",
            handler="lambdas.api.catalog.handler",
            description="GET /categories (the tree); admins add, change and delete categories.",
            environment=dict(_IMAGES),
            grants=(_PUBLISH_EVENTS, Grant(Kind.BUCKET, "images", "read")),
            uses_mongo=True,
            service="catalog",
        ),
        Function(
            "api-listings",
            handler="lambdas.api.listings.handler",
            description="Listings: create, read, change, end, images, promotion, deal; search; deals.",
            memory_mb=512,
            # an auction listing shows its bidding, read from the auction's table
            environment={**_IMAGES, "AUCTION_BIDS_TABLE": Ref(Kind.TABLE, "auction-bids")},
            grants=(
                _PUBLISH_EVENTS,
                Grant(Kind.BUCKET, "images", "read_write"),
                Grant(Kind.TABLE, "auction-bids", "read"),
            ),
            uses_mongo=True,
            # the fee schedule in effect names the currencies a listing may use; search reads the
            # search read model
            uses_postgres=True,
            service="catalog",
        ),
        Function(
            "api-watchlist",
            handler="lambdas.api.watchlist.handler",
            description="The caller's watchlist and saved searches.",
            environment={**_WATCH, **_NOTIFY},
            grants=_WATCH_GRANTS,
            uses_mongo=True,
            service="catalog",
        ),
        Function(
            "catalog-watchers",
            handler="lambdas.consumers.catalog_watchers.handler",
            description="ListingPriceChanged / ListingUpdated: tell watchers of a price drop or low stock.",
            timeout_s=60,
            environment={**_WATCH, **_NOTIFY},
            grants=(*_WATCH_GRANTS, Grant(Kind.TOPIC, "notifications", "publish")),
            uses_mongo=True,
            service="catalog",
        ),
        Function(
            "catalog-saved-searches",
            handler="lambdas.consumers.catalog_saved_searches.handler",
            description="ListingCreated: tell the owners of matching saved searches (at most daily).",
            timeout_s=120,
            environment={**_WATCH, **_NOTIFY},
            grants=(*_WATCH_GRANTS, Grant(Kind.TOPIC, "notifications", "publish")),
            uses_mongo=True,
            service="catalog",
        ),
        Function(
            "catalog-search",
            handler="lambdas.consumers.catalog_search.handler",
            description="Listing events: the listing's row of the search read model (PostgreSQL), "
            "read from MongoDB and written if newer.",
            timeout_s=30,
            uses_mongo=True,
            uses_postgres=True,
            service="catalog",
        ),
        Function(
            "catalog-rebuild-search",
            handler="lambdas.jobs.rebuild_read_models.search_handler",
            description="On demand (make rebuild-read-models): the search read model rebuilt from "
            "every listing in MongoDB.",
            memory_mb=1024,
            timeout_s=900,
            uses_mongo=True,
            uses_postgres=True,
            service="catalog",
        ),
    ),
    routes=(
        Route("GET", "/categories", "public", _api("api-catalog")),
        Route("POST", "/categories", "admin", _api("api-catalog")),
        Route("PATCH", "/categories/{category_id}", "admin", _api("api-catalog")),
        Route("DELETE", "/categories/{category_id}", "admin", _api("api-catalog")),
        Route("GET", "/listings", "public", _api("api-listings")),
        Route("POST", "/listings", "seller", _api("api-listings")),
        Route("GET", "/listings/{listing_id}", "public", _api("api-listings")),
        Route("PATCH", "/listings/{listing_id}", "seller", _api("api-listings")),
        Route("DELETE", "/listings/{listing_id}", "seller", _api("api-listings")),
        Route("POST", "/listings/{listing_id}/images", "seller", _api("api-listings")),
        Route("POST", "/listings/{listing_id}/images/{image_id}/confirm", "seller", _api("api-listings")),
        Route("POST", "/listings/{listing_id}/promotion", "seller", _api("api-listings")),
        Route("POST", "/listings/{listing_id}/deal", "seller", _api("api-listings")),
        Route("GET", "/deals", "public", _api("api-listings")),
        Route("GET", "/sellers/{seller_id}/listings", "public", _api("api-listings")),
        Route("GET", "/me/watchlist", "user", _api("api-watchlist")),
        Route("PUT", "/me/watchlist/{listing_id}", "user", _api("api-watchlist")),
        Route("DELETE", "/me/watchlist/{listing_id}", "user", _api("api-watchlist")),
        Route("GET", "/me/saved-searches", "user", _api("api-watchlist")),
        Route("POST", "/me/saved-searches", "user", _api("api-watchlist")),
        Route("DELETE", "/me/saved-searches/{search_id}", "user", _api("api-watchlist")),
    ),
    rules=(
        Rule(
            "catalog-watchers",
            bus="domain",
            event_pattern={
                "source": ["resale.catalog"],
                "detail-type": ["ListingPriceChanged", "ListingUpdated"],
            },
            targets=(RuleTarget("function", "catalog-watchers"),),
            description="Price drops and low stock reach the listing's watchers.",
        ),
        Rule(
            "catalog-search",
            bus="domain",
            event_pattern={
                "source": ["resale.catalog"],
                "detail-type": ["ListingCreated", "ListingUpdated", "ListingPriceChanged", "ListingEnded"],
            },
            targets=(RuleTarget("function", "catalog-search"),),
            description="Every listing change reaches the search read model.",
        ),
        Rule(
            "catalog-saved-searches",
            bus="domain",
            event_pattern={"source": ["resale.catalog"], "detail-type": ["ListingCreated"]},
            targets=(RuleTarget("function", "catalog-saved-searches"),),
            description="New listings reach the saved searches they match.",
        ),
    ),
)
