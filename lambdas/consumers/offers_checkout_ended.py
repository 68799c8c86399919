"""EventBridge target for checkout's ``AgreedCheckoutEnded`` of an offer that was paid: the offer
machine's Wait For Purchase is resumed at once (Close Offer then marks the offer purchased).

A redelivered event finds the wait resumed already (or the event kept for it): nothing twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import offers
from workflows.checkout.agreements import AgreedCheckoutEnded

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    ended = AgreedCheckoutEnded.model_validate(envelope.detail)
    logger.append_keys(offer_id=ended.source_id, checkout_id=ended.checkout_id)
    resumed = offers.wiring().service.on_checkout_ended(ended)
    logger.info("offer's checkout ended", extra={"outcome": ended.outcome, "resumed": resumed})
    return {"resumed": resumed}
