"""What callers send: request models (strict: no float money, no unknown currency, no extras)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)

from workflows.catalog.model import Condition, ListingFormat
from workflows.shared.commands import Command
from workflows.shared.fields import MULTI_LINE, ONE_LINE
from workflows.shared.money import CURRENCIES, Money


def _percent(value: Any) -> Decimal:
    """An integer or a decimal string ("7.5"); never a float (binary fractions are not money)."""
    if isinstance(value, (bool, float)):
        raise ValueError('give a percentage as an integer or a decimal string such as "7.5", not a float')
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal number") from exc
        if not parsed.is_finite():
            raise ValueError("a percentage must be a finite number")
        return parsed
    raise ValueError("give a percentage as an integer or a decimal string")


Percent = Annotated[Decimal, BeforeValidator(_percent)]
#: the text a seller writes: one line, or free text (no control characters; workflows.shared.fields)
Title = Annotated[str, Field(min_length=3, max_length=80), ONE_LINE]
Description = Annotated[str, Field(max_length=20_000), MULTI_LINE]
CategoryName = Annotated[str, Field(min_length=1, max_length=80), ONE_LINE]


class Strict(Command):
    """The catalog's requests: whitespace around text is not part of it."""

    model_config = ConfigDict(str_strip_whitespace=True)


class MoneyIn(Strict):
    amount: StrictInt = Field(ge=0, description="Minor units (cents); an integer, never negative")
    currency: str = Field(
        description=(
            "ISO 4217, e.g. USD. A listing is priced in a currency the platform settles and the fee "
            "schedule in effect covers (USD, EUR and GBP at launch); any other is a 400 "
            "CURRENCY_NOT_SUPPORTED whose details.supported lists them. Shipping uses the price's currency."
        )
    )

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CURRENCIES:
            raise ValueError(f"unknown or unsupported currency {value!r}")
        return value

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class ItemSpecificSpecIn(Strict):
    name: str = Field(min_length=1, max_length=60)
    required: bool = False
    allowed_values: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=200
    )


class CreateCategory(Strict):
    name: CategoryName
    slug: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    parent_id: str | None = None
    item_specifics: list[ItemSpecificSpecIn] = Field(default_factory=list, max_length=40)
    conditions: list[Condition] = Field(default_factory=lambda: list(Condition), min_length=1)


class UpdateCategory(Strict):
    name: CategoryName | None = None
    item_specifics: list[ItemSpecificSpecIn] | None = Field(default=None, max_length=40)
    conditions: list[Condition] | None = Field(default=None, min_length=1)


class ItemSpecificIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=60), ONE_LINE]
    value: Annotated[str, Field(min_length=1, max_length=80), ONE_LINE]


class ShippingOptionIn(Strict):
    service: Annotated[str, Field(min_length=1, max_length=60), ONE_LINE]
    price: MoneyIn
    estimated_days: StrictInt = Field(ge=0, le=90)


#: Buy It Now on an auction is at least this much above its starting price (eBay's 30%)
AUCTION_BIN_MARKUP_PERCENT = 30
#: how long an auction may run, in days (eBay's)
AUCTION_DURATIONS_DAYS = (1, 3, 5, 7, 10)


