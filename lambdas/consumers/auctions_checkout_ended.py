"""EventBridge target for checkout's ``AgreedCheckoutEnded`` of an auction, paid: the auction's
execution stops waiting for the payment (it reads the checkout itself, then, as at the deadline).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import auctions
from workflows.checkout.agreements import AgreedCheckoutEnded

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    ended = AgreedCheckoutEnded.model_validate(envelope.detail)
    logger.append_keys(listing_id=ended.listing_id, checkout_id=ended.checkout_id)
    resumed = auctions.wiring().service.on_checkout_ended(ended.source_id, ended.outcome, ended.event_id)
    return {"source_id": ended.source_id, "resumed": resumed}
