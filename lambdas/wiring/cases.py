"""Cases: the buyers' cases on paid orders and the case_resolution machine's steps, and Stripe's
disputes. Cases, orders, payouts and the ledger share one PostgreSQL transaction per action
(``adapters.postgres.cases.case_books_factory``); Stripe refunds and transfer reversals."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import container, core
from lambdas.wiring.payouts import RefundSettings
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from workflows.cases.disputes import DisputeService
    from workflows.cases.model import CasePolicy
    from workflows.cases.service import CaseService


class CasesSettings(Settings):
    """The case_resolution machine and every window a case has (business days unless said)."""

    #: only the API that opens cases starts executions
    case_state_machine_arn: str | None = Field(default=None, validation_alias="CASE_STATE_MACHINE_ARN")
    open_window_days: int = Field(default=30, ge=1, le=180, validation_alias="CASE_OPEN_WINDOW_DAYS")
    estimated_delivery_days: int = Field(
        default=14, ge=1, le=90, validation_alias="CASE_ESTIMATED_DELIVERY_DAYS"
    )
    seller_response_days: int = Field(default=3, ge=1, le=30, validation_alias="CASE_SELLER_RESPONSE_DAYS")
    buyer_acceptance_days: int = Field(default=3, ge=1, le=30, validation_alias="CASE_BUYER_ACCEPTANCE_DAYS")
    return_ship_days: int = Field(default=10, ge=1, le=60, validation_alias="CASE_RETURN_SHIP_DAYS")
    receipt_assumed_days: int = Field(default=7, ge=1, le=60, validation_alias="CASE_RECEIPT_ASSUMED_DAYS")
    auto_close_days: int = Field(default=21, ge=1, le=120, validation_alias="CASE_AUTO_CLOSE_DAYS")
    admin_reminder_days: int = Field(default=5, ge=1, le=30, validation_alias="CASE_ADMIN_REMINDER_DAYS")
    buyer_case_limit: int = Field(default=3, ge=1, le=100, validation_alias="CASE_BUYER_LIMIT")
    abuse_period_days: int = Field(default=90, ge=1, le=365, validation_alias="CASE_ABUSE_PERIOD_DAYS")


class Cases:
    @cached_property
    def settings(self) -> CasesSettings:
        return load(CasesSettings)

    @cached_property
    def policy(self) -> CasePolicy:
        from workflows.cases.model import CasePolicy

        s = self.settings
        return CasePolicy(
            open_window=timedelta(days=s.open_window_days),
            estimated_delivery=timedelta(days=s.estimated_delivery_days),
            seller_response_days=s.seller_response_days,
            buyer_acceptance_days=s.buyer_acceptance_days,
            return_ship_days=s.return_ship_days,
            receipt_assumed_days=s.receipt_assumed_days,
            auto_close_days=s.auto_close_days,
            admin_reminder_days=s.admin_reminder_days,
            buyer_case_limit=s.buyer_case_limit,
            abuse_period=timedelta(days=s.abuse_period_days),
        )

    @cached_property
    def service(self) -> CaseService:
        from adapters.postgres.cases import PostgresCaseReader, case_books_factory
        from adapters.stripe.cases import StripeTransferReversals
        from adapters.stripe.refunds import StripeRefunds
        from workflows.cases.service import CaseService

        c = core.wiring()
        return CaseService(
            books=case_books_factory(c.pg_pool),
            reader=PostgresCaseReader(c.pg_pool),
            refunds=StripeRefunds(c.stripe),
            reversals=StripeTransferReversals(c.stripe),
            waiting=c.waiting_tasks,
            responder=c.task_responder,
            starter=c.starter(self.settings.case_state_machine_arn, "CASE_STATE_MACHINE_ARN"),
            notifications=c.notifications,
            events=c.events,
            clock=c.clock,
            policy=self.policy,
            admin_email=load(RefundSettings).admin_email,
        )

    @cached_property
    def disputes(self) -> DisputeService:
        from adapters.postgres.cases import case_books_factory
        from adapters.stripe.cases import StripeDisputes, StripeTransferReversals
        from workflows.cases.disputes import DisputeService

        c = core.wiring()
        return DisputeService(
            books=case_books_factory(c.pg_pool),
            disputes=StripeDisputes(c.stripe),
            reversals=StripeTransferReversals(c.stripe),
            notifications=c.notifications,
            clock=c.clock,
            admin_email=load(RefundSettings).admin_email,
        )


def wiring() -> Cases:
    return container(Cases)
