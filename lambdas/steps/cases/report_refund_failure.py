"""State-machine step "Report Refund Failure" of case_resolution:
the refund failed for good: the case back to the admins, who are told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import cases
from workflows.cases.contracts import FailedStep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = FailedStep.model_validate(event)
    logger.append_keys(case_id=step.case_id)
    return cases.wiring().service.report_refund_failure(step.case_id, step.error).model_dump(mode="json")
