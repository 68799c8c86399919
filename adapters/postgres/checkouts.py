"""Checkouts and their timeline in PostgreSQL (``checkouts``, ``checkout_events``; migration 0060).

:func:`checkout_unit_of_work` opens one transaction over checkouts, orders, the ledger and the
timeline, so that a step's state change and its journal entries commit together or not at all.
(The f-strings below only splice in constant column lists and ``FOR UPDATE``; every value is a
bound parameter, hence the ``noqa: S608``.)
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg.types.json import Jsonb

from adapters.postgres.accounts import PostgresAddresses, PostgresUsers
from adapters.postgres.fee_quotes import PostgresKeptQuotes
from adapters.postgres.ledger import PostgresLedger, unit_of_work
from adapters.postgres.orders import PostgresOrders
from adapters.postgres.repository import Repository
from workflows.checkout.agreements import Agreement
from workflows.checkout.model import CheckoutFailure, CheckoutLine, CheckoutRecord, TimelineEvent
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from psycopg import Connection
    from psycopg.rows import DictRow
    from psycopg_pool import ConnectionPool

    from workflows.checkout.model import CheckoutStatus
    from workflows.orders.model import OrderRecord

_COLUMNS = (
    "checkout_id, buyer_id, status, request_hash, address_id, ship_to, shipping_choices, lines, currency, "
    "amount_total, payment_intent_id, client_secret, charge_id, expires_at, error_code, error_message, "
    "error_details, created_at, updated_at, agreement_kind, agreement_source_id, agreement_holder"
)


def _checkout(row: DictRow) -> CheckoutRecord:
    currency, amount = row["currency"], row["amount_total"]
    return CheckoutRecord(
        checkout_id=row["checkout_id"],
        buyer_id=row["buyer_id"],
        status=row["status"],
        request_hash=row["request_hash"],
        address_id=str(row["address_id"]),
        ship_to=row["ship_to"],
        shipping_choices={c["listing_id"]: c["service"] for c in row["shipping_choices"]},
        lines=tuple(CheckoutLine.from_doc(d) for d in row["lines"]),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        amount_total=Money(int(amount), currency) if amount is not None else None,
        payment_intent_id=row["payment_intent_id"],
        client_secret=row["client_secret"],
        charge_id=row["charge_id"],
        failure=CheckoutFailure(row["error_code"], row["error_message"] or "", row["error_details"] or {})
        if row["error_code"]
        else None,
        agreement=Agreement(row["agreement_kind"], row["agreement_source_id"], row["agreement_holder"])
        if row["agreement_kind"]
        else None,
    )


class PostgresCheckouts(Repository):
    """Implements ``workflows.checkout.ports.Checkouts`` on the caller's transaction."""

    def get(self, checkout_id: str, *, for_update: bool = False) -> CheckoutRecord | None:
        lock = " FOR UPDATE" if for_update else ""
        row = self._execute(
            f"SELECT {_COLUMNS} FROM checkouts WHERE checkout_id = %s{lock}",  # noqa: S608
            (checkout_id,),
        ).fetchone()
        return _checkout(row) if row else None

    def add(self, checkout: CheckoutRecord) -> bool:
        row = self._execute(
            "INSERT INTO checkouts (checkout_id, buyer_id, status, request_hash, address_id, ship_to, "
            "shipping_choices, lines, expires_at, created_at, updated_at, agreement_kind, "
            "agreement_source_id, agreement_holder) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (checkout_id) DO NOTHING RETURNING checkout_id",
            (
                checkout.checkout_id,
                checkout.buyer_id,
                checkout.status,
                checkout.request_hash,
                checkout.address_id,
                Jsonb(checkout.ship_to),
                Jsonb(
                    [{"listing_id": k, "service": v} for k, v in sorted(checkout.shipping_choices.items())]
                ),
                Jsonb([line.to_doc() for line in checkout.lines]),
                checkout.expires_at,
                checkout.created_at,
                checkout.updated_at,
                checkout.agreement.kind if checkout.agreement else None,
                checkout.agreement.source_id if checkout.agreement else None,
                checkout.agreement.holder if checkout.agreement else None,
            ),
        ).fetchone()
        return row is not None

    def set_amount(self, checkout_id: str, amount: Money) -> None:
        self._execute(
            "UPDATE checkouts SET amount_total = %s, currency = %s WHERE checkout_id = %s",
            (amount.amount_minor, amount.currency, checkout_id),
        )

    def await_payment(self, checkout_id: str, payment_intent_id: str, client_secret: str) -> None:
        self._execute(
            "UPDATE checkouts SET status = 'awaiting_payment', payment_intent_id = %s, client_secret = %s "
            "WHERE checkout_id = %s AND status = 'pending'",
            (payment_intent_id, client_secret, checkout_id),
        )

    def set_status(
        self,
        checkout_id: str,
        status: CheckoutStatus,
        *,
        charge_id: str | None = None,
        failure: CheckoutFailure | None = None,
    ) -> None:
        self._execute(
            "UPDATE checkouts SET status = %s, charge_id = coalesce(%s, charge_id), "
            "client_secret = CASE WHEN %s IN ('pending', 'awaiting_payment') THEN client_secret END, "
            "error_code = %s, error_message = %s, error_details = %s WHERE checkout_id = %s",
            (
                status,
                charge_id,
                status,
                failure.code if failure else None,
                failure.message if failure else None,
                Jsonb(failure.details) if failure and failure.details else None,
                checkout_id,
            ),
        )

    def orders_of(self, checkout_id: str, *, for_update: bool = False) -> list[OrderRecord]:
        return PostgresOrders(self._conn).for_checkout(checkout_id, for_update=for_update)

    def for_agreement(self, kind: str, source_id: str) -> list[CheckoutRecord]:
        rows = self._execute(
            f"SELECT {_COLUMNS} FROM checkouts WHERE agreement_kind = %s AND agreement_source_id = %s "  # noqa: S608
            "ORDER BY created_at, checkout_id",
            (kind, source_id),
        ).fetchall()
        return [_checkout(r) for r in rows]

    def of_buyer(
        self, buyer_id: str, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[CheckoutRecord]:
        if after is None:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM checkouts WHERE buyer_id = %s "  # noqa: S608
                "ORDER BY created_at DESC, checkout_id DESC LIMIT %s",
                (buyer_id, limit),
            ).fetchall()
        else:
            rows = self._execute(
                f"SELECT {_COLUMNS} FROM checkouts WHERE buyer_id = %s "  # noqa: S608
                "AND (created_at, checkout_id) < (%s, %s) "
                "ORDER BY created_at DESC, checkout_id DESC LIMIT %s",
                (buyer_id, after[0], after[1], limit),
            ).fetchall()
        return [_checkout(r) for r in rows]


