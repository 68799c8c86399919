"""Cases in PostgreSQL (``cases``, ``case_events``; migration 0100).

- :class:`PostgresCases`: ``workflows.cases.ports.CaseRepository`` on the caller's transaction;
- :func:`case_books_factory`: the unit of work of cases (cases, orders, payouts and the ledger on
  one connection and one transaction, as ``adapters.postgres.payouts.books_factory``);
- :class:`PostgresCaseReader`: the parties' and the admins' lists, a seller's case rate.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.postgres.ledger import unit_of_work
from adapters.postgres.payouts import PostgresBooks
from adapters.postgres.repository import PooledReads, Repository
from workflows.cases.model import Case, TimelineEntry
from workflows.cases.ports import DisputeRecord
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from datetime import datetime

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.cases.model import CaseStatus
    from workflows.cases.ports import DisputeState

_COLUMNS = (
    "case_id, order_id, buyer_id, seller_id, reason, description, image_ids, status, outcome, currency, "
    "order_total, offer_amount, refund_amount, refund_id, deadline_at, close_by, return_carrier, "
    "return_tracking, return_shipped_at, escalated_at, closed_at, buyer_flagged, request_hash, opened_at, "
    "updated_at"
)


def _money(amount: Any, currency: str) -> Money | None:
    return Money(int(amount), currency) if amount is not None else None


def _case(row: DictRow, timeline: tuple[TimelineEntry, ...] = ()) -> Case:
    currency = str(row["currency"])
    return Case(
        case_id=row["case_id"],
        order_id=row["order_id"],
        buyer_id=row["buyer_id"],
        seller_id=row["seller_id"],
        reason=row["reason"],
        description=row["description"],
        image_ids=tuple(row["image_ids"] or ()),
        order_total=Money(int(row["order_total"]), currency),
        status=row["status"],
        outcome=row["outcome"],
        offer_amount=_money(row["offer_amount"], currency),
        refund_amount=_money(row["refund_amount"], currency),
        refund_id=row["refund_id"],
        deadline_at=row["deadline_at"],
        close_by=row["close_by"],
        return_carrier=row["return_carrier"],
        return_tracking=row["return_tracking"],
        return_shipped_at=row["return_shipped_at"],
        escalated_at=row["escalated_at"],
        closed_at=row["closed_at"],
        buyer_flagged=bool(row["buyer_flagged"]),
        request_hash=row["request_hash"],
        opened_at=row["opened_at"],
        updated_at=row["updated_at"],
        timeline=timeline,
    )


def _state(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "status": case.status,
        "outcome": case.outcome,
        "offer_amount": case.offer_amount.amount_minor if case.offer_amount else None,
        "refund_amount": case.refund_amount.amount_minor if case.refund_amount else None,
        "refund_id": case.refund_id,
        "deadline_at": case.deadline_at,
        "return_carrier": case.return_carrier,
        "return_tracking": case.return_tracking,
        "return_shipped_at": case.return_shipped_at,
        "escalated_at": case.escalated_at,
        "closed_at": case.closed_at,
    }


_INSERT_EVENT = """
INSERT INTO case_events (case_id, seq, event_id, at, role, actor_id, action, message, amount)
SELECT %(case_id)s, coalesce(max(seq), 0) + 1, %(event_id)s, %(at)s, %(role)s, %(actor_id)s, %(action)s,
       %(message)s, %(amount)s
