"""GET /health: readiness of the databases (public; reveals no detail beyond up or down)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from workflows.shared.health import HealthReport, check

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


@app.get("/health")
def health() -> tuple[dict[str, Any], int]:
    report: HealthReport = check(bootstrap.health_probes())
    return report.model_dump(mode="json"), 200 if report.status == "ok" else 503


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
