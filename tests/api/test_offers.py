"""Best Offer through the HTTP API on the local cloud and its virtual clock: an offer declined and
one accepted at once by the seller's thresholds, one countered twice, accepted and bought at the
agreed price (the order and the fee on that price), an accepted offer not bought in time (the
hold released), and every forbidden action a clear 4xx."""

from __future__ import annotations

from datetime import datetime
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
    wait_for_status,
)
from tests.fixtures.users import create_user
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

HOURS_48 = 48 * 3600
#: the listing's price, and the seller's thresholds: accept at 22.00 or more, decline under 15.00
PRICE = 2500
THRESHOLDS = {
    "enabled": True,
    "auto_accept_at": {"amount": 2200, "currency": "USD"},
    "auto_decline_below": {"amount": 1500, "currency": "USD"},
}


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    return make_category(cloud, admin)


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


def _user(cloud: LocalCloud, *groups: str) -> TestUser:
    return create_user(cloud, groups=groups or ("buyer",), name="Offer Tester", profile=True)


def _listing(
    cloud: LocalCloud,
    seller: TestUser,
    category: dict[str, Any],
    *,
    best_offer: Any = THRESHOLDS,
    quantity: int = 1,
) -> dict[str, Any]:
    listing = make_listing(cloud, seller, category, price=PRICE, quantity=quantity, shipping=500)
    if best_offer is not None:
        response = requests.patch(
            f"{cloud.api_url}/listings/{listing['id']}",
            json={"best_offer": best_offer},
            headers=seller.headers,
            timeout=T,
        )
        assert response.status_code == 200, response.text
        listing = response.json()
    return listing


def _call(
    cloud: LocalCloud, method: str, path: str, user: TestUser | None, body: Any = None
) -> requests.Response:
    headers = user.headers if user else {}
    return requests.request(method, f"{cloud.api_url}{path}", json=body, headers=headers, timeout=T)


def _offer(
    cloud: LocalCloud,
    buyer: TestUser,
    listing_id: str,
    amount: int,
    *,
    quantity: int = 1,
    key: str | None = None,
) -> requests.Response:
    headers = dict(buyer.headers) | ({"Idempotency-Key": key} if key else {})
    return requests.post(
        f"{cloud.api_url}/listings/{listing_id}/offers",
        json={
            "amount": {"amount": amount, "currency": "USD"},
            "quantity": quantity,
            "message": "Would you take this?",
        },
        headers=headers,
        timeout=T,
    )


