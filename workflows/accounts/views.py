"""What the accounts API answers: sign-up and sign-in results, the profile, addresses, saved cards."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.accounts.model import Role, SellerStatus  # noqa: TC001 - pydantic reads them
from workflows.shared.views import Timestamp, View

# -- identity ------------------------------------------------------------------------------------


class SignupResult(View):
    user_id: str


class ConfirmResult(View):
    user_id: str
    email_verified: bool


class ResendResult(View):
    status: Literal["sent"] = "sent"


class Tokens(View):
    id_token: str
    access_token: str
    refresh_token: str | None = Field(
        default=None, description="Only from a login; a refresh keeps the old one"
    )
    expires_in: int = Field(description="Seconds until the id and access tokens expire")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


# -- profile -------------------------------------------------------------------------------------


class Profile(View):
    user_id: str
    email: str
    name: str | None
    phone: str | None
    phone_verified: bool
    roles: list[Role] = Field(description="Cognito groups of the verified token")
    seller_status: SellerStatus
    unread_messages: int = Field(
        default=0, ge=0, description="Messages not read yet, over all conversations (the read model's total)"
    )


class Address(View):
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
    created_at: Timestamp
    updated_at: Timestamp


class AddressPage(View):
    items: list[Address]
    next_cursor: str | None


class PhoneVerificationStarted(View):
    phone: str
    status: Literal["pending"] = "pending"


class PhoneVerified(View):
    phone: str
    phone_verified: bool


# -- saved cards ---------------------------------------------------------------------------------


class SetupIntentResult(View):
    setup_intent_id: str
    client_secret: str = Field(description="For the client's Stripe SDK to confirm the card")


class PaymentMethod(View):
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


class PaymentMethodPage(View):
    items: list[PaymentMethod]
    next_cursor: str | None
