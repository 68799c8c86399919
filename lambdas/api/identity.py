"""Sign-up, email confirmation, login and token refresh: ``/auth/*`` (public routes)."""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import accounts
from workflows.accounts.commands import (
    ConfirmRequest,
    EmailRequest,
    LoginRequest,
    RefreshRequest,
    SignupRequest,
)
from workflows.accounts.errors import (
    AlreadyConfirmed,
    CodeExpired,
    CodeLocked,
    CodeMismatch,
    EmailTaken,
    InvalidCredentials,
    InvalidPassword,
    InvalidRefreshToken,
    ResendLimitReached,
    UserNotConfirmed,
)
from workflows.accounts.views import ConfirmResult, ResendResult, SignupResult, Tokens
from workflows.shared.errors import ContractError, TransientError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_resolver()

_ERRORS = error_responses(
    (ContractError, "field details"),
    InvalidPassword,
    CodeMismatch,
    CodeExpired,
    InvalidCredentials,
    InvalidRefreshToken,
    UserNotConfirmed,
    EmailTaken,
    AlreadyConfirmed,
    (CodeLocked, "wrong codes; a resend unlocks"),
    ResendLimitReached,
    TransientError,
)


@app.post(
    "/auth/signup",
    summary="Create an account (unconfirmed, in the buyer group); a code is emailed",
    status_code=HTTPStatus.CREATED,
    responses=_ERRORS,
    tags=["identity"],
)
def signup(request: SignupRequest) -> SignupResult:
    result = accounts.wiring().identity.sign_up(request)
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
    return accounts.wiring().identity.confirm(request)


@app.post(
    "/auth/resend-code",
    summary="Email a new confirmation code (the previous one stops working)",
    status_code=HTTPStatus.ACCEPTED,
    response_description="Accepted for delivery",
    responses=_ERRORS,
    tags=["identity"],
)
def resend_code(request: EmailRequest) -> ResendResult:
    return accounts.wiring().identity.resend_code(request)


@app.post(
    "/auth/login",
    summary="Log in with email and password: id, access and refresh tokens",
    response_description="Tokens",
    responses=_ERRORS,
    tags=["identity"],
)
def login(request: LoginRequest) -> Tokens:
    return accounts.wiring().identity.login(request)


@app.post(
    "/auth/refresh",
    summary="New id and access tokens from a refresh token",
    response_description="Tokens",
    responses=_ERRORS,
    tags=["identity"],
)
def refresh(request: RefreshRequest) -> Tokens:
    return accounts.wiring().identity.refresh(request)


# tokens and personal data in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
