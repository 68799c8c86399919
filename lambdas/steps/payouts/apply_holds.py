"""State-machine step "Apply Holds" of payout: transfer now, hold (and for how long) or stop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import parse

from lambdas import bootstrap
from lambdas.observability import logger, tracer
from lambdas.steps.payouts.requests import HoldsStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=HoldsStep)
    logger.append_keys(order_id=request.order_id)
    decision = bootstrap.payout_service().apply_holds(request.order_id, hold_served=request.hold_served)
    # the machine waits out a new seller's hold once; later rounds only look at disputes and accounts
    served = request.hold_served or (decision.decision == "hold" and decision.reason == "new_seller")
    return {**decision.as_output(), "hold_served": served}
