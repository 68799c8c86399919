"""Fees: the fee schedules (PostgreSQL), the listings they price (the catalog's), the Express
state machine the quote API runs synchronously."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import catalog, container, core
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from adapters.postgres.fee_quotes import PostgresFeeQuotes
    from adapters.postgres.fees import FeeScheduleCurrencies, PostgresFeeSchedules
    from workflows.fees.service import FeeQuotes, ListingReader


class FeesSettings(Settings):
    """The fee-calculation state machine the quote API runs synchronously."""

    fee_calculation_state_machine_arn: str = Field(validation_alias="FEE_CALCULATION_STATE_MACHINE_ARN")


class Fees:
    @cached_property
    def schedules(self) -> PostgresFeeSchedules:
        from adapters.postgres.fees import PostgresFeeSchedules

        return PostgresFeeSchedules(core.wiring().pg_pool)

    @cached_property
    def currencies(self) -> FeeScheduleCurrencies:
        """The catalog's currencies: those of the fee schedule in effect, read once per cold start."""
        from adapters.postgres.fees import FeeScheduleCurrencies

        return FeeScheduleCurrencies(self.schedules, core.wiring().clock)

    @cached_property
    def quote_store(self) -> PostgresFeeQuotes:
        """Where Calculate Fees keeps a checkout's quote for Create Orders to read by id."""
        from adapters.postgres.fee_quotes import PostgresFeeQuotes

        return PostgresFeeQuotes(core.wiring().pg_pool)

    @cached_property
    def listings(self) -> ListingReader:
        return catalog.wiring().listings

    @cached_property
    def quotes(self) -> FeeQuotes:
        """POST /fees/quote: the listings checked first, then the Express machine run synchronously."""
        from adapters.aws.stepfunctions import StepFunctionsSyncExecutions
        from workflows.fees.service import FeeQuotes

        c = core.wiring()
        machine = StepFunctionsSyncExecutions(
            c.aws("stepfunctions"), load(FeesSettings).fee_calculation_state_machine_arn
        )
        return FeeQuotes(listings=self.listings, machine=machine, clock=c.clock)


def wiring() -> Fees:
    return container(Fees)
