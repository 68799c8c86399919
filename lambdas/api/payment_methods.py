"""The caller's saved cards: ``/me/payment-methods`` (Stripe SetupIntents and PaymentMethods)."""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import accounts
from workflows.accounts.errors import PaymentMethodNotFound
from workflows.accounts.views import PaymentMethodPage, SetupIntentResult
from workflows.shared.errors import ContractError, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = (
    (ContractError, "field details"),
    (Unauthenticated, "no or bad token"),
    (TransientError, "the payment provider did not answer"),
)


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


@app.post(
    "/me/payment-methods/setup",
    summary="Start saving a card: a SetupIntent whose client_secret the client app confirms with Stripe",
    status_code=HTTPStatus.CREATED,
    response_description="SetupIntent created",
    responses=error_responses(*_COMMON),
    tags=["payment methods"],
)
def setup() -> SetupIntentResult:
    return accounts.wiring().payment_methods.setup(_me())


@app.get(
    "/me/payment-methods",
    summary="The caller's saved cards",
    responses=error_responses(*_COMMON),
    tags=["payment methods"],
)
def list_payment_methods(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
) -> PaymentMethodPage:
    return accounts.wiring().payment_methods.list(_me(), limit=limit, cursor=cursor)


@app.delete(
    "/me/payment-methods/<payment_method_id>",
    summary="Remove a saved card",
    status_code=HTTPStatus.NO_CONTENT,
    response_description="Removed",
    responses=error_responses(*_COMMON, PaymentMethodNotFound),
    tags=["payment methods"],
)
def delete_payment_method(
    payment_method_id: Annotated[str, Path(pattern=r"^pm_[A-Za-z0-9_]{1,250}$")],
) -> None:
    accounts.wiring().payment_methods.delete(_me(), payment_method_id)


# card details in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
