"""A buyer's case and what each party may do to it: pure values and transitions, no I/O.

Every transition takes the case as it is and returns it changed with the timeline entry that
says what happened; the service stores both in one transaction and then resumes the
case_resolution machine, which reads the case again (the case row is the source of truth, the
machine only waits and times). Deadlines are business days (``workflows.cases.calendar``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from workflows.cases.calendar import add_business_days
from workflows.cases.errors import CaseActionNotAllowed, InvalidCaseAmount

if TYPE_CHECKING:
    from workflows.shared.money import Money

CaseReason = Literal["item_not_received", "not_as_described", "damaged", "wrong_item"]
CASE_REASONS: tuple[str, ...] = get_args(CaseReason)
CaseStatus = Literal[
    "awaiting_seller",
    "awaiting_buyer",
    "awaiting_return_shipment",
    "return_in_transit",
    "awaiting_escalation",
    "escalated",
    "refund_pending",
    "closed",
]
CASE_STATUSES: tuple[str, ...] = get_args(CaseStatus)
#: the statuses in which the case waits for someone (each a wait state of the machine)
WAITING: frozenset[str] = frozenset(CASE_STATUSES) - {"refund_pending", "closed"}
CaseOutcome = Literal[
    "refunded", "partially_refunded", "closed_for_seller", "closed_by_buyer", "expired", "return_not_shipped"
]
#: outcomes in the seller's favour: the payout goes ahead
FOR_SELLER: frozenset[str] = frozenset(
    {"closed_for_seller", "closed_by_buyer", "expired", "return_not_shipped"}
)
SellerAction = Literal["full_refund", "partial_refund", "accept_return", "decline"]
AdminOutcome = Literal["refund_buyer", "refund_partial", "close_for_seller"]
Role = Literal["buyer", "seller", "admin", "system"]


@dataclass(frozen=True)
class CasePolicy:
    """How long each side has; every value comes from settings (``lambdas/wiring/cases.py``)."""

    #: a case may be opened this long after delivery (or after the estimated delivery date)
    open_window: timedelta = timedelta(days=30)
    #: an order never shipped is expected this long after payment (the not-received reference)
    estimated_delivery: timedelta = timedelta(days=14)
    seller_response_days: int = 3
    buyer_acceptance_days: int = 3
    return_ship_days: int = 10
    #: the seller's receipt of the return is assumed this long after the buyer shipped it
    receipt_assumed_days: int = 7
    #: a case nobody escalates closes by itself this long after it was opened
    auto_close_days: int = 21
    #: an escalated case reminds the admins this often until they decide
    admin_reminder_days: int = 5
    #: a buyer with this many cases in ``abuse_period`` is flagged for the admins
    buyer_case_limit: int = 3
    abuse_period: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class TimelineEntry:
    """One thing one side did (or the clock did) to a case."""

    role: Role
    action: str
    at: datetime
    actor_id: str | None = None
    message: str | None = None
    amount: Money | None = None


@dataclass(frozen=True)
class Case:
    case_id: str
    order_id: str
    buyer_id: str
    seller_id: str
    reason: CaseReason
    description: str
    order_total: Money
    status: CaseStatus
    opened_at: datetime
    close_by: datetime
    request_hash: str
    image_ids: tuple[str, ...] = ()
    outcome: CaseOutcome | None = None
    deadline_at: datetime | None = None
    offer_amount: Money | None = None
    refund_amount: Money | None = None
    refund_id: str | None = None
    return_carrier: str | None = None
    return_tracking: str | None = None
    return_shipped_at: datetime | None = None
    escalated_at: datetime | None = None
    closed_at: datetime | None = None
    buyer_flagged: bool = False
    updated_at: datetime | None = None
    timeline: tuple[TimelineEntry, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        return self.status != "closed"

    def party(self, user_id: str) -> Literal["buyer", "seller"] | None:
        if user_id == self.buyer_id:
            return "buyer"
        if user_id == self.seller_id:
            return "seller"
        return None


@dataclass(frozen=True)
class Changed:
    """A transition's result: the case as it is now and what the timeline gains."""

    case: Case
    entry: TimelineEntry


def _require(case: Case, *allowed: str, action: str) -> None:
    if case.status not in allowed:
        raise CaseActionNotAllowed(
            f"A case that is {case.status} does not allow {action}.",
            details={"status": case.status, "action": action, "allowed_in": list(allowed)},
        )


