"""GET /health: readiness of the databases (public; reveals no detail beyond up or down)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types

from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import platform
from workflows.shared.health import HealthReport, check

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


@app.get(
    "/health",
    summary="Readiness of the databases",
    responses={
        200: {
            "description": "Every dependency answers",
            "content": {"application/json": {"model": HealthReport}},
        },
        503: {
            "description": "A dependency does not answer",
            "content": {"application/json": {"model": HealthReport}},
        },
    },
)
def health() -> Response[HealthReport]:
    report = check(platform.wiring().probes)
    return Response(
        status_code=200 if report.status == "ok" else 503,
        content_type=content_types.APPLICATION_JSON,
        body=report,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
