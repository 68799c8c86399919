"""State-machine step "Close Auction" of auction: closed with a conditional write (no bid lands
after it), the winner decided (reserve met or not), the sold unit held, everyone told."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import auctions
from workflows.auctions.contracts import ListingStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = ListingStep.model_validate(event)
    logger.append_keys(listing_id=step.listing_id)
    return auctions.wiring().service.close(step.listing_id).model_dump(mode="json")
