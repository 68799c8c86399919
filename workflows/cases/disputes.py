"""Stripe disputes (chargebacks): the buyer's bank took the money back; the platform follows.

Chargebacks live beside cases (this package) because they are the other way a buyer gets money
back: the same hold on the payout, the same taking back from a seller already paid (a reversal,
or a debt), the same ledger. They are not cases: nothing waits for the parties, Stripe and the
card network decide, so there is no state machine, only Stripe's events.

``charge.dispute.created`` / ``funds_withdrawn`` / ``updated`` / ``funds_reinstated`` / ``closed``
reach :meth:`DisputeService.on_dispute_event`, which reads only the dispute's id from the event
and acts on the dispute as Stripe has it now, under the orders' row locks:

- the orders its PaymentIntent paid share it (by their gross); each gets a row of
  ``order_disputes``, which the payout's ``open_dispute`` hold counts: an open dispute holds the
  payout at once (a payout not sent yet is marked held);
- funds withdrawn: ``dispute_withdrawn`` (the amount) and ``dispute_fee`` (Stripe's fee, the
  platform's expense);
- won: ``dispute_reinstated`` (the amount back); the hold ends and the payout goes ahead;
- lost: ``dispute_lost`` undoes the sale like a refund (the seller's net and the platform's fee in
  proportion); a seller already paid gives back their share (reversal, else a seller debt); a
  payout not sent is stopped.

Every entry is keyed by the dispute and the order, and the decision is taken from Stripe's current
state, so duplicated, late or shuffled events have one effect. The seller and the admins are told
once per status the platform records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from workflows.cases.errors import DisputeNotFound, DisputeNotOpen
from workflows.cases.money import owed_back, take_back
from workflows.cases.views import DisputeView
from workflows.ledger import entries
from workflows.ledger.invariants import OrderTotals
from workflows.notifications.model import Notification
from workflows.payouts.service import format_money
from workflows.shared.errors import InvalidEvent, TransientError
from workflows.shared.ids import derived_id
from workflows.shared.money import Money

if TYPE_CHECKING:
    from workflows.cases.commands import EvidenceRequest
    from workflows.cases.ports import (
        CaseBooks,
        CaseBooksFactory,
        DisputeGateway,
        DisputeState,
        TransferReversals,
    )
    from workflows.notifications.model import NotificationPublisher
    from workflows.orders.model import OrderRecord
    from workflows.shared.clock import Clock
    from workflows.shared.identity import Caller

DISPUTE_EVENT_TYPES = (
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
)
_WON = frozenset({"won", "warning_closed"})


def platform_status(stripe_status: str) -> str:
    """``order_disputes.status``: open until Stripe says won (or a warning closed) or lost."""
    if stripe_status in _WON:
        return "won"
    return "lost" if stripe_status == "lost" else "open"


class DisputeEventResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    dispute_id: str
    outcome: str
    status: str | None = None
    orders: tuple[str, ...] = ()
    posted: tuple[str, ...] = ()


@dataclass
class DisputeService:
    books: CaseBooksFactory
    disputes: DisputeGateway
    reversals: TransferReversals
    notifications: NotificationPublisher
    clock: Clock
    admin_email: str

    def on_dispute_event(self, event_type: str, obj: Any) -> DisputeEventResult:
        dispute_id = obj.get("id") if isinstance(obj, dict) else None
        if (
            event_type not in DISPUTE_EVENT_TYPES
            or not isinstance(dispute_id, str)
            or not dispute_id.startswith("du_")
        ):
            raise InvalidEvent(f"not a Stripe dispute event: {event_type}")
        found = self.disputes.retrieve(dispute_id)
        if found is None:
            return DisputeEventResult(dispute_id=dispute_id, outcome="ignored")
        status = platform_status(found.status)
        posted: list[str] = []
        changed: list[OrderRecord] = []
        with self.books() as books:
            order_ids = books.disputes.orders_paid_by(found.payment_intent_id or "")
            if not order_ids:
                # every charge is a checkout's, whose orders are recorded before the payment: they
                # are on their way (retried, then the rule's DLQ and its alarm)
                raise TransientError(f"no order is paid by the PaymentIntent of dispute {dispute_id} yet")
            orders = [books.orders.get(o, for_update=True) for o in sorted(order_ids)]
            known = [o for o in orders if o is not None]
            if any(o.status in ("pending", "awaiting_payment") for o in known):
                # the payment is not recorded yet (checkout's Mark Paid commits it): try again later
                raise TransientError(f"the orders of dispute {dispute_id} are not paid yet")
            shares = _shares(found.amount, known)
            fees = _shares(found.fee, known) if found.fee else [None] * len(known)
            for order, share, fee in zip(known, shares, fees, strict=True):
                if share.amount_minor <= 0:
                    continue
                if books.disputes.record(found, order.order_id, share, status):
                    changed.append(order)
                posted += self._post(books, found, order, share=share, fee=fee, status=status)
        for order in changed:
            self._tell(found, order, status)
        return DisputeEventResult(
            dispute_id=dispute_id,
            outcome="recorded",
            status=status,
            orders=tuple(o.order_id for o in known),
            posted=tuple(posted),
        )

    def _post(
        self,
        books: CaseBooks,
        found: DisputeState,
        order: OrderRecord,
        *,
        share: Money,
        fee: Money | None,
        status: str,
    ) -> list[str]:
        key = f"{found.dispute_id}:{order.order_id}"
        amounts = order.amounts()
        posted: list[str] = []

        def post(entry: Any) -> None:
            if books.ledger.post(entry):
                posted.append(entry.kind)

        payout = books.payouts.get(order.order_id, for_update=True)
        if found.withdrawn is not None or status == "lost":
            post(entries.dispute_withdrawn(amounts, key, share))
            if fee is not None and fee.amount_minor > 0:
                post(entries.dispute_fee(amounts, key, fee))
        if status == "open":
            if payout is not None and payout.status not in ("transferred", "stopped"):
                books.payouts.set_status(order.order_id, "held", hold_reason="open_dispute")
        elif status == "won":
            if found.reinstated is not None:
                post(entries.dispute_reinstated(amounts, key, share))
        else:
            existing = books.ledger.entries_for_order(order.order_id)
            if entries.entry_id("dispute_lost", key) not in {e.entry_id for e in existing}:
                totals = OrderTotals.of(existing)
                before = Money(totals.refunds + totals.charged_back, order.currency)
                lost = min(share, order.gross - before) if before.amount_minor else share
                if lost.amount_minor > 0:
                    net_part, _ = entries.refund_split(amounts, lost, before)
                    owed = owed_back(totals.transferred, totals.seller_net - net_part.amount_minor)
                    if owed:
                        take_back(
                            books,
                            self.reversals,
                            key=f"dispute:{key}",
                            order=order,
                            owed=Money(owed, order.currency),
                            payout=payout,
                        )
                        posted.append("taken_back")
                    post(entries.dispute_lost(amounts, key, lost, before))
                    if before + lost == order.gross:
                        books.orders.set_status(order.order_id, "refunded")
                if payout is not None and payout.status != "transferred":
                    books.payouts.set_status(order.order_id, "stopped", stopped_reason="dispute_lost")
        return posted

    def _tell(self, found: DisputeState, order: OrderRecord, status: str) -> None:
        data = {
            "dispute_id": found.dispute_id,
            "order_id": order.order_id,
            "amount": format_money(found.amount),
            "reason": found.reason.replace("_", " "),
            "status": {"open": "opened: the order's payout is held", "won": "won", "lost": "lost"}[status],
        }
        self.notifications.publish(
            Notification(
                notification_id=derived_id(
                    "notification", "dispute", found.dispute_id, order.order_id, status
                ),
                type="cases.dispute_update",
                category="orders",
                channels=("email",),
                user_id=order.seller_id,
                data=data,
                reference=f"order:{order.order_id}",
            )
        )
        self.notifications.publish(
            Notification(
                notification_id=derived_id(
                    "notification", "admin_dispute", found.dispute_id, order.order_id, status
                ),
                type="admin.dispute_update",
                category="account",
                channels=("email",),
                email=self.admin_email,
                name="Resale admins",
                data={
                    **data,
                    "due_by": found.evidence_due_by.isoformat() if found.evidence_due_by else "none",
                },
                reference=f"order:{order.order_id}",
            )
        )

    # -- the admins -------------------------------------------------------------------------

    def get(self, caller: Caller, dispute_id: str) -> DisputeView:
        caller.require("admin")
        with self.books() as books:
            rows = books.disputes.get(dispute_id)
        if not rows:
            raise DisputeNotFound("No such dispute.")
        return DisputeView.of(rows)

    def submit_evidence(self, caller: Caller, dispute_id: str, request: EvidenceRequest) -> DisputeView:
        """An admin answers the dispute: the evidence goes to Stripe (submitted, or kept for later)."""
        caller.require("admin")
        with self.books() as books:
            rows = books.disputes.get(dispute_id)
        if not rows:
            raise DisputeNotFound("No such dispute.")
        if any(r.status != "open" for r in rows) or any(r.stripe_status == "under_review" for r in rows):
            raise DisputeNotOpen(
                "This dispute no longer takes evidence.",
                details={"status": rows[0].status, "stripe_status": rows[0].stripe_status},
            )
        self.disputes.submit_evidence(dispute_id, request.fields(), submit=request.submit)
        with self.books() as books:
            if request.submit:
                books.disputes.mark_evidence_sent(dispute_id, self.clock.now())
            rows = books.disputes.get(dispute_id)
        return DisputeView.of(rows)


def _shares(total: Money, orders: list[OrderRecord]) -> list[Money]:
    """``total`` split over the orders by their gross (exactly; the largest remainder rounds)."""
    weights = [o.gross.amount_minor for o in orders]
    if not orders or sum(weights) <= 0:
        return [Money.zero(total.currency) for _ in orders]
    return total.allocate(weights)
