"""Orders as fulfilment changes them: status, shipment, cancellation, disputes (migration 0070).

:class:`PostgresOrderBook` works on the caller's connection and transaction (the unit of work of
``adapters/postgres/payouts.py``), so a status change, its shipment or cancellation row and the
ledger's entries commit together. Orders themselves are read through ``PostgresOrders``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.postgres.orders import PostgresOrders
from adapters.postgres.repository import Repository
from workflows.payouts.ports import Cancellation, Shipment
from workflows.shared.money import Money

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg.rows import DictRow

    from workflows.orders.model import OrderRecord, OrderStatus


def _shipment(row: DictRow) -> Shipment:
    return Shipment(
        order_id=row["order_id"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        shipped_at=row["shipped_at"],
        auto_confirm_at=row["auto_confirm_at"],
        delivered_at=row["delivered_at"],
        delivered_by=row["delivered_by"],
    )


class PostgresOrderBook(Repository):
    """``workflows.payouts.ports.OrderBook`` on one connection; the caller owns the transaction."""

    def get(self, order_id: str, *, for_update: bool = False) -> OrderRecord | None:
        return PostgresOrders(self._conn).get(order_id, for_update=for_update)

    def set_status(self, order_id: str, status: OrderStatus) -> None:
        self._execute("UPDATE orders SET status = %s WHERE order_id = %s", (status, order_id))

    def shipment(self, order_id: str) -> Shipment | None:
        row = self._execute(
            "SELECT order_id, carrier, tracking_number, shipped_at, auto_confirm_at, delivered_at, "
            "delivered_by FROM shipments WHERE order_id = %s",
            (order_id,),
        ).fetchone()
        return _shipment(row) if row else None

    def add_shipment(self, shipment: Shipment) -> None:
        self._execute(
            "INSERT INTO shipments (order_id, carrier, tracking_number, shipped_at, auto_confirm_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (
                shipment.order_id,
                shipment.carrier,
                shipment.tracking_number,
                shipment.shipped_at,
                shipment.auto_confirm_at,
            ),
        )

    def mark_delivered(self, order_id: str, *, at: datetime, by: str) -> None:
        self._execute(
            "UPDATE shipments SET delivered_at = %s, delivered_by = %s "
            "WHERE order_id = %s AND delivered_at IS NULL",
            (at, by, order_id),
        )

    def cancellation(self, order_id: str) -> Cancellation | None:
        row = self._execute(
            "SELECT order_id, cancelled_by, role, reason, refund_id, amount, currency, cancelled_at "
            "FROM order_cancellations WHERE order_id = %s",
            (order_id,),
        ).fetchone()
        if row is None:
            return None
        return Cancellation(
            order_id=row["order_id"],
            cancelled_by=row["cancelled_by"],
            role=row["role"],
            reason=row["reason"],
            refund_id=row["refund_id"],
            amount=Money(int(row["amount"]), row["currency"]),
            cancelled_at=row["cancelled_at"],
        )

    def add_cancellation(self, cancellation: Cancellation) -> None:
        self._execute(
            "INSERT INTO order_cancellations "
            "(order_id, cancelled_by, role, reason, refund_id, amount, currency, cancelled_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                cancellation.order_id,
                cancellation.cancelled_by,
                cancellation.role,
                cancellation.reason,
                cancellation.refund_id,
                cancellation.amount.amount_minor,
                cancellation.amount.currency,
                cancellation.cancelled_at,
            ),
        )

    def open_disputes(self, order_id: str) -> int:
        """Stripe disputes still open, and buyers' cases not closed (migration 0100): either holds."""
        row = self._execute(
            "SELECT (SELECT count(*) FROM order_disputes WHERE order_id = %(o)s AND status = 'open') "
            "+ (SELECT count(*) FROM cases WHERE order_id = %(o)s AND status <> 'closed') AS n",
            {"o": order_id},
        ).fetchone()
        return int(row["n"]) if row else 0
