"""The catalog repositories and search on the real Mongo wire server (nx-27017)."""

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
from workflows.catalog.search import SearchQuery, Sort
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


def all_pages(listings: MongoListings, query: SearchQuery) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = listings.search(replace(query, cursor=cursor), NOW, facets=False)
        seen += [x.id for x in page.listings]
        cursor = page.next_cursor
        if cursor is None:
            return seen


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


@pytest.fixture
def stocked(listings: MongoListings) -> list[Listing]:
    items = [
        make(1, title="Trek road bike", price=30000),
        make(2, title="Cube mountain bike", price=45000, condition=Condition.NEW),
        make(3, title="Road bike helmet", price=5000),
        make(4, title="Running shoes", price=9000, category=SHOES),
        make(5, title="Old road bike", price=20000, status=ListingStatus.ENDED),
        make(6, title="Road bike pump", price=5000),
        make(7, title="Gravel bike", price=99000, item_specifics=(ItemSpecific("Brand", "Canyon"),)),
    ]
    for item in items:
        listings.add(item)
    return items


def test_given_words_then_every_word_must_match_title_or_specifics_and_ended_listings_are_out(
    listings: MongoListings, stocked: list[Listing]
) -> None:
    def found(text: str) -> set[str]:
        return {x.id for x in listings.search(SearchQuery(text=text), NOW, facets=False).listings}

    assert found("road bike") == {"l-001", "l-003", "l-006"}  # not l-005: ended
    assert found("CANYON") == {"l-007"}  # item specific values are searched
    assert found("piano") == set()


def test_given_filters_then_category_includes_descendants_and_price_and_condition_apply(
    listings: MongoListings, stocked: list[Listing]
) -> None:
    def found(**filters: object) -> set[str]:
        return {x.id for x in listings.search(SearchQuery(**filters), NOW, facets=False).listings}  # type: ignore[arg-type]

    assert found(category_id="root") == {"l-001", "l-002", "l-003", "l-004", "l-006", "l-007"}
    assert found(category_id="shoes") == {"l-004"}
    assert found(condition=Condition.NEW) == {"l-002"}
    assert found(min_price=5000, max_price=9000) == {"l-003", "l-004", "l-006"}
    assert found(seller_id="seller-1", text="gravel") == {"l-007"}
    assert found(seller_id="nobody") == set()


@pytest.mark.parametrize("sort", list(Sort))
def test_given_pages_of_two_under_any_sort_then_no_duplicates_and_no_gaps(
    listings: MongoListings, stocked: list[Listing], sort: Sort
) -> None:
    ids = all_pages(listings, SearchQuery(sort=sort, limit=2))
    assert sorted(ids) == ["l-001", "l-002", "l-003", "l-004", "l-006", "l-007"]


def test_given_sorts_then_the_order_is_by_price_ties_broken_by_id_or_newest_first(
    listings: MongoListings, stocked: list[Listing]
) -> None:
    assert all_pages(listings, SearchQuery(sort=Sort.PRICE_ASC, limit=2)) == [
        "l-003", "l-006", "l-004", "l-001", "l-002", "l-007"
    ]  # fmt: skip
    assert all_pages(listings, SearchQuery(sort=Sort.PRICE_DESC, limit=4))[:2] == ["l-007", "l-002"]
    assert all_pages(listings, SearchQuery(sort=Sort.NEWEST, limit=4)) == [
        "l-007", "l-006", "l-004", "l-003", "l-002", "l-001"
    ]  # fmt: skip


def test_given_a_search_then_facets_count_the_filtered_set(
    listings: MongoListings, stocked: list[Listing]
) -> None:
    page = listings.search(SearchQuery(text="bike", limit=1), NOW, facets=True)
    assert page.facets is not None
    assert page.facets.categories == {"bikes": 5}
    assert page.facets.conditions == {"used_good": 4, "new": 1}


def test_given_a_promotion_then_it_ranks_first_inside_its_window_only(
    listings: MongoListings, stocked: list[Listing]
) -> None:
    pump = listings.get("l-006")
    assert pump is not None
    window = Window(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    listings.save(pump.changed(NOW, promotion=Promotion(Decimal(5), window)), expected_version=1)
    inside = listings.search(SearchQuery(text="road bike"), NOW, facets=False).listings
    assert inside[0].id == "l-006"
    assert inside[0].sponsored(NOW)
    later = NOW + timedelta(hours=2)
    outside = listings.search(SearchQuery(text="road bike"), later, facets=False).listings
    assert not any(x.sponsored(later) for x in outside)


def test_given_deals_then_only_those_in_effect_are_listed_by_priority(listings: MongoListings) -> None:
    live = Window(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    future = Window(NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    listings.add(make(1, title="a", price=100, deal=Deal("d1", Decimal(10), 1, live)))
    listings.add(make(2, title="b", price=100, deal=Deal("d2", Decimal(10), 9, live)))
    listings.add(make(3, title="c", price=100, deal=Deal("d3", Decimal(10), 99, future)))
    listings.add(make(4, title="d", price=100))
    assert [x.id for x in listings.active_deals(NOW, 10, None)] == ["l-002", "l-001"]
    assert [x.id for x in listings.active_deals(NOW, 10, (9, "l-002"))] == ["l-001"]


def test_given_a_category_token_then_count_sees_listings_of_any_status(listings: MongoListings) -> None:
    assert listings.count_in_category("bikes") == 0
    listings.add(make(1, title="x", price=1, status=ListingStatus.ENDED))
    assert listings.count_in_category("bikes") == 1
    assert listings.count_in_category("root") == 1


def test_given_listings_when_indexes_are_ensured_again_then_it_is_a_no_op_and_search_works(
    mongo_db, listings: MongoListings
) -> None:
    # Given a collection with documents (nx-27017 re-fills a text index on a second create)
    from adapters.mongo.indexes import CATALOG_INDEXES, ensure_indexes

    listings.add(make(1, title="Trek road bike", price=100))
    # When the catalog's cold start ensures its indexes again / Then nothing fails
    ensure_indexes(mongo_db, CATALOG_INDEXES)
    ensure_indexes(mongo_db, CATALOG_INDEXES)
    assert [x.id for x in listings.search(SearchQuery(text="trek"), NOW, facets=False).listings] == ["l-001"]
