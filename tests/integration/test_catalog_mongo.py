"""The catalog repositories on the real Mongo wire server (nx-27017); search is the read model's
(tests/integration/test_catalog_search_postgres.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.mongo.catalog import MongoCategories, MongoListings, listing_doc, listing_from
from workflows.catalog.errors import CategoryExists, ConcurrentUpdate
from workflows.catalog.model import (
    Category,
    Condition,
    Deal,
    ItemSpecific,
    Listing,
    ListingFormat,
    ListingStatus,
    Promotion,
    ShippingOption,
    Window,
)
from workflows.shared.money import Money

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ROOT = Category("root", "Sports", "sports", None, ("root",))
BIKES = Category("bikes", "Bikes", "bikes", "root", ("root", "bikes"))
SHOES = Category("shoes", "Shoes", "shoes", "root", ("root", "shoes"))


def make(n: int, *, title: str, price: int, category: Category = BIKES, **changes: object) -> Listing:
    created = NOW + timedelta(minutes=n)
    listing = Listing(
        id=f"l-{n:03d}",
        seller_id="seller-1",
        title=title,
        description="A fine thing",
        category_id=category.id,
        category_path=category.path,
        condition=Condition.USED_GOOD,
        item_specifics=(ItemSpecific("Brand", "Trek"),),
        price=Money(price, "USD"),
        quantity=1,
        shipping_options=(ShippingOption("UPS", Money(500, "USD"), 3),),
        format=ListingFormat.FIXED_PRICE,
        status=ListingStatus.ACTIVE,
        created_at=created,
        updated_at=created,
    )
    return replace(listing, **changes)  # type: ignore[arg-type]


@pytest.fixture
def listings(mongo_db) -> MongoListings:
    return MongoListings(mongo_db)


def test_given_a_listing_when_stored_and_read_then_it_round_trips(listings: MongoListings) -> None:
    deal = Deal("d-1", Decimal("12.5"), 3, Window(NOW, NOW + timedelta(days=1)))
    promotion = Promotion(Decimal("7.5"), Window(NOW, NOW + timedelta(days=2)))
    original = make(1, title="Trek bike", price=1999, deal=deal, promotion=promotion)
    assert listings.add(original)
    assert not listings.add(original)  # same id: nothing written
    stored = listings.get(original.id)
    assert stored == original
    assert listing_from(listing_doc(original)) == original


def test_given_a_stale_version_when_saved_then_concurrent_update(listings: MongoListings) -> None:
    listing = make(1, title="Trek bike", price=1000)
    listings.add(listing)
    listings.save(listing.changed(NOW, title="First"), expected_version=1)
    with pytest.raises(ConcurrentUpdate):
        listings.save(listing.changed(NOW, title="Second"), expected_version=1)
    stored = listings.get(listing.id)
    assert stored is not None and stored.title == "First" and stored.version == 2


def test_given_categories_then_slugs_are_unique(mongo_db) -> None:
    categories = MongoCategories(mongo_db)
    categories.add(ROOT)
    with pytest.raises(CategoryExists):
        categories.add(replace(ROOT, id="other"))
    assert categories.get("root") == ROOT


def test_given_a_listing_under_a_category_then_count_sees_it_in_any_status_from_any_ancestor(
    listings: MongoListings,
) -> None:
    assert listings.count_in_category("bikes") == 0
    listings.add(make(1, title="x", price=1, status=ListingStatus.ENDED))
    assert listings.count_in_category("bikes") == 1
    assert listings.count_in_category("root") == 1


def test_given_listings_when_indexes_are_ensured_again_then_it_is_a_no_op(
    mongo_db, listings: MongoListings
) -> None:
    from adapters.mongo.indexes import CATALOG_INDEXES, ensure_indexes

    listings.add(make(1, title="Trek road bike", price=100))
    # When the catalog's cold start ensures its indexes again / Then nothing fails
    ensure_indexes(mongo_db, CATALOG_INDEXES)
    ensure_indexes(mongo_db, CATALOG_INDEXES)
    assert [x.id for x in listings.get_many(["l-001", "nope"])] == ["l-001"]
