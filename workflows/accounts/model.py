"""Accounts: the field types requests are made of, and the records the repositories keep.

The request models (``commands``) and the answers (``views``) are built from these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

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
