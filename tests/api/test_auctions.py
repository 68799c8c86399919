"""Auctions through the HTTP API on the local cloud and its virtual clock: the listing format,
proxy bidding and every refusal, 50 bidders at once, the last moment and after the end, the
reserve, Buy It Now, the winner's checkout paid (order, payout), and a winner who does not pay
(a second-chance offer to the next bidder at their maximum)."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import pytest
import requests
from websockets.sync.client import connect

from tests.api.auctions_support import (
    advance,
    auction_body,
    auction_checkout,
    bid,
    bids,
    ended,
    list_auction,
    listing,
    seconds_to,
    to_the_end,
    usd,
)
from tests.e2e.checkout_support import T, add_address, confirm_payment, make_category, wait_for_status
from tests.fixtures.users import create_user
from tests.workflows.fees_support import seed_launch_schedule
from workflows.auctions.increments import increment

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

DAY = 86_400


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    return make_category(cloud, admin)


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


@pytest.fixture
def people(cloud: LocalCloud):
    def make(groups: tuple[str, ...] = ("buyer",), name: str = "Test User") -> TestUser:
        return create_user(cloud, groups=groups, name=name, profile=True)

    return make


def _post(cloud: LocalCloud, path: str, user: TestUser | None, body: Any = None) -> requests.Response:
    return requests.post(f"{cloud.api_url}{path}", json=body, headers=user.headers if user else {}, timeout=T)


def test_given_an_auction_listing_then_it_shows_its_bidding_but_never_its_reserve(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller = people(("buyer", "seller"))
    created = list_auction(cloud, seller, category, start=1_000, reserve=5_317, buy_it_now=9_000, days=3)
    assert created["format"] == "auction" and created["quantity"] == 1
    assert created["price"] == usd(1_000)
    shown = listing(cloud, created["id"])
    auction = shown["auction"]
    assert auction["current_price"] == usd(1_000) and auction["minimum_bid"] == usd(1_000)
    assert auction["bid_count"] == 0 and auction["status"] == "open" and auction["duration_days"] == 3
    assert auction["reserve_met"] is False and auction["buy_it_now_price"] == usd(9_000)
    assert 3 * DAY - 120 <= auction["time_left_s"] <= 3 * DAY
    assert '"amount":5317' not in requests.get(f"{cloud.api_url}/listings/{created['id']}", timeout=T).text


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"buy_it_now": 1_299}, "30%"),
        ({"reserve": 1_000}, "reserve_price"),
        ({"days": 2}, "duration_days"),
    ],
    ids=["buy it now under 30% above the start", "reserve not above the start", "no such duration"],
)
def test_given_bad_auction_terms_then_400(
    cloud: LocalCloud, people, category: dict[str, Any], change: dict[str, Any], problem: str
) -> None:
    seller = people(("buyer", "seller"))
    response = _post(cloud, "/listings", seller, auction_body(category, **change))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_REQUEST"
    assert problem in response.text


def test_given_an_auction_then_it_is_not_a_cart_item_nor_changed_nor_deleted_as_a_fixed_price(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, buyer = people(("buyer", "seller")), people()
    created = list_auction(cloud, seller, category)
    cart = requests.put(
        f"{cloud.api_url}/cart/items/{created['id']}", json={"quantity": 1}, headers=buyer.headers, timeout=T
    )
    assert cart.status_code == 409 and cart.json()["error"]["code"] == "LISTING_IS_AUCTION", cart.text
    patch = requests.patch(
        f"{cloud.api_url}/listings/{created['id']}", json={"price": usd(5)}, headers=seller.headers, timeout=T
    )
    assert patch.status_code == 409 and patch.json()["error"]["code"] == "LISTING_IS_AUCTION"
    gone = requests.delete(f"{cloud.api_url}/listings/{created['id']}", headers=seller.headers, timeout=T)
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "LISTING_IS_AUCTION"


def test_given_bids_then_proxy_bidding_sets_the_price_and_every_forbidden_bid_is_a_clear_4xx(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller = people(("buyer", "seller"))
    ann, bob = people(), people()
    for user, name in ((ann, "Annabel Lee"), (bob, "Bob Z")):
        named = requests.patch(f"{cloud.api_url}/me", json={"name": name}, headers=user.headers, timeout=T)
        assert named.status_code == 200, named.text
    created = list_auction(cloud, seller, category, start=1_000, buy_it_now=2_000)
    listing_id = created["id"]
    # the seller may not bid; nobody without a token; no bid under the starting price
    mine = bid(cloud, seller, listing_id, 5_000)
    assert mine.status_code == 403 and mine.json()["error"]["code"] == "AUCTION_SELLER_CANNOT_BID"
    assert (
        requests.post(
            f"{cloud.api_url}/listings/{listing_id}/bids", json={"max_amount": usd(5_000)}, timeout=T
        ).status_code
        == 401
    )
    low = bid(cloud, ann, listing_id, 999)
    assert low.status_code == 400 and low.json()["error"]["code"] == "BID_TOO_LOW"
    assert low.json()["error"]["details"]["minimum"] == usd(1_000)
    euro = _post(
        cloud, f"/listings/{listing_id}/bids", ann, {"max_amount": {"amount": 5_000, "currency": "EUR"}}
    )
    assert euro.status_code == 400 and euro.json()["error"]["code"] == "BID_CURRENCY_MISMATCH"
    floaty = _post(
        cloud, f"/listings/{listing_id}/bids", ann, {"max_amount": {"amount": 50.5, "currency": "USD"}}
    )
    assert floaty.status_code == 400
    assert bid(cloud, ann, "no-such-listing", 5_000).status_code == 404
    # Ann's maximum is secret: she leads at the starting price; Buy It Now is gone with her bid
    first = bid(cloud, ann, listing_id, 5_000, key="ann-1")
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "leading" and first.json()["auction"]["current_price"] == usd(1_000)
    assert first.json()["auction"]["buy_it_now_price"] is None
    again = bid(cloud, ann, listing_id, 5_000, key="ann-1")
    assert again.status_code == 201 and again.json() == first.json()
    other_body = bid(cloud, ann, listing_id, 6_000, key="ann-1")
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    # Bob bids 30.00: outbid at once by Ann's proxy, the price is 30.00 + one increment (1.00)
    second = bid(cloud, bob, listing_id, 3_000)
    assert second.status_code == 201 and second.json()["status"] == "outbid"
    assert second.json()["auction"]["current_price"] == usd(3_100)
    too_low = bid(cloud, bob, listing_id, 3_100 + increment(3_100, "USD") - 1)
    assert too_low.json()["error"]["details"]["minimum"] == usd(3_100 + increment(3_100, "USD"))
    bin_gone = _post(cloud, f"/listings/{listing_id}/buy-it-now", bob)
    assert (
        bin_gone.status_code == 409 and bin_gone.json()["error"]["code"] == "AUCTION_BUY_IT_NOW_UNAVAILABLE"
    )
    # the history: masked names with counts, the leader's maximum never shown
    history = bids(cloud, listing_id)
    assert [(i["bidder"], i["status"], i["amount"]) for i in history["items"]] == [
        ("b***z (0)", "outbid", usd(3_000)),
        ("a***e (0)", "leading", usd(1_000)),
    ]
    assert '"amount":5000' not in requests.get(f"{cloud.api_url}/listings/{listing_id}/bids", timeout=T).text
    shown = listing(cloud, listing_id)["auction"]
    assert (shown["current_price"], shown["bid_count"], shown["reserve_met"]) == (usd(3_100), 2, None)
    # Bob was outbid by Ann's proxy, not told by email (he saw it in his answer); nobody outbid Ann
    # the seller cannot end it early without a reason; a buyer cannot end it at all
    assert _post(cloud, f"/listings/{listing_id}/end", bob, {}).status_code == 403
    no_reason = _post(cloud, f"/listings/{listing_id}/end", seller, {})
    assert no_reason.status_code == 409 and no_reason.json()["error"]["code"] == "AUCTION_HAS_BIDS"
    # Bob retracts (more than 12 hours left): the price is Ann's alone again
    retracted = _post(
        cloud, f"/listings/{listing_id}/bids/retract", bob, {"reason": "entered the wrong amount"}
    )
    assert retracted.status_code == 200, retracted.text
    assert retracted.json()["current_price"] == usd(1_000) and retracted.json()["bid_count"] == 1
    nothing = _post(cloud, f"/listings/{listing_id}/bids/retract", bob, {"reason": "again"})
    assert nothing.status_code == 404 and nothing.json()["error"]["code"] == "BID_NOT_FOUND"


def test_given_fifty_bidders_at_once_then_one_order_and_one_price(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller = people(("buyer", "seller"))
    bidders = [people() for _ in range(50)]
    created = list_auction(cloud, seller, category, start=100)
    maxima = [10_000 + 137 * n for n in range(50)]
    answers: list[requests.Response] = []
    lock, go = threading.Lock(), threading.Barrier(50)

    def place(user: TestUser, amount: int) -> None:
        go.wait()
        response = bid(cloud, user, created["id"], amount)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=place, args=(u, m)) for u, m in zip(bidders, maxima, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in answers)
    # each bid was decided on the auction the one before left: most land, and any that was
    # refused was refused only because the price had passed it
    refused = [r.json()["error"]["code"] for r in answers if r.status_code != 201]
    assert set(refused) <= {"BID_TOO_LOW"}, codes
    history = bids(cloud, created["id"])
    accepted = [r.json() for r in answers if r.status_code == 201]
    assert len(history["items"]) == len(accepted) == history["auction"]["bid_count"]
    # one price, the plain rule's over the bids that landed (each bidder bid once): the second
    # highest maximum plus its increment, capped at the highest
    landed = sorted(a["max_amount"]["amount"] for a in accepted)
    top, second = landed[-1], landed[-2]
    price = min(top, second + increment(second, "USD"))
    assert history["auction"]["current_price"] == usd(price)
    # a refused bid was under the minimum when it was decided, so under the final minimum too
    minimums = [r.json()["error"]["details"]["minimum"]["amount"] for r in answers if r.status_code != 201]
    assert all(minimum <= price + increment(price, "USD") for minimum in minimums)
    # exactly one leader, at the current price; every other bid shows as outbid
    statuses = [i["status"] for i in history["items"]]
    assert statuses.count("leading") == 1 and statuses.count("outbid") == len(statuses) - 1
    leading = history["items"][statuses.index("leading")]
    assert leading["amount"]["amount"] <= price


def test_given_a_bid_at_the_last_moment_and_one_after_the_end_then_the_first_wins_and_the_second_is_refused(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, early, sniper, late = people(("buyer", "seller")), people(), people(), people()
    created = list_auction(cloud, seller, category, start=1_000, days=1)
    assert bid(cloud, early, created["id"], 2_000).status_code == 201
    advance(cloud, seconds_to(cloud, created["auction"]["ends_at"]) - 2)
    last = bid(cloud, sniper, created["id"], 2_500)
    assert last.status_code == 201 and last.json()["status"] == "leading", last.text
    advance(cloud, 5)
    after = bid(cloud, late, created["id"], 9_000)
    assert after.status_code == 409 and after.json()["error"]["code"] == "AUCTION_ENDED", after.text
    closed = ended(cloud, created["id"])
    assert closed["outcome"] == "sold" and closed["current_price"] == usd(2_000 + increment(2_000, "USD"))
    assert closed["status"] == "ended"
    assert bids(cloud, created["id"])["auction"]["bid_count"] == 2


def test_given_the_reserve_is_not_met_then_nothing_is_sold_and_the_listing_ends(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, ann = people(("buyer", "seller")), people()
    created = list_auction(cloud, seller, category, start=1_000, reserve=8_000)
    placed = bid(cloud, ann, created["id"], 5_000)
    assert placed.json()["auction"]["reserve_met"] is False
    to_the_end(cloud, created)
    closed = ended(cloud, created["id"])
    assert closed["outcome"] == "reserve_not_met" and closed["checkout_id"] is None
    shown = listing(cloud, created["id"])
    assert shown["status"] == "ended" and shown["auction"]["status"] == "ended"
    cloud.wait_until(
        lambda: any("without a sale" in (m.subject or "") for m in cloud.outbox.list(to=seller.email)),
        what="the seller told the auction did not sell",
    )


def _paid_checkout(cloud: LocalCloud, buyer: TestUser, checkout_id: str) -> dict[str, Any]:
    awaiting = wait_for_status(cloud, buyer, checkout_id, "awaiting_payment", "cancelled", "failed")
    assert awaiting["status"] == "awaiting_payment", awaiting
    confirm_payment(cloud, awaiting)
    return wait_for_status(cloud, buyer, checkout_id, "paid", "payment_failed", "cancelled", "failed")


def test_given_buy_it_now_then_the_auction_ends_and_the_buyer_pays_the_buy_it_now_price(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, buyer, stranger = people(("buyer", "seller")), people(), people()
    created = list_auction(cloud, seller, category, start=1_000, reserve=3_000, buy_it_now=4_000)
    assert bid(cloud, stranger, created["id"], 2_000).status_code == 201  # under the reserve: BIN stays
    add_address(cloud, buyer)
    bought = _post(cloud, f"/listings/{created['id']}/buy-it-now", buyer)
    assert bought.status_code == 200, bought.text
    assert bought.json()["outcome"] == "bought_now"
    assert _post(cloud, f"/listings/{created['id']}/buy-it-now", buyer).json()["outcome"] == "bought_now"
    assert bid(cloud, stranger, created["id"], 9_000).json()["error"]["code"] == "AUCTION_ENDED"
    cloud.settle()
    checkout = auction_checkout(cloud, buyer, created["id"])
    paid = _paid_checkout(cloud, buyer, checkout["checkout_id"])
    assert paid["status"] == "paid", paid
    assert paid["total"] == usd(4_000 + 500)


def test_given_a_winner_who_pays_then_an_order_and_its_payout_follow(
    cloud: LocalCloud, people, category: dict[str, Any], pg_conn: Any
) -> None:
    seller, winner, loser = people(("buyer", "seller")), people(), people()
    created = list_auction(cloud, seller, category, start=1_000)
    add_address(cloud, winner)
    assert bid(cloud, loser, created["id"], 3_000).status_code == 201
    assert bid(cloud, winner, created["id"], 6_000).status_code == 201
    to_the_end(cloud, created)
    closed = ended(cloud, created["id"])
    assert closed["outcome"] == "sold" and closed["current_price"] == usd(3_100)
    checkout = auction_checkout(cloud, winner, created["id"])
    paid = _paid_checkout(cloud, winner, checkout["checkout_id"])
    assert paid["status"] == "paid" and paid["total"] == usd(3_100 + 500), paid
    (order_id,) = paid["order_ids"]
    fee = pg_conn.execute(
        "SELECT items_total, fee_total FROM orders WHERE order_id = %s", (order_id,)
    ).fetchone()
    assert fee["items_total"] == 3_100 and fee["fee_total"] > 0  # the fee is on the final price
    cloud.wait_until(
        lambda: (
            pg_conn.execute("SELECT 1 FROM payouts WHERE order_id = %s", (order_id,)).fetchone() is not None
        ),
        what="the order's payout",
    )
    emails = {m.subject for m in cloud.outbox.list(to=loser.email)}
    assert any("has ended" in (s or "") for s in emails), emails


def test_given_a_winner_who_does_not_pay_then_the_seller_offers_a_second_chance_at_the_next_maximum(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, winner, runner = people(("buyer", "seller")), people(), people()
    created = list_auction(cloud, seller, category, start=1_000)
    add_address(cloud, winner)
    add_address(cloud, runner)
    assert bid(cloud, runner, created["id"], 4_500).status_code == 201
    assert bid(cloud, winner, created["id"], 7_000).status_code == 201
    early = _post(cloud, f"/listings/{created['id']}/second-chance", seller)
    assert early.status_code == 409 and early.json()["error"]["code"] == "AUCTION_STILL_OPEN"
    to_the_end(cloud, created)
    ended(cloud, created["id"])
    auction_checkout(cloud, winner, created["id"])
    not_yet = _post(cloud, f"/listings/{created['id']}/second-chance", seller)
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "AUCTION_CHOICE_UNAVAILABLE"
    advance(cloud, 4 * DAY + 900)  # the winner never pays: past the deadline
    cloud.wait_until(
        lambda: any("did not pay" in (m.subject or "") for m in cloud.outbox.list(to=seller.email)),
        what="the seller told the winner did not pay",
    )
    assert _post(cloud, f"/listings/{created['id']}/second-chance", runner).status_code == 403
    offered = _post(cloud, f"/listings/{created['id']}/second-chance", seller)
    assert offered.status_code == 200, offered.text
    cloud.settle()
    second = auction_checkout(cloud, runner, f"{created['id']}-second-chance")
    paid = _paid_checkout(cloud, runner, second["checkout_id"])
    assert paid["status"] == "paid" and paid["total"] == usd(4_500 + 500), paid


def test_given_a_leader_outbid_by_a_higher_maximum_then_they_are_told_live_and_by_email(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, ann, bob = people(("buyer", "seller")), people(), people()
    created = list_auction(cloud, seller, category, start=1_000)
    assert bid(cloud, ann, created["id"], 5_000).json()["status"] == "leading"
    # Ann watches on a socket (the messaging WebSocket API)
    assert cloud.websocket_url is not None
    with connect(f"{cloud.websocket_url}?token={ann.id_token}", open_timeout=T) as socket:
        taken = bid(cloud, bob, created["id"], 8_000)
        price = usd(5_000 + increment(5_000, "USD"))
        assert taken.json()["status"] == "leading" and taken.json()["auction"]["current_price"] == price
        frame = json.loads(socket.recv(timeout=T))
    assert frame == {
        "type": "auction.outbid",
        "listing_id": created["id"],
        "title": created["title"],
        "current_price": price,
        "bid_count": 2,
        "ends_at": frame["ends_at"],
    }
    assert frame["ends_at"][:19] == created["auction"]["ends_at"][:19]
    cloud.wait_until(
        lambda: any("outbid" in (m.subject or "") for m in cloud.outbox.list(to=ann.email)),
        what="the outbid email to the former leader",
    )
    assert not any("outbid" in (m.subject or "") for m in cloud.outbox.list(to=bob.email))


def test_given_the_seller_ends_early_then_only_with_no_bids_or_cancelling_them_with_a_reason(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, other_seller, ann = people(("buyer", "seller")), people(("buyer", "seller")), people()
    quiet = list_auction(cloud, seller, category)
    stranger = _post(cloud, f"/listings/{quiet['id']}/end", other_seller, {})
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "AUCTION_SELLER_ONLY"
    done = _post(cloud, f"/listings/{quiet['id']}/end", seller, {})
    assert done.status_code == 200 and done.json()["outcome"] == "ended_early", done.text
    cloud.settle()
    assert ended(cloud, quiet["id"])["outcome"] == "ended_early"
    cloud.wait_until(lambda: listing(cloud, quiet["id"])["status"] == "ended", what="the listing ended")
    again = _post(cloud, f"/listings/{quiet['id']}/end", seller, {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "AUCTION_ENDED"
    busy = list_auction(cloud, seller, category)
    assert bid(cloud, ann, busy["id"], 3_000).status_code == 201
    cancelled = _post(cloud, f"/listings/{busy['id']}/end", seller, {"reason": "the item was damaged"})
    assert cancelled.status_code == 200 and cancelled.json()["outcome"] == "ended_early", cancelled.text
    assert bid(cloud, ann, busy["id"], 4_000).json()["error"]["code"] == "AUCTION_ENDED"


def test_given_an_auction_that_did_not_sell_then_its_seller_relists_it_once(
    cloud: LocalCloud, people, category: dict[str, Any]
) -> None:
    seller, other_seller, ann = people(("buyer", "seller")), people(("buyer", "seller")), people()
    created = list_auction(cloud, seller, category, start=1_000, reserve=9_000, buy_it_now=12_000, days=1)
    open_now = _post(cloud, f"/listings/{created['id']}/relist", seller)
    assert open_now.status_code == 409 and open_now.json()["error"]["code"] == "AUCTION_STILL_OPEN"
    assert bid(cloud, ann, created["id"], 2_000).status_code == 201
    to_the_end(cloud, created)
    assert ended(cloud, created["id"])["outcome"] == "reserve_not_met"
    assert _post(cloud, f"/listings/{created['id']}/relist", other_seller).status_code == 403
    relisted = _post(cloud, f"/listings/{created['id']}/relist", seller)
    assert relisted.status_code == 201, relisted.text
    new_id = relisted.json()["listing_id"]
    assert new_id != created["id"]
    again = _post(cloud, f"/listings/{created['id']}/relist", seller)
    assert again.status_code == 201 and again.json()["listing_id"] == new_id
    fresh = listing(cloud, new_id)
    assert fresh["format"] == "auction" and fresh["status"] == "active"
    assert fresh["auction"]["buy_it_now_price"] == usd(12_000) and fresh["auction"]["reserve_met"] is False
    assert fresh["auction"]["ends_at"] > created["auction"]["ends_at"]
    assert listing(cloud, created["id"])["status"] == "ended"
