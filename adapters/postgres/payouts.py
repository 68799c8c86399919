"""Payouts in PostgreSQL (``payouts``, ``payout_transfers``, ``payout_reversals``; migration 0070).

- :class:`PostgresPayouts`: the payout rows and the Stripe ids behind the ledger's transfer and
  reversal entries, on the caller's transaction;
- :func:`books_factory`: the unit of work of payouts and fulfilment (orders, payouts and the
  ledger on one connection and one transaction; ``adapters.postgres.ledger.unit_of_work``);
- :class:`PostgresFinanceReader`: a seller's balance, payouts and sales, an order's entries;
- :class:`PostgresConnectedAccounts`: the seller's Stripe connected account, from the table the
  onboarding workflow keeps.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from adapters.postgres.fulfilment import PostgresOrderBook
from adapters.postgres.ledger import PostgresLedger, unit_of_work
from adapters.postgres.repository import PooledReads, Repository
from workflows.ledger.model import PLATFORM_FEE_REVENUE, REFUNDS, STRIPE_BALANCE, seller_payable
from workflows.payouts.model import PayoutRecord
from workflows.payouts.queries import SalesTotals, SellerMoney
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from datetime import datetime
    from typing import TypeVar

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.ledger.model import JournalEntry
    from workflows.payouts.model import PayoutStatus

    _T = TypeVar("_T")

_COLUMNS = (
    "order_id, seller_id, checkout_id, charge_id, currency, amount, status, hold_until, hold_reason, "
    "stopped_reason, transfer_id, transferred_at, paid_at, created_at"
)


def _payout(row: DictRow) -> PayoutRecord:
    return PayoutRecord(
        order_id=row["order_id"],
        seller_id=row["seller_id"],
        checkout_id=row["checkout_id"],
        charge_id=row["charge_id"],
        amount=Money(int(row["amount"]), row["currency"]),
        paid_at=row["paid_at"],
        status=row["status"],
        hold_until=row["hold_until"],
        hold_reason=row["hold_reason"],
        stopped_reason=row["stopped_reason"],
        transfer_id=row["transfer_id"],
        transferred_at=row["transferred_at"],
        created_at=row["created_at"],
    )


class PostgresPayouts(Repository):
    """``workflows.payouts.ports.PayoutRepository`` on one connection (the caller's transaction)."""

    def add(self, payout: PayoutRecord) -> bool:
        row = self._execute(
            "INSERT INTO payouts (order_id, payout_id, seller_id, checkout_id, charge_id, currency, amount, "
            "status, paid_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
            (
                payout.order_id,
                payout.payout_id,
                payout.seller_id,
                payout.checkout_id,
                payout.charge_id,
                payout.amount.currency,
                payout.amount.amount_minor,
                payout.status,
                payout.paid_at,
            ),
        ).fetchone()
        return row is not None

    def get(self, order_id: str, *, for_update: bool = False) -> PayoutRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_COLUMNS} FROM payouts WHERE order_id = %s{lock}",  # noqa: S608 - constant columns
            (order_id,),
        ).fetchone()
        return _payout(row) if row else None

    def set_status(
        self,
        order_id: str,
        status: PayoutStatus,
        *,
        hold_until: datetime | None = None,
        hold_reason: str | None = None,
        stopped_reason: str | None = None,
    ) -> None:
        self._execute(
            "UPDATE payouts SET status = %s, hold_until = %s, hold_reason = %s, stopped_reason = %s "
            "WHERE order_id = %s AND status <> 'transferred'",
            (status, hold_until, hold_reason, stopped_reason, order_id),
        )

    def mark_transferred(self, order_id: str, transfer_id: str, *, at: datetime) -> None:
        self._execute(
            "UPDATE payouts SET status = 'transferred', transfer_id = %s, transferred_at = %s, "
            "hold_until = NULL, hold_reason = NULL WHERE order_id = %s AND transfer_id IS NULL",
            (transfer_id, at, order_id),
        )

    def transfer_order(self, transfer_id: str) -> str | None:
        row = self._execute(
            "SELECT order_id FROM payout_transfers WHERE transfer_id = %s", (transfer_id,)
        ).fetchone()
        return str(row["order_id"]) if row else None

    def add_transfer(self, transfer_id: str, order_id: str, entry_id: str, amount: Money) -> bool:
        row = self._execute(
            "INSERT INTO payout_transfers (transfer_id, order_id, entry_id, amount, currency) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (transfer_id) DO NOTHING RETURNING transfer_id",
            (transfer_id, order_id, entry_id, amount.amount_minor, amount.currency),
        ).fetchone()
        return row is not None

    def add_reversal(
        self, reversal_id: str, transfer_id: str, order_id: str, entry_id: str, amount: Money
    ) -> bool:
        row = self._execute(
            "INSERT INTO payout_reversals (reversal_id, transfer_id, order_id, entry_id, amount, currency) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (reversal_id) DO NOTHING RETURNING reversal_id",
            (reversal_id, transfer_id, order_id, entry_id, amount.amount_minor, amount.currency),
        ).fetchone()
        return row is not None

    def earlier_sales(self, seller_id: str, paid_at: datetime, order_id: str) -> int:
        row = self._execute(
            "SELECT count(*) AS n FROM payouts WHERE seller_id = %s AND status <> 'stopped' "
            "AND (paid_at, order_id) < (%s, %s)",
            (seller_id, paid_at, order_id),
        ).fetchone()
        return int(row["n"]) if row else 0


