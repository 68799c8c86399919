"""The journal entry of each business movement (the rules are in the package docstring).

Every constructor returns a balanced entry whose id is derived from the movement's business
key, so the same movement always gives the same entry and a retried posting is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflows.ledger.errors import InvalidMovement
from workflows.ledger.model import (
    BUYER_FUNDS_IN_TRANSIT,
    DISPUTED_FUNDS,
    PLATFORM_BANK,
    PLATFORM_FEE_REVENUE,
    REFUNDS,
    STRIPE_BALANCE,
    STRIPE_FEES,
    JournalEntry,
    Posting,
    credit,
    debit,
    seller_payable,
    seller_receivable,
)
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from workflows.ledger.model import EntryKind
    from workflows.shared.money import Money


@dataclass(frozen=True)
class OrderAmounts:
    """What the ledger needs of an order: who sells, the gross and its split into fee and net."""

    order_id: str
    seller_id: str
    fee: Money
    net: Money

    def __post_init__(self) -> None:
        if self.fee.currency != self.net.currency:
            raise InvalidMovement("an order's fee and net are in one currency")
        if self.fee.amount_minor < 0 or self.net.amount_minor < 0:
            raise InvalidMovement("an order's fee and net are never negative")

    @property
    def gross(self) -> Money:
        return self.fee + self.net

    @property
    def currency(self) -> str:
        return self.net.currency


def entry_id(kind: EntryKind, key: str) -> str:
    return derived_id("ledger", kind, key)


def _positive(amount: Money, currency: str, what: str) -> None:
    if amount.currency != currency:
        raise InvalidMovement(f"{what} is in {amount.currency}, the order in {currency}")
    if amount.amount_minor <= 0:
        raise InvalidMovement(f"{what} must be positive, got {amount.amount_minor}")


def _entry(
    kind: EntryKind, key: str, postings: Sequence[Posting], *, order_id: str | None, description: str
) -> JournalEntry:
    return JournalEntry(
        entry_id=entry_id(kind, key),
        kind=kind,
        postings=tuple(postings),
        order_id=order_id,
        description=description,
    )


def payment_captured(order: OrderAmounts, charge_id: str) -> JournalEntry:
    """The buyer's money for this order reached the platform's Stripe balance."""
    _positive(order.gross, order.currency, "an order's gross")
    return _entry(
        "payment",
        order.order_id,
        [debit(STRIPE_BALANCE, order.gross), credit(BUYER_FUNDS_IN_TRANSIT, order.gross)],
        order_id=order.order_id,
        description=f"payment {charge_id} for order {order.order_id}",
    )


def checkout_payment(orders: Sequence[OrderAmounts], charge_id: str, charged: Money) -> list[JournalEntry]:
    """One charge of a checkout, split per order: the orders' grosses must add up to the charge."""
    if not orders:
        raise InvalidMovement("a checkout's payment needs its orders")
    total = sum((o.gross for o in orders[1:]), orders[0].gross)
    if total != charged:
        raise InvalidMovement(
            f"the orders add up to {total.amount_minor}, the charge is {charged.amount_minor}"
        )
    return [payment_captured(o, charge_id) for o in orders if o.gross.amount_minor > 0]


def fee_recognized(order: OrderAmounts) -> JournalEntry:
    """The paid gross splits into the platform's fee and the seller's net (owed to the seller)."""
    _positive(order.gross, order.currency, "an order's gross")
    postings = [debit(BUYER_FUNDS_IN_TRANSIT, order.gross)]
    if order.fee.amount_minor:
        postings.append(credit(PLATFORM_FEE_REVENUE, order.fee))
    if order.net.amount_minor:
        postings.append(credit(seller_payable(order.seller_id), order.net))
    return _entry(
        "fee", order.order_id, postings, order_id=order.order_id, description=f"fee of order {order.order_id}"
    )


