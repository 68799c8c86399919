"""POST /orders/{id}/ship, /confirm-delivery, /cancel: who may do what, and in which state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.api.accounts_support import call
from tests.integration.payouts_support import paid_order, stripe_client

if TYPE_CHECKING:
    from local.runtime import LocalCloud

SHIP = {"carrier": "USPS", "tracking_number": "9400 1000"}


@pytest.fixture
def parties(cloud: LocalCloud, make_user, pg_url: str, pg_clean, unique: str):
    buyer, seller, stranger = make_user(), make_user(groups=("buyer", "seller")), make_user()
    paid = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"co-{unique}")
    return buyer, seller, stranger, paid


def test_given_a_stranger_then_404_and_the_other_party_then_403(cloud: LocalCloud, parties) -> None:
    buyer, seller, stranger, paid = parties
    path = f"/orders/{paid.order_id}"
    for action, body in (("ship", SHIP), ("confirm-delivery", None), ("cancel", {})):
        response = call(cloud, "POST", f"{path}/{action}", token=stranger.id_token, json=body)
        assert response.status_code == 404, (action, response.text)
        assert response.json()["error"]["code"] == "ORDER_NOT_FOUND"
    as_buyer = call(cloud, "POST", f"{path}/ship", token=buyer.id_token, json=SHIP)
    assert as_buyer.status_code == 403, as_buyer.text
    assert as_buyer.json()["error"]["code"] == "ONLY_THE_SELLER_SHIPS"
    assert call(cloud, "POST", f"{path}/ship", json=SHIP).status_code == 401
    # before shipment, confirming delivery is a conflict with the order's state
    early = call(cloud, "POST", f"{path}/confirm-delivery", token=buyer.id_token)
    assert early.status_code == 409 and early.json()["error"]["code"] == "ORDER_NOT_SHIPPED"
    shipped = call(cloud, "POST", f"{path}/ship", token=seller.id_token, json=SHIP)
    assert shipped.status_code == 200, shipped.text
    assert (
        call(cloud, "POST", f"{path}/ship", token=seller.id_token, json=SHIP).status_code == 200
    )  # same again
    other = call(
        cloud, "POST", f"{path}/ship", token=seller.id_token, json={**SHIP, "tracking_number": "X-2"}
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "ORDER_ALREADY_SHIPPED"
    as_seller = call(cloud, "POST", f"{path}/confirm-delivery", token=seller.id_token)
    assert as_seller.status_code == 403
    assert as_seller.json()["error"]["code"] == "ONLY_THE_BUYER_CONFIRMS_DELIVERY"
    # after shipment, cancelling is a 409 and nothing is refunded
    late = call(cloud, "POST", f"{path}/cancel", token=buyer.id_token, json={})
    assert late.status_code == 409 and late.json()["error"]["code"] == "ORDER_ALREADY_SHIPPED"
    assert stripe_client(cloud).v1.refunds.list({"payment_intent": paid.payment_intent_id}).data == []


@pytest.mark.parametrize(
    "body",
    [{"carrier": "", "tracking_number": "1"}, {"carrier": "USPS"}, {"carrier": "USPS", "tracking_number": 5}],
)
def test_given_a_bad_shipment_then_400(cloud: LocalCloud, parties, body) -> None:
    _, seller, _, paid = parties
    response = call(cloud, "POST", f"/orders/{paid.order_id}/ship", token=seller.id_token, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_given_the_seller_cancels_before_shipment_then_the_buyer_is_refunded_once(
    cloud: LocalCloud, parties, pg_conn
) -> None:
    buyer, seller, _, paid = parties
    first = call(
        cloud, "POST", f"/orders/{paid.order_id}/cancel", token=seller.id_token, json={"reason": "broken"}
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "cancelled"
    assert body["cancellation"]["cancelled_by"] == "seller"
    assert body["cancellation"]["refunded"] == {"amount": paid.order.gross.amount_minor, "currency": "USD"}
    again = call(cloud, "POST", f"/orders/{paid.order_id}/cancel", token=buyer.id_token, json={})
    assert again.status_code == 200 and again.json() == body
    refunds = stripe_client(cloud).v1.refunds.list({"payment_intent": paid.payment_intent_id}).data
    assert [r.amount for r in refunds] == [paid.order.gross.amount_minor]
    kinds = [r["kind"] for r in pg_conn.execute(
        "SELECT kind FROM journal_entries WHERE order_id = %s ORDER BY posted_seq", (paid.order_id,)
    ).fetchall()]  # fmt: skip
    assert kinds == ["payment", "fee", "refund", "refund_paid"]
