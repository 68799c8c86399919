"""``POST /fees/quote``: what a seller would pay on these items now, per seller.

Checks the listings first (a client's mistake never starts an execution), then runs the
fee_calculation Express state machine synchronously (StartSyncExecution) and maps the error name
of a rejected or failed execution back to the API error it stands for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import fees
from workflows.catalog.errors import (
    CurrencyNotSupported,
    ListingNotAvailable,
    ListingNotFound,
    QuantityNotAvailable,
)
from workflows.fees.commands import QuoteRequest  # noqa: TC001 - parsed at runtime
from workflows.fees.errors import FeeCalculationUnavailable, InvalidQuoteRequest, MixedCurrencies
from workflows.fees.service import QuoteView  # noqa: TC001 - read at runtime (OpenAPI)
from workflows.shared.errors import ContractError, Unauthenticated

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
        (ContractError, "field details"),
        InvalidQuoteRequest,
        MixedCurrencies,
        CurrencyNotSupported,
        Unauthenticated,
        ListingNotFound,
        ListingNotAvailable,
        QuantityNotAvailable,
        FeeCalculationUnavailable,
    ),
    tags=["fees"],
)
def post_quote(request: QuoteRequest) -> QuoteView:
    logger.append_keys(user=caller(app).user_id)
    # a client's mistake is answered before an execution starts; a rejected one raises its error
    return fees.wiring().quotes.quote(request)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
