"""State-machine steps "Start Winner Checkout" and "Start Second Chance Checkout" of auction: the
buyer's checkout at their price, due by the payment deadline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import auctions
from workflows.auctions.contracts import BuyerStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = BuyerStep.model_validate(event)
    logger.append_keys(listing_id=step.listing_id)
    return (
        auctions.wiring().checkout_steps.start_checkout(step.listing_id, step.buyer).model_dump(mode="json")
    )
