"""What a buyer (``POST /fees/quote``) or a checkout asks a fee quote for: the items, by listing."""

from __future__ import annotations

from pydantic import Field, StrictInt

from workflows.catalog.model import MAX_QUANTITY
from workflows.shared.commands import Command

MAX_ITEMS = 50


class QuoteItem(Command):
    listing_id: str = Field(min_length=1, max_length=64)
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY, description="A whole number of items, 1 or more")
    shipping_service: str | None = Field(
        default=None, min_length=1, max_length=60, description="The shipping service; default the cheapest"
    )


class QuoteRequest(Command):
    items: list[QuoteItem] = Field(min_length=1, max_length=MAX_ITEMS)


class AgreedPrice(Command):
    """A unit price agreed between buyer and seller (an accepted offer, a won auction)."""

    amount: StrictInt = Field(ge=1, description="Minor units")
    currency: str = Field(min_length=3, max_length=3)


class HeldQuoteItem(QuoteItem):
    """An item of a checkout's nested quote (``held_by`` set): only a checkout sends these, never a
    client, so only a checkout can name the price it agreed (the listing's price otherwise)."""

    agreed_price: AgreedPrice | None = Field(
        default=None, description="The unit price agreed for the line; the listing's price when absent"
    )


class HeldQuoteRequest(Command):
    items: list[HeldQuoteItem] = Field(min_length=1, max_length=MAX_ITEMS)
