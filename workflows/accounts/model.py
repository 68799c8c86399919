"""Accounts: what the API accepts and answers (pydantic), and the records the repositories keep.

Request models are strict (no coercion: ``12345`` is not a postal code, ``1.0`` is not a name) and
refuse unknown fields, so nothing can slip a ``roles`` or ``phone_verified`` into a profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from workflows.accounts.countries import ISO_3166_ALPHA2
from workflows.shared.fields import ONE_LINE

if TYPE_CHECKING:
    from datetime import datetime

E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

SellerStatus = Literal["none", "onboarding", "active", "restricted", "suspended"]
#: the Cognito groups the API knows, in the order a profile lists them
Role = Literal["admin", "buyer", "seller"]
ROLES: tuple[Role, ...] = ("admin", "buyer", "seller")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an email address")
    return value


def _country(value: str) -> str:
    value = value.strip().upper()
    if value not in ISO_3166_ALPHA2:
        raise ValueError("not an ISO 3166-1 alpha-2 country code (e.g. 'US', 'GB', 'DE')")
    return value


Email = Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_email)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=E164_PATTERN),
    Field(description="E.164, e.g. +14155550123", examples=["+14155550123"]),
]
# one line each, no control characters (workflows.shared.fields), counted once stripped
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), ONE_LINE]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), ONE_LINE]
Country = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_country),
    Field(description="ISO 3166-1 alpha-2", examples=["US"]),
]
PostalCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    ONE_LINE,
    Field(description="Text, never a number: leading zeros and letters are kept", examples=["02139"]),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4,10}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# -- identity ------------------------------------------------------------------------------------


class SignupRequest(_Request):
    email: Email
    password: Password = Field(description="Must satisfy the user pool's password policy")
    name: Name
    phone: Phone | None = None


class SignupResult(BaseModel):
    user_id: str


class ConfirmRequest(_Request):
    email: Email
    code: Code = Field(description="The code emailed at sign-up (or by the latest resend)")


class ConfirmResult(BaseModel):
    user_id: str
    email_verified: bool


class EmailRequest(_Request):
    email: Email


class ResendResult(BaseModel):
    status: Literal["sent"] = "sent"


class LoginRequest(_Request):
    email: Email
    password: Password


class RefreshRequest(_Request):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class Tokens(BaseModel):
    id_token: str
    access_token: str
    refresh_token: str | None = Field(
        default=None, description="Only from a login; a refresh keeps the old one"
    )
    expires_in: int = Field(description="Seconds until the id and access tokens expire")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


# -- profile -------------------------------------------------------------------------------------


class Profile(BaseModel):
    user_id: str
    email: str
    name: str | None
    phone: str | None
    phone_verified: bool
    roles: list[Role] = Field(description="Cognito groups of the verified token")
    seller_status: SellerStatus


class ProfileUpdate(_Request):
    """Only the fields sent change; ``phone: null`` removes the phone number."""

    name: Name | None = None
    phone: Phone | None = None


class AddressInput(_Request):
    name: Name = Field(description="Recipient")
    line1: Line
    line2: OptionalText | None = None
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), ONE_LINE]
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), ONE_LINE] | None = Field(
        default=None, description="State, province or county where the country uses one"
    )
    postal_code: PostalCode | None = None
    country: Country
    phone: Phone | None = None
    is_default: bool = Field(
        default=False, description="Make this the default address (the first one always is)"
    )


class Address(BaseModel):
    address_id: str
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str
    phone: str | None
    is_default: bool
    created_at: str
    updated_at: str


class AddressPage(BaseModel):
    items: list[Address]
    next_cursor: str | None


class PhoneVerificationStarted(BaseModel):
    phone: str
    status: Literal["pending"] = "pending"


class PhoneCheckRequest(_Request):
    code: Code


class PhoneVerified(BaseModel):
    phone: str
    phone_verified: bool


# -- saved cards ---------------------------------------------------------------------------------


class SetupIntentResult(BaseModel):
    setup_intent_id: str
    client_secret: str = Field(description="For the client's Stripe SDK to confirm the card")


class PaymentMethod(BaseModel):
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


class PaymentMethodPage(BaseModel):
    items: list[PaymentMethod]
    next_cursor: str | None


# -- records the repositories keep ----------------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    user_id: str
    email: str
    name: str | None
    phone: str | None = None
    phone_verified: bool = False
    seller_status: SellerStatus = "none"
    stripe_customer_id: str | None = None


@dataclass(frozen=True)
class AddressRecord:
    address_id: str
    user_id: str
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str
    phone: str | None
    is_default: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ConfirmationRecord:
    """The current email confirmation code of a user (only its salted hash)."""

    user_id: str
    code_hash: bytes
    salt: bytes
    generation: int
    expires_at: datetime
    failed_attempts: int
    window_started_at: datetime
    sends_in_window: int
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class Card:
    """A saved card as the payment provider reports it."""

    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
