"""``POST /fees/quote``: what a seller would pay on these items now, per seller.

Checks the listings first (a client's mistake never starts an execution), then runs the
fee_calculation Express state machine synchronously (StartSyncExecution) and maps the error name
of a rejected or failed execution back to the API error it stands for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from workflows.fees.service import QuoteRequest, QuoteView  # noqa: TC001 - parsed and read at runtime (OpenAPI)

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
    logger.append_keys(user=caller(app).user_id)
    # a client's mistake is answered before an execution starts; a rejected one raises its error
    return bootstrap.fee_quotes().quote(request)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
