"""Properties of the ledger over random sequences of business movements (hypothesis, stateful).

Checkouts of several sellers pay (fees from a simple rule), orders ship and are delivered or are
cancelled before shipment, refunds (partial or full) are granted and paid, delivered orders are
transferred to their sellers (reversed first when a refund needs the money back), the platform
pays its balance out, and retries re-post entries. After EVERY step:

- every entry balances and all postings together sum to zero per currency;
- no seller's payable is ever negative, and a seller was never transferred more than buyers
  paid for their orders minus fees and refunds;
- per order and in total: charged = seller nets + fees + refunds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.unit.ledger.fakes import InMemoryLedger
from workflows.ledger import entries
from workflows.ledger.entries import OrderAmounts
from workflows.ledger.errors import EntryConflict
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.ledger.model import JournalEntry, credit, debit, sums_by_currency
from workflows.shared.ids import derived_id
from workflows.shared.money import Money

SELLERS = ("seller-a", "seller-b", "seller-c")
CURRENCIES = ("USD", "JPY")


def fee_rule(gross: Money) -> Money:
    """A simple rule: 13.25 % of the gross plus 30, never more than the gross."""
    fee = gross.percent(Decimal("13.25")) + Money(30, gross.currency)
    return fee if fee.amount_minor <= gross.amount_minor else gross


@dataclass
class OrderState:
    amounts: OrderAmounts
    status: str = "paid"  # paid → shipped → delivered; cancelled
    refunded: int = 0
    transferred: int = 0  # transfers minus reversals
    charged: int = 0
    refunds: list[tuple[str, int]] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.amounts.currency

    def net_left(self) -> int:
        """The seller's net after the refunds so far (the split the ledger uses)."""
        if not self.refunded:
            return self.amounts.net.amount_minor
        net_refunded, _ = Money(self.refunded, self.currency).allocate(
            [self.amounts.net.amount_minor, self.amounts.fee.amount_minor]
        )
        return self.amounts.net.amount_minor - net_refunded.amount_minor


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.ledger = InMemoryLedger()
        self.orders: dict[str, OrderState] = {}
        self.unpaid_refunds: list[tuple[str, str, Money]] = []
        self.counter = 0

    def _next(self, what: str) -> str:
        self.counter += 1
        return f"{what}_{self.counter}"

    def _pick(self, data: st.DataObject, statuses: tuple[str, ...]) -> OrderState | None:
        candidates = sorted(o for o, s in self.orders.items() if s.status in statuses)
        if not candidates:
            return None
        return self.orders[data.draw(st.sampled_from(candidates))]

    def _any(self, statuses: tuple[str, ...]) -> bool:
        return any(s.status in statuses for s in self.orders.values())

    def _any_transferred(self) -> bool:
        return any(s.transferred > 0 for s in self.orders.values())

    # -- movements ---------------------------------------------------------------------------

    @rule(
        currency=st.sampled_from(CURRENCIES),
        lines=st.lists(
            st.tuples(st.sampled_from(SELLERS), st.integers(min_value=1, max_value=500_000)),
            min_size=1,
            max_size=4,
            unique_by=lambda line: line[0],
        ),
    )
    def checkout_paid(self, currency: str, lines: list[tuple[str, int]]) -> None:
        checkout = self._next("checkout")
        orders = []
        for seller, gross_minor in lines:
            gross = Money(gross_minor, currency)
            fee = fee_rule(gross)
            orders.append(
                OrderAmounts(derived_id("order", checkout, seller), seller, fee=fee, net=gross - fee)
            )
        charged = sum((o.gross for o in orders[1:]), orders[0].gross)
        posted = entries.checkout_payment(orders, f"ch_{checkout}", charged)
        posted += [entries.fee_recognized(o) for o in orders]
        self.ledger.post_all(posted)
        for o in orders:
            self.orders[o.order_id] = OrderState(o, charged=o.gross.amount_minor)

    @precondition(lambda self: self._any(("paid",)))
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        order = self._pick(data, ("paid",))
        if order is not None:
            order.status = "shipped"

    @precondition(lambda self: self._any(("shipped",)))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        order = self._pick(data, ("shipped",))
        if order is not None:
            order.status = "delivered"

    def _refund(self, order: OrderState, amount: int) -> None:
        """Grant a refund; reverse the order's transfer first where the seller must give money back."""
        money = Money(amount, order.currency)
        net_part, _ = entries.refund_split(order.amounts, money, Money(order.refunded, order.currency))
        batch: list[JournalEntry] = []
        must_reverse = order.transferred - (order.net_left() - net_part.amount_minor)
        if must_reverse > 0:
            batch.append(
                entries.transfer_reversal(
                    order.amounts, self._next("trr"), Money(must_reverse, order.currency)
                )
            )
        refund_id = self._next("re")
        batch.append(entries.refund(order.amounts, refund_id, money, Money(order.refunded, order.currency)))
        self.ledger.post_all(batch)
        order.transferred -= max(must_reverse, 0)
        order.refunded += amount
        self.unpaid_refunds.append((order.amounts.order_id, refund_id, money))

    @precondition(lambda self: self._any(("paid",)))
    @rule(data=st.data())
    def cancel_before_shipment(self, data: st.DataObject) -> None:
        order = self._pick(data, ("paid",))
        if order is None:
            return
        left = order.charged - order.refunded
        if left:
            self._refund(order, left)
        order.status = "cancelled"

    @precondition(lambda self: self._any(("paid", "shipped", "delivered")))
    @rule(data=st.data(), share=st.integers(min_value=1, max_value=100))
    def partial_or_full_refund(self, data: st.DataObject, share: int) -> None:
        order = self._pick(data, ("paid", "shipped", "delivered"))
        if order is None:
            return
        left = order.charged - order.refunded
        if left:
            self._refund(order, max(1, left * share // 100))

    @precondition(lambda self: bool(self.unpaid_refunds))
    @rule(data=st.data())
    def refund_paid(self, data: st.DataObject) -> None:
        if self.unpaid_refunds:
            index = data.draw(st.integers(min_value=0, max_value=len(self.unpaid_refunds) - 1))
            order_id, refund_id, amount = self.unpaid_refunds.pop(index)
            self.ledger.post(entries.refund_paid(order_id, refund_id, amount))

    @precondition(lambda self: self._any(("delivered",)))
    @rule(data=st.data(), share=st.integers(min_value=1, max_value=100))
    def transfer_to_seller(self, data: st.DataObject, share: int) -> None:
        order = self._pick(data, ("delivered",))
        if order is None:
            return
        available = order.net_left() - order.transferred
        if available > 0:
            amount = max(1, available * share // 100)
            self.ledger.post(entries.transfer(order.amounts, self._next("tr"), Money(amount, order.currency)))
            order.transferred += amount

    @precondition(lambda self: self._any_transferred())
    @rule(data=st.data(), share=st.integers(min_value=1, max_value=100))
    def dispute_reverses_a_transfer(self, data: st.DataObject, share: int) -> None:
        order = self._pick(data, ("delivered",))
        if order is None or order.transferred <= 0:
            return
        amount = max(1, order.transferred * share // 100)
        self.ledger.post(
            entries.transfer_reversal(order.amounts, self._next("trr"), Money(amount, order.currency))
        )
        order.transferred -= amount

    @precondition(lambda self: self._any_transferred())
    @rule(data=st.data(), share=st.integers(min_value=1, max_value=100))
    def refund_after_the_transfer(self, data: st.DataObject, share: int) -> None:
        """A return or a dispute after the seller was paid: the transfer is reversed first."""
        candidates = sorted(o for o, s in self.orders.items() if s.transferred > 0)
        order = self.orders[data.draw(st.sampled_from(candidates))]
        left = order.charged - order.refunded
        if left:
            self._refund(order, max(1, left * share // 100))

    @rule(currency=st.sampled_from(CURRENCIES), share=st.integers(min_value=1, max_value=100))
    def platform_payout(self, currency: str, share: int) -> None:
        available = self.ledger.balance("stripe_balance", currency).amount_minor
        if available > 0:
            amount = max(1, available * share // 100)
            self.ledger.post(entries.payout(self._next("po"), Money(amount, currency)))

    @precondition(lambda self: bool(self.ledger.entries))
    @rule(data=st.data())
    def retry_a_posting(self, data: st.DataObject) -> None:
        entry = data.draw(st.sampled_from(sorted(self.ledger.entries)))
        before = dict(self.ledger.entries)
        again = self.ledger.entries[entry]
        assert (
            self.ledger.post(JournalEntry(again.entry_id, again.kind, again.postings, again.order_id))
            is False
        )
        # the same id with other postings is refused, whatever the movement
        one = Money(1, again.postings[0].amount.currency)
        other = JournalEntry(
            again.entry_id,
            again.kind,
            (*again.postings, debit("stripe_fees", one), credit("stripe_balance", one)),
            again.order_id,
        )
        with pytest.raises(EntryConflict):
            self.ledger.post(other)
        assert self.ledger.entries == before

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def every_entry_and_the_whole_ledger_balance(self) -> None:
        for e in self.ledger.entries.values():
            assert not any(sums_by_currency(e.postings).values())
        assert all_balance(self.ledger.entries.values())

    @invariant()
    def sellers_are_never_owed_less_than_zero_nor_paid_more_than_buyers_paid_minus_fees_and_refunds(
        self,
    ) -> None:
        for seller in SELLERS:
            for currency in CURRENCIES:
                owed = -self.ledger.balance(f"seller_payable:{seller}", currency).amount_minor
                assert owed >= 0, (seller, currency, owed)
                mine = [
                    OrderTotals.of(self.ledger.entries_for_order(o))
                    for o, s in self.orders.items()
                    if s.amounts.seller_id == seller and s.currency == currency
                ]
                transferred = sum(t.transferred for t in mine)
                assert transferred <= sum(t.charged - t.fees - t.refunds for t in mine)
                assert owed == sum(t.seller_net - t.transferred for t in mine)

    @invariant()
    def charged_equals_seller_nets_plus_fees_plus_refunds(self) -> None:
        for currency in CURRENCIES:
            totals = [
                OrderTotals.of(self.ledger.entries_for_order(o))
                for o, s in self.orders.items()
                if s.currency == currency
            ]
            assert sum(t.charged for t in totals) == sum(t.seller_net + t.fees + t.refunds for t in totals)
            fees = -self.ledger.balance("platform_fee_revenue", currency).amount_minor
            assert fees == sum(t.fees for t in totals) >= 0
        for order_id, state in self.orders.items():
            order_entries = self.ledger.entries_for_order(order_id)
            assert order_is_settled_correctly(order_entries), order_id
            totals = OrderTotals.of(order_entries)
            assert (totals.charged, totals.refunds, totals.transferred) == (
                state.charged,
                state.refunded,
                state.transferred,
            )
            assert totals.in_transit == 0

    @invariant()
    def refunds_owed_are_the_refunds_not_yet_paid(self) -> None:
        for currency in CURRENCIES:
            owed = -self.ledger.balance("refunds", currency).amount_minor
            assert owed == sum(m.amount_minor for _, _, m in self.unpaid_refunds if m.currency == currency)


LedgerMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_ledger_over_random_movements = LedgerMachine.TestCase