class PostgresTimeline(Repository):
    """Implements ``workflows.checkout.ports.Timeline``."""

    def record(self, event: TimelineEvent) -> bool:
        row = self._execute(
            "INSERT INTO checkout_events (event_key, checkout_id, order_id, kind, name, detail, occurred_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_key) DO NOTHING RETURNING event_key",
            (
                event.key,
                event.checkout_id,
                event.order_id,
                event.kind,
                event.name,
                Jsonb(event.detail),
                event.occurred_at,
            ),
        ).fetchone()
        return row is not None

    def for_order(self, checkout_id: str, order_id: str) -> list[TimelineEvent]:
        rows = self._execute(
            "SELECT event_key, checkout_id, order_id, kind, name, detail, occurred_at FROM checkout_events "
            "WHERE checkout_id = %s AND (order_id IS NULL OR order_id = %s) ORDER BY occurred_at, seq",
            (checkout_id, order_id),
        ).fetchall()
        moments = [
            TimelineEvent(
                key=r["event_key"],
                checkout_id=r["checkout_id"],
                kind=r["kind"],
                name=r["name"],
                occurred_at=r["occurred_at"],
                order_id=r["order_id"],
                detail=r["detail"] or {},
            )
            for r in rows
        ]
        later = self._deliveries(order_id) + self._fulfilment(order_id)
        return sorted(moments + later, key=lambda m: m.occurred_at)

    def _deliveries(self, order_id: str) -> list[TimelineEvent]:
        """The order's emails and text messages, as the delivery log has them."""
        rows = self._execute(
            "SELECT notification_id, channel, type, status, updated_at FROM notification_deliveries "
            "WHERE reference = %s ORDER BY created_at",
            (f"order:{order_id}",),
        ).fetchall()
        return [
            TimelineEvent(
                key=f"{r['notification_id']}:{r['channel']}",
                checkout_id="",
                kind="notification",
                name=f"{r['type']} by {r['channel']}: {r['status']}",
                occurred_at=r["updated_at"],
                order_id=order_id,
                detail={"type": r["type"], "channel": r["channel"], "status": r["status"]},
            )
            for r in rows
        ]

    def _fulfilment(self, order_id: str) -> list[TimelineEvent]:
        """What happened after the sale, from the fulfilment and payout tables (migration 0070)."""
        moments: list[tuple[str, Any, dict[str, Any]]] = []
        shipment = self._execute(
            "SELECT carrier, tracking_number, shipped_at, delivered_at, delivered_by FROM shipments "
            "WHERE order_id = %s",
            (order_id,),
        ).fetchone()
        if shipment:
            tracking = {"carrier": shipment["carrier"], "tracking_number": shipment["tracking_number"]}
            moments.append(("Shipped", shipment["shipped_at"], tracking))
            if shipment["delivered_at"]:
                by = "automatically" if shipment["delivered_by"] == "auto" else "by the buyer"
                moments.append((f"Delivery confirmed {by}", shipment["delivered_at"], {}))
        cancelled = self._execute(
            "SELECT role, refund_id, amount, currency, cancelled_at FROM order_cancellations "
            "WHERE order_id = %s",
            (order_id,),
        ).fetchone()
        if cancelled:
            refund = {"refund_id": cancelled["refund_id"], "amount": int(cancelled["amount"])}
            moments.append(
                (f"Cancelled by the {cancelled['role']}; refunded", cancelled["cancelled_at"], refund)
            )
        payout = self._execute(
            "SELECT status, hold_until, hold_reason, stopped_reason, transfer_id, transferred_at, updated_at "
            "FROM payouts WHERE order_id = %s",
            (order_id,),
        ).fetchone()
        if payout and payout["transferred_at"]:
            moments.append(
                ("Paid out to the seller", payout["transferred_at"], {"transfer_id": payout["transfer_id"]})
            )
        elif payout and payout["status"] == "held":
            detail = {"until": payout["hold_until"].isoformat() if payout["hold_until"] else None}
            moments.append((f"Payout held: {payout['hold_reason'] or 'hold'}", payout["updated_at"], detail))
        elif payout and payout["status"] == "stopped":
            moments.append(
                (f"Payout stopped: {payout['stopped_reason'] or 'stopped'}", payout["updated_at"], {})
            )
        return [
            TimelineEvent(
                key=f"{order_id}:{name}",
                checkout_id="",
                kind="payout" if name.startswith(("Paid out", "Payout")) else "fulfilment",
                name=name,
                occurred_at=at,
                order_id=order_id,
                detail=detail,
            )
            for name, at, detail in moments
        ]


