"""The entry of each business movement: balanced, deterministic, with the documented postings."""

from __future__ import annotations

import pytest

from tests.unit.ledger.fakes import InMemoryLedger
from workflows.ledger import entries
from workflows.ledger.entries import OrderAmounts
from workflows.ledger.errors import EntryConflict, InvalidMovement, UnbalancedEntry
from workflows.ledger.invariants import OrderTotals, order_is_settled_correctly
from workflows.ledger.model import JournalEntry, Posting, credit, debit, seller_payable
from workflows.shared.money import Money


def usd(n: int) -> Money:
    return Money(n, "USD")


ORDER = OrderAmounts("order-1", "seller-1", fee=usd(163), net=usd(837))  # gross 10.00


def postings(entry: JournalEntry) -> dict[str, int]:
    return {p.account: p.amount.amount_minor for p in entry.postings}


def test_given_an_unbalanced_or_one_sided_entry_then_it_cannot_be_built() -> None:
    with pytest.raises(UnbalancedEntry):
        JournalEntry("e", "payment", (debit("stripe_balance", usd(10)), credit("refunds", usd(9))))
    with pytest.raises(UnbalancedEntry):
        JournalEntry("e", "payment", (debit("stripe_balance", usd(10)),))
    with pytest.raises(UnbalancedEntry):
        # balanced in total, not per currency
        JournalEntry("e", "payment", (debit("stripe_balance", usd(10)), credit("refunds", Money(10, "EUR"))))
    with pytest.raises(UnbalancedEntry):
        Posting("stripe_balance", usd(0))
    with pytest.raises(ValueError, match="no such ledger account"):
        Posting("cash_in_drawer", usd(1))


def test_given_a_paid_order_then_payment_and_fee_move_the_gross_to_fee_and_seller_payable() -> None:
    pay = entries.payment_captured(ORDER, "ch_1")
    fee = entries.fee_recognized(ORDER)
    assert postings(pay) == {"stripe_balance": 1000, "buyer_funds_in_transit": -1000}
    assert postings(fee) == {
        "buyer_funds_in_transit": 1000,
        "platform_fee_revenue": -163,
        "seller_payable:seller-1": -837,
    }
    # the same movement always gives the same id; another order another
    assert pay.entry_id == entries.payment_captured(ORDER, "ch_1").entry_id
    assert (
        pay.entry_id
        != entries.payment_captured(OrderAmounts("order-2", "s", usd(1), usd(1)), "ch_1").entry_id
    )
    assert order_is_settled_correctly([pay, fee])


def test_given_a_checkout_of_two_sellers_then_the_charge_is_split_per_order() -> None:
    other = OrderAmounts("order-2", "seller-2", fee=usd(40), net=usd(460))
    split = entries.checkout_payment([ORDER, other], "ch_9", usd(1500))
    assert [e.order_id for e in split] == ["order-1", "order-2"]
    assert [postings(e)["stripe_balance"] for e in split] == [1000, 500]
    with pytest.raises(InvalidMovement):
        entries.checkout_payment([ORDER, other], "ch_9", usd(1499))


def test_given_partial_refunds_then_the_fee_is_reversed_in_proportion_and_fully_at_the_end() -> None:
    first = entries.refund(ORDER, "re_1", usd(500), refunded_before=usd(0))
    assert postings(first) == {"seller_payable:seller-1": 419, "platform_fee_revenue": 81, "refunds": -500}
    second = entries.refund(ORDER, "re_2", usd(500), refunded_before=usd(500))
    # together: exactly the net and the fee
    assert postings(second) == {"seller_payable:seller-1": 418, "platform_fee_revenue": 82, "refunds": -500}
    with pytest.raises(InvalidMovement):
        entries.refund(ORDER, "re_3", usd(1), refunded_before=usd(1000))
    with pytest.raises(InvalidMovement):
        entries.refund(ORDER, "re_3", usd(0), refunded_before=usd(0))
    pay, fee = entries.payment_captured(ORDER, "ch_1"), entries.fee_recognized(ORDER)
    totals = OrderTotals.of([pay, fee, first, second])
    assert (totals.charged, totals.seller_net, totals.fees, totals.refunds) == (1000, 0, 0, 1000)


def test_given_a_refund_after_the_transfer_then_a_reversal_keeps_the_order_settled() -> None:
    history = [
        entries.payment_captured(ORDER, "ch_1"),
        entries.fee_recognized(ORDER),
        entries.transfer(ORDER, "tr_1", usd(837)),
    ]
    assert order_is_settled_correctly(history)
    refund = entries.refund(ORDER, "re_1", usd(1000), refunded_before=usd(0))
    # Then without the reversal the seller kept money the buyer got back
    assert not order_is_settled_correctly([*history, refund])
    reversal = entries.transfer_reversal(ORDER, "trr_1", usd(837))
    assert order_is_settled_correctly(
        [*history, reversal, refund, entries.refund_paid("order-1", "re_1", usd(1000))]
    )


def test_given_platform_movements_then_they_balance_without_an_order() -> None:
    assert postings(entries.payout("po_1", usd(700))) == {"platform_bank": 700, "stripe_balance": -700}
    assert postings(entries.stripe_fee("txn_1", usd(59))) == {"stripe_fees": 59, "stripe_balance": -59}
    with pytest.raises(InvalidMovement):
        entries.payout("po_1", usd(-1))


def test_given_a_posted_entry_when_posted_again_then_no_op_and_other_postings_conflict() -> None:
    ledger = InMemoryLedger()
    pay = entries.payment_captured(ORDER, "ch_1")
    assert ledger.post(pay) is True
    assert ledger.post(entries.payment_captured(ORDER, "ch_1")) is False
    assert ledger.balance("stripe_balance", "USD") == usd(1000)
    bigger = entries.payment_captured(OrderAmounts("order-1", "seller-1", fee=usd(163), net=usd(900)), "ch_1")
    with pytest.raises(EntryConflict):
        ledger.post(bigger)
    assert ledger.balance("stripe_balance", "USD") == usd(1000)
    assert ledger.entries_for_order("order-1") == [pay]


def test_given_a_seller_id_that_would_break_the_account_code_then_refused() -> None:
    assert seller_payable("abc") == "seller_payable:abc"
    for bad in ("", "a:b", "a b"):
        with pytest.raises(ValueError, match="seller id"):
            seller_payable(bad)
