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

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import onboarding
from workflows.onboarding.commands import StartOnboarding
from workflows.onboarding.errors import (
    OnboardingEnded,
    OnboardingNotFound,
    OnboardingNotReady,
    SellerAlreadyActive,
    SellerRejected,
    SellerRequirementsMissing,
)
from workflows.onboarding.views import OnboardingLink, SellerOnboardingView
from workflows.shared.errors import ContractError, IdempotencyKeyReused, TransientError, Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = ((ContractError, "field details"), (Unauthenticated, "no or bad token"), TransientError)


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
        *_COMMON,
        (SellerRequirementsMissing, "details.missing: email_confirmed, phone_verified, address"),
        SellerAlreadyActive,
        SellerRejected,
        (IdempotencyKeyReused, "same key, another body"),
    ),
    tags=["sellers"],
)
def start_onboarding(
    request: StartOnboarding,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> SellerOnboardingView:
    view = onboarding.wiring().service.start(
        _me(), request, idempotency_key=idempotency_key, email_verified_claim=_email_verified_claim()
    )
    logger.info("seller onboarding", extra={"onboarding_id": view.onboarding_id, "status": view.status})
    return view


@app.get(
    "/sellers/me",
    summary="The caller's seller onboarding: status, what Stripe still requires",
    responses=error_responses(*_COMMON, OnboardingNotFound),
    tags=["sellers"],
)
def my_onboarding() -> SellerOnboardingView:
    return onboarding.wiring().service.mine(_me())


@app.post(
    "/sellers/me/onboarding-link",
    summary="A fresh link to Stripe's hosted onboarding page (links are short-lived)",
    responses=error_responses(
        *_COMMON, OnboardingNotFound, SellerAlreadyActive, OnboardingEnded, OnboardingNotReady
    ),
    tags=["sellers"],
)
def fresh_link() -> OnboardingLink:
    return onboarding.wiring().service.fresh_link(_me())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
