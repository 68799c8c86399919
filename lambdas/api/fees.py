"""``POST /fees/quote``: what a seller would pay on these items now, per seller.

Runs the fee_calculation Express state machine synchronously (StartSyncExecution) and maps the
error name of a failed execution back to the API error it stands for.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from workflows.fees.service import QuoteRequest, QuoteView, quote_from_execution

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


@app.post(
    "/fees/quote",
    summary="Quote the fees of an order: per seller, items, shipping, fee parts and net",
    description=(
        "Prices are the listings' effective prices now (an active deal applied) with each listing's "
        "chosen shipping option (shipping_service; default the cheapest); fees follow the fee "
        "schedule in effect now. Every amount is in "
        "minor units; the fee parts always sum exactly to fee_total."
    ),
    responses=error_responses(
        {
            400: "INVALID_REQUEST (field details), INVALID_QUOTE_REQUEST, UNKNOWN_LISTING, "
            "MIXED_CURRENCIES, CURRENCY_NOT_SUPPORTED",
            401: "UNAUTHORIZED",
            409: "LISTING_NOT_AVAILABLE, QUANTITY_NOT_AVAILABLE",
            503: "FEE_CALCULATION_UNAVAILABLE",
        }
    ),
    tags=["fees"],
)
def post_quote(request: QuoteRequest) -> QuoteView:
    user = caller(app)
    result = bootstrap.aws_client("stepfunctions").start_sync_execution(
        stateMachineArn=bootstrap.fees_settings().fee_calculation_state_machine_arn,
        # a quote changes nothing: a fresh name per request is safe
        name=f"quote-{uuid.uuid4()}",
        input=json.dumps(request.model_dump(mode="json") | {"held_by": None}),
    )
    logger.info(
        "fee quote",
        extra={"user": user.user_id, "execution": result.get("executionArn"), "status": result["status"]},
    )
    return quote_from_execution(result)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
