"""Journal entries and their postings: pure values, balanced by construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from workflows.ledger.errors import UnbalancedEntry

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workflows.shared.money import Money

EntryKind = Literal[
    "payment",
    "fee",
    "refund",
    "refund_paid",
    "refund_failed",
    "refund_returned",
    "transfer",
    "reversal",
    "payout",
    "stripe_fee",
    "seller_debt",
    "debt_recovered",
    "dispute_withdrawn",
    "dispute_fee",
    "dispute_reinstated",
    "dispute_lost",
]
ENTRY_KINDS: tuple[str, ...] = get_args(EntryKind)
AccountKind = Literal["asset", "liability", "revenue", "expense"]

STRIPE_BALANCE = "stripe_balance"
PLATFORM_BANK = "platform_bank"
BUYER_FUNDS_IN_TRANSIT = "buyer_funds_in_transit"
REFUNDS = "refunds"
PLATFORM_FEE_REVENUE = "platform_fee_revenue"
STRIPE_FEES = "stripe_fees"
DISPUTED_FUNDS = "disputed_funds"
SELLER_PAYABLE_PREFIX = "seller_payable:"
SELLER_RECEIVABLE_PREFIX = "seller_receivable:"

FIXED_ACCOUNTS: dict[str, AccountKind] = {
    STRIPE_BALANCE: "asset",
    PLATFORM_BANK: "asset",
    BUYER_FUNDS_IN_TRANSIT: "liability",
    REFUNDS: "liability",
    PLATFORM_FEE_REVENUE: "revenue",
    STRIPE_FEES: "expense",
    DISPUTED_FUNDS: "asset",
}


def seller_payable(seller_id: str) -> str:
    if not seller_id or ":" in seller_id or any(c.isspace() for c in seller_id):
        raise ValueError(f"not a seller id usable in an account code: {seller_id!r}")
    return SELLER_PAYABLE_PREFIX + seller_id


def seller_receivable(seller_id: str) -> str:
    """What a seller owes the platform (a refund or chargeback their balance could not cover)."""
    return SELLER_RECEIVABLE_PREFIX + seller_payable(seller_id).removeprefix(SELLER_PAYABLE_PREFIX)


def account_kind(account: str) -> AccountKind:
    """The kind of an account of the chart (``seller_payable:<id>`` accounts are liabilities,
    ``seller_receivable:<id>`` assets)."""
    if account in FIXED_ACCOUNTS:
        return FIXED_ACCOUNTS[account]
    if account.startswith(SELLER_PAYABLE_PREFIX) and len(account) > len(SELLER_PAYABLE_PREFIX):
        return "liability"
    if account.startswith(SELLER_RECEIVABLE_PREFIX) and len(account) > len(SELLER_RECEIVABLE_PREFIX):
        return "asset"
    raise ValueError(f"no such ledger account: {account!r}")


@dataclass(frozen=True)
class Posting:
    """One line of an entry: ``amount`` > 0 is a debit, < 0 a credit (never zero)."""

    account: str
    amount: Money

    def __post_init__(self) -> None:
        account_kind(self.account)
        if self.amount.amount_minor == 0:
            raise UnbalancedEntry(f"a posting to {self.account} of zero")

    @property
    def is_debit(self) -> bool:
        return self.amount.amount_minor > 0


def debit(account: str, amount: Money) -> Posting:
    return Posting(account, amount)


def credit(account: str, amount: Money) -> Posting:
    return Posting(account, -amount)


def sums_by_currency(postings: Iterable[Posting]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for p in postings:
        totals[p.amount.currency] = totals.get(p.amount.currency, 0) + p.amount.amount_minor
    return totals


@dataclass(frozen=True)
class JournalEntry:
    """A balanced set of postings recording one business movement, under a deterministic id."""

    entry_id: str
    kind: EntryKind
    postings: tuple[Posting, ...]
    order_id: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.entry_id:
            raise UnbalancedEntry("a journal entry needs an id")
        if self.kind not in ENTRY_KINDS:
            raise UnbalancedEntry(f"unknown entry kind {self.kind!r}")
        if len(self.postings) < 2:
            raise UnbalancedEntry(f"entry {self.entry_id} needs at least two postings")
        off = {c: total for c, total in sums_by_currency(self.postings).items() if total}
        if off:
            raise UnbalancedEntry(f"entry {self.entry_id} does not balance: {off}")

    def same_as(self, other: JournalEntry) -> bool:
        """The same movement (what a retried posting must be): kind, order and postings."""
        return (
            self.entry_id == other.entry_id
            and self.kind == other.kind
            and self.order_id == other.order_id
            and sorted(self.postings, key=_key) == sorted(other.postings, key=_key)
        )

    def amount_on(self, account: str) -> int:
        """The signed sum of this entry's postings to ``account`` (all currencies of the entry)."""
        return sum(p.amount.amount_minor for p in self.postings if p.account == account)


def _key(p: Posting) -> tuple[str, str, int]:
    return (p.account, p.amount.currency, p.amount.amount_minor)
