"""Sign-up, email confirmation, login and token refresh: ``/auth/*`` (public routes)."""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from lambdas import bootstrap
from lambdas.api.docs import error_responses
from lambdas.api.resolver import error_response, make_resolver
from lambdas.observability import logger, tracer
from workflows.accounts.errors import InvalidCredentials
from workflows.accounts.model import (
    ConfirmRequest,
    ConfirmResult,
    EmailRequest,
    LoginRequest,
    RefreshRequest,
    ResendResult,
    SignupRequest,
    SignupResult,
    Tokens,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_ERRORS = error_responses(
    {
        400: "INVALID_REQUEST (field details), INVALID_PASSWORD, CODE_MISMATCH, CODE_EXPIRED",
        401: "INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN",
        403: "USER_NOT_CONFIRMED",
        409: "EMAIL_TAKEN, ALREADY_CONFIRMED",
        429: "TOO_MANY_ATTEMPTS (wrong codes; a resend unlocks), RESEND_LIMIT_REACHED",
        503: "TEMPORARILY_UNAVAILABLE",
    }
)


@app.exception_handler(InvalidCredentials)  # type: ignore[untyped-decorator]
def _invalid_credentials(error: InvalidCredentials) -> Response[Any]:
    return error_response(HTTPStatus.UNAUTHORIZED, error.code, error.message)


@app.post(
    "/auth/signup",
    summary="Create an account (unconfirmed, in the buyer group); a code is emailed",
    status_code=HTTPStatus.CREATED,
    responses=_ERRORS,
    tags=["identity"],
)
def signup(request: SignupRequest) -> SignupResult:
    result = bootstrap.identity_service().sign_up(request)
    logger.append_keys(user_id=result.user_id)
    return result


@app.post(
    "/auth/confirm",
    summary="Confirm the email address with the emailed code",
    response_description="Confirmed",
    responses=_ERRORS,
    tags=["identity"],
)
def confirm(request: ConfirmRequest) -> ConfirmResult:
    return bootstrap.identity_service().confirm(request)


@app.post(
    "/auth/resend-code",
    summary="Email a new confirmation code (the previous one stops working)",
    status_code=HTTPStatus.ACCEPTED,
    response_description="Accepted for delivery",
    responses=_ERRORS,
    tags=["identity"],
)
def resend_code(request: EmailRequest) -> ResendResult:
    return bootstrap.identity_service().resend_code(request)


@app.post(
    "/auth/login",
    summary="Log in with email and password: id, access and refresh tokens",
    response_description="Tokens",
    responses=_ERRORS,
    tags=["identity"],
)
def login(request: LoginRequest) -> Tokens:
    return bootstrap.identity_service().login(request)


@app.post(
    "/auth/refresh",
    summary="New id and access tokens from a refresh token",
    response_description="Tokens",
    responses=_ERRORS,
    tags=["identity"],
)
def refresh(request: RefreshRequest) -> Tokens:
    return bootstrap.identity_service().refresh(request)


# tokens and personal data in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
