"""The ledger's side of reconciliation (``workflows.payouts.reconciliation.LedgerSide``).

Each read selects the records whose journal entries were posted in the window, and the records
of the Stripe ids it is given (``also``) whenever they were posted. The Stripe ids come from the
tables that tie an entry to Stripe's object: ``payout_transfers`` and ``payout_reversals``
(migration 0070), the orders' ``payment_intent_id``, and ``order_cancellations.refund_id`` and
``cases.refund_id`` (migration 0100) for the refund entries, whose ids are derived from the refund
id (``workflows.ledger.entries``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from adapters.postgres.repository import PooledReads
from workflows.ledger.entries import entry_id
from workflows.ledger.model import ENTRY_KINDS, REFUNDS, STRIPE_BALANCE
from workflows.payouts.reconciliation import LedgerPayment, LedgerRefund, LedgerReversal, LedgerTransfer

if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any, TypeVar

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.ledger.model import EntryKind
    from workflows.payouts.reconciliation import Window

    _T = TypeVar("_T")

#: the entry kinds of a refund's life that this ledger knows (``refund``, ``refund_paid``, ...)
REFUND_KINDS: tuple[str, ...] = tuple(k for k in ENTRY_KINDS if k == "refund" or k.startswith("refund_"))

_IN_WINDOW = "(e.created_at >= %(start)s AND e.created_at < %(end)s)"

_TRANSFERS = f"""
SELECT t.transfer_id, t.order_id, p.currency, -sum(p.amount)::bigint AS amount,
       coalesce((SELECT sum(rp.amount) FROM payout_reversals r
                 JOIN ledger_postings rp ON rp.entry_id = r.entry_id AND rp.account_code = %(balance)s
                 WHERE r.transfer_id = t.transfer_id), 0)::bigint AS reversed
FROM payout_transfers t
JOIN journal_entries e ON e.entry_id = t.entry_id
JOIN ledger_postings p ON p.entry_id = t.entry_id AND p.account_code = %(balance)s
WHERE {_IN_WINDOW} OR t.transfer_id = ANY(%(also)s)
GROUP BY t.transfer_id, t.order_id, p.currency
"""  # noqa: S608 - constant SQL

_REVERSALS = f"""
SELECT r.reversal_id, r.transfer_id, r.order_id, p.currency, sum(p.amount)::bigint AS amount
FROM payout_reversals r
JOIN journal_entries e ON e.entry_id = r.entry_id
JOIN ledger_postings p ON p.entry_id = r.entry_id AND p.account_code = %(balance)s
WHERE {_IN_WINDOW} OR r.reversal_id = ANY(%(also)s)
GROUP BY r.reversal_id, r.transfer_id, r.order_id, p.currency
"""  # noqa: S608 - constant SQL

_PAYMENTS = f"""
WITH chosen AS (
    SELECT DISTINCT o.payment_intent_id
    FROM journal_entries e JOIN orders o ON o.order_id = e.order_id
    WHERE e.kind = 'payment' AND o.payment_intent_id IS NOT NULL
      AND ({_IN_WINDOW} OR o.payment_intent_id = ANY(%(also)s))
)
SELECT o.payment_intent_id, array_agg(DISTINCT o.order_id ORDER BY o.order_id) AS order_ids, p.currency,
       sum(p.amount)::bigint AS amount
