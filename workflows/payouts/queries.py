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
from typing import TYPE_CHECKING, Protocol

from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.orders.errors import OrderNotFound
from workflows.payouts.errors import InvalidReportRange
from workflows.payouts.views import (
    BalanceView,
    CurrencyBalanceView,
    CurrencySalesView,
    EntryView,
    OrderLedgerView,
    OrderTotalsView,
    PayoutPage,
    PayoutView,
    PostingView,
    SalesReportView,
)
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError, InvalidCurrency
from workflows.shared.money import CURRENCIES, Money
from workflows.shared.views import MoneyView

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


def _currency_filter(currency: str | None) -> str | None:
    if currency is not None and currency not in CURRENCIES:
        raise InvalidCurrency(
            f"unknown or unsupported currency {currency!r}", details={"supported": sorted(CURRENCIES)}
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
            items=[PayoutView.of(p) for p in page],
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
            start=start,
            end=end,
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