def refund_split(order: OrderAmounts, amount: Money, refunded_before: Money) -> tuple[Money, Money]:
    """(net part, fee part) of a refund of ``amount`` after ``refunded_before`` was refunded.

    The fee is reversed in proportion: the cumulative refund is split by the weights (net, fee)
    and this refund takes the difference, so a full refund reverses exactly the net and the fee.
    """
    _positive(amount, order.currency, "a refund")
    if refunded_before.currency != order.currency or refunded_before.amount_minor < 0:
        raise InvalidMovement("what was refunded before is a non-negative amount in the order's currency")
    after = refunded_before + amount
    if after.amount_minor > order.gross.amount_minor:
        raise InvalidMovement(
            f"refunding {amount.amount_minor} would refund {after.amount_minor} of an order of "
            f"{order.gross.amount_minor}"
        )
    weights = [order.net.amount_minor, order.fee.amount_minor]
    net_after, fee_after = after.allocate(weights)
    if refunded_before.amount_minor:
        net_before, fee_before = refunded_before.allocate(weights)
    else:
        net_before = fee_before = refunded_before
    return net_after - net_before, fee_after - fee_before


def refund(order: OrderAmounts, refund_id: str, amount: Money, refunded_before: Money) -> JournalEntry:
    """A refund granted to the buyer (full or partial; a cancellation before shipment is full)."""
    net_part, fee_part = refund_split(order, amount, refunded_before)
    postings = []
    if net_part.amount_minor:
        postings.append(debit(seller_payable(order.seller_id), net_part))
    if fee_part.amount_minor:
        postings.append(debit(PLATFORM_FEE_REVENUE, fee_part))
    postings.append(credit(REFUNDS, amount))
    return _entry("refund", refund_id, postings, order_id=order.order_id, description=f"refund {refund_id}")


def refund_paid(order_id: str, refund_id: str, amount: Money) -> JournalEntry:
    """Stripe paid the granted refund back to the buyer's card."""
    _positive(amount, amount.currency, "a refund")
    return _entry(
        "refund_paid",
        refund_id,
        [debit(REFUNDS, amount), credit(STRIPE_BALANCE, amount)],
        order_id=order_id,
        description=f"refund {refund_id} paid",
    )


def refund_failed(granted: JournalEntry, refund_id: str) -> JournalEntry:
    """Stripe could not pay the refund back: its ``refund`` entry (``granted``) reversed, posting
    by posting, so whatever split the refund took (net, fee) goes back exactly."""
    if granted.kind != "refund" or granted.entry_id != entry_id("refund", refund_id):
        raise InvalidMovement(f"entry {granted.entry_id} is not the refund entry of {refund_id}")
    return _entry(
        "refund_failed",
        refund_id,
        [Posting(p.account, -p.amount) for p in granted.postings],
        order_id=granted.order_id,
        description=f"refund {refund_id} failed",
    )


def refund_returned(order_id: str, refund_id: str, amount: Money) -> JournalEntry:
    """A refund Stripe had paid failed afterwards: the money is back in the platform's balance."""
    _positive(amount, amount.currency, "a returned refund")
    return _entry(
        "refund_returned",
        refund_id,
        [debit(STRIPE_BALANCE, amount), credit(REFUNDS, amount)],
        order_id=order_id,
        description=f"refund {refund_id} returned",
    )


def transfer(order: OrderAmounts, transfer_id: str, amount: Money) -> JournalEntry:
    """Money sent to the seller's connected account (``source_transaction`` = the order's charge)."""
    _positive(amount, order.currency, "a transfer")
    return _entry(
        "transfer",
        transfer_id,
        [debit(seller_payable(order.seller_id), amount), credit(STRIPE_BALANCE, amount)],
        order_id=order.order_id,
        description=f"transfer {transfer_id}",
    )


def transfer_reversal(order: OrderAmounts, reversal_id: str, amount: Money) -> JournalEntry:
    """Money taken back from the seller's connected account (a refund or a dispute)."""
    _positive(amount, order.currency, "a transfer reversal")
    return _entry(
        "reversal",
        reversal_id,
        [debit(STRIPE_BALANCE, amount), credit(seller_payable(order.seller_id), amount)],
        order_id=order.order_id,
        description=f"transfer reversal {reversal_id}",
    )


