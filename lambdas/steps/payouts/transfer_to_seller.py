"""State-machine step "Transfer To Seller" of payout: the seller's net and the ledger, then the
seller is told (a notice that cannot be sent is logged: the money has moved, the payout is done)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import count, logger, tracer
from lambdas.wiring import payouts
from workflows.payouts.contracts import OrderStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = OrderStep.model_validate(event)
    logger.append_keys(order_id=step.order_id)
    service = payouts.wiring().service
    transferred = service.transfer(step.order_id)
    if transferred.created:
        count("PayoutsSent", currency=transferred.currency)
    try:
        service.notify_seller(step.order_id)  # the notice's id is the order's: a retry sends it once
    except Exception:  # noqa: BLE001 - the money has moved: a notice that fails must not fail the payout
        logger.exception("the seller could not be told of the payout")
    return transferred.model_dump(mode="json")
