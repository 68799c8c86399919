"""Catalog: categories, listings and images (MongoDB, S3); search, browse and deals (the search
read model, PostgreSQL, its cards read from MongoDB); watchlists and saved searches (DynamoDB);
the listings' stock (holds and restocks) for checkout and fulfilment.

The catalog's MongoDB indexes are ensured at deploy time (and by the local cloud at its start),
not at a cold start.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import Field

from lambdas.wiring import container, core, fees, onboarding
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from pymongo.database import Database

    from adapters.mongo.catalog import MongoListings
    from adapters.mongo.stock import MongoStock
    from adapters.postgres.catalog_search import PostgresListingSearch
    from workflows.catalog.alerts import Alerts
    from workflows.catalog.indexing import SearchIndexer
    from workflows.catalog.service import Catalog


class CatalogSettings(Settings):
    """The images bucket of listing photos."""

    images_bucket: str = Field(validation_alias="IMAGES_BUCKET")


class WatchlistSettings(Settings):
    """The DynamoDB tables of watchlists and saved searches."""

    watchlists_table: str = Field(validation_alias="WATCHLISTS_TABLE")
    saved_searches_table: str = Field(validation_alias="SAVED_SEARCHES_TABLE")


class CatalogWiring:
    @cached_property
    def db(self) -> Database[dict[str, Any]]:
        """The catalog's database (MongoDB)."""
        return core.wiring().mongo_db

    @cached_property
    def listings(self) -> MongoListings:
        """The listings, as the cart, checkout and fees read them."""
        from adapters.mongo.catalog import MongoListings

        return MongoListings(self.db)

    @cached_property
    def search(self) -> PostgresListingSearch:
        """The search read model; the page's listings are read from MongoDB by id."""
        from adapters.postgres.catalog_search import PostgresListingSearch

        return PostgresListingSearch(core.wiring().pg_pool, self.listings.get_many)

    @cached_property
    def indexer(self) -> SearchIndexer:
        """The search read model's projection (its consumer and its rebuild)."""
        from adapters.postgres.catalog_search import PostgresSearchProjection
        from workflows.catalog.indexing import SearchIndexer

        return SearchIndexer(self.listings, PostgresSearchProjection(core.wiring().pg_pool))

    @cached_property
    def catalog(self) -> Catalog:
        from adapters.aws.s3 import S3ImageStore
        from adapters.mongo.catalog import MongoCategories
        from lambdas.wiring import auctions
        from workflows.auctions.service import AuctionSummaryReader
        from workflows.catalog.service import Catalog

        c = core.wiring()
        return Catalog(
            categories=MongoCategories(self.db),
            listings=self.listings,
            events=c.events,
            clock=c.clock,
            currencies=fees.wiring().currencies,
            images=S3ImageStore(c.aws("s3"), load(CatalogSettings).images_bucket),
            sellers=onboarding.wiring().standings,
            auctions=AuctionSummaryReader(lambda: auctions.wiring().store),
            index=lambda: self.search,
        )

    @cached_property
    def alerts(self) -> Alerts:
        from adapters.dynamo.watchlist import DynamoSavedSearches, DynamoWatchlists
        from workflows.catalog.alerts import Alerts

        c = core.wiring()
        settings = load(WatchlistSettings)
        return Alerts(
            watchlists=DynamoWatchlists(c.dynamo, settings.watchlists_table),
            saved_searches=DynamoSavedSearches(c.dynamo, settings.saved_searches_table),
            listings=self.listings,
            notifications=c.notifications,
            clock=c.clock,
        )

    @cached_property
    def stock(self) -> MongoStock:
        """Listing stock: holds for checkout, restocks for whoever gives units back (a cancelled order)."""
        from adapters.mongo.stock import MongoStock

        return MongoStock(self.db)


def wiring() -> CatalogWiring:
    return container(CatalogWiring)
