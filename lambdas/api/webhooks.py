"""``POST /webhooks/stripe``: Stripe's signed webhooks (public: the signature is the credential).

The raw body is verified against ``Stripe-Signature`` and, once verified, put on the
``stripe-webhooks`` bus, whose rules are those of the Stripe bus: the consumers of Stripe's
EventBridge events act on it, once per event id whichever way it came.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import core, webhooks
from workflows.payments.errors import WebhookEventInvalid, WebhookSignatureInvalid
from workflows.payments.webhooks import WebhookReceipt, receive_stripe_webhook
from workflows.shared.errors import TransientError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


def _raw_body() -> bytes:
    """The body exactly as sent (the signature covers its bytes)."""
    event = app.current_event
    if not event.is_base64_encoded:
        return (event.body or "").encode("utf-8")
    try:
        return base64.b64decode(event.body or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookSignatureInvalid("The body could not be read.") from exc


@app.post(
    "/webhooks/stripe",
    summary="Stripe's signed webhook events (for Stripe, not for clients)",
    description=(
        "The body is Stripe's Event object, signed in the Stripe-Signature header with the "
        "endpoint's signing secret; signatures older than 300 seconds are refused. A verified "
        "event reaches the same consumers as Stripe's EventBridge events, which act on each "
        "event id once. No token: the signature is the credential."
    ),
    responses=error_responses(
        (WebhookSignatureInvalid, "missing, wrong or stale signature"),
        (WebhookEventInvalid, "signed, but not a Stripe event"),
        (TransientError, "Stripe delivers it again"),
    ),
    tags=["webhooks"],
)
def post_stripe_webhook() -> WebhookReceipt:
    receipt = receive_stripe_webhook(
        _raw_body(),
        app.current_event.headers.get("Stripe-Signature"),
        verifier=webhooks.wiring().verifier(),
        forwarder=webhooks.wiring().forwarder,
        clock=core.wiring().clock,
    )
    logger.info("stripe webhook", extra={"stripe_event_id": receipt.event_id, "type": receipt.event_type})
    return receipt


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
