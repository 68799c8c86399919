"""Checkout: checkouts, orders, the ledger and the timeline in one PostgreSQL transaction per
step; holds on the catalog's listings (MongoDB); PaymentIntents (Stripe); the API starts the
checkout state machine."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import cart, catalog, container, core, onboarding
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from adapters.postgres.checkouts import PostgresCheckoutUnitOfWork
    from workflows.checkout.agreements import AgreementSource
    from workflows.checkout.service import CheckoutService


class CheckoutSettings(Settings):
    """The checkout state machine the API starts, and how long a checkout waits for its payment."""

    #: set on the API function only (the steps never start a checkout)
    checkout_state_machine_arn: str | None = Field(
        default=None, validation_alias="CHECKOUT_STATE_MACHINE_ARN"
    )
    checkout_expiry_seconds: int = Field(
        default=1800, ge=60, le=86_400, validation_alias="CHECKOUT_EXPIRY_SECONDS"
    )


def _uow() -> AbstractContextManager[PostgresCheckoutUnitOfWork]:
    from adapters.postgres.checkouts import checkout_unit_of_work

    return checkout_unit_of_work(core.wiring().pg_pool)


def _agreement_sources() -> dict[str, AgreementSource]:
    """Who reaches agreements a buyer checks out at their price (``POST /checkout`` {offer_id})."""
    from lambdas.wiring import auctions, offers

    return {"offer": offers.wiring().agreements, "auction": auctions.wiring().agreements}


class Checkout:
    @cached_property
    def settings(self) -> CheckoutSettings:
        return load(CheckoutSettings)

    @cached_property
    def service(self) -> CheckoutService:
        from datetime import timedelta

        from adapters.stripe.payments import StripePayments
        from workflows.checkout.service import CheckoutDependencies, CheckoutService

        c, settings, shelf = core.wiring(), self.settings, catalog.wiring()
        return CheckoutService(
            CheckoutDependencies(
                uow=_uow,
                carts=cart.wiring().store,
                listings=shelf.listings,
                stock=shelf.stock,
                payments=StripePayments(c.stripe),
                starter=c.starter(settings.checkout_state_machine_arn, "CHECKOUT_STATE_MACHINE_ARN"),
                notifications=c.notifications,
                events=c.events,
                clock=c.clock,
                expiry=timedelta(seconds=settings.checkout_expiry_seconds),
                sellers=onboarding.wiring().standings,
                agreements=_agreement_sources(),
            )
        )


def wiring() -> Checkout:
    return container(Checkout)