def _partial(case: Case, amount: Money | None) -> Money:
    if amount is None or amount.currency != case.order_total.currency:
        raise InvalidCaseAmount(
            f"A partial refund needs an amount in {case.order_total.currency}.",
            details={"currency": case.order_total.currency},
        )
    if not 0 < amount.amount_minor < case.order_total.amount_minor:
        raise InvalidCaseAmount(
            "A partial refund is more than nothing and less than the order's total "
            f"({case.order_total.amount_minor}); a full refund is full_refund.",
            details={"order_total": case.order_total.amount_minor},
        )
    return amount


def _escalation_deadline(case: Case, now: datetime, policy: CasePolicy) -> datetime:
    """The buyer may escalate until the case closes by itself, and always for a few business days."""
    return max(case.close_by, add_business_days(now, policy.seller_response_days))


def open_case(
    *,
    case_id: str,
    order_id: str,
    buyer_id: str,
    seller_id: str,
    reason: CaseReason,
    description: str,
    image_ids: tuple[str, ...],
    order_total: Money,
    request_hash: str,
    buyer_flagged: bool,
    now: datetime,
    policy: CasePolicy,
) -> Changed:
    case = Case(
        case_id=case_id,
        order_id=order_id,
        buyer_id=buyer_id,
        seller_id=seller_id,
        reason=reason,
        description=description,
        image_ids=image_ids,
        order_total=order_total,
        status="awaiting_seller",
        opened_at=now,
        close_by=add_business_days(now, policy.auto_close_days),
        deadline_at=add_business_days(now, policy.seller_response_days),
        request_hash=request_hash,
        buyer_flagged=buyer_flagged,
    )
    return Changed(case, TimelineEntry("buyer", "opened", now, buyer_id, description))


def respond(
    case: Case,
    action: SellerAction,
    *,
    amount: Money | None,
    message: str | None,
    now: datetime,
    policy: CasePolicy,
) -> Changed:
    """The seller answers (also after a decline or silence, until the case is escalated)."""
    _require(case, "awaiting_seller", "awaiting_escalation", action=action)
    if action != "partial_refund" and amount is not None:
        raise InvalidCaseAmount(f"{action} takes no amount.", details={"action": action})
    entry = TimelineEntry("seller", action, now, case.seller_id, message)
    if action == "full_refund":
        changed = replace(case, status="refund_pending", refund_amount=case.order_total, deadline_at=None)
        return Changed(changed, replace(entry, amount=case.order_total))
    if action == "partial_refund":
        offer = _partial(case, amount)
        deadline = add_business_days(now, policy.buyer_acceptance_days)
        changed = replace(case, status="awaiting_buyer", offer_amount=offer, deadline_at=deadline)
        return Changed(changed, replace(entry, amount=offer))
    if action == "accept_return":
        deadline = add_business_days(now, policy.return_ship_days)
        return Changed(replace(case, status="awaiting_return_shipment", deadline_at=deadline), entry)
    deadline = _escalation_deadline(case, now, policy)
    return Changed(replace(case, status="awaiting_escalation", deadline_at=deadline), entry)


def answer_offer(case: Case, *, accept: bool, now: datetime, policy: CasePolicy) -> Changed:
    """The buyer takes the seller's partial refund, or turns it down (and may escalate)."""
    _require(case, "awaiting_buyer", action="answer_offer")
    if accept:
        changed = replace(case, status="refund_pending", refund_amount=case.offer_amount, deadline_at=None)
        return Changed(
            changed, TimelineEntry("buyer", "offer_accepted", now, case.buyer_id, amount=case.offer_amount)
        )
    deadline = _escalation_deadline(case, now, policy)
    changed = replace(case, status="awaiting_escalation", deadline_at=deadline)
    return Changed(
        changed, TimelineEntry("buyer", "offer_declined", now, case.buyer_id, amount=case.offer_amount)
    )


def ship_return(
    case: Case, *, carrier: str, tracking_number: str, now: datetime, policy: CasePolicy
) -> Changed:
    _require(case, "awaiting_return_shipment", action="return_shipment")
    changed = replace(
        case,
        status="return_in_transit",
        return_carrier=carrier,
        return_tracking=tracking_number,
        return_shipped_at=now,
        deadline_at=add_business_days(now, policy.receipt_assumed_days),
    )
    return Changed(
        changed, TimelineEntry("buyer", "return_shipped", now, case.buyer_id, f"{carrier} {tracking_number}")
    )


