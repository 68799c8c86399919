"""State-machine step "Close Offer" of offer:

At the deadline to pay: purchased (its checkout was paid) or lapsed (the hold released).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import offers
from workflows.offers.contracts import OfferStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = OfferStep.model_validate(event)
    logger.append_keys(offer_id=step.offer_id, execution=step.execution)
    return offers.wiring().service.close(step.offer_id).model_dump(mode="json")
