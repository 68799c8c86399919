"""SQS consumer of ``notifications-sms``: deliver each notification by SMS (Twilio)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.notify import handle_batch
from lambdas.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_batch(event, context, "sms")
