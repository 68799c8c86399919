"""The DynamoDB cart store honours the same contract as the in-memory fake, on the local cloud."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.dynamo.carts import DynamoCarts
from adapters.dynamo.connection import DynamoConnection
from tests.unit.cart.fakes import InMemoryCarts
from workflows.cart.model import CartLine, LineMark
from workflows.shared.money import Money

if TYPE_CHECKING:
    from local.runtime import LocalCloud

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "dynamodb"])
def carts(request: pytest.FixtureRequest) -> DynamoCarts | InMemoryCarts:
    if request.param == "fake":
        return InMemoryCarts()
    cloud: LocalCloud = request.getfixturevalue("cloud")
    aws, provisioned = cloud.started()
    connection = DynamoConnection(region=aws.region, endpoint_url=aws.endpoint_url)
    return DynamoCarts(connection, provisioned.physical_name("carts"))


def line(user_id: str, listing_id: str, *, version: int = 1, quantity: int = 1) -> CartLine:
    return CartLine(
        user_id=user_id,
        listing_id=listing_id,
        seller_id="seller-1",
        quantity=quantity,
        unit_price=Money(5000, "USD"),
        added_at=NOW,
        updated_at=NOW + timedelta(seconds=1),
        listing_version=version,
    )


def test_given_lines_then_they_read_back_exactly_per_user_and_by_listing(carts, unique: str) -> None:
    a, b = f"ua-{unique}", f"ub-{unique}"
    listing, other = f"l-{unique}", f"m-{unique}"
    assert carts.put(line(a, listing, quantity=2))
    assert carts.put(line(a, other))
    assert carts.put(line(b, listing))
    assert carts.get(a, listing) == line(a, listing, quantity=2)
    assert [x.listing_id for x in carts.lines(a)] == [listing, other]
    assert sorted(carts.holders(listing)) == [a, b]
    carts.remove(a, listing)
    carts.remove(a, listing)  # twice is fine
    assert carts.get(a, listing) is None
    assert carts.holders(listing) == [b]
    assert carts.lines(f"nobody-{unique}") == []


def test_given_a_mark_then_it_applies_once_and_only_when_newer(carts, unique: str) -> None:
    user, listing = f"u-{unique}", f"l-{unique}"
    carts.put(line(user, listing, version=2))
    price = LineMark(3, "evt-price", price_changed_to=Money(4000, "USD"))
    assert not carts.mark(user, listing, LineMark(2, "evt-old", ended=True))  # not newer
    assert carts.mark(user, listing, price)
    assert not carts.mark(user, listing, price)  # a replay
    assert carts.mark(user, listing, LineMark(4, "evt-end", ended=True))
    assert not carts.mark(user, listing, LineMark(3, "evt-late", price_changed_to=Money(1, "USD")))
    assert not carts.mark(
        f"nobody-{unique}", listing, LineMark(9, "evt-x", ended=True)
    )  # no line: no item made
    assert carts.get(f"nobody-{unique}", listing) is None
    stored = carts.get(user, listing)
    assert stored == replace(
        line(user, listing, version=4),
        price_changed_to=Money(4000, "USD"),
        listing_ended=True,
        marked_by_event="evt-end",
    )


def test_given_a_newer_mark_then_a_write_from_an_older_read_is_refused(carts, unique: str) -> None:
    user, listing = f"u-{unique}", f"l-{unique}"
    carts.put(line(user, listing, version=1))
    carts.mark(user, listing, LineMark(3, "evt", price_changed_to=Money(4000, "USD")))
    assert not carts.put(line(user, listing, version=2, quantity=5))
    assert carts.put(line(user, listing, version=3, quantity=5))  # the same version is fine
    stored = carts.get(user, listing)
    assert stored is not None and stored.quantity == 5 and stored.price_changed_to is None


def test_given_a_line_set_again_after_a_checkout_began_then_the_sale_does_not_remove_it(
    carts, unique: str
) -> None:
    """Complete Sale removes what was bought, not what the buyer put in the cart afterwards."""
    bought = line(f"u-{unique}", f"l-{unique}")
    carts.put(bought)
    began = bought.updated_at + timedelta(seconds=1)
    # Given the line was put again after the checkout began
    carts.put(replace(bought, quantity=2, updated_at=began + timedelta(seconds=1)))
    # Then the sale leaves it, and removes it once it is as old as the checkout
    assert carts.remove_unless_changed_since(bought.user_id, bought.listing_id, began) is False
    assert carts.get(bought.user_id, bought.listing_id) is not None
    later = began + timedelta(seconds=2)
    assert carts.remove_unless_changed_since(bought.user_id, bought.listing_id, later) is True
    assert carts.get(bought.user_id, bought.listing_id) is None
