"""Accounts: identity (Cognito), profiles and addresses (PostgreSQL), phone verification (Twilio
Verify), saved cards (Stripe)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.aws.cognito import CognitoDirectory
    from workflows.accounts.identity import IdentityService
    from workflows.accounts.payment_methods import PaymentMethodsService
    from workflows.accounts.ports import UnitOfWork
    from workflows.accounts.profile import ProfileService


class AccountsSettings(Settings):
    """The user pool and app client of sign-up and login, and the confirmation-code policy."""

    user_pool_id: str = Field(validation_alias="USER_POOL_ID")
    user_pool_client_id: str = Field(validation_alias="USER_POOL_CLIENT_ID")
    confirmation_code_ttl_minutes: int = Field(
        default=15, ge=1, le=24 * 60, validation_alias="CONFIRMATION_CODE_TTL_MINUTES"
    )
    #: wrong codes before a confirmation code is locked (a resend issues a new one)
    confirmation_max_attempts: int = Field(default=5, ge=1, validation_alias="CONFIRMATION_MAX_ATTEMPTS")
    #: confirmation codes sent per user per hour
    confirmation_max_sends_per_hour: int = Field(
        default=5, ge=1, validation_alias="CONFIRMATION_MAX_SENDS_PER_HOUR"
    )


def _uow() -> UnitOfWork:
    """A new unit of work (one transaction) over the accounts tables."""
    from adapters.postgres.accounts import PostgresAccounts

    return PostgresAccounts(core.wiring().pg_pool)


class Accounts:
    @cached_property
    def settings(self) -> AccountsSettings:
        return load(AccountsSettings)

    @cached_property
    def directory(self) -> CognitoDirectory:
        from adapters.aws.cognito import CognitoDirectory

        s = self.settings
        return CognitoDirectory(
            core.wiring().aws("cognito-idp"), user_pool_id=s.user_pool_id, client_id=s.user_pool_client_id
        )

    @cached_property
    def identity(self) -> IdentityService:
        from datetime import timedelta

        from workflows.accounts.identity import ConfirmationPolicy, IdentityService

        s = self.settings
        policy = ConfirmationPolicy(
            code_ttl=timedelta(minutes=s.confirmation_code_ttl_minutes),
            max_attempts=s.confirmation_max_attempts,
            max_sends=s.confirmation_max_sends_per_hour,
            send_window=timedelta(hours=1),
        )
        c = core.wiring()
        return IdentityService(
            directory=self.directory, uow=_uow, notifications=c.notifications, clock=c.clock, policy=policy
        )

    @cached_property
    def verify_service_sid(self) -> str:
        c = core.wiring()
        s = c.providers
        return c.given_or_secret(
            s.twilio_verify_service_sid,
            s.twilio_secret_arn,
            "verify_service_sid",
            "Twilio Verify service SID",
        )

    @cached_property
    def profiles(self) -> ProfileService:
        from adapters.twilio.verify import TwilioPhoneVerifier
        from workflows.accounts.profile import ProfileService

        c = core.wiring()
        return ProfileService(
            uow=_uow,
            directory=self.directory,
            # the Twilio client and secret are read on the first phone verification, not for every call
            phone_verifier=TwilioPhoneVerifier(lambda: c.twilio, lambda: self.verify_service_sid),
            notifications=c.notifications,
            clock=c.clock,
        )

    @cached_property
    def payment_methods(self) -> PaymentMethodsService:
        from adapters.stripe.customers import StripeCardVault
        from workflows.accounts.payment_methods import PaymentMethodsService

        return PaymentMethodsService(uow=_uow, vault=StripeCardVault(core.wiring().stripe))


def wiring() -> Accounts:
    return container(Accounts)
