"""The catalog's use cases with fakes: ownership, validation, events, windows, images, alerts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.fakes.catalog import (
    FakeCategories,
    FakeImageStore,
    FakeListings,
    FakeSavedSearches,
    FakeWatchlists,
    FixedCurrencies,
    RecordingEvents,
    RecordingNotifications,
)
from tests.fakes.clock import FakeClock
from workflows.catalog.alerts import Alerts, format_money
from workflows.catalog.commands import (
    CreateCategory,
    CreateDeal,
    CreateListing,
    CreateSavedSearch,
    PromoteListing,
    RequestImageUpload,
    UpdateListing,
)
from workflows.catalog.errors import (
    CategoryInUse,
    ImageNotUploaded,
    InvalidListing,
    NotOwner,
    TooManyImages,
    UnsupportedImage,
)
from workflows.catalog.events import ListingCreated, ListingPriceChanged, ListingUpdated
from workflows.catalog.model import MAX_IMAGES
from workflows.catalog.ports import StoredObject
from workflows.catalog.search import InvalidCursor, SearchQuery, Sort, decode_cursor, encode_cursor, terms
from workflows.catalog.service import Catalog
from workflows.shared.errors import IdempotencyKeyReused
from workflows.shared.identity import Caller, Forbidden

ADMIN = Caller("admin-1", "a@example.com", frozenset({"buyer", "admin"}))
SELLER = Caller("seller-1", "s@example.com", frozenset({"buyer", "seller"}))
OTHER_SELLER = Caller("seller-2", "t@example.com", frozenset({"buyer", "seller"}))
BUYER = Caller("buyer-1", "b@example.com", frozenset({"buyer"}))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def catalog(clock: FakeClock) -> Catalog:
    counter = iter(range(1, 10_000))
    service = Catalog(
        categories=FakeCategories(),
        listings=FakeListings(),
        events=RecordingEvents(),
        clock=clock,
        currencies=FixedCurrencies(),
        images=FakeImageStore(),
        new_id=lambda: f"id-{next(counter)}",
    )
    root = service.create_category(ADMIN, CreateCategory(name="Sports", slug="sports"))
    service.create_category(
        ADMIN,
        CreateCategory.model_validate(
            {
                "name": "Bikes",
                "slug": "bikes",
                "parent_id": root.id,
                "item_specifics": [
                    {"name": "Brand", "required": True},
                    {"name": "Type", "allowed_values": ["Road", "Mountain"]},
                ],
                "conditions": ["new", "used_good"],
            }
        ),
    )
    return service


def bikes(catalog: Catalog) -> str:
    return next(c.id for c in catalog.categories.all() if c.slug == "bikes")


def listing(catalog: Catalog, **overrides: object) -> CreateListing:
    body: dict[str, object] = {
        "title": "Trek road bike",
        "category_id": bikes(catalog),
        "condition": "used_good",
        "item_specifics": [{"name": "Brand", "value": "Trek"}, {"name": "Type", "value": "Road"}],
        "price": {"amount": 10000, "currency": "USD"},
        "quantity": 2,
        "shipping_options": [
            {"service": "UPS", "price": {"amount": 500, "currency": "USD"}, "estimated_days": 3}
        ],
    }
    body.update(overrides)
    return CreateListing.model_validate(body)


def events(catalog: Catalog) -> RecordingEvents:
    assert isinstance(catalog.events, RecordingEvents)
    return catalog.events


# -- ownership and roles


def test_given_a_buyer_when_listing_then_seller_only(catalog: Catalog) -> None:
    with pytest.raises(Forbidden) as raised:
        catalog.create_listing(BUYER, listing(catalog))
    assert raised.value.code == "SELLER_ONLY"


def test_given_another_seller_when_editing_then_not_owner_and_nothing_changes(catalog: Catalog) -> None:
    created = catalog.create_listing(SELLER, listing(catalog))
    with pytest.raises(NotOwner):
        catalog.update_listing(OTHER_SELLER, created.id, UpdateListing(title="Stolen"))
    with pytest.raises(NotOwner):
        catalog.end_listing(OTHER_SELLER, created.id)
    assert catalog.get_listing(created.id).title == "Trek road bike"


# -- validation against the category


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"condition": "for_parts"}, "condition"),
        ({"item_specifics": []}, "item_specifics.Brand"),
        (
            {"item_specifics": [{"name": "Brand", "value": "Trek"}, {"name": "Type", "value": "BMX"}]},
            "item_specifics.Type",
        ),
    ],
)
def test_given_a_listing_that_does_not_fit_then_invalid_listing_names_the_field(
    catalog: Catalog, overrides: dict, field: str
) -> None:
    with pytest.raises(InvalidListing) as raised:
        catalog.create_listing(SELLER, listing(catalog, **overrides))
    assert field in [f["field"] for f in raised.value.details["fields"]]


def test_given_a_parent_category_then_listing_in_it_is_refused(catalog: Catalog) -> None:
    root = next(c.id for c in catalog.categories.all() if c.slug == "sports")
    with pytest.raises(InvalidListing):
        catalog.create_listing(SELLER, listing(catalog, category_id=root))


def test_given_shipping_in_another_currency_then_refused(catalog: Catalog) -> None:
    shipping = [{"service": "DHL", "price": {"amount": 500, "currency": "EUR"}, "estimated_days": 3}]
    with pytest.raises(InvalidListing):
        catalog.create_listing(SELLER, listing(catalog, shipping_options=shipping))


@pytest.mark.parametrize("amount", [19.99, -5, "100", True])
def test_given_a_non_integer_or_negative_amount_then_the_request_is_invalid(
    catalog: Catalog, amount: object
) -> None:
    with pytest.raises(ValueError):
        listing(catalog, price={"amount": amount, "currency": "USD"})


# -- events


def test_given_changes_then_each_emits_its_event_with_ids_derived_from_the_version(catalog: Catalog) -> None:
    created = catalog.create_listing(SELLER, listing(catalog))
    catalog.update_listing(
        SELLER, created.id, UpdateListing.model_validate({"price": {"amount": 9000, "currency": "USD"}})
    )
    catalog.update_listing(SELLER, created.id, UpdateListing(title="Trek road bike"))  # no change: no event
    catalog.end_listing(SELLER, created.id)
    catalog.end_listing(SELLER, created.id)  # ending twice: one event
    assert events(catalog).types() == [
        "ListingCreated",
        "ListingUpdated",
        "ListingPriceChanged",
        "ListingEnded",
    ]
    price_changed = events(catalog).published[2]
    assert isinstance(price_changed, ListingPriceChanged)
    assert price_changed.dropped
    assert price_changed.source == "resale.catalog"
    assert len({e.event_id for e in events(catalog).published}) == 4


def test_given_an_idempotency_key_then_a_retry_returns_the_same_listing_and_another_body_is_refused(
    catalog: Catalog,
) -> None:
    first = catalog.create_listing(SELLER, listing(catalog), "key-1")
    again = catalog.create_listing(SELLER, listing(catalog), "key-1")
    assert first.id == again.id
    assert len(catalog.listings.items) == 1  # type: ignore[attr-defined]
    with pytest.raises(IdempotencyKeyReused):
        catalog.create_listing(SELLER, listing(catalog, title="Other bike"), "key-1")


def test_given_quantity_zero_then_sold_out_and_back_to_active_when_restocked(catalog: Catalog) -> None:
    created = catalog.create_listing(SELLER, listing(catalog))
    assert catalog.update_listing(SELLER, created.id, UpdateListing(quantity=0)).status == "sold_out"
    assert catalog.update_listing(SELLER, created.id, UpdateListing(quantity=3)).status == "active"


# -- categories


def test_given_a_category_with_listings_or_children_then_it_cannot_be_deleted(catalog: Catalog) -> None:
    root = next(c.id for c in catalog.categories.all() if c.slug == "sports")
    with pytest.raises(CategoryInUse):
        catalog.delete_category(ADMIN, root)
    catalog.create_listing(SELLER, listing(catalog))
    with pytest.raises(CategoryInUse):
        catalog.delete_category(ADMIN, bikes(catalog))


def test_given_the_tree_then_children_nest_under_parents(catalog: Catalog) -> None:
    tree = catalog.category_tree()
    assert [(c.slug, [k.slug for k in c.children]) for c in tree.items] == [("sports", ["bikes"])]


# -- windows (the clock moves; nothing sleeps)


def test_given_a_deal_then_the_discount_applies_only_inside_its_window(
    catalog: Catalog, clock: FakeClock
) -> None:
    created = catalog.create_listing(SELLER, listing(catalog, price={"amount": 1999, "currency": "USD"}))
    start = clock.now() + timedelta(hours=1)
    deal = CreateDeal(
        discount_percent=Decimal(15), priority=5, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    catalog.create_deal(SELLER, created.id, deal)
    assert catalog.get_listing(created.id).effective_price.amount == 1999
    clock.advance(timedelta(hours=1))
    assert catalog.get_listing(created.id).effective_price.amount == 1699  # 1999 - 299.85 → 300 (half up)
    assert [x.id for x in catalog.active_deals(10, None).items] == [created.id]
    clock.advance(timedelta(hours=2))
    assert catalog.get_listing(created.id).effective_price.amount == 1999
    assert catalog.active_deals(10, None).items == []


def test_given_a_promotion_then_sponsored_only_inside_its_window(catalog: Catalog, clock: FakeClock) -> None:
    created = catalog.create_listing(SELLER, listing(catalog))
    start = clock.now() + timedelta(minutes=10)
    catalog.promote_listing(
        SELLER,
        created.id,
        PromoteListing.model_validate(
            {
                "ad_rate_percent": "7.5",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(days=1)).isoformat(),
            }
        ),
    )
    assert catalog.get_listing(created.id).sponsored is False
    clock.advance(timedelta(minutes=10))
    assert catalog.get_listing(created.id).sponsored is True
    assert catalog.get_listing(created.id, SELLER.user_id).promotion.ad_rate_percent == "7.5"  # type: ignore[union-attr]
    assert catalog.get_listing(created.id).promotion is None  # terms are the seller's business
    clock.advance(timedelta(days=1))
    assert catalog.get_listing(created.id).sponsored is False


@pytest.mark.parametrize("rate", [7.5, "1", "101", "7.555", "abc"])
def test_given_a_bad_ad_rate_then_invalid(rate: object) -> None:
    with pytest.raises(ValueError):
        PromoteListing.model_validate(
            {"ad_rate_percent": rate, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z"}
        )


def test_given_a_window_that_ends_before_it_starts_then_invalid() -> None:
    with pytest.raises(ValueError):
        CreateDeal.model_validate(
            {"discount_percent": 10, "starts_at": "2026-01-02T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}
        )


# -- images


def test_given_uploads_then_confirmed_images_join_in_order_at_most_twelve(catalog: Catalog) -> None:
    created = catalog.create_listing(SELLER, listing(catalog))
    store = catalog.images
    assert isinstance(store, FakeImageStore)
    with pytest.raises(UnsupportedImage):
        catalog.request_image_upload(
            SELLER, created.id, RequestImageUpload(content_type="image/gif", size=10)
        )
    first = catalog.request_image_upload(
        SELLER, created.id, RequestImageUpload(content_type="image/jpeg", size=10)
    )
    assert first.upload.url.endswith(f"listings/{created.id}/{first.image_id}.jpg")
    with pytest.raises(ImageNotUploaded):
        catalog.confirm_image(SELLER, created.id, first.image_id)
    for n in range(MAX_IMAGES):
        ticket = (
            first
            if n == 0
            else catalog.request_image_upload(
                SELLER, created.id, RequestImageUpload(content_type="image/webp", size=10)
            )
        )
        key = next(
            p.key for p in catalog.listings.get(created.id).pending_images if p.image_id == ticket.image_id
        )  # type: ignore[union-attr]
        store.objects[key] = StoredObject(10, "image/webp")
        view = catalog.confirm_image(SELLER, created.id, ticket.image_id)
        assert view.images[-1].position == n + 1
    with pytest.raises(TooManyImages):
        catalog.request_image_upload(
            SELLER, created.id, RequestImageUpload(content_type="image/png", size=10)
        )


# -- search helpers


def test_given_text_then_terms_are_lowercase_unique_words() -> None:
    assert terms("Trek  trek, ROAD-bike!") == ["trek", "road", "bike"]


def test_given_a_cursor_then_it_round_trips_and_refuses_another_sort() -> None:
    cursor = encode_cursor(Sort.PRICE_ASC, ["000000000001000|x"])
    assert decode_cursor(cursor, Sort.PRICE_ASC) == ["000000000001000|x"]
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, Sort.NEWEST)
    with pytest.raises(InvalidCursor):
        decode_cursor("%%%", Sort.NEWEST)


# -- alerts


@pytest.fixture
def alerts(catalog: Catalog, clock: FakeClock) -> Alerts:
    return Alerts(
        watchlists=FakeWatchlists(),
        saved_searches=FakeSavedSearches(),
        listings=catalog.listings,
        notifications=RecordingNotifications(),
        clock=clock,
    )


def sent(alerts: Alerts) -> list:
    assert isinstance(alerts.notifications, RecordingNotifications)
    return alerts.notifications.sent


def test_given_watchers_when_the_price_drops_then_each_is_told_and_a_rise_tells_nobody(
    catalog: Catalog, alerts: Alerts
) -> None:
    created = catalog.create_listing(SELLER, listing(catalog))
    alerts.watch(BUYER, created.id)
    alerts.watch(Caller("buyer-2", "", frozenset()), created.id)
    catalog.update_listing(
        SELLER, created.id, UpdateListing.model_validate({"price": {"amount": 8000, "currency": "USD"}})
    )
    catalog.update_listing(
        SELLER, created.id, UpdateListing.model_validate({"price": {"amount": 9000, "currency": "USD"}})
    )
    drop, rise = [e for e in events(catalog).published if isinstance(e, ListingPriceChanged)]
    assert alerts.on_price_changed(drop) == 2
    assert alerts.on_price_changed(rise) == 0
    assert {n.user_id for n in sent(alerts)} == {"buyer-1", "buyer-2"}
    assert sent(alerts)[0].type == "catalog.price_drop"
    assert sent(alerts)[0].data["new_price"] == "80.00 USD"
    # a redelivered event gives the same notification ids (the pipeline sends each once)
    alerts.on_price_changed(drop)
    assert len({n.notification_id for n in sent(alerts)}) == 2


def test_given_watchers_when_one_is_left_then_told_with_a_stable_id(catalog: Catalog, alerts: Alerts) -> None:
    created = catalog.create_listing(SELLER, listing(catalog, quantity=5))
    alerts.watch(BUYER, created.id)
    catalog.update_listing(SELLER, created.id, UpdateListing(quantity=1))
    updated = [e for e in events(catalog).published if isinstance(e, ListingUpdated)][-1]
    assert alerts.on_listing_updated(updated) == 1
    assert alerts.on_listing_updated(updated) == 1
    assert len({n.notification_id for n in sent(alerts)}) == 1
    assert sent(alerts)[0].type == "catalog.low_stock"


def test_given_saved_searches_when_listings_appear_then_matching_owners_are_told_at_most_daily(
    catalog: Catalog, alerts: Alerts, clock: FakeClock
) -> None:
    alerts.save_search(
        BUYER, CreateSavedSearch.model_validate({"query": {"q": "trek road", "max_price": 20000}})
    )
    alerts.save_search(BUYER, CreateSavedSearch.model_validate({"query": {"q": "piano"}}))

    def new_listing() -> ListingCreated:
        catalog.create_listing(SELLER, listing(catalog))
        event = events(catalog).published[-1]
        assert isinstance(event, ListingCreated)
        return event

    assert alerts.on_listing_created(new_listing()) == 1
    assert alerts.on_listing_created(new_listing()) == 0  # same day
    clock.advance(timedelta(days=1))
    assert alerts.on_listing_created(new_listing()) == 1
    assert [n.type for n in sent(alerts)] == ["catalog.saved_search_match"] * 2


def test_given_a_watchlist_then_it_shows_current_price_and_pages(
    catalog: Catalog, alerts: Alerts, clock: FakeClock
) -> None:
    ids = []
    for _ in range(3):
        ids.append(catalog.create_listing(SELLER, listing(catalog)).id)
        alerts.watch(BUYER, ids[-1])
        clock.advance(timedelta(seconds=1))
    first = alerts.watchlist(BUYER, 2, None)
    second = alerts.watchlist(BUYER, 2, first.next_cursor)
    assert [w.listing_id for w in first.items + second.items] == list(reversed(ids))
    assert second.next_cursor is None
    assert first.items[0].price is not None and first.items[0].price.amount == 10000


def test_given_amounts_then_they_format_exactly() -> None:
    assert format_money(1999, "USD") == "19.99 USD"
    assert format_money(500, "JPY") == "500 JPY"


def test_search_query_keeps_its_criteria() -> None:
    assert SearchQuery(text="bike", min_price=5).criteria() == {"q": "bike", "min_price": 5}
