"""EventBridge target for fulfilment's ``OrderDelivered``: start the order's feedback window.

The execution is named ``feedback-<order_id>``, so a redelivered event starts nothing new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import feedback
from workflows.fulfilment.events import OrderDelivered

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    delivered = OrderDelivered.model_validate(envelope.detail)
    logger.append_keys(order_id=delivered.order_id, seller_id=delivered.seller_id)
    result = feedback.wiring().service.on_order_delivered(delivered)
    logger.info("feedback window started", extra=result)
    return result
