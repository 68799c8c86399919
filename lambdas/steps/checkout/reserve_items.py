"""State-machine step "Reserve Items" of checkout: hold every line's units, or none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import parse
from pydantic import BaseModel, Field

from lambdas import bootstrap
from lambdas.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class StepRequest(BaseModel):
    checkout_id: str = Field(min_length=1, max_length=64)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=StepRequest)
    logger.append_keys(checkout_id=request.checkout_id, execution=event.get("execution"))
    return bootstrap.checkout_service().reserve_items(request.checkout_id)
