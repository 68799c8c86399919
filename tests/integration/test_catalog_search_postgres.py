"""The search read model on the real PostgreSQL, its listings on the real Mongo wire server.

Listings are stored in MongoDB (the source of truth) and projected as the consumer does (read
the document, upsert if newer); search, facets, every sort's keyset pages, sponsored ranking and
deals are then answered by ``catalog_search``. Hypothesis draws histories of creates, edits,
price changes, promotions and ends whose events arrive duplicated and reordered: the live rows
must equal a rebuild from the listings.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.mongo.catalog import MongoListings
from adapters.postgres.catalog_search import PostgresListingSearch, PostgresSearchProjection
from adapters.postgres.pool import make_pool
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
from workflows.catalog.search import SearchQuery, Sort, encode_cursor
from workflows.shared.errors import InvalidCursor
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BIKES = Category("bikes", "Bikes", "bikes", "root", ("root", "bikes"))
SHOES = Category("shoes", "Shoes", "shoes", "root", ("root", "shoes"))
_runs = itertools.count()


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


@pytest.fixture(scope="module")
def pool(pg_url: str) -> Iterator[Any]:
    opened = make_pool(pg_url)
    yield opened
    opened.close()


@pytest.fixture
def world(pool: Any, pg_clean: None, mongo_db: Any) -> tuple[MongoListings, PostgresSearchProjection, Any]:
    listings = MongoListings(mongo_db)
    return listings, PostgresSearchProjection(pool), PostgresListingSearch(pool, listings.get_many)


def _store(world: tuple[MongoListings, PostgresSearchProjection, Any], *items: Listing) -> None:
    listings, projection, _ = world
    for item in items:
        listings.add(item)
        stored = listings.get(item.id)
        assert stored is not None
        projection.apply(stored)


def _save(world: tuple[MongoListings, PostgresSearchProjection, Any], listing: Listing) -> Listing:
    """Save a change of ``listing`` (one version up) and project it."""
    listings, projection, _ = world
    listings.save(listing, expected_version=listing.version - 1)
    projection.apply(listing)
    return listing


def all_pages(search: PostgresListingSearch, query: SearchQuery, at: datetime = NOW) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        page = search.search(replace(query, cursor=cursor), at, facets=False)
        seen += [x.id for x in page.listings]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError(f"still paging after 100 pages: {seen[:12]}")


@pytest.fixture
def stocked(world: tuple[MongoListings, PostgresSearchProjection, Any]) -> list[Listing]:
    items = [
        make(1, title="Trek road bike", price=30000),
        make(2, title="Cube mountain bike", price=45000, condition=Condition.NEW),
        make(3, title="Road bike helmet", price=5000),
        make(4, title="Running shoes", price=9000, category=SHOES),
        make(5, title="Old road bike", price=20000, status=ListingStatus.ENDED),
        make(6, title="Road bike pump", price=5000),
        make(7, title="Gravel bike", price=99000, item_specifics=(ItemSpecific("Brand", "Canyon"),)),
    ]
    _store(world, *items)
    return items


def test_given_words_then_every_word_must_match_title_specifics_or_description_and_ended_are_out(
    world: Any, stocked: list[Listing]
) -> None:
    search = world[2]

    def found(text: str) -> set[str]:
        return {x.id for x in search.search(SearchQuery(text=text), NOW, facets=False).listings}

    assert found("road bike") == {"l-001", "l-003", "l-006"}  # not l-005: ended
    assert found("CANYON") == {"l-007"}  # item specific values are searched
    assert found("fine gravel") == {"l-007"}  # and the description
    assert found("piano") == set()


def test_given_words_then_a_title_match_outranks_a_description_match(world: Any) -> None:
    _store(
        world,
        make(1, title="Plain thing", price=100, description="a lamp for the desk"),
        make(2, title="Desk lamp", price=100),
    )
    page = world[2].search(SearchQuery(text="lamp"), NOW, facets=False)
    assert [x.id for x in page.listings] == ["l-002", "l-001"]


def test_given_filters_then_category_includes_descendants_and_price_and_condition_apply(
    world: Any, stocked: list[Listing]
) -> None:
    def found(**filters: object) -> set[str]:
        return {x.id for x in world[2].search(SearchQuery(**filters), NOW, facets=False).listings}  # type: ignore[arg-type]

    assert found(category_id="root") == {"l-001", "l-002", "l-003", "l-004", "l-006", "l-007"}
    assert found(category_id="shoes") == {"l-004"}
    assert found(condition=Condition.NEW) == {"l-002"}
    assert found(min_price=5000, max_price=9000) == {"l-003", "l-004", "l-006"}
    assert found(seller_id="seller-1", text="gravel") == {"l-007"}
    assert found(seller_id="nobody") == set()


@pytest.mark.parametrize("sort", list(Sort))
def test_given_pages_of_two_under_any_sort_then_no_duplicates_and_no_gaps(
    world: Any, stocked: list[Listing], sort: Sort
) -> None:
    ids = all_pages(world[2], SearchQuery(sort=sort, limit=2))
    assert sorted(ids) == ["l-001", "l-002", "l-003", "l-004", "l-006", "l-007"]
    words = all_pages(world[2], SearchQuery(text="bike", sort=sort, limit=1))
    assert sorted(words) == ["l-001", "l-002", "l-003", "l-006", "l-007"]


def test_given_sorts_then_the_order_is_by_price_ties_broken_by_id_or_newest_first(
    world: Any, stocked: list[Listing]
) -> None:
    search = world[2]
    assert all_pages(search, SearchQuery(sort=Sort.PRICE_ASC, limit=2)) == [
        "l-003", "l-006", "l-004", "l-001", "l-002", "l-007"
    ]  # fmt: skip
    assert all_pages(search, SearchQuery(sort=Sort.PRICE_DESC, limit=4)) == [
        "l-007", "l-002", "l-001", "l-004", "l-006", "l-003"
    ]  # fmt: skip
    assert all_pages(search, SearchQuery(sort=Sort.NEWEST, limit=4)) == [
        "l-007", "l-006", "l-004", "l-003", "l-002", "l-001"
    ]  # fmt: skip


def test_given_more_matches_than_any_candidate_cap_then_relevance_reaches_every_one(world: Any) -> None:
    listings, projection, search = world
    many = [make(n, title=f"lamp {'lamp ' * (n % 3)}", price=100 + n) for n in range(1, 621)]
    listings.add_many(many)
    assert projection.rebuild(listings.every()) == 620
    ids = all_pages(search, SearchQuery(text="lamp", limit=100))
    assert len(ids) == len(set(ids)) == 620


def test_given_a_rebuild_then_it_leaves_the_table_vacuumed_and_analyzed(world: Any, pool: Any) -> None:
    listings, projection, _ = world
    listings.add_many([make(n, title=f"desk lamp {n}", price=100 + n) for n in range(1, 401)])
    counted = "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables WHERE relname = 'catalog_search'"
    with pool.connection() as conn:
        before = conn.execute(counted).fetchone()
    assert projection.rebuild(listings.every()) == 400
    with pool.connection() as conn:
        after = conn.execute(counted).fetchone()
        planned = conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'catalog_search'").fetchone()
    assert after["vacuum_count"] == before["vacuum_count"] + 1
    assert after["analyze_count"] == before["analyze_count"] + 1
    assert planned["reltuples"] == 400  # the planner counts the new rows


def test_given_a_search_then_facets_count_the_filtered_set(world: Any, stocked: list[Listing]) -> None:
    page = world[2].search(SearchQuery(text="bike", limit=1), NOW, facets=True)
    assert page.facets is not None
    assert page.facets.categories == {"bikes": 5}
    assert page.facets.conditions == {"used_good": 4, "new": 1}


@pytest.mark.parametrize(
    ("filters", "categories", "conditions"),
    [
        ({}, {"bikes": 5, "shoes": 1}, {"used_good": 5, "new": 1}),
        ({"category_id": "root"}, {"bikes": 5, "shoes": 1}, {"used_good": 5, "new": 1}),
        ({"category_id": "shoes"}, {"shoes": 1}, {"used_good": 1}),
        ({"condition": Condition.NEW}, {"bikes": 1}, {"new": 1}),
    ],
)
def test_given_a_browse_then_its_facets_are_the_kept_counts_and_equal_counting_the_matches(
    world: Any, stocked: list[Listing], filters: dict[str, Any], categories: Any, conditions: Any
) -> None:
    browse = world[2].search(SearchQuery(**filters), NOW, facets=True).facets
    # a price floor of 0 matches the same listings, counted one by one
    counted = world[2].search(SearchQuery(**filters, min_price=0), NOW, facets=True).facets
    assert (browse.categories, browse.conditions) == (categories, conditions)
    assert browse == counted


def test_given_a_listing_ended_or_moved_then_the_browse_facets_follow(
    world: Any, stocked: list[Listing]
) -> None:
    listings, _, search = world
    _save(world, listings.get("l-004").changed(NOW, status=ListingStatus.ENDED, ended_at=NOW))
    _save(world, listings.get("l-002").changed(NOW, condition=Condition.USED_GOOD))
    facets = search.search(SearchQuery(), NOW, facets=True).facets
    assert (facets.categories, facets.conditions) == ({"bikes": 5}, {"used_good": 5})


def test_given_a_promotion_then_it_ranks_first_inside_its_window_only(
    world: Any, stocked: list[Listing]
) -> None:
    pump = world[0].get("l-006")
    assert pump is not None
    window = Window(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    _save(world, pump.changed(NOW, promotion=Promotion(Decimal(5), window)))
    inside = world[2].search(SearchQuery(text="road bike"), NOW, facets=False).listings
    assert inside[0].id == "l-006"
    assert inside[0].sponsored(NOW)
    assert all_pages(world[2], SearchQuery(limit=1))[0] == "l-006"  # browse too, across pages
    later = NOW + timedelta(hours=2)
    outside = world[2].search(SearchQuery(text="road bike"), later, facets=False).listings
    assert {x.id for x in outside} == {"l-001", "l-003", "l-006"}
    assert not any(x.sponsored(later) for x in outside)


def test_given_deals_then_only_those_in_effect_are_listed_by_priority(world: Any) -> None:
    live = Window(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    future = Window(NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    _store(
        world,
        make(1, title="a", price=100, deal=Deal("d1", Decimal(10), 1, live)),
        make(2, title="b", price=100, deal=Deal("d2", Decimal(10), 9, live)),
        make(3, title="c", price=100, deal=Deal("d3", Decimal(10), 99, future)),
        make(4, title="d", price=100),
        make(5, title="e", price=100, deal=Deal("d5", Decimal(10), 1, live)),
    )
    search = world[2]
    assert [x.id for x in search.active_deals(NOW, 10, None)] == ["l-002", "l-001", "l-005"]
    assert [x.id for x in search.active_deals(NOW, 10, (1, "l-001"))] == ["l-005"]
    assert [x.id for x in search.active_deals(NOW, 10, (9, "l-002"))] == ["l-001", "l-005"]


def test_given_an_older_version_or_the_same_one_again_then_the_row_stays(world: Any) -> None:
    _, projection, search = world
    first = make(1, title="Lamp", price=100)
    _store(world, first)
    second = _save(world, first.changed(NOW, title="Desk lamp"))
    assert not projection.apply(first)  # late, older: ignored
    assert not projection.apply(second)  # again: nothing to do
    assert [x.id for x in search.search(SearchQuery(text="desk"), NOW, facets=False).listings] == ["l-001"]


@pytest.mark.parametrize(
    "key",
    [["x", "l-1"], [1], [1, 2], [True, "l-1"]],
)
def test_given_a_cursor_whose_key_is_not_its_sorts_then_invalid_cursor(world: Any, key: list[Any]) -> None:
    for sort in (Sort.PRICE_ASC, Sort.NEWEST, Sort.RELEVANCE):
        with pytest.raises(InvalidCursor):
            world[2].search(SearchQuery(sort=sort, cursor=encode_cursor(sort, key)), NOW, facets=False)


# -- live equals rebuild

#: one step: (listing number, what happens, a number for it)
steps = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(["create", "edit", "move", "price", "promote", "deal", "end"]),
        st.integers(1, 10_000),
    ),
    max_size=30,
)


def _step(current: Listing | None, n: int, action: str, value: int, run: int) -> Listing | None:
    """The listing after ``action`` (None: the action does not apply to it)."""
    at = NOW + timedelta(minutes=value)
    if current is None:
        if action != "create":
            return None
        return replace(
            make(n, title=f"Lamp {value}", price=value, category=SHOES if value % 2 else BIKES),
            id=f"lr-{run}-{n}",
            seller_id=f"seller-{value % 3}",
        )
    if current.status != ListingStatus.ACTIVE or action == "create":
        return None
    changes: dict[str, dict[str, Any]] = {
        "edit": {"title": f"Desk lamp {value}", "description": f"word{value}"},
        "move": {
            "condition": Condition.NEW if value % 2 else Condition.USED_GOOD,
            "category_id": (SHOES if value % 3 else BIKES).id,
            "category_path": (SHOES if value % 3 else BIKES).path,
        },
        "price": {"price": Money(value, "USD")},
        "promote": {"promotion": Promotion(Decimal(5), Window(at, at + timedelta(hours=value % 48 + 1)))},
        "deal": {"deal": Deal(f"d{value}", Decimal(10), value % 7, Window(at, at + timedelta(hours=3)))},
        "end": {"status": ListingStatus.ENDED, "ended_at": at},
    }
    return current.changed(at, **changes[action])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=steps, seed=st.integers(0, 10**6))
def test_given_random_histories_then_the_live_projection_equals_a_rebuild(
    pool: Any, pg_url: str, mongo_db: Any, history: list[tuple[int, str, int]], seed: int
) -> None:
    run = next(_runs)
    listings = MongoListings(mongo_db)
    listings._collection.delete_many({})
    projection = PostgresSearchProjection(pool)
    projection.rebuild([])
    # the source of truth changes; each change is one event naming the listing
    # EventBridge delivers at least once, in any order; a consumer reads the document when it gets
    # an event and may write it after another consumer wrote a newer one
    rng = random.Random(seed)
    current: dict[int, Listing] = {}
    queued: list[str] = []  # events not delivered yet (by listing id)
    read: list[Listing] = []  # documents read by a consumer, not written yet
    for n, action, value in history:
        changed = _step(current.get(n), n, action, value, run)
        if changed is None:
            continue
        if n in current:
            listings.save(changed, expected_version=current[n].version)
        else:
            listings.add(changed)
        current[n] = changed
        queued.append(changed.id)
        while queued and rng.random() < 0.5:
            event = queued.pop(rng.randrange(len(queued)))
            if rng.random() < 0.3:
                queued.append(event)  # delivered again later
            read.append(_read(listings, event))
        while read and rng.random() < 0.5:
            projection.apply(read.pop(rng.randrange(len(read))))
    read += [_read(listings, event) for event in queued]
    rng.shuffle(read)
    for document in read:
        projection.apply(document)
    live, live_counts = projection.rows(), projection.counts()
    assert live_counts == _counted(live)
    assert projection.rebuild(listings.every()) == len(current)
    assert live == projection.rows()
    assert projection.counts() == live_counts
    assert {r["listing_id"]: r["version"] for r in live} == {x.id: x.version for x in current.values()}


def _counted(rows: list[dict[str, Any]]) -> dict[tuple[str, tuple[str, ...], str], int]:
    """The facet counts of ``rows``, counted here: what the triggers must have kept."""
    counted: dict[tuple[str, tuple[str, ...], str], int] = {}
    for r in rows:
        if r["status"] == "active":
            key = (r["category_id"], tuple(r["category_path"]), r["condition"])
            counted[key] = counted.get(key, 0) + 1
    return counted


def _read(listings: MongoListings, listing_id: str) -> Listing:
    stored = listings.get(listing_id)
    assert stored is not None
    return stored
