"""Payouts: fulfilment (ship, confirm, cancel), the payout workflow's steps, refunds settled from
Stripe's events, the sellers' finance reads and reconciliation. Orders, payouts and the ledger
share one PostgreSQL transaction per step (``adapters.postgres.payouts.books_factory``); Stripe
transfers and refunds; stock back in the catalog's listings."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import Field

from lambdas.wiring import catalog, container, core, onboarding
from lambdas.wiring.settings import Settings, load

if TYPE_CHECKING:
    from workflows.fulfilment.refunds import RefundSettlement
    from workflows.fulfilment.service import FulfilmentService
    from workflows.payouts.model import PayoutPolicy
    from workflows.payouts.ports import BooksFactory, ConnectedAccounts
    from workflows.payouts.queries import LedgerAudit, SellerFinance
    from workflows.payouts.reconciliation import Reconciliation
    from workflows.payouts.service import PayoutService


class PayoutsSettings(Settings):
    """The payout state machine, the delivery window and the holds on new sellers."""

    #: only the OrderPaid consumer starts executions; the steps have no use for it
    payout_state_machine_arn: str | None = Field(default=None, validation_alias="PAYOUT_STATE_MACHINE_ARN")
    #: delivery is confirmed for the buyer this many days after shipment (a fraction for demos)
    auto_confirm_days: float = Field(default=14, gt=0, le=60, validation_alias="AUTO_CONFIRM_DAYS")
    #: a new seller's payouts wait this many days after the payment
    new_seller_hold_days: int = Field(default=7, ge=0, le=90, validation_alias="NEW_SELLER_HOLD_DAYS")
    #: a seller is new for their first this-many sales
    new_seller_sales: int = Field(default=3, ge=0, validation_alias="NEW_SELLER_SALES")
    #: an open dispute or a seller without a connected account is looked at again this often
    payout_recheck_hours: int = Field(default=24, ge=1, validation_alias="PAYOUT_RECHECK_HOURS")


class RefundSettings(Settings):
    """Who hears of a refund Stripe could not pay (the refund events' consumer); no default: a
    stage must say where its admins read mail."""

    admin_email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$", validation_alias="ADMIN_EMAIL")


def _books() -> BooksFactory:
    from adapters.postgres.payouts import books_factory

    return books_factory(core.wiring().pg_pool)


class Payouts:
    @cached_property
    def settings(self) -> PayoutsSettings:
        return load(PayoutsSettings)

    @cached_property
    def policy(self) -> PayoutPolicy:
        from datetime import timedelta

        from workflows.payouts.model import PayoutPolicy

        s = self.settings
        return PayoutPolicy(
            auto_confirm_after=timedelta(days=s.auto_confirm_days),
            new_seller_hold=timedelta(days=s.new_seller_hold_days),
            new_seller_sales=s.new_seller_sales,
            recheck_after=timedelta(hours=s.payout_recheck_hours),
        )

    @cached_property
    def accounts(self) -> ConnectedAccounts:
        from adapters.postgres.payouts import PostgresConnectedAccounts

        return PostgresConnectedAccounts(core.wiring().pg_pool)

    @cached_property
    def service(self) -> PayoutService:
        from adapters.stripe.transfers import StripeTransfers
        from workflows.payouts.service import PayoutService

        c = core.wiring()
        return PayoutService(
            books=_books(),
            accounts=self.accounts,
            transfers=StripeTransfers(c.stripe),
            starter=c.starter(self.settings.payout_state_machine_arn, "PAYOUT_STATE_MACHINE_ARN"),
            notifications=c.notifications,
            clock=c.clock,
            policy=self.policy,
            sellers=onboarding.wiring().standings,
        )

    @cached_property
    def fulfilment(self) -> FulfilmentService:
        from adapters.mongo.stock import ListingRestocker
        from adapters.stripe.refunds import StripeRefunds
        from workflows.fulfilment.service import FulfilmentService

        c = core.wiring()
        return FulfilmentService(
            books=_books(),
            refunds=StripeRefunds(c.stripe),
            restocker=ListingRestocker(catalog.wiring().stock, c.clock, c.events),
            waiting=c.waiting_tasks,
            responder=c.task_responder,
            notifications=c.notifications,
            clock=c.clock,
            policy=self.policy,
            events=c.events,
        )

    @cached_property
    def refunds(self) -> RefundSettlement:
        """Stripe's refund events: the refund read from Stripe settles the ledger; failures to admins."""
        from adapters.stripe.refunds import StripeRefunds
        from workflows.fulfilment.refunds import RefundSettlement

        c = core.wiring()
        return RefundSettlement(
            books=_books(),
            refunds=StripeRefunds(c.stripe),
            notifications=c.notifications,
            admin_email=load(RefundSettings).admin_email,
        )

    @cached_property
    def finance(self) -> SellerFinance:
        from adapters.postgres.payouts import PostgresFinanceReader
        from workflows.payouts.queries import SellerFinance

        return SellerFinance(PostgresFinanceReader(core.wiring().pg_pool))

    @cached_property
    def ledger_audit(self) -> LedgerAudit:
        from adapters.postgres.payouts import PostgresFinanceReader
        from workflows.payouts.queries import LedgerAudit

        return LedgerAudit(PostgresFinanceReader(core.wiring().pg_pool))

    @cached_property
    def reconciliation(self) -> Reconciliation:
        """The ledger (PostgreSQL) against Stripe: ``reconciliation.report(start, end)``."""
        from adapters.postgres.reconciliation import PostgresReconciliationSide
        from adapters.stripe.reconciliation import StripeReconciliationSide
        from workflows.payouts.reconciliation import Reconciliation

        c = core.wiring()
        return Reconciliation(
            PostgresReconciliationSide(c.pg_pool), StripeReconciliationSide(c.stripe), c.clock
        )


def wiring() -> Payouts:
    return container(Payouts)
