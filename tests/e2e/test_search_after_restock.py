"""The search read model follows a listing's stock through a sale and a cancellation: the last
unit sold hides it (``ListingEnded``), the order cancelled before shipment puts the unit back and
shows it again (``ListingUpdated`` from the restock)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.e2e.checkout_support import (
    T,
    add_address,
    confirm_payment,
    make_category,
    make_listing,
    post_checkout,
    put_in_cart,
    wait_for_status,
)
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


def _found(cloud: LocalCloud, word: str) -> list[str]:
    cloud.settle()  # the projection's consumer, fed by the catalog's events
    response = requests.get(f"{cloud.api_url}/listings", params={"q": word}, timeout=T)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_given_the_last_unit_sold_then_cancelled_then_search_hides_then_shows_the_listing(
    cloud: LocalCloud, make_user: Any, admin: TestUser
) -> None:
    word = f"restock{uuid.uuid4().hex[:8]}"
    seller, buyer = make_user(groups=("buyer", "seller")), make_user()
    listing = make_listing(cloud, seller, make_category(cloud, admin), quantity=1, title=f"Lamp {word}")
    assert _found(cloud, word) == [listing["id"]]

    put_in_cart(cloud, buyer, listing["id"])
    started = post_checkout(cloud, buyer, {"address_id": add_address(cloud, buyer)}, key=f"restock-{word}")
    assert started.status_code == 202, started.text
    awaiting = wait_for_status(cloud, buyer, started.json()["checkout_id"], "awaiting_payment")
    confirm_payment(cloud, awaiting)
    (order_id,) = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid")["order_ids"]
    cloud.wait_until(lambda: not _found(cloud, word), what="the sold-out listing to leave the search")

    cancelled = requests.post(
        f"{cloud.api_url}/orders/{order_id}/cancel",
        json={"reason": "broken"},
        headers=seller.headers,
        timeout=T,
    )
    assert cancelled.status_code == 200, cancelled.text
    cloud.wait_until(
        lambda: _found(cloud, word) == [listing["id"]], what="the restocked listing in the search"
    )
