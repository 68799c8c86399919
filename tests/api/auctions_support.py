"""What the auction API tests share: an auction listing, bids, moving the clock to the end."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

from tests.e2e.checkout_support import T

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

SHIPPING = [{"service": "Ground", "price": {"amount": 500, "currency": "USD"}, "estimated_days": 5}]


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def auction_body(
    category: dict[str, Any],
    *,
    start: int = 1_000,
    reserve: int | None = None,
    buy_it_now: int | None = None,
    days: int = 7,
    title: str = "Vintage camera for auction",
) -> dict[str, Any]:
    terms: dict[str, Any] = {"starting_price": usd(start), "duration_days": days}
    if reserve is not None:
        terms["reserve_price"] = usd(reserve)
    if buy_it_now is not None:
        terms["buy_it_now_price"] = usd(buy_it_now)
    return {
        "title": title,
        "description": "A camera, sold by auction",
        "category_id": category["id"],
        "condition": "used_good",
        "shipping_options": SHIPPING,
        "format": "auction",
        "auction": terms,
    }


def list_auction(
    cloud: LocalCloud, seller: TestUser, category: dict[str, Any], **terms: Any
) -> dict[str, Any]:
    """A new auction listing, its auction's execution started and waiting for the end."""
    response = requests.post(
        f"{cloud.api_url}/listings", json=auction_body(category, **terms), headers=seller.headers, timeout=T
    )
    assert response.status_code == 201, response.text
    cloud.settle()  # ListingCreated reaches the auctions: the execution starts and waits
    return dict(response.json())


def bid(
    cloud: LocalCloud, bidder: TestUser, listing_id: str, amount: int, *, key: str | None = None
) -> requests.Response:
    headers = dict(bidder.headers)
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(
        f"{cloud.api_url}/listings/{listing_id}/bids",
        json={"max_amount": usd(amount)},
        headers=headers,
        timeout=T,
    )


def bids(cloud: LocalCloud, listing_id: str) -> dict[str, Any]:
    response = requests.get(f"{cloud.api_url}/listings/{listing_id}/bids", timeout=T)
    assert response.status_code == 200, response.text
    return dict(response.json())


def listing(cloud: LocalCloud, listing_id: str) -> dict[str, Any]:
    response = requests.get(f"{cloud.api_url}/listings/{listing_id}", timeout=T)
    assert response.status_code == 200, response.text
    return dict(response.json())


def seconds_to(cloud: LocalCloud, moment: str) -> float:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() - cloud.clock.now()


def advance(cloud: LocalCloud, seconds: float) -> None:
    """Move the virtual clock, and wait until what fell due ran (waits woke, executions moved on)."""
    control = cloud.clock_control
    assert control is not None
    control.advance(max(1, int(seconds)))
    cloud.settle()


def to_the_end(cloud: LocalCloud, auction_listing: dict[str, Any], extra_s: float = 5) -> None:
    advance(cloud, seconds_to(cloud, auction_listing["auction"]["ends_at"]) + extra_s)


def ended(cloud: LocalCloud, listing_id: str) -> dict[str, Any]:
    """The auction once its machine closed it."""
    seen: dict[str, Any] = {}

    def closed() -> bool:
        seen.update(bids(cloud, listing_id)["auction"])
        return seen["outcome"] is not None

    cloud.wait_until(closed, what=f"auction {listing_id} to close", timeout_s=20)
    return seen


def auction_checkout(cloud: LocalCloud, buyer: TestUser, source_id: str) -> dict[str, Any]:
    """The buyer's checkout of the auction ``source_id`` (the listing, or its second chance), once
    the auction started it (``GET /me/checkouts``, newest first)."""
    seen: dict[str, Any] = {}

    def started() -> bool:
        response = requests.get(f"{cloud.api_url}/me/checkouts", headers=buyer.headers, timeout=T)
        assert response.status_code == 200, response.text
        for item in response.json()["items"]:
            if item.get("agreement") == {"kind": "auction", "id": source_id}:
                seen.update(item)
                return True
        return False

    cloud.wait_until(started, what=f"the checkout of auction {source_id}", timeout_s=20)
    return seen
