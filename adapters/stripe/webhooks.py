"""Stripe's webhook signatures, checked by the official SDK (``stripe.Webhook.construct_event``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import stripe

from adapters.stripe.events import stripe_event
from workflows.payments.errors import WebhookEventInvalid, WebhookSignatureInvalid
from workflows.payments.webhooks import SignedPayload

if TYPE_CHECKING:
    from collections.abc import Sequence

    from workflows.payments.webhooks import StripeEvent


def _signed_at(header: str) -> int:
    """The ``t=`` of a ``Stripe-Signature`` header, read as the SDK reads it (the first one)."""
    for item in header.split(","):
        parts = item.split("=", 2)
        if parts[0] == "t" and len(parts) > 1:
            return int(parts[1])
    raise WebhookSignatureInvalid("The Stripe-Signature header has no timestamp.")


class StripeWebhookVerifier:
    """Implements ``workflows.payments.webhooks.WebhookVerifier``.

    ``secrets`` are the endpoints' signing secrets (``whsec_...``): one per webhook endpoint
    (an account endpoint and a Connect endpoint have different ones); a signature made with any
    of them is accepted. While Stripe rolls a secret it signs with the old and the new one, which
    the SDK accepts on its own.

    The SDK checks the timestamp against ``time.time()`` and has no clock parameter, so it is
    called with ``tolerance=0`` (its check off) and the service checks the same 300 s on the
    project's clock port (``workflows.payments.webhooks.receive_stripe_webhook``).
    """

    def __init__(self, secrets: Sequence[str]) -> None:
        self._secrets = tuple(s for s in secrets if s)
        if not self._secrets:
            raise ValueError("no Stripe webhook signing secret")

    def verify(self, payload: bytes, signature: str | None) -> SignedPayload:
        if not signature:
            raise WebhookSignatureInvalid("The Stripe-Signature header is missing.")
        for secret in self._secrets:
            try:
                event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=0)
            except stripe.SignatureVerificationError:
                continue
            except UnicodeDecodeError as exc:
                raise WebhookSignatureInvalid("The body is not UTF-8 text, as Stripe's are.") from exc
            except ValueError as exc:  # signed, but not JSON, or not a snapshot event
                raise WebhookEventInvalid(f"The body is not a Stripe event: {exc}") from exc
            # forwarded as Stripe sent it: the parsed body (the SDK's Event is a typed view of it)
            del event
            return SignedPayload(body=json.loads(payload), signed_at=_signed_at(signature))
        raise WebhookSignatureInvalid(
            "The Stripe-Signature header does not match the body with this endpoint's signing secret."
        )

    def event_of(self, body: Any) -> StripeEvent:
        return stripe_event(body)