FROM case_events WHERE case_id = %(case_id)s
ON CONFLICT (event_id) DO NOTHING
RETURNING seq
"""


class PostgresCases(Repository):
    """``workflows.cases.ports.CaseRepository`` on one connection (the caller's transaction)."""

    def _append(self, case_id: str, entry: TimelineEntry, event_id: str) -> bool:
        row = self._execute(
            _INSERT_EVENT,
            {
                "case_id": case_id,
                "event_id": event_id,
                "at": entry.at,
                "role": entry.role,
                "actor_id": entry.actor_id,
                "action": entry.action,
                "message": entry.message,
                "amount": entry.amount.amount_minor if entry.amount else None,
            },
        ).fetchone()
        return row is not None

    def add(self, case: Case, entry: TimelineEntry, event_id: str) -> bool:
        row = self._execute(
            "INSERT INTO cases (case_id, order_id, buyer_id, seller_id, reason, description, image_ids, "
            "status, currency, order_total, deadline_at, close_by, buyer_flagged, request_hash, opened_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (case_id) DO NOTHING RETURNING case_id",
            (
                case.case_id,
                case.order_id,
                case.buyer_id,
                case.seller_id,
                case.reason,
                case.description,
                list(case.image_ids),
                case.status,
                case.order_total.currency,
                case.order_total.amount_minor,
                case.deadline_at,
                case.close_by,
                case.buyer_flagged,
                case.request_hash,
                case.opened_at,
            ),
        ).fetchone()
        if row is None:
            return False
        self._append(case.case_id, entry, event_id)
        return True

    def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_COLUMNS} FROM cases WHERE case_id = %s{lock}",  # noqa: S608 - constant columns
            (case_id,),
        ).fetchone()
        return _case(row, self._timeline(case_id, str(row["currency"]))) if row else None

    def _timeline(self, case_id: str, currency: str) -> tuple[TimelineEntry, ...]:
        rows = self._execute(
            "SELECT at, role, actor_id, action, message, amount FROM case_events "
            "WHERE case_id = %s ORDER BY seq",
            (case_id,),
        ).fetchall()
        return tuple(
            TimelineEntry(
                role=r["role"],
                action=r["action"],
                at=r["at"],
                actor_id=r["actor_id"],
                message=r["message"],
                amount=_money(r["amount"], currency),
            )
            for r in rows
        )

    def open_for_order(self, order_id: str) -> Case | None:
        row = self._execute(
            "SELECT case_id FROM cases WHERE order_id = %s AND status <> 'closed'", (order_id,)
        ).fetchone()
        return self.get(str(row["case_id"])) if row else None

    def save(self, case: Case, entry: TimelineEntry, event_id: str) -> bool:
        if not self._append(case.case_id, entry, event_id):
            return False
        self._execute(
            "UPDATE cases SET status = %(status)s, outcome = %(outcome)s, offer_amount = %(offer_amount)s, "
            "refund_amount = %(refund_amount)s, refund_id = %(refund_id)s, deadline_at = %(deadline_at)s, "
            "return_carrier = %(return_carrier)s, return_tracking = %(return_tracking)s, "
            "return_shipped_at = %(return_shipped_at)s, escalated_at = %(escalated_at)s, "
            "closed_at = %(closed_at)s WHERE case_id = %(case_id)s",
            _state(case),
        )
        return True

    def cases_of_buyer_since(self, buyer_id: str, since: datetime) -> int:
        row = self._execute(
            "SELECT count(*) AS n FROM cases WHERE buyer_id = %s AND opened_at >= %s", (buyer_id, since)
        ).fetchone()
        return int(row["n"]) if row else 0

    def set_payout_amount(self, order_id: str, amount: Money) -> None:
        self._execute(
            "UPDATE payouts SET amount = %s "
            "WHERE order_id = %s AND currency = %s AND status <> 'transferred'",
            (amount.amount_minor, order_id, amount.currency),
        )


_UPSERT_DISPUTE = """
INSERT INTO order_disputes (dispute_id, order_id, status, charge_id, amount, currency, reason, stripe_status,
                            evidence_due_by, closed_at)
VALUES (%(dispute_id)s, %(order_id)s, %(status)s, %(charge_id)s, %(amount)s, %(currency)s, %(reason)s,
        %(stripe_status)s, %(due_by)s, CASE WHEN %(status)s = 'open' THEN NULL ELSE now() END)
ON CONFLICT (dispute_id, order_id) DO UPDATE SET
    status = EXCLUDED.status,
    stripe_status = EXCLUDED.stripe_status,
    evidence_due_by = EXCLUDED.evidence_due_by,
    closed_at = CASE WHEN EXCLUDED.status = 'open' THEN NULL
                     ELSE coalesce(order_disputes.closed_at, now()) END
"""


