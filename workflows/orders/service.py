"""The read side of orders: a user's orders by role, and one order for its buyer or its seller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.orders.errors import OrderNotFound
from workflows.orders.views import OrderPage, order_view
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError

if TYPE_CHECKING:
    from workflows.orders.model import Role
    from workflows.orders.ports import OrderReader
    from workflows.orders.views import BuyerOrderView, SellerOrderView
    from workflows.shared.identity import Caller

MAX_LIMIT = 100


class OrderQueries:
    def __init__(self, orders: OrderReader) -> None:
        self._orders = orders

    def list_orders(self, caller: Caller, *, role: Role, limit: int, cursor: str | None) -> OrderPage:
        """The caller's orders as ``role``, newest first, ``limit`` per page."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ContractError(f"limit is between 1 and {MAX_LIMIT}")
        before = decode_cursor(cursor) if cursor else None
        found = self._orders.list_for(caller.user_id, role, limit=limit + 1, before=before)
        page, more = found[:limit], len(found) > limit
        return OrderPage(
            items=[order_view(o, role) for o in page],
            next_cursor=encode_cursor(page[-1].created_at, page[-1].order_id) if more and page else None,
        )

    def get_order(self, caller: Caller, order_id: str) -> BuyerOrderView | SellerOrderView:
        """The order for its seller (with fee and net) or its buyer; anyone else: not found."""
        order = self._orders.get(order_id)
        role = order.party(caller.user_id) if order else None
        if order is None or role is None:
            raise OrderNotFound("No such order.")
        return order_view(order, role)
