"""The fee arithmetic: one seller's order lines and a schedule → that seller's quote.

Rules (all amounts integer minor units of one currency; rates are Decimal percentages):

1. ``items_total`` = Σ unit price x quantity, the unit price being the listing's effective price
   (an active deal applied) at the quote's moment; ``shipping_total`` = Σ line shipping.
2. ``category_percentage`` = round(Σ (line items + line shipping) x line rate / 100): the exact
   sum over lines is rounded **once**, half up, so the part is within half a minor unit of the
   exact value.
3. ``fixed`` = the schedule's fixed fee for the order total (items + shipping).
4. ``ad`` = round(Σ line items x the listing's promotion rate / 100) over the lines whose
   promotion is active at the quote's moment, rounded once, half up (shipping carries no ad fee).
5. The fee may not exceed the schedule's cap (if any), nor the order's gross (items + shipping):
   ``fee_total`` = min(sum of parts, cap, gross). When a limit binds, the excess is taken off the
   parts in this order: ``category_percentage`` first, then ``fixed``, then ``ad`` (the
   promotion the seller chose is the last to be waived). ``cap_reduction`` says how much was
   taken off; the parts reported are those after the reduction, so they always sum exactly to
   ``fee_total``.
6. ``seller_net`` = items_total + shipping_total - fee_total, never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from workflows.fees.errors import InvalidQuoteRequest, MixedCurrencies
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from workflows.fees.schedule import FeeSchedule

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class AdPromotion:
    """A listing's promotion: ``ad_rate_percent`` of the item total, in ``[starts_at, ends_at)``."""

    ad_rate_percent: Decimal
    starts_at: datetime
    ends_at: datetime

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class OrderLine:
    """One listing of an order, priced at the quote's moment."""

    listing_id: str
    seller_id: str
    quantity: int
    unit_price: Money
    shipping: Money
    category_path: tuple[str, ...]
    promotion: AdPromotion | None = None

    def __post_init__(self) -> None:
        if type(self.quantity) is not int or self.quantity < 1:
            raise InvalidQuoteRequest(f"quantity must be a positive integer, got {self.quantity!r}")
        if self.unit_price.amount_minor < 0 or self.shipping.amount_minor < 0:
            raise InvalidQuoteRequest("prices and shipping are never negative")
        if self.shipping.currency != self.unit_price.currency:
            raise MixedCurrencies("a line's shipping must be in the currency of its price")

    @property
    def items(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class FeeParts:
    category_percentage: Money
    fixed: Money
    ad: Money

    @property
    def total(self) -> Money:
        return self.category_percentage + self.fixed + self.ad


@dataclass(frozen=True)
class SellerQuote:
    seller_id: str
    currency: str
    items_total: Money
    shipping_total: Money
    fees: FeeParts
    #: how much the cap (or the order's gross) took off the parts; zero when no limit bound
    cap_reduction: Money
    fee_total: Money
    seller_net: Money
    schedule_version: int

    @property
    def gross(self) -> Money:
        return self.items_total + self.shipping_total


def round_half_up(exact: Decimal) -> int:
    """To a whole minor unit, half away from zero (amounts here are never negative)."""
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quote(order_lines: Sequence[OrderLine], schedule: FeeSchedule, now: datetime) -> SellerQuote:
    """One seller's quote (every line must be that seller's, in one currency)."""
    if not order_lines:
        raise InvalidQuoteRequest("a quote needs at least one line")
    seller_id, currency = order_lines[0].seller_id, order_lines[0].unit_price.currency
    if any(line.seller_id != seller_id for line in order_lines):
        raise InvalidQuoteRequest("quote() takes one seller's lines; use quote_order() for an order")
    if any(line.unit_price.currency != currency for line in order_lines):
        raise MixedCurrencies("All listings of a quote must be priced in the same currency.")
    rules = schedule.rules_for(currency)

    items = sum((line.items for line in order_lines), Money.zero(currency))
    shipping = sum((line.shipping for line in order_lines), Money.zero(currency))
    gross = items + shipping

    category_exact = sum(
        (
            Decimal(line.items.amount_minor + line.shipping.amount_minor)
            * rules.percent_for(line.category_path)
            for line in order_lines
        ),
        Decimal(0),
    )
    ad_exact = sum(
        (
            Decimal(line.items.amount_minor) * line.promotion.ad_rate_percent
            for line in order_lines
            if line.promotion is not None and line.promotion.active(now)
        ),
        Decimal(0),
    )
    raw = [
        round_half_up(category_exact / _HUNDRED),
        rules.fixed_fee_minor(gross.amount_minor),
        round_half_up(ad_exact / _HUNDRED),
    ]
    limit = gross.amount_minor if rules.cap_minor is None else min(rules.cap_minor, gross.amount_minor)
    reduction = max(0, sum(raw) - limit)
    parts = _reduce(raw, reduction)
    fees = FeeParts(*(Money(p, currency) for p in parts))
    return SellerQuote(
        seller_id=seller_id,
        currency=currency,
        items_total=items,
        shipping_total=shipping,
        fees=fees,
        cap_reduction=Money(reduction, currency),
        fee_total=fees.total,
        seller_net=gross - fees.total,
        schedule_version=schedule.version,
    )


def _reduce(parts: list[int], excess: int) -> list[int]:
    """Take ``excess`` off ``parts`` in order (first part first), none going below zero."""
    out = []
    for part in parts:
        taken = min(part, excess)
        out.append(part - taken)
        excess -= taken
    return out


def quote_order(lines: Sequence[OrderLine], schedule: FeeSchedule, now: datetime) -> list[SellerQuote]:
    """A quote per seller of the order, ordered by seller id (each seller's order is fee'd alone)."""
    if not lines:
        raise InvalidQuoteRequest("A quote needs at least one item.")
    currencies = {line.unit_price.currency for line in lines}
    if len(currencies) > 1:
        used = ", ".join(sorted(currencies))
        raise MixedCurrencies(f"All listings of a quote must be priced in one currency; these use {used}.")
    by_seller: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_seller.setdefault(line.seller_id, []).append(line)
    return [quote(by_seller[seller], schedule, now) for seller in sorted(by_seller)]