class PostgresBooks:
    """``workflows.payouts.ports.Books``: orders, payouts and the ledger on one transaction."""

    def __init__(self, conn: Connection[DictRow]) -> None:
        self.orders = PostgresOrderBook(conn)
        self.payouts = PostgresPayouts(conn)
        self.ledger = PostgresLedger(conn)


def books_factory(
    pool: ConnectionPool[Connection[DictRow]],
) -> Callable[[], AbstractContextManager[PostgresBooks]]:
    """A ``BooksFactory``: each call is one transaction, committed when its block ends."""

    @contextmanager
    def books() -> Iterator[PostgresBooks]:
        with unit_of_work(pool) as conn:
            yield PostgresBooks(conn)

    return books


#: ``%(currency)s`` NULL: every currency
_ONE_OR_ALL = "(%(currency)s::text IS NULL OR {column} = %(currency)s::text)"

_SALES = f"""
WITH paid AS (
    SELECT e.order_id, p.currency, sum(p.amount) AS gross
    FROM journal_entries e
    JOIN orders o ON o.order_id = e.order_id
    JOIN ledger_postings p ON p.entry_id = e.entry_id
    WHERE e.kind = 'payment' AND o.seller_id = %(seller)s AND p.account_code = %(balance)s
      AND {_ONE_OR_ALL.format(column="p.currency")}
      AND e.created_at >= %(start)s AND e.created_at < %(end)s
    GROUP BY e.order_id, p.currency
), sold AS (
    SELECT currency, count(*) AS orders, sum(gross) AS gross FROM paid GROUP BY currency
), moved AS (
    SELECT
        p.currency,
        coalesce(-sum(p.amount) FILTER (WHERE p.account_code = %(fees)s), 0) AS fees,
        coalesce(
            -sum(p.amount) FILTER (
                WHERE p.account_code = %(refunds)s AND e.kind IN ('refund', 'refund_failed')
            ),
            0
        ) AS refunds
    FROM journal_entries e
    JOIN ledger_postings p ON p.entry_id = e.entry_id
    JOIN paid ON paid.order_id = e.order_id AND paid.currency = p.currency
    GROUP BY p.currency
)
SELECT s.currency, s.orders, s.gross, coalesce(m.fees, 0) AS fees, coalesce(m.refunds, 0) AS refunds
FROM sold s LEFT JOIN moved m ON m.currency = s.currency
ORDER BY s.currency
"""  # noqa: S608 - constant SQL

_SELLER_MONEY = f"""
WITH owed AS (
    SELECT
        p.currency,
        coalesce(-sum(p.amount), 0)::bigint AS owed,
        coalesce(sum(p.amount) FILTER (WHERE e.kind IN ('transfer', 'reversal')), 0)::bigint AS paid_out
    FROM ledger_postings p JOIN journal_entries e ON e.entry_id = p.entry_id
    WHERE p.account_code = %(account)s AND {_ONE_OR_ALL.format(column="p.currency")}
    GROUP BY p.currency
), payable AS (
    SELECT currency, sum(amount)::bigint AS available FROM payouts
    WHERE seller_id = %(seller)s AND status = 'payable' AND {_ONE_OR_ALL.format(column="currency")}
    GROUP BY currency
)
SELECT coalesce(o.currency, a.currency) AS currency, coalesce(o.owed, 0) AS owed,
       coalesce(a.available, 0) AS available, coalesce(o.paid_out, 0) AS paid_out
FROM owed o FULL JOIN payable a ON a.currency = o.currency
ORDER BY 1
"""  # noqa: S608 - constant SQL