class PostgresBuyerDirectory(Repository):
    """Implements ``workflows.checkout.ports.BuyerDirectory`` from the accounts tables."""

    def ship_to(self, user_id: str, address_id: str) -> dict[str, Any] | None:
        address = PostgresAddresses(self._conn).get(user_id, address_id)
        if address is None:
            return None
        return {
            "name": address.name,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "postal_code": address.postal_code,
            "country": address.country,
            "phone": address.phone,
        }

    def stripe_customer(self, user_id: str) -> str | None:
        user = PostgresUsers(self._conn).get(user_id)
        return user.stripe_customer_id if user else None

    def default_address(self, user_id: str) -> str | None:
        row = self._execute(
            "SELECT address_id FROM addresses WHERE user_id = %s AND is_default LIMIT 1", (user_id,)
        ).fetchone()
        return str(row["address_id"]) if row else None


@dataclass(frozen=True)
class PostgresCheckoutUnitOfWork:
    checkouts: PostgresCheckouts
    orders: PostgresOrders
    ledger: PostgresLedger
    timeline: PostgresTimeline
    buyers: PostgresBuyerDirectory
    quotes: PostgresKeptQuotes


@contextmanager
def checkout_unit_of_work(pool: ConnectionPool[Connection[DictRow]]) -> Iterator[PostgresCheckoutUnitOfWork]:
    """One transaction: committed when the block ends, rolled back (nothing written) on error."""
    with unit_of_work(pool) as conn:
        yield PostgresCheckoutUnitOfWork(
            checkouts=PostgresCheckouts(conn),
            orders=PostgresOrders(conn),
            ledger=PostgresLedger(conn),
            timeline=PostgresTimeline(conn),
            buyers=PostgresBuyerDirectory(conn),
            quotes=PostgresKeptQuotes(conn),
        )
