"""Stripe's events as the workflows read them: which event types resume a waiting workflow, by
the kind of object whose id is the correlation key, and which say a connected account changed.

The Stripe Event JSON itself is read at the edge (``adapters.stripe.events``), into an
:class:`~workflows.shared.waits.OutsideEvent` or an :class:`~workflows.onboarding.model.AccountEvent`;
the steps that act on one read the object from Stripe (an event's payload may be stale, or forged
by whoever can put events on the bus).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflows.shared.waits import deliver_event

if TYPE_CHECKING:
    from workflows.shared.waits import OutsideEvent, TaskResponder, WaitingTasks

#: the Stripe event types that decide something a workflow waits for, by the kind of object
#: whose id is the correlation key (payment_intent.created and the like decide nothing)
RESUMING_EVENTS: dict[str, str] = {
    "payment_intent.succeeded": "payment_intent",
    "payment_intent.payment_failed": "payment_intent",
    "payment_intent.canceled": "payment_intent",
    "payment_intent.amount_capturable_updated": "payment_intent",
    "account.updated": "account",
    "account.application.deauthorized": "account",
    "transfer.reversed": "transfer",
    "payout.paid": "payout",
    "payout.failed": "payout",
}


def handle_stripe_event(
    event_id: str, outside: OutsideEvent | None, waiting: WaitingTasks, responder: TaskResponder, *, now: int
) -> dict[str, Any]:
    """Resume the workflow waiting for this Stripe event (or keep the event until it waits);
    ``outside`` None: no workflow waits for events of its type (ignored)."""
    if outside is None:
        return {"event_id": event_id, "outcome": "ignored"}
    outcome = deliver_event(waiting, responder, outside, now=now)
    return {"event_id": outside.event_id, "correlation_id": outside.correlation_id, "outcome": outcome}


#: the events that say a connected account may have changed
ACCOUNT_EVENTS = frozenset({"account.updated", "account.application.deauthorized"})