_PAYOUTS = f"""
SELECT {_COLUMNS} FROM payouts
WHERE seller_id = %(seller)s AND {_ONE_OR_ALL.format(column="currency")}
  AND (%(before_at)s::timestamptz IS NULL OR (paid_at, order_id) < (%(before_at)s, %(before_id)s::text))
ORDER BY paid_at DESC, order_id DESC LIMIT %(limit)s
"""  # noqa: S608 - constant columns


class PostgresFinanceReader(PooledReads):
    """``workflows.payouts.queries.FinanceReader``."""

    def seller_money(self, seller_id: str, currency: str | None) -> list[SellerMoney]:
        def work(conn: Connection[DictRow]) -> list[SellerMoney]:
            rows = conn.execute(
                _SELLER_MONEY,
                {"account": seller_payable(seller_id), "seller": seller_id, "currency": currency},
            ).fetchall()
            return [
                SellerMoney(
                    owed=Money(int(r["owed"]), str(r["currency"])),
                    available=Money(int(r["available"]), str(r["currency"])),
                    paid_out=Money(int(r["paid_out"]), str(r["currency"])),
                )
                for r in rows
            ]

        return self._read(work)

    def payouts(
        self, seller_id: str, *, currency: str | None, limit: int, before: tuple[datetime, str] | None
    ) -> list[PayoutRecord]:
        params = {
            "seller": seller_id,
            "currency": currency,
            "before_at": before[0] if before else None,
            "before_id": before[1] if before else None,
            "limit": limit,
        }
        return self._read(lambda conn: [_payout(r) for r in conn.execute(_PAYOUTS, params).fetchall()])

    def sales(
        self, seller_id: str, currency: str | None, start: datetime, end: datetime
    ) -> list[SalesTotals]:
        def work(conn: Connection[DictRow]) -> list[SalesTotals]:
            rows = conn.execute(
                _SALES,
                {
                    "seller": seller_id,
                    "currency": currency,
                    "start": start,
                    "end": end,
                    "balance": STRIPE_BALANCE,
                    "fees": PLATFORM_FEE_REVENUE,
                    "refunds": REFUNDS,
                },
            ).fetchall()
            return [
                SalesTotals(
                    orders=int(r["orders"]),
                    gross=Money(int(r["gross"]), str(r["currency"])),
                    fees=Money(int(r["fees"]), str(r["currency"])),
                    refunds=Money(int(r["refunds"]), str(r["currency"])),
                )
                for r in rows
            ]

        return self._read(work)

    def order_exists(self, order_id: str) -> bool:
        return self._read(
            lambda conn: (
                conn.execute("SELECT 1 FROM orders WHERE order_id = %s", (order_id,)).fetchone() is not None
            )
        )

    def order_entries(self, order_id: str) -> list[JournalEntry]:
        return self._read(lambda conn: PostgresLedger(conn).entries_for_order(order_id))


#: the onboarding workflow's table (migration 0050): the seller's live, active onboarding
_ACCOUNT_OF_SELLER = """
SELECT stripe_account_id FROM seller_onboardings
WHERE user_id = %s AND status = 'active' AND stripe_account_id IS NOT NULL
ORDER BY created_at DESC LIMIT 1
"""


class PostgresConnectedAccounts(PooledReads):
    """``workflows.payouts.ports.ConnectedAccounts``."""

    def account_for(self, seller_id: str) -> str | None:
        def work(conn: Connection[DictRow]) -> str | None:
            # a database error (an outage, a missing table) is raised, never read as "no account":
            # that would re-hold every payout in silence
            row = conn.execute(_ACCOUNT_OF_SELLER, (seller_id,)).fetchone()
            return str(row["stripe_account_id"]) if row and row["stripe_account_id"] else None

        return self._read(work)
