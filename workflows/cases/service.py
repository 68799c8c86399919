"""Cases: the parties' and admins' actions (API) and the case_resolution machine's steps.

Every action is one PostgreSQL transaction that locks the case (or, to open one, the order),
applies a pure transition (``workflows.cases.model``) and appends the timeline; after the
commit the machine is resumed (``deliver_event`` under ``case:<case_id>``) and the other side is
told. A repeated action that already took effect answers the case as it is (no second entry).

Money: the refund a case decides is made by Refund Buyer, in one transaction holding the order's
row (the lock a cancellation and the refund events take too): Stripe's refund first, under a key
derived from the case and the attempt, then, when the seller's net was sent already, a reversal
of the refunded share from their connected account (what Stripe cannot take back is a seller
debt), then the ledger's entries. A retry gets the same Stripe objects and posts nothing twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from workflows.cases import model as rules
from workflows.cases.contracts import MAX_WAIT_S, CaseChecked, CaseClosed, CaseRefunded, FailureReported
from workflows.cases.errors import (
    CaseActionNotAllowed,
    CaseAlreadyOpen,
    CaseNotFound,
    CaseOrderNotEligible,
    CaseRefundRefused,
    CaseTooEarly,
    CaseWindowClosed,
    NotTheCaseBuyer,
    NotTheCaseSeller,
)
from workflows.cases.events import CaseClosed as CaseClosedEvent
from workflows.cases.events import CaseOpened
from workflows.cases.money import owed_back, take_back
from workflows.cases.views import (
    AdminCasePage,
    AdminCaseView,
    CasePage,
    CaseSummaryView,
    CaseView,
    SellerCaseRateView,
)
from workflows.fulfilment.ports import RefundRequest
from workflows.fulfilment.service import delivery_key, shipment_key
from workflows.ledger import entries
from workflows.ledger.invariants import OrderTotals
from workflows.notifications.model import Notification
from workflows.orders.errors import OrderNotFound
from workflows.payouts.service import format_money
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import IdempotencyKeyReused
from workflows.shared.ids import derived_id, new_id
from workflows.shared.money import Money
from workflows.shared.waits import OutsideEvent, deliver_event

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from workflows.cases.commands import (
        AnswerOfferRequest,
        DecisionRequest,
        NoteRequest,
        OpenCaseRequest,
        RespondRequest,
        ReturnShipmentRequest,
    )
    from workflows.cases.model import Case, CasePolicy, CaseStatus, Changed
    from workflows.cases.ports import CaseBooks, CaseBooksFactory, CaseReader, CaseStarter, TransferReversals
    from workflows.fulfilment.ports import RefundGateway
    from workflows.notifications.model import NotificationPublisher
    from workflows.orders.model import OrderRecord
    from workflows.shared.clock import Clock
    from workflows.shared.contracts import CaughtError
    from workflows.shared.events import EventPublisher
    from workflows.shared.identity import Caller
    from workflows.shared.waits import TaskResponder, WaitingTasks

#: the order statuses a case can be opened on
OPEN_ON = frozenset({"paid", "shipped", "delivered"})


def execution_name(case_id: str) -> str:
    """The case_resolution execution of a case (the same on every retry of the opening)."""
    return f"case-{case_id}"


def case_key(case_id: str) -> str:
    """What the case_resolution machine waits on (every party's action resumes it)."""
    return f"case:{case_id}"


def _fingerprint(order_id: str, request: OpenCaseRequest) -> str:
    body = json.dumps([order_id, request.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass
class CaseService:
    books: CaseBooksFactory
    reader: CaseReader
    refunds: RefundGateway
    reversals: TransferReversals
    waiting: WaitingTasks
    responder: TaskResponder
    starter: CaseStarter
    notifications: NotificationPublisher
    events: EventPublisher
    clock: Clock
    policy: CasePolicy
    #: the platform's admins' address: escalations, flagged buyers, refunds that failed
    admin_email: str

    # -- opening --------------------------------------------------------------------------------

    def open(
        self, caller: Caller, order_id: str, request: OpenCaseRequest, idempotency_key: str | None
    ) -> tuple[CaseView, bool]:
        """The buyer opens a case on a paid order: the payout is held at once, the seller told."""
        now = self.clock.now()
        fingerprint = _fingerprint(order_id, request)
        case_id = (
            derived_id("case", order_id, caller.user_id, idempotency_key) if idempotency_key else new_id()
        )
        with self.books() as books:
            order = books.orders.get(order_id, for_update=True)
            role = order.party(caller.user_id) if order else None
            if order is None or role is None:
                raise OrderNotFound("No such order.")
            if role != "buyer":
                raise NotTheCaseBuyer("Only the order's buyer can open a case on it.")
            again = self._opened_before(
                books, order_id, case_id, fingerprint, keyed=idempotency_key is not None
            )
            if again is not None:
                return CaseView.of(again), False
            self._check_eligible(books, order, request, now)
            since = now - self.policy.abuse_period
            flagged = (
                books.cases.cases_of_buyer_since(caller.user_id, since) + 1 >= self.policy.buyer_case_limit
            )
            opened = rules.open_case(
                case_id=case_id,
                order_id=order_id,
                buyer_id=order.buyer_id,
                seller_id=order.seller_id,
                reason=request.reason,
                description=request.description,
                image_ids=tuple(request.image_ids),
                order_total=order.gross,
                request_hash=fingerprint,
                buyer_flagged=flagged,
                now=now,
                policy=self.policy,
            )
            books.cases.add(opened.case, opened.entry, _event_id(case_id, 1))
            payout = books.payouts.get(order_id, for_update=True)
            if payout is not None and payout.status not in ("transferred", "stopped"):
                # held at once: a transfer about to run finds it not payable and waits
                books.payouts.set_status(order_id, "held", hold_reason="open_dispute")
            case = books.cases.get(case_id) or opened.case
        self._after_open(case)
        return CaseView.of(case), True

    def _opened_before(
        self, books: CaseBooks, order_id: str, case_id: str, fingerprint: str, *, keyed: bool
    ) -> Case | None:
        """The case this request opened already (a retry), or None; another case is a 409/422."""
        same = books.cases.get(case_id) if keyed else None
        if same is not None:
            if same.request_hash != fingerprint or same.order_id != order_id:
                raise IdempotencyKeyReused("This Idempotency-Key was used with another request body.")
            return same
        existing = books.cases.open_for_order(order_id)
        if existing is None:
            return None
        if not keyed and existing.request_hash == fingerprint:
            return existing  # the same request again, without a key
        raise CaseAlreadyOpen("This order has an open case already.", details={"case_id": existing.case_id})

    def _check_eligible(
        self, books: CaseBooks, order: OrderRecord, request: OpenCaseRequest, now: datetime
    ) -> None:
        if order.status not in OPEN_ON or order.gross.amount_minor <= 0:
            raise CaseOrderNotEligible(
                f"A case can be opened on a paid order; this one is {order.status}.",
                details={"status": order.status},
            )
        shipment = books.orders.shipment(order.order_id)
        delivered_at = shipment.delivered_at if shipment else None
        if delivered_at is not None:
            reference = delivered_at
        else:
            paid_at = order.paid_at or order.created_at
            estimated = shipment.auto_confirm_at if shipment else paid_at + self.policy.estimated_delivery
            if request.reason == "item_not_received" and now < estimated:
                raise CaseTooEarly(
                    "An item not received can be reported after its latest estimated delivery date "
                    "(before shipment, the order can be cancelled instead).",
                    details={"estimated_delivery": estimated.isoformat()},
                )
            if request.reason != "item_not_received" and shipment is None:
                raise CaseOrderNotEligible(
                    f"A {request.reason} case needs the item shipped; this order is {order.status}.",
                    details={"status": order.status},
                )
            reference = estimated if request.reason == "item_not_received" else shipment.shipped_at  # type: ignore[union-attr]
        if now > reference + self.policy.open_window:
            raise CaseWindowClosed(
                f"Cases can be opened up to {self.policy.open_window.days} days after delivery.",
                details={"closed_at": (reference + self.policy.open_window).isoformat()},
            )

    def _after_open(self, case: Case) -> None:
        # after the commit, and again on a retried request: each step is idempotent
        self.starter.start(execution_name(case.case_id), {"case_id": case.case_id})
        self._notify(
            "case_opened",
            case.seller_id,
            case,
            {"reason": case.reason.replace("_", " "), "respond_by": _when(case.deadline_at)},
        )
        if case.buyer_flagged:
            self._tell_admins(
                case,
                "buyer_flagged",
                f"the buyer opened {self.policy.buyer_case_limit} or more cases "
                f"in {self.policy.abuse_period.days} days",
            )
        self.events.publish(
            CaseOpened(
                event_id=derived_id("event", "CaseOpened", case.case_id),
                occurred_at=case.opened_at,
                case_id=case.case_id,
                order_id=case.order_id,
                buyer_id=case.buyer_id,
                seller_id=case.seller_id,
                reason=case.reason,
                buyer_flagged=case.buyer_flagged,
            )
        )

    # -- the parties' actions -----------------------------------------------------------------

    def respond(self, caller: Caller, case_id: str, request: RespondRequest) -> CaseView:
        amount = request.amount.money() if request.amount else None
        return self._act(
            caller,
            case_id,
            "seller",
            request.action,
            lambda case, now: rules.respond(
                case, request.action, amount=amount, message=request.message, now=now, policy=self.policy
            ),
        )

    def answer_offer(self, caller: Caller, case_id: str, request: AnswerOfferRequest) -> CaseView:
        action = "offer_accepted" if request.accept else "offer_declined"
        return self._act(
            caller,
            case_id,
            "buyer",
            action,
            lambda case, now: rules.answer_offer(case, accept=request.accept, now=now, policy=self.policy),
        )

    def return_shipment(self, caller: Caller, case_id: str, request: ReturnShipmentRequest) -> CaseView:
        return self._act(
            caller,
            case_id,
            "buyer",
            "return_shipped",
            lambda case, now: rules.ship_return(
                case,
                carrier=request.carrier,
                tracking_number=request.tracking_number,
                now=now,
                policy=self.policy,
            ),
        )

    def confirm_return(self, caller: Caller, case_id: str) -> CaseView:
        return self._act(
            caller,
            case_id,
            "seller",
            "return_received",
            lambda case, now: rules.confirm_return(case, now=now),
        )

    def escalate(self, caller: Caller, case_id: str, request: NoteRequest) -> CaseView:
        return self._act(
            caller,
            case_id,
            "buyer",
            "escalated",
            lambda case, now: rules.escalate(case, message=request.message, now=now, policy=self.policy),
        )

    def close(self, caller: Caller, case_id: str, request: NoteRequest) -> CaseView:
        return self._act(
            caller,
            case_id,
            "buyer",
            "closed",
            lambda case, now: rules.close_by_buyer(case, message=request.message, now=now),
        )

    def decide(self, caller: Caller, case_id: str, request: DecisionRequest) -> CaseView:
        caller.require("admin")
        amount = request.amount.money() if request.amount else None
        return self._act(
            caller,
            case_id,
            "admin",
            request.outcome,
            lambda case, now: rules.decide(
                case, request.outcome, amount=amount, note=request.note, admin_id=caller.user_id, now=now
            ),
        )

    def _act(
        self,
        caller: Caller,
        case_id: str,
        role: str,
        action: str,
        transition: Callable[[Case, datetime], Changed],
    ) -> CaseView:
        now = self.clock.now()
        with self.books() as books:
            case = books.cases.get(case_id, for_update=True)
            if case is None or (role != "admin" and case.party(caller.user_id) is None):
                raise CaseNotFound("No such case.")
            if role == "seller" and case.party(caller.user_id) != "seller":
                raise NotTheCaseSeller("Only the order's seller can do this.")
            if role == "buyer" and case.party(caller.user_id) != "buyer":
                raise NotTheCaseBuyer("Only the order's buyer can do this.")
            try:
                changed = transition(case, now)
            except CaseActionNotAllowed:
                if _repeated(case, caller.user_id, action):
                    return CaseView.of(case)
                raise
            seq = len(case.timeline) + 1
            books.cases.save(changed.case, changed.entry, _event_id(case_id, seq))
            saved = books.cases.get(case_id) or changed.case
        self._resume(case_id, changed.entry.action, seq)
        self._announce(saved, changed.entry.action, by=role)
        return CaseView.of(saved)

    # -- telling the machine and the people ---------------------------------------------------

    def _resume(self, case_id: str, action: str, seq: int) -> None:
        now = int(self.clock.now().timestamp())
        event = OutsideEvent(
            event_id=derived_id("case-resume", case_id, str(seq)),
            event_type=f"case.{action}",
            correlation_id=case_key(case_id),
            occurred_at=now,
        )
        if deliver_event(self.waiting, self.responder, event, now=now) == "stale":
            # the token was a wait that had just timed out: keep the event for the next wait
            deliver_event(self.waiting, self.responder, event, now=now)

    def _announce(self, case: Case, action: str, *, by: str) -> None:
        """Tell the other side (and the admins of an escalation) what changed."""
        what = action.replace("_", " ")
        data = {"what": what, "status": case.status.replace("_", " "), "deadline": _when(case.deadline_at)}
        if by in ("buyer", "admin", "system"):
            self._notify("case_updated", case.seller_id, case, data, key=action)
        if by in ("seller", "admin", "system"):
            self._notify("case_updated", case.buyer_id, case, data, key=action)
        if case.status == "escalated" and action in ("escalated", "admins_reminded", "refund_failed"):
            self._tell_admins(case, action, f"the case is {what} and waits for an admin's decision")

    def _notify(self, kind: str, user_id: str, case: Case, data: dict[str, Any], *, key: str = "") -> None:
        self.notifications.publish(
            Notification(
                notification_id=derived_id(
                    "notification", kind, case.case_id, user_id, key, str(len(case.timeline))
                ),
                type=f"cases.{kind}",
                category="orders",
                channels=("email",),
                user_id=user_id,
                data={"case_id": case.case_id, "order_id": case.order_id, **data},
                reference=f"order:{case.order_id}",
            )
        )

    def _tell_admins(self, case: Case, why: str, detail: str) -> None:
        self.notifications.publish(
            Notification(
                notification_id=derived_id(
                    "notification", "case_attention", case.case_id, why, str(len(case.timeline))
                ),
                type="admin.case_attention",
                category="account",
                channels=("email",),
                email=self.admin_email,
                name="Resale admins",
                data={
                    "case_id": case.case_id,
                    "order_id": case.order_id,
                    "why": why.replace("_", " "),
                    "detail": detail,
                    "buyer_id": case.buyer_id,
                    "seller_id": case.seller_id,
                },
                reference=f"order:{case.order_id}",
            )
        )

    # -- reads --------------------------------------------------------------------------------

    def get(self, caller: Caller, case_id: str) -> CaseView:
        with self.books() as books:
            case = books.cases.get(case_id)
        if case is None or (case.party(caller.user_id) is None and not caller.has("admin")):
            raise CaseNotFound("No such case.")
        return CaseView.of(case)

    def mine(self, caller: Caller, *, role: str, limit: int, cursor: str | None) -> CasePage:
        before = decode_cursor(cursor) if cursor else None
        found = self.reader.for_user(caller.user_id, role=role, limit=limit + 1, before=before)
        page = found[:limit]
        nxt = encode_cursor(page[-1].opened_at, page[-1].case_id) if len(found) > limit else None
        return CasePage(items=[CaseSummaryView.of(c) for c in page], next_cursor=nxt)

    def admin_list(
        self, caller: Caller, *, status: CaseStatus | None, limit: int, cursor: str | None
    ) -> AdminCasePage:
        caller.require("admin")
        before = decode_cursor(cursor) if cursor else None
        found = self.reader.by_status(status, limit=limit + 1, before=before)
        page = found[:limit]
        nxt = encode_cursor(page[-1].opened_at, page[-1].case_id) if len(found) > limit else None
        return AdminCasePage(items=[AdminCaseView.of(c) for c in page], next_cursor=nxt)

    def seller_rate(self, caller: Caller, seller_id: str) -> SellerCaseRateView:
        caller.require("admin")
        since = self.clock.now() - self.policy.abuse_period
        cases, orders = self.reader.seller_rate(seller_id, since)
        rate = (
            (Decimal(cases * 100) / Decimal(orders)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if orders
            else Decimal(0)
        )
        return SellerCaseRateView(
            seller_id=seller_id,
            period_days=self.policy.abuse_period.days,
            cases=cases,
            orders=orders,
            case_rate_percent=f"{rate:.1f}",
        )

    # -- the state machine's steps --------------------------------------------------------------

    def check_case(self, case_id: str) -> CaseChecked:
        """Where the case is, any deadline that passed applied first; how long the wait may last."""
        now = self.clock.now()
        with self.books() as books:
            case = books.cases.get(case_id, for_update=True)
            if case is None:
                raise CaseNotFound(f"no case {case_id}")
            changed = rules.deadline_passed(case, now=now, policy=self.policy)
            if changed is not None:
                seq = len(case.timeline) + 1
                books.cases.save(changed.case, changed.entry, _event_id(case_id, seq))
                case = books.cases.get(case_id) or changed.case
        if changed is not None and changed.case.status != "closed":
            self._announce(case, changed.entry.action, by="system")
        wait_s = 1
        if case.deadline_at is not None and case.status in rules.WAITING:
            wait_s = int((case.deadline_at - now).total_seconds()) + 1
        return CaseChecked(stage=case.status, wait_s=min(max(wait_s, 1), MAX_WAIT_S))

    def refund_buyer(self, case_id: str) -> CaseRefunded:
        """The refund the case decided: Stripe, the reversal of a payout already sent, the ledger."""
        now = self.clock.now()
        with self.books() as books:
            case = books.cases.get(case_id)
            if case is None:
                raise CaseNotFound(f"no case {case_id}")
            order = books.orders.get(case.order_id, for_update=True)
            case = books.cases.get(case_id, for_update=True)
            if order is None or case is None:
                raise CaseNotFound(f"no order for case {case_id}")
            if case.status == "closed" and case.refund_id:
                return _refunded(books, case)
            if case.status != "refund_pending" or case.refund_amount is None:
                raise CaseRefundRefused(
                    f"case {case_id} is {case.status}: no refund is due", details={"status": case.status}
                )
            result = self._refund(books, case, order)
            changed = rules.refunded(case, refund_id=result.refund_id, now=now)
            seq = len(case.timeline) + 1
            books.cases.save(changed.case, changed.entry, _event_id(case_id, seq))
        if order.gross == (result.cumulative):
            # a payout still waiting for shipment or delivery stops now rather than at its timeout
            for key in (shipment_key(order.order_id), delivery_key(order.order_id)):
                self._resume_payout(key)
        return result.step

    def _refund(self, books: CaseBooks, case: Case, order: OrderRecord) -> _Refund:
        amount = case.refund_amount or case.order_total
        attempt = sum(1 for e in case.timeline if e.action == "refund_failed")
        if not order.payment_intent_id:
            raise CaseRefundRefused(f"order {order.order_id} has no payment to refund")
        refund = self.refunds.refund(
            RefundRequest(
                payment_intent_id=order.payment_intent_id,
                amount=amount,
                idempotency_key=derived_id("stripe", "case-refund", case.case_id, str(attempt)),
                metadata={"order_id": order.order_id, "case_id": case.case_id, "reason": "case_refund"},
            )
        )
        if refund.status in ("failed", "canceled"):
            raise CaseRefundRefused(
                f"Stripe answered the case's refund {refund.status}",
                details={"refund_id": refund.refund_id, "refund_status": refund.status},
            )
        amounts = order.amounts()
        posted = books.ledger.entries_for_order(order.order_id)
        if entries.entry_id("refund", refund.refund_id) in {e.entry_id for e in posted}:
            totals = OrderTotals.of(
                e for e in posted if e.entry_id != entries.entry_id("refund", refund.refund_id)
            )
        else:
            totals = OrderTotals.of(posted)
        before = Money(totals.refunds, order.currency)
        net_part, _ = entries.refund_split(amounts, amount, before)
        net_after = totals.seller_net - net_part.amount_minor
        owed = owed_back(totals.transferred, net_after)
        reversed_ = debt = 0
        payout = books.payouts.get(order.order_id, for_update=True)
        if owed:
            reversed_, debt = take_back(
                books,
                self.reversals,
                key=f"case:{case.case_id}",
                order=order,
                owed=Money(owed, order.currency),
                payout=payout,
            )
        books.ledger.post(entries.refund(amounts, refund.refund_id, amount, before))
        if refund.status == "succeeded":
            books.ledger.post(entries.refund_paid(order.order_id, refund.refund_id, amount))
        cumulative = before + amount
        if cumulative == order.gross:
            books.orders.set_status(order.order_id, "refunded")
            if payout is not None and payout.status != "transferred":
                books.payouts.set_status(order.order_id, "stopped", stopped_reason="case_refunded")
        elif payout is not None and payout.status != "transferred":
            books.cases.set_payout_amount(order.order_id, Money(max(net_after, 0), order.currency))
        step = CaseRefunded(
            refund_id=refund.refund_id,
            amount=amount.amount_minor,
            currency=amount.currency,
            reversed=reversed_,
            debt=debt,
        )
        return _Refund(step=step, refund_id=refund.refund_id, cumulative=cumulative)

    def _resume_payout(self, key: str) -> None:
        now = int(self.clock.now().timestamp())
        event = OutsideEvent(
            event_id=derived_id("cases", key, "order.refunded"),
            event_type="order.refunded",
            correlation_id=key,
            occurred_at=now,
        )
        deliver_event(self.waiting, self.responder, event, now=now)

    def report_refund_failure(self, case_id: str, error: CaughtError) -> FailureReported:
        """Refund Buyer failed for good: the case goes to the admins, who decide again."""
        now = self.clock.now()
        with self.books() as books:
            case = books.cases.get(case_id, for_update=True)
            if case is None:
                raise CaseNotFound(f"no case {case_id}")
            if case.status != "refund_pending":
                return FailureReported(status=case.status)
            escalated = replace(
                case,
                status="escalated",
                escalated_at=case.escalated_at or now,
                deadline_at=now + timedelta(days=self.policy.admin_reminder_days),
            )
            entry = rules.TimelineEntry("system", "refund_failed", now, message=error.Error)
            seq = len(case.timeline) + 1
            books.cases.save(escalated, entry, _event_id(case_id, seq))
            saved = books.cases.get(case_id) or escalated
        self._tell_admins(
            saved, "refund_failed", f"the refund could not be made ({error.Error}: {error.Cause or ''})"
        )
        return FailureReported(status=saved.status)

    def close_case(self, case_id: str) -> CaseClosed:
        """The case closed: both parties are told, ``CaseClosed`` announced (the payout hold ends)."""
        with self.books() as books:
            case = books.cases.get(case_id)
        if case is None or case.status != "closed" or case.outcome is None:
            raise CaseNotFound(f"no closed case {case_id}")
        refunded = case.refund_amount if case.outcome in ("refunded", "partially_refunded") else None
        data = {
            "outcome": case.outcome.replace("_", " "),
            "refunded": format_money(refunded) if refunded else "nothing",
        }
        self._notify("case_closed", case.buyer_id, case, data)
        self._notify("case_closed", case.seller_id, case, data)
        self.events.publish(
            CaseClosedEvent(
                event_id=derived_id("event", "CaseClosed", case.case_id),
                occurred_at=case.closed_at or self.clock.now(),
                case_id=case.case_id,
                order_id=case.order_id,
                buyer_id=case.buyer_id,
                seller_id=case.seller_id,
                outcome=case.outcome,
                refunded=refunded.amount_minor if refunded else 0,
                currency=case.order_total.currency,
            )
        )
        return CaseClosed(outcome=case.outcome)


@dataclass(frozen=True)
class _Refund:
    step: CaseRefunded
    refund_id: str
    cumulative: Money


def _refunded(books: CaseBooks, case: Case) -> CaseRefunded:
    """A Refund Buyer retried after it committed: what it did, from the ledger."""
    amount = case.refund_amount or case.order_total
    posted = {e.entry_id: e for e in books.ledger.entries_for_order(case.order_id)}
    debt_entry = posted.get(entries.entry_id("seller_debt", f"case:{case.case_id}"))
    debt = debt_entry.amount_on(f"seller_payable:{case.seller_id}") if debt_entry else 0
    # the order's reversals (a case is the one thing that reverses a paid order's transfer)
    reversed_ = sum(
        -e.amount_on(f"seller_payable:{case.seller_id}") for e in posted.values() if e.kind == "reversal"
    )
    return CaseRefunded(
        refund_id=case.refund_id or "",
        amount=amount.amount_minor,
        currency=amount.currency,
        reversed=max(reversed_, 0),
        debt=abs(debt),
    )


def _event_id(case_id: str, seq: int) -> str:
    return derived_id("case-event", case_id, str(seq))


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "none"


def _repeated(case: Case, user_id: str, action: str) -> bool:
    """The action was refused because it already took effect: the caller's own last entry is the
    same action (a retried request answers the case as it is, instead of a conflict)."""
    mine = [e for e in case.timeline if e.actor_id == user_id]
    return bool(mine) and mine[-1].action == action and case.timeline[-1] is mine[-1]
