"""EventBridge target for checkout's ``OrderPaid``: record the payout, start its execution.

The execution is named ``payout-<order_id>``, so a redelivered event starts nothing new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import payouts
from workflows.payouts.model import OrderPaid

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    paid = OrderPaid.model_validate(envelope.detail)
    logger.append_keys(order_id=paid.order_id, seller_id=paid.seller_id)
    result = payouts.wiring().service.on_order_paid(paid)
    logger.info("payout scheduled", extra=result)
    return result
