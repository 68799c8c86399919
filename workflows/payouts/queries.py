"""The read side: a seller's balance, payouts and sales report; an order's ledger for admins.

Amounts come from the ledger (the source of truth for money) and, for what is payable now,
from the payouts' state: ``pending`` = owed to the seller but not payable yet (awaiting
delivery or a hold), ``available`` = payable now, ``paid_out`` = transferred less reversals.

Money is never added across currencies: the balance and the sales report have one entry per
currency the seller has money in (sorted by currency code), each payout carries its own
currency, and ``currency`` narrows any of them to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from workflows.catalog.views import MoneyView
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.ledger.model import EntryKind  # noqa: TC001 - pydantic reads it
from workflows.orders.service import OrderNotFound
from workflows.payouts.errors import InvalidReportRange
from workflows.payouts.model import HoldReason, PayoutStatus  # noqa: TC001 - pydantic reads them
from workflows.shared.clock import rfc3339
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError
from workflows.shared.money import CURRENCIES, Money

if TYPE_CHECKING:
    from workflows.ledger.model import JournalEntry
    from workflows.payouts.model import PayoutRecord
    from workflows.shared.identity import Caller

MAX_LIMIT = 100
MAX_REPORT_DAYS = 366


@dataclass(frozen=True)
class SellerMoney:
    """A seller's money in one currency."""

    owed: Money  # the seller_payable balance: pending + available
    available: Money  # payouts payable now, not yet transferred
    paid_out: Money  # transfers less reversals

    @property
    def currency(self) -> str:
        return self.owed.currency


@dataclass(frozen=True)
class SalesTotals:
    """A seller's sales of a period in one currency."""

    orders: int
    gross: Money
    fees: Money
    refunds: Money

    @property
    def currency(self) -> str:
        return self.gross.currency


class FinanceReader(Protocol):
    def seller_money(self, seller_id: str, currency: str | None) -> list[SellerMoney]:
        """One per currency the seller has money in (only ``currency`` when given), by currency code."""
        ...

    def payouts(
        self, seller_id: str, *, currency: str | None, limit: int, before: tuple[datetime, str] | None
    ) -> list[PayoutRecord]:
        """Newest first (by the time the order was paid), strictly after the cursor ``before``;
        only those in ``currency`` when given."""
        ...

    def sales(
        self, seller_id: str, currency: str | None, start: datetime, end: datetime
    ) -> list[SalesTotals]:
        """One per currency the seller sold in during [start, end) (only ``currency`` when given)."""
        ...

    def order_exists(self, order_id: str) -> bool: ...

    def order_entries(self, order_id: str) -> list[JournalEntry]: ...


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CurrencyBalanceView(_View):
    """The seller's money in one currency."""

    currency: str
    pending: MoneyView
    available: MoneyView
    paid_out: MoneyView


class BalanceView(_View):
    """One entry per currency the seller has money in, by currency code (none before a first sale)."""

    balances: list[CurrencyBalanceView]


class PayoutView(_View):
    payout_id: str
    order_id: str
    amount: MoneyView
    status: PayoutStatus
    hold_until: str | None
    hold_reason: HoldReason | None
    stopped_reason: str | None
    transfer_id: str | None
    transferred_at: str | None
    paid_at: str


class PayoutPage(_View):
    items: list[PayoutView]
    next_cursor: str | None


class CurrencySalesView(_View):
    """The period's sales in one currency: orders paid in it, with their fees and refunds."""

    currency: str
    orders: int
    gross: MoneyView
    fees: MoneyView
    refunds: MoneyView
    net: MoneyView


class SalesReportView(_View):
    """Sales of the period [start, end): one entry per currency sold in, by currency code."""

    start: str
    end: str
    totals: list[CurrencySalesView]


class PostingView(_View):
    account: str
    amount: MoneyView
    side: Literal["debit", "credit"]


class EntryView(_View):
    entry_id: str
    kind: EntryKind
    description: str
    balanced: bool
    postings: list[PostingView]


class OrderTotalsView(_View):
    charged: int
    in_transit: int
    seller_net: int
    fees: int
    refunds: int
    transferred: int


class OrderLedgerView(_View):
    order_id: str
    balanced: bool
    settled_correctly: bool
    totals: OrderTotalsView
    entries: list[EntryView]


