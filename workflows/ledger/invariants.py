"""What must always hold of the ledger, as functions the tests (and audits) evaluate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflows.ledger.model import (
    BUYER_FUNDS_IN_TRANSIT,
    DISPUTED_FUNDS,
    PLATFORM_FEE_REVENUE,
    REFUNDS,
    SELLER_PAYABLE_PREFIX,
    STRIPE_BALANCE,
    sums_by_currency,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workflows.ledger.model import JournalEntry


def all_balance(entries: Iterable[JournalEntry]) -> bool:
    """Every posting of every entry together sums to zero in each currency."""
    return not any(sums_by_currency(p for e in entries for p in e.postings).values())


def _seller_total(entry: JournalEntry) -> int:
    return sum(p.amount.amount_minor for p in entry.postings if p.account.startswith(SELLER_PAYABLE_PREFIX))


@dataclass(frozen=True)
class OrderTotals:
    """One order's money, from its entries (amounts positive in the natural direction)."""

    charged: int
    in_transit: int
    seller_net: int
    fees: int
    refunds: int
    transferred: int
    #: what lost disputes gave back to the buyer's card (the sale undone, as a refund)
    charged_back: int = 0

    @classmethod
    def of(cls, entries: Iterable[JournalEntry]) -> OrderTotals:
        charged = in_transit = net = fees = refunds = transferred = charged_back = 0
        for e in entries:
            in_transit -= e.amount_on(BUYER_FUNDS_IN_TRANSIT)
            fees -= e.amount_on(PLATFORM_FEE_REVENUE)
            if e.kind == "payment":
                charged += e.amount_on(STRIPE_BALANCE)
            elif e.kind in ("fee", "refund", "refund_failed"):
                net -= _seller_total(e)
                refunds -= e.amount_on(REFUNDS)
            elif e.kind == "dispute_lost":
                net -= _seller_total(e)
                charged_back -= e.amount_on(DISPUTED_FUNDS)
            elif e.kind in ("transfer", "reversal", "seller_debt", "debt_recovered"):
                # a seller debt stands for a reversal Stripe could not make; a recovered debt is
                # part of this order's net paid to the seller by settling what they owed
                transferred += _seller_total(e)
        return cls(charged, in_transit, net, fees, refunds, transferred, charged_back)


def order_is_settled_correctly(entries: Iterable[JournalEntry]) -> bool:
    """charged = seller nets + fees + refunds + chargebacks (+ what is still in transit), all
    non-negative, and the seller was never sent (transfers minus reversals and debts, plus debts
    recovered from this order) more than their net."""
    entries = list(entries)
    if not all_balance(entries):
        return False
    t = OrderTotals.of(entries)
    return (
        t.charged == t.in_transit + t.seller_net + t.fees + t.refunds + t.charged_back
        and min(t.charged, t.in_transit, t.seller_net, t.fees, t.refunds, t.charged_back) >= 0
        and 0 <= t.transferred <= t.seller_net
    )