class AuctionTermsIn(Strict):
    """An auction's terms: the bids start at ``starting_price``; the reserve is never shown."""

    starting_price: MoneyIn
    reserve_price: MoneyIn | None = Field(
        default=None, description="Secret: the item sells only if bidding reaches it (above the start)"
    )
    buy_it_now_price: MoneyIn | None = Field(
        default=None,
        description="At least 30% above the starting price; goes with the first bid (or once the "
        "reserve is met)",
    )
    duration_days: StrictInt = Field(ge=1, le=10, description="How long it runs: 1, 3, 5, 7 or 10 days")

    @field_validator("duration_days")
    @classmethod
    def _a_duration(cls, value: int) -> int:
        if value not in AUCTION_DURATIONS_DAYS:
            raise ValueError("duration_days must be 1, 3, 5, 7 or 10")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AuctionTermsIn:
        start = self.starting_price
        if start.amount < 1:
            raise ValueError("starting_price must be at least one minor unit")
        for name in ("reserve_price", "buy_it_now_price"):
            other = getattr(self, name)
            if other is not None and other.currency != start.currency:
                raise ValueError(f"{name} must be in the starting price's currency")
        if self.reserve_price is not None and self.reserve_price.amount <= start.amount:
            raise ValueError("reserve_price must be above starting_price")
        if self.buy_it_now_price is not None:
            floor = -(-start.amount * (100 + AUCTION_BIN_MARKUP_PERCENT) // 100)
            if self.buy_it_now_price.amount < floor:
                raise ValueError(
                    f"buy_it_now_price must be at least {AUCTION_BIN_MARKUP_PERCENT}% above "
                    f"starting_price ({floor} or more)"
                )
            if self.reserve_price is not None and self.buy_it_now_price.amount < self.reserve_price.amount:
                raise ValueError("buy_it_now_price must not be under reserve_price")
        return self


class CreateListing(Strict):
    title: Title
    description: Description = ""
    category_id: str = Field(min_length=1)
    condition: Condition
    item_specifics: list[ItemSpecificIn] = Field(default_factory=list, max_length=40)
    price: MoneyIn | None = Field(
        default=None, description="The price of a fixed-price listing (an auction gives auction instead)"
    )
    quantity: StrictInt = Field(default=1, ge=1, le=10_000)
    shipping_options: list[ShippingOptionIn] = Field(min_length=1, max_length=10)
    format: ListingFormat = ListingFormat.FIXED_PRICE
    auction: AuctionTermsIn | None = Field(default=None, description="Required when format is auction")
    best_offer: BestOfferIn | None = Field(
        default=None, description="Best Offer: buyers may offer less (fixed price only)"
    )

    @model_validator(mode="after")
    def _format_fits(self) -> CreateListing:
        if self.format == ListingFormat.AUCTION:
            if self.auction is None:
                raise ValueError("an auction listing needs auction terms (starting_price, duration_days)")
            if self.price is not None:
                raise ValueError("an auction listing has no price: give auction.starting_price")
            if self.quantity != 1:
                raise ValueError("an auction listing is of quantity 1")
        else:
            if self.price is None:
                raise ValueError("a fixed-price listing needs a price")
            if self.auction is not None:
                raise ValueError("auction terms are for format auction only")
        return self

    def listed_price(self) -> Money:
        """The listing's price: the fixed price, or an auction's starting price."""
        if self.auction is not None:
            return self.auction.starting_price.money()
        assert self.price is not None  # the validator above holds it
        return self.price.money()


class BestOfferIn(Strict):
    """Best Offer on a fixed-price listing; the thresholds are never shown to buyers."""

    enabled: bool
    auto_accept_at: MoneyIn | None = Field(
        default=None, description="Offers at or above it are accepted at once (below the price)"
    )
    auto_decline_below: MoneyIn | None = Field(
        default=None, description="Offers below it are declined at once (below auto_accept_at)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> BestOfferIn:
        accept, decline = self.auto_accept_at, self.auto_decline_below
        if not self.enabled and (accept is not None or decline is not None):
            raise ValueError("thresholds are for enabled Best Offer only")
        if accept is not None and decline is not None:
            if accept.currency != decline.currency:
                raise ValueError("auto_accept_at and auto_decline_below must be in one currency")
            if decline.amount >= accept.amount:
                raise ValueError("auto_decline_below must be under auto_accept_at")
        return self


class UpdateListing(Strict):
    """Only the fields given change; the category cannot change (end it and list again)."""

    title: Title | None = None
    description: Description | None = None
    condition: Condition | None = None
    item_specifics: list[ItemSpecificIn] | None = Field(default=None, max_length=40)
    price: MoneyIn | None = None
    quantity: StrictInt | None = Field(default=None, ge=0, le=10_000)
    shipping_options: list[ShippingOptionIn] | None = Field(default=None, min_length=1, max_length=10)
    best_offer: BestOfferIn | None = Field(default=None, description="Best Offer (fixed price only)")


class RequestImageUpload(Strict):
    content_type: str
    size: StrictInt = Field(gt=0, description="Bytes")


class _Windowed(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> _Windowed:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class PromoteListing(_Windowed):
    ad_rate_percent: Percent = Field(description='2 to 100, e.g. 5 or "7.5"')

    @field_validator("ad_rate_percent")
    @classmethod
    def _range(cls, value: Decimal) -> Decimal:
        if not Decimal(2) <= value <= Decimal(100) or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError("ad_rate_percent must be between 2 and 100, with at most 2 decimals")
        return value


class CreateDeal(_Windowed):
    discount_percent: Percent = Field(description='5 to 90, e.g. 20 or "12.5"')
    priority: StrictInt = Field(default=0, ge=0, le=1000)

    @field_validator("discount_percent")
    @classmethod
    def _range(cls, value: Decimal) -> Decimal:
        if not Decimal(5) <= value <= Decimal(90) or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError("discount_percent must be between 5 and 90, with at most 2 decimals")
        return value


class SavedSearchCriteria(Strict):
    q: str | None = Field(default=None, max_length=200)
    category_id: str | None = None
    condition: Condition | None = None
    min_price: StrictInt | None = Field(default=None, ge=0)
    max_price: StrictInt | None = Field(default=None, ge=0)
    seller_id: str | None = None


class CreateSavedSearch(Strict):
    name: str | None = Field(default=None, max_length=80)
    query: SavedSearchCriteria
