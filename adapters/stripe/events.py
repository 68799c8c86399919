"""Stripe's Event objects (from the ``stripe`` partner bus or the webhook bus), read at the edge.

Only the fields a workflow needs are kept; the summary never carries card or personal data. A
summary says which object an event is about and when; the state fields an account summary still
carries are for logs, never decisions (the steps read the object from Stripe).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflows.onboarding.model import AccountEvent
from workflows.payments.errors import WebhookEventInvalid
from workflows.payments.stripe_events import ACCOUNT_EVENTS, RESUMING_EVENTS
from workflows.payments.webhooks import StripeEvent
from workflows.shared.errors import InvalidEvent
from workflows.shared.waits import OutsideEvent


def to_outside_event(event: dict[str, Any]) -> OutsideEvent | None:
    """The outside event for a Stripe Event object, or None when no workflow cares about it."""
    try:
        event_id = str(event["id"])
        event_type = str(event["type"])
        obj: dict[str, Any] = event["data"]["object"]
        created = int(event["created"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidEvent(f"not a Stripe event: {exc}") from exc

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
        raise InvalidEvent(f"not a Stripe event: {exc}") from exc
    account_id = _account_of(event) if event_type in ACCOUNT_EVENTS else None
    if account_id is None:
        return None
    return AccountEvent(
        event_id=event_id,
        account_id=account_id,
        occurred_at=datetime.fromtimestamp(created, UTC),
        event_type=event_type,
    )


def stripe_event(body: Any) -> StripeEvent:
    """A webhook's signed body as a Stripe Event object, or :class:`WebhookEventInvalid`."""
    if not isinstance(body, dict) or body.get("object") != "event":
        raise WebhookEventInvalid('The body is not a Stripe event (an object with "object": "event").')
    problems = [
        name
        for name, ok in (
            ("id", isinstance(body.get("id"), str) and str(body["id"]).startswith("evt_")),
            ("type", isinstance(body.get("type"), str) and bool(body["type"])),
            ("created", isinstance(body.get("created"), int) and not isinstance(body["created"], bool)),
            (
                "data.object",
                isinstance(body.get("data"), dict) and isinstance(body["data"].get("object"), dict),
            ),
        )
        if not ok
    ]
    if problems:
        raise WebhookEventInvalid(
            f"The body is not a Stripe event: {', '.join(problems)} missing or invalid.",
            details={"fields": problems},
        )
    return StripeEvent(event_id=str(body["id"]), event_type=str(body["type"]), document=body)
