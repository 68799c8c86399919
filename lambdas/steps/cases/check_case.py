"""State-machine step "Check Case" of case_resolution:
where the case is (deadlines that passed applied) and how long to wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import cases
from workflows.cases.contracts import CaseStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CaseStep.model_validate(event)
    logger.append_keys(case_id=step.case_id)
    return cases.wiring().service.check_case(step.case_id).model_dump(mode="json")
