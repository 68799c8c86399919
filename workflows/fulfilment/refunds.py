"""A granted refund followed to its end: Stripe's refund events settle the ledger.

A refund Stripe answers ``pending`` (cancel before shipment posts its ``refund`` entry at once)
settles later: ``refund.updated`` / ``charge.refund.updated`` / ``refund.failed`` reach
:meth:`RefundSettlement.on_refund_event`, which reads only the refund's id from the event and
acts on the refund as Stripe has it now, under the order's row lock (the lock cancel holds):

- ``pending`` / ``requires_action``: nothing yet.
- ``succeeded``: ``refund_paid`` once (never after the refund failed).
- ``failed`` / ``canceled``: ``refund_failed`` reverses the granted refund (and ``refund_returned``
  brings back a refund Stripe had paid), then the platform's admins are emailed. The order
  stays ``cancelled`` with its payout stopped: the ledger's ``refund_failed`` entry flags it
  (``GET /admin/orders/{order_id}/ledger``) until an admin refunds the buyer another way or
  releases the money.

Events may come in any order and any number of times: every entry is keyed by the refund id
and the decision is taken from Stripe's current state, so a repeat changes nothing. A refund
with no order in its metadata (checkout's refund of a payment it could not record) has no
ledger entries; its failure is reported to the admins all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from workflows.ledger import entries
from workflows.ledger.errors import RefundMismatch
from workflows.ledger.model import REFUNDS
from workflows.notifications.model import Notification
from workflows.payouts.service import format_money
from workflows.shared.errors import InvalidEvent, TransientError
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from workflows.fulfilment.ports import RefundLookup, RefundState
    from workflows.ledger.model import JournalEntry
    from workflows.notifications.model import NotificationPublisher
    from workflows.payouts.ports import Books, BooksFactory

#: Stripe's events about a refund whose ``data.object`` is the refund
REFUND_EVENT_TYPES = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")

Outcome = Literal["pending", "paid", "failed", "reported", "ignored"]


class RefundEventResult(BaseModel):
    """What one refund event did (``posted``: the ledger entries it added, by kind)."""

    model_config = ConfigDict(frozen=True)

    refund_id: str
    status: str | None = None
    outcome: Outcome
    order_id: str | None = None
    posted: tuple[str, ...] = ()
    reason: str | None = None


def refund_id_of(event_type: str, refund: Any) -> str:
    """The refund's id from an event's ``data.object`` (the only thing read from the payload)."""
    refund_id = refund.get("id") if isinstance(refund, dict) else None
    if (
        event_type not in REFUND_EVENT_TYPES
        or not isinstance(refund_id, str)
        or not refund_id.startswith("re_")
    ):
        raise InvalidEvent(f"not a Stripe refund event: {event_type}")
    return refund_id


@dataclass
class RefundSettlement:
    books: BooksFactory
    refunds: RefundLookup
    notifications: NotificationPublisher
    #: the platform's admin address, told of every failed refund
    admin_email: str

    def on_refund_event(self, event_type: str, refund: dict[str, Any]) -> RefundEventResult:
        refund_id = refund_id_of(event_type, refund)
        found = self.refunds.retrieve(refund_id)
        if found is None:
            return RefundEventResult(refund_id=refund_id, outcome="ignored", reason="unknown_refund")
        failed = found.status in ("failed", "canceled")
        if found.status != "succeeded" and not failed:
            return RefundEventResult(refund_id=refund_id, status=found.status, outcome="pending")
        result = self._settle(found, failed=failed)
        if failed:
            # after the commit, and on every repeat: the notification id dedupes the email
            self._tell_admins(found, recorded=result.outcome == "failed")
        return result

    # -- the ledger ------------------------------------------------------------------------

    def _settle(self, found: RefundState, *, failed: bool) -> RefundEventResult:
        result = RefundEventResult(
            refund_id=found.refund_id, status=found.status, outcome="reported" if failed else "ignored"
        )
        if found.order_id is None:
            return result.model_copy(update={"reason": "no_order"})
        with self.books() as books:
            order = books.orders.get(found.order_id, for_update=True)  # cancel holds this lock too
            if order is None:
                return result.model_copy(update={"order_id": found.order_id, "reason": "unknown_order"})
            posted = {e.entry_id: e for e in books.ledger.entries_for_order(order.order_id)}
            granted = posted.get(entries.entry_id("refund", found.refund_id))
            if granted is None:
                # the cancellation that asked for it has not committed yet (or is being retried)
                raise TransientError(
                    f"refund {found.refund_id} of order {order.order_id} is not recorded yet"
                )
            _check(found, granted)
            if failed:
                added = _fail(books, order.order_id, found, granted, posted)
                return result.model_copy(
                    update={"outcome": "failed", "order_id": order.order_id, "posted": added}
                )
            if entries.entry_id("refund_failed", found.refund_id) in posted:
                return result.model_copy(
                    update={"order_id": order.order_id, "reason": "refund_failed_before"}
                )
            new = books.ledger.post(entries.refund_paid(order.order_id, found.refund_id, found.amount))
            return result.model_copy(
                update={
                    "outcome": "paid",
                    "order_id": order.order_id,
                    "posted": ("refund_paid",) if new else (),
                }
            )

    # -- the admins ------------------------------------------------------------------------

    def _tell_admins(self, found: RefundState, *, recorded: bool) -> None:
        self.notifications.publish(
            Notification(
                notification_id=derived_id("notification", "refund_failed", found.refund_id),
                type="admin.refund_failed",
                category="account",
                channels=("email",),
                email=self.admin_email,
                name="Resale admins",
                data={
                    "refund_id": found.refund_id,
                    "amount": format_money(found.amount),
                    "order_id": found.order_id or "none (a checkout's refund)",
                    "payment_intent_id": found.payment_intent_id or "unknown",
                    "failure_reason": found.failure_reason or found.status,
                    "ledger": (
                        "The refund was reversed in the ledger (refund_failed); the order stays cancelled "
                        "and its payout stopped."
                        if recorded
                        else "The ledger has no entry of this refund; nothing was reversed."
                    ),
                },
                reference=f"order:{found.order_id}" if found.order_id else None,
            )
        )


def _check(found: RefundState, granted: JournalEntry) -> None:
    """Stripe's refund must be the one the ledger granted (its amount, in its currency)."""
    credited = [p.amount for p in granted.postings if p.account == REFUNDS]
    if [-m for m in credited] != [found.amount]:
        raise RefundMismatch(
            f"Stripe's refund {found.refund_id} is {found.amount.amount_minor} {found.amount.currency}; "
            f"the ledger granted {[(-m).amount_minor for m in credited]}",
            details={"refund_id": found.refund_id, "order_id": granted.order_id},
        )


def _fail(
    books: Books, order_id: str, found: RefundState, granted: JournalEntry, posted: dict[str, JournalEntry]
) -> tuple[str, ...]:
    """Reverse the granted refund; a refund Stripe had paid also comes back to the balance."""
    added = []
    if books.ledger.post(entries.refund_failed(granted, found.refund_id)):
        added.append("refund_failed")
    if entries.entry_id("refund_paid", found.refund_id) in posted and books.ledger.post(
        entries.refund_returned(order_id, found.refund_id, found.amount)
    ):
        added.append("refund_returned")
    return tuple(added)
