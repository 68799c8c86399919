"""A seller's money: ``GET /sellers/me/balance``, ``/sellers/me/payouts``, ``/sellers/me/reports/sales``.

Amounts come from the ledger: ``pending`` is owed but not payable yet (awaiting delivery or a
hold), ``available`` is payable now, ``paid_out`` was transferred (less reversals). Money is per
currency, never added across currencies; ``?currency=`` narrows any of the three to one.
"""

# Powertools reads the response models from the annotations at run time.
# ruff: noqa: TC001, TC003

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import payouts as payouts_wiring  # `payouts` is a route here
from workflows.payouts.errors import InvalidReportRange
from workflows.payouts.views import BalanceView, PayoutPage, SalesReportView
from workflows.shared.errors import (
    ContractError,
    InvalidCurrency,
    InvalidCursor,
    SellerOnly,
    TransientError,
    Unauthenticated,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_COMMON = (Unauthenticated, SellerOnly, TransientError)
_CURRENCY = Annotated[
    str | None,
    Query(
        min_length=3,
        max_length=3,
        pattern="^[A-Z]{3}$",
        description="Only this currency (ISO 4217, e.g. GBP); every currency when absent",
    ),
]


@app.get(
    "/sellers/me/balance",
    summary="The caller's money as a seller, per currency: pending, available and paid out",
    description="One entry in `balances` per currency the seller has money in, by currency code.",
    responses=error_responses(*_COMMON, ContractError, InvalidCurrency),
    tags=["seller finance"],
)
def balance(currency: _CURRENCY = None) -> BalanceView:
    who = caller(app)
    who.require("seller")
    logger.append_keys(user_id=who.user_id)
    return payouts_wiring.wiring().finance.balance(who, currency=currency)


@app.get(
    "/sellers/me/payouts",
    summary="The caller's payouts, one per sold order, newest first, each in its order's currency",
    responses=error_responses(*_COMMON, ContractError, InvalidCursor, InvalidCurrency),
    tags=["seller finance"],
)
def payouts(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
    currency: _CURRENCY = None,
) -> PayoutPage:
    who = caller(app)
    who.require("seller")
    logger.append_keys(user_id=who.user_id)
    return payouts_wiring.wiring().finance.payouts(who, limit=limit, cursor=cursor, currency=currency)


@app.get(
    "/sellers/me/reports/sales",
    summary="The caller's sales of a period per currency: orders paid in it, gross, fees, refunds, net",
    description=(
        "`from` is inclusive, `to` exclusive; RFC 3339 times, at most 366 days apart. One entry in "
        "`totals` per currency sold in, by currency code."
    ),
    responses=error_responses(*_COMMON, ContractError, InvalidReportRange, InvalidCurrency),
    tags=["seller finance"],
)
def sales_report(
    start: Annotated[datetime, Query(alias="from", description="Start of the period (inclusive)")],
    end: Annotated[datetime, Query(alias="to", description="End of the period (exclusive)")],
    currency: _CURRENCY = None,
) -> SalesReportView:
    who = caller(app)
    who.require("seller")
    logger.append_keys(user_id=who.user_id)
    return payouts_wiring.wiring().finance.sales_report(who, start, end, currency=currency)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
