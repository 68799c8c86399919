"""State-machine step "Expire Offer" of offer:

The round's deadline passed unanswered: the offer expires (an answer meanwhile wins).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import offers
from workflows.offers.contracts import ExpireInput

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = ExpireInput.model_validate(event)
    logger.append_keys(offer_id=step.offer_id, execution=step.execution)
    return offers.wiring().service.expire(step.offer_id, step.round).model_dump(mode="json")
