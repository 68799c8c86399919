"""EventBridge target for Stripe's ``transfer.created`` / ``transfer.reversed``: the ledger records
what Stripe did, once, whatever the order or number of deliveries (deduplicated on the event id,
and every entry keyed by Stripe's object id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import once_per_stripe_event
from lambdas.observability import logger, tracer
from lambdas.wiring import payouts

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _record(stripe_event: dict[str, Any]) -> dict[str, Any]:
    return payouts.wiring().service.on_transfer_event(
        str(stripe_event.get("type")), stripe_event.get("data", {}).get("object", {})
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = once_per_stripe_event(event, context, _record)
    logger.info("stripe transfer event", extra=result)
    return result
