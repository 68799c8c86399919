"""What the seller-finance and ledger-audit API answers: balances, payouts, sales, an order's ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from workflows.ledger.model import EntryKind  # noqa: TC001 - pydantic reads it
from workflows.payouts.model import HoldReason, PayoutStatus  # noqa: TC001 - pydantic reads them
from workflows.shared.views import MoneyView, Timestamp, View

if TYPE_CHECKING:
    from workflows.payouts.model import PayoutRecord


class CurrencyBalanceView(View):
    """The seller's money in one currency."""

    currency: str
    pending: MoneyView
    available: MoneyView
    paid_out: MoneyView


class BalanceView(View):
    """One entry per currency the seller has money in, by currency code (none before a first sale)."""

    balances: list[CurrencyBalanceView]


class PayoutView(View):
    payout_id: str
    order_id: str
    amount: MoneyView
    status: PayoutStatus
    hold_until: Timestamp | None
    hold_reason: HoldReason | None
    stopped_reason: str | None
    transfer_id: str | None
    transferred_at: Timestamp | None
    paid_at: Timestamp

    @classmethod
    def of(cls, payout: PayoutRecord) -> PayoutView:
        return cls(
            payout_id=payout.payout_id,
            order_id=payout.order_id,
            amount=MoneyView.of(payout.amount),
            status=payout.status,
            hold_until=payout.hold_until,
            hold_reason=payout.hold_reason,
            stopped_reason=payout.stopped_reason,
            transfer_id=payout.transfer_id,
            transferred_at=payout.transferred_at,
            paid_at=payout.paid_at,
        )


class PayoutPage(View):
    items: list[PayoutView]
    next_cursor: str | None


class CurrencySalesView(View):
    """The period's sales in one currency: orders paid in it, with their fees and refunds."""

    currency: str
    orders: int
    gross: MoneyView
    fees: MoneyView
    refunds: MoneyView
    net: MoneyView


class SalesReportView(View):
    """Sales of the period [start, end): one entry per currency sold in, by currency code."""

    start: Timestamp
    end: Timestamp
    totals: list[CurrencySalesView]


class PostingView(View):
    account: str
    amount: MoneyView
    side: Literal["debit", "credit"]


class EntryView(View):
    entry_id: str
    kind: EntryKind
    description: str
    balanced: bool
    postings: list[PostingView]


class OrderTotalsView(View):
    charged: int
    in_transit: int
    seller_net: int
    fees: int
    refunds: int
    transferred: int


class OrderLedgerView(View):
    order_id: str
    balanced: bool
    settled_correctly: bool
    totals: OrderTotalsView
    entries: list[EntryView]
