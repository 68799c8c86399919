"""Stripe's signed webhooks: verified, then handed to the same consumers as the EventBridge path.

A webhook is Stripe's Event object POSTed with a ``Stripe-Signature`` header (``t=<ts>,v1=<hmac>``).
The verifier (an adapter: the official SDK) checks the HMAC with the endpoint's signing secret;
this service checks the signature's age on the clock port, as Stripe's libraries do with their
default tolerance, and that the body is a Stripe event; the forwarder then puts it where Stripe's
EventBridge events go, so the consumers (which deduplicate on the event id) act on it once
whichever way, and however often, it came. Anything refused changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from workflows.payments.errors import WebhookSignatureInvalid
from workflows.shared.views import View

if TYPE_CHECKING:
    from workflows.shared.clock import Clock

#: Stripe's default tolerance (``stripe.Webhook.DEFAULT_TOLERANCE``): an older signature is refused
TOLERANCE_S = 300
#: the ``source`` of the EventBridge entries a verified webhook becomes (Stripe's own EventBridge
#: events carry ``aws.partner/stripe.com/ed_...``; the rules match on ``detail-type`` only)
WEBHOOK_EVENT_SOURCE = "resale.stripe-webhooks"


@dataclass(frozen=True)
class StripeEvent:
    """A Stripe Event object, checked at the edge: its id and type, and the document as Stripe
    sent it (forwarded untouched: the consumers read it with the same adapter as EventBridge's)."""

    event_id: str
    event_type: str
    document: dict[str, Any]


@dataclass(frozen=True)
class SignedPayload:
    """A body whose signature matched: the parsed JSON and the signature's timestamp."""

    body: Any
    signed_at: int


class WebhookVerifier(Protocol):
    """Port: checks the signature of a webhook body (raises :class:`WebhookSignatureInvalid`;
    :class:`WebhookEventInvalid` when the signed body is not JSON). Does not check its age."""

    def verify(self, payload: bytes, signature: str | None) -> SignedPayload: ...

    def event_of(self, body: Any) -> StripeEvent:
        """The signed body read as a Stripe Event, or :class:`WebhookEventInvalid`."""
        ...


class StripeEventForwarder(Protocol):
    """Port: hands a verified Stripe Event to the consumers of Stripe's events."""

    def forward(self, event: dict[str, Any]) -> None: ...


class WebhookReceipt(View):
    """What Stripe is answered (any 2xx is success to Stripe; the body is for people)."""

    received: bool = True
    event_id: str
    event_type: str


def receive_stripe_webhook(
    payload: bytes,
    signature: str | None,
    *,
    verifier: WebhookVerifier,
    forwarder: StripeEventForwarder,
    clock: Clock,
    tolerance_s: int = TOLERANCE_S,
) -> WebhookReceipt:
    """Verify a webhook and forward its event; refused (nothing forwarded) when the signature is
    missing, wrong or stale, or the body is not a Stripe event."""
    signed = verifier.verify(payload, signature)
    age = int(clock.now().timestamp()) - signed.signed_at
    if age > tolerance_s:
        raise WebhookSignatureInvalid(
            f"The signature is {age} s old; Stripe signatures are accepted for {tolerance_s} s."
        )
    event = verifier.event_of(signed.body)
    forwarder.forward(event.document)
    return WebhookReceipt(event_id=event.event_id, event_type=event.event_type)
