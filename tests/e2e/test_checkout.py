"""Checkout end to end through the HTTP API: the real checkout machine, the nested fee
calculation, the Stripe stand-in confirmed with the Stripe SDK, Stripe's events through
EventBridge, orders and the ledger in PostgreSQL, holds on the catalog's listings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests
import stripe

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


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    return make_category(cloud, admin)


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


def test_given_a_cart_when_checked_out_and_paid_then_orders_are_paid_and_the_ledger_balances(
    cloud: LocalCloud, make_user, category: dict[str, Any], pg_conn: Any
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    buyer = make_user()
    listing = make_listing(cloud, seller, category, price=2500, quantity=1, shipping=500)
    address_id = add_address(cloud, buyer)
    put_in_cart(cloud, buyer, listing["id"])

    response = post_checkout(cloud, buyer, {"address_id": address_id}, key="happy-1")
    assert response.status_code == 202, response.text
    checkout_id = response.json()["checkout_id"]
    awaiting = wait_for_status(cloud, buyer, checkout_id, "awaiting_payment", "cancelled")
    assert awaiting["status"] == "awaiting_payment", awaiting
    assert awaiting["total"] == {"amount": 3000, "currency": "USD"}

    confirm_payment(cloud, awaiting)
    paid = wait_for_status(cloud, buyer, checkout_id, "paid", "cancelled", "payment_failed")
    assert paid["status"] == "paid", paid
    assert paid["payment"] is None
    (order_id,) = paid["order_ids"]
    order = requests.get(f"{cloud.api_url}/orders/{order_id}", headers=buyer.headers, timeout=T).json()
    assert order["status"] == "paid"
    timeline = requests.get(f"{cloud.api_url}/orders/{order_id}/timeline", headers=buyer.headers, timeout=T)
    assert timeline.status_code == 200, timeline.text
    assert "Order paid" in [i["name"] for i in timeline.json()["items"]]

    # Then the ledger balances: each journal entry of the order sums to zero, and the 3000 the
    # buyer paid is exactly the seller's payable plus the platform's fee, nothing left in transit
    unbalanced = pg_conn.execute(
        "SELECT e.entry_id FROM journal_entries e JOIN ledger_postings p USING (entry_id) "
        "WHERE e.order_id = %s GROUP BY e.entry_id HAVING sum(p.amount) <> 0",
        (order_id,),
    ).fetchall()
    assert unbalanced == []
    totals = _ledger_totals(pg_conn, order_id)
    assert totals["stripe_balance"] == 3000
    assert totals["buyer_funds_in_transit"] == 0
    assert totals["platform_fee_revenue"] < 0 and totals["seller_payable"] < 0
    assert totals["platform_fee_revenue"] + totals["seller_payable"] == -3000


def _listing_doc(listing_id: str) -> dict[str, Any]:
    from lambdas.wiring import catalog

    doc = (
        catalog.wiring()
        .db["listings"]
        .find_one({"_id": listing_id}, {"quantity": 1, "status": 1, "holds": 1})
    )
    assert doc is not None
    return dict(doc)


def _ledger_totals(pg_conn: Any, order_id: str) -> dict[str, int]:
    rows = pg_conn.execute(
        "SELECT p.account_code, sum(p.amount)::bigint AS total FROM ledger_postings p "
        "JOIN journal_entries e USING (entry_id) WHERE e.order_id = %s GROUP BY p.account_code",
        (order_id,),
    ).fetchall()
    return {
        (r["account_code"] if not r["account_code"].startswith("seller_payable:") else "seller_payable"): int(
            r["total"]
        )
        for r in rows
    }


def _checkout_ready(
    cloud: LocalCloud, make_user, category: dict[str, Any], *, quantity: int = 1, price: int = 2500
):
    seller = make_user(groups=("buyer", "seller"))
    buyer = make_user()
    listing = make_listing(cloud, seller, category, price=price, quantity=quantity, shipping=500)
    address_id = add_address(cloud, buyer)
    put_in_cart(cloud, buyer, listing["id"])
    return seller, buyer, listing, address_id


def _start(cloud: LocalCloud, buyer: TestUser, address_id: str, key: str) -> dict[str, Any]:
    response = post_checkout(cloud, buyer, {"address_id": address_id}, key=key)
    assert response.status_code == 202, response.text
    return wait_for_status(cloud, buyer, response.json()["checkout_id"], "awaiting_payment", "cancelled")


def test_given_an_item_above_the_fee_cap_when_bought_then_the_fee_is_the_cap_and_the_sale_goes_through(
    cloud: LocalCloud, make_user, category: dict[str, Any], pg_conn: Any
) -> None:
    # Given a 20,000.00 listing: 13.25 % of it is far above the launch schedule's 750.00 cap
    seller, buyer, _listing, address_id = _checkout_ready(cloud, make_user, category, price=2_000_000)

    # When the buyer checks out and pays
    awaiting = _start(cloud, buyer, address_id, "above-the-cap")
    assert awaiting["status"] == "awaiting_payment", awaiting
    assert awaiting["total"] == {"amount": 2_000_500, "currency": "USD"}
    confirm_payment(cloud, awaiting)
    paid = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid", "cancelled", "payment_failed")

    # Then the sale is paid, the seller sees the capped fee and the ledger says the same
    assert paid["status"] == "paid", paid
    (order_id,) = paid["order_ids"]
    order = requests.get(f"{cloud.api_url}/orders/{order_id}", headers=seller.headers, timeout=T).json()
    assert order["fees"]["total"] == {"amount": 75_000, "currency": "USD"}, order
    assert order["seller_net"] == {"amount": 2_000_500 - 75_000, "currency": "USD"}, order
    assert order["fees"]["cap_reduction"]["amount"] > 0, order
    assert _ledger_totals(pg_conn, order_id) == {
        "stripe_balance": 2_000_500,
        "buyer_funds_in_transit": 0,
        "platform_fee_revenue": -75_000,
        "seller_payable": -(2_000_500 - 75_000),
    }


def test_given_a_paid_checkout_then_stock_cart_ledger_and_notifications_follow(
    cloud: LocalCloud, make_user, category: dict[str, Any], pg_conn: Any
) -> None:
    seller, buyer, listing, address_id = _checkout_ready(cloud, make_user, category)
    awaiting = _start(cloud, buyer, address_id, "follow-1")
    # While the payment is awaited the unit is held: not for sale to anyone else
    held = _listing_doc(listing["id"])
    assert held["quantity"] == 0 and held["holds"] == {awaiting["checkout_id"]: 1}

    confirm_payment(cloud, awaiting)
    paid = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid", "cancelled", "payment_failed")
    (order_id,) = paid["order_ids"]
    machine = cloud.provisioned.state_machine_arn("checkout")
    arn = f"{machine.replace(':stateMachine:', ':execution:')}:{paid['checkout_id']}"
    cloud.wait_until(
        lambda: cloud.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] != "RUNNING",
        what="the checkout execution to end",
    )
    assert cloud.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "SUCCEEDED"

    # Then the last unit is sold: the listing is sold out, nothing held, the cart is empty
    sold = _listing_doc(listing["id"])
    assert sold["status"] == "sold_out" and sold["quantity"] == 0 and not sold["holds"]
    cart = requests.get(f"{cloud.api_url}/cart", headers=buyer.headers, timeout=T).json()
    assert cart["items"] == []
    # the ledger: charged 3000 = seller net + fee, nothing left in transit
    order = requests.get(f"{cloud.api_url}/orders/{order_id}", headers=seller.headers, timeout=T).json()
    fee, net = order["fees"]["total"]["amount"], order["seller_net"]["amount"]
    assert fee + net == 3000 and fee > 0
    assert _ledger_totals(pg_conn, order_id) == {
        "stripe_balance": 3000,
        "buyer_funds_in_transit": 0,
        "platform_fee_revenue": -fee,
        "seller_payable": -net,
    }
    # the buyer sees no fee; buyer and seller were both told
    buyer_view = requests.get(f"{cloud.api_url}/orders/{order_id}", headers=buyer.headers, timeout=T).json()
    assert "fees" not in buyer_view and "seller_net" not in buyer_view
    assert buyer_view["status"] == "paid"
    cloud.poller.drain()
    assert cloud.outbox.last(to=buyer.email) is not None
    assert cloud.outbox.last(to=seller.email) is not None
    timeline = requests.get(
        f"{cloud.api_url}/orders/{order_id}/timeline", headers=seller.headers, timeout=T
    ).json()
    names = [i["name"] for i in timeline["items"]]
    for expected in (
        "Checkout started",
        "Items reserved",
        "Orders created",
        "Payment requested",
        "Payment succeeded",
        "Order paid",
        "Stock updated",
    ):
        assert expected in names, names
    assert any(i["kind"] == "notification" and "by email: sent" in i["name"] for i in timeline["items"]), (
        names
    )
    # and nobody else sees the order or its story
    stranger = make_user()
    assert (
        requests.get(
            f"{cloud.api_url}/orders/{order_id}/timeline", headers=stranger.headers, timeout=T
        ).status_code
        == 404
    )
    assert (
        requests.get(
            f"{cloud.api_url}/checkouts/{paid['checkout_id']}", headers=stranger.headers, timeout=T
        ).status_code
        == 404
    )


def test_given_a_declined_card_then_payment_failed_items_released_and_buyer_told(
    cloud: LocalCloud, make_user, category: dict[str, Any]
) -> None:
    _, buyer, listing, address_id = _checkout_ready(cloud, make_user, category)
    awaiting = _start(cloud, buyer, address_id, "declined-1")
    declined = confirm_payment(cloud, awaiting, card="pm_card_chargeDeclined")
    assert getattr(declined, "code", None) == "card_declined"
    failed = wait_for_status(cloud, buyer, awaiting["checkout_id"], "payment_failed", "paid", "cancelled")
    assert failed["status"] == "payment_failed", failed
    assert failed["error"]["code"] == "PAYMENT_FAILED" and failed["payment"] is None
    released = _listing_doc(listing["id"])
    assert released["quantity"] == 1 and released["status"] == "active" and not released["holds"]
    order = requests.get(
        f"{cloud.api_url}/orders/{failed['order_ids'][0]}", headers=buyer.headers, timeout=T
    ).json()
    assert order["status"] == "payment_failed"
    cloud.poller.drain()
    told = cloud.outbox.last(to=buyer.email)
    assert told is not None and "declined" in told.body.lower()


def test_given_no_payment_when_the_checkout_expires_on_the_virtual_clock_then_items_are_released(
    cloud: LocalCloud, make_user, category: dict[str, Any]
) -> None:
    _, buyer, listing, address_id = _checkout_ready(cloud, make_user, category)
    awaiting = _start(cloud, buyer, address_id, "expiry-1")
    cloud.clock.advance(30 * 60 + 1)
    expired = wait_for_status(cloud, buyer, awaiting["checkout_id"], "expired", "paid", "cancelled")
    assert expired["status"] == "expired" and expired["error"]["code"] == "CHECKOUT_EXPIRED"
    released = _listing_doc(listing["id"])
    assert released["quantity"] == 1 and not released["holds"]
    # the PaymentIntent can no longer be paid
    with pytest.raises(stripe.InvalidRequestError) as refused:
        confirm_payment(cloud, awaiting)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_given_the_same_idempotency_key_then_one_checkout_and_one_payment_intent_and_another_body_is_422(
    cloud: LocalCloud, make_user, category: dict[str, Any], pg_conn: Any
) -> None:
    _, buyer, _, address_id = _checkout_ready(cloud, make_user, category)
    first = post_checkout(cloud, buyer, {"address_id": address_id}, key="same-key")
    second = post_checkout(cloud, buyer, {"address_id": address_id}, key="same-key")
    assert first.status_code == second.status_code == 202
    assert first.json()["checkout_id"] == second.json()["checkout_id"]
    awaiting = wait_for_status(cloud, buyer, first.json()["checkout_id"], "awaiting_payment", "cancelled")
    third = post_checkout(cloud, buyer, {"address_id": address_id}, key="same-key")
    assert third.json()["payment"]["payment_intent_id"] == awaiting["payment"]["payment_intent_id"]
    count = pg_conn.execute(
        "SELECT count(*) AS n FROM checkouts WHERE buyer_id = %s", (buyer.user_id,)
    ).fetchone()
    assert count["n"] == 1
    other = post_checkout(
        cloud,
        buyer,
        {"address_id": address_id, "shipping_choices": [{"listing_id": "x", "service": "Ground"}]},
        key="same-key",
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_given_a_price_change_between_cart_and_checkout_then_checkout_refuses_with_the_new_price(
    cloud: LocalCloud, make_user, category: dict[str, Any]
) -> None:
    seller, buyer, listing, address_id = _checkout_ready(cloud, make_user, category)
    changed = requests.patch(
        f"{cloud.api_url}/listings/{listing['id']}",
        json={"price": {"amount": 2700, "currency": "USD"}},
        headers=seller.headers,
        timeout=T,
    )
    assert changed.status_code == 200, changed.text
    refused = post_checkout(cloud, buyer, {"address_id": address_id}, key="price-1")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "PRICE_CHANGED"
    assert error["details"]["changes"] == [
        {
            "listing_id": listing["id"],
            "cart_price": {"amount": 2500, "currency": "USD"},
            "current_price": {"amount": 2700, "currency": "USD"},
        }
    ]
    # putting the line in the cart again accepts the new price
    put_in_cart(cloud, buyer, listing["id"])
    accepted = post_checkout(cloud, buyer, {"address_id": address_id}, key="price-2")
    assert accepted.status_code == 202, accepted.text


def test_given_bad_requests_then_clear_4xx(cloud: LocalCloud, make_user, category: dict[str, Any]) -> None:
    _, buyer, listing, address_id = _checkout_ready(cloud, make_user, category)
    other = make_user()
    assert (
        post_checkout(cloud, other, {"address_id": address_id}).json()["error"]["code"] == "ADDRESS_NOT_FOUND"
    )
    other_address = add_address(cloud, other)
    empty = post_checkout(cloud, other, {"address_id": other_address})
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "CART_EMPTY"
    bad = post_checkout(
        cloud,
        buyer,
        {
            "address_id": address_id,
            "shipping_choices": [{"listing_id": listing["id"], "service": "Teleport"}],
        },
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "SHIPPING_OPTION_NOT_FOUND"
    assert post_checkout(cloud, buyer, {"address": address_id}).status_code == 400
    assert (
        requests.post(f"{cloud.api_url}/checkout", json={"address_id": address_id}, timeout=T).status_code
        == 401
    )


RACERS = 50
#: fifty executions at once on two cores: each may wait behind the others
RACE_WAIT_S = 90.0


def test_given_fifty_buyers_racing_for_the_last_unit_then_exactly_one_pays_and_nothing_stays_held(
    cloud: LocalCloud, make_user, category: dict[str, Any]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    seller = make_user(groups=("buyer", "seller"))
    listing = make_listing(cloud, seller, category, price=4000, quantity=1)
    buyers = [make_user() for _ in range(RACERS)]
    addresses = [add_address(cloud, b) for b in buyers]
    for b in buyers:
        put_in_cart(cloud, b, listing["id"])

    # When all of them check out at the same moment
    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = list(
            pool.map(
                lambda i: post_checkout(cloud, buyers[i], {"address_id": addresses[i]}, key="race"),
                range(RACERS),
            )
        )
    outcomes: list[str] = []
    for buyer, response in zip(buyers, responses, strict=True):
        if response.status_code == 409:  # refused at once: the unit was already held
            assert response.json()["error"]["code"] == "CART_NOT_PURCHASABLE", response.text
            outcomes.append("refused")
            continue
        assert response.status_code == 202, response.text
        state = wait_for_status(
            cloud, buyer, response.json()["checkout_id"], "awaiting_payment", "cancelled", timeout=RACE_WAIT_S
        )
        if state["status"] == "cancelled":
            assert state["error"]["code"] in ("QUANTITY_NOT_AVAILABLE", "CART_NOT_PURCHASABLE"), state
            outcomes.append("refused")
        else:
            confirm_payment(cloud, state)
            paid = wait_for_status(
                cloud, buyer, state["checkout_id"], "paid", "payment_failed", "cancelled", timeout=RACE_WAIT_S
            )
            outcomes.append(paid["status"])
    # Then exactly one paid, the 49 others were told why not, and nothing is left held
    assert outcomes.count("paid") == 1 and outcomes.count("refused") == RACERS - 1, outcomes
    # (the paid checkout's hold becomes a sale in Complete Sale, the state after Mark Paid)
    cloud.wait_until(lambda: not _listing_doc(listing["id"])["holds"], what="the sale to settle the hold")
    doc = _listing_doc(listing["id"])
    assert doc["quantity"] == 0 and not doc["holds"]
    cloud.wait_until(
        lambda: _listing_doc(listing["id"])["status"] == "sold_out", what="the listing to sell out"
    )


def test_given_stripe_events_twice_and_out_of_order_then_no_double_effect(
    cloud: LocalCloud, make_user, category: dict[str, Any], pg_conn: Any
) -> None:
    from local.providers.stripe import eventbridge_entry

    _, buyer, _, address_id = _checkout_ready(cloud, make_user, category)
    awaiting = _start(cloud, buyer, address_id, "events-1")
    confirm_payment(cloud, awaiting)
    paid = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid", "cancelled", "payment_failed")
    (order_id,) = paid["order_ids"]
    entries_before = pg_conn.execute(
        "SELECT count(*) AS n FROM journal_entries WHERE order_id = %s", (order_id,)
    ).fetchone()["n"]
    assert entries_before == 2  # the payment and the fee

    # When Stripe's events for the PaymentIntent arrive again, newest first (succeeded, then created)
    secret = stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url})
    pi = awaiting["payment"]["payment_intent_id"]
    events = [e for e in secret.v1.events.list(params={"limit": 100}).data if e.data.object["id"] == pi]
    assert {"payment_intent.succeeded", "payment_intent.created"} <= {e.type for e in events}
    aws, provisioned = cloud.started()
    for event in sorted(events, key=lambda e: e.created, reverse=True) * 2:
        aws.client("events").put_events(
            Entries=[
                eventbridge_entry(
                    event.to_dict(),
                    bus_name=provisioned.names[("bus", "stripe")],
                    source="aws.partner/stripe.com/ed_local",
                )
            ]
        )
    # Then nothing changed: one payment, one fee, the checkout still paid
    entries_after = pg_conn.execute(
        "SELECT count(*) AS n FROM journal_entries WHERE order_id = %s", (order_id,)
    ).fetchone()["n"]
    assert entries_after == entries_before
    assert wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid")["status"] == "paid"
    executions = aws.client("stepfunctions").list_executions(
        stateMachineArn=provisioned.state_machine_arn("checkout")
    )
    assert sum(1 for e in executions["executions"] if e["name"] == awaiting["checkout_id"]) == 1


def test_given_a_shipped_and_delivered_order_then_its_timeline_tells_the_rest_of_the_story(
    cloud: LocalCloud, make_user, category: dict[str, Any]
) -> None:
    seller, buyer, _, address_id = _checkout_ready(cloud, make_user, category)
    awaiting = _start(cloud, buyer, address_id, "story-1")
    confirm_payment(cloud, awaiting)
    (order_id,) = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid")["order_ids"]

    def timeline() -> list[dict[str, Any]]:
        response = requests.get(
            f"{cloud.api_url}/orders/{order_id}/timeline", headers=buyer.headers, timeout=T
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def shipped() -> bool:
        response = requests.post(
            f"{cloud.api_url}/orders/{order_id}/ship",
            json={"carrier": "USPS", "tracking_number": "9400100000000000000001"},
            headers=seller.headers,
            timeout=T,
        )
        return response.status_code == 200

    cloud.wait_until(shipped, what="the order to be shippable (its payout waiting for the shipment)")
    confirmed = requests.post(
        f"{cloud.api_url}/orders/{order_id}/confirm-delivery", headers=buyer.headers, timeout=T
    )
    assert confirmed.status_code == 200, confirmed.text
    cloud.wait_until(
        lambda: any(i["kind"] == "payout" for i in timeline()), what="the payout in the timeline"
    )
    items = timeline()
    names = [i["name"] for i in items]
    assert (
        names.index("Payment succeeded")
        < names.index("Shipped")
        < names.index("Delivery confirmed by the buyer")
    )
    shipped_item = next(i for i in items if i["name"] == "Shipped")
    assert shipped_item["detail"] == {"carrier": "USPS", "tracking_number": "9400100000000000000001"}
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)


def test_given_a_payment_that_could_not_be_recorded_then_it_is_refunded_and_the_items_released(
    cloud: LocalCloud, make_user, category: dict[str, Any], pg_conn: Any
) -> None:
    """The Refund Checkout compensation, run as the state machine would after Mark Paid failed."""
    _, buyer, listing, address_id = _checkout_ready(cloud, make_user, category)
    awaiting = _start(cloud, buyer, address_id, "refund-1")
    checkout_id = awaiting["checkout_id"]
    aws, provisioned = cloud.started()
    machine = provisioned.state_machine_arn("checkout")
    # Given the execution is gone (as if Mark Paid had failed for good) and the buyer paid
    aws.client("stepfunctions").stop_execution(
        executionArn=f"{machine.replace(':stateMachine:', ':execution:')}:{checkout_id}", error="TestStop"
    )
    confirm_payment(cloud, awaiting)
    # When Refund Checkout runs
    result = aws.functions.invoke(
        provisioned.names[("function", "checkout-refund")],
        {
            "checkout_id": checkout_id,
            "execution": checkout_id,
            "error": {"Error": "TransientError", "Cause": "{}"},
        },
    )
    assert result.error_type is None, result.error_message
    assert result.payload["refunded"] is True and result.payload["refund_id"].startswith("re_")
    # Then the buyer has their money back, the checkout says why, and the unit is for sale again
    secret = stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url})
    refund = secret.v1.refunds.retrieve(result.payload["refund_id"])
    assert (
        refund.amount == awaiting["total"]["amount"]
        and refund.payment_intent == awaiting["payment"]["payment_intent_id"]
    )
    # (the platform failed the buyer: failed, not cancelled)
    ended = wait_for_status(cloud, buyer, checkout_id, "failed", "cancelled")
    assert ended["status"] == "failed", ended
    assert ended["error"]["code"] == "PAYMENT_NOT_RECORDED"
    assert _listing_doc(listing["id"])["quantity"] == 1
    cloud.poller.drain()
    told = cloud.outbox.last(to=buyer.email)
    assert told is not None and told.subject == "We could not complete your checkout"
    assert "refunded in full" in told.body
    order = pg_conn.execute("SELECT status FROM orders WHERE checkout_id = %s", (checkout_id,)).fetchone()
    assert order["status"] == "cancelled"
    # and running it again refunds nothing more
    again = aws.functions.invoke(
        provisioned.names[("function", "checkout-refund")],
        {
            "checkout_id": checkout_id,
            "execution": checkout_id,
            "error": {"Error": "TransientError", "Cause": "{}"},
        },
    )
    assert again.payload["refund_id"] == result.payload["refund_id"]
