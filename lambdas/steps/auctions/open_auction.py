"""State-machine step "Open Auction" of auction: the auction made from its listing's terms
(once); the seconds until its end."""

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
    return auctions.wiring().service.open(step.listing_id).model_dump(mode="json")
