"""Where orders are kept (PostgreSQL: adapters/postgres/orders.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.orders.model import OrderRecord, OrderStatus, Role


class OrderReader(Protocol):
    def get(self, order_id: str) -> OrderRecord | None: ...

    def list_for(
        self, user_id: str, role: Role, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[OrderRecord]:
        """The user's orders in that role, newest first, strictly after the cursor ``before``."""
        ...


class Orders(OrderReader, Protocol):
    """The writer checkout uses, on its transaction."""

    def add(self, order: OrderRecord) -> bool:
        """Insert the order and its items; False if it exists (a retried checkout step)."""
        ...

    def set_status(
        self, order_id: str, status: OrderStatus, *, payment_intent_id: str | None = None
    ) -> None: ...

    def mark_paid(self, order_id: str, *, charge_id: str, paid_at: datetime) -> None: ...
