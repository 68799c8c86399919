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
