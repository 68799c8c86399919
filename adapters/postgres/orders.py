"""Orders in PostgreSQL (``orders``, ``order_items``; migration 0040).

(The f-strings below only splice in the constant column list and the role's column; every value
is a bound parameter, hence the ``noqa: S608``.)

:class:`PostgresOrders` works on the caller's connection and transaction, so checkout can change
an order and post its journal entries (``adapters.postgres.ledger``) atomically.
:class:`PostgresOrderReader` borrows a pooled connection per read (the API).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from adapters.postgres.repository import Repository
from workflows.orders.model import FeeBreakdown, OrderItem, OrderRecord
from workflows.shared.errors import TransientError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.orders.model import OrderStatus, Role

_COLUMNS = (
    "order_id, checkout_id, buyer_id, seller_id, status, currency, items_total, shipping_total, "
    "fee_category, fee_fixed, fee_ad, fee_cap_reduction, fee_total, seller_net, fee_schedule_version, "
    "payment_intent_id, created_at, updated_at, ship_to, charge_id, paid_at"
)
_PARTY_COLUMN: dict[str, str] = {"buyer": "buyer_id", "seller": "seller_id"}
_ITEMS = """
SELECT order_id, listing_id, title, quantity, unit_price, currency FROM order_items
WHERE order_id = ANY(%s) ORDER BY order_id, listing_id
"""


def _order(row: DictRow, items: list[DictRow]) -> OrderRecord:
    currency = row["currency"]

    def money(column: str) -> Money:
        return Money(int(row[column]), currency)

    return OrderRecord(
        order_id=row["order_id"],
        checkout_id=row["checkout_id"],
        buyer_id=row["buyer_id"],
        seller_id=row["seller_id"],
        status=row["status"],
        currency=currency,
        items_total=money("items_total"),
        shipping_total=money("shipping_total"),
        fees=FeeBreakdown(
            category_percentage=money("fee_category"),
            fixed=money("fee_fixed"),
            ad=money("fee_ad"),
            cap_reduction=money("fee_cap_reduction"),
        ),
        fee_total=money("fee_total"),
        seller_net=money("seller_net"),
        fee_schedule_version=row["fee_schedule_version"],
        payment_intent_id=row["payment_intent_id"],
        items=tuple(
            OrderItem(i["listing_id"], i["title"], i["quantity"], Money(int(i["unit_price"]), i["currency"]))
            for i in items
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        ship_to=row["ship_to"],
        charge_id=row["charge_id"],
        paid_at=row["paid_at"],
    )


class PostgresOrders(Repository):
    """Orders on one connection; the caller owns the transaction."""

    def _with_items(self, rows: list[DictRow]) -> list[OrderRecord]:
        if not rows:
            return []
        items: dict[str, list[DictRow]] = {}
        for item in self._execute(_ITEMS, ([r["order_id"] for r in rows],)).fetchall():
            items.setdefault(item["order_id"], []).append(item)
        return [_order(r, items.get(r["order_id"], [])) for r in rows]

    def add(self, order: OrderRecord) -> bool:
        with self._conn.transaction():
            created = self._execute(
                f"INSERT INTO orders ({_COLUMNS}) VALUES ("  # noqa: S608
                "%(order_id)s, %(checkout_id)s, %(buyer_id)s, %(seller_id)s, %(status)s, %(currency)s, "
                "%(items_total)s, %(shipping_total)s, %(fee_category)s, %(fee_fixed)s, %(fee_ad)s, "
                "%(fee_cap_reduction)s, %(fee_total)s, %(seller_net)s, %(fee_schedule_version)s, "
                "%(payment_intent_id)s, %(created_at)s, %(updated_at)s, %(ship_to)s, %(charge_id)s, "
                "%(paid_at)s) "
                "ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
                {
                    "order_id": order.order_id,
                    "checkout_id": order.checkout_id,
                    "buyer_id": order.buyer_id,
                    "seller_id": order.seller_id,
                    "status": order.status,
                    "currency": order.currency,
                    "items_total": order.items_total.amount_minor,
                    "shipping_total": order.shipping_total.amount_minor,
                    "fee_category": order.fees.category_percentage.amount_minor,
                    "fee_fixed": order.fees.fixed.amount_minor,
                    "fee_ad": order.fees.ad.amount_minor,
                    "fee_cap_reduction": order.fees.cap_reduction.amount_minor,
                    "fee_total": order.fee_total.amount_minor,
                    "seller_net": order.seller_net.amount_minor,
                    "fee_schedule_version": order.fee_schedule_version,
                    "payment_intent_id": order.payment_intent_id,
                    "created_at": order.created_at,
                    "updated_at": order.updated_at,
                    "ship_to": Jsonb(order.ship_to) if order.ship_to is not None else None,
                    "charge_id": order.charge_id,
                    "paid_at": order.paid_at,
                },
            ).fetchone()
            if created is None:
                return False
            with self._conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO order_items (order_id, listing_id, title, quantity, unit_price, currency) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        (
                            order.order_id,
                            i.listing_id,
                            i.title,
                            i.quantity,
                            i.unit_price.amount_minor,
                            order.currency,
                        )
                        for i in order.items
                    ],
                )
        return True

    def get(self, order_id: str, *, for_update: bool = False) -> OrderRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_COLUMNS} FROM orders WHERE order_id = %s{lock}",  # noqa: S608
            (order_id,),
        ).fetchone()
        return self._with_items([row])[0] if row else None

    def list_for(
        self, user_id: str, role: Role, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[OrderRecord]:
        party = _PARTY_COLUMN[role]
        if before is None:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM orders WHERE {party} = %s "  # noqa: S608
                "ORDER BY created_at DESC, order_id DESC LIMIT %s",
                (user_id, limit),
            ).fetchall()
        else:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM orders WHERE {party} = %s "  # noqa: S608
                "AND (created_at, order_id) < (%s, %s) ORDER BY created_at DESC, order_id DESC LIMIT %s",
                (user_id, before[0], before[1], limit),
            ).fetchall()
        return self._with_items(rows)

    def set_status(self, order_id: str, status: OrderStatus, *, payment_intent_id: str | None = None) -> None:
        self._execute(
            "UPDATE orders SET status = %s, payment_intent_id = coalesce(%s, payment_intent_id) "
            "WHERE order_id = %s",
            (status, payment_intent_id, order_id),
        )

    def mark_paid(self, order_id: str, *, charge_id: str, paid_at: datetime) -> None:
        self._execute(
            "UPDATE orders SET status = 'paid', charge_id = %s, paid_at = %s, updated_at = %s "
            "WHERE order_id = %s AND status IN ('pending', 'awaiting_payment')",
            (charge_id, paid_at, paid_at, order_id),
        )

    def for_checkout(self, checkout_id: str, *, for_update: bool = False) -> list[OrderRecord]:
        lock = " FOR UPDATE" if for_update else ""
        rows = self._execute(
            f"SELECT {_COLUMNS} FROM orders WHERE checkout_id = %s ORDER BY order_id{lock}",  # noqa: S608
            (checkout_id,),
        ).fetchall()
        return self._with_items(rows)


class PostgresOrderReader:
    """``workflows.orders.ports.OrderReader`` with one pooled connection per read."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float = 5.0) -> None:
        self._pool = pool
        self._timeout_s = timeout_s

    def get(self, order_id: str) -> OrderRecord | None:
        try:
            with self._pool.connection(timeout=self._timeout_s) as conn:
                return PostgresOrders(conn).get(order_id)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc

    def list_for(
        self, user_id: str, role: Role, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[OrderRecord]:
        try:
            with self._pool.connection(timeout=self._timeout_s) as conn:
                return PostgresOrders(conn).list_for(user_id, role, limit=limit, before=before)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise TransientError(f"PostgreSQL: {exc}") from exc
