"""The caller's profile, addresses and phone verification: ``/me``, ``/me/addresses``, ``/me/phone``.

Every route acts on the verified caller only; someone else's address is a 404.
"""

# Powertools reads the request and response models from the annotations at run time.
# ruff: noqa: TC001

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from lambdas.api.auth import caller
from lambdas.api.docs import error_responses
from lambdas.api.resolver import make_resolver
from lambdas.observability import logger, tracer
from lambdas.wiring import accounts, messaging
from workflows.accounts.commands import AddressInput, PhoneCheckRequest, ProfileUpdate
from workflows.accounts.errors import (
    AddressNotFound,
    CodeExpired,
    CodeLocked,
    CodeMismatch,
    InvalidPhone,
    NoPhone,
    PhoneAlreadyVerified,
    PhoneChanged,
    TooManyAddresses,
    TooManyCodesSent,
)
from workflows.accounts.views import Address, AddressPage, PhoneVerificationStarted, PhoneVerified, Profile
from workflows.shared.errors import (
    ContractError,
    IdempotencyKeyReused,
    InvalidCursor,
    TransientError,
    Unauthenticated,
)
from workflows.shared.ids import derived_id, new_id

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from workflows.shared.identity import Caller

app = make_resolver()

_COMMON = ((ContractError, "field details"), (Unauthenticated, "no or bad token"), TransientError)
_ADDRESS_ID = Annotated[str, Path(min_length=1, max_length=64, description="The address's id")]


def _me() -> Caller:
    who = caller(app)
    logger.append_keys(user_id=who.user_id)
    return who


# -- profile -----------------------------------------------------------------------------------


def _with_unread(profile: Profile) -> Profile:
    """The profile with the caller's unread message total (messaging's read model: one indexed read)."""
    return profile.model_copy(update={"unread_messages": messaging.wiring().unread.total(profile.user_id)})


@app.get("/me", summary="The caller's profile", responses=error_responses(*_COMMON), tags=["profile"])
def get_me() -> Profile:
    return _with_unread(accounts.wiring().profiles.get(_me()))


@app.patch(
    "/me",
    summary="Change name and/or phone (a new phone number is unverified); roles cannot be changed",
    responses=error_responses(*_COMMON),
    tags=["profile"],
)
def patch_me(change: ProfileUpdate) -> Profile:
    return _with_unread(accounts.wiring().profiles.update(_me(), change))


# -- addresses ---------------------------------------------------------------------------------


@app.post(
    "/me/addresses",
    summary="Add an address (the first one is the default)",
    description="A repeat with the same Idempotency-Key and body answers the same address, as the first.",
    status_code=HTTPStatus.CREATED,
    responses=error_responses(*_COMMON, TooManyAddresses, (IdempotencyKeyReused, "same key, another body")),
    tags=["addresses"],
)
def add_address(
    data: AddressInput,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Address:
    me = _me()
    address_id = derived_id("address", me.user_id, idempotency_key) if idempotency_key else new_id()
    address, _created = accounts.wiring().profiles.add_address(me, data, address_id=address_id)
    return address


@app.get(
    "/me/addresses",
    summary="The caller's addresses, oldest first",
    responses=error_responses(*_COMMON, InvalidCursor),
    tags=["addresses"],
)
def list_addresses(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> AddressPage:
    return accounts.wiring().profiles.list_addresses(_me(), limit=limit, cursor=cursor)


@app.put(
    "/me/addresses/<address_id>",
    summary="Replace an address; is_default true makes it the default",
    responses=error_responses(*_COMMON, AddressNotFound),
    tags=["addresses"],
)
def replace_address(address_id: _ADDRESS_ID, data: AddressInput) -> Address:
    return accounts.wiring().profiles.replace_address(_me(), address_id, data)


@app.delete(
    "/me/addresses/<address_id>",
    summary="Delete an address (deleting the default leaves none)",
    status_code=HTTPStatus.NO_CONTENT,
    responses=error_responses(*_COMMON, AddressNotFound),
    tags=["addresses"],
)
def delete_address(address_id: _ADDRESS_ID) -> None:
    accounts.wiring().profiles.delete_address(_me(), address_id)


# -- phone verification ------------------------------------------------------------------------


@app.post(
    "/me/phone/verification",
    summary="Send a verification code by SMS to the profile's phone number",
    status_code=HTTPStatus.ACCEPTED,
    response_description="Code sent",
    responses=error_responses(*_COMMON, InvalidPhone, NoPhone, PhoneAlreadyVerified, TooManyCodesSent),
    tags=["profile"],
)
def start_phone_verification() -> PhoneVerificationStarted:
    return accounts.wiring().profiles.start_phone_verification(_me())


@app.post(
    "/me/phone/verification/check",
    summary="Check the SMS code; the phone number is then verified",
    responses=error_responses(
        *_COMMON,
        CodeMismatch,
        (CodeExpired, "no code pending"),
        NoPhone,
        PhoneChanged,
        CodeLocked,
    ),
    tags=["profile"],
)
def check_phone_verification(request: PhoneCheckRequest) -> PhoneVerified:
    return accounts.wiring().profiles.check_phone_verification(_me(), request.code)


# personal data in the responses: never captured in traces
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
