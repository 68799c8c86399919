"""Best Offer: offers and their moves in PostgreSQL; holds on the catalog's listings (MongoDB);
the offer state machine started by the API and resumed through the waits table; the checkouts
made from an offer read from PostgreSQL."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import catalog, container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from adapters.postgres.offers import PostgresOfferUnitOfWork
    from workflows.offers.service import OfferAgreements, OfferService


class OffersSettings(Settings):
    """The offer state machine the API starts, and the two 48-hour windows (shorter for demos)."""

    #: set on the API function only (the steps never start an offer)
    offer_state_machine_arn: str | None = Field(default=None, validation_alias="OFFER_STATE_MACHINE_ARN")
    offer_answer_hours: float = Field(default=48, gt=0, le=24 * 30, validation_alias="OFFER_ANSWER_HOURS")
    offer_pay_hours: float = Field(default=48, gt=0, le=24 * 30, validation_alias="OFFER_PAY_HOURS")


def _uow() -> AbstractContextManager[PostgresOfferUnitOfWork]:
    from adapters.postgres.offers import offer_unit_of_work

    return offer_unit_of_work(core.wiring().pg_pool)


class Offers:
    @cached_property
    def settings(self) -> OffersSettings:
        return load(OffersSettings)

    @cached_property
    def service(self) -> OfferService:
        from datetime import timedelta

        from adapters.postgres.offers import PostgresAgreedCheckouts
        from workflows.offers.service import OfferDependencies, OfferService

        c, settings, shelf = core.wiring(), self.settings, catalog.wiring()
        return OfferService(
            OfferDependencies(
                uow=_uow,
                listings=shelf.listings,
                stock=shelf.stock,
                checkouts=PostgresAgreedCheckouts(c.pg_pool),
                starter=c.starter(settings.offer_state_machine_arn, "OFFER_STATE_MACHINE_ARN"),
                waiting=c.waiting_tasks,
                responder=c.task_responder,
                notifications=c.notifications,
                events=c.events,
                clock=c.clock,
                answer_within=timedelta(hours=settings.offer_answer_hours),
                pay_within=timedelta(hours=settings.offer_pay_hours),
            )
        )

    @cached_property
    def agreements(self) -> OfferAgreements:
        """What checkout asks for an accepted offer (``workflows.checkout.agreements.AgreementSource``)."""
        from workflows.offers.service import OfferAgreements

        return OfferAgreements(uow=_uow, clock=core.wiring().clock)


def wiring() -> Offers:
    return container(Offers)
