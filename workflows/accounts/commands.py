"""What callers send to the accounts API: sign-up, sign-in, profile, addresses, phone checks.

Strict (no coercion: ``12345`` is not a postal code, ``1.0`` is not a name) and closed to unknown
fields, so nothing can slip a ``roles`` or ``phone_verified`` into a profile.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from workflows.accounts.model import (  # noqa: TC001 - pydantic needs them at run time
    Code,
    Country,
    Email,
    Line,
    Name,
    OptionalText,
    Password,
    Phone,
    PostalCode,
)
from workflows.shared.commands import Command
from workflows.shared.fields import ONE_LINE


class _StrictCommand(Command):
    model_config = ConfigDict(strict=True)


# -- identity ------------------------------------------------------------------------------------


class SignupRequest(_StrictCommand):
    email: Email
    password: Password = Field(description="Must satisfy the user pool's password policy")
    name: Name
    phone: Phone | None = None


class ConfirmRequest(_StrictCommand):
    email: Email
    code: Code = Field(description="The code emailed at sign-up (or by the latest resend)")


class EmailRequest(_StrictCommand):
    email: Email


class LoginRequest(_StrictCommand):
    email: Email
    password: Password


class RefreshRequest(_StrictCommand):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


# -- profile -------------------------------------------------------------------------------------


class ProfileUpdate(_StrictCommand):
    """Only the fields sent change; ``phone: null`` removes the phone number."""

    name: Name | None = None
    phone: Phone | None = None


class AddressInput(_StrictCommand):
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


class PhoneCheckRequest(_StrictCommand):
    code: Code
