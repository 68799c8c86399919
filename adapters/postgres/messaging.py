"""What messaging asks PostgreSQL: an order's parties, whether two people have an order together,
and people's public names (``users``, ``orders``, ``order_items``: read only).

A public name is the first name and the initial of the last one ("Ada L."), as marketplaces
show members to each other: never an email address or a phone number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg_pool import PoolTimeout

from workflows.messaging.ports import OrderParties
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

#: what a member without a name on their profile is called
NO_NAME = "A Resale member"

_PARTIES = """
SELECT o.order_id, o.buyer_id, o.seller_id, i.listing_id, i.title
FROM orders o
LEFT JOIN LATERAL (
    SELECT listing_id, title FROM order_items WHERE order_id = o.order_id ORDER BY listing_id LIMIT 1
) i ON true
WHERE o.order_id = %s
"""
# an order the buyer paid for (whatever became of it since) is an order between the two
_HAVE_ORDER = """
SELECT 1 FROM orders
WHERE ((buyer_id = %s AND seller_id = %s) OR (buyer_id = %s AND seller_id = %s))
  AND (paid_at IS NOT NULL OR status IN ('paid', 'shipped', 'delivered', 'refunded'))
LIMIT 1
"""


def public_name(name: str | None) -> str:
    """ "Ada Lovelace" → "Ada L."; one word stays as it is; none → :data:`NO_NAME`."""
    words = (name or "").split()
    if not words:
        return NO_NAME
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


class PostgresMessagingDirectory:
    """Implements ``workflows.messaging.ports.OrderDirectory`` and ``People``."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self._pool = pool

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[DictRow]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(sql, params).fetchall()
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise TransientError(f"PostgreSQL is unavailable: {exc}") from exc

    def parties(self, order_id: str) -> OrderParties | None:
        rows = self._rows(_PARTIES, (order_id,))
        if not rows:
            return None
        row = rows[0]
        return OrderParties(
            order_id=row["order_id"],
            buyer_id=row["buyer_id"],
            seller_id=row["seller_id"],
            listing_id=row["listing_id"],
            title=row["title"] or f"Order {order_id}",
        )

    def have_order(self, a: str, b: str) -> bool:
        return bool(self._rows(_HAVE_ORDER, (a, b, b, a)))

    def public_names(self, user_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        rows = self._rows("SELECT user_id, name FROM users WHERE user_id = ANY(%s)", (ids,))
        found = {row["user_id"]: public_name(row["name"]) for row in rows}
        return {user_id: found.get(user_id, NO_NAME) for user_id in ids}

    def exists(self, user_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM users WHERE user_id = %s", (user_id,)))
