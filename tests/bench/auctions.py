"""Auctions benchmark: bids on one listing from 50 concurrent bidders, and the close.

- **Bids**: 50 bidders, each on its own thread, send 4 bids each (200 ``POST /bids``) at one
  auction listing as fast as they can, every one through the local API gateway. Each bid is
  decided on the auction's version and written conditionally (retried on a conflict), so the
  figure is the rate of decided bids on ONE auction item: accepted ones (201) and ones the price
  had passed by the time they were decided (400 BID_TOO_LOW) both count, as both are decisions.
  Reported: bids per second over the whole burst, p50/p95/max latency of ``POST /bids``, how many
  were accepted, and that the final price is the plain rule's over the accepted maximums.
- **Close**: five auctions, each with a winner who has a default address; the virtual clock is
  moved to ``ends_at`` and the real time measured until the winner's checkout exists in ``GET
  /me/checkouts`` (the end's wait times out, Close Auction runs, Start Winner Checkout starts the
  agreed-price checkout). Reported: p50 and max.

``run(cloud) -> list[str]`` returns the report lines.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

from tests.api.auctions_support import auction_body
from tests.e2e.checkout_support import ADDRESS, make_category
from tests.fixtures.users import create_user
from workflows.auctions.increments import increment

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

BIDDERS = 50
ROUNDS = 4
CLOSES = 5


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def _list(cloud: LocalCloud, seller: TestUser, category: dict[str, Any], days: int) -> dict[str, Any]:
    response = requests.post(
        f"{cloud.api_url}/listings",
        json=auction_body(category, start=100, days=days),
        headers=seller.headers,
        timeout=15,
    )
    assert response.status_code == 201, response.text
    cloud.settle()
    return dict(response.json())


def _bid(session: requests.Session, cloud: LocalCloud, user: TestUser, listing_id: str, amount: int) -> int:
    response = session.post(
        f"{cloud.api_url}/listings/{listing_id}/bids",
        json={"max_amount": {"amount": amount, "currency": "USD"}},
        headers=user.headers,
        timeout=30,
    )
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "BID_TOO_LOW", response.text
    return response.status_code


def _bids(cloud: LocalCloud, seller: TestUser, category: dict[str, Any]) -> list[str]:
    listing = _list(cloud, seller, category, days=10)
    bidders = [create_user(cloud, profile=True) for _ in range(BIDDERS)]
    latencies: list[float] = []
    accepted: dict[str, int] = {}
    lock, go = threading.Lock(), threading.Barrier(BIDDERS)

    def bidder(n: int, user: TestUser) -> None:
        session = requests.Session()
        go.wait()
        for round_ in range(ROUNDS):
            amount = 1_000 + 2_000 * round_ + 37 * n
            started = time.perf_counter()
            status = _bid(session, cloud, user, listing["id"], amount)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status == 201:
                    accepted[user.user_id] = max(accepted.get(user.user_id, 0), amount)

    threads = [threading.Thread(target=bidder, args=(n, u)) for n, u in enumerate(bidders)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall
    history = requests.get(f"{cloud.api_url}/listings/{listing['id']}/bids?limit=1", timeout=15).json()
    landed = sorted(accepted.values())
    second = landed[-2]
    expected = min(landed[-1], second + increment(second, "USD"))
    price = history["auction"]["current_price"]["amount"]
    assert price == expected, (price, expected)
    total = BIDDERS * ROUNDS
    return [
        f"bids on one auction, {BIDDERS} concurrent bidders x {ROUNDS}: {total / wall:.1f} bids/s "
        f"({total} decided in {wall:.2f} s; {history['auction']['bid_count']} accepted)",
        f"POST /listings/{{id}}/bids latency: p50 {_percentile(latencies, 50):.1f} ms, "
        f"p95 {_percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms",
        f"final price {price} = the plain rule's over the accepted maximums ({expected})",
    ]


def _alone(cloud: LocalCloud, seller: TestUser, category: dict[str, Any]) -> list[str]:
    """One bidder after another (no contention): what one decided bid costs here."""
    listing = _list(cloud, seller, category, days=10)
    users = [create_user(cloud, profile=True) for _ in range(2)]
    session = requests.Session()
    latencies = []
    for n in range(100):
        started = time.perf_counter()
        assert _bid(session, cloud, users[n % 2], listing["id"], int(1_000 * 1.08**n)) == 201
        latencies.append((time.perf_counter() - started) * 1000)
    return [
        f"POST /bids one at a time (100, no contention): p50 {_percentile(latencies, 50):.1f} ms, "
        f"p95 {_percentile(latencies, 95):.1f} ms"
    ]


def _closes(cloud: LocalCloud, seller: TestUser, category: dict[str, Any]) -> list[str]:
    control = cloud.clock_control
    assert control is not None
    took: list[float] = []
    for _ in range(CLOSES):
        winner = create_user(cloud, profile=True)
        address = requests.post(
            f"{cloud.api_url}/me/addresses", json=ADDRESS, headers=winner.headers, timeout=15
        )
        assert address.status_code == 201, address.text
        listing = _list(cloud, seller, category, days=1)
        session = requests.Session()
        assert _bid(session, cloud, winner, listing["id"], 5_000) == 201
        ends_at = datetime.fromisoformat(listing["auction"]["ends_at"].replace("Z", "+00:00")).timestamp()
        started = time.perf_counter()
        control.advance(max(1, math.ceil(ends_at - cloud.clock.now())))
        moved = time.perf_counter()
        headers = winner.headers  # the id token is renewed on the moved clock: not timed
        started += time.perf_counter() - moved
        while True:
            mine = session.get(f"{cloud.api_url}/me/checkouts", headers=headers, timeout=15).json()["items"]
            if any(i.get("agreement") == {"kind": "auction", "id": listing["id"]} for i in mine):
                break
            if time.perf_counter() - started > 30:
                raise TimeoutError("the winner's checkout never appeared")
            time.sleep(0.002)
        took.append((time.perf_counter() - started) * 1000)
    return [
        f"ends_at -> the winner's checkout ({CLOSES} auctions): p50 {_percentile(took, 50):.0f} ms, "
        f"max {max(took):.0f} ms (real time; the clock is moved to ends_at)"
    ]


def run(cloud: LocalCloud) -> list[str]:
    admin = create_user(cloud, groups=("buyer", "admin"), profile=True)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    category = make_category(cloud, admin)
    return [
        *_bids(cloud, seller, category),
        *_alone(cloud, seller, category),
        *_closes(cloud, seller, category),
    ]
