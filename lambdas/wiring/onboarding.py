"""Onboarding: seller onboardings (PostgreSQL), Stripe Connect, the seller group (Cognito), the
seller_onboarding state machine the API starts; after onboarding, the always-on account consumer
and the standings the catalog, checkout and payouts ask (restricted sellers neither sell nor are
paid). The API function never builds the Cognito client, the steps never start executions."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import accounts, container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.postgres.sellers import PostgresOnboardings
    from adapters.stripe.connect import StripeConnectedAccounts
    from workflows.onboarding.ports import SellerStandings
    from workflows.onboarding.service import LinkSettings, OnboardingSteps, SellerAccounts, SellerOnboarding


class OnboardingSettings(Settings):
    """Seller onboarding: its state machine, the reminder and expiry delays, Stripe's return URLs."""

    #: only the API function starts executions; the steps have no use for it
    seller_onboarding_state_machine_arn: str | None = Field(
        default=None, validation_alias="SELLER_ONBOARDING_STATE_MACHINE_ARN"
    )
    #: an unfinished onboarding gets a reminder email this long after it started
    remind_after_s: int = Field(default=3 * 86_400, ge=1, validation_alias="ONBOARDING_REMIND_AFTER_S")
    #: ... and expires this long after it started (under the state machine's 40-day timeout)
    expire_after_s: int = Field(
        default=14 * 86_400, ge=1, le=35 * 86_400, validation_alias="ONBOARDING_EXPIRE_AFTER_S"
    )
    #: how long POST /sellers waits for the workflow's onboarding link before answering without it
    link_wait_s: float = Field(default=5.0, ge=0, le=20, validation_alias="ONBOARDING_LINK_WAIT_S")
    #: where Stripe's hosted onboarding sends the seller when done, and when the link expired: the
    #: stage's settings, no default (the stack and the local cloud each set them)
    return_url: str = Field(pattern=r"^https?://", validation_alias="ONBOARDING_RETURN_URL")
    refresh_url: str = Field(pattern=r"^https?://", validation_alias="ONBOARDING_REFRESH_URL")


class Onboarding:
    @cached_property
    def settings(self) -> OnboardingSettings:
        return load(OnboardingSettings)

    @cached_property
    def store(self) -> PostgresOnboardings:
        from adapters.postgres.sellers import PostgresOnboardings

        return PostgresOnboardings(core.wiring().pg_pool)

    @cached_property
    def connected_accounts(self) -> StripeConnectedAccounts:
        from adapters.stripe.connect import StripeConnectedAccounts

        return StripeConnectedAccounts(core.wiring().stripe)

    def _connected_accounts(self) -> StripeConnectedAccounts:
        return self.connected_accounts

    @cached_property
    def links(self) -> LinkSettings:
        from workflows.onboarding.service import LinkSettings

        s = self.settings
        return LinkSettings(refresh_url=s.refresh_url, return_url=s.return_url)

    @cached_property
    def service(self) -> SellerOnboarding:
        from workflows.onboarding.service import OnboardingPolicy, SellerOnboarding

        c, s = core.wiring(), self.settings
        return SellerOnboarding(
            store=self.store,
            accounts=self._connected_accounts,
            start_execution=c.starter(
                s.seller_onboarding_state_machine_arn, "SELLER_ONBOARDING_STATE_MACHINE_ARN"
            ),
            clock=c.clock,
            policy=OnboardingPolicy(
                remind_after_s=s.remind_after_s, expire_after_s=s.expire_after_s, link_wait_s=s.link_wait_s
            ),
            links=self.links,
        )

    @cached_property
    def steps(self) -> OnboardingSteps:
        from workflows.onboarding.service import OnboardingSteps

        c = core.wiring()
        return OnboardingSteps(
            store=self.store,
            accounts=self._connected_accounts,
            groups=lambda: accounts.wiring().directory,
            notifications=lambda: c.notifications,
            clock=c.clock,
            links=self.links,
        )

    @cached_property
    def seller_accounts(self) -> SellerAccounts:
        from workflows.onboarding.service import SellerAccounts

        c = core.wiring()
        return SellerAccounts(
            store=self.store,
            accounts=self._connected_accounts,
            notifications=lambda: c.notifications,
            clock=c.clock,
        )

    @cached_property
    def standings(self) -> SellerStandings:
        """Lazy on the pool: a function that never asks never connects to PostgreSQL."""
        from adapters.postgres.sellers import PostgresSellerStandings

        c = core.wiring()
        return PostgresSellerStandings(lambda: c.pg_pool)


def wiring() -> Onboarding:
    return container(Onboarding)
