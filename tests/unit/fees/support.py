"""Builders shared by the fee unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from workflows.fees.calculate import AdPromotion, OrderLine
from workflows.fees.schedule import CurrencyRules, FeeSchedule, FixedFeeTier
from workflows.shared.money import Money

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PHONES = ("electronics", "phones")


def usd(amount: int) -> Money:
    return Money(amount, "USD")


def rules(cap: int | None = None, **by_category: str) -> CurrencyRules:
    return CurrencyRules(
        default_percent=Decimal("13.25"),
        by_category={k: Decimal(v) for k, v in by_category.items()},
        fixed_fee_tiers=(FixedFeeTier(1000, 30), FixedFeeTier(None, 40)),
        cap_minor=cap,
    )


def schedule(cap: int | None = None, version: int = 1, **by_category: str) -> FeeSchedule:
    return FeeSchedule(
        version=version,
        effective_from=NOW - timedelta(days=30),
        currencies={"USD": rules(cap, **by_category)},
    )


def line(
    price: int,
    quantity: int = 1,
    shipping: int = 0,
    *,
    seller: str = "seller-1",
    listing: str = "listing-1",
    path: tuple[str, ...] = ("misc",),
    ad: str | None = None,
    ad_window: tuple[datetime, datetime] = (NOW - timedelta(days=1), NOW + timedelta(days=1)),
) -> OrderLine:
    return OrderLine(
        listing_id=listing,
        seller_id=seller,
        quantity=quantity,
        unit_price=usd(price),
        shipping=usd(shipping),
        category_path=path,
        promotion=None if ad is None else AdPromotion(Decimal(ad), *ad_window),
    )
