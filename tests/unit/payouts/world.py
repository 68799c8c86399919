"""Payouts and fulfilment wired to in-memory fakes: a paid order in one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tests.fakes.clock import FakeClock
from tests.fakes.waits import InMemoryWaitingTasks, RecordingResponder
from tests.unit.orders.builders import an_order
from tests.unit.payouts.fakes import (
    FakeAccounts,
    FakeBooks,
    FakeRestocker,
    FakeStarter,
    FakeStripe,
    RecordingPublisher,
)
from workflows.fulfilment.service import FulfilmentService
from workflows.ledger import entries
from workflows.payouts.contracts import Transferred
from workflows.payouts.model import OrderPaid, PayoutPolicy
from workflows.payouts.service import PayoutService
from workflows.shared.identity import Caller

BUYER, SELLER, STRANGER = "buyer-1", "seller-1", "stranger-1"


def caller(user_id: str) -> Caller:
    return Caller(user_id=user_id, email=f"{user_id}@example.com", roles=frozenset({"buyer", "seller"}))


@dataclass
class World:
    policy: PayoutPolicy = field(
        default_factory=lambda: PayoutPolicy(new_seller_sales=0, auto_confirm_after=timedelta(days=14))
    )
    books: FakeBooks = field(default_factory=FakeBooks)
    stripe: FakeStripe = field(default_factory=FakeStripe)
    accounts: FakeAccounts = field(default_factory=lambda: FakeAccounts({SELLER: "acct_seller"}))
    starter: FakeStarter = field(default_factory=FakeStarter)
    restocker: FakeRestocker = field(default_factory=FakeRestocker)
    notifications: RecordingPublisher = field(default_factory=RecordingPublisher)
    clock: FakeClock = field(default_factory=FakeClock)
    waiting: InMemoryWaitingTasks = field(default_factory=InMemoryWaitingTasks)
    responder: RecordingResponder = field(default_factory=RecordingResponder)

    @property
    def payouts(self) -> PayoutService:
        return PayoutService(
            books=self.books,
            accounts=self.accounts,
            transfers=self.stripe,
            starter=self.starter,
            notifications=self.notifications,
            clock=self.clock,
            policy=self.policy,
        )

    @property
    def fulfilment(self) -> FulfilmentService:
        return FulfilmentService(
            books=self.books,
            refunds=self.stripe,
            restocker=self.restocker,
            waiting=self.waiting,
            responder=self.responder,
            notifications=self.notifications,
            clock=self.clock,
            policy=self.policy,
        )

    def paid_order(self, n: int = 0, *, unit_price: int = 2500, quantity: int = 2, shipping: int = 500):
        """An order as checkout leaves it: paid, with its payment and fee entries, and OrderPaid handled."""
        order = an_order(BUYER, SELLER, n=n, unit_price=unit_price, quantity=quantity, shipping=shipping)
        with self.books() as b:
            b.orders.s.orders[order.order_id] = order
            b.ledger.post(entries.payment_captured(order.amounts(), f"ch_{n}"))
            b.ledger.post(entries.fee_recognized(order.amounts()))
        self.payouts.on_order_paid(
            OrderPaid(
                order_id=order.order_id,
                checkout_id=order.checkout_id,
                buyer_id=BUYER,
                seller_id=SELLER,
                payment_intent_id=f"pi_{n}",
                charge_id=f"ch_{n}",
                currency="USD",
                gross=order.gross.amount_minor,
                fee=order.fee_total.amount_minor,
                net=order.seller_net.amount_minor,
                paid_at=self.clock.now(),
            )
        )
        return order

    def deliver(self, order_id: str) -> None:
        self.fulfilment.ship(caller(SELLER), order_id, carrier="USPS", tracking_number="9400-1")
        self.fulfilment.confirm_delivery(caller(BUYER), order_id)

    def pay_out(self, order_id: str) -> Transferred:
        decision = self.payouts.apply_holds(order_id, hold_served=True)
        assert decision.decision == "transfer", decision
        return self.payouts.transfer(order_id)