class PostgresDisputes(Repository):
    """``workflows.cases.ports.DisputeRepository`` on one connection (the caller's transaction)."""

    def orders_paid_by(self, payment_intent_id: str) -> list[str]:
        rows = self._execute(
            "SELECT order_id FROM orders WHERE payment_intent_id = %s ORDER BY order_id", (payment_intent_id,)
        ).fetchall()
        return [str(r["order_id"]) for r in rows]

    def record(self, dispute: DisputeState, order_id: str, share: Money, status: str) -> bool:
        before = self._execute(
            "SELECT status FROM order_disputes WHERE dispute_id = %s AND order_id = %s FOR UPDATE",
            (dispute.dispute_id, order_id),
        ).fetchone()
        self._execute(
            _UPSERT_DISPUTE,
            {
                "dispute_id": dispute.dispute_id,
                "order_id": order_id,
                "status": status,
                "charge_id": dispute.charge_id,
                "amount": share.amount_minor,
                "currency": share.currency,
                "reason": dispute.reason,
                "stripe_status": dispute.status,
                "due_by": dispute.evidence_due_by,
            },
        )
        return before is None or before["status"] != status

    def get(self, dispute_id: str) -> list[DisputeRecord]:
        rows = self._execute(
            "SELECT dispute_id, order_id, status, stripe_status, amount, currency, reason, evidence_due_by, "
            "evidence_submitted_at FROM order_disputes WHERE dispute_id = %s ORDER BY order_id",
            (dispute_id,),
        ).fetchall()
        return [
            DisputeRecord(
                dispute_id=r["dispute_id"],
                order_id=r["order_id"],
                status=r["status"],
                stripe_status=r["stripe_status"],
                amount=_money(r["amount"], str(r["currency"])) if r["currency"] else None,
                reason=r["reason"],
                evidence_due_by=r["evidence_due_by"],
                evidence_submitted_at=r["evidence_submitted_at"],
            )
            for r in rows
        ]

    def mark_evidence_sent(self, dispute_id: str, at: datetime) -> None:
        self._execute(
            "UPDATE order_disputes SET evidence_submitted_at = %s WHERE dispute_id = %s", (at, dispute_id)
        )


class PostgresCaseBooks(PostgresBooks):
    """``workflows.cases.ports.CaseBooks``: cases, disputes, orders, payouts and the ledger on one
    transaction."""

    def __init__(self, conn: Connection[DictRow]) -> None:
        super().__init__(conn)
        self.cases = PostgresCases(conn)
        self.disputes = PostgresDisputes(conn)


def case_books_factory(
    pool: ConnectionPool[Connection[DictRow]],
) -> Callable[[], AbstractContextManager[PostgresCaseBooks]]:
    """A ``CaseBooksFactory``: each call is one transaction, committed when its block ends."""

    @contextmanager
    def books() -> Iterator[PostgresCaseBooks]:
        with unit_of_work(pool) as conn:
            yield PostgresCaseBooks(conn)

    return books


_PAGE = """
SELECT {columns} FROM cases
WHERE {where}
  AND (%(before_at)s::timestamptz IS NULL OR (opened_at, case_id) < (%(before_at)s, %(before_id)s::text))
ORDER BY opened_at DESC, case_id DESC LIMIT %(limit)s
"""

_SELLER_RATE = """
SELECT
    (SELECT count(*) FROM cases WHERE seller_id = %(seller)s AND opened_at >= %(since)s) AS cases,
    (SELECT count(*) FROM orders WHERE seller_id = %(seller)s AND created_at >= %(since)s
       AND status IN ('paid', 'shipped', 'delivered', 'refunded')) AS orders
"""


class PostgresCaseReader(PooledReads):
    """``workflows.cases.ports.CaseReader``."""

    def _page(self, where: str, params: dict[str, Any], before: tuple[datetime, str] | None) -> list[Case]:
        query = _PAGE.format(columns=_COLUMNS, where=where)
        values = {
            **params,
            "before_at": before[0] if before else None,
            "before_id": before[1] if before else None,
        }
        return self._read(lambda conn: [_case(r) for r in conn.execute(query, values).fetchall()])

    def for_user(
        self, user_id: str, *, role: str, limit: int, before: tuple[datetime, str] | None
    ) -> list[Case]:
        column = "seller_id" if role == "seller" else "buyer_id"
        return self._page(f"{column} = %(user)s", {"user": user_id, "limit": limit}, before)

    def by_status(
        self, status: CaseStatus | None, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Case]:
        return self._page(
            "(%(status)s::text IS NULL OR status = %(status)s::text)",
            {"status": status, "limit": limit},
            before,
        )

    def seller_rate(self, seller_id: str, since: datetime) -> tuple[int, int]:
        def work(conn: Connection[DictRow]) -> tuple[int, int]:
            row = conn.execute(_SELLER_RATE, {"seller": seller_id, "since": since}).fetchone()
            return (int(row["cases"]), int(row["orders"])) if row else (0, 0)

        return self._read(work)
