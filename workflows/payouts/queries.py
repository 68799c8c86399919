"""The read side: a seller's balance, payouts and sales report; an order's ledger for admins.

Amounts come from the ledger (the source of truth for money) and, for what is payable now,
from the payouts' state: ``pending`` = owed to the seller but not payable yet (awaiting
delivery or a hold), ``available`` = payable now, ``paid_out`` = transferred less reversals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from workflows.catalog.views import MoneyView
from workflows.ledger.invariants import OrderTotals, all_balance, order_is_settled_correctly
from workflows.orders.service import OrderNotFound
from workflows.payouts.errors import InvalidReportRange
from workflows.shared.clock import rfc3339
from workflows.shared.cursors import decode_cursor, encode_cursor
from workflows.shared.errors import ContractError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from workflows.ledger.model import JournalEntry
    from workflows.payouts.model import PayoutRecord
    from workflows.shared.identity import Caller

MAX_LIMIT = 100
MAX_REPORT_DAYS = 366
#: the platform's currency (balances of a seller with no sales are zero in it)
DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class SellerMoney:
    owed: Money  # the seller_payable balance: pending + available
    available: Money  # payouts payable now, not yet transferred
    paid_out: Money  # transfers less reversals


@dataclass(frozen=True)
class SalesTotals:
    orders: int
    gross: Money
    fees: Money
    refunds: Money


class FinanceReader(Protocol):
    def seller_money(self, seller_id: str, currency: str) -> SellerMoney: ...

    def seller_currency(self, seller_id: str) -> str | None: ...

    def payouts(
        self, seller_id: str, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[PayoutRecord]:
        """Newest first (by the time the order was paid), strictly after the cursor ``before``."""
        ...

    def sales(self, seller_id: str, currency: str, start: datetime, end: datetime) -> SalesTotals: ...

    def order_exists(self, order_id: str) -> bool: ...

    def order_entries(self, order_id: str) -> list[JournalEntry]: ...


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BalanceView(_View):
    pending: MoneyView
    available: MoneyView
    paid_out: MoneyView


class PayoutView(_View):
    payout_id: str
    order_id: str
    amount: MoneyView
    status: str
    hold_until: str | None
    hold_reason: str | None
    stopped_reason: str | None
    transfer_id: str | None
    transferred_at: str | None
    paid_at: str


class PayoutPage(_View):
    items: list[PayoutView]
    next_cursor: str | None


class SalesReportView(_View):
    """Sales of the period [start, end): orders paid in it, with their fees and refunds."""

    start: str
    end: str
    orders: int
    gross: MoneyView
    fees: MoneyView
    refunds: MoneyView
    net: MoneyView


class PostingView(_View):
    account: str
    amount: MoneyView
    side: str


class EntryView(_View):
    entry_id: str
    kind: str
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


class SellerFinance:
    def __init__(self, reader: FinanceReader) -> None:
        self._reader = reader

    def _currency(self, seller_id: str) -> str:
        return self._reader.seller_currency(seller_id) or DEFAULT_CURRENCY

    def balance(self, caller: Caller) -> BalanceView:
        money = self._reader.seller_money(caller.user_id, self._currency(caller.user_id))
        pending = money.owed - money.available
        return BalanceView(
            pending=MoneyView.of(pending if pending.amount_minor > 0 else Money.zero(pending.currency)),
            available=MoneyView.of(money.available),
            paid_out=MoneyView.of(money.paid_out),
        )

    def payouts(self, caller: Caller, *, limit: int, cursor: str | None) -> PayoutPage:
        if not 1 <= limit <= MAX_LIMIT:
            raise ContractError(f"limit is between 1 and {MAX_LIMIT}")
        before = decode_cursor(cursor) if cursor else None
        found = self._reader.payouts(caller.user_id, limit=limit + 1, before=before)
        page, more = found[:limit], len(found) > limit
        return PayoutPage(
            items=[_payout_view(p) for p in page],
            next_cursor=encode_cursor(page[-1].paid_at, page[-1].order_id) if more and page else None,
        )

    def sales_report(self, caller: Caller, start: datetime, end: datetime) -> SalesReportView:
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidReportRange("from and to are RFC 3339 times with a zone, e.g. 2026-11-01T00:00:00Z")
        if end <= start:
            raise InvalidReportRange("to must be after from")
        if end - start > timedelta(days=MAX_REPORT_DAYS):
            raise InvalidReportRange(f"a report covers at most {MAX_REPORT_DAYS} days")
        totals = self._reader.sales(caller.user_id, self._currency(caller.user_id), start, end)
        return SalesReportView(
            start=rfc3339(start),
            end=rfc3339(end),
            orders=totals.orders,
            gross=MoneyView.of(totals.gross),
            fees=MoneyView.of(totals.fees),
            refunds=MoneyView.of(totals.refunds),
            net=MoneyView.of(totals.gross - totals.fees - totals.refunds),
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
