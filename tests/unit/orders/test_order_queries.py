"""The orders read side with a fake store: who sees an order, what they see, pages, cursors."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tests.unit.orders.builders import an_order
from workflows.orders.errors import OrderNotFound
from workflows.orders.model import OrderRecord, order_id_for
from workflows.orders.service import OrderQueries
from workflows.orders.views import BuyerOrderView, SellerOrderView
from workflows.shared.errors import ContractError
from workflows.shared.identity import Caller
from workflows.shared.money import Money

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.orders.model import Role


class FakeOrders:
    def __init__(self, orders: list[OrderRecord]) -> None:
        self.orders = {o.order_id: o for o in orders}

    def get(self, order_id: str) -> OrderRecord | None:
        return self.orders.get(order_id)

    def list_for(
        self, user_id: str, role: Role, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[OrderRecord]:
        mine = [
            o for o in self.orders.values() if (o.buyer_id if role == "buyer" else o.seller_id) == user_id
        ]
        mine.sort(key=lambda o: (o.created_at, o.order_id), reverse=True)
        if before is not None:
            mine = [o for o in mine if (o.created_at, o.order_id) < before]
        return mine[:limit]


BUYER, SELLER, STRANGER = (
    Caller(user_id=u, email=f"{u}@example.com", roles=frozenset({"buyer"})) for u in ("b", "s", "x")
)


@pytest.fixture
def queries() -> OrderQueries:
    return OrderQueries(FakeOrders([an_order("b", "s", n=n) for n in range(5)] + [an_order("s", "b", n=7)]))


def test_given_an_order_then_its_seller_sees_fee_parts_and_net_and_its_buyer_does_not(
    queries: OrderQueries,
) -> None:
    order_id = an_order("b", "s", n=0).order_id
    seller_view = queries.get_order(SELLER, order_id)
    buyer_view = queries.get_order(BUYER, order_id)
    assert isinstance(seller_view, SellerOrderView)
    assert type(buyer_view) is BuyerOrderView
    seller_json, buyer_json = seller_view.model_dump(mode="json"), buyer_view.model_dump(mode="json")
    assert (
        seller_json["fees"]["total"]["amount"] + seller_json["seller_net"]["amount"]
        == seller_json["total"]["amount"]
    )
    assert seller_json["fees"]["category_percentage"] == {"amount": 550, "currency": "USD"}
    assert not {"fees", "seller_net"} & buyer_json.keys()
    assert "fee" not in str(buyer_json)
    assert buyer_json["role"] == "buyer" and seller_json["role"] == "seller"


def test_given_someone_else_or_no_such_order_then_not_found(queries: OrderQueries) -> None:
    with pytest.raises(OrderNotFound):
        queries.get_order(STRANGER, an_order("b", "s", n=0).order_id)
    with pytest.raises(OrderNotFound):
        queries.get_order(BUYER, "nope")


def test_given_many_orders_then_pages_are_newest_first_per_role_until_no_cursor(
    queries: OrderQueries,
) -> None:
    seen, cursor = [], None
    while True:
        page = queries.list_orders(BUYER, role="buyer", limit=2, cursor=cursor)
        seen += [o.order_id for o in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [an_order("b", "s", n=n).order_id for n in (4, 3, 2, 1, 0)]
    as_seller = queries.list_orders(BUYER, role="seller", limit=20, cursor=None)
    assert [o.order_id for o in as_seller.items] == [an_order("s", "b", n=7).order_id]
    assert as_seller.next_cursor is None
    assert all(isinstance(o, SellerOrderView) for o in as_seller.items)


def test_given_a_bad_cursor_or_limit_then_contract_errors(queries: OrderQueries) -> None:
    with pytest.raises(ContractError, match="cursor"):
        queries.list_orders(BUYER, role="buyer", limit=2, cursor="not-a-cursor")
    with pytest.raises(ContractError):
        queries.list_orders(BUYER, role="buyer", limit=0, cursor=None)


def test_given_inconsistent_amounts_then_an_order_cannot_be_built() -> None:
    good = an_order("b", "s")
    assert good.order_id == order_id_for("checkout-1-0", "s")
    assert good.amounts().gross == good.gross == Money(5500, "USD")
    with pytest.raises(ContractError):
        an_order("b", "b")
    with pytest.raises(ContractError):
        replace(good, seller_net=good.seller_net + Money(1, "USD"))
    with pytest.raises(ContractError):
        replace(good, status="lost")