FROM journal_entries e
JOIN orders o ON o.order_id = e.order_id
JOIN ledger_postings p ON p.entry_id = e.entry_id AND p.account_code = %(balance)s
WHERE e.kind = 'payment' AND o.payment_intent_id IN (SELECT payment_intent_id FROM chosen)
GROUP BY o.payment_intent_id, p.currency
"""  # noqa: S608 - constant SQL

#: the refunds whose life moved in the window (granted, paid, failed...), or named
_REFUNDS = f"""
WITH granted AS (  -- a cancellation's refund, or a buyer's case's (migration 0100)
    SELECT refund_id, order_id, currency FROM order_cancellations
    UNION ALL
    SELECT refund_id, order_id, currency FROM cases WHERE refund_id IS NOT NULL
)
SELECT c.refund_id, c.order_id, o.payment_intent_id, c.currency
FROM granted c
JOIN orders o ON o.order_id = c.order_id
WHERE c.refund_id = ANY(%(also)s)
   OR EXISTS (SELECT 1 FROM journal_entries e
              WHERE e.order_id = c.order_id AND e.kind = ANY(%(kinds)s) AND {_IN_WINDOW})
"""  # noqa: S608 - constant SQL

_REFUND_ENTRIES = """
SELECT e.entry_id, e.kind,
       coalesce(-sum(p.amount) FILTER (WHERE p.account_code = %(refunds)s), 0)::bigint AS granted
FROM journal_entries e
JOIN ledger_postings p ON p.entry_id = e.entry_id
WHERE e.entry_id = ANY(%(ids)s)
GROUP BY e.entry_id, e.kind
"""


class PostgresReconciliationSide(PooledReads):
    """What the ledger says was paid, transferred, reversed and refunded."""

    def __init__(self, pool: ConnectionPool[Connection[DictRow]], *, timeout_s: float = 10.0) -> None:
        super().__init__(pool, timeout_s=timeout_s)

    def _rows(self, sql: str, window: Window, also: Collection[str], **more: Any) -> list[DictRow]:
        params = {"start": window.start, "end": window.end, "also": list(also), "balance": STRIPE_BALANCE}
        return self._read(lambda conn: conn.execute(sql, {**params, **more}).fetchall())

    def transfers(self, window: Window, also: Collection[str] = ()) -> list[LedgerTransfer]:
        return [
            LedgerTransfer(
                r["transfer_id"], r["order_id"], int(r["amount"]), int(r["reversed"]), r["currency"]
            )
            for r in self._rows(_TRANSFERS, window, also)
        ]

    def reversals(self, window: Window, also: Collection[str] = ()) -> list[LedgerReversal]:
        return [
            LedgerReversal(r["reversal_id"], r["transfer_id"], r["order_id"], int(r["amount"]), r["currency"])
            for r in self._rows(_REVERSALS, window, also)
        ]

    def payments(self, window: Window, also: Collection[str] = ()) -> list[LedgerPayment]:
        return [
            LedgerPayment(r["payment_intent_id"], tuple(r["order_ids"]), int(r["amount"]), r["currency"])
            for r in self._rows(_PAYMENTS, window, also)
        ]

    def refunds(self, window: Window, also: Collection[str] = ()) -> list[LedgerRefund]:
        refunds = self._rows(_REFUNDS, window, also, kinds=list(REFUND_KINDS))
        # each refund's entries, by the ids the ledger derives from the refund id
        named = {
            entry_id(cast("EntryKind", kind), r["refund_id"]): (r["refund_id"], kind)
            for r in refunds
            for kind in REFUND_KINDS
        }
        kinds: dict[str, set[str]] = {r["refund_id"]: set() for r in refunds}
        granted: dict[str, int] = {}
        if named:
            rows = self._read(
                lambda conn: conn.execute(
                    _REFUND_ENTRIES, {"ids": list(named), "refunds": REFUNDS}
                ).fetchall()
            )
            for row in rows:
                refund_id, kind = named[row["entry_id"]]
                kinds[refund_id].add(kind)
                if kind == "refund":
                    granted[refund_id] = int(row["granted"])
        return [
            LedgerRefund(
                refund_id=r["refund_id"],
                order_id=r["order_id"],
                payment_intent_id=r["payment_intent_id"],
                amount=granted.get(r["refund_id"], 0),
                currency=str(r["currency"]),
                kinds=frozenset(kinds[r["refund_id"]]),
            )
            for r in refunds
        ]
