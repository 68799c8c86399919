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


class CreateListing(Strict):
    title: Title
    description: Description = ""
    category_id: str = Field(min_length=1)
    condition: Condition
    item_specifics: list[ItemSpecificIn] = Field(default_factory=list, max_length=40)
    price: MoneyIn
    quantity: StrictInt = Field(default=1, ge=1, le=10_000)
    shipping_options: list[ShippingOptionIn] = Field(min_length=1, max_length=10)
    format: ListingFormat = ListingFormat.FIXED_PRICE


class UpdateListing(Strict):
    """Only the fields given change; the category cannot change (end it and list again)."""

    title: Title | None = None
    description: Description | None = None
    condition: Condition | None = None
    item_specifics: list[ItemSpecificIn] | None = Field(default=None, max_length=40)
    price: MoneyIn | None = None
    quantity: StrictInt | None = Field(default=None, ge=0, le=10_000)
    shipping_options: list[ShippingOptionIn] | None = Field(default=None, min_length=1, max_length=10)


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
