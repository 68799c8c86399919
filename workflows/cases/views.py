"""What the cases API answers: a case with its timeline, case pages, the admins' views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.cases.model import CaseOutcome, CaseReason, CaseStatus, Role  # noqa: TC001 - pydantic reads them
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from workflows.cases.model import Case, TimelineEntry
    from workflows.cases.ports import DisputeRecord

WaitingFor = Literal["seller", "buyer", "admin"]
#: Stripe's statuses of a dispute
StripeDisputeStatus = Literal[
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
    "prevented",
]

_WAITING_FOR: dict[str, WaitingFor] = {
    "awaiting_seller": "seller",
    "awaiting_buyer": "buyer",
    "awaiting_return_shipment": "buyer",
    "return_in_transit": "seller",
    "awaiting_escalation": "buyer",
    "escalated": "admin",
}


class CaseTimelineEntryView(View):
    at: Timestamp
    role: Role
    action: str
    message: str | None
    amount: MoneyView | None


class ReturnShipmentView(View):
    carrier: str
    tracking_number: str
    shipped_at: Timestamp


class CaseView(View):
    case_id: str
    order_id: str
    status: CaseStatus
    outcome: CaseOutcome | None
    reason: CaseReason
    description: str
    image_ids: list[str]
    #: who the case waits for now, and until when
    waiting_for: WaitingFor | None
    deadline_at: Timestamp | None
    #: the seller's deadline to answer (while the case waits for it)
    respond_by: Timestamp | None
    #: the case closes by itself then unless someone escalates it
    close_by: Timestamp
    order_total: MoneyView
    offer: MoneyView | None
    refund: MoneyView | None
    refund_id: str | None
    return_shipment: ReturnShipmentView | None
    opened_at: Timestamp
    escalated_at: Timestamp | None
    closed_at: Timestamp | None
    timeline: list[CaseTimelineEntryView]

    @classmethod
    def of(cls, case: Case) -> CaseView:
        return cls(
            case_id=case.case_id,
            order_id=case.order_id,
            status=case.status,
            outcome=case.outcome,
            reason=case.reason,
            description=case.description,
            image_ids=list(case.image_ids),
            waiting_for=_WAITING_FOR.get(case.status),
            deadline_at=case.deadline_at,
            respond_by=case.deadline_at if case.status == "awaiting_seller" else None,
            close_by=case.close_by,
            order_total=MoneyView.of(case.order_total),
            offer=MoneyView.of(case.offer_amount) if case.offer_amount else None,
            refund=MoneyView.of(case.refund_amount) if case.refund_amount else None,
            refund_id=case.refund_id,
            return_shipment=ReturnShipmentView(
                carrier=case.return_carrier,
                tracking_number=case.return_tracking or "",
                shipped_at=case.return_shipped_at,
            )
            if case.return_carrier and case.return_shipped_at
            else None,
            opened_at=case.opened_at,
            escalated_at=case.escalated_at,
            closed_at=case.closed_at,
            timeline=[_entry(e) for e in case.timeline],
        )


def _entry(entry: TimelineEntry) -> CaseTimelineEntryView:
    return CaseTimelineEntryView(
        at=entry.at,
        role=entry.role,
        action=entry.action,
        message=entry.message,
        amount=MoneyView.of(entry.amount) if entry.amount else None,
    )


class CaseSummaryView(View):
    case_id: str
    order_id: str
    status: CaseStatus
    outcome: CaseOutcome | None
    reason: CaseReason
    waiting_for: WaitingFor | None
    deadline_at: Timestamp | None
    order_total: MoneyView
    opened_at: Timestamp

    @classmethod
    def of(cls, case: Case) -> CaseSummaryView:
        return cls(
            case_id=case.case_id,
            order_id=case.order_id,
            status=case.status,
            outcome=case.outcome,
            reason=case.reason,
            waiting_for=_WAITING_FOR.get(case.status),
            deadline_at=case.deadline_at,
            order_total=MoneyView.of(case.order_total),
            opened_at=case.opened_at,
        )


class CasePage(View):
    items: list[CaseSummaryView]
    next_cursor: str | None


class AdminCaseView(CaseSummaryView):
    buyer_id: str
    seller_id: str
    #: the buyer opened too many cases in the period (see the abuse settings)
    buyer_flagged: bool
    escalated_at: Timestamp | None

    @classmethod
    def of(cls, case: Case) -> AdminCaseView:
        base = CaseSummaryView.of(case).model_dump()
        return cls(
            **base,
            buyer_id=case.buyer_id,
            seller_id=case.seller_id,
            buyer_flagged=case.buyer_flagged,
            escalated_at=case.escalated_at,
        )


class AdminCasePage(View):
    items: list[AdminCaseView]
    next_cursor: str | None


class SellerCaseRateView(View):
    """The admins' view of a seller's cases: how many of their orders ended in a case."""

    seller_id: str
    period_days: int
    cases: int
    orders: int
    #: cases per paid order in the period, in percent with one decimal (a string, never a float)
    case_rate_percent: str


class DisputeOrderView(View):
    order_id: str
    amount: MoneyView | None


class DisputeView(View):
    """A Stripe dispute as the platform follows it (one charge may pay several orders)."""

    dispute_id: str
    status: Literal["open", "won", "lost"]
    stripe_status: StripeDisputeStatus | None
    reason: str | None
    orders: list[DisputeOrderView]
    evidence_due_by: Timestamp | None
    evidence_submitted_at: Timestamp | None

    @classmethod
    def of(cls, rows: list[DisputeRecord]) -> DisputeView:
        first = rows[0]
        return cls(
            dispute_id=first.dispute_id,
            status=first.status,  # type: ignore[arg-type]
            stripe_status=first.stripe_status,  # type: ignore[arg-type]
            reason=first.reason,
            orders=[
                DisputeOrderView(order_id=r.order_id, amount=MoneyView.of(r.amount) if r.amount else None)
                for r in rows
            ],
            evidence_due_by=first.evidence_due_by,
            evidence_submitted_at=first.evidence_submitted_at,
        )
