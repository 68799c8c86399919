"""Seller onboarding: ``POST /sellers``, ``GET /sellers/me``, ``POST /sellers/me/onboarding-link``.

``POST /sellers`` checks the caller can sell, records the onboarding and starts the
seller_onboarding state machine (execution name = onboarding id); it answers 202 with Stripe's
hosted onboarding link once the workflow has made it (a few seconds at most). Every route acts
on the caller's own onboarding only.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header

from lambdas import bootstrap
from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import error_response, make_resolver
from lambdas.observability import logger, tracer
from workflows.onboarding.errors import IdempotencyKeyReused
from workflows.onboarding.model import OnboardingLink, SellerOnboardingView, StartOnboarding

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = {
    400: "INVALID_REQUEST (field details)",
    401: "UNAUTHORIZED (no or bad token)",
    503: "TEMPORARILY_UNAVAILABLE",
}


@app.exception_handler(IdempotencyKeyReused)  # type: ignore[untyped-decorator]
def _key_reused(error: IdempotencyKeyReused) -> Response[Any]:
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, error.code, error.message)


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


def _email_verified_claim() -> str | None:
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer is not None else None) or {}
    value = claims.get("email_verified")
    return None if value is None else str(value)


@app.post(
    "/sellers",
    summary="Become a seller: start the Stripe Connect onboarding (or get the one in progress)",
    description=(
        "Needs a confirmed email address, a verified phone number and an address. Answers 202 with "
        "the onboarding (its id is the workflow's execution name) and Stripe's hosted onboarding "
        "page in onboarding_url; poll GET /sellers/me. A second call while an onboarding is in "
        "progress answers that onboarding."
    ),
    status_code=HTTPStatus.ACCEPTED,
    response_description="The onboarding, started now or already in progress",
    responses=error_responses(
        {
            **_COMMON,
            409: "SELLER_REQUIREMENTS_MISSING (details.missing: email_confirmed, phone_verified, "
            "address), SELLER_ALREADY_ACTIVE, SELLER_REJECTED",
            422: "IDEMPOTENCY_KEY_REUSED (same key, another body)",
        }
    ),
    tags=["sellers"],
)
def start_onboarding(
    request: StartOnboarding,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> SellerOnboardingView:
    view = bootstrap.seller_onboarding().start(
        _me(), request, idempotency_key=idempotency_key, email_verified_claim=_email_verified_claim()
    )
    logger.info("seller onboarding", extra={"onboarding_id": view.onboarding_id, "status": view.status})
    return view


@app.get(
    "/sellers/me",
    summary="The caller's seller onboarding: status, what Stripe still requires",
    responses=error_responses({**_COMMON, 404: "SELLER_ONBOARDING_NOT_FOUND"}),
    tags=["sellers"],
)
def my_onboarding() -> SellerOnboardingView:
    return bootstrap.seller_onboarding().mine(_me())


@app.post(
    "/sellers/me/onboarding-link",
    summary="A fresh link to Stripe's hosted onboarding page (links are short-lived)",
    responses=error_responses(
        {
            **_COMMON,
            404: "SELLER_ONBOARDING_NOT_FOUND",
            409: "SELLER_ALREADY_ACTIVE, SELLER_ONBOARDING_ENDED, SELLER_ONBOARDING_NOT_READY",
        }
    ),
    tags=["sellers"],
)
def fresh_link() -> OnboardingLink:
    return bootstrap.seller_onboarding().fresh_link(_me())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
