"""Offers and their moves in PostgreSQL (``offers``, ``offer_moves``; migration 0116), and the
checkouts made from an offer (``checkouts.agreement_*``, migration 0115).

(The f-strings below only splice in the constant column list, ``FOR UPDATE`` and the role's
column; every value is a bound parameter, hence the ``noqa: S608``.)
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.postgres.ledger import unit_of_work
from adapters.postgres.repository import PooledReads, Repository
from workflows.offers.model import OfferMove, OfferRecord
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.offers.model import Role

_COLUMNS = (
    "offer_id, listing_id, seller_id, buyer_id, title, quantity, currency, amount, offered, list_price, "
    "status, round, message, respond_by, pay_by, request_hash, created_at, updated_at"
)


def _offer(row: DictRow) -> OfferRecord:
    currency = row["currency"]
    return OfferRecord(
        offer_id=row["offer_id"],
        listing_id=row["listing_id"],
        seller_id=row["seller_id"],
        buyer_id=row["buyer_id"],
        title=row["title"],
        quantity=int(row["quantity"]),
        amount=Money(int(row["amount"]), currency),
        offered=Money(int(row["offered"]), currency),
        list_price=Money(int(row["list_price"]), currency),
        status=row["status"],
        round=int(row["round"]),
        message=row["message"],
        respond_by=row["respond_by"],
        pay_by=row["pay_by"],
        request_hash=row["request_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class PostgresOffers(Repository):
    """Implements ``workflows.offers.ports.OfferStore`` on the caller's transaction."""

    def get(self, offer_id: str, *, for_update: bool = False) -> OfferRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_COLUMNS} FROM offers WHERE offer_id = %s{lock}",  # noqa: S608
            (offer_id,),
        ).fetchone()
        return _offer(row) if row else None

    def add(self, offer: OfferRecord) -> bool:
        row = self._execute(
            f"INSERT INTO offers ({_COLUMNS}) VALUES "  # noqa: S608
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (offer_id) DO NOTHING RETURNING offer_id",
            (
                offer.offer_id,
                offer.listing_id,
                offer.seller_id,
                offer.buyer_id,
                offer.title,
                offer.quantity,
                offer.amount.currency,
                offer.amount.amount_minor,
                offer.offered.amount_minor,
                offer.list_price.amount_minor,
                offer.status,
                offer.round,
                offer.message,
                offer.respond_by,
                offer.pay_by,
                offer.request_hash,
                offer.created_at,
                offer.updated_at,
            ),
        ).fetchone()
        return row is not None

    def save(self, offer: OfferRecord) -> None:
        self._execute(
            "UPDATE offers SET status = %s, amount = %s, round = %s, respond_by = %s, pay_by = %s, "
            "updated_at = %s WHERE offer_id = %s",
            (
                offer.status,
                offer.amount.amount_minor,
                offer.round,
                offer.respond_by,
                offer.pay_by,
                offer.updated_at,
                offer.offer_id,
            ),
        )

    def record(self, offer_id: str, move: OfferMove) -> None:
        self._execute(
            "INSERT INTO offer_moves (offer_id, round, actor, kind, amount, at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (offer_id, round, kind) DO NOTHING",
            (
                offer_id,
                move.round,
                move.actor,
                move.kind,
                move.amount.amount_minor if move.amount else None,
                move.at,
            ),
        )

    def moves(self, offer_id: str) -> list[OfferMove]:
        rows = self._execute(
            "SELECT m.round, m.actor, m.kind, m.amount, m.at, o.currency FROM offer_moves m "
            "JOIN offers o USING (offer_id) WHERE m.offer_id = %s ORDER BY m.seq",
            (offer_id,),
        ).fetchall()
        return [
            OfferMove(
                round=int(r["round"]),
                actor=r["actor"],
                kind=r["kind"],
                at=r["at"],
                amount=Money(int(r["amount"]), r["currency"]) if r["amount"] is not None else None,
            )
            for r in rows
        ]

    def lock_buyer(self, buyer_id: str, listing_id: str) -> None:
        self._execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"offers:{buyer_id}:{listing_id}",)
        )

    def of_buyer_on(self, buyer_id: str, listing_id: str) -> list[OfferRecord]:
        rows = self._execute(
            f"SELECT {_COLUMNS} FROM offers WHERE buyer_id = %s AND listing_id = %s "  # noqa: S608
            "ORDER BY created_at, offer_id",
            (buyer_id, listing_id),
        ).fetchall()
        return [_offer(r) for r in rows]

    def of_user(
        self, user_id: str, role: Role, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[OfferRecord]:
        column = "buyer_id" if role == "buyer" else "seller_id"
        if after is None:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM offers WHERE {column} = %s "  # noqa: S608
                "ORDER BY created_at DESC, offer_id DESC LIMIT %s",
                (user_id, limit),
            ).fetchall()
        else:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM offers WHERE {column} = %s "  # noqa: S608
                "AND (created_at, offer_id) < (%s, %s) ORDER BY created_at DESC, offer_id DESC LIMIT %s",
                (user_id, after[0], after[1], limit),
            ).fetchall()
        return [_offer(r) for r in rows]


@dataclass(frozen=True)
class PostgresOfferUnitOfWork:
    offers: PostgresOffers


@contextmanager
def offer_unit_of_work(pool: ConnectionPool[Connection[DictRow]]) -> Iterator[PostgresOfferUnitOfWork]:
    """One transaction: committed when the block ends, rolled back (nothing written) on error."""
    with unit_of_work(pool) as conn:
        yield PostgresOfferUnitOfWork(offers=PostgresOffers(conn))


class PostgresAgreedCheckouts(PooledReads):
    """Implements ``workflows.offers.ports.AgreedCheckouts`` from the checkouts table."""

    def latest(self, kind: str, source_id: str) -> tuple[str, str] | None:
        row = self._read(
            lambda conn: conn.execute(
                "SELECT checkout_id, status FROM checkouts WHERE agreement_kind = %s "
                "AND agreement_source_id = %s ORDER BY created_at DESC, checkout_id DESC LIMIT 1",
                (kind, source_id),
            ).fetchone()
        )
        return (str(row["checkout_id"]), str(row["status"])) if row else None
