"""GET /orders and GET /orders/{id} through the local API: buyer and seller views, strangers, pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from adapters.postgres.orders import PostgresOrders
from tests.api.accounts_support import call
from tests.unit.orders.builders import an_order

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    from local.runtime import LocalCloud


@pytest.fixture
def parties(cloud: LocalCloud, make_user, pg_conn: Connection[DictRow]):
    """A buyer, a seller and a stranger (with their profiles), and 3 orders of the buyer from the seller."""
    buyer, seller, stranger = make_user(), make_user(groups=("buyer", "seller")), make_user()
    for user in (buyer, seller, stranger):
        pg_conn.execute("INSERT INTO users (user_id, email) VALUES (%s, %s)", (user.user_id, user.email))
    orders = [an_order(buyer.user_id, seller.user_id, n=n) for n in range(3)]
    for order in orders:
        PostgresOrders(pg_conn).add(order)
    return buyer, seller, stranger, orders


def test_given_an_order_then_its_buyer_sees_it_without_fees_and_its_seller_with_them(
    cloud: LocalCloud, parties
) -> None:
    buyer, seller, _, orders = parties
    path = f"/orders/{orders[0].order_id}"
    as_buyer = call(cloud, "GET", path, token=buyer.id_token)
    assert as_buyer.status_code == 200, as_buyer.text
    body = as_buyer.json()
    assert body["role"] == "buyer"
    assert body["total"] == {"amount": 5500, "currency": "USD"}
    assert body["items"] == [
        {
            "listing_id": "listing-0",
            "title": "Item 0",
            "quantity": 2,
            "unit_price": {"amount": 2500, "currency": "USD"},
        }
    ]
    assert "fees" not in body and "seller_net" not in body
    as_seller = call(cloud, "GET", path, token=seller.id_token)
    assert as_seller.status_code == 200, as_seller.text
    body = as_seller.json()
    assert body["role"] == "seller"
    assert body["fees"]["total"] == {"amount": 580, "currency": "USD"}
    assert body["fees"]["category_percentage"]["amount"] + body["fees"]["fixed"]["amount"] == 580
    assert body["seller_net"] == {"amount": 4920, "currency": "USD"}


def test_given_a_third_user_or_no_such_order_then_404(cloud: LocalCloud, parties) -> None:
    _, _, stranger, orders = parties
    response = call(cloud, "GET", f"/orders/{orders[0].order_id}", token=stranger.id_token)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "ORDER_NOT_FOUND"
    missing = call(cloud, "GET", "/orders/no-such-order", token=stranger.id_token)
    assert missing.status_code == 404
    assert missing.json() == response.json()  # never says which
    assert call(cloud, "GET", f"/orders/{orders[0].order_id}").status_code == 401


def test_given_orders_then_the_role_filter_and_pages_newest_first(cloud: LocalCloud, parties) -> None:
    buyer, seller, stranger, orders = parties
    first = call(cloud, "GET", "/orders", token=buyer.id_token, params={"limit": 2})
    assert first.status_code == 200, first.text
    assert [o["order_id"] for o in first.json()["items"]] == [orders[2].order_id, orders[1].order_id]
    cursor = first.json()["next_cursor"]
    assert cursor
    second = call(cloud, "GET", "/orders", token=buyer.id_token, params={"limit": 2, "cursor": cursor})
    assert [o["order_id"] for o in second.json()["items"]] == [orders[0].order_id]
    assert second.json()["next_cursor"] is None
    # the buyer sold nothing; the seller bought nothing
    assert (
        call(cloud, "GET", "/orders", token=buyer.id_token, params={"role": "seller"}).json()["items"] == []
    )
    assert call(cloud, "GET", "/orders", token=seller.id_token).json()["items"] == []
    sold = call(cloud, "GET", "/orders", token=seller.id_token, params={"role": "seller"}).json()
    assert len(sold["items"]) == 3
    assert all(o["role"] == "seller" and "seller_net" in o for o in sold["items"])
    assert call(cloud, "GET", "/orders", token=stranger.id_token).json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "params",
    [{"role": "admin"}, {"limit": 0}, {"limit": 101}, {"cursor": "bm90LWpzb24"}],
)
def test_given_bad_query_parameters_then_400(cloud: LocalCloud, parties, params: dict) -> None:
    buyer = parties[0]
    response = call(cloud, "GET", "/orders", token=buyer.id_token, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in {"INVALID_REQUEST", "INVALID_CURSOR"}
