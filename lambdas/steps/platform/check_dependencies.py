"""State-machine step "Check Dependencies" of the platform canary: are the databases answering?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.observability import logger, metrics, tracer
from lambdas.wiring import platform
from workflows.platform.contracts import CanaryStep
from workflows.shared.health import check

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CanaryStep.model_validate(event)
    logger.append_keys(execution=step.execution)
    report = check(platform.wiring().probes)
    for name, dependency in report.dependencies.items():
        metrics.add_metric(name=f"{name}LatencyMs", unit=MetricUnit.Milliseconds, value=dependency.latency_ms)
    if report.status != "ok":
        logger.warning("dependencies degraded", extra={"report": report.model_dump(mode="json")})
    return report.model_dump(mode="json")
