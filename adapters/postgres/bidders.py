"""PostgreSQL for the auctions' bid history: who bidders are, as far as a masked name shows.

Implements ``workflows.auctions.ports.BidderDirectory``: a bidder's name (``users``; the email's
local part before they gave one: only its first and last character are ever shown) and the
count shown beside the masked name, eBay's: the member's feedback score (the public profile's
read model, ``seller_profiles``); completed purchases (paid orders, shipped or delivered ones
included) for a member no feedback has been projected for yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg import errors

from workflows.auctions.ports import BidderInfo
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

_DESCRIBE = """
SELECT u.user_id, coalesce(u.name, split_part(u.email::text, '@', 1)) AS name, p.score,
       (SELECT count(*) FROM orders o
         WHERE o.buyer_id = u.user_id AND o.status IN ('paid', 'shipped', 'delivered')) AS purchases
  FROM users u LEFT JOIN seller_profiles p ON p.user_id = u.user_id
 WHERE u.user_id = ANY(%(ids)s)
"""


class PostgresBidders:
    def __init__(self, pool: ConnectionPool[Connection[DictRow]]) -> None:
        self._pool = pool

    def describe(self, user_ids: list[str]) -> dict[str, BidderInfo]:
        if not user_ids:
            return {}
        try:
            with self._pool.connection() as conn:
                rows = conn.execute(_DESCRIBE, {"ids": list(user_ids)}).fetchall()
        except errors.OperationalError as exc:
            raise TransientError(f"bidders not read: {exc}") from exc
        return {
            str(row["user_id"]): BidderInfo(
                name=row["name"],
                feedback_count=None if row["score"] is None else int(row["score"]),
                completed_purchases=int(row["purchases"]),
            )
            for row in rows
        }
