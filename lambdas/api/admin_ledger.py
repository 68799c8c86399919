"""``GET /admin/orders/{order_id}/ledger``: an order's journal entries and postings, for admins,
with whether they balance and whether the order's money adds up (``workflows.ledger.invariants``)."""

# Powertools reads the response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import payouts
from workflows.orders.errors import OrderNotFound
from workflows.payouts.views import OrderLedgerView
from workflows.shared.errors import AdminOnly, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()


@app.get(
    "/admin/orders/<order_id>/ledger",
    summary="An order's ledger: entries, postings, and whether it balances",
    responses=error_responses(Unauthenticated, AdminOnly, OrderNotFound, TransientError),
    tags=["admin"],
)
def order_ledger(
    order_id: Annotated[str, Path(min_length=1, max_length=64, description="The order's id")],
) -> OrderLedgerView:
    who = caller(app)
    logger.append_keys(user_id=who.user_id, order_id=order_id)
    return payouts.wiring().ledger_audit.order_ledger(who, order_id)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