def _made(cloud: LocalCloud, buyer: TestUser, listing_id: str, amount: int) -> dict[str, Any]:
    response = _offer(cloud, buyer, listing_id, amount)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _get(cloud: LocalCloud, user: TestUser, offer_id: str) -> dict[str, Any]:
    response = _call(cloud, "GET", f"/offers/{offer_id}", user)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _until(cloud: LocalCloud, user: TestUser, offer_id: str, *statuses: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.update(_get(cloud, user, offer_id))
        return seen["status"] in statuses

    cloud.wait_until(reached, what=f"offer {offer_id} to be {' or '.join(statuses)}", timeout_s=20)
    return seen


def _holds(listing_id: str) -> tuple[int, dict[str, int]]:
    from lambdas.wiring import catalog

    doc = catalog.wiring().db["listings"].find_one({"_id": listing_id}, {"quantity": 1, "holds": 1})
    assert doc is not None
    return int(doc["quantity"]), dict(doc.get("holds") or {})


def _parked(cloud: LocalCloud, correlation_id: str) -> None:
    """Until an execution waits under ``correlation_id`` (its task token parked), so that moving
    the clock times that wait out instead of racing its start."""
    aws, provisioned = cloud.started()
    table = provisioned.names[("table", "task-tokens")]
    key = {"correlation_id": {"S": correlation_id}}

    def waiting() -> bool:
        item = aws.client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return bool(item and "task_token" in item)

    cloud.wait_until(waiting, what=f"a task token parked under {correlation_id}", timeout_s=20)


def _to(cloud: LocalCloud, moment: str, extra_s: float = 60) -> None:
    at = datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()
    cloud.clock.advance(max(at - cloud.clock.now(), 0) + extra_s)


def test_given_an_offer_under_the_decline_threshold_then_it_is_declined_at_once(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    # the thresholds are the seller's: a buyer sees only that offers are taken
    public = _call(cloud, "GET", f"/listings/{listing['id']}", buyer).json()
    assert public["best_offer_enabled"] is True and public["best_offer"] is None
    assert listing["best_offer"]["auto_accept_at"] == {"amount": 2200, "currency": "USD"}

    made = _made(cloud, buyer, listing["id"], 1000)
    assert made["status"] == "awaiting_seller" and made["your_role"] == "buyer"
    declined = _until(cloud, buyer, made["offer_id"], "declined")
    assert [(m["actor"], m["kind"]) for m in declined["moves"]] == [("buyer", "offer"), ("system", "decline")]
    assert _holds(listing["id"]) == (1, {})


def test_given_an_offer_at_the_accept_threshold_then_it_is_accepted_at_once_and_holds_the_unit(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    made = _made(cloud, buyer, listing["id"], 2200)
    accepted = _until(cloud, buyer, made["offer_id"], "accepted")
    assert accepted["amount"] == {"amount": 2200, "currency": "USD"} and accepted["pay_by"]
    assert _holds(listing["id"]) == (0, {f"offer:{made['offer_id']}": 1})
    # the seller sees it among theirs, the buyer among theirs
    as_seller = _call(cloud, "GET", "/me/offers?role=seller", seller).json()["items"]
    assert [o["offer_id"] for o in as_seller] == [made["offer_id"]]
    assert as_seller[0]["your_role"] == "seller"
    assert [o["offer_id"] for o in _call(cloud, "GET", "/me/offers", buyer).json()["items"]] == [
        made["offer_id"]
    ]


def test_given_two_counters_then_accepted_then_bought_at_the_agreed_price_with_the_fee_on_it(
    cloud: LocalCloud, category: dict[str, Any], pg_conn: Any
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    address_id = add_address(cloud, buyer)
    # Given an offer between the thresholds: the seller decides
    made = _made(cloud, buyer, listing["id"], 1800)
    offer_id = made["offer_id"]
    # When the seller counters at 21.00 and the buyer counters back at 19.50, then the seller accepts
    seller_counter = _call(
        cloud, "POST", f"/offers/{offer_id}/counter", seller, {"amount": {"amount": 2100, "currency": "USD"}}
    )
    assert seller_counter.status_code == 200, seller_counter.text
    assert seller_counter.json()["status"] == "awaiting_buyer" and seller_counter.json()["round"] == 2
    buyer_counter = _call(
        cloud, "POST", f"/offers/{offer_id}/counter", buyer, {"amount": {"amount": 1950, "currency": "USD"}}
    )
    assert buyer_counter.status_code == 200, buyer_counter.text
    assert buyer_counter.json()["status"] == "awaiting_seller" and buyer_counter.json()["round"] == 3
    accepted = _call(cloud, "POST", f"/offers/{offer_id}/accept", seller)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["amount"] == {"amount": 1950, "currency": "USD"}
    assert [(m["actor"], m["kind"]) for m in accepted.json()["moves"]] == [
        ("buyer", "offer"),
        ("seller", "counter"),
        ("buyer", "counter"),
        ("seller", "accept"),
    ]
    assert _holds(listing["id"]) == (0, {f"offer:{offer_id}": 1})
    # each party was told of each move meant for them, by email
    cloud.settle()
    cloud.poller.drain()
    to_seller = [m.subject for m in cloud.outbox.list(to=seller.email, channel="email")]
    to_buyer = [m.subject for m in cloud.outbox.list(to=buyer.email, channel="email")]
    assert to_seller.count(f"An offer on {listing['title']}") == 2  # the offer, the buyer's counter
    assert f"The seller countered your offer on {listing['title']}" in to_buyer
    assert f"Offer accepted: {listing['title']}" in to_buyer

    # Then the buyer checks out at the agreed price (not the cart, not the listing's price)
    response = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": offer_id})
    assert response.status_code == 202, response.text
    checkout = response.json()
    assert checkout["agreement"] == {"kind": "offer", "id": offer_id}
    assert checkout["expires_at"] == accepted.json()["pay_by"]
    again = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": offer_id})
    assert again.status_code == 202 and again.json()["checkout_id"] == checkout["checkout_id"]
    awaiting = wait_for_status(
        cloud, buyer, checkout["checkout_id"], "awaiting_payment", "cancelled", "failed"
    )
    assert awaiting["status"] == "awaiting_payment", awaiting
    assert awaiting["total"] == {"amount": 1950 + 500, "currency": "USD"}
    assert _holds(listing["id"]) == (0, {checkout["checkout_id"]: 1})  # taken over from the offer
    confirm_payment(cloud, awaiting)
    paid = wait_for_status(cloud, buyer, checkout["checkout_id"], "paid", "cancelled", "payment_failed")
    assert paid["status"] == "paid", paid
    (order_id,) = paid["order_ids"]

    # the order is at the agreed price, and the fee is the one a fixed price of 19.50 pays
    order = _call(cloud, "GET", f"/orders/{order_id}", seller).json()
    assert order["items_total"] == {"amount": 1950, "currency": "USD"}
    assert order["items"][0]["unit_price"] == {"amount": 1950, "currency": "USD"}
    at_that_price = make_listing(cloud, seller, category, price=1950, shipping=500)
    quote = _call(
        cloud, "POST", "/fees/quote", buyer, {"items": [{"listing_id": at_that_price["id"], "quantity": 1}]}
    )
    assert quote.status_code == 200, quote.text
    assert order["fees"]["total"] == quote.json()["sellers"][0]["fee_total"]
    assert order["fees"]["total"]["amount"] > 0
    # the unit is sold: no hold left, the listing sold out; the offer is read as bought
    assert _holds(listing["id"]) == (0, {})
    assert _get(cloud, buyer, offer_id)["checkout"]["status"] == "paid"
    # the paid checkout closes the offer at once (AgreedCheckoutEnded), not at the deadline to pay
    cloud.settle()
    assert _until(cloud, buyer, offer_id, "purchased", "lapsed")["status"] == "purchased"
    assert _holds(listing["id"]) == (0, {})


def test_given_an_accepted_offer_not_bought_in_time_then_it_lapses_and_the_unit_is_back_on_sale(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    address_id = add_address(cloud, buyer)
    made = _made(cloud, buyer, listing["id"], 2300)
    accepted = _until(cloud, buyer, made["offer_id"], "accepted")
    assert _holds(listing["id"]) == (0, {f"offer:{made['offer_id']}": 1})
    # When the deadline to pay passes with no checkout
    _parked(cloud, f"offer:{made['offer_id']}-paid")
    _to(cloud, accepted["pay_by"])
    lapsed = _until(cloud, buyer, made["offer_id"], "lapsed", "purchased")
    # Then the offer lapsed and the unit is for sale again
    assert lapsed["status"] == "lapsed"
    assert [m["kind"] for m in lapsed["moves"]][-1] == "lapse"
    assert _holds(listing["id"]) == (1, {})
    late = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": made["offer_id"]})
    assert late.status_code == 404 and late.json()["error"]["code"] == "AGREEMENT_NOT_FOUND"


def test_given_an_unanswered_offer_then_it_expires_after_48_hours(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    made = _made(cloud, buyer, listing["id"], 1800)
    _parked(cloud, f"offer:{made['offer_id']}-1")
    _to(cloud, made["respond_by"])
    expired = _until(cloud, buyer, made["offer_id"], "expired")
    assert [(m["actor"], m["kind"]) for m in expired["moves"]][-1] == ("system", "expire")
    late = _call(cloud, "POST", f"/offers/{made['offer_id']}/accept", seller)
    assert late.status_code == 409 and late.json()["error"]["code"] == "OFFER_NOT_OPEN"


def _code(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_given_every_forbidden_action_then_a_clear_4xx(cloud: LocalCloud, category: dict[str, Any]) -> None:
    seller, buyer, stranger = _user(cloud, "buyer", "seller"), _user(cloud), _user(cloud)
    listing = _listing(cloud, seller, category, quantity=2)
    plain = _listing(cloud, seller, category, best_offer=None)
    # offers the listing refuses
    _code(_offer(cloud, seller, listing["id"], 1800), 403, "OFFER_ON_OWN_LISTING")
    _code(_offer(cloud, buyer, plain["id"], 1800), 409, "BEST_OFFER_NOT_AVAILABLE")
    _code(_offer(cloud, buyer, listing["id"], PRICE + 1), 400, "OFFER_ABOVE_PRICE")
    _code(_offer(cloud, buyer, listing["id"], 1800, quantity=3), 409, "QUANTITY_NOT_AVAILABLE")
    _code(_offer(cloud, buyer, "no-such-listing", 1800), 404, "LISTING_NOT_FOUND")
    _code(
        _call(
            cloud,
            "POST",
            f"/listings/{listing['id']}/offers",
            None,
            {"amount": {"amount": 1, "currency": "USD"}},
        ),
        401,
        "UNAUTHORIZED",
    )
    eur = requests.post(
        f"{cloud.api_url}/listings/{listing['id']}/offers",
        json={"amount": {"amount": 1800, "currency": "EUR"}},
        headers=buyer.headers,
        timeout=T,
    )
    _code(eur, 400, "OFFER_CURRENCY_MISMATCH")
    # an open offer: one at a time; a stranger does not see it; only the awaited party answers
    made = _made(cloud, buyer, listing["id"], 1800)
    offer_id = made["offer_id"]
    _code(_offer(cloud, buyer, listing["id"], 1900), 409, "OFFER_ALREADY_OPEN")
    _code(_call(cloud, "GET", f"/offers/{offer_id}", stranger), 404, "OFFER_NOT_FOUND")
    for action in ("accept", "decline"):
        _code(_call(cloud, "POST", f"/offers/{offer_id}/{action}", stranger), 404, "OFFER_NOT_FOUND")
        _code(_call(cloud, "POST", f"/offers/{offer_id}/{action}", buyer), 403, "OFFER_NOT_YOUR_TURN")
    usd = {"amount": {"amount": 1700, "currency": "USD"}}
    _code(_call(cloud, "POST", f"/offers/{offer_id}/counter", buyer, usd), 403, "OFFER_NOT_YOUR_TURN")
    _code(_call(cloud, "POST", f"/offers/{offer_id}/counter", seller, usd), 400, "COUNTER_OUT_OF_RANGE")
    _code(
        _call(
            cloud,
            "POST",
            f"/offers/{offer_id}/counter",
            seller,
            {"amount": {"amount": PRICE + 1, "currency": "USD"}},
        ),
        400,
        "COUNTER_OUT_OF_RANGE",
    )
    _code(
        _call(cloud, "POST", f"/offers/{offer_id}/counter", seller, {"amount": 1700}), 400, "INVALID_REQUEST"
    )
    # a checkout of an offer that is not accepted, or not the caller's
    address_id = add_address(cloud, stranger)
    _code(
        post_checkout(cloud, stranger, {"address_id": address_id, "offer_id": offer_id}),
        404,
        "AGREEMENT_NOT_FOUND",
    )
    _code(
        post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": offer_id, "auction_id": "a"}),
        400,
        "INVALID_REQUEST",
    )
    # declined by the seller: answering again is a conflict, declining again answers the same
    declined = _call(cloud, "POST", f"/offers/{offer_id}/decline", seller)
    assert declined.status_code == 200 and declined.json()["status"] == "declined", declined.text
    assert _call(cloud, "POST", f"/offers/{offer_id}/decline", seller).json()["status"] == "declined"
    _code(_call(cloud, "POST", f"/offers/{offer_id}/accept", seller), 409, "OFFER_NOT_OPEN")
    # five offers per buyer per listing, over all time
    for amount in (1000, 1100, 1200, 1300):  # each declined at once by the threshold
        again = _made(cloud, buyer, listing["id"], amount)
        _until(cloud, buyer, again["offer_id"], "declined")
    _code(_offer(cloud, buyer, listing["id"], 1900), 409, "OFFER_LIMIT_REACHED")
    # bad pages
    _code(_call(cloud, "GET", "/me/offers?role=admin", buyer), 400, "INVALID_REQUEST")
    _code(_call(cloud, "GET", "/me/offers?cursor=nope", buyer), 400, "INVALID_CURSOR")


def test_given_the_same_idempotency_key_then_the_same_offer_and_another_body_is_a_422(
    cloud: LocalCloud, category: dict[str, Any], unique: str
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    first = _offer(cloud, buyer, listing["id"], 1800, key=f"offer-{unique}")
    again = _offer(cloud, buyer, listing["id"], 1800, key=f"offer-{unique}")
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert first.json()["offer_id"] == again.json()["offer_id"]
    _code(_offer(cloud, buyer, listing["id"], 1900, key=f"offer-{unique}"), 422, "IDEMPOTENCY_KEY_REUSED")
    assert len(_call(cloud, "GET", "/me/offers", buyer).json()["items"]) == 1


def test_given_best_offer_terms_that_do_not_fit_then_the_listing_refuses_them(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller = _user(cloud, "buyer", "seller")
    listing = make_listing(cloud, seller, category, price=PRICE)
    for terms in (
        {"enabled": True, "auto_accept_at": {"amount": PRICE, "currency": "USD"}},
        {"enabled": True, "auto_decline_below": {"amount": 100, "currency": "EUR"}},
        {
            "enabled": True,
            "auto_accept_at": {"amount": 1000, "currency": "USD"},
            "auto_decline_below": {"amount": 1000, "currency": "USD"},
        },
        {"enabled": False, "auto_accept_at": {"amount": 1000, "currency": "USD"}},
    ):
        response = _call(cloud, "PATCH", f"/listings/{listing['id']}", seller, {"best_offer": terms})
        assert response.status_code == 400, (terms, response.text)
    off = _call(cloud, "PATCH", f"/listings/{listing['id']}", seller, {"best_offer": {"enabled": False}})
    assert off.status_code == 200 and off.json()["best_offer_enabled"] is False


def test_given_a_declined_card_then_the_unit_goes_back_to_the_offer_and_the_buyer_tries_again(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    address_id = add_address(cloud, buyer)
    made = _made(cloud, buyer, listing["id"], 2300)
    offer_id = made["offer_id"]
    _until(cloud, buyer, offer_id, "accepted")
    first = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": offer_id}).json()
    awaiting = wait_for_status(cloud, buyer, first["checkout_id"], "awaiting_payment", "cancelled", "failed")
    assert awaiting["status"] == "awaiting_payment", awaiting
    # When the card is declined (before the deadline to pay)
    confirm_payment(cloud, awaiting, card="pm_card_chargeDeclined")
    failed = wait_for_status(cloud, buyer, first["checkout_id"], "payment_failed", "paid")
    assert failed["status"] == "payment_failed"
    # Then the unit is the offer's again (not back on sale), and a second checkout can pay it
    assert _holds(listing["id"]) == (0, {f"offer:{offer_id}": 1})
    second = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": offer_id}).json()
    assert second["checkout_id"] != first["checkout_id"]
    awaiting = wait_for_status(cloud, buyer, second["checkout_id"], "awaiting_payment", "cancelled", "failed")
    assert awaiting["total"] == {"amount": 2300 + 500, "currency": "USD"}
    confirm_payment(cloud, awaiting)
    assert wait_for_status(cloud, buyer, second["checkout_id"], "paid", "payment_failed")["status"] == "paid"
    cloud.settle()
    assert _until(cloud, buyer, offer_id, "purchased", "lapsed")["status"] == "purchased"
    mine = [c["checkout_id"] for c in _call(cloud, "GET", "/me/checkouts", buyer).json()["items"]]
    assert mine == [second["checkout_id"], first["checkout_id"]]


def test_given_a_checkout_not_paid_by_the_deadline_then_it_expires_and_the_unit_is_back_on_sale(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller, buyer = _user(cloud, "buyer", "seller"), _user(cloud)
    listing = _listing(cloud, seller, category)
    address_id = add_address(cloud, buyer)
    made = _made(cloud, buyer, listing["id"], 2300)
    accepted = _until(cloud, buyer, made["offer_id"], "accepted")
    started = post_checkout(cloud, buyer, {"address_id": address_id, "offer_id": made["offer_id"]}).json()
    awaiting = wait_for_status(cloud, buyer, started["checkout_id"], "awaiting_payment")
    # When the deadline to pay passes with the payment not made
    _parked(cloud, f"offer:{made['offer_id']}-paid")
    _parked(cloud, f"payment_intent:{awaiting['payment']['payment_intent_id']}")
    _to(cloud, accepted["pay_by"])
    expired = wait_for_status(cloud, buyer, started["checkout_id"], "expired", "paid")
    assert expired["status"] == "expired" and expired["error"]["code"] == "CHECKOUT_EXPIRED"
    # Then the offer lapsed and the unit is for sale again, once
    assert _until(cloud, buyer, made["offer_id"], "lapsed", "purchased")["status"] == "lapsed"
    cloud.settle()
    assert _holds(listing["id"]) == (1, {})