def confirm_return(case: Case, *, now: datetime) -> Changed:
    _require(case, "return_in_transit", action="confirm_return")
    changed = replace(case, status="refund_pending", refund_amount=case.order_total, deadline_at=None)
    return Changed(
        changed, TimelineEntry("seller", "return_received", now, case.seller_id, amount=case.order_total)
    )


def escalate(case: Case, *, message: str | None, now: datetime, policy: CasePolicy) -> Changed:
    """The buyer asks an admin to decide (after a decline, silence, or an offer they refuse)."""
    _require(case, "awaiting_escalation", "awaiting_buyer", action="escalate")
    deadline = add_business_days(now, policy.admin_reminder_days)
    changed = replace(case, status="escalated", escalated_at=now, deadline_at=deadline)
    return Changed(changed, TimelineEntry("buyer", "escalated", now, case.buyer_id, message))


def close_by_buyer(case: Case, *, message: str | None, now: datetime) -> Changed:
    """The buyer closes the case (at any time before a refund is on its way): the seller's favour."""
    _require(case, *sorted(WAITING), action="close")
    return Changed(
        _closed(case, "closed_by_buyer", now), TimelineEntry("buyer", "closed", now, case.buyer_id, message)
    )


def decide(
    case: Case, outcome: AdminOutcome, *, amount: Money | None, note: str, admin_id: str, now: datetime
) -> Changed:
    """An admin decides (an escalated case, or any case still waiting for someone)."""
    _require(case, *sorted(WAITING), action="decision")
    entry = TimelineEntry("admin", outcome, now, admin_id, note)
    if outcome != "refund_partial" and amount is not None:
        raise InvalidCaseAmount(f"{outcome} takes no amount.", details={"outcome": outcome})
    if outcome == "refund_buyer":
        changed = replace(case, status="refund_pending", refund_amount=case.order_total, deadline_at=None)
        return Changed(changed, replace(entry, amount=case.order_total))
    if outcome == "refund_partial":
        refund = _partial(case, amount)
        changed = replace(case, status="refund_pending", refund_amount=refund, deadline_at=None)
        return Changed(changed, replace(entry, amount=refund))
    return Changed(_closed(case, "closed_for_seller", now), entry)


def deadline_passed(case: Case, *, now: datetime, policy: CasePolicy) -> Changed | None:  # noqa: PLR0911 - one per wait
    """What the clock does when the current wait's deadline has passed (None: nothing is due)."""
    if case.status not in WAITING or case.deadline_at is None or now < case.deadline_at:
        return None
    if case.status == "awaiting_seller":
        changed = replace(
            case, status="awaiting_escalation", deadline_at=_escalation_deadline(case, now, policy)
        )
        return Changed(changed, TimelineEntry("system", "seller_did_not_respond", now))
    if case.status == "awaiting_buyer":
        changed = replace(
            case, status="awaiting_escalation", deadline_at=_escalation_deadline(case, now, policy)
        )
        return Changed(changed, TimelineEntry("system", "offer_lapsed", now, amount=case.offer_amount))
    if case.status == "awaiting_return_shipment":
        return Changed(
            _closed(case, "return_not_shipped", now), TimelineEntry("system", "return_not_shipped", now)
        )
    if case.status == "return_in_transit":
        changed = replace(case, status="refund_pending", refund_amount=case.order_total, deadline_at=None)
        return Changed(
            changed, TimelineEntry("system", "return_receipt_assumed", now, amount=case.order_total)
        )
    if case.status == "awaiting_escalation":
        return Changed(_closed(case, "expired", now), TimelineEntry("system", "closed_unescalated", now))
    # escalated: the admins are reminded, and the case waits for them again
    changed = replace(case, deadline_at=add_business_days(now, policy.admin_reminder_days))
    return Changed(changed, TimelineEntry("system", "admins_reminded", now))


def refunded(case: Case, *, refund_id: str, now: datetime) -> Changed:
    """The refund the case decided was granted at Stripe and posted to the ledger."""
    _require(case, "refund_pending", action="refund")
    amount = case.refund_amount or case.order_total
    outcome: CaseOutcome = "refunded" if amount == case.order_total else "partially_refunded"
    changed = replace(_closed(case, outcome, now), refund_id=refund_id)
    return Changed(changed, TimelineEntry("system", outcome, now, message=refund_id, amount=amount))


def _closed(case: Case, outcome: CaseOutcome, now: datetime) -> Case:
    return replace(case, status="closed", outcome=outcome, closed_at=now, deadline_at=None)