def payout(payout_id: str, amount: Money) -> JournalEntry:
    """The platform's own Stripe balance paid out to its bank account."""
    _positive(amount, amount.currency, "a payout")
    return _entry(
        "payout",
        payout_id,
        [debit(PLATFORM_BANK, amount), credit(STRIPE_BALANCE, amount)],
        order_id=None,
        description=f"payout {payout_id}",
    )


def stripe_fee(balance_transaction_id: str, amount: Money, *, order_id: str | None = None) -> JournalEntry:
    """Stripe's processing fee taken from the platform's balance."""
    _positive(amount, amount.currency, "a Stripe fee")
    return _entry(
        "stripe_fee",
        balance_transaction_id,
        [debit(STRIPE_FEES, amount), credit(STRIPE_BALANCE, amount)],
        order_id=order_id,
        description=f"Stripe fee {balance_transaction_id}",
    )


def seller_debt(order: OrderAmounts, key: str, amount: Money) -> JournalEntry:
    """A refund's (or a lost dispute's) net part that the seller's connected account could not
    give back: the seller owes it, recovered from their later payouts (``debt_recovered``)."""
    _positive(amount, order.currency, "a seller debt")
    return _entry(
        "seller_debt",
        key,
        [debit(seller_receivable(order.seller_id), amount), credit(seller_payable(order.seller_id), amount)],
        order_id=order.order_id,
        description=f"seller {order.seller_id} owes {key}",
    )


def debt_recovered(order: OrderAmounts, key: str, amount: Money) -> JournalEntry:
    """Part of a later order's net kept back to pay off the seller's debt (before its transfer)."""
    _positive(amount, order.currency, "a recovered debt")
    return _entry(
        "debt_recovered",
        key,
        [debit(seller_payable(order.seller_id), amount), credit(seller_receivable(order.seller_id), amount)],
        order_id=order.order_id,
        description=f"debt of seller {order.seller_id} recovered from order {order.order_id}",
    )


def dispute_withdrawn(order: OrderAmounts, dispute_id: str, amount: Money) -> JournalEntry:
    """Stripe took the disputed amount out of the platform's balance while the dispute is open."""
    _positive(amount, order.currency, "a disputed amount")
    return _entry(
        "dispute_withdrawn",
        dispute_id,
        [debit(DISPUTED_FUNDS, amount), credit(STRIPE_BALANCE, amount)],
        order_id=order.order_id,
        description=f"dispute {dispute_id}: funds withdrawn",
    )


def dispute_fee(order: OrderAmounts, dispute_id: str, amount: Money) -> JournalEntry:
    """Stripe's dispute fee, taken from the platform's balance (the platform's expense)."""
    _positive(amount, order.currency, "a dispute fee")
    return _entry(
        "dispute_fee",
        dispute_id,
        [debit(STRIPE_FEES, amount), credit(STRIPE_BALANCE, amount)],
        order_id=order.order_id,
        description=f"dispute {dispute_id}: fee",
    )


def dispute_reinstated(order: OrderAmounts, dispute_id: str, amount: Money) -> JournalEntry:
    """The dispute was won: Stripe put the disputed amount back in the platform's balance."""
    _positive(amount, order.currency, "a reinstated amount")
    return _entry(
        "dispute_reinstated",
        dispute_id,
        [debit(STRIPE_BALANCE, amount), credit(DISPUTED_FUNDS, amount)],
        order_id=order.order_id,
        description=f"dispute {dispute_id}: funds reinstated",
    )


def dispute_lost(order: OrderAmounts, dispute_id: str, amount: Money, refunded_before: Money) -> JournalEntry:
    """The dispute was lost: the withdrawn money went back to the buyer's card, so the sale is
    undone like a refund of ``amount`` (the net and the fee in proportion, as :func:`refund`)."""
    net_part, fee_part = refund_split(order, amount, refunded_before)
    postings = []
    if net_part.amount_minor:
        postings.append(debit(seller_payable(order.seller_id), net_part))
    if fee_part.amount_minor:
        postings.append(debit(PLATFORM_FEE_REVENUE, fee_part))
    postings.append(credit(DISPUTED_FUNDS, amount))
    description = f"dispute {dispute_id} lost"
    return _entry("dispute_lost", dispute_id, postings, order_id=order.order_id, description=description)
