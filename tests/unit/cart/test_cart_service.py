"""The cart service with fakes: every rule of PUT/DELETE/GET and of following the catalog."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.fakes.catalog import FakeListings
from tests.fakes.clock import FakeClock
from tests.unit.cart.fakes import InMemoryCarts
from workflows.cart.commands import SetQuantity
from workflows.cart.errors import CartFull, CartLineChanged, OwnListing
from workflows.cart.model import MAX_LINES
from workflows.cart.service import CartFollower, CartService
from workflows.catalog.errors import ListingNotAvailable, ListingNotFound, QuantityNotAvailable
from workflows.catalog.events import ListingEnded, ListingPriceChanged, PriceModel
from workflows.catalog.model import Condition, Deal, Listing, ListingFormat, ListingStatus, Window
from workflows.shared.identity import Caller
from workflows.shared.money import Money

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BUYER = Caller("buyer-1", "b@example.com", frozenset({"buyer"}))
OTHER_BUYER = Caller("buyer-2", "c@example.com", frozenset({"buyer"}))
SELLER = Caller("seller-1", "s@example.com", frozenset({"buyer", "seller"}))


def listing(listing_id: str = "l1", **changes: object) -> Listing:
    base = Listing(
        id=listing_id,
        seller_id=SELLER.user_id,
        title=f"Listing {listing_id}",
        description="d",
        category_id="bikes",
        category_path=("sports", "bikes"),
        condition=Condition.NEW,
        item_specifics=(),
        price=Money(5000, "USD"),
        quantity=3,
        shipping_options=(),
        format=ListingFormat.FIXED_PRICE,
        status=ListingStatus.ACTIVE,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class World:
    def __init__(self) -> None:
        self.clock = FakeClock(NOW)
        self.listings = FakeListings()
        self.store = InMemoryCarts()
        self.service = CartService(self.store, self.listings, self.clock)
        self.follower = CartFollower(self.store)

    def publish(self, *listings: Listing) -> None:
        for item in listings:
            self.listings.items[item.id] = item

    def change(self, listing_id: str, **changes: object) -> Listing:
        current = self.listings.items[listing_id]
        updated = replace(current, version=current.version + 1, **changes)  # type: ignore[arg-type]
        self.listings.items[listing_id] = updated
        return updated

    def put(self, listing_id: str, quantity: int, who: Caller = BUYER) -> object:
        return self.service.set_quantity(who, listing_id, SetQuantity(quantity=quantity))


@pytest.fixture
def world() -> World:
    w = World()
    w.publish(listing("l1"), listing("l2", price=Money(1250, "USD"), quantity=1))
    return w


def price_changed(item: Listing, old: int, new: int, currency: str = "USD") -> ListingPriceChanged:
    return ListingPriceChanged(
        event_id=f"pc-{item.id}-{item.version}",
        occurred_at=NOW,
        listing_id=item.id,
        seller_id=item.seller_id,
        version=item.version,
        title=item.title,
        old_price=PriceModel(amount=old, currency=currency),
        new_price=PriceModel(amount=new, currency=currency),
    )


def ended(item: Listing) -> ListingEnded:
    return ListingEnded(
        event_id=f"end-{item.id}",
        occurred_at=NOW,
        listing_id=item.id,
        seller_id=item.seller_id,
        version=item.version,
        reason="ended_by_seller",
    )


# -- PUT: adding and changing lines


def test_given_an_active_listing_when_added_then_the_line_keeps_seller_price_quantity_and_times(
    world: World,
) -> None:
    view = world.put("l1", 2)
    line = world.store.get(BUYER.user_id, "l1")
    assert line is not None
    assert (line.seller_id, line.quantity, line.unit_price, line.listing_version) == (
        SELLER.user_id,
        2,
        Money(5000, "USD"),
        1,
    )
    assert line.added_at == line.updated_at == NOW
    assert view is not None and view.line_total.amount == 10000 and view.available


def test_given_a_line_when_its_quantity_is_set_again_then_added_at_stays_and_updated_at_moves(
    world: World,
) -> None:
    world.put("l1", 1)
    world.clock.advance(timedelta(minutes=5))
    world.put("l1", 3)
    line = world.store.get(BUYER.user_id, "l1")
    assert line is not None
    assert (line.quantity, line.added_at, line.updated_at) == (3, NOW, NOW + timedelta(minutes=5))
    assert len(world.store.lines(BUYER.user_id)) == 1


def test_given_a_line_when_set_to_zero_or_deleted_then_it_is_gone_and_deleting_again_is_fine(
    world: World,
) -> None:
    world.put("l1", 1)
    world.put("l2", 1)
    assert world.put("l1", 0) is None
    world.service.remove(BUYER, "l2")
    world.service.remove(BUYER, "l2")
    world.put("missing", 0)  # removing what is not there needs no listing
    assert world.store.lines(BUYER.user_id) == []


def test_given_no_such_listing_then_404_listing_not_found(world: World) -> None:
    with pytest.raises(ListingNotFound) as raised:
        world.put("nope", 1)
    assert raised.value.code == "LISTING_NOT_FOUND"


@pytest.mark.parametrize("status", [ListingStatus.ENDED, ListingStatus.SOLD_OUT])
def test_given_a_listing_that_is_not_active_then_409_listing_not_available(
    world: World, status: ListingStatus
) -> None:
    world.change("l1", status=status)
    with pytest.raises(ListingNotAvailable) as raised:
        world.put("l1", 1)
    assert raised.value.code == "LISTING_NOT_AVAILABLE"
    assert raised.value.details == {"status": status.value}


def test_given_the_callers_own_listing_then_409_own_listing(world: World) -> None:
    with pytest.raises(OwnListing) as raised:
        world.put("l1", 1, who=SELLER)
    assert raised.value.code == "OWN_LISTING"
    assert world.store.items == {}


def test_given_more_than_available_then_409_with_the_available_quantity(world: World) -> None:
    with pytest.raises(QuantityNotAvailable) as raised:
        world.put("l1", 4)
    assert raised.value.code == "QUANTITY_NOT_AVAILABLE"
    assert raised.value.details["available"] == 3
    world.put("l1", 3)  # exactly what is available is fine


def test_given_a_full_cart_then_a_new_line_is_refused_but_existing_lines_can_change(world: World) -> None:
    world.publish(*(listing(f"x{i}") for i in range(MAX_LINES)))
    for i in range(MAX_LINES):
        world.put(f"x{i}", 1)
    with pytest.raises(CartFull) as raised:
        world.put("l1", 1)
    assert raised.value.code == "CART_FULL" and raised.value.details == {"max_lines": 50}
    world.put("x0", 2)
    assert len(world.store.lines(BUYER.user_id)) == MAX_LINES


@pytest.mark.parametrize(
    "body",
    [{"quantity": 1.5}, {"quantity": 2.0}, {"quantity": "2"}, {"quantity": True}, {"quantity": -1}, {}],
)
def test_given_a_quantity_that_is_not_a_non_negative_integer_then_the_command_is_invalid(body: dict) -> None:
    with pytest.raises(ValidationError):
        SetQuantity.model_validate(body)


def test_given_an_unknown_field_then_the_command_is_invalid() -> None:
    with pytest.raises(ValidationError):
        SetQuantity.model_validate({"quantity": 1, "price": 1})


# -- GET: the cart priced now


def test_given_two_lines_then_the_cart_has_line_totals_and_a_subtotal(world: World) -> None:
    world.put("l1", 2)
    world.put("l2", 1)
    cart = world.service.cart(BUYER)
    assert [(i.listing_id, i.seller_id, i.line_total.amount, i.status) for i in cart.items] == [
        ("l1", SELLER.user_id, 10000, "active"),
        ("l2", SELLER.user_id, 1250, "active"),
    ]
    assert [(s.amount, s.currency) for s in cart.subtotals] == [(11250, "USD")]
    assert cart.unavailable_count == 0
    assert world.service.cart(OTHER_BUYER).items == []


def test_given_a_price_change_in_the_catalog_then_the_line_shows_it_with_the_previous_price(
    world: World,
) -> None:
    world.put("l1", 2)
    world.change("l1", price=Money(4500, "USD"))
    (item,) = world.service.cart(BUYER).items
    assert item.price_changed and item.previous_price is not None
    assert (item.unit_price.amount, item.previous_price.amount, item.line_total.amount) == (4500, 5000, 9000)
    # setting the quantity again accepts the new price
    world.put("l1", 2)
    (item,) = world.service.cart(BUYER).items
    assert not item.price_changed and item.previous_price is None


def test_given_an_active_deal_then_the_line_is_priced_at_the_effective_price(world: World) -> None:
    deal = Deal("d", Decimal("10"), 0, Window(NOW - timedelta(days=1), NOW + timedelta(days=1)))
    world.change("l1", deal=deal)
    world.put("l1", 1)
    line = world.store.get(BUYER.user_id, "l1")
    assert line is not None and line.unit_price == Money(4500, "USD")
    world.clock.advance(timedelta(days=2))  # the deal is over
    (item,) = world.service.cart(BUYER).items
    assert (item.unit_price.amount, item.previous_price and item.previous_price.amount) == (5000, 4500)


def test_given_lines_that_are_not_available_then_they_are_flagged_and_left_out_of_the_subtotal(
    world: World,
) -> None:
    world.publish(listing("l3"), listing("l4"), listing("l5", price=Money(700, "EUR")))
    for listing_id in ("l1", "l2", "l3", "l4", "l5"):
        world.put(listing_id, 1)
    world.put("l1", 3)
    world.change("l1", quantity=2)  # fewer left than the line wants
    world.change("l2", status=ListingStatus.SOLD_OUT, quantity=0)
    world.change("l3", status=ListingStatus.ENDED)
    del world.listings.items["l4"]
    cart = world.service.cart(BUYER)
    problems = {i.listing_id: (i.available, i.status, i.problem, i.quantity_available) for i in cart.items}
    assert problems == {
        "l1": (False, "active", "quantity_not_available", 2),
        "l2": (False, "sold_out", "sold_out", 0),
        "l3": (False, "ended", "listing_ended", 0),
        "l4": (False, "ended", "listing_not_found", 0),
        "l5": (True, "active", None, 3),
    }
    assert [(s.amount, s.currency) for s in cart.subtotals] == [(700, "EUR")]
    assert cart.unavailable_count == 4


def test_given_two_currencies_then_there_is_one_subtotal_per_currency(world: World) -> None:
    world.publish(listing("e1", price=Money(999, "EUR")), listing("j1", price=Money(1200, "JPY")))
    for listing_id in ("l1", "e1", "j1"):
        world.put(listing_id, 2)
    subtotals = world.service.cart(BUYER).subtotals
    assert [(s.currency, s.amount) for s in subtotals] == [("EUR", 1998), ("JPY", 2400), ("USD", 10000)]
    assert all(type(s.amount) is int for s in subtotals)


# -- following the catalog's events


def test_given_a_price_change_event_then_every_cart_with_the_listing_is_marked_once(world: World) -> None:
    world.put("l1", 1)
    world.put("l1", 1, who=OTHER_BUYER)
    world.put("l2", 1)
    changed = world.change("l1", price=Money(4000, "USD"))
    event = price_changed(changed, 5000, 4000)
    assert world.follower.on_price_changed(event) == 2
    assert world.follower.on_price_changed(event) == 0  # a replay changes nothing
    line = world.store.get(BUYER.user_id, "l1")
    assert line is not None
    assert (line.price_changed_to, line.listing_version, line.marked_by_event) == (
        Money(4000, "USD"),
        2,
        event.event_id,
    )
    untouched = world.store.get(BUYER.user_id, "l2")
    assert untouched is not None and untouched.marked_by_event is None


def test_given_a_mark_newer_than_the_catalog_read_then_the_cart_shows_the_mark(world: World) -> None:
    world.put("l1", 1)
    world.put("l2", 1)
    stale = dict(world.listings.items)
    changed = world.change("l1", price=Money(4000, "USD"))
    world.follower.on_price_changed(price_changed(changed, 5000, 4000))
    gone = world.change("l2", status=ListingStatus.ENDED)
    world.follower.on_listing_ended(ended(gone))
    world.listings.items = stale  # the catalog read lags the events
    items = {i.listing_id: i for i in world.service.cart(BUYER).items}
    assert items["l1"].price_changed and items["l1"].unit_price.amount == 4000
    assert (items["l2"].status, items["l2"].available, items["l2"].problem) == (
        "ended",
        False,
        "listing_ended",
    )
    assert [(s.amount, s.currency) for s in world.service.cart(BUYER).subtotals] == [(4000, "USD")]


def test_given_events_out_of_order_then_an_older_one_never_moves_the_line_backwards(world: World) -> None:
    world.put("l1", 1)
    first = world.change("l1", price=Money(4500, "USD"))
    second = world.change("l1", price=Money(4000, "USD"))
    world.change("l1", status=ListingStatus.ENDED)
    end = ended(world.listings.items["l1"])
    assert world.follower.on_price_changed(price_changed(second, 4500, 4000)) == 1
    assert world.follower.on_listing_ended(end) == 1
    assert world.follower.on_price_changed(price_changed(first, 5000, 4500)) == 0  # late and older
    line = world.store.get(BUYER.user_id, "l1")
    assert line is not None
    assert (line.price_changed_to, line.listing_ended, line.listing_version) == (Money(4000, "USD"), True, 4)


def test_given_a_line_added_after_the_change_then_the_event_does_not_mark_it(world: World) -> None:
    changed = world.change("l1", price=Money(4000, "USD"))
    world.put("l1", 1)  # already at version 2 and the new price
    assert world.follower.on_price_changed(price_changed(changed, 5000, 4000)) == 0
    (item,) = world.service.cart(BUYER).items
    assert not item.price_changed


def test_given_a_newer_mark_stored_when_the_line_is_written_from_an_older_read_then_it_is_refused(
    world: World,
) -> None:
    world.put("l1", 1)
    stale = dict(world.listings.items)
    changed = world.change("l1", price=Money(4000, "USD"))
    world.follower.on_price_changed(price_changed(changed, 5000, 4000))
    world.listings.items = stale
    with pytest.raises(CartLineChanged):
        world.put("l1", 2)
    line = world.store.get(BUYER.user_id, "l1")
    assert line is not None and line.quantity == 1 and line.listing_version == 2
