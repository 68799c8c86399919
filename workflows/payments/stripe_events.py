"""Stripe's events, read as outside events that move workflows forward.

Only the fields a workflow needs are kept; the summary never carries card or personal data.
A summary says which object an event is about and when; the steps that act on it read the
object from Stripe (an event's payload may be stale, or forged by whoever can put events on
the bus): the state fields an account summary still carries are for logs, never decisions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflows.onboarding.model import AccountEvent
from workflows.shared.errors import ContractError
from workflows.shared.waits import OutsideEvent, TaskResponder, WaitingTasks, deliver_event

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


def to_outside_event(event: dict[str, Any]) -> OutsideEvent | None:
    """The outside event for a Stripe Event object, or None when no workflow cares about it."""
    try:
        event_id = str(event["id"])
        event_type = str(event["type"])
        obj: dict[str, Any] = event["data"]["object"]
        created = int(event["created"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ContractError(f"not a Stripe event: {exc}", code="INVALID_EVENT") from exc

    kind = RESUMING_EVENTS.get(event_type)
    if kind is None:
        return None
    object_id = _account_of(event) if kind == "account" else obj.get("id")
    if not object_id:
        return None
    summary: dict[str, Any] = {"object_id": obj.get("id"), "status": obj.get("status")}
    if kind == "payment_intent":
        summary |= {
            "payment_intent_id": object_id,
            "amount": obj.get("amount"),
            "currency": str(obj.get("currency", "")).upper() or None,
            "latest_charge": obj.get("latest_charge"),
            "failure_code": (obj.get("last_payment_error") or {}).get("code"),
            "failure_message": (obj.get("last_payment_error") or {}).get("message"),
        }
    elif kind == "account":
        requirements = obj.get("requirements") or {}
        summary |= {
            "account_id": object_id,
            "charges_enabled": bool(obj.get("charges_enabled")),
            "payouts_enabled": bool(obj.get("payouts_enabled")),
            "details_submitted": bool(obj.get("details_submitted")),
            "requirements_due": sorted(
                set(requirements.get("currently_due") or []) | set(requirements.get("past_due") or [])
            ),
            "disabled_reason": requirements.get("disabled_reason"),
        }
    return OutsideEvent(
        event_id=event_id,
        event_type=event_type,
        correlation_id=f"{kind}:{object_id}",
        occurred_at=created,
        summary=summary,
    )


def handle_stripe_event(
    event: dict[str, Any], waiting: WaitingTasks, responder: TaskResponder, *, now: int
) -> dict[str, Any]:
    """Resume the workflow waiting for this Stripe event (or keep the event until it waits)."""
    outside = to_outside_event(event)
    if outside is None:
        return {"event_id": event.get("id"), "outcome": "ignored"}
    outcome = deliver_event(waiting, responder, outside, now=now)
    return {"event_id": outside.event_id, "correlation_id": outside.correlation_id, "outcome": outcome}


#: the events that say a connected account may have changed
ACCOUNT_EVENTS = frozenset({"account.updated", "account.application.deauthorized"})


def _account_of(event: dict[str, Any]) -> str | None:
    """The connected account an event is about: a Connect event names it in ``account``; the
    object of ``account.application.deauthorized`` is the application, not the account."""
    if event.get("type") == "account.application.deauthorized":
        account = event.get("account")
        return str(account) if account else None
    obj = (event.get("data") or {}).get("object") or {}
    return str(obj["id"]) if obj.get("id") else None


def to_account_event(event: dict[str, Any]) -> AccountEvent | None:
    """Which account a Stripe event is about and when (None: not an account event)."""
    try:
        event_id, event_type, created = str(event["id"]), str(event["type"]), int(event["created"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ContractError(f"not a Stripe event: {exc}", code="INVALID_EVENT") from exc
    account_id = _account_of(event) if event_type in ACCOUNT_EVENTS else None
    if account_id is None:
        return None
    return AccountEvent(
        event_id=event_id,
        account_id=account_id,
        occurred_at=datetime.fromtimestamp(created, UTC),
        event_type=event_type,
    )