def _payout_view(p: PayoutRecord) -> PayoutView:
    return PayoutView(
        payout_id=p.payout_id,
        order_id=p.order_id,
        amount=MoneyView.of(p.amount),
        status=p.status,
        hold_until=rfc3339(p.hold_until) if p.hold_until else None,
        hold_reason=p.hold_reason,
        stopped_reason=p.stopped_reason,
        transfer_id=p.transfer_id,
        transferred_at=rfc3339(p.transferred_at) if p.transferred_at else None,
        paid_at=rfc3339(p.paid_at),
    )


def _currency_filter(currency: str | None) -> str | None:
    if currency is not None and currency not in CURRENCIES:
        raise ContractError(
            f"unknown or unsupported currency {currency!r}",
            code="INVALID_CURRENCY",
            details={"supported": sorted(CURRENCIES)},
        )
    return currency


def _balance(money: SellerMoney) -> CurrencyBalanceView:
    pending = money.owed - money.available
    return CurrencyBalanceView(
        currency=money.currency,
        pending=MoneyView.of(pending if pending.amount_minor > 0 else Money.zero(pending.currency)),
        available=MoneyView.of(money.available),
        paid_out=MoneyView.of(money.paid_out),
    )


def _sales(totals: SalesTotals) -> CurrencySalesView:
    return CurrencySalesView(
        currency=totals.currency,
        orders=totals.orders,
        gross=MoneyView.of(totals.gross),
        fees=MoneyView.of(totals.fees),
        refunds=MoneyView.of(totals.refunds),
        net=MoneyView.of(totals.gross - totals.fees - totals.refunds),
    )


class SellerFinance:
    def __init__(self, reader: FinanceReader) -> None:
        self._reader = reader

    def balance(self, caller: Caller, *, currency: str | None = None) -> BalanceView:
        found = self._reader.seller_money(caller.user_id, _currency_filter(currency))
        return BalanceView(balances=[_balance(m) for m in sorted(found, key=lambda m: m.currency)])

    def payouts(
        self, caller: Caller, *, limit: int, cursor: str | None, currency: str | None = None
    ) -> PayoutPage:
        if not 1 <= limit <= MAX_LIMIT:
            raise ContractError(f"limit is between 1 and {MAX_LIMIT}")
        wanted = _currency_filter(currency)
        before = decode_cursor(cursor) if cursor else None
        found = self._reader.payouts(caller.user_id, currency=wanted, limit=limit + 1, before=before)
        page, more = found[:limit], len(found) > limit
        return PayoutPage(
            items=[_payout_view(p) for p in page],
            next_cursor=encode_cursor(page[-1].paid_at, page[-1].order_id) if more and page else None,
        )

    def sales_report(
        self, caller: Caller, start: datetime, end: datetime, *, currency: str | None = None
    ) -> SalesReportView:
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidReportRange("from and to are RFC 3339 times with a zone, e.g. 2026-11-01T00:00:00Z")
        if end <= start:
            raise InvalidReportRange("to must be after from")
        if end - start > timedelta(days=MAX_REPORT_DAYS):
            raise InvalidReportRange(f"a report covers at most {MAX_REPORT_DAYS} days")
        found = self._reader.sales(caller.user_id, _currency_filter(currency), start, end)
        return SalesReportView(
            start=rfc3339(start),
            end=rfc3339(end),
            totals=[_sales(t) for t in sorted(found, key=lambda t: t.currency)],
        )


class LedgerAudit:
    def __init__(self, reader: FinanceReader) -> None:
        self._reader = reader

    def order_ledger(self, caller: Caller, order_id: str) -> OrderLedgerView:
        caller.require("admin")
        if not self._reader.order_exists(order_id):
            raise OrderNotFound("No such order.")
        found = self._reader.order_entries(order_id)
        t = OrderTotals.of(found)
        return OrderLedgerView(
            order_id=order_id,
            balanced=all_balance(found),
            settled_correctly=order_is_settled_correctly(found),
            totals=OrderTotalsView(
                charged=t.charged,
                in_transit=t.in_transit,
                seller_net=t.seller_net,
                fees=t.fees,
                refunds=t.refunds,
                transferred=t.transferred,
            ),
            entries=[
                EntryView(
                    entry_id=e.entry_id,
                    kind=e.kind,
                    description=e.description,
                    balanced=all_balance([e]),
                    postings=[
                        PostingView(
                            account=p.account,
                            amount=MoneyView.of(Money(abs(p.amount.amount_minor), p.amount.currency)),
                            side="debit" if p.is_debit else "credit",
                        )
                        for p in e.postings
                    ],
                )
                for e in found
            ],
        )
