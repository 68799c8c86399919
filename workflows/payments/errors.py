"""What can go wrong with the payment provider's messages (Stripe's webhooks), each with its stable
code (the class is the error name)."""

from __future__ import annotations

from workflows.shared.errors import ContractError


class WebhookSignatureInvalid(ContractError):
    """The ``Stripe-Signature`` header is missing, malformed, not made with the endpoint's
    secret, or older than the tolerance."""

    code = "WEBHOOK_SIGNATURE_INVALID"


class WebhookEventInvalid(ContractError):
    """The body is signed but is not a Stripe event (not JSON, or not an Event object)."""

    code = "WEBHOOK_EVENT_INVALID"
